"""funnel on a dask DataFrame gives exactly the pandas result, whatever the partitioning."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from saasmetrics.exceptions import DataQualityWarning, MissingColumnError
from saasmetrics.funnel import Step, funnel
from tests.scale.conftest import PARTITIONS

STEPS = ["signup", "create_project", "invite_teammate", "subscribe"]


def _same(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.units, b.units)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"order": "strict"},
        {"order": "unordered"},
        {"entry": "first", "count": "attempts"},
        {"breakdown": "channel"},
        {"breakdown": "channel", "breakdown_attribution": "last_touch"},
        {"exclusions": [("support_ticket", 1, 3)]},
    ],
)
def test_funnel_on_dask_equals_pandas(
    shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int, options: dict[str, Any]
) -> None:
    events = shuffled_events
    if "channel" not in events:
        pytest.skip("sample events have no channel property")
    expected = funnel(events, STEPS, window="14D", **options)
    got = funnel(to_dask(events, npartitions), STEPS, window="14D", **options)
    _same(got, expected)


def test_funnel_with_conditions_and_hold_constant(
    shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    steps = [Step("signup"), Step("subscribe", where={"plan": ["pro", "team"]})]
    events = shuffled_events
    if "plan" not in events:
        pytest.skip("sample events have no plan property")
    expected = funnel(events, steps, window="30D")
    got = funnel(to_dask(events, 5), steps, window="30D")
    _same(got, expected)


def test_row_order_and_partitioning_do_not_matter(
    shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    a = funnel(to_dask(shuffled_events, 3), STEPS)
    b = funnel(shuffled_events.iloc[::-1], STEPS)
    _same(a, b)


def test_pre_partitioned_frame_skips_the_shuffle(shuffled_events: pd.DataFrame) -> None:
    import dask.dataframe as dd

    by_user = shuffled_events.set_index("user_id").sort_index(kind="stable")
    ddf = dd.from_pandas(by_user, npartitions=4, sort=True)  # known divisions on user_id
    assert ddf.known_divisions
    _same(funnel(ddf, STEPS), funnel(shuffled_events, STEPS))
    # a frame the caller partitioned by user itself
    ddf2 = ddf.reset_index()  # partitions still hold whole users; nothing says so but the caller
    _same(funnel(ddf2, STEPS, partitioned_by="user_id"), funnel(shuffled_events, STEPS))


def test_warnings_come_once_from_the_merged_data(
    shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    # a step whose event occurs in some partitions only must not warn; a missing one warns once
    few = shuffled_events[shuffled_events["event"] != "subscribe"]
    rare_user = shuffled_events[shuffled_events["event"] == "subscribe"]["user_id"].iloc[0]
    rare = shuffled_events[
        (shuffled_events["event"] != "subscribe") | (shuffled_events["user_id"] == rare_user)
    ]
    funnel(to_dask(rare, 7), ["signup", "subscribe"])  # filterwarnings=error: no warning
    with pytest.warns(DataQualityWarning, match="never occurs") as caught:
        funnel(to_dask(few, 7), ["signup", "subscribe"])
    assert len([w for w in caught if "never occurs" in str(w.message)]) == 1


def test_errors_on_workers_are_saasmetrics_errors(
    shuffled_events: pd.DataFrame, to_dask: Any, client: Any
) -> None:
    with pytest.raises(MissingColumnError, match="nope"):
        funnel(to_dask(shuffled_events, 3), STEPS, breakdown="nope")
    with pytest.raises(MissingColumnError, match="uid"):
        funnel(to_dask(shuffled_events, 3), STEPS, user_col="uid")


def test_funnel_on_a_local_cluster(
    shuffled_events: pd.DataFrame, to_dask: Any, client: Any
) -> None:
    _same(
        funnel(to_dask(shuffled_events, 7), STEPS, breakdown="channel"),
        funnel(shuffled_events, STEPS, breakdown="channel"),
    )


def test_more_partitions_than_one_merge_takes(shuffled_events: pd.DataFrame, to_dask: Any) -> None:
    # 37 partitions: the funnel's partials merge in groups of up to 16, over two levels
    expected = funnel(shuffled_events, STEPS, window="14D")
    got = funnel(to_dask(shuffled_events, 37), STEPS, window="14D")
    _same(got, expected)
