"""cohort_table: a pandas oracle, business invariants, options and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    MissingColumnError,
    ParameterError,
)
from saasmetrics.retention import CohortTable, cohort_table

START = pd.Timestamp("2024-01-01")


@st.composite
def event_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    users = draw(st.lists(st.sampled_from(list("abcdefg")), min_size=n, max_size=n))
    hours = draw(st.lists(st.integers(0, 24 * 70), min_size=n, max_size=n))
    names = draw(st.lists(st.sampled_from(["signup", "login", "pay"]), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "user_id": users,
            "timestamp": START + pd.to_timedelta(hours, unit="h"),
            "event": names,
            "amount": np.arange(n, dtype=float),
        }
    )


def oracle(frame: pd.DataFrame, freq: str, kind: str, anchor: str) -> pd.DataFrame:
    """Slow cohort rates with pandas Periods, following the documented definitions."""
    as_of = frame["timestamp"].max()
    period_freq = {"MS": "M"}.get(freq, freq)
    first = frame.groupby("user_id")["timestamp"].min()
    cohort = first.dt.to_period(period_freq)
    rows = {}
    for user, t0 in first.items():
        times = frame.loc[frame["user_id"] == user, "timestamp"]
        if anchor == "calendar":
            ks = {(t.to_period(period_freq) - t0.to_period(period_freq)).n for t in times}
        else:
            ks = {int((t - t0) // pd.Timedelta("7D")) for t in times}
        rows[user] = ks
    cohorts = sorted(set(cohort))
    horizon = 1 + max(max(k) for k in rows.values())
    out = {}
    for c in cohorts:
        members = [u for u in rows if cohort[u] == c]
        latest = max(first[u] for u in members)
        if anchor == "calendar":
            n_complete = (as_of.to_period(period_freq) - latest.to_period(period_freq)).n
        else:
            n_complete = int((as_of - latest) // pd.Timedelta("7D"))
        values = []
        for k in range(max(horizon, n_complete)):
            if k > 0 and k >= n_complete:
                values.append(np.nan)
                continue
            if kind == "classic":
                hit = sum(k in rows[u] for u in members)
            else:
                hit = sum(max(rows[u]) >= k for u in members)
            values.append(hit / len(members))
        out[c.start_time] = values
    width = max(len(v) for v in out.values())
    return pd.DataFrame({c: v + [np.nan] * (width - len(v)) for c, v in out.items()}).T


@pytest.mark.parametrize(
    ("freq", "kind", "anchor"),
    [
        ("W", "classic", "calendar"),
        ("D", "unbounded", "calendar"),
        ("MS", "classic", "calendar"),
        ("W", "classic", "rolling"),
        ("W", "unbounded", "rolling"),
    ],
)
@given(frame=event_frames())
def test_rates_match_pandas_oracle(frame: pd.DataFrame, freq: str, kind: str, anchor: str) -> None:
    table = cohort_table(frame, freq=freq, kind=kind, anchor=anchor)
    expected = oracle(frame, freq, kind, anchor)
    got = table.rates.loc[table.sizes > 0]
    assert list(got.index) == list(expected.index)
    np.testing.assert_allclose(got.to_numpy()[:, : expected.shape[1]], expected.to_numpy())
    assert np.isnan(got.to_numpy()[:, expected.shape[1] :]).all()


@given(frame=event_frames(), seed=st.integers(0, 2**16))
def test_invariants(frame: pd.DataFrame, seed: int) -> None:
    classic = cohort_table(frame, freq="W")
    unbounded = cohort_table(frame, freq="W", kind="unbounded")
    rates = classic.rates.to_numpy()
    assert np.nanmin(rates) >= 0
    assert np.nanmax(rates) <= 1
    # unbounded >= classic wherever both are defined; NaN in the same cells
    u = unbounded.rates.to_numpy()
    assert np.array_equal(np.isnan(u), np.isnan(rates))
    assert (np.nan_to_num(u) >= np.nan_to_num(rates)).all()
    # unbounded is non-increasing along each cohort and in its pooled (chained) curve
    assert (np.diff(u[:, :], axis=1)[~np.isnan(np.diff(u, axis=1))] <= 1e-12).all()
    curve = unbounded.curve()
    assert (np.diff(curve.to_numpy()) <= 1e-12).all()
    assert curve.iloc[0] == 1.0
    # cohort sizes sum to the users
    assert classic.sizes.sum() == frame["user_id"].nunique() == classic.n_users
    # row order is irrelevant
    shuffled = frame.sample(frac=1.0, random_state=seed)
    pd.testing.assert_frame_equal(cohort_table(shuffled, freq="W").rates, classic.rates)


def test_curve_methods_on_a_known_table() -> None:
    # two cohorts: 4 users (2 back in week 1, 1 in week 2) and 2 users (2 back in week 1)
    users = ["a", "b", "c", "d", "e", "f"]
    first = ["2024-01-01"] * 4 + ["2024-01-08"] * 2
    rows = [(u, t) for u, t in zip(users, first, strict=True)]
    rows += [
        ("a", "2024-01-09"),
        ("b", "2024-01-10"),
        ("a", "2024-01-16"),
        ("e", "2024-01-16"),
        ("f", "2024-01-17"),
    ]
    frame = pd.DataFrame(rows, columns=["user_id", "timestamp"]).assign(event="x")
    table = cohort_table(frame, freq="W", as_of="2024-01-22")
    assert table.counts.iloc[0].tolist() == [4.0, 2.0, 1.0]
    assert table.counts.iloc[1].tolist()[:2] == [2.0, 2.0]
    assert np.isnan(table.counts.iloc[1, 2])
    weighted = table.curve(method="weighted").tolist()
    assert weighted == pytest.approx([1.0, 4 / 6, 1 / 4])
    mean = table.curve(method="mean").tolist()
    assert mean == pytest.approx([1.0, (0.5 + 1.0) / 2, 0.25])
    chained = table.curve().tolist()
    assert chained == pytest.approx([1.0, 4 / 6, 4 / 6 * (1 / 2)])


def test_cohort_and_return_events_and_exclusions() -> None:
    frame = pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "b", "c"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-09", "2024-01-03", "2024-01-10", "2024-01-04"]
            ),
            "event": ["visit", "signup", "login", "signup", "visit", "visit"],
        }
    )
    table = cohort_table(
        frame, freq="W", cohort_event="signup", return_event="login", as_of="2024-01-15"
    )
    assert (table.n_users, table.n_excluded) == (2, 1)
    assert table.counts.iloc[0].tolist() == [2.0, 1.0]  # b's visit is no return
    with pytest.raises(ParameterError, match="Unknown event 'nope'"):
        cohort_table(frame, cohort_event="nope")


def test_revenue_retention() -> None:
    frame = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05", "2024-02-05"]),
            "event": "pay",
            "mrr": [100.0, 120.0, 50.0, 0.0],
        }
    )
    table = cohort_table(frame, freq="MS", value_col="mrr", as_of="2024-03-01")
    assert table.sizes.iloc[0] == 150.0
    assert table.rates.iloc[0].tolist() == pytest.approx([1.0, 0.8])
    with pytest.raises(ParameterError, match="classic"):
        cohort_table(frame, value_col="mrr", kind="unbounded")


def test_bad_input_is_named() -> None:
    frame = pd.DataFrame({"user_id": ["a"], "timestamp": ["2024-01-01"], "event": ["x"]})
    with pytest.raises(ParameterError, match="kind"):
        cohort_table(frame, kind="sticky")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="freq"):
        cohort_table(frame, freq="fortnight")
    with pytest.raises(ParameterError, match="max_periods"):
        cohort_table(frame, max_periods=0)
    with pytest.raises(MissingColumnError):
        cohort_table(frame, user_col="uid")
    with pytest.raises(EmptyDataError):
        cohort_table(frame, as_of="2023-01-01")


def test_max_periods_polars_and_no_mutation() -> None:
    pl = pytest.importorskip("polars")
    frame = pd.DataFrame(
        {
            "user_id": ["a", "a", "a"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-30"]),
            "event": "x",
        }
    )
    before = frame.copy()
    table = cohort_table(frame, freq="W", max_periods=2)
    assert table.rates.shape == (1, 2)
    pd.testing.assert_frame_equal(frame, before)
    via_polars = cohort_table(pl.from_pandas(frame), freq="W", max_periods=2)
    pd.testing.assert_frame_equal(via_polars.rates, table.rates)
    assert isinstance(table, CohortTable)


@pytest.mark.parametrize("kind", ["classic", "unbounded", "rolling"])
def test_max_periods_is_the_first_columns_of_the_full_table(kind: str) -> None:
    # A return after the last kept period still counts for unbounded retention: user "a" is
    # active in weeks 0 and 8, so with max_periods=4 it is retained in weeks 1-3 (unbounded)
    # and not at all (classic); the capped table is the full table's first columns.
    frame = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "b", "b"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-02-26", "2024-01-02", "2024-01-10", "2024-01-17"]
            ),
            "event": "x",
        }
    )
    options = {"freq": "W", "kind": kind, "as_of": "2024-03-31"}
    full = cohort_table(frame, **options)  # type: ignore[arg-type]
    capped = cohort_table(frame, max_periods=4, **options)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(capped.counts, full.counts.iloc[:, :4])
    pd.testing.assert_frame_equal(capped.rates, full.rates.iloc[:, :4])
    expected = [2, 2, 2, 1] if kind != "classic" else [2, 1, 1, 0]
    assert capped.counts.iloc[0].tolist() == expected


def test_plots_return_axes() -> None:
    import matplotlib.pyplot as plt

    frame = pd.DataFrame(
        {
            "user_id": ["a", "a", "b"],
            "event": "x",
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02"]),
        }
    )
    table = cohort_table(frame, freq="W")
    for kind in ("heatmap", "curve"):
        fig, ax = plt.subplots()
        assert table.plot(ax=ax, kind=kind) is ax  # type: ignore[arg-type]
        plt.close(fig)
    fig, ax = plt.subplots()
    cohort_table(frame, freq="W", as_of="2024-01-15").plot(ax=ax, annotate=True)
    assert [t.get_text() for t in ax.texts] == ["100%", "50%"]
    plt.close(fig)


def test_eventlog_frame_timezones_and_dropped_rows() -> None:
    import warnings

    from saasmetrics import EventLog
    from saasmetrics.exceptions import DataQualityWarning, InputError

    frame = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "b", None],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 23:30",
                    "2024-01-08 10:00",
                    "2024-01-02 00:00",
                    "2024-01-20 00:00",
                    "2024-01-03 00:00",
                ]
            ),
            "event": ["x", "y", "x", "y", "x"],
            "mrr": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    with pytest.raises(InputError, match="null user ids"):
        cohort_table(frame)
    with pytest.warns(DataQualityWarning, match="Dropped 1"):
        dropped = cohort_table(frame, on_invalid="drop", as_of="2024-01-29")
    clean = frame.dropna()
    from_log = cohort_table(EventLog(clean), as_of="2024-01-29")
    pd.testing.assert_frame_equal(dropped.counts, from_log.counts)
    revenue = cohort_table(EventLog(clean), value_col="mrr", as_of="2024-01-29")
    assert revenue.sizes.iloc[0] == 4.0
    # tz-aware input: calendar periods follow the wall clock of the data's zone
    aware = clean.assign(timestamp=clean["timestamp"].dt.tz_localize("America/New_York"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = cohort_table(aware, as_of=pd.Timestamp("2024-01-29", tz="America/New_York"))
    pd.testing.assert_frame_equal(table.counts, from_log.counts)


def test_rolling_durations_need_a_cohort_grain() -> None:
    frame = pd.DataFrame(
        {
            "user_id": ["a", "a", "b", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-03", "2024-01-04"]),
            "event": "x",
        }
    )
    with pytest.raises(ParameterError, match="cohort_freq"):
        cohort_table(frame, freq="7D", anchor="rolling")
    table = cohort_table(frame, freq="7D", anchor="rolling", cohort_freq="MS")
    first = table.counts.iloc[0]
    assert first.iloc[0] == 2.0
    assert first.iloc[1:].isna().all()  # b started on the 3rd: only one complete week
    table = cohort_table(frame, freq="7D", anchor="rolling", cohort_freq="MS", as_of="2024-02-01")
    assert table.counts.iloc[0].tolist() == [2.0, 0.0, 1.0, 0.0]


@given(
    frame=event_frames(),
    freq=st.sampled_from(["D", "W", "MS", "W-MON"]),
    kind=st.sampled_from(["classic", "unbounded", "rolling"]),
    anchor=st.sampled_from(["calendar", "rolling"]),
    cohort_event=st.sampled_from([None, "signup"]),
    return_event=st.sampled_from([None, "login"]),
    max_periods=st.sampled_from([None, 1, 3]),
)
def test_any_options_give_a_consistent_table(
    *,
    frame: pd.DataFrame,
    freq: str,
    kind: str,
    anchor: str,
    cohort_event: str | None,
    return_event: str | None,
    max_periods: int | None,
) -> None:
    try:
        table = cohort_table(
            frame,
            freq=freq,
            kind=kind,  # type: ignore[arg-type]
            anchor=anchor,  # type: ignore[arg-type]
            cohort_event=cohort_event if cohort_event in set(frame["event"]) else None,
            return_event=return_event if return_event in set(frame["event"]) else None,
            max_periods=max_periods,
        )
    except EmptyDataError:
        assert cohort_event is not None
        return
    rates = table.rates.to_numpy()
    assert np.nanmin(rates) >= 0
    assert np.nanmax(rates) <= 1
    assert (table.rates.iloc[:, 0][table.sizes > 0] == 1.0).all()
    assert table.sizes.sum() == table.n_users
    assert table.n_users + table.n_excluded == frame["user_id"].nunique()
    if max_periods is not None:
        assert table.rates.shape[1] <= max_periods
    for method in ("chained", "weighted", "mean"):
        curve = table.curve(method=method)  # type: ignore[arg-type]
        assert curve.between(0, 1).all()


def _outcome(data: object, **kw: object) -> object:
    """The cohort table's frame and counts, or the error's type (warnings aside)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            table = cohort_table(data, **kw)  # type: ignore[arg-type]
        except ParameterError as error:
            return type(error)
    return table.to_frame(), table.n_users, table.n_excluded


