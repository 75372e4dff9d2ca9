"""Period bucketing kernels against pandas' own Period arithmetic (the slow oracle)."""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels.periods import (
    CALENDAR_FREQS,
    calendar_period,
    day_calendar_period,
    elapsed_at_most,
    parse_freq,
    period_start_ns,
    rolling_period,
)

# 1950..2090 in nanoseconds, including times before the epoch (negative values).
times = st.integers(min_value=-630_000_000 * 10**9, max_value=3_800_000_000 * 10**9)
PANDAS_PERIOD = {"MS": "M", "QS": "Q", "YS": "Y"}


@pytest.mark.parametrize("freq", CALENDAR_FREQS)
@given(values=st.lists(times, min_size=1, max_size=30))
def test_calendar_period_matches_pandas_period(freq: str, values: list[int]) -> None:
    ns = np.array(values, dtype=np.int64)
    spec = parse_freq(freq)
    ordinal = calendar_period(ns, spec)
    start = period_start_ns(ordinal, spec)
    period_freq = PANDAS_PERIOD.get(freq, freq)
    expected = [pd.Timestamp(v).to_period(period_freq).start_time.value for v in values]
    assert start.tolist() == expected
    # consecutive periods have consecutive ordinals
    order = np.argsort(ns)
    assert np.all(np.diff(ordinal[order]) >= 0)


@pytest.mark.parametrize("freq", CALENDAR_FREQS)
@given(
    days=st.lists(st.integers(min_value=-8_000, max_value=45_000), min_size=0, max_size=40),
    spread=st.booleans(),
    origin=st.integers(min_value=-3_000, max_value=3_000),
)
def test_day_calendar_period_equals_calendar_period_of_the_day(
    freq: str, days: list[int], spread: bool, origin: int
) -> None:
    """The day-ordinal path (table or direct) equals the nanosecond path, minus the origin."""
    values = np.array(days, dtype=np.int64)
    if spread and values.size:  # a dense range: the lookup table, indexed from 0 or not
        values = values.min() + np.arange(values.size * 3, dtype=np.int64) % 50
    spec = parse_freq(freq)
    got = day_calendar_period(values, spec, origin)
    assert got.dtype == np.int64
    assert got.tolist() == (calendar_period(values * 86_400 * 10**9, spec) - origin).tolist()


@pytest.mark.parametrize("freq", ["MS", "QS", "YS"])
@given(origin=times, later=st.integers(min_value=0, max_value=4_000 * 86_400 * 10**9))
def test_rolling_months_match_dateoffset(freq: str, origin: int, later: int) -> None:
    t = origin + later
    spec = parse_freq(freq, rolling=True)
    k = int(rolling_period(np.array([t]), np.array([origin]), spec)[0])
    months = {"MS": 1, "QS": 3, "YS": 12}[freq]
    o = pd.Timestamp(origin)
    # oracle: k is the largest whole number of periods with origin + k periods <= t
    assert o + pd.DateOffset(months=k * months) <= pd.Timestamp(t)
    assert o + pd.DateOffset(months=(k + 1) * months) > pd.Timestamp(t)


@given(origin=times, later=st.integers(min_value=-(10**15), max_value=10**17))
@pytest.mark.parametrize("freq", ["D", "W", "7D", "12h", "30min"])
def test_rolling_fixed_periods(freq: str, origin: int, later: int) -> None:
    spec = parse_freq(freq, rolling=True)
    k = int(rolling_period(np.array([origin + later]), np.array([origin]), spec)[0])
    length = pd.Timedelta("7D" if freq == "W" else ("1D" if freq == "D" else freq)).value
    assert k == later // length


def test_week_alias_follows_pandas_week_ending_convention() -> None:
    ts = pd.Timestamp("2024-01-03")  # a Wednesday
    for freq in ("W", "W-MON", "W-SAT"):
        spec = parse_freq(freq)
        start = period_start_ns(calendar_period(np.array([ts.value]), spec), spec)[0]
        assert start == ts.to_period(freq).start_time.value


