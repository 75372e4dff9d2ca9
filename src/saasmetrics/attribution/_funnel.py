"""channel_funnel(): the funnel per channel (visit -> lead -> customer), via the funnel module."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import tzinfo
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import attribution as kern
from saasmetrics._kernels.encoding import sort_order
from saasmetrics._kernels.periods import elapsed_at_most
from saasmetrics._kernels.segments import run_starts, segment_offsets
from saasmetrics._validation import (
    ParsedTimes,
    RowCheck,
    check_choice,
    check_positive_timedelta,
    parse_timestamps,
    require_columns,
)
from saasmetrics.attribution._ids import user_codes_and_ids
from saasmetrics.eventlog import event_log_of_sorted
from saasmetrics.exceptions import EmptyDataError, ParameterError, SchemaError
from saasmetrics.funnel import FunnelResult, funnel
from saasmetrics.typing import FrameLike, OnInvalid, TimedeltaLike

__all__ = ("channel_funnel",)

I64 = npt.NDArray[np.int64]
_STEPS = ("visit", "lead", "customer")
# internal column names of the event log handed to funnel(); the channel keeps its own name
_USER, _TIME, _EVENT = "__user", "__time", "__event"


def _table(
    frame: FrameLike,
    name: str,
    roles: dict[str, str],
    on_invalid: OnInvalid,
    *,
    allow_empty: bool,
) -> tuple[pd.DataFrame, npt.NDArray[np.bool_], ParsedTimes | None]:
    """Validate one input: the pandas frame, the rows kept and their parsed times."""
    data = to_pandas(frame, name=name, allow_empty=allow_empty)
    require_columns(data, roles)
    user_col, time_col = roles["user_col"], roles["time_col"]
    rows = RowCheck(data, on_invalid=on_invalid, name=name)
    rows.flag(data[user_col].isna().to_numpy(), user_col, "null user ids")
    channel_col = roles.get("channel_col")
    if channel_col is not None:
        rows.flag(data[channel_col].isna().to_numpy(), channel_col, "null channels")
    times = parse_timestamps(data[time_col], rows=rows) if len(data) else None
    rows.finish()
    return data, rows.keep, times


def _kept(column: pd.Series, keep: npt.NDArray[np.bool_]) -> pd.Series:
    """The rows kept (the column itself when every row is: no copy)."""
    return column if keep.all() else column[keep]


def _kept_ns(times: ParsedTimes | None, keep: npt.NDArray[np.bool_]) -> I64:
    """The times of the rows kept (no copy when every row is)."""
    if times is None:
        return np.zeros(0, dtype=np.int64)
    return times.ns if keep.all() else times.ns[keep]


def _common_tz(parts: list[tuple[str, ParsedTimes | None]]) -> tzinfo | None:
    """The one time zone of the inputs; naive and tz-aware inputs together are refused."""
    zones = {name: times.tz for name, times in parts if times is not None}
    aware = {name: tz for name, tz in zones.items() if tz is not None}
    if aware and len(aware) != len(zones):
        naive = sorted(set(zones) - set(aware))
        raise SchemaError(
            f"{sorted(aware)} have tz-aware timestamps but {naive} naive ones; comparing them "
            "would silently treat the naive ones as UTC.",
            hint="localize all three tables to the same zone (Series.dt.tz_localize).",
        )
    return next(iter(aware.values()), None)


def channel_funnel(
    sessions: FrameLike,
    leads: FrameLike | None = None,
    conversions: FrameLike | None = None,
    *,
    window: TimedeltaLike = "90D",
    credit: Literal["last", "first"] = "last",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    channel_col: str = "channel",
    on_invalid: OnInvalid = "raise",
) -> FunnelResult:
    """The funnel per channel: visitors, leads and customers, each person in one channel.

    Builds one event table (each session a ``visit`` carrying its channel, each lead a
    ``lead``, each conversion a ``customer``) and runs :func:`saasmetrics.funnel.funnel` on it
    with the steps visit -> lead -> customer (visit -> customer without ``leads``), an ordered
    funnel over users with ``window`` measured from the visit, broken down by channel.

    Each person counts in one channel, the one :func:`channel_report` credits with the same
    ``credit``: a lead or customer event carries the channel of the session ``channel_report``
    gives it (the last session at or before it, or the person's first session), and the
    funnel reads the channel of the furthest step the person reached
    (``breakdown_attribution="last_touch"``). A visitor who never became a lead counts in the
    channel of their last visit (``credit="last"``) or first visit (``credit="first"``).

    Parameters
    ----------
    sessions : DataFrame-like
        One row per web visit: user, time and channel.
    leads : DataFrame-like, optional
        Lead events (e.g. signups): user and time. Without it the steps are visit -> customer.
    conversions : DataFrame-like, optional
        Customer events (e.g. first payments): user and time.
    window : str or Timedelta, default "90D"
        How long after a visit its lead and customer may come (both measured from the visit).
    credit : {"last", "first"}, default "last"
        Which session's channel a lead or customer gets: the last session at or before it
        (last click, ``channel_report``'s default) or the person's first session.
    user_col, time_col, channel_col : str
        Column roles; leads and conversions use ``user_col`` and ``time_col`` too.
    on_invalid : {"raise", "drop"}, default "raise"
        Null users, channels or timestamps raise, or are dropped with a warning.

    Returns
    -------
    FunnelResult
        Broken down by ``channel_col``: ``.to_frame()`` has one block of steps per channel
        (largest first), ``.compare(a, b)`` tests two channels step by step, ``.plot()`` draws
        the conversion per channel. The ``visit`` step counts people (visitors), not sessions.

    Raises
    ------
    ParameterError
        Without ``leads`` and ``conversions``, for an unknown ``credit`` or a window that is
        not positive.
    MissingColumnError
        For a missing column.
    EmptyDataError
        If ``sessions`` has no (valid) rows.
    SchemaError
        If some inputs have tz-aware timestamps and others naive ones.
    InputError
        For null ids, channels or timestamps (unless ``on_invalid="drop"``).

    Notes
    -----
    Per channel, the ``lead`` and ``customer`` counts equal ``channel_report(sessions,
    conversions, leads=leads, credit=credit)``'s ``leads`` and ``customers`` when every
    person's first lead follows one of their sessions and their first conversion follows that
    lead, within ``window`` of that session (as on the sample company, for both credits); both
    count a person once. The funnel counts people who took the steps in order, so it counts
    fewer where these fail: a lead before any session or more than ``window`` after every
    session, a customer who was never a lead
    (when ``leads`` are given). With ``credit="last"``, a person whose lead and conversion are
    credited to different channels (a session of another channel between the two) counts, at
    every step, in the conversion's channel. Leads and conversions of people without any
    session are in no channel, in both functions.

    Sessions come before leads, and leads before conversions, when they share a timestamp:
    a lead at the instant of a session follows it. Two sessions of one person at the same
    instant keep their input order (as in ``channel_report``).

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import channel_funnel
    >>> sessions = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "c", "d", "d"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02",
    ...                                  "2024-01-02", "2024-01-04", "2024-01-05"]),
    ...     "channel": ["Paid Social", "Email", "Email", "Paid Social", "Email", "Paid Social"],
    ... })
    >>> leads = pd.DataFrame({"user_id": ["a", "b", "c"],
    ...                       "timestamp": pd.to_datetime(["2024-01-03", "2024-01-02",
    ...                                                    "2024-01-09"])})
    >>> customers = pd.DataFrame({"user_id": ["a"], "timestamp": pd.to_datetime(["2024-02-01"])})

    Last click: ``a``'s lead and purchase go to Email, their last session before them;
    ``d`` never became a lead and counts in Paid Social, their last visit.

    >>> result = channel_funnel(sessions, leads, customers)
    >>> result.to_frame()[["channel", "step", "users", "conversion_from_previous"]]
           channel      step  users  conversion_from_previous
    0        Email     visit      2                       1.0
    1        Email      lead      2                       1.0
    2        Email  customer      1                       0.5
    3  Paid Social     visit      2                       1.0
    4  Paid Social      lead      1                       0.5
    5  Paid Social  customer      0                       0.0

    First touch: everyone counts in the channel of their first visit (users per step):

    >>> first = channel_funnel(sessions, leads, customers, credit="first")
    >>> first.to_frame().groupby("channel", sort=False)["users"].apply(list)
    channel
    Email          [2, 1, 0]
    Paid Social    [2, 2, 1]
    Name: users, dtype: object
    """
    check_choice("credit", credit, ("last", "first"))
    check_positive_timedelta("window", window)
    if leads is None and conversions is None:
        raise ParameterError(
            "channel_funnel needs leads, conversions or both: visits alone are no funnel.",
            hint="pass e.g. leads=signups or conversions=first_payments.",
        )
    roles = {"user_col": user_col, "time_col": time_col}
    s_data, s_keep, s_times = _table(
        sessions, "sessions", {**roles, "channel_col": channel_col}, on_invalid, allow_empty=False
    )
    if s_times is None or not s_keep.any():
        raise EmptyDataError("sessions has no valid rows: nobody visited.")
    inputs = [(name, frame) for name, frame in (("leads", leads), ("conversions", conversions))]
    events = [
        (name, *_table(frame, name, roles, on_invalid, allow_empty=True))
        for name, frame in inputs
        if frame is not None
    ]
    tz = _common_tz([("sessions", s_times), *((name, t) for name, _, _, t in events)])

    # one code per person over the three tables, as channel_report encodes them: ids equal as
    # values are one person (7, 7.0 and, when the tables' id types differ, "7")
    columns = [
        _kept(s_data[user_col], s_keep),
        *(_kept(data[user_col], keep) for _, data, keep, _ in events),
    ]
    codes, compared = user_codes_and_ids(columns)
    people = _first_ids(columns, codes, compared)

    # sessions by (user, time), input order among ties: sorted once, used three ways
    n_s = int(np.count_nonzero(s_keep))
    s_user, s_ns = codes[:n_s], _kept_ns(s_times, s_keep)
    order = sort_order(s_user, s_ns)
    su, sn = s_user[order], s_ns[order]
    offsets = segment_offsets(su, people.size)
    # a visitor's channel: their first or last session (a lead or customer overrides it)
    starts, stops = offsets[:-1], offsets[1:]
    visited = stops > starts
    per_person = np.zeros(people.size, dtype=np.int64)  # position in the sorted sessions
    per_person[visited] = starts[visited] if credit == "first" else stops[visited] - 1

    # leads and customers, by (user, time) (leads first, input order among ties): the channel
    # of the session channel_report credits, and their place among the sorted sessions
    e_ns = np.concatenate(
        [np.zeros(0, dtype=np.int64)] + [_kept_ns(t, keep) for _, _, keep, t in events]
    )
    kind = np.repeat(
        np.array([1 if name == "leads" else 2 for name, *_ in events], dtype=np.int8),
        [int(np.count_nonzero(keep)) for _, _, keep, _ in events],
    )
    e_user = codes[n_s:]
    e_order = sort_order(e_user, e_ns)
    e_user, e_ns, kind = e_user[e_order], e_ns[e_order], kind[e_order]
    session, after = kern.credited_sessions(offsets, sn, e_user, e_ns, credit)
    has = session >= 0  # people without any session can reach no step
    e_user, e_ns, session, after = e_user[has], e_ns[has], session[has], after[has]
    kind = kind[has]

    # The visits that can be a person's counted attempt (the earliest of those reaching the
    # furthest step): their first visit, and visits whose next step-2 event (their lead, or
    # customer without leads) is within the window. Any other visit stops at step 1 after
    # the first one, so leaving it out changes no count, time or channel.
    second = np.flatnonzero(kind == (1 if leads is not None else 2))
    nxt = kern.next_event(after[second], n_s)  # each visit's next step-2 event, if any
    found = nxt >= 0
    nxt = second[nxt[found]]
    window_ns = check_positive_timedelta("window", window).value
    reaches = np.zeros(n_s, dtype=bool)
    reaches[found] = (e_user[nxt] == su[found]) & elapsed_at_most(e_ns[nxt], sn[found], window_ns)
    reaches[starts[visited]] = True
    visits = np.flatnonzero(reaches)

    # one event table, already in (user, time) order: each lead or customer right after the
    # visits at or before it, so the funnel's sort has nothing to do
    n_v, n_e = visits.size, e_user.size
    after = np.searchsorted(visits, after)  # now among the visits kept
    e_pos = after + np.arange(n_e)
    # each visit moves down by the events placed at or before it
    s_pos = np.arange(n_v) + np.cumsum(np.bincount(after, minlength=n_v + 1)[:n_v])
    user = np.empty(n_v + n_e, dtype=np.int64)
    ns = np.empty(n_v + n_e, dtype=np.int64)
    step = np.zeros(n_v + n_e, dtype=np.int8)
    credited = np.empty(n_v + n_e, dtype=np.int64)  # position in the sorted sessions
    user[s_pos], user[e_pos] = su[visits], e_user
    ns[s_pos], ns[e_pos] = sn[visits], e_ns
    step[e_pos] = kind
    credited[s_pos], credited[e_pos] = per_person[su[visits]], session
    # handed to the funnel as an EventLog (nothing hashed or sorted again): its users are the
    # people with a row, by code; the channel a categorical of the sessions' own values
    first = run_starts(user)
    # the names of the steps with rows, sorted (a step without any is warned about)
    occurs = np.bincount(step, minlength=len(_STEPS)) > 0
    names = sorted(name for name, found in zip(_STEPS, occurs, strict=True) if found)
    event_codes = np.array(
        [names.index(n) if f else -1 for n, f in zip(_STEPS, occurs, strict=True)]
    )
    channel, decode = _categorical(_kept(s_data[channel_col], s_keep))
    log = event_log_of_sorted(
        np.cumsum(first) - 1,
        pd.Index(user[first]),
        event_codes=event_codes[step],
        events=pd.Index(names),
        times=ParsedTimes(ns=ns, tz=tz),
        properties={channel_col: channel.take(order[credited])},
        user_col=_USER,
        time_col=_TIME,
        event_col=_EVENT,
    )
    given = {"visit": True, "lead": leads is not None, "customer": conversions is not None}
    steps = [step for step in _STEPS if given[step]]
    result = funnel(
        log,
        steps,
        window=window,
        order="ordered",
        entry="any",
        breakdown=channel_col,
        breakdown_attribution="last_touch",
        count="users",
    )
    units = result.units.copy(deep=False)
    units["user"] = people.take(units["user"].to_numpy())
    units[channel_col] = decode(units[channel_col])
    return dataclasses.replace(result, units=units)


def _categorical(
    column: pd.Series,
) -> tuple[pd.Series, Callable[[pd.Series], Any]]:
    """``column`` as a categorical (gathers move codes, not text), and the way back to its dtype.

    A categorical column is itself (its categories and order kept); other values are
    factorized, and decoded back to their own dtype, but for floats and objects other than
    text, which stay as they are (factorizing makes one value of ``1``, ``1.0`` and ``True``).
    """
    if column.dtype == object:
        alike = pd.api.types.infer_dtype(column) == "string"
    else:  # floats: 0.0 and -0.0 would be one code
        alike = not pd.api.types.is_float_dtype(column.dtype)
    if isinstance(column.dtype, pd.CategoricalDtype) or not alike:
        # a categorical already; or equal values that differ (1, 1.0 and True) would be one
        # code, decoded as the first of them
        return column, lambda found: found
    codes, values = pd.factorize(column)
    categorical = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(values))
    return pd.Series(categorical, copy=False), lambda found: values.take(found.array.codes)


def _first_ids(
    columns: list[pd.Series], codes: npt.NDArray[np.int64], compared: pd.Index
) -> pd.Index:
    """Each person's id as they first appear with it (the codes are in first-appearance order).

    Ids compared as they are (one dtype, not text that was converted) are the compared ids.
    """
    dtypes = {column.dtype for column in columns}
    # not float ids: integral ones are compared as integers, and -0.0 would come back as 0.0
    if (
        len(dtypes) == 1
        and compared.dtype in dtypes
        and compared.dtype != object
        and not pd.api.types.is_float_dtype(compared.dtype)
    ):
        ids: pd.Index = pd.Index(compared, name="user", copy=False)
        return ids
    first = np.ones(codes.size, dtype=bool)
    first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    all_ids = pd.concat(columns, ignore_index=True)
    ids = pd.Index(all_ids.iloc[np.flatnonzero(first)], name="user")
    return ids
