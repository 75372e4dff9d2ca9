"""paths(): what users do in a session, as path frequencies, transitions and Sankey edges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from saasmetrics._kernels.funnel_paths import PAD
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics.eventlog import EventLog
from saasmetrics.funnel._path_counts import (
    MORE_LABEL,
    PathsPartial,
    PathsSettings,
    path_labels,
    paths_analysis,
)
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, TimedeltaLike

__all__ = ("PathsResult", "paths")

END = "(end)"


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
) -> Analysis[PathsPartial, PathsResult]:
    """paths() as partial / merge / finalize."""
    return paths_analysis(
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


def _finalize_paths(part: PathsPartial, s: PathsSettings) -> PathsResult:
    """The path table, transitions and Sankey edges from the merged counts per path."""
    matrix, counts = part.matrix, part.sessions
    total = int(counts.sum())
    table = pd.DataFrame(
        {
            "path": path_labels(part.events, matrix),
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
