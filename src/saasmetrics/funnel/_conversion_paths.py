"""conversion_paths(): which session paths lead to a goal and which do not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics.eventlog import EventLog
from saasmetrics.funnel._path_counts import (
    PathsPartial,
    PathsSettings,
    path_labels,
    paths_analysis,
)
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, TimedeltaLike

__all__ = ("ConversionPaths", "conversion_paths")


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
) -> Analysis[PathsPartial, ConversionPaths]:
    """conversion_paths() as partial / merge / finalize (the paths before the goal)."""
    return paths_analysis(
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


def _finalize_conversion_paths(part: PathsPartial, s: PathsSettings) -> ConversionPaths:
    """Paths ranked by conversions, rate and lift, from the merged counts per path."""
    counts, conversions = part.sessions, part.conversions
    total = int(counts.sum())
    overall = float(conversions.sum() / total) if total else float("nan")
    rate = conversions / np.maximum(counts, 1)
    table = pd.DataFrame(
        {
            "path": path_labels(part.events, part.matrix),
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
        table=table,
        goal=str(s.goal),
        start=None if s.start is None else str(s.start),
        overall_rate=overall,
    )
