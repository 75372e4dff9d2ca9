"""The sample company's planted churn driver, found by a time-varying Cox model.

The generator's truths are used here only to check what the model found from the data.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from saasmetrics.datasets import SaasCompany, make_saas_company
from saasmetrics.health import account_features
from saasmetrics.retention import CoxModel, logrank_test, subscription_lifetimes

BEHAVIOURS = [
    "logins_30d",
    "active_users_30d",
    "active_days_30d",
    "core_features_30d",
    "tickets_30d",
]


def monthly_panel(company: SaasCompany, tracked: list[str]) -> pd.DataFrame:
    """Counting-process rows per paying customer and calendar month (as in tutorial 8)."""
    lives = subscription_lifetimes(company.subscriptions, as_of=company.as_of)
    life_end = lives["start"] + pd.to_timedelta(lives["duration"], unit="D")
    months = pd.date_range(lives["start"].min().ceil("D"), company.as_of, freq="MS")
    panels = []
    for begin, finish in itertools.pairwise(months):
        at_risk = lives[(lives["start"] <= begin) & (life_end > begin)]
        behaviour = account_features(company.events, as_of=begin, windows=["30D"], track=tracked)
        stop = life_end[at_risk.index].clip(upper=finish)
        panels.append(
            pd.DataFrame(
                {
                    "customer_id": at_risk["customer_id"].to_numpy(),
                    "billing": at_risk["billing"].to_numpy(),
                    "start": ((begin - at_risk["start"]) / pd.Timedelta("1D")).to_numpy(),
                    "stop": ((stop - at_risk["start"]) / pd.Timedelta("1D")).to_numpy(),
                    "churned": (
                        at_risk["observed"] & (life_end[at_risk.index] <= finish)
                    ).to_numpy(),
                }
            ).join(behaviour.reindex(at_risk["customer_id"]).reset_index(drop=True))
        )
    return pd.concat(panels, ignore_index=True)


@pytest.fixture(scope="module")
def company() -> SaasCompany:
    return make_saas_company(1500, seed=11)


def test_time_varying_cox_finds_the_planted_churn_driver(company: SaasCompany) -> None:
    candidates = ["create_report", "share_report", "export_data", "view_dashboard"]
    panel = monthly_panel(company, candidates)
    covariates = BEHAVIOURS + [f"{event}_30d" for event in candidates]
    model = CoxModel().fit(
        panel,
        "stop",
        "churned",
        start_col="start",
        strata="billing",
        covariates=covariates,
        id_col="customer_id",
    )
    summary = model.summary()
    driver = summary["z"].abs().idxmax()
    assert driver == f"{company.truths.churn_driver_event}_30d"
    assert summary.loc[driver, "hazard_ratio"] < 1  # fading use precedes churn
    assert summary.loc[driver, "p_value"] < 1e-6
    assert model.concordance_ > 0.7


def test_plan_and_channel_do_not_drive_paid_churn_billing_does(company: SaasCompany) -> None:
    lives = subscription_lifetimes(company.subscriptions, as_of=company.as_of)
    lives["channel"] = lives["customer_id"].map(company.accounts.set_index("account_id")["channel"])
    # the generator draws paid lifetimes independently of plan and channel, and rounds annual
    # lives up to whole years
    assert logrank_test(lives["duration"], lives["observed"], lives["channel"]).p_value > 0.01
    assert logrank_test(lives["duration"], lives["observed"], lives["billing"]).p_value < 1e-6
    churned = lives.loc[lives["observed"] & (lives["billing"] == "annual"), "duration"]
    assert (np.round(churned / 365.25) >= 1).all()
