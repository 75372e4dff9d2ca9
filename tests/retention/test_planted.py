"""The sample company's planted truths, recovered with the retention module."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from saasmetrics.datasets import SaasCompany, make_saas_company
from saasmetrics.retention import (
    ShiftedBetaGeometricModel,
    cohort_table,
    feature_retention,
    kaplan_meier,
    lifecycle_stages,
    magic_number_search,
)


@pytest.fixture(scope="module")
def company() -> SaasCompany:
    return make_saas_company(2000, seed=0)


def paying_lifetimes(company: SaasCompany, billing: str = "monthly") -> pd.DataFrame:
    """Months from each account's first payment to its first churn (or to the end)."""
    subs = company.subscriptions.sort_values(["customer_id", "start"])
    following = subs.groupby("customer_id")["start"].shift(-1)
    churns = subs["end"].notna() & (following.isna() | (following != subs["end"]))
    first = subs.groupby("customer_id").agg(start=("start", "min"), billing=("billing", "first"))
    first["churn"] = subs[churns].groupby("customer_id")["end"].min()
    days = (first["churn"].fillna(company.as_of) - first["start"]).dt.days
    first["months"] = np.floor(days / 30.4375) + 1  # churn at the end of month 1, 2, ...
    first["observed"] = first["churn"].notna()
    return first[first["billing"] == billing]


def test_magic_number_is_found(company: SaasCompany) -> None:
    truths = company.truths
    result = magic_number_search(company.events, signup_event="signup", window=truths.magic_window)
    best = result.best
    assert best["event"] == truths.magic_event
    assert best["threshold"] == truths.magic_threshold
    assert best["phi"] >= 0.4
    assert best["strength"] == "highly predictive"
    # retention of users at the threshold matches the planted probability (~0.72)
    assert best["ppv"] == pytest.approx(truths.week2_retention[truths.magic_threshold], abs=0.06)
    # a sharp step at 3: two invites are not much better than one
    table = result.to_frame().set_index(["event", "threshold"])
    assert table.loc[(truths.magic_event, 3), "phi"] > table.loc[(truths.magic_event, 2), "phi"]
    others = result.to_frame().query("event != @truths.magic_event")
    assert others["phi"].max() < 0.2
    # pairs do not hide it: the best pair still involves the magic behaviour at 3
    pairs = magic_number_search(
        company.events, signup_event="signup", combinations=2, max_threshold=6
    ).best
    assert truths.magic_event in (pairs["event"], pairs["event_2"])


def test_feature_retention_shows_the_same_signal(company: SaasCompany) -> None:
    result = (
        feature_retention(company.events, ["invite_teammate", "export_data"], signup_event="signup")
        .to_frame()
        .set_index("feature")
    )
    assert result.loc["invite_teammate", "lift_low"] > 1.2
    assert result.loc["invite_teammate", "lift"] > result.loc["export_data", "lift"]


def test_paying_customers_plateau_at_the_planted_churn(company: SaasCompany) -> None:
    lifetimes = paying_lifetimes(company)
    curve = kaplan_meier(lifetimes["months"], lifetimes["observed"])
    stages = lifecycle_stages(curve)
    assert 0 < stages.shock_end < stages.stable_start <= 10
    assert stages.plateau_churn == pytest.approx(company.truths.monthly_churn, abs=0.012)
    model = ShiftedBetaGeometricModel().fit(lifetimes["months"], observed=lifetimes["observed"])
    # the model and the Kaplan-Meier curve agree over the observed year
    km_year = curve.survival_at(12)
    assert model.predict_survival(12) == pytest.approx(km_year, abs=0.08)


def test_cohorts_of_the_sample_company(company: SaasCompany) -> None:
    table = cohort_table(company.events, freq="MS", cohort_event="signup", kind="unbounded")
    signups = company.events.loc[company.events["event"] == "signup", "user_id"].nunique()
    assert table.sizes.sum() == signups
    curve = table.curve()
    assert (np.diff(curve.to_numpy()) <= 1e-12).all()
    # most new users are gone after the first month: the shock
    assert curve.loc[1] < 0.6
