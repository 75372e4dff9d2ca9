"""The generator's array helpers against slow pure-Python oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.datasets._company import _add_months, _event_order, _invoices, _within

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
        st.tuples(st.integers(0, 50), st.integers(0, 9), st.booleans()), min_size=1, max_size=60
    ),
    st.booleans(),
)
def test_event_order_is_time_user_signup_first(
    rows: list[tuple[int, int, bool]], huge_times: bool
) -> None:
    shift = 2**60 if huge_times else 0  # forces the lexsort branch
    sec = np.array([s + shift for s, _, _ in rows], dtype=np.int64)
    user = np.array([u for _, u, _ in rows], dtype=np.int64)
    not_signup = np.array([n for _, _, n in rows], dtype=bool)
    order = _event_order(sec, user, not_signup)
    expected = sorted(range(len(rows)), key=lambda i: (rows[i][0], rows[i][1], rows[i][2], i))
    assert order.tolist() == expected


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
