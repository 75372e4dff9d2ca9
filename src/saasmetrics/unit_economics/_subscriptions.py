"""Subscription intervals validated and placed on the period grid (shared by the MRR analyses).

One chunk is parsed (:func:`parse_subscriptions`), chunks' spans merge (:func:`subscription_span`,
:func:`merge_spans`), the whole data's span is checked and gives the grid (:func:`period_grid`),
and each chunk is placed on it (:func:`on_grid`); :func:`prepare_subscriptions` runs them on
one chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import unit_economics as kern
from saasmetrics._kernels.periods import (
    PeriodSpec,
    calendar_period,
    parse_freq,
    period_start_ns,
)
from saasmetrics._validation import (
    ParsedTimes,
    RowCheck,
    check_choice,
    check_instant,
    check_same_clock,
    normalize_ids,
    parse_end_timestamps,
    parse_timestamps,
    require_columns,
)
from saasmetrics.exceptions import EmptyDataError, InputError, ParameterError
from saasmetrics.typing import FrameLike, Freq, OnInvalid
from saasmetrics.unit_economics._normalize import _currencies, _numeric, _refuse_mixed, _to_wall
from saasmetrics.unit_economics._policy import MRRPolicy, apply_policy, check_policy, fx_mrr

_NO_END = np.iinfo(np.int64).max
# Largest MRR per row: 2**53 cents (~9e13) is where float64 stops holding every cent, and the
# int64 sums of up to ~1,000 such rows still cannot overflow.
_MAX_MRR = float(2**53) / 100.0


def _spec(freq: str) -> PeriodSpec:
    try:
        return parse_freq(freq)
    except ValueError as exc:
        raise ParameterError(str(exc), hint="use 'MS' (months), 'QS', 'YS', 'W' or 'D'.") from exc


def _period_index(ordinals: npt.NDArray[np.int64], spec: PeriodSpec) -> pd.DatetimeIndex:
    starts = period_start_ns(ordinals, spec)
    return pd.DatetimeIndex(starts.view("datetime64[ns]"), name="period")


def _to_cents(amount: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Amounts to integer cents, half a cent rounded away from zero (0.125 -> 13 cents).

    The product with 100 is first rounded to 6 decimals, so the decimal that was typed decides
    (``10.005 * 100`` is ``1000.4999...`` in binary, and is 1001 cents here), and halves go
    up as in invoicing, not to the even cent as ``np.rint`` would.
    """
    scaled = np.round(amount * 100.0, 6)
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class PreparedSubscriptions:
    """Validated subscription intervals on the period grid (shared by the bridge and cohorts).

    ``keep`` marks the input rows in play; the other arrays hold those rows only: customer
    code, first period and stop period (indices from the first reported period, ``stop`` past
    the end for open intervals), MRR in cents and start time. ``intra`` flags, per customer
    code, those who paid but were never active at a period end.
    """

    frame: pd.DataFrame
    keep: npt.NDArray[np.bool_]
    codes: npt.NDArray[np.int64]
    uniques: Any
    first: npt.NDArray[np.int64]
    stop: npt.NDArray[np.int64]
    cents: npt.NDArray[np.int64]
    spec: PeriodSpec
    p0: int
    n_periods: int
    index: pd.DatetimeIndex
    last_complete: bool
    n_dropped: int
    policy: MRRPolicy | None
    start_ns: npt.NDArray[np.int64]
    intra: npt.NDArray[np.bool_]

    def change_points(self) -> kern.ChangePoints:
        """Per-customer MRR change points of the kept rows."""
        return kern.change_points(self.codes, self.first, self.stop, self.cents, self.n_periods)


