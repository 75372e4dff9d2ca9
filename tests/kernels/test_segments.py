"""Encoding and segment kernels against plain-Python oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels import parallel
from saasmetrics._kernels.encoding import (
    codes_present,
    distinct_sorted,
    factorize_any_order,
    factorize_first_seen,
    factorize_sorted,
    is_sorted_by_user_time,
    sort_order,
)
from saasmetrics._kernels.segments import (
    position_in_segment,
    segment_first,
    segment_ids,
    segment_last,
    segment_lengths,
    segment_offsets,
)

rows = st.lists(st.tuples(st.integers(0, 6), st.integers(-5, 5)), min_size=0, max_size=60)


@given(rows)
def test_sort_order_is_lexicographic_and_stable(data: list[tuple[int, int]]) -> None:
    users = np.array([u for u, _ in data], dtype=np.int64)
    times = np.array([t for _, t in data], dtype=np.int64)
    order = sort_order(users, times)
    expected = sorted(range(len(data)), key=lambda i: (data[i][0], data[i][1], i))
    assert order.tolist() == expected
    assert is_sorted_by_user_time(users[order], times[order])


@given(rows, st.sampled_from([np.int32, np.int64, np.uint64]))
def test_sort_order_of_rows_in_time_order(data: list[tuple[int, int]], dtype: type) -> None:
    """Times already ascending (a log appended as it happens): sorted by user alone."""
    data = sorted(data, key=lambda row: row[1])  # ties in any user order
    users = np.array([u for u, _ in data], dtype=dtype)
    times = np.array([t for _, t in data], dtype=np.int64)
    expected = sorted(range(len(data)), key=lambda i: (data[i][0], data[i][1], i))
    assert sort_order(users, times).tolist() == expected


int64 = st.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max)


@given(st.lists(st.tuples(st.integers(-3, 3), int64 | st.sampled_from([0, 1])), max_size=80))
def test_sort_order_over_the_whole_int64_range(data: list[tuple[int, int]]) -> None:
    """Times spanning int64 need several radix digits; the order is still numpy's lexsort."""
    users = np.array([u for u, _ in data], dtype=np.int64)
    times = np.array([t for _, t in data], dtype=np.int64)
    assert sort_order(users, times).tolist() == np.lexsort((times, users)).tolist()


@given(
    st.lists(st.integers(-20, 20), min_size=1, max_size=60),
    st.sampled_from(["int8", "int16", "int32", "int64", "uint8", "uint64"]),
    st.integers(0, 2**40),
)
def test_factorize_first_seen_is_pandas_factorize(
    values: list[int], dtype: str, shift: int
) -> None:
    array = np.array(values, dtype=np.int64)
    if dtype.startswith("u"):
        array = array - array.min()
    if dtype in ("int64", "uint64"):
        array = array + shift  # large ids, narrow span: the value table is still used
    series = pd.Series(array.astype(dtype))
    codes, uniques = factorize_first_seen(series)
    expected_codes, expected_uniques = pd.factorize(series, sort=False)
    assert codes.dtype == np.int64
    np.testing.assert_array_equal(codes, expected_codes)
    pd.testing.assert_index_equal(uniques, pd.Index(expected_uniques))


@given(st.lists(st.integers(0, 9), max_size=60), st.integers(0, 5), st.integers(1, 4))
def test_codes_present_are_the_codes_that_occur(codes: list[int], extra: int, threads: int) -> None:
    n_codes = max(codes, default=-1) + 1 + extra
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)  # a block per row or two
        present = codes_present(np.array(codes, dtype=np.int64), n_codes, threads=threads)
    assert present.dtype == bool
    assert present.tolist() == [code in codes for code in range(n_codes)]


@given(
    st.lists(st.integers(-20, 20), max_size=60),
    st.sampled_from(["int8", "int32", "int64", "uint8", "uint64"]),
    st.integers(0, 2**40),
)
def test_factorize_any_order_codes_every_row_to_its_value(
    values: list[int], dtype: str, shift: int
) -> None:
    """Any order, but ``uniques[codes]`` is the column, distinct codes are distinct values."""
    array = np.array(values, dtype=np.int64)
    if dtype.startswith("u") and array.size:
        array = array - array.min()
    if dtype in ("int64", "uint64"):
        array = array + shift
    series = pd.Series(array.astype(dtype))
    codes, uniques = factorize_any_order(series)
    assert codes.dtype == np.int64
    assert uniques.dtype == series.dtype
    assert not uniques.has_duplicates
    assert uniques[codes].tolist() == series.tolist()
    for other in ([10**12, 0, 10**12], ["b", "a", "b"]):  # sparse or text: first seen
        assert factorize_any_order(pd.Series(other))[0].tolist() == [0, 1, 0]


