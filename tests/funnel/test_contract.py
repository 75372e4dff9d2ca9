"""Result-contract checks for funnel result variants beyond the shared examples.

The shared contract (tests/contract/test_results.py) runs one example per result type from
``contract_examples.py``; these variants exercise the other modes and options.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import matplotlib as mpl
import pandas as pd
import pytest

from saasmetrics._results import ResultMixin, load_result
from saasmetrics.funnel import Step, funnel, paths
from tests.funnel.contract_examples import example_events

mpl.use("Agg")

VARIANTS: list[Callable[[], ResultMixin]] = [
    lambda: funnel(example_events(), ["signup", "create_project"]),  # no breakdown
    lambda: funnel(example_events(), ["signup", "subscribe"], order="unordered", count="attempts"),
    lambda: funnel(
        example_events(),
        ["signup", Step("create_project", where={"channel": "Email"})],
        exclusions=[("subscribe", 0, 1)],
        hold_constant="channel",
        breakdown="channel",
        breakdown_attribution="step:1",
    ),
    lambda: funnel(
        example_events().assign(timestamp=lambda f: f["timestamp"].dt.tz_localize("UTC")),
        ["signup", "create_project"],
        order="strict",
    ),
    lambda: paths(example_events(), max_steps=1),
]


@pytest.mark.parametrize("build", VARIANTS)
def test_variants_round_trip_and_plot(build: Callable[[], ResultMixin]) -> None:
    import matplotlib.pyplot as plt

    result = build()
    assert "\n" not in repr(result)
    payload = json.dumps(result.to_dict(), allow_nan=False)
    again = load_result(payload)
    assert json.loads(again.to_json()) == json.loads(payload)
    pd.testing.assert_frame_equal(again.to_frame(), result.to_frame(), check_index_type=False)
    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax
    finally:
        plt.close(fig)
