"""Result-contract checks for attribution result variants beyond the shared examples.

The shared contract (tests/contract/test_results.py) runs one example per result type from
``contract_examples.py``; these variants (ordered Shapley, heuristics) exercise optional fields.
"""

from __future__ import annotations

import json

import matplotlib as mpl
import pandas as pd
import pytest

from saasmetrics._results import load_result
from saasmetrics.attribution import FirstTouch, attribute
from tests.attribution.contract_examples import example_journeys, example_shapley

mpl.use("Agg")


@pytest.mark.parametrize(
    "build", [example_shapley, lambda: attribute(example_journeys(), FirstTouch())]
)
def test_variants_round_trip_and_plot(build: object) -> None:
    import matplotlib.pyplot as plt

    result = build()  # type: ignore[operator]
    assert "\n" not in repr(result)
    payload = json.dumps(result.to_dict(), allow_nan=False)
    again = load_result(payload)
    assert json.loads(again.to_json()) == json.loads(payload)
    pd.testing.assert_frame_equal(again.to_frame(), result.to_frame(), check_index_type=False)
    if getattr(result, "by_position", None) is not None:
        pd.testing.assert_frame_equal(again.by_position, result.by_position, check_index_type=False)
    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax
    finally:
        plt.close(fig)
