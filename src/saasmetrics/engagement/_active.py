"""active_users() and stickiness(): how many are active, and how often."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.engagement import distinct_pairs, runs_per_period, trailing_active
from saasmetrics._kernels.periods import (
    DAY_NS,
    PeriodSpec,
    calendar_period,
    parse_freq,
    period_start_ns,
)
from saasmetrics._plotting import PALETTE, get_axes, period_label
from saasmetrics._results import ResultMixin
from saasmetrics.engagement._common import (
    _WEEKS,
    I64,
    Activity,
    DayRange,
    align_add,
    calendar_spec,
    check_event_col,
    day_labels,
    day_period,
    day_range,
    event_codes,
    event_list,
    load,
    merge_range,
    period_labels,
    ratio,
    to_day,
)
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import DataQualityWarning, EmptyDataError, ParameterError
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike

__all__ = ("ActiveUsers", "Stickiness", "active_users", "stickiness")

_DEFAULT_WINDOWS = {"dau": "1D", "wau": "7D", "mau": "28D"}


def _whole_days(name: str, value: Any) -> int:
    try:
        td = pd.Timedelta(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name}={value!r} is not a duration such as '7D'.") from exc
    if td <= pd.Timedelta(0) or td % pd.Timedelta("1D") != pd.Timedelta(0):
        raise ParameterError(
            f"{name}={value!r} is not a positive whole number of days.",
            hint="windows count distinct active days: use '1D', '7D', '28D' ...",
        )
    return int(td // pd.Timedelta("1D"))


def _active_rows(
    log: Activity, active_event: tuple[Any, ...] | None, first: int, last: int
) -> tuple[I64, I64, npt.NDArray[np.bool_] | None, bool]:
    """User codes and local days of the rows that count as activity on days ``first .. last``.

    Also the mask of those rows (``None``: every row, no copy) and whether any
    ``active_event`` occurs.
    """
    keep = None
    found = True
    if active_event is not None:
        codes, flags = event_codes(log, active_event)
        found = any(flags)
        keep = np.isin(log.event_codes, codes)
    days = log.days
    if first > int(days.min()) or last < int(days.max()):
        inside = (days >= first) & (days <= last)
        keep = inside if keep is None else keep & inside
    if keep is None:
        return log.user_codes, days, None, found
    return log.user_codes[keep], days[keep], keep, found


# --------------------------------------------------------------------------- active users
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class ActiveUsers(ResultMixin):
    """Distinct active users in trailing windows (DAU, WAU, MAU ...), per day or period end.

    Built by :func:`active_users`.

    Attributes
    ----------
    table : pandas.DataFrame
        ``date`` and one integer column per window key.
    windows : tuple of (str, int)
        Window keys and their lengths in days, shortest first.
    freq : str
        ``"D"`` (every day) or the calendar grain whose last days are reported.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import active_users
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02",
    ...                                  "2024-01-03"]),
    ...     "event": "login"})
    >>> result = active_users(events, windows={"dau": "1D", "l3": "3D"})
    >>> result.to_frame()
            date  dau  l3
    0 2024-01-01    1   1
    1 2024-01-02    1   2
    2 2024-01-03    2   3
    >>> result.ratio("dau", "l3").round(3).tolist()
    [1.0, 0.5, 0.667]
    """

    table: pd.DataFrame
    windows: tuple[tuple[str, int], ...]
    freq: str

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> ActiveUsers:
        # JSON has no tuples: the (key, days) pairs come back as lists
        fields["windows"] = tuple((str(k), int(w)) for k, w in fields["windows"])
        return super(ActiveUsers, cls)._from_fields(fields)

    def to_frame(self) -> pd.DataFrame:
        """``date`` and one column of distinct active users per window key.

        Returns
        -------
        pandas.DataFrame
            One row per day (or per period's last day with ``freq``), days without events
            included (0).
        """
        return self.table.copy()

    def ratio(self, numerator: str, denominator: str) -> pd.Series:
        """``numerator / denominator`` per date, e.g. ``ratio("dau", "mau")`` (stickiness).

        Parameters
        ----------
        numerator, denominator : str
            Window keys.

        Returns
        -------
        pandas.Series
            Floats indexed like :meth:`to_frame` (NaN where the denominator is 0).
        """
        keys = [key for key, _ in self.windows]
        for key in (numerator, denominator):
            if key not in keys:
                raise ParameterError(f"Unknown window {key!r}; the windows are {keys!r}.")
        num = self.table[numerator].to_numpy()
        den = self.table[denominator].to_numpy()
        values = np.where(den > 0, ratio(num, den), np.nan)
        return pd.Series(values, index=self.table.index, name=f"{numerator}/{denominator}")

    def ratios(self) -> pd.DataFrame:
        """Every shorter window over the longest one (``dau/mau``, ``wau/mau``), per date.

        Returns
        -------
        pandas.DataFrame
            ``date`` and one float column per ratio.
        """
        longest = self.windows[-1][0]
        out = pd.DataFrame({"date": self.table["date"]})
        for key, _ in self.windows[:-1]:
            out[f"{key}/{longest}"] = self.ratio(key, longest)
        return out

    def _summary(self) -> dict[str, Any]:
        last = self.table.iloc[-1]
        summary: dict[str, Any] = {"dates": len(self.table), "freq": self.freq}
        summary["last"] = str(pd.Timestamp(last["date"]).date())
        for key, _ in self.windows:
            summary[key] = int(last[key])
        return summary

    def plot(self, ax: Any = None) -> Any:
        """One line per window (DAU, WAU, MAU ...) over time.

        Returns
        -------
        matplotlib.axes.Axes
        """
        ax = get_axes(ax)
        for i, (key, _) in enumerate(self.windows):
            ax.plot(self.table["date"], self.table[key], color=PALETTE[i % len(PALETTE)], label=key)
        ax.set_ylabel("active users")
        ax.set_title("Active users")
        ax.legend()
        return ax


@dataclass(frozen=True, slots=True)
class _ActivePartial:
    origin: int
    counts: Any  # (windows x days) int64
    found: bool


def _merge_active(a: _ActivePartial, b: _ActivePartial) -> _ActivePartial:
    origin, counts = align_add(a.origin, a.counts, b.origin, b.counts)
    return _ActivePartial(origin, counts, a.found or b.found)


def active_users(
    events: EventLog | FrameLike,
    *,
    windows: Mapping[str, Any] | None = None,
    freq: str = "D",
    as_of: Any = None,
    active_event: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    partitioned_by: str | None = None,
) -> ActiveUsers:
    """Distinct users active in trailing windows ending each day: DAU, WAU, MAU and friends.

    A user is active on a day when they have at least one event (of ``active_event``) on it,
    in the data's own time zone (tz-aware timestamps are bucketed in their local days). The
    window ``"7D"`` ending on day ``d`` is the days ``d - 6 .. d`` inclusive; a user counts
    once per window however often they were active. Days without events are rows with 0.
    ``user_col`` may name any actor: accounts give active accounts.

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        The events.
    windows : mapping of str to duration, default ``{"dau": "1D", "wau": "7D", "mau": "28D"}``
        Output column name and window length (whole days).
    freq : str, default "D"
        ``"D"`` reports every day; a calendar grain (``"W"``, ``"MS"`` ...) reports each
        period's last day (the last, unfinished period at its last day of data).
    as_of : date-like, optional
        Last day reported (later events are ignored); default the last day of data.
    active_event : str or list of str, optional
        Only these events make a user active (default: every event).
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame; the event column is read only by the
        event filter ``active_event``: without it every row is activity, so (actor, time)
        rows are enough, and ``event_col=None`` says there is no event column. So a row
        with a null event name is activity when no ``active_event`` is given; with one, a
        null event name raises the ``InputError`` building an EventLog of the frame raises.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column.

    Returns
    -------
    ActiveUsers
        ``to_frame()``: ``date`` and one column per window key; ``ratio("dau", "mau")``.

    Raises
    ------
    ParameterError
        Empty windows, a window that is not a whole number of days, an unknown ``freq``,
        ``active_event`` with ``event_col=None``.
    InputError
        Null user ids or times, or (with ``active_event``) null event names.
    EmptyDataError
        No rows, or ``as_of`` before the first event.

    Warns
    -----
    DataQualityWarning
        When no event is an ``active_event``, or a window is longer than the data (its
        values then count a partial window throughout).

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import active_users
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "b", "a", "c", "a"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-02",
    ...                                  "2024-01-04", "2024-01-04"]),
    ...     "event": "login"})
    >>> active_users(events, windows={"dau": "1D", "l2": "2D"}).to_frame()
            date  dau  l2
    0 2024-01-01    2   2
    1 2024-01-02    1   2
    2 2024-01-03    0   1
    3 2024-01-04    2   2
    """
    plan = _active_users_analysis(
        windows=windows,
        freq=freq,
        as_of=as_of,
        active_event=active_event,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    return run(plan, events, partitioned_by=partitioned_by)


@register(active_users)
def _active_users_analysis(
    *,
    windows: Mapping[str, Any] | None = None,
    freq: str = "D",
    as_of: Any = None,
    active_event: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
) -> Analysis[_ActivePartial, ActiveUsers]:
    """active_users as partial / merge / finalize: per-day counts add across user chunks."""
    spec = dict(_DEFAULT_WINDOWS if windows is None else windows)
    if not spec or not isinstance(spec, dict):
        raise ParameterError(f"windows needs at least one entry; got {windows!r}.")
    lengths = sorted(
        ((str(k), _whole_days(f"windows[{k!r}]", v)) for k, v in spec.items()),
        key=lambda kv: kv[1],
    )
    if "date" in spec:
        raise ParameterError("'date' cannot be a window name: it is the date column.")
    grain = calendar_spec("freq", freq)
    as_of_day = None if as_of is None else to_day("as_of", as_of)
    events = None if active_event is None else event_list("active_event", active_event)
    check_event_col(event_col, active_event=active_event)

    def prepare(data: EventLog | FrameLike) -> Activity:
        return load(
            data,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            needs_event=events is not None,
        )

    def end_of(context: DayRange) -> int:
        end = context.last if as_of_day is None else as_of_day
        if end < context.first:
            raise EmptyDataError(
                f"as_of={as_of!r} is before the first event "
                f"({day_labels(np.array([context.first]))[0].date()})."
            )
        return end

    def partial(log: Activity, context: DayRange) -> _ActivePartial:
        end = end_of(context)
        users, days, _, found = _active_rows(log, events, context.first, end)
        u, d = distinct_pairs(users, days - context.first)
        n = end - context.first + 1
        counts = np.stack([trailing_active(u, d, n, w) for _, w in lengths])
        return _ActivePartial(context.first, counts, found)

    def finalize(part: _ActivePartial, context: DayRange) -> ActiveUsers:
        if events is not None and not part.found:
            warnings.warn(
                f"No event is an active_event {list(events)!r}; every count is 0.",
                DataQualityWarning,
                stacklevel=5,
            )
        _warn_after_data(as_of, as_of_day, lengths[-1][1], context)
        n = part.counts.shape[1]
        for key, w in lengths:
            if w > n:
                warnings.warn(
                    f"The window {key!r} ({w} days) is longer than the data ({n} days): "
                    "every value counts a partial window.",
                    DataQualityWarning,
                    stacklevel=5,
                )
        days = np.arange(part.origin, part.origin + n, dtype=np.int64)
        rows = np.arange(n)
        if grain.freq != "D":
            p = day_period(days, grain)
            rows = np.flatnonzero(np.append(p[1:] != p[:-1], True))
        table = pd.DataFrame({"date": day_labels(days[rows])})
        for i, (key, _) in enumerate(lengths):
            table[key] = part.counts[i, rows].astype(np.int64)
        return ActiveUsers(table=table, windows=tuple(lengths), freq=grain.freq)

    return Analysis(
        name="active_users",
        keys=(user_col,),
        prepare=prepare,
        partial=partial,
        merge=_merge_active,
        finalize=finalize,
        context=day_range,
        merge_context=merge_range,
    )


def _warn_after_data(as_of: Any, as_of_day: int | None, window: int, context: DayRange) -> None:
    """Warn when the ``window`` days ending at ``as_of`` hold no event (all after the data)."""
    if as_of_day is not None and as_of_day - window + 1 > context.last:
        last = day_labels(np.array([context.last]))[0].date()
        warnings.warn(
            f"as_of={as_of!r} is {as_of_day - context.last} days after the last event "
            f"({last}): the {window}-day window ending on it holds no data, so it counts 0 "
            "active users; is the data complete, or did you mean an earlier as_of?",
            DataQualityWarning,
            stacklevel=6,
        )


# --------------------------------------------------------------------------- stickiness
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class Stickiness(ResultMixin):
    """Users by the number of distinct days (or hours, weeks) they were active in each period.

    Built by :func:`stickiness`.

    Attributes
    ----------
    table : pandas.DataFrame
        ``period`` (start date) and integer columns ``1 .. K``: users active on exactly
        ``k`` units of the period (at least ``k`` when ``cumulative``).
    period : str
        The period (``"W"``, ``"MS"``, ``"7D"`` ...).
    cumulative : bool
        Whether column ``k`` counts users active on at least ``k`` units.
    unit : str
        What is counted: ``"D"`` days, ``"h"`` hours, ``"W"`` / ``"W-SAT"`` weeks, ``"MS"``
        months.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import stickiness
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-02 09:00", "2024-01-02 18:00",
    ...                                  "2024-01-05 09:00"]),
    ...     "event": "login"})
    >>> stickiness(events, period="W").to_frame()
          period  1  2  3  4  5  6  7
    0 2024-01-01  1  1  0  0  0  0  0
    """

    table: pd.DataFrame
    period: str
    cumulative: bool
    unit: str = "D"

    def to_frame(self) -> pd.DataFrame:
        """``period`` and the users per number of active units (days ...) ``1 .. K``."""
        return self.table.copy()

    @property
    def users(self) -> pd.Series:
        """Active users per period."""
        counts = self.table.drop(columns="period")
        total = counts.iloc[:, 0] if self.cumulative else counts.sum(axis=1)
        return pd.Series(total.to_numpy(), index=self.table["period"], name="users")

    def shares(self) -> pd.DataFrame:
        """The table as shares of each period's active users (rows of the histogram)."""
        counts = self.table.drop(columns="period").to_numpy(dtype=float)
        users = self.users.to_numpy(dtype=float)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(users > 0, counts / np.maximum(users, 1), np.nan)
        out = pd.DataFrame(shares, columns=self.table.columns[1:])
        out.insert(0, "period", self.table["period"])
        return out

    def _summary(self) -> dict[str, Any]:
        return {
            "periods": len(self.table),
            "period": self.period,
            "unit": self.unit,
            "units": self.table.shape[1] - 1,
            "cumulative": self.cumulative,
        }

    def plot(self, ax: Any = None) -> Any:
        """The latest period's histogram (bars), with the first period's shares for change.

        Returns
        -------
        matplotlib.axes.Axes
        """
        ax = get_axes(ax)
        shares = self.shares()
        k = np.asarray(self.table.columns[1:], dtype=int)
        last = shares.iloc[-1, 1:].to_numpy(dtype=float)
        label_last = f"{pd.Timestamp(shares['period'].iloc[-1]).date()}"
        ax.bar(k, last, color=PALETTE[0], label=label_last)
        if len(shares) > 1:
            first = shares.iloc[0, 1:].to_numpy(dtype=float)
            label = f"{pd.Timestamp(shares['period'].iloc[0]).date()}"
            ax.plot(k, first, color=PALETTE[1], marker="o", label=label)
        words = _UNIT_WORDS.get(self.unit, "weeks")
        at_least = " (at least)" if self.cumulative else ""
        ax.set_xlabel(f"active {words} in the period{at_least}")
        ax.set_ylabel("share of active users")
        ax.set_title(f"Stickiness: active {words} per {period_label(self.period)}")
        ax.legend()
        return ax


