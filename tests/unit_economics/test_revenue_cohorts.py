"""Revenue cohorts: hand cases, a month-end snapshot oracle, and the bridge identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from saasmetrics.datasets import make_saas_company
from saasmetrics.exceptions import EmptyDataError, InputError, MissingColumnError
from saasmetrics.unit_economics import MRRPolicy, mrr_bridge, revenue_cohorts
from tests.unit_economics.test_bridge import _frame, rows_strategy

AS_OF = "2025-06-30"


def _subs(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "start": pd.to_datetime([r[1] for r in rows]),
            "end": pd.to_datetime([r[2] for r in rows]),
            "mrr": [float(r[3]) for r in rows],
        }
    )


def test_hand_computed_cohorts() -> None:
    data = _subs(
        ("a", "2024-01-05", None, 100),
        ("b", "2024-01-20", "2024-03-01", 50),
        ("b", "2024-03-01", None, 80),  # expansion 50 -> 80 in March
        ("c", "2024-01-10", "2024-02-10", 40),  # churns in February
        ("d", "2024-02-03", None, 30),
    )
    res = revenue_cohorts(data, as_of="2024-04-01")
    t = res.to_frame().set_index(["cohort", "age"])
    jan = t.loc[pd.Timestamp("2024-01-01")]
    assert jan["mrr"].tolist() == [190.0, 150.0, 180.0]
    assert jan["customers"].tolist() == [3, 2, 2]
    assert jan["nrr"].tolist() == pytest.approx([1.0, 150 / 190, 180 / 190])
    assert jan["grr"].tolist() == pytest.approx([1.0, 150 / 190, 150 / 190])
    assert jan["logo_retention"].tolist() == pytest.approx([1.0, 2 / 3, 2 / 3])
    assert res.sizes.tolist() == [3, 1]
    assert list(res.to_frame().columns[:7]) == [
        "cohort",
        "period",
        "age",
        "customers",
        "mrr",
        "nrr",
        "grr",
    ]
    wide = res.pivot("nrr")
    assert np.isnan(wide.loc[pd.Timestamp("2024-02-01"), 2])  # not observed yet
    # pooled over the cohorts complete at each age: age 1 = (150 + 30) / (190 + 30)
    assert res.curve("nrr").tolist() == pytest.approx([1.0, 180 / 220, 180 / 190])


def test_reactivated_customers_stay_in_their_first_cohort() -> None:
    data = _subs(("a", "2024-01-01", "2024-02-15", 10), ("a", "2024-05-01", None, 25))
    t = revenue_cohorts(data, as_of="2024-07-01").to_frame()
    assert t["cohort"].nunique() == 1
    assert t["mrr"].tolist() == [10.0, 0.0, 0.0, 0.0, 25.0, 25.0]
    assert t["grr"].tolist() == pytest.approx([1, 0, 0, 0, 1, 1])
    assert t["nrr"].tolist() == pytest.approx([1, 0, 0, 0, 2.5, 2.5])


def test_period_cut_short_by_as_of_is_incomplete() -> None:
    data = _subs(("a", "2024-01-05", None, 100), ("b", "2024-02-10", "2024-03-10", 20))
    res = revenue_cohorts(data, as_of="2024-03-15")
    t = res.to_frame()
    last = t[t["period"] == pd.Timestamp("2024-03-01")]
    assert not last["complete"].any()
    assert last["nrr"].isna().all()
    assert last["mrr"].sum() == 100.0  # the MRR at as_of, so the bridge still adds up
    assert t.loc[t["period"] < pd.Timestamp("2024-03-01"), "complete"].all()
    assert 2 not in res.curve().index  # no cohort completed age 2


def _oracle(frame: pd.DataFrame, periods: pd.DatetimeIndex) -> pd.DataFrame:
    """Month-end snapshots per customer, cohort = first month paying at its end."""
    instants = (periods + pd.offsets.MonthBegin(1)) - pd.Timedelta(1, "ns")
    start = frame["start"].to_numpy()[:, None]
    end = frame["end"].to_numpy()[:, None]
    active = (start <= instants.to_numpy()[None, :]) & (
        pd.isna(end) | (end > instants.to_numpy()[None, :])
    )
    cents = np.rint(frame["mrr"].to_numpy() * 100).astype(np.int64)[:, None] * active
    wide = pd.DataFrame(cents, columns=periods).groupby(frame["customer_id"].to_numpy()).sum()
    wide = wide.loc[(wide > 0).any(axis=1)]
    level = wide.to_numpy()
    first = (level > 0).argmax(axis=1)
    base = level[np.arange(len(level)), first]
    rows = []
    for k in np.unique(first):  # a few cohorts: the oracle may loop
        members = first == k
        rows.extend(
            {
                "cohort": periods[k],
                "period": periods[j],
                "mrr": int(level[members, j].sum()),
                "gross": int(np.minimum(level[members, j], base[members]).sum()),
                "customers": int((level[members, j] > 0).sum()),
            }
            for j in range(k, len(periods))
        )
    return pd.DataFrame(rows)


@given(rows=rows_strategy)
def test_matches_the_snapshot_oracle(rows: list) -> None:
    frame = _frame(rows)
    res = revenue_cohorts(frame, as_of=AS_OF)
    t = res.to_frame()
    periods = mrr_bridge(frame, as_of=AS_OF).amounts.index
    expected = _oracle(frame, periods)
    got = t[["cohort", "period", "customers"]].assign(
        mrr=np.rint(t["mrr"] * 100).astype(np.int64),
        gross=np.rint(t["grr"] * t.groupby("cohort")["mrr"].transform("first") * 100),
    )
    merged = expected.merge(got, on=["cohort", "period"], suffixes=("", "_got"), how="outer")
    assert merged[["mrr", "mrr_got"]].notna().all().all(), merged
    assert (merged["mrr"] == merged["mrr_got"]).all()
    assert (merged["customers"] == merged["customers_got"]).all()
    rated = merged["gross_got"].notna()  # the last period, cut short by as_of, has no rates
    assert (merged.loc[rated, "gross"] == merged.loc[rated, "gross_got"]).all()
    assert rated.sum() >= len(merged) - merged["cohort"].nunique()


policies = st.sampled_from(
    [
        None,
        MRRPolicy.chartmogul(),
        MRRPolicy.baremetrics(),
        MRRPolicy(grouping_window="20D"),
    ]
)


@given(rows=rows_strategy, policy=policies, by=st.booleans())
def test_cohort_mrr_adds_up_to_bridge_ending_every_period(
    rows: list, policy: MRRPolicy | None, by: bool
) -> None:
    frame = _frame(rows)
    frame["segment"] = np.where(frame["customer_id"].isin(["c1", "c4", "c6"]), "x", "y")
    try:
        bridge = mrr_bridge(frame, as_of=AS_OF, policy=policy)
    except EmptyDataError:  # a grouping window can merge away the only paying row
        assume(policy is None)
        raise
    res = revenue_cohorts(frame, as_of=AS_OF, policy=policy, by="segment" if by else None)
    t = res.to_frame()
    per_period = np.rint(t["mrr"] * 100).astype(np.int64).groupby(t["period"]).sum()
    ending = bridge.amounts["ending"]
    assert (per_period.reindex(ending.index, fill_value=0) == ending).all()
    counts = t.groupby("period")["customers"].sum()
    if policy is None or policy.free_plan_churn:  # else the bridge also counts $0 customers
        assert (counts.reindex(ending.index, fill_value=0) == bridge.customers["ending"]).all()
    else:
        assert (counts.reindex(ending.index, fill_value=0) <= bridge.customers["ending"]).all()
    rates = t[["nrr", "grr", "logo_retention"]].dropna()
    assert (rates["nrr"] >= rates["grr"] - 1e-12).all()
    assert ((rates["grr"] >= 0) & (rates["grr"] <= 1 + 1e-12)).all()
    assert ((rates["logo_retention"] >= 0) & (rates["logo_retention"] <= 1)).all()
    assert res.sizes.sum() == res.n_customers


@given(rows=rows_strategy, seed=st.integers(0, 2**16))
def test_row_order_is_irrelevant(rows: list, seed: int) -> None:
    frame = _frame(rows)
    a = revenue_cohorts(frame, as_of=AS_OF).to_frame()
    b = revenue_cohorts(frame.sample(frac=1.0, random_state=seed), as_of=AS_OF).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_by_channel_from_customers_matches_a_data_column() -> None:
    company = make_saas_company(400, seed=3, months=8)
    subs = company.subscriptions
    before = subs.copy()
    via_accounts = revenue_cohorts(
        subs, as_of=company.as_of, by="channel", customers=company.accounts
    )
    channel = company.accounts.set_index("account_id")["channel"]
    with_col = subs.assign(channel=subs["customer_id"].map(channel))
    via_column = revenue_cohorts(with_col, as_of=company.as_of, by="channel")
    pd.testing.assert_frame_equal(via_accounts.to_frame(), via_column.to_frame())
    pd.testing.assert_frame_equal(subs, before)
    total = revenue_cohorts(subs, as_of=company.as_of).to_frame()
    summed = via_accounts.to_frame().groupby(["cohort", "age"])["mrr"].sum()
    np.testing.assert_allclose(summed.to_numpy(), total.set_index(["cohort", "age"])["mrr"])
    curves = via_accounts.curve("logo")
    assert set(curves.columns) <= set(company.accounts["channel"])


def test_signup_cohorts_from_a_date_column() -> None:
    data = _subs(("a", "2024-02-05", None, 100), ("b", "2024-01-20", None, 50))
    accounts = pd.DataFrame(
        {"customer_id": ["a", "b"], "created_at": pd.to_datetime(["2024-01-10", "2024-01-02"])}
    )
    res = revenue_cohorts(data, as_of="2024-04-01", cohort="created_at", customers=accounts)
    t = res.to_frame()
    assert t["cohort"].unique().tolist() == [pd.Timestamp("2024-01-01")]
    assert t["mrr"].tolist() == [50.0, 150.0, 150.0]
    assert t["nrr"].tolist() == pytest.approx([1.0, 3.0, 3.0])
    # a signup before the first paid month of anyone: cohort and periods still labelled
    early = accounts.assign(created_at=pd.to_datetime(["2023-12-20", "2024-01-02"]))
    t = revenue_cohorts(data, as_of="2024-04-01", cohort="created_at", customers=early).to_frame()
    dec = t[t["cohort"] == pd.Timestamp("2023-12-01")]
    assert dec["period"].dt.strftime("%Y-%m").tolist() == [
        "2023-12",
        "2024-01",
        "2024-02",
        "2024-03",
    ]
    assert dec["mrr"].tolist() == [0.0, 0.0, 100.0, 100.0]
    assert dec["nrr"].isna().all()  # nothing paid at age 0


def test_bad_input_says_what_and_where() -> None:
    data = _subs(("a", "2024-01-05", None, 100), ("b", "2024-02-05", None, 10))
    with pytest.raises(MissingColumnError, match="channel"):
        revenue_cohorts(data, by="channel")
    accounts = pd.DataFrame({"customer_id": ["a"], "channel": ["Direct"]})
    with pytest.raises(InputError, match="not in customers"):
        revenue_cohorts(data, by="channel", customers=accounts)
    with pytest.raises(InputError, match="no 'channel' value"):
        revenue_cohorts(data.assign(channel=["Direct", None]), by="channel")
