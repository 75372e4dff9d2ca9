"""EventLog: encoding, sorting, and the documented error for each kind of bad input."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics import EventLog
from saasmetrics import eventlog as eventlog_module
from saasmetrics.eventlog import as_event_log, split_event_log
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    InputError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["u2", "u1", "u2", "u1", "u2"],
            "timestamp": pd.to_datetime(
                ["2024-01-02", "2024-01-05", "2024-01-01", "2024-01-01", "2024-01-01"]
            ),
            "event": ["login", "pay", "signup", "signup", "login"],
            "plan": ["pro", "free", "pro", "free", "pro"],
        }
    )


def test_sorted_by_user_then_time_keeping_input_order_for_ties() -> None:
    log = EventLog(_frame())
    out = log.to_frame()
    assert out["user_id"].tolist() == ["u2", "u2", "u2", "u1", "u1"]
    # u2 has two events at 2024-01-01: input rows 2 (signup) then 4 (login)
    assert out["event"].tolist() == ["signup", "login", "login", "signup", "pay"]
    assert log.row_order.tolist() == [2, 4, 0, 3, 1]
    assert log.offsets.tolist() == [0, 3, 5]
    assert log.n_users == 2
    assert list(log.events) == ["login", "pay", "signup"]
    assert log.property_values("plan").tolist() == ["pro", "pro", "pro", "free", "free"]
    assert len(log) == 5


def test_does_not_mutate_input_and_arrays_are_read_only() -> None:
    frame = _frame()
    before = frame.copy(deep=True)
    log = EventLog(frame)
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(ValueError, match="read-only"):
        log.time_ns[0] = 0


def test_missing_column() -> None:
    with pytest.raises(MissingColumnError, match=r"user_id.*Available.*user_col="):
        EventLog(_frame().rename(columns={"user_id": "uid"}))


def test_null_user_raises_with_count_and_example() -> None:
    frame = _frame()
    frame.loc[1, "user_id"] = None
    with pytest.raises(InputError, match=r"1 of 5 rows with null user ids.*'row': 1"):
        EventLog(frame)


def test_null_user_dropped_on_request_and_reported() -> None:
    frame = _frame()
    frame.loc[1, "user_id"] = None
    with pytest.warns(DataQualityWarning, match="Dropped 1 of 5"):
        log = EventLog(frame, on_invalid="drop")
    assert len(log) == 4
    assert log.validation.n_dropped == 1
    assert log.validation.reasons == {"user_id: null user ids": 1}


def test_unparseable_time() -> None:
    frame = _frame().assign(
        timestamp=["2024-01-01", "not a date", "2024-01-02", None, "2024-01-03"]
    )
    with pytest.raises(InputError, match="null timestamps"):
        EventLog(frame)
    frame.loc[3, "timestamp"] = "2024-01-04"
    with pytest.raises(InputError, match="unparseable timestamps"):
        EventLog(frame)


def test_numeric_time_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="unit='s'"):
        EventLog(_frame().assign(timestamp=np.arange(5)))


def test_empty_frame() -> None:
    with pytest.raises(EmptyDataError):
        EventLog(_frame().iloc[:0])
    frame = _frame().assign(user_id=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        with pytest.raises(EmptyDataError):
            EventLog(frame, on_invalid="drop")


def test_mixed_time_zones_are_refused() -> None:
    stamps = [
        "2024-01-01T00:00:00+00:00",
        "2024-01-01T00:00:00+02:00",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ]
    with pytest.raises(SchemaError, match="time zones"):
        EventLog(_frame().assign(timestamp=stamps))


def test_tz_aware_times_are_kept() -> None:
    frame = _frame().assign(timestamp=_frame()["timestamp"].dt.tz_localize("Europe/Berlin"))
    log = EventLog(frame)
    assert str(log.tz) == "Europe/Berlin"
    assert log.to_frame()["timestamp"].dt.tz is not None
    # wall time for calendar bucketing is the local time
    assert pd.Timestamp(int(log.wall_time_ns()[0])) == pd.Timestamp("2024-01-01")


def test_unknown_event_and_property() -> None:
    log = EventLog(_frame())
    with pytest.raises(ParameterError, match="Unknown event 'buy'"):
        log.event_code("buy")
    with pytest.raises(MissingColumnError):
        log.property_values("region")


def test_accepts_polars_and_pyarrow_when_installed() -> None:
    pa = pytest.importorskip("pyarrow")
    log = EventLog(pa.Table.from_pandas(_frame()))
    assert len(log) == 5
    pl = pytest.importorskip("polars")
    log = EventLog(pl.from_pandas(_frame()))
    assert log.n_users == 2


def test_as_event_log_reuses() -> None:
    log = EventLog(_frame())
    assert as_event_log(log) is log
    assert "EventLog" in log._repr_html_()


@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6)), min_size=1, max_size=40),
    st.randoms(use_true_random=False),
)
def test_row_order_does_not_matter_for_distinct_times(rows: list[tuple[int, int]], rnd) -> None:  # type: ignore[no-untyped-def]
    unique = sorted(set(rows))
    frame = pd.DataFrame(
        {
            "user_id": [u for u, _ in unique],
            "timestamp": pd.to_datetime([t for _, t in unique], unit="D"),
            "event": [f"e{t % 3}" for _, t in unique],
        }
    )
    shuffled = frame.sample(frac=1.0, random_state=rnd.randint(0, 10_000))
    a, b = EventLog(frame).to_frame(), EventLog(shuffled).to_frame()
    key = ["user_id", "timestamp"]
    pd.testing.assert_frame_equal(
        a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    )


def test_memory_held_is_about_the_arrays() -> None:
    """The log holds little beyond its arrays, and peaks below ~2x them while building."""
    import tracemalloc

    rng = np.random.default_rng(1)
    n = 200_000
    frame = pd.DataFrame(
        {
            "user_id": rng.integers(0, 5_000, n),
            "timestamp": pd.to_datetime(rng.integers(1.7e9, 1.73e9, n), unit="s"),
            "event": rng.choice(np.array(["a", "b", "c"]), n),
        }
    )
    tracemalloc.start()
    try:
        log = EventLog(frame, properties=[])
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held <= 1.2 * log.nbytes
    assert peak <= 2.2 * log.nbytes


@pytest.mark.parametrize("n_events", [1, 127, 128, 129, 300])
def test_event_codes_name_every_row_around_the_byte_gather(n_events: int) -> None:
    """Fewer than 128 events are gathered as bytes: the codes stay int32, read-only, exact."""
    rng = np.random.default_rng(n_events)
    names = np.array([f"e{i:03d}" for i in range(n_events)], dtype=object)
    event = np.concatenate([names, names[rng.integers(0, n_events, 500)]])
    frame = pd.DataFrame(
        {
            "user_id": rng.integers(0, 20, event.size),
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 10**6, event.size), "s"),
            "event": event,
        }
    )
    log = EventLog(frame)
    assert log.event_codes.dtype == np.int32
    assert not log.event_codes.flags.writeable
    assert len(log.events) == n_events
    got = np.asarray(log.events, dtype=object)[log.event_codes]
    np.testing.assert_array_equal(got, event[log.row_order])


def test_time_range_is_the_earliest_and_latest_event_of_any_user() -> None:
    # sorted by user, the first row is user "a"'s first event, the last user "b"'s last
    frame = pd.DataFrame(
        {
            "user_id": ["a", "b", "a", "b"],
            "event": "x",
            "timestamp": pd.to_datetime(["2024-01-05", "2024-01-01", "2024-01-09", "2024-01-03"]),
        }
    )
    log = EventLog(frame)
    assert log.time_range == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-09"))
    assert "from='2024-01-01', to='2024-01-09'" in repr(log)


def test_a_pickled_log_and_split_part_keep_their_user_codes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(eventlog_module, "MIN_EVENTS_PER_THREAD", 1)
    frame = pd.DataFrame(
        {"user_id": [3, 1, 3, 2, 2, 1], "event": "x", "timestamp": pd.date_range("2024", periods=6)}
    )
    log = EventLog(frame)
    part = split_event_log(log, 2)[-1]()
    for original in (log, part):
        copy = pickle.loads(pickle.dumps(original))
        np.testing.assert_array_equal(copy.user_codes, original.user_codes)
        assert not copy.user_codes.flags.writeable
        pd.testing.assert_frame_equal(copy.to_frame(), original.to_frame())
    # a log pickled when the user codes were a plain attribute (state as pickle gives it)
    old = object.__new__(EventLog)
    state = {name: getattr(log, name) for name in EventLog.__slots__ if not name.startswith("_u")}
    old.__setstate__((None, {**state, "user_codes": log.user_codes}))
    np.testing.assert_array_equal(old.user_codes, log.user_codes)
