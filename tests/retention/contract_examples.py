"""Small real instances of every retention result, for the shared contract tests.

``EXAMPLES`` maps schema names to builders; tests/contract/test_results.py can merge it with
``EXAMPLES.update(retention_examples.EXAMPLES)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from saasmetrics._results import ResultMixin
from saasmetrics.retention import (
    cohort_table,
    cumulative_incidence,
    feature_retention,
    kaplan_meier,
    lifecycle_stages,
    logrank_test,
    magic_number_search,
    restricted_mean_survival_time,
)

WEEKS = np.array(
    [
        *[6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35],
        *[1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23],
    ],
    float,
)
RELAPSED = np.array(
    [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0] + [1] * 21, dtype=bool
)
ARM = np.array(["6-MP"] * 21 + ["placebo"] * 21)
THREE = np.where(np.arange(42) % 3 == 0, "other", ARM)


def events() -> pd.DataFrame:
    rows = []
    t0 = pd.Timestamp("2024-01-01")
    for u in range(40):
        start = t0 + pd.Timedelta(hours=5 * u)
        rows.append((f"u{u}", start, "signup"))
        rows += [(f"u{u}", start + pd.Timedelta(hours=1 + k), "invite") for k in range(u % 4)]
        if u % 4 >= 2 or u % 5 == 0:
            rows.append((f"u{u}", start + pd.Timedelta(days=8), "login"))
            rows.append((f"u{u}", start + pd.Timedelta(days=15 + u % 7), "login"))
    rows.append(("u0", t0 + pd.Timedelta(days=40), "login"))
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "saasmetrics.retention.CohortTable": lambda: cohort_table(events(), freq="W"),
    "saasmetrics.retention.MagicNumbers": lambda: magic_number_search(
        events(), signup_event="signup", max_threshold=4, combinations=2
    ),
    "saasmetrics.retention.FeatureRetention": lambda: feature_retention(
        events(), ["invite", "login"], signup_event="signup"
    ),
    "saasmetrics.retention.SurvivalCurve": lambda: kaplan_meier(
        np.array([1, 2, 2, 3, 5, 8.0]), np.array([True, True, False, True, False, True])
    ),
    "saasmetrics.retention.LogRankTest": lambda: logrank_test(WEEKS, RELAPSED, THREE),
    "saasmetrics.retention.RestrictedMeanSurvival": lambda: restricted_mean_survival_time(
        WEEKS, RELAPSED, 20, ARM
    ),
    "saasmetrics.retention.CumulativeIncidence": lambda: cumulative_incidence(
        WEEKS, np.where(RELAPSED, np.where(np.arange(42) % 2 == 0, "a", "b"), None), ARM
    ),
    "saasmetrics.retention.LifecycleStages": lambda: lifecycle_stages(
        [1.0, 0.45, 0.33, 0.27, 0.24, 0.23, 0.225, 0.22]
    ),
}
