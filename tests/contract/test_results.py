"""Every result type: renders, gives a new frame, round-trips JSON, plots onto given axes.

Result classes register themselves in ``saasmetrics._results.RESULT_TYPES``. Each module's tests
keep small real instances in ``tests/<module>/contract_examples.py`` (``EXAMPLES``: schema name
to builder); a registered result type without an example fails
``test_every_result_type_has_an_example``.
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

MODULES = ("attribution", "funnel", "engagement", "retention", "health", "unit_economics")
EXAMPLES: dict[str, Callable[[], ResultMixin]] = {}
for _name in MODULES:
    importlib.import_module(f"saasmetrics.{_name}")
    try:
        _examples = importlib.import_module(f"tests.{_name}.contract_examples")
    except ModuleNotFoundError as exc:  # a module without results yet
        if exc.name not in (f"tests.{_name}", f"tests.{_name}.contract_examples"):
            raise
        continue
    EXAMPLES.update(_examples.EXAMPLES)


def test_every_result_type_has_an_example() -> None:
    real = sorted(name for name in RESULT_TYPES if name.startswith("saasmetrics."))
    missing = [name for name in real if name not in EXAMPLES]
    assert missing == [], f"add a contract example for {missing}"


def _frames_equal(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a, b, check_freq=False, check_index_type=False)


@pytest.mark.parametrize("schema", sorted(EXAMPLES))
def test_result_contract(schema: str) -> None:
    import matplotlib.pyplot as plt

    result = EXAMPLES[schema]()
    assert type(result).schema_name() == schema
    text = repr(result)
    assert "\n" not in text, "repr must be one line"
    assert text.startswith(type(result).__name__)
    assert "<table" in result._repr_html_()

    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    for i in range(frame.shape[1]):  # scribble on the copy (dtype-preserving)...
        frame.iloc[:, i] = frame.iloc[::-1, i].to_numpy()
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
