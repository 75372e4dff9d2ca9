"""Kernels on several threads: row blocks, and a call per block in a thread of its own.

NumPy releases the GIL in its sorts, gathers, scatters and ufuncs, so a kernel whose passes
work on independent row blocks (or on independent ranges of users) runs them in threads.
The number of threads is the caller's (:func:`saasmetrics.config.get_threads`, read by the
analysis, never here); with one thread, or too few rows to be worth a thread, the same code
runs on the calling thread, so there is one code path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = (
    "CHUNK_ROWS",
    "MIN_ROWS_PER_THREAD",
    "block_bounds",
    "chunks",
    "concat_blocks",
    "gather",
    "in_threads",
    "min_max_below",
    "row_blocks",
    "side_by_side",
    "take_where",
)

T = TypeVar("T")
R = TypeVar("R")

MIN_ROWS_PER_THREAD = 50_000
"""Below this many rows per block, a thread costs more than it saves."""

CHUNK_ROWS = 1 << 18
"""Rows a pass over a block handles at once: its temporaries stay in the cache.

A mask or a gathered column of a whole block of 25M rows goes out to memory and back (and
its fresh pages are zeroed first); measured on 50M rows, checking a gather chunk by chunk
took 0.57 s against 0.91 s in one go, picking rows by a table lookup 0.62 s against 0.73-0.85 s.
"""


def block_bounds(n_rows: int, threads: int, min_rows: int | None = None) -> list[int]:
    """Bounds of up to ``threads`` blocks of about equal size over ``n_rows`` rows.

    Parameters
    ----------
    n_rows : int
        Rows (or users, or cells) to share out.
    threads : int
        Most blocks wanted.
    min_rows : int, optional
        Fewest rows per block (default :data:`MIN_ROWS_PER_THREAD`): fewer blocks when
        ``n_rows`` is small.

    Returns
    -------
    list of int
        ``[0, b1, ..., n_rows]``: block ``i`` is ``bounds[i]:bounds[i + 1]``; one block
        (``[0, n_rows]``) when there is nothing to share.

    Examples
    --------
    >>> block_bounds(10, 3, min_rows=1)
    [0, 3, 6, 10]
    >>> block_bounds(10, 3, min_rows=6)
    [0, 10]
    """
    if min_rows is None:
        min_rows = MIN_ROWS_PER_THREAD
    n = max(1, min(threads, n_rows // max(min_rows, 1)))
    return [i * n_rows // n for i in range(n + 1)]


def in_threads(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``[fn(item) for item in items]``, with each call in a thread of its own.

    One item (or none) runs on the calling thread. Each call sees the caller's context
    variables (NumPy's ``errstate``, a :func:`saasmetrics.config.threads` block) but runs on
    one thread: no pool starts another.

    Parameters
    ----------
    fn : callable
        Called once per item; its exceptions reach the caller.
    items : sequence
        What to call it on.

    Returns
    -------
    list
        The results, in the order of ``items``.

    Examples
    --------
    >>> in_threads(lambda x: x * x, [1, 2, 3])
    [1, 4, 9]
    """
    if len(items) < 2:
        return [fn(item) for item in items]
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    from saasmetrics.config import threads

    def call(item: T, context: contextvars.Context) -> R:
        # the caller's context (NumPy's errstate, collected reports), and no threads within
        def on_one_thread() -> R:
            with threads(1):
                return fn(item)

        return context.run(on_one_thread)

    contexts = [contextvars.copy_context() for _ in items]  # one each: a context runs once
    # a pool per call: nothing outlives the call, nothing is shared with a forked child
    with ThreadPoolExecutor(len(items), thread_name_prefix="saasmetrics") as pool:
        return list(pool.map(call, items, contexts))


