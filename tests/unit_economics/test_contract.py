"""The shared result contract (tests/contract/test_results.py) applied to this module's results.

The builders below are the examples to register in tests/contract/test_results.py EXAMPLES.
"""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from saasmetrics._results import ResultMixin, load_result
from saasmetrics.unit_economics import MRRBridge, RevenueProjection, mrr_bridge, project_revenue


def example_bridge() -> MRRBridge:
    return mrr_bridge(
        pd.DataFrame(
            {
                "customer_id": ["a", "b", "a", "c"],
                "start": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-01", "2024-02-01"]),
                "end": pd.to_datetime(["2024-03-01", "2024-04-10", None, None]),
                "mrr": [100.0, 50.0, 130.0, 20.0],
            }
        )
    )


def example_projection() -> RevenueProjection:
    return project_revenue(
        1000.0,
        50.0,
        0.05,
        0.01,
        periods=6,
        simulations=20,
        arpa=10.0,
        seed=0,
        retention=[1.0, 0.9, 0.85, 0.8, 0.78, 0.76, 0.75],
    )


@pytest.mark.parametrize("build", [example_bridge, example_projection])
def test_result_contract(build) -> None:
    result: ResultMixin = build()
    text = repr(result)
    assert "\n" not in text
    assert text.startswith(type(result).__name__)
    assert "<table" in result._repr_html_()
    frame = result.to_frame()
    frame.iloc[:, :] = 0
    pd.testing.assert_frame_equal(result.to_frame(), build().to_frame())
    payload = json.dumps(result.to_dict(), allow_nan=False)
    again = load_result(payload)
    assert type(again) is type(result)
    assert json.loads(again.to_json()) == json.loads(payload)
    pd.testing.assert_frame_equal(again.to_frame(), result.to_frame(), check_freq=False)
    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax
    finally:
        plt.close(fig)
