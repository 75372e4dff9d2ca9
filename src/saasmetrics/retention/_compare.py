"""Is the difference real? Weighted log-rank tests and restricted mean survival time (RMST)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import chdtrc, ndtr, ndtri  # no scipy.stats import: keeps import light

from saasmetrics._kernels.survival import (
    group_risk_table,
    logrank_statistic,
    logrank_weights,
    rmst_table,
)
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_choice, check_float
from saasmetrics.exceptions import InputError, ParameterError
from saasmetrics.retention._inputs import survival_inputs

__all__ = ("LogRankTest", "RestrictedMeanSurvival", "logrank_test", "restricted_mean_survival_time")

F64 = npt.NDArray[np.float64]
WEIGHTINGS = ("logrank", "wilcoxon", "tarone-ware", "peto", "fleming-harrington")
P_ADJUST = ("holm", "bonferroni", "fdr_bh", "sidak", "holm-sidak", "hommel", "none")


def _quadratic_form(score: F64, covariance: F64) -> float:
    """``U' V^- U`` on the first k - 1 groups (the scores sum to 0)."""
    u = score[:-1]
    v = covariance[:-1, :-1]
    solved, *_ = np.linalg.lstsq(v, u, rcond=None)
    return float(u @ solved)


# --------------------------------------------------------------------------- log-rank
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class LogRankTest(ResultMixin):
    r"""A (weighted) k-sample log-rank test.

    Attributes
    ----------
    statistic : float
        The chi-square statistic $U^\top V^{-1} U$ on $k - 1$ groups.
    p_value : float
        Upper tail of the chi-square distribution with ``degrees_of_freedom``.
    degrees_of_freedom : int
        Number of groups minus 1.
    weighting : str
        The weight family; ``p`` and ``q`` its Fleming-Harrington exponents.
    table : pandas.DataFrame
        Per group: ``subjects``, ``observed`` and ``expected`` events (unweighted, as R's
        ``survdiff`` prints them for the log-rank test), ``observed_minus_expected`` and the
        weighted score ``weighted_score`` $\sum_t w_t (d_{gt} - E_{gt})$.
    pairwise : pandas.DataFrame or None
        With 3+ groups: one row per pair (``group_a``, ``group_b``, ``statistic``, ``p_value``,
        ``p_adjusted``), each pair tested on its own two groups (pooled weights from those two).
    p_adjust : str
        The multiplicity correction of ``p_adjusted`` (statsmodels ``multipletests`` method).

    Examples
    --------
    >>> from saasmetrics.retention import logrank_test
    >>> test = logrank_test([3, 5, 8, 9, 2, 4, 4, 6, 7, 1, 2, 3],
    ...                     [1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1],
    ...                     ["a"] * 4 + ["b"] * 5 + ["c"] * 3)
    >>> test.degrees_of_freedom, round(test.statistic, 3)
    (2, 8.154)
    >>> test.pairwise[["group_a", "group_b", "p_adjusted"]].round(3)
      group_a group_b  p_adjusted
    0       a       b       0.345
    1       a       c       0.086
    2       b       c       0.086
    """

    statistic: float
    p_value: float
    degrees_of_freedom: int
    weighting: str
    p: float
    q: float
    table: pd.DataFrame
    pairwise: pd.DataFrame | None
    p_adjust: str

    def to_frame(self) -> pd.DataFrame:
        """Observed and expected events per group (a new frame).

        Returns
        -------
        pandas.DataFrame
            As :attr:`table`, indexed by group.
        """
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        return {
            "weighting": self.weighting,
            "groups": len(self.table),
            "statistic": round(self.statistic, 4),
            "p_value": float(f"{self.p_value:.4g}"),
        }

    def plot(self, ax: Any = None) -> Any:
        """Bars of observed and expected events per group.

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
        x = np.arange(len(self.table))
        ax.bar(x - 0.2, self.table["observed"], 0.4, color=PALETTE[0], label="observed")
        ax.bar(x + 0.2, self.table["expected"], 0.4, color=PALETTE[1], label="expected")
        ax.set_xticks(x, [str(g) for g in self.table.index])
        ax.set_ylabel("events")
        ax.set_title(f"{self.weighting}: chi2 = {self.statistic:.2f}, p = {self.p_value:.3g}")
        ax.legend(frameon=False)
        return ax


def logrank_test(  # noqa: PLR0917 - the issue's positional signature (as lifelines/R order)
    durations: Any,
    observed: Any,
    groups: Any,
    weights: Any = None,
    weighting: Literal["logrank", "wilcoxon", "tarone-ware", "peto", "fleming-harrington"] = (
        "logrank"
    ),
    p: float = 0.0,
    q: float = 0.0,
    *,
    entry: Any = None,
    p_adjust: str = "holm",
) -> LogRankTest:
    r"""Test whether k survival curves differ: the log-rank test and its weighted relatives.

    Parameters
    ----------
    durations : array-like of float
        Time to churn, or to the end of observation (> 0).
    observed : array-like of bool
        True if churned, False if censored.
    groups : array-like
        Group label of each row (two or more distinct labels).
    weights : array-like of float, optional
        Case (frequency) weights: a row of weight ``w`` counts as ``w`` identical rows, under
        every weighting (the pooled Kaplan-Meier of Fleming-Harrington and Peto included).
    weighting : {"logrank", "wilcoxon", "tarone-ware", "peto", "fleming-harrington"}
        Weight $w_t$ of each event time: 1; the number at risk $n_t$ (Gehan-Breslow
        generalised Wilcoxon); $\sqrt{n_t}$; Peto-Peto's $\tilde S(t) = \prod_{t_i \le t}
        (1 - d_i / (n_i + 1))$; or $\hat S(t-)^p (1 - \hat S(t-))^q$ from the pooled
        left-continuous Kaplan-Meier (R's ``survdiff(rho = p)`` when ``q = 0``).
    p, q : float, default 0
        Fleming-Harrington exponents (>= 0); ignored by the other weightings.
    entry : array-like of float, optional
        Left truncation: a row is at risk on ``(entry, duration]``.
    p_adjust : str, default "holm"
        Multiplicity correction of the pairwise p-values (3+ groups), named as in statsmodels'
        ``multipletests``: ``"holm"``, ``"bonferroni"``, ``"fdr_bh"`` (Benjamini-Hochberg),
        ``"sidak"``, ``"holm-sidak"``, ``"hommel"``, or ``"none"``.

    Returns
    -------
    LogRankTest
        ``.statistic``, ``.p_value``, ``.degrees_of_freedom`` (k - 1), ``.to_frame()`` (observed
        and expected events per group), ``.pairwise``.

    Raises
    ------
    InputError
        For non-positive durations, missing labels, fewer than two groups, or no events at all.
    ParameterError
        For an unknown ``weighting`` or ``p_adjust``, or negative ``p`` / ``q``.

    Notes
    -----
    At each distinct time $t$ with $n_t$ at risk and $d_t$ events ($n_{gt}$, $d_{gt}$ in group
    $g$): $U_g = \sum_t w_t (d_{gt} - d_t n_{gt} / n_t)$ and
    $V_{gh} = \sum_t w_t^2 \frac{d_t (n_t - d_t)}{n_t - 1} \frac{n_{gt}}{n_t}
    (\delta_{gh} - \frac{n_{ht}}{n_t})$; the statistic $U^\top V^{-1} U$ over $k - 1$ groups is
    chi-square with $k - 1$ degrees of freedom. One sort of the durations and a few
    ``bincount`` / ``cumsum`` passes build every risk set; pairwise tests reuse the same table.

    Examples
    --------
    >>> from saasmetrics.retention import logrank_test
    >>> # Freireich et al. (1963): weeks of remission, 6-MP vs placebo
    >>> weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35,
    ...          1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    >>> relapsed = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0] + [1] * 21
    >>> arm = ["6-MP"] * 21 + ["placebo"] * 21
    >>> test = logrank_test(weeks, relapsed, arm)
    >>> round(test.statistic, 2), test.degrees_of_freedom
    (16.79, 1)
    >>> test.to_frame()[["subjects", "observed", "expected"]].round(2)
             subjects  observed  expected
    group
    6-MP         21.0       9.0     19.25
    placebo      21.0      21.0     10.75
    """
    check_choice("weighting", weighting, WEIGHTINGS)
    check_choice("p_adjust", p_adjust, P_ADJUST)
    p = check_float("p", p, min_value=0.0)
    q = check_float("q", q, min_value=0.0)
    data = survival_inputs(durations, observed, groups=groups, weights=weights, entry=entry)
    k = len(data.labels)
    if k < 2:
        raise InputError(
            f"groups has a single label ({data.labels[0]!r}); a test needs two or more.",
            hint="pass the column that splits the customers, e.g. their plan or channel.",
        )
    if not (data.observed & (data.weights > 0)).any():
        raise InputError(
            "No row has an event (observed is all False): there is nothing to compare.",
            hint="check the event column: True means churned.",
        )
    _, at_risk, events = group_risk_table(
        data.durations,
        data.observed,
        data.groups,
        data.weights,
        k,
        entry=data.entry,
        encoded=data.encoded,
    )
    statistic, score, observed_e, expected_e = _test(at_risk, events, weighting, p, q)
    subjects = np.bincount(data.groups, weights=data.weights, minlength=k)
    index = pd.Index(data.labels, name="group")
    table = pd.DataFrame(
        {
            "subjects": subjects,
            "observed": observed_e,
            "expected": expected_e,
            "observed_minus_expected": observed_e - expected_e,
            "weighted_score": score,
        },
        index=index,
    )
    pairwise = None
    if k > 2:
        pairwise = _pairwise(
            at_risk, events, data.labels, weighting=weighting, p=p, q=q, p_adjust=p_adjust
        )
    return LogRankTest(
        statistic=statistic,
        p_value=float(chdtrc(k - 1, statistic)),
        degrees_of_freedom=k - 1,
        weighting=weighting,
        p=float(p),
        q=float(q),
        table=table,
        pairwise=pairwise,
        p_adjust=p_adjust,
    )


def _test(
    at_risk: F64, events: F64, weighting: str, p: float, q: float
) -> tuple[float, F64, F64, F64]:
    w = logrank_weights(at_risk.sum(axis=1), events.sum(axis=1), weighting, p, q)
    score, covariance, observed_e, expected_e = logrank_statistic(at_risk, events, w)
    return _quadratic_form(score, covariance), score, observed_e, expected_e


def _pairwise(
    at_risk: F64,
    events: F64,
    labels: list[Any],
    *,
    weighting: str,
    p: float,
    q: float,
    p_adjust: str,
) -> pd.DataFrame:
    a_idx, b_idx = np.triu_indices(len(labels), k=1)
    stats = []
    for a, b in zip(a_idx.tolist(), b_idx.tolist(), strict=True):  # over pairs of groups
        cols = [a, b]
        live = at_risk[:, cols].sum(axis=1) > 0
        stats.append(_test(at_risk[live][:, cols], events[live][:, cols], weighting, p, q)[0])
    statistic = np.asarray(stats)
    raw = chdtrc(1, statistic)
    adjusted = adjust_p_values(raw, p_adjust)
    return pd.DataFrame(
        {
            "group_a": [labels[i] for i in a_idx],
            "group_b": [labels[i] for i in b_idx],
            "statistic": statistic,
            "p_value": raw,
            "p_adjusted": adjusted,
        }
    )


def adjust_p_values(p_values: F64, method: str) -> F64:
    """Multiplicity-adjusted p-values, as statsmodels' ``multipletests(...)[1]``.

    Holm, Bonferroni and Benjamini-Hochberg are computed here (vectorized; statsmodels' Holm
    path runs a full garbage collection on every call, 0.2 s in a large process); the other
    methods are statsmodels'.
    """
    m = p_values.size
    if method == "none" or m == 0:
        return p_values.copy()
    if method == "bonferroni":
        return np.minimum(p_values * m, 1.0)
    order = np.argsort(p_values, kind="stable")
    ranked = p_values[order]
    out = np.empty(m)
    if method == "holm":
        out[order] = np.minimum(np.maximum.accumulate(ranked * np.arange(m, 0, -1)), 1.0)
        return out
    if method == "fdr_bh":
        scaled = ranked * m / np.arange(1, m + 1)
        out[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
        return out
    from statsmodels.stats.multitest import multipletests

    return np.asarray(multipletests(p_values, method=method)[1], dtype=np.float64)


# --------------------------------------------------------------------------- RMST
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class RestrictedMeanSurvival(ResultMixin):
    """Restricted mean survival time (RMST) per group, and contrasts against a reference.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by group: ``rmst``, ``se``, ``ci_lower``, ``ci_upper``, ``rmtl`` (restricted
        mean time lost, ``tau - rmst``), ``survival_at_tau``, ``subjects``, ``events``.
    contrasts : pandas.DataFrame
        One row per (non-reference group, measure) with ``measure`` in ``difference``
        (group - reference), ``ratio`` (group / reference) and ``rmtl_ratio``: ``estimate``,
        ``ci_lower``, ``ci_upper``, ``p_value`` (survRM2's conventions: normal approximation;
        ratios on the log scale by the delta method). Empty for a single group.
    tau : float
        The horizon.
    reference : object
        The reference group of the contrasts.
    confidence_level : float
        Of the intervals.

    Examples
    --------
    >>> from saasmetrics.retention import restricted_mean_survival_time
    >>> res = restricted_mean_survival_time([2, 4, 5, 6, 1, 2, 3, 3], [1, 0, 1, 1, 1, 1, 0, 1],
    ...                                     tau=3, groups=["new"] * 4 + ["old"] * 4)
    >>> res.contrasts[["group", "measure", "estimate"]].round(3)
      group     measure  estimate
    0   old  difference    -0.500
    1   old       ratio     0.818
    2   old  rmtl_ratio     3.000
    """

    table: pd.DataFrame
    contrasts: pd.DataFrame
    tau: float
    reference: Any
    confidence_level: float

    def to_frame(self) -> pd.DataFrame:
        """RMST per group (a new frame).

        Returns
        -------
        pandas.DataFrame
            As :attr:`table`.
        """
        return self.table.copy()

    def _contrast(self, measure: str, column: str) -> float | None:
        rows = self.contrasts[self.contrasts["measure"] == measure]
        return float(rows[column].iloc[0]) if len(rows) == 1 else None

    @property
    def difference(self) -> float | None:
        """RMST of the other group minus the reference's (two groups; else None)."""
        return self._contrast("difference", "estimate")

    @property
    def ratio(self) -> float | None:
        """RMST of the other group over the reference's (two groups; else None)."""
        return self._contrast("ratio", "estimate")

    @property
    def p_value(self) -> float | None:
        """Two-sided p-value of the difference (two groups; else None)."""
        return self._contrast("difference", "p_value")

    def _summary(self) -> dict[str, Any]:
        return {"tau": self.tau, "groups": len(self.table), "reference": self.reference}

    def plot(self, ax: Any = None) -> Any:
        """RMST per group with its confidence interval.

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
        t = self.table
        y = np.arange(len(t))
        colours = [PALETTE[i % len(PALETTE)] for i in range(len(t))]
        ax.barh(y, t["rmst"], color=colours, alpha=0.8)
        ax.errorbar(
            t["rmst"],
            y,
            xerr=[t["rmst"] - t["ci_lower"], t["ci_upper"] - t["rmst"]],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
        ax.set_yticks(y, [str(g) for g in t.index])
        ax.set_xlim(0, self.tau)
        ax.set_xlabel(f"restricted mean survival time up to {self.tau:g}")
        return ax


def restricted_mean_survival_time(
    durations: Any,
    observed: Any,
    tau: float,
    groups: Any = None,
    *,
    weights: Any = None,
    reference: Any = None,
    confidence_level: float = 0.95,
) -> RestrictedMeanSurvival:
    r"""Restricted mean survival time: the average time customers stay within a horizon ``tau``.

    Parameters
    ----------
    durations : array-like of float
        Time to churn, or to the end of observation (> 0).
    observed : array-like of bool
        True if churned, False if censored.
    tau : float
        Horizon, no later than the last observed time of every group (survRM2's rule).
    groups : array-like, optional
        Group label of each row; one group when omitted.
    weights : array-like of float, optional
        Case (frequency) weights.
    reference : object, optional
        The group the others are compared with; default: the first label in sorted order
        (``0`` for survRM2's ``arm``).
    confidence_level : float, default 0.95
        Of the intervals.

    Returns
    -------
    RestrictedMeanSurvival
        ``.to_frame()`` indexed by group with ``rmst``, ``se``, ``ci_lower``, ``ci_upper``;
        ``.contrasts``; for two groups ``.difference``, ``.ratio`` and ``.p_value``.

    Raises
    ------
    InputError
        For non-positive durations, or a ``tau`` beyond the follow-up of a group.
    ParameterError
        For a non-positive ``tau``, a bad ``confidence_level`` or an unknown ``reference``.

    Notes
    -----
    $\hat\mu_\tau = \int_0^\tau \hat S(t)\,dt$ with $\hat S$ the Kaplan-Meier curve, and the
    Greenwood plug-in variance of survRM2 (Uno et al. 2014):
    $\widehat{\operatorname{Var}}\,\hat\mu_\tau = \sum_{t_i \le \tau}
    \bigl(\int_{t_i}^{\tau} \hat S\bigr)^2 \frac{d_i}{n_i (n_i - d_i)}$.
    Contrasts: difference $\hat\mu_1 - \hat\mu_0$ with variance $v_1 + v_0$; ratio on the log
    scale with variance $v_1 / \hat\mu_1^2 + v_0 / \hat\mu_0^2$; the ratio of restricted mean
    times lost likewise. p-values are two-sided normal.

    Examples
    --------
    >>> from saasmetrics.retention import restricted_mean_survival_time
    >>> weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35,
    ...          1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    >>> relapsed = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0] + [1] * 21
    >>> arm = ["6-MP"] * 21 + ["placebo"] * 21
    >>> res = restricted_mean_survival_time(weeks, relapsed, tau=20, groups=arm,
    ...                                     reference="placebo")
    >>> res.to_frame()[["rmst", "se"]].round(2)
              rmst    se
    group
    6-MP     16.12  1.25
    placebo   8.43  1.27
    >>> round(res.difference, 2), res.p_value < 0.001
    (7.69, True)
    """
    confidence_level = check_float(
        "confidence_level",
        confidence_level,
        min_value=0.0,
        max_value=1.0,
        min_inclusive=False,
        max_inclusive=False,
    )
    if not (isinstance(tau, int | float | np.number) and np.isfinite(tau) and tau > 0):
        raise ParameterError(f"tau must be a positive number; got {tau!r}.")
    data = survival_inputs(durations, observed, groups=groups, weights=weights)
    k = len(data.labels)
    last = np.full(k, -np.inf)
    np.maximum.at(last, data.groups, np.where(data.weights > 0, data.durations, -np.inf))
    if tau > last.min():
        worst = data.labels[int(np.argmin(last))]
        raise InputError(
            f"tau={tau:g} is beyond the follow-up of group {worst!r}, whose last time is "
            f"{last.min():g}; the curve is unknown there.",
            hint=f"pass tau <= {last.min():g} (the smallest of the groups' last observed "
            "times, as survRM2 requires).",
        )
    if reference is None:
        ref = 0
    elif reference in data.labels:
        ref = data.labels.index(reference)
    else:
        raise ParameterError.not_one_of("reference", reference, data.labels)
    times, at_risk, events = group_risk_table(
        data.durations, data.observed, data.groups, data.weights, k, encoded=data.encoded
    )
    rmst, variance, s_tau = rmst_table(times, at_risk, events, float(tau))
    se = np.sqrt(variance)
    z = float(ndtri(0.5 + confidence_level / 2))
    table = pd.DataFrame(
        {
            "rmst": rmst,
            "se": se,
            "ci_lower": rmst - z * se,
            "ci_upper": rmst + z * se,
            "rmtl": tau - rmst,
            "survival_at_tau": s_tau,
            "subjects": np.bincount(data.groups, weights=data.weights, minlength=k),
            "events": events.sum(axis=0),
        },
        index=pd.Index(data.labels, name="group"),
    )
    others = [g for g in range(k) if g != ref]
    rows = []
    for g in others:  # over groups
        diff = rmst[g] - rmst[ref]
        diff_se = np.sqrt(variance[g] + variance[ref])
        log_ratio = np.log(rmst[g] / rmst[ref])
        log_ratio_se = np.sqrt(variance[g] / rmst[g] ** 2 + variance[ref] / rmst[ref] ** 2)
        lost_g, lost_r = tau - rmst[g], tau - rmst[ref]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_lost = np.log(lost_g / lost_r)
            log_lost_se = np.sqrt(variance[g] / lost_g**2 + variance[ref] / lost_r**2)
        for measure, est, s, exp in (
            ("difference", diff, diff_se, False),
            ("ratio", log_ratio, log_ratio_se, True),
            ("rmtl_ratio", log_lost, log_lost_se, True),
        ):
            with np.errstate(divide="ignore", invalid="ignore"):
                p_val = 2 * ndtr(-abs(est) / s)
            bounds = np.array([est, est - z * s, est + z * s])
            if exp:
                bounds = np.exp(bounds)
            rows.append((data.labels[g], measure, *bounds.tolist(), p_val))
    contrasts = pd.DataFrame(
        rows, columns=["group", "measure", "estimate", "ci_lower", "ci_upper", "p_value"]
    ).astype({"estimate": float, "ci_lower": float, "ci_upper": float, "p_value": float})
    return RestrictedMeanSurvival(
        table=table,
        contrasts=contrasts,
        tau=float(tau),
        reference=data.labels[ref],
        confidence_level=float(confidence_level),
    )
