"""What every engagement analysis shares: local days, the context pass, dense partials."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.periods import (
    DAY_NS,
    PeriodSpec,
    day_calendar_period,
    parse_freq,
    period_start_ns,
)
from saasmetrics._validation import ParsedTimes, check_instant
from saasmetrics.eventlog import EventLog, encode_activity
from saasmetrics.exceptions import ParameterError
from saasmetrics.typing import FrameLike

I64 = npt.NDArray[np.int64]

_WEEKS = tuple(f"W-{d}" for d in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"))
_CALENDAR: tuple[str, ...] = ("D", "W", *_WEEKS, "MS", "QS", "YS")


@dataclass(frozen=True, slots=True)
class DayRange:
    """The context of every engagement analysis: the first and last local day of the data."""

    first: int
    last: int


def merge_range(a: DayRange, b: DayRange) -> DayRange:
    return DayRange(min(a.first, b.first), max(a.last, b.last))


@dataclass(frozen=True, slots=True, eq=False)
class Activity:
    """One chunk of events as engagement reads them: codes and local times, rows in any order.

    Built by :func:`load` from an :class:`~saasmetrics.EventLog` (rows sorted by user and
    time, so the pair kernels need no sort) or from a frame (validated and encoded, not
    sorted: the kernels sort the far fewer (user, day) keys instead of every row by time).
    ``users[user_codes[i]]`` is row ``i``'s user; read from a frame, ``users`` may also hold
    ids of no row (dense integer ids are coded by offset), so analyses count pairs, not
    ``n_users``.
    """

    user_codes: I64
    wall_ns: I64  # wall-clock nanoseconds in the data's own zone
    days: I64  # local day ordinal of each row
    event_codes: npt.NDArray[np.int32]
    events: pd.Index
    users: pd.Index
    values: dict[str, pd.Series]
    ordered: bool = False  # rows sorted by user then time (an EventLog's)

    @property
    def n_users(self) -> int:
        return len(self.users)

    def __len__(self) -> int:
        return int(self.user_codes.size)


def day_range(chunk: Activity) -> DayRange:
    return DayRange(int(chunk.days.min()), int(chunk.days.max()))


def _activity(
    *,
    user_codes: Any,
    times: ParsedTimes,
    event_codes: Any,
    events: pd.Index,
    users: pd.Index,
    values: dict[str, pd.Series],
    ordered: bool = False,
) -> Activity:
    if times.tz is None:
        wall = np.asarray(times.ns, dtype=np.int64)
    else:
        wall = np.asarray(times.to_datetime().tz_localize(None).asi8, dtype=np.int64)
    return Activity(
        user_codes=np.asarray(user_codes, dtype=np.int64),
        wall_ns=wall,
        days=wall // DAY_NS,
        event_codes=np.asarray(event_codes, dtype=np.int32),
        events=events,
        users=users,
        values=values,
        ordered=ordered,
    )


def check_event_col(event_col: str | None, **filters: Any) -> None:
    """``event_col=None`` (no event column: every row is activity) rules out event filters."""
    if event_col is not None:
        return
    for name, value in filters.items():
        if value is not None and value != ():
            raise ParameterError(
                f"{name}={value!r} filters on event names, but event_col=None says the data "
                "has no event column.",
                hint=f"name the event column with event_col=, or drop {name}= to count every "
                "row as activity.",
            )


def load(
    data: EventLog | FrameLike,
    *,
    user_col: str,
    time_col: str,
    event_col: str | None,
    properties: Sequence[str] = (),
    needs_event: bool = True,
) -> Activity:
    """The events as user codes, local times, event codes and the ``properties`` asked for.

    With ``needs_event=False`` (no event filter asked for) the event column is not read: a
    frame without it (or ``event_col=None``) is accepted, and every row counts as activity.
    """
    if isinstance(data, EventLog):
        return _activity(
            user_codes=data.user_codes,
            times=ParsedTimes(ns=data.time_ns, tz=data.tz),
            event_codes=data.event_codes,
            events=data.events,
            users=data.users,
            values={name: data.property_values(name) for name in properties},
            ordered=True,
        )
    encoded = encode_activity(
        data,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col if needs_event else None,  # None: every row is activity
        properties=properties,
        any_user_order=True,  # engagement counts per period: no result depends on the order
    )
    return _activity(
        user_codes=encoded.user_codes,
        times=encoded.times,
        event_codes=encoded.event_codes,
        events=encoded.events,
        users=encoded.users,
        values={name: encoded.kept(name).reset_index(drop=True) for name in properties},
    )


def calendar_spec(name: str, freq: Any, *, allow_day: bool = True) -> PeriodSpec:
    """A calendar grain (``"D"``, ``"W"``, ``"W-SAT"``, ``"MS"``, ``"QS"``, ``"YS"``)."""
    if not isinstance(freq, str) or freq.upper() not in _CALENDAR:
        raise ParameterError(
            f"{name}={freq!r} is not a calendar grain.",
            hint=f"use one of {list(_CALENDAR)}; 'W' is Monday-Sunday weeks (pandas W-SUN).",
        )
    if not allow_day and freq.upper() == "D":
        raise ParameterError(
            f"{name}='D' is no longer than the unit (a day): nobody is active on more than "
            "one day of a day.",
            hint=f"use a longer {name} such as 'W', 'MS' or '28D'.",
        )
    return parse_freq(freq.upper())


def day_period(days: I64, spec: PeriodSpec, origin: int = 0) -> I64:
    """Calendar period ordinal of each day ordinal, minus ``origin`` (a new array)."""
    return day_calendar_period(days, spec, origin)


def period_labels(ordinals: I64, spec: PeriodSpec) -> pd.DatetimeIndex:
    """Period start dates (naive local dates) of the ordinals."""
    return pd.DatetimeIndex(period_start_ns(np.asarray(ordinals, dtype=np.int64), spec)).as_unit(
        "ns"
    )


def day_labels(days: I64) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(days, dtype=np.int64) * DAY_NS).as_unit("ns")


def to_day(name: str, value: Any) -> int:
    """A date-like option as a local day ordinal (a tz-aware value keeps its own wall date)."""
    try:
        zone = pd.Timestamp(value).tzinfo  # its own zone: check_instant keeps the wall date
    except (TypeError, ValueError, OverflowError):
        zone = None  # check_instant says what is wrong with it
    ts = check_instant(name, value, tz=zone)
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return int(ts.value // DAY_NS)


def event_codes(log: Activity, names: Any) -> tuple[I64, tuple[bool, ...]]:
    """Codes of the named events present in this chunk, and which names occur at all."""
    wanted = [names] if isinstance(names, str) or not isinstance(names, Sequence) else list(names)
    locs = log.events.get_indexer(pd.Index(wanted)) if wanted else np.zeros(0, dtype=np.int64)
    found = tuple(bool(loc >= 0) for loc in locs)
    return np.asarray(locs[locs >= 0], dtype=np.int64), found


def event_list(name: str, value: Any) -> tuple[Any, ...]:
    """An event name or a list of them, as a non-empty tuple."""
    items = (value,) if isinstance(value, str) or not isinstance(value, Sequence) else tuple(value)
    if not items:
        raise ParameterError(f"{name} needs at least one event name; got {value!r}.")
    return items


def align_add(origin_a: int, a: Any, origin_b: int, b: Any) -> tuple[int, Any]:
    """Add two dense count arrays whose last axis starts at different period ordinals."""
    if origin_a == origin_b and a.shape == b.shape:
        return origin_a, a + b
    start = min(origin_a, origin_b)
    stop = max(origin_a + a.shape[-1], origin_b + b.shape[-1])
    out = np.zeros((*a.shape[:-1], stop - start), dtype=np.result_type(a, b))
    out[..., origin_a - start : origin_a - start + a.shape[-1]] += a
    out[..., origin_b - start : origin_b - start + b.shape[-1]] += b
    return start, out


def ratio(num: Any, den: Any) -> npt.NDArray[np.float64]:
    """``num / den`` as floats: ``inf`` when only the denominator is 0, NaN when both are."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: npt.NDArray[np.float64] = num / den
    return out
