"""Probabilistic customer lifetime value: RFM summaries, BG/NBD, Pareto/NBD and Gamma-Gamma."""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize
from scipy.special import ndtri

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import unit_economics_clv as kern
from saasmetrics._kernels.periods import _EPOCH_WEEKDAY
from saasmetrics._validation import (
    RowCheck,
    check_choice,
    check_float,
    check_instant,
    check_int,
    check_is_fitted,
    check_positive_timedelta,
    normalize_ids,
    parse_timestamps,
    require_columns,
)
from saasmetrics.exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    DataQualityWarning,
    EmptyDataError,
    InputError,
    ParameterError,
    SchemaError,
    SmallSampleWarning,
)
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, OnInvalid, TimedeltaLike
from saasmetrics.unit_economics._normalize import _numeric

__all__ = (
    "BetaGeoModel",
    "GammaGammaModel",
    "ParetoNBDModel",
    "customer_lifetime_value",
    "customer_lifetime_value_interval",
    "rfm_summary",
)

F64 = npt.NDArray[np.float64]


# --------------------------------------------------------------------------- RFM summary
def rfm_summary(
    transactions: FrameLike,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
    time_unit: TimedeltaLike = "1D",
    resolution: TimedeltaLike = "1D",
    calibration_end: Any = None,
    observation_end: Any = None,
    on_invalid: OnInvalid = "raise",
    grouped: bool = False,
    partitioned_by: str | None = None,
) -> pd.DataFrame:
    """Frequency, recency, age and mean spend per customer: the input of the CLV models.

    Parameters
    ----------
    transactions : DataFrame-like or dask DataFrame
        One row per transaction. A dask DataFrame is summarised partition by partition (see
        :mod:`saasmetrics.scale`), with the same result.
    customer_col, time_col : str
        Column roles.
    amount_col : str, optional
        Transaction value; adds ``monetary_value`` (mean value of the repeat purchases).
    time_unit : str or Timedelta, default "1D"
        Unit of ``recency`` and ``T`` (``"7D"`` for weeks): durations are measured exactly
        and divided by it, so a model fitted on this frame speaks that unit.
    resolution : str or Timedelta, default "1D"
        Purchases of a customer within the same resolution bucket (calendar day by default)
        count as one purchase occasion, their values summed. Buckets follow the data's
        wall clock (for tz-aware times, the calendar day in that time zone). Whole weeks
        (``"7D"``, ``"14D"``) are calendar weeks starting on Monday, like ``freq="W"``
        elsewhere in the library; other lengths count from 1970-01-01.
    calibration_end : str or Timestamp, optional
        End of the calibration period (inclusive). Customers first seen after it are left
        out, and the holdout columns ``frequency_holdout``, ``monetary_value_holdout`` and
        ``duration_holdout`` count purchases after it, up to ``observation_end``.
    observation_end : str or Timestamp, optional
        End of the data (default: the last transaction). A naive ``calibration_end`` or
        ``observation_end`` is read on the data's clock (in its time zone for tz-aware
        times).
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with rows with null ids, times or amounts.
    grouped : bool, default False
        Return the distinct rows of the summary with a ``customers`` column counting the
        customers of each, instead of one row per customer: the sufficient statistics of
        :class:`BetaGeoModel` and :class:`ParetoNBDModel` (``fit(..., weights_col=
        "customers")``), and of :class:`GammaGammaModel` with ``amount_col``. On dask only
        these counts travel back, not the customers.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole customers: the customer
        column (the shuffle by customer is skipped); see :mod:`saasmetrics.scale`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted by id): ``frequency`` (repeat purchase occasions),
        ``recency`` (first to last purchase), ``T`` (first purchase to the end of
        calibration), optionally ``monetary_value`` and the holdout columns. With
        ``grouped=True``: those columns and ``customers``, one row per distinct combination,
        sorted by them.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-08 09:00", "2024-01-08 18:00",
    ...                                  "2024-01-15 09:00"]),
    ...     "amount": [10.0, 20.0, 5.0, 8.0],
    ... })
    >>> print(rfm_summary(tx, amount_col="amount", time_unit="7D", observation_end="2024-01-29"))
                 frequency  recency    T  monetary_value
    customer_id
    a                    1      1.0  4.0            25.0
    b                    0      0.0  2.0             0.0

    The statistics a BG/NBD model needs, one row per distinct (frequency, recency, T):

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-01",
    ...                                                 "2024-01-03", "2024-01-02"])})
    >>> print(rfm_summary(tx, grouped=True))
       frequency  recency    T  customers
    0          0      0.0  1.0          1
    1          1      2.0  2.0          2
    """
    check_choice("on_invalid", on_invalid, ("raise", "drop"))
    unit = check_positive_timedelta("time_unit", time_unit).value
    res = check_positive_timedelta("resolution", resolution).value
    if not isinstance(grouped, bool | np.bool_):
        raise ParameterError(f"grouped must be True or False; got {grouped!r}.")
    plan = _rfm_analysis(
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        time_unit=pd.Timedelta(unit),
        resolution=pd.Timedelta(res),
        calibration_end=calibration_end,
        observation_end=observation_end,
        on_invalid=on_invalid,
        grouped=bool(grouped),
    )
    summary: pd.DataFrame = run(plan, transactions, partitioned_by=partitioned_by)
    return summary