def prepare_subscriptions(
    data: FrameLike,
    *,
    freq: Freq = "MS",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    currency_col: str | None = "currency",
    as_of: Any = None,
    on_invalid: OnInvalid = "raise",
    policy: MRRPolicy | None = None,
) -> PreparedSubscriptions:
    """Validate subscription intervals and put them on the period grid (see :func:`mrr_bridge`).

    The one-chunk case of :func:`parse_subscriptions`, :func:`subscription_span`,
    :func:`period_grid` and :func:`on_grid`, the steps a chunked run takes apart.

    Parameters
    ----------
    data : DataFrame-like
        Subscription intervals.
    freq, customer_col, start_col, end_col, mrr_col, currency_col, as_of, on_invalid
        As in :func:`mrr_bridge`.
    policy : MRRPolicy, optional
        Rewrites the intervals first (see :class:`MRRPolicy`).

    Returns
    -------
    PreparedSubscriptions
        The kept rows' arrays and the period grid.

    Raises
    ------
    InputError
        For invalid rows (see ``on_invalid``) or a mix of currencies.
    EmptyDataError
        If no row (or no paying row) is left.
    """
    parsed = parse_subscriptions(
        data,
        freq=freq,
        customer_col=customer_col,
        start_col=start_col,
        end_col=end_col,
        mrr_col=mrr_col,
        currency_col=currency_col,
        on_invalid=on_invalid,
        policy=policy,
    )
    span = subscription_span(parsed)
    grid = period_grid(span, as_of=as_of, spec=parsed.spec, currency_col=currency_col)
    return on_grid(parsed, grid)


@dataclass(frozen=True, slots=True)
class ParsedSubscriptions:
    """Validated subscription intervals of one chunk, before the period grid is known.

    ``first_ord`` and ``stop_ord`` are absolute period ordinals (``stop_ord`` int64 max for
    open intervals); ``visible`` marks paying rows active at some period end; ``currencies``
    are the distinct values of the currency column (``None`` when not checked).
    """

    frame: pd.DataFrame
    keep: npt.NDArray[np.bool_]
    codes: npt.NDArray[np.int64]
    uniques: Any
    first_ord: npt.NDArray[np.int64]
    stop_ord: npt.NDArray[np.int64]
    cents: npt.NDArray[np.int64]
    start_ns: npt.NDArray[np.int64]
    visible: npt.NDArray[np.bool_]
    paying: npt.NDArray[np.bool_]
    spec: PeriodSpec
    tz: Any
    n_dropped: int
    policy: MRRPolicy | None
    currencies: frozenset[Any] | None


