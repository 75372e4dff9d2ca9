"""paths() and conversion_paths(): what users do in a session, and which paths reach a goal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.funnel_paths import MORE, PAD, session_paths
from saasmetrics._kernels.segments import segment_ids
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import (
    check_int,
    check_positive_timedelta,
)
from saasmetrics.eventlog import EventLog, as_event_log
from saasmetrics.exceptions import ParameterError
from saasmetrics.funnel._steps import event_index
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, TimedeltaLike

__all__ = ("ConversionPaths", "PathsResult", "conversion_paths", "paths")

SEP = " > "
END = "(end)"
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


def _labels(names: tuple[str, ...], matrix: I64) -> pd.Series:
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


def _distinct_rows(matrix: I64) -> tuple[I64, I64]:
    """The distinct rows of a path matrix and each row's index among them."""
    if matrix.shape[0] == 0:
        return matrix, np.zeros(0, dtype=np.int64)
    base = int(max(matrix.max(), 0)) + 3  # codes, PAD (-1) and MORE (-2) as digits
    if base ** matrix.shape[1] < 2**62:
        # one integer per path: a 1-d unique is much faster than a row-wise one
        digits = matrix + 2
        key = np.zeros(matrix.shape[0], dtype=np.int64)
        for j in range(matrix.shape[1]):
            key = key * base + digits[:, j]
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        uniq = matrix[first]
    else:
        uniq, inverse = np.unique(matrix, axis=0, return_inverse=True)
    return uniq, inverse.reshape(-1).astype(np.int64)


@dataclass(frozen=True, slots=True)
class _PathsPartial:
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
class _PathsSettings:
    start: Any
    goal: Any
    max_steps: int
    session_gap: pd.Timedelta
    collapse_repeats: bool
    include_goal: bool


def _check_options(max_steps: Any, session_gap: TimedeltaLike) -> pd.Timedelta:
    check_int("max_steps", max_steps, min_value=1)
    return check_positive_timedelta("session_gap", session_gap)


