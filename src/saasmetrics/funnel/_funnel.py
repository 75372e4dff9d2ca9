"""funnel(): conversion funnels with windows, order modes, exclusions and breakdowns."""

from __future__ import annotations

from collections.abc import Sequence

from saasmetrics.eventlog import EventLog
from saasmetrics.funnel._analysis import FunnelPartial, funnel_analysis
from saasmetrics.funnel._options import Count, Entry, Order, funnel_settings
from saasmetrics.funnel._result import FunnelResult
from saasmetrics.funnel._steps import StepLike
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, TimedeltaLike

__all__ = ("funnel",)


def funnel(
    events: EventLog | FrameLike,
    steps: Sequence[StepLike],
    *,
    window: TimedeltaLike = "7D",
    order: Order = "ordered",
    entry: Entry = "any",
    exclusions: Sequence[tuple[StepLike, int, int]] | None = None,
    breakdown: str | None = None,
    breakdown_attribution: str = "first_touch",
    hold_constant: str | None = None,
    count: Count = "users",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    partitioned_by: str | None = None,
) -> FunnelResult:
    """Conversion funnel: how many users reach each step, within a window, in an order mode.

    Every step-1 event (with ``order="unordered"``, every event of any step) opens an
    *attempt* (only the user's first one with ``entry="first"``).
    An attempt's later steps are matched by the earliest qualifying events, one event per step,
    each at most ``window`` after the attempt's step-1 event (inclusive). A user counts at the
    highest step any of their attempts reached; among equally good attempts the earliest
    counts, and its events give the times and the breakdown value. Events with the same
    timestamp keep their input order (the :class:`~saasmetrics.EventLog` sort is stable).

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        The events (a log built once is reused; a frame is validated and encoded; a dask
        DataFrame is analysed partition by partition, with the same result).
    steps : sequence of str, Step, dict or (event, conditions) pairs
        At least two steps. A step is an event name or a :class:`Step` with property
        conditions (``Step("subscribe", where={"plan": "pro"})``).
    window : str or Timedelta, default "7D"
        Conversion window, measured from each attempt's first step; must be positive.
    order : {"ordered", "strict", "unordered", "first_then_any"}, default "ordered"
        ``"ordered"``: steps in sequence, other events may come between. ``"strict"``: each
        step must be the user's very next event after the previous step (anything else in
        between ends the attempt). ``"unordered"`` (PostHog, Amplitude and Mixpanel's "any
        order"): an event of *any* step opens an attempt, and level ``k`` is reached when
        ``k`` distinct steps happened within the window, in any order; the rows are then
        named ``"1 of K steps"``, ``"2 of K steps"``, ... and ``breakdown_attribution="step:<k>"``
        reads the event that completed ``k + 1`` steps. ``"first_then_any"``: step 1 opens
        the attempt and the other steps follow in any order.
    entry : {"any", "first"}, default "any"
        Every step-1 event opens an attempt, or only the user's first one (Mixpanel's default).
    exclusions : sequence of (event, from_step, to_step), optional
        0-based step indices: ``("x", 0, 1)`` removes an attempt with an ``x`` event after its
        first step and before its second (or, if it never reached the second, within its
        window). Not available for the any-order modes.
    breakdown : str, optional
        A property: one funnel per value. Each user has one value, read from an event of the
        counted attempt as ``breakdown_attribution`` says.
    breakdown_attribution : str, default "first_touch"
        ``"first_touch"`` (the step-1 event), ``"last_touch"`` (the last step reached) or
        ``"step:<k>"`` (0-based step ``k``; users who did not reach it get a missing value).
    hold_constant : str, optional
        A property all steps of an attempt must share (events where it is missing match no
        step; a warning says how many step-1 events that leaves out).
    count : {"users", "attempts"}, default "users"
        Count users (their best attempt), or every attempt that was not excluded.
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column (the
        shuffle by user is skipped); see :mod:`saasmetrics.scale`.

    Returns
    -------
    FunnelResult
        ``.to_frame()`` one row per step; ``.counts``; times, user ids, comparisons and plots.

    Raises
    ------
    ParameterError
        Fewer than two steps, a window that is not positive, an unknown mode, an exclusion out
        of range, with an any-order funnel or matching a step it spans, a bad
        ``breakdown_attribution``; a ``breakdown`` or ``hold_constant`` that is not one
        property name (or names the user, time or event column), a ``breakdown`` named like an
        output column (``step``, ``users``, ``level``, ``at_0`` ...).
    MissingColumnError
        A breakdown, held-constant or condition property that the data does not have.

    Warns
    -----
    DataQualityWarning
        For a step (or exclusion) whose event never occurs, or no event of which meets the
        step's conditions (its row counts 0); for step-1 events without a value of the
        ``hold_constant`` property.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.funnel import funnel
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "a", "b", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                  "2024-01-01", "2024-01-20", "2024-01-05"]),
    ...     "event": ["signup", "create_project", "subscribe",
    ...               "signup", "create_project", "signup"],
    ... })
    >>> result = funnel(events, ["signup", "create_project", "subscribe"], window="7D")
    >>> result.counts
    [3, 1, 1]
    >>> result.to_frame()[["step", "users", "conversion_from_start", "median_time_to_convert"]]
                 step  users  conversion_from_start median_time_to_convert
    0          signup      3               1.000000                    NaT
    1  create_project      1               0.333333                 1 days
    2       subscribe      1               0.333333                 1 days
    >>> list(result.dropped_at(1))
    ['b', 'c']
    """
    plan = _funnel_analysis(
        steps,
        window=window,
        order=order,
        entry=entry,
        exclusions=exclusions,
        breakdown=breakdown,
        breakdown_attribution=breakdown_attribution,
        hold_constant=hold_constant,
        count=count,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    return run(plan, events, partitioned_by=partitioned_by)


@register(funnel)
def _funnel_analysis(
    steps: Sequence[StepLike],
    *,
    window: TimedeltaLike = "7D",
    order: Order = "ordered",
    entry: Entry = "any",
    exclusions: Sequence[tuple[StepLike, int, int]] | None = None,
    breakdown: str | None = None,
    breakdown_attribution: str = "first_touch",
    hold_constant: str | None = None,
    count: Count = "users",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> Analysis[FunnelPartial, FunnelResult]:
    """The funnel as partial / merge / finalize (options validated here, once)."""
    settings = funnel_settings(
        steps,
        window=window,
        order=order,
        entry=entry,
        exclusions=exclusions,
        breakdown=breakdown,
        breakdown_attribution=breakdown_attribution,
        hold_constant=hold_constant,
        count=count,
    )
    return funnel_analysis(settings, user_col=user_col, time_col=time_col, event_col=event_col)
