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


# --------------------------------------------------------------------------- exact round trip
def _assert_same(a: Any, b: Any, where: str) -> None:
    """``a`` and ``b`` equal in value *and* type/dtype (NaN equal to NaN)."""
    import math

    import numpy as np

    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), where
        pd.testing.assert_frame_equal(a, b, check_freq=False, obj=where)
    elif isinstance(a, pd.Series):
        assert isinstance(b, pd.Series), where
        pd.testing.assert_series_equal(a, b, check_freq=False, obj=where)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), where
        assert a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, ResultMixin):
        assert type(a) is type(b), where
        _assert_fields_same(a, b, where)
    elif isinstance(a, dict):
        assert isinstance(b, dict), where
        assert list(a) == list(b), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b), where
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float), f"{where}: {a!r} != {b!r}"
        assert math.isnan(b), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"
        assert type(a) is type(b) or (a is None and b is None), f"{where}: {type(a)} != {type(b)}"


def _assert_fields_same(a: ResultMixin, b: ResultMixin, where: str) -> None:
    import dataclasses

    for field in dataclasses.fields(a):  # type: ignore[arg-type]
        _assert_same(getattr(a, field.name), getattr(b, field.name), f"{where}.{field.name}")


def _float_fields(result: ResultMixin) -> list[str]:
    import dataclasses

    return [
        f.name
        for f in dataclasses.fields(result)  # type: ignore[arg-type]
        if isinstance(getattr(result, f.name), float)
    ]


@pytest.mark.parametrize("schema", sorted(EXAMPLES))
def test_json_round_trip_is_exact(schema: str) -> None:
    """``from_json(to_json(r))`` equals ``r`` field by field, dtypes included (issue 14, item 2)."""
    result = EXAMPLES[schema]()
    again = type(result).from_json(result.to_json())
    _assert_fields_same(result, again, schema)


def test_json_round_trip_keeps_object_and_str_columns() -> None:
    from saasmetrics._results import from_jsonable, to_jsonable

    frame = pd.DataFrame(
        {
            "obj": pd.array(["a", None, "c"], dtype=object),
            "txt": pd.array(["a", None, "c"], dtype="str"),
            "mixed": pd.array([1, "b", None], dtype=object),
            "f": [1.0, float("nan"), float("inf")],
        },
        index=pd.Index(["k1", "k2", "k3"], dtype=object, name="key"),
    )
    again = from_jsonable(json.loads(json.dumps(to_jsonable(frame), allow_nan=False)))
    pd.testing.assert_frame_equal(again, frame)


def _nan_strategy() -> Any:
    from hypothesis import strategies as st

    return st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324])


try:
    from hypothesis import given
    from hypothesis import strategies as st

    @given(schema=st.sampled_from(sorted(EXAMPLES)), data=st.data())
    def test_json_round_trip_with_special_floats(schema: str, data: Any) -> None:
        """Any float field set to NaN, +-inf or an extreme value survives the round trip."""
        import dataclasses

        result = EXAMPLES[schema]()
        names = _float_fields(result)
        chosen = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
        changes = {name: data.draw(_nan_strategy()) for name in chosen}
        special = dataclasses.replace(result, **changes)  # type: ignore[type-var]
        text = special.to_json(allow_nan=False)
        again = type(special).from_json(text)
        _assert_fields_same(special, again, schema)
        assert repr(again) == repr(special)
        again.to_frame()
        assert json.loads(again.to_json()) == json.loads(text)
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass
