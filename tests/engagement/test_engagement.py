"""Engagement: contract details, invariants (Hypothesis), input kinds, bad input, results."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics import EventLog
from saasmetrics._results import load_result
from saasmetrics.engagement import (
    ActiveUsers,
    FeatureAdoption,
    GrowthAccounting,
    Lifecycle,
    Stickiness,
    active_users,
    feature_adoption,
    growth_accounting,
    lifecycle,
    stickiness,
)
from saasmetrics.engagement._growth import _FAST_AMOUNT, _near_cents, _to_cents
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    InputError,
    MissingColumnError,
    ParameterError,
)

BASE = pd.Timestamp("2024-01-01")  # a Monday


def _frame(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    """(user, day offset, event index) rows; the hour spreads rows within a day."""
    return pd.DataFrame(
        {
            "user_id": [f"u{u}" for u, _, _ in rows],
            "timestamp": [
                BASE + pd.Timedelta(days=d, hours=(i * 7) % 24) for i, (_, d, _) in enumerate(rows)
            ],
            "event": [("login", "export", "signup")[e] for _, _, e in rows],
            "amount": [float(10 * (u + 1) + d % 3) for u, d, _ in rows],
        }
    )


rows_st = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 60), st.integers(0, 2)), min_size=2, max_size=50
)

ANALYSES: dict[str, Callable[[Any], Any]] = {
    "active_users": active_users,
    "stickiness": lambda e: stickiness(e, period="W"),
    "stickiness_l7": lambda e: stickiness(e, period="7D", cumulative=True),
    "lifecycle": lambda e: lifecycle(e, freq="W", new_event="signup"),
    "growth_accounting": lambda e: growth_accounting(e, freq="W", value_col="amount"),
    "feature_adoption": lambda e: feature_adoption(e, {"export": "export", "x": ["login"]}),
}


def _quiet(call: Callable[[], Any]) -> Any:
    """Run ``call`` ignoring data-quality warnings (short windows on tiny data)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return call()


