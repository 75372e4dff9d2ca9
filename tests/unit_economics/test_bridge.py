"""mrr_bridge, saas_kpis and MRR normalisation: worked examples, contract, properties, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from saasmetrics.exceptions import DataQualityWarning, EmptyDataError, InputError, ParameterError
from saasmetrics.unit_economics import (
    MRRBridge,
    monthly_amount,
    mrr_bridge,
    mrr_from_invoices,
    saas_kpis,
)

COLUMNS = ["starting", "new", "expansion", "contraction", "churned", "reactivation", "ending"]


def subs(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "start": pd.to_datetime([r[1] for r in rows]),
            "end": pd.to_datetime([r[2] for r in rows]),
            "mrr": [float(r[3]) for r in rows],
        }
    )


# --------------------------------------------------------------------------- normalisation
def test_monthly_amount_vendor_examples() -> None:
    # Stripe Support, "Billing Analytics" (support.stripe.com/questions/billing-analytics):
    # "an annual subscription for $1,200 only counts $100 towards your MRR", and "a 50% off
    # coupon that has a duration of forever will halve that subscription's MRR".
    assert monthly_amount(1200.0, "year") == 100.0
    assert monthly_amount(100.0, percent_off=0.5) == 50.0
    assert monthly_amount(300.0, "quarter") == 100.0
    assert monthly_amount(600.0, "month", 6) == 100.0
    assert monthly_amount(10.0, "week") == pytest.approx(10 * 52 / 12)  # not x4: see explanation
    assert monthly_amount(100.0, percent_off=0.25) == 75.0
    assert monthly_amount(100.0, amount_off=30.0) == 70.0
    assert monthly_amount(10.0, amount_off=30.0) == 0.0  # never negative
    out = monthly_amount(np.array([1200.0, 120.0]), np.array(["annual", "monthly"]))
    assert out.tolist() == [100.0, 120.0]


def test_stripe_glossary_mrr_example() -> None:
    # Stripe docs, "Billing metric definitions" (docs.stripe.com/billing/subscriptions/
    # analytics/glossary): 100 subscribers on Plan A (100 USD a month) and 50 on Plan B
    # (600 USD a year) make MRR = 100 x 100 + 50 x 600 / 12 = 12,500 USD.
    n_a, n_b = 100, 50
    frame = pd.DataFrame(
        {
            "customer_id": [f"a{i}" for i in range(n_a)] + [f"b{i}" for i in range(n_b)],
            "start": pd.Timestamp("2024-01-01"),
            "end": pd.NaT,
            "mrr": [monthly_amount(100.0, "month")] * n_a + [monthly_amount(600.0, "year")] * n_b,
        }
    )
    table = mrr_bridge(frame, as_of="2024-02-01").to_frame()
    assert table["ending"].iloc[-1] == 12_500.0
    assert saas_kpis(mrr_bridge(frame, as_of="2024-02-01"))["customers"].iloc[-1] == 150


def test_monthly_amount_rejects_bad_options() -> None:
    with pytest.raises(ParameterError, match="interval"):
        monthly_amount(10.0, "fortnight")
    with pytest.raises(ParameterError, match="percent_off"):
        monthly_amount(10.0, percent_off=20)
    with pytest.raises(ParameterError, match="amount"):
        monthly_amount(-1.0)


def test_invoices_chain_into_continuous_mrr() -> None:
    inv = pd.DataFrame(
        {
            "customer_id": ["a"] * 3 + ["b"],
            "amount": [100.0, 100.0, 150.0, 1200.0],
            "period_start": pd.to_datetime(
                ["2024-01-05", "2024-02-05", "2024-03-05", "2024-01-31"]
            ),
            "period_end": pd.to_datetime(["2024-02-05", "2024-03-05", "2024-04-05", "2025-01-31"]),
            "currency": "EUR",
        }
    )
    intervals = mrr_from_invoices(inv)
    assert intervals["mrr"].tolist() == [100.0, 100.0, 150.0, 100.0]
    table = mrr_bridge(intervals, as_of="2024-05-31").to_frame()
    assert table["ending"].tolist() == [200.0, 200.0, 250.0, 100.0, 100.0]
    assert table["expansion"].tolist() == [0.0, 0.0, 50.0, 0.0, 0.0]
    assert table["churned"].tolist() == [0.0, 0.0, 0.0, -150.0, 0.0]


def test_invoices_with_mixed_currencies_are_refused() -> None:
    inv = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "amount": [1.0, 2.0],
            "period_start": pd.to_datetime(["2024-01-01"] * 2),
            "period_end": pd.to_datetime(["2024-02-01"] * 2),
            "currency": ["USD", "EUR"],
        }
    )
    with pytest.raises(InputError, match="currencies"):
        mrr_from_invoices(inv)


# --------------------------------------------------------------------------- contract
def test_contract_timing_rules() -> None:
    # starting 15 January is new in January; ending 15 June churns in June
    bridge = mrr_bridge(subs(("a", "2024-01-15", "2024-06-15", 100)), as_of="2024-07-01")
    table = bridge.to_frame()
    assert list(table.columns) == COLUMNS
    assert table.loc["2024-01-01", "new"] == 100.0
    assert table.loc["2024-06-01", "churned"] == -100.0
    assert table.loc["2024-05-01", "ending"] == 100.0
    assert table.loc["2024-06-01", "ending"] == 0.0


def test_active_customers_in_last_period_are_not_churned() -> None:
    bridge = mrr_bridge(subs(("a", "2024-01-01", None, 50), ("b", "2024-01-01", "2024-03-01", 20)))
    table = bridge.to_frame()
    assert table.index[-1] == pd.Timestamp("2024-03-01")
    assert table["churned"].sum() == -20.0
    assert table["ending"].iloc[-1] == 50.0


def test_intra_period_customers_are_reported_not_counted() -> None:
    bridge = mrr_bridge(subs(("a", "2024-01-03", "2024-01-20", 99), ("b", "2024-01-01", None, 10)))
    assert bridge.n_intra_period == 1
    assert bridge.to_frame()["new"].sum() == 10.0


def test_free_rows_are_not_customers_and_overlaps_add_up() -> None:
    bridge = mrr_bridge(
        subs(
            ("free", "2024-01-01", None, 0),
            ("a", "2024-01-01", None, 100),
            ("a", "2024-02-01", "2024-04-01", 40),  # add-on overlapping the base plan
        ),
        as_of="2024-04-30",
    )
    assert bridge.customers["ending"].tolist() == [1, 1, 1, 1]
    table = bridge.to_frame()
    assert table["ending"].tolist() == [100.0, 140.0, 140.0, 100.0]
    assert table["expansion"].tolist() == [0.0, 40.0, 0.0, 0.0]
    assert table["contraction"].tolist() == [0.0, 0.0, 0.0, -40.0]


def test_reactivation_and_window() -> None:
    data = subs(("a", "2024-01-01", "2024-02-01", 10), ("a", "2024-06-01", None, 10))
    assert mrr_bridge(data).to_frame()["reactivation"].sum() == 10.0
    late = mrr_bridge(data, reactivation_window=3).to_frame()
    assert late["reactivation"].sum() == 0.0
    assert late["new"].sum() == 20.0
    kinds = mrr_bridge(data).movements["kind"].astype(str).tolist()
    assert kinds == ["new", "churned", "reactivation"]


def test_quarterly_grain() -> None:
    data = subs(("a", "2024-01-15", "2024-05-10", 10), ("b", "2024-02-01", None, 5))
    table = mrr_bridge(data, freq="QS").to_frame()
    assert table.index.tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-04-01")]
    assert table["churned"].tolist() == [0.0, -10.0]


def test_result_round_trips_json_and_renders() -> None:
    bridge = mrr_bridge(subs(("a", "2024-01-01", "2024-03-01", 10), ("b", "2024-02-01", None, 5)))
    again = MRRBridge.from_json(bridge.to_json())
    pd.testing.assert_frame_equal(again.to_frame(), bridge.to_frame(), check_freq=False)
    assert "MRRBridge" in bridge._repr_html_()
    assert "ending_mrr=5.0" in repr(bridge)


def test_plots_return_axes() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    bridge = mrr_bridge(subs(("a", "2024-01-01", "2024-03-01", 10), ("b", "2024-02-01", None, 5)))
    for kind in ("movements", "waterfall"):
        ax = bridge.plot(kind=kind)
        assert ax.patches
        plt.close(ax.figure)
    ax = bridge.plot(kind="waterfall", period="2024-03-01")
    plt.close(ax.figure)


# --------------------------------------------------------------------------- KPIs
def _bridge_with(
    starting: float, expansion: float, contraction: float, churned: float
) -> MRRBridge:
    # January: customers worth `starting` in total; February: exactly the given movements
    rows = [
        ("x", "2024-01-01", "2024-02-01", churned),
        ("e", "2024-01-01", None, 1000),
        ("e", "2024-02-01", None, expansion),  # add-on: expansion
    ]
    rest = starting - churned - 1000
    if contraction:
        rows += [
            ("s", "2024-01-01", "2024-02-01", contraction + 1000),
            ("s", "2024-02-01", None, 1000),
        ]
        rest -= contraction + 1000
    rows.append(("big", "2024-01-01", None, rest))
    return mrr_bridge(subs(*rows), as_of="2024-02-15")


def test_net_and_gross_mrr_churn_worked_examples() -> None:
    # Klipfolio "Net MRR Churn Rate" (klipfolio.com/metrics/saas/net-mrr-churn-rate):
    # Example A: MRR 50,000, expansions 7,000, cancellations 10,000 -> net churn 6.0%.
    # Example B: MRR 100,000, expansions 12,000, cancellations 7,000 -> net churn -5.0%.
    a = saas_kpis(_bridge_with(50_000, 7_000, 0, 10_000)).iloc[-1]
    assert a["net_mrr_churn_rate"] == pytest.approx(0.06)
    assert a["gross_mrr_churn_rate"] == pytest.approx(0.20)
    b = saas_kpis(_bridge_with(100_000, 12_000, 0, 7_000)).iloc[-1]
    assert b["net_mrr_churn_rate"] == pytest.approx(-0.05)
    assert b["gross_mrr_churn_rate"] == pytest.approx(0.07)
    # contraction counts as loss in both rates (ChartMogul "Net MRR Churn Rate" help article)
    c = saas_kpis(_bridge_with(10_000, 300, 200, 500)).iloc[-1]
    assert c["gross_mrr_churn_rate"] == pytest.approx(0.07)
    assert c["net_mrr_churn_rate"] == pytest.approx(0.04)


def test_quick_ratio_and_logo_churn() -> None:
    # Quick ratio (Mamoon Hamid, Social Capital): (new + expansion) / (churned + contraction)
    frame = subs(
        ("a", "2024-01-01", "2024-02-01", 100),
        ("b", "2024-01-01", None, 100),
        ("c", "2024-01-01", None, 100),
        ("d", "2024-01-01", None, 100),
        ("e", "2024-02-01", None, 300),
    )
    k = saas_kpis(mrr_bridge(frame, as_of="2024-02-02")).iloc[-1]
    assert k["quick_ratio"] == 3.0
    assert k["logo_churn_rate"] == 0.25
    assert k["arr"] == 12 * 600
    assert k["arpa"] == 150.0


def test_nrr_grr_twelve_month_cohort() -> None:
    frame = subs(
        ("a", "2023-01-01", "2023-06-01", 100),
        ("a", "2023-06-01", None, 150),  # +50 expansion
        ("b", "2023-01-01", "2023-09-01", 100),  # churned
        ("c", "2023-01-01", None, 100),
        ("d", "2023-05-01", None, 999),  # not in the January cohort
    )
    kpis = saas_kpis(mrr_bridge(frame, as_of="2024-01-31"))
    assert kpis["nrr"].iloc[:12].isna().all()
    assert kpis.loc["2024-01-01", "nrr"] == pytest.approx(250 / 300)
    assert kpis.loc["2024-01-01", "grr"] == pytest.approx(200 / 300)
    assert list(kpis.columns[:10]) == [
        "mrr",
        "arr",
        "customers",
        "arpa",
        "logo_churn_rate",
        "gross_mrr_churn_rate",
        "net_mrr_churn_rate",
        "quick_ratio",
        "nrr",
        "grr",
    ]


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([("a", "2024-01-01", None, -5)], "negative MRR"),
        ([("a", "2024-03-01", "2024-01-01", 5)], "end before start"),
        ([("a", "2024-01-01", None, 5), ("a", "2024-01-01", None, 5)], "duplicated"),
        ([(None, "2024-01-01", None, 5)], "null customer"),
    ],
)
def test_bad_rows_raise_and_can_be_dropped(rows: list, match: str) -> None:
    frame = pd.concat([subs(*rows), subs(("ok", "2024-01-01", None, 1))], ignore_index=True)
    with pytest.raises(InputError, match=match):
        mrr_bridge(frame)
    with pytest.warns(DataQualityWarning, match="Dropped 1"):
        bridge = mrr_bridge(frame, on_invalid="drop")
    assert bridge.n_dropped == 1


def test_empty_and_currency_mix_and_freq() -> None:
    with pytest.raises(EmptyDataError):
        mrr_bridge(subs(("a", "2024-01-01", None, 5)).iloc[:0])
    with pytest.raises(EmptyDataError):
        mrr_bridge(subs(("a", "2024-01-01", None, 0)))
    mixed = subs(("a", "2024-01-01", None, 5), ("b", "2024-01-01", None, 5)).assign(
        currency=["USD", "GBP"]
    )
    with pytest.raises(InputError, match="currencies"):
        mrr_bridge(mixed)
    with pytest.raises(ParameterError):
        mrr_bridge(subs(("a", "2024-01-01", None, 5)), freq="fortnight")


def test_caller_frame_is_not_mutated() -> None:
    frame = subs(("a", "2024-01-01", None, 5), ("b", "2024-02-01", "2024-05-01", 7))
    before = frame.copy()
    mrr_bridge(frame)
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- properties
MONTHS = pd.date_range("2023-01-01", periods=24, freq="MS")
row = st.tuples(
    st.integers(0, 7),
    st.integers(0, 20),  # start month
    st.integers(0, 27),  # start day offset
    st.one_of(st.none(), st.integers(1, 400)),  # duration in days (None = active)
    st.integers(0, 50_000),  # cents
)


def _frame(rows: list) -> pd.DataFrame:
    start = [MONTHS[r[1]] + pd.Timedelta(days=r[2]) for r in rows]
    end = [
        s + pd.Timedelta(days=r[3]) if r[3] is not None else pd.NaT
        for s, r in zip(start, rows, strict=True)
    ]
    return pd.DataFrame(
        {
            "customer_id": [f"c{r[0]}" for r in rows],
            "start": pd.to_datetime(start),
            "end": pd.to_datetime(end),
            "mrr": [r[4] / 100 for r in rows],
        }
    )


def _paying(rows: list) -> bool:
    frame = _frame(rows)
    if frame.duplicated(subset=["customer_id", "start", "end", "mrr"]).any():
        return False
    first = frame["start"].dt.to_period("M")
    stop = frame["end"].dt.to_period("M")
    return bool(((frame["mrr"] > 0) & (stop.isna() | (stop > first))).any())


rows_strategy = st.lists(row, min_size=1, max_size=30).filter(_paying)


@given(rows=rows_strategy, window=st.sampled_from([None, 2]))
def test_bridge_balances_exactly_every_period(rows: list, window: int | None) -> None:
    bridge = mrr_bridge(_frame(rows), as_of="2025-06-30", reactivation_window=window)
    cents = bridge.to_frame(cents=True)
    assert (cents[COLUMNS[:-1]].sum(axis=1) == cents["ending"]).all()
    assert (cents["starting"].iloc[1:].to_numpy() == cents["ending"].iloc[:-1].to_numpy()).all()
    assert (cents["contraction"] <= 0).all()
    assert (cents["churned"] <= 0).all()
    assert (cents[["new", "expansion", "reactivation"]] >= 0).all().all()
    counts = bridge.customers
    balance = counts["starting"] + counts["new"] + counts["reactivation"] - counts["churned"]
    assert (balance == counts["ending"]).all()
    # the ending MRR is the independent month-end snapshot of the raw intervals
    frame = _frame(rows)
    for period, value in cents["ending"].items():
        instant = (period + pd.offsets.MonthBegin(1)) - pd.Timedelta(1, "ns")
        active = (frame["start"] <= instant) & (frame["end"].isna() | (frame["end"] > instant))
        assert value == np.rint(frame.loc[active, "mrr"] * 100).sum()


@given(rows=rows_strategy, k=st.integers(2, 9), seed=st.integers(0, 2**16))
def test_scaling_and_row_order(rows: list, k: int, seed: int) -> None:
    frame = _frame(rows)
    base = mrr_bridge(frame, as_of="2025-06-30")
    scaled = mrr_bridge(frame.assign(mrr=frame["mrr"] * k), as_of="2025-06-30")
    assert (scaled.to_frame(cents=True) == k * base.to_frame(cents=True)).all().all()
    kb, ks = saas_kpis(base), saas_kpis(scaled)
    rates = [
        "logo_churn_rate",
        "gross_mrr_churn_rate",
        "net_mrr_churn_rate",
        "quick_ratio",
        "nrr",
        "grr",
    ]
    pd.testing.assert_frame_equal(kb[rates], ks[rates])
    pd.testing.assert_series_equal(ks["mrr"], k * kb["mrr"])
    shuffled = frame.sample(frac=1.0, random_state=seed)
    again = mrr_bridge(shuffled, as_of="2025-06-30")
    pd.testing.assert_frame_equal(again.to_frame(cents=True), base.to_frame(cents=True))
    pd.testing.assert_frame_equal(saas_kpis(again), kb)


@given(rows=rows_strategy)
def test_nrr_at_least_grr_and_rates_in_range(rows: list) -> None:
    kpis = saas_kpis(mrr_bridge(_frame(rows), as_of="2025-06-30"))
    both = kpis[["nrr", "grr"]].dropna()
    assert (both["nrr"] >= both["grr"] - 1e-12).all()
    assert ((both["grr"] >= 0) & (both["grr"] <= 1)).all()
    for col in ("logo_churn_rate", "gross_mrr_churn_rate"):
        values = kpis[col].dropna()
        assert ((values >= 0) & (values <= 1 + 1e-12)).all()


def test_no_stray_warnings_on_plain_input() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mrr_bridge(subs(("a", "2024-01-01", None, 5)))


def test_as_of_is_an_exclusive_end() -> None:
    data = subs(("a", "2024-01-01", "2024-09-10", 10))
    table = mrr_bridge(data, as_of="2024-07-01").to_frame()
    assert table.index[-1] == pd.Timestamp("2024-06-01")
    assert table["churned"].sum() == 0.0  # the September cancellation is not known yet
    assert mrr_bridge(data, as_of="2024-07-02").to_frame().index[-1] == pd.Timestamp("2024-07-01")


def test_polars_and_arrow_input_give_the_same_bridge() -> None:
    frame = subs(("a", "2024-01-01", "2024-03-15", 10), ("b", "2024-02-01", None, 5))
    expected = mrr_bridge(frame).to_frame(cents=True)
    pl = pytest.importorskip("polars")
    pd.testing.assert_frame_equal(mrr_bridge(pl.from_pandas(frame)).to_frame(cents=True), expected)
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pd.testing.assert_frame_equal(mrr_bridge(table).to_frame(cents=True), expected)


def test_tz_aware_data_uses_wall_clock_periods() -> None:
    naive = subs(("a", "2024-01-31 23:30", "2024-03-31 23:30", 10))
    aware = naive.assign(
        start=naive["start"].dt.tz_localize("America/New_York"),
        end=naive["end"].dt.tz_localize("America/New_York"),
    )
    expected = mrr_bridge(naive, as_of="2024-05-01").to_frame()
    got = mrr_bridge(aware, as_of=pd.Timestamp("2024-05-01", tz="America/New_York")).to_frame()
    pd.testing.assert_frame_equal(got, expected)


@given(
    day=st.integers(0, 27 * 30),
    months=st.sampled_from([1, 3, 6, 12, 24]),
    amount=st.integers(0, 10**6),
    hours=st.integers(0, 23),
)
def test_invoice_periods_of_whole_months(day: int, months: int, amount: int, hours: int) -> None:
    start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=day, hours=hours)
    end = start + pd.DateOffset(months=months)  # clips 31 Jan + 1 month to 28/29 Feb
    inv = pd.DataFrame(
        {
            "customer_id": ["a"],
            "amount": [amount / 100],
            "period_start": [start],
            "period_end": [end],
        }
    )
    assert mrr_from_invoices(inv)["mrr"].iloc[0] == pytest.approx(amount / 100 / months)


@given(weeks=st.integers(1, 3), amount=st.integers(1, 10**6), day=st.integers(0, 700))
def test_invoice_periods_of_whole_weeks(weeks: int, amount: int, day: int) -> None:
    start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=day)
    inv = pd.DataFrame(
        {
            "customer_id": ["a"],
            "amount": [amount / 100],
            "period_start": [start],
            "period_end": [start + pd.Timedelta(weeks=weeks)],
        }
    )
    expected = amount / 100 / weeks * 52 / 12
    assert mrr_from_invoices(inv)["mrr"].iloc[0] == pytest.approx(expected)


@given(rows=rows_strategy)
def test_quarterly_snapshots_agree_with_monthly(rows: list) -> None:
    frame = _frame(rows)
    monthly = mrr_bridge(frame, as_of="2025-07-01").to_frame(cents=True)
    # the MRR at the end of a quarter is the MRR at the end of its last month
    quarter_end_months = monthly["ending"].groupby(monthly.index.to_period("Q")).last()
    try:
        quarterly = mrr_bridge(frame, freq="QS", as_of="2025-07-01").to_frame(cents=True)
    except EmptyDataError:  # nobody pays at any quarter end
        full_quarters = quarter_end_months.iloc[:-1]
        assert (full_quarters == 0).all()
        return
    q_end = quarterly["ending"].copy()
    q_end.index = q_end.index.to_period("Q")
    common = q_end.index.intersection(quarter_end_months.index)
    assert common.size > 0
    pd.testing.assert_series_equal(
        q_end.loc[common], quarter_end_months.loc[common], check_names=False
    )


@pytest.mark.peer
def test_bridge_equals_the_sql_and_pandas_an_analyst_would_write() -> None:
    # the benchmark's alternatives are independent implementations of the same definitions:
    # a DuckDB month spine with lag() and a running max(), and a pandas customer x month pivot
    from benchmarks.bench_unit_economics import AS_OF, _pandas_bridge, _subscriptions

    subs = _subscriptions(3000, seed=5)
    ours = mrr_bridge(subs, as_of=AS_OF).to_frame()
    cols = ["new", "expansion", "contraction", "churned", "reactivation", "ending"]
    np.testing.assert_allclose(ours[cols].to_numpy(), _pandas_bridge(subs)[cols].to_numpy())
    pytest.importorskip("duckdb")
    from benchmarks.bench_unit_economics import _duckdb_bridge

    np.testing.assert_allclose(ours[cols].to_numpy(), _duckdb_bridge(subs)[cols].to_numpy())


def test_review_as_of_not_a_timestamp_is_a_parameter_error() -> None:
    data = subs(("a", "2024-01-15", None, 100))
    for bad in ("garbage", pd.NaT):
        with pytest.raises(ParameterError, match="as_of"):
            mrr_bridge(data, as_of=bad)


def test_review_mrr_beyond_exact_cents_is_an_input_error() -> None:
    # 1e300 used to reach an int64 cast (RuntimeWarning, garbage cents); 1e15 is a unit slip
    for huge in (1e300, 1e15):
        with pytest.raises(InputError, match="integer cents"):
            mrr_bridge(subs(("a", "2024-01-15", None, huge), ("b", "2024-01-15", None, 1.0)))
    with pytest.warns(DataQualityWarning, match="cents"):
        dropped = mrr_bridge(
            subs(("a", "2024-01-15", None, 1e300), ("b", "2024-01-15", None, 1.0)),
            on_invalid="drop",
        )
    assert dropped.n_dropped == 1
    assert dropped.to_frame()["ending"].iloc[-1] == 1.0


def test_review_monthly_amount_refuses_nan_counts_and_discounts() -> None:
    for kw in (
        {"interval_count": float("nan")},
        {"percent_off": float("nan")},
        {"amount_off": float("nan")},
        {"amount_off": float("inf")},
    ):
        with pytest.raises(ParameterError):
            monthly_amount(100.0, "month", **kw)


def test_review_duplicated_invoice_lines_are_refused_or_dropped() -> None:
    inv = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "amount": [1200.0, 1200.0, 99.0],
            "period_start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15"]),
            "period_end": pd.to_datetime(["2025-01-01", "2025-01-01", "2024-02-15"]),
        }
    )
    with pytest.raises(InputError, match="duplicated"):
        mrr_from_invoices(inv)
    with pytest.warns(DataQualityWarning, match="duplicated"):
        out = mrr_from_invoices(inv, on_invalid="drop")
    assert out["mrr"].tolist() == [100.0, 99.0]


def test_review_monthly_amount_vectorized_matches_scalar_calls() -> None:
    intervals = np.array(["month", "Annual", "week", "quarter", "year", "DAILY"] * 3, dtype=object)
    amounts = np.arange(1.0, 19.0) * 10.0
    vector = monthly_amount(amounts, intervals)
    one_by_one = [monthly_amount(a, i) for a, i in zip(amounts, intervals, strict=True)]
    np.testing.assert_allclose(vector, one_by_one)
    assert vector.shape == (18,)


def test_review_saas_kpis_of_a_frame_is_a_parameter_error_and_json_round_trip_works() -> None:
    data = subs(("a", "2024-01-15", None, 100), ("b", "2024-01-20", "2024-03-02", 50))
    with pytest.raises(ParameterError, match="MRRBridge"):
        saas_kpis(data)  # type: ignore[arg-type]
    bridge = mrr_bridge(data, as_of="2024-06-01")
    again = MRRBridge.from_json(bridge.to_json())
    pd.testing.assert_frame_equal(saas_kpis(again), saas_kpis(bridge))


@example(rows=[(0, 0, 0, 31, 100), (0, 2, 0, None, 100)], window=1)  # back after 1 month
@example(rows=[(0, 0, 0, 31, 100), (0, 2, 0, None, 100)], window=0)
@example(rows=[(0, 0, 0, 31, 100), (0, 3, 5, None, 250), (1, 1, 3, 60, 40)], window=2)
@given(rows=rows_strategy, window=st.sampled_from([None, 0, 1, 2]))
def test_review_movements_match_month_end_snapshot_oracle(rows: list, window: int | None) -> None:
    # end to end (timestamps -> periods -> kernels -> frames) against the rule applied
    # by hand to each customer's MRR at each month's last instant
    frame = _frame(rows)
    bridge = mrr_bridge(frame, as_of="2025-06-30", reactivation_window=window)
    index = bridge.amounts.index
    instants = ((index + pd.offsets.MonthBegin(1)) - pd.Timedelta(1, "ns")).to_numpy()
    start = frame["start"].to_numpy()[:, None]
    end = frame["end"].to_numpy()[:, None]
    active = (start <= instants) & (pd.isna(end) | (end > instants))
    cents = np.rint(frame["mrr"].to_numpy() * 100).astype(np.int64)[:, None] * active
    expected = {name: np.zeros(len(index), dtype=np.int64) for name in COLUMNS[1:-1]}
    for customer in frame["customer_id"].unique():
        level = cents[(frame["customer_id"] == customer).to_numpy()].sum(axis=0)
        for t in range(len(index)):
            before = level[t - 1] if t else 0
            if level[t] == before:
                continue
            if before == 0:
                paid = np.flatnonzero(level[:t] > 0)
                if paid.size == 0:
                    kind = "new"
                else:
                    zeros = t - (paid[-1] + 1)  # periods spent at zero
                    kind = "reactivation" if window is None or zeros <= window else "new"
            elif level[t] == 0:
                kind = "churned"
            else:
                kind = "expansion" if level[t] > before else "contraction"
            expected[kind][t] += level[t] - before
    got = bridge.to_frame(cents=True)
    for name in COLUMNS[1:-1]:
        assert got[name].tolist() == expected[name].tolist(), name


def test_review_waterfall_of_a_missing_period_is_a_parameter_error() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    bridge = mrr_bridge(subs(("a", "2024-01-15", None, 100)), as_of="2024-03-01")
    with pytest.raises(ParameterError, match="not a period"):
        bridge.plot(kind="waterfall", period="2099-01-01")  # was a pandas KeyError
    plt.close("all")


# --------------------------------------------------------------------------- issue 14, item 15
def test_four_weekly_invoices_are_not_monthly() -> None:
    # 13 invoices a year: a 4-weekly invoice of 100 is 100 * 13 / 12 of MRR, not 100. A period
    # that ends on the month's last day because the start's day does not exist there (31 Jan
    # to 29 Feb) is still a month.
    inv = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "amount": [100.0, 100.0, 100.0, 200.0],
            "period_start": pd.to_datetime(
                ["2024-01-10", "2024-01-31", "2024-02-01", "2024-01-10"]
            ),
            "period_end": pd.to_datetime(["2024-02-07", "2024-02-29", "2024-03-01", "2024-03-06"]),
        }
    )
    mrr = mrr_from_invoices(inv, currency_col=None)["mrr"].tolist()
    assert mrr == pytest.approx([100.0 * 13 / 12, 100.0, 100.0, 100.0 * 13 / 12])


@pytest.mark.parametrize(
    ("mrr", "cents"), [(0.125, 13), (10.005, 1001), (0.135, 14), (2.675, 268), (0.124, 12)]
)
def test_half_cents_round_half_up(mrr: float, cents: int) -> None:
    # the decimal the user typed, rounded half up (0.125 -> 0.13), not banker's rounding of
    # the nearest binary float (np.rint(0.125 * 100) = 12, np.rint(10.005 * 100) = 1000)
    subs = pd.DataFrame(
        {"customer_id": ["a"], "start": pd.to_datetime(["2024-01-01"]), "end": [pd.NaT]}
    ).assign(mrr=mrr)
    table = mrr_bridge(subs, as_of="2024-02-01").to_frame(cents=True)
    assert table["ending"].iloc[-1] == cents
