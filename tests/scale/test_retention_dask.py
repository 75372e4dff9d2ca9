"""cohort_table, magic_number_search and feature_retention on dask equal the pandas results."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from saasmetrics import EventLog
from saasmetrics.exceptions import EmptyDataError, MissingColumnError, ParameterError
from saasmetrics.retention import cohort_table, feature_retention, magic_number_search
from saasmetrics.scale import analysis, merge_all
from tests.scale.conftest import PARTITIONS


def _same_cohorts(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.counts, b.counts)
    pd.testing.assert_frame_equal(a.rates, b.rates)
    pd.testing.assert_series_equal(a.sizes, b.sizes)
    assert (a.n_users, a.n_excluded, a.as_of) == (b.n_users, b.n_excluded, b.as_of)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "options",
    [
        {"freq": "W"},
        {"freq": "MS", "kind": "unbounded"},
        {"freq": "7D", "anchor": "rolling", "cohort_freq": "MS"},
        {"freq": "W", "cohort_event": "signup", "return_event": "login", "max_periods": 6},
        {"freq": "MS", "as_of": "2024-06-30"},
    ],
)
def test_cohort_table_on_dask_equals_pandas(
    shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int, options: dict[str, Any]
) -> None:
    expected = cohort_table(shuffled_events, **options)
    got = cohort_table(to_dask(shuffled_events, npartitions), **options)
    _same_cohorts(got, expected)


def test_revenue_cohorts_on_dask(shuffled_events: pd.DataFrame, to_dask: Any) -> None:
    events = shuffled_events.assign(value=(shuffled_events.index % 7).astype(float))
    expected = cohort_table(events, freq="MS", value_col="value")
    _same_cohorts(cohort_table(to_dask(events, 5), freq="MS", value_col="value"), expected)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("combinations", [1, 2])
def test_magic_numbers_on_dask_equal_pandas(
    shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int, combinations: int
) -> None:
    options: dict[str, Any] = {
        "signup_event": "signup",
        "max_threshold": 5,
        "combinations": combinations,
        "candidates": None if combinations == 1 else ["invite_teammate", "create_report", "login"],
    }
    expected = magic_number_search(shuffled_events, **options)
    got = magic_number_search(to_dask(shuffled_events, npartitions), **options)
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    assert (got.n_users, got.n_retained, got.n_excluded, got.n_below_support) == (
        expected.n_users,
        expected.n_retained,
        expected.n_excluded,
        expected.n_below_support,
    )


def test_magic_numbers_with_retained_flags_on_dask(
    shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    users = shuffled_events["user_id"].drop_duplicates().sort_values()
    flags = pd.Series(users.str[-1].isin(list("02468")).to_numpy(), index=users.to_numpy())
    expected = magic_number_search(shuffled_events, retained=flags, window="7D")
    got = magic_number_search(to_dask(shuffled_events, 3), retained=flags, window="7D")
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_feature_retention_on_dask_equals_pandas(
    shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int
) -> None:
    features = ["invite_teammate", "connect_integration", "export_data"]
    expected = feature_retention(shuffled_events, features, signup_event="signup")
    got = feature_retention(to_dask(shuffled_events, npartitions), features, signup_event="signup")
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    assert (got.n_users, got.n_excluded) == (expected.n_users, expected.n_excluded)


def test_an_event_missing_from_some_partitions_is_not_unknown(
    shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    # one user's rows are the only 'connect_integration' events: most partitions lack it
    rare = shuffled_events[shuffled_events["event"] == "connect_integration"]["user_id"].iloc[0]
    events = shuffled_events[
        (shuffled_events["event"] != "connect_integration") | (shuffled_events["user_id"] == rare)
    ]
    expected = feature_retention(events, ["connect_integration"], signup_event="signup")
    got = feature_retention(to_dask(events, 7), ["connect_integration"], signup_event="signup")
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    with pytest.raises(ParameterError, match="Unknown event 'nope'"):
        feature_retention(to_dask(events, 7), ["nope"], signup_event="signup")
    with pytest.raises(ParameterError, match="Unknown event 'nope'"):
        cohort_table(to_dask(events, 7), cohort_event="nope")


def test_merge_is_commutative_and_associative(shuffled_events: pd.DataFrame) -> None:
    plan = analysis(cohort_table, freq="W")
    users = shuffled_events["user_id"].unique()
    chunks = [
        plan.prepare(shuffled_events[shuffled_events["user_id"].isin(users[i::4])])
        for i in range(4)
    ]
    end = max(plan.context(c) for c in chunks)
    parts = [plan.partial(c, end) for c in chunks]
    forward = plan.finalize(merge_all(plan.merge, parts), end)
    backward = plan.finalize(merge_all(plan.merge, parts[::-1]), end)
    nested = plan.finalize(
        plan.merge(parts[0], plan.merge(parts[2], plan.merge(parts[3], parts[1]))), end
    )
    whole = cohort_table(EventLog(shuffled_events), freq="W")
    for result in (forward, backward, nested):
        _same_cohorts(result, whole)


def test_bad_input_through_dask(shuffled_events: pd.DataFrame, to_dask: Any, client: Any) -> None:
    with pytest.raises(MissingColumnError, match="value"):
        cohort_table(to_dask(shuffled_events, 3), value_col="value")
    with pytest.raises(EmptyDataError):
        cohort_table(to_dask(shuffled_events, 3), as_of="2000-01-01")
    bad = shuffled_events.assign(timestamp=shuffled_events["timestamp"].astype(str))
    bad.loc[bad.index[5], "timestamp"] = "not a time"
    with pytest.raises(Exception, match="not a time") as info:
        cohort_table(to_dask(bad, 3))
    assert type(info.value).__module__ == "saasmetrics.exceptions"


def test_cohort_table_on_a_local_cluster(
    shuffled_events: pd.DataFrame, to_dask: Any, client: Any
) -> None:
    _same_cohorts(
        cohort_table(to_dask(shuffled_events, 7), freq="W"), cohort_table(shuffled_events, freq="W")
    )
    got = magic_number_search(to_dask(shuffled_events, 7), signup_event="signup", max_threshold=5)
    expected = magic_number_search(shuffled_events, signup_event="signup", max_threshold=5)
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