def parse_subscriptions(
    data: FrameLike,
    *,
    freq: Freq = "MS",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    currency_col: str | None = "currency",
    on_invalid: OnInvalid = "raise",
    policy: MRRPolicy | None = None,
) -> ParsedSubscriptions:
    """Validate one chunk of whole customers' intervals (checks of the whole data come later)."""
    check_choice("on_invalid", on_invalid, ("raise", "drop"))
    policy = check_policy(policy)
    spec = _spec(freq)
    frame = to_pandas(data, name="subscriptions")
    require_columns(
        frame,
        {
            "customer_col": customer_col,
            "start_col": start_col,
            "end_col": end_col,
            "mrr_col": mrr_col,
        },
    )
    fx = policy is not None and policy.fx_rates is not None
    # a mix of currencies is a fact of the whole data: checked on the merged span
    currencies = None if fx else _currencies(frame, currency_col)
    rows = RowCheck(frame, on_invalid=on_invalid, name="subscriptions")
    rows.flag(frame[customer_col].isna().to_numpy(), customer_col, "null customer ids")
    mrr = _numeric(frame, mrr_col, rows)
    rows.flag(mrr < 0, mrr_col, "negative MRR", hint="leave refunds and credits out of MRR.")
    if policy is not None and policy.fx_rates is not None:
        mrr = fx_mrr(frame, mrr, currency_col, policy.fx_rates)
    rows.flag(
        mrr > _MAX_MRR,
        mrr_col,
        f"MRR above {_MAX_MRR:.0e} (cannot be summed exactly in integer cents)",
        hint="check the unit of the mrr column (cents instead of currency units?).",
    )
    start_parsed = parse_timestamps(frame[start_col], rows=rows)
    start = _to_wall(start_parsed)
    tz = start_parsed.tz
    # a null end, or a far-future sentinel such as 9999-12-31, means "still active"
    ends, open_end = parse_end_timestamps(frame[end_col], rows=rows, name="subscriptions")
    end = np.full(len(frame), _NO_END, dtype=np.int64)
    if (~open_end & ~rows.bad).any():  # ends read (a chunk's may all be unparseable)
        check_same_clock({start_col: tz, end_col: ends.tz})
        closed = ~open_end & ~rows.bad
        end[closed] = _to_wall(ParsedTimes(ns=ends.ns[closed], tz=ends.tz))
    rows.flag(~rows.bad & (end < start), end_col, "end before start")
    dup = frame.duplicated(subset=[customer_col, start_col, end_col, mrr_col]).to_numpy()
    rows.flag(
        dup,
        customer_col,
        "duplicated rows",
        hint="aggregate seats into one row per interval, or pass on_invalid='drop'.",
    )
    report = rows.finish()
    keep = rows.keep
    # factorize the whole column (fast for Arrow strings), then keep the valid rows' codes
    ids = normalize_ids(frame[customer_col], column=customer_col, table="subscriptions")
    all_codes, uniques = ids.factorize()
    all_cents = _to_cents(np.where(keep, mrr, 0.0))
    if policy is not None:
        keep, start, end, all_cents = apply_policy(
            policy,
            frame,
            keep=keep,
            codes=all_codes.astype(np.int64),
            start=start,
            end=end,
            cents=all_cents,
        )
    codes = all_codes[keep].astype(np.int64)
    start, end = start[keep], end[keep]
    cents = all_cents[keep]
    first_ord = calendar_period(start, spec)
    stop_ord = np.where(
        end == _NO_END, _NO_END, calendar_period(np.minimum(end, _NO_END - 1), spec)
    )
    paying = cents > 0
    return ParsedSubscriptions(
        frame=frame,
        keep=keep,
        codes=codes,
        uniques=uniques,
        first_ord=first_ord,
        stop_ord=stop_ord,
        cents=cents,
        start_ns=start,
        visible=paying & (first_ord < stop_ord),
        paying=paying,
        spec=spec,
        tz=tz,
        n_dropped=report.n_dropped,
        policy=policy,
        currencies=currencies,
    )


@dataclass(frozen=True, slots=True)
class SubscriptionSpan:
    """Figures of the whole data that the period grid and its checks need (merged per chunk).

    ``first`` is the earliest period with a paying row active at its end (``None``: none),
    ``last_start`` and ``last_stop`` the latest such start and finite stop periods.
    """

    first: int | None
    last_start: int | None
    last_stop: int | None
    n_paying: int
    n_rows: int
    total_cents: float
    currencies: frozenset[Any] | None
    tz: Any


def _either(a: int | None, b: int | None, pick: Any) -> int | None:
    """``pick(a, b)`` (``min`` or ``max``) of two chunks' figures; ``None`` (none) yields."""
    if a is None:
        return b
    return a if b is None else int(pick(a, b))


def subscription_span(parsed: ParsedSubscriptions) -> SubscriptionSpan:
    """The span of one chunk (the context of a chunked run)."""
    visible = parsed.visible
    finite = parsed.stop_ord[visible & (parsed.stop_ord != _NO_END)]
    any_visible = bool(visible.any())
    return SubscriptionSpan(
        first=int(parsed.first_ord[visible].min()) if any_visible else None,
        last_start=int(parsed.first_ord[visible].max()) if any_visible else None,
        last_stop=int(finite.max()) if finite.size else None,
        n_paying=int(parsed.paying.sum()),
        n_rows=len(parsed.frame),
        total_cents=float(np.sum(parsed.cents, dtype=np.float64)),
        currencies=parsed.currencies,
        tz=parsed.tz,
    )


def merge_spans(a: SubscriptionSpan, b: SubscriptionSpan) -> SubscriptionSpan:
    """The span of two chunks together (associative and commutative)."""
    both = None if a.currencies is None or b.currencies is None else a.currencies | b.currencies
    return SubscriptionSpan(
        first=_either(a.first, b.first, min),
        last_start=_either(a.last_start, b.last_start, max),
        last_stop=_either(a.last_stop, b.last_stop, max),
        n_paying=a.n_paying + b.n_paying,
        n_rows=a.n_rows + b.n_rows,
        total_cents=a.total_cents + b.total_cents,
        currencies=both if both is not None else (a.currencies or b.currencies),
        tz=a.tz if a.tz is not None else b.tz,
    )


