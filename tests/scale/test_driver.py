"""The Dask driver's table handling: broadcast and absent tables, input order, key roles."""

from __future__ import annotations

import threading
import warnings
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from saasmetrics._validation import RowCheck, parse_timestamps
from saasmetrics.exceptions import InputError, MissingColumnError, SchemaError
from saasmetrics.funnel import funnel
from saasmetrics.health import account_features
from saasmetrics.retention import cohort_table, magic_number_search
from saasmetrics.scale import Analysis
from saasmetrics.unit_economics import rfm_summary


def _rows_per_user(frame: pd.DataFrame) -> dict[Any, list[int]]:
    return {u: list(g["row"]) for u, g in frame.groupby("user_id", sort=False)}


def _toy(keys: tuple[str | None, ...]) -> Analysis[Any, Any]:
    """Per chunk: each user's rows in the order the chunk sees them, and the other tables."""
    return Analysis(
        name="toy",
        keys=keys,
        prepare=lambda events, small, absent: (events, small, absent),
        partial=lambda chunk, _c: (
            _rows_per_user(chunk[0]),
            [len(chunk[1])],
            [chunk[2] is None],
        ),
        merge=lambda a, b: ({**a[0], **b[0]}, a[1] + b[1], a[2] + b[2]),
        finalize=lambda part, _c: part,
    )


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_broadcast_and_absent_tables_and_input_order(to_dask: Any, npartitions: int) -> None:
    # every user's rows spread over the input partitions; the shuffle must keep their order
    events = pd.DataFrame({"user_id": [f"u{i % 5}" for i in range(70)], "row": range(70)})
    small = pd.DataFrame({"channel": ["a", "b", "c"], "amount": [1.0, 2.0, 3.0]})
    toy = _toy(("user_id", None, "user_id"))
    users, small_sizes, absent = toy.run(to_dask(events, npartitions), small, None)
    assert users == _rows_per_user(events)  # every user whole, rows in input order
    assert set(small_sizes) == {3}  # the small table reached every partition whole
    assert all(absent)


def test_a_missing_key_names_its_role(shuffled_events: pd.DataFrame, to_dask: Any) -> None:
    with pytest.raises(MissingColumnError) as pandas_error:
        account_features(shuffled_events, as_of="2025-06-01", account_col="acct")
    with pytest.raises(MissingColumnError) as dask_error:
        account_features(to_dask(shuffled_events, 3), as_of="2025-06-01", account_col="acct")
    assert str(dask_error.value) == str(pandas_error.value)


