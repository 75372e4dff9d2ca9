"""MRR kernels: per-customer MRR levels, bridge classification and lagged retention sums.

Everything works on integer cents (int64) and integer period ordinals, so sums are exact.
A subscription interval covers the periods ``[first, stop)`` where ``first`` is the period of
its start and ``stop`` the period of its end (an interval is active at a period's last instant
exactly for those periods). MRR levels are piecewise constant per customer: the kernels keep
only *change points* ``(customer, period, level)``, never a dense customer x period matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = (
    "KIND_CHURNED",
    "KIND_CONTRACTION",
    "KIND_EXPANSION",
    "KIND_NAMES",
    "KIND_NEW",
    "KIND_REACTIVATION",
    "BridgeTotals",
    "ChangePoints",
    "accumulate_segments",
    "bridge_totals",
    "change_points",
    "classify_changes",
    "lagged_retention",
)

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

KIND_NEW, KIND_EXPANSION, KIND_CONTRACTION, KIND_CHURNED, KIND_REACTIVATION = 0, 1, 2, 3, 4
KIND_NAMES = ("new", "expansion", "contraction", "churned", "reactivation")


@dataclass(frozen=True, slots=True)
class ChangePoints:
    """Per-customer MRR levels, kept only where they change.

    Attributes
    ----------
    customer : numpy.ndarray of int64
        Customer code, sorted ascending.
    period : numpy.ndarray of int64
        Period index (0 = first reported period), ascending within a customer.
    level : numpy.ndarray of int64
        MRR in cents from this period on, until the customer's next change point.
    previous : numpy.ndarray of int64
        The level before this change (0 at a customer's first change point).
    """

    customer: I64
    period: I64
    level: I64
    previous: I64


def change_points(customer: I64, first: I64, stop: I64, cents: I64, n_periods: int) -> ChangePoints:
    """Turn subscription intervals into per-customer MRR change points.

    Parameters
    ----------
    customer : numpy.ndarray of int64
        Customer code of each interval (non-negative).
    first, stop : numpy.ndarray of int64
        The interval is active in periods ``first <= p < stop`` (indices from 0; ``stop`` may be
        any value beyond the last period for open intervals, ``first`` may be negative).
    cents : numpy.ndarray of int64
        Monthly recurring revenue of the interval in cents (>= 0).
    n_periods : int
        Number of reported periods; changes at or after ``n_periods`` are ignored and changes
        before period 0 are moved to period 0.

    Returns
    -------
    ChangePoints
        Sorted by (customer, period), one row per period where a customer's level changes.

    Examples
    --------
    >>> import numpy as np
    >>> cp = change_points(np.array([0, 0]), np.array([0, 2]), np.array([3, 5]),
    ...                    np.array([100, 50]), 6)
    >>> cp.period.tolist(), cp.level.tolist(), cp.previous.tolist()
    ([0, 2, 3, 5], [100, 150, 50, 0], [0, 100, 150, 50])
    """
    keep = (first < stop) & (cents != 0) & (first < n_periods) & (stop > 0)
    c, f, s, v = customer[keep], np.maximum(first[keep], 0), stop[keep], cents[keep]
    ends = s < n_periods
    ev_c = np.concatenate([c, c[ends]])
    ev_p = np.concatenate([f, s[ends]])
    ev_v = np.concatenate([v, -v[ends]])
    if ev_c.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return ChangePoints(empty, empty.copy(), empty.copy(), empty.copy())
    key = ev_c * np.int64(n_periods + 1) + ev_p
    order = np.argsort(key, kind="stable")
    key, ev_v = key[order], ev_v[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    delta = np.add.reduceat(ev_v, starts)
    key = key[starts]
    cust = key // np.int64(n_periods + 1)
    per = key % np.int64(n_periods + 1)
    # running level within each customer: global cumsum minus the cumsum before the customer
    total = np.cumsum(delta)
    first_of_c = np.r_[True, cust[1:] != cust[:-1]]
    base = (total - delta)[first_of_c]
    group = np.cumsum(first_of_c) - 1
    level = total - base[group]
    moved = delta != 0
    cust, per, level, first_of_c = cust[moved], per[moved], level[moved], first_of_c[moved]
    first_of_c = np.r_[True, cust[1:] != cust[:-1]] if cust.size else first_of_c
    previous = np.r_[np.int64(0), level[:-1]] if level.size else level.copy()
    previous = np.where(first_of_c, 0, previous).astype(np.int64)
    return ChangePoints(cust, per, level.astype(np.int64), previous)


def classify_changes(cp: ChangePoints, reactivation_window: int | None = None) -> I8:
    """Bridge category of every change point (``KIND_*`` codes).

    Parameters
    ----------
    cp : ChangePoints
        From :func:`change_points`.
    reactivation_window : int, optional
        A customer back after more than this many periods at zero counts as new again.

    Returns
    -------
    numpy.ndarray of int8
        new / expansion / contraction / churned / reactivation.

    Examples
    --------
    >>> import numpy as np
    >>> cp = change_points(np.array([0, 0]), np.array([0, 3]), np.array([1, 9]),
    ...                    np.array([5, 7]), 9)
    >>> [KIND_NAMES[k] for k in classify_changes(cp)]
    ['new', 'churned', 'reactivation']
    >>> [KIND_NAMES[k] for k in classify_changes(cp, reactivation_window=1)]
    ['new', 'churned', 'new']
    """
    n = cp.level.size
    kind = np.full(n, KIND_EXPANSION, dtype=np.int8)
    if n == 0:
        return kind
    first_of_c = np.r_[True, cp.customer[1:] != cp.customer[:-1]]
    # a customer has "paid before" a change point if an earlier change point had a positive
    # level; counting positives cumulatively per customer gives it without a loop.
    positive = (cp.level > 0).astype(np.int64)
    running = np.cumsum(positive)
    group = np.cumsum(first_of_c) - 1
    before = (running - positive) - (running - positive)[first_of_c][group]
    paid_before = before > 0
    starting = (cp.previous == 0) & (cp.level > 0)
    kind[(cp.previous > 0) & (cp.level < cp.previous)] = KIND_CONTRACTION
    kind[(cp.previous > 0) & (cp.level == 0)] = KIND_CHURNED
    react = starting & paid_before
    if reactivation_window is not None:
        gap = cp.period - np.r_[np.int64(0), cp.period[:-1]]
        react &= gap <= reactivation_window
    kind[starting & ~react] = KIND_NEW
    kind[react] = KIND_REACTIVATION
    return kind


def accumulate_segments(start: I64, stop: I64, values: I64, n_periods: int) -> I64:
    """Sum ``values`` over the periods ``start <= p < stop`` of each segment, per period.

    Parameters
    ----------
    start, stop : numpy.ndarray of int64
        Segment bounds in period indices (``stop`` may exceed ``n_periods``).
    values : numpy.ndarray of int64
        What each segment adds to every period it covers.
    n_periods : int
        Length of the output.

    Returns
    -------
    numpy.ndarray of int64
        Totals per period (difference array plus cumulative sum: exact in integers).

    Examples
    --------
    >>> import numpy as np
    >>> accumulate_segments(np.array([0, 1]), np.array([2, 9]), np.array([3, 4]), 4).tolist()
    [3, 7, 4, 4]
    """
    diff = np.zeros(n_periods + 1, dtype=np.int64)
    np.add.at(diff, np.clip(start, 0, n_periods), values)
    np.add.at(diff, np.clip(stop, 0, n_periods), -values)
    return np.cumsum(diff[:n_periods])


def _segment_stop(cp: ChangePoints, n_periods: int) -> I64:
    if cp.customer.size == 0:
        return np.zeros(0, dtype=np.int64)
    last = np.r_[cp.customer[1:] != cp.customer[:-1], True]
    nxt = np.r_[cp.period[1:], np.int64(n_periods)]
    return np.where(last, n_periods, nxt).astype(np.int64)


@dataclass(frozen=True, slots=True)
class BridgeTotals:
    """Per-period bridge sums in cents and counts (arrays of length ``n_periods``).

    ``amounts`` and ``counts`` have one column per ``KIND_*`` code; ``ending`` and
    ``ending_count`` are computed from the levels directly, not from the movements.
    """

    amounts: I64
    counts: I64
    ending: I64
    ending_count: I64


def bridge_totals(cp: ChangePoints, kind: I8, n_periods: int) -> BridgeTotals:
    """Sum movements per period and kind, and the ending MRR and customer count per period.

    Parameters
    ----------
    cp : ChangePoints
        From :func:`change_points`.
    kind : numpy.ndarray of int8
        From :func:`classify_changes`.
    n_periods : int
        Number of periods.

    Returns
    -------
    BridgeTotals
        Signed movement sums (cents), counts, ending MRR and ending customers.

    Examples
    --------
    >>> import numpy as np
    >>> cp = change_points(np.array([0, 1]), np.array([0, 1]), np.array([2, 9]),
    ...                    np.array([5, 7]), 3)
    >>> t = bridge_totals(cp, classify_changes(cp), 3)
    >>> t.amounts.tolist(), t.ending.tolist()
    ([[5, 0, 0, 0, 0], [7, 0, 0, 0, 0], [0, 0, 0, -5, 0]], [5, 12, 7])
    """
    n_kinds = len(KIND_NAMES)
    cell = cp.period * n_kinds + kind.astype(np.int64)
    change = cp.level - cp.previous
    amounts = np.zeros(n_periods * n_kinds, dtype=np.int64)
    np.add.at(amounts, cell, change)
    counts = np.bincount(cell, minlength=n_periods * n_kinds).astype(np.int64)
    stop = _segment_stop(cp, n_periods)
    ending = accumulate_segments(cp.period, stop, cp.level, n_periods)
    active = (cp.level > 0).astype(np.int64)
    ending_count = accumulate_segments(cp.period, stop, active, n_periods)
    return BridgeTotals(
        amounts.reshape(n_periods, n_kinds),
        counts.reshape(n_periods, n_kinds),
        ending,
        ending_count,
    )


def lagged_retention(cp: ChangePoints, lag: int, n_periods: int) -> tuple[I64, I64, I64, I64]:
    """Cohort sums for NRR and GRR: customers active ``lag`` periods ago, then and now.

    For every period ``p >= lag`` and the customers with MRR > 0 at ``p - lag``: their MRR
    then (``base``), now (``net``), now capped at then per customer (``gross``), and how many.

    Parameters
    ----------
    cp : ChangePoints
        From :func:`change_points`.
    lag : int
        Periods between the cohort snapshot and now (12 for months).
    n_periods : int
        Number of periods.

    Returns
    -------
    base, net, gross, count : numpy.ndarray of int64
        Per period (zeros for ``p < lag``).

    Examples
    --------
    >>> import numpy as np
    >>> cp = change_points(np.array([0, 0, 1]), np.array([0, 2, 0]), np.array([9, 9, 1]),
    ...                    np.array([10, 5, 4]), 4)
    >>> [a.tolist() for a in lagged_retention(cp, 2, 4)]
    [[0, 0, 14, 10], [0, 0, 15, 15], [0, 0, 10, 10], [0, 0, 2, 1]]
    """
    if cp.level.size == 0:
        z = np.zeros(n_periods, dtype=np.int64)
        return z, z.copy(), z.copy(), z.copy()
    # Merge the customer's own change points (level "now") with the same points shifted by
    # ``lag`` (level "then"). Between merged points both levels are constant.
    n_cp = cp.level.size
    cust = np.r_[cp.customer, cp.customer]
    per = np.r_[cp.period, cp.period + lag]
    is_then = np.r_[np.zeros(n_cp, dtype=bool), np.ones(n_cp, dtype=bool)]
    lvl = np.r_[cp.level, cp.level]
    order = np.lexsort((is_then, per, cust))
    cust, per, is_then, lvl = cust[order], per[order], is_then[order], lvl[order]
    first_of_c = np.r_[True, cust[1:] != cust[:-1]]
    idx = np.arange(cust.size)

    def carry(mask: B) -> I64:
        # last value of lvl where mask holds, carried forward within the customer (0 before)
        pos = np.where(mask, idx, -1)
        pos = np.maximum.accumulate(pos)
        cstart = np.maximum.accumulate(np.where(first_of_c, idx, 0))
        valid = pos >= cstart
        return np.where(valid, lvl[np.maximum(pos, 0)], 0).astype(np.int64)

    now = carry(~is_then)
    then = carry(is_then)
    last_of_point = np.r_[(cust[1:] != cust[:-1]) | (per[1:] != per[:-1]), True]
    cust, per, now, then = (
        cust[last_of_point],
        per[last_of_point],
        now[last_of_point],
        then[last_of_point],
    )
    last = np.r_[cust[1:] != cust[:-1], True]
    stop = np.where(last, n_periods, np.r_[per[1:], np.int64(n_periods)]).astype(np.int64)
    cohort = then > 0
    start, stop = per[cohort], stop[cohort]
    now, then = now[cohort], then[cohort]
    base = accumulate_segments(start, stop, then, n_periods)
    net = accumulate_segments(start, stop, now, n_periods)
    gross = accumulate_segments(start, stop, np.minimum(now, then), n_periods)
    count = accumulate_segments(start, stop, np.ones_like(then), n_periods)
    return base, net, gross, count
