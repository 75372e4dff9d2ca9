"""ChurnRiskModel: regularized logistic regression (statsmodels) with honest evaluation."""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import health as hk
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import (
    RowCheck,
    check_float,
    check_int,
    check_is_fitted,
    one_column,
)
from saasmetrics.exceptions import (
    ConvergenceWarning,
    InputError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)
from saasmetrics.typing import FrameLike, OnInvalid

__all__ = ("ChurnRiskModel", "RiskEvaluation", "RiskSummary", "evaluate_risk")

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]
SEPARATION_PENALTY = 0.01
"""Ridge penalty used when the data are perfectly separated and no penalty was asked for."""


# --------------------------------------------------------------------------- evaluation
@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RiskEvaluation(ResultMixin):
    """How well a risk score ranks and predicts churn on a holdout.

    Attributes
    ----------
    auc : float
        Area under the ROC curve: the chance a churner is ranked above a non-churner.
    top_decile_lift : float
        Churn rate among the riskiest 10 % of accounts divided by the overall churn rate.
    precision_at_k : float
        Share of churners among the ``k`` riskiest accounts (the team's capacity). For both,
        accounts tied at the cut count by their average, as if the tie were broken at random,
        so a constant score has lift 1 and neither depends on row order.
    k : int
        The capacity used.
    brier : float
        Mean squared error of the probabilities (NaN when the risk is not a probability).
    base_rate : float
        Overall churn rate.
    n : int
        Accounts evaluated.
    calibration : pandas.DataFrame
        Equal-count bins of predicted risk: ``accounts``, ``mean_predicted``, ``observed_rate``.

    Examples
    --------
    >>> ev = evaluate_risk([0, 1, 0, 1], [0.2, 0.7, 0.4, 0.6])
    >>> ev
    RiskEvaluation(n=4, auc=1.0, top_decile_lift=2.0, precision_at_k=1.0, k=1, brier=0.113)
    >>> float(ev.to_frame().loc["auc", "value"])
    1.0
    """

    auc: float
    top_decile_lift: float
    precision_at_k: float
    k: int
    brier: float
    base_rate: float
    n: int
    calibration: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The metrics as a one-column table.

        Returns
        -------
        pandas.DataFrame
            Index: metric name; column ``value``.
        """
        names = ("auc", "top_decile_lift", "precision_at_k", "k", "brier", "base_rate", "n")
        return pd.DataFrame(
            {"value": [float(getattr(self, n)) for n in names]},
            index=pd.Index(names, name="metric"),
        )

    def _summary(self) -> dict[str, Any]:
        def r(x: float) -> float | None:
            return None if math.isnan(x) else round(x, 3)

        return {
            "n": self.n,
            "auc": r(self.auc),
            "top_decile_lift": r(self.top_decile_lift),
            "precision_at_k": r(self.precision_at_k),
            "k": self.k,
            "brier": r(self.brier),
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Calibration plot: observed churn rate against mean predicted risk per bin.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            Passed to ``ax.plot``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        ax = get_axes(ax, figsize=(5.0, 5.0))
        cal = self.calibration
        top = float(max(cal["mean_predicted"].max(), cal["observed_rate"].max(), 1e-9))
        ax.plot([0, top], [0, top], color=PALETTE[7], lw=1, ls="--", label="perfect")
        kwargs.setdefault("marker", "o")
        ax.plot(cal["mean_predicted"], cal["observed_rate"], color=PALETTE[0], label="model",
                **kwargs)  # fmt: skip
        ax.set_xlabel("mean predicted churn probability")
        ax.set_ylabel("observed churn rate")
        ax.set_title(
            f"Calibration (AUC {self.auc:.2f}, top-decile lift {self.top_decile_lift:.1f})"
        )
        ax.legend(frameon=False)
        return ax


def _labels(values: Any, name: str) -> Bool:
    series = one_column(values, name)
    if series.isna().any():
        raise InputError.bad_values(
            name, "missing churn labels", n_bad=int(series.isna().sum()), n_rows=len(series)
        )
    if pd.api.types.is_bool_dtype(series.dtype):
        out: Bool = series.to_numpy(dtype=bool)
        return out
    numeric = pd.to_numeric(series, errors="coerce")
    if numeric.isna().any() or not numeric.isin([0, 1]).all():
        raise SchemaError(
            f"Churn labels {name!r} must be booleans or 0/1; got values like "
            f"{series.drop_duplicates().head(5).tolist()!r}.",
        )
    flags: Bool = numeric.to_numpy(dtype=np.float64) == 1.0
    return flags


def _top_rate(y: Bool, risk: F64, k: int) -> float:
    """Churn rate among the ``k`` riskiest accounts, ties at the cut counted by their average.

    Accounts tied with the k-th riskiest fill the remaining places in expectation (as if the
    tie were broken at random), so the result never depends on row order.
    """
    cut = np.partition(risk, risk.size - k)[risk.size - k]  # the k-th largest risk
    above = risk > cut
    tied = risk == cut
    need = k - int(np.count_nonzero(above))
    hits = float(np.count_nonzero(y & above)) + need * float(np.count_nonzero(y & tied)) / float(
        np.count_nonzero(tied)
    )
    return hits / k


def evaluate_risk(
    churned: Any,
    risk: Any,
    *,
    k: int | None = None,
    n_bins: int = 10,
) -> RiskEvaluation:
    """Evaluate any risk score against what happened: AUC, lift, precision at k, Brier.

    Use it to compare a churn model with a baseline, e.g. ``risk = 100 - health score``.

    Parameters
    ----------
    churned : array-like of bool or 0/1
        What happened, per account.
    risk : array-like of float
        Higher means riskier; probabilities for a meaningful Brier score and calibration.
    k : int, optional
        Capacity: how many accounts the team can work; default 10 % of them (at least 1).
    n_bins : int, default 10
        Calibration bins (equal counts).

    Returns
    -------
    RiskEvaluation
        Metrics and the calibration table.

    Raises
    ------
    InputError
        If lengths differ, values are missing, or only one class is present.

    Examples
    --------
    >>> ev = evaluate_risk([0, 0, 1, 0, 1, 0, 0, 0, 0, 1],
    ...                    [.1, .2, .9, .3, .6, .1, .2, .4, .1, .3], k=2)
    >>> round(ev.auc, 3), ev.precision_at_k, ev.top_decile_lift, round(ev.brier, 3)
    (0.929, 1.0, 3.333..., 0.102)
    """
    y = _labels(churned, "churned")
    p = pd.to_numeric(one_column(risk, "risk"), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    if p.shape != y.shape:
        raise InputError(f"churned has {y.size} values but risk has {p.size}.")
    if np.isnan(p).any():
        raise InputError.bad_values(
            "risk", "missing risk values", n_bad=int(np.isnan(p).sum()), n_rows=p.size
        )
    n = int(y.size)
    n_pos = int(y.sum())
    if n_pos in {0, n}:
        raise InputError(
            f"Evaluation needs both churned and retained accounts; got {n_pos} churned of {n}.",
            hint="evaluate on a larger or later holdout.",
        )
    if k is None:
        k = max(1, math.ceil(0.1 * n))
    else:
        try:
            if isinstance(k, bool):
                raise TypeError
            k = operator.index(k)  # any integer type; 2.7 accounts is not a capacity
        except TypeError as exc:
            raise ParameterError(f"k must be a whole number of accounts; got {k!r}.") from exc
    if not 1 <= k <= n:
        raise ParameterError(f"k must be between 1 and the number of accounts ({n}); got {k}.")
    base = n_pos / n
    decile = max(1, math.ceil(0.1 * n))
    probability = bool(p.min() >= 0.0 and p.max() <= 1.0)
    bins = max(1, min(check_int("n_bins", n_bins, min_value=1), n))
    counts, mean_p, rate = hk.calibration_bins(y, p, bins)
    calibration = pd.DataFrame(
        {"accounts": counts.astype(np.int64), "mean_predicted": mean_p, "observed_rate": rate},
        index=pd.RangeIndex(1, bins + 1, name="bin"),
    )
    return RiskEvaluation(
        auc=hk.auc(y, p),
        top_decile_lift=_top_rate(y, p, decile) / base,
        precision_at_k=_top_rate(y, p, k),
        k=k,
        brier=float(np.mean((p - y) ** 2)) if probability else float("nan"),
        base_rate=base,
        n=n,
        calibration=calibration,
    )


# --------------------------------------------------------------------------- summary
@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RiskSummary(ResultMixin):
    """Coefficients of a fitted :class:`ChurnRiskModel`, per unit and per standard deviation.

    Attributes
    ----------
    table : pandas.DataFrame
        Per term (``intercept`` and each feature): ``coef`` (log-odds per unit), ``std_err``,
        ``z``, ``p_value``, ``ci_low``, ``ci_high``, ``odds_ratio`` with ``odds_ratio_low`` /
        ``odds_ratio_high``, and ``coef_per_sd`` / ``odds_ratio_per_sd`` (per standard
        deviation of the feature in the training data, comparable across features).
    n : int
        Training accounts.
    n_churned : int
        Churned among them.
    penalty : float
        Ridge penalty used (statsmodels ``alpha`` on standardised features).
    confidence_level : float
        Level of the intervals.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> frame = pd.DataFrame({"x": rng.normal(size=500)})
    >>> frame["churned"] = rng.random(500) < 1 / (1 + np.exp(2 - frame["x"]))
    >>> summary = ChurnRiskModel(features=["x"]).fit(frame).summary()
    >>> summary.to_frame().loc["x", ["coef", "p_value"]].round(3).tolist()
    [1.227, 0.0]
    """

    table: pd.DataFrame
    n: int
    n_churned: int
    penalty: float
    confidence_level: float

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table (a copy).

        Returns
        -------
        pandas.DataFrame
            One row per term.
        """
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "n_churned": self.n_churned,
            "features": len(self.table) - 1,
            "penalty": self.penalty,
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Forest plot of odds ratios per standard deviation with their intervals.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            Passed to ``ax.errorbar``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        ax = get_axes(ax)
        t = self.table.drop(index="intercept")
        sd = t["coef_per_sd"] / t["coef"].where(t["coef"] != 0, np.nan)
        sd = sd.fillna(0.0)
        mid = np.exp(t["coef_per_sd"])
        low = np.exp(t["ci_low"] * sd)
        high = np.exp(t["ci_high"] * sd)
        y = np.arange(len(t))
        kwargs.setdefault("fmt", "o")
        ax.errorbar(mid, y, xerr=[mid - np.minimum(low, high), np.maximum(low, high) - mid],
                    color=PALETTE[0], **kwargs)  # fmt: skip
        ax.axvline(1.0, color=PALETTE[7], lw=1, ls="--")
        ax.set_xscale("log")
        ax.set_yticks(y, [str(i) for i in t.index])
        ax.set_xlabel("odds ratio of churn per standard deviation")
        ax.set_title("Churn drivers")
        return ax


