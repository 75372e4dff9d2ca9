"""Shared maximum-likelihood fitting of the CLV models: compression, weights, the optimiser."""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize
from scipy.special import ndtri

from saasmetrics._frames import to_pandas
from saasmetrics._validation import check_float, require_columns
from saasmetrics.exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    EmptyDataError,
    InputError,
    ParameterError,
    SmallSampleWarning,
)
from saasmetrics.typing import FrameLike

F64 = npt.NDArray[np.float64]


def _compress(*columns: F64, weights: F64 | None = None) -> tuple[list[F64], F64]:
    """Distinct rows (sorted by the first column, then the others) and their counts.

    With ``weights`` (customers per row), a distinct row's count is the sum of its weights.
    """
    order = np.lexsort(columns[::-1])
    ordered = [c[order] for c in columns]
    change = np.zeros(order.size, dtype=bool)
    change[0:1] = True
    for c in ordered:
        change[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(change)
    if weights is None:
        counts = np.diff(np.r_[starts, order.size]).astype(np.float64)
    else:
        counts = np.add.reduceat(weights[order], starts) if starts.size else np.zeros(0)
    return [c[starts] for c in ordered], counts


def _weights(frame: Any, weights_col: str | None, n_rows: int) -> F64 | None:
    """Validated customer counts per row (whole numbers >= 0), or None."""
    if weights_col is None:
        return None
    data = to_pandas(frame, name="rfm")
    require_columns(data, {"weights_col": weights_col})
    column = data[weights_col]
    # text that is not a number reads as NaN here and is refused with the others
    w = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(w) | (w < 0) | (w != np.floor(w))
    if bad.any():
        raise InputError.bad_values(
            weights_col,
            "weights that are not whole numbers >= 0",
            n_bad=int(bad.sum()),
            n_rows=n_rows,
            example=column.to_numpy()[bad][0],
            hint="weights count the customers a row stands for.",
        )
    if not w.sum() > 0:
        raise EmptyDataError(f"The weights in {weights_col!r} add up to 0 customers.")
    return w


def _numeric_hessian(fun: Callable[[F64], float], theta: F64, step: float = 1e-4) -> F64:
    k = theta.size
    hess = np.empty((k, k))
    for i in range(k):  # k <= 4 parameters
        for j in range(i, k):
            ei = np.eye(k)[i] * step
            ej = np.eye(k)[j] * step
            value = (
                fun(theta + ei + ej)
                - fun(theta + ei - ej)
                - fun(theta - ei + ej)
                + fun(theta - ei - ej)
            ) / (4 * step * step)
            hess[i, j] = hess[j, i] = value
    return hess


def _hessian_from_gradient(grad: Callable[[F64], F64], z: F64, step: float = 1e-5) -> F64:
    """Hessian in log-parameters from central differences of the log-likelihood gradient.

    ``grad(z)`` returns the gradient in the natural parameters; the chain rule gives the
    log-scale Hessian ``H_ij = theta_j * d/dz_j (theta_i g_i)`` as the difference quotient of
    ``theta * g``.
    """
    k = z.size
    cols = []
    for j in range(k):  # k <= 4 parameters
        e = np.zeros(k)
        e[j] = step
        up = np.exp(z + e) * grad(z + e)
        down = np.exp(z - e) * grad(z - e)
        cols.append((up - down) / (2 * step))
    hess = np.column_stack(cols)
    return (hess + hess.T) / 2


class _CLVModel(ABC):
    """Shared maximum-likelihood machinery: parameters fitted on the log scale."""

    _param_names: ClassVar[tuple[str, ...]] = ()
    _columns: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        confidence_level: float = 0.95,
        max_iter: int = 2000,
        initial_params: dict[str, float] | None = None,
    ) -> None:
        self.penalizer = penalizer
        self.confidence_level = confidence_level
        self.max_iter = max_iter
        self.initial_params = initial_params

    # -- sklearn-style parameters -------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the hyperparameters (as passed to ``__init__``).

        Parameters
        ----------
        deep : bool, default True
            Unused; kept for scikit-learn compatibility.

        Returns
        -------
        dict
            Hyperparameter names to values.

        Examples
        --------
        >>> from saasmetrics.unit_economics import BetaGeoModel
        >>> BetaGeoModel(penalizer=0.1).get_params()["penalizer"]
        0.1
        """
        return {
            "penalizer": self.penalizer,
            "confidence_level": self.confidence_level,
            "max_iter": self.max_iter,
            "initial_params": self.initial_params,
        }

    def set_params(self, **params: Any) -> Self:
        """Set hyperparameters and return the model.

        Parameters
        ----------
        **params
            Hyperparameters by name.

        Returns
        -------
        Self
            The model.

        Examples
        --------
        >>> from saasmetrics.unit_economics import BetaGeoModel
        >>> BetaGeoModel().set_params(penalizer=0.01).penalizer
        0.01
        """
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ParameterError.not_one_of("parameter", name, valid)
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        fitted = getattr(self, "params_", None)
        inner = ", ".join(f"{k}={v:.4g}" for k, v in fitted.items()) if fitted else "unfitted"
        return f"{type(self).__name__}({inner})"

    def _params_text(self) -> str:
        return ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())

    # -- to be provided --------------------------------------------------------------
    @abstractmethod
    def _loglik(self, theta: F64, data: list[F64]) -> F64:
        """Log-likelihood per customer at log-parameters ``theta``; every model defines it."""

    def _loglik_grad(self, theta: F64, data: list[F64]) -> tuple[F64, F64] | None:
        return None

    def _start(self, data: list[F64], weights: F64) -> F64:
        return np.ones(len(self._param_names))

    # -- the fit ---------------------------------------------------------------------
    def _validate_params(self) -> None:
        check_float("penalizer", self.penalizer, min_value=0)
        check_float("confidence_level", self.confidence_level)
        if not 0 < self.confidence_level < 1:
            raise ParameterError(
                f"confidence_level must lie in (0, 1); got {self.confidence_level!r}."
            )
        if not (isinstance(self.max_iter, int) and self.max_iter > 0):
            raise ParameterError(f"max_iter must be a positive integer; got {self.max_iter!r}.")

    def _fit_arrays(self, data: list[F64], weights: F64) -> None:
        self._validate_params()
        n = float(weights.sum())
        names = self._param_names

        def objective(log_theta: F64) -> tuple[float, F64]:
            # overflow at extreme trial parameters is expected: the optimizer sees inf/nan
            # (mapped to a huge value by _finite) and steps back, so no warning escapes
            with np.errstate(all="ignore"):
                theta = np.exp(log_theta)
                both = self._loglik_grad(theta, data)
                if both is None:
                    ll = self._loglik(theta, data)
                    grad = None
                else:
                    ll, grad = both
                # weighted sums without BLAS: tiny matrix-vector products through a threaded
                # BLAS were slower than the likelihood itself on busy machines
                value = -float((weights * ll).sum()) / n + self.penalizer * float(np.sum(theta**2))
                if grad is None:
                    return value, np.full(theta.size, np.nan)
                g = -(grad * weights).sum(axis=1) / n * theta + self.penalizer * 2.0 * theta**2
            return value, g

        def value_only(log_theta: F64) -> float:
            v = objective(log_theta)[0]
            return v if math.isfinite(v) else 1e300

        default = np.log(self._start(data, weights))
        starts = [default]
        if self.initial_params is not None:
            # the user's start first; the default start too, and the better optimum wins
            starts.insert(0, np.log([float(self.initial_params[k]) for k in names]))
        has_grad = self._loglik_grad(np.exp(default), data) is not None
        minimize: Any = optimize.minimize  # scipy-stubs overloads reject (value, grad) callables
        bounds = [(-15.0, 15.0)] * len(names)
        attempts: list[Any] = []

        def run(start: F64) -> Any:
            if has_grad:
                # BFGS in log-parameters: pure NumPy steps (L-BFGS-B's compiled core was
                # erratic under BLAS thread contention on shared machines), no bounds needed.
                res = minimize(
                    lambda z: _finite(objective(z)),
                    start,
                    jac=True,
                    method="BFGS",
                    options={"maxiter": self.max_iter, "gtol": 1e-9},
                )
                if not res.success and np.all(np.isfinite(res.x)):
                    # BFGS often stops on precision loss right at the optimum: accept it
                    # when the gradient there is negligible.
                    _, grad = _finite(objective(res.x))
                    res.success = bool(np.max(np.abs(grad)) < 1e-5)
            else:
                res = minimize(
                    value_only,
                    start,
                    method="L-BFGS-B",
                    bounds=bounds,
                    options={"maxiter": self.max_iter, "ftol": 1e-14, "gtol": 1e-9},
                )
            attempts.append(res)
            if not (res.success and np.isfinite(res.fun)):
                # a derivative-free polish from wherever the first method stopped
                res = minimize(
                    value_only,
                    res.x if np.all(np.isfinite(res.x)) else start,
                    method="Nelder-Mead",
                    options={"maxiter": self.max_iter * 4, "xatol": 1e-9, "fatol": 1e-12},
                )
                attempts.append(res)
            return res

        results = [run(start) for start in starts]
        good = [r for r in results if r.success and np.isfinite(r.fun)]
        res = min(good, key=lambda r: r.fun) if good else min(results, key=_fun_or_inf)
        at_bound = np.any(np.abs(res.x) >= 15.0 - 1e-6)
        if not (np.isfinite(res.fun) and res.fun < 1e299 and np.all(np.isfinite(res.x))) or (
            at_bound
        ):
            detail = "; ".join(f"{a.message}" for a in attempts)
            raise ConvergenceError(
                f"{type(self).__name__} did not converge on {int(n)} customers ({detail}); last "
                f"parameters {dict(zip(names, np.exp(res.x).round(6).tolist(), strict=True))}.",
                hint="use more customers, a penalizer (e.g. penalizer=0.01), or initial_params.",
            )
        if not has_grad:
            # a finite-difference gradient stops quasi-Newton methods ~1e-6 short of the
            # optimum; a few Newton steps on central differences close that gap
            res.x, res.fun = _newton_polish(value_only, res.x)
        theta = np.exp(res.x)
        self.params_ = dict(zip(names, theta.tolist(), strict=True))
        self.log_likelihood_ = (
            float(-res.fun * n)
            if self.penalizer == 0
            else float((weights * self._loglik(theta, data)).sum())
        )
        self.n_customers_ = int(n)
        # diagnostics at the optimum: the gradient of the mean (penalised) negative
        # log-likelihood in log-parameters, analytic where the model has it
        if has_grad:
            gradient = _finite(objective(res.x))[1]
        else:
            gradient = _numeric_gradient(value_only, res.x)
        self.gradient_norm_ = float(np.linalg.norm(gradient))
        self.optimizer_message_ = str(res.message)
        self.converged_ = bool(res.success) and self.gradient_norm_ <= _GRADIENT_TOLERANCE

        # standard errors from the observed information (numerical Hessian of the log-lik in
        # log-parameters), intervals by the delta method on the log scale (never below 0).
        def total_ll(z: F64) -> float:
            with np.errstate(all="ignore"):
                return float((weights * self._loglik(np.exp(z), data)).sum())

        if has_grad:
            hess = _hessian_from_gradient(lambda z: -n * objective(z)[1] / np.exp(z), res.x)
        else:
            hess = _numeric_hessian(total_ll, res.x)
        info = -hess
        finite = bool(np.all(np.isfinite(info)))
        eig = np.linalg.eigvalsh(info) if finite else np.zeros(1)
        if not finite or not np.all(eig > 1e-8 * max(1.0, float(np.max(np.abs(eig))))):
            if not self.converged_:
                # not a maximum because the optimiser stopped short, not because the data
                # fail to identify the parameters
                raise ConvergenceError(
                    f"{type(self).__name__} did not converge on {int(n)} customers: the "
                    f"optimiser stopped ({self.optimizer_message_}) at "
                    f"{dict(zip(names, theta.round(6).tolist(), strict=True))}, where the "
                    f"likelihood is not at a maximum (gradient norm {self.gradient_norm_:.2e}).",
                    hint=f"raise max_iter (now {self.max_iter}) or pass initial_params.",
                )
            raise ConvergenceError(
                f"{type(self).__name__} did not converge on {int(n)} customers: the likelihood "
                f"is flat at {dict(zip(names, theta.round(6).tolist(), strict=True))} (the "
                "parameters are not identified by these data).",
                hint="check that customers have repeat purchases and varied histories, or add "
                "a penalizer.",
            )
        self.hessian_condition_ = float(np.max(eig) / np.min(eig))
        if not self.converged_:
            warnings.warn(
                f"{type(self).__name__} did not converge on {int(n)} customers: "
                f"{self.optimizer_message_} (gradient norm {self.gradient_norm_:.2e} at "
                f"{self._params_text()}); the estimates may be off.",
                ConvergenceWarning,
                stacklevel=3,
            )
        elif self.hessian_condition_ > _CONDITION_LIMIT:
            warnings.warn(
                f"{type(self).__name__} converged on {int(n)} customers, but the Hessian's "
                f"condition number is {self.hessian_condition_:.2e}: some parameters are "
                f"barely identified by these data ({self._params_text()}); their intervals "
                "are wide and their estimates unstable.",
                ConvergenceWarning,
                stacklevel=3,
            )
        cov = np.linalg.inv(info)
        self.covariance_ = pd.DataFrame(cov, index=list(names), columns=list(names))
        se_log = np.sqrt(np.diag(cov))
        zq = float(ndtri(0.5 + self.confidence_level / 2))  # scipy.special: no scipy.stats import
        self.confidence_intervals_ = pd.DataFrame(
            {
                "estimate": theta,
                "se": theta * se_log,
                "lower": np.exp(res.x - zq * se_log),
                "upper": np.exp(res.x + zq * se_log),
            },
            index=pd.Index(names, name="parameter"),
        )
        if n < 50:
            warnings.warn(
                f"{type(self).__name__} was fitted on {int(n)} customers; estimates are noisy.",
                SmallSampleWarning,
                stacklevel=3,
            )

    def _columns_from(
        self, rfm: FrameLike, columns: dict[str, str], *, positive: tuple[str, ...] = ()
    ) -> list[F64]:
        frame = to_pandas(rfm, name="rfm")
        require_columns(frame, {f"{role}_col": col for role, col in columns.items()})
        arrays = []
        for role, col in columns.items():
            values = frame[col].to_numpy(dtype=np.float64, na_value=np.nan)
            if np.any(~np.isfinite(values)) or np.any(values < 0):
                raise InputError.bad_values(
                    col,
                    "null, infinite or negative values",
                    n_bad=int(np.sum(~(np.isfinite(values) & (values >= 0)))),
                    n_rows=len(values),
                    hint="rfm_summary builds a valid frame.",
                )
            if role == "frequency" and np.any(values != np.floor(values)):
                raise InputError.bad_values(
                    col,
                    "fractional purchase counts",
                    n_bad=int(np.sum(values != np.floor(values))),
                    n_rows=len(values),
                    hint="frequency counts repeat purchases: whole numbers (rfm_summary).",
                )
            if role in positive and np.any(values <= 0):
                raise InputError.bad_values(
                    col, "zero values", n_bad=int(np.sum(values <= 0)), n_rows=len(values)
                )
            arrays.append(values)
        return arrays


def _horizon(t: Any) -> F64:
    horizon = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(horizon) & (horizon >= 0)):
        raise ParameterError(
            f"t must be a finite horizon >= 0 in the model's time unit; got {t!r}.",
            hint="e.g. 52 for a year when the RFM frame is in weeks.",
        )
    return horizon


_GRADIENT_TOLERANCE = 1e-4
"""Largest gradient norm (mean log-likelihood, log-parameters) at an accepted optimum."""
_CONDITION_LIMIT = 1e10
"""Hessian condition number above which a fit warns that parameters are barely identified."""


def _fun_or_inf(res: Any) -> float:
    return float(res.fun) if np.isfinite(res.fun) else math.inf


def _numeric_gradient(fun: Callable[[F64], float], z: F64, step: float = 1e-6) -> F64:
    grad = np.empty(z.size)
    for i in range(z.size):  # k <= 4 parameters
        e = np.zeros(z.size)
        e[i] = step
        grad[i] = (fun(z + e) - fun(z - e)) / (2 * step)
    return grad


def _newton_polish(fun: Callable[[F64], float], z: F64, steps: int = 3) -> tuple[F64, float]:
    """Newton steps on central differences, each kept only if it lowers ``fun``."""
    best = fun(z)
    for _ in range(steps):
        grad = _numeric_gradient(fun, z, step=1e-5)
        if np.linalg.norm(grad) < 1e-9:  # already at the optimum, to difference precision
            break
        hess = _numeric_hessian(fun, z)
        try:
            candidate = z - np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        value = fun(candidate)
        if not (np.all(np.isfinite(candidate)) and value < best):
            break
        z, best = candidate, value
    return z, best


def _finite(pair: tuple[float, F64]) -> tuple[float, F64]:
    value, grad = pair
    if not math.isfinite(value) or not np.all(np.isfinite(grad)):
        return 1e300, np.zeros_like(grad)
    return value, grad
