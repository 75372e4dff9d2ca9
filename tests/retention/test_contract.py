"""Every retention result: one-line repr, HTML, a new frame, strict JSON round trip, plot."""

from __future__ import annotations

import json

import matplotlib as mpl
import pandas as pd
import pytest

from saasmetrics._results import RESULT_TYPES, load_result
from tests.retention.contract_examples import EXAMPLES

mpl.use("Agg")


def test_every_retention_result_has_an_example() -> None:
    ours = {name for name in RESULT_TYPES if name.startswith("saasmetrics.retention.")}
    assert ours == set(EXAMPLES)


@pytest.mark.parametrize("schema", sorted(EXAMPLES))
def test_result_contract(schema: str) -> None:
    import matplotlib.pyplot as plt

    result = EXAMPLES[schema]()
    assert type(result).schema_name() == schema
    text = repr(result)
    assert "\n" not in text
    assert text.startswith(type(result).__name__)
    assert "<table" in result._repr_html_()
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    for i in range(frame.shape[1]):  # scribble on the copy (dtype-preserving)...
        frame.iloc[:, i] = frame.iloc[::-1, i].to_numpy()
    # ...the result is unchanged
    pd.testing.assert_frame_equal(result.to_frame(), EXAMPLES[schema]().to_frame())
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