def _same(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


# --------------------------------------------------------------------------- invariants
@given(rows_st, st.randoms(use_true_random=False))
def test_row_order_is_irrelevant(rows: list[tuple[int, int, int]], rnd: Any) -> None:
    frame = _frame(rows)
    shuffled = frame.sample(frac=1.0, random_state=rnd.randint(0, 10**6))
    for call in ANALYSES.values():
        _same(_quiet(lambda c=call: c(frame)), _quiet(lambda c=call: c(shuffled)))


@given(rows_st, st.sampled_from([0, 7, -3, 10**12]))
def test_integer_ids_give_the_results_of_text_ids(
    rows: list[tuple[int, int, int]], shift: int
) -> None:
    """Dense integer ids are coded by offset (not first appearance): no result may change."""
    frame = _frame(rows)
    numbered = frame.assign(user_id=[u * 2 + shift for u, _, _ in rows])  # ids with gaps
    for call in ANALYSES.values():
        _same(_quiet(lambda c=call: c(numbered)), _quiet(lambda c=call: c(frame)))


@given(rows_st, st.lists(st.sampled_from([0.0, 5.0, 12.5]), min_size=50, max_size=50))
def test_revenue_cohorts_start_at_the_first_period_with_revenue(
    rows: list[tuple[int, int, int]], amounts: list[float]
) -> None:
    """Periods a user is active in without revenue (zero totals) start no revenue cohort."""
    frame = _frame(rows).assign(amount=amounts[: len(rows)])
    ga = growth_accounting(frame, freq="W", value_col="amount")
    weeks = frame["timestamp"].dt.to_period("W").dt.start_time.rename("period")
    totals = frame.groupby(["user_id", weeks])["amount"].sum()
    totals = totals[totals > 0].reset_index()
    totals["cohort"] = totals.groupby("user_id")["period"].transform("min")
    want = totals.groupby(["period", "cohort"])["amount"].sum()
    got = ga.cohorts.set_index(["period", "cohort"])["revenue"]
    got = got[got > 0]
    assert got.index.tolist() == want.index.tolist()
    assert got.tolist() == want.tolist()


@given(rows_st, st.lists(st.sampled_from([0.0, 5.0, 12.5]), min_size=50, max_size=50))
def test_the_users_layer_cake_does_not_depend_on_value_col(
    rows: list[tuple[int, int, int]], amounts: list[float]
) -> None:
    """A revenue cohort no user starts in (first revenue after first activity) is no column
    of the users layer cake: it is the one growth_accounting without value_col gives."""
    frame = _frame(rows).assign(amount=amounts[: len(rows)])
    with_revenue = growth_accounting(frame, freq="W", value_col="amount").layer_cake()
    pd.testing.assert_frame_equal(with_revenue, growth_accounting(frame, freq="W").layer_cake())


@given(
    rows_st,
    st.lists(st.sampled_from([0.0, -0.0, 0.005, 19.99, 12.5]), min_size=50, max_size=50),
    st.sampled_from(["W-SAT", "MS", "QS"]),
)
def test_layer_cakes_sum_to_the_totals_with_zero_and_late_revenue(
    rows: list[tuple[int, int, int]], amounts: list[float], freq: str
) -> None:
    """Every period (gaps included) of both layer cakes sums to its total, in exact cents."""
    frame = _frame(rows).assign(amount=amounts[: len(rows)])
    frame["user_id"] = [u * 3 - 4 for u, _, _ in rows]  # dense integer ids with gaps
    ga = growth_accounting(frame, freq=freq, value_col="amount")
    users = ga.to_frame("users").set_index("period")["active"]
    cents = ga.to_frame("revenue", cents=True).set_index("period")["revenue"]
    cake = ga.layer_cake().sum(axis=1).reindex(users.index, fill_value=0)
    assert cake.tolist() == users.tolist()
    money = ga.cohorts.groupby("period")["revenue"].apply(lambda r: int((r * 100).round().sum()))
    assert money.reindex(cents.index, fill_value=0).tolist() == cents.tolist()
    revenue_cake = ga.layer_cake("revenue").sum(axis=1).reindex(cents.index, fill_value=0)
    np.testing.assert_allclose(revenue_cake.to_numpy(), cents.to_numpy() / 100)


def test_layer_cakes_have_a_row_for_every_period_gaps_included() -> None:
    """A period nobody is active in is a row of zeros, as in to_frame(): plots keep the time."""
    frame = pd.DataFrame(
        {
            "user_id": ["a", "b", "a"],
            "timestamp": pd.to_datetime(["2024-01-03", "2024-01-09", "2024-04-02"]),
            "amount": [10.0, 5.0, 12.0],
        }
    )
    ga = growth_accounting(frame, value_col="amount")
    periods = ga.to_frame("users")["period"].tolist()
    for measure, totals in (("users", [2, 0, 0, 1]), ("revenue", [15.0, 0.0, 0.0, 12.0])):
        cake = ga.layer_cake(measure)
        assert cake.index.tolist() == periods
        assert cake.sum(axis=1).tolist() == totals


@given(rows_st)
def test_a_user_counts_once_per_window(rows: list[tuple[int, int, int]]) -> None:
    frame = _frame(rows)
    table = _quiet(lambda: active_users(frame)).to_frame()
    assert (table["dau"] <= table["wau"]).all()
    assert (table["wau"] <= table["mau"]).all()
    assert table["mau"].max() <= frame["user_id"].nunique()
    days = frame["timestamp"].dt.normalize()
    for _, row in table.sample(n=min(5, len(table)), random_state=0).iterrows():
        in_window = (days > row["date"] - pd.Timedelta("7D")) & (days <= row["date"])
        assert row["wau"] == frame.loc[in_window, "user_id"].nunique()
        assert row["dau"] == frame.loc[days == row["date"], "user_id"].nunique()


@given(rows_st)
def test_lifecycle_identity_holds_exactly(rows: list[tuple[int, int, int]]) -> None:
    frame = _frame(rows)
    for freq in ("D", "W"):
        got = _quiet(lambda f=freq: lifecycle(frame, freq=f, start="2023-12-01")).to_frame()
        active = got["active"].to_numpy()
        growth = (got["new"] + got["resurrecting"] + got["dormant"]).to_numpy()
        np.testing.assert_array_equal(active[1:] - active[:-1], growth[1:])
        assert (got["dormant"] <= 0).all()
        # each active user is exactly one of new, returning, resurrecting
        weeks = frame["timestamp"].dt.to_period("W" if freq == "W" else "D").dt.start_time
        per = frame.assign(p=weeks).groupby("p")["user_id"].nunique()
        joined = got.set_index("period")["active"]
        assert (joined.reindex(per.index).to_numpy() == per.to_numpy()).all()


@given(rows_st)
def test_growth_accounting_identities_hold_exactly(rows: list[tuple[int, int, int]]) -> None:
    ga = growth_accounting(_frame(rows), freq="W", value_col="amount")
    u = ga.to_frame("users")
    assert (u["active"] == u["retained"] + u["new"] + u["resurrected"]).all()
    assert (u["active"].shift(1)[1:] == (u["retained"] - u["churned"])[1:]).all()
    r = ga.to_frame("revenue")  # integer-valued amounts: float sums are exact
    assert (r["revenue"] == r["retained"] + r["new"] + r["resurrected"] + r["expansion"]).all()
    before = (r["retained"] - r["churned"] - r["contraction"])[1:]
    assert (r["revenue"].shift(1)[1:] == before).all()
    assert ((r["gross_retention"].dropna() >= 0) & (r["gross_retention"].dropna() <= 1)).all()
    # the layer cake sums to the active users (and revenue) of every period
    cake = ga.layer_cake()
    assert (cake.sum(axis=1).to_numpy() == u.set_index("period").loc[cake.index, "active"]).all()
    money = ga.layer_cake("revenue").sum(axis=1)
    np.testing.assert_allclose(money.to_numpy(), r.set_index("period").loc[money.index, "revenue"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-3, 40),  # user ids: negative and sparse ones too
            st.integers(-400, 400),  # days around an origin
            st.integers(0, 400),  # amount in cents (zeros: active without revenue)
        ),
        min_size=1,
        max_size=50,
    ),
    st.sampled_from(["1969-07-01", "2024-01-15", "2210-03-01"]),
    st.sampled_from(["MS", "W", "QS", "D"]),
    st.booleans(),
)
def test_growth_accounting_of_a_frame_is_that_of_its_event_log(
    rows: list[tuple[int, int, int]], origin: str, freq: str, revenue: bool
) -> None:
    """Unsorted frame rows (one packed sort per row) count like an EventLog's sorted rows."""
    frame = pd.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "timestamp": pd.Timestamp(origin) + pd.to_timedelta([r[1] for r in rows], unit="D"),
            "event": "login",
            "amount": [r[2] / 100 for r in rows],
        }
    )
    value_col = "amount" if revenue else None
    ours = growth_accounting(frame, freq=freq, value_col=value_col)
    log = growth_accounting(EventLog(frame, properties=["amount"]), freq=freq, value_col=value_col)
    pd.testing.assert_frame_equal(ours.to_frame("users"), log.to_frame("users"))
    pd.testing.assert_frame_equal(ours.cohorts, log.cohorts)
    if revenue:
        pd.testing.assert_frame_equal(
            ours.to_frame("revenue", cents=True), log.to_frame("revenue", cents=True)
        )


