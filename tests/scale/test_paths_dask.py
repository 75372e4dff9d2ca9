"""paths and conversion_paths on a dask DataFrame give exactly the pandas result."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from saasmetrics.exceptions import MissingColumnError, ParameterError
from saasmetrics.funnel import conversion_paths, paths
from saasmetrics.scale import analysis
from tests.scale.conftest import PARTITIONS


def _same_paths(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.transitions, b.transitions)
    pd.testing.assert_frame_equal(a.edges, b.edges)
    assert (a.start, a.goal, a.max_steps, a.session_gap) == (
        b.start,
        b.goal,
        b.max_steps,
        b.session_gap,
    )


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"start": "signup", "goal": "subscribe"},
        {"start": "login", "max_steps": 3, "collapse_repeats": False},
        {"goal": "invite_teammate", "session_gap": "2h"},
    ],
)
def test_paths_on_dask_equal_pandas(
    shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int, options: dict[str, Any]
) -> None:
    expected = paths(shuffled_events, **options)
    got = paths(to_dask(shuffled_events, npartitions), **options)
    _same_paths(got, expected)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "options", [{}, {"start": "signup"}, {"max_steps": 2, "collapse_repeats": False}]
)
def test_conversion_paths_on_dask_equal_pandas(
    shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int, options: dict[str, Any]
) -> None:
    expected = conversion_paths(shuffled_events, "subscribe", **options)
    got = conversion_paths(to_dask(shuffled_events, npartitions), "subscribe", **options)
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    assert got.overall_rate == expected.overall_rate


def test_a_goal_in_one_partition_only_is_not_unknown(
    shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    # the goal occurs for one user only: the other partitions must not call it unknown
    user = shuffled_events.loc[shuffled_events["event"] == "subscribe", "user_id"].iloc[0]
    rare = shuffled_events[
        (shuffled_events["event"] != "subscribe") | (shuffled_events["user_id"] == user)
    ]
    expected = conversion_paths(rare, "subscribe")
    got = conversion_paths(to_dask(rare, 7), "subscribe")
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    assert got.to_frame()["conversions"].sum() >= 1


def test_merge_is_commutative_and_matches_one_chunk(shuffled_events: pd.DataFrame) -> None:
    plan = analysis(paths, start="signup", goal="subscribe")
    users = shuffled_events["user_id"].drop_duplicates()
    a_users = set(users.iloc[::2])
    chunks = [
        shuffled_events[shuffled_events["user_id"].isin(a_users)],
        shuffled_events[~shuffled_events["user_id"].isin(a_users)],
    ]
    a, b = (plan.partial(plan.prepare(c), None) for c in chunks)
    one = plan.finalize(plan.merge(a, b), None)
    other = plan.finalize(plan.merge(b, a), None)
    whole = paths(shuffled_events, start="signup", goal="subscribe")
    _same_paths(one, whole)
    _same_paths(other, whole)


def test_bad_input_through_dask_gets_the_pandas_errors(
    shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    ddf = to_dask(shuffled_events, 3)
    with pytest.raises(MissingColumnError, match="uid"):
        paths(ddf, user_col="uid")
    with pytest.raises(MissingColumnError, match="when"):
        paths(shuffled_events, time_col="when")
    with pytest.raises(MissingColumnError, match="when"):
        paths(ddf, time_col="when")
    with pytest.raises(ParameterError, match="Unknown event 'nope'") as pandas_error:
        conversion_paths(shuffled_events, "nope")
    with pytest.raises(ParameterError, match="Unknown event 'nope'") as dask_error:
        conversion_paths(ddf, "nope")
    assert str(dask_error.value) == str(pandas_error.value)
    with pytest.raises(ParameterError, match="max_steps"):
        paths(ddf, max_steps=0)


def test_paths_on_a_local_cluster(shuffled_events: pd.DataFrame, to_dask: Any, client: Any) -> None:
    _same_paths(
        paths(to_dask(shuffled_events, 7), start="signup", goal="subscribe"),
        paths(shuffled_events, start="signup", goal="subscribe"),
    )
    with pytest.raises(MissingColumnError, match="uid"):
        paths(to_dask(shuffled_events, 3), user_col="uid")
