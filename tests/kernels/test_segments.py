"""Encoding and segment kernels against plain-Python oracles."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels.encoding import is_sorted_by_user_time, sort_order
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
