"""Retention kernels: cohort counts, behaviour histograms (magic numbers), Kaplan-Meier, sBG.

Arrays in, arrays out. Event arrays are sorted by (user, time) with per-user ``offsets`` (as an
:class:`~saasmetrics.EventLog` holds them); nothing loops in Python over rows or users.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln

from saasmetrics._kernels.parallel import block_bounds, chunks, in_threads
from saasmetrics._kernels.segments import run_starts, segment_ids

__all__ = (
    "behaviour_counts",
    "behaviour_keys",
    "cohort_counts",
    "counts_of_pairs",
    "first_period_cohort_counts",
    "kaplan_meier_table",
    "pair_threshold_counts",
    "sbg_log_likelihood",
    "sbg_survival",
    "threshold_counts",
    "unique_keys",
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------- cohorts
_DENSE_LIMIT = 1 << 26
"""Largest users x columns grid counted densely (a bitmap / bincount); beyond it, a sort."""


def unique_keys(keys: I64, size: int) -> I64:
    """Distinct values of non-negative ``keys < size``, ascending.

    A bitmap when ``size`` is small enough (no sort: linear in the rows), else a sort.

    Parameters
    ----------
    keys : numpy.ndarray of int64
        Values in ``0..size-1``.
    size : int
        Upper bound (exclusive).

    Returns
    -------
    numpy.ndarray of int64
        Sorted distinct values.

    Examples
    --------
    >>> import numpy as np
    >>> unique_keys(np.array([5, 1, 5, 3]), 8).tolist()
    [1, 3, 5]
    """
    if size <= _DENSE_LIMIT:
        seen = np.zeros(size, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen).astype(np.int64, copy=False)
    ordered = np.sort(keys)
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def cohort_counts(
    user: I64,
    offset: I64,
    cohort: I64,
    n_cohorts: int,
    n_periods: int,
    *,
    kind: str,
    values: F64 | None = None,
) -> F64:
    """Users (or value) retained per cohort and period offset.

    Parameters
    ----------
    user : numpy.ndarray of int64
        User code of every *activity* row (any order).
    offset : numpy.ndarray of int64
        Period offset of each row from its user's cohort period, in ``0..n_periods-1``.
    cohort : numpy.ndarray of int64
        Cohort index (``0..n_cohorts-1``) of every user, indexed by user code.
    n_cohorts, n_periods : int
        Shape of the output.
    kind : {"classic", "unbounded"}
        Classic: a user counts in period ``k`` if active in ``k``. Unbounded: if active in ``k``
        or any later period.
    values : numpy.ndarray of float64, optional
        Value of each row; the output then sums values (classic only) instead of counting users.

    Returns
    -------
    numpy.ndarray of float64
        ``(n_cohorts, n_periods)`` counts (or sums).

    Notes
    -----
    No sort: classic retention deduplicates (user, period) pairs with a bitmap of
    ``n_users x n_periods`` bits (a sort beyond 64M cells); unbounded retention needs only each
    user's last active period (a scatter-max).

    Examples
    --------
    >>> import numpy as np
    >>> user = np.array([0, 1, 0, 0, 1])
    >>> offset = np.array([0, 0, 2, 0, 1])
    >>> cohort = np.array([0, 0])
    >>> cohort_counts(user, offset, cohort, 1, 3, kind="classic").tolist()
    [[2.0, 1.0, 1.0]]
    >>> cohort_counts(user, offset, cohort, 1, 3, kind="unbounded").tolist()
    [[2.0, 2.0, 1.0]]
    """
    size = n_cohorts * n_periods
    if values is not None:
        cells = cohort[user] * n_periods + offset
        sums = np.bincount(cells, weights=values, minlength=size).astype(np.float64)
        return sums.reshape(n_cohorts, n_periods)
    if user.size == 0:
        return np.zeros((n_cohorts, n_periods), dtype=np.float64)
    if kind == "classic":
        keys = user * n_periods
        keys += offset
        pair_user, pair_offset = np.divmod(unique_keys(keys, cohort.size * n_periods), n_periods)
        cells = cohort[pair_user] * n_periods + pair_offset
        counts = np.bincount(cells, minlength=size).reshape(n_cohorts, n_periods)
        return counts.astype(np.float64)
    last = np.full(cohort.size, -1, dtype=np.int64)
    np.maximum.at(last, user, offset)
    active = last >= 0
    hist = np.bincount(cohort[active] * n_periods + last[active], minlength=size)
    hist = hist.reshape(n_cohorts, n_periods)
    return np.cumsum(hist[:, ::-1], axis=1)[:, ::-1].astype(np.float64)


def first_period_cohort_counts(
    user: I64,
    period: I64,
    n_users: int,
    max_periods: int | None = None,
    *,
    period_of: Callable[[I64], I64] | None = None,
    threads: int = 1,
) -> tuple[F64, I64, int]:
    """Classic retention counts when a user's cohort is the period of their first row.

    The distinct (user, period) pairs are found first (a bitmap, or a sort); each user's
    first pair is their cohort, so neither each user's first time nor an offset per row is
    computed: per row, one multiplication and two additions build the pair key.

    Parameters
    ----------
    user : numpy.ndarray of int64
        User code (``0..n_users-1``) of every activity row, any order.
    period : numpy.ndarray of int64
        Calendar period ordinal of each row, or with ``period_of`` its time.
    n_users : int
        Number of user codes.
    max_periods : int, optional
        Keep period offsets below this only.
    period_of : callable, optional
        Maps times to period ordinals, non-decreasing (a calendar grain): each block of rows
        is converted where it is read, so no array of periods is made.
    threads : int, default 1
        Most threads: with a bitmap, blocks of rows set its bits and ranges of users read
        their pairs back, in threads of their own (the result does not change).

    Returns
    -------
    counts : numpy.ndarray of float64
        ``(n_cohorts, n_periods)`` distinct users per cohort and period offset; cohort ``c`` is
        period ordinal ``first + c``, ``n_periods`` the largest offset + 1 (at most
        ``max_periods``).
    sizes : numpy.ndarray of int64
        Users per cohort.
    first : int
        Period ordinal of cohort 0 (the earliest row's period).

    Examples
    --------
    >>> import numpy as np
    >>> counts, sizes, first = first_period_cohort_counts(
    ...     np.array([0, 1, 0, 0, 1]), np.array([10, 11, 12, 10, 12]), 2)
    >>> counts.tolist(), sizes.tolist(), first
    ([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]], [1, 1], 10)
    """
    if user.size == 0:
        return np.zeros((0, 1)), np.zeros(0, dtype=np.int64), 0
    to_period = period_of if period_of is not None else (lambda times: times)
    rows = block_bounds(user.size, threads)
    row_blocks = [slice(a, b) for a, b in pairwise(rows)]
    ranges = in_threads(lambda r: (int(period[r].min()), int(period[r].max())), row_blocks)
    # the periods of the earliest and latest times (periods never decrease with time)
    low, high = to_period(np.array([min(lo for lo, _ in ranges), max(hi for _, hi in ranges)]))
    first, span = int(low), int(high) - int(low) + 1

    def pair_keys(r: slice) -> I64:
        keys = user[r] * span
        keys += to_period(period[r])
        keys -= first
        return keys

    size = n_users * span
    if size <= _DENSE_LIMIT:  # a bitmap: set in row blocks, read back in ranges of users
        seen = np.zeros(size, dtype=bool)

        def mark(r: slice) -> None:
            # chunk by chunk: the keys stay in the cache (a block's keys at once: 1.5x slower)
            for chunk in chunks(r.start, r.stop):
                seen[pair_keys(chunk)] = True  # blocks may set the same bit: both write True

        in_threads(mark, row_blocks)
        users = list(pairwise(block_bounds(n_users, len(row_blocks), min_rows=1)))
        if span * span <= _PAIR_TABLE_LIMIT:  # counted chunk by chunk of users, in the cache
            tables = in_threads(lambda u: _count_first_pairs(seen, u, span), users)
            return _trimmed(tables, span, first, max_periods)
        parts = in_threads(
            lambda u: _first_pairs(np.flatnonzero(seen[u[0] * span : u[1] * span]), span), users
        )
    else:
        parts = [_first_pairs(unique_keys(pair_keys(slice(None)), size), span)]
    n_cohorts = max((int(starts.max()) + 1 for _, _, starts in parts if starts.size), default=1)
    n_periods = max((int(offset.max()) + 1 for _, offset, _ in parts if offset.size), default=1)
    if max_periods is not None:
        n_periods = min(n_periods, max_periods)

    def histograms(part: tuple[I64, I64, I64]) -> tuple[I64, I64]:
        cohort, offset, starts = part
        if offset.size and int(offset.max()) >= n_periods:
            inside = offset < n_periods
            cohort, offset = cohort[inside], offset[inside]
        counts = np.bincount(cohort * n_periods + offset, minlength=n_cohorts * n_periods)
        return counts, np.bincount(starts, minlength=n_cohorts)

    counted = in_threads(histograms, parts)
    counts = np.sum([c for c, _ in counted], axis=0)
    sizes = np.sum([s for _, s in counted], axis=0).astype(np.int64, copy=False)
    return counts.reshape(n_cohorts, n_periods).astype(np.float64), sizes, first


_PAIR_TABLE_LIMIT = 1 << 18
"""Most cells of a (cohort, offset) table counted per thread (both up to the periods' span)."""

_BITMAP_CHUNK = 1 << 21
"""Bytes of the (user, period) bitmap read back at once (its pairs stay in the cache)."""


def _count_first_pairs(seen: npt.NDArray[np.bool_], users: tuple[int, int], span: int) -> I64:
    """Pairs per (cohort, offset) and users per cohort of users ``users[0] .. users[1] - 1``.

    ``seen`` is the (user, period) bitmap; the result is a ``(span + 1, span)`` table whose
    last row holds the users per cohort. Users are read a chunk at a time, so that every
    array made on the way stays in the cache.
    """
    table = np.zeros((span + 1) * span, dtype=np.int64)
    step = max(1, _BITMAP_CHUNK // span)
    for lo in range(users[0], users[1], step):
        hi = min(lo + step, users[1])
        # keys from the chunk's first user: the periods are the same
        cohort, offset, starts = _first_pairs(np.flatnonzero(seen[lo * span : hi * span]), span)
        cohort *= span
        cohort += offset
        table += np.bincount(cohort, minlength=table.size)
        table[span * span :] += np.bincount(starts, minlength=span)
    return table.reshape(span + 1, span)


def _trimmed(
    tables: list[I64], span: int, first: int, max_periods: int | None
) -> tuple[F64, I64, int]:
    """The counts, sizes and first period from per-thread tables of :func:`_count_first_pairs`."""
    table = np.sum(tables, axis=0) if len(tables) > 1 else tables[0]
    counts, sizes = table[:span], table[span]
    cohorts = np.flatnonzero(sizes)
    n_cohorts = int(cohorts[-1]) + 1 if cohorts.size else 1
    periods = np.flatnonzero(counts.any(axis=0))
    n_periods = int(periods[-1]) + 1 if periods.size else 1
    if max_periods is not None:
        n_periods = min(n_periods, max_periods)
    return counts[:n_cohorts, :n_periods].astype(np.float64), sizes[:n_cohorts].copy(), first


def _first_pairs(keys: I64, span: int) -> tuple[I64, I64, I64]:
    """Each pair's cohort and offset, and each user's cohort (their first pair's period).

    ``keys`` are sorted distinct pair keys ``user * span + period`` of whole users (any
    multiple of ``span`` may be taken off them: the periods stay).
    """
    pair_user, pair_period = np.divmod(keys, span)
    new_user = run_starts(pair_user)
    starts = pair_period[new_user]
    cohort = starts[np.cumsum(new_user) - 1]
    return cohort, pair_period - cohort, starts


# --------------------------------------------------------------------------- magic numbers
def behaviour_counts(
    user: I64, event: npt.NDArray[np.integer[Any]], n_users: int, n_events: int, max_count: int
) -> tuple[I64, I64, I64]:
    """How often each user did each event (sparse: only pairs that occurred), capped.

    Parameters
    ----------
    user : numpy.ndarray of int64
        User code (``0..n_users-1``) of every event row inside the behaviour window, any order.
    event : numpy.ndarray of int
        Event code of every row.
    n_users, n_events : int
        Number of user and event codes.
    max_count : int
        Counts above this are capped to it.

    Returns
    -------
    tuple of numpy.ndarray
        ``(user, event, count)`` of each distinct pair, sorted by user then event.

    Notes
    -----
    One sort of a packed ``user * n_events + event`` key, int32 when it fits (NumPy sorts
    32-bit integers with SIMD: 4.3M rows in 0.03 CPU-s), then run lengths. A dense
    ``bincount`` over the users x events grid needs no sort but writes its cells in random
    order and scans them all: 500k users x 20 events took 0.15 CPU-s against 0.07.

    Examples
    --------
    >>> import numpy as np
    >>> u, e, c = behaviour_counts(np.array([1, 0, 1, 1]), np.array([2, 0, 2, 0]), 2, 3, 20)
    >>> u.tolist(), e.tolist(), c.tolist()
    ([0, 1, 1], [0, 0, 2], [1, 1, 2])
    """
    return counts_of_pairs(behaviour_keys(user, event, n_users, n_events), n_events, max_count)


def behaviour_keys(
    user: I64, event: npt.NDArray[np.integer[Any]], n_users: int, n_events: int
) -> npt.NDArray[np.signedinteger[Any]]:
    """The packed key ``user * n_events + event`` of every row, int32 when every key fits.

    Examples
    --------
    >>> import numpy as np
    >>> behaviour_keys(np.array([1, 0]), np.array([2, 0]), 2, 3).tolist()
    [5, 0]
    """
    narrow = n_users * n_events <= np.iinfo(np.int32).max
    keys: npt.NDArray[np.signedinteger[Any]] = user.astype(np.int32 if narrow else np.int64)
    keys *= n_events
    keys += event
    return keys


def counts_of_pairs(
    keys: npt.NDArray[np.signedinteger[Any]], n_events: int, max_count: int
) -> tuple[I64, I64, I64]:
    """:func:`behaviour_counts` from the rows' :func:`behaviour_keys`.

    The keys are sorted in place unless they already are.

    Examples
    --------
    >>> import numpy as np
    >>> u, e, c = counts_of_pairs(np.array([5, 0, 5], dtype=np.int32), 3, 20)
    >>> u.tolist(), e.tolist(), c.tolist()
    ([0, 1], [0, 2], [1, 2])
    """
    if keys.size > 1 and not bool((keys[1:] >= keys[:-1]).all()):
        keys.sort()
    starts = np.flatnonzero(run_starts(keys))
    counts = np.diff(np.append(starts, keys.size))
    pair_user, pair_event = np.divmod(keys[starts], n_events)
    np.minimum(counts, max_count, out=counts)
    return (
        pair_user.astype(np.int64, copy=False),
        pair_event.astype(np.int64, copy=False),
        counts.astype(np.int64, copy=False),
    )


def threshold_counts(
    event: I64,
    count: I64,
    retained_of_cell: B,
    n_events: int,
    max_count: int,
) -> tuple[I64, I64]:
    """Users doing each event at least ``n`` times, split by retention, for every ``n``.

    Parameters
    ----------
    event, count : numpy.ndarray of int64
        Event code and (capped) count of each (user, event) pair with a count >= 1.
    retained_of_cell : numpy.ndarray of bool
        Whether the pair's user is retained.
    n_events, max_count : int
        Event codes and the largest threshold.

    Returns
    -------
    tuple of numpy.ndarray
        ``(at_least_retained, at_least_not)``, each ``(n_events, max_count + 1)``: entry
        ``[e, n]`` counts users with at least ``n`` events ``e`` (``n >= 1``; column 0 repeats
        column 1).

    Examples
    --------
    >>> import numpy as np
    >>> tp, fp = threshold_counts(np.array([0, 0]), np.array([1, 3]), np.array([True, False]), 1, 3)
    >>> tp.tolist(), fp.tolist()
    ([[1, 1, 0, 0]], [[1, 1, 1, 1]])
    """
    width = max_count + 1
    # one histogram by (not retained / retained, event, count)
    cells = (np.where(retained_of_cell, n_events, 0) + event) * width + count
    hist = np.bincount(cells, minlength=2 * n_events * width).reshape(2, n_events, width)
    hist[:, :, 0] = 0
    at_least = np.cumsum(hist[:, :, ::-1], axis=2)[:, :, ::-1]
    return at_least[1], at_least[0]


def pair_threshold_counts(
    user: I64,
    event: I64,
    count: I64,
    retained_of_cell: B,
    *,
    n_events: int,
    max_count: int,
) -> tuple[I64, I64]:
    """Users doing event ``a`` at least ``n`` times and event ``b`` at least ``m`` times.

    Pairs of cells of the same user are enumerated vectorized (a user has at most one cell
    per event, so at most ``n_events * (n_events - 1) / 2`` pairs), histogrammed by
    ``(a, b, count_a, count_b)`` and reverse-cumulated along both count axes.

    Parameters
    ----------
    user, event, count : numpy.ndarray of int64
        The (user, event, capped count) cells, sorted by user then event (as
        :func:`behaviour_counts` returns them).
    retained_of_cell : numpy.ndarray of bool
        Whether the cell's user is retained.
    n_events, max_count : int
        Event codes and the largest threshold.

    Returns
    -------
    tuple of numpy.ndarray
        ``(retained, not_retained)``, each ``(n_events, n_events, max_count + 1,
        max_count + 1)``; entry ``[a, b, n, m]`` (``a < b``, ``n, m >= 1``) is the number of users
        with at least ``n`` of ``a`` and at least ``m`` of ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> tp, fp = pair_threshold_counts(
    ...     np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([2, 1, 1, 1]),
    ...     np.array([True, True, False, False]), n_events=2, max_count=2)
    >>> int(tp[0, 1, 2, 1]), int(fp[0, 1, 1, 1]), int(fp[0, 1, 2, 1])
    (1, 1, 0)
    """
    width = max_count + 1
    n = user.size
    shape = (n_events, n_events, width, width)
    empty = np.zeros(shape, dtype=np.int64)
    if n < 2:
        return empty, empty.copy()
    starts = np.flatnonzero(np.r_[True, user[1:] != user[:-1]])
    offsets = np.r_[starts, n].astype(np.int64)
    seg = segment_ids(offsets)
    seg_end = offsets[1:][seg]
    partners = seg_end - np.arange(n) - 1  # later cells of the same user
    first = np.repeat(np.arange(n, dtype=np.int64), partners)
    if first.size == 0:
        return empty, empty.copy()
    # position of each pair within its first cell's group -> second cell = first + 1 + rank
    group_start = np.repeat(np.cumsum(partners) - partners, partners)
    second = first + 1 + (np.arange(first.size, dtype=np.int64) - group_start)
    cells = ((event[first] * n_events + event[second]) * width + count[first]) * width + count[
        second
    ]
    out = []
    retained_pair = retained_of_cell[first]
    for flag in (True, False):
        hist = np.bincount(cells[retained_pair == flag], minlength=int(np.prod(shape)))
        hist = hist.reshape(shape)
        acc = np.cumsum(np.cumsum(hist[:, :, ::-1, ::-1], axis=2), axis=3)[:, :, ::-1, ::-1]
        out.append(acc)
    return out[0], out[1]


# --------------------------------------------------------------------------- survival
def _time_codes(durations: F64) -> tuple[F64, I64]:
    """A grid of candidate times holding every duration, and each row's index into it.

    Whole-number durations over a short range (days, weeks, months: the usual case) are their
    own codes, ``duration - min``, on the grid ``min..max`` (no sort, no hashing; times on the
    grid that no row has are dropped by the caller); other durations are factorized by
    hashing, on the grid of their sorted distinct values. Durations must be finite.
    """
    lo, hi = float(durations.min()), float(durations.max())
    if max(-lo, hi) < 2.0**53 and hi - lo <= 4 * durations.size + 1024:
        whole = durations.astype(np.int64)
        if np.array_equal(whole, durations):
            whole -= int(lo)
            return np.arange(int(hi - lo) + 1, dtype=np.float64) + lo, whole
    codes, times = pd.factorize(durations, sort=True)
    return np.asarray(times, dtype=np.float64), codes.astype(np.int64, copy=False)


def kaplan_meier_table(
    durations: F64, observed: B, weights: F64 | None = None, entry: F64 | None = None
) -> tuple[F64, F64, F64, F64, F64, F64]:
    """Kaplan-Meier product-limit estimate with Greenwood's variance sum.

    Parameters
    ----------
    durations : numpy.ndarray of float64
        Time of the event or of censoring (finite).
    observed : numpy.ndarray of bool
        True where the event happened (False: censored).
    weights : numpy.ndarray of float64, optional
        Weight of each subject (default: 1 each, plain counts).
    entry : numpy.ndarray of float64, optional
        Time each subject enters the risk set (left truncation); at risk at ``t`` when
        ``entry < t <= duration``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(time, at_risk, events, censored, survival, greenwood)``, one row per distinct
        duration; ``greenwood`` is the cumulative sum of ``d / (n (n - d))``.

    Notes
    -----
    No sort of the rows: distinct times by a ``bincount`` (whole-number durations) or a hash
    factorization, per-time counts by ``bincount``, risk sets by a reverse cumulative sum.

    Examples
    --------
    >>> import numpy as np
    >>> t, n, d, c, s, g = kaplan_meier_table(
    ...     np.array([1.0, 2.0, 2.0, 3.0]), np.array([True, True, False, True]), np.ones(4))
    >>> t.tolist(), n.tolist(), s.round(3).tolist()
    ([1.0, 2.0, 3.0], [4.0, 3.0, 1.0], [0.75, 0.5, 0.0])
    """
    time, codes = _time_codes(durations)
    if weights is None:
        # one pass: column 0 counts the censored rows at each time, column 1 the events
        both = np.bincount(codes * 2 + observed, minlength=2 * time.size).reshape(-1, 2)
        rows = both.sum(axis=1)
        censored, events = both[:, 0].astype(np.float64), both[:, 1].astype(np.float64)
        removed = censored + events
    else:
        rows = np.bincount(codes, minlength=time.size)
        weighted = np.bincount(codes, weights=weights * observed, minlength=time.size)
        events = np.asarray(weighted, dtype=np.float64)
        removed = np.asarray(np.bincount(codes, weights=weights, minlength=time.size), np.float64)
        censored = removed - events
    present = rows > 0  # a time is a duration some row has (even with weight 0)
    if not present.all():
        time, events, removed, censored = (a[present] for a in (time, events, removed, censored))
    # at risk at t: removed at or after t
    at_risk = np.cumsum(removed[::-1])[::-1]
    if entry is not None:
        # minus those entering at or after t (not yet in the risk set)
        order = np.argsort(entry, kind="stable")
        sorted_entry = entry[order]
        ordered_weights = np.ones(entry.size) if weights is None else weights[order]
        cum_after = np.cumsum(ordered_weights[::-1])[::-1]
        pos = np.searchsorted(sorted_entry, time, side="left")
        entering_later = np.where(pos < entry.size, cum_after[np.minimum(pos, entry.size - 1)], 0)
        at_risk = at_risk - entering_later
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events / at_risk, 1.0)
        survival = np.cumprod(factor)
        term = np.where(
            (at_risk > events) & (at_risk > 0), events / (at_risk * (at_risk - events)), 0.0
        )
        term = np.where((at_risk == events) & (events > 0), np.inf, term)
    greenwood = np.cumsum(term)
    f = np.float64
    return (
        time.astype(f),
        at_risk.astype(f),
        events.astype(f),
        censored.astype(f),
        survival.astype(f),
        greenwood.astype(f),
    )


# --------------------------------------------------------------------------- sBG
def sbg_survival(alpha: float, beta: float, t: F64) -> F64:
    """Share of a cohort alive at ``t`` under the shifted beta-geometric model.

    Parameters
    ----------
    alpha, beta : float
        Beta distribution parameters of the churn probability.
    t : numpy.ndarray of float64
        Periods (``t >= 0``).

    Returns
    -------
    numpy.ndarray of float64
        ``B(alpha, beta + t) / B(alpha, beta)``.

    Examples
    --------
    >>> import numpy as np
    >>> sbg_survival(1.0, 1.0, np.array([0.0, 1.0, 3.0])).tolist()
    [1.0, 0.5, 0.25]
    """
    out: F64 = np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))
    return out