def _record(call: Any) -> tuple[Any, list[tuple[type[Warning], str]]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = call()
    return value, [(w.category, str(w.message)) for w in caught]


def _scheduler(name: str) -> Any:
    """A local scheduler, with the task shuffle (a module's LocalCluster may be active)."""
    return dask.config.set({"scheduler": name, "dataframe.shuffle.method": "tasks"})


def _with_invalid_rows(events: pd.DataFrame) -> pd.DataFrame:
    """Null timestamps: every row of the first ten users, a few rows of everyone else."""
    bad = events["user_id"].isin(sorted(events["user_id"].unique())[:10])
    bad |= np.arange(len(events)) % 97 == 0
    out = events.assign(timestamp=events["timestamp"].where(~bad))
    return out.sort_values("user_id", kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("scheduler", ["threads", "sync"])
@pytest.mark.parametrize("function", [cohort_table, magic_number_search])
def test_dropped_rows_warn_once_with_the_totals(
    shuffled_events: pd.DataFrame, to_dask: Any, scheduler: str, function: Any
) -> None:
    # partitions whose users are all invalid, and partitions with a few invalid rows: one
    # warning with the whole data's counts, as in memory (was: one per partition and pass)
    events = _with_invalid_rows(shuffled_events)
    expected, expected_warnings = _record(lambda: function(events, on_invalid="drop"))
    with _scheduler(scheduler):
        got, got_warnings = _record(lambda: function(to_dask(events, 6), on_invalid="drop"))
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    assert got_warnings == expected_warnings
    assert len(got_warnings) == 1


def test_dropped_rows_warn_once_from_a_local_cluster(
    shuffled_events: pd.DataFrame, to_dask: Any, client: Any
) -> None:
    events = _with_invalid_rows(shuffled_events)
    expected, expected_warnings = _record(lambda: cohort_table(events, on_invalid="drop"))
    got, got_warnings = _record(lambda: cohort_table(to_dask(events, 5), on_invalid="drop"))
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    assert got_warnings == expected_warnings


@pytest.mark.parametrize("function", [cohort_table, funnel])
def test_bad_rows_on_a_worker_name_the_column_an_example_and_the_partition(
    shuffled_events: pd.DataFrame, to_dask: Any, client: Any, function: Any
) -> None:
    # the counts of a worker's error are one partition's: the message must not pass them off
    # as the whole data's (the pandas message says "2,062 of 14,010 rows")
    events = _with_invalid_rows(shuffled_events)
    options = {"steps": ["signup", "subscribe"]} if function is funnel else {}
    with pytest.raises(InputError) as pandas_error:
        function(events, **options)
    with pytest.raises(InputError) as dask_error:
        function(to_dask(events, 5), **options)
    message = str(dask_error.value)
    assert type(dask_error.value) is InputError
    assert message.startswith("Column 'timestamp' has ")
    assert "null timestamps" in message
    assert "Example: {'row': " in message
    assert "one partition of the dask input" in message
    assert "one partition" not in str(pandas_error.value)


def test_a_frame_indexed_by_user_said_to_be_partitioned(shuffled_events: pd.DataFrame) -> None:
    # indexed by user_id, divisions not known (as read from files written per user): the
    # key is the index, not a column; partitioned_by must still find it (was MissingColumnError)
    by_user = shuffled_events.sort_values("user_id", kind="stable").set_index("user_id")
    frame = dd.from_pandas(by_user, npartitions=3, sort=True).clear_divisions()
    steps = ["signup", "subscribe"]
    got = funnel(frame, steps, partitioned_by="user_id")
    pd.testing.assert_frame_equal(got.to_frame(), funnel(shuffled_events, steps).to_frame())


@pytest.mark.parametrize("scheduler", ["threads", "sync"])
def test_left_out_values_warn_once_with_the_totals(
    shuffled_events: pd.DataFrame, to_dask: Any, scheduler: str
) -> None:
    # missing revenue in every partition: one warning with the whole data's counts (was one
    # per partition and pass, with that partition's counts)
    events = shuffled_events.assign(
        revenue=np.where(np.arange(len(shuffled_events)) % 50 == 0, np.nan, 1.0)
    )
    options = {"value_col": "revenue", "on_invalid": "drop"}
    expected, expected_warnings = _record(lambda: cohort_table(events, **options))
    with _scheduler(scheduler):
        got, got_warnings = _record(lambda: cohort_table(to_dask(events, 4), **options))
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    assert got_warnings == expected_warnings
    assert len(got_warnings) == 1


@pytest.mark.parametrize("kind", ["offsets", "naive and aware"])
def test_time_zones_mixed_across_partitions_are_refused_as_in_memory(kind: str) -> None:
    # each partition holds one zone; the whole column holds two: pandas refuses it, so must dask
    first = ["2024-01-01 10:00+01:00", "2024-01-02 10:00+01:00"]
    second = ["2024-01-03 10:00+00:00", "2024-01-04 10:00+00:00"]
    if kind == "naive and aware":
        second = ["2024-01-03 10:00", "2024-01-04 10:00"]
    events = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "b"],
            "timestamp": pd.array(first + second, dtype=object),
            "event": ["signup", "pay", "signup", "pay"],
        }
    )
    with pytest.raises(SchemaError, match="'timestamp' mixes time zones"):
        funnel(events, steps=["signup", "pay"])
    parts = dd.concat(
        [
            dd.from_pandas(events.iloc[:2], npartitions=1),
            dd.from_pandas(events.iloc[2:], npartitions=1),
        ]
    )
    for partitioned_by in ("user_id", None):
        with pytest.raises(SchemaError, match="'timestamp' mixes time zones"):
            funnel(parts, steps=["signup", "pay"], partitioned_by=partitioned_by)


