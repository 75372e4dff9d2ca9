"""The result contract (as tests/contract/test_results.py checks it) for attribution results.

Until the shared contract test has examples for these schemas, this file runs the same checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import pandas as pd
import pytest

from saasmetrics._results import ResultMixin, load_result
from saasmetrics.attribution import (
    FirstTouch,
    Journeys,
    MarkovModel,
    ShapleyModel,
    attribute,
    channel_report,
    compare_models,
)

mpl.use("Agg")

PATHS = pd.DataFrame(
    {
        "path": ["a > b", "b", "a > c > b"],
        "conversions": [2, 1, 1],
        "nulls": [1, 3, 0],
        "value": [20.0, 5.5, 9.0],
    }
)


def _journeys() -> Journeys:
    return Journeys.from_paths(PATHS, value_col="value")


def _report() -> ResultMixin:
    sessions = pd.DataFrame(
        {
            "user_id": ["u", "v"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "channel": ["Email", "Paid Search"],
            "pageviews": [2, 1],
            "duration_s": [30, 0],
        }
    )
    return channel_report(sessions)


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "journeys": _journeys,
    "markov": lambda: attribute(_journeys(), MarkovModel()),
    "shapley": lambda: attribute(_journeys(), ShapleyModel(ordered=True)),
    "first": lambda: attribute(_journeys(), FirstTouch()),
    "comparison": lambda: compare_models(_journeys()),
    "report": _report,
}


def _equal(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_freq=False, check_index_type=False)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_result_contract(name: str) -> None:
    import matplotlib.pyplot as plt

    result = EXAMPLES[name]()
    text = repr(result)
    assert "\n" not in text
    assert text.startswith(type(result).__name__)
    assert "<table" in result._repr_html_()
    frame = result.to_frame()
    # (``frame.iloc[:, :] = None`` raises for float columns under pandas 3: mutate otherwise)
    frame["mutated"] = 1
    frame.iloc[:, 0] = frame.iloc[:, 0].iloc[::-1].to_numpy()
    _equal(result.to_frame(), EXAMPLES[name]().to_frame())
    payload = json.dumps(result.to_dict(), allow_nan=False)
    again = load_result(payload)
    assert type(again) is type(result)
    assert json.loads(again.to_json()) == json.loads(payload)
    _equal(again.to_frame(), result.to_frame())
    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax
    finally:
        plt.close(fig)
