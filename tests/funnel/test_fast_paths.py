"""The funnel's faster paths give exactly what the plain formulas they replace give."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics import config
from saasmetrics._kernels.funnel import best_attempts, next_after
from saasmetrics.funnel import funnel
from saasmetrics.funnel._tables import _by_id, canonical_order, in_canonical_order

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


int_ids = st.one_of(
    st.tuples(st.just(np.int8), st.lists(st.integers(-128, 127), max_size=40)),
    st.tuples(st.just(np.int32), st.lists(st.integers(-(2**31), 2**31 - 1), max_size=40)),
    st.tuples(st.just(np.int64), st.lists(st.integers(-(2**63), 2**63 - 1), max_size=40)),
    st.tuples(st.just(np.int64), st.lists(st.integers(-3, 3), max_size=300)),
    st.tuples(st.just(np.uint64), st.lists(st.integers(0, 2**64 - 1), max_size=40)),
    st.tuples(st.just(np.uint64), st.lists(st.integers(2**63, 2**63 + 5), max_size=40)),
)


@settings(max_examples=300, deadline=None)
@given(int_ids)
def test_order_of_integer_ids_is_the_stable_sort(case: tuple[Any, list[int]]) -> None:
    # integer ids are ordered by a value sort of packed keys when their range allows
    dtype, values = case
    users = np.array(values, dtype=dtype)
    by_user, sorted_users = _by_id(users)
    expected = np.argsort(users, kind="stable")
    np.testing.assert_array_equal(by_user, expected)
    np.testing.assert_array_equal(sorted_users, users[expected])
    assert sorted_users.dtype == users.dtype


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-3, 3), st.integers(0, 3)), max_size=40),
    st.booleans(),
    st.booleans(),
)
def test_already_in_canonical_order_means_the_sort_is_the_identity(
    pairs: list[tuple[int, int]], presort: bool, with_t0: bool
) -> None:
    # finalize skips the sort when this says so: it must agree with the sort exactly
    if presort:
        pairs = sorted(pairs, key=lambda p: p[0])
    users = np.array([u for u, _ in pairs], dtype=np.int64)
    t0 = np.array([t for _, t in pairs], dtype=np.int64) if with_t0 else None
    order = canonical_order(pd.DataFrame({"user": users}), t0)
    identity = bool((order == np.arange(users.size)).all())
    assert in_canonical_order(users, t0) == identity
    assert not in_canonical_order(users.astype(str).astype(object), t0)


def _best_attempts_by_reduction(
    user_of_attempt: np.ndarray[Any, Any], level: np.ndarray[Any, Any]
) -> Any:
    """The per-user reduction best_attempts used before."""
    n = level.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, user_of_attempt[1:] != user_of_attempt[:-1]])
    score = level * (n + 1) + np.arange(n, 0, -1, dtype=np.int64)
    chosen = n - np.maximum.reduceat(score, starts) % (n + 1)
    return chosen[level[chosen] > 0]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5)), max_size=200),
    st.sampled_from([0, 200]),
)
def test_best_attempts_equals_the_per_user_reduction(
    pairs: list[tuple[int, int]], big: int
) -> None:
    # big: levels above the int8 range take the int64 table
    pairs = sorted(pairs, key=lambda p: p[0])
    users = np.array([u for u, _ in pairs], dtype=np.int64)
    level = np.array([lv + (big if lv else 0) for _, lv in pairs], dtype=np.int64)
    got = best_attempts(users, level)
    np.testing.assert_array_equal(got, _best_attempts_by_reduction(users, level))
    assert got.dtype == np.int64


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


@pytest.mark.parametrize("order", ["ordered", "strict", "unordered", "first_then_any"])
@pytest.mark.parametrize("window", [pd.Timedelta.max, pd.Timedelta(days=365 * 250)])
def test_a_window_past_the_last_timestamp_does_not_wrap_around(
    order: str, window: pd.Timedelta
) -> None:
    # the data span 200 years: a step-1 time near the end plus a window longer than the span
    # is past the largest int64; the window then holds every later event, it does not wrap
    events = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "e"],
            "timestamp": pd.to_datetime(["2100-01-01", "2100-01-02", "1900-01-01", "2100-01-05"]),
            "event": ["signup", "pay", "signup", "signup"],
        }
    )
    # e never pays: a window end at the largest int64 is "not reached" in some modes
    assert funnel(events, ["signup", "pay"], window=window, order=order).counts == [3, 1]
    # d's refund after signup, in the window, removes d's attempt
    refund = pd.DataFrame(
        {
            "user_id": ["d", "d"],
            "timestamp": pd.to_datetime(["2100-01-01", "2100-01-03"]),
            "event": ["signup", "refund"],
        }
    )
    with_exclusion = funnel(
        pd.concat([events, refund], ignore_index=True),
        ["signup", "pay"],
        window=window,
        exclusions=[("refund", 0, 1)],
    )
    assert with_exclusion.counts == [3, 1]


def _awkward_events(ids: np.ndarray[Any, Any]) -> pd.DataFrame:
    """128 event names (the steps' codes are 0 and 127), ties at every step, duplicate rows."""
    names = [f"e{i:03d}" for i in range(128)]
    rng = np.random.default_rng(7)
    n = 600
    picks = rng.choice([0, 0, 1, 126, 127, 127], n)
    picks[:128] = np.arange(128)  # every name occurs
    events = pd.DataFrame(
        {
            "user_id": ids[rng.integers(0, ids.size, n)],
            "timestamp": pd.Timestamp("2024-03-09", tz="America/New_York")
            + pd.to_timedelta(rng.integers(0, 6, n), unit="h"),
            "event": np.array(names)[picks],
            "plan": np.array(["free", "pro"])[rng.integers(0, 2, n)],
            "channel": pd.Categorical(
                np.array(["b", "a", None])[rng.integers(0, 3, n)], categories=["c", "a", "b"]
            ),
        }
    )
    return pd.concat([events, events.iloc[::7]], ignore_index=True)


@pytest.mark.parametrize(
    "ids",
    [
        np.array([-(2**63), -(2**63) + 1, -1, 0, 2**63 - 2, 2**63 - 1], dtype=np.int64),
        np.array([-5, 3, -2, 9, 0, 4], dtype=np.int64),
        np.array([2**63, 2**63 + 1, 2**64 - 1, 3], dtype=np.uint64),
        np.array([2**63 + 9, 2**63, 2**63 + 4], dtype=np.uint64),
    ],
)
@pytest.mark.parametrize(
    "options",
    [
        {"order": "ordered"},
        {"order": "strict"},
        {"order": "ordered", "count": "attempts"},
        {"order": "ordered", "entry": "first", "window": "1h"},
        {"order": "strict", "hold_constant": "plan"},
        {"order": "ordered", "breakdown": "channel", "exclusions": [("e001", 0, 1)]},
        {"order": "unordered", "breakdown": "channel"},
    ],
)
@pytest.mark.parametrize("threads", [1, 3])
def test_fast_paths_give_the_plain_paths_results(
    monkeypatch: pytest.MonkeyPatch,
    ids: np.ndarray[Any, Any],
    options: dict[str, Any],
    threads: int,
) -> None:
    # int8 event codes (code 127 is a step), id-ordered units, the merge of id-ordered parts
    # (with threads) and finalize's skipped sort, against the int32 codes and the canonical
    # sort of the concatenated parts on the same awkward data
    import saasmetrics.funnel._analysis as analysis
    import saasmetrics.funnel._attempts as attempts
    from saasmetrics import eventlog

    events = _awkward_events(ids)
    steps = ["e127", "e000", {"event": "e127", "where": {"plan": "pro"}}]
    kwargs: dict[str, Any] = {"window": "2h", **options}
    with monkeypatch.context() as patch, config.threads(threads):
        patch.setattr(eventlog, "MIN_EVENTS_PER_THREAD", 1)
        fast = funnel(events, steps, **kwargs)
    monkeypatch.setattr(attempts, "_INT8_CODES", 0)
    monkeypatch.setattr(attempts, "integer_id_order", lambda ids: None)
    monkeypatch.setattr(analysis, "in_canonical_order", lambda users, t0: False)
    plain = funnel(events, steps, **kwargs)
    pd.testing.assert_frame_equal(fast.to_frame(), plain.to_frame())
    pd.testing.assert_frame_equal(fast.units, plain.units)
    assert fast.to_json() == plain.to_json()
    assert fast.counts == plain.counts
