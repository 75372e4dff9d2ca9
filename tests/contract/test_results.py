"""Every result type: renders, gives a new frame, round-trips JSON, plots onto given axes.

Result classes register themselves (``saasmetrics._results.RESULT_TYPES``); ``EXAMPLES`` maps
each schema name to a function that builds a small real instance. A result type without an
example fails ``test_every_result_type_has_an_example``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import pandas as pd
import pytest

from saasmetrics._results import RESULT_TYPES, ResultMixin, load_result

mpl.use("Agg")

for _name in ("attribution", "funnel", "retention", "health", "unit_economics"):
    importlib.import_module(f"saasmetrics.{_name}")

EXAMPLES: dict[str, Callable[[], ResultMixin]] = {}


def example(schema: str) -> Callable[[Callable[[], ResultMixin]], Callable[[], ResultMixin]]:
    def register(fn: Callable[[], ResultMixin]) -> Callable[[], ResultMixin]:
        EXAMPLES[schema] = fn
        return fn

    return register


def _real_types() -> list[str]:
    return sorted(name for name in RESULT_TYPES if not name.startswith("tests."))


def test_every_result_type_has_an_example() -> None:
    missing = [name for name in _real_types() if name not in EXAMPLES]
    assert missing == [], f"add a contract example for {missing}"


def _frames_equal(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_freq=False, check_index_type=False)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_freq=False, check_index_type=False)


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
    frame.iloc[:, :] = None if frame.size else frame  # mutate the copy...
    _frames_equal(result.to_frame(), EXAMPLES[schema]().to_frame())  # ...result unchanged

    payload = json.dumps(result.to_dict(), allow_nan=False)  # strict JSON: no NaN tokens
    again = load_result(payload)
    assert type(again) is type(result)
    assert json.loads(again.to_json()) == json.loads(payload)
    _frames_equal(again.to_frame(), result.to_frame())

    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax
    finally:
        plt.close(fig)
