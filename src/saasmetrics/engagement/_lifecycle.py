"""lifecycle(): new, returning, resurrecting and dormant users per period (PostHog's rules)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from saasmetrics._kernels.engagement import distinct_pairs, lifecycle_counts
from saasmetrics._kernels.periods import PeriodSpec
from saasmetrics._plotting import PALETTE, get_axes, period_label
from saasmetrics._results import ResultMixin
from saasmetrics.engagement._common import (
    Activity,
    DayRange,
    align_add,
    calendar_spec,
    check_event_col,
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

__all__ = ("Lifecycle", "lifecycle")

_STATUSES = ("new", "returning", "resurrecting", "dormant")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class Lifecycle(ResultMixin):
    """Active users per period split into new, returning and resurrecting; dormant below zero.

    Built by :func:`lifecycle`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per period: ``period`` (start date), ``new``, ``returning``,
        ``resurrecting``, ``dormant`` (negative), ``active`` (new + returning +
        resurrecting) and ``quick_ratio`` ((new + resurrecting) / -dormant).
    freq : str
        The period grain.
    new_event : tuple of str
        The events that make a user new (empty: their first event).

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import lifecycle
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02",
    ...                                  "2024-01-04", "2024-01-04"]),
    ...     "event": "login"})
    >>> lifecycle(events, freq="D").to_frame()[["period", "new", "returning",
    ...                                           "resurrecting", "dormant"]]
          period  new  returning  resurrecting  dormant
    0 2024-01-02    1          1             0        0
    1 2024-01-03    0          0             0       -2
    2 2024-01-04    0          0             2        0
    """

    table: pd.DataFrame
    freq: str
    new_event: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per period with the four statuses, ``active`` and ``quick_ratio``."""
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        return {
            "periods": len(self.table),
            "freq": self.freq,
            "new": int(self.table["new"].sum()),
            "resurrecting": int(self.table["resurrecting"].sum()),
            "dormant": int(self.table["dormant"].sum()),
        }

    def plot(self, ax: Any = None) -> Any:
        """Stacked bars: new, returning, resurrecting above zero, dormant below.

        Returns
        -------
        matplotlib.axes.Axes
        """
        ax = get_axes(ax)
        x = np.arange(len(self.table))
        bottom = np.zeros(len(self.table))
        colors = {"returning": PALETTE[0], "new": PALETTE[2], "resurrecting": PALETTE[1]}
        for status in ("returning", "new", "resurrecting"):
            values = self.table[status].to_numpy(dtype=float)
            ax.bar(x, values, bottom=bottom, color=colors[status], label=status)
            bottom += values
        ax.bar(x, self.table["dormant"].to_numpy(dtype=float), color=PALETTE[3], label="dormant")
        ax.axhline(0, color="black", linewidth=0.8)
        labels = [str(pd.Timestamp(p).date()) for p in self.table["period"]]
        step = max(1, len(labels) // 12)
        ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
        ax.set_ylabel("users")
        ax.set_title(f"Lifecycle of active users, by {period_label(self.freq)}")
        ax.legend()
        return ax


@dataclass(frozen=True, slots=True)
class _LifecyclePartial:
    origin: int
    counts: Any  # (4 x periods) int64: new, returning, resurrecting, dormant
    found: bool


def _merge(a: _LifecyclePartial, b: _LifecyclePartial) -> _LifecyclePartial:
    origin, counts = align_add(a.origin, a.counts, b.origin, b.counts)
    return _LifecyclePartial(origin, counts, a.found or b.found)


def lifecycle(
    events: EventLog | FrameLike,
    *,
    freq: str = "W",
    new_event: Any = None,
    start: Any = None,
    end: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    partitioned_by: str | None = None,
) -> Lifecycle:
    """New, returning, resurrecting and dormant users per period, as PostHog counts them.

    A user is active in a period when they have an event in it (local days of the data's
    time zone). Each active period of a user is exactly one of

    - **new**: the user's creation period (their first event, or their first ``new_event``)
      and their first active period;
    - **returning**: they were also active in the previous period;
    - **resurrecting**: not active in the previous period (but before, or before their
      creation: activity before a user's first ``new_event`` is never "new", as in PostHog
      where a person is new only in their ``created_at`` period and only if they had no
      earlier activity);

    and a user active in a period but not in the next one is **dormant** in the next one
    (reported as a negative count). So ``active_t - active_{t-1} = new + resurrecting +
    dormant`` for every reported period.

    **Users active before** ``start``: statuses are computed on the whole history of the
    data, and ``start`` only chooses the rows shown. A user first seen before ``start`` is
    never new in the range; active in the period before ``start`` they are returning, else
    resurrecting (PostHog looks back one period and reads ``created_at``; with creation =
    first event this gives the same statuses). By default the first period of the data is
    not shown: with no history before it, everyone in it would be new, so it serves as the
    look-back of the second period.

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        The events; ``user_col`` may name any actor (accounts, organisations).
    freq : str, default "W"
        ``"D"``, ``"W"`` (Monday-Sunday weeks), ``"W-SAT"`` (Sunday-Saturday), ``"MS"``,
        ``"QS"`` or ``"YS"``.
    new_event : str or list of str, optional
        Events that create a user (e.g. ``"signup"``); users without one are created by
        their first event.
    start, end : date-like, optional
        First and last period shown (default: the data's second period and its last one).
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame; the event column is read only by
        ``new_event``: without it every row is activity, so (actor, time) rows are enough,
        and ``event_col=None`` says there is no event column. So a row with a null event
        name is activity when no ``new_event`` is given; with one, a null event name
        raises the ``InputError`` building an EventLog of the frame raises.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column.

    Returns
    -------
    Lifecycle
        ``to_frame()``: one row per period.

    Raises
    ------
    ParameterError
        An unknown ``freq``, ``end`` before ``start``, or ``new_event`` with
        ``event_col=None``.
    InputError
        Null user ids or times, or (with ``new_event``) null event names.
    EmptyDataError
        No rows, or ``start`` / ``end`` name periods with no data (after its last period,
        before its first, or only the look-back period).

    Warns
    -----
    DataQualityWarning
        When no event is a ``new_event``, or the data spans a single period.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import lifecycle
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "b", "a", "c", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-08",
    ...                                  "2024-01-09", "2024-01-15"]),
    ...     "event": "login"})
    >>> lifecycle(events, freq="W").to_frame()[["period", "new", "returning",
    ...                                          "resurrecting", "dormant"]]
          period  new  returning  resurrecting  dormant
    0 2024-01-08    1          1             0       -1
    1 2024-01-15    0          0             1       -2
    """
    plan = _lifecycle_analysis(
        freq=freq,
        new_event=new_event,
        start=start,
        end=end,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    return run(plan, events, partitioned_by=partitioned_by)


def _period_of(name: str, value: Any, grain: PeriodSpec) -> int:
    return int(day_period(np.array([to_day(name, value)]), grain)[0])


@register(lifecycle)
def _lifecycle_analysis(
    *,
    freq: str = "W",
    new_event: Any = None,
    start: Any = None,
    end: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
) -> Analysis[_LifecyclePartial, Lifecycle]:
    """The lifecycle analysis: per-period counts add across user chunks."""
    grain = calendar_spec("freq", freq)
    new_events = () if new_event is None else event_list("new_event", new_event)
    check_event_col(event_col, new_event=new_event)
    start_p = None if start is None else _period_of("start", start, grain)
    end_p = None if end is None else _period_of("end", end, grain)
    if start_p is not None and end_p is not None and end_p < start_p:
        raise ParameterError(f"end={end!r} is before start={start!r}.")

    def prepare(data: EventLog | FrameLike) -> Activity:
        return load(
            data,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            needs_event=bool(new_events),
        )

    def bounds(context: DayRange) -> tuple[int, int]:
        first, last = (int(p) for p in day_period(np.array([context.first, context.last]), grain))
        lo = first if start_p is None else min(first, start_p)
        hi = last if end_p is None else max(last, end_p)
        return lo, hi

    def partial(log: Activity, context: DayRange) -> _LifecyclePartial:
        lo, hi = bounds(context)
        periods = day_period(log.days, grain, lo)
        users = np.asarray(log.user_codes, dtype=np.int64)
        u, p = distinct_pairs(users, periods)
        if not new_events:  # created by their first event: new in their first active period
            return _LifecyclePartial(lo, np.stack(lifecycle_counts(u, p, None, hi - lo + 1)), True)
        first_of_user = np.ones(u.size, dtype=bool)
        first_of_user[1:] = u[1:] != u[:-1]
        created = np.full(log.n_users, np.iinfo(np.int64).max, dtype=np.int64)
        codes, flags = event_codes(log, new_events)
        mask = np.isin(log.event_codes, codes)
        np.minimum.at(created, users[mask], periods[mask])
        fallback = np.full(log.n_users, 0, dtype=np.int64)
        fallback[u[first_of_user]] = p[first_of_user]
        created = np.where(created == np.iinfo(np.int64).max, fallback, created)
        counts = np.stack(lifecycle_counts(u, p, created[u], hi - lo + 1))
        return _LifecyclePartial(lo, counts, any(flags))

    def finalize(part: _LifecyclePartial, context: DayRange) -> Lifecycle:
        if new_events and not part.found:
            warnings.warn(
                f"No event is a new_event {list(new_events)!r}: every user is created by "
                "their first event.",
                DataQualityWarning,
                stacklevel=5,
            )
        first, last = (int(p) for p in day_period(np.array([context.first, context.last]), grain))
        n_data = last - first + 1
        lo = start_p if start_p is not None else (first + 1 if n_data > 1 else first)
        hi = end_p if end_p is not None else last
        if hi < first or lo > last or lo > hi:
            span = period_labels(np.array([first, last]), grain)
            raise EmptyDataError(
                f"No events in the periods asked for (start={start!r}, end={end!r}): the "
                f"data's {grain.freq} periods run from {span[0].date()} to {span[1].date()}.",
                hint="choose start and end that overlap the data (the first period of the "
                "data is its look-back and is shown only when start= names it).",
            )
        if start_p is None and n_data == 1:
            warnings.warn(
                "The data spans a single period: there is no history before it, so every "
                "active user is new.",
                DataQualityWarning,
                stacklevel=5,
            )
        rows = np.arange(lo, hi + 1) - part.origin
        new, returning, resurrecting, dormant = (part.counts[i, rows] for i in range(4))
        table = pd.DataFrame(
            {
                "period": period_labels(np.arange(lo, hi + 1), grain),
                "new": new.astype(np.int64),
                "returning": returning.astype(np.int64),
                "resurrecting": resurrecting.astype(np.int64),
                "dormant": -dormant.astype(np.int64),
                "active": (new + returning + resurrecting).astype(np.int64),
                "quick_ratio": ratio(new + resurrecting, dormant),
            }
        )
        return Lifecycle(table=table, freq=grain.freq, new_event=tuple(map(str, new_events)))

    return Analysis(
        name="lifecycle",
        keys=(user_col,),
        prepare=prepare,
        partial=partial,
        merge=_merge,
        finalize=finalize,
        context=day_range,
        merge_context=merge_range,
    )
