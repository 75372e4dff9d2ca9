"""magic_number_search and feature_retention: oracle, published statistics, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import contingency

from saasmetrics import EventLog
from saasmetrics.exceptions import (
    EmptyDataError,
    InputError,
    ParameterError,
    SaasMetricsWarning,
)
from saasmetrics.retention import feature_retention, magic_number_search

T0 = pd.Timestamp("2024-01-01")


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n_users = draw(st.integers(4, 12))
    rows = []
    for u in range(n_users):
        start = T0 + pd.Timedelta(hours=draw(st.integers(0, 48)))
        rows.append((f"u{u}", start, "signup"))
        for _ in range(draw(st.integers(0, 8))):
            hours = draw(st.integers(0, 24 * 20))
            rows.append(
                (
                    f"u{u}",
                    start + pd.Timedelta(hours=hours),
                    draw(st.sampled_from(["invite", "report", "login"])),
                )
            )
    rows.append(("u0", T0 + pd.Timedelta(days=30), "login"))
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])


def oracle(frame: pd.DataFrame, max_threshold: int) -> dict[tuple[str, int], tuple[int, int]]:
    """(event, n) -> (tp, fp) with plain pandas, from the documented definitions."""
    start = frame[frame["event"] == "signup"].groupby("user_id")["timestamp"].min()
    end = frame["timestamp"].max()
    eligible = start[start + pd.Timedelta("14D") <= end]
    rel = frame.assign(rel=frame["timestamp"] - frame["user_id"].map(start))
    rel = rel[rel["user_id"].isin(eligible.index)]
    second = rel[(rel["rel"] >= pd.Timedelta("7D")) & (rel["rel"] < pd.Timedelta("14D"))]
    retained = eligible.index.isin(second["user_id"])
    retained = pd.Series(retained, index=eligible.index)
    week = rel[(rel["rel"] >= pd.Timedelta(0)) & (rel["rel"] < pd.Timedelta("7D"))]
    out = {}
    for event in ("invite", "login", "report"):
        counts = week[week["event"] == event].groupby("user_id").size()
        counts = counts.reindex(eligible.index, fill_value=0)
        for n in range(1, max_threshold + 1):
            did = counts >= n
            out[(event, n)] = (int((did & retained).sum()), int((did & ~retained).sum()))
    return out


@pytest.mark.filterwarnings("ignore:.*analysed user is retained")  # one-sided: tested apart
@given(frame=frames())
def test_two_by_two_tables_match_pandas_oracle(frame: pd.DataFrame) -> None:
    try:
        result = magic_number_search(frame, signup_event="signup", max_threshold=4, min_support=0)
    except (EmptyDataError, ParameterError):
        return
    expected = oracle(frame, 4)
    table = result.to_frame()
    got = {(r.event, r.threshold): (r.tp, r.fp) for r in table.itertuples()}
    for key, value in got.items():
        assert value == expected[key]
    # every behaviour nobody does is dropped (share 0), the rest is reported
    assert set(got) == {k for k, v in expected.items() if sum(v) > 0}
    n = result.n_users
    assert ((table["tp"] + table["fp"] + table["fn"] + table["tn"]) == n).all()
    assert table["phi"].dropna().between(-1, 1).all()
    for col in ("ppv", "sensitivity", "npv", "specificity", "share"):
        assert table[col].dropna().between(0, 1).all()
    assert (table["phi_low"].dropna() <= table["phi"].dropna() + 1e-12).all()
    # row order is irrelevant
    shuffled = frame.sample(frac=1.0, random_state=len(frame))
    again = magic_number_search(shuffled, signup_event="signup", max_threshold=4, min_support=0)
    pd.testing.assert_frame_equal(again.to_frame(), table)


def test_statistics_of_a_worked_table() -> None:
    # 100 users; 30 did the behaviour (24 retained), 70 did not (21 retained)
    rows = []
    for u in range(100):
        rows.append((u, T0, "signup"))
        if u < 30:
            rows.append((u, T0 + pd.Timedelta(hours=1), "invite"))
        if u < 24 or 30 <= u < 51:
            rows.append((u, T0 + pd.Timedelta(days=8), "login"))
    rows.append((0, T0 + pd.Timedelta(days=20), "login"))
    frame = pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])
    result = magic_number_search(
        frame, signup_event="signup", candidates=["invite"], max_threshold=1
    )
    row = result.best
    assert (row.tp, row.fp, row.fn, row.tn) == (24, 6, 21, 49)
    # phi is Pearson's r of the two indicators
    did = np.r_[np.ones(30), np.zeros(70)]
    kept = np.r_[np.ones(24), np.zeros(6), np.ones(21), np.zeros(49)]
    assert row.phi == pytest.approx(np.corrcoef(did, kept)[0, 1])
    assert row.phi == pytest.approx((24 * 49 - 6 * 21) / np.sqrt(30 * 70 * 45 * 55))
    assert row.ppv == pytest.approx(0.8)
    assert row.sensitivity == pytest.approx(24 / 45)
    assert row.npv == pytest.approx(49 / 70)
    assert row.specificity == pytest.approx(49 / 55)
    assert row.share == pytest.approx(0.3)
    assert row.lift == pytest.approx(0.8 / 0.45)
    table = np.array([[24, 6], [21, 49]])
    assert row.odds_ratio == pytest.approx(contingency.odds_ratio(table, kind="sample").statistic)
    # Fisher interval for a correlation, n = 100
    z = np.arctanh(row.phi)
    assert row.phi_low == pytest.approx(np.tanh(z - 1.959964 / np.sqrt(97)), rel=1e-5)
    assert row.phi == pytest.approx(0.4606, abs=1e-4)
    assert row.strength == "highly predictive"  # phi >= 0.4
    # feature_retention on the same data: rates, lift and its interval
    feat = feature_retention(frame, ["invite"], signup_event="signup").to_frame().iloc[0]
    assert (feat.rate_with, feat.rate_without) == pytest.approx((0.8, 0.3))
    assert feat.lift == pytest.approx(0.8 / 0.3)
    rr = contingency.relative_risk(24, 30, 21, 70).confidence_interval(0.95)
    assert (feat.lift_low, feat.lift_high) == pytest.approx((rr.low, rr.high))
    assert feat.rate_with_low < 0.8 < feat.rate_with_high
    assert feat.difference_low < 0.5 < feat.difference_high


def test_per_user_retained_and_eventlog_input() -> None:
    rows = [(u, T0 + pd.Timedelta(hours=u), "signup") for u in range(10)]
    rows += [(u, T0 + pd.Timedelta(hours=u + 1), "invite") for u in range(5)]
    rows.append((0, T0 + pd.Timedelta(days=10), "login"))
    frame = pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])
    flags = pd.Series([u < 5 for u in range(9)], index=range(9))  # user 9 has no flag
    result = magic_number_search(EventLog(frame), retained=flags, candidates=["invite"])
    assert result.n_users == 9
    assert result.n_excluded == 1
    assert result.best.phi == pytest.approx(1.0)
    with pytest.raises(InputError, match="none of the users"):
        magic_number_search(frame, retained=pd.Series([True], index=["zz"]))


def test_pairs_are_found() -> None:
    rows = []
    for u in range(80):
        rows.append((u, T0, "signup"))
        a, b = u % 2 == 0, u % 4 < 2
        if a:
            rows.append((u, T0 + pd.Timedelta(hours=1), "invite"))
        if b:
            rows.append((u, T0 + pd.Timedelta(hours=2), "report"))
        if a and b:
            rows.append((u, T0 + pd.Timedelta(days=8), "login"))
    rows.append((0, T0 + pd.Timedelta(days=20), "login"))
    frame = pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])
    result = magic_number_search(frame, signup_event="signup", combinations=2, max_threshold=2)
    best = result.best
    assert {best.event, best.event_2} == {"invite", "report"}
    assert best.phi == pytest.approx(1.0)
    singles = result.to_frame()
    assert singles[singles["event_2"].isna()]["phi"].max() < 0.6


@pytest.mark.filterwarnings("ignore:.*analysed user is retained")  # one-sided: tested apart
def test_bad_input_is_named() -> None:
    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2],
            "event": ["signup", "x", "signup"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
        }
    )
    with pytest.raises(ParameterError, match="window"):
        magic_number_search(frame, window="0D")
    with pytest.raises(ParameterError, match="not a window"):
        magic_number_search(frame, retained=("7D", "2D"))
    with pytest.raises(ParameterError, match="Unknown event 'nope'"):
        magic_number_search(frame, candidates=["nope"])
    with pytest.raises(ParameterError, match="data span only"):
        magic_number_search(frame)  # 14 days needed, 2 days of data
    with pytest.raises(ParameterError, match="combinations"):
        magic_number_search(frame, combinations=3)
    with pytest.raises(EmptyDataError, match="No user"):
        magic_number_search(frame, window="1D", retained=pd.Series({2: True}))
    with pytest.warns(SaasMetricsWarning, match="overlaps"):
        magic_number_search(frame, window="2D", retained=("1D", "2D"))
    with pytest.raises(ParameterError, match="features is empty"):
        feature_retention(frame, [])


@given(frame=frames())
def test_feature_retention_intervals(frame: pd.DataFrame) -> None:
    try:
        result = feature_retention(frame, ["invite", "report"], signup_event="signup")
    except (EmptyDataError, ParameterError):
        return
    table = result.to_frame()
    assert (table["users_with"] + table["users_without"] == result.n_users).all()
    for col in ("rate_with", "rate_without"):
        rates = table[col].dropna()
        assert rates.between(0, 1).all()
        low = table.loc[rates.index, f"{col}_low"]
        high = table.loc[rates.index, f"{col}_high"]
        assert (low <= rates + 1e-12).all()
        assert (rates <= high + 1e-12).all()
    assert result.note.startswith("Correlation, not causation")


@pytest.mark.filterwarnings("ignore:.*analysed user is retained")  # one-sided: tested apart
@given(
    frame=frames(),
    window_days=st.integers(1, 7),
    gap=st.integers(0, 3),
    length=st.integers(1, 7),
    combinations=st.sampled_from([1, 2]),
    max_threshold=st.integers(1, 4),
    min_support=st.sampled_from([0.0, 0.1]),
)
def test_any_options_give_consistent_tables(
    *,
    frame: pd.DataFrame,
    window_days: int,
    gap: int,
    length: int,
    combinations: int,
    max_threshold: int,
    min_support: float,
) -> None:
    start = window_days + gap
    try:
        result = magic_number_search(
            frame,
            signup_event="signup",
            window=f"{window_days}D",
            retained=(f"{start}D", f"{start + length}D"),
            combinations=combinations,
            max_threshold=max_threshold,
            min_support=min_support,
        )
    except (EmptyDataError, ParameterError):
        return
    table = result.to_frame()
    assert ((table["tp"] + table["fp"] + table["fn"] + table["tn"]) == result.n_users).all()
    assert table["share"].between(min_support, 1 - min_support).all()
    assert (table["threshold"] <= max_threshold).all()
    phi = table["phi"].to_numpy()
    known = phi[~np.isnan(phi)]
    assert (np.diff(known) <= 1e-12).all()  # ranked best first
    if combinations == 2 and "event_2" in table:
        pairs = table.dropna(subset=["event_2"])
        # a pair is never done by more users than either of its behaviours alone
        singles = table[table["event_2"].isna()].set_index(["event", "threshold"])["share"]
        for row in pairs.itertuples():
            for key in ((row.event, row.threshold), (row.event_2, int(row.threshold_2))):
                if key in singles.index:
                    assert row.share <= singles.loc[key] + 1e-12


@pytest.mark.filterwarnings("ignore:.*analysed user is retained")  # one-sided: tested apart
@given(frame=frames(), spacing=st.integers(1, 4))
def test_integer_ids_with_gaps_search_like_an_event_log(frame: pd.DataFrame, spacing: int) -> None:
    """From a frame, integer ids are coded by offset; ids in the gaps are no users."""
    frame["user_id"] = 1000 + spacing * frame["user_id"].str[1:].astype(int)
    retained = pd.Series(True, index=frame["user_id"].unique()[::2])  # per-user flags too
    for kw in ({}, {"retained": retained}):
        ours = magic_number_search(frame, signup_event="signup", **kw)
        log = magic_number_search(EventLog(frame), signup_event="signup", **kw)
        pd.testing.assert_frame_equal(ours.to_frame(), log.to_frame())
        assert (ours.n_users, ours.n_excluded) == (log.n_users, log.n_excluded)
