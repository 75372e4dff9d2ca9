"""Models of repeat purchasing: BG/NBD and Pareto/NBD, which share fit and predictions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import unit_economics_clv as kern
from saasmetrics._validation import check_is_fitted
from saasmetrics.exceptions import EmptyDataError, InputError
from saasmetrics.typing import FrameLike
from saasmetrics.unit_economics._clv_fit import _CLVModel, _compress, _horizon, _weights

__all__ = (
    "BetaGeoModel",
    "ParetoNBDModel",
)

F64 = npt.NDArray[np.float64]


class _TransactionModel(_CLVModel):
    """Shared fit and predictions of purchase models; subclasses name their kernels."""

    _columns = ("frequency", "recency", "T")
    _kernel_p_alive: Callable[..., Any]
    _kernel_expected: Callable[..., Any]
    _kernel_conditional: Callable[..., Any]

    def fit(
        self,
        rfm: FrameLike,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
        weights_col: str | None = None,
    ) -> Self:
        """Fit by maximum likelihood on an RFM summary.

        Parameters
        ----------
        rfm : DataFrame-like
            One row per customer, e.g. from :func:`rfm_summary`, or one row per distinct
            ``(frequency, recency, T)`` with ``weights_col`` counting its customers.
        frequency_col, recency_col, T_col : str
            Column roles.
        weights_col : str, optional
            Customers each row stands for (whole numbers >= 0). The likelihood is evaluated
            once per distinct row either way, so grouped and per-customer frames give the
            same fit; grouping first only saves memory. Added in 0.2.

        Returns
        -------
        Self
            The fitted model (``params_``, ``confidence_intervals_``,
            ``log_likelihood_``, ``n_customers_``).

        Raises
        ------
        ConvergenceError
            If the likelihood cannot be maximised (the message says what was tried).

        Examples
        --------
        >>> import pandas as pd
        >>> rfm = pd.DataFrame({"frequency": [0, 1, 2, 5, 0, 3, 8, 1] * 25,
        ...                     "recency": [0, 5, 10, 30, 0, 20, 35, 2] * 25,
        ...                     "T": [10, 20, 30, 40, 38, 36, 40, 30] * 25})
        >>> BetaGeoModel().fit(rfm)
        BetaGeoModel(r=2.681, alpha=25.73, a=0.2524, b=0.8451)
        """
        x, t_x, T = self._columns_from(
            rfm, {"frequency": frequency_col, "recency": recency_col, "T": T_col}
        )
        if np.any(t_x > T + 1e-9):
            raise InputError(
                f"{recency_col!r} exceeds {T_col!r} for {int(np.sum(t_x > T + 1e-9))} rows.",
                hint="recency is measured from the first purchase, within the calibration period.",
            )
        if x.size == 0:
            raise EmptyDataError("The RFM frame has no rows.")
        w = _weights(rfm, weights_col, x.size)
        if w is not None:
            used = w > 0
            x, t_x, T, w = x[used], t_x[used], T[used], w[used]
        data, weights = _compress(x, t_x, T, weights=w)
        self._fit_arrays(data, weights)
        self.columns_ = {"frequency": frequency_col, "recency": recency_col, "T": T_col}
        return self

    def _rfm(self, rfm: FrameLike) -> list[F64]:
        check_is_fitted(self, "params_")
        return self._columns_from(rfm, dict(self.columns_))

    def _theta(self) -> tuple[float, float, float, float]:
        first, second, third, fourth = (self.params_[k] for k in self._param_names)
        return first, second, third, fourth

    def _start(self, data: list[F64], weights: F64) -> F64:
        return np.array([0.5, max(float(np.average(data[2], weights=weights)) / 4, 0.1), 0.5, 1.0])

    def probability_alive(self, rfm: FrameLike) -> pd.Series:
        """Probability that each customer is still active at the end of calibration.

        Parameters
        ----------
        rfm : DataFrame-like
            With the columns used in ``fit``.

        Returns
        -------
        pandas.Series
            One probability per row (index of ``rfm``).

        Examples
        --------
        >>> import pandas as pd
        >>> rfm = pd.DataFrame({"frequency": [0, 1, 2, 5, 0, 3, 8, 1] * 25,
        ...                     "recency": [0, 5, 10, 30, 0, 20, 35, 2] * 25,
        ...                     "T": [10, 20, 30, 40, 38, 36, 40, 30] * 25})
        >>> BetaGeoModel().fit(rfm).probability_alive(rfm.head(3)).round(2).tolist()
        [1.0, 0.44, 0.48]
        """
        x, t_x, T = self._rfm(rfm)
        index = to_pandas(rfm, name="rfm").index
        return pd.Series(
            type(self)._kernel_p_alive(*self._theta(), x, t_x, T), index=index, name="p_alive"
        )

    def expected_purchases(self, t: Any) -> Any:
        """Expected repeat purchases of a new customer within ``t`` time units.

        Parameters
        ----------
        t : float or array-like
            Horizon in the model's time unit.

        Returns
        -------
        float or numpy.ndarray
            Expected purchases.

        Examples
        --------
        >>> import pandas as pd
        >>> rfm = pd.DataFrame({"frequency": [0, 1, 2, 5, 0, 3, 8, 1] * 25,
        ...                     "recency": [0, 5, 10, 30, 0, 20, 35, 2] * 25,
        ...                     "T": [10, 20, 30, 40, 38, 36, 40, 30] * 25})
        >>> BetaGeoModel().fit(rfm).expected_purchases([10, 52]).round(2)
        array([0.92, 3.68])
        """
        check_is_fitted(self, "params_")
        horizon = _horizon(t)
        out = type(self)._kernel_expected(*self._theta(), horizon)
        return float(out) if np.ndim(out) == 0 else out

    def predict_purchases(self, rfm: FrameLike, t: float) -> pd.Series:
        """Expected purchases of each customer in the next ``t`` time units.

        Parameters
        ----------
        rfm : DataFrame-like
            With the columns used in ``fit``.
        t : float
            Horizon in the model's time unit.

        Returns
        -------
        pandas.Series
            Conditional expectation per row.

        Examples
        --------
        >>> import pandas as pd
        >>> rfm = pd.DataFrame({"frequency": [0, 1, 2, 5, 0, 3, 8, 1] * 25,
        ...                     "recency": [0, 5, 10, 30, 0, 20, 35, 2] * 25,
        ...                     "T": [10, 20, 30, 40, 38, 36, 40, 30] * 25})
        >>> BetaGeoModel().fit(rfm).predict_purchases(rfm.head(3), 10).round(2).tolist()
        [0.68, 0.33, 0.39]
        """
        x, t_x, T = self._rfm(rfm)
        horizon = float(_horizon(t))
        index = to_pandas(rfm, name="rfm").index
        values = type(self)._kernel_conditional(*self._theta(), np.full_like(x, horizon), x, t_x, T)
        return pd.Series(values, index=index, name="expected_purchases")


class BetaGeoModel(_TransactionModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    Customers buy at Poisson rates that are gamma(``r``, ``alpha``) distributed, and after
    each purchase become inactive with a probability that is beta(``a``, ``b``) distributed.

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the parameters (added to the mean negative log-likelihood); helps tiny
        samples converge, at the cost of bias.
    confidence_level : float, default 0.95
        Level of ``confidence_intervals_``.
    max_iter : int, default 2000
        Optimiser iterations.
    initial_params : dict, optional
        Starting values by name.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``a``, ``b``.
    confidence_intervals_ : pandas.DataFrame
        Estimate, standard error and interval per parameter (delta method on the log scale).
    covariance_ : pandas.DataFrame
        Asymptotic covariance of the log-parameters (inverse observed information).
    log_likelihood_ : float
        At the optimum.
    converged_ : bool
        The optimiser reported success and the gradient norm is below 1e-4; otherwise the
        fit warns with a ``ConvergenceWarning``.
    gradient_norm_ : float
        Norm of the gradient of the mean negative log-likelihood in the log-parameters at
        the optimum (about 0 at a maximum).
    hessian_condition_ : float
        Condition number of the observed information (log-parameters); above 1e10 the fit
        warns that some parameters are barely identified.
    n_customers_ : int
        Rows fitted.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> T = rng.uniform(20, 40, 500)  # weeks since each customer's first purchase
    >>> active = np.minimum(rng.exponential(1 / rng.gamma(0.5, 0.1, 500)), T)
    >>> x = rng.poisson(rng.gamma(0.5, 0.2, 500) * active)
    >>> recency = active * rng.beta(np.maximum(x, 1), 1) * (x > 0)
    >>> rfm = pd.DataFrame({"frequency": x, "recency": recency, "T": T})
    >>> model = BetaGeoModel().fit(rfm)
    >>> {name: round(value, 2) for name, value in model.params_.items()}
    {'r': 0.36, 'alpha': 3.51, 'a': 0.3, 'b': 1.2}
    >>> bool(model.probability_alive(rfm.head(3)).between(0, 1).all())
    True
    """

    _param_names = ("r", "alpha", "a", "b")

    def _loglik(self, theta: F64, data: list[F64]) -> F64:
        return kern.bgnbd_loglik(*theta, *data)

    def _loglik_grad(self, theta: F64, data: list[F64]) -> tuple[F64, F64] | None:
        return kern.bgnbd_loglik_grad(*theta, *data)

    _kernel_p_alive = staticmethod(kern.bgnbd_p_alive)
    _kernel_expected = staticmethod(kern.bgnbd_expected)
    _kernel_conditional = staticmethod(kern.bgnbd_conditional_expected)


