"""Encoding primitives: codes in order of first appearance, and the (user, time) sort."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.parallel import block_bounds, in_threads

__all__ = (
    "codes_present",
    "distinct_sorted",
    "factorize_any_order",
    "factorize_first_seen",
    "factorize_sorted",
    "is_sorted_by_user_time",
    "sort_order",
)

_KEY_BITS = 63
"""Bits of the uint64 sort keys used (one spare keeps every shift and mask well inside)."""


def codes_present(
    codes: npt.NDArray[np.integer], n_codes: int, *, threads: int = 1
) -> npt.NDArray[np.bool_]:
    """Which of the codes ``0 .. n_codes - 1`` occur in ``codes``.

    Each block of rows marks a table of its own in a thread of its own, and the tables are
    joined: blocks writing to one shared table would contend for its cache lines (10M rows,
    500k codes, two threads: 0.014 s against 0.025 for one table on one thread).

    Parameters
    ----------
    codes : numpy.ndarray of int
        Codes in ``0 .. n_codes - 1``.
    n_codes : int
        Number of codes.
    threads : int, default 1
        Most threads (blocks of rows).

    Returns
    -------
    numpy.ndarray of bool
        ``n_codes`` entries.

    Examples
    --------
    >>> import numpy as np
    >>> codes_present(np.array([3, 0, 3]), 5).tolist()
    [True, False, False, True, False]
    """

    def mark(rows: slice) -> npt.NDArray[np.bool_]:
        table = np.zeros(n_codes, dtype=bool)
        table[codes[rows]] = True
        return table

    blocks = [slice(a, b) for a, b in pairwise(block_bounds(codes.size, threads))]
    tables = in_threads(mark, blocks)
    present = tables[0]
    for table in tables[1:]:
        present |= table
    return present


def distinct_sorted(values: npt.ArrayLike) -> npt.NDArray[Any]:
    """The distinct values in ascending order: ``np.unique(values)``, by a sort.

    NumPy 2.3+ computes a plain ``np.unique`` with a hash table before sorting the result,
    which is many times slower than one sort when most values are distinct (2M int64 values:
    2.1 CPU-s against 0.02 for a sort and a comparison of neighbours). NaNs are one value,
    last, as in ``np.unique``.

    Parameters
    ----------
    values : array_like
        Any 1-d array (flattened otherwise, as ``np.unique`` does).

    Returns
    -------
    numpy.ndarray
        The sorted distinct values.

    Examples
    --------
    >>> distinct_sorted([3, 1, 3, 2]).tolist()
    [1, 2, 3]
    >>> distinct_sorted([2.0, float("nan"), 1.0, float("nan")]).tolist()
    [1.0, 2.0, nan]
    """
    ordered = np.sort(np.asarray(values).reshape(-1))
    if ordered.size < 2:
        return ordered
    new = ordered[1:] != ordered[:-1]
    if ordered.dtype.kind in "fc":  # NaN != NaN: keep the first NaN only
        nan = np.isnan(ordered)
        new &= ~(nan[1:] & nan[:-1])
    return ordered[np.concatenate(([True], new))]


def factorize_first_seen(values: pd.Series) -> tuple[npt.NDArray[np.int64], pd.Index]:
    """Integer codes and distinct values in order of first appearance (``pd.factorize``).

    Integer columns whose values span at most one value per row are encoded through a table
    indexed by value (no hashing); anything else goes to :func:`pandas.factorize`. Both give the
    same codes and the same distinct values, of the same dtype.

    Parameters
    ----------
    values : pandas.Series
        Ids without nulls, or with nulls (then coded -1 by ``pandas.factorize``).

    Returns
    -------
    (numpy.ndarray of int64, pandas.Index)
        ``codes`` (``uniques[codes[i]]`` is row ``i``'s value) and ``uniques``.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, uniques = factorize_first_seen(pd.Series([30, 10, 30, 20]))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, 0, 2], [30, 10, 20])
    """
    dense = _dense_ints(values)
    if dense is not None:
        return _factorize_dense(*dense)
    codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def factorize_sorted(
    values: pd.Series, *, threads: int = 1
) -> tuple[npt.NDArray[np.signedinteger[Any]], pd.Index]:
    """Codes into the sorted distinct values (``pd.factorize(values, sort=True)``), narrow.

    Arrow-backed strings (pandas' default string dtype) are dictionary-encoded by Arrow and
    only the distinct values are sorted: the codes come from one gather through a small
    table, without the copies to int64 and the remap of every row that ``pandas.factorize``
    does (10M names of 20 distinct: 0.14 CPU-s against 0.18). With ``threads`` above 1, row
    blocks are encoded in threads of their own (Arrow releases the GIL) and their small
    dictionaries united. Other dtypes go to :func:`pandas.factorize`. Codes are int8 below
    128 distinct values, else int32.

    Parameters
    ----------
    values : pandas.Series
        Values without nulls (callers check them first).
    threads : int, default 1
        Most threads (Arrow strings only).

    Returns
    -------
    codes : numpy.ndarray of int8 or int32
        One code per row: ``uniques[codes[i]]`` is row ``i``'s value.
    uniques : pandas.Index
        The distinct values in ascending order, of the column's dtype.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, uniques = factorize_sorted(pd.Series(["b", "a", "b", "c"]))
    >>> codes.tolist(), uniques.tolist(), codes.dtype.name
    ([1, 0, 1, 2], ['a', 'b', 'c'], 'int8')
    """
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and not values.hasnans:
        import pyarrow as pa
        import pyarrow.compute as pc

        array: Any = pa.array(values.array)  # Array or ChunkedArray
        bounds = block_bounds(len(array), threads)

        def encode(i: int) -> Any:
            encoded = pc.dictionary_encode(array.slice(bounds[i], bounds[i + 1] - bounds[i]))
            if isinstance(encoded, pa.ChunkedArray):
                encoded = encoded.combine_chunks()
            return encoded

        blocks = in_threads(encode, range(len(bounds) - 1))
        names = [pd.Index(pd.array(b.dictionary, dtype=dtype)) for b in blocks]
        found = names[0] if len(names) == 1 else names[0].append(names[1:]).unique()
        found = found[found.argsort()]
        narrow = np.int8 if len(found) < 128 else np.int32
        codes: npt.NDArray[np.signedinteger[Any]] = np.empty(len(array), dtype=narrow)
        found.get_indexer(found[:1])  # fill its lookup table before the threads read it

        def fill(i: int) -> None:
            rank = found.get_indexer(names[i]).astype(narrow)  # local code -> sorted rank
            indices = blocks[i].indices.to_numpy(zero_copy_only=False)
            np.take(rank, indices, out=codes[bounds[i] : bounds[i + 1]], mode="clip")  # all valid

        in_threads(fill, range(len(blocks)))
        return codes, pd.Index(found)
    codes, uniques = pd.factorize(values, sort=True)
    narrow = np.int8 if len(uniques) < 128 else np.int32
    return codes.astype(narrow, copy=False), pd.Index(uniques)


def factorize_any_order(
    values: pd.Series, *, threads: int = 1
) -> tuple[npt.NDArray[np.int64], pd.Index]:
    """Integer codes and the values they stand for, for callers that need no particular order.

    Integer columns whose values span at most one value per row are coded by their offset
    from the smallest value (one subtraction, no hashing, no first-row search); ``uniques``
    is then the whole span, so it may hold values no row has. Anything else is
    :func:`factorize_first_seen`. Either way ``uniques[codes[i]]`` is row ``i``'s value.

    Parameters
    ----------
    values : pandas.Series
        The ids (a null is coded -1, as ``pandas.factorize`` codes it).
    threads : int, default 1
        Most threads for integer ids (their range and offsets by row blocks).

    Returns
    -------
    codes : numpy.ndarray of int64
        One code per row.
    uniques : pandas.Index
        The value of each code, of the column's dtype.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, uniques = factorize_any_order(pd.Series([30, 28, 30, 31]))
    >>> codes.tolist(), uniques.tolist()
    ([2, 0, 2, 3], [28, 29, 30, 31])
    """
    dense = _dense_ints(values, threads)
    if dense is None:
        return factorize_first_seen(values)
    array, low, span = dense
    codes = np.empty(array.size, dtype=np.int64)
    blocks = [slice(a, b) for a, b in pairwise(block_bounds(array.size, threads))]
    # in int64 (not the ids' dtype: int8 ids -100..100 overflow it), exact: span <= n
    in_threads(
        lambda r: np.subtract(array[r], low, out=codes[r], dtype=np.int64, casting="unsafe"),
        blocks,
    )
    uniques = (np.arange(span, dtype=np.int64) + low).astype(array.dtype)
    return codes, pd.Index(uniques)


def _dense_ints(
    values: pd.Series, threads: int = 1
) -> tuple[npt.NDArray[np.integer], int, int] | None:
    """The integers, their minimum and span, when they span at most one value per row."""
    array = values.to_numpy() if isinstance(values.dtype, np.dtype) else None
    if array is None or array.dtype.kind not in "iu" or not array.size:
        return None
    blocks = [slice(a, b) for a, b in pairwise(block_bounds(array.size, threads))]
    ranges = in_threads(lambda r: (int(array[r].min()), int(array[r].max())), blocks)
    low, high = min(lo for lo, _ in ranges), max(hi for _, hi in ranges)
    span = high - low + 1
    return (array, low, span) if span <= array.size and high < 2**63 else None


def _factorize_dense(
    array: npt.NDArray[np.integer], low: int, span: int
) -> tuple[npt.NDArray[np.int64], pd.Index]:
    """``factorize_first_seen`` for integers in ``low .. low + span - 1`` (``span <= n``)."""
    n = array.size
    dense = np.subtract(array, low, dtype=np.intp, casting="unsafe")  # exact: span <= n
    first_row = np.full(span, n, dtype=np.intp)
    np.minimum.at(first_row, dense, np.arange(n, dtype=np.intp))
    present = np.flatnonzero(first_row < n)
    by_appearance = present[np.argsort(first_row[present])]
    code_of = np.empty(span, dtype=np.int64)
    code_of[by_appearance] = np.arange(by_appearance.size, dtype=np.int64)
    uniques = (by_appearance + low).astype(array.dtype)
    return code_of[dense], pd.Index(uniques)


def is_sorted_by_user_time(
    user_codes: npt.NDArray[np.integer], time_ns: npt.NDArray[np.int64]
) -> bool:
    """Whether rows are already ordered by user code, then time (ties in any order).

    Parameters
    ----------
    user_codes : numpy.ndarray of int
        Integer user code per row.
    time_ns : numpy.ndarray of int64
        Time per row.

    Returns
    -------
    bool
        True if no sort is needed.

    Examples
    --------
    >>> import numpy as np
    >>> is_sorted_by_user_time(np.array([0, 0, 1]), np.array([5, 7, 1]))
    True
    """
    if user_codes.size < 2:
        return True
    if not _non_decreasing(user_codes):
        return False
    return not np.any((time_ns[1:] < time_ns[:-1]) & (user_codes[1:] == user_codes[:-1]))


_PROBE_ROWS = 4096


def _non_decreasing(values: npt.NDArray[np.integer]) -> bool:
    """Whether ``values`` never decrease: their first rows first (unordered data shows it there).

    Comparisons, not ``np.diff``: a difference of two int64 can wrap (INT64_MIN - 1 > 0).
    """
    head = values[:_PROBE_ROWS]
    if np.any(head[1:] < head[:-1]):
        return False
    return not np.any(values[1:] < values[:-1])


def _offset_into(out: npt.NDArray[np.uint64], values: npt.NDArray[np.integer], low: int) -> None:
    """Write ``values - low`` into ``out`` (exact for any int64 range: ``low`` is the min)."""
    if values.dtype.kind == "u":  # uint64 - int64 would be float64: subtract as unsigned
        np.subtract(values, np.uint64(low), out=out, casting="unsafe")
        return
    np.subtract(values, np.int64(low), out=out.view(np.int64), casting="unsafe")


def sort_order(
    user_codes: npt.NDArray[np.integer], time_ns: npt.NDArray[np.int64]
) -> npt.NDArray[np.intp]:
    """Permutation that sorts rows by (user, time), keeping input order among ties.

    Parameters
    ----------
    user_codes : numpy.ndarray of int
        Integer user code per row.
    time_ns : numpy.ndarray of int64
        Time per row.

    Returns
    -------
    numpy.ndarray of intp
        Indices into the input, in sorted order.

    Notes
    -----
    Stability (input order among equal (user, time) pairs) is what the funnel semantics rely
    on. The (user, time) pair, read as one number of ``b`` bits, is sorted by a radix sort
    (least significant digit first) whose digits are as wide as fits next to the row position
    in 63 bits (``63 - log2(n)`` bits: two digits for ten million events with nanosecond
    times). Each digit is sorted by a plain value sort of ``digit << log2(n) | position``: the
    position in the low bits keeps it stable and is read back as the permutation. NumPy sorts
    integer values (SIMD) several times faster than it argsorts them, so this beats even one
    ``argsort`` of a packed key, and needs no packing to fit. Already ordered input is detected
    in one pass and not sorted; input already in time order (a log appended as it happens) is
    sorted by user alone, the stable sort keeping each user's rows in time order.

    Examples
    --------
    >>> import numpy as np
    >>> sort_order(np.array([1, 0, 1, 0]), np.array([3, 9, 1, 9])).tolist()
    [1, 3, 2, 0]
    """
    n = user_codes.size
    if is_sorted_by_user_time(user_codes, time_ns):
        return np.arange(n, dtype=np.intp)
    user_min, time_min = int(user_codes.min()), int(time_ns.min())
    time_bits = (int(time_ns.max()) - time_min).bit_length()
    if _non_decreasing(time_ns):  # in time order: the stable sort by user keeps it
        time_bits = 0
    total_bits = (int(user_codes.max()) - user_min).bit_length() + time_bits
    row_bits = (n - 1).bit_length()
    n_digits = -(-total_bits // (_KEY_BITS - row_bits))
    width = -(-total_bits // n_digits)
    positions = np.arange(n, dtype=np.uint64)
    # two uint64 buffers, reused by every digit: fresh 80 MB arrays cost page faults
    key, spare = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
    order: npt.NDArray[np.intp] | None = None
    for low in range(0, total_bits, width):
        high = min(low + width, total_bits)
        if low < time_bits:  # bits of the time offset
            _offset_into(key, time_ns, time_min)
            key >>= np.uint64(low)
        if high > time_bits and low < time_bits:  # the digit straddles user and time bits
            _offset_into(spare, user_codes, user_min)
            spare <<= np.uint64(time_bits - low)  # what leaves 64 bits is masked off below
            key |= spare
        elif high > time_bits:  # bits of the user code only
            _offset_into(key, user_codes, user_min)
            key >>= np.uint64(low - time_bits)
        key &= np.uint64((1 << (high - low)) - 1)
        if order is not None:  # the digit in the order the previous digits sorted to
            np.take(key, order, out=spare, mode="clip")  # valid: no check
            key, spare = spare, key
        key <<= np.uint64(row_bits)
        key |= positions
        key.sort()
        key &= np.uint64((1 << row_bits) - 1)
        step = key.view(np.intp)
        if order is None:
            order, key = step, np.empty(n, dtype=np.uint64)
        else:
            np.take(order, step, out=spare.view(np.intp), mode="clip")
            order, spare = spare.view(np.intp), order.view(np.uint64)
    assert order is not None  # total_bits >= 1: the input is not sorted
    return order
