"""One path from one partition to a cluster: every event analysis as partial / merge / finalize.

An event analysis is the :class:`Analysis` of three functions:

- ``partial(chunk, context) -> Partial``: what one chunk contributes. A chunk holds *all* rows of
  the users (accounts, customers) it holds, in every table the analysis reads.
- ``merge(Partial, Partial) -> Partial``: associative and commutative, so neither the order of
  the chunks nor the partitioning changes a result.
- ``finalize(Partial, context) -> Result``: the result object users see.

Some analyses need a figure of the whole data set before any chunk can be summarised (the last
event, as the default end of observation): the optional ``context`` step computes it with the same
partial / merge shape (``context(chunk)`` per chunk, ``merge_context`` across them) before the
main pass.

In memory (a pandas, polars or pyarrow frame, or an :class:`~saasmetrics.EventLog`) the data is
the one-chunk case: ``finalize(partial(prepare(data)))``, so there is no second implementation
to keep in sync. A :class:`dask.dataframe.DataFrame` runs the same functions per partition on a
Dask scheduler (a ``distributed.Client`` when one is active): partitions are shuffled by the key
column unless they already hold whole users, partials are merged in a tree, and only the
Partials travel to the client. Nothing of Dask is imported unless a dask collection is passed.

A Spark or Ray adapter is the same three functions behind ``applyInPandas`` / ``map_batches``:
:func:`analysis` returns the :class:`Analysis` behind any public analysis, for exactly that.

Examples
--------
>>> import pandas as pd
>>> from saasmetrics.funnel import funnel
>>> from saasmetrics.scale import analysis
>>> events = pd.DataFrame({
...     "user_id": ["a", "a", "b", "c", "c"],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01",
...                                  "2024-01-03", "2024-01-04"]),
...     "event": ["signup", "subscribe", "signup", "signup", "subscribe"]})
>>> plan = analysis(funnel, steps=["signup", "subscribe"], window="7D")
>>> chunks = [events[events.user_id == "a"], events[events.user_id != "a"]]
>>> prepared = [plan.prepare(c) for c in chunks]
>>> context = plan.merge_context(*(plan.context(p) for p in prepared))
>>> merged = plan.merge(*(plan.partial(p, context) for p in prepared))
>>> plan.finalize(merged, context).counts == funnel(events, ["signup", "subscribe"]).counts
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from saasmetrics._frames import _module_root
from saasmetrics.exceptions import ParameterError

__all__ = ("Analysis", "analysis", "is_dask", "merge_all", "run")

P = TypeVar("P")
R = TypeVar("R")
B = TypeVar("B", bound=Callable[..., Any])

Chunk = Any
Context = Any


def _no_context(_chunk: Chunk) -> None:
    return None


def _keep_first(a: Any, _b: Any) -> Any:
    return a


@dataclass(frozen=True)
class Analysis(Generic[P, R]):
    """An event analysis in the partial / merge / finalize shape.

    Parameters
    ----------
    name : str
        The public function this analysis runs (for messages).
    keys : tuple of str or None
        The column that partitions each table the analysis reads (the user, account or customer
        id), in the order ``prepare`` takes the tables; ``None`` for a small table that is not
        keyed by user (spend per channel): every chunk receives it whole.
    prepare : callable
        ``prepare(*tables) -> chunk``: validate and encode one chunk's tables (pandas frames, or
        in memory anything the public function accepts, such as an ``EventLog``).
    partial : callable
        ``partial(chunk, context) -> Partial``.
    merge : callable
        ``merge(a, b) -> Partial``, associative and commutative.
    finalize : callable
        ``finalize(partial, context) -> Result``.
    context : callable, optional
        ``context(chunk) -> value``: a figure of each chunk that the whole data set's figure is
        merged from (with ``merge_context``) before the main pass; ``None`` when not needed.
    merge_context : callable, optional
        How two chunks' context values combine (associative and commutative).
    key_roles : tuple of str, optional
        The parameter that names each key column (``"account_col"``), for the message when
        a table lacks it; ``"user_col"`` when not given.
    merge_many : callable, optional
        ``merge_many(partials) -> Partial``: the merge of several partials at once, equal to
        ``merge`` folded over them. Give it when a partial carries rows per user (a funnel's
        counted units, an account table): one concatenation copies those rows once, where
        pairwise merges copy them again at every level of the tree. On dask, partials are then
        merged in groups of up to 16 instead of pairs.
    align_keys : bool, default False
        Whether ``prepare`` matches the keyed tables' ids with ``align_ids`` (numbers in one
        table, text in another: all read as text). On dask the kinds of the whole tables then
        decide, so that every partition reads them alike. Analyses that match ids their own
        way (``user_codes``) leave it off: their ids reach each partition as they are.
    split : callable, optional
        ``split(chunk, n) -> sequence of callables``: up to ``n`` zero-argument callables, each
        returning one part of the chunk, the parts holding whole users and together all its
        rows; fewer (one, or none) when the chunk is too small to be worth a thread. Give it
        when a prepared chunk splits for free (views of a chunk sorted by user): in memory,
        with :func:`saasmetrics.config.threads` above 1, ``run`` then builds each part and
        its partial in a thread of its own, and merges the partials.

    Examples
    --------
    A toy analysis, the number of distinct users, in this shape:

    >>> import pandas as pd
    >>> distinct = Analysis(
    ...     name="distinct_users", keys=("user_id",),
    ...     prepare=lambda frame: frame["user_id"],
    ...     partial=lambda users, _context: users.nunique(),
    ...     merge=lambda a, b: a + b,  # chunks hold disjoint users
    ...     finalize=lambda total, _context: total)
    >>> distinct.run(pd.DataFrame({"user_id": ["a", "b", "a"]}))
    2
    """

    name: str
    keys: tuple[str | None, ...]
    prepare: Callable[..., Chunk]
    partial: Callable[[Chunk, Context], P]
    merge: Callable[[P, P], P]
    finalize: Callable[[P, Context], R]
    context: Callable[[Chunk], Context] = field(default=_no_context)
    merge_context: Callable[[Context, Context], Context] = field(default=_keep_first)
    key_roles: tuple[str | None, ...] = ()
    align_keys: bool = False
    merge_many: Callable[[Sequence[P]], P] | None = None
    split: Callable[[Chunk, int], Sequence[Callable[[], Chunk]]] | None = None

    def run(self, *tables: Any, partitioned_by: str | None = None) -> R:
        """Run on in-memory tables (one chunk) or on dask DataFrames (one chunk per partition).

        Parameters
        ----------
        *tables
            The tables, in the order of ``keys``.
        partitioned_by : str, optional
            For dask input: the column whose values never span two partitions (say so to skip
            the shuffle). A frame indexed by the key with known divisions needs no shuffle
            either.

        Returns
        -------
        Result
            What ``finalize`` returns, the same object for every kind of input.
        """
        return run(self, *tables, partitioned_by=partitioned_by)


def merge_all(merge: Callable[[P, P], P], partials: Sequence[P]) -> P:
    """Merge partials pairwise, as a balanced tree (as Dask does without ``merge_many``).

    Parameters
    ----------
    merge : callable
        The analysis' merge.
    partials : sequence
        At least one partial.

    Returns
    -------
    Partial
        Their merge.

    Examples
    --------
    >>> merge_all(lambda a, b: a + b, [1, 2, 3, 4, 5])
    15
    """
    if not callable(merge):
        raise ParameterError(f"merge={merge!r} is not a callable (the analysis' merge).")
    if isinstance(partials, str | bytes) or not isinstance(partials, Sequence):
        raise ParameterError(
            f"partials must be a sequence of partials; got {type(partials).__name__}."
        )
    level = list(partials)
    if not level:
        raise ParameterError("merge_all needs at least one partial.")
    while len(level) > 1:
        nxt = [merge(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def is_dask(data: Any) -> bool:
    """Whether ``data`` is a dask collection (checked without importing dask).

    Examples
    --------
    >>> import pandas as pd
    >>> is_dask(pd.DataFrame())
    False
    """
    return _module_root(data) == "dask"


def run(analysis: Analysis[P, R], *tables: Any, partitioned_by: str | None = None) -> R:
    """Run ``analysis`` on its tables: in memory as one chunk, or on Dask per partition.

    Parameters
    ----------
    analysis : Analysis
        The analysis.
    *tables
        Its tables, in the order of ``analysis.keys``; either all in memory or the tables
        keyed by user as dask DataFrames (a table whose key is ``None`` is broadcast whole to
        every partition; a ``None`` table, an optional table not given, stays ``None``).
    partitioned_by : str, optional
        See :meth:`Analysis.run`.

    Returns
    -------
    Result
        The analysis' result.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.funnel import funnel
    >>> events = pd.DataFrame({"user_id": [1, 1, 2], "event": ["a", "b", "a"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02"])})
    >>> run(analysis(funnel, steps=["a", "b"]), events).counts
    [2, 1]
    """
    if not isinstance(analysis, Analysis):
        raise ParameterError(
            f"run needs an Analysis as its first argument; got {type(analysis).__name__}.",
            hint="build one with saasmetrics.scale.analysis(function, **options).",
        )
    if any(is_dask(t) for t in tables):
        from saasmetrics._dask import run_dask

        result: R = run_dask(analysis, tables, partitioned_by=partitioned_by)
        return result
    chunk = analysis.prepare(*tables)
    context = analysis.context(chunk)
    return analysis.finalize(_partial_in_threads(analysis, chunk, context), context)


def _partial_in_threads(analysis: Analysis[P, R], chunk: Chunk, context: Context) -> P:
    """The partial of an in-memory chunk, merged from its parts' partials made in threads.

    Only when the analysis can split the chunk and :func:`saasmetrics.config.threads` allows
    more than one; else the chunk's own partial.
    """
    from saasmetrics.config import get_threads

    n_threads = get_threads()
    parts = analysis.split(chunk, n_threads) if analysis.split and n_threads > 1 else ()
    if len(parts) < 2:
        return analysis.partial(chunk, context)
    from saasmetrics._kernels.parallel import in_threads

    partials = in_threads(lambda part: analysis.partial(part(), context), parts)
    if analysis.merge_many is not None:
        return analysis.merge_many(partials)
    return merge_all(analysis.merge, partials)


_BUILDERS: dict[Callable[..., Any], Callable[..., Analysis[Any, Any]]] = {}


def register(function: Callable[..., Any]) -> Callable[[B], B]:
    """Record ``builder`` as the way to get ``function``'s :class:`Analysis` (internal)."""

    def wrap(builder: B) -> B:
        _BUILDERS[function] = builder
        return builder

    return wrap


def analysis(function: Callable[..., Any], /, **options: Any) -> Analysis[Any, Any]:
    """The :class:`Analysis` behind a public analysis, with its options bound.

    For running saasmetrics inside another engine (Spark ``applyInPandas``, Ray
    ``map_batches``, a database UDF): call ``prepare`` and ``partial`` on each chunk of whole
    users, ``merge`` the partials in any order, and ``finalize`` the result.

    Parameters
    ----------
    function : callable
        A public analysis that accepts dask input, such as
        :func:`saasmetrics.funnel.funnel` or :func:`saasmetrics.retention.cohort_table`.
    **options
        Its keyword options (everything but the tables).

    Returns
    -------
    Analysis
        The bound analysis.

    Raises
    ------
    ParameterError
        If ``function`` has no partial / merge form.

    Examples
    --------
    >>> from saasmetrics.funnel import funnel
    >>> analysis(funnel, steps=["signup", "subscribe"]).keys
    ('user_id',)
    """
    _load_all()
    builder = _BUILDERS.get(function) if callable(function) else None
    if builder is None:
        names = sorted(f"{f.__module__}.{f.__name__}" for f in _BUILDERS)
        raise ParameterError(
            f"{getattr(function, '__name__', function)!r} has no partial / merge form.",
            hint=f"these do: {names}.",
        )
    return builder(**options)


def _load_all() -> None:
    """Import the subpackages so that every analysis has registered its builder."""
    import importlib

    for module in (
        "funnel",
        "retention",
        "unit_economics",
        "attribution",
        "health",
        "engagement",
    ):
        importlib.import_module(f"saasmetrics.{module}")


def catch_warnings_into(call: Callable[[], P]) -> tuple[P, tuple[tuple[type[Warning], str], ...]]:
    """Run ``call`` and return its value with the warnings it raised (category, message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = call()
    return value, tuple((w.category, str(w.message)) for w in caught)
