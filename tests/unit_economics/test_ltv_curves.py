"""LTV curves, CAC and payback: hand-computed cases, the scalar formula, forecasts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from saasmetrics.datasets import make_saas_company
from saasmetrics.exceptions import ParameterError
from saasmetrics.unit_economics import cac_payback_by_cohort, cac_payback_months, ltv_curves
from tests.unit_economics.test_bridge import _frame, rows_strategy


def _subs(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "start": pd.to_datetime([r[1] for r in rows]),
            "end": pd.to_datetime([r[2] for r in rows]),
            "mrr": [float(r[3]) for r in rows],
            "channel": [r[4] for r in rows],
        }
    )


SPEND = pd.DataFrame(
    {
        "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2023-12-01"]),
        "channel": ["Paid Search", "Display", "Paid Search", "Paid Search"],
        "amount": [600.0, 90.0, 100.0, 40.0],
    }
)


def test_payback_matches_a_hand_computed_case() -> None:
    # Two Paid Search customers acquired in January at 100 MRR; b churns in March.
    # Revenue per acquired customer: 100, 100, 50, 50, ...; at 80% margin the cumulative
    # margin is 80, 160, 200, 240, 280, 320: it reaches CAC = 600 / 2 = 300 at age 6.
    data = _subs(
        ("a", "2024-01-05", None, 100, "Paid Search"),
        ("b", "2024-01-10", "2024-03-15", 100, "Paid Search"),
        ("c", "2024-02-03", None, 40, "Display"),
    )
    res = ltv_curves(data, SPEND, by="channel", as_of="2024-12-01", horizon=12)
    t = res.to_frame().set_index(["group", "age"])
    ps = t.loc["Paid Search"]
    assert ps["cumulative_margin_per_customer"].iloc[:7].tolist() == pytest.approx(
        [0, 80, 160, 200, 240, 280, 320]
    )
    assert ps["cac"].iloc[0] == pytest.approx(350.0)  # January 600 + February 100, 2 customers
    assert res.payback_months["Paid Search"] == 7  # 320 < 350 <= 360
    # Display spent 90 in January and acquired one 40 MRR customer in February: CAC 90,
    # margin 32 a month reaches it at age 3
    assert t.loc["Display", "cac"].iloc[0] == pytest.approx(90.0)
    assert res.payback_months["Display"] == 3
    assert res.unmatched_spend == pytest.approx(40.0)  # December: before the first cohort
    assert list(res.to_frame().columns[:5]) == [
        "group",
        "age",
        "customers",
        "cumulative_margin_per_customer",
        "cac",
    ]
    assert ps["customers"].iloc[:3].tolist() == [2, 2, 2]


def test_constant_mrr_pays_back_as_the_scalar_formula() -> None:
    data = _subs(*[(f"c{i}", "2024-01-03", None, 100, "Paid Search") for i in range(4)])
    spend = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-01"]), "channel": ["Paid Search"], "amount": [4800.0]}
    )
    res = ltv_curves(data, spend, by="cohort", margin=0.75, as_of="2025-12-31", horizon=24)
    expected = cac_payback_months(1200, 100, 0.75)
    assert expected == 16.0
    assert res.payback_months.iloc[0] == expected
    one = ltv_curves(data, spend, by=None, margin=0.75, as_of="2025-12-31", horizon="12MS")
    assert np.isnan(one.payback_months["all"])  # not within 12 months
    assert one.to_frame()["age"].max() == 12


def test_channel_from_customers_table_equals_a_column() -> None:
    company = make_saas_company(500, seed=5, months=10)
    channel = company.accounts.set_index("account_id")["channel"]
    subs = company.subscriptions.assign(channel=company.subscriptions["customer_id"].map(channel))
    a = ltv_curves(subs, company.spend, by="channel", as_of=company.as_of, horizon=12)
    b = ltv_curves(
        company.subscriptions,
        company.spend,
        by="channel",
        customers=company.accounts,
        as_of=company.as_of,
        horizon=12,
    )
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    # channels with spend get a CAC, the others not
    cac = b.to_frame().groupby("group")["cac"].first()
    assert set(cac.dropna().index) == set(company.spend["channel"])


@pytest.mark.parametrize("method", ["sbg", "km"])
def test_forecast_extends_to_the_horizon_with_a_band(method: str) -> None:
    company = make_saas_company(seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = ltv_curves(
            company.subscriptions,
            company.spend,
            by="channel",
            customers=company.accounts,
            as_of=company.as_of,
            forecast=method,
        )
    t = res.to_frame()
    assert (t.groupby("group")["age"].max() == 36).all()
    fc = t[t["forecast"]]
    assert not fc.empty
    assert (fc["lower"] <= fc["cumulative_margin_per_customer"] + 1e-9).all()
    assert (fc["cumulative_margin_per_customer"] <= fc["upper"] + 1e-9).all()
    steps = t.groupby("group")["cumulative_margin_per_customer"].diff().dropna()
    assert (steps >= -1e-9).all()
    observed = ltv_curves(
        company.subscriptions,
        company.spend,
        by="channel",
        customers=company.accounts,
        as_of=company.as_of,
    ).to_frame()
    pd.testing.assert_frame_equal(
        t[~t["forecast"]].reset_index(drop=True), observed.reset_index(drop=True)
    )


@given(rows=rows_strategy)
def test_curves_never_fall_and_count_customers(rows: list) -> None:
    frame = _frame(rows)
    res = ltv_curves(frame, by="cohort", as_of="2025-06-30")
    t = res.to_frame()
    assert (t.groupby("group")["cumulative_margin_per_customer"].diff().dropna() >= -1e-9).all()
    assert t["customers"].dtype == np.int64
    first = t[t["age"] == 0]
    assert first["customers"].sum() == res.n_customers
    assert (first["cumulative_margin_per_customer"] == 0).all()


def test_cohort_by_channel_table() -> None:
    company = make_saas_company(500, seed=5, months=10)
    res = cac_payback_by_cohort(
        company.subscriptions, company.spend, customers=company.accounts, as_of=company.as_of
    )
    t = res.to_frame()
    assert (t["customers"] > 0).all()
    total = t.groupby("channel")["customers"].sum()
    assert total.sum() == company.subscriptions["customer_id"].nunique() - 0  # all cohorted
    paid = t.dropna(subset=["cac"])
    assert set(paid["channel"]) <= set(company.spend["channel"])
    # cac is the channel's spend in the cohort's month over its new customers
    row = paid.iloc[0]
    month = company.spend[
        (company.spend["channel"] == row["channel"]) & (company.spend["date"] == row["cohort"])
    ]["amount"].sum()
    assert row["cac"] == pytest.approx(month / row["customers"])
    assert res.pivot().shape[0] == t["cohort"].nunique()


def test_transactions_give_cash_curves() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-03", "2025-01-03", "2024-02-10"]),
            "amount": [1200.0, 1200.0, 50.0],
        }
    )
    res = ltv_curves(tx, by=None, margin=1.0, as_of="2024-04-01", horizon=3)
    t = res.to_frame()
    # age 1: (1200 + 50) / 2; age 2: + 0 / 2 (both cohorts complete at cohort age 1)
    assert t["cumulative_margin_per_customer"].tolist() == pytest.approx([0, 625, 625, 625])
    with pytest.raises(ParameterError, match="subscriptions"):
        ltv_curves(tx, forecast="sbg")


def test_bad_parameters() -> None:
    data = _subs(("a", "2024-01-05", None, 100, "Paid Search"))
    with pytest.raises(ParameterError, match="margin"):
        ltv_curves(data, margin=1.5)
    with pytest.raises(ParameterError, match="horizon"):
        ltv_curves(data, horizon="12QS")
    with pytest.raises(ParameterError, match="forecast"):
        ltv_curves(data, forecast="weibull")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="matched"):
        ltv_curves(data.assign(plan="pro"), SPEND, by="plan")