def sbg_log_likelihood(alpha: float, beta: float, t: F64, churned: F64, censored: F64) -> float:
    """SBG log-likelihood of aggregated data.

    Parameters
    ----------
    alpha, beta : float
        Model parameters.
    t : numpy.ndarray of float64
        Distinct periods (``>= 1`` for churn, ``>= 0`` for censoring).
    churned : numpy.ndarray of float64
        Customers lost in period ``t`` (churn time ``T = t``).
    censored : numpy.ndarray of float64
        Customers still alive at the end of period ``t`` (``T > t``), not followed further.

    Returns
    -------
    float
        ``sum churned * log P(T = t) + censored * log S(t)``.

    Examples
    --------
    >>> import numpy as np
    >>> round(sbg_log_likelihood(1.0, 1.0, np.array([1.0]), np.array([1.0]), np.array([1.0])), 4)
    -1.3863
    """
    with np.errstate(invalid="ignore", over="ignore"):  # extreme parameters: -inf, not NaN
        base = betaln(alpha, beta)
        tt = np.maximum(t, 1.0)
        log_p = betaln(alpha + 1.0, beta + tt - 1.0) - base
        log_s = betaln(alpha, beta + t) - base
        total = np.sum(np.where(churned > 0, churned * log_p, 0.0))
        total += np.sum(np.where(censored > 0, censored * log_s, 0.0))
    return float(total) if np.isfinite(total) else -np.inf