def side_by_side(jobs: Sequence[Callable[[], R]], threads: int) -> list[R]:
    """``[job() for job in jobs]``, each job in a thread of its own when ``threads`` > 1.

    For a few independent steps of one analysis (e.g. a window's counts per account and per
    user); :func:`in_threads` runs them.

    Parameters
    ----------
    jobs : sequence of callables
        Called once each, without arguments.
    threads : int
        Most threads the caller may use; 1 runs the jobs one after the other here.

    Returns
    -------
    list
        The jobs' results, in their order.

    Examples
    --------
    >>> side_by_side([lambda: 1, lambda: 2], threads=2)
    [1, 2]
    """
    if threads > 1:
        return in_threads(_call, jobs)
    return [job() for job in jobs]


def _call(job: Callable[[], R]) -> R:
    return job()


def row_blocks(n_rows: int, threads: int, min_rows: int | None = None) -> list[tuple[int, int]]:
    """The ``(start, stop)`` of each block of :func:`block_bounds`.

    Parameters
    ----------
    n_rows, threads, min_rows
        As for :func:`block_bounds`.

    Returns
    -------
    list of tuple of int
        One ``(start, stop)`` per block.

    Examples
    --------
    >>> row_blocks(10, 3, min_rows=1)
    [(0, 3), (3, 6), (6, 10)]
    """
    return list(pairwise(block_bounds(n_rows, threads, min_rows)))


def chunks(start: int, stop: int) -> list[slice]:
    """Rows ``start:stop`` as slices of at most :data:`CHUNK_ROWS` rows.

    Parameters
    ----------
    start, stop : int
        The rows.

    Returns
    -------
    list of slice
        Consecutive slices covering the rows (one, empty, when there are none).

    Examples
    --------
    >>> chunks(0, 10)
    [slice(0, 10, None)]
    """
    if stop <= start:
        return [slice(start, stop)]
    return [slice(a, min(a + CHUNK_ROWS, stop)) for a in range(start, stop, CHUNK_ROWS)]


def take_where(
    keep: Callable[[slice], npt.NDArray[np.bool_]],
    columns: Sequence[npt.NDArray[Any]],
    *,
    threads: int = 1,
) -> list[npt.NDArray[Any]]:
    """Each column at the rows ``keep`` selects, in row order, one block of rows per thread.

    The same as ``mask = keep(slice(None)); [c[mask] for c in columns]``: a pass over every
    row that keeps a few (the rows of a look-back window, the rows of some accounts), in
    chunks of :data:`CHUNK_ROWS` rows.

    Parameters
    ----------
    keep : callable
        Given a slice of rows, the mask of those to keep (e.g. ``lambda r: age[r] <= limit``).
    columns : sequence of numpy.ndarray
        Arrays of the same length (the rows).
    threads : int, default 1
        Most threads.

    Returns
    -------
    list of numpy.ndarray
        The kept rows of each column.

    Examples
    --------
    >>> import numpy as np
    >>> age = np.array([5, 1, 9, 2])
    >>> kept = take_where(lambda rows: age[rows] <= 2, [np.array([10, 11, 12, 13]), age])
    >>> [c.tolist() for c in kept]
    [[11, 13], [1, 2]]
    """

    def block(bounds: tuple[int, int]) -> list[list[npt.NDArray[Any]]]:
        kept: list[list[npt.NDArray[Any]]] = [[] for _ in columns]
        for rows in chunks(*bounds):
            # positions once, then a take per column: twice as fast as a boolean index per
            # column (which finds the kept rows again each time)
            at = np.flatnonzero(keep(rows))
            for column, taken in zip(columns, kept, strict=True):
                taken.append(column[rows].take(at))
        return kept

    return concat_blocks(in_threads(block, row_blocks(len(columns[0]), threads)))


