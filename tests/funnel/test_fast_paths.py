"""The funnel's faster paths give exactly what the plain formulas they replace give."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics._kernels.funnel import next_after
from saasmetrics.funnel._analysis import _by_id

ids = st.one_of(
    st.lists(st.integers(-5, 5), max_size=30),
    st.lists(st.integers(-(2**62), 2**62), max_size=30),
    st.lists(st.text(max_size=2), max_size=30),
    st.lists(st.one_of(st.integers(0, 3), st.text(max_size=1)), max_size=30),
)


def _stable_by_id(users: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], list[Any]]:
    """The order the funnel used before (a stable sort of the ids, or of their text), the keys."""
    try:
        return np.argsort(users, kind="stable"), list(users)
    except TypeError:
        text = np.array([repr(u) for u in users], dtype=object)
        return np.argsort(text, kind="stable"), list(text)


@settings(max_examples=200, deadline=None)
@given(ids)
def test_order_by_id_is_the_stable_sort(values: list[Any]) -> None:
    mixed = len({type(v) for v in values}) > 1
    users = np.array(values, dtype=object if mixed or not values else None)
    if users.dtype.kind == "U":
        users = users.astype(object)
    by_user, sorted_users = _by_id(users)
    expected, keys = _stable_by_id(users)
    np.testing.assert_array_equal(by_user, expected)
    assert list(sorted_users) == [keys[i] for i in expected]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=200), st.data())
def test_next_after_search_equals_the_cumulative_sum(bits: list[bool], data: Any) -> None:
    mask = np.array(bits, dtype=bool)
    # few positions take the search, many the cumulative sum: both must give the plain formula
    n_pos = data.draw(st.integers(0, 3 * mask.size))
    positions = np.sort(
        np.array(
            data.draw(st.lists(st.integers(0, mask.size - 1), min_size=n_pos, max_size=n_pos)),
            dtype=np.int64,
        )
    )
    hits = np.r_[np.flatnonzero(mask), mask.size]
    expected = hits[np.cumsum(mask)[positions]] if positions.size else positions
    np.testing.assert_array_equal(next_after(mask, positions), expected)
