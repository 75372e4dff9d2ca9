"""Revenue cohort kernels: MRR, capped MRR and paying customers per (cell, age).

A *cell* is a cohort (optionally crossed with a group such as a channel); a customer's *age*
in a period is the period index minus their cohort's period. Per-customer MRR levels come as
change points (see :mod:`saasmetrics._kernels.unit_economics`): each level holds from its
period to the customer's next change point, so one difference array over (cell, age) and a
cumulative sum along ages give every sum at once, exactly, in integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from saasmetrics._kernels.unit_economics import ChangePoints

__all__ = ("CohortSums", "base_level", "cohort_age_sums")

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class CohortSums:
    """Sums per (cell, age), each an ``(n_cells, n_ages)`` int64 array.

    Attributes
    ----------
    mrr : numpy.ndarray
        MRR in cents of the cell's customers at each age.
    gross : numpy.ndarray
        The same with each customer capped at their MRR at age 0 (for gross retention).
    active : numpy.ndarray
        Customers with MRR > 0.
    """

    mrr: I64
    gross: I64
    active: I64


def base_level(cp: ChangePoints, cohort: I64) -> I64:
    """Each change point's customer's MRR at their cohort period (age 0).

    Parameters
    ----------
    cp : ChangePoints
        Sorted by (customer, period).
    cohort : numpy.ndarray of int64
        Cohort period per customer code.

    Returns
    -------
    numpy.ndarray of int64
        Per change point, the level of the same customer's last change point at or before
        the cohort period (0 if none).

    Examples
    --------
    >>> import numpy as np
    >>> cp = ChangePoints(np.array([0, 0, 1]), np.array([0, 2, 1]), np.array([5, 9, 4]),
    ...                   np.array([0, 5, 0]))
    >>> base_level(cp, np.array([0, 1])).tolist()
    [5, 5, 4]
    """
    n = cp.customer.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(n)
    first_of_c = np.r_[True, cp.customer[1:] != cp.customer[:-1]]
    start_of_c = np.maximum.accumulate(np.where(first_of_c, idx, 0))
    at_or_before = cp.period <= cohort[cp.customer]
    pos = np.maximum.accumulate(np.where(at_or_before, idx, -1))
    # the last qualifying point of the customer: carried to the customer's last row
    last_of_c = np.r_[cp.customer[1:] != cp.customer[:-1], True]
    group = np.cumsum(first_of_c) - 1
    last_pos = pos[last_of_c][group]
    valid = last_pos >= start_of_c
    return np.where(valid, cp.level[np.maximum(last_pos, 0)], 0).astype(np.int64)


def cohort_age_sums(
    cp: ChangePoints, cell: I64, cohort: I64, *, n_cells: int, n_periods: int, n_ages: int
) -> CohortSums:
    """Sum MRR, capped MRR and paying customers per (cell, age).

    Parameters
    ----------
    cp : ChangePoints
        Per-customer MRR change points over ``n_periods`` periods.
    cell : numpy.ndarray of int64
        Cell of each customer code (``-1``: left out).
    cohort : numpy.ndarray of int64
        Cohort period of each customer code (age 0), may be negative.
    n_cells, n_periods, n_ages : int
        Output shape and the number of periods the change points cover.

    Returns
    -------
    CohortSums
        ``mrr``, ``gross`` and ``active``, each ``(n_cells, n_ages)``.

    Examples
    --------
    >>> import numpy as np
    >>> from saasmetrics._kernels.unit_economics import change_points
    >>> cp = change_points(np.array([0, 0, 1]), np.array([0, 2, 1]), np.array([9, 9, 2]),
    ...                    np.array([10, 5, 4]), 4)
    >>> sums = cohort_age_sums(cp, np.array([0, 1]), np.array([0, 1]),
    ...                        n_cells=2, n_periods=4, n_ages=4)
    >>> sums.mrr.tolist(), sums.gross.tolist()
    ([[10, 10, 15, 15], [4, 0, 0, 0]], [[10, 10, 10, 10], [4, 0, 0, 0]])
    >>> sums.active.tolist()
    [[1, 1, 1, 1], [1, 0, 0, 0]]
    """
    width = n_ages + 1
    size = n_cells * width
    diff_m = np.zeros(size, dtype=np.int64)
    diff_g = np.zeros(size, dtype=np.int64)
    diff_a = np.zeros(size, dtype=np.int64)
    if cp.customer.size:
        last = np.r_[cp.customer[1:] != cp.customer[:-1], True]
        stop = np.where(last, n_periods, np.r_[cp.period[1:], np.int64(n_periods)])
        c = cohort[cp.customer]
        a0 = np.clip(cp.period - c, 0, n_ages)
        a1 = np.clip(stop - c, 0, n_ages)
        cells = cell[cp.customer]
        keep = (a1 > a0) & (cp.level > 0) & (cells >= 0)
        base = base_level(cp, cohort)
        lo = cells[keep] * width + a0[keep]
        hi = cells[keep] * width + a1[keep]
        level = cp.level[keep]
        gross = np.minimum(level, base[keep])
        ones = np.ones(level.size, dtype=np.int64)
        # float64 bincount is exact while every partial sum stays below 2**53 cents
        exact = float(np.sum(level, dtype=np.float64)) < 2.0**53
        for target, values in ((diff_m, level), (diff_g, gross), (diff_a, ones)):
            if exact:
                np.add(
                    target,
                    np.bincount(lo, weights=values, minlength=size),
                    out=target,
                    casting="unsafe",
                )
                np.subtract(
                    target,
                    np.bincount(hi, weights=values, minlength=size),
                    out=target,
                    casting="unsafe",
                )
            else:  # pragma: no cover - beyond 9e13 cents; exact but slower
                np.add.at(target, lo, values)
                np.add.at(target, hi, -values)
    shape = (n_cells, width)
    mrr = np.cumsum(diff_m.reshape(shape), axis=1)[:, :n_ages]
    gross_sum = np.cumsum(diff_g.reshape(shape), axis=1)[:, :n_ages]
    active = np.cumsum(diff_a.reshape(shape), axis=1)[:, :n_ages]
    return CohortSums(mrr, gross_sum, active)
