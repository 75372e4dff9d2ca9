"""MRR normalisation: plan prices and invoices turned into monthly recurring revenue."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.periods import DAY_NS
from saasmetrics._validation import (
    ParsedTimes,
    RowCheck,
    check_choice,
    check_same_clock,
    normalize_ids,
    parse_timestamps,
    require_columns,
)
from saasmetrics.exceptions import InputError, ParameterError, SchemaError
from saasmetrics.typing import FrameLike, OnInvalid
from saasmetrics.unit_economics._scalars import _as_float

__all__ = ("BillingInterval", "monthly_amount", "mrr_from_invoices")

BillingInterval = Literal["day", "week", "month", "quarter", "year"]

# Months per billing interval. Weeks are 12/52 of a month (52 weeks a year), days 12/365.
_MONTHS: dict[str, float] = {
    "day": 12.0 / 365.0,
    "week": 12.0 / 52.0,
    "month": 1.0,
    "quarter": 3.0,
    "year": 12.0,
}
_ALIASES = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "annual": "year",
    "annually": "year",
    "yearly": "year",
}


def _interval_months(interval: Any) -> npt.NDArray[np.float64]:
    values = np.atleast_1d(np.asarray(interval, dtype=object)).reshape(-1)
    # look up each distinct spelling once (a plan table has millions of rows, few intervals)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    names = [_ALIASES.get(str(v).lower(), str(v).lower()) for v in uniques.tolist()]
    bad = sorted({n for n in names if n not in _MONTHS})
    if bad:
        raise ParameterError(
            f"Unknown billing interval(s) {bad!r}.",
            hint=f"use one of {sorted(_MONTHS)} (or monthly/annual/quarterly/weekly/daily).",
        )
    months = np.array([_MONTHS[n] for n in names], dtype=np.float64)
    return months[codes].reshape(np.shape(interval))


def monthly_amount(
    amount: Any,
    interval: Any = "month",
    interval_count: Any = 1,
    *,
    percent_off: Any = 0.0,
    amount_off: Any = 0.0,
) -> Any:
    r"""Normalise a plan price billed every ``interval_count`` ``interval``\ s to a month.

    Vectorized: every argument may be a scalar or an array (broadcast together).

    Parameters
    ----------
    amount : float or array-like
        List price per billing period (before discounts), >= 0.
    interval : str or array-like of str, default "month"
        ``"day"``, ``"week"``, ``"month"``, ``"quarter"`` or ``"year"`` (also ``"monthly"``,
        ``"annual"``...).
    interval_count : int or array-like, default 1
        Billing periods are ``interval_count`` intervals long (e.g. 6 months).
    percent_off : float or array-like, default 0
        Recurring percentage discount as a fraction (0.2 for 20% off).
    amount_off : float or array-like, default 0
        Recurring fixed discount per billing period, taken before ``percent_off``.

    Returns
    -------
    float or numpy.ndarray
        Monthly recurring revenue (never negative): the discounted price divided by the
        months the billing period covers. A week is 12/52 of a month and a day 12/365, so a
        weekly plan's MRR is its price x 52 / 12.

    Raises
    ------
    ParameterError
        For an unknown interval, a count below 1, a negative amount or a discount outside [0, 1].

    Examples
    --------
    An annual plan at 1,200 is 100 MRR; a 6-monthly plan at 300 is 50; a weekly plan at 10 is
    43.33 (Stripe and ChartMogul normalise the same way); 20% off a 100 plan is 80:

    >>> monthly_amount(1200, "year"), monthly_amount(300, "month", 6)
    (100.0, 50.0)
    >>> round(monthly_amount(10, "week"), 2), monthly_amount(100, percent_off=0.2)
    (43.33, 80.0)
    """
    # text and tables: SchemaError, as for the other scalar formulas
    amt = _as_float("amount", amount)
    count = _as_float("interval_count", interval_count)
    pct = _as_float("percent_off", percent_off)
    off = _as_float("amount_off", amount_off)
    if np.any(amt < 0) or np.any(np.isnan(amt)):
        raise ParameterError("amount must be >= 0 (free plans are 0, not negative).")
    if np.any(~(count >= 1)) or np.any(~np.isfinite(count)):
        raise ParameterError(f"interval_count must be >= 1; got {interval_count!r}.")
    if np.any(~((pct >= 0) & (pct <= 1))):
        raise ParameterError(
            f"percent_off must lie in [0, 1]; got {percent_off!r}.", hint="20% off is 0.2."
        )
    if np.any(~((off >= 0) & np.isfinite(off))):
        raise ParameterError(f"amount_off must be >= 0; got {amount_off!r}.")
    months = _interval_months(interval) * count
    value = np.maximum(amt - off, 0.0) * (1.0 - pct) / months
    return float(value) if np.ndim(value) == 0 else value


def _wall_ns(series: pd.Series, rows: RowCheck) -> npt.NDArray[np.int64]:
    return _to_wall(parse_timestamps(series, rows=rows))


def _to_wall(parsed: ParsedTimes) -> npt.NDArray[np.int64]:
    """Wall-clock nanoseconds in the data's own zone (naive data: as they are)."""
    if parsed.tz is None:
        return parsed.ns
    return np.asarray(
        pd.DatetimeIndex(parsed.ns.view("datetime64[ns]"))
        .tz_localize("UTC")
        .tz_convert(parsed.tz)
        .tz_localize(None)
        .asi8,
        dtype=np.int64,
    )