@given(frame=event_frames(), spacing=st.integers(1, 5))
def test_integer_ids_with_gaps_count_like_an_event_log(frame: pd.DataFrame, spacing: int) -> None:
    """From a frame, integer ids are coded by offset (ids in the gaps are no users)."""
    from saasmetrics import EventLog

    frame["user_id"] = frame["user_id"].map({u: 100 + spacing * i for i, u in enumerate("abcdefg")})
    for kw in ({}, {"cohort_event": "pay"}, {"return_event": "login"}):
        got, expected = _outcome(frame, **kw), _outcome(EventLog(frame), **kw)
        if isinstance(expected, tuple) and isinstance(got, tuple):
            pd.testing.assert_frame_equal(got[0], expected[0])
            assert got[1:] == expected[1:]
        else:
            assert got == expected


def test_null_event_names_are_still_errors_without_an_event_filter() -> None:
    """The event column is not factorized when no option reads it, but it is validated."""
    from saasmetrics.exceptions import InputError

    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02"]),
            "event": ["a", None, "b"],
        }
    )
    with pytest.raises(InputError, match="null event names"):
        cohort_table(frame)


@pytest.mark.parametrize(
    "ids",
    [
        np.array([-3, 5, -3, 9, 5, 9, 0, 2], dtype=np.int64),
        np.iinfo(np.int64).max - np.array([0, 4, 0, 7, 4, 7, 1, 2], dtype=np.int64),
        np.iinfo(np.int64).min + np.array([0, 4, 0, 7, 4, 7, 1, 2], dtype=np.int64),
        np.array([3, 0, 3, 6, 0, 6, 1, 2], dtype=np.uint64) + np.uint64(2**63 - 10),
        np.array([3, 0, 3, 6, 0, 6, 1, 2], dtype=np.uint64) + np.uint64(2**63),
        np.array([3, 0, 3, 6, 0, 6, 1, 2], dtype=np.int32),
    ],
    ids=["negative", "near-int64-max", "near-int64-min", "uint64", "uint64-above-int64", "int32"],
)
def test_extreme_integer_ids_with_dropped_rows_count_like_an_event_log(ids: np.ndarray) -> None:
    """Ids coded by offset (or not) after invalid rows are dropped: values stay aligned."""
    from saasmetrics import EventLog

    frame = pd.DataFrame(
        {
            "user_id": ids,
            "timestamp": [
                *("2024-01-01", "2024-01-09", "bad", "2024-01-02"),
                *("2024-01-20", "2024-02-03", "2024-01-15", "2024-01-16"),
            ],
            "event": ["a", "b", "a", None, "a", "b", "a", "b"],
            "value": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0],
        }
    )
    with pytest.warns(DataQualityWarning, match="Dropped 2 of 8 rows"):
        ours = cohort_table(frame, value_col="value", on_invalid="drop")
    clean = frame.drop(index=[2, 3]).astype({"timestamp": "datetime64[ns]"})
    expected = cohort_table(EventLog(clean), value_col="value")
    pd.testing.assert_frame_equal(ours.to_frame(), expected.to_frame())
    assert (ours.n_users, ours.n_excluded) == (expected.n_users, expected.n_excluded) == (5, 0)