@given(rows_st)
def test_stickiness_rows_sum_to_the_active_users(rows: list[tuple[int, int, int]]) -> None:
    frame = _frame(rows)
    exact = stickiness(frame, period="MS")
    at_least = stickiness(frame, period="MS", cumulative=True)
    months = frame["timestamp"].dt.to_period("M").dt.start_time
    per = frame.assign(p=months).groupby("p")["user_id"].nunique()
    assert exact.users.loc[per.index].tolist() == per.tolist()
    assert at_least.to_frame()[1].tolist() == exact.users.tolist()
    shares = exact.shares().drop(columns="period").to_numpy()
    assert np.all((shares >= 0) & (shares <= 1) | np.isnan(shares))


@given(rows_st)
def test_feature_adoption_rates_are_shares(rows: list[tuple[int, int, int]]) -> None:
    table = _quiet(lambda: feature_adoption(_frame(rows), ["export"], freq="W")).to_frame()
    breadth = table["breadth"].dropna()
    assert ((breadth >= 0) & (breadth <= 1)).all()
    assert (table["depth"].dropna() >= 1).all()
    assert table["cumulative_adopters"].iloc[-1] <= table["active_users"].sum()


# --------------------------------------------------------------------------- contract
def test_active_users_days_without_events_are_zero_and_freq_reports_period_ends() -> None:
    frame = _frame([(0, 0, 0), (1, 0, 0), (0, 9, 0)])
    daily = active_users(frame, windows={"dau": "1D", "wau": "7D"}).to_frame()
    assert len(daily) == 10
    assert daily["dau"].tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert daily["wau"].tolist() == [2, 2, 2, 2, 2, 2, 2, 0, 0, 1]
    weekly = active_users(frame, windows={"dau": "1D", "wau": "7D"}, freq="W").to_frame()
    assert weekly["date"].tolist() == [pd.Timestamp("2024-01-07"), pd.Timestamp("2024-01-10")]
    as_of = active_users(frame, windows={"dau": "1D"}, as_of="2024-01-03").to_frame()
    assert as_of["date"].iloc[-1] == pd.Timestamp("2024-01-03")
    result = active_users(frame, windows={"dau": "1D", "wau": "7D"})
    ratios = result.ratios()
    assert list(ratios.columns) == ["date", "dau/wau"]
    assert np.isnan(ratios["dau/wau"].iloc[7])  # 0 / 0


def test_active_event_restricts_what_counts() -> None:
    frame = _frame([(0, 0, 0), (1, 0, 1), (1, 1, 1)])
    got = active_users(frame, windows={"dau": "1D"}, active_event="export").to_frame()
    assert got["dau"].tolist() == [1, 1]
    got = active_users(frame, windows={"dau": "1D"}, active_event=["export", "login"])
    assert got.to_frame()["dau"].tolist() == [2, 1]


def test_weeks_are_monday_to_sunday_and_w_sat_sunday_to_saturday() -> None:
    # 2024-01-06 is a Saturday, 2024-01-07 a Sunday
    frame = _frame([(0, 5, 0), (0, 6, 0)])
    monday = stickiness(frame, period="W").to_frame()
    assert monday["period"].tolist() == [pd.Timestamp("2024-01-01")]
    assert monday[2].tolist() == [1]
    sunday = stickiness(frame, period="W-SAT").to_frame()
    assert sunday["period"].tolist() == [pd.Timestamp("2023-12-31"), pd.Timestamp("2024-01-07")]
    assert sunday[1].tolist() == [1, 1]
    assert list(sunday.columns) == ["period", 1, 2, 3, 4, 5, 6, 7]


def test_tz_aware_data_is_bucketed_in_local_days_and_a_dst_day_is_one_day() -> None:
    # 2024-03-31 is the spring-forward day in Paris (23 hours); 23:30 local is the 31st
    stamps = pd.to_datetime(
        ["2024-03-30 23:30", "2024-03-31 00:30", "2024-03-31 23:30", "2024-04-01 00:10"]
    ).tz_localize("Europe/Paris")
    frame = pd.DataFrame({"user_id": ["a", "b", "c", "d"], "timestamp": stamps, "event": "x"})
    got = active_users(frame, windows={"dau": "1D"}).to_frame()
    assert got["date"].dt.day.tolist() == [30, 31, 1]
    assert got["dau"].tolist() == [1, 2, 1]
    # the same instants in UTC fall on other days
    utc = frame.assign(timestamp=frame["timestamp"].dt.tz_convert("UTC"))
    assert active_users(utc, windows={"dau": "1D"}).to_frame()["dau"].tolist() == [2, 2]


def test_lifecycle_default_start_skips_the_wall_of_new() -> None:
    frame = _frame([(0, 0, 0), (1, 1, 0), (0, 8, 0), (2, 9, 0)])
    table = lifecycle(frame, freq="W").to_frame()
    assert table["period"].tolist() == [pd.Timestamp("2024-01-08")]
    assert table[["new", "returning", "resurrecting", "dormant"]].iloc[0].tolist() == [1, 1, 0, -1]
    # asked for explicitly, the first period is shown: everyone in it is new
    first = lifecycle(frame, freq="W", start="2024-01-01").to_frame()
    assert first["new"].tolist() == [2, 1]
    with pytest.warns(DataQualityWarning, match="single period"):
        lifecycle(_frame([(0, 0, 0), (1, 1, 0)]), freq="W")