@dataclass(frozen=True, slots=True)
class PeriodGrid:
    """The reported periods: ordinals ``p0 .. last``; ``last_complete`` unless cut by as_of."""

    p0: int
    last: int
    last_complete: bool


def _grid(span: SubscriptionSpan, as_of: Any, spec: PeriodSpec) -> PeriodGrid | None:
    """The grid from the whole data's span, or ``None`` when there is nothing to report."""
    if span.first is None:
        return None
    p0, last_complete = span.first, True
    if as_of is not None:
        # as_of is the (exclusive) end of the data: the last period holds its last instant;
        # periods are in wall-clock time, like the data: a tz-aware as_of is converted to the
        # data's zone first (the library's one time-zone rule, in check_instant)
        stamp = check_instant("as_of", as_of, tz=span.tz).tz_localize(None)
        end_ns = stamp.as_unit("ns").value - 1
        last = int(calendar_period(np.array([end_ns], dtype=np.int64), spec)[0])
        next_start = int(period_start_ns(np.array([last + 1], dtype=np.int64), spec)[0])
        last_complete = next_start <= end_ns + 1
    else:
        assert span.last_start is not None  # set with first
        last = max(span.last_start, span.last_stop if span.last_stop is not None else p0)
    if last < p0:
        return None
    return PeriodGrid(p0, last, bool(last_complete))


def period_grid(
    span: SubscriptionSpan, *, as_of: Any, spec: PeriodSpec, currency_col: str | None
) -> PeriodGrid:
    """The grid of the whole data, after its checks (currencies, exact sums, something paid).

    Raises
    ------
    InputError
        For a mix of currencies, or MRR too large to add up exactly in integer cents.
    EmptyDataError
        If no paying subscription is active at a period end (before ``as_of``).
    """
    if span.currencies is not None:
        _refuse_mixed(span.currencies, currency_col)
    if span.total_cents >= 2.0**62:
        raise InputError(
            f"The MRR column sums to {span.total_cents / 100:.3g}: too "
            "large to add up exactly in integer cents.",
            hint="check the unit of the mrr column (cents instead of currency units?).",
        )
    if span.first is None:
        raise EmptyDataError(
            f"No paying subscription is active at a period end ({span.n_paying} paying "
            f"rows of {span.n_rows}).",
            hint="check the mrr column and the dates, or use a finer freq.",
        )
    grid = _grid(span, as_of, spec)
    if grid is None:
        raise EmptyDataError(f"as_of={as_of!r} is before the first paying period.")
    return grid


def on_grid(parsed: ParsedSubscriptions, grid: PeriodGrid) -> PreparedSubscriptions:
    """One chunk's intervals placed on the whole data's period grid."""
    p0, last = grid.p0, grid.last
    n_periods = last - p0 + 1
    first = parsed.first_ord - p0
    stop_ord = parsed.stop_ord
    stop = np.where(stop_ord == _NO_END, n_periods + 1, np.minimum(stop_ord - p0, n_periods + 1))
    n_customers = len(parsed.uniques)
    seen = np.zeros(n_customers, dtype=bool)
    seen[parsed.codes[parsed.visible]] = True
    had_paid = np.zeros(n_customers, dtype=bool)
    had_paid[parsed.codes[parsed.paying]] = True
    return PreparedSubscriptions(
        frame=parsed.frame,
        keep=parsed.keep,
        codes=parsed.codes,
        uniques=parsed.uniques,
        first=first,
        stop=stop,
        cents=parsed.cents,
        spec=parsed.spec,
        p0=p0,
        n_periods=n_periods,
        index=_period_index(np.arange(p0, last + 1, dtype=np.int64), parsed.spec),
        last_complete=grid.last_complete,
        n_dropped=parsed.n_dropped,
        policy=parsed.policy,
        start_ns=parsed.start_ns,
        intra=had_paid & ~seen,
    )