def _paths_partial(log: EventLog, s: _PathsSettings) -> _PathsPartial:
    """Sessions of one chunk grouped by path (the in-memory path is the one-chunk case).

    A start or goal event absent from the chunk matches nothing here; whether it is absent
    from the whole data is decided in finalize, from the merged event names.
    """
    absent = len(log.events)  # a code no event has
    start_code = None if s.start is None else event_index(log, s.start)
    goal_code = None if s.goal is None else event_index(log, s.goal)
    matrix, converted, users = session_paths(
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
    uniq, inverse = _distinct_rows(matrix)
    n = uniq.shape[0]
    sessions = np.bincount(inverse, minlength=n).astype(np.int64)
    conversions = np.bincount(inverse, weights=converted, minlength=n).astype(np.int64)
    if n:
        width = int(users.max()) + 1
        pairs = np.unique(inverse * width + users)  # distinct (path, user) pairs
        n_users = np.bincount(pairs // width, minlength=n).astype(np.int64)
    else:
        n_users = np.zeros(0, dtype=np.int64)
    return _PathsPartial(events, uniq, sessions, conversions, n_users)


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


def _merge_paths(a: _PathsPartial, b: _PathsPartial) -> _PathsPartial:
    events = a.events if a.events == b.events else tuple(sorted({*a.events, *b.events}))
    width = max(a.matrix.shape[1], b.matrix.shape[1])
    stacked = np.concatenate(
        [
            _widen(_recode(a.matrix, a.events, events), width),
            _widen(_recode(b.matrix, b.events, events), width),
        ]
    )
    uniq, inverse = _distinct_rows(stacked)
    n = uniq.shape[0]

    def total(x: I64, y: I64) -> I64:
        summed = np.bincount(inverse, weights=np.concatenate([x, y]), minlength=n)
        return summed.astype(np.int64)

    return _PathsPartial(
        events,
        uniq,
        total(a.sessions, b.sessions),
        total(a.conversions, b.conversions),
        total(a.users, b.users),
    )


def _check_events(part: _PathsPartial, s: _PathsSettings) -> None:
    for name in (s.start, s.goal):
        if name is not None and not _known(part.events, name):
            raise _unknown_event(part.events, name)


def _paths_analysis(
    events_kind: str,
    finalize: Callable[[_PathsPartial, _PathsSettings], R],
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
) -> Analysis[_PathsPartial, R]:
    gap = _check_options(max_steps, session_gap)
    settings = _PathsSettings(
        start=start,
        goal=goal,
        max_steps=int(max_steps),
        session_gap=gap,
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
        partial=lambda log, _context: _paths_partial(log, settings),
        merge=_merge_paths,
        finalize=lambda part, _context: finalize(part, settings),
    )


# --------------------------------------------------------------------------- paths()
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class PathsResult(ResultMixin):
    """Session paths: frequencies, conversion to a goal, transitions and Sankey edges.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per distinct path (most frequent first): ``path``, ``sessions``, ``share``,
        ``users``, ``conversions``, ``conversion_rate``.
    transitions : pandas.DataFrame
        Counts of moves from one event (rows) to the next (columns, plus ``"(end)"`` when the
        path stops and ``"..."`` when it goes on beyond ``max_steps``).
    edges : pandas.DataFrame
        Sankey-ready links: ``step`` (0-based position of the source), ``source``, ``target``
        (labelled ``"<position>: <event>"``) and ``sessions``.
    start, goal : str or None
        The start and goal events.
    max_steps : int
        Events kept per path.
    session_gap : pandas.Timedelta
        The session gap.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.funnel import paths
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01",
    ...                                  "2024-01-01 11:00", "2024-01-01 11:02"]),
    ...     "event": ["signup", "create_project", "signup", "login"],
    ... })
    >>> result = paths(events, start="signup")
    >>> result.edges
       step     source             target  sessions
    0     0  0: signup  1: create_project         1
    1     0  0: signup           1: login         1
    >>> result.transitions.loc["signup", ["create_project", "login", "(end)"]].tolist()
    [1, 1, 0]
    """

    table: pd.DataFrame
    transitions: pd.DataFrame
    edges: pd.DataFrame
    start: str | None
    goal: str | None
    max_steps: int
    session_gap: pd.Timedelta

    def to_frame(self) -> pd.DataFrame:
        """The path table (a copy).

        Returns
        -------
        pandas.DataFrame
            See :attr:`table`.
        """
        return self.table.copy()

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` most frequent paths.

        Parameters
        ----------
        n : int, default 10
            How many.

        Returns
        -------
        pandas.DataFrame
            The first ``n`` rows of :attr:`table`.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import paths
        >>> events = pd.DataFrame({
        ...     "user_id": ["a", "a", "b", "b", "c"],
        ...     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01",
        ...                                  "2024-01-01 11:00", "2024-01-01 11:02",
        ...                                  "2024-01-01 12:00"]),
        ...     "event": ["signup", "subscribe", "signup", "login", "signup"],
        ... })
        >>> paths(events, start="signup").top(2)[["path", "sessions"]]
                     path  sessions
        0          signup         1
        1  signup > login         1
        """
        return self.table.head(n).copy()

    def transition_probabilities(self) -> pd.DataFrame:
        """:attr:`transitions` normalised by row: the probability of each next event.

        Returns
        -------
        pandas.DataFrame
            Rows sum to 1.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import paths
        >>> events = pd.DataFrame({
        ...     "user_id": ["a", "a", "b", "b", "c"],
        ...     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01",
        ...                                  "2024-01-01 11:00", "2024-01-01 11:02",
        ...                                  "2024-01-01 12:00"]),
        ...     "event": ["signup", "subscribe", "signup", "login", "signup"],
        ... })
        >>> probs = paths(events, start="signup").transition_probabilities()
        >>> probs.loc["signup", ["login", "subscribe", "(end)"]].round(3).tolist()
        [0.333, 0.333, 0.333]
        """
        counts = self.transitions
        totals = counts.sum(axis=1).replace(0, np.nan)
        return counts.div(totals, axis=0).fillna(0.0)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Sankey-style flow of the most frequent links between positions.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            ``max_links`` (default 30): links drawn, largest first.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        max_links = int(kwargs.pop("max_links", 30))
        ax = get_axes(ax, figsize=(9.0, 5.0))
        edges = self.edges.nlargest(max_links, "sessions")
        nodes = sorted(set(edges["source"]) | set(edges["target"]), key=lambda s: s)
        flow: dict[str, float] = {}
        for node in nodes:
            out = edges.loc[edges["source"] == node, "sessions"].sum()
            into = edges.loc[edges["target"] == node, "sessions"].sum()
            flow[node] = float(max(out, into))
        columns: dict[int, list[str]] = {}
        for node in nodes:
            columns.setdefault(int(node.split(":", 1)[0]), []).append(node)
        total = max((sum(flow[n] for n in col) for col in columns.values()), default=1.0)
        y: dict[str, float] = {}
        for x, col in columns.items():
            col.sort(key=lambda n: -flow[n])
            top = 0.0
            for node in col:
                height = flow[node] / total
                y[node] = top + height / 2
                ax.bar(x, height, bottom=top, width=0.08, color=PALETTE[0])
                ax.annotate(node.split(": ", 1)[1], (x + 0.06, top + height / 2), fontsize=7,
                            va="center")  # fmt: skip
                top += height + 0.02
        width_scale = 30.0 / max(float(edges["sessions"].max()), 1.0) if len(edges) else 1.0
        links = zip(edges["source"], edges["target"], edges["sessions"], strict=True)
        for i, (source, target, n_sessions) in enumerate(links):
            x0 = int(str(source).split(":", 1)[0])
            ax.plot(
                [x0 + 0.04, x0 + 0.96],
                [y[str(source)], y[str(target)]],
                color=PALETTE[(i % (len(PALETTE) - 1)) + 1],
                alpha=0.45,
                linewidth=max(int(n_sessions) * width_scale, 0.5),
                solid_capstyle="butt",
            )
        ax.invert_yaxis()
        ax.set_xticks(sorted(columns))
        ax.set_yticks([])
        ax.grid(visible=False)
        ax.set_xlabel("position in the path")
        ax.set_title("Paths" + (f" from {self.start}" if self.start else ""))
        return ax

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> PathsResult:
        fields["session_gap"] = pd.Timedelta(fields["session_gap"])
        for name, columns in (("table", ("path",)), ("edges", ("source", "target"))):
            for col in columns:  # JSON cannot tell an empty text column's dtype
                fields[name][col] = fields[name][col].astype("str")
        return cls(**fields)

    def _summary(self) -> dict[str, Any]:
        return {
            "paths": len(self.table),
            "sessions": int(self.table["sessions"].sum()) if len(self.table) else 0,
            "start": self.start,
            "goal": self.goal,
            "max_steps": self.max_steps,
        }


def paths(
    events: EventLog | FrameLike,
    *,
    start: Any = None,
    goal: Any = None,
    max_steps: int = 5,
    session_gap: TimedeltaLike = "30min",
    collapse_repeats: bool = True,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    partitioned_by: str | None = None,
) -> PathsResult:
    """The paths users take through a session: frequencies, transitions and Sankey edges.

    Each user's events are split into sessions at gaps longer than ``session_gap``. A path
    is the session's sequence of events, from its first ``start`` event if one is given
    (sessions without it are left out), up to and including its first ``goal`` event if one is
    given (the session then *converts*), cut after ``max_steps`` events (a trailing ``"..."``
    marks that it went on).

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        The events (a dask DataFrame is analysed partition by partition, with the same
        result: only the counts per path travel).
    start, goal : event name, optional
        Where paths begin and end.
    max_steps : int, default 5
        Events kept per path.
    session_gap : str or Timedelta, default "30min"
        Inactivity that ends a session.
    collapse_repeats : bool, default True
        Count ``a > a > b`` as ``a > b``.
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column (the
        shuffle by user is skipped); see :mod:`saasmetrics.scale`.

    Returns
    -------
    PathsResult
        ``.to_frame()`` / ``.top(n)`` the paths; ``.transitions``; ``.edges``; ``.plot()``.

    Raises
    ------
    ParameterError
        For an unknown start or goal event, a non-positive gap or ``max_steps``.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.funnel import paths
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "a", "b", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05",
    ...         "2024-01-01 10:06", "2024-01-01 09:00", "2024-01-01 09:01", "2024-01-01 12:00"]),
    ...     "event": ["signup", "create_project", "subscribe", "signup", "create_project",
    ...               "signup"],
    ... })
    >>> result = paths(events, start="signup", goal="subscribe")
    >>> result.to_frame()[["path", "sessions", "conversions"]]
                                      path  sessions  conversions
    0                               signup         1            0
    1              signup > create_project         1            0
    2  signup > create_project > subscribe         1            1
    """
    plan = _paths_builder(
        start=start,
        goal=goal,
        max_steps=max_steps,
        session_gap=session_gap,
        collapse_repeats=collapse_repeats,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    return run(plan, events, partitioned_by=partitioned_by)


@register(paths)
def _paths_builder(
    *,
    start: Any = None,
    goal: Any = None,
    max_steps: int = 5,
    session_gap: TimedeltaLike = "30min",
    collapse_repeats: bool = True,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> Analysis[_PathsPartial, PathsResult]:
    """paths() as partial / merge / finalize."""
    return _paths_analysis(
        "paths",
        _finalize_paths,
        start=start,
        goal=goal,
        max_steps=max_steps,
        session_gap=session_gap,
        collapse_repeats=collapse_repeats,
        include_goal=True,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )


def _finalize_paths(part: _PathsPartial, s: _PathsSettings) -> PathsResult:
    """The path table, transitions and Sankey edges from the merged counts per path."""
    _check_events(part, s)
    matrix, counts = part.matrix, part.sessions
    total = int(counts.sum())
    table = pd.DataFrame(
        {
            "path": _labels(part.events, matrix),
            "sessions": counts,
            "share": counts / total if total else counts.astype(float),
            "users": part.users,
            "conversions": part.conversions,
            "conversion_rate": part.conversions / np.maximum(counts, 1),
        }
    )
    table = table.sort_values(["sessions", "path"], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)

    names = list(part.events)
    n_ev = len(names)
    src_all, dst_all, step_all, weight_all = [], [], [], []
    for i in range(matrix.shape[1] - 1):  # a loop over positions (<= max_steps), not paths
        a = matrix[:, i]
        b = matrix[:, i + 1]
        has = a >= 0
        src_all.append(a[has])
        dst_all.append(b[has])
        step_all.append(np.full(int(has.sum()), i, dtype=np.int64))
        weight_all.append(counts[has])
    src = np.concatenate(src_all) if src_all else np.zeros(0, np.int64)
    dst = np.concatenate(dst_all) if dst_all else np.zeros(0, np.int64)
    step = np.concatenate(step_all) if step_all else np.zeros(0, np.int64)
    weight = np.concatenate(weight_all) if weight_all else np.zeros(0, np.int64)
    # transitions: columns are events, then "(end)" (PAD), then "..." (MORE)
    col = np.where(dst >= 0, dst, np.where(dst == PAD, n_ev, n_ev + 1))
    counts_2d = np.bincount(src * (n_ev + 2) + col, weights=weight, minlength=n_ev * (n_ev + 2))
    transitions = pd.DataFrame(
        counts_2d.reshape(n_ev, n_ev + 2).astype(np.int64),
        index=pd.Index(names, name="from"),
        columns=pd.Index([*names, END, MORE_LABEL], name="to"),
    )
    transitions = transitions.loc[transitions.sum(axis=1) > 0]
    link = dst >= 0
    if link.any():
        key = (step[link] * n_ev + src[link]) * n_ev + dst[link]
        keys, inverse = np.unique(key, return_inverse=True)
        link_counts = np.bincount(inverse.reshape(-1), weights=weight[link], minlength=keys.size)
        k_step, rest = np.divmod(keys, n_ev * n_ev)
        k_src, k_dst = np.divmod(rest, n_ev)
        edges = pd.DataFrame(
            {
                "step": k_step.astype(np.int64),
                "source": [f"{s}: {names[e]}" for s, e in zip(k_step, k_src, strict=True)],
                "target": [f"{s + 1}: {names[e]}" for s, e in zip(k_step, k_dst, strict=True)],
                "sessions": link_counts.astype(np.int64),
            }
        )
        edges = edges.sort_values(["step", "sessions"], ascending=[True, False], kind="stable")
        edges = edges.reset_index(drop=True)
    else:
        edges = pd.DataFrame(
            {
                "step": np.zeros(0, np.int64),
                "source": pd.Series([], dtype="str"),
                "target": pd.Series([], dtype="str"),
                "sessions": np.zeros(0, np.int64),
            }
        )
    return PathsResult(
        table=table,
        transitions=transitions,
        edges=edges,
        start=None if s.start is None else str(s.start),
        goal=None if s.goal is None else str(s.goal),
        max_steps=s.max_steps,
        session_gap=s.session_gap,
    )


# --------------------------------------------------------------------------- conversion_paths()
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class ConversionPaths(ResultMixin):
    """Which session paths lead to a goal and which do not ("smart funnel" discovery).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per distinct path before the goal: ``path``, ``sessions``, ``conversions``,
        ``conversion_rate``, ``lift`` (rate over the overall rate), ``share_of_conversions``;
        most conversions first.
    goal : str
        The goal event.
    start : str or None
        The start event.
    overall_rate : float
        Share of sessions that reached the goal.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.funnel import conversion_paths
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01",
    ...                                  "2024-01-01 11:00", "2024-01-01 11:02"]),
    ...     "event": ["signup", "subscribe", "signup", "login"],
    ... })
    >>> result = conversion_paths(events, "subscribe")
    >>> result
    ConversionPaths(paths=2, goal='subscribe', overall_rate=0.5)
    >>> result.leading(1)[["path", "conversion_rate", "lift"]]
         path  conversion_rate  lift
    0  signup              1.0   2.0
    """

    table: pd.DataFrame
    goal: str
    start: str | None
    overall_rate: float

    def to_frame(self) -> pd.DataFrame:
        """The path table (a copy).

        Returns
        -------
        pandas.DataFrame
            See :attr:`table`.
        """
        return self.table.copy()

    def leading(self, n: int = 10, *, min_sessions: int = 1) -> pd.DataFrame:
        """Paths that lead to the goal: highest conversion rate first.

        Parameters
        ----------
        n : int, default 10
            How many.
        min_sessions : int, default 1
            Ignore rarer paths (their rates are noise).

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`table` with at least one conversion.
        """
        t = self.table[(self.table["conversions"] > 0) & (self.table["sessions"] >= min_sessions)]
        return t.sort_values(
            ["conversion_rate", "conversions"], ascending=False, kind="stable"
        ).head(n)

    def not_leading(self, n: int = 10, *, min_sessions: int = 1) -> pd.DataFrame:
        """Paths that do not lead to the goal: most sessions lost first.

        Parameters
        ----------
        n : int, default 10
            How many.
        min_sessions : int, default 1
            Ignore rarer paths.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`table` ranked by sessions that did not convert.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import conversion_paths
        >>> events = pd.DataFrame({
        ...     "user_id": ["a", "a", "b", "b", "c"],
        ...     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01",
        ...                                  "2024-01-01 11:00", "2024-01-01 11:02",
        ...                                  "2024-01-01 12:00"]),
        ...     "event": ["signup", "subscribe", "signup", "login", "signup"],
        ... })
        >>> result = conversion_paths(events, "subscribe")
        >>> result.not_leading(2)[["path", "sessions", "lost"]]
                     path  sessions  lost
        1  signup > login         1     1
        0          signup         2     1
        """
        t = self.table[self.table["sessions"] >= min_sessions].copy()
        t["lost"] = t["sessions"] - t["conversions"]
        return t.sort_values(["lost", "conversion_rate"], ascending=[False, True]).head(n)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars of the conversion rate of the most frequent paths.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            ``n`` (default 10): paths shown.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        n = int(kwargs.pop("n", 10))
        ax = get_axes(ax, figsize=(8.0, 4.0))
        top = self.table.nlargest(n, "sessions").iloc[::-1]
        ax.barh(top["path"], top["conversion_rate"], color=PALETTE[2])
        ax.axvline(self.overall_rate, color=PALETTE[3], linestyle="--", linewidth=1)
        ax.set_xlabel(f"sessions reaching {self.goal}")
        ax.tick_params(axis="y", labelsize=7)
        return ax

    def _summary(self) -> dict[str, Any]:
        return {
            "paths": len(self.table),
            "goal": self.goal,
            "overall_rate": round(self.overall_rate, 4),
        }


def conversion_paths(
    events: EventLog | FrameLike,
    goal: Any,
    *,
    start: Any = None,
    max_steps: int = 5,
    session_gap: TimedeltaLike = "30min",
    collapse_repeats: bool = True,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    partitioned_by: str | None = None,
) -> ConversionPaths:
    """Rank the session paths that lead to ``goal`` and those that do not.

    Sessions are built as in :func:`paths`. For each session the path is what happened before
    its first ``goal`` event (or the whole session when it never got there), cut after
    ``max_steps`` events; paths are then grouped and ranked by conversions, conversion rate and
    lift over the overall rate.

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        The events (a dask DataFrame is analysed partition by partition, with the same
        result).
    goal : event name
        The conversion event.
    start : event name, optional
        Paths begin at the session's first ``start`` event (sessions without it are left out).
    max_steps : int, default 5
        Events kept per path.
    session_gap : str or Timedelta, default "30min"
        Inactivity that ends a session.
    collapse_repeats : bool, default True
        Count ``a > a > b`` as ``a > b``.
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column (the
        shuffle by user is skipped); see :mod:`saasmetrics.scale`.

    Returns
    -------
    ConversionPaths
        ``.to_frame()``, ``.leading(n)``, ``.not_leading(n)``, ``.plot()``.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.funnel import conversion_paths
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "a", "b", "b", "c", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05",
    ...         "2024-01-01 10:06", "2024-01-01 09:00", "2024-01-01 09:01",
    ...         "2024-01-01 12:00", "2024-01-01 12:03"]),
    ...     "event": ["signup", "invite_teammate", "subscribe", "signup", "create_project",
    ...               "signup", "invite_teammate"],
    ... })
    >>> result = conversion_paths(events, "subscribe", start="signup")
    >>> result.to_frame()[["path", "sessions", "conversions", "conversion_rate"]]
                           path  sessions  conversions  conversion_rate
    0  signup > invite_teammate         2            1              0.5
    1   signup > create_project         1            0              0.0
    """
    plan = _conversion_paths_builder(
        goal=goal,
        start=start,
        max_steps=max_steps,
        session_gap=session_gap,
        collapse_repeats=collapse_repeats,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    return run(plan, events, partitioned_by=partitioned_by)


@register(conversion_paths)
def _conversion_paths_builder(
    *,
    goal: Any,
    start: Any = None,
    max_steps: int = 5,
    session_gap: TimedeltaLike = "30min",
    collapse_repeats: bool = True,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> Analysis[_PathsPartial, ConversionPaths]:
    """conversion_paths() as partial / merge / finalize (the paths before the goal)."""
    return _paths_analysis(
        "conversion_paths",
        _finalize_conversion_paths,
        start=start,
        goal=goal,
        max_steps=max_steps,
        session_gap=session_gap,
        collapse_repeats=collapse_repeats,
        include_goal=False,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )


def _finalize_conversion_paths(part: _PathsPartial, s: _PathsSettings) -> ConversionPaths:
    """Paths ranked by conversions, rate and lift, from the merged counts per path."""
    _check_events(part, s)
    counts, conversions = part.sessions, part.conversions
    total = int(counts.sum())
    overall = float(conversions.sum() / total) if total else float("nan")
    rate = conversions / np.maximum(counts, 1)
    table = pd.DataFrame(
        {
            "path": _labels(part.events, part.matrix),
            "sessions": counts,
            "conversions": conversions,
            "conversion_rate": rate,
            "lift": rate / overall if overall > 0 else np.full(rate.size, np.nan),
            "share_of_conversions": conversions / max(int(conversions.sum()), 1),
        }
    )
    table = table.sort_values(
        ["conversions", "sessions", "path"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
    return ConversionPaths(
        table=table, goal=str(s.goal), start=None if s.start is None else str(s.start),
        overall_rate=overall,
    )  # fmt: skip
