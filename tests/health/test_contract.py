"""Register small real instances of the health results with the shared result contract.

The shared contract (tests/contract/test_results.py) needs one example per result type; its
EXAMPLES registry lives in that module, so we register ours here and run the same checks on
them. (The shared check mutates ``to_frame()`` with ``frame.iloc[:, :] = None``, which pandas 3
refuses for float columns; we mutate with NaN instead until that is fixed on main.)
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

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


def _contract_module():  # type: ignore[no-untyped-def]
    module = sys.modules.get("tests.contract.test_results")
    if module is None:
        import importlib

        module = importlib.import_module("tests.contract.test_results")
    return module


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
            HealthMeasure(column="a"),
            HealthMeasure(column="b", normalization="goal", goal=6),
        ]
    )
    return HealthScoreModel(config).fit(acc).score(acc)


def health_quadrants() -> ResultMixin:
    scores = health_scores()
    temperature = pd.Series(np.linspace(0, 1, 12), index=_accounts().index)
    return quadrants(scores, temperature)


def _risk_model():  # type: ignore[no-untyped-def]
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
    return early_warnings(
        events,
        [NoUseRule(event="create_report", days=30), KeyUserInactiveRule(days=3)],
        as_of="2024-03-01",
    )


BUILDERS = {
    "saasmetrics.health.EarlyWarnings": early_warning_alerts,
    "saasmetrics.health.RiskSummary": risk_summary,
    "saasmetrics.health.RiskEvaluation": risk_evaluation,
    "saasmetrics.health.HealthScores": health_scores,
    "saasmetrics.health.Quadrants": health_quadrants,
}

_registry = _contract_module()
for _schema, _builder in BUILDERS.items():
    _registry.EXAMPLES.setdefault(_schema, _builder)


@pytest.mark.parametrize("schema", sorted(BUILDERS))
def test_health_results_meet_the_result_contract(schema: str) -> None:
    import json

    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    from saasmetrics._results import load_result

    result = BUILDERS[schema]()
    assert type(result).schema_name() == schema
    text = repr(result)
    assert "\n" not in text
    assert text.startswith(type(result).__name__)
    assert "<table" in result._repr_html_()
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    for col in frame.columns:  # mutate the copy...
        frame[col] = np.nan
    pd.testing.assert_frame_equal(result.to_frame(), BUILDERS[schema]().to_frame())  # ...not it
    payload = json.dumps(result.to_dict(), allow_nan=False)
    again = load_result(payload)
    assert type(again) is type(result)
    assert json.loads(again.to_json()) == json.loads(payload)
    pd.testing.assert_frame_equal(again.to_frame(), result.to_frame(), check_index_type=False)
    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax
    finally:
        plt.close(fig)
