"""The generator's array helpers against slow pure-Python oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.datasets import _profile as prof
from saasmetrics.datasets._company import (
    _add_months,
    _event_order,
    _invoices,
    _packed_order,
    _plan_at,
    _Rhythm,
    _within,
)

timestamps = st.datetimes(
    min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
    max_value=pd.Timestamp("2100-12-31").to_pydatetime(),
)


@given(st.lists(st.tuples(timestamps, st.integers(0, 240)), min_size=1, max_size=40))
def test_add_months_matches_dateoffset(rows: list[tuple[object, int]]) -> None:
    times = pd.DatetimeIndex([t for t, _ in rows]).as_unit("ns").floor("s")
    months = np.array([m for _, m in rows], dtype=np.int64)
    got = _add_months(times.asi8.copy(), months)
    expected = [t + pd.DateOffset(months=int(m)) for t, m in zip(times, months, strict=True)]
    assert got.tolist() == [e.value for e in expected]


@given(st.lists(st.integers(0, 6), max_size=30))
def test_within_counts_inside_groups(counts: list[int]) -> None:
    expected = [i for c in counts for i in range(c)]
    assert _within(np.array(counts, dtype=np.int64)).tolist() == expected


@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(0, 9), st.booleans(), st.integers(0, 10)),
        min_size=1,
        max_size=60,
    ),
    st.booleans(),
)
def test_event_order_is_time_user_signup_first_then_type(
    rows: list[tuple[int, int, bool, int]], huge_times: bool
) -> None:
    shift = 2**60 if huge_times else 0  # forces the lexsort branch
    sec = np.array([r[0] + shift for r in rows], dtype=np.int64)
    user = np.array([r[1] for r in rows], dtype=np.int64)
    not_signup = np.array([r[2] for r in rows], dtype=bool)
    code = np.array([r[3] for r in rows], dtype=np.int8)
    order = _event_order(sec, user, not_signup, code)
    # rows with equal keys may come in any order: compare the sorted keys
    assert [rows[i] for i in order] == sorted(rows)
    assert sorted(order.tolist()) == list(range(len(rows)))


@given(st.lists(st.tuples(st.integers(-(10**6), 10**6), st.integers(0, 5)), max_size=50))
def test_packed_order_handles_negative_values(rows: list[tuple[int, int]]) -> None:
    a = np.array([r[0] for r in rows], dtype=np.int64)
    b = np.array([r[1] for r in rows], dtype=np.int64)
    assert [rows[i] for i in _packed_order(a, b)] == sorted(rows)


def test_plan_at_finds_the_covering_row() -> None:
    day = 86_400 * 10**9
    subs = {
        "acct": np.array([1, 1, 3]),
        "start": np.array([10, 20, 5]) * day,
        "end": np.array([20, 30, 8]) * day,
        "open": np.array([False, True, False]),
        "plan": np.array([0, 2, 1]),
    }
    acct = np.array([0, 1, 1, 1, 1, 3, 3, 3, 2])
    t = np.array([15, 9, 10, 25, 99, 4, 6, 8, 50]) * day
    # free before paying, each row's plan (+1) inside it, open rows run on, free after churn
    assert _plan_at(subs, acct, t).tolist() == [0, 0, 1, 3, 3, 0, 2, 0, 0]


def test_invoices_bill_each_period_at_mrr_per_month() -> None:
    anchor = pd.Timestamp("2024-01-31").value
    as_of = pd.Timestamp("2025-03-01").value
    subs = {
        # monthly row for months [0, 3); annual row from month 5, open
        "acct": np.array([0, 1]),
        "anchor": np.array([anchor, anchor]),
        "months_from": np.array([0, 5]),
        "months_to": np.array([3, 600]),
        "annual": np.array([False, True]),
        "mrr": np.array([10.0, 100.0]),
    }
    inv = _invoices(subs, as_of_ns=as_of)
    starts = pd.to_datetime(inv["start"]).strftime("%Y-%m-%d").tolist()
    ends = pd.to_datetime(inv["end"]).strftime("%Y-%m-%d").tolist()
    assert inv["acct"].tolist() == [0, 0, 0, 1, 1]
    assert starts == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-06-30", "2025-01-31"]
    assert ends == ["2024-02-29", "2024-03-31", "2024-04-30", "2025-01-31", "2026-01-31"]
    # a partial first annual period (months 5-12) bills 7 months, then a full year
    assert inv["amount"].tolist() == [10.0, 10.0, 10.0, 700.0, 1200.0]


@given(
    st.lists(st.floats(0.0, 60.0), min_size=1, max_size=40),
    st.integers(0, 6),
)
def test_rhythm_clock_inverts_and_averages_one_per_week(days: list[float], weekday: int) -> None:
    rhythm = _Rhythm(70.0, weekday)
    t = np.array(days)
    effective = rhythm.clock(t)
    np.testing.assert_allclose(rhythm.time(effective), t, atol=1e-6)
    assert np.all(np.diff(rhythm.clock(np.sort(t))) >= 0)
    # any whole week holds 7 effective days
    np.testing.assert_allclose(rhythm.clock(t + 7.0) - effective, 7.0, rtol=1e-9)


def test_rhythm_weights_follow_the_profile() -> None:
    rhythm = _Rhythm(14.0, 0)  # starts on a Monday
    monday_10h = rhythm.weight[10]
    assert np.isclose(rhythm.weight[3] / monday_10h, prof.HOURLY_WEIGHT[3] / prof.HOURLY_WEIGHT[10])
    saturday_10h = rhythm.weight[5 * 24 + 10]
    assert np.isclose(saturday_10h / monday_10h, prof.WEEKEND_WEIGHT)
