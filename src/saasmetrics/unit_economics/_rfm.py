"""RFM summaries: frequency, recency and age per customer, the input of the CLV models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.periods import _EPOCH_WEEKDAY, elapsed_ns
from saasmetrics._validation import (
    RowCheck,
    check_choice,
    check_instant,
    check_positive_timedelta,
    normalize_ids,
    parse_timestamps,
    require_columns,
)
from saasmetrics.exceptions import EmptyDataError, ParameterError
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, OnInvalid, TimedeltaLike
from saasmetrics.unit_economics._normalize import _numeric

__all__ = ("rfm_summary",)

F64 = npt.NDArray[np.float64]


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
        column (the shuffle by customer is skipped); see :mod:`saasmetrics.scale`. A
        customer found in two partitions raises ``ParameterError`` (with ``grouped=True``
        only counts come back, so a wrong promise goes unnoticed there).

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


def _refuse_split_customers(ids: pd.Index, customer_col: str) -> None:
    """A customer summarised in two chunks: partitions said to hold whole customers did not."""
    twice = ids[ids.duplicated()]
    if len(twice):
        raise ParameterError(
            f"partitioned_by={customer_col!r} but the partitions do not hold all rows of each "
            f"{customer_col!r}: {twice.nunique()} customers are in several partitions "
            f"(e.g. {twice[0]!r}).",
            hint="leave partitioned_by=None to shuffle by customer.",
        )


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
        if last.ns is None or not tx.codes.size:  # none in the whole data (finalize raises)
            return pd.DataFrame()  # or in this chunk of a partitioned table
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
        if grouped:
            return summary.reset_index(drop=True)
        _refuse_split_customers(summary.index, customer_col)
        return _sorted_by_id(summary)

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
            # as uint64: a customer's purchases can be more than 2**63 ns (292 years) apart
            "recency": elapsed_ns(last, first) / unit,
            "T": elapsed_ns(cal_ns, first) / unit,
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
