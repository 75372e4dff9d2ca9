"""mrr_bridge and rfm_summary on dask DataFrames equal the pandas results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    InputError,
    MissingColumnError,
    ParameterError,
)
from saasmetrics.scale import analysis, merge_all
from saasmetrics.unit_economics import (
    BetaGeoModel,
    GammaGammaModel,
    MRRPolicy,
    ParetoNBDModel,
    mrr_bridge,
    rfm_summary,
)
from tests.scale.conftest import PARTITIONS

dd = pytest.importorskip("dask.dataframe")


def _subscriptions(n_customers: int, seed: int) -> pd.DataFrame:
    """Intervals of many kinds: upgrades, gaps, free rows, one-period stays, policy flags."""
    rng = np.random.default_rng(seed)
    per = rng.integers(1, 5, n_customers)
    customer = np.repeat([f"c{i:05d}" for i in range(n_customers)], per)
    n = customer.size
    base = pd.Timestamp("2023-01-01")
    start = base + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    start += pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    length = rng.choice([5, 20, 45, 90, 200, 400], n)
    end = pd.Series(start + pd.to_timedelta(length, unit="D"))
    end[rng.random(n) < 0.35] = pd.NaT  # still active
    mrr = rng.choice([0.0, 19.99, 49.0, 99.5, 250.0], n, p=[0.1, 0.3, 0.3, 0.2, 0.1])
    cancelled = pd.Series(start + pd.to_timedelta(length // 2, unit="D"))
    cancelled[rng.random(n) < 0.8] = pd.NaT
    past_due = pd.Series(start + pd.to_timedelta(length // 3, unit="D"))
    past_due[rng.random(n) < 0.85] = pd.NaT
    frame = pd.DataFrame(
        {
            "customer_id": customer,
            "start": start,
            "end": end.to_numpy(),
            "mrr": mrr,
            "currency": "USD",
            "cancelled_at": cancelled.to_numpy(),
            "past_due_since": past_due.to_numpy(),
            "paused": rng.random(n) < 0.05,
            "refunded": rng.random(n) < 0.05,
        }
    )
    frame = frame.drop_duplicates(subset=["customer_id", "start", "end", "mrr"])
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def subscriptions() -> pd.DataFrame:
    return _subscriptions(600, seed=4)


def _same_bridge(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.amounts, b.amounts)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    pd.testing.assert_frame_equal(a.movements, b.movements)
    assert (a.freq, a.n_intra_period, a.n_dropped) == (b.freq, b.n_intra_period, b.n_dropped)


BRIDGE_OPTIONS: list[dict[str, Any]] = [
    {},
    {"freq": "QS"},
    {"freq": "W", "as_of": "2024-06-15"},
    {"as_of": "2024-09-01", "reactivation_window": 2},
    {"policy": MRRPolicy.chartmogul()},
    {"policy": MRRPolicy.profitwell()},
    {"policy": MRRPolicy.baremetrics()},
    {
        "policy": MRRPolicy(
            churn_recognition="cancellation",
            refunds="remove",
            free_plan_churn=False,
            grouping_window="3D",
        )
    },
]


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("options", BRIDGE_OPTIONS)
def test_mrr_bridge_on_dask_equals_pandas(
    subscriptions: pd.DataFrame, to_dask: Any, npartitions: int, options: dict[str, Any]
) -> None:
    expected = mrr_bridge(subscriptions, **options)
    got = mrr_bridge(to_dask(subscriptions, npartitions), **options)
    _same_bridge(got, expected)


def test_the_bridge_of_the_sample_company(company: Any, to_dask: Any) -> None:
    subs = company.subscriptions.sample(frac=1.0, random_state=2)
    expected = mrr_bridge(subs, as_of=company.as_of)
    assert expected.movements["customer"].is_monotonic_increasing
    for n in PARTITIONS:
        _same_bridge(mrr_bridge(to_dask(subs, n), as_of=company.as_of), expected)


def test_the_bridge_balances_against_an_independent_sum(subscriptions: pd.DataFrame) -> None:
    # ending MRR of each month = the MRR of the rows active at its last instant (pandas)
    bridge = mrr_bridge(subscriptions)
    ends = bridge.amounts.index + pd.offsets.MonthBegin(1)
    for period, month_end in zip(bridge.amounts.index[:6], ends[:6], strict=True):
        last = month_end - pd.Timedelta(1, "ns")
        active = (subscriptions["start"] <= last) & (
            subscriptions["end"].isna() | (subscriptions["end"] > last)
        )
        cents = np.floor(subscriptions.loc[active, "mrr"] * 100 + 0.5).sum()
        assert bridge.amounts.loc[period, "ending"] == cents


def test_mixed_currencies_are_a_fact_of_the_whole_data(
    subscriptions: pd.DataFrame, to_dask: Any
) -> None:
    # the euro customer is alone in its partition: no partition mixes, the data does
    euro = subscriptions["customer_id"].iloc[0]
    mixed = subscriptions.assign(
        currency=np.where(subscriptions["customer_id"] == euro, "EUR", "USD")
    )
    with pytest.raises(InputError, match="'currency' mixes 2 currencies") as pandas_error:
        mrr_bridge(mixed)
    with pytest.raises(InputError, match="'currency' mixes 2 currencies") as dask_error:
        mrr_bridge(to_dask(mixed, 7))
    assert str(dask_error.value) == str(pandas_error.value)
    # with rates, currencies may mix (row by row: the same on dask)
    rates = MRRPolicy(fx_rates={"EUR": 1.1, "USD": 1.0})
    _same_bridge(mrr_bridge(to_dask(mixed, 3), policy=rates), mrr_bridge(mixed, policy=rates))


def test_dropped_rows_warn_once_with_the_totals(subscriptions: pd.DataFrame, to_dask: Any) -> None:
    bad = subscriptions.copy()
    bad.loc[bad.index[::37], "mrr"] = -1.0
    with pytest.warns(DataQualityWarning, match="rows of subscriptions") as pandas_warned:
        expected = mrr_bridge(bad, on_invalid="drop")
    with pytest.warns(DataQualityWarning, match="rows of subscriptions") as dask_warned:
        got = mrr_bridge(to_dask(bad, 7), on_invalid="drop")
    assert [str(w.message) for w in dask_warned] == [str(w.message) for w in pandas_warned]
    _same_bridge(got, expected)
    assert got.n_dropped == len(bad.index[::37])


def test_bad_input_through_dask(subscriptions: pd.DataFrame, to_dask: Any, client: Any) -> None:
    bad = subscriptions.copy()
    bad.loc[bad.index[5], "mrr"] = -3.0
    with pytest.raises(InputError, match="'mrr'") as pandas_error:
        mrr_bridge(bad)
    with pytest.raises(InputError, match="'mrr'") as dask_error:
        mrr_bridge(to_dask(bad, 3))
    assert type(dask_error.value) is type(pandas_error.value)
    assert "negative MRR" in str(dask_error.value)
    example = bad.loc[bad.index[5], "customer_id"]
    assert example in str(pandas_error.value)
    assert example in str(dask_error.value)
    free = subscriptions.assign(mrr=0.0)
    for data in (free, to_dask(free, 3)):
        with pytest.raises(EmptyDataError, match=r"No paying subscription .*\(0 paying rows of"):
            mrr_bridge(data)
    for data in (subscriptions, to_dask(subscriptions, 3)):
        with pytest.raises(EmptyDataError, match="before the first paying period"):
            mrr_bridge(data, as_of="2000-01-01")


def test_mrr_bridge_on_a_local_cluster(
    subscriptions: pd.DataFrame, to_dask: Any, client: Any
) -> None:
    for options in ({}, {"policy": MRRPolicy.chartmogul(), "freq": "QS"}):
        got = mrr_bridge(to_dask(subscriptions, 7), **options)
        _same_bridge(got, mrr_bridge(subscriptions, **options))


def test_bridge_merge_is_commutative_and_associative(subscriptions: pd.DataFrame) -> None:
    plan = analysis(mrr_bridge, policy=MRRPolicy.baremetrics())
    customers = subscriptions["customer_id"].unique()
    chunks = [
        plan.prepare(subscriptions[subscriptions["customer_id"].isin(customers[i::4])])
        for i in range(4)
    ]
    span = merge_all(plan.merge_context, [plan.context(c) for c in chunks])
    parts = [plan.partial(c, span) for c in chunks]
    whole = mrr_bridge(subscriptions, policy=MRRPolicy.baremetrics())
    for merged in (
        merge_all(plan.merge, parts),
        merge_all(plan.merge, parts[::-1]),
        plan.merge(parts[0], plan.merge(parts[2], plan.merge(parts[3], parts[1]))),
    ):
        _same_bridge(plan.finalize(merged, span), whole)


# --------------------------------------------------------------------------- rfm_summary
def _transactions(n_customers: int, seed: int) -> pd.DataFrame:
    """Pareto/NBD-like buyers (Poisson purchases until they drop out), Gamma-Gamma spend."""
    rng = np.random.default_rng(seed)
    birth = rng.integers(0, 300, n_customers).astype(float)
    alive = np.minimum(rng.exponential(200.0, n_customers), 540.0 - birth)
    rate = rng.gamma(1.5, 0.03, n_customers)
    spend = 1.0 / rng.gamma(4.0, 1.0 / 60.0, n_customers)  # Gamma-Gamma: each has own scale
    per = 1 + rng.poisson(rate * alive)
    customer = np.repeat([f"k{i:05d}" for i in range(n_customers)], per)
    first = np.r_[0, np.cumsum(per)[:-1]]
    offset = rng.random(customer.size) * np.repeat(alive, per)
    offset[first] = 0.0  # the first purchase at birth
    seconds = (np.repeat(birth, per) + offset) * 86_400
    frame = pd.DataFrame(
        {
            "customer_id": customer,
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds.round(), unit="s"),
            "amount": rng.gamma(2.0, np.repeat(spend, per)).round(2),
        }
    )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return _transactions(800, seed=5)


@pytest.fixture(scope="module")
def daily(transactions: pd.DataFrame) -> pd.DataFrame:
    """Purchase dates without a time: recency and T in whole days, so customers share them."""
    return transactions.assign(timestamp=transactions["timestamp"].dt.floor("D"))


RFM_OPTIONS: list[dict[str, Any]] = [
    {},
    {"amount_col": "amount", "time_unit": "7D"},
    {"amount_col": "amount", "calibration_end": "2024-09-30", "observation_end": "2025-03-31"},
    {"resolution": "7D", "observation_end": "2025-06-30"},
    {"grouped": True},
    {"grouped": True, "time_unit": "7D", "calibration_end": "2024-10-31"},
]


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("options", RFM_OPTIONS)
@pytest.mark.parametrize("dates", [False, True])
def test_rfm_summary_on_dask_equals_pandas(  # noqa: PLR0917 - pytest fixtures
    transactions: pd.DataFrame,
    daily: pd.DataFrame,
    to_dask: Any,
    npartitions: int,
    options: dict[str, Any],
    dates: bool,
) -> None:
    data = daily if dates else transactions
    expected = rfm_summary(data, **options)
    got = rfm_summary(to_dask(data, npartitions), **options)
    pd.testing.assert_frame_equal(got, expected)


def test_rfm_summary_of_the_sample_company(company: Any, to_dask: Any) -> None:
    tx = company.transactions.sample(frac=1.0, random_state=2)
    expected = rfm_summary(tx, amount_col="amount", time_unit="7D")
    assert expected.index.is_monotonic_increasing
    for n in PARTITIONS:
        got = rfm_summary(to_dask(tx, n), amount_col="amount", time_unit="7D")
        pd.testing.assert_frame_equal(got, expected)


def test_grouped_statistics_are_the_counted_distinct_rows(daily: pd.DataFrame) -> None:
    per_customer = rfm_summary(daily, time_unit="7D")
    counted = per_customer.value_counts().sort_index()  # pandas, independently
    grouped = rfm_summary(daily, time_unit="7D", grouped=True)
    assert len(grouped) < len(per_customer)
    assert grouped["customers"].tolist() == counted.tolist()
    keys = list(zip(grouped["frequency"], grouped["recency"], grouped["T"], strict=True))
    assert keys == counted.index.tolist()


def test_models_fit_on_grouped_statistics_from_dask(daily: pd.DataFrame, to_dask: Any) -> None:
    options: dict[str, Any] = {"time_unit": "7D", "amount_col": "amount"}
    per_customer = rfm_summary(daily, **options)
    triples = rfm_summary(to_dask(daily, 7), time_unit="7D", grouped=True)
    assert len(triples) < len(per_customer)
    for model in (BetaGeoModel, ParetoNBDModel):
        whole = model().fit(per_customer)
        fitted = model().fit(triples, weights_col="customers")
        assert fitted.params_ == pytest.approx(whole.params_, rel=1e-9)
        assert fitted.n_customers_ == whole.n_customers_ == len(per_customer)
    pairs = rfm_summary(to_dask(daily, 7), **options, grouped=True)
    pairs = pairs.groupby(["frequency", "monetary_value"], as_index=False)["customers"].sum()
    spend = GammaGammaModel().fit(per_customer)
    from_pairs = GammaGammaModel().fit(pairs, weights_col="customers")
    assert from_pairs.params_ == pytest.approx(spend.params_, rel=1e-9)
    assert from_pairs.frequency_spend_correlation_ == pytest.approx(
        spend.frequency_spend_correlation_, abs=1e-12
    )


def test_rfm_dropped_rows_warn_once_with_the_totals(
    transactions: pd.DataFrame, to_dask: Any
) -> None:
    bad = transactions.copy()
    bad.loc[bad.index[::41], "amount"] = np.nan
    options: dict[str, Any] = {"amount_col": "amount", "on_invalid": "drop"}
    with pytest.warns(DataQualityWarning, match="rows of transactions") as pandas_warned:
        expected = rfm_summary(bad, **options)
    with pytest.warns(DataQualityWarning, match="rows of transactions") as dask_warned:
        got = rfm_summary(to_dask(bad, 7), **options)
    assert [str(w.message) for w in dask_warned] == [str(w.message) for w in pandas_warned]
    pd.testing.assert_frame_equal(got, expected)


def test_rfm_bad_input_through_dask(transactions: pd.DataFrame, to_dask: Any, client: Any) -> None:
    bad = transactions.copy()
    bad.loc[bad.index[7], "amount"] = -5.0
    with pytest.raises(InputError, match="'amount'") as pandas_error:
        rfm_summary(bad, amount_col="amount")
    with pytest.raises(InputError, match="'amount'") as dask_error:
        rfm_summary(to_dask(bad, 3), amount_col="amount")
    assert type(dask_error.value) is type(pandas_error.value)
    example = bad.loc[bad.index[7], "customer_id"]
    assert example in str(pandas_error.value)
    assert example in str(dask_error.value)
    with pytest.raises(MissingColumnError, match="amt"):
        rfm_summary(to_dask(transactions, 3), amount_col="amt")
    nulls = transactions.assign(customer_id=None)
    for data in (nulls, to_dask(nulls, 3)):
        with (
            pytest.warns(DataQualityWarning, match="Dropped 6,"),
            pytest.raises(EmptyDataError, match="No valid transaction"),
        ):
            rfm_summary(data, on_invalid="drop")
    for data in (transactions, to_dask(transactions, 3)):
        with pytest.raises(EmptyDataError, match="before calibration_end"):
            rfm_summary(data, calibration_end="2000-01-01")
        with pytest.raises(ParameterError, match="calibration_end must not be after"):
            rfm_summary(data, calibration_end="2030-01-01")


def test_rfm_summary_on_a_local_cluster(
    transactions: pd.DataFrame, to_dask: Any, client: Any
) -> None:
    for options in ({"amount_col": "amount"}, {"grouped": True, "time_unit": "7D"}):
        got = rfm_summary(to_dask(transactions, 7), **options)
        pd.testing.assert_frame_equal(got, rfm_summary(transactions, **options))


@pytest.mark.parametrize("grouped", [False, True])
def test_rfm_merge_is_commutative_and_associative(
    transactions: pd.DataFrame, grouped: bool
) -> None:
    plan = analysis(rfm_summary, amount_col="amount", grouped=grouped)
    customers = transactions["customer_id"].unique()
    chunks = [
        plan.prepare(transactions[transactions["customer_id"].isin(customers[i::4])])
        for i in range(4)
    ]
    last = merge_all(plan.merge_context, [plan.context(c) for c in chunks])
    parts = [plan.partial(c, last) for c in chunks]
    whole = rfm_summary(transactions, amount_col="amount", grouped=grouped)
    for merged in (
        merge_all(plan.merge, parts),
        merge_all(plan.merge, parts[::-1]),
        plan.merge(parts[0], plan.merge(parts[2], plan.merge(parts[3], parts[1]))),
    ):
        pd.testing.assert_frame_equal(plan.finalize(merged, last), whole)


def test_rfm_partitions_that_split_a_customer_are_refused(
    transactions: pd.DataFrame, to_dask: Any
) -> None:
    # partitioned_by= promises whole customers per partition; a shuffled frame breaks it, and
    # each piece of a split customer would come back as a customer of its own
    split = to_dask(transactions, 3)
    with pytest.raises(ParameterError, match=r"partitioned_by='customer_id'.*k\d{5}"):
        rfm_summary(split, partitioned_by="customer_id")
    whole = dd.from_pandas(transactions.set_index("customer_id"), npartitions=3, sort=True)
    expected = rfm_summary(transactions)
    pd.testing.assert_frame_equal(rfm_summary(whole, partitioned_by="customer_id"), expected)


def test_bridge_partitions_that_split_a_customer_are_refused(
    subscriptions: pd.DataFrame, to_dask: Any
) -> None:
    # a customer's intervals read in two partitions give two customers' movements (two "new"
    # instead of a "new" then an "expansion"): partitioned_by= on a shuffled frame is refused
    split = to_dask(subscriptions, 3)
    with pytest.raises(ParameterError, match=r"partitioned_by='customer_id'.*c\d{5}"):
        mrr_bridge(split, partitioned_by="customer_id")
    whole = dd.from_pandas(subscriptions.set_index("customer_id"), npartitions=3, sort=True)
    _same_bridge(mrr_bridge(whole, partitioned_by="customer_id"), mrr_bridge(subscriptions))


def test_a_partition_whose_closed_ends_are_all_unparseable() -> None:
    # tz-aware starts; in one partition every closed end is unparseable and dropped: its end
    # column read no zone, which is not "naive" (was SchemaError: start aware, end naive)
    subs = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "start": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-10", "2024-03-01"]),
            "end": pd.array(["2024-04-01", None, "soon", "later"], dtype=object),
            "mrr": [10.0, 20.0, 30.0, 40.0],
        }
    ).assign(start=lambda f: f["start"].dt.tz_localize("UTC"))
    subs.loc[0, "end"] = "2024-04-01T00:00:00+00:00"
    with pytest.warns(DataQualityWarning, match="Dropped 2 of 4 rows"):
        expected = mrr_bridge(subs, currency_col=None, on_invalid="drop")
    parts = dd.concat([dd.from_pandas(subs.iloc[:2], npartitions=1, sort=False),
                       dd.from_pandas(subs.iloc[2:], npartitions=1, sort=False)])  # fmt: skip
    with pytest.warns(DataQualityWarning, match="Dropped 2 of 4 rows"):
        got = mrr_bridge(parts, currency_col=None, on_invalid="drop", partitioned_by="customer_id")
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
