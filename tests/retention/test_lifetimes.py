"""subscription_lifetimes: spells, censoring, gaps, churn types, left truncation."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from saasmetrics.datasets import make_saas_company
from saasmetrics.exceptions import InputError, MissingColumnError, ParameterError
from saasmetrics.retention import kaplan_meier, subscription_lifetimes

T = pd.Timestamp


def _subs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c", "d"],
            "start": pd.to_datetime(
                ["2024-01-01", "2024-03-01", "2024-01-15", "2024-02-01", "2024-03-05", "2024-04-01"]
            ),
            "end": pd.to_datetime(
                ["2024-03-01", "2024-04-01", None, "2024-03-01", None, "2024-05-01"]
            ),
            "mrr": [10.0, 20.0, 5.0, 7.0, 7.0, 3.0],
            "reason": [None, "voluntary", None, "involuntary", None, "involuntary"],
        }
    )


def test_spells_censoring_and_carried_columns() -> None:
    subs = _subs()
    before = subs.copy()
    out = subscription_lifetimes(subs, as_of="2024-06-01", churn_type_col="reason")
    pd.testing.assert_frame_equal(subs, before)  # never mutates
    out = out.set_index("customer_id")
    # a: two rows that tile -> one life from Jan 1 to Apr 1, churned
    assert out.loc["a", "duration"] == 91.0
    assert out.loc["a", "observed"]
    assert out.loc["a", "churn_type"] == "voluntary"
    assert out.loc["a", "mrr"] == 10.0  # first row's value
    # b: active -> censored at as_of
    assert not out.loc["b", "observed"]
    assert out.loc["b", "duration"] == (T("2024-06-01") - T("2024-01-15")).days
    assert out.loc["b", "churn_type"] is None
    # c: churned Mar 1, back Mar 5: with gap 0 the first life ends Mar 1
    assert out.loc["c", "observed"]
    assert out.loc["c", "duration"] == 29.0
    assert out.loc["c", "reactivated"]
    assert out.loc["c", "churn_type"] == "involuntary"
    assert (out["entry"] == 0).all()
    # a 7-day gap forgives c's break: one life, still active
    forgiving = subscription_lifetimes(subs, as_of="2024-06-01", gap="7D").set_index("customer_id")
    assert not forgiving.loc["c", "observed"]
    assert not forgiving.loc["c", "reactivated"]
    assert forgiving.loc["c", "duration"] == (T("2024-06-01") - T("2024-02-01")).days


def test_as_of_default_ends_after_as_of_and_left_truncation() -> None:
    subs = _subs()
    out = subscription_lifetimes(subs).set_index("customer_id")  # as_of = latest date: May 1
    assert out.loc["d", "observed"]  # d ends May 1 = as_of: churned on the last day
    early = subscription_lifetimes(subs, as_of="2024-04-15").set_index("customer_id")
    assert not early.loc["d", "observed"]  # ends after as_of: still active then
    assert early.loc["a", "observed"]  # ended Apr 1, before as_of
    trunc = subscription_lifetimes(
        subs, as_of="2024-06-01", observed_from="2024-01-20", gap="7D"
    ).set_index("customer_id")
    assert trunc.loc["a", "entry"] == 19.0
    assert trunc.loc["d", "entry"] == 0.0
    curve = kaplan_meier(trunc["duration"], trunc["observed"], entry=trunc["entry"])
    assert curve.to_frame()["survival"].iloc[-1] <= 1


def test_sample_company_three_lines_to_a_test() -> None:
    company = make_saas_company(300, seed=3)
    lives = subscription_lifetimes(company.subscriptions, as_of=company.as_of)
    subs = company.subscriptions
    assert len(lives) == subs["customer_id"].nunique()
    assert (lives["duration"] > 0).all()
    assert lives["observed"].dtype == bool
    # a customer with an open row in the first spell and no gap is never observed churning
    open_ids = set(subs.loc[subs["end"].isna(), "customer_id"])
    churned = lives.loc[lives["observed"], "customer_id"]
    reactivated = set(lives.loc[lives["reactivated"], "customer_id"])
    assert set(churned) & open_ids <= reactivated
    assert {"plan", "mrr", "billing"} <= set(lives.columns)
    # durations equal the per-customer pandas computation for customers with one spell
    single = lives[~lives["reactivated"]].set_index("customer_id")
    g = subs.groupby("customer_id")
    last_end = g["end"].max().where(~g["end"].apply(lambda s: s.isna().any()))
    expected = (last_end.fillna(company.as_of) - g["start"].min()) / pd.Timedelta("1D")
    np.testing.assert_allclose(single["duration"], expected.loc[single.index])


def test_bad_input() -> None:
    subs = _subs()
    with pytest.raises(MissingColumnError):
        subscription_lifetimes(subs.drop(columns="end"))
    bad = subs.copy()
    bad.loc[0, "end"] = T("2023-12-01")
    with pytest.raises(InputError, match="end at or before the start"):
        subscription_lifetimes(bad)
    with pytest.raises(InputError, match="starts after as_of"):
        subscription_lifetimes(subs, as_of="2024-03-01")
    with pytest.raises(InputError, match="churned before observed_from"):
        subscription_lifetimes(subs, as_of="2024-06-01", observed_from="2024-03-15")
    with pytest.raises(ParameterError, match="gap"):
        subscription_lifetimes(subs, gap="-1D")
    missing = subs.copy()
    missing.loc[1, "customer_id"] = None
    with pytest.raises(InputError, match="null customer ids"):
        subscription_lifetimes(missing)


def test_a_spell_longer_than_int64_nanoseconds() -> None:
    """1700 to 2000 is more than 2**63 ns: the duration and entry must not wrap."""
    subs = _subs()
    subs.loc[0, "start"] = pd.Timestamp("1700-01-01")  # a's first spell: 1700 to 2024-04-01
    out = subscription_lifetimes(subs, as_of="2024-06-01", observed_from="2000-01-01")
    a = out.set_index("customer_id").loc["a"]
    # (Python dates: a pandas Timedelta cannot hold 300 years)
    assert a["duration"] == (datetime.date(2024, 4, 1) - datetime.date(1700, 1, 1)).days
    assert a["entry"] == (datetime.date(2000, 1, 1) - datetime.date(1700, 1, 1)).days