def test_one_zone_in_every_partition_is_accepted() -> None:
    events = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "b"],
            "timestamp": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-03 10:00", "2024-01-04 10:00"]
            ).tz_localize("Europe/Paris"),
            "event": ["signup", "pay", "signup", "pay"],
        }
    )
    expected = funnel(events, steps=["signup", "pay"])
    got = funnel(dd.from_pandas(events, npartitions=2, sort=False), steps=["signup", "pay"])
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())


def _invalid_partition(bad: str) -> list[pd.DataFrame]:
    """Two partitions of whole users; every row of the second is invalid (``bad``)."""
    stamps = ["2024-01-01 10:00+01:00", "2024-01-09 10:00+01:00", "2024-01-02 10:00+01:00"]
    good = pd.DataFrame(
        {
            "user_id": ["a", "a", "b"],
            "timestamp": pd.array(stamps, dtype=object),
            "event": ["signup", "pay", "signup"],
            "amount": [1.0, 2.0, 3.0],
        }
    )
    spoilt = {"unparseable": {"timestamp": pd.array(["soon", "later"], dtype=object)},
              "null id": {"user_id": pd.array([None, None], dtype=object)}}  # fmt: skip
    other = pd.DataFrame(
        {
            "user_id": ["c", "c"],
            "timestamp": good["timestamp"].iloc[:2].to_numpy(),
            "event": ["signup", "pay"],
            "amount": [4.0, 5.0],
        }
    ).assign(**spoilt[bad])
    return [good, other]


@pytest.mark.parametrize("bad", ["unparseable", "null id"])
@pytest.mark.parametrize("function", ["cohort_table", "rfm_summary"])
def test_a_partition_of_invalid_rows_only_is_dropped_as_in_memory(bad: str, function: str) -> None:
    # on_invalid="drop": in memory the invalid rows are dropped with one warning; a partition
    # holding only them was an error (EmptyDataError "No events left", IndexError, or its
    # unparsed column taken for a naive one: SchemaError "mixes time zones")
    parts = _invalid_partition(bad)
    options: dict[str, Any] = {"on_invalid": "drop"}
    if function == "rfm_summary":
        call: Any = lambda data, **kw: rfm_summary(  # noqa: E731
            data, customer_col="user_id", amount_col="amount", **kw
        ).sort_index()
    else:
        call = lambda data, **kw: cohort_table(data, freq="D", **kw).to_frame()  # noqa: E731
    expected, expected_warnings = _record(lambda: call(pd.concat(parts), **options))
    data = dd.concat([dd.from_pandas(part, npartitions=1, sort=False) for part in parts])
    by: tuple[str | None, ...] = ("user_id", None)
    if bad == "null id":  # null ids hash alike: the shuffle puts them alone in a partition
        data, by = dd.from_pandas(pd.concat(parts), npartitions=5, sort=False), (None,)
    for partitioned_by in by:
        with _scheduler("sync"):  # threads can mute warnings (next test)
            got, got_warnings = _record(
                lambda p=partitioned_by: call(data, partitioned_by=p, **options)
            )
        pd.testing.assert_frame_equal(got, expected)
        assert got_warnings == expected_warnings


def test_parsing_in_threads_leaves_the_warning_filters_as_they_were() -> None:
    # dask's default scheduler prepares partitions in threads; each parse of text timestamps
    # silenced pandas' warnings with warnings.catch_warnings, whose save and restore of the
    # process-wide filters interleaved across threads and left "ignore UserWarning" behind:
    # every later DataQualityWarning (the dropped-rows one of the same run included) was lost
    stamps = pd.Series(["2024-01-01", "2024-01-02 10:00", "soon"] * 200, name="ts")
    start = threading.Barrier(8)

    def parse() -> None:
        start.wait()
        for _ in range(30):
            parse_timestamps(stamps, rows=RowCheck(stamps.to_frame(), on_invalid="drop"))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before = list(warnings.filters)
        threads = [threading.Thread(target=parse) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert warnings.filters == before
