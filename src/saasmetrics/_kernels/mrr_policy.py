"""MRR kernels for customers who stay active on a $0 plan (free plans, 100% discounts).

By default a customer is active while their MRR is above 0. Under ChartMogul's default "free
customer handling", a paying customer who moves to a $0 plan stays active: a contraction to 0,
not a churn. Then "active" depends on two piecewise-constant levels per customer, the MRR and
the number of subscription rows in force (of any MRR): a customer is active from their first
paid period of a stretch of presence until that stretch ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from saasmetrics._kernels.unit_economics import (
    KIND_CHURNED,
    KIND_CONTRACTION,
    KIND_EXPANSION,
    KIND_NAMES,
    KIND_NEW,
    KIND_REACTIVATION,
    ChangePoints,
    accumulate_segments,
)

__all__ = ("ActivePoints", "active_points", "active_totals")

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ActivePoints:
    """Merged change points of MRR and presence, with the active flag and a movement kind.

    ``kind`` is -1 where nothing reportable changes (e.g. presence without activity).
    """

    customer: I64
    period: I64
    level: I64
    previous: I64
    active: B
    prev_active: B
    kind: I8


def _carry(values: I64, present_at: B, first_of_c: B) -> I64:
    """Last value where ``present_at``, carried forward within each customer (0 before)."""
    idx = np.arange(values.size)
    pos = np.maximum.accumulate(np.where(present_at, idx, -1))
    start = np.maximum.accumulate(np.where(first_of_c, idx, 0))
    return np.where(pos >= start, values[np.maximum(pos, 0)], 0).astype(np.int64)


def active_points(
    mrr: ChangePoints, presence: ChangePoints, reactivation_window: int | None = None
) -> ActivePoints:
    """Merge MRR and presence change points and classify movements with $0 customers active.

    Parameters
    ----------
    mrr : ChangePoints
        Per-customer MRR levels (cents).
    presence : ChangePoints
        Per-customer count of subscription rows in force (any MRR, $0 included).
    reactivation_window : int, optional
        A customer back after more than this many periods inactive counts as new.

    Returns
    -------
    ActivePoints
        One row per (customer, period) where either level changes.

    Examples
    --------
    >>> import numpy as np
    >>> from saasmetrics._kernels.unit_economics import change_points
    >>> # paid 0-2, then a $0 plan 2-4, then gone
    >>> c, f, s = np.array([0, 0]), np.array([0, 2]), np.array([2, 4])
    >>> mrr = change_points(c, f, s, np.array([50, 0]), 6)
    >>> pres = change_points(c, f, s, np.array([1, 1]), 6)
    >>> pts = active_points(mrr, pres)
    >>> pts.period.tolist(), pts.active.tolist(), [KIND_NAMES[k] for k in pts.kind]
    ([0, 2, 4], [True, True, False], ['new', 'contraction', 'churned'])
    """
    n_m, n_p = mrr.customer.size, presence.customer.size
    cust = np.r_[mrr.customer, presence.customer]
    per = np.r_[mrr.period, presence.period]
    is_m = np.r_[np.ones(n_m, dtype=bool), np.zeros(n_p, dtype=bool)]
    val = np.r_[mrr.level, presence.level]
    order = np.lexsort((per, cust))
    cust, per, is_m, val = cust[order], per[order], is_m[order], val[order]
    if cust.size == 0:
        e = np.zeros(0, dtype=np.int64)
        f = np.zeros(0, dtype=bool)
        return ActivePoints(e, e.copy(), e.copy(), e.copy(), f, f.copy(), np.zeros(0, np.int8))
    first_of_c = np.r_[True, cust[1:] != cust[:-1]]
    level = _carry(val, is_m, first_of_c)
    present = _carry(val, ~is_m, first_of_c)
    last_of_point = np.r_[(cust[1:] != cust[:-1]) | (per[1:] != per[:-1]), True]
    cust, per = cust[last_of_point], per[last_of_point]
    level, present = level[last_of_point], present[last_of_point]
    first_of_c = np.r_[True, cust[1:] != cust[:-1]]
    # stretches of presence; active from the stretch's first paid point on
    starts_run = (present > 0) & (first_of_c | (np.r_[0, present[:-1]] == 0))
    run = np.cumsum(starts_run)
    paid = (level > 0) & (present > 0)
    marker = np.where(present > 0, run * 2 + paid, 0)
    seen = np.maximum.accumulate(marker)
    active = (present > 0) & (seen == run * 2 + 1)
    prev_active = np.r_[False, active[:-1]] & ~first_of_c
    previous = np.where(first_of_c, 0, np.r_[0, level[:-1]]).astype(np.int64)
    kind = np.full(cust.size, -1, dtype=np.int8)
    joined = active & ~prev_active
    left = prev_active & ~active
    stay = active & prev_active
    kind[stay & (level > previous)] = KIND_EXPANSION
    kind[stay & (level < previous)] = KIND_CONTRACTION
    kind[left] = KIND_CHURNED
    # paid before: any earlier active point of the customer
    act = active.astype(np.int64)
    running = np.cumsum(act)
    group = np.cumsum(first_of_c) - 1
    before = (running - act) - (running - act)[first_of_c][group]
    react = joined & (before > 0)
    if reactivation_window is not None:
        # periods since the customer last left (a reactivation follows a churn point)
        left_at = _carry(per, left, first_of_c)
        react &= per - left_at <= reactivation_window
    kind[joined & ~react] = KIND_NEW
    kind[react] = KIND_REACTIVATION
    keep = (level != previous) | (active != prev_active)
    return ActivePoints(
        cust[keep],
        per[keep],
        level[keep].astype(np.int64),
        previous[keep],
        active[keep],
        prev_active[keep],
        kind[keep],
    )


def active_totals(points: ActivePoints, n_periods: int) -> tuple[I64, I64, I64, I64]:
    """Per-period movement sums and counts, ending MRR and ending active customers.

    Parameters
    ----------
    points : ActivePoints
        From :func:`active_points`.
    n_periods : int
        Number of periods.

    Returns
    -------
    amounts, counts : numpy.ndarray of int64
        ``(n_periods, 5)`` by ``KIND_*`` code.
    ending, ending_count : numpy.ndarray of int64
        Per period.
    """
    n_kinds = len(KIND_NAMES)
    moved = (points.kind >= 0) & (points.period < n_periods)
    cell = points.period[moved] * n_kinds + points.kind[moved].astype(np.int64)
    amounts = np.zeros(n_periods * n_kinds, dtype=np.int64)
    np.add.at(amounts, cell, (points.level - points.previous)[moved])
    counts = np.bincount(cell, minlength=n_periods * n_kinds).astype(np.int64)
    if points.customer.size:
        last = np.r_[points.customer[1:] != points.customer[:-1], True]
        stop = np.where(last, n_periods, np.r_[points.period[1:], np.int64(n_periods)])
    else:
        stop = np.zeros(0, dtype=np.int64)
    ending = accumulate_segments(points.period, stop, points.level, n_periods)
    ending_count = accumulate_segments(
        points.period, stop, points.active.astype(np.int64), n_periods
    )
    return (
        amounts.reshape(n_periods, n_kinds),
        counts.reshape(n_periods, n_kinds),
        ending,
        ending_count,
    )
