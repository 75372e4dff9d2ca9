"""Library-wide settings: how many threads an in-memory analysis may use.

By default every analysis runs on the calling thread only, so that a service embedding
saasmetrics (a web worker, a Dask task, a process per core) gets no threads it did not ask
for. A notebook on a machine of its own can give an analysis more cores. The analyses that
can split their encoded data into chunks of whole users for free (the funnel and session
paths on an :class:`~saasmetrics.EventLog`, which is sorted by user) then run their
``partial`` step on each chunk in a thread of its own and merge the partials, the same
partial / merge code that runs on Dask (:mod:`saasmetrics.scale`); the default cohort table,
the magic-number search and the health account features (and early warnings) run their
passes over blocks of rows in threads, and encoding a frame does too. Results do not depend
on the number of threads. Analyses whose steps would have to copy every row, or that scatter
with ``ufunc.at`` over every row (which holds the GIL), run on one thread whatever this says
(see the scale explanation). On Dask, each partition's partial runs on one thread.

The number is, in order of precedence: the innermost :func:`threads` block of the calling
thread or task, else the last :func:`set_threads`, else the environment variable
``SAASMETRICS_THREADS`` (a whole number, or ``all`` for every core), else 1.

Examples
--------
>>> from saasmetrics import config
>>> with config.threads(2):
...     config.get_threads()
2
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from saasmetrics.exceptions import ParameterError

__all__ = ("get_threads", "set_threads", "threads")

ENV_VAR = "SAASMETRICS_THREADS"

_scoped: ContextVar[int | None] = ContextVar("saasmetrics_threads", default=None)
_process_wide: list[int] = []  # the last set_threads, if any


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _checked(n: object, what: str) -> int:
    """``n`` as a number of threads: a whole number >= 1, or ``"all"`` for every core."""
    if isinstance(n, str) and n.strip().lower() == "all":
        return _cores()
    # Python and NumPy integers alike, as check_int (np.bool_ is no Integral)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ParameterError(
            f"{what} must be a whole number of threads >= 1 or 'all'; got {n!r}.",
            hint="for example 2, or 'all' for every core of this machine.",
        )
    if n < 1:
        raise ParameterError(f"{what} must be >= 1; got {n}.", hint="1 runs on one thread.")
    return int(n)


def _from_environment() -> int:
    raw = os.environ.get(ENV_VAR)
    if raw is None or not raw.strip():
        return 1
    text = raw.strip()
    # a sign, then decimal digits only: all that int() reads ("--2" and "\u00b2" are no numbers)
    digits = text[1:] if text[0] in "+-" else text
    value: object = int(text) if digits.isdecimal() else text
    return _checked(value, f"the environment variable {ENV_VAR}")


def get_threads() -> int:
    """The number of threads an in-memory analysis may use here and now.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ParameterError
        If ``SAASMETRICS_THREADS`` is set to something other than a whole number >= 1 or
        ``all`` (and neither :func:`threads` nor :func:`set_threads` overrides it).

    Examples
    --------
    >>> from saasmetrics.config import get_threads
    >>> get_threads() >= 1
    True
    """
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    if _process_wide:
        return _process_wide[-1]
    return _from_environment()


def set_threads(n: int | str | None) -> None:
    """Set the number of threads analyses may use, for the whole process.

    Parameters
    ----------
    n : int, "all" or None
        A whole number >= 1, or ``"all"`` for every core this process may run on; ``None``
        forgets an earlier setting (``SAASMETRICS_THREADS`` decides again).

    Raises
    ------
    ParameterError
        If ``n`` is none of these.

    Examples
    --------
    >>> from saasmetrics.config import get_threads, set_threads
    >>> set_threads(2)
    >>> get_threads()
    2
    >>> set_threads(None)  # back to SAASMETRICS_THREADS, else 1
    """
    if n is None:
        _process_wide.clear()
        return
    _process_wide[:] = [_checked(n, "set_threads(n)")]


@contextmanager
def threads(n: int | str) -> Iterator[int]:
    """Use ``n`` threads inside a ``with`` block (of this thread or asyncio task only).

    Parameters
    ----------
    n : int or "all"
        A whole number >= 1, or ``"all"`` for every core this process may run on.

    Yields
    ------
    int
        The number of threads in effect.

    Raises
    ------
    ParameterError
        If ``n`` is neither.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics import config
    >>> from saasmetrics.funnel import funnel
    >>> events = pd.DataFrame({"user_id": [1, 1, 2], "event": ["a", "b", "a"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02"])})
    >>> with config.threads(2) as n:
    ...     n, funnel(events, ["a", "b"]).counts
    (2, [2, 1])
    """
    value = _checked(n, "threads(n)")
    token = _scoped.set(value)
    try:
        yield value
    finally:
        _scoped.reset(token)