@given(
    frame=event_frames(),
    as_of_hours=st.one_of(st.none(), st.integers(0, 24 * 70)),
    max_periods=st.one_of(st.none(), st.integers(1, 8)),
    freq=st.sampled_from(["D", "W", "W-SUN", "MS"]),
    tz=st.sampled_from([None, "America/New_York"]),
)
def test_first_period_cohorts_equal_the_general_path(
    frame: pd.DataFrame, as_of_hours: int | None, max_periods: int | None, freq: str, tz: str | None
) -> None:
    """The default table (cohort = period of the first row) equals the one from first times."""
    from saasmetrics.retention import _cohorts

    if tz is not None:
        # generated wall times may fall in a daylight-saving gap or overlap: read them as UTC
        frame = frame.assign(timestamp=frame["timestamp"].dt.tz_localize("UTC").dt.tz_convert(tz))
    as_of = None
    if as_of_hours is not None:
        as_of = frame["timestamp"].min() + pd.Timedelta(hours=as_of_hours)
    options = {"freq": freq, "as_of": as_of, "max_periods": max_periods}
    fast = cohort_table(frame, **options)
    general = _cohorts._cohort_is_first_period
    _cohorts._cohort_is_first_period = lambda log, s: False  # type: ignore[assignment]
    try:
        slow = cohort_table(frame, **options)
    finally:
        _cohorts._cohort_is_first_period = general
    pd.testing.assert_frame_equal(fast.counts, slow.counts)
    pd.testing.assert_series_equal(fast.sizes, slow.sizes)
    assert fast.to_json() == slow.to_json()


def test_first_period_partial_of_an_empty_chunk_is_empty() -> None:
    """An engine may hand the partial a chunk without rows: nothing counted, no error."""
    from saasmetrics._kernels.periods import parse_freq
    from saasmetrics.retention._cohorts import _CohortSettings, _first_period_partial
    from saasmetrics.retention._common import Encoded

    empty = np.zeros(0, dtype=np.int64)
    log = Encoded(empty, empty.astype(np.int8), empty, pd.Index([]), pd.Index(["x"]), None)
    week = parse_freq("W")
    settings = _CohortSettings(week, week, "classic", "calendar", None, None, None, None, "W")
    part = _first_period_partial(log, 0, settings)
    assert part.counts.shape == (0, 1)
    assert part.n_users.size == 0
    assert part.n_excluded == 0
