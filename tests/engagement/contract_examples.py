"""Small real instances of every engagement result, for the shared result contract."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pandas as pd

from saasmetrics._results import ResultMixin
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
from saasmetrics.exceptions import DataQualityWarning


def example_events() -> pd.DataFrame:
    days = [0, 1, 3, 8, 9, 15, 16, 22, 30, 31, 38]
    users = ["a", "b", "a", "a", "c", "b", "a", "c", "a", "b", "c"]
    return pd.DataFrame(
        {
            "user_id": users,
            "timestamp": pd.Timestamp("2024-01-01 09:00") + pd.to_timedelta(days, unit="D"),
            "event": ["signup", "signup", "export", "login", "signup", "export", "login",
                      "export", "login", "login", "export"],
            "amount": [10.0, 20.0, 5.0, 10.0, 30.0, 20.0, 15.0, 30.0, 10.0, 25.0, 30.0],
        }
    )  # fmt: skip


def example_active_users() -> ActiveUsers:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # 28-day MAU on 39 days of data
        return active_users(example_events(), freq="W")


def example_stickiness() -> Stickiness:
    return stickiness(example_events(), period="W")


def example_lifecycle() -> Lifecycle:
    return lifecycle(example_events(), freq="W", new_event="signup")


def example_growth_accounting() -> GrowthAccounting:
    return growth_accounting(example_events(), freq="W", value_col="amount")


def example_feature_adoption() -> FeatureAdoption:
    return feature_adoption(example_events(), ["export", "login"], freq="W")


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "saasmetrics.engagement.ActiveUsers": example_active_users,
    "saasmetrics.engagement.Stickiness": example_stickiness,
    "saasmetrics.engagement.Lifecycle": example_lifecycle,
    "saasmetrics.engagement.GrowthAccounting": example_growth_accounting,
    "saasmetrics.engagement.FeatureAdoption": example_feature_adoption,
}
