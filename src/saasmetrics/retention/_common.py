"""Shared helpers of the retention subpackage: time parsing against a log, user starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.encoding import codes_present
from saasmetrics._kernels.parallel import block_bounds, in_threads
from saasmetrics._kernels.periods import PeriodSpec, parse_freq
from saasmetrics._validation import CountedWarning, check_instant, warn_counted
from saasmetrics.config import get_threads
from saasmetrics.eventlog import EventLog, encode_events
from saasmetrics.exceptions import InputError, ParameterError, SchemaError
from saasmetrics.typing import FrameLike, OnInvalid

I64 = npt.NDArray[np.int64]


def spec_or_error(name: str, freq: Any, *, rolling: bool) -> PeriodSpec:
    """Parse a time grain, turning the kernel's ValueError into a ParameterError."""
    try:
        return parse_freq(freq, rolling=rolling)
    except (ValueError, AttributeError, TypeError) as exc:
        raise ParameterError(
            f"{name}={freq!r} is not a time grain.",
            hint="use 'D', 'W', 'W-MON'..'W-SUN', 'MS', 'QS', 'YS'"
            + (" or a duration such as '7D'." if rolling else "."),
        ) from exc


def as_of_ns(log: Encoded, as_of: Any, wall: I64) -> int:
    """End of observation as wall-clock nanoseconds (default: the last event)."""
    if as_of is None:
        return int(wall.max())
    stamp = check_instant("as_of", as_of, tz=log.tz)
    return int(stamp.tz_localize(None).value)  # wall clock of the data's zone


