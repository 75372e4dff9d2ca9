"""The shifted beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007)."""

from __future__ import annotations

import warnings
from typing import Any, Self, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import hyp2f1, ndtri

from saasmetrics._kernels.retention import sbg_log_likelihood, sbg_survival
from saasmetrics._plotting import get_axes, next_color
from saasmetrics._validation import check_float, check_is_fitted
from saasmetrics.exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    InputError,
    ParameterError,
)
from saasmetrics.retention._cohorts import CohortTable
from saasmetrics.retention._survival import event_flags

__all__ = ("ShiftedBetaGeometricModel",)

F64 = npt.NDArray[np.float64]


def _from_survivors(counts: F64) -> tuple[F64, F64, F64]:
    """(t, churned, censored) from one cohort's survivors at t = 0..n."""
    lost = -np.diff(counts)
    t = np.arange(counts.size, dtype=np.float64)
    churned = np.r_[0.0, lost]
    censored = np.zeros(counts.size)
    censored[-1] = counts[-1]
    return t, churned, censored


def _check_survivors(counts: F64, what: str) -> None:
    if counts.size < 2:
        raise InputError(
            f"{what} needs survivors at two or more periods (t = 0, 1, ...); got {counts.size}.",
            hint="pass the cohort size at t = 0 followed by the survivors of each period.",
        )
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise InputError(f"{what} must be finite and non-negative; got {counts.tolist()!r}.")
    if counts[0] <= 0:
        raise InputError(f"{what} starts with {counts[0]}; the cohort size must be positive.")
    if (np.diff(counts) > 1e-9 * counts[0]).any():
        raise InputError(
            f"{what} rises at some period ({counts.tolist()!r}); survivors never increase.",
            hint="use unbounded retention (cohort_table(..., kind='unbounded')) or subscriptions.",
        )


def _aggregate(data: Any, observed: Any) -> tuple[F64, F64, F64]:
    """Turn any accepted input into (t, churned, censored) totals."""
    if observed is not None:
        durations = np.asarray(data, dtype=np.float64)
        flags = event_flags(observed)
        if durations.shape != flags.shape or durations.ndim != 1 or durations.size == 0:
            raise InputError(
                "durations and observed must be 1-D and of the same, non-zero length; got "
                f"shapes {durations.shape} and {flags.shape}."
            )
        if not np.isfinite(durations).all() or (durations != np.round(durations)).any():
            raise InputError("durations must be whole numbers of periods.")
        if (durations[flags] < 1).any() or (durations < 0).any():
            raise InputError(
                "churn durations must be >= 1 (a customer churns at the end of a period) and "
                "censored durations >= 0."
            )
        t, inverse = np.unique(durations, return_inverse=True)
        churned = np.bincount(inverse, weights=flags.astype(np.float64), minlength=t.size)
        censored = np.bincount(inverse, weights=(~flags).astype(np.float64), minlength=t.size)
        return t, churned.astype(np.float64), censored.astype(np.float64)
    if isinstance(data, CohortTable):
        if data.value_col is not None:
            raise InputError("sBG needs customer counts, not revenue retention.")
        data = data.counts
    if isinstance(data, pd.DataFrame):
        parts = []
        for i, row in enumerate(data.to_numpy(dtype=np.float64)):  # a loop over cohorts
            missing = np.isnan(row)
            n_known = int(np.argmax(missing)) if missing.any() else row.size
            if missing[n_known:].size and not missing[n_known:].all():
                raise InputError(
                    f"cohort {data.index[i]!r} has a gap: survivors are missing at a period "
                    "before observed ones.",
                    hint="NaN may only mark the periods not observed yet, at the end of a row.",
                )
            known = row[:n_known]
            if known.size < 2 or known[0] <= 0:
                continue
            _check_survivors(known, f"cohort {data.index[i]!r}")
            parts.append(_from_survivors(known))
        if not parts:
            raise InputError(
                "No cohort has two or more complete periods to fit on.",
                hint="pass more data, or a coarser freq.",
            )
        t = np.concatenate([p[0] for p in parts])
        churned = np.concatenate([p[1] for p in parts])
        censored = np.concatenate([p[2] for p in parts])
        grid, inverse = np.unique(t, return_inverse=True)
        return (
            grid,
            np.bincount(inverse, weights=churned, minlength=grid.size).astype(np.float64),
            np.bincount(inverse, weights=censored, minlength=grid.size).astype(np.float64),
        )
    counts = np.asarray(data, dtype=np.float64)
    if counts.ndim != 1:
        raise InputError(
            f"survivors must be 1-D (one cohort); got shape {counts.shape}.",
            hint="pass a DataFrame (cohort x period) or a CohortTable for several cohorts.",
        )
    _check_survivors(counts, "survivors")
    return _from_survivors(counts)


