"""The Gamma-Gamma model of spend per transaction, and the check of its independence assumption."""

from __future__ import annotations

import warnings
from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import unit_economics_clv as kern
from saasmetrics._validation import check_is_fitted
from saasmetrics.exceptions import (
    ConvergenceWarning,
    DataQualityWarning,
    EmptyDataError,
    InputError,
)
from saasmetrics.typing import FrameLike
from saasmetrics.unit_economics._clv_fit import _CLVModel, _compress, _weights

__all__ = (
    "SPEND_CORRELATION_THRESHOLD",
    "GammaGammaModel",
)

F64 = npt.NDArray[np.float64]


SPEND_CORRELATION_THRESHOLD = 0.3
"""Correlation of frequency and mean spend above which the Gamma-Gamma assumption is doubtful.

Cohen's "medium" effect. Fader & Hardie (2013) find 0.11 on CDNOW and call it negligible.
"""


def _spend_correlations(x: F64, m: F64, weights: F64 | None = None) -> tuple[float, float]:
    """Pearson and Spearman correlation of frequency and mean spend (0 for a constant).

    With ``weights`` (customers per row) each row counts that many times: the correlations
    of the rows repeated, computed without repeating them (ties get their mid-rank).
    """
    if weights is not None:
        return _weighted_corr(x, m, weights), _weighted_corr(
            _weighted_ranks(x, weights), _weighted_ranks(m, weights), weights
        )

    def corr(a: F64, b: F64) -> float:
        if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
            return 0.0  # a constant has no linear association with anything
        return float(np.corrcoef(a, b)[0, 1])

    def ranks(values: F64) -> F64:
        return np.asarray(pd.Series(values).rank(method="average").to_numpy(), np.float64)

    return corr(x, m), corr(ranks(x), ranks(m))


def _weighted_corr(a: F64, b: F64, w: F64) -> float:
    if w.sum() < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    da, db = a - np.average(a, weights=w), b - np.average(b, weights=w)
    return float(np.sum(w * da * db) / np.sqrt(np.sum(w * da * da) * np.sum(w * db * db)))


def _weighted_ranks(values: F64, w: F64) -> F64:
    """Mid-ranks of the rows repeated ``w`` times (the rank ``method="average"`` gives)."""
    uniques, inverse = np.unique(values, return_inverse=True)
    per_value = np.bincount(inverse, weights=w, minlength=uniques.size)
    before = np.cumsum(per_value) - per_value
    ranks: F64 = (before + (per_value + 1.0) / 2.0)[inverse]
    return ranks


def _warn_if_dependent(
    pearson: float, spearman: float, n: int, threshold: float, *, stacklevel: int
) -> bool:
    """Warn when spend correlates with frequency; return whether it is independent."""
    independent = bool(abs(pearson) <= threshold and abs(spearman) <= threshold)
    if not independent:
        warnings.warn(
            f"Mean spend correlates with purchase frequency (Pearson {pearson:.2f}, Spearman "
            f"{spearman:.2f} over {n} repeat customers; threshold {threshold}): the "
            "Gamma-Gamma model assumes they are independent, so its spend predictions are "
            "biased for frequent or rare buyers. Model spend by segment.",
            DataQualityWarning,
            stacklevel=stacklevel + 1,
        )
    return independent


