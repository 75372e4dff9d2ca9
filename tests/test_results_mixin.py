"""The result mixin and its JSON codec, on a small result defined here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from saasmetrics._results import ResultMixin, from_jsonable, load_result, to_jsonable
from saasmetrics.exceptions import InputError


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Toy(ResultMixin):
    table: pd.DataFrame
    weights: pd.Series
    when: pd.Timestamp
    window: pd.Timedelta
    steps: tuple[str, ...]
    score: float

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        return {"rows": len(self.table), "score": round(self.score, 3)}

    def plot(self, *, ax: Any = None) -> Any:
        return ax


def _toy() -> Toy:
    table = pd.DataFrame(
        {
            "users": np.array([10, 4], dtype=np.int64),
            "rate": [1.0, np.nan],
            "first": pd.to_datetime(["2024-01-01", None]),
            "wait": pd.to_timedelta(["1h", "2D"]),
            "label": ["a", "b"],
        },
        index=pd.Index(["s1", "s2"], name="step"),
    )
    weights = pd.Series([0.5, 0.5], index=pd.date_range("2024-01-01", periods=2, tz="UTC"))
    return Toy(
        table=table,
        weights=weights,
        when=pd.Timestamp("2024-05-01 12:00"),
        window=pd.Timedelta("7D"),
        steps=("a", "b"),
        score=float("inf"),
    )


def test_round_trip_is_exact() -> None:
    toy = _toy()
    text = toy.to_json(allow_nan=False)
    back = Toy.from_json(text)
    pd.testing.assert_frame_equal(back.table, toy.table)
    pd.testing.assert_series_equal(back.weights, toy.weights, check_freq=False)
    assert back.when == toy.when
    assert back.window == toy.window
    assert back.steps == toy.steps
    assert back.score == float("inf")
    assert isinstance(load_result(text), Toy)


def test_payload_is_plain_json_with_schema() -> None:
    payload = _toy().to_dict()
    assert payload["schema"] == "tests.test_results_mixin.Toy"
    assert payload["schema_version"] == 1
    assert payload["summary"] == {"rows": 2, "score": "inf"}
    json.dumps(payload, allow_nan=False)


def test_repr_and_html() -> None:
    toy = _toy()
    assert repr(toy) == "Toy(rows=2, score=inf)"
    assert "<table" in toy._repr_html_()


def test_wrong_schema_or_version_is_refused() -> None:
    payload = _toy().to_dict()
    with pytest.raises(InputError, match="version"):
        Toy.from_dict({**payload, "schema_version": 99})
    with pytest.raises(InputError, match="Unknown result schema"):
        load_result({**payload, "schema": "nope"})


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_datetime_units_survive(unit: str) -> None:
    index = pd.DatetimeIndex(pd.to_datetime(["2024-01-01", "2024-02-01"])).as_unit(unit)
    frame = pd.DataFrame({"t": index, "d": pd.to_timedelta(["1h", "2h"]).as_unit(unit)})
    frame.index = index.tz_localize("Asia/Tokyo")
    back = from_jsonable(json.loads(json.dumps(to_jsonable(frame))))
    pd.testing.assert_frame_equal(back, frame)


def test_multiindex_and_arrays() -> None:
    frame = pd.DataFrame(
        {"x": [1, 2]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["k", "n"])
    )
    pd.testing.assert_frame_equal(from_jsonable(json.loads(json.dumps(to_jsonable(frame)))), frame)
    arr = np.array([[1.0, np.nan], [3.0, 4.0]])
    np.testing.assert_array_equal(from_jsonable(to_jsonable(arr)), arr)


def test_categories_survive_unused_and_ordered() -> None:
    """Unused categories and their order are part of the dtype: a round trip keeps them."""
    plan = pd.CategoricalDtype(["free", "pro", "enterprise"], ordered=True)
    frame = pd.DataFrame(
        {"plan": pd.Categorical(["pro", None], dtype=plan), "n": [1, 2]},
        index=pd.CategoricalIndex([3, 1], categories=[1, 2, 3], name="account"),
    )
    back = from_jsonable(json.loads(json.dumps(to_jsonable(frame))))
    pd.testing.assert_frame_equal(back, frame)
    series = frame["plan"]
    pd.testing.assert_series_equal(
        from_jsonable(json.loads(json.dumps(to_jsonable(series)))), series
    )


def test_category_payloads_written_before_categories_were_kept_still_load() -> None:
    payload = to_jsonable(pd.DataFrame({"c": pd.Categorical(["a", "b"])}))
    del payload["categories"]
    back = from_jsonable(payload)
    assert back["c"].tolist() == ["a", "b"]
    assert isinstance(back["c"].dtype, pd.CategoricalDtype)


def test_timestamps_and_timedeltas_in_object_data_come_back_as_such() -> None:
    """Object columns, series and indexes of timestamps are not read back as ISO text."""
    stamps = [pd.Timestamp("2024-01-01"), None, pd.Timestamp("2024-02-01 12:00")]
    zoned = [pd.Timestamp("2024-01-01", tz="Europe/Paris"), None, None]  # missing: None
    frame = pd.DataFrame(
        {
            "when": pd.Series(stamps, dtype=object),
            "zoned": pd.Series(zoned, dtype=object),
            "gap": pd.Series([pd.Timedelta("1D"), None, pd.Timedelta("2h")], dtype=object),
            "text": pd.Series(["2024-01-01", None, "x"], dtype=object),
        }
    )
    frame.index = pd.Index(
        [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02"), None], dtype=object
    )
    back = from_jsonable(json.loads(json.dumps(to_jsonable(frame))))
    pd.testing.assert_frame_equal(back, frame)
    assert back["when"].iloc[0] == pd.Timestamp("2024-01-01")
    assert back["zoned"].iloc[0] == zoned[0]  # the same instant (the zone as its offset)
    assert back["text"].iloc[0] == "2024-01-01"  # text stays text
    series = frame["gap"]
    pd.testing.assert_series_equal(
        from_jsonable(json.loads(json.dumps(to_jsonable(series)))), series
    )


def test_a_funnel_broken_down_by_a_categorical_of_dates_round_trips() -> None:
    from saasmetrics.funnel import FunnelResult, funnel

    events = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-02-01", "2024-02-03", "2024-02-05"]
            ),
            "event": ["a", "b", "a", "b", "a"],
        }
    )
    events["month"] = pd.Categorical(events["timestamp"].dt.to_period("M").dt.start_time)
    result = funnel(events, steps=["a", "b"], breakdown="month")
    back = FunnelResult.from_json(result.to_json())
    pd.testing.assert_frame_equal(back.table, result.table)
    pd.testing.assert_frame_equal(back.units, result.units)