@pytest.mark.parametrize("dtype", ["int8", "int16"])
@pytest.mark.parametrize("threads", [1, 3])
def test_factorize_any_order_offsets_narrow_ids_without_overflow(
    dtype: str, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offsets of narrow signed ids beyond their dtype's maximum are exact (int8 -100..100)."""
    monkeypatch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
    info = np.iinfo(dtype)
    low, high = info.min + 28, info.max - 27
    ids = np.tile(np.array([low, high, high - 20, low + 125], dtype=dtype), 1 + (high - low) // 4)
    series = pd.Series(ids)
    codes, uniques = factorize_any_order(series, threads=threads)
    assert codes.min() >= 0
    assert uniques[codes].tolist() == series.tolist()


@given(
    st.lists(st.text(max_size=3), max_size=60),
    st.sampled_from(["str", "string[pyarrow]", "string[python]", "object", "category"]),
    st.integers(1, 3),
)
def test_factorize_sorted_is_pandas_factorize_sorted(
    values: list[str], dtype: str, chunks: int
) -> None:
    """Arrow's dictionary encoding (several chunks too) gives pandas' codes and uniques."""
    parts = [pd.Series(values[i::chunks], dtype=dtype) for i in range(chunks) if values[i::chunks]]
    series = pd.concat(parts, ignore_index=True) if parts else pd.Series(values, dtype=dtype)
    codes, uniques = factorize_sorted(series)
    expected_codes, expected_uniques = pd.factorize(series, sort=True)
    assert codes.dtype == (np.int8 if len(uniques) < 128 else np.int32)
    np.testing.assert_array_equal(codes, expected_codes)
    pd.testing.assert_index_equal(uniques, pd.Index(expected_uniques))


def test_factorize_sorted_is_int32_from_128_names() -> None:
    series = pd.Series([f"e{i:03d}" for i in range(200)][::-1], dtype="str")
    codes, uniques = factorize_sorted(series)
    assert codes.dtype == np.int32
    assert codes.tolist() == list(range(199, -1, -1))
    assert uniques[0] == "e000"


def test_factorize_first_seen_sparse_and_text_ids_go_to_pandas() -> None:
    for values in ([10**12, 0, 10**12], ["b", "a", "b"], [1.5, 0.5, 1.5]):
        codes, uniques = factorize_first_seen(pd.Series(values))
        assert codes.tolist() == [0, 1, 0]
        assert uniques.tolist() == [values[0], values[1]]


@given(st.lists(st.integers(0, 5), max_size=40), st.integers(0, 3))
def test_segment_helpers_match_python(codes: list[int], extra: int) -> None:
    sorted_codes = np.array(sorted(codes), dtype=np.int64)
    n = (max(codes) + 1 if codes else 0) + extra
    offsets = segment_offsets(sorted_codes, n)
    values = np.arange(sorted_codes.size, dtype=np.int64) * 10
    for seg in range(n):
        members = [i for i, c in enumerate(sorted_codes.tolist()) if c == seg]
        assert offsets[seg + 1] - offsets[seg] == len(members)
        assert segment_lengths(offsets)[seg] == len(members)
        first = segment_first(values, offsets, fill=-1)[seg]
        last = segment_last(values, offsets, fill=-1)[seg]
        assert first == (values[members[0]] if members else -1)
        assert last == (values[members[-1]] if members else -1)
    assert segment_ids(offsets).tolist() == sorted_codes.tolist()
    positions = position_in_segment(offsets).tolist()
    expected = [sorted_codes[:i].tolist().count(c) for i, c in enumerate(sorted_codes.tolist())]
    assert positions == expected


@given(
    st.lists(st.one_of(st.floats(allow_infinity=True), st.integers(-5, 5).map(float)), max_size=40)
)
def test_distinct_sorted_is_numpy_unique_for_floats(values: list[float]) -> None:
    np.testing.assert_array_equal(distinct_sorted(values), np.unique(np.array(values)))


@given(st.lists(st.integers(-(2**62), 2**62), max_size=40))
def test_distinct_sorted_is_numpy_unique_for_ints(values: list[int]) -> None:
    got = distinct_sorted(np.array(values, dtype=np.int64))
    np.testing.assert_array_equal(got, np.unique(np.array(values, dtype=np.int64)))
    assert got.dtype == np.int64


def test_sort_order_with_int64_min_after_a_later_time() -> None:
    """Hypothesis found it: ``np.diff`` wrapped INT64_MIN - 1 to a positive number."""
    users, times = np.array([1, 1]), np.array([1, np.iinfo(np.int64).min])
    assert sort_order(users, times).tolist() == [1, 0]
    assert not is_sorted_by_user_time(users, times)


@given(
    st.sampled_from([np.int32, np.int64, np.uint32, np.uint64]),
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([-(2**63), -1, 0, 1, 2**63 - 1])), max_size=6
    ),
)
def test_is_sorted_by_user_time_for_every_code_dtype(
    dtype: type, rows: list[tuple[int, int]]
) -> None:
    """Empty, one row, unsigned and narrow codes, times at both ends of int64."""
    info = np.iinfo(dtype)
    users = np.array([info.max - u if u % 2 else info.min + u for u, _ in rows], dtype=dtype)
    times = np.array([t for _, t in rows], dtype=np.int64)
    pairs = [(int(u), int(t)) for u, t in zip(users, times, strict=True)]
    assert is_sorted_by_user_time(users, times) == (pairs == sorted(pairs))
    # and the sort itself, stable (uint64 codes minus an int64 minimum were float64)
    expected = sorted(range(len(pairs)), key=lambda i: (*pairs[i], i))
    assert sort_order(users, times).tolist() == expected


def test_order_checks_look_past_their_first_rows() -> None:
    """A log ordered in its first rows and not after them is still sorted."""
    n = 10_000
    users = np.zeros(n, dtype=np.int64)
    times = np.arange(n, dtype=np.int64)
    times[-1] = -1  # the last event is the earliest
    assert not is_sorted_by_user_time(users, times)
    assert sort_order(users, times).tolist() == np.lexsort((times, users)).tolist()
    users[-1] = -1  # and the last user comes first
    assert not is_sorted_by_user_time(users, times)
    assert sort_order(users, times).tolist() == np.lexsort((times, users)).tolist()
