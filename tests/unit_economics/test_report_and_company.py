"""The report section and the sample company's planted truths, seen through unit economics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from saasmetrics.datasets import make_saas_company
from saasmetrics.report._unit_economics import channel_economics, section
from saasmetrics.unit_economics import mrr_bridge, mrr_from_invoices, saas_kpis


@pytest.fixture(scope="module")
def company():
    return make_saas_company(n_accounts=2000, seed=0)


def test_section_builds_with_summary_and_figures(company) -> None:
    # no timing assertion: timings never go into pass/fail tests (shared, noisy machines)
    import matplotlib.pyplot as plt

    sec = section(company)
    assert sec.title == "Unit economics"
    assert len(sec.summary) == 4
    assert sec.html.count("<svg") == 3
    assert "MRR" in sec.summary[0]
    plt.close("all")


def test_invoices_and_subscriptions_give_the_same_bridge(company) -> None:
    from_subs = mrr_bridge(company.subscriptions, as_of=company.as_of).to_frame(cents=True)
    from_invoices = mrr_bridge(mrr_from_invoices(company.invoices), as_of=company.as_of)
    pd.testing.assert_frame_equal(from_invoices.to_frame(cents=True), from_subs)


def test_bridge_matches_month_end_snapshots_of_the_raw_table(company) -> None:
    subs = company.subscriptions
    bridge = mrr_bridge(subs, as_of=company.as_of)
    for period, ending in bridge.to_frame()["ending"].items():
        instant = period + pd.offsets.MonthBegin(1) - pd.Timedelta(1, "ns")
        active = (subs["start"] <= instant) & (subs["end"].isna() | (subs["end"] > instant))
        assert ending == pytest.approx(subs.loc[active, "mrr"].sum(), abs=0.01)


def test_planted_paying_churn_is_visible_in_logo_churn(company) -> None:
    # datasets.md truth 4: paying customers churn ~monthly_churn on the plateau; logo churn
    # over the last six months sits between the plateau and the early "poor fit" churn.
    kpis = saas_kpis(mrr_bridge(company.subscriptions, as_of=company.as_of))
    recent = float(kpis["logo_churn_rate"].tail(6).mean())
    assert company.truths.monthly_churn * 0.5 < recent < company.truths.poor_fit_monthly_churn
    assert (kpis["nrr"].dropna() >= kpis["grr"].dropna()).all()


def test_channel_economics_table(company) -> None:
    table = channel_economics(company, monthly_churn=0.05)
    assert set(table.index) == set(company.spend["channel"])
    np.testing.assert_allclose(table["cac"], table["spend"] / table["customers"])
    assert table["ltv_to_cac"].is_monotonic_decreasing
