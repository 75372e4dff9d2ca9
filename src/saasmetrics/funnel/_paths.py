"""paths() and conversion_paths(): what users do in a session, and which paths reach a goal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from saasmetrics.funnel._steps import event_index
from saasmetrics.typing import FrameLike, TimedeltaLike

__all__ = ("ConversionPaths", "PathsResult", "conversion_paths", "paths")

SEP = " > "
END = "(end)"
MORE_LABEL = "..."


def _event_code(log: EventLog, event: Any) -> int:
    """Code of ``event`` (or of its text: the log keeps non-text names as text), else an error."""
    code = event_index(log, event)
    return code if code >= 0 else log.event_code(event)  # raises with the known names


def _labels(log: EventLog, matrix: npt.NDArray[np.int64]) -> pd.Series:
    """Path strings ``"a > b > c"`` for every row of the path matrix, built column by column."""
    names = pd.Series(np.asarray(log.events.astype(str), dtype=object)).astype("str")
    n = matrix.shape[0]
    labels = pd.Series(["(none)"] * n, dtype="str")
    if n == 0:
        return labels
    for j in range(matrix.shape[1] - 1):  # a loop over positions, not over paths
        codes = matrix[:, j]
        has = codes >= 0
        if not has.any():
            break
        part = names.take(np.maximum(codes, 0)).reset_index(drop=True)
        labels = (labels + SEP + part if j else part).where(has, labels)
    more = matrix[:, -1] == MORE
    if more.any():
        labels = labels.where(~more, labels + SEP + MORE_LABEL)
    return labels


def _prepare(
    events: EventLog | FrameLike,
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
) -> tuple[EventLog, npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    max_steps = check_int("max_steps", max_steps, min_value=1)
    gap = check_positive_timedelta("session_gap", session_gap)
    log = as_event_log(
        events, user_col=user_col, time_col=time_col, event_col=event_col, properties=[]
    )
    start_code = None if start is None else _event_code(log, start)
    goal_code = None if goal is None else _event_code(log, goal)
    matrix, converted, session_user = session_paths(
        segment_ids(log.offsets),
        log.time_ns,
        log.event_codes.astype(np.int64),
        gap_ns=int(gap.value),
        collapse_repeats=collapse_repeats,
        start=start_code,
        goal=goal_code,
        # no session is longer than its user's history: a larger max_steps cuts nothing more,
        # so allocate for the longest history only (same paths, bounded memory)
        max_steps=min(max_steps, int(np.diff(log.offsets).max(initial=0)) + 1),
        include_goal=include_goal,
    )
    return log, matrix, converted, session_user


def _group_paths(
    matrix: npt.NDArray[np.int64], converted: npt.NDArray[np.bool_], users: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], Any]:
    """Distinct paths, sessions and conversions per path, distinct users per path."""
    if matrix.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return matrix, empty, empty, empty
    base = int(max(matrix.max(), 0)) + 3  # codes, PAD (-1) and MORE (-2) as digits
    if base ** matrix.shape[1] < 2**62:
        # one integer per path: a 1-d unique is much faster than a row-wise one
        digits = matrix + 2
        key = np.zeros(matrix.shape[0], dtype=np.int64)
        for j in range(matrix.shape[1]):
            key = key * base + digits[:, j]
        _, first, inverse, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        uniq = matrix[first]
    else:
        uniq, inverse, counts = np.unique(matrix, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    conversions = np.bincount(inverse, weights=converted, minlength=uniq.shape[0])
    pairs = np.sort(inverse.astype(np.int64) * (int(users.max()) + 1) + users)
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]  # distinct (path, user) pairs
    n_users = np.bincount(pairs // (int(users.max()) + 1), minlength=uniq.shape[0])
    return uniq, counts.astype(np.int64), conversions.astype(np.int64), n_users.astype(np.int64)


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
) -> PathsResult:
    """The paths users take through a session: frequencies, transitions and Sankey edges.

    Each user's events are split into sessions at gaps longer than ``session_gap``. A path
    is the session's sequence of events, from its first ``start`` event if one is given
    (sessions without it are left out), up to and including its first ``goal`` event if one is
    given (the session then *converts*), cut after ``max_steps`` events (a trailing ``"..."``
    marks that it went on).

    Parameters
    ----------
    events : EventLog or DataFrame-like
        The events.
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
    log, matrix, converted, users = _prepare(
        events,
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
    uniq, counts, conversions, n_users = _group_paths(matrix, converted, users)
    labels = _labels(log, uniq)
    total = int(counts.sum())
    table = pd.DataFrame(
        {
            "path": labels,
            "sessions": counts,
            "share": counts / total if total else counts.astype(float),
            "users": n_users,
            "conversions": conversions,
            "conversion_rate": conversions / np.maximum(counts, 1),
        }
    )
    table = table.sort_values(["sessions", "path"], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)

    names = [str(e) for e in log.events]
    n_ev = len(names)
    src_all, dst_all, step_all = [], [], []
    for i in range(matrix.shape[1] - 1):  # columns allocated (<= max_steps)
        a = matrix[:, i]
        b = matrix[:, i + 1]
        has = a >= 0
        src_all.append(a[has])
        dst_all.append(b[has])
        step_all.append(np.full(int(has.sum()), i, dtype=np.int64))
    src = np.concatenate(src_all) if src_all else np.zeros(0, np.int64)
    dst = np.concatenate(dst_all) if dst_all else np.zeros(0, np.int64)
    step = np.concatenate(step_all) if step_all else np.zeros(0, np.int64)
    # transitions: columns are events, then "(end)" (PAD), then "..." (MORE)
    col = np.where(dst >= 0, dst, np.where(dst == PAD, n_ev, n_ev + 1))
    counts_2d = np.bincount(src * (n_ev + 2) + col, minlength=n_ev * (n_ev + 2))
    transitions = pd.DataFrame(
        counts_2d.reshape(n_ev, n_ev + 2).astype(np.int64),
        index=pd.Index(names, name="from"),
        columns=pd.Index([*names, END, MORE_LABEL], name="to"),
    )
    transitions = transitions.loc[transitions.sum(axis=1) > 0]
    link = dst >= 0
    if link.any():
        key = (step[link] * n_ev + src[link]) * n_ev + dst[link]
        keys, link_counts = np.unique(key, return_counts=True)
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
        start=None if start is None else str(start),
        goal=None if goal is None else str(goal),
        max_steps=int(max_steps),
        session_gap=check_positive_timedelta("session_gap", session_gap),
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
) -> ConversionPaths:
    """Rank the session paths that lead to ``goal`` and those that do not.

    Sessions are built as in :func:`paths`. For each session the path is what happened before
    its first ``goal`` event (or the whole session when it never got there), cut after
    ``max_steps`` events; paths are then grouped and ranked by conversions, conversion rate and
    lift over the overall rate.

    Parameters
    ----------
    events : EventLog or DataFrame-like
        The events.
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
    log, matrix, converted, users = _prepare(
        events,
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
    uniq, counts, conversions, _ = _group_paths(matrix, converted, users)
    total = int(counts.sum())
    overall = float(conversions.sum() / total) if total else float("nan")
    rate = conversions / np.maximum(counts, 1)
    table = pd.DataFrame(
        {
            "path": _labels(log, uniq),
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
        table=table, goal=str(goal), start=None if start is None else str(start),
        overall_rate=overall,
    )  # fmt: skip