class ShiftedBetaGeometricModel:
    r"""Shifted beta-geometric model of retention (Fader & Hardie 2007).

    Each customer churns at the end of every period with their own probability $\theta$;
    across customers $\theta \sim \text{Beta}(\alpha, \beta)$. Heterogeneity makes the
    aggregate retention rate rise over time (the least loyal leave first), which is why the
    sBG projects retention far better than a straight line or an exponential.

    Parameters
    ----------
    confidence_level : float, default 0.95
        Of the parameter intervals.

    Attributes
    ----------
    alpha_, beta_ : float
        Fitted parameters.
    log_likelihood_ : float
        Maximised log-likelihood.
    standard_errors_ : pandas.Series
        Standard errors of alpha and beta (delta method on the log scale).
    confidence_intervals_ : pandas.DataFrame
        Lower and upper bounds of alpha and beta (on the log scale, so always positive).
    n_customers_ : float
        Customers in the data.

    Notes
    -----
    $$S(t) = \frac{B(\alpha, \beta + t)}{B(\alpha, \beta)}, \qquad
      P(T = t) = \frac{B(\alpha + 1, \beta + t - 1)}{B(\alpha, \beta)}, \qquad
      r_t = \frac{\beta + t - 1}{\alpha + \beta + t - 1}$$

    The expected lifetime $E[T] = (\alpha + \beta - 1)/(\alpha - 1)$ is finite only for
    $\alpha > 1$ (``inf`` otherwise).

    Reference: Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention",
    *Journal of Interactive Marketing* 21(1), 76-90.

    Examples
    --------
    >>> from saasmetrics.retention import ShiftedBetaGeometricModel
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007)
    >>> model = ShiftedBetaGeometricModel().fit(regular)
    >>> round(model.alpha_, 3), round(model.beta_, 3)
    (0.704, 1.182)
    >>> model.predict_survival([8, 12]).round(3).tolist()
    [0.22, 0.17]
    >>> model.expected_lifetime()
    inf
    """

    def __init__(self, *, confidence_level: float = 0.95) -> None:
        self.confidence_level = confidence_level

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this model (scikit-learn convention).

        Parameters
        ----------
        deep : bool, default True
            Ignored (no nested estimators).

        Returns
        -------
        dict
            ``{"confidence_level": ...}``.
        """
        return {"confidence_level": self.confidence_level}

    def set_params(self, **params: Any) -> Self:
        """Set parameters (scikit-learn convention).

        Parameters
        ----------
        **params
            ``confidence_level``.

        Returns
        -------
        ShiftedBetaGeometricModel
            ``self``.

        Raises
        ------
        ParameterError
            For an unknown parameter.
        """
        for key, value in params.items():
            if key not in self.get_params():
                raise ParameterError.not_one_of("parameter", key, self.get_params())
            setattr(self, key, value)
        return self

    # ------------------------------------------------------------------ fit
    def fit(self, data: Any, *, observed: Any = None) -> Self:
        """Fit alpha and beta by maximum likelihood.

        Parameters
        ----------
        data : array-like, pandas.DataFrame or CohortTable
            Survivors of one cohort at t = 0..n (the first is the cohort size); or a
            cohort x period frame of survivors (NaN where not yet observed), e.g.
            ``CohortTable.counts`` of an unbounded table; or a
            :class:`~saasmetrics.retention.CohortTable` itself; or, with ``observed``,
            per-customer durations in whole periods.
        observed : array-like of bool, optional
            With durations: True if the customer churned after ``duration`` periods, False if
            still active after ``duration`` periods (censored).

        Returns
        -------
        ShiftedBetaGeometricModel
            ``self``, fitted.

        Raises
        ------
        InputError
            For survivors that rise, are negative, or too short; bad durations.
        ParameterError
            For a ``confidence_level`` outside (0, 1).
        ConvergenceError
            If the optimiser fails.
        """
        check_float("confidence_level", self.confidence_level)
        if not 0 < self.confidence_level < 1:
            raise ParameterError(
                f"confidence_level must be in (0, 1); got {self.confidence_level!r}."
            )
        t, churned, censored = _aggregate(data, observed)
        if churned.sum() == 0:
            raise InputError(
                "Nobody churned in the data, so alpha and beta cannot be estimated.",
                hint="pass a longer history.",
            )

        def nll(theta: F64) -> float:
            a, b = np.exp(theta)
            return -sbg_log_likelihood(float(a), float(b), t, churned, censored)

        from scipy.optimize import minimize  # imported on first fit: it is slow to import

        best = None
        for start in ((0.0, 0.0), (-1.0, 1.0), (1.0, 2.0)):
            with np.errstate(invalid="ignore", over="ignore"):  # inf at extreme parameters
                res = minimize(
                    nll,
                    np.array(start),
                    method="Nelder-Mead",
                    options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000},
                )
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
        if best is None:
            raise ConvergenceError(
                "The sBG likelihood could not be maximised from any start.",
                hint="this happens when (nearly) every customer churns in the first period: "
                "there is no retention to model.",
            )
        theta = best.x
        if np.any(np.abs(theta) > 15):
            warnings.warn(
                f"sBG fit ran to extreme parameters (alpha={np.exp(theta[0]):.3g}, "
                f"beta={np.exp(theta[1]):.3g}): the data hardly show heterogeneity.",
                ConvergenceWarning,
                stacklevel=2,
            )
        alpha, beta = (float(v) for v in np.exp(theta))
        hessian = _hessian(nll, theta)
        try:
            cov_log = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            cov_log = np.full((2, 2), np.nan)
        se_log = np.sqrt(np.clip(np.diag(cov_log), 0, None))
        z = float(ndtri(0.5 + self.confidence_level / 2))
        jac = np.diag([alpha, beta])
        names = pd.Index(["alpha", "beta"], name="parameter")
        self.alpha_ = alpha
        self.beta_ = beta
        self.log_likelihood_ = -float(best.fun)
        self.covariance_ = pd.DataFrame(jac @ cov_log @ jac, index=names, columns=names)
        self.standard_errors_ = pd.Series(
            np.array([alpha, beta]) * se_log, index=names, name="std_error"
        )
        self.confidence_intervals_ = pd.DataFrame(
            {
                "lower": np.exp(theta - z * se_log),
                "upper": np.exp(theta + z * se_log),
            },
            index=names,
        )
        self.n_customers_ = float(churned.sum() + censored.sum())
        return self

    # ------------------------------------------------------------------ predictions
    @overload
    def predict_survival(self, t: float) -> float: ...
    @overload
    def predict_survival(self, t: npt.ArrayLike) -> F64 | float: ...

    def predict_survival(self, t: Any) -> Any:
        """Share of a new cohort still active after ``t`` periods.

        Parameters
        ----------
        t : float or array-like
            Periods (``>= 0``).

        Returns
        -------
        float or numpy.ndarray
            ``S(t)``; a float for a scalar ``t``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self, "alpha_")
        arr = np.asarray(t, dtype=np.float64)
        _check_periods(arr)
        out = sbg_survival(self.alpha_, self.beta_, arr)
        return float(out) if arr.ndim == 0 else out

    def retention_rate(self, t: Any) -> Any:
        """Share of customers active at ``t - 1`` who are still active at ``t``.

        Parameters
        ----------
        t : float or array-like
            Periods (``>= 1``).

        Returns
        -------
        float or numpy.ndarray
            ``(beta + t - 1) / (alpha + beta + t - 1)``, rising towards 1.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self, "alpha_")
        arr = np.asarray(t, dtype=np.float64)
        if (arr < 1).any():
            raise ParameterError("retention_rate(t) needs t >= 1.")
        out = (self.beta_ + arr - 1) / (self.alpha_ + self.beta_ + arr - 1)
        return float(out) if arr.ndim == 0 else out

    def expected_lifetime(self) -> float:
        """Mean number of periods a new customer stays (counting the first).

        Returns
        -------
        float
            ``(alpha + beta - 1) / (alpha - 1)``, or ``inf`` when ``alpha <= 1`` (the mean
            does not exist: a few customers practically never leave). Use the median or
            ``discounted_expected_residual_lifetime`` then.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self, "alpha_")
        if self.alpha_ <= 1:
            return float("inf")
        return (self.alpha_ + self.beta_ - 1) / (self.alpha_ - 1)

    def discounted_expected_residual_lifetime(self, d: float, *, renewals: int = 0) -> float:
        r"""Expected future renewals, discounted, of a customer who has made ``renewals``.

        The customer stands at the end of period ``n = renewals + 1``, about to decide on the
        next renewal: that renewal counts undiscounted, every later one is discounted by
        ``(1 + d)`` per period (Fader & Hardie 2010).

        Parameters
        ----------
        d : float
            Discount rate per period (``> 0``), e.g. 0.1.
        renewals : int, default 0
            Renewals made so far (0: just acquired).

        Returns
        -------
        float
            $$\text{DERL}(d \mid n - 1) = \frac{\beta + n - 1}{\alpha + \beta + n - 1}\,
            {}_2F_1\!\left(1, \beta + n; \alpha + \beta + n; \tfrac{1}{1 + d}\right)$$
            with $n = $ ``renewals + 1`` (Fader & Hardie 2010, "Customer-Base Valuation in a
            Contractual Setting"). Multiply by the margin per period for residual CLV.

        Raises
        ------
        ParameterError
            If ``d <= 0`` (undiscounted: see :meth:`expected_lifetime`) or ``renewals < 0``.
        NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> from saasmetrics.retention import ShiftedBetaGeometricModel
        >>> model = ShiftedBetaGeometricModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(model.discounted_expected_residual_lifetime(0.1), 3)
        2.964
        """
        check_is_fitted(self, "alpha_")
        if not d > 0:
            raise ParameterError(
                f"d must be a positive discount rate; got {d!r}.",
                hint="for the undiscounted mean use expected_lifetime().",
            )
        if renewals < 0:
            raise ParameterError(f"renewals must be >= 0; got {renewals!r}.")
        a, b, n = self.alpha_, self.beta_, renewals + 1
        return float((b + n - 1) / (a + b + n - 1) * hyp2f1(1.0, b + n, a + b + n, 1 / (1 + d)))

    def summary(self) -> pd.DataFrame:
        """Estimates, standard errors and intervals of alpha and beta.

        Returns
        -------
        pandas.DataFrame
            Rows ``alpha``, ``beta``; columns ``estimate``, ``std_error``, ``lower``,
            ``upper``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self, "alpha_")
        frame = self.confidence_intervals_.copy()
        frame.insert(0, "std_error", self.standard_errors_)
        frame.insert(0, "estimate", [self.alpha_, self.beta_])
        return frame

    def plot(self, ax: Any = None, *, periods: int = 12, observed: Any = None) -> Any:
        """Draw the projected survival curve (and observed survival, if given).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        periods : int, default 12
            Horizon.
        observed : array-like, optional
            Observed survival shares (or counts; divided by the first) to overlay.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        check_is_fitted(self, "alpha_")
        ax = get_axes(ax)
        t = np.arange(periods + 1, dtype=np.float64)
        # each series its own house colour, also next to curves already on ``ax``
        ax.plot(t, self.predict_survival(t), color=next_color(ax), label="sBG projection")
        if observed is not None:
            obs = np.asarray(observed, dtype=np.float64)
            obs = obs / obs[0]
            ax.plot(np.arange(obs.size), obs, "o", color=next_color(ax), label="observed")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("period")
        ax.set_ylabel("survival")
        ax.set_title(f"sBG: alpha={self.alpha_:.3g}, beta={self.beta_:.3g}")
        ax.legend(frameon=False)
        return ax


def _check_periods(arr: F64) -> None:
    if (arr < 0).any() or not np.isfinite(arr).all():
        raise ParameterError("t must be finite and >= 0.")


def _hessian(fn: Any, x: F64, step: float = 1e-4) -> F64:
    """Central finite-difference Hessian (2 parameters)."""
    n = x.size
    out = np.zeros((n, n))
    eye = np.eye(n) * step
    for i in range(n):
        for j in range(n):
            out[i, j] = (
                fn(x + eye[i] + eye[j])
                - fn(x + eye[i] - eye[j])
                - fn(x - eye[i] + eye[j])
                + fn(x - eye[i] - eye[j])
            ) / (4 * step * step)
    return out