def test_lifecycle_new_event_follows_posthogs_created_at() -> None:
    # u0 browses in week 1 and signs up in week 2: never new (PostHog: first activity is
    # before created_at); u1 signs up in week 2 with no earlier activity: new in week 2;
    # u2 never signs up: created by their first event
    frame = _frame([(0, 0, 0), (0, 7, 2), (1, 8, 2), (2, 9, 0)])
    table = lifecycle(frame, freq="W", new_event="signup", start="2024-01-01").to_frame()
    assert table["new"].tolist() == [0, 2]
    assert table["resurrecting"].tolist() == [1, 0]
    assert table["returning"].tolist() == [0, 1]
    with pytest.warns(DataQualityWarning, match="No event is a new_event"):
        lifecycle(frame, freq="W", new_event="register")


def test_growth_accounting_reads_frames_without_an_event_column() -> None:
    invoices = pd.DataFrame(
        {
            "account": ["a", "a", "b"],
            "paid_at": pd.to_datetime(["2024-01-03", "2024-02-03", "2024-02-09"]),
            "mrr": [10.0, 12.0, 5.0],
        }
    )
    ga = growth_accounting(invoices, user_col="account", time_col="paid_at", value_col="mrr")
    assert ga.to_frame()["revenue"].tolist() == [10.0, 17.0]
    assert ga.to_frame("users")["new"].tolist() == [1, 1]
    cake = ga.layer_cake("revenue")
    assert cake.loc[pd.Timestamp("2024-02-01")].tolist() == [12.0, 5.0]
    assert ga.cohorts["retained"].tolist() == [0, 1, 0]


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow", "eventlog"])
@pytest.mark.parametrize("name", list(ANALYSES))
def test_every_input_kind_gives_the_same_result(kind: str, name: str) -> None:
    frame = _frame([(u, (u * 5 + d * 3) % 40, (u + d) % 3) for u in range(6) for d in range(9)])
    expected = _quiet(lambda: ANALYSES[name](frame))
    if kind == "polars":
        data: Any = pytest.importorskip("polars").from_pandas(frame)
    elif kind == "pyarrow":
        data = pytest.importorskip("pyarrow").Table.from_pandas(frame)
    elif kind == "eventlog":
        data = EventLog(frame)
    else:
        data = frame
    _same(_quiet(lambda: ANALYSES[name](data)), expected)


def test_the_callers_frame_is_not_modified() -> None:
    frame = _frame([(0, 0, 0), (1, 3, 1), (0, 9, 2)])
    before = frame.copy()
    for call in ANALYSES.values():
        _quiet(lambda c=call: c(frame))
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- bad input
def test_bad_input_gets_typed_errors() -> None:
    frame = _frame([(0, 0, 0), (1, 3, 1)])
    with pytest.raises(ParameterError, match="whole number of days"):
        active_users(frame, windows={"x": "12h"})
    with pytest.raises(ParameterError, match="at least one"):
        active_users(frame, windows={})
    with pytest.raises(ParameterError, match="calendar grain"):
        active_users(frame, freq="fortnight")
    with pytest.raises(EmptyDataError, match="before the first event"):
        active_users(frame, as_of="2020-01-01")
    with pytest.raises(ParameterError, match="no longer than the unit"):
        stickiness(frame, period="D")
    with pytest.raises(ParameterError, match="not a stickiness unit"):
        stickiness(frame, unit="fortnight")
    with pytest.raises(ParameterError, match="before start"):
        lifecycle(frame, start="2024-02-01", end="2024-01-01")
    with pytest.raises(ParameterError, match="not a date"):
        lifecycle(frame, start="not a date")
    with pytest.raises(MissingColumnError):
        growth_accounting(frame, value_col="revenue")
    with pytest.raises(InputError, match="negative"):
        growth_accounting(frame.assign(amount=-1.0), value_col="amount")
    with pytest.raises(InputError, match="missing or not numbers"):
        growth_accounting(frame.assign(amount=[1.0, None]), value_col="amount")
    with pytest.raises(ParameterError, match="at least one feature"):
        feature_adoption(frame, [])
    with pytest.raises(EmptyDataError):
        lifecycle(frame.iloc[:0])


def test_warnings_say_what_to_change() -> None:
    frame = _frame([(0, 0, 0), (1, 3, 1)])
    with pytest.warns(DataQualityWarning, match="longer than the data"):
        active_users(frame)
    with pytest.warns(DataQualityWarning, match="No event is an active_event"):
        active_users(frame, windows={"dau": "1D"}, active_event="nope")
    with pytest.warns(DataQualityWarning, match="never occurs"):
        feature_adoption(frame, ["export", "nope"])


# --------------------------------------------------------------------------- results
def _results() -> list[Any]:
    frame = _frame([(u, (u * 5 + d * 3) % 40, (u + d) % 3) for u in range(6) for d in range(9)])
    return [_quiet(lambda c=call: c(frame)) for call in ANALYSES.values()]


