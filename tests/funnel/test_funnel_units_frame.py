"""The funnel's units frame owns its step-time columns: changing it changes no partial."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from saasmetrics import config, eventlog
from saasmetrics.funnel import funnel
from saasmetrics.funnel._analysis import merge_many_partials
from saasmetrics.scale import analysis


def test_editing_a_results_units_leaves_the_partial_and_a_second_finalize_alone() -> None:
    events = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3],
            "event": ["a", "b", "a", "b", "a"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03", "2024-01-05"]
            ),
        }
    )
    plan = analysis(funnel, steps=["a", "b"], window="7D")
    chunk = plan.prepare(events)
    context = plan.context(chunk)
    part = plan.partial(chunk, context)
    first = plan.finalize(part, context)
    expected = first.units.copy()
    step_column = [c for c in first.units.columns if c.startswith("at_")][-1]
    first.units.loc[0, step_column] = pd.Timestamp("2030-01-01")  # a user edits the result
    again = plan.finalize(part, context)
    pd.testing.assert_frame_equal(again.units, expected)


def _events(ids: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ids * 2,
            "event": ["a"] * len(ids) + ["b"] * len(ids),
            "timestamp": pd.to_datetime(["2024-01-01"] * len(ids) + ["2024-01-02"] * len(ids)),
            "plan": pd.Categorical(["free", "pro"] * len(ids), categories=["pro", "free"]),
        }
    )


@pytest.mark.parametrize("count", ["users", "attempts"])
def test_chunks_merge_into_the_order_of_the_whole(count: str) -> None:
    # chunks of interleaved integer ids (each in id order), one with int32 ids: the merged
    # units are those of the whole, in its order, whether the parts merge in place or not
    plan = analysis(funnel, steps=["a", "b"], window="7D", count=count, breakdown="plan")
    chunks = [_events([9, 2, 5, 0]), _events([7, 1, 8]), _events([4, 3, 6])]
    chunks[1]["user_id"] = chunks[1]["user_id"].astype("int32")
    whole = funnel(
        pd.concat(chunks, ignore_index=True),
        ["a", "b"],
        window="7D",
        count=count,
        breakdown="plan",
    )
    parts = [plan.partial(plan.prepare(chunk), None) for chunk in chunks]
    assert all(part.in_id_order for part in parts)
    for group in (parts, parts[::2]):  # mixed id dtypes: concatenated; the same: merged
        merged = merge_many_partials(group)
        assert merged.in_id_order == (len(group) == 2)
    result = plan.finalize(merge_many_partials(parts), None)
    pd.testing.assert_frame_equal(result.units, whole.units, check_dtype=False)
    assert result.units["user"].tolist() == list(range(10))
    pd.testing.assert_frame_equal(result.to_frame(), whole.to_frame())


def test_text_ids_are_put_in_order_by_finalize() -> None:
    plan = analysis(funnel, steps=["a", "b"], window="7D")
    parts = [plan.partial(plan.prepare(_events(ids)), None) for ids in (["b", "d"], ["c", "a"])]
    assert not any(part.in_id_order for part in parts)
    result = plan.finalize(merge_many_partials(parts), None)
    assert result.units["user"].tolist() == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    "values",
    [
        ["pro", "free", "pro", None],  # object text: not read as str when merged
        [dt.datetime(2024, 1, 1), None, dt.datetime(2024, 2, 1), dt.datetime(2024, 3, 1)],
    ],
)
def test_an_object_breakdown_keeps_its_dtype_whatever_the_threads(
    monkeypatch: pytest.MonkeyPatch, values: list[object]
) -> None:
    monkeypatch.setattr(eventlog, "MIN_EVENTS_PER_THREAD", 1)
    events = _events([1, 2, 3, 4])
    events["plan"] = pd.Series(values * 2, dtype=object)
    results = []
    for threads in (1, 2):
        with config.threads(threads):
            results.append(funnel(events, ["a", "b"], breakdown="plan"))
    one, two = results
    assert two.units["plan"].dtype == object
    pd.testing.assert_frame_equal(one.units, two.units)
    assert one.to_json() == two.to_json()


def test_chunks_of_other_breakdown_dtypes_merge_as_frames_concatenate() -> None:
    # a bool breakdown in one chunk, integers in the other: as pd.concat of the units frames
    plan = analysis(funnel, steps=["a", "b"], window="7D", breakdown="plan")
    chunks = [_events([3, 1]), _events([2, 4])]
    chunks[0]["plan"] = [True, False] * 2
    chunks[1]["plan"] = [1, 2] * 2
    parts = [plan.partial(plan.prepare(chunk), None) for chunk in chunks]
    merged = merge_many_partials(parts)
    assert merged.in_id_order
    expected = pd.concat([p.units for p in parts], ignore_index=True)["plan"]
    assert merged.units["plan"].dtype == expected.dtype
    assert merged.units["plan"].tolist() == [0, 1, 1, 2]  # users 1, 2, 3, 4