@dataclass(frozen=True, slots=True)
class _StickyPartial:
    origin: int
    table: Any  # (units x periods) int64: the period axis last, for alignment
    found: bool


def _merge_sticky(a: _StickyPartial, b: _StickyPartial) -> _StickyPartial:
    origin, table = align_add(a.origin, a.table, b.origin, b.table)
    return _StickyPartial(origin, table, a.found or b.found)


_HOUR_NS = 3_600 * 1_000_000_000
_UNIT_WORDS = {"h": "hours", "D": "days", "MS": "months"}
# the longest period of each grain, in days
_PERIOD_DAYS = {"D": 1, "week": 7, "MS": 31, "QS": 92, "YS": 366}


@dataclass(frozen=True, slots=True)
class _Units:
    """A stickiness period and the unit counted in it, resolved and checked."""

    grain: PeriodSpec | None  # None: one rolling window of ``window`` days at ``as_of``
    window: int
    unit: str  # "h", "D", "W", "W-SAT" ..., "MS"
    unit_spec: PeriodSpec | None  # the calendar grain of week and month units
    k: int  # units in the longest period: the columns 1 .. k

    def keys(self, days: I64, wall_ns: I64 | None, period_start: I64 | int) -> I64:
        """Each event's unit, as an ordinal unique within a period (sorted like the days).

        Hours are hour ordinals; days are day ordinals; a week or month is its first day,
        clipped to the period's first day, so a week that straddles two months is a unit of
        each (the days of it in that month).
        """
        if self.unit == "h":
            assert wall_ns is not None
            hours: I64 = wall_ns // _HOUR_NS
            return hours
        if self.unit_spec is None:
            return days
        first = period_start_ns(calendar_period(days * DAY_NS, self.unit_spec), self.unit_spec)
        clipped: I64 = np.maximum(first // DAY_NS, period_start)
        return clipped

    def day_of(self, keys: I64) -> I64:
        """The local day ordinal each unit key falls on (its first day)."""
        if self.unit == "h":
            days: I64 = keys // 24
            return days
        return keys


def _stickiness_units(period: Any, unit: Any) -> _Units:
    """Parse ``period`` and ``unit``; the unit must be shorter than the period."""
    key = unit.upper() if isinstance(unit, str) else None
    if key not in ("H", "D", "W", "MS", *_WEEKS):
        raise ParameterError(
            f"unit={unit!r} is not a stickiness unit.",
            hint="use 'h' (hours), 'D' (days), 'W' or 'W-SAT' (weeks) or 'MS' (months), "
            "shorter than the period.",
        )
    name = "h" if key == "H" else str(key)
    unit_spec = parse_freq(name) if name not in ("h", "D") else None
    grain: PeriodSpec | None = None
    window = 0
    if isinstance(period, str) and period.upper() != "D" and period[-1:].upper() == "D":
        window = _whole_days("period", period)
        days = window
    else:
        grain = calendar_spec("period", period)
        days = _PERIOD_DAYS["week" if grain.unit == "week" else grain.freq]
    finer = {
        "h": True,
        "D": days > 1,
        "MS": grain is not None and grain.freq in ("QS", "YS"),
    }.get(name, days > 7 and (grain is None or grain.unit == "month"))
    if not finer:
        raise ParameterError(
            f"period={period!r} is no longer than the unit (unit={unit!r}): nobody can be "
            "active on more than one unit of it.",
            hint="count days ('D') in weeks or months, weeks ('W') in months or quarters, "
            "months ('MS') in quarters or years, hours ('h') in any period; rolling periods "
            "('28D') count hours, days or weeks.",
        )
    if name == "h":
        k = 24 * days
    elif name == "D":
        k = days
    elif name == "MS":
        k = 3 if grain is not None and grain.freq == "QS" else 12
    else:
        k = (days + 12) // 7  # the most weeks that days consecutive days can touch
    return _Units(grain, window, name, unit_spec, k)


def stickiness(
    events: EventLog | FrameLike,
    *,
    period: str = "W",
    unit: str = "D",
    cumulative: bool = False,
    as_of: Any = None,
    active_event: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    partitioned_by: str | None = None,
) -> Stickiness:
    """How many users were active on exactly k distinct days (or hours, weeks) of each period.

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        The events.
    period : str, default "W"
        A calendar grain (``"W"`` Monday-Sunday weeks, ``"W-SAT"``, ``"MS"``, ``"QS"``,
        ``"YS"``, or ``"D"`` with hourly units): one row per period; or a number of days
        (``"7D"``, ``"28D"``): one row, the window of that many days ending at ``as_of``
        (Facebook's L7 / L28, PostHog's stickiness over a date range).
    unit : {"D", "h", "W", "W-SAT", ..., "MS"}, default "D"
        What is counted, in local time: distinct active days; hours (``"h"``, in any period);
        weeks (in months, quarters, years or rolling periods longer than 7 days); months (in
        quarters or years). A week that straddles the period's start or end counts as one
        unit of the period (its days inside the period), as PostHog counts the weeks a date
        range touches: a month has up to 6 Monday-Sunday weeks, a quarter 14.
    cumulative : bool, default False
        Column ``k`` counts users active on at least ``k`` units.
    as_of : date-like, optional
        Last day considered (default: the last day of data).
    active_event : str or list of str, optional
        Only these events make a user active.
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame; the event column is read only by the
        event filter ``active_event``: without it every row is activity, so (actor, time)
        rows are enough, and ``event_col=None`` says there is no event column. So a row
        with a null event name is activity when no ``active_event`` is given; with one, a
        null event name raises the ``InputError`` building an EventLog of the frame raises.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column.

    Returns
    -------
    Stickiness
        ``to_frame()``: ``period`` and integer columns ``1 .. K``, K the units in the longest
        period (7 days of a week, 31 of a month, 24 hours of a day, 6 weeks of a month ...).

    Raises
    ------
    ParameterError
        An unknown period or unit, or a period no longer than the unit (days of a day, weeks
        of a week or of ``"7D"``, months of a month); ``active_event`` with
        ``event_col=None``.
    InputError
        Null user ids or times, or (with ``active_event``) null event names.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import stickiness
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "a", "b", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                  "2024-01-02", "2024-01-03"]),
    ...     "event": "login"})
    >>> stickiness(events, period="3D", cumulative=True).to_frame()
          period  1  2  3
    0 2024-01-01  2  2  1

    Weeks of a month: ``a`` is active in the weeks of 1 and 8 January, ``b`` in one.

    >>> stickiness(events.assign(timestamp=pd.to_datetime(
    ...     ["2024-01-01", "2024-01-09", "2024-01-10", "2024-01-02", "2024-01-03"])),
    ...     period="MS", unit="W").to_frame()
          period  1  2  3  4  5  6
    0 2024-01-01  1  1  0  0  0  0
    """
    plan = _stickiness_analysis(
        period=period,
        unit=unit,
        cumulative=cumulative,
        as_of=as_of,
        active_event=active_event,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    return run(plan, events, partitioned_by=partitioned_by)


@register(stickiness)
def _stickiness_analysis(
    *,
    period: str = "W",
    unit: str = "D",
    cumulative: bool = False,
    as_of: Any = None,
    active_event: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
) -> Analysis[_StickyPartial, Stickiness]:
    """The stickiness analysis: the histograms add across user chunks."""
    units = _stickiness_units(period, unit)
    grain, max_units = units.grain, units.k
    as_of_day = None if as_of is None else to_day("as_of", as_of)
    events = None if active_event is None else event_list("active_event", active_event)
    check_event_col(event_col, active_event=active_event)

    def prepare(data: EventLog | FrameLike) -> Activity:
        return load(
            data,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            needs_event=events is not None,
        )

    def bounds(context: DayRange) -> tuple[int, int]:
        """First and last period ordinal (rolling: day ordinals of the one window)."""
        end = context.last if as_of_day is None else as_of_day
        if end < context.first:
            raise EmptyDataError(f"as_of={as_of!r} is before the first event.")
        if grain is None:
            return end - units.window + 1, end
        first, last = day_period(np.array([context.first, end]), grain)
        return int(first), int(last)

    def partial(log: Activity, context: DayRange) -> _StickyPartial:
        lo, hi = bounds(context)
        first = context.first if grain is not None else lo  # rolling: the window's days
        end = context.last if as_of_day is None else as_of_day
        users, days, keep, found = _active_rows(log, events, first, end)
        wall = None
        if units.unit == "h":
            wall = log.wall_ns if keep is None else log.wall_ns[keep]
        starts: I64 | int = lo
        if grain is not None and units.unit_spec is not None:
            starts = period_start_ns(day_period(days, grain), grain) // DAY_NS
        u, k = distinct_pairs(users, units.keys(days, wall, starts))
        if grain is None:
            periods = np.zeros(k.size, dtype=np.int64)
            n_periods = 1
        else:
            periods = day_period(units.day_of(k), grain, lo)
            n_periods = hi - lo + 1
        table = runs_per_period(u, periods, n_periods, max_units)
        return _StickyPartial(lo, np.ascontiguousarray(table.T), found)

    def finalize(part: _StickyPartial, context: DayRange) -> Stickiness:
        if events is not None and not part.found:
            warnings.warn(
                f"No event is an active_event {list(events)!r}; every count is 0.",
                DataQualityWarning,
                stacklevel=5,
            )
        if grain is None:
            _warn_after_data(as_of, as_of_day, units.window, context)
        else:
            last_period = int(day_period(np.array([context.last]), grain)[0])
            if part.origin + part.table.shape[1] - 1 > last_period:
                _warn_after_data(as_of, as_of_day, 1, context)
        if grain is None and part.origin < context.first:
            covered = part.origin + units.window - context.first
            warnings.warn(
                f"The period {period!r} ({units.window} days) starts before the first event: "
                f"its window holds only {max(covered, 0)} days of data.",
                DataQualityWarning,
                stacklevel=5,
            )
        counts = part.table.T.astype(np.int64)
        if cumulative:
            counts = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1]
        if grain is None:
            labels = pd.DatetimeIndex([part.origin * DAY_NS]).as_unit("ns")
        else:
            labels = period_labels(np.arange(part.origin, part.origin + len(counts)), grain)
        table = pd.DataFrame(counts, columns=pd.Index(range(1, max_units + 1)))
        table.insert(0, "period", labels)
        return Stickiness(
            table=table, period=str(period), cumulative=bool(cumulative), unit=units.unit
        )

    return Analysis(
        name="stickiness",
        keys=(user_col,),
        prepare=prepare,
        partial=partial,
        merge=_merge_sticky,
        finalize=finalize,
        context=day_range,
        merge_context=merge_range,
    )
