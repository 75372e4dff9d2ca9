"""Small real instances of every health result, for the shared result contract.

tests/contract/test_results.py imports ``EXAMPLES`` (schema name -> builder) from here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from saasmetrics._results import ResultMixin
from saasmetrics.health import (
    ChurnRiskModel,
    HealthConfig,
    HealthMeasure,
    HealthScoreModel,
    KeyUserInactiveRule,
    NoUseRule,
    early_warnings,
    quadrants,
)


def _accounts() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {"a": rng.normal(size=12), "b": rng.integers(0, 9, 12).astype(float)},
        index=pd.Index([f"acc{i}" for i in range(12)], name="account_id"),
    )


def health_scores() -> ResultMixin:
    acc = _accounts()
    config = HealthConfig(
        measures=[
            HealthMeasure(column="a", critical=-1.5),
            HealthMeasure(column="b", normalization="goal", goal=6),
        ]
    )
    model = HealthScoreModel(config).fit(acc)
    return model.score(acc, previous=model.score(acc.assign(b=acc["b"] - 1)))


def health_quadrants() -> ResultMixin:
    temperature = pd.Series(np.linspace(0, 1, 12), index=_accounts().index)
    return quadrants(health_scores().score, temperature)  # type: ignore[attr-defined]


def _risk_model() -> tuple[ChurnRiskModel, pd.DataFrame]:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"x": rng.normal(size=200), "z": rng.normal(size=200)})
    frame["churned"] = rng.random(200) < 1 / (1 + np.exp(1.5 - frame["x"]))
    return ChurnRiskModel(features=["x", "z"]).fit(frame), frame


def risk_summary() -> ResultMixin:
    return _risk_model()[0].summary()


def risk_evaluation() -> ResultMixin:
    model, frame = _risk_model()
    return model.evaluate(frame)


def early_warning_alerts() -> ResultMixin:
    events = pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "user_id": ["u1", "u2", "u3"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-20", "2024-02-25"]),
            "event": ["create_report", "login", "login"],
        }
    )
    rules = [NoUseRule(event="create_report", days=30), KeyUserInactiveRule(days=3)]
    return early_warnings(events, rules, as_of="2024-03-01")


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "saasmetrics.health.EarlyWarnings": early_warning_alerts,
    "saasmetrics.health.HealthScores": health_scores,
    "saasmetrics.health.Quadrants": health_quadrants,
    "saasmetrics.health.RiskEvaluation": risk_evaluation,
    "saasmetrics.health.RiskSummary": risk_summary,
}
