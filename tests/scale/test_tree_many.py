"""The dask driver's merge tree: groups (merge_many) carry what pairwise merges carry."""

from __future__ import annotations

import random
from typing import Any

import dask
import pytest

from saasmetrics._dask import _Carried, _tree
from saasmetrics._validation import TimeZonesSeen, ValidationReport
from saasmetrics.exceptions import ParameterError
from saasmetrics.scale import Analysis


def _items(n: int, rng: random.Random) -> list[_Carried]:
    items = []
    for i in range(n):
        empty = rng.random() < 0.6
        warned = ((UserWarning, f"w{rng.randrange(3)}"),) if rng.random() < 0.3 else ()
        reports: Any = (
            ("events", ValidationReport(n_rows=3, n_dropped=i % 2, reasons={f"r{i % 3}": i % 2})),
            ("events.timestamp time zones", TimeZonesSeen("timestamp", (f"z{i % 2}",))),
        )[: rng.randrange(3)]
        items.append(_Carried(None if empty else (i,), warned, empty, reports))
    return items


@pytest.mark.parametrize("n", [1, 2, 3, 5, 16, 17, 31, 33, 40, 257])
def test_groups_carry_what_pairs_carry(n: int) -> None:
    rng = random.Random(n)
    for _ in range(5):
        items = _items(n, rng)
        pairs = _tree(dask.delayed, lambda a, b: a + b, list(items))
        groups = _tree(dask.delayed, lambda a, b: a + b, list(items), lambda ps: sum(ps, ()))
        (a, b) = dask.compute(pairs, groups, scheduler="sync")
        assert (b.value, b.empty) == (a.value, a.empty)
        # against the sequential fold: order kept (concatenation does not commute)
        kept = tuple(i for i, item in enumerate(items) if not item.empty)
        assert a.empty == (not kept)
        assert a.value == (kept or None)
        assert set(b.warned) == set(a.warned)
        assert dict(b.reports) == dict(a.reports)


def _failing_many(_parts: Any) -> Any:
    raise ParameterError("merge_many failed on purpose")


def test_an_error_in_merge_many_on_a_worker_reaches_the_caller(client: Any) -> None:
    import dask.dataframe as dd
    import pandas as pd

    plan: Analysis[Any, Any] = Analysis(
        name="toy",
        keys=("user_id",),
        prepare=lambda frame: frame,
        partial=lambda frame, _c: len(frame),
        merge=lambda a, b: a + b,
        finalize=lambda total, _c: total,
        merge_many=_failing_many,
    )
    frame = pd.DataFrame({"user_id": [f"u{i}" for i in range(40)], "x": range(40)})
    assert plan.run(frame) == 40
    with pytest.raises(ParameterError, match="on purpose"):
        plan.run(dd.from_pandas(frame, npartitions=5, sort=False))


def test_funnel_over_mostly_empty_partitions_in_a_time_zone(shuffled_events: Any) -> None:
    # most of 33 partitions hold no step event; tz-aware times; attempts with a breakdown
    import dask.dataframe as dd
    import pandas as pd

    from saasmetrics.funnel import funnel

    steps = ["signup", "create_project", "invite_teammate"]
    users = set(shuffled_events["user_id"].unique()[:6])
    events = shuffled_events[
        shuffled_events["user_id"].isin(users) | ~shuffled_events["event"].isin(steps)
    ]
    events = events.assign(timestamp=events["timestamp"].dt.tz_localize("UTC"))
    options: dict[str, Any] = {"window": "14D", "count": "attempts", "breakdown": "channel"}
    expected = funnel(events, steps, **options)
    got = funnel(dd.from_pandas(events, npartitions=33, sort=False), steps, **options)
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    pd.testing.assert_frame_equal(got.units, expected.units)