def test_json_round_trip_and_repr() -> None:
    types = (ActiveUsers, Stickiness, Stickiness, Lifecycle, GrowthAccounting, FeatureAdoption)
    for result, kind in zip(_results(), types, strict=True):
        back = load_result(json.loads(result.to_json()))
        assert isinstance(back, kind)
        pd.testing.assert_frame_equal(back.to_frame(), result.to_frame())
        assert repr(result).startswith(kind.__name__ + "(")
        assert "\n" not in repr(result)
        assert "<table" in result._repr_html_()
    ga = _results()[4]
    back = load_result(ga.to_json())
    pd.testing.assert_frame_equal(back.to_frame("users"), ga.to_frame("users"))
    pd.testing.assert_frame_equal(back.cohorts, ga.cohorts)


def test_counts_are_integers() -> None:
    for result in _results():
        table = result.to_frame("users") if isinstance(result, GrowthAccounting) else None
        table = result.to_frame() if table is None else table
        for col in table.columns:
            if col in ("new", "returning", "resurrecting", "dormant", "active", "adopters"):
                assert table[col].dtype == np.int64
    assert _results()[0].to_frame()["dau"].dtype == np.int64


def test_plots_return_axes() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    au, sticky, _, life, ga, fa = _results()
    ax = au.plot()
    assert [line.get_label() for line in ax.get_lines()] == ["dau", "wau", "mau"]
    assert len({line.get_color() for line in ax.get_lines()}) == 3
    assert sticky.plot().get_title().startswith("Stickiness")
    ax = life.plot()
    heights = [p.get_height() for p in ax.patches]
    assert min(heights) < 0 < max(heights)  # dormant below zero
    ax = ga.plot()
    assert ax.get_legend() is not None
    assert ga.plot(measure="users").get_ylabel() == "users"
    assert ga.plot_layer_cake().get_title().startswith("Layer cake")
    assert fa.plot().get_legend() is not None
    plt.close("all")


# --------------------------------------------------------------------------- review fixes
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 60), st.floats(0.0, 1000.0)),
        min_size=2,
        max_size=60,
    ),
    st.randoms(use_true_random=False),
)
def test_revenue_identities_exact_in_cents_with_float_amounts(
    rows: list[tuple[int, int, float]], rnd: Any
) -> None:
    """Float amounts (0.1 + 0.2): cents balance exactly and row order cannot change a cent."""
    frame = pd.DataFrame(
        {
            "user_id": [f"u{u}" for u, _, _ in rows],
            "timestamp": [BASE + pd.Timedelta(days=d) for _, d, _ in rows],
            "amount": [a for _, _, a in rows],
        }
    )
    ga = growth_accounting(frame, freq="W", value_col="amount")
    c = ga.to_frame("revenue", cents=True)
    cols = ["revenue", "retained", "new", "resurrected", "expansion", "contraction", "churned"]
    assert all(c[col].dtype == np.int64 for col in cols)
    assert (c["revenue"] == c["retained"] + c["new"] + c["resurrected"] + c["expansion"]).all()
    before = (c["retained"] - c["churned"] - c["contraction"])[1:]
    assert (c["revenue"].shift(1)[1:] == before).all()
    cents = np.floor(np.round(frame["amount"] * 100, 6) + 0.5).astype(np.int64)
    weeks = frame["timestamp"].dt.to_period("W").dt.start_time
    want = cents.groupby(weeks).sum()
    assert c.set_index("period").loc[want.index, "revenue"].tolist() == want.tolist()
    r = ga.to_frame("revenue")
    np.testing.assert_allclose(r["revenue"], c["revenue"] / 100)
    shuffled = frame.sample(frac=1.0, random_state=rnd.randint(0, 10**6))
    again = growth_accounting(shuffled, freq="W", value_col="amount")
    pd.testing.assert_frame_equal(again.to_frame(), r)
    back = load_result(ga.to_json())
    pd.testing.assert_frame_equal(back.to_frame("revenue", cents=True), c)


@given(
    st.lists(
        st.one_of(
            st.floats(-_FAST_AMOUNT, _FAST_AMOUNT),
            st.integers(-(10**9), 10**9).map(lambda c: c / 100),  # whole cents
            st.integers(-(10**7), 10**7).map(lambda c: c / 100 + 0.005),  # half cents
            st.integers(-(10**7), 10**7).map(lambda c: c / 100 + 0.0025),  # quarter cents
        ),
        max_size=30,
    )
)
def test_near_cents_is_the_exact_cents_rule_or_declines(amounts: list[float]) -> None:
    """The quick cents agree with the half-away-from-zero rule whenever they answer."""
    values = np.array(amounts, dtype=np.float64)
    fast = _near_cents(values)
    if fast is not None:
        assert fast.dtype == np.int64
        assert fast.tolist() == _to_cents(values).tolist()
    else:
        scaled = values * 100
        assert np.abs(scaled - np.rint(scaled)).max() >= 0.25


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2030-01-01", None),
        (None, "2020-01-01"),
        ("2019-01-01", "2020-01-01"),
        (None, "2024-01-01"),
    ],
)
def test_lifecycle_range_without_data_is_an_error_not_an_empty_table(
    start: str | None, end: str | None
) -> None:
    frame = _frame([(0, 0, 0), (1, 3, 0), (0, 9, 0), (2, 20, 0)])
    with pytest.raises(EmptyDataError, match="No events in the periods asked for"):
        lifecycle(frame, freq="W", start=start, end=end)
    # a range that overlaps the data still works, and periods without events are 0 rows
    table = lifecycle(frame, freq="W", start="2023-12-25", end="2024-02-05").to_frame()
    assert len(table) == 7
    assert table["active"].tolist() == [0, 2, 1, 1, 0, 0, 0]