class ParetoNBDModel(_TransactionModel):
    """Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    Customers buy at gamma(``r``, ``alpha``) distributed Poisson rates and drop out after an
    exponential lifetime with gamma(``s``, ``beta``) distributed rates. Fitted by maximum
    likelihood (Fader, Hardie & Lee 2005 note); the gradient is numerical (the Gaussian
    hypergeometric terms have no convenient derivative in their parameters).

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the parameters.
    confidence_level : float, default 0.95
        Level of ``confidence_intervals_``.
    max_iter : int, default 2000
        Optimiser iterations.
    initial_params : dict, optional
        Starting values by name.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``s``, ``beta``.
    confidence_intervals_ : pandas.DataFrame
        Estimate, standard error and interval per parameter.
    log_likelihood_ : float
        At the optimum.
    converged_ : bool
        The optimiser reported success and the gradient norm is below 1e-4; otherwise the
        fit warns with a ``ConvergenceWarning``.
    gradient_norm_ : float
        Norm of the gradient of the mean negative log-likelihood in the log-parameters at
        the optimum (about 0 at a maximum).
    hessian_condition_ : float
        Condition number of the observed information (log-parameters); above 1e10 the fit
        warns that some parameters are barely identified.
    n_customers_ : int
        Rows fitted.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> T = rng.uniform(20, 40, 500)  # weeks since each customer's first purchase
    >>> active = np.minimum(rng.exponential(1 / rng.gamma(0.5, 0.1, 500)), T)
    >>> x = rng.poisson(rng.gamma(0.5, 0.2, 500) * active)
    >>> recency = active * rng.beta(np.maximum(x, 1), 1) * (x > 0)
    >>> rfm = pd.DataFrame({"frequency": x, "recency": recency, "T": T})
    >>> model = ParetoNBDModel().fit(rfm)  # simulated with r=0.5, alpha=5, s=0.5, beta=10
    >>> {name: round(value, 2) for name, value in model.params_.items()}
    {'r': 0.69, 'alpha': 6.77, 's': 0.56, 'beta': 11.63}
    """

    _param_names = ("r", "alpha", "s", "beta")

    def _loglik(self, theta: F64, data: list[F64]) -> F64:
        return kern.pareto_loglik(*theta, *data)

    def _loglik_grad(self, theta: F64, data: list[F64]) -> tuple[F64, F64] | None:
        return None

    _kernel_p_alive = staticmethod(kern.pareto_p_alive)
    _kernel_expected = staticmethod(kern.pareto_expected)
    _kernel_conditional = staticmethod(kern.pareto_conditional_expected)