def _covered_months(start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> Any:
    """Months an invoice period covers (see :func:`mrr_from_invoices` for the rule)."""
    m_s = start.view("datetime64[ns]").astype("datetime64[M]")
    m_e = end.view("datetime64[ns]").astype("datetime64[M]")
    off_s = start - m_s.astype("datetime64[ns]").view(np.int64)
    off_e = end - m_e.astype("datetime64[ns]").view(np.int64)
    whole = (m_e.astype(np.int64) - m_s.astype(np.int64)).astype(np.float64)
    days = (end - start) / DAY_NS
    approx = days / (365.0 / 12.0)
    nearest = np.rint(approx)
    # the start's day of month does not exist in the end's month: 31 Jan -> 29 Feb
    month_len_e = ((m_e + 1).astype("datetime64[ns]").view(np.int64)) - (
        m_e.astype("datetime64[ns]").view(np.int64)
    )
    clipped = (off_s > off_e) & (off_e // DAY_NS == month_len_e // DAY_NS - 1) & (whole >= 1)
    clipped &= off_s % DAY_NS == off_e % DAY_NS
    weeks = days / 7.0 * 12.0 / 52.0  # whole weeks: 52 / 12 weeks a month
    months = np.where(
        (off_s == off_e) & (whole >= 1),
        whole,  # calendar aligned: 15 Jan -> 15 Feb is one month
        np.where(
            clipped,
            whole,  # 31 Jan -> 29 Feb is one month too
            np.where(
                (days % 7 == 0) & ((days < 28) | (days % 28 == 0)),
                weeks,  # weekly, 2-, 3- and 4-weekly billing (13 invoices a year)
                np.where(
                    (np.abs(approx - nearest) * (365.0 / 12.0) <= 3.0) & (nearest >= 1),
                    nearest,  # a month give or take a few days (1 Feb -> 3 Mar)
                    days * 12.0 / 365.0,  # anything else: pro rata by days
                ),
            ),
        ),
    )
    return months


def mrr_from_invoices(
    invoices: FrameLike,
    *,
    customer_col: str = "customer_id",
    amount_col: str = "amount",
    start_col: str = "period_start",
    end_col: str = "period_end",
    currency_col: str | None = "currency",
    on_invalid: OnInvalid = "raise",
) -> pd.DataFrame:
    """Turn invoices (amount for a service period) into MRR intervals for :func:`mrr_bridge`.

    Each invoice becomes one interval ``[period_start, period_end)`` whose ``mrr`` is the
    amount divided by the months it covers. Back-to-back invoices chain into continuous MRR;
    a gap between them is a churn and a later reactivation; overlapping invoices add up.

    Parameters
    ----------
    invoices : DataFrame-like
        One row per invoice line (recurring charges only: leave one-off fees out).
    customer_col, amount_col, start_col, end_col : str
        Column roles.
    currency_col : str or None, default "currency"
        If that column is present, all rows must share one currency.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with invalid rows (null ids or dates, negative amounts, end <= start,
        duplicated lines: same customer, amount and period).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``start``, ``end``, ``mrr`` (renamed to the defaults
        :func:`mrr_bridge` reads), one row per kept invoice, in input order.

    Raises
    ------
    InputError
        For invalid rows (unless dropped) or a mix of currencies.

    Notes
    -----
    Months covered: a calendar-aligned period (same day of month and time, e.g. 15 Jan to
    15 Apr) counts whole months, and so does one that ends on the last day of a month
    because the start's day does not exist there (31 Jan to 29 Feb is one month); 7, 14 or
    21 days, or a multiple of 28 days, count as weeks (52 / 12 weeks a month: 4-weekly
    billing is 13 invoices a year, not 12); a period within 3 days of a whole number of
    months counts that number; anything else counts days (365 / 12 days a month). Zero amounts (free
    periods) are kept but carry 0 MRR, so they never make a customer.

    Examples
    --------
    >>> import pandas as pd
    >>> inv = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c"],
    ...     "amount": [1200.0, 99.0, 10.0],
    ...     "period_start": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-03-04"]),
    ...     "period_end": pd.to_datetime(["2025-01-01", "2024-02-15", "2024-03-11"]),
    ... })
    >>> mrr_from_invoices(inv)["mrr"].round(2).tolist()
    [100.0, 99.0, 43.33]
    """
    check_choice("on_invalid", on_invalid, ("raise", "drop"))
    frame = to_pandas(invoices, name="invoices")
    require_columns(
        frame,
        {
            "customer_col": customer_col,
            "amount_col": amount_col,
            "start_col": start_col,
            "end_col": end_col,
        },
    )
    _check_currency(frame, currency_col)
    rows = RowCheck(frame, on_invalid=on_invalid, name="invoices")
    rows.flag(frame[customer_col].isna().to_numpy(), customer_col, "null customer ids")
    amount = _numeric(frame, amount_col, rows)
    rows.flag(amount < 0, amount_col, "negative amounts", hint="leave refunds and credits out.")
    start_parsed = parse_timestamps(frame[start_col], rows=rows)
    end_parsed = parse_timestamps(frame[end_col], rows=rows)
    check_same_clock({start_col: start_parsed.tz, end_col: end_parsed.tz})
    start, end = _to_wall(start_parsed), _to_wall(end_parsed)
    bad = rows.bad.copy()
    rows.flag(~bad & (end <= start), end_col, "period_end not after period_start")
    dup = frame.duplicated(subset=[customer_col, amount_col, start_col, end_col]).to_numpy()
    rows.flag(
        dup,
        customer_col,
        "duplicated invoice lines",
        hint="a line imported twice? Sum seats into one line, or pass on_invalid='drop'.",
    )
    rows.finish()
    keep = rows.keep
    start, end, amount = start[keep], end[keep], amount[keep]
    mrr = amount / _covered_months(start, end)
    return pd.DataFrame(
        {
            "customer_id": normalize_ids(
                frame[customer_col], column=customer_col, table="invoices"
            ).to_numpy()[keep],
            "start": start.view("datetime64[ns]"),
            "end": end.view("datetime64[ns]"),
            "mrr": mrr,
        }
    )


def _check_currency(frame: pd.DataFrame, currency_col: str | None) -> None:
    currencies = _currencies(frame, currency_col)
    if currencies is not None:
        _refuse_mixed(currencies, currency_col)


def _currencies(frame: pd.DataFrame, currency_col: str | None) -> frozenset[Any] | None:
    """The distinct values of the currency column (``None`` when there is no such column)."""
    if currency_col is None or currency_col not in frame.columns:
        return None
    return frozenset(pd.unique(frame[currency_col].dropna()).tolist())


def _refuse_mixed(currencies: frozenset[Any], currency_col: str | None) -> None:
    if len(currencies) > 1:
        raise InputError(
            f"Column {currency_col!r} mixes {len(currencies)} currencies: "
            f"{sorted(map(str, currencies))[:10]!r}; MRR cannot add them up.",
            hint="convert amounts to one currency first (or analyse each currency separately).",
        )


def _numeric(frame: pd.DataFrame, column: str, rows: RowCheck) -> npt.NDArray[np.float64]:
    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise SchemaError(
            f"Column {column!r} has dtype {series.dtype}; numbers were expected.",
            hint=f"convert it first, e.g. pd.to_numeric(df[{column!r}]).",
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    rows.flag(~np.isfinite(values), column, "null or infinite amounts")
    return values