@pytest.mark.parametrize("bad", ["M", "X", "W-FOO", "0D"])
def test_unknown_freq_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="freq="):
        parse_freq(bad, rolling=bad == "0D")


any_ns = st.integers(min_value=np.iinfo(np.int64).min + 1, max_value=np.iinfo(np.int64).max)


@given(
    ns=st.lists(any_ns, min_size=1, max_size=20),
    origin=any_ns,
    freq=st.sampled_from(["D", "W", "12h", "3ns"]),
)
def test_rolling_period_over_the_whole_int64_range(ns: list[int], origin: int, freq: str) -> None:
    """1677 and 2262 are more than 2**63 ns apart: ``ns - origin`` must not wrap."""
    spec = parse_freq(freq, rolling=True)
    got = rolling_period(np.array(ns, dtype=np.int64), np.array([origin]), spec)
    assert got.tolist() == [(t - origin) // spec.length for t in ns]


@given(
    pairs=st.lists(st.tuples(any_ns, any_ns), min_size=1, max_size=20),
    limit=st.integers(0, 2**63 - 1),
)
def test_elapsed_at_most_is_exact_for_any_two_times(
    pairs: list[tuple[int, int]], limit: int
) -> None:
    later = np.array([max(p) for p in pairs], dtype=np.int64)
    earlier = np.array([min(p) for p in pairs], dtype=np.int64)
    got = elapsed_at_most(later, earlier, limit)
    assert got.tolist() == [max(p) - min(p) <= limit for p in pairs]


@given(
    origin=st.integers(min_value=9_200_000_000 * 10**9, max_value=np.iinfo(np.int64).max),
    later=st.integers(min_value=0, max_value=10**17),
    freq=st.sampled_from(["MS", "QS", "YS"]),
)
def test_rolling_months_up_to_the_largest_timestamp(origin: int, later: int, freq: str) -> None:
    """In April 2262 the next month's start (and the anniversary) lie past int64."""
    t = min(origin + later, np.iinfo(np.int64).max)
    spec = parse_freq(freq, rolling=True)
    k = int(rolling_period(np.array([t]), np.array([origin]), spec)[0])
    step = {"MS": 1, "QS": 3, "YS": 12}[freq]

    def parts(ns: int) -> tuple[int, int, int, int]:
        stamp = pd.Timestamp(ns)
        return stamp.year, stamp.month, stamp.day, ns - stamp.normalize().value

    def anniversary(n: int) -> tuple[int, int, int, int]:  # origin + n months, day clipped
        year, month, day, tod = parts(origin)
        year, month = year + (month - 1 + n) // 12, (month - 1 + n) % 12 + 1
        return year, month, min(day, calendar.monthrange(year, month)[1]), tod

    expected = 0
    while anniversary((expected + 1) * step) <= parts(t):
        expected += 1
    assert k == expected


_INT64 = np.iinfo(np.int64)


@pytest.mark.parametrize(
    "freq", ["W", *(f"W-{d}" for d in ("MON", "TUE", "WED", "THU", "FRI", "SAT"))]
)
@given(
    values=st.lists(
        st.one_of(
            st.integers(min_value=_INT64.min + 1, max_value=_INT64.max),
            st.integers(min_value=_INT64.max - 8 * 86_400 * 10**9, max_value=_INT64.max),
            st.integers(min_value=_INT64.min + 1, max_value=_INT64.min + 8 * 86_400 * 10**9),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_calendar_weeks_equal_weeks_of_days_over_all_of_int64(freq: str, values: list[int]) -> None:
    # weeks as whole days since the epoch, shifted to the week start and divided by 7: also in
    # the last week before int64's end, where shifting the nanoseconds would overflow
    ns = np.array(values, dtype=np.int64)
    spec = parse_freq(freq)
    expected = (ns // 86_400_000_000_000 + 3 - spec.week_start) // 7
    assert calendar_period(ns, spec).tolist() == expected.tolist()