COUNT_COL = "customers"


def _group(summary: pd.DataFrame) -> pd.DataFrame:
    """The distinct rows of a summary (or of grouped summaries), sorted, with their counts."""
    columns = [c for c in summary.columns if c != COUNT_COL]
    if COUNT_COL not in summary.columns:
        summary = summary.assign(**{COUNT_COL: np.ones(len(summary), dtype=np.int64)})
    grouped = summary.groupby(columns, sort=True, as_index=False).agg({COUNT_COL: "sum"})
    grouped[COUNT_COL] = grouped[COUNT_COL].astype(np.int64)
    return grouped


def _concat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    if a.empty or b.empty:  # concatenating empty frames is deprecated in pandas
        return b if a.empty else a
    return pd.concat([a, b])


def _sorted_by_id(summary: pd.DataFrame) -> pd.DataFrame:
    """Customers sorted by id, whatever order the chunks came in."""
    try:
        return summary.sort_index(kind="stable")
    except TypeError:  # ids of mixed types: order by their text
        order = np.argsort(np.array([repr(u) for u in summary.index], dtype=object), kind="stable")
        return summary.iloc[order]


@register(rfm_summary)
def _rfm_analysis(
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
    time_unit: TimedeltaLike = "1D",
    resolution: TimedeltaLike = "1D",
    calibration_end: Any = None,
    observation_end: Any = None,
    on_invalid: OnInvalid = "raise",
    grouped: bool = False,
) -> Analysis[pd.DataFrame, pd.DataFrame]:
    """The RFM summary as partial / merge / finalize; the context is the last transaction.

    Customers are independent: a chunk's partial is its customers' rows (or, grouped, its
    distinct rows with counts), the merge concatenates them (grouped: adds the counts).
    """
    check_choice("on_invalid", on_invalid, ("raise", "drop"))
    unit = int(check_positive_timedelta("time_unit", time_unit).value)
    res = int(check_positive_timedelta("resolution", resolution).value)

    def prepare(data: FrameLike) -> _Transactions:
        return _parse_transactions(
            data,
            customer_col=customer_col,
            time_col=time_col,
            amount_col=amount_col,
            on_invalid=on_invalid,
        )

    def partial(tx: _Transactions, last: _LastTransaction) -> pd.DataFrame:
        if last.ns is None:  # no valid transaction in the whole data: finalize raises
            return pd.DataFrame()
        end_ns, cal_ns = _ends(last, observation_end, calibration_end)
        summary = _occasions(
            tx,
            end_ns=end_ns,
            cal_ns=cal_ns,
            unit=unit,
            res=res,
            customer_col=customer_col,
            with_amount=amount_col is not None,
            holdout=calibration_end is not None,
        ).summary
        return _group(summary) if grouped else summary

    def merge(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        both = _concat(a, b)
        return _group(both) if grouped and both is not a and both is not b else both

    def finalize(summary: pd.DataFrame, last: _LastTransaction) -> pd.DataFrame:
        _ends(last, observation_end, calibration_end)  # the errors of the whole data
        if summary.empty:
            raise EmptyDataError("No customer made a first purchase before calibration_end.")
        return summary.reset_index(drop=True) if grouped else _sorted_by_id(summary)

    return Analysis(
        name="rfm_summary",
        keys=(customer_col,),
        key_roles=("customer_col",),
        prepare=prepare,
        context=_last_transaction,
        merge_context=_later,
        partial=partial,
        merge=merge,
        finalize=finalize,
    )


@dataclass(frozen=True, slots=True)
class _Occasions:
    """An RFM summary and the purchase occasions behind it (for holdout tracking)."""

    summary: pd.DataFrame
    customer: npt.NDArray[np.int64]  # row of ``summary`` of each occasion
    time_ns: npt.NDArray[np.int64]  # first purchase time within the occasion's bucket
    is_first: npt.NDArray[np.bool_]
    first_ns: npt.NDArray[np.int64]  # per row of ``summary``
    calibration_ns: int
    end_ns: int
    last_ns: int  # the last valid transaction, of any customer
    tz: Any
    unit_ns: int
    resolution_ns: int


@dataclass(frozen=True, slots=True)
class _Transactions:
    """One chunk's valid transactions: customer codes (of ``uniques``), times and values."""

    codes: npt.NDArray[np.int64]
    uniques: Any
    ns: npt.NDArray[np.int64]
    values: F64
    tz: Any


def _parse_transactions(
    transactions: FrameLike,
    *,
    customer_col: str,
    time_col: str,
    amount_col: str | None,
    on_invalid: OnInvalid,
) -> _Transactions:
    """Validate one chunk of whole customers' transactions (none left is judged later)."""
    frame = to_pandas(transactions, name="transactions")
    require_columns(
        frame,
        {"customer_col": customer_col, "time_col": time_col, "amount_col": amount_col},
        optional=("amount_col",),
    )
    rows = RowCheck(frame, on_invalid=on_invalid, name="transactions")
    rows.flag(frame[customer_col].isna().to_numpy(), customer_col, "null customer ids")
    parsed = parse_timestamps(frame[time_col], rows=rows)
    amount = _numeric(frame, amount_col, rows) if amount_col is not None else None
    if amount is not None:
        rows.flag(amount < 0, amount_col or "", "negative amounts")
    rows.finish()
    keep = rows.keep
    ids = normalize_ids(frame[customer_col], column=customer_col, table="transactions")
    try:  # customers in id order: the order of the summary, however the rows are chunked
        codes, uniques = pd.factorize(ids.to_numpy()[keep], sort=True)
    except TypeError:  # ids of mixed types
        codes, uniques = pd.factorize(ids.to_numpy()[keep])
    ns = parsed.ns[keep]
    values = amount[keep] if amount is not None else np.zeros(ns.size)
    return _Transactions(codes.astype(np.int64), uniques, ns, values, parsed.tz)


@dataclass(frozen=True, slots=True)
class _LastTransaction:
    """The last valid transaction of the data (``None``: none) and the data's time zone."""

    ns: int | None
    tz: Any


def _last_transaction(tx: _Transactions) -> _LastTransaction:
    return _LastTransaction(int(tx.ns.max()) if tx.ns.size else None, tx.tz)


def _later(a: _LastTransaction, b: _LastTransaction) -> _LastTransaction:
    if a.ns is None or (b.ns is not None and b.ns > a.ns):
        return _LastTransaction(b.ns, a.tz if a.tz is not None else b.tz)
    return _LastTransaction(a.ns, a.tz if a.tz is not None else b.tz)


def _ends(last: _LastTransaction, observation_end: Any, calibration_end: Any) -> tuple[int, int]:
    """End of observation and of calibration, in ns on the data's clock."""
    if last.ns is None:
        raise EmptyDataError("No valid transaction is left.", hint="check the dropped rows.")
    end_ns = (
        last.ns
        if observation_end is None
        else _instant(observation_end, last.tz, name="observation_end")
    )
    cal_ns = (
        end_ns
        if calibration_end is None
        else _instant(calibration_end, last.tz, name="calibration_end")
    )
    if cal_ns > end_ns:
        raise ParameterError("calibration_end must not be after observation_end.")
    return end_ns, cal_ns


def _rfm_core(
    transactions: FrameLike,
    *,
    customer_col: str,
    time_col: str,
    amount_col: str | None,
    time_unit: TimedeltaLike,
    resolution: TimedeltaLike,
    calibration_end: Any,
    observation_end: Any,
    on_invalid: OnInvalid,
) -> _Occasions:
    check_choice("on_invalid", on_invalid, ("raise", "drop"))
    unit = check_positive_timedelta("time_unit", time_unit).value
    res = check_positive_timedelta("resolution", resolution).value
    tx = _parse_transactions(
        transactions,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        on_invalid=on_invalid,
    )
    last = _last_transaction(tx)
    end_ns, cal_ns = _ends(last, observation_end, calibration_end)
    occ = _occasions(
        tx,
        end_ns=end_ns,
        cal_ns=cal_ns,
        unit=int(unit),
        res=int(res),
        customer_col=customer_col,
        with_amount=amount_col is not None,
        holdout=calibration_end is not None,
    )
    if occ.summary.empty:
        raise EmptyDataError("No customer made a first purchase before calibration_end.")
    return occ


def _occasions(
    tx: _Transactions,
    *,
    end_ns: int,
    cal_ns: int,
    unit: int,
    res: int,
    customer_col: str,
    with_amount: bool,
    holdout: bool,
) -> _Occasions:
    """The RFM summary of a chunk of whole customers, and the purchase occasions behind it."""
    codes, uniques, ns, values = tx.codes, tx.uniques, tx.ns, tx.values
    # one purchase occasion per customer and resolution bucket (values summed); buckets are
    # taken in the data's wall-clock time, so a "day" is the customer's calendar day; whole
    # weeks ("7D", "14D") start on Mondays, like the library's "W" (epoch day 0 is a Thursday)
    week_ns = 7 * 86_400 * 10**9
    shift = _EPOCH_WEEKDAY * 86_400 * 10**9 if res % week_ns == 0 else 0
    bucket = (_wall(ns, tx.tz) + shift) // res
    # sort by (customer, bucket) without a combined key, which overflows int64 for fine
    # resolutions (1 s buckets over years times many customers)
    order = np.lexsort((bucket, codes))
    c_sorted, b_sorted = codes[order], bucket[order]
    starts = np.flatnonzero(
        np.r_[True, (c_sorted[1:] != c_sorted[:-1]) | (b_sorted[1:] != b_sorted[:-1])]
    )
    occ_customer = codes[order][starts].astype(np.int64)
    occ_time = np.minimum.reduceat(ns[order], starts) if starts.size else ns[:0]
    occ_value = np.add.reduceat(values[order], starts) if starts.size else values[:0]
    n_customers = len(uniques)
    first = np.full(n_customers, np.iinfo(np.int64).max)
    np.minimum.at(first, occ_customer, occ_time)
    in_cal = occ_time <= cal_ns
    is_first = occ_time == first[occ_customer]
    repeat_cal = in_cal & ~is_first
    frequency = np.bincount(occ_customer[repeat_cal], minlength=n_customers)
    last = first.copy()
    np.maximum.at(last, occ_customer[in_cal], occ_time[in_cal])
    known = first <= cal_ns
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first) / unit,
            "T": (cal_ns - first) / unit,
        },
        index=pd.Index(uniques, name=customer_col),
    )
    if with_amount:
        total = np.bincount(
            occ_customer[repeat_cal], weights=occ_value[repeat_cal], minlength=n_customers
        )
        out["monetary_value"] = np.divide(
            total, frequency, out=np.zeros(n_customers), where=frequency > 0
        )
    if holdout:
        hold = ~in_cal & (occ_time <= end_ns)
        f_hold = np.bincount(occ_customer[hold], minlength=n_customers)
        out["frequency_holdout"] = f_hold
        if with_amount:
            total_hold = np.bincount(
                occ_customer[hold], weights=occ_value[hold], minlength=n_customers
            )
            out["monetary_value_holdout"] = np.divide(
                total_hold, f_hold, out=np.zeros(n_customers), where=f_hold > 0
            )
        out["duration_holdout"] = (end_ns - cal_ns) / unit
    out = out.loc[known]
    # renumber the occasions of known customers to rows of ``out``
    row = np.cumsum(known) - 1
    mine = known[occ_customer] & (occ_time <= end_ns)
    return _Occasions(
        summary=out,
        customer=row[occ_customer[mine]].astype(np.int64),
        time_ns=np.asarray(occ_time[mine], dtype=np.int64),
        is_first=is_first[mine],
        first_ns=np.asarray(first[known], dtype=np.int64),
        calibration_ns=cal_ns,
        end_ns=end_ns,
        last_ns=int(ns.max()) if ns.size else end_ns,
        tz=tx.tz,
        unit_ns=unit,
        resolution_ns=res,
    )


def _instant(value: Any, tz: Any, *, name: str) -> int:
    """A calibration or observation end as int64 ns on the data's clock (UTC for tz data)."""
    # the library's one rule: a naive end on tz data is read in the data's zone; a tz-aware
    # end on naive data is refused
    return int(check_instant(name, value, tz=tz).value)


def _wall(ns: F64 | npt.NDArray[np.int64], tz: Any) -> npt.NDArray[np.int64]:
    if tz is None:
        return np.asarray(ns, dtype=np.int64)
    local = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
    return np.asarray(local.tz_localize("UTC").tz_convert(tz).tz_localize(None).asi8, np.int64)


# --------------------------------------------------------------------------- fitting
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
    w = data[weights_col].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(w) | (w < 0) | (w != np.floor(w))
    if bad.any():
        raise InputError.bad_values(
            weights_col,
            "weights that are not whole numbers >= 0",
            n_bad=int(bad.sum()),
            n_rows=n_rows,
            example=float(w[bad][0]),
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
