"""EventLog: validated, encoded, sorted event data that every event analysis reuses."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.encoding import (
    factorize_any_order,
    factorize_first_seen,
    factorize_sorted,
    sort_order,
)
from saasmetrics._kernels.segments import segment_offsets
from saasmetrics._validation import (
    ParsedTimes,
    RowCheck,
    ValidationReport,
    normalize_ids,
    parse_timestamps,
    require_columns,
)
from saasmetrics.config import get_threads
from saasmetrics.exceptions import EmptyDataError, MissingColumnError, ParameterError, SchemaError
from saasmetrics.typing import FrameLike, OnInvalid

__all__ = ("EncodedEvents", "EventLog", "as_event_log", "encode_events")


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


class EventLog:
    """Validated, encoded and sorted product events, built once and reused by every analysis.

    Users and event names are factorized to integer codes, time becomes int64 nanoseconds (UTC
    for tz-aware input, whose zone is kept), and rows are sorted by (user, time, input order):
    events with equal timestamps keep the order they had in the input. Each user's rows form a
    contiguous segment, ``offsets[i]:offsets[i + 1]``.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        One row per event. Never modified.
    user_col, time_col, event_col : str
        Column roles (defaults ``"user_id"``, ``"timestamp"``, ``"event"``).
    properties : sequence of str, optional
        Extra columns to keep for breakdowns and filters. ``None`` (default) keeps every other
        column; ``[]`` keeps none (the lightest log).
    on_invalid : {"raise", "drop"}, default "raise"
        Null users or events and null or unparseable timestamps raise an
        :class:`~saasmetrics.exceptions.InputError`, or with ``"drop"`` are dropped, warned
        about and counted in :attr:`validation`.

    Attributes
    ----------
    users : pandas.Index
        User ids; ``users[code]`` is the id of user ``code``, in order of first appearance.
    events : pandas.Index
        Event names, sorted; ``events[code]`` is the name of event ``code``.
    user_codes, event_codes, time_ns, row_order, offsets : numpy.ndarray
        Sorted, read-only arrays: user code, event code, time and the input row position of every
        event, and the per-user segment offsets (length ``n_users + 1``).
    tz : datetime.tzinfo or None
        Time zone of the input timestamps (``None`` for naive input).
    validation : ValidationReport
        Rows received and dropped.

    Raises
    ------
    MissingColumnError
        If a column role is not in ``data``.
    EmptyDataError
        If there are no rows (left).
    InputError
        For null ids or event names, null or unparseable timestamps (unless dropped).
    SchemaError
        For non-timestamp time columns or mixed time zones.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics import EventLog
    >>> frame = pd.DataFrame({
    ...     "user_id": ["b", "a", "b", "a"],
    ...     "timestamp": ["2024-01-02", "2024-01-01", "2024-01-01", "2024-01-03"],
    ...     "event": ["login", "signup", "signup", "login"],
    ... })
    >>> log = EventLog(frame)
    >>> log
    EventLog(events=4, users=2, event_types=2, from='2024-01-01', to='2024-01-03')
    >>> log.to_frame()["user_id"].tolist(), log.offsets.tolist()
    (['b', 'b', 'a', 'a'], [0, 2, 4])
    """

    __slots__ = (
        "_properties",
        "_times",
        "_user_code_base",
        "_user_codes",
        "event_codes",
        "event_col",
        "events",
        "offsets",
        "row_order",
        "time_col",
        "time_ns",
        "tz",
        "user_col",
        "users",
        "validation",
    )
    event_codes: npt.NDArray[np.int32]
    time_ns: npt.NDArray[np.int64]
    row_order: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64]

    def __init__(
        self,
        data: FrameLike,
        *,
        user_col: str = "user_id",
        time_col: str = "timestamp",
        event_col: str = "event",
        properties: Sequence[str] | None = None,
        on_invalid: OnInvalid = "raise",
    ) -> None:
        encoded = encode_events(
            data,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            properties=properties,
            on_invalid=on_invalid,
        )
        self._build(encoded, user_col=user_col, time_col=time_col, event_col=event_col)

    def _build(
        self, encoded: EncodedEvents, *, user_col: str, time_col: str, event_col: str
    ) -> None:
        """Sort the encoded events into this log."""
        n_users = len(encoded.users)
        order = sort_order(encoded.user_codes, encoded.times.ns).astype(np.int64, copy=False)
        # counts do not depend on the order, and sorted user codes are each code repeated by
        # its count: no gather needed
        self.offsets = _readonly(segment_offsets(encoded.user_codes, n_users))
        counts = np.diff(self.offsets)
        self._user_codes: npt.NDArray[np.int64] | None = _readonly(
            np.repeat(np.arange(n_users, dtype=np.int64), counts)
        )
        self._user_code_base: tuple[npt.NDArray[np.int64], int] | None = None
        codes = encoded.event_codes
        if len(encoded.events) < 128:  # a random gather of bytes stays in cache: 2x faster
            codes = codes.astype(np.int8, copy=False)
        # ``take`` of valid positions (clip: no bounds check) is 20% faster than an index
        self.event_codes = _readonly(
            np.take(codes, order, mode="clip").astype(np.int32, copy=False)
        )
        self.time_ns = _readonly(np.take(encoded.times.ns, order, mode="clip"))
        # ``order`` indexes the kept rows; map it back to positions in the caller's frame.
        kept = encoded.kept_positions
        self.row_order = _readonly(order if kept is None else kept[order])
        self.users = encoded.users
        self.events = encoded.events
        self.tz = encoded.times.tz
        self._times = ParsedTimes(ns=self.time_ns, tz=self.tz)
        self.user_col, self.time_col, self.event_col = user_col, time_col, event_col
        self.validation: ValidationReport = encoded.validation
        self._properties: dict[str, pd.Series] = {
            col: encoded.frame[col].iloc[self.row_order].reset_index(drop=True)
            for col in encoded.properties
        }

    @property
    def user_codes(self) -> npt.NDArray[np.int64]:
        """The user code of every event (sorted, read-only)."""
        if self._user_codes is None:  # a part of a split log: its codes made on first use
            base, lo = self._user_code_base  # type: ignore[misc]
            self._user_codes = _readonly(base - lo)
        return self._user_codes

    def __setstate__(self, state: tuple[Any, dict[str, Any]]) -> None:
        """Unpickle, arrays read-only again (also a log pickled with plain user codes)."""
        slots = dict(state[1])
        if "user_codes" in slots:
            slots["_user_codes"] = slots.pop("user_codes")
        slots.setdefault("_user_code_base", None)
        for name, value in slots.items():
            if isinstance(value, np.ndarray):  # unpickled arrays are writeable
                value.flags.writeable = False
            object.__setattr__(self, name, value)

    def _user_codes_at(self, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """``user_codes[positions]`` (valid positions), without making a part's whole codes."""
        if self._user_codes is None:
            base, lo = self._user_code_base  # type: ignore[misc]
            codes: npt.NDArray[np.int64] = base.take(positions, mode="clip")
            codes -= lo
            return codes
        return self._user_codes.take(positions, mode="clip")

    # ----------------------------------------------------------------- sizes and names
    def __len__(self) -> int:
        """Number of events."""
        return int(self.time_ns.size)

    @property
    def n_users(self) -> int:
        """Number of distinct users."""
        return len(self.users)

    @property
    def n_event_types(self) -> int:
        """Number of distinct event names."""
        return len(self.events)

    @property
    def properties(self) -> tuple[str, ...]:
        """Names of the property columns kept."""
        return tuple(self._properties)

    @property
    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Earliest and latest event time, in the input's time zone.

        Examples
        --------
        >>> import pandas as pd
        >>> log = EventLog(pd.DataFrame({"user_id": ["a", "b", "a"], "event": "x",
        ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])}))
        >>> [str(t.date()) for t in log.time_range]
        ['2024-01-01', '2024-01-03']
        """
        ns = self.time_ns  # sorted by user, then time: the earliest may be any user's
        first, last = self._times.to_datetime(np.array([ns.min(), ns.max()], dtype=np.int64))
        return first, last

    @property
    def first_time_ns(self) -> npt.NDArray[np.int64]:
        """Time of each user's first event (nanoseconds), indexed by user code."""
        return self.time_ns[self.offsets[:-1]]

    # ----------------------------------------------------------------- lookups
    def event_code(self, name: Any) -> int:
        """Integer code of event ``name``.

        Parameters
        ----------
        name : object
            An event name as it appears in the data.

        Returns
        -------
        int
            Its code.

        Raises
        ------
        ParameterError
            If no event has that name; the message lists the names there are.
        """
        loc = self.events.get_indexer(pd.Index([name]))[0]
        if loc < 0:
            preview = list(self.events[:20])
            raise ParameterError(
                f"Unknown event {name!r}. Events in the log: {preview!r}"
                + (f" ... ({len(self.events) - 20} more)." if len(self.events) > 20 else "."),
            )
        return int(loc)

    def property_values(self, name: str) -> pd.Series:
        """Values of property column ``name`` in sorted event order (a copy).

        Parameters
        ----------
        name : str
            A property column kept at construction.

        Returns
        -------
        pandas.Series
            One value per event, aligned with :attr:`time_ns`.

        Raises
        ------
        MissingColumnError
            If the property was not kept; lists the ones that were.
        """
        if name not in self._properties:
            raise MissingColumnError.from_names(
                [name], available=list(self._properties), role="properties"
            )
        return self._properties[name].copy()

    def _property_at(self, name: str, positions: npt.NDArray[np.int64]) -> pd.Series:
        """:meth:`property_values` at ``positions`` only (no copy of the whole column)."""
        if name not in self._properties:
            return self.property_values(name)  # raises, naming the properties kept
        return self._properties[name].take(positions).reset_index(drop=True)

    def wall_time_ns(self) -> npt.NDArray[np.int64]:
        """Event times as wall-clock nanoseconds in the input's zone, for calendar bucketing."""
        if self.tz is None:
            return self.time_ns
        local = self._times.to_datetime().tz_localize(None)
        wall: npt.NDArray[np.int64] = np.asarray(local.asi8, dtype=np.int64)
        return wall

    def to_datetime(self, ns: npt.NDArray[np.int64]) -> pd.DatetimeIndex:
        """Turn nanoseconds back into timestamps in the input's time zone.

        Parameters
        ----------
        ns : numpy.ndarray of int64
            Nanoseconds as stored in :attr:`time_ns`.

        Returns
        -------
        pandas.DatetimeIndex
            Naive or tz-aware like the input.
        """
        return self._times.to_datetime(np.asarray(ns, dtype=np.int64))

    # ----------------------------------------------------------------- views
    def to_frame(self) -> pd.DataFrame:
        """The events as a new DataFrame, in sorted (user, time, input order) order.

        Returns
        -------
        pandas.DataFrame
            Columns user, time, event (with the input's names) and the kept properties.
        """
        frame = pd.DataFrame(
            {
                self.user_col: self.users.take(self.user_codes),
                self.time_col: self.to_datetime(self.time_ns),
                self.event_col: self.events.take(self.event_codes),
            }
        )
        for name, values in self._properties.items():
            frame[name] = values.to_numpy()
        return frame

    def _summary(self) -> dict[str, Any]:
        if len(self) == 0:
            return {"events": 0}
        first, last = self.time_range
        fmt = "%Y-%m-%d" if first.normalize() == first and last.normalize() == last else None
        return {
            "events": len(self),
            "users": self.n_users,
            "event_types": self.n_event_types,
            "from": first.strftime(fmt) if fmt else str(first),
            "to": last.strftime(fmt) if fmt else str(last),
        }

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self._summary().items())
        return f"EventLog({items})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in self._summary().items()
        )
        return (
            f"<div><strong>EventLog</strong><table>{rows}</table>"
            f"{self.to_frame().head(10).to_html(index=False)}</div>"
        )

    @property
    def nbytes(self) -> int:
        """Memory held by the encoded arrays (properties excluded), in bytes."""
        return int(
            self.user_codes.nbytes
            + self.event_codes.nbytes
            + self.time_ns.nbytes
            + self.row_order.nbytes
            + self.offsets.nbytes
        )

    @property
    def timezone(self) -> tzinfo | None:
        """Alias of :attr:`tz`."""
        return self.tz

    def _users_between(self, lo: int, hi: int) -> EventLog:
        """The log of users ``lo .. hi - 1``, as codes ``0 .. hi - lo - 1``.

        Views of this log's arrays, but for the offsets and (when ``lo > 0``) the user codes,
        which are shifted: made on first use of :attr:`user_codes` (the funnel reads a few
        rows' codes only, :meth:`_user_codes_at`).
        """
        a, b = int(self.offsets[lo]), int(self.offsets[hi])
        part = object.__new__(EventLog)
        part.users = self.users[lo:hi]
        codes = self.user_codes[a:b]
        part._user_codes, part._user_code_base = (None, (codes, lo)) if lo else (codes, None)
        part.offsets = _readonly(self.offsets[lo : hi + 1] - a)
        part.event_codes = self.event_codes[a:b]
        part.time_ns = self.time_ns[a:b]
        part.row_order = self.row_order[a:b]
        part.events, part.tz, part.validation = self.events, self.tz, self.validation
        part._times = ParsedTimes(ns=part.time_ns, tz=self.tz)
        part.user_col, part.time_col, part.event_col = self.user_col, self.time_col, self.event_col
        part._properties = {
            name: values.iloc[a:b].reset_index(drop=True)
            for name, values in self._properties.items()
        }
        return part


