"""Cohort retention tables: who comes back, period by period, by acquisition cohort."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from saasmetrics._kernels.periods import (
    DAY_NS,
    calendar_period,
    parse_freq,
    period_start_ns,
    rolling_period,
)
from saasmetrics._kernels.retention import cohort_counts
from saasmetrics._plotting import PALETTE, get_axes, period_label
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_choice
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import EmptyDataError, ParameterError
from saasmetrics.retention._common import as_of_ns, encode, first_time, spec_or_error
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
) -> CohortTable:
    r"""Retention by acquisition cohort and period since acquisition.

    A user's cohort is the calendar period (``cohort_freq``, default ``freq``) of their first
    event, or of their first ``cohort_event``. Period offset ``k`` of an activity is counted in
    calendar periods (``anchor="calendar"``: the period of the activity minus the cohort's) or
    in whole ``freq`` lengths since the user's own start (``anchor="rolling"``: day 7-13 after
    signup is week 1 for everyone).

    Parameters
    ----------
    events : EventLog or DataFrame-like
        One row per event (``user_col``, ``time_col``, ``event_col``).
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

    log = encode(
        events,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        value_col=value_col,
        on_invalid=on_invalid,
    )
    wall = log.wall
    end = as_of_ns(log, as_of, wall)
    origin, has = first_time(log, cohort_event)
    included = has & (origin <= end)
    if not included.any():
        raise EmptyDataError(
            "No users to put in cohorts"
            + (f": nobody did cohort_event={cohort_event!r}" if cohort_event else "")
            + " before as_of.",
            hint="check cohort_event and as_of.",
        )
    n_excluded = int((~included).sum())
    origin = np.where(included, origin, end)
    cohort_ord = calendar_period(origin, cspec)
    first_cohort = int(cohort_ord[included].min())
    n_cohorts = int(cohort_ord[included].max()) - first_cohort + 1
    cohort_idx = np.where(included, cohort_ord - first_cohort, 0)

    user = log.user_codes
    row_origin = origin[user]
    keep = included[user] & (wall >= row_origin) & (wall <= end)
    if return_event is not None:
        keep &= log.event_codes == log.event_code(return_event)
    idx = np.flatnonzero(keep)
    user_k = user[idx]
    if anchor == "calendar":
        start_period = calendar_period(origin, spec)
        offset_k = calendar_period(wall[idx], spec) - start_period[user_k]
    else:
        offset_k = rolling_period(wall[idx], row_origin[idx], spec)

    # completeness: whole periods between each cohort's (latest) start and as_of
    latest = np.full(n_cohorts, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(latest, cohort_idx[included], origin[included])
    latest[latest == np.iinfo(np.int64).min] = end
    if anchor == "calendar":
        end_period = calendar_period(np.array([end], dtype=np.int64), spec)
        n_complete = end_period - calendar_period(latest, spec)
    else:
        n_complete = rolling_period(np.full(n_cohorts, end, dtype=np.int64), latest, spec)
    n_periods = int(offset_k.max()) + 1 if offset_k.size else 1
    n_periods = max(n_periods, int(n_complete.max()) if n_complete.size else 1)
    if max_periods is not None:
        n_periods = min(n_periods, int(max_periods))
        inside = offset_k < n_periods
        user_k, offset_k = user_k[inside], offset_k[inside]
        idx = idx[inside]

    values = log.values[idx] if log.values is not None else None
    kernel_kind = "classic" if kind == "classic" else "unbounded"
    counts = cohort_counts(
        user_k, offset_k, cohort_idx, n_cohorts, n_periods, kind=kernel_kind, values=values
    )
    n_users_c = np.bincount(cohort_idx[included], minlength=n_cohorts).astype(np.float64)
    if value_col is None:
        counts[:, 0] = n_users_c
    sizes = counts[:, 0].copy()
    period = np.arange(n_periods, dtype=np.int64)
    incomplete = period[None, :] >= np.maximum(n_complete, 1)[:, None]
    counts[incomplete] = np.nan
    counts[n_users_c == 0, 1:] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = counts / np.where(sizes > 0, sizes, np.nan)[:, None]

    cohort_index = pd.DatetimeIndex(
        period_start_ns(np.arange(n_cohorts, dtype=np.int64) + first_cohort, cspec).view(
            "datetime64[ns]"
        ),
        name="cohort",
    ).as_unit("us")  # the unit the JSON round trip restores (pandas 3 parses ISO text as us)
    columns = pd.Index(period, name="period")
    size_series = pd.Series(
        sizes if value_col else sizes.astype(np.int64), index=cohort_index, name="size"
    )
    return CohortTable(
        sizes=size_series,
        counts=pd.DataFrame(counts, index=cohort_index, columns=columns),
        rates=pd.DataFrame(rates, index=cohort_index, columns=columns),
        kind=kind,
        anchor=anchor,
        freq=str(freq),
        value_col=value_col,
        n_users=int(included.sum()),
        n_excluded=n_excluded,
        as_of=pd.Timestamp(end),
    )