def first_time(log: Encoded, event: Any | None) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Each user's first time (wall ns) of ``event`` (or of any event), and who has one.

    Rows need not be sorted: a scatter-min over users (``np.minimum.at``); an EventLog's first
    times are read off its sorted rows. Computed once per log and event (the arrays are
    shared: do not modify them).
    """
    key = ("first_time", event)
    if key in log.cache:
        cached: tuple[I64, npt.NDArray[np.bool_]] = log.cache[key]
        return cached
    n_users = log.n_users
    if event is None:
        if log.first_wall is not None:
            start = log.first_wall
        else:
            start = np.full(n_users, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(start, log.user_codes, log.wall)
        found = (start, np.ones(n_users, dtype=bool))
    else:
        code = log.event_code(event)

        def first_in(block: slice) -> I64:
            rows = log.event_codes[block] == code  # a pass over every row: in row blocks
            first = np.full(n_users, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, log.user_codes[block][rows], log.wall[block][rows])
            return first

        bounds = block_bounds(len(log), get_threads())
        firsts = in_threads(first_in, [slice(a, b) for a, b in pairwise(bounds)])
        start = firsts[0] if len(firsts) == 1 else np.minimum.reduce(firsts)
        found = (start, start != np.iinfo(np.int64).max)
    log.cache[key] = found
    return found


@dataclass(frozen=True, slots=True)
class Encoded:
    """Users and event names as integer codes plus wall-clock times, in any row order.

    Retention needs no (user, time) sort, so a frame is validated and factorized here without
    the sort an :class:`~saasmetrics.EventLog` does; an EventLog is used as it is.
    """

    user_codes: I64
    event_codes: npt.NDArray[np.integer[Any]]
    wall: I64
    users: pd.Index
    events: pd.Index
    values: npt.NDArray[np.float64] | None
    tz: Any = None
    first_wall: I64 | None = None
    """Each user's first wall time when it is known without a scan (a naive EventLog)."""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    """What the analysis' steps (context, partial) share, computed once: see first_time."""

    @property
    def n_users(self) -> int:
        """Number of users."""
        return len(self.users)

    @property
    def n_event_types(self) -> int:
        """Number of event names."""
        return len(self.events)

    def __len__(self) -> int:
        return int(self.wall.size)

    def event_code(self, name: Any) -> int:
        """Code of event ``name``; ParameterError listing the names if unknown."""
        loc = int(self.events.get_indexer(pd.Index([name]))[0])
        if loc < 0 and not isinstance(name, str):
            # non-string event names are stored as text (EventLog): 3 is the event "3"
            loc = int(self.events.get_indexer(pd.Index([str(name)]))[0])
        if loc < 0:
            preview = list(self.events[:20])
            raise ParameterError(
                f"Unknown event {name!r}. Events in the log: {preview!r}"
                + (f" ... ({len(self.events) - 20} more)." if len(self.events) > 20 else "."),
            )
        return int(loc)


def _numeric_values(
    raw: pd.Series, value_col: str, on_invalid: OnInvalid
) -> npt.NDArray[np.float64]:
    """The value column as floats; missing or infinite values raise, or count as 0 and warn."""
    if not pd.api.types.is_numeric_dtype(raw.dtype) or pd.api.types.is_bool_dtype(raw.dtype):
        raise SchemaError(
            f"Column {value_col!r} has dtype {raw.dtype}; numbers were expected.",
            hint="convert it with pd.to_numeric first.",
        )
    values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    n_bad = int(bad.sum())
    if n_bad:
        if on_invalid == "raise":
            first = int(np.flatnonzero(bad)[0])
            raise InputError.bad_values(
                value_col,
                "missing or infinite values",
                n_bad=n_bad,
                n_rows=values.size,
                example={"row": first, value_col: raw.iloc[first]},
                hint="fill them (e.g. with 0 for no revenue), or pass on_invalid='drop' to "
                "leave them out of the sums.",
            )
        warn_counted(
            f"value_col {value_col}",
            CountedWarning(
                "Left {n_bad} of {n_rows} missing or infinite " + repr(value_col) + " values out "
                "of the sums (the rows still count as activity).",
                n_bad=n_bad,
                n_rows=values.size,
            ),
            stacklevel=4,
        )
        values = np.where(bad, 0.0, values)
    return values


def encode(
    events: EventLog | FrameLike,
    *,
    user_col: str,
    time_col: str,
    event_col: str,
    value_col: str | None = None,
    on_invalid: OnInvalid = "raise",
    any_user_order: bool = False,
    read_event_names: bool = True,
) -> Encoded:
    """Validate and factorize events (no sort), or reuse an EventLog's encoding.

    Raises the same typed errors as :class:`~saasmetrics.EventLog` for missing columns, null
    ids, names or timestamps (or drops and warns with ``on_invalid="drop"``).
    From a frame, ``any_user_order=True`` (for callers that only count users) codes users in
    the ids' order instead of their first appearance (dense integer ids by their offset: no
    hashing), and ``read_event_names=False`` (for callers that never look an event up)
    validates the event column without factorizing it.
    """
    if isinstance(events, EventLog):
        values = None
        if value_col is not None:
            values = _numeric_values(events.property_values(value_col), value_col, on_invalid)
        return Encoded(
            user_codes=events.user_codes,
            event_codes=events.event_codes,
            wall=events.wall_time_ns(),
            users=events.users,
            events=events.events,
            values=values,
            tz=events.tz,
            # rows sorted by (user, time): the first row is the first event (in a naive zone;
            # with a zone, wall clocks can step back at a DST change)
            first_wall=events.first_time_ns if events.tz is None else None,
        )
    encoded = encode_events(
        events,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        required=[("value_col", value_col)] if value_col is not None else [],
        on_invalid=on_invalid,
        any_user_order=any_user_order,
        read_event_names=read_event_names,
    )
    user_codes, users = encoded.user_codes, encoded.users
    if any_user_order:  # ids of no row (offset codes span every id in range) are not users
        present = codes_present(user_codes, len(users), threads=get_threads())
        if not present.all():
            user_codes = (np.cumsum(present) - 1)[user_codes]
            users = users[present]
    values = None
    if value_col is not None:
        values = _numeric_values(encoded.kept(value_col), value_col, on_invalid)
    parsed = encoded.times
    if parsed.tz is None:
        wall = parsed.ns
    else:
        wall = np.asarray(parsed.to_datetime().tz_localize(None).asi8, dtype=np.int64)
    return Encoded(
        user_codes=user_codes,
        event_codes=encoded.event_codes,
        wall=np.ascontiguousarray(wall, dtype=np.int64),
        users=users,
        events=encoded.events,
        values=values,
        tz=parsed.tz,
    )