# --------------------------------------------------------------------------- the model
RIDGE_GTOL = 1e-10
"""Gradient tolerance of the ridge fit (largest absolute gradient of the mean objective)."""


def _ridge_logit(Z: F64, y: F64, alpha: float, *, max_iter: int) -> tuple[F64, bool]:
    r"""Ridge logistic regression by Newton's method (IRLS) with step halving.

    Minimises $-\frac1n \sum_i [y_i \eta_i - \log(1 + e^{\eta_i})] + \frac{\alpha}{2}
    \sum_{j \ge 1} \beta_j^2$ with $\eta = Z\beta$ (column 0 of ``Z`` is the unpenalised
    intercept). The objective is strictly convex for ``alpha > 0``, so Newton steps converge
    quadratically; a step is halved until the objective does not increase. Converged when the
    largest absolute gradient is below :data:`RIDGE_GTOL`, within ``max_iter`` Newton steps.
    """
    from scipy import special

    n, k = Z.shape
    ridge = np.full(k, alpha)
    ridge[0] = 0.0

    def objective(beta: F64) -> float:
        eta = Z @ beta
        return float(np.mean(np.logaddexp(0.0, eta) - y * eta) + 0.5 * np.sum(ridge * beta**2))

    beta = np.zeros(k)
    beta[0] = special.logit(np.clip(y.mean(), 1e-12, 1 - 1e-12))
    value = objective(beta)
    for _ in range(max_iter):
        p = special.expit(Z @ beta)
        grad = Z.T @ (p - y) / n + ridge * beta
        if np.max(np.abs(grad)) < RIDGE_GTOL:
            return beta, True
        hess = (Z * (p * (1.0 - p))[:, None]).T @ Z / n + np.diag(ridge)
        step = np.linalg.solve(hess, grad)
        shrink = 1.0
        while True:
            candidate = beta - shrink * step
            new_value = objective(candidate)
            if new_value <= value or shrink < 1e-10:
                break
            shrink /= 2.0
        beta, value = candidate, new_value
    p = special.expit(Z @ beta)
    grad = Z.T @ (p - y) / n + ridge * beta
    return beta, bool(np.max(np.abs(grad)) < RIDGE_GTOL)


