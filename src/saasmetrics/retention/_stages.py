"""The three stages of a retention curve: shock, selection, stable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_float
from saasmetrics.exceptions import InputError, ParameterError
from saasmetrics.retention._cohorts import CohortTable
from saasmetrics.retention._survival import SurvivalCurve

__all__ = ("LifecycleStages", "lifecycle_stages")

F64 = npt.NDArray[np.float64]


def decreasing_fit(values: F64, weights: F64) -> F64:
    """Weighted least-squares non-increasing fit (pool adjacent violators).

    Parameters
    ----------
    values, weights : numpy.ndarray of float64
        Points and their (non-negative) weights.

    Returns
    -------
    numpy.ndarray of float64
        The closest non-increasing sequence.

    Notes
    -----
    SciPy's compiled ``isotonic_regression`` (SciPy >= 1.12; a Kaplan-Meier curve in continuous
    time has one point per event time), else :func:`_pava`, the same algorithm in Python.
    Zero weights become a tiny positive weight (SciPy requires them positive).

    Examples
    --------
    >>> import numpy as np
    >>> decreasing_fit(np.array([3.0, 1.0, 2.0, 0.5]), np.ones(4)).tolist()
    [3.0, 1.5, 1.5, 0.5]
    """
    try:
        from scipy.optimize import isotonic_regression
    except ImportError:  # SciPy < 1.12
        return _pava(values, weights)
    positive = np.maximum(weights, np.finfo(np.float64).tiny)
    fitted: F64 = isotonic_regression(values, weights=positive, increasing=False).x
    return fitted


def _pava(values: F64, weights: F64) -> F64:
    """Pool adjacent violators in Python: the fallback (and test oracle) of decreasing_fit."""
    levels: list[float] = []
    sizes: list[float] = []
    counts: list[int] = []
    for v, w in zip(values.tolist(), weights.tolist(), strict=True):
        levels.append(v)
        sizes.append(w)
        counts.append(1)
        while len(levels) > 1 and levels[-2] < levels[-1]:
            w2 = sizes[-2] + sizes[-1]
            merged = (levels[-2] * sizes[-2] + levels[-1] * sizes[-1]) / w2 if w2 > 0 else 0.0
            levels[-2:] = [merged]
            sizes[-2:] = [w2]
            counts[-2:] = [counts[-2] + counts[-1]]
    return np.repeat(np.array(levels, dtype=np.float64), counts)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class LifecycleStages(ResultMixin):
    """Where a retention curve's shock, selection and stable stages begin and end.

    Attributes
    ----------
    curve : pandas.Series
        The retention curve analysed (by time).
    hazard : pandas.Series
        Churn hazard per unit time on each interval ending at the index time.
    smoothed_hazard : pandas.Series
        Its non-increasing (isotonic) fit.
    shock_end : float
        End of the shock stage (start of selection).
    stable_start : float
        Start of the stable stage (the plateau): where the hazard stops falling.
    plateau : float
        Retention at ``stable_start``.
    plateau_churn : float
        Churn per unit time in the stable stage, ``1 - exp(-hazard)``.
    method : str
        How the boundaries were found.

    Examples
    --------
    >>> from saasmetrics.retention import lifecycle_stages
    >>> stages = lifecycle_stages([1.0, 0.4, 0.3, 0.27, 0.26, 0.255, 0.25, 0.245])
    >>> stages.to_frame()["stage"].tolist()
    ['shock', 'selection', 'stable', 'stable', 'stable', 'stable', 'stable', 'stable']
    """

    curve: pd.Series
    hazard: pd.Series
    smoothed_hazard: pd.Series
    shock_end: float
    stable_start: float
    plateau: float
    plateau_churn: float
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per time: retention, hazard, smoothed hazard and stage.

        Returns
        -------
        pandas.DataFrame
            Columns ``time``, ``retention``, ``hazard``, ``smoothed_hazard``, ``stage``.
        """
        t = self.curve.index.to_numpy(dtype=np.float64)
        stage = np.where(
            t < self.shock_end, "shock", np.where(t < self.stable_start, "selection", "stable")
        )
        return pd.DataFrame(
            {
                "time": t,
                "retention": self.curve.to_numpy(dtype=np.float64),
                "hazard": self.hazard.reindex(self.curve.index).to_numpy(dtype=np.float64),
                "smoothed_hazard": self.smoothed_hazard.reindex(self.curve.index).to_numpy(
                    dtype=np.float64
                ),
                "stage": stage,
            }
        )

    def _summary(self) -> dict[str, Any]:
        return {
            "shock_end": self.shock_end,
            "stable_start": self.stable_start,
            "plateau": round(self.plateau, 4),
            "plateau_churn": round(self.plateau_churn, 4),
        }

    def plot(self, ax: Any = None) -> Any:
        """Draw the curve with the three stages shaded.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        ax = get_axes(ax)
        t = self.curve.index.to_numpy(dtype=np.float64)
        ax.plot(t, self.curve.to_numpy(dtype=np.float64), marker="o", color=PALETTE[0])
        spans = (
            (t[0], self.shock_end, "shock", PALETTE[3]),
            (self.shock_end, self.stable_start, "selection", PALETTE[6]),
            (self.stable_start, t[-1], "stable", PALETTE[2]),
        )
        for lo, hi, label, color in spans:
            if hi > lo:
                ax.axvspan(lo, hi, color=color, alpha=0.12, label=label)
        ax.axhline(self.plateau, color="#94a3b8", linestyle=":", linewidth=1,
                   label=f"retained when the stable stage starts ({self.plateau:.0%})")  # fmt: skip
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("time since start")
        ax.set_ylabel("retained")
        # the stable stage has a steady churn rate, not a flat curve: say which
        ax.set_title(
            f"Stages: stable from t={self.stable_start:g}, then {self.plateau_churn:.1%} churn "
            "per period"
        )
        ax.legend(frameon=False, fontsize="small")
        return ax


def _as_curve(curve: Any) -> tuple[pd.Series, F64 | None]:
    """The curve to analyse and, when known, the number at risk at each point."""
    if isinstance(curve, CohortTable):
        pooled = curve.curve()
        counts = curve.counts.to_numpy(dtype=np.float64)
        complete = ~np.isnan(counts)
        # users at risk of leaving in (k-1, k]: the base of the chained ratio at k
        base = np.empty(counts.shape[1])
        base[0] = float(np.nansum(counts[:, 0]))
        base[1:] = np.where(complete[:, 1:], counts[:, :-1], 0.0).sum(axis=0)
        positions = curve.counts.columns.get_indexer(pooled.index)
        return pooled, base[positions]
    if isinstance(curve, SurvivalCurve):
        frame = curve.table
        # keep the start and every time up to the last event: censoring-only rows inside the
        # curve are periods in which nobody left (a zero hazard, and a point on the plot);
        # trailing ones would read as a zero hazard the data cannot support
        events = frame["events"].to_numpy() > 0
        last_event = int(np.flatnonzero(events)[-1]) if events.any() else 0
        keep = np.arange(len(frame)) <= last_event
        kept = frame.loc[keep]
        series = pd.Series(kept["survival"].to_numpy(), index=kept["time"].to_numpy())
        return series, kept["at_risk"].to_numpy(dtype=np.float64)
    try:
        if isinstance(curve, pd.Series):
            return curve.astype(np.float64), None
        values = np.asarray(curve, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"lifecycle_stages needs a retention curve; got {type(curve).__name__} ({exc}).",
            hint="pass CohortTable.curve(), a CohortTable, a SurvivalCurve, or shares by period "
            "(for an sBG model: model.predict_survival(range(n))).",
        ) from exc
    if values.ndim != 1:
        raise InputError(
            f"lifecycle_stages needs one curve (a 1-D sequence); got shape {values.shape}.",
            hint="pass CohortTable.curve() or one column of shares.",
        )
    return pd.Series(values, index=np.arange(values.size, dtype=np.float64)), None


def lifecycle_stages(
    curve: Any, *, shock_drop: float = 0.5, stable_tolerance: float = 0.1
) -> LifecycleStages:
    r"""Split a retention curve into its shock, selection and stable stages.

    The churn hazard of each interval, $h_i = -\log(S_i / S_{i-1}) / (t_i - t_{i-1})$, is fitted
    with a non-increasing (isotonic) sequence weighted by each interval's exposure (its length
    times the share still retained, or the number at risk), which keeps noise from creating
    false turns. With $h_0$ the first fitted hazard and
    $h_\infty$ the plateau hazard (the mean fitted hazard over the last third of the curve):

    * the **shock** stage ends where the hazard has fallen by ``shock_drop`` of
      $h_0 - h_\infty$ (most of those who leave at once have left);
    * the **stable** stage starts where it is within ``stable_tolerance`` of $h_\infty$
      (the hazard stops falling: the curve flattens to its plateau);
    * in between, **selection**: users find value or leave.

    Parameters
    ----------
    curve : pandas.Series, array-like, CohortTable or SurvivalCurve
        Retention by time (a Series indexed by time, e.g. ``CohortTable.curve()``; an array is
        read as periods 0, 1, ...). For a table, its ``curve()`` weighted by the users at risk
        in each period; for a Kaplan-Meier curve, its value at each event time, weighted by the
        number at risk.
    shock_drop : float, default 0.5
        Share of the hazard's total fall that ends the shock stage.
    stable_tolerance : float, default 0.1
        Distance from the plateau hazard, as a share of the total fall, that starts the stable
        stage.

    Returns
    -------
    LifecycleStages
        Boundaries, the plateau level and churn, the hazards; ``plot()`` shades the stages.

    Raises
    ------
    InputError
        For fewer than three points, values outside [0, 1], a first value of 0, a curve that
        rises (not a survival curve), or missing values before its last point (trailing
        missing values, periods no complete cohort reached, end the curve).
    ParameterError
        For ``0 < stable_tolerance < shock_drop < 1`` not holding.

    Examples
    --------
    >>> from saasmetrics.retention import lifecycle_stages
    >>> curve = [1.0, 0.45, 0.33, 0.27, 0.24, 0.23, 0.225, 0.22, 0.215, 0.21, 0.206]
    >>> stages = lifecycle_stages(curve)
    >>> stages.shock_end, stages.stable_start, round(stages.plateau, 2)
    (1.0, 4.0, 0.24)
    """
    check_float("stable_tolerance", stable_tolerance)
    check_float("shock_drop", shock_drop)
    if not 0 < stable_tolerance < shock_drop < 1:
        raise ParameterError(
            "Need 0 < stable_tolerance < shock_drop < 1; got "
            f"stable_tolerance={stable_tolerance!r}, shock_drop={shock_drop!r}."
        )
    series, at_risk = _as_curve(curve)
    present = series.notna().to_numpy()
    # trailing NaN: periods no (complete) cohort has reached yet, the curve ends before them
    n_points = int(np.flatnonzero(present)[-1]) + 1 if present.any() else 0
    if not present[:n_points].all():
        gaps = series.index[:n_points][~present[:n_points]]
        raise InputError(
            f"The retention curve has {gaps.size} missing values before its last point, at "
            f"times {list(gaps[:5])!r}.",
            hint="fill or drop them on purpose (a gap is not a churn of 0).",
        )
    if at_risk is not None:
        at_risk = at_risk[:n_points]
    series = series.iloc[:n_points]
    if len(series) < 3:
        raise InputError(f"A retention curve needs three or more points; got {len(series)}.")
    t = series.index.to_numpy(dtype=np.float64)
    s = series.to_numpy(dtype=np.float64)
    if (s < 0).any() or (s > 1 + 1e-9).any() or s[0] <= 0:
        raise InputError(
            "Retention values must lie in [0, 1] and start above 0.",
            hint="pass shares (e.g. CohortTable.curve()), not counts.",
        )
    if (np.diff(t) <= 0).any():
        raise InputError("The curve's times must increase.")
    rises = np.flatnonzero(np.diff(s) > 1e-9 * s[:-1])
    if rises.size:
        i = int(rises[0])
        raise InputError(
            f"The retention curve rises {rises.size} times, e.g. from {s[i]:.4g} at time "
            f"{t[i]:g} to {s[i + 1]:.4g} at {t[i + 1]:g}; a share still retained cannot grow.",
            hint="pass a survival curve: a CohortTable with kind='unbounded', its curve(), or a "
            "Kaplan-Meier curve (a classic curve counts returning users and can rise).",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = -np.log(s[1:] / s[:-1]) / np.diff(t)
    hazard = np.where(np.isfinite(hazard), np.maximum(hazard, 0.0), np.nan)
    known = ~np.isnan(hazard)
    # weight by the exposure of each interval: its length times the number at risk (KM, cohort
    # table) or the share still retained (a plain curve). Pooled intervals then average to
    # events over exposure; without the length, short intervals between two close event times
    # (1 / dt: unbounded) dominate a continuous-time Kaplan-Meier curve.
    weights = ((at_risk[1:] if at_risk is not None else s[:-1]) * np.diff(t))[known]
    smoothed = np.full(hazard.size, np.nan)
    smoothed[known] = decreasing_fit(hazard[known], weights)
    fitted = smoothed[known]
    tail = max(1, fitted.size // 3)
    h_inf = float(np.average(fitted[-tail:], weights=weights[-tail:] + 1e-12))
    h_0 = float(fitted[0])
    span = h_0 - h_inf
    starts = t[:-1][known]
    if span <= 1e-12:
        shock_end = stable_start = float(t[0])
        method = "constant hazard: no shock or selection stage"
    else:
        shock_idx = int(np.argmax(fitted <= h_inf + shock_drop * span))
        stable_idx = int(np.argmax(fitted <= h_inf + stable_tolerance * span))
        shock_end, stable_start = float(starts[shock_idx]), float(starts[stable_idx])
        method = (
            "isotonic (non-increasing) fit of the interval hazard; shock ends when it has "
            f"fallen {shock_drop:.0%} of the way to the plateau hazard, stable starts within "
            f"{stable_tolerance:.0%} of it"
        )
    plateau = float(np.interp(stable_start, t, s))
    index = pd.Index(t[1:], name="time")
    return LifecycleStages(
        curve=pd.Series(s, index=pd.Index(t, name="time"), name="retention"),
        hazard=pd.Series(hazard, index=index, name="hazard"),
        smoothed_hazard=pd.Series(smoothed, index=index, name="smoothed_hazard"),
        shock_end=shock_end,
        stable_start=stable_start,
        plateau=plateau,
        plateau_churn=float(1 - np.exp(-h_inf)),
        method=method,
    )
