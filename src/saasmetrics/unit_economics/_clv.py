"""Customer lifetime value from a purchase model and a spend model, with intervals."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._validation import check_float, check_int, check_is_fitted
from saasmetrics.exceptions import DataQualityWarning, InputError, ParameterError, SchemaError
from saasmetrics.typing import FrameLike
from saasmetrics.unit_economics._gamma_gamma import GammaGammaModel
from saasmetrics.unit_economics._purchase_models import BetaGeoModel, ParetoNBDModel

__all__ = (
    "customer_lifetime_value",
    "customer_lifetime_value_interval",
)

F64 = npt.NDArray[np.float64]


def customer_lifetime_value(
    transaction_model: BetaGeoModel | ParetoNBDModel,
    spend_model: GammaGammaModel | pd.Series | float,
    rfm: FrameLike,
    *,
    periods: int = 12,
    period_length: float = 30.0,
    discount_rate: float = 0.01,
) -> pd.Series:
    r"""Discounted expected value of each customer's future purchases.

    Parameters
    ----------
    transaction_model : BetaGeoModel or ParetoNBDModel
        Fitted purchase model.
    spend_model : GammaGammaModel, pandas.Series or float
        Fitted spend model, or the expected value per purchase directly: one number, or a
        Series aligned with ``rfm``'s index (e.g. each customer's fixed plan price).
    rfm : DataFrame-like
        The customers (columns as in both fits).
    periods : int, default 12
        Number of discounting periods to sum over.
    period_length : float, default 30.0
        Length of one period in the models' time unit: 30 for months when the RFM frame is
        in days, 52 / 12 when it is in weeks. Explicit, because the models only know the
        numbers they were fitted on.
    discount_rate : float, default 0.01
        Discount rate per period (0.01 a month is about 12.7% a year).

    Returns
    -------
    pandas.Series
        $\sum_{i=1}^{n} \mathrm{E}[\text{purchases in period } i] \cdot
        \mathrm{E}[\text{value}] / (1 + d)^i$ per customer.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> T = rng.uniform(20, 40, 500)  # weeks since each customer's first purchase
    >>> active = np.minimum(rng.exponential(1 / rng.gamma(0.5, 0.1, 500)), T)
    >>> x = rng.poisson(rng.gamma(0.5, 0.2, 500) * active)
    >>> recency = active * rng.beta(np.maximum(x, 1), 1) * (x > 0)
    >>> rfm = pd.DataFrame({"frequency": x, "recency": recency, "T": T})
    >>> rfm["monetary_value"] = np.where(rfm["frequency"] > 0, rng.gamma(6, 6, 500), 0)
    >>> bg = BetaGeoModel().fit(rfm)
    >>> gg = GammaGammaModel().fit(rfm)
    >>> clv = customer_lifetime_value(bg, gg, rfm, periods=12, period_length=52 / 12)
    >>> print(clv.describe()[["mean", "50%", "max"]].round(1))
    mean      93.1
    50%       22.3
    max     2312.0
    Name: clv, dtype: float64
    """
    periods = check_int("periods", periods, min_value=1, max_value=100_000)
    period_length = check_float("period_length", period_length, min_value=0, min_inclusive=False)
    discount_rate = check_float("discount_rate", discount_rate, min_value=0)
    spend = _spend(spend_model, rfm)
    return pd.Series(
        _clv_values(
            transaction_model,
            spend.to_numpy(),
            rfm,
            periods=periods,
            period_length=period_length,
            discount_rate=discount_rate,
        ),
        index=spend.index,
        name="clv",
    )


def _spend(spend_model: GammaGammaModel | pd.Series | float, rfm: FrameLike) -> pd.Series:
    index = to_pandas(rfm, name="rfm").index
    if isinstance(spend_model, GammaGammaModel):
        return spend_model.expected_average_value(rfm)
    if isinstance(spend_model, pd.Series):
        if not (
            pd.api.types.is_numeric_dtype(spend_model.dtype)
            and not pd.api.types.is_bool_dtype(spend_model.dtype)
        ):
            raise SchemaError(
                f"spend_model holds {spend_model.dtype} values; numbers (value per purchase) "
                "are needed.",
                hint="convert it first, e.g. with pd.to_numeric(...).",
            )
        spend = spend_model.reindex(index).astype(np.float64)
        if spend.isna().any():
            raise InputError(
                f"spend_model has no value for {int(spend.isna().sum())} customers of rfm "
                "(missing, or not in its index).",
                hint="index the Series by the same customer ids as rfm, with a value for each.",
            )
    elif isinstance(spend_model, int | float | np.integer | np.floating) and not isinstance(
        spend_model, bool
    ):
        spend = pd.Series(float(spend_model), index=index)
    else:
        raise SchemaError(
            f"spend_model must be a GammaGammaModel, a Series or a number; got "
            f"{type(spend_model).__name__} ({spend_model!r}).",
        )
    values = spend.to_numpy()
    if np.isnan(values).any() or np.isinf(values).any():
        raise InputError(
            f"spend_model must be finite; got {values[~np.isfinite(values)][0]!r} for "
            f"{int((~np.isfinite(values)).sum())} customers.",
            hint="pass the expected value (or margin) per purchase.",
        )
    if (values < 0).any():
        warnings.warn(
            f"spend_model is negative for {int((values < 0).sum())} of {values.size} customers "
            "(a loss per purchase, e.g. a negative margin): their CLV is negative.",
            DataQualityWarning,
            stacklevel=3,
        )
    return spend


def _clv_values(
    model: BetaGeoModel | ParetoNBDModel,
    spend: F64,
    rfm: FrameLike,
    *,
    periods: int,
    period_length: float,
    discount_rate: float,
) -> F64:
    previous = np.zeros(spend.size)
    total = np.zeros(spend.size)
    for i in range(1, periods + 1):  # a loop over periods; customers are vectorized
        cumulative = model.predict_purchases(rfm, i * period_length).to_numpy()
        total += (cumulative - previous) * spend / (1.0 + discount_rate) ** i
        previous = cumulative
    return total


def _with_params(model: Any, log_params: F64) -> Any:
    clone = type(model)(**model.get_params())
    clone.params_ = dict(zip(model._param_names, np.exp(log_params).tolist(), strict=True))
    clone.columns_ = dict(model.columns_)
    return clone


def customer_lifetime_value_interval(
    transaction_model: BetaGeoModel | ParetoNBDModel,
    spend_model: GammaGammaModel | pd.Series | float,
    rfm: FrameLike,
    *,
    periods: int = 12,
    period_length: float = 30.0,
    discount_rate: float = 0.01,
    confidence_level: float = 0.95,
    draws: int = 200,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customer lifetime value with an interval for the uncertainty of the fitted parameters.

    Draws parameter sets from the models' asymptotic normal distribution on the log scale
    (``covariance_``), recomputes every customer's CLV for each draw, and reports percentiles.
    The interval covers estimation uncertainty, not the randomness of a customer's future.

    Parameters
    ----------
    transaction_model : BetaGeoModel or ParetoNBDModel
        Fitted purchase model.
    spend_model : GammaGammaModel, pandas.Series or float
        Fitted spend model (its parameters are drawn too) or known values per purchase.
    rfm : DataFrame-like
        The customers.
    periods, period_length, discount_rate
        As in :func:`customer_lifetime_value`.
    confidence_level : float, default 0.95
        Central coverage of the interval.
    draws : int, default 200
        Parameter draws.
    seed : int or numpy.random.Generator, optional
        Randomness of the draws.

    Returns
    -------
    pandas.DataFrame
        Per customer: ``clv`` (at the estimates), ``lower`` and ``upper``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> T = rng.uniform(20, 40, 500)
    >>> active = np.minimum(rng.exponential(1 / rng.gamma(0.5, 0.1, 500)), T)
    >>> x = rng.poisson(rng.gamma(0.5, 0.2, 500) * active)
    >>> rfm = pd.DataFrame({"frequency": x, "recency": active * rng.beta(np.maximum(x, 1), 1)
    ...                     * (x > 0), "T": T})
    >>> bg = BetaGeoModel().fit(rfm)
    >>> out = customer_lifetime_value_interval(bg, 50.0, rfm, period_length=52 / 12, seed=0)
    >>> bool(((out["lower"] <= out["clv"]) & (out["clv"] <= out["upper"])).all())
    True
    """
    check_is_fitted(transaction_model, "params_")
    check_float("confidence_level", confidence_level)
    if not 0 < confidence_level < 1:
        raise ParameterError(f"confidence_level must lie in (0, 1); got {confidence_level!r}.")
    if not isinstance(draws, int | np.integer) or draws < 10:
        raise ParameterError(f"draws must be an integer >= 10; got {draws!r}.")
    point = customer_lifetime_value(
        transaction_model,
        spend_model,
        rfm,
        periods=periods,
        period_length=period_length,
        discount_rate=discount_rate,
    )
    rng = np.random.default_rng(seed)
    names = transaction_model._param_names
    mean = np.log([transaction_model.params_[k] for k in names])
    samples = rng.multivariate_normal(mean, transaction_model.covariance_.to_numpy(), draws)
    spend_samples: Any = None
    if isinstance(spend_model, GammaGammaModel):
        spend_names = spend_model._param_names
        spend_mean = np.log([spend_model.params_[k] for k in spend_names])
        spend_samples = rng.multivariate_normal(
            spend_mean, spend_model.covariance_.to_numpy(), draws
        )
    values = np.empty((draws, len(point)))
    fixed_spend = None if spend_samples is not None else _spend(spend_model, rfm).to_numpy()
    for d in range(draws):  # a loop over parameter draws; customers are vectorized
        model = _with_params(transaction_model, samples[d])
        if spend_samples is not None:
            spend = _with_params(spend_model, spend_samples[d]).expected_average_value(rfm)
            spend_values = spend.to_numpy()
        else:
            spend_values = fixed_spend
        values[d] = _clv_values(
            model,
            spend_values,
            rfm,
            periods=periods,
            period_length=period_length,
            discount_rate=discount_rate,
        )
    tail = (1.0 - confidence_level) / 2.0 * 100.0
    lower, upper = np.nanpercentile(values, [tail, 100.0 - tail], axis=0)
    return pd.DataFrame(
        {
            "clv": point.to_numpy(),
            "lower": np.minimum(lower, point.to_numpy()),
            "upper": np.maximum(upper, point.to_numpy()),
        },
        index=point.index,
    )
