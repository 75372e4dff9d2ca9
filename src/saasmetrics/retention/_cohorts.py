"""Cohort retention tables: who comes back, period by period, by acquisition cohort."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.periods import (
    DAY_NS,
    PeriodSpec,
    calendar_period,
    parse_freq,
    period_start_ns,
    rolling_period,
)
from saasmetrics._kernels.retention import cohort_counts, first_period_cohort_counts
from saasmetrics._plotting import PALETTE, get_axes, period_label
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_choice
from saasmetrics.config import get_threads
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import EmptyDataError, ParameterError
from saasmetrics.retention._common import (
    I64,
    Encoded,
    as_of_ns,
    encode,
    first_time,
    spec_or_error,
)
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, Freq, OnInvalid

__all__ = ("CohortTable", "cohort_table")

CurveMethod = Literal["chained", "weighted", "mean"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class CohortTable(ResultMixin):
    """Retention by acquisition cohort (rows) and period offset since acquisition (columns).

    Attributes
    ----------
    sizes : pandas.Series
        Users per cohort (revenue in period 0 for revenue retention), indexed by cohort start.
    counts : pandas.DataFrame
        Users retained (or revenue) per cohort and period offset ``0..K``; incomplete cells are
        NaN, never 0.
    rates : pandas.DataFrame
        ``counts / sizes``; incomplete cells NaN.
    kind, anchor, freq : str
        How the table was built.
    value_col : str or None
        The value column of revenue retention, else ``None``.
    n_users : int
        Users in the table.
    n_excluded : int
        Users left out (no ``cohort_event``).
    as_of : pandas.Timestamp
        End of observation; periods ending after it are incomplete.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.retention import cohort_table
    >>> events = pd.DataFrame({"user_id": ["a", "a", "b"], "event": "login",
    ...                        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09",
    ...                                                     "2024-01-02"])})
    >>> table = cohort_table(events, freq="W", as_of="2024-01-15")
    >>> table
    CohortTable(cohorts=1, periods=2, users=2, kind='classic', freq='W')
    >>> table.sizes.tolist(), table.counts.iloc[0].tolist(), table.rates.iloc[0].tolist()
    ([2], [2.0, 1.0], [1.0, 0.5])
    """

    sizes: pd.Series
    counts: pd.DataFrame
    rates: pd.DataFrame
    kind: str
    anchor: str
    freq: str
    value_col: str | None
    n_users: int
    n_excluded: int
    as_of: pd.Timestamp

    def to_frame(self) -> pd.DataFrame:
        """Cohort sizes and rates: one row per cohort, ``size`` then one column per period.

        Returns
        -------
        pandas.DataFrame
            A new frame.
        """
        frame = self.rates.copy()
        frame.insert(0, "size", self.sizes.to_numpy())
        return frame

    def _summary(self) -> dict[str, Any]:
        return {
            "cohorts": len(self.sizes),
            "periods": self.rates.shape[1],
            "users": self.n_users,
            "kind": self.kind,
            "freq": self.freq,
        }

    def curve(self, *, method: CurveMethod = "chained") -> pd.Series:
        """The retention curve pooled over the cohorts that completed each period.

        Parameters
        ----------
        method : {"chained", "weighted", "mean"}, default "chained"
            ``"chained"``: start at 1 and multiply period-over-period ratios
            ``sum counts[k] / sum counts[k-1]`` pooled over the cohorts that completed period
            ``k``. Uses every complete cell, does not jump when older cohorts drop out of the
            pool, and is non-increasing for unbounded retention.
            ``"weighted"`` (Mixpanel / Amplitude style): ``sum counts[k] / sum sizes`` over the
            cohorts that completed period ``k`` (a size-weighted average of their rates).
            ``"mean"``: the unweighted mean of those cohorts' rates.

        Returns
        -------
        pandas.Series
            Retention by period offset (name ``"retention"``); periods no cohort completed are
            left out.

        Raises
        ------
        ParameterError
            For an unknown ``method``.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.retention import cohort_table
        >>> events = pd.DataFrame({
        ...     "user_id": ["a", "a", "b", "c", "c"],
        ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02",
        ...                                  "2024-01-08", "2024-01-16"]),
        ...     "event": "login"})
        >>> cohort_table(events, freq="W").curve(method="weighted").round(3).tolist()
        [1.0, 0.5]
        """
        check_choice("method", method, ("chained", "weighted", "mean"))
        counts = self.counts.to_numpy(dtype=np.float64)
        sizes = self.sizes.to_numpy(dtype=np.float64)
        complete = ~np.isnan(counts) & (sizes[:, None] > 0)
        safe = np.where(complete, counts, 0.0)
        n_complete = complete.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if method == "weighted":
                values = safe.sum(axis=0) / (complete * sizes[:, None]).sum(axis=0)
            elif method == "mean":
                rates = np.where(complete, safe / np.where(sizes > 0, sizes, 1.0)[:, None], 0.0)
                values = rates.sum(axis=0) / n_complete
            else:
                now = safe.sum(axis=0)
                before = np.zeros_like(now)
                before[1:] = (np.where(complete[:, 1:], counts[:, :-1], 0.0)).sum(axis=0)
                ratio = np.ones_like(now)
                # nobody left to lose: the curve stays where it is (0)
                ratio[1:] = np.where(before[1:] > 0, now[1:] / before[1:], 0.0)
                ratio[0] = now[0] / (complete[:, 0] * sizes).sum()
                values = np.cumprod(ratio)
        keep = n_complete > 0
        return pd.Series(values[keep], index=self.rates.columns[keep], name="retention")

    def plot(
        self,
        ax: Any = None,
        *,
        kind: Literal["heatmap", "curve"] = "heatmap",
        annotate: bool | None = None,
    ) -> Any:
        """Draw the table as a heatmap, or the pooled curve.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw (new axes when omitted).
        kind : {"heatmap", "curve"}, default "heatmap"
            What to draw.
        annotate : bool, optional
            Print each cell's rate in the heatmap (default: when the table has at most 24
            cohorts and 24 periods).

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        check_choice("kind", kind, ("heatmap", "curve"))
        if kind == "curve":
            ax = get_axes(ax)
            curve = self.curve()
            ax.plot(curve.index, curve.to_numpy(), marker="o", color=PALETTE[0])
            ax.set_xlabel(f"{period_label(self.freq)}s since start")
            ax.set_ylabel("retained")
            ax.set_ylim(0, max(1.0, float(np.nanmax(curve.to_numpy()))) * 1.02)
            ax.set_title(f"{self.kind.capitalize()} retention curve")
            return ax
        ax = get_axes(ax, figsize=(8.0, max(3.0, 0.28 * len(self.rates) + 1.0)))
        ax.grid(visible=False)
        data = self.rates.to_numpy(dtype=np.float64)
        image = ax.imshow(np.ma.masked_invalid(data), aspect="auto", cmap="Blues", vmin=0, vmax=1)
        labels = [str(pd.Timestamp(c).date()) for c in self.rates.index]
        step = max(1, len(labels) // 20)
        ax.set_yticks(range(0, len(labels), step), labels[::step])
        ax.set_xlabel(f"{period_label(self.freq)}s since cohort start")
        ax.set_ylabel("cohort")
        if annotate is None:
            annotate = data.shape[0] <= 24 and data.shape[1] <= 24
        if annotate:
            rows, cols = np.nonzero(~np.isnan(data))
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                value = data[r, c]
                ax.text(
                    c,
                    r,
                    f"{value:.0%}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if value > 0.55 else "#1e293b",
                )
        ax.figure.colorbar(image, ax=ax, label="retained")
        ax.set_title(f"{self.kind.capitalize()} retention by cohort")
        return ax


def _check_options(kind: Any, anchor: Any, max_periods: Any, value_col: Any) -> None:
    check_choice("kind", kind, ("classic", "unbounded", "rolling"))
    check_choice("anchor", anchor, ("calendar", "rolling"))
    if max_periods is not None and (
        not isinstance(max_periods, int | np.integer)
        or isinstance(max_periods, bool)
        or max_periods < 1
    ):
        raise ParameterError(f"max_periods must be a positive integer; got {max_periods!r}.")
    if value_col is not None and kind != "classic":
        raise ParameterError(
            f"value_col works with kind='classic' only; got kind={kind!r}.",
            hint="revenue 'on or after' a period is not a retention measure; use classic.",
        )


def _grains(freq: Any, anchor: Any, cohort_freq: Any) -> tuple[PeriodSpec, PeriodSpec]:
    """The period grain and the cohort grain, checked."""
    spec = spec_or_error("freq", freq, rolling=anchor == "rolling")
    if cohort_freq is None and spec.unit == "fixed" and spec.length % DAY_NS == 0:
        # a rolling grain like "7D" or "30D" is no calendar grain: cohorts need one
        try:
            parse_freq(freq)
        except ValueError as exc:
            raise ParameterError(
                f"freq={freq!r} is a duration, not a calendar grain, so it cannot label cohorts.",
                hint="pass cohort_freq= too, e.g. cohort_freq='W' or 'MS'.",
            ) from exc
    cspec = spec_or_error("cohort_freq", cohort_freq or freq, rolling=False)
    return spec, cspec


def cohort_table(
    events: EventLog | FrameLike,
    *,
    freq: Freq = "W",
    kind: Literal["classic", "unbounded", "rolling"] = "classic",
    anchor: Literal["calendar", "rolling"] = "calendar",
    cohort_event: Any = None,
    return_event: Any = None,
    value_col: str | None = None,
    max_periods: int | None = None,
    cohort_freq: Freq | None = None,
    as_of: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    on_invalid: OnInvalid = "raise",
    partitioned_by: str | None = None,
) -> CohortTable:
    r"""Retention by acquisition cohort and period since acquisition.

    A user's cohort is the calendar period (``cohort_freq``, default ``freq``) of their first
    event, or of their first ``cohort_event``. Period offset ``k`` of an activity is counted in
    calendar periods (``anchor="calendar"``: the period of the activity minus the cohort's) or
    in whole ``freq`` lengths since the user's own start (``anchor="rolling"``: day 7-13 after
    signup is week 1 for everyone).

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        One row per event (``user_col``, ``time_col``, ``event_col``); a dask DataFrame is
        analysed partition by partition, with the same result.
    freq : str, default "W"
        Period grain: ``"D"``, ``"W"``, ``"W-MON"``..., ``"MS"``, ``"QS"``, ``"YS"``; with
        ``anchor="rolling"`` also a duration such as ``"7D"`` (then pass ``cohort_freq``).
    kind : {"classic", "unbounded", "rolling"}, default "classic"
        ``"classic"``: a user counts in period ``k`` if active in ``k``. ``"unbounded"``: if
        active in ``k`` or later ("returned on or after"). ``"rolling"`` is the name mobile
        analytics tools (Adjust, Flurry) give to unbounded retention; it gives the same numbers.
    anchor : {"calendar", "rolling"}, default "calendar"
        Calendar periods, or periods measured from each user's start.
    cohort_event : str, optional
        Event that starts a user's life (e.g. ``"signup"``); users who never did it are left out
        and counted in ``n_excluded``. Default: the user's first event of any kind.
    return_event : str, optional
        Only this event counts as a return (periods ``>= 1``). Default: any event.
    value_col : str, optional
        Sum this column instead of counting users: revenue retention (classic kind only).
        Period 0 revenue is the cohort's size.
    max_periods : int, optional
        Keep period offsets ``0..max_periods - 1`` only.
    cohort_freq : str, optional
        Calendar grain of the cohorts (default ``freq``).
    as_of : timestamp, optional
        End of observation (default: the last event). Later events are ignored; a period
        that ends after it is incomplete, and its cells are NaN.
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with null ids, names or timestamps (and missing or infinite values of
        ``value_col``: with ``"drop"`` they are left out of the sums, with a warning).
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column (the
        shuffle by user is skipped); see :mod:`saasmetrics.scale`.

    Returns
    -------
    CohortTable
        ``sizes``, ``counts``, ``rates`` (incomplete cells NaN), ``curve()``, ``plot()``.

    Raises
    ------
    ParameterError
        For an unknown ``kind``, ``anchor`` or ``freq``, ``max_periods < 1``, an unknown event,
        or ``value_col`` with an unbounded kind.
    MissingColumnError
        If a column is missing.
    EmptyDataError
        If no user is left (e.g. nobody did ``cohort_event``).

    Notes
    -----
    For cohort $c$ with $N_c$ users, $A_{c,k}$ the users active in period $k$:

    $$r_{c,k} = \frac{|A_{c,k}|}{N_c}, \qquad
      r^{\text{unbounded}}_{c,k} = \frac{|\bigcup_{j \ge k} A_{c,j}|}{N_c}$$

    Cell $(c, k)$ is complete when period $k$ of every user in the cohort ended by
    ``as_of``; otherwise it is NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.retention import cohort_table
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "a", "b", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-20",
    ...                                  "2024-01-02", "2024-01-22", "2024-01-10"]),
    ...     "event": "login"})
    >>> table = cohort_table(events, freq="W", as_of="2024-01-29")
    >>> table.to_frame()
    period      size    0    1    2    3
    cohort
    2024-01-01     2  1.0  0.5  0.5  0.5
    2024-01-08     1  1.0  0.0  0.0  NaN
    >>> cohort_table(events, freq="W", kind="unbounded", as_of="2024-01-29").rates.iloc[0].tolist()
    [1.0, 1.0, 1.0, 0.5]
    """
    _check_options(kind, anchor, max_periods, value_col)
    spec, cspec = _grains(freq, anchor, cohort_freq)
    plan = _cohort_analysis(
        freq=freq,
        kind=kind,
        anchor=anchor,
        cohort_event=cohort_event,
        return_event=return_event,
        value_col=value_col,
        max_periods=max_periods,
        cohort_freq=cohort_freq,
        as_of=as_of,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        on_invalid=on_invalid,
        _checked=(spec, cspec),
    )
    return run(plan, events, partitioned_by=partitioned_by)


@dataclass(frozen=True, slots=True)
class _CohortPartial:
    """What a chunk of whole users contributes to a cohort table.

    Rows of ``counts``, ``n_users`` and ``latest`` are cohorts ``first .. first + n - 1``
    (absolute period ordinals of the cohort grain); columns of ``counts`` period offsets.
    ``latest`` is the latest start of a user in each cohort (for completeness: only its
    period is read, so a cohort's own start stands for it when cohorts are periods), ``known`` says
    whether the chunk has the cohort and return events at all.
    """

    first: int
    counts: npt.NDArray[np.float64]
    n_users: npt.NDArray[np.int64]
    latest: npt.NDArray[np.int64]
    n_excluded: int
    known: tuple[bool, bool]


_NEVER = np.iinfo(np.int64).min


def _align(a: _CohortPartial, first: int, n_cohorts: int, n_periods: int) -> _CohortPartial:
    """``a`` padded to cohorts ``first .. first + n_cohorts - 1`` and ``n_periods`` offsets."""
    top = a.first - first
    rows = slice(top, top + a.n_users.size)
    counts = np.zeros((n_cohorts, n_periods))
    counts[rows, : a.counts.shape[1]] = a.counts
    n_users = np.zeros(n_cohorts, dtype=np.int64)
    n_users[rows] = a.n_users
    latest = np.full(n_cohorts, _NEVER, dtype=np.int64)
    latest[rows] = a.latest
    return _CohortPartial(first, counts, n_users, latest, a.n_excluded, a.known)


def _merge_cohorts(a: _CohortPartial, b: _CohortPartial) -> _CohortPartial:
    if not a.n_users.size or not b.n_users.size:
        keep = a if a.n_users.size else b
        return _CohortPartial(
            keep.first,
            keep.counts,
            keep.n_users,
            keep.latest,
            a.n_excluded + b.n_excluded,
            (a.known[0] or b.known[0], a.known[1] or b.known[1]),
        )
    first = min(a.first, b.first)
    n_cohorts = max(a.first + a.n_users.size, b.first + b.n_users.size) - first
    n_periods = max(a.counts.shape[1], b.counts.shape[1])
    x = _align(a, first, n_cohorts, n_periods)
    y = _align(b, first, n_cohorts, n_periods)
    return _CohortPartial(
        first=first,
        counts=x.counts + y.counts,
        n_users=x.n_users + y.n_users,
        latest=np.maximum(x.latest, y.latest),
        n_excluded=a.n_excluded + b.n_excluded,
        known=(a.known[0] or b.known[0], a.known[1] or b.known[1]),
    )


@dataclass(frozen=True, slots=True)
class _CohortSettings:
    spec: PeriodSpec
    cspec: PeriodSpec
    kind: str
    anchor: str
    cohort_event: Any
    return_event: Any
    value_col: str | None
    max_periods: int | None
    freq: str


def _known(log: Encoded, event: Any) -> bool:
    if event is None:
        return True
    try:
        log.event_code(event)
    except ParameterError:
        return False
    return True


def _cohort_partial(log: Encoded, end: int, s: _CohortSettings) -> _CohortPartial:
    """Cohort counts of one chunk of whole users (the in-memory path is the one-chunk case)."""
    if _cohort_is_first_period(log, s):
        return _first_period_partial(log, end, s)
    known = (_known(log, s.cohort_event), _known(log, s.return_event))
    wall = log.wall
    if known[0]:
        origin, has = first_time(log, s.cohort_event)
    else:
        origin = np.zeros(log.n_users, dtype=np.int64)
        has = np.zeros(log.n_users, dtype=bool)
    included = has & (origin <= end)
    n_excluded = int((~included).sum())
    if not included.any():
        empty = np.zeros(0, dtype=np.int64)
        return _CohortPartial(0, np.zeros((0, 1)), empty, empty, n_excluded, known)
    origin = np.where(included, origin, end)
    cohort_ord = calendar_period(origin, s.cspec)
    first_cohort = int(cohort_ord[included].min())
    n_cohorts = int(cohort_ord[included].max()) - first_cohort + 1
    cohort_idx = np.where(included, cohort_ord - first_cohort, 0)

    user = log.user_codes
    idx = _activity_rows(log, origin, included, end, s)
    if idx is not None:
        user, wall = user[idx], wall[idx]
    if s.anchor == "calendar":
        start_period = calendar_period(origin, s.spec)
        offset_k = calendar_period(wall, s.spec)
        offset_k -= start_period[user]
    else:
        offset_k = rolling_period(wall, origin[user], s.spec)
    user_k = user
    n_periods = int(offset_k.max()) + 1 if offset_k.size else 1
    if s.max_periods is not None and n_periods > s.max_periods:
        n_periods = int(s.max_periods)
        if s.kind == "classic":
            inside = offset_k < n_periods
            user_k, offset_k = user_k[inside], offset_k[inside]
            idx = np.flatnonzero(inside) if idx is None else idx[inside]
        else:  # a return after the last kept period still retains the user in every kept one
            offset_k = np.minimum(offset_k, n_periods - 1)
    values = log.values
    if values is not None and idx is not None:
        values = values[idx]
    kernel_kind = "classic" if s.kind == "classic" else "unbounded"
    counts = cohort_counts(
        user_k, offset_k, cohort_idx, n_cohorts, n_periods, kind=kernel_kind, values=values
    )
    latest = np.full(n_cohorts, _NEVER, dtype=np.int64)
    np.maximum.at(latest, cohort_idx[included], origin[included])
    n_users = np.bincount(cohort_idx[included], minlength=n_cohorts).astype(np.int64)
    return _CohortPartial(first_cohort, counts, n_users, latest, n_excluded, known)


def _cohort_is_first_period(log: Encoded, s: _CohortSettings) -> bool:
    """Whether a user's cohort is the period of their first row, counted classically."""
    same_grain = (s.cspec.unit, s.cspec.length, s.cspec.week_start) == (
        s.spec.unit,
        s.spec.length,
        s.spec.week_start,
    )
    plain = s.cohort_event is None and s.return_event is None and log.values is None
    return plain and same_grain and s.anchor == "calendar" and s.kind == "classic"


def _first_period_partial(log: Encoded, end: int, s: _CohortSettings) -> _CohortPartial:
    """The default cohort table: no user's first time is needed, only their first period."""
    user, wall = log.user_codes, log.wall
    if wall.size and int(wall.max()) > end:  # as_of before the last event
        keep = wall <= end
        user, wall = user[keep], wall[keep]
    counts, sizes, first = first_period_cohort_counts(
        user,
        wall,
        log.n_users,
        s.max_periods,
        period_of=lambda times: calendar_period(times, s.spec),
        threads=get_threads(),
    )
    # only the period of a cohort's latest start is read (completeness): the cohort's own
    latest = np.where(
        sizes > 0, period_start_ns(np.arange(sizes.size, dtype=np.int64) + first, s.spec), _NEVER
    )
    return _CohortPartial(
        first, counts, sizes, latest, log.n_users - int(sizes.sum()), (True, True)
    )


def _activity_rows(
    log: Encoded, origin: I64, included: npt.NDArray[np.bool_], end: int, s: _CohortSettings
) -> I64 | None:
    """Rows that count as activity, or ``None`` when every row does (then nothing is copied).

    Activity: rows of included users, from their origin to ``end``, of the return event when
    one is given.
    """
    wall = log.wall
    keep = None
    if not included.all():
        keep = included[log.user_codes]
    if s.cohort_event is not None:  # else the origin is the user's first row: none is before
        keep = _and(keep, wall >= origin[log.user_codes])
    if int(wall.max()) > end:
        keep = _and(keep, wall <= end)
    if s.return_event is not None:
        code = log.event_code(s.return_event) if _known(log, s.return_event) else -1
        keep = _and(keep, log.event_codes == code)
    return None if keep is None else np.flatnonzero(keep)


def _and(a: npt.NDArray[np.bool_] | None, b: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    if a is None:
        return b
    a &= b
    return a


def _cohort_finalize(part: _CohortPartial, end: int, s: _CohortSettings) -> CohortTable:
    """Completeness, rates and the result, from the merged counts."""
    for label, event, known in (
        ("cohort_event", s.cohort_event, part.known[0]),
        ("return_event", s.return_event, part.known[1]),
    ):
        if not known:
            raise ParameterError(
                f"Unknown event {event!r} ({label}): no event in the data has that name.",
                hint="check the spelling against the event column.",
            )
    if not part.n_users.sum():
        raise EmptyDataError(
            "No users to put in cohorts"
            + (f": nobody did cohort_event={s.cohort_event!r}" if s.cohort_event else "")
            + " before as_of.",
            hint="check cohort_event and as_of.",
        )
    first_cohort, n_cohorts = part.first, part.n_users.size
    latest = part.latest.copy()
    latest[latest == _NEVER] = end
    # completeness: whole periods between each cohort's (latest) start and as_of
    if s.anchor == "calendar":
        end_period = calendar_period(np.array([end], dtype=np.int64), s.spec)
        n_complete = end_period - calendar_period(latest, s.spec)
    else:
        n_complete = rolling_period(np.full(n_cohorts, end, dtype=np.int64), latest, s.spec)
    n_periods = max(part.counts.shape[1], int(n_complete.max()) if n_complete.size else 1)
    if s.max_periods is not None:
        n_periods = min(n_periods, int(s.max_periods))
    counts = np.zeros((n_cohorts, n_periods))
    width = min(n_periods, part.counts.shape[1])
    counts[:, :width] = part.counts[:, :width]
    n_users_c = part.n_users.astype(np.float64)
    if s.value_col is None:
        counts[:, 0] = n_users_c
    sizes = counts[:, 0].copy()
    period = np.arange(n_periods, dtype=np.int64)
    incomplete = period[None, :] >= np.maximum(n_complete, 1)[:, None]
    counts[incomplete] = np.nan
    counts[n_users_c == 0, 1:] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = counts / np.where(sizes > 0, sizes, np.nan)[:, None]

    cohort_index = pd.DatetimeIndex(
        period_start_ns(np.arange(n_cohorts, dtype=np.int64) + first_cohort, s.cspec).view(
            "datetime64[ns]"
        ),
        name="cohort",
    ).as_unit("us")  # the unit the JSON round trip restores (pandas 3 parses ISO text as us)
    columns = pd.Index(period, name="period")
    size_series = pd.Series(
        sizes if s.value_col else sizes.astype(np.int64), index=cohort_index, name="size"
    )
    return CohortTable(
        sizes=size_series,
        counts=pd.DataFrame(counts, index=cohort_index, columns=columns),
        rates=pd.DataFrame(rates, index=cohort_index, columns=columns),
        kind=s.kind,
        anchor=s.anchor,
        freq=s.freq,
        value_col=s.value_col,
        n_users=int(part.n_users.sum()),
        n_excluded=part.n_excluded,
        as_of=pd.Timestamp(end),
    )


@register(cohort_table)
def _cohort_analysis(
    *,
    freq: Freq = "W",
    kind: str = "classic",
    anchor: str = "calendar",
    cohort_event: Any = None,
    return_event: Any = None,
    value_col: str | None = None,
    max_periods: int | None = None,
    cohort_freq: Freq | None = None,
    as_of: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    on_invalid: OnInvalid = "raise",
    _checked: tuple[PeriodSpec, PeriodSpec] | None = None,
) -> Analysis[_CohortPartial, CohortTable]:
    """The cohort table as partial / merge / finalize; the context is the end of observation."""
    if _checked is None:  # called through saasmetrics.scale.analysis: check like cohort_table
        _check_options(kind, anchor, max_periods, value_col)
        _checked = _grains(freq, anchor, cohort_freq)
    spec, cspec = _checked
    settings = _CohortSettings(
        spec=spec,
        cspec=cspec,
        kind=kind,
        anchor=anchor,
        cohort_event=cohort_event,
        return_event=return_event,
        value_col=value_col,
        max_periods=max_periods,
        freq=str(freq),
    )

    def prepare(data: EventLog | FrameLike) -> Encoded:
        return encode(
            data,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            value_col=value_col,
            on_invalid=on_invalid,
            any_user_order=True,
            read_event_names=cohort_event is not None or return_event is not None,
        )

    return Analysis(
        name="cohort_table",
        keys=(user_col,),
        prepare=prepare,
        context=lambda log: as_of_ns(log, as_of, log.wall),
        merge_context=max,
        partial=lambda log, end: _cohort_partial(log, end, settings),
        merge=_merge_cohorts,
        finalize=lambda part, end: _cohort_finalize(part, end, settings),
    )