def concat_blocks(
    blocks: Sequence[Sequence[Sequence[npt.NDArray[Any]]]],
) -> list[npt.NDArray[Any]]:
    """Columns joined from the pieces each block of rows kept, one block per thread.

    ``blocks[b][i]`` are the pieces of column ``i`` that block ``b`` kept, in row order; the
    result is ``np.concatenate`` of every block's pieces per column. Each block copies its
    pieces into its own slice of the outputs, in a thread of its own: the copy (and the first
    touch of the outputs' fresh memory) is shared by the threads that made the pieces.

    Parameters
    ----------
    blocks : sequence of sequences of sequences of numpy.ndarray
        Per block, per column, the pieces (at least one block, and one piece per column in
        each; the pieces of a column share its dtype).

    Returns
    -------
    list of numpy.ndarray
        One array per column.

    Examples
    --------
    >>> import numpy as np
    >>> blocks = [[[np.array([1, 2]), np.array([3])]], [[np.array([4])]]]
    >>> [c.tolist() for c in concat_blocks(blocks)]
    [[1, 2, 3, 4]]
    """
    n_columns = len(blocks[0])
    sizes = np.array([[sum(p.size for p in b[i]) for i in range(n_columns)] for b in blocks])
    starts = np.vstack([np.zeros((1, n_columns), dtype=np.int64), np.cumsum(sizes, axis=0)])
    outs = [np.empty(int(starts[-1, i]), dtype=blocks[0][i][0].dtype) for i in range(n_columns)]

    def copy(b: int) -> None:
        for i, out in enumerate(outs):
            np.concatenate(blocks[b][i], out=out[starts[b, i] : starts[b + 1, i]])

    in_threads(copy, range(len(blocks)))
    return outs


def gather(
    table: npt.NDArray[Any], codes: npt.NDArray[np.integer[Any]], *, threads: int = 1
) -> npt.NDArray[Any]:
    """``table[codes]``, one block of codes per thread.

    Parameters
    ----------
    table : numpy.ndarray
        One-dimensional lookup table.
    codes : numpy.ndarray of int
        Positions in ``table``.
    threads : int, default 1
        Most threads.

    Returns
    -------
    numpy.ndarray
        Same length as ``codes``, ``table``'s dtype.

    Examples
    --------
    >>> import numpy as np
    >>> gather(np.array([10, 20, 30]), np.array([2, 0, 2])).tolist()
    [30, 10, 30]
    """
    out = np.empty(codes.size, dtype=table.dtype)

    def block(bounds: tuple[int, int]) -> None:
        np.take(table, codes[bounds[0] : bounds[1]], out=out[bounds[0] : bounds[1]])

    in_threads(block, row_blocks(codes.size, threads))
    return out


def min_max_below(
    values: npt.NDArray[np.integer[Any]], limit: int | None = None, *, threads: int = 1
) -> tuple[int, int, int]:
    """The smallest and largest value, and how many are below ``limit``, in one pass.

    Row blocks on up to ``threads`` threads, each read chunk by chunk (every chunk is
    compared while it is in the cache).

    Parameters
    ----------
    values : numpy.ndarray of int
        At least one value.
    limit : int, optional
        Count the values ``< limit`` (default: none counted, 0).
    threads : int, default 1
        Most threads.

    Returns
    -------
    tuple of int
        ``(min, max, n_below)``.

    Examples
    --------
    >>> import numpy as np
    >>> min_max_below(np.array([5, -2, 9, 4]), limit=5)
    (-2, 9, 2)
    """

    def block(bounds: tuple[int, int]) -> tuple[int, int, int]:
        low, high, below = None, None, 0
        for rows in chunks(*bounds):
            part = values[rows]
            if not part.size:
                continue
            a, b = int(part.min()), int(part.max())
            low = a if low is None else min(low, a)
            high = b if high is None else max(high, b)
            if limit is not None:
                below += int(np.count_nonzero(part < limit))
        if low is None or high is None:
            raise ValueError("min_max_below of no values")
        return low, high, below

    parts = in_threads(block, row_blocks(values.size, threads))
    return min(p[0] for p in parts), max(p[1] for p in parts), sum(p[2] for p in parts)