class ChurnRiskModel:
    """Churn risk from account features: ridge-regularized logistic regression via statsmodels.

    Features are standardised on the training data; coefficients are reported per unit and
    per standard deviation, with Wald intervals from the (penalised) information matrix.

    Parameters
    ----------
    features : sequence of str
        Columns of the accounts table used as predictors.
    penalty : float, default 0.0001
        Ridge penalty: the objective is the mean negative log-likelihood plus
        ``penalty / 2`` times the squared standardised coefficients (the intercept is not
        penalised); statsmodels calls it ``alpha``, and it is scikit-learn's
        ``LogisticRegression(C=1 / (n * penalty))`` on the standardised features, for ``n``
        training accounts. Fitted by Newton's method to a largest absolute gradient below
        ``1e-10``. ``0`` fits plain maximum likelihood (statsmodels' ``Logit``).
    confidence_level : float, default 0.95
        Level of the coefficient intervals.
    max_iter : int, default 200
        Newton iterations allowed; ``converged_`` says whether the tolerance was reached.

    Attributes
    ----------
    coef_ : pandas.Series
        Log-odds per unit of each feature, and ``intercept``.
    cov_ : pandas.DataFrame
        Covariance of ``coef_``.
    mean_, scale_ : pandas.Series
        Training mean and standard deviation of each feature.
    penalty_ : float
        Penalty actually used (raised to ``SEPARATION_PENALTY`` under perfect separation).
    converged_ : bool
        Whether the optimiser reached its tolerance within ``max_iter`` iterations (a
        :class:`~saasmetrics.exceptions.ConvergenceWarning` says so when not).
    n_, n_churned_ : int
        Training accounts and churners.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> accounts = pd.DataFrame({"trend": rng.normal(size=2000), "noise": rng.normal(size=2000)})
    >>> p = 1 / (1 + np.exp(-(-2.0 - 1.5 * accounts["trend"])))
    >>> accounts["churned"] = rng.random(2000) < p
    >>> model = ChurnRiskModel(features=["trend", "noise"]).fit(accounts)
    >>> model.summary().to_frame()[["coef", "ci_low", "ci_high", "odds_ratio"]].round(2)
               coef  ci_low  ci_high  odds_ratio
    intercept -2.04   -2.20    -1.87        0.13
    trend     -1.49   -1.65    -1.32        0.23
    noise     -0.06   -0.19     0.07        0.94
    >>> round(model.evaluate(accounts).auc, 3)
    0.82
    """

    def __init__(
        self,
        *,
        features: Sequence[str],
        penalty: float = 1e-4,
        confidence_level: float = 0.95,
        max_iter: int = 200,
    ) -> None:
        self.features = features
        self.penalty = penalty
        self.confidence_level = confidence_level
        self.max_iter = max_iter

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this model.

        Parameters
        ----------
        deep : bool, default True
            Unused; for scikit-learn compatibility.

        Returns
        -------
        dict
            Constructor arguments.
        """
        return {
            "features": self.features,
            "penalty": self.penalty,
            "confidence_level": self.confidence_level,
            "max_iter": self.max_iter,
        }

    def set_params(self, **params: Any) -> Self:
        """Set parameters; unknown names raise :class:`ParameterError`.

        Parameters
        ----------
        **params
            New values.

        Returns
        -------
        ChurnRiskModel
            ``self``.
        """
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ParameterError.not_one_of("parameter", key, valid)
            setattr(self, key, value)
        return self

    # ------------------------------------------------------------------ helpers
    def _check_params(self) -> list[str]:
        features = [self.features] if isinstance(self.features, str) else list(self.features)
        if not features:
            raise ParameterError("features must name at least one column.")
        if len(set(features)) != len(features):
            raise ParameterError(f"features must be distinct; got {features!r}.")
        if not (isinstance(self.penalty, int | float) and self.penalty >= 0):
            raise ParameterError(f"penalty must be a number >= 0; got {self.penalty!r}.")
        if isinstance(self.max_iter, bool) or not (
            isinstance(self.max_iter, int | np.integer) and self.max_iter >= 1
        ):
            raise ParameterError(f"max_iter must be an integer >= 1; got {self.max_iter!r}.")
        check_float("confidence_level", self.confidence_level)
        if not 0 < self.confidence_level < 1:
            raise ParameterError(
                f"confidence_level must be in (0, 1); got {self.confidence_level!r}."
            )
        return features

    @staticmethod
    def _matrix(frame: pd.DataFrame, features: list[str], rows: RowCheck | None, what: str) -> F64:
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise MissingColumnError.from_names(missing, available=frame.columns, role="features")
        cols = []
        for f in features:
            s = frame[f]
            if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s)):
                raise SchemaError(f"Feature {f!r} of {what} has dtype {s.dtype}; numbers needed.")
            values = s.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~np.isfinite(values)
            if rows is not None:
                rows.flag(bad, f, "missing or infinite feature values")
            elif bad.any():
                raise InputError.bad_values(
                    f, f"missing or infinite values in {what}", n_bad=int(bad.sum()),
                    n_rows=values.size, hint="fill them before predicting.",
                )  # fmt: skip
            cols.append(values)
        return np.column_stack(cols)

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        accounts: FrameLike,
        churned: Any = None,
        *,
        churned_col: str = "churned",
        on_invalid: OnInvalid = "raise",
    ) -> Self:
        """Fit the model on accounts with known outcomes.

        Parameters
        ----------
        accounts : DataFrame-like
            One row per account with the feature columns (and ``churned_col``).
        churned : array-like, optional
            Outcomes (bool or 0/1), instead of the ``churned_col`` column.
        churned_col : str, default "churned"
            Column holding the outcomes.
        on_invalid : {"raise", "drop"}, default "raise"
            Rows with missing or infinite features or a missing label (e.g. snapshots of
            accounts that were not paying): raise, or drop them (warned, counted).

        Returns
        -------
        ChurnRiskModel
            ``self``.

        Raises
        ------
        MissingColumnError
            For unknown feature or label columns.
        InputError
            For constant features, missing values, or a single outcome class.

        Warns
        -----
        ConvergenceWarning
            Under perfect separation (the fit is then regularized) or when the optimiser
            did not converge.
        """
        import statsmodels.api as sm
        from scipy import special, stats

        features = self._check_params()
        frame = to_pandas(accounts, name="accounts")
        rows = RowCheck(frame, on_invalid=on_invalid, name="accounts")
        X = self._matrix(frame, features, rows, "accounts")
        if churned is None:
            if churned_col not in frame.columns:
                raise MissingColumnError.from_names(
                    [churned_col], available=frame.columns, role="churned_col"
                )
            labels = frame[churned_col]
        else:
            labels = churned
            if len(pd.Series(labels)) != len(frame):
                raise InputError(f"churned has {len(labels)} values for {len(frame)} accounts.")
        label_values = pd.Series(np.asarray(labels))
        rows.flag(label_values.isna().to_numpy(), churned_col, "missing churn labels")
        report = rows.finish()
        if report.n_dropped:
            X, label_values = X[rows.keep], label_values[rows.keep]
        y = _labels(label_values.to_numpy(), churned_col)
        n = int(y.size)
        n_pos = int(y.sum())
        if n_pos in {0, n}:
            raise InputError(
                f"Fitting needs churned and retained accounts; got {n_pos} churned of {n}.",
                hint="use more snapshots or a longer horizon.",
            )
        # moments of X / max|X|, scaled back: no overflow for huge features (x**2 beyond
        # float range) and no underflow to a fake "constant" for tiny ones
        size = np.abs(X).max(axis=0)
        size = np.where(size > 0, size, 1.0)
        mean = (X / size).mean(axis=0) * size
        scale = (X / size).std(axis=0) * size
        constant = [f for f, s in zip(features, scale, strict=True) if not s > 0]
        if constant:
            raise InputError(
                f"Feature(s) {constant!r} are constant in the training data; they carry no "
                "information and make the model unidentifiable.",
                hint="drop them from features=.",
            )
        Z = np.column_stack([np.ones(n), (X - mean) / scale])
        yf = y.astype(np.float64)
        penalty = float(self.penalty)

        def fit_once(alpha: float) -> tuple[F64, bool]:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                if alpha == 0:
                    res = sm.Logit(yf, Z).fit(method="newton", maxiter=self.max_iter, disp=0)
                    params = np.asarray(res.params, dtype=np.float64)
                    converged = bool(res.mle_retvals.get("converged", True))
                else:
                    params, converged = _ridge_logit(Z, yf, alpha, max_iter=self.max_iter)
            converged = converged and not any("converge" in str(w.message).lower() for w in caught)
            return params, converged

        params, converged = fit_once(penalty)
        eta = Z @ params
        separated = bool(eta[~y].max() < eta[y].min()) or not np.all(np.isfinite(params))
        if separated or (penalty == 0 and np.abs(eta).max() > 30):
            new_penalty = max(penalty, SEPARATION_PENALTY)
            warnings.warn(
                "Perfect (or quasi-) separation: the features predict churn without error in "
                f"the training data, so unpenalized coefficients diverge. Fitted with ridge "
                f"penalty={new_penalty}; the coefficients' size is set by the penalty.",
                ConvergenceWarning,
                stacklevel=2,
            )
            penalty = new_penalty
            params, converged = fit_once(penalty)
        if not converged:
            warnings.warn(
                f"The logistic regression did not converge in max_iter={self.max_iter} "
                "iterations; coefficients may be unreliable.",
                ConvergenceWarning,
                stacklevel=2,
            )
        p = special.expit(Z @ params)
        info = (Z * (p * (1 - p))[:, None]).T @ Z
        info[1:, 1:] += n * penalty * np.eye(Z.shape[1] - 1)
        cov_std = np.linalg.pinv(info)
        # back to per-unit coefficients: beta = A @ beta_std
        A = np.eye(Z.shape[1])
        A[0, 1:] = -mean / scale
        A[1:, 1:] = np.diag(1.0 / scale)
        coef = A @ params
        with np.errstate(over="ignore"):  # features around 1e-200: per-unit variances > 1e308
            cov = A @ cov_std @ A.T
        terms = ["intercept", *features]
        self.coef_ = pd.Series(coef, index=terms, name="coef")
        self.cov_ = pd.DataFrame(cov, index=terms, columns=terms)
        self.coef_std_ = pd.Series(params, index=terms, name="coef_per_sd")
        self.se_std_ = pd.Series(np.sqrt(np.diag(cov_std)), index=terms)
        self.mean_ = pd.Series(mean, index=features, name="mean")
        self.scale_ = pd.Series(scale, index=features, name="scale")
        self.penalty_ = penalty
        self.converged_ = converged
        self.n_ = n
        self.n_churned_ = n_pos
        self.features_ = features
        self._z_crit = float(stats.norm.ppf(0.5 + self.confidence_level / 2))
        return self

    # ------------------------------------------------------------------ use
    def predict_proba(self, accounts: FrameLike) -> pd.Series:
        """Churn probability of each account.

        Parameters
        ----------
        accounts : DataFrame-like
            With the feature columns.

        Returns
        -------
        pandas.Series
            One probability per row, indexed like ``accounts``, named ``"churn_probability"``.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        InputError
            For missing feature values.
        """
        check_is_fitted(self, "coef_")
        frame = to_pandas(accounts, name="accounts", allow_empty=True)
        X = self._matrix(frame, self.features_, None, "accounts")
        from scipy import special

        # on the standardised scale the fit used (per-unit coefficients of tiny features can
        # be huge); expit never overflows, far-out accounts get exactly 0 or 1
        std = self.coef_std_.to_numpy()
        with np.errstate(over="ignore"):
            Z = (X - self.mean_.to_numpy()) / self.scale_.to_numpy()
            eta = std[0] + Z @ std[1:]
        proba = special.expit(eta)
        return pd.Series(proba, index=frame.index, name="churn_probability")

    def summary(self) -> RiskSummary:
        """Coefficients, odds ratios and their intervals.

        Returns
        -------
        RiskSummary
            ``.to_frame()`` for the table, ``.plot()`` for a forest plot.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        check_is_fitted(self, "coef_")
        from scipy import stats

        coef = self.coef_.to_numpy()
        se = np.sqrt(np.diag(self.cov_.to_numpy()))
        z = np.divide(coef, se, out=np.full_like(coef, np.nan), where=se > 0)
        crit = self._z_crit
        with np.errstate(over="ignore"):  # odds ratios of huge per-unit coefficients: inf
            odds = np.exp(np.column_stack([coef, coef - crit * se, coef + crit * se]))
        table = pd.DataFrame(
            {
                "coef": coef,
                "std_err": se,
                "z": z,
                "p_value": 2 * stats.norm.sf(np.abs(z)),
                "ci_low": coef - crit * se,
                "ci_high": coef + crit * se,
                "odds_ratio": odds[:, 0],
                "odds_ratio_low": odds[:, 1],
                "odds_ratio_high": odds[:, 2],
                "coef_per_sd": self.coef_std_.to_numpy(),
                "odds_ratio_per_sd": np.exp(self.coef_std_.to_numpy()),
            },
            index=self.coef_.index,
        )
        return RiskSummary(
            table=table,
            n=self.n_,
            n_churned=self.n_churned_,
            penalty=self.penalty_,
            confidence_level=float(self.confidence_level),
        )

    def evaluate(
        self,
        holdout: FrameLike,
        churned: Any = None,
        *,
        churned_col: str = "churned",
        k: int | None = None,
        n_bins: int = 10,
    ) -> RiskEvaluation:
        """Evaluate on accounts the model was not fitted on (ideally a later period).

        Parameters
        ----------
        holdout : DataFrame-like
            Accounts with features and outcomes.
        churned : array-like, optional
            Outcomes, instead of ``churned_col``.
        churned_col : str, default "churned"
            Column holding the outcomes.
        k : int, optional
            The team's capacity for precision at k; default 10 % of the accounts.
        n_bins : int, default 10
            Calibration bins.

        Returns
        -------
        RiskEvaluation
            AUC, top-decile lift, precision at k, Brier score, calibration table.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        frame = to_pandas(holdout, name="holdout")
        proba = self.predict_proba(frame)
        if churned is None:
            if churned_col not in frame.columns:
                raise MissingColumnError.from_names(
                    [churned_col], available=frame.columns, role="churned_col"
                )
            churned = frame[churned_col].to_numpy()
        return evaluate_risk(churned, proba.to_numpy(), k=k, n_bins=n_bins)
