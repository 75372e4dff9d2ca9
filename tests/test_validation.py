"""The validation boundary: timestamps of every kind, row checks, parameter checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from saasmetrics._frames import to_pandas
from saasmetrics._validation import (
    RowCheck,
    check_choice,
    check_positive_timedelta,
    parse_end_timestamps,
    parse_timestamps,
    require_columns,
)
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    InputError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_datetime_columns_of_any_unit(unit: str) -> None:
    s = pd.Series(
        pd.to_datetime(["2024-01-01", "2024-06-01 12:30"], format="ISO8601").as_unit(unit), name="t"
    )
    parsed = parse_timestamps(s)
    assert parsed.tz is None
    assert parsed.ns.tolist() == [
        pd.Timestamp("2024-01-01").value,
        pd.Timestamp("2024-06-01 12:30").value,
    ]


def test_tz_aware_stored_as_utc() -> None:
    s = pd.Series(pd.to_datetime(["2024-01-01 01:00"]).tz_localize("Europe/Paris"), name="t")
    parsed = parse_timestamps(s)
    assert parsed.ns[0] == pd.Timestamp("2024-01-01 00:00", tz="UTC").value
    assert str(parsed.to_datetime()[0].tz) == "Europe/Paris"


def test_strings_with_one_offset_are_aware() -> None:
    s = pd.Series(["2024-01-01T10:00:00+02:00", "2024-01-02T10:00:00+02:00"], name="t")
    parsed = parse_timestamps(s)
    assert parsed.tz is not None
    assert parsed.ns[0] == pd.Timestamp("2024-01-01T08:00:00Z").value


def test_dates_and_datetimes_mixed_in_strings_are_parsed() -> None:
    s = pd.Series(["2024-01-01", "2024-01-02 12:00", "2024-01-03T08:00:00"], name="t")
    assert parse_timestamps(s).to_datetime()[1] == pd.Timestamp("2024-01-02 12:00")


def test_python_datetimes_mixing_naive_and_aware_are_refused() -> None:
    s = pd.Series(
        [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, tzinfo=dt.UTC)], name="t", dtype=object
    )
    with pytest.raises(SchemaError, match="mixes time zones"):
        parse_timestamps(s)


def test_timestamps_beyond_nanoseconds_are_an_input_error() -> None:
    s = pd.Series(np.array(["2024-01-01", "9999-12-31"], dtype="datetime64[us]"), name="t")
    with pytest.raises(InputError, match="outside the nanosecond range"):
        parse_timestamps(s)


def test_numpy_and_python_durations_are_accepted() -> None:
    assert check_positive_timedelta("w", np.timedelta64(7, "D")) == pd.Timedelta("7D")
    assert check_positive_timedelta("w", dt.timedelta(hours=2)) == pd.Timedelta("2h")


def test_bool_and_numbers_are_schema_errors() -> None:
    with pytest.raises(SchemaError, match="bool"):
        parse_timestamps(pd.Series([True, False], name="t"))
    with pytest.raises(SchemaError, match="float64"):
        parse_timestamps(pd.Series([1.5, 2.5], name="t"))


def test_row_check_drop_reports_every_reason() -> None:
    frame = pd.DataFrame({"id": [1, None, 3, 4], "t": ["2024-01-01", "x", None, "2024-01-02"]})
    rows = RowCheck(frame, on_invalid="drop", name="events")
    rows.flag(frame["id"].isna().to_numpy(), "id", "null ids")
    parse_timestamps(frame["t"], rows=rows)
    with pytest.warns(DataQualityWarning, match=r"Dropped 2 of 4 rows of events"):
        report = rows.finish()
    assert report.reasons == {
        "id: null ids": 1,
        "t: null timestamps": 1,
        "t: unparseable timestamps": 1,
    }
    assert report.n_kept == 2
    assert rows.keep.tolist() == [True, False, False, True]


def test_row_check_raise_names_column_count_and_example() -> None:
    frame = pd.DataFrame({"amount": [5.0, -1.0, -2.0]})
    rows = RowCheck(frame, name="invoices")
    with pytest.raises(InputError) as info:
        rows.flag((frame["amount"] < 0).to_numpy(), "amount", "negative amounts")
    text = str(info.value)
    assert "'amount'" in text
    assert "2 of 3 rows" in text
    assert "'row': 1" in text
    assert info.value.code == "invalid-input"


def test_parameter_checks() -> None:
    with pytest.raises(ParameterError, match=r"\['a', 'b'\]"):
        check_choice("mode", "c", ["a", "b"])
    for bad in ("-1D", "0s", "soon", 7, 7.5):
        with pytest.raises(ParameterError):
            check_positive_timedelta("window", bad)


def test_require_columns_and_empty_frames() -> None:
    with pytest.raises(MissingColumnError, match="start_col="):
        require_columns(pd.DataFrame({"x": [1]}), {"start_col": "start"})
    with pytest.raises(EmptyDataError, match="subscriptions has no rows"):
        to_pandas(pd.DataFrame({"x": []}), name="subscriptions")
    with pytest.raises(SchemaError, match="pandas DataFrame"):
        to_pandas(np.zeros(3))


def test_an_unparseable_end_does_not_spoil_the_open_ends() -> None:
    # active subscriptions (no end) were dropped with an unparseable closed end; on dask the
    # filler is each partition's first closed end, so results depended on the partitioning
    ends = pd.Series(["soon", None, "2024-03-01", None], dtype=object, name="end")
    rows = RowCheck(ends.to_frame(), on_invalid="drop", name="subscriptions")
    _, open_end = parse_end_timestamps(ends, rows=rows)
    assert open_end.tolist() == [False, True, False, True]
    assert rows.bad.tolist() == [True, False, False, False]


def test_a_view_of_rows_flags_the_rows_it_stands_for() -> None:
    frame = pd.DataFrame({"x": range(6)})
    rows = RowCheck(frame, on_invalid="drop", name="t")
    view = rows.at(np.array([1, 3, 5]))
    view.flag(np.array([False, True, True]), "x", "odd")
    view.at(np.array([0])).flag(np.array([True]), "x", "first")  # a view of a view
    assert rows.bad.tolist() == [False, True, False, True, False, True]
    assert rows.reasons == {"x: odd": 2, "x: first": 1}
    strict = RowCheck(frame, name="t").at(np.array([4, 5]))
    with pytest.raises(InputError, match="1 of 6 rows") as caught:
        strict.flag(np.array([False, True]), "x", "bad")
    assert "'row': 5" in str(caught.value)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_nanosecond_columns_are_read_without_a_copy_and_equal_the_conversion(unit: str) -> None:
    values = np.array([0, 1_700_000_000, -5, 86_399], dtype=np.int64)
    series = pd.Series(values.astype(f"datetime64[{unit}]"), name="t")
    series.iloc[2] = pd.NaT
    rows = RowCheck(series.to_frame(), on_invalid="drop", name="data")
    parsed = parse_timestamps(series, rows=rows)
    expected = series.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)
    np.testing.assert_array_equal(parsed.ns[rows.keep], expected[rows.keep])
    assert np.shares_memory(parsed.ns, series.to_numpy()) == (unit == "ns")


def test_a_nanosecond_column_read_as_a_view_can_not_be_written_through() -> None:
    # the view is the caller's column: on pandas 2 (no copy-on-write) it came back writable,
    # so a write to the parsed times would have changed the caller's frame
    frame = pd.DataFrame({"t": pd.to_datetime(["2024-01-01", "2024-01-02"]).as_unit("ns")})
    before = frame.copy(deep=True)
    parsed = parse_timestamps(frame["t"])
    assert not parsed.ns.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        parsed.ns[0] = 0
    pd.testing.assert_frame_equal(frame, before)
