"""Engagement kernels on sorted distinct (user, period) pairs: no loops over users or days.

Every engagement analysis starts from the same encoding: the distinct (user, day) pairs of the
events, sorted by user then day. Rows of an :class:`~saasmetrics.EventLog` are sorted by
(user, time), so the pairs come out of one adjacency mask (no sort, no hashing); rows of a raw
frame are not, and one sort of a single int64 key per row (user x day span + day) replaces
sorting every row by user and timestamp. A coarser grain (weeks, months) is again one mask
over the pairs. Everything after that is ``bincount`` / ``cumsum`` on arrays the size of the
pairs or of the period range.

All functions take int64 arrays; ``users`` are user codes and periods or days are ordinals
(consecutive periods have consecutive ordinals).
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from saasmetrics._kernels.encoding import sort_order
from saasmetrics._kernels.segments import run_starts

__all__ = (
    "GrowthCounts",
    "cents_day_pairs",
    "day_pairs",
    "distinct_pairs",
    "growth_pairs",
    "growth_values",
    "lifecycle_counts",
    "pair_sums",
    "runs_per_period",
    "trailing_active",
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]
Num = npt.NDArray[np.int64] | npt.NDArray[np.float64]


def _starts(users: I64, keys: I64) -> Bool:
    """Where a new (user, key) run starts, for arrays sorted by user then key."""
    start = np.ones(users.size, dtype=bool)
    if users.size > 1:
        start[1:] = (users[1:] != users[:-1]) | (keys[1:] != keys[:-1])
    return start


def distinct_pairs(users: I64, keys: I64) -> tuple[I64, I64]:
    """Distinct (user, key) pairs, sorted by user then key.

    Parameters
    ----------
    users : numpy.ndarray of int64
        Non-negative user code of every row, rows in any order.
    keys : numpy.ndarray of int64
        A day, hour or period ordinal per row. Rows already sorted by user then key (an
        EventLog's order) need no sort; others are sorted once, by one int64 per row that
        orders like (user, key).

    Returns
    -------
    tuple of numpy.ndarray
        The users and keys of the distinct pairs.

    Examples
    --------
    >>> import numpy as np
    >>> u, d = distinct_pairs(np.array([0, 0, 0, 1, 1]), np.array([5, 5, 7, 2, 2]))
    >>> u.tolist(), d.tolist()
    ([0, 0, 1], [5, 7, 2])
    """
    users = np.asarray(users, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    if _sorted(users, keys):
        start = _starts(users, keys)
        return users[start], keys[start]
    combined = _combined(users, keys)
    if combined is None:
        order = np.lexsort((keys, users))
        users, keys = users[order], keys[order]
        start = _starts(users, keys)
        return users[start], keys[start]
    code, lo, span = combined
    code = np.sort(code)  # not np.unique: its hash table is far slower than one sort here
    new = np.ones(code.size, dtype=bool)
    new[1:] = code[1:] != code[:-1]
    code = code[new]
    return code // span, code % span + lo


def _sorted(users: I64, keys: I64) -> bool:
    """Whether the rows are sorted by user then key (an EventLog's order)."""
    if users.size < 2:
        return True
    if bool(np.any(users[1:] < users[:-1])):
        return False
    return not bool(np.any((users[1:] == users[:-1]) & (keys[1:] < keys[:-1])))


def _combined(users: I64, keys: I64) -> tuple[I64, int, int] | None:
    """One int64 per row ordered like (user, key): sorting it is one sort, not a lexsort.

    ``None`` when ``users x key range`` does not fit in an int64.
    """
    lo, span = int(keys.min()), int(keys.max()) - int(keys.min()) + 1
    if int(users.min()) < 0 or (int(users.max()) + 1) * span >= 2**62:
        return None
    code: I64 = np.multiply(users, span)
    np.add(code, keys, out=code)
    if lo:
        np.subtract(code, lo, out=code)
    return code, lo, span


def pair_sums(users: I64, keys: I64, values: Num) -> tuple[I64, I64, Num]:
    """Distinct (user, key) pairs with the sum of ``values`` over each pair's rows.

    Integer ``values`` (cents) give exact integer sums; floats are summed in row order.

    Examples
    --------
    >>> import numpy as np
    >>> u, k, v = pair_sums(np.array([0, 0, 1]), np.array([3, 3, 3]), np.array([1.0, 2.0, 5.0]))
    >>> u.tolist(), k.tolist(), v.tolist()
    ([0, 1], [3, 3], [3.0, 5.0])
    """
    users = np.asarray(users, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    arr: Any = np.asarray(values)
    if arr.dtype.kind not in "iu":
        arr = arr.astype(np.float64)
    if not _sorted(users, keys):
        combined = _combined(users, keys) if arr.dtype == np.int64 else None
        if combined is not None:
            code, lo, span = combined
            counted = _packed_sums(code, lo, span, arr)  # overwrites code when it answers
            if counted is None:
                counted = _cell_sums(code, lo, span, int(users.max()) + 1, arr)
            if counted is not None:
                return counted
        order = sort_order(users, keys)  # stable: the rows of a pair are summed in row order
        users, keys, arr = users[order], keys[order], arr[order]
    start = _starts(users, keys)
    at = np.flatnonzero(start)
    sums: Num = np.add.reduceat(arr, at) if at.size else np.zeros(0, dtype=arr.dtype)
    return users[start], keys[start], sums


def _packed_sums(code: I64, lo: int, span: int, values: I64) -> tuple[I64, I64, I64] | None:
    """int64 pair sums by one sort of the :func:`_combined` code and value in one int64.

    The code takes the high bits and the value the low ones, so sorting the packed keys
    sorts the pairs (no argsort, no gathers) and the values are read back from the low bits.
    ``None`` (``code`` untouched) when a value is negative or does not fit below the code.
    """
    if code.size == 0:
        return None
    shift = 63 - int(code.max()).bit_length()
    if int(values.min()) < 0 or int(values.max()) >= 1 << shift:
        return None
    packed = np.left_shift(code, shift, out=code)
    np.bitwise_or(packed, values, out=packed)
    packed.sort()
    pair = packed >> shift
    new = np.empty(pair.size, dtype=bool)
    new[0] = True
    np.not_equal(pair[1:], pair[:-1], out=new[1:])
    at = np.flatnonzero(new)
    sums: I64 = np.add.reduceat(np.bitwise_and(packed, (1 << shift) - 1, out=packed), at)
    pair = pair[at]
    return pair // span, pair % span + lo, sums


def _cell_sums(
    code: I64, lo: int, span: int, n_users: int, values: I64
) -> tuple[I64, I64, I64] | None:
    """int64 pair sums by counting the :func:`_combined` codes into a user x key grid.

    ``None`` when the grid would be much larger than the rows, or when a sum could leave the
    range in which float64 counts integers exactly (2**53).
    """
    if code.size == 0:
        return None
    cells = n_users * span
    if cells > 4 * code.size + 65_536:
        return None
    positive = int(values.min()) > 0
    magnitude = values.sum(dtype=np.float64) if positive else np.abs(values).sum(dtype=np.float64)
    if float(magnitude) >= 2**52:
        return None
    sums = np.bincount(code, weights=values, minlength=cells)
    # every row adds > 0 to its cell: a cell has rows exactly when its sum is positive
    rows = sums if positive else np.bincount(code, minlength=cells)
    at = np.flatnonzero(rows).astype(np.int64, copy=False)
    return at // span, at % span + lo, sums[at].astype(np.int64)


def day_pairs(
    users: I64, n_users: int, days: I64, day_periods: I64, values: I64 | None = None
) -> tuple[I64, I64, I64 | None] | None:
    """Distinct (user, period) pairs of rows in any order, from the rows' days: one sort.

    Row ``i`` falls in period ``day_periods[days[i]]`` (a table over the days, from period 0
    to the table's last entry). One int64 per row orders like (user, period): ``user *
    n_periods + period``, with ``values`` below it in the low 32 bits when given, so one
    in-place sort groups the rows and the pairs' sums are read back without an argsort or a
    gather. Like :func:`distinct_pairs` and :func:`pair_sums`, but the periods, the key and
    the value go into one array in four passes over the rows.

    Parameters
    ----------
    users : numpy.ndarray of int64
        User code of every row, in ``0 .. n_users - 1``.
    n_users : int
        Bound on the codes.
    days : numpy.ndarray of int64
        Day of every row, a valid index into ``day_periods``.
    day_periods : numpy.ndarray of int64
        Period of each day (non-decreasing from 0 over the days the rows use).
    values : numpy.ndarray of int64, optional
        Row amounts in ``0 .. 2**32 - 1`` (cents); the array is overwritten.

    Returns
    -------
    tuple of numpy.ndarray or None
        Users, periods and (with ``values``) exact int64 sums of the pairs, sorted by user
        then period; ``None`` when ``n_users * n_periods`` is too large for the key (2**31
        with values, else 2**62) or the machine is big-endian: then use :func:`pair_sums`.

    Examples
    --------
    >>> import numpy as np
    >>> table = np.array([0, 0, 1, 1, 2])  # days 0-1: period 0, days 2-3: period 1, ...
    >>> u, p, v = day_pairs(np.array([1, 0, 1, 1]), 2, np.array([4, 0, 0, 1]), table,
    ...                     np.array([5, 1, 2, 3]))
    >>> u.tolist(), p.tolist(), v.tolist()
    ([0, 1, 1], [0, 0, 2], [1, 5, 5])
    """
    n = _key_periods(users, n_users, day_periods, values is not None)
    if n is None:
        return None
    if values is None:
        key: I64 = np.multiply(users, n)
        key += np.take(day_periods, days)
        key.sort()
        pair = key[run_starts(key)]
        return (*np.divmod(pair, n), None)
    key = np.take(np.left_shift(day_periods, 32), days)  # period, value and user in 4 passes
    np.bitwise_or(key, values, out=key)
    np.add(key, np.multiply(users, n << 32, out=values), out=key)
    return _packed_pair_sums(key, n)


# Rows per block of cents_day_pairs: its arrays (a few of 256 KiB) stay in the L2 cache.
_BLOCK = 32_768


def cents_day_pairs(
    users: I64, n_users: int, days: I64, day_periods: I64, amounts: F64
) -> tuple[I64, I64, I64] | None:
    """:func:`day_pairs` with cents from currency ``amounts``, key built block by block.

    Each row's cents are ``rint(amount * 100)``, taken only when every amount lies within a
    quarter cent of a whole cent and its cents in ``0 .. 2**32 - 1``: then they are the
    cents of rounding half away from zero (``|x| * 100 < 2**32`` is far below where
    ``x * 100`` could err by a quarter). The blocks keep the several passes per row (scale,
    round, check, convert, pack) in the cache; a Python loop runs over blocks, not rows.

    Returns
    -------
    tuple of numpy.ndarray or None
        As :func:`day_pairs`; ``None`` when an amount is NaN, negative, too large or not
        near a whole cent, or the key does not fit (then convert the amounts and use
        :func:`day_pairs` or :func:`pair_sums`).

    Examples
    --------
    >>> import numpy as np
    >>> table = np.array([0, 0, 1])
    >>> u, p, v = cents_day_pairs(np.array([0, 0, 1]), 2, np.array([0, 1, 2]), table,
    ...                           np.array([0.1, 0.2, 19.99]))
    >>> u.tolist(), p.tolist(), v.tolist()
    ([0, 1], [0, 1], [30, 1999])
    >>> cents_day_pairs(np.array([0]), 1, np.array([0]), table, np.array([0.125])) is None
    True
    """
    n = _key_periods(users, n_users, day_periods, True)
    if n is None:
        return None
    size = users.size
    key: I64 = np.empty(size, dtype=np.int64)
    shifted = np.left_shift(day_periods, 32)
    scaled_buf = np.empty(min(size, _BLOCK))
    cents_buf = np.empty_like(scaled_buf)
    ints_buf = np.empty(scaled_buf.size, dtype=np.int64)
    for lo in range(0, size, _BLOCK):
        hi = min(lo + _BLOCK, size)
        scaled, cents, ints = scaled_buf[: hi - lo], cents_buf[: hi - lo], ints_buf[: hi - lo]
        np.multiply(amounts[lo:hi], 100.0, out=scaled)
        np.rint(scaled, out=cents)
        if not (float(cents.min()) >= 0.0 and float(cents.max()) < 2.0**32):  # NaN: False
            return None
        off = np.subtract(scaled, cents, out=scaled)
        if float(off.max()) >= 0.25 or float(off.min()) <= -0.25:
            return None
        block = key[lo:hi]
        np.take(shifted, days[lo:hi], out=block, mode="clip")  # valid days: no checks
        np.copyto(ints, cents, casting="unsafe")
        np.bitwise_or(block, ints, out=block)
        np.add(block, np.multiply(users[lo:hi], n << 32, out=ints), out=block)
    return _packed_pair_sums(key, n)


def _key_periods(users: I64, n_users: int, day_periods: I64, with_values: bool) -> int | None:
    """The number of periods, when the (user, period) code fits the key; else ``None``."""
    n = int(day_periods[-1]) + 1 if day_periods.size else 1
    if users.size == 0 or n_users * n >= (2**31 if with_values else 2**62):
        return None
    if with_values and sys.byteorder != "little":
        return None
    return n


def _packed_pair_sums(key: I64, n: int) -> tuple[I64, I64, I64]:
    """Sort ``(user * n + period) << 32 | value`` keys in place; the pairs and their sums."""
    key.sort()
    high = key.view(np.int32)[1::2]  # the (user, period) code: little-endian high halves
    at = np.flatnonzero(run_starts(high))
    pair = high[at].astype(np.int64)
    # the pairs' sums from one running sum of the keys (cheaper than reduceat over short
    # runs): a run adds count * (pair << 32) + its values, modulo 2**64, so subtracting the
    # first term leaves the exact sum of the values (non-negative, below 2**63)
    np.cumsum(key, out=key)
    ends = np.empty_like(at)
    ends[:-1] = at[1:] - 1
    ends[-1] = key.size - 1
    sums: I64 = key[ends]
    sums[1:] -= sums[:-1].copy()
    counts = np.diff(ends, prepend=-1)
    sums -= np.left_shift(counts * pair, 32)
    u, p = np.divmod(pair, n)
    return u, p, sums


def _user_starts(users: I64) -> Bool:
    return run_starts(users)


def _user_ends(users: I64) -> Bool:
    last = np.ones(users.size, dtype=bool)
    if users.size > 1:
        last[:-1] = users[1:] != users[:-1]
    return last


def trailing_active(users: I64, days: I64, n_days: int, window: int) -> I64:
    """Distinct users active in the trailing ``window`` days ending on each day.

    A pair (user, day d) whose user is next active on day ``n`` covers the window ends
    ``d .. min(d + window, n) - 1``: the intervals of one user are disjoint and cover exactly
    the days on which the user is in the window, so one difference array counts every user
    once per day.

    Parameters
    ----------
    users, days : numpy.ndarray of int64
        Distinct (user, day) pairs sorted by user then day; days in ``0 .. n_days - 1``.
    n_days : int
        Length of the output.
    window : int
        Window length in days (>= 1), inclusive of the day itself.

    Returns
    -------
    numpy.ndarray of int64
        Active users per day.

    Examples
    --------
    >>> import numpy as np
    >>> trailing_active(np.array([0, 0, 1]), np.array([0, 3, 1]), 6, 2).tolist()
    [1, 2, 1, 1, 1, 0]
    """
    nxt = np.empty(days.size, dtype=np.int64)
    if days.size:
        nxt[:-1] = days[1:]
        nxt[_user_ends(users)] = np.iinfo(np.int64).max // 2
    stop = np.minimum(np.minimum(days + window, nxt), n_days)
    diff = np.bincount(days, minlength=n_days + 1)[: n_days + 1].astype(np.int64)
    diff -= np.bincount(stop, minlength=n_days + 1)[: n_days + 1]
    counts: I64 = np.cumsum(diff[:n_days])
    return counts


def runs_per_period(users: I64, periods: I64, n_periods: int, max_units: int) -> I64:
    """Users by number of distinct units (pairs) in each period: a (periods x units) table.

    Parameters
    ----------
    users, periods : numpy.ndarray of int64
        One entry per distinct (user, unit) pair, sorted by user then unit, with the period
        (``0 .. n_periods - 1``) each unit falls in.
    n_periods, max_units : int
        Output shape.

    Returns
    -------
    numpy.ndarray of int64
        ``table[p, k - 1]`` users active on exactly ``k`` units of period ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> runs_per_period(np.array([0, 0, 1]), np.array([0, 0, 0]), 1, 3).tolist()
    [[1, 1, 0]]
    """
    start = np.flatnonzero(_starts(users, periods))
    lengths = np.diff(np.append(start, users.size))
    flat = periods[start] * max_units + (lengths - 1)
    table: I64 = np.bincount(flat, minlength=n_periods * max_units).astype(np.int64)
    return table.reshape(n_periods, max_units)


def lifecycle_counts(
    users: I64, periods: I64, created: I64 | None, n_periods: int
) -> tuple[I64, I64, I64, I64]:
    """New, returning, resurrecting and dormant users per period (PostHog's rules).

    For a user's active periods ``p_1 < p_2 < ...`` and their creation period ``c`` (first
    activity, or first ``new_event``): ``p_1`` is *new* if ``p_1 == c`` else *resurrecting*;
    a later ``p_i`` is *returning* if ``p_{i-1} == p_i - 1`` else *resurrecting*; every
    ``p_i`` not followed by ``p_i + 1`` makes the user *dormant* in ``p_i + 1``.

    Parameters
    ----------
    users, periods : numpy.ndarray of int64
        Distinct (user, period) pairs sorted by user then period, periods in
        ``0 .. n_periods - 1``.
    created : numpy.ndarray of int64 or None
        Creation period of each pair's user (aligned with the pairs); ``None``: each
        user's first active period.
    n_periods : int
        Output length (dormancy after the last period is dropped).

    Returns
    -------
    tuple of numpy.ndarray of int64
        ``new, returning, resurrecting, dormant`` (dormant as positive counts).

    Examples
    --------
    >>> import numpy as np
    >>> u, p = np.array([0, 0, 0]), np.array([0, 1, 3])
    >>> [c.tolist() for c in lifecycle_counts(u, p, np.zeros(3, dtype=np.int64), 5)]
    [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 1, 0, 1]]
    """
    first = _user_starts(users)
    prev = np.empty_like(periods)
    if periods.size:
        prev[1:] = periods[:-1]
        prev[0] = 0
    is_new = first if created is None else first & (periods == created)
    is_returning = ~first & (prev == periods - 1)
    nxt = np.empty_like(periods)
    if periods.size:
        nxt[:-1] = periods[1:]
        nxt[_user_ends(users)] = -2
    goes_dormant = (nxt != periods + 1) & (periods + 1 < n_periods)
    # one status per pair (0 new, 1 returning, 2 resurrecting: new and returning exclude
    # each other), counted in one pass over (period, status) cells
    status = periods * 3 + 2
    status -= is_returning
    status -= 2 * is_new
    table = np.bincount(status, minlength=3 * n_periods).astype(np.int64).reshape(n_periods, 3)
    dormant = np.bincount(periods[goes_dormant] + 1, minlength=n_periods).astype(np.int64)
    return table[:, 0].copy(), table[:, 1].copy(), table[:, 2].copy(), dormant


def growth_values(
    users: I64, periods: I64, values: Num, n_periods: int
) -> tuple[Num, Num, Num, Num, Num, Num, Num]:
    """Growth accounting of an amount (revenue) per period.

    Integer ``values`` (cents) give int64 sums, and then the identities hold exactly
    (``total_t = retained + new + resurrected + expansion`` and ``total_{t-1} = retained +
    contraction + churned``); float sums agree only to rounding.

    ``values`` is each (user, period) pair's total (pairs with a total of 0 are not active).
    Per user and period, with ``prev`` the amount of the period before (0 if inactive):
    *retained* ``min(now, prev)``, *expansion* ``max(now - prev, 0)`` and *contraction*
    ``max(prev - now, 0)`` when active in both; *new* on the user's first active period;
    *resurrected* when active now, not in the previous period, but before; *churned* ``prev``
    when active in the previous period and not now.

    Returns
    -------
    tuple of numpy.ndarray of float64
        ``total, retained, new, resurrected, expansion, contraction, churned`` (contraction
        and churned as positive amounts).

    Examples
    --------
    >>> import numpy as np
    >>> out = growth_values(np.array([0, 0, 0]), np.array([0, 1, 2]),
    ...                     np.array([10.0, 15.0, 5.0]), 4)
    >>> [a.tolist() for a in out]  # doctest: +NORMALIZE_WHITESPACE
    [[10.0, 15.0, 5.0, 0.0], [0.0, 10.0, 5.0, 0.0], [10.0, 0.0, 0.0, 0.0],
     [0.0, 0.0, 0.0, 0.0], [0.0, 5.0, 0.0, 0.0], [0.0, 0.0, 10.0, 0.0],
     [0.0, 0.0, 0.0, 5.0]]
    """
    keep = values != 0
    users, periods, values = users[keep], periods[keep], values[keep]
    first = _user_starts(users)
    prev_p = np.empty_like(periods)
    prev_v = np.zeros_like(values)
    if periods.size:
        prev_p[1:] = periods[:-1]
        prev_p[0] = 0
        prev_v[1:] = values[:-1]
    both = ~first & (prev_p == periods - 1)
    before = np.where(both, prev_v, 0)
    resurrected = ~first & ~both
    nxt = np.empty_like(periods)
    if periods.size:
        nxt[:-1] = periods[1:]
        nxt[_user_ends(users)] = -2
    churns = (nxt != periods + 1) & (periods + 1 < n_periods)

    exact = values.dtype.kind in "iu"
    # Every weight below is at most |now| + |before| in size, so each running sum stays under
    # 2 * sum|values|: below 2**52, float64 counts the integers exactly and faster than add.at.
    counted = exact and float(np.abs(values).sum(dtype=np.float64)) < 2**51

    def total(weights: Num, at: I64 = periods, size: int = n_periods) -> Num:
        if counted:
            floats = np.bincount(at, weights=weights, minlength=size)[:size]
            return floats.astype(np.int64)
        if exact:
            sums: I64 = np.zeros(size + 1, dtype=np.int64)
            np.add.at(sums, at, weights)
            return sums[:size]
        out = np.bincount(at, weights=weights, minlength=size)[:size]
        return np.asarray(out, dtype=np.float64)

    zero = np.zeros_like(values)
    if exact:  # the rest from the identities: exact in integers
        # every pair is active in both periods (0), new (1) or resurrected (2): one count
        status = periods * 3 + 2
        status -= first
        status -= 2 * both
        table = total(values, status, 3 * n_periods).reshape(n_periods, 3)
        kept, new, back = (table[:, i].copy() for i in range(3))
        retained = total(np.where(both, np.minimum(values, before), zero))
        # over the pairs active in both periods: max(v - b, 0) = v - min(v, b), and
        # max(b - v, 0) = b - min(v, b); b is 0 on the others
        return (
            kept + new + back,
            retained,
            new,
            back,
            kept - retained,
            total(before) - retained,
            total(np.where(churns, values, zero), np.where(churns, periods + 1, 0)),
        )
    return (
        total(values),
        total(np.where(both, np.minimum(values, before), zero)),
        total(np.where(first, values, zero)),
        total(np.where(resurrected, values, zero)),
        total(np.where(both, np.maximum(values - before, 0), zero)),
        total(np.where(both, np.maximum(before - values, 0), zero)),
        total(np.where(churns, values, zero), np.where(churns, periods + 1, 0)),
    )


class GrowthCounts(NamedTuple):
    """Everything growth accounting counts over the sorted (user, period) pairs.

    ``users`` rows: active, retained, new, resurrected, churned (positive counts); ``values``
    rows: :func:`growth_values`' seven totals; ``cake`` and ``cake_retained``: users per
    (first period, period) cell, all and those active in the period before too;
    ``cake_values``: the amount per (first period with an amount, period) cell.
    """

    users: I64
    values: I64 | None
    cake: I64
    cake_retained: I64
    cake_values: I64 | None


def _int_totals(at: I64, weights: I64, size: int, exact_floats: bool) -> I64:
    """Exact int64 sums of ``weights`` per ``at``: float64 counts them when ``exact_floats``."""
    if exact_floats:
        return np.bincount(at, weights=weights, minlength=size)[:size].astype(np.int64)
    sums: I64 = np.zeros(size, dtype=np.int64)
    np.add.at(sums, at, weights)
    return sums


def growth_pairs(
    users: I64, periods: I64, n_periods: int, values: I64 | None = None
) -> GrowthCounts:
    """Growth accounting of users, :func:`growth_values` and the layer cakes in shared passes.

    Every pair gets one code ``(period, status, churns)`` (status: retained, new or
    resurrected; churns: not active in the next period), so one ``bincount`` counts the
    users by status and the churned users, and one weighted by the pair totals sums the
    revenue by status and the churned revenue when every total is positive (the users'
    statuses are then the revenue's). Contraction follows from ``revenue_{t-1} = retained +
    contraction + churned`` and expansion from ``kept = retained + expansion`` (integers:
    exact). With zero totals (active, no revenue) the revenue goes through
    :func:`growth_values`.

    Parameters
    ----------
    users, periods, n_periods
        The sorted distinct (user, period) pairs and the output length.
    values : numpy.ndarray of int64, optional
        Non-negative integer total (cents) of each pair.

    Returns
    -------
    GrowthCounts

    Examples
    --------
    >>> import numpy as np
    >>> out = growth_pairs(np.array([0, 0, 1]), np.array([0, 2, 1]), 3, np.array([5, 7, 2]))
    >>> out.users.tolist()
    [[1, 1, 1], [0, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]]
    >>> out.values[0].tolist(), out.values[6].tolist()  # revenue, churned
    ([5, 2, 7], [0, 5, 2])
    >>> out.cake.tolist()
    [[1, 0, 1], [0, 1, 0], [0, 0, 0]]
    """
    n = n_periods
    size = users.size
    first = _user_starts(users)
    cont = np.zeros(size, dtype=bool)  # active in the period before too: retained
    if size > 1:
        np.equal(periods[1:] - periods[:-1], 1, out=cont[1:])
        cont[1:] &= ~first[1:]
    churns = np.ones(size, dtype=bool)
    if size > 1:
        np.logical_not(cont[1:], out=churns[:-1])
    churns &= periods < n - 1
    # code = (period * 3 + status) * 2 + churns, status 0 retained, 1 new, 2 resurrected
    status = np.full(size, 4, dtype=np.int8)  # (status, churns) in bytes: 8x less to move
    status -= first.view(np.int8) << 1
    status -= cont.view(np.int8) << 2
    status += churns.view(np.int8)
    code = periods * 6
    code += status
    counted = np.bincount(code, minlength=6 * n)[: 6 * n].reshape(n, 3, 2).astype(np.int64)
    by_status = counted.sum(axis=2)
    retained, new, resurrected = (by_status[:, i].copy() for i in range(3))
    churned = np.zeros(n, dtype=np.int64)
    churned[1:] = counted[:-1, :, 1].sum(axis=1)
    user_table = np.stack([retained + new + resurrected, retained, new, resurrected, churned])

    starts = np.flatnonzero(first)
    cohort = np.repeat(periods[starts], np.diff(np.append(starts, size)))
    cell = cohort * n
    cell += periods
    both = cell * 2
    both += cont
    cakes = np.bincount(both, minlength=2 * n * n)[: 2 * n * n].reshape(n * n, 2)
    cakes = cakes.astype(np.int64, copy=False)  # no copy of the 2 n^2 cells (n: periods)
    cake = (cakes[:, 0] + cakes[:, 1]).reshape(n, n)
    cake_retained = cakes[:, 1].copy().reshape(n, n)
    if values is None:
        return GrowthCounts(user_table, None, cake, cake_retained, None)

    v = np.asarray(values, dtype=np.int64)
    if size and int(v.min()) <= 0:  # active pairs without revenue: the general path
        return GrowthCounts(
            user_table,
            np.stack(growth_values(users, periods, v, n)),
            cake,
            cake_retained,
            _revenue_cake(users, periods, v, n),
        )
    exact_floats = float(v.sum(dtype=np.float64)) < 2**51
    sums = _int_totals(code, v, 6 * n, exact_floats).reshape(n, 3, 2)
    by_status = sums.sum(axis=2)
    kept, new_v, back = (by_status[:, i].copy() for i in range(3))
    total = kept + new_v + back
    churned_v = np.zeros(n, dtype=np.int64)
    churned_v[1:] = sums[:-1, :, 1].sum(axis=1)
    before = np.zeros(size, dtype=np.int64)
    if size > 1:
        np.minimum(v[1:], v[:-1], out=before[1:])
    before *= cont  # min(now, before) over the pairs active in both periods, 0 elsewhere
    retained_v = _int_totals(periods, before, n, exact_floats)
    contraction = np.zeros(n, dtype=np.int64)
    contraction[1:] = total[:-1] - retained_v[1:] - churned_v[1:]
    value_table = np.stack(
        [total, retained_v, new_v, back, kept - retained_v, contraction, churned_v]
    )
    cake_values = _int_totals(cell, v, n * n, exact_floats).reshape(n, n)
    return GrowthCounts(user_table, value_table, cake, cake_retained, cake_values)


def _revenue_cake(users: I64, periods: I64, values: I64, n: int) -> I64:
    """Amount per (first period with a non-zero amount, period) cell of the pairs."""
    positive = values != 0
    up, pp, vp = users[positive], periods[positive], values[positive]
    pos_first = _user_starts(up)
    starts = np.flatnonzero(pos_first)
    vcohort = np.repeat(pp[starts], np.diff(np.append(starts, up.size)))
    vcell = vcohort * n + pp
    exact_floats = float(np.abs(vp).sum(dtype=np.float64)) < 2**52
    return _int_totals(vcell, vp, n * n, exact_floats).reshape(n, n)
