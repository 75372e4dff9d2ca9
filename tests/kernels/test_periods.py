"""Period bucketing kernels against pandas' own Period arithmetic (the slow oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels.periods import (
    CALENDAR_FREQS,
    calendar_period,
    day_calendar_period,
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