def test_as_of_after_the_data_and_a_rolling_period_longer_than_the_data_warn() -> None:
    frame = _frame([(0, 0, 0), (0, 4, 0), (1, 5, 0)])  # six days of data
    with pytest.warns(DataQualityWarning, match="days after the last event"):
        table = active_users(frame, windows={"dau": "1D"}, as_of="2024-01-10").to_frame()
    assert table["dau"].tolist()[-4:] == [0, 0, 0, 0]  # still 0, not missing
    with pytest.warns(DataQualityWarning, match="days after the last event"):
        stickiness(frame, period="7D", as_of="2024-03-01")
    with pytest.warns(DataQualityWarning, match="days after the last event"):
        stickiness(frame, period="W", as_of="2024-03-01")
    with pytest.warns(DataQualityWarning, match="holds only 6 days of data"):
        got = stickiness(frame, period="28D").to_frame()
    assert got[1].tolist() == [1]
    assert got[2].tolist() == [1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stickiness(frame, period="6D")  # exactly the data: no warning
        active_users(frame, windows={"dau": "1D", "wau": "7D"}, as_of="2024-01-12")
        stickiness(frame, period="W", as_of="2024-01-07")


def test_layer_cake_plot_has_a_legend_of_cohorts_with_distinct_colours() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    rows = [(u, d, 0) for u in range(6) for d in range(7 * u, 60, 5)]  # a cohort a week
    ga = growth_accounting(_frame(rows), freq="W")
    ax = ga.plot_layer_cake()
    legend = ax.get_legend()
    assert legend is not None
    assert legend.get_title().get_text() == "cohort"
    cohorts = ga.layer_cake().columns
    assert sorted(t.get_text() for t in legend.get_texts()) == [
        str(c.date()) for c in sorted(cohorts)
    ]
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(colours) == len(cohorts)
    plt.close("all")


def test_actor_and_time_columns_alone_are_enough_when_no_event_filter_is_asked() -> None:
    rows = [(0, 0, 0), (0, 8, 0), (1, 9, 0), (2, 15, 0)]
    full = _frame(rows).rename(columns={"user_id": "account", "timestamp": "ts"})
    slim = full[["account", "ts"]]
    calls: list[Callable[..., Any]] = [
        lambda d: active_users(
            d, windows={"dau": "1D", "wau": "7D"}, user_col="account", time_col="ts"
        ),
        lambda d: stickiness(d, period="W", user_col="account", time_col="ts"),
        lambda d: lifecycle(d, freq="W", user_col="account", time_col="ts"),
    ]
    for call in calls:
        _same(call(slim), call(full))
    with pytest.raises(MissingColumnError, match="event"):  # a filter needs the column
        active_users(slim, active_event="login", user_col="account", time_col="ts")


# --------------------------------------------------------------------------- stickiness units
_PANDAS_PERIOD = {"D": "D", "W": "W", "MS": "M", "QS": "Q", "YS": "Y"}
_PANDAS_UNIT = {"W": "W", "W-SAT": "W-SAT", "MS": "M"}


def _pandas_stickiness(
    frame: pd.DataFrame, period: str, unit: str, as_of: str | None = None
) -> pd.DataFrame:
    """Users by number of active units per period, the plain pandas way (an oracle)."""
    ts = frame["timestamp"]
    day = ts.dt.normalize()
    if period in _PANDAS_PERIOD:
        start = ts.dt.to_period(_PANDAS_PERIOD[period]).dt.start_time
        keep = np.ones(len(frame), dtype=bool)
    else:  # one rolling window of whole days ending at as_of
        end = pd.Timestamp(as_of)
        first = end - pd.Timedelta(days=int(period[:-1]) - 1)
        keep = ((day >= first) & (day <= end)).to_numpy()
        start = pd.Series(first, index=frame.index)
    if unit == "h":
        key = ts.dt.floor("h")
    elif unit == "D":
        key = day
    else:  # a week or month clipped to the period: its days inside the period
        key = np.maximum(ts.dt.to_period(_PANDAS_UNIT[unit]).dt.start_time, start)
    pairs = pd.DataFrame({"p": start, "user": frame["user_id"], "u": key})[keep]
    per_user = pairs.drop_duplicates().groupby(["p", "user"]).size()
    return per_user.groupby(level="p").value_counts().unstack(fill_value=0)


STICKY_UNITS = [
    ("W", "D"),
    ("MS", "D"),
    ("MS", "W"),
    ("MS", "W-SAT"),
    ("QS", "W"),
    ("QS", "MS"),
    ("YS", "MS"),
    ("D", "h"),
    ("W", "h"),
    ("28D", "D"),
    ("28D", "W"),
    ("10D", "W-SAT"),
    ("7D", "h"),
]


@pytest.mark.parametrize(("period", "unit"), STICKY_UNITS)
@settings(max_examples=30)
@given(rows=rows_st, rnd=st.randoms(use_true_random=False))
def test_stickiness_units_match_pandas(
    period: str, unit: str, rows: list[tuple[int, int, int]], rnd: Any
) -> None:
    frame = _frame(rows)
    as_of = None
    if period not in _PANDAS_PERIOD:  # a rolling window ending inside the data
        last = max(frame["timestamp"].min(), frame["timestamp"].max() - pd.Timedelta(days=3))
        as_of = str(last.date())
    call = lambda f: stickiness(f, period=period, unit=unit, as_of=as_of)  # noqa: E731
    got = _quiet(lambda: call(frame))
    table = got.to_frame().set_index("period")
    want = _pandas_stickiness(frame, period, unit, as_of)
    k = table.columns.to_numpy()
    assert k.tolist() == list(range(1, len(k) + 1))
    assert set(want.columns) <= set(k)  # nobody is active on more units than K
    want = want.reindex(index=table.index, columns=k, fill_value=0)
    np.testing.assert_array_equal(table.to_numpy(), want.to_numpy())
    # each user is counted once per period: the row sums are the period's active users
    starts = frame["timestamp"].dt.to_period(_PANDAS_PERIOD.get(period, "D")).dt.start_time
    if period in _PANDAS_PERIOD:
        per = frame.assign(p=starts).groupby("p")["user_id"].nunique()
        assert got.users.reindex(per.index).tolist() == per.tolist()
    # row order is irrelevant
    shuffled = frame.sample(frac=1.0, random_state=rnd.randint(0, 10**6))
    _same(got, _quiet(lambda: call(shuffled)))
    assert got.unit == unit


def test_stickiness_units_k_is_the_units_a_period_can_touch() -> None:
    frame = _frame([(0, 0, 0), (1, 40, 0)])
    widths = {
        ("W", "D"): 7,
        ("MS", "D"): 31,
        ("QS", "D"): 92,
        ("D", "h"): 24,
        ("W", "h"): 168,
        ("MS", "W"): 6,  # a 31-day month that starts on a Sunday touches 6 Monday weeks
        ("QS", "W"): 14,
        ("YS", "W"): 54,
        ("QS", "MS"): 3,
        ("YS", "MS"): 12,
        ("28D", "W"): 5,
        ("8D", "W"): 2,
    }
    for (period, unit), k in widths.items():
        table = _quiet(lambda p=period, u=unit: stickiness(frame, period=p, unit=u)).to_frame()
        assert table.columns[-1] == k, (period, unit)
    # October 2023 starts on a Sunday: its 31 days touch six Monday-Sunday weeks
    days = pd.date_range("2023-10-01", "2023-10-31", freq="D")
    october = pd.DataFrame({"user_id": "a", "timestamp": days, "event": "login"})
    got = stickiness(october, period="MS", unit="W").to_frame()
    assert got.drop(columns="period").iloc[0].tolist() == [0, 0, 0, 0, 0, 1]
    assert stickiness(october, period="MS", unit="W-SAT").to_frame()[5].tolist() == [1]


@pytest.mark.parametrize(
    ("period", "unit"),
    [("D", "D"), ("1D", "D"), ("W", "W"), ("7D", "W"), ("W-SAT", "W"), ("MS", "MS"),
     ("28D", "MS"), ("W", "MS"), ("MS", "QS")],
)  # fmt: skip
def test_stickiness_unit_not_shorter_than_the_period_is_an_error(period: str, unit: str) -> None:
    frame = _frame([(0, 0, 0), (1, 3, 1)])
    with pytest.raises(ParameterError, match=r"no longer than the unit|not a stickiness unit"):
        stickiness(frame, period=period, unit=unit)


def test_hourly_stickiness_uses_local_wall_clock_hours_across_dst() -> None:
    # Europe/Paris falls back on 2023-10-29: 02:00-03:00 happens twice (one wall hour)
    stamps = pd.to_datetime(
        ["2023-10-29 00:30Z", "2023-10-29 01:30Z", "2023-10-29 10:00Z", "2023-10-28 23:30Z"]
    ).tz_convert("Europe/Paris")  # 02:30 CEST, 02:30 CET, 11:00, 01:30
    frame = pd.DataFrame({"user_id": ["a", "a", "a", "b"], "timestamp": stamps})
    got = stickiness(frame, period="D", unit="h", event_col=None).to_frame()
    assert got["period"].tolist() == [pd.Timestamp("2023-10-29")]
    assert got[1].tolist() == [1]  # b: 01:30 local on the 29th
    assert got[2].tolist() == [1]  # a: 02:30 (twice) and 11:00


def test_event_col_none_counts_every_row_and_rules_out_event_filters() -> None:
    frame = _frame([(0, 0, 0), (0, 8, 1), (1, 9, 2), (2, 15, 0)])
    slim = frame[["user_id", "timestamp"]]
    calls: list[Callable[..., Any]] = [
        lambda d, **kw: active_users(d, windows={"dau": "1D", "wau": "7D"}, **kw),
        lambda d, **kw: stickiness(d, period="W", **kw),
        lambda d, **kw: lifecycle(d, freq="W", **kw),
        lambda d, **kw: growth_accounting(d, freq="W", **kw),
    ]
    for call in calls:
        _same(call(slim, event_col=None), call(frame))  # every row is activity
        _same(call(frame, event_col=None), call(frame))  # an event column is not read
    bad: list[tuple[Callable[..., Any], str]] = [
        (lambda: active_users(frame, active_event="login", event_col=None), "active_event"),
        (lambda: stickiness(frame, active_event="login", event_col=None), "active_event"),
        (lambda: lifecycle(frame, new_event="signup", event_col=None), "new_event"),
        (lambda: feature_adoption(frame, ["export"], event_col=None), "features"),  # type: ignore[arg-type]
    ]
    for call, name in bad:
        with pytest.raises(ParameterError, match=rf"{name}=.*event_col=None"):
            call()


def test_errors_from_frames_name_the_callers_columns_not_internal_ones() -> None:
    # review fix: the (actor, time) path once built a frame with an internal event column,
    # so a missing column listed that column and hid the caller's own
    slim = _frame([(0, 0, 0), (1, 3, 1)])[["user_id", "timestamp", "amount"]]
    with pytest.raises(MissingColumnError) as missing:
        active_users(slim, user_col="account")
    assert "amount" in str(missing.value)
    assert "every row" not in str(missing.value)
    with pytest.raises(InputError, match="null user ids") as null:
        stickiness(slim.assign(user_id=["u0", None]))
    assert "'amount': " in str(null.value)
    assert "every row" not in str(null.value)


@pytest.mark.parametrize(
    "bad",
    [
        lambda f: f.assign(user_id=["u0", None]),
        lambda f: f.assign(timestamp=[BASE, pd.NaT]),
        lambda f: f.assign(timestamp=[str(BASE), "garbage"]),
        lambda f: f.drop(columns="user_id"),
        lambda f: f.iloc[:0],
    ],
    ids=["null-id", "nat", "unparseable", "missing-column", "empty"],
)
@pytest.mark.parametrize("analysis", ["active_users", "stickiness", "stickiness_l7"])
def test_frames_fail_exactly_as_an_eventlog_of_them_does(
    bad: Callable[[pd.DataFrame], pd.DataFrame], analysis: str
) -> None:
    # review fix: frames read without an event filter carried an internal event column that
    # showed in the error's example row, its "Available" columns and the empty-table message
    frame = bad(_frame([(0, 0, 0), (1, 3, 1)]))
    with pytest.raises(InputError) as expected:
        EventLog(frame)
    with pytest.raises(type(expected.value)) as got:
        ANALYSES[analysis](frame)
    assert str(got.value) == str(expected.value)
    slim = frame.drop(columns="event")
    with pytest.raises(type(expected.value)) as got_slim:
        ANALYSES[analysis](slim) if analysis == "active_users" else stickiness(
            slim, period="W", event_col=None
        )
    assert str(got_slim.value) == re.sub(r", 'event'(: '\w+')?", "", str(expected.value))


NO_FILTER = {
    "active_users": active_users,
    "stickiness": lambda e: stickiness(e, period="W"),
    "lifecycle": lambda e: lifecycle(e, freq="W"),
    "growth_accounting": lambda e: growth_accounting(e, freq="W", value_col="amount"),
}
FILTERED = {
    "active_users": lambda e: active_users(e, active_event="login"),
    "stickiness": lambda e: stickiness(e, period="W", active_event="login"),
    "lifecycle": lambda e: lifecycle(e, freq="W", new_event="signup"),
    "feature_adoption": ANALYSES["feature_adoption"],
}


@pytest.mark.parametrize("null", [None, np.nan])
def test_null_event_names_are_activity_unless_an_event_filter_reads_them(null: Any) -> None:
    """Without an event filter the event column is not read: a null name is a row like any.

    With a filter, a null name is an error, the one an EventLog of the frame raises.
    """
    frame = _frame([(u, (u * 5 + d * 3) % 40, (u + d) % 3) for u in range(4) for d in range(6)])
    holes = frame.assign(event=frame["event"].where(frame.index % 4 != 1, null))
    for call in NO_FILTER.values():
        _same(_quiet(lambda c=call: c(holes)), _quiet(lambda c=call: c(frame)))
    with pytest.raises(InputError) as expected:
        EventLog(holes)
    assert "null event names" in str(expected.value)
    for call in FILTERED.values():
        with pytest.raises(InputError) as got:
            _quiet(lambda c=call: c(holes))
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("kind", ["polars", "pyarrow", "eventlog", "dask"])
@pytest.mark.parametrize(
    ("period", "unit"), [("D", "h"), ("W", "h"), ("MS", "W"), ("QS", "W-SAT"), ("28D", "W")]
)
def test_units_on_tz_aware_data_across_dst_agree_for_every_input_kind(
    kind: str, period: str, unit: str
) -> None:
    # review: the units are read from local wall-clock times; an EventLog, polars, pyarrow and
    # dask input must give the pandas frame's table, here across Paris' two DST days of 2024
    utc = pd.date_range("2024-03-28", "2024-11-03", freq="317min", tz="UTC")
    frame = pd.DataFrame(
        {"user_id": np.arange(utc.size) % 7, "timestamp": utc.tz_convert("Europe/Paris")}
    ).assign(event="login")
    call = lambda f: _quiet(  # noqa: E731
        lambda: stickiness(f, period=period, unit=unit, as_of="2024-10-30")
    )
    expected = call(frame)
    if kind == "polars":
        data: Any = pytest.importorskip("polars").from_pandas(frame)
    elif kind == "pyarrow":
        data = pytest.importorskip("pyarrow").Table.from_pandas(frame, preserve_index=False)
    elif kind == "dask":
        data = pytest.importorskip("dask.dataframe").from_pandas(frame, npartitions=3)
    else:
        data = EventLog(frame)
    _same(call(data), expected)
    # and the pandas table is the wall-clock count (pandas on the naive local times)
    if unit == "h" and period == "D":
        local = frame["timestamp"].dt.tz_localize(None)
        local = local[local < pd.Timestamp("2024-10-31")]
        hours = local.dt.floor("h").groupby([local.dt.normalize(), frame["user_id"]]).nunique()
        want = hours.groupby(level=0).value_counts().unstack(fill_value=0)
        table = expected.to_frame().set_index("period")
        want = want.reindex(index=table.index, columns=table.columns, fill_value=0)
        np.testing.assert_array_equal(table.to_numpy(), want.to_numpy())
