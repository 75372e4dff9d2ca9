"""MRR bridge policies: the switches where billing analytics vendors disagree, and presets.

A policy rewrites the subscription intervals before the bridge kernel runs (when an interval
ends, which rows carry MRR, which near-simultaneous boundaries merge) and decides whether
customers who start and leave inside one period are counted. Because it only changes the
input of the one bridge computation, the bridge identity (starting + movements = ending)
holds under every policy by construction.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from saasmetrics._validation import RowCheck, parse_timestamps, require_columns
from saasmetrics.exceptions import InputError, ParameterError

__all__ = ("MRRPolicy",)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

_NO_END = np.iinfo(np.int64).max


class MRRPolicy(BaseModel):
    """How the MRR bridge treats the cases billing analytics vendors define differently.

    Pass it as ``mrr_bridge(..., policy=MRRPolicy(...))``; ``policy=None`` (the default) is
    the bridge's own behaviour, which equals ``MRRPolicy()``. Switches that read a column only
    read it when they are on; a column missing under its default name means no row is
    flagged (no pauses, no refunds...), a column you named must exist.

    Parameters
    ----------
    churn_recognition : {"period_end", "cancellation"}, default "period_end"
        When a cancelled subscription stops counting: at its ``end`` (the end of the paid
        period, as the data says) or at the moment the customer cancels (``cancel_col``,
        when earlier than ``end``). The second is closer to committed MRR.
    cancel_col : str, default "cancelled_at"
        Timestamp of the cancellation request (null if none); read with
        ``churn_recognition="cancellation"``.
    count_same_period_churn : bool, default False
        A customer whose paid life starts and ends inside one period is never active at a
        period end, so by default appears in no movement (``n_intra_period``). With True
        they count as new (at the MRR of their first paid row) and churned in that period.
        The two cancel out, so ending MRR is unchanged.
    free_plan_churn : bool, default True
        A paying customer who moves to a $0 row (free plan, 100% discount) churns (True), or
        stays an active customer with a contraction to $0 MRR (False), churning only when no
        row is left; moving back to a paid row is then an expansion. A customer whose first
        rows are $0 only becomes a customer when they first pay.
    refunds : {"ignore", "remove"}, default "ignore"
        ``"ignore"``: refunds leave MRR alone. ``"remove"``: rows flagged in ``refund_col``
        (a fully refunded interval) are treated as if never billed.
    refund_col : str, default "refunded"
        Boolean flag of refunded rows; read with ``refunds="remove"``.
    pauses : {"keep", "churn"}, default "keep"
        Rows flagged in ``pause_col`` (a paused subscription): ``"keep"`` counts their MRR as
        any row; ``"churn"`` sets it to 0, so a customer with nothing else active churns at
        the pause and reactivates on resuming.
    pause_col : str, default "paused"
        Boolean flag of paused rows; read with ``pauses="churn"``.
    past_due_grace_days : float, optional
        Subscriptions past due since ``past_due_col`` stop counting that many days later
        (if they have not ended before). ``None``: past-due subscriptions count until their
        recorded end.
    past_due_col : str, default "past_due_since"
        Timestamp since which a row is unpaid (null if paid); read when
        ``past_due_grace_days`` is set.
    grouping_window : str, optional
        A duration (``"60min"``, ``"1D"``): boundaries (starts and ends) of one customer's
        rows that follow each other within this window are merged into the first one, so a
        cancel-and-resubscribe or a new subscription followed by a quick upgrade is one
        change, not two. ``None``: no merging.
    fx_rates : dict of str to float, optional
        Constant rates converting each currency of ``currency_col`` into the reporting
        currency (``{"EUR": 1.08, "USD": 1.0}``). With rates, currencies may mix; at constant
        rates exchange-rate moves never create movements. ``None``: all rows must share one
        currency.

    Notes
    -----
    Cases the bridge handles the same way under every policy: a customer is churned only when
    none of their subscriptions is active (cancelling one of two is a contraction); a return
    after churn is a reactivation (``reactivation_window`` of :func:`mrr_bridge` turns late
    returns into new business). Revenue cohorts count paying customers (MRR > 0) under every
    policy. The presets cite the vendors' help-centre pages; where a
    vendor documents no rule for a switch, the preset keeps the default.

    Examples
    --------
    >>> MRRPolicy.profitwell().count_same_period_churn
    False
    >>> MRRPolicy(churn_recognition="cancellation").churn_recognition
    'cancellation'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    churn_recognition: Literal["period_end", "cancellation"] = "period_end"
    cancel_col: str = "cancelled_at"
    count_same_period_churn: bool = False
    free_plan_churn: bool = True
    refunds: Literal["ignore", "remove"] = "ignore"
    refund_col: str = "refunded"
    pauses: Literal["keep", "churn"] = "keep"
    pause_col: str = "paused"
    past_due_grace_days: float | None = Field(default=None, ge=0)
    past_due_col: str = "past_due_since"
    grouping_window: str | None = None
    fx_rates: dict[str, float] | None = None

    @field_validator("grouping_window")
    @classmethod
    def _check_window(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            delta = pd.Timedelta(value)
        except (ValueError, TypeError) as exc:
            msg = f"grouping_window={value!r} is not a duration such as '60min' or '1D'."
            raise ValueError(msg) from exc
        if delta < pd.Timedelta(0):
            msg = f"grouping_window={value!r} must not be negative."
            raise ValueError(msg)
        return value

    @field_validator("fx_rates")
    @classmethod
    def _check_rates(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None and any(not (np.isfinite(r) and r > 0) for r in value.values()):
            msg = "fx_rates must be positive finite numbers."
            raise ValueError(msg)
        return value

    @classmethod
    def chartmogul(cls) -> MRRPolicy:
        """ChartMogul's documented defaults.

        Returns
        -------
        MRRPolicy
            Churn at the end of the paid-up service period ([churn recognition][cm-churn]);
            paying customers who move to a $0 plan or a 100% discount stay active
            ([free customer handling][cm-free]);
            customers who join and leave in one period appear as new business and churn
            (movements are recorded as they happen; the [customer churn rate][cm-rate]
            excludes them); past-due subscriptions keep counting until cancelled
            ([past due][cm-due]); changes within 60 minutes are one movement ([smart activity
            classification][cm-group]); no movements from currency moves
            ([MRR movements][cm-mov]).

            [cm-churn]: https://help.chartmogul.com/hc/en-us/articles/203176581-Churn-Recognition
            [cm-free]: https://help.chartmogul.com/hc/en-us/articles/15384089786524-Configuring-Subscription-Analytics-settings
            [cm-rate]: https://help.chartmogul.com/hc/en-us/articles/203359321-Metric-Customer-Churn-rate
            [cm-due]: https://help.chartmogul.com/article/303-handling-past-due-subscriptions
            [cm-group]: https://chartmogul.com/blog/smart-grouping/
            [cm-mov]: https://help.chartmogul.com/hc/en-us/articles/4416682609426-Understanding-MRR-movements

        Examples
        --------
        >>> MRRPolicy.chartmogul().grouping_window
        '60min'
        """
        return cls(
            churn_recognition="period_end",
            count_same_period_churn=True,
            free_plan_churn=False,
            past_due_grace_days=None,
            grouping_window="60min",
        )

    @classmethod
    def profitwell(cls) -> MRRPolicy:
        """ProfitWell's (Paddle's) documented rules.

        Returns
        -------
        MRRPolicy
            Churn at the end of the billing cycle ([churn][pw-churn]); a customer who signs
            up and churns in the same calendar month is ignored entirely; subscriptions on
            hold drop to $0 ([comparison with Recurly][pw-cmp]); refunds ignored
            ([refunds][pw-ref]); past-due customers stay active through a dunning window,
            for which ProfitWell recommends at least 15 days ([FAQ][pw-due]).

            [pw-churn]: https://paddle.com/help/profitwell-metrics/measure/subscription-retention/churn
            [pw-cmp]: https://www.paddle.com/help/profitwell-metrics/measure/compare/profitwell-vs-recurly
            [pw-ref]: https://learn.profitwell.com/article/ecb3zzxewx-refunds
            [pw-due]: http://bssubs.net/profit-well-faqs-for-paddle-users.html

        Examples
        --------
        >>> MRRPolicy.profitwell().pauses
        'churn'
        """
        return cls(
            churn_recognition="period_end",
            count_same_period_churn=False,
            refunds="ignore",
            pauses="churn",
            past_due_grace_days=15.0,
        )

    @classmethod
    def baremetrics(cls) -> MRRPolicy:
        """Baremetrics' documented rules.

        Returns
        -------
        MRRPolicy
            Customers delinquent for more than 30 days are cancelled; a move to a free plan
            or a 100% coupon is a cancellation ([MRR][bm-mrr], [cancellations][bm-cancel]:
            ``free_plan_churn=True``);
            customers who sign up and cancel within the same window count in churn
            ([changelog][bm-churn]); a start and cancel on the same day is a wash (one-day
            granularity: a one-day grouping window).

            [bm-mrr]: https://help.baremetrics.com/en/articles/5380330-monthly-recurring-revenue
            [bm-cancel]: https://help.baremetrics.com/en/articles/5380343-cancellations-and-downgrades
            [bm-churn]: https://changelog.baremetrics.com/churn-update-4pqo9O

        Examples
        --------
        >>> MRRPolicy.baremetrics().past_due_grace_days
        30.0
        """
        return cls(
            churn_recognition="period_end",
            count_same_period_churn=True,
            free_plan_churn=True,
            past_due_grace_days=30.0,
            grouping_window="1D",
        )


def _times(frame: pd.DataFrame, column: str, keep: B) -> tuple[I64, B]:
    """Nanoseconds of a nullable timestamp column (``has`` False where null)."""
    series = frame[column]
    has = series.notna().to_numpy() & keep
    out = np.full(len(frame), _NO_END, dtype=np.int64)
    if has.any():
        sub = frame.loc[has, column]
        rows = RowCheck(frame.loc[has], on_invalid="raise", name="subscriptions")
        parsed = parse_timestamps(sub, rows=rows)
        rows.finish()
        ns = parsed.ns
        if parsed.tz is not None:
            ns = np.asarray(
                pd.DatetimeIndex(ns.view("datetime64[ns]"))
                .tz_localize("UTC")
                .tz_convert(parsed.tz)
                .tz_localize(None)
                .asi8,
                dtype=np.int64,
            )
        out[has] = ns
    return out, has


def _flags(frame: pd.DataFrame, column: str) -> B:
    series = frame[column]
    if not (pd.api.types.is_bool_dtype(series.dtype) or series.dtype == object):
        raise InputError(
            f"Column {column!r} must hold booleans (True for flagged rows); got {series.dtype}.",
            hint=f"convert it, e.g. df[{column!r}].astype(bool).",
        )
    return series.fillna(value=False).to_numpy(dtype=bool)


def fx_mrr(frame: pd.DataFrame, mrr: F64, currency_col: str | None, rates: dict[str, float]) -> F64:
    """Convert MRR into the reporting currency at constant rates (row by currency)."""
    if currency_col is None or currency_col not in frame.columns:
        raise InputError(
            "fx_rates needs a currency column.",
            hint="pass currency_col= naming the column with each row's currency.",
        )
    codes, uniques = pd.factorize(frame[currency_col], use_na_sentinel=True)
    names = [str(u) for u in uniques.tolist()]
    missing = sorted(n for n in names if n not in rates)
    if missing or (codes < 0).any():
        raise InputError(
            f"No fx rate for currencies {missing or ['<null>']!r} of column {currency_col!r}.",
            hint=f"add them to fx_rates (have {sorted(rates)!r}).",
        )
    table = np.array([rates[n] for n in names], dtype=np.float64)
    converted: F64 = mrr * table[codes]
    return converted


def apply_policy(
    policy: MRRPolicy,
    frame: pd.DataFrame,
    *,
    keep: B,
    codes: I64,
    start: I64,
    end: I64,
    cents: I64,
) -> tuple[B, I64, I64, I64]:
    """Rewrite intervals under ``policy`` (arrays over all rows of ``frame``).

    Parameters
    ----------
    policy : MRRPolicy
        The switches.
    frame : pandas.DataFrame
        The subscriptions (flag and timestamp columns are read from it).
    keep : numpy.ndarray of bool
        Rows that passed validation.
    codes : numpy.ndarray of int64
        Customer code per row.
    start, end, cents : numpy.ndarray of int64
        Interval bounds (``end`` = int64 max when open) and MRR in cents, per row.

    Returns
    -------
    keep, start, end, cents : numpy.ndarray
        The rows still in play, their (possibly merged) bounds and their MRR.
    """
    keep = keep.copy()
    end = end.copy()
    cents = cents.copy()
    if policy.refunds == "remove" and _has(frame, policy, "refund_col"):
        keep &= ~_flags(frame, policy.refund_col)
    if policy.pauses == "churn" and _has(frame, policy, "pause_col"):
        cents[_flags(frame, policy.pause_col)] = 0
    if policy.churn_recognition == "cancellation" and _has(frame, policy, "cancel_col"):
        cancelled, has = _times(frame, policy.cancel_col, keep)
        end = np.where(has, np.minimum(end, np.maximum(cancelled, start)), end)
    if policy.past_due_grace_days is not None and _has(frame, policy, "past_due_col"):
        since, has = _times(frame, policy.past_due_col, keep)
        grace = round(policy.past_due_grace_days * 86_400 * 10**9)
        cutoff = np.where(has, np.minimum(since, _NO_END - grace) + grace, _NO_END)
        end = np.where(has, np.minimum(end, np.maximum(cutoff, start)), end)
    if policy.grouping_window is not None:
        window = int(pd.Timedelta(policy.grouping_window).value)
        if window > 0:
            start, end = _group_boundaries(codes, start, end, keep, window)
            # a row shorter than the window vanishes (its start and end merged)
            keep &= end > start
    return keep, start, end, cents


def _has(frame: pd.DataFrame, policy: MRRPolicy, field: str) -> bool:
    """Whether the column a switch reads is there.

    A missing column under its default name means no row is flagged (data without a
    ``paused`` column has no pauses); a missing column the user named is an error.
    """
    column = getattr(policy, field)
    if column in frame.columns:
        return True
    if column == MRRPolicy.model_fields[field].default:
        return False
    require_columns(frame, {field: column})
    return False  # pragma: no cover - require_columns raised


def _group_boundaries(codes: I64, start: I64, end: I64, keep: B, window: int) -> tuple[I64, I64]:
    """Merge each customer's boundaries lying within ``window`` of the previous one.

    All starts and (finite) ends of a customer are sorted; a boundary within ``window`` after
    the previous boundary joins its cluster, and every boundary moves to its cluster's first
    time. Vectorized: one sort over all boundaries.
    """
    n = start.size
    rows = np.flatnonzero(keep)
    finite = rows[end[rows] != _NO_END]
    who = np.concatenate([codes[rows], codes[finite]])
    when = np.concatenate([start[rows], end[finite]])
    slot = np.concatenate([rows, finite + n])  # which array (start or end) and row
    if who.size == 0:
        return start, end
    order = np.lexsort((when, who))
    who, when, slot = who[order], when[order], slot[order]
    new_cluster = np.r_[True, (who[1:] != who[:-1]) | (np.diff(when) > window)]
    head = np.maximum.accumulate(np.where(new_cluster, np.arange(who.size), 0))
    snapped = when[head]
    out = np.concatenate([start, end])
    out[slot] = snapped
    return out[:n], out[n:]


def describe(policy: MRRPolicy | None) -> dict[str, Any] | None:
    """The policy as plain data (for results and JSON), or ``None``."""
    return None if policy is None else policy.model_dump()


def check_policy(policy: Any) -> MRRPolicy | None:
    """Accept ``None``, an :class:`MRRPolicy` or a mapping of its fields."""
    if policy is None or isinstance(policy, MRRPolicy):
        return policy
    if isinstance(policy, dict):
        try:
            return MRRPolicy(**policy)
        except ValueError as exc:
            raise ParameterError(f"Invalid policy: {exc}") from exc
    raise ParameterError(
        f"policy must be an MRRPolicy (or None); got {type(policy).__name__}.",
        hint="e.g. policy=MRRPolicy.chartmogul().",
    )