# below this many events per part, a thread costs more than it saves
MIN_EVENTS_PER_THREAD = 50_000


def split_event_log(log: EventLog, n: int) -> list[Callable[[], EventLog]]:
    """``log`` as up to ``n`` logs of whole users with about as many events each.

    Each part is built when its callable is called (views of ``log``'s arrays). Users keep
    their order: the parts' users, in part order, are ``log.users``. A log of fewer than
    ``2 * MIN_EVENTS_PER_THREAD`` events is not split (one part: ``log`` itself).

    Parameters
    ----------
    log : EventLog
        The log.
    n : int
        The most parts wanted.

    Returns
    -------
    list of callable
        At least one; no part is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"user_id": ["a", "b"] * 60_000, "event": "x",
    ...     "timestamp": pd.Timestamp("2024-01-01")})
    >>> [list(part().users) for part in split_event_log(EventLog(frame), 2)]
    [['a'], ['b']]
    """
    n = min(n, len(log) // MIN_EVENTS_PER_THREAD, log.n_users)
    if n < 2:
        return [lambda: log]
    targets = np.arange(1, n, dtype=np.int64) * len(log) // n
    # cut at the user whose segment holds each target row (users' rows are never split)
    cuts = np.unique(np.searchsorted(log.offsets, targets, side="right") - 1)
    bounds = [0, *[int(c) for c in cuts if 0 < c < log.n_users], log.n_users]
    # the parts share the event names: fill the index's lookup table before threads read it
    log.events.get_indexer(log.events[:1])
    return [partial(log._users_between, lo, hi) for lo, hi in pairwise(bounds)]


def as_event_log(
    data: EventLog | FrameLike,
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    properties: Sequence[str] | None = None,
    on_invalid: OnInvalid = "raise",
) -> EventLog:
    """Return ``data`` if it is an :class:`EventLog`, else build one from the frame.

    Every event analysis calls this, so it accepts a log built once or a raw frame.

    Parameters
    ----------
    data : EventLog or DataFrame-like
        The events.
    user_col, time_col, event_col, properties, on_invalid
        As for :class:`EventLog`; ignored when ``data`` is already a log.

    Returns
    -------
    EventLog
        The log.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"user_id": [1], "timestamp": ["2024-01-01"], "event": ["x"]})
    >>> log = as_event_log(frame)
    >>> as_event_log(log) is log
    True
    """
    if isinstance(data, EventLog):
        return data
    return EventLog(
        data,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        properties=properties,
        on_invalid=on_invalid,
    )


def event_log_of_events(
    data: FrameLike,
    keep_events: Callable[[pd.Index], npt.NDArray[np.bool_]],
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    properties: Sequence[str] | None = None,
) -> EventLog:
    """An :class:`EventLog` of the rows whose event ``keep_events`` selects (internal).

    Every row is validated as :class:`EventLog` validates it (same errors, same messages);
    the rows of the other events are then set aside before users are encoded and rows sorted,
    so an analysis that reads only some events encodes and sorts only those. The event names
    of the log are all of the input's (codes as in a log of every row). When no row is
    selected every row is kept, so the log is that of :class:`EventLog`.

    ``keep_events(events)`` gets the sorted event names and returns which to keep.
    """
    encoded = _encode(
        data, (user_col, time_col, event_col), properties, (), "raise", keep_events=keep_events
    )
    log = EventLog.__new__(EventLog)
    log._build(encoded, user_col=user_col, time_col=time_col, event_col=event_col)
    return log


def event_log_of_sorted(
    user_codes: npt.NDArray[np.int64],
    users: pd.Index,
    *,
    event_codes: npt.NDArray[np.integer],
    events: pd.Index,
    times: ParsedTimes,
    properties: dict[str, pd.Series],
    user_col: str,
    time_col: str,
    event_col: str,
) -> EventLog:
    """An :class:`EventLog` of events already validated, encoded and sorted (internal).

    For a caller that holds its events so (``channel_funnel`` builds its table of visits,
    leads and customers in (user, time) order): nothing is validated, hashed or sorted again.
    ``user_codes`` are ascending codes ``0 .. len(users) - 1``, each with a row; ``events``
    are sorted names; ``properties`` are columns aligned with the rows. ``row_order`` is each
    row's position in these arrays.
    """
    log = EventLog.__new__(EventLog)
    log.offsets = _readonly(segment_offsets(user_codes, len(users)))
    log._user_codes, log._user_code_base = _readonly(user_codes), None
    log.event_codes = _readonly(event_codes.astype(np.int32, copy=False))
    log.time_ns = _readonly(times.ns)
    log.row_order = _readonly(np.arange(user_codes.size, dtype=np.int64))
    log.users, log.events, log.tz = users, events, times.tz
    log._times = ParsedTimes(ns=log.time_ns, tz=log.tz)
    log.user_col, log.time_col, log.event_col = user_col, time_col, event_col
    log.validation = ValidationReport(n_rows=user_codes.size, n_dropped=0, reasons={})
    log._properties = {name: values.reset_index(drop=True) for name, values in properties.items()}
    return log


@dataclass(frozen=True, slots=True)
class EncodedEvents:
    """Validated events, factorized but not sorted (the step every event analysis shares).

    ``user_codes``, ``event_codes`` and ``times`` cover the kept rows in input order;
    ``kept_positions`` holds their positions in ``frame`` (``None`` when every row was kept).
    Event codes are int8 below 128 event names, else int32.
    """

    frame: pd.DataFrame
    user_codes: npt.NDArray[np.int64]
    users: pd.Index
    event_codes: npt.NDArray[np.signedinteger[Any]]
    events: pd.Index
    times: ParsedTimes
    kept_positions: npt.NDArray[np.int64] | None
    validation: ValidationReport
    properties: list[str]

    def kept(self, column: str) -> pd.Series:
        """Column ``column`` of the frame, restricted to the kept rows (input order)."""
        values = self.frame[column]
        return values if self.kept_positions is None else values.iloc[self.kept_positions]


def encode_events(
    data: FrameLike,
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    properties: Sequence[str] | None = (),
    required: Sequence[tuple[str, str]] = (),
    on_invalid: OnInvalid = "raise",
    any_user_order: bool = False,
    read_event_names: bool = True,
) -> EncodedEvents:
    """Validate events and factorize users and event names, without sorting.

    :class:`EventLog` sorts what this returns; analyses that need no (user, time) order (cohort
    tables, magic numbers) use it directly and save the sort.

    Parameters
    ----------
    data : DataFrame-like
        One row per event.
    user_col, time_col, event_col : str
        Column roles.
    properties : sequence of str or None, default ()
        Columns to keep; ``None`` keeps every other column.
    required : sequence of (keyword, column), default ()
        Further columns that must exist, with the keyword that names them (for the hint).
    on_invalid : {"raise", "drop"}, default "raise"
        As for :class:`EventLog`.
    any_user_order : bool, default False
        User codes in any order (dense integer ids by their offset: no hashing), for callers
        that only count; ``users`` may then hold ids of no row.
    read_event_names : bool, default True
        False for callers that never look an event up: the event column is still validated
        (null names are errors, or dropped rows), but not factorized; every row gets code 0
        of the one name ``"(every row)"``.

    Returns
    -------
    EncodedEvents
        Codes, names, times and the validation report.

    Raises
    ------
    MissingColumnError, EmptyDataError, InputError, SchemaError
        As :class:`EventLog` documents.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"user_id": ["b", "a", "b"], "event": ["x", "y", "x"],
    ...                       "timestamp": ["2024-01-02", "2024-01-01", "2024-01-01"]})
    >>> encoded = encode_events(frame)
    >>> encoded.user_codes.tolist(), list(encoded.users), list(encoded.events)
    ([0, 1, 0], ['b', 'a'], ['x', 'y'])
    """
    return _encode(
        data,
        (user_col, time_col, event_col),
        properties,
        required,
        on_invalid,
        any_user_order=any_user_order,
        read_event_names=read_event_names,
    )


def encode_activity(
    data: FrameLike,
    *,
    user_col: str,
    time_col: str,
    event_col: str | None,
    properties: Sequence[str] | None = (),
    required: Sequence[tuple[str, str]] = (),
    on_invalid: OnInvalid = "raise",
    any_user_order: bool = False,
) -> EncodedEvents:
    """:func:`encode_events`, where ``event_col=None`` reads no event column.

    Every row is then activity: event code 0 of the one name ``"(every row)"``. With
    ``any_user_order=True`` user codes need not follow first appearance
    (:func:`~saasmetrics._kernels.encoding.factorize_any_order`): ``users`` may then also hold
    ids of no row, for callers that only count.
    """
    cols = (user_col, time_col, event_col)
    return _encode(
        data,
        cols,
        properties,
        required,
        on_invalid,
        optional=("event_col",),
        any_user_order=any_user_order,
    )


def _encode(
    data: FrameLike,
    cols: tuple[str, str, str | None],
    properties: Sequence[str] | None,
    required: Sequence[tuple[str, str]],
    on_invalid: OnInvalid,
    *,
    optional: tuple[str, ...] = (),
    any_user_order: bool = False,
    keep_events: Callable[[pd.Index], npt.NDArray[np.bool_]] | None = None,
    read_event_names: bool = True,
) -> EncodedEvents:
    frame = to_pandas(data, name="events")
    user_col, time_col, event_col = cols
    roles = {"user_col": user_col, "time_col": time_col, "event_col": event_col}
    require_columns(frame, {**roles, **dict(required)}, optional=optional)
    role_cols = {c for c in roles.values() if c is not None}
    if properties is None:
        prop_cols = [c for c in frame.columns if c not in role_cols]
    else:
        if isinstance(properties, str):
            properties = [properties]
        missing = [p for p in properties if p not in frame.columns]
        if missing:
            raise MissingColumnError.from_names(missing, available=frame.columns, role="properties")
        prop_cols = [p for p in properties if p not in role_cols]

    rows = RowCheck(frame, on_invalid=on_invalid, name="events")
    users_raw = normalize_ids(frame[user_col], column=user_col, table="events")
    rows.flag(users_raw.isna().to_numpy(), user_col, "null user ids")
    events_raw = None  # event_col=None: every row is activity, no column to read
    if event_col is not None:
        events_raw = normalize_ids(frame[event_col], column=event_col, table="events")
        rows.flag(events_raw.isna().to_numpy(), event_col, "null event names")
    parsed = parse_timestamps(frame[time_col], rows=rows)
    report = rows.finish()
    kept_positions = None
    if report.n_dropped:
        keep = rows.keep
        if not keep.any():
            raise EmptyDataError(
                f"No events left after dropping {report.n_dropped:,} invalid rows."
            )
        kept_positions = np.flatnonzero(keep).astype(np.int64)
        users_raw = users_raw[keep]
        events_raw = None if events_raw is None else events_raw[keep]
        parsed = ParsedTimes(ns=parsed.ns[keep], tz=parsed.tz)
    event_codes: npt.NDArray[np.signedinteger[Any]]
    if events_raw is None or not read_event_names:  # validated above, never looked up
        event_codes, events = np.zeros(len(users_raw), dtype=np.int8), pd.Index(["(every row)"])
    else:
        event_codes, events = factorize_sorted(events_raw, threads=get_threads())
    if not pd.api.types.is_string_dtype(events.dtype) and not pd.api.types.is_object_dtype(
        events.dtype
    ):
        events = events.astype(str)
        if events.has_duplicates:
            raise SchemaError(
                f"Column {event_col!r} holds values that collide when read as names.",
                hint="convert event names to strings first.",
            )
    if keep_events is not None:  # every row is valid: set aside the events not asked for
        wanted = np.asarray(keep_events(pd.Index(events)), dtype=bool)
        selected = wanted[event_codes] if wanted.size else np.zeros(0, dtype=bool)
        if selected.any() and not selected.all():
            positions = np.flatnonzero(selected).astype(np.int64)
            kept_positions = positions if kept_positions is None else kept_positions[positions]
            users_raw = users_raw.iloc[positions]
            event_codes = event_codes[positions]
            parsed = ParsedTimes(ns=parsed.ns[positions], tz=parsed.tz)
    if any_user_order:
        user_codes, users = factorize_any_order(users_raw, threads=get_threads())
    else:
        user_codes, users = factorize_first_seen(users_raw)
    return EncodedEvents(
        frame=frame,
        user_codes=user_codes,
        users=pd.Index(users, name=user_col),
        event_codes=event_codes,
        events=pd.Index(events, name=event_col),
        times=parsed,
        kept_positions=kept_positions,
        validation=report,
        properties=[str(c) for c in prop_cols],
    )
