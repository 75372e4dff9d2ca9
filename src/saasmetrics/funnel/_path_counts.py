"""Session paths counted per distinct path: the partial / merge of paths() and conversion_paths().

A chunk of whole users splits each user's events into sessions, cuts each into a path (kernel
in ``saasmetrics._kernels.funnel_paths``) and counts sessions, conversions and users per path;
partials merge by adding the counts of equal paths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.encoding import distinct_sorted
from saasmetrics._kernels.funnel_paths import (
    MORE,
    PAD,
    distinct_rows,
    distinct_session_paths,
)
from saasmetrics._kernels.segments import segment_ids
from saasmetrics._validation import check_int, check_positive_timedelta
from saasmetrics.eventlog import EventLog, as_event_log, split_event_log
from saasmetrics.exceptions import ParameterError
from saasmetrics.funnel._steps import event_index
from saasmetrics.scale import Analysis
from saasmetrics.typing import FrameLike, TimedeltaLike

SEP = " > "
MORE_LABEL = "..."

I64 = npt.NDArray[np.int64]
R = TypeVar("R")


def _unknown_event(events: tuple[str, ...], name: Any) -> ParameterError:
    """The error :meth:`EventLog.event_code` raises, from the names of the whole data."""
    preview = list(events[:20])
    return ParameterError(
        f"Unknown event {name!r}. Events in the log: {preview!r}"
        + (f" ... ({len(events) - 20} more)." if len(events) > 20 else "."),
    )


def _known(events: tuple[str, ...], name: Any) -> bool:
    """Whether ``name`` (or its text, as the log stores non-text names) is an event."""
    return name in events or str(name) in events


def path_labels(names: tuple[str, ...], matrix: I64) -> pd.Series:
    """Path strings ``"a > b > c"`` for every row of the path matrix, built column by column."""
    text = pd.Series(np.asarray(names, dtype=object)).astype("str")
    n = matrix.shape[0]
    labels = pd.Series(["(none)"] * n, dtype="str")
    if n == 0:
        return labels
    for j in range(matrix.shape[1] - 1):  # a loop over positions, not over paths
        codes = matrix[:, j]
        has = codes >= 0
        if not has.any():
            break
        part = text.take(np.maximum(codes, 0)).reset_index(drop=True)
        labels = (labels + SEP + part if j else part).where(has, labels)
    more = matrix[:, -1] == MORE
    if more.any():
        labels = labels.where(~more, labels + SEP + MORE_LABEL)
    return labels


@dataclass(frozen=True, slots=True)
class PathsPartial:
    """What a chunk of whole users contributes: counts per distinct path.

    ``events`` are the chunk's event names (the codes of ``matrix`` index into them);
    ``matrix`` one row per distinct path (event codes, then ``PAD`` / ``MORE``); per path the
    ``sessions``, ``conversions`` and distinct ``users`` (chunks hold disjoint users, so these
    add up).
    """

    events: tuple[str, ...]
    matrix: I64
    sessions: I64
    conversions: I64
    users: I64


@dataclass(frozen=True, slots=True)
class PathsSettings:
    start: Any
    goal: Any
    max_steps: int
    session_gap: pd.Timedelta
    collapse_repeats: bool
    include_goal: bool


def paths_partial(log: EventLog, s: PathsSettings) -> PathsPartial:
    """Sessions of one chunk grouped by path (the in-memory path is the one-chunk case).

    A start or goal event absent from the chunk matches nothing here; whether it is absent
    from the whole data is decided in finalize, from the merged event names.
    """
    absent = len(log.events)  # a code no event has
    start_code = None if s.start is None else event_index(log, s.start)
    goal_code = None if s.goal is None else event_index(log, s.goal)
    uniq, inverse, converted, users = distinct_session_paths(
        segment_ids(log.offsets),
        log.time_ns,
        log.event_codes.astype(np.int64),
        gap_ns=int(s.session_gap.value),
        collapse_repeats=s.collapse_repeats,
        start=None if start_code is None else (start_code if start_code >= 0 else absent),
        goal=None if goal_code is None else (goal_code if goal_code >= 0 else absent),
        # no session is longer than its user's history: a larger max_steps cuts nothing more,
        # so allocate for the longest history only (same paths, bounded memory); merge pads
        max_steps=min(s.max_steps, int(np.diff(log.offsets).max(initial=0)) + 1),
        include_goal=s.include_goal,
    )
    events = tuple(str(e) for e in log.events)
    n = uniq.shape[0]
    sessions = np.bincount(inverse, minlength=n).astype(np.int64)
    conversions = np.bincount(inverse, weights=converted, minlength=n).astype(np.int64)
    if n:
        width = int(users.max()) + 1
        pairs = distinct_sorted(inverse * width + users)  # distinct (path, user) pairs
        n_users = np.bincount(pairs // width, minlength=n).astype(np.int64)
    else:
        n_users = np.zeros(0, dtype=np.int64)
    return PathsPartial(events, uniq, sessions, conversions, n_users)


def _recode(matrix: I64, old: tuple[str, ...], new: tuple[str, ...]) -> I64:
    """Event codes of ``matrix`` from the names ``old`` to the names ``new`` (PAD, MORE kept)."""
    if old == new:
        return matrix
    to_new = pd.Index(new).get_indexer(pd.Index(old)).astype(np.int64)
    return np.where(matrix >= 0, to_new[np.maximum(matrix, 0)], matrix)


def _widen(matrix: I64, width: int) -> I64:
    """Paths padded with ``PAD`` to ``width`` columns (a chunk allocates for its longest)."""
    if matrix.shape[1] == width:
        return matrix
    out = np.full((matrix.shape[0], width), PAD, dtype=np.int64)
    out[:, : matrix.shape[1]] = matrix
    return out


def merge_paths(a: PathsPartial, b: PathsPartial) -> PathsPartial:
    events = a.events if a.events == b.events else tuple(sorted({*a.events, *b.events}))
    width = max(a.matrix.shape[1], b.matrix.shape[1])
    stacked = np.concatenate(
        [
            _widen(_recode(a.matrix, a.events, events), width),
            _widen(_recode(b.matrix, b.events, events), width),
        ]
    )
    uniq, inverse = distinct_rows(stacked)
    n = uniq.shape[0]

    def total(x: I64, y: I64) -> I64:
        summed = np.bincount(inverse, weights=np.concatenate([x, y]), minlength=n)
        return summed.astype(np.int64)

    return PathsPartial(
        events,
        uniq,
        total(a.sessions, b.sessions),
        total(a.conversions, b.conversions),
        total(a.users, b.users),
    )


def _checked(part: PathsPartial, s: PathsSettings) -> PathsPartial:
    """``part`` once the start and goal events are known to occur in the whole data."""
    for name in (s.start, s.goal):
        if name is not None and not _known(part.events, name):
            raise _unknown_event(part.events, name)
    return part


def paths_analysis(
    events_kind: str,
    finalize: Callable[[PathsPartial, PathsSettings], R],
    *,
    start: Any,
    goal: Any,
    max_steps: int,
    session_gap: TimedeltaLike,
    collapse_repeats: bool,
    include_goal: bool,
    user_col: str,
    time_col: str,
    event_col: str,
) -> Analysis[PathsPartial, R]:
    """The shared partial / merge with checked options, and ``finalize`` for the result."""
    check_int("max_steps", max_steps, min_value=1)
    settings = PathsSettings(
        start=start,
        goal=goal,
        max_steps=int(max_steps),
        session_gap=check_positive_timedelta("session_gap", session_gap),
        collapse_repeats=collapse_repeats,
        include_goal=include_goal,
    )

    def prepare(data: EventLog | FrameLike) -> EventLog:
        return as_event_log(
            data, user_col=user_col, time_col=time_col, event_col=event_col, properties=[]
        )

    return Analysis(
        name=events_kind,
        keys=(user_col,),
        prepare=prepare,
        partial=lambda log, _context: paths_partial(log, settings),
        merge=merge_paths,
        finalize=lambda part, _context: finalize(_checked(part, settings), settings),
        split=split_event_log,
    )
