"""Attribution kernels: journey weights, exact Markov absorption, Shapley games, last click.

Journeys are CSR arrays: ``offsets`` (one entry per journey plus one) and ``codes`` (channel
code per touch, ``0..n_channels-1``, journeys non-empty). Per-journey amounts (conversions,
nulls, value) are float arrays. Sessions, for the session credited with an event (last or
first click), are sorted by (user, time) with per-user ``offsets``. Nothing here sees a
DataFrame.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from saasmetrics._kernels.segments import position_in_segment, segment_ids

__all__ = (
    "channel_set_masks",
    "credit",
    "credited_sessions",
    "game_shapley_exact",
    "heuristic_weights",
    "markov_absorption",
    "markov_removal",
    "markov_state_history",
    "markov_states",
    "markov_steps",
    "markov_transitions",
    "next_event",
    "ordered_simplified_shapley",
    "popcount",
    "shapley_rate_sampled",
    "simplified_shapley",
    "step_weights",
    "subset_sums",
    "touch_credit",
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- heuristics
def heuristic_weights(
    offsets: I64,
    codes: npt.NDArray[np.integer],
    kind: str,
    *,
    elapsed: F64 | None = None,
    half_life: float = 1.0,
    first: float = 0.4,
    last: float = 0.4,
) -> F64:
    """Share of its journey's conversion that each touch gets (shares sum to 1 per journey).

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Journey offsets (every journey non-empty).
    codes : numpy.ndarray of int
        Channel code per touch.
    kind : {"first", "last", "linear", "linear_unique", "position", "time_decay"}
        The rule. ``linear_unique`` splits equally over the distinct channels of the journey
        (at their first touch); ``time_decay`` weighs a touch by ``2 ** (-elapsed /
        half_life)``; ``position`` gives ``first`` and ``last`` to the ends and the rest
        equally to the middle (two-touch journeys split ``first : last``).
    elapsed : numpy.ndarray of float, optional
        Time from each touch to the end of its journey (``time_decay`` only).
    half_life : float, default 1.0
        In the unit of ``elapsed``.
    first, last : float, default 0.4
        Position-based shares.

    Returns
    -------
    numpy.ndarray of float64
        One weight per touch.

    Examples
    --------
    >>> import numpy as np
    >>> offsets, codes = np.array([0, 3, 4]), np.array([0, 1, 0, 2])
    >>> heuristic_weights(offsets, codes, "linear").round(3).tolist()
    [0.333, 0.333, 0.333, 1.0]
    >>> heuristic_weights(offsets, codes, "linear_unique").round(3).tolist()
    [0.5, 0.5, 0.0, 1.0]
    """
    n = codes.size
    lengths = np.diff(offsets)
    jid = segment_ids(offsets)
    pos = position_in_segment(offsets)
    length = lengths[jid]
    if kind == "first":
        first_w: F64 = np.asarray(pos == 0, dtype=np.float64)
        return first_w
    if kind == "last":
        last_w: F64 = np.asarray(pos == length - 1, dtype=np.float64)
        return last_w
    if kind == "linear":
        return 1.0 / length.astype(np.float64)
    if kind == "linear_unique":
        order = np.lexsort((pos, codes, jid))
        first_in_group = np.ones(n, dtype=bool)
        same = (jid[order][1:] == jid[order][:-1]) & (codes[order][1:] == codes[order][:-1])
        first_in_group[1:] = ~same
        mark = np.zeros(n, dtype=np.float64)
        mark[order] = first_in_group
        n_unique = np.bincount(jid, weights=mark, minlength=lengths.size)
        return mark / n_unique[jid]
    if kind == "position":
        w = np.zeros(n, dtype=np.float64)
        one = length == 1
        two = length == 2
        many = length >= 3
        w[one] = 1.0
        ends = first + last
        w[two & (pos == 0)] = first / ends if ends > 0 else 0.5
        w[two & (pos == 1)] = last / ends if ends > 0 else 0.5
        w[many & (pos == 0)] = first
        w[many & (pos == length - 1)] = last
        middle = many & (pos > 0) & (pos < length - 1)
        w[middle] = (1.0 - first - last) / (length[middle] - 2)
        return w
    if kind == "time_decay":
        if elapsed is None:
            msg = "time_decay needs elapsed times"
            raise ValueError(msg)
        # subtract each journey's smallest elapsed time so the largest raw weight is 1
        low = np.full(lengths.size, np.inf)
        np.minimum.at(low, jid, elapsed)
        raw = np.exp2(-(elapsed - low[jid]) / half_life)
        total = np.bincount(jid, weights=raw, minlength=lengths.size)
        decay: F64 = np.asarray(raw / total[jid], dtype=np.float64)
        return decay
    msg = f"unknown kind {kind!r}"
    raise ValueError(msg)


def credit(
    offsets: I64,
    codes: npt.NDArray[np.integer],
    weights: F64,
    amounts: F64,
    n_channels: int,
) -> F64:
    """Sum ``weight * amount of its journey`` per channel.

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Journey offsets.
    codes : numpy.ndarray of int
        Channel code per touch.
    weights : numpy.ndarray of float
        Share per touch (from :func:`heuristic_weights`).
    amounts : numpy.ndarray of float
        Per-journey amount (conversions or value), or several as rows of a 2-D array.
    n_channels : int
        Number of channels.

    Returns
    -------
    numpy.ndarray of float64
        Credit per channel (one row per row of ``amounts`` when it is 2-D).

    Examples
    --------
    >>> import numpy as np
    >>> credit(np.array([0, 2]), np.array([0, 1]), np.array([0.5, 0.5]), np.array([3.0]), 2)
    array([1.5, 1.5])
    """
    jid = segment_ids(offsets)
    rows = [  # one row per amount (conversions, value), not per touch
        np.bincount(codes, weights=weights * amount[jid], minlength=n_channels)
        for amount in np.atleast_2d(amounts)
    ]
    out = np.asarray(rows, dtype=np.float64)
    return out if amounts.ndim == 2 else out[0]


def touch_credit(touch_codes: npt.NDArray[np.integer], amounts: F64, n_channels: int) -> F64:
    """Credit per channel when one touch per journey gets all of it (first or last touch).

    The same sums as :func:`credit` with 0/1 weights, without a pass over every touch.

    Parameters
    ----------
    touch_codes : numpy.ndarray of int
        Channel of the credited touch of each journey.
    amounts : numpy.ndarray of float
        Per-journey amount, or several as rows of a 2-D array.
    n_channels : int
        Number of channels.

    Returns
    -------
    numpy.ndarray of float64
        Credit per channel (one row per row of ``amounts`` when it is 2-D).

    Examples
    --------
    >>> import numpy as np
    >>> touch_credit(np.array([1, 1, 0]), np.array([1.0, 2.0, 4.0]), 2)
    array([4., 3.])
    """
    rows = [
        np.bincount(touch_codes, weights=amount, minlength=n_channels)
        for amount in np.atleast_2d(amounts)
    ]
    out = np.asarray(rows, dtype=np.float64)
    return out if amounts.ndim == 2 else out[0]


# --------------------------------------------------------------------------- Markov
def markov_states(
    offsets: I64, codes: npt.NDArray[np.integer], n_channels: int, order: int
) -> tuple[I64, I64]:
    """State of each touch for a Markov chain of ``order``: the last ``order`` channels.

    The first touches of a journey have shorter histories (``(a)``, then ``(a, b)``...).

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Journey offsets.
    codes : numpy.ndarray of int
        Channel code per touch.
    n_channels : int
        Number of channels.
    order : int
        Chain order (>= 1).

    Returns
    -------
    state : numpy.ndarray of int64
        State id (``0..n_states-1``) per touch.
    keys : numpy.ndarray of int64
        Key of each state: digits in base ``n_channels + 1`` of ``code + 1``, most recent
        channel in the lowest digit (0 = no channel).

    Examples
    --------
    >>> import numpy as np
    >>> state, keys = markov_states(np.array([0, 2]), np.array([0, 1]), 2, 2)
    >>> state.tolist(), keys.tolist()
    ([0, 1], [1, 5])
    """
    base = n_channels + 1
    if order * math.log2(base) >= 62:
        msg = "too many channel histories for an int64 key"
        raise OverflowError(msg)
    pos = position_in_segment(offsets)
    key = np.zeros(codes.size, dtype=np.int64)
    shifted = codes.astype(np.int64) + 1
    for lag in range(order):
        digit = np.zeros(codes.size, dtype=np.int64)
        if lag == 0:
            digit = shifted
        else:
            ok = pos >= lag
            digit[lag:][ok[lag:]] = shifted[:-lag][ok[lag:]]
        key += digit * np.int64(base) ** lag
    keys, state = np.unique(key, return_inverse=True)
    return state.astype(np.int64), keys.astype(np.int64)


def markov_state_history(keys: I64, n_channels: int, order: int) -> I64:
    """The channels of each state from its key: ``code + 1`` per lag, 0 for none.

    Parameters
    ----------
    keys : numpy.ndarray of int64
        From :func:`markov_states`.
    n_channels : int
        Number of channels.
    order : int
        Chain order.

    Returns
    -------
    numpy.ndarray of int64
        ``(order, n_states)``: row ``lag`` holds the channel ``lag`` touches back (row 0 is the
        most recent).

    Examples
    --------
    >>> import numpy as np
    >>> markov_state_history(np.array([1, 5]), 2, 2).tolist()
    [[1, 2], [0, 1]]
    """
    base = n_channels + 1
    history: I64 = np.stack([(keys // base**lag) % base for lag in range(order)]).astype(np.int64)
    return history


def markov_steps(
    offsets: I64,
    state: I64,
    following: npt.NDArray[np.integer],
    *,
    start: int,
    conversion: int,
    null: int,
) -> tuple[I64, I64]:
    """Every step of every walk: from the start, between touches, and to conversion or null.

    Steps come in four blocks: start to each journey's first touch, each touch to the next,
    each journey's last touch to ``conversion``, and the same to ``null``. Their weights, in
    the same layout, are :func:`step_weights`.

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Journey offsets.
    state : numpy.ndarray of int64
        State per touch (where a step comes from).
    following : numpy.ndarray of int
        Per touch, what a step into it is called (its state, or its channel).
    start, conversion, null : int
        Ids of the start, conversion and null.

    Returns
    -------
    source, target : numpy.ndarray of int64
        One entry per step.

    Examples
    --------
    >>> import numpy as np
    >>> src, dst = markov_steps(np.array([0, 2]), np.array([0, 1]), np.array([0, 1]),
    ...                         start=2, conversion=3, null=4)
    >>> src.tolist(), dst.tolist()
    ([2, 0, 1, 1], [0, 1, 3, 4])
    """
    firsts = offsets[:-1]
    lasts = offsets[1:] - 1
    inner = _inner_touches(offsets)
    source = np.concatenate([np.full(firsts.size, start), state[inner], state[lasts], state[lasts]])
    target = np.concatenate(
        [
            following[firsts],
            following[np.flatnonzero(inner) + 1],
            np.full(lasts.size, conversion),
            np.full(lasts.size, null),
        ]
    )
    return source.astype(np.int64), target.astype(np.int64)


def step_weights(offsets: I64, conversions: F64, nulls: F64) -> F64:
    """How often each step of :func:`markov_steps` is walked.

    A journey is walked ``conversions + nulls`` times; it ends ``conversions`` times in
    conversion and ``nulls`` times in null.

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Journey offsets.
    conversions, nulls : numpy.ndarray of float
        Per-journey counts.

    Returns
    -------
    numpy.ndarray of float64
        One weight per step.

    Examples
    --------
    >>> import numpy as np
    >>> step_weights(np.array([0, 2]), np.array([1.0]), np.array([3.0])).tolist()
    [4.0, 4.0, 1.0, 3.0]
    """
    total = conversions + nulls
    inner = _inner_touches(offsets)
    weight: F64 = np.concatenate(
        [total, total[segment_ids(offsets)[inner]], conversions, nulls]
    ).astype(np.float64)
    return weight


def _inner_touches(offsets: I64) -> npt.NDArray[np.bool_]:
    """True on every touch but the last of its journey."""
    inner = np.ones(int(offsets[-1]), dtype=bool)
    inner[offsets[1:] - 1] = False
    return inner


def markov_transitions(
    offsets: I64, state: I64, n_states: int, conversions: F64, nulls: F64
) -> sp.csr_matrix:
    """Weighted transition counts among states, start, conversion and null.

    The start state is ``n_states``, conversion ``n_states + 1`` and null ``n_states + 2``.

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Journey offsets.
    state : numpy.ndarray of int64
        State per touch.
    n_states : int
        Number of transient states.
    conversions, nulls : numpy.ndarray of float
        Per-journey counts: the journey was walked ``conversions + nulls`` times.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(n_states + 3)`` square matrix of counts.
    """
    src, dst = markov_steps(
        offsets, state, state, start=n_states, conversion=n_states + 1, null=n_states + 2
    )
    weight = step_weights(offsets, conversions, nulls)
    size = n_states + 3
    return sp.csr_matrix(sp.coo_matrix((weight, (src, dst)), shape=(size, size)), dtype=np.float64)


def _absorbing_system(counts: sp.csr_matrix, reward: F64 | None) -> tuple[sp.csr_matrix, F64]:
    """``Q`` (transient to transient probabilities) and ``r`` (reward per transient state).

    Transient states are the ``n`` states and the start (``n``); ``r`` is the probability of
    converting next, or, with ``reward``, the value earned on leaving each state.
    """
    n = counts.shape[0] - 3
    transient = n + 1
    out = np.asarray(counts.sum(axis=1)).ravel()
    scale = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
    probs = sp.csr_matrix(sp.diags(scale) @ counts)
    q = sp.csr_matrix(probs[:transient, :transient])
    if reward is None:
        r = np.asarray(probs[:transient, n + 1].todense(), dtype=np.float64).ravel()
    else:
        r = np.zeros(transient)
        r[:n] = reward[:n] * scale[:n]
    return q, r


def markov_absorption(
    counts: sp.csr_matrix,
    removed: npt.NDArray[np.bool_] | None = None,
    reward: F64 | None = None,
) -> float:
    """Probability of reaching the conversion state from the start state (exact solve).

    Parameters
    ----------
    counts : scipy.sparse.csr_matrix
        From :func:`markov_transitions` (``n + 3`` square).
    removed : numpy.ndarray of bool, optional
        Transient states to remove: walks that enter them end as nulls.
    reward : numpy.ndarray of float, optional
        Per transient state, the total value of the conversions entered from it (same
        weights as the conversion counts). Then the result is the expected value of a walk:
        each conversion pays the mean value of conversions from the state it leaves.

    Returns
    -------
    float
        ``P(conversion | start)`` (or the expected value with ``reward``).

    Examples
    --------
    >>> import numpy as np
    >>> # one state; start -> s always, s -> conversion 1 time in 4
    >>> import scipy.sparse as sp
    >>> rows = [[0, 0, 1, 3], [4, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    >>> counts = sp.csr_matrix(np.array(rows, dtype=float))
    >>> round(markov_absorption(counts), 3)
    0.25
    """
    n = counts.shape[0] - 3
    transient = n + 1  # states and the start state
    q: Any
    q, r = _absorbing_system(counts, reward)
    if removed is not None and removed.any():
        keep = np.ones(transient)
        keep[:n][removed] = 0.0
        q = sp.diags(keep) @ q
        r = r * keep
    system = sp.identity(transient, format="csc") - sp.csc_matrix(q)
    x = spla.spsolve(system, r)
    return float(np.atleast_1d(x)[n])


def markov_removal(
    counts: sp.csr_matrix,
    removed: npt.NDArray[np.bool_],
    reward: F64 | None = None,
    *,
    direct_below: int = 400,
    tol: float = 1e-15,
    max_iter: int = 20_000,
) -> tuple[float, F64]:
    """Absorption probability of the full chain and of the chain without each channel.

    Small chains are solved with a sparse LU factorisation per removal. Large ones (higher
    orders: thousands of history states, whose LU fills in) iterate ``x <- Q x + r`` for every
    removal at once, as one sparse-times-dense product per step, until the largest change is
    below ``tol`` relative to the solution, i.e. to floating-point round-off; an iteration that
    has not converged after ``max_iter`` steps falls back to the direct solve.

    Parameters
    ----------
    counts : scipy.sparse.csr_matrix
        From :func:`markov_transitions`.
    removed : numpy.ndarray of bool
        ``(n_removals, n_states)``: the states removed in each scenario.
    reward : numpy.ndarray of float, optional
        See :func:`markov_absorption`.
    direct_below : int, default 400
        Use the direct solver when there are fewer transient states than this.
    tol : float, default 1e-15
        Relative convergence threshold of the iteration.
    max_iter : int, default 20_000
        Iteration budget before the direct fallback.

    Returns
    -------
    base : float
        Conversion probability (or expected value) of the full chain.
    without : numpy.ndarray of float64
        The same without each removal's states.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> rows = [[0, 0, 1, 3], [4, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    >>> counts = sp.csr_matrix(np.array(rows, dtype=float))
    >>> base, without = markov_removal(counts, np.array([[True]]))
    >>> round(base, 3), without.tolist()
    (0.25, [0.0])
    """
    n = counts.shape[0] - 3
    transient = n + 1
    if transient >= direct_below:
        q, r = _absorbing_system(counts, reward)
        keep = np.ones((transient, removed.shape[0] + 1))
        keep[:n, 1:] = ~removed.T
        rhs = keep * r[:, None]
        x = rhs.copy()
        for _ in range(max_iter):
            new = keep * (q @ x) + rhs
            delta = float(np.max(np.abs(new - x)))
            x = new
            if delta <= tol * max(float(np.max(np.abs(x))), 1e-300):
                return float(x[n, 0]), np.asarray(x[n, 1:], dtype=np.float64)
    # small chains, and (as a fallback) iterations that did not converge
    base = markov_absorption(counts, reward=reward)
    without = np.array([markov_absorption(counts, mask, reward=reward) for mask in removed])
    return base, without.astype(np.float64)


# --------------------------------------------------------------------------- Shapley
def popcount(masks: npt.NDArray[np.uint64]) -> I64:
    """Number of set bits of each uint64 (SWAR; ``np.bitwise_count`` needs NumPy 2).

    Parameters
    ----------
    masks : numpy.ndarray of uint64
        Bitmasks.

    Returns
    -------
    numpy.ndarray of int64
        Bits set in each.

    Examples
    --------
    >>> import numpy as np
    >>> popcount(np.array([0, 1, 7, 2**63], dtype=np.uint64)).tolist()
    [0, 1, 3, 1]
    """
    x = masks.astype(np.uint64)
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return ((x * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.int64)


def channel_set_masks(offsets: I64, codes: npt.NDArray[np.integer]) -> npt.NDArray[np.uint64]:
    """Bitmask of the distinct channels of each journey (channel ``c`` is bit ``c``).

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Journey offsets (non-empty journeys).
    codes : numpy.ndarray of int
        Channel code per touch, below 64.

    Returns
    -------
    numpy.ndarray of uint64
        One mask per journey.

    Examples
    --------
    >>> import numpy as np
    >>> channel_set_masks(np.array([0, 2, 3]), np.array([0, 2, 1])).tolist()
    [5, 2]
    """
    bits = np.left_shift(np.uint64(1), codes.astype(np.uint64))
    return np.bitwise_or.reduceat(bits, offsets[:-1]).astype(np.uint64)


def simplified_shapley(masks: npt.NDArray[np.uint64], amounts: F64, n_channels: int) -> F64:
    """Zhao et al. (2018) simplified Shapley value: each set's amount split over its channels.

    With ``v(S)`` the amount of journeys whose channel set is inside ``S``, the game is a sum of
    unanimity games, so each channel's Shapley value is ``sum over sets T containing it of
    R(T) / |T|`` — exact, whatever the number of channels.

    Parameters
    ----------
    masks : numpy.ndarray of uint64
        Channel set per journey.
    amounts : numpy.ndarray of float
        Amount per journey (conversions or value).
    n_channels : int
        Number of channels.

    Returns
    -------
    numpy.ndarray of float64
        Value per channel; sums to ``amounts.sum()``.

    Examples
    --------
    >>> import numpy as np
    >>> simplified_shapley(np.array([3, 1], dtype=np.uint64), np.array([2.0, 1.0]), 2)
    array([2., 1.])
    """
    size = popcount(masks).astype(np.float64)
    share = amounts / size
    out = np.zeros(n_channels, dtype=np.float64)
    for c in range(n_channels):  # loop over channels only
        has = (masks >> np.uint64(c)) & np.uint64(1)
        out[c] = float(share[has.astype(bool)].sum())
    return out


def ordered_simplified_shapley(
    offsets: I64, codes: npt.NDArray[np.integer], amounts: F64, n_channels: int
) -> F64:
    """Ordered simplified Shapley (Zhao et al., 2018): credit per channel and position.

    Each journey's amount is split equally over its distinct channels (as in
    :func:`simplified_shapley`), and each share is filed under the position at which that
    channel first appears among the journey's distinct channels (1st, 2nd, ...).

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Journey offsets.
    codes : numpy.ndarray of int
        Channel code per touch.
    amounts : numpy.ndarray of float
        Amount per journey.
    n_channels : int
        Number of channels.

    Returns
    -------
    numpy.ndarray of float64
        ``(n_channels, max_distinct)``; row sums are the simplified Shapley values.

    Examples
    --------
    >>> import numpy as np
    >>> ordered_simplified_shapley(np.array([0, 3]), np.array([1, 1, 0]), np.array([2.0]), 2)
    array([[0., 1.],
           [1., 0.]])
    """
    first = heuristic_weights(offsets, codes, "linear_unique") > 0
    jid = segment_ids(offsets)
    n_distinct = np.bincount(jid, weights=first, minlength=offsets.size - 1)
    before: I64 = np.cumsum(first, dtype=np.int64) - first  # distinct channels so far, globally
    start = np.concatenate([[0], np.cumsum(n_distinct)[:-1]]).astype(np.int64)
    rank = (before - start[jid]).astype(np.int64)
    width = int(n_distinct.max()) if n_distinct.size else 0
    share = amounts[jid] / np.maximum(n_distinct[jid], 1)
    flat = codes.astype(np.int64)[first] * width + rank[first]
    out = np.bincount(flat, weights=share[first], minlength=n_channels * width)
    return np.asarray(out, dtype=np.float64).reshape(n_channels, width)


def subset_sums(values: F64, n: int) -> F64:
    """Zeta transform: ``out[S] = sum of values[T] over T subset of S`` for all ``2**n`` masks.

    Parameters
    ----------
    values : numpy.ndarray of float
        Length ``2**n``, indexed by mask.
    n : int
        Number of bits.

    Returns
    -------
    numpy.ndarray of float64
        The subset sums.

    Examples
    --------
    >>> import numpy as np
    >>> subset_sums(np.array([1.0, 2.0, 3.0, 4.0]), 2).tolist()
    [1.0, 3.0, 4.0, 10.0]
    """
    out = values.astype(np.float64).copy()
    for bit in range(n):
        view = out.reshape(-1, 2, 1 << bit)
        view[:, 1, :] += view[:, 0, :]
    return out


def game_shapley_exact(v: F64, n: int) -> F64:
    """Exact Shapley values of a game given by ``v[mask]`` for all ``2**n`` coalitions.

    Parameters
    ----------
    v : numpy.ndarray of float
        Worth of every coalition (``v[0]`` is the empty one).
    n : int
        Number of players.

    Returns
    -------
    numpy.ndarray of float64
        One value per player; they sum to ``v[-1] - v[0]``.

    Examples
    --------
    >>> import numpy as np
    >>> game_shapley_exact(np.array([0.0, 1.0, 1.0, 4.0]), 2).tolist()
    [2.0, 2.0]
    """
    masks = np.arange(1 << n, dtype=np.uint64)
    size = popcount(masks).astype(np.int64)
    log_fact = np.array([math.lgamma(k + 1) for k in range(n + 1)])
    out = np.zeros(n, dtype=np.float64)
    for j in range(n):  # loop over players only
        v3 = v.reshape(-1, 2, 1 << j)
        s = size.reshape(-1, 2, 1 << j)[:, 0, :]
        w = np.exp(log_fact[s] + log_fact[n - s - 1] - log_fact[n])
        out[j] = float(np.sum(w * (v3[:, 1, :] - v3[:, 0, :])))
    return out


def shapley_rate_sampled(
    set_members: npt.NDArray[np.bool_],
    conversions: F64,
    totals: F64,
    n_permutations: int,
    rng: np.random.Generator,
    *,
    chunk_cells: int = 4_000_000,
) -> tuple[F64, F64]:
    """Monte Carlo Shapley values of the conversion-rate game by random channel orders.

    ``v(S)`` is the conversion rate of the journeys whose channels all lie in ``S`` (0 when
    there are none). Each sampled order adds channels one by one; a channel's marginal
    contribution is the change in ``v`` when it joins.

    Parameters
    ----------
    set_members : numpy.ndarray of bool
        ``(n_sets, n_channels)``: the channels of each distinct channel set.
    conversions, totals : numpy.ndarray of float
        Conversions and journeys (conversions + nulls) per set.
    n_permutations : int
        Orders to sample.
    rng : numpy.random.Generator
        Randomness.
    chunk_cells : int, default 4_000_000
        Memory bound (orders x sets x channels per chunk).

    Returns
    -------
    mean : numpy.ndarray of float64
        Estimated Shapley value per channel.
    std_error : numpy.ndarray of float64
        Its Monte Carlo standard error.
    """
    n_sets, n = set_members.shape
    sums = np.zeros(n)
    squares = np.zeros(n)
    chunk = max(1, chunk_cells // max(1, n_sets * n))
    done = 0
    while done < n_permutations:
        m = min(chunk, n_permutations - done)
        perms = np.argsort(rng.random((m, n)), axis=1)
        pos = np.empty_like(perms)
        np.put_along_axis(pos, perms, np.arange(n)[None, :].repeat(m, axis=0), axis=1)
        # position at which each set is complete: its last channel to arrive
        complete = np.where(set_members[None, :, :], pos[:, None, :], -1).max(axis=2)
        flat = (np.arange(m)[:, None] * n + complete).ravel()
        conv = np.bincount(flat, weights=np.tile(conversions, m), minlength=m * n)
        tot = np.bincount(flat, weights=np.tile(totals, m), minlength=m * n)
        conv_c = np.cumsum(conv.reshape(m, n), axis=1)
        tot_c = np.cumsum(tot.reshape(m, n), axis=1)
        rate = np.divide(conv_c, tot_c, out=np.zeros_like(conv_c), where=tot_c > 0)
        marginal = np.diff(rate, axis=1, prepend=0.0)
        player = perms.ravel()
        sums += np.bincount(player, weights=marginal.ravel(), minlength=n)
        squares += np.bincount(player, weights=marginal.ravel() ** 2, minlength=n)
        done += m
    mean = sums / n_permutations
    var = np.maximum(squares / n_permutations - mean**2, 0.0)
    std_error = np.sqrt(var / max(1, n_permutations - 1))
    return mean, std_error


# --------------------------------------------------------------------------- sessions
def credited_sessions(
    offsets: I64, sorted_ns: I64, e_user: I64, e_ns: I64, credit: str
) -> tuple[I64, I64]:
    """The session credited with each event, among sessions sorted by (user, time).

    ``credit="last"``: the user's last session at or before the event, else their first
    session; ``credit="first"``: their first session. Each user's sessions are searched by a
    bisection of all events at once (a loop over halving steps, not over rows).

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Session offsets per user code (from ``segment_offsets``), covering every event's user.
    sorted_ns : numpy.ndarray of int64
        Session times, sorted within each user.
    e_user, e_ns : numpy.ndarray of int64
        User code and time of each event.
    credit : {"last", "first"}
        Which session.

    Returns
    -------
    session : numpy.ndarray of int64
        Position of the credited session in the sorted sessions (-1 when the user has none).
    after : numpy.ndarray of int64
        Where the event goes among the sorted sessions: after its user's sessions at or before
        it (a session at the event's instant comes first).

    Examples
    --------
    >>> import numpy as np
    >>> offsets, ns = np.array([0, 2, 2]), np.array([10, 20])  # user 0: two sessions, 1: none
    >>> session, after = credited_sessions(offsets, ns, np.array([0, 0, 0, 1]),
    ...                                    np.array([5, 10, 25, 9]), "last")
    >>> session.tolist(), after.tolist()
    ([0, 0, 1, -1], [0, 1, 2, 2])
    """
    start = offsets[e_user]
    stop = offsets[e_user + 1]
    lo, hi = start.copy(), stop.copy()
    active = np.flatnonzero(lo < hi)
    while active.size:  # bisection: about log2(sessions per user) steps
        mid = (lo[active] + hi[active]) // 2
        at_or_before = sorted_ns[mid] <= e_ns[active]
        lo[active] = np.where(at_or_before, mid + 1, lo[active])
        hi[active] = np.where(at_or_before, hi[active], mid)
        active = active[lo[active] < hi[active]]
    pick = start if credit == "first" else np.where(lo > start, lo - 1, start)
    session: I64 = np.where(stop > start, pick, -1).astype(np.int64)
    return session, lo.astype(np.int64)


def next_event(after: I64, n_sessions: int) -> I64:
    """For each sorted session, the first event placed after it (-1 if none).

    Parameters
    ----------
    after : numpy.ndarray of int64
        Non-decreasing: where each event goes among the sessions (``after`` of
        :func:`credited_sessions`, events sorted by (user, time)).
    n_sessions : int
        Number of sessions.

    Returns
    -------
    numpy.ndarray of int64
        Per session, the index of the first event ``j`` with ``after[j] > session``, or -1.

    Examples
    --------
    >>> import numpy as np
    >>> next_event(np.array([0, 2, 2]), 3).tolist()
    [1, 1, -1]
    """
    first = np.ones(after.size, dtype=bool)  # the first event at each place
    first[1:] = after[1:] != after[:-1]
    at = np.full(n_sessions + 1, after.size, dtype=np.int64)
    at[after[first]] = np.flatnonzero(first)
    # the smallest event index placed at or beyond each place, then shifted by one session
    following = np.minimum.accumulate(at[::-1])[::-1][1:]
    out: I64 = np.where(following < after.size, following, -1)
    return out
