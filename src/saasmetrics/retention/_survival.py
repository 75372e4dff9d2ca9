"""Kaplan-Meier survival curves with Greenwood confidence intervals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtri  # the normal quantile, without importing scipy.stats

from saasmetrics._kernels.retention import kaplan_meier_table
from saasmetrics._plotting import get_axes, next_color
from saasmetrics._results import ResultMixin, as_count, as_counts
from saasmetrics._validation import check_choice, check_float
from saasmetrics.exceptions import EmptyDataError, InputError, ParameterError

__all__ = ("SurvivalCurve", "kaplan_meier")

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class SurvivalCurve(ResultMixin):
    """A Kaplan-Meier survival curve.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``time``, ``at_risk``, ``events``, ``censored``, ``survival``, ``std_error``
        (Greenwood), ``ci_lower``, ``ci_upper``: one row per distinct time (and ``time = 0``).
    median : float
        First time the survival falls to 0.5 or below (``inf`` if it never does).
    confidence_level : float
        Of the intervals.
    ci_method : str
        ``"log-log"`` (exponential Greenwood), ``"log"`` (R's ``survfit`` default) or
        ``"linear"`` (plain Greenwood).

    Examples
    --------
    >>> from saasmetrics.retention import kaplan_meier
    >>> curve = kaplan_meier([2, 3, 3, 5], [True, True, False, True])
    >>> curve
    SurvivalCurve(subjects=4, events=3, median=3.0)
    >>> curve.to_frame()[["time", "at_risk", "events", "survival"]]
       time  at_risk  events  survival
    0   0.0        4       0      1.00
    1   2.0        4       1      0.75
    2   3.0        3       1      0.50
    3   5.0        1       1      0.00
    """

    table: pd.DataFrame
    median: float
    confidence_level: float
    ci_method: str

    def to_frame(self) -> pd.DataFrame:
        """The curve, one row per time (a new frame).

        Returns
        -------
        pandas.DataFrame
            As :attr:`table`.
        """
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        return {
            "subjects": as_count(self.table["at_risk"].iloc[0]),
            "events": as_count(self.table["events"].sum()),
            "median": self.median,
        }

    def survival_at(self, t: Any) -> Any:
        """Survival at time(s) ``t`` (the step function: the value at the last time <= t).

        Parameters
        ----------
        t : float or array-like
            Times.

        Returns
        -------
        float or numpy.ndarray
            Survival; 1 before the first time; NaN for a NaN time, and NaN past the longest
            observed duration (event or censored): the data say nothing there, so the last
            value is not carried forward (as R's ``summary.survfit`` without ``extend``),
            except that a curve that reached 0 stays 0. For values beyond the data, fit a
            model (e.g. :class:`ShiftedBetaGeometricModel`).

        Examples
        --------
        >>> from saasmetrics.retention import kaplan_meier
        >>> curve = kaplan_meier([1, 2, 2, 3], [True, True, False, True])
        >>> curve.survival_at([0.5, 1, 2.5, 9]).tolist()
        [1.0, 0.75, 0.5, 0.0]
        """
        try:
            arr = np.asarray(t, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"t must be a number or numbers (times); got {t!r}.") from exc
        times = self.table["time"].to_numpy(dtype=np.float64)
        values = np.r_[1.0, self.table["survival"].to_numpy(dtype=np.float64)]
        out = np.where(np.isnan(arr), np.nan, values[np.searchsorted(times, arr, side="right")])
        if times.size and values[-1] > 0:  # past the data: unknown, unless everyone has left
            out = np.where(arr > times[-1], np.nan, out)
        return float(out) if arr.ndim == 0 else out

    def median_confidence_interval(self) -> tuple[float, float]:
        r"""Confidence interval of the median (Brookmeyer-Crowley, by inverting the band).

        Returns
        -------
        tuple of float
            ``(lower, upper)``: the first times the lower and the upper pointwise limits fall
            to 0.5 or below (``inf`` when a limit never does).

        Notes
        -----
        The Brookmeyer and Crowley (1982) interval is the set of times $t$ where
        $|\hat S(t) - 0.5| \le z\,\mathrm{SE}$, read off the pointwise band of the curve's
        ``ci_method`` at its ``confidence_level``: this is what R's ``print(survfit(...))``
        reports. R's default band is ``conf.type = "log"``, so
        ``kaplan_meier(..., ci_method="log")`` reproduces R's printed interval; the library's
        default ``"log-log"`` band matches ``survfit(..., conf.type = "log-log")``.

        Examples
        --------
        >>> from saasmetrics.retention import kaplan_meier
        >>> weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
        >>> relapsed = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
        >>> curve = kaplan_meier(weeks, [bool(x) for x in relapsed])
        >>> curve.median, curve.median_confidence_interval()
        (23.0, (13.0, inf))
        """
        t = self.table
        time = t["time"].to_numpy(dtype=np.float64)
        lower_hits = np.flatnonzero(t["ci_lower"].to_numpy(dtype=np.float64) <= 0.5)
        upper_hits = np.flatnonzero(t["ci_upper"].to_numpy(dtype=np.float64) <= 0.5)
        lower = float(time[lower_hits[0]]) if lower_hits.size else float("inf")
        upper = float(time[upper_hits[0]]) if upper_hits.size else float("inf")
        return lower, upper

    def nelson_aalen(self, confidence_level: float | None = None) -> pd.DataFrame:
        r"""Nelson-Aalen cumulative hazard from the curve's risk table.

        Parameters
        ----------
        confidence_level : float, optional
            Of the interval; default: the curve's.

        Returns
        -------
        pandas.DataFrame
            ``time``, ``cumulative_hazard`` $\hat H(t) = \sum_{t_i \le t} d_i / n_i$,
            ``std_error`` (Aalen's variance $\sum d_i / n_i^2$), and ``ci_lower`` /
            ``ci_upper`` on the log scale ($\hat H e^{\pm z\,\mathrm{SE}/\hat H}$).

        Examples
        --------
        >>> from saasmetrics.retention import kaplan_meier
        >>> weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
        >>> relapsed = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
        >>> hazard = kaplan_meier(weeks, [bool(x) for x in relapsed]).nelson_aalen()
        >>> hazard.loc[hazard["time"].isin([6, 7, 10, 23]), ["time", "cumulative_hazard"]].round(4)
            time  cumulative_hazard
        1    6.0             0.1429
        2    7.0             0.2017
        4   10.0             0.2683
        12  23.0             0.7521
        """
        level = self.confidence_level if confidence_level is None else confidence_level
        if not 0 < level < 1:
            raise ParameterError(f"confidence_level must be in (0, 1); got {level!r}.")
        n = self.table["at_risk"].to_numpy(dtype=np.float64)
        d = self.table["events"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.cumsum(np.where(n > 0, d / n, 0.0))
            se = np.sqrt(np.cumsum(np.where(n > 0, d / n**2, 0.0)))
            z = float(ndtri(0.5 + level / 2))
            spread = np.where(hazard > 0, np.exp(z * se / hazard), 1.0)
        return pd.DataFrame(
            {
                "time": self.table["time"].to_numpy(dtype=np.float64),
                "cumulative_hazard": hazard,
                "std_error": se,
                "ci_lower": hazard / spread,
                "ci_upper": hazard * spread,
            }
        )

    def plot(self, ax: Any = None, *, label: str | None = None, color: str | None = None) -> Any:
        """Draw the step curve with its confidence band.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        label : str, optional
            Legend label.
        color : str, optional
            Line and band colour (default: the first house colour); give each curve its own
            when drawing several on one axes.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        ax = get_axes(ax)
        t = self.table
        colour = next_color(ax) if color is None else color  # its own colour next to others
        ax.step(t["time"], t["survival"], where="post", color=colour, label=label)
        ax.fill_between(
            t["time"], t["ci_lower"], t["ci_upper"], step="post", color=colour, alpha=0.2
        )
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("time")
        ax.set_ylabel("survival")
        if label:
            ax.legend(frameon=False)
        return ax


def event_flags(observed: Any) -> npt.NDArray[np.bool_]:
    """``observed`` as a flat bool array: booleans or 0/1, no missing values."""
    arr = np.asarray(observed)
    if arr.dtype == bool:
        return arr.ravel()
    series = pd.Series(np.asarray(observed, dtype=object).ravel())  # keeps NA / NaN visible
    n_missing = int(series.isna().sum())
    if n_missing:
        raise InputError(
            f"observed has {n_missing} missing values; each subject needs True (churned) or "
            "False (censored).",
            hint="a subject still active at the end of the data is censored: False.",
        )
    if not series.isin([0, 1]).all():
        raise InputError("observed must be boolean (True = churned, False = censored).")
    return series.to_numpy(dtype=bool)


def _floats(name: str, values: Any) -> F64:
    """``values`` as a flat float array, or an InputError naming ``name``."""
    dtype = getattr(values, "dtype", np.dtype("O"))
    if not isinstance(dtype, np.dtype) and hasattr(values, "to_numpy"):
        # polars / pyarrow-backed columns: their dtypes have no numpy ``kind``
        values = values.to_numpy()
        dtype = values.dtype
    kind = getattr(dtype, "kind", "O")
    if kind in "mM":
        raise InputError(
            f"{name} must be numbers; got dtype {values.dtype}.",
            hint="convert durations to a number of periods, e.g. td / pd.Timedelta('1D').",
        )
    try:
        return np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numbers ({exc}).") from exc


def _finite_and_non_negative(values: F64) -> bool:
    """Whether every value is finite and >= 0 (two reductions, no temporary arrays)."""
    # a NaN makes min() NaN, and NaN >= 0 is False
    return bool(values.min() >= 0 and np.isfinite(values.max()))


def kaplan_meier(
    durations: Any,
    observed: Any = None,
    *,
    weights: Any = None,
    entry: Any = None,
    confidence_level: float = 0.95,
    ci_method: Literal["log-log", "log", "linear"] = "log-log",
) -> SurvivalCurve:
    r"""Kaplan-Meier estimate of the survival curve, with Greenwood intervals and the median.

    Parameters
    ----------
    durations : array-like of float
        Time to churn, or to the end of observation for customers still active.
    observed : array-like of bool, optional
        True if the customer churned at ``duration``, False if censored. Default: all churned.
    weights : array-like of float, optional
        Weight (count) of each row, e.g. when rows are aggregated.
    entry : array-like of float, optional
        Time each customer came under observation (left truncation): at risk at ``t`` when
        ``entry < t <= duration``.
    confidence_level : float, default 0.95
        Of the pointwise intervals.
    ci_method : {"log-log", "log", "linear"}, default "log-log"
        ``"log-log"``: Greenwood's variance on the $\log(-\log S)$ scale (the "exponential
        Greenwood" interval, which stays inside [0, 1]; lifelines' default). ``"log"``:
        $S e^{\pm z \sqrt{\sum d/(n(n-d))}}$ capped at 1 (R ``survfit``'s default
        ``conf.type``). ``"linear"``: $S \pm z\,\mathrm{SE}$ clipped to [0, 1] (textbook
        Greenwood).

    Returns
    -------
    SurvivalCurve
        ``to_frame()`` (``time``, ``at_risk``, ``events``, ``censored``, ``survival``,
        ``ci_lower``, ``ci_upper``), ``median``, ``survival_at(t)``, ``plot()``.

    Raises
    ------
    InputError
        For negative, non-finite or mismatched inputs, or negative weights.
    EmptyDataError
        For no rows, or weights that sum to 0.
    ParameterError
        For a bad ``confidence_level`` or ``ci_method``.

    Notes
    -----
    $$\hat S(t) = \prod_{t_i \le t} \Bigl(1 - \frac{d_i}{n_i}\Bigr), \qquad
      \widehat{\operatorname{Var}}\,\hat S(t) = \hat S(t)^2
      \sum_{t_i \le t} \frac{d_i}{n_i (n_i - d_i)}$$

    Examples
    --------
    >>> from saasmetrics.retention import kaplan_meier
    >>> # Freireich et al. (1963): weeks of remission on 6-MP, False = censored
    >>> weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> relapsed = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> curve = kaplan_meier(weeks, [bool(x) for x in relapsed])
    >>> curve.median
    23.0
    >>> curve.to_frame().query("events > 0")[["time", "at_risk", "survival"]].round(4)
        time  at_risk  survival
    1    6.0       21    0.8571
    2    7.0       17    0.8067
    4   10.0       15    0.7529
    6   13.0       12    0.6902
    7   16.0       11    0.6275
    11  22.0        7    0.5378
    12  23.0        6    0.4482
    """
    check_choice("ci_method", ci_method, ("log-log", "log", "linear"))
    check_float("confidence_level", confidence_level)
    if not 0 < confidence_level < 1:
        raise ParameterError(f"confidence_level must be in (0, 1); got {confidence_level!r}.")
    d = _floats("durations", durations)
    if d.size == 0:
        raise EmptyDataError("durations is empty.", hint="pass at least one duration.")
    obs = np.ones(d.size, dtype=bool) if observed is None else event_flags(observed)
    if obs.size != d.size:
        raise InputError(f"observed has {obs.size} values for {d.size} durations.")
    if not _finite_and_non_negative(d):
        raise InputError("durations must be finite and >= 0.")
    w = None
    if weights is not None:
        w = _floats("weights", weights)
        if w.size != d.size or not _finite_and_non_negative(w):
            raise InputError("weights must be finite, >= 0 and one per duration.")
        if not w.sum() > 0:
            raise EmptyDataError(
                "weights sum to 0: there is nobody to follow.", hint="pass positive weights."
            )
    e = None
    if entry is not None:
        e = _floats("entry", entry)
        if e.size != d.size or not np.isfinite(e).all() or (e > d).any():
            raise InputError("entry must be finite, one per duration, and <= the duration.")
        if ((e == d) & obs).any():
            raise InputError(
                "Some subjects have their event at the moment they enter (entry == duration).",
                hint="a subject is at risk after its entry: make entry < duration for events.",
            )
    time, at_risk, events, censored, survival, greenwood = kaplan_meier_table(d, obs, w, e)
    if time[0] > 0:
        if e is None:
            n0 = float(d.size if w is None else w.sum())
        else:
            n0 = float(np.count_nonzero(e <= 0) if w is None else w[e <= 0].sum())
        time = np.r_[0.0, time]
        at_risk = np.r_[n0, at_risk]
        events = np.r_[0.0, events]
        censored = np.r_[0.0, censored]
        survival = np.r_[1.0, survival]
        greenwood = np.r_[0.0, greenwood]
    z = float(ndtri(0.5 + confidence_level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if ci_method == "linear":
            se = survival * np.sqrt(greenwood)
            lower = np.clip(survival - z * se, 0, 1)
            upper = np.clip(survival + z * se, 0, 1)
        elif ci_method == "log":
            root = np.sqrt(greenwood)
            lower = np.where(survival > 0, survival * np.exp(-z * root), 0.0)
            upper = np.where(survival > 0, np.minimum(survival * np.exp(z * root), 1.0), 0.0)
        else:
            log_s = np.log(survival)
            se = np.sqrt(greenwood) / np.abs(log_s)
            centre = np.log(-log_s)
            lower = np.exp(-np.exp(centre + z * se))
            upper = np.exp(-np.exp(centre - z * se))
            lower = np.where(survival >= 1, 1.0, lower)
            upper = np.where(survival >= 1, 1.0, upper)
            lower = np.where(survival <= 0, 0.0, lower)
            upper = np.where(survival <= 0, 0.0, upper)
        std_error = np.where(survival > 0, survival * np.sqrt(greenwood), 0.0)
    below = np.flatnonzero(survival <= 0.5)
    median = float(time[below[0]]) if below.size else float("inf")
    table = pd.DataFrame(
        {
            "time": time,
            # counts of subjects are integers (with weights, weighted sums stay floats)
            "at_risk": as_counts(at_risk),
            "events": as_counts(events),
            "censored": as_counts(censored),
            "survival": survival,
            "std_error": std_error,
            "ci_lower": lower,
            "ci_upper": upper,
        }
    )
    return SurvivalCurve(
        table=table, median=median, confidence_level=float(confidence_level), ci_method=ci_method
    )