class GammaGammaModel(_CLVModel):
    """Gamma-Gamma model of spend per transaction (Fader & Hardie 2013).

    A customer's transaction values are gamma(``p``, nu) around their mean, with nu
    gamma(``q``, ``v``) distributed across customers. Fitted on customers with at least one
    repeat purchase; assumes spend is independent of purchase frequency.

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
        ``p``, ``q``, ``v``.
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
        Customers fitted (those with ``frequency > 0``).
    frequency_spend_correlation_ : float
        Pearson correlation of frequency and mean spend over those customers; the fit warns
        (``DataQualityWarning``) when it or the rank correlation exceeds
        ``SPEND_CORRELATION_THRESHOLD`` (0.3) in absolute value, as the model assumes none.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> rfm = pd.DataFrame({"frequency": rng.integers(1, 6, 300),
    ...                     "monetary_value": rng.gamma(6.0, 6.0, 300)})
    >>> model = GammaGammaModel().fit(rfm)
    >>> spend = model.expected_average_value(rfm)
    >>> bool((spend > 0).all())
    True
    """

    _param_names = ("p", "q", "v")

    def _loglik(self, theta: F64, data: list[F64]) -> F64:
        return kern.gamma_gamma_loglik(*theta, *data)

    def _loglik_grad(self, theta: F64, data: list[F64]) -> tuple[F64, F64] | None:
        return kern.gamma_gamma_loglik_grad(*theta, *data)

    def _start(self, data: list[F64], weights: F64) -> F64:
        mean = float(np.average(data[1], weights=weights))
        return np.array([2.0, 3.0, max(mean, 1e-3)])

    def fit(
        self,
        rfm: FrameLike,
        *,
        frequency_col: str = "frequency",
        monetary_col: str = "monetary_value",
        weights_col: str | None = None,
    ) -> Self:
        """Fit by maximum likelihood on the customers with repeat purchases.

        Parameters
        ----------
        rfm : DataFrame-like
            One row per customer with frequency and mean repeat-purchase value, or one row
            per distinct ``(frequency, monetary_value)`` with ``weights_col`` counting its
            customers (``rfm_summary(..., amount_col=..., grouped=True)``).
        frequency_col, monetary_col : str
            Column roles.
        weights_col : str, optional
            Customers each row stands for (whole numbers >= 0); grouped and per-customer
            frames give the same fit. The spend correlations are weighted the same way.

        Returns
        -------
        Self
            The fitted model.

        Raises
        ------
        ConvergenceError
            If the likelihood cannot be maximised.

        Examples
        --------
        >>> import pandas as pd
        >>> rfm = pd.DataFrame({"frequency": [1, 2, 5, 3, 8, 1, 4, 2] * 25,
        ...                     "monetary_value": [45.0, 22, 35, 60, 31, 20, 28, 50] * 25})
        >>> rfm["monetary_value"] *= 1 + 0.1 * (rfm.index % 7)
        >>> GammaGammaModel().fit(rfm)
        GammaGammaModel(p=5.066, q=17.91, v=157.8)
        """
        x, m = self._columns_from(rfm, {"frequency": frequency_col, "monetary": monetary_col})
        w = _weights(rfm, weights_col, x.size)
        repeat = x > 0 if w is None else (x > 0) & (w > 0)
        if np.any(m[repeat] <= 0):
            raise InputError(
                f"{monetary_col!r} must be > 0 for customers with repeat purchases.",
                hint="leave out free transactions, or model spend only for paying customers.",
            )
        if not repeat.any():
            raise EmptyDataError("No customer has a repeat purchase; the model needs some.")
        counts = None if w is None else w[repeat]
        data, weights = _compress(x[repeat], m[repeat], weights=counts)
        self._fit_arrays(data, weights)
        pearson, spearman = _spend_correlations(x[repeat], m[repeat], counts)
        self.frequency_spend_correlation_ = pearson
        n_repeat = int(repeat.sum()) if counts is None else int(counts.sum())
        _warn_if_dependent(pearson, spearman, n_repeat, SPEND_CORRELATION_THRESHOLD, stacklevel=2)
        self.columns_ = {"frequency": frequency_col, "monetary": monetary_col}
        return self

    def expected_average_value(self, rfm: FrameLike) -> pd.Series:
        """Expected mean transaction value of each customer (Fader & Hardie 2013, eq. 5).

        Parameters
        ----------
        rfm : DataFrame-like
            With the columns used in ``fit``; customers without repeat purchases get the
            population mean ``p v / (q - 1)``.

        Returns
        -------
        pandas.Series
            Conditional expected spend per transaction, ``p (v + x m) / (p x + q - 1)``. The
            mean is infinite when ``p x + q <= 1`` (a fit with ``q <= 1``, e.g. under a
            strong penalizer): those customers get NaN, with a
            :class:`~saasmetrics.exceptions.ConvergenceWarning` that counts them; never a
            negative value.

        Examples
        --------
        >>> import pandas as pd
        >>> rfm = pd.DataFrame({"frequency": [1, 2, 5, 3, 8, 1, 4, 2] * 25,
        ...                     "monetary_value": [45.0, 22, 35, 60, 31, 20, 28, 50] * 25})
        >>> rfm["monetary_value"] *= 1 + 0.1 * (rfm.index % 7)
        >>> GammaGammaModel().fit(rfm).expected_average_value(rfm.head(3)).round(2).tolist()
        [46.75, 38.63, 44.11]
        """
        check_is_fitted(self, "params_")
        x, m = self._columns_from(rfm, dict(self.columns_))
        p, q, v = (self.params_[k] for k in self._param_names)
        shape = p * x + q  # the posterior shape of the spend rate; the mean needs it above 1
        defined = shape > 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(defined, (p * (v + x * m)) / (shape - 1.0), np.nan)
        if not defined.all():
            warnings.warn(
                f"GammaGammaModel: the fitted q = {q:.4g} makes the expected spend per purchase "
                f"infinite for {int((~defined).sum())} of {defined.size} customers (those with "
                "p * frequency + q <= 1); they get NaN. A strong penalizer shrinks q below 1: "
                "use a smaller one (or none).",
                ConvergenceWarning,
                stacklevel=2,
            )
        index = to_pandas(rfm, name="rfm").index
        return pd.Series(values, index=index, name="expected_average_value")
