"""Funnel kernels: every attempt of every user in one vectorized pass per step.

Inputs are rows sorted by (segment, time, input order), where a segment is one user (or, with
``hold_constant``, one user and property value). An *attempt* opens at an anchor row (a step-1
event); steps 2..K are then matched with one :func:`numpy.searchsorted` per step over the
positions of that step's events, so the cost is ``O(K * A * log n)`` for ``A`` attempts, with no
Python loop over users, attempts or events.

Semantics (the public docs explain them side by side with Amplitude, Mixpanel and PostHog):

* ``"ordered"``: step ``j`` is the first step-``j`` event after the row that filled step
  ``j - 1`` (greedy earliest match, which maximises the level reached);
* ``"strict"``: step ``j`` must be the row right after step ``j - 1`` in the segment;
* ``"unordered"`` (PostHog, Amplitude, Mixpanel): a row matching *any* step opens an attempt,
  and the attempt reaches level ``k`` once ``k`` distinct steps are filled by distinct rows at
  or after the anchor; when step definitions overlap the check is exact (the deficiency form of
  Hall's theorem over subsets of steps);
* ``"first_then_any"``: step 1 opens the attempt, steps ``2..k`` are filled by distinct rows
  after it, in any order (the same exact check over subsets).

Every step's time must be within ``window_ns`` of the anchor's (inclusive). Exclusions remove an
attempt when an excluded event falls strictly between the rows of its ``from`` and ``to`` steps,
or, if the attempt never reached ``to``, after its ``from`` row and within its window.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import numpy.typing as npt

from saasmetrics._kernels.segments import run_starts

__all__ = (
    "MAX_STEP_TYPES",
    "NO_TIME",
    "apply_exclusion",
    "attempt_levels",
    "best_attempts",
    "first_per_segment",
    "next_after",
    "window_end",
)

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
NO_TIME = np.iinfo(np.int64).max
"""Sentinel time (and position) for a step that an attempt did not reach."""
MAX_STEP_TYPES = 16
"""Most distinct step combinations (sets of steps one event can match) an unordered funnel with
overlapping steps checks exactly (``2**16`` sets of them)."""


def first_per_segment(positions: I64, seg: I64) -> I64:
    """Keep the first of ``positions`` (sorted) in each segment.

    Parameters
    ----------
    positions : numpy.ndarray of int64
        Sorted row positions.
    seg : numpy.ndarray of int64
        Segment of every row.

    Returns
    -------
    numpy.ndarray of int64
        The first position of each segment that has one.

    Examples
    --------
    >>> import numpy as np
    >>> first_per_segment(np.array([0, 1, 3, 4]), np.array([0, 0, 0, 1, 1])).tolist()
    [0, 3]
    """
    if positions.size == 0:
        return positions
    segs = seg[positions]
    keep = np.ones(positions.size, dtype=bool)
    keep[1:] = segs[1:] != segs[:-1]
    return positions[keep]


def window_end(start: I64, window_ns: int) -> I64:
    """``start + window_ns``, or just below :data:`NO_TIME` where the sum reaches it.

    A window longer than the data can reach past the last representable time: every later
    time is then inside it, where the plain sum would wrap around to a time before ``start``.
    The end stays below :data:`NO_TIME`, so a step not reached is never inside a window.
    ``window_ns`` is between 0 and the largest int64.

    Examples
    --------
    >>> import numpy as np
    >>> window_end(np.array([0, 2**62]), 2**62).tolist() == [2**62, 2**63 - 2]
    True
    """
    room = NO_TIME - 1 - window_ns  # >= -1: no start above it fits
    end: I64 = np.minimum(start, room)
    end += window_ns  # in place: one new array, not two
    return end


def _next_in(sorted_pos: I64, after: I64, nth: int = 1) -> I64:
    """Position of the ``nth`` element of ``sorted_pos`` strictly after ``after`` (or n/a -> -1)."""
    idx = np.searchsorted(sorted_pos, after, side="right") + (nth - 1)
    out = np.full(after.size, -1, dtype=np.int64)
    ok = idx < sorted_pos.size
    out[ok] = sorted_pos[idx[ok]]
    return out


def next_after(mask: B, positions: I64) -> I64:
    """For each of ``positions``, the first row after it where ``mask`` holds (``mask.size``: none).

    Parameters
    ----------
    mask : numpy.ndarray of bool
        One entry per row.
    positions : numpy.ndarray of int64
        Row positions.

    Returns
    -------
    numpy.ndarray of int64
        One row per position.

    Notes
    -----
    With ``c = cumsum(mask)``, ``c[p]`` rows at or before ``p`` match, so the next match is the
    ``c[p]``-th matching row: a cumulative sum and two gathers, no search. For a few positions
    (fewer than an eighth of the rows) a binary search for ``c[p]`` over the matching rows
    costs less than the sum over all rows, and gives the same ``c[p]``.

    Examples
    --------
    >>> import numpy as np
    >>> next_after(np.array([False, True, False, False, True]), np.array([0, 1, 4])).tolist()
    [1, 4, 5]
    """
    hits = np.r_[np.flatnonzero(mask), mask.size].astype(np.int64, copy=False)
    if positions.size * 8 < mask.size:
        # hits below the sentinel at or before p: c[p] (the sentinel is after every row)
        before: I64 = hits[np.searchsorted(hits, positions, side="right")]
        return before
    count = np.cumsum(mask, dtype=np.int32 if mask.size < 2**31 - 1 else np.int64)
    found: I64 = hits[count[positions]]
    return found


def attempt_levels(
    anchors: I64,
    seg: I64,
    time_ns: I64,
    step_masks: B,
    *,
    window_ns: int,
    order: str,
    same_value: B | None = None,
    adjacent: B | None = None,
) -> tuple[I64, I64, I64 | None]:
    """Level reached, step rows and (unordered) step completion times of every attempt.

    Parameters
    ----------
    anchors : numpy.ndarray of int64
        Sorted rows that open an attempt (step-1 events).
    seg : numpy.ndarray of int64
        Segment of every row (rows of a segment are contiguous).
    time_ns : numpy.ndarray of int64
        Time of every row, sorted within segments.
    step_masks : numpy.ndarray of bool, shape (K - 1, n) or (K, n)
        Which rows can fill steps 2..K; for ``"unordered"``, all K steps (any opens).
    window_ns : int
        Conversion window; a step must happen at most this long after the anchor.
    order : {"ordered", "strict", "unordered", "first_then_any"}
        Order mode.
    same_value : numpy.ndarray of bool, optional
        For ``"strict"`` with a held-constant property: whether each row shares the previous
        row's value (ignored by the other modes, which get segments per value instead).
    adjacent : numpy.ndarray of bool, optional
        For ``"strict"`` on a subset of the user's rows: whether each row directly follows the
        previous one in the full timeline (default: all rows are there).

    Returns
    -------
    level : numpy.ndarray of int64
        Steps reached by each attempt (1..K).
    step_rows : numpy.ndarray of int64, shape (K, A)
        Row that filled each step (-1 when not reached). In ``"unordered"`` mode, row ``k`` is
        the row at which the attempt completed ``k + 1`` distinct steps (row 0 is the anchor);
        in ``"first_then_any"`` mode, the first row after the anchor that matches step ``k``.
    step_times : numpy.ndarray of int64, shape (K, A), or None
        The two any-order modes: the time by which level ``k + 1`` was reached
        (:data:`NO_TIME` when not reached). ``None`` in the other modes, where step ``k``
        was completed at the time of its row.

    Examples
    --------
    >>> import numpy as np
    >>> masks = np.array([[False, True, False, True]])  # step 2 = rows 1 and 3
    >>> level, rows, times = attempt_levels(
    ...     np.array([0, 2]), np.array([0, 0, 0, 0]), np.array([0, 5, 6, 20]), masks,
    ...     window_ns=10, order="ordered")
    >>> level.tolist(), rows[1].tolist()
    ([2, 1], [1, -1])
    """
    if order == "unordered":
        return _any_step_levels(anchors, seg, time_ns, step_masks, window_ns=window_ns)
    n_later = step_masks.shape[0]
    n_attempts = anchors.size
    n_rows = time_ns.size
    level = np.ones(n_attempts, dtype=np.int64)
    step_rows = np.full((n_later + 1, n_attempts), -1, dtype=np.int64)
    step_rows[0] = anchors
    if n_attempts == 0:
        return level, step_rows, None if order != "first_then_any" else step_rows.copy()
    start = time_ns[anchors]
    deadline = window_end(start, window_ns)
    anchor_seg = seg[anchors]
    last = max(n_rows - 1, 0)

    if order in ("ordered", "strict"):
        # work only on the attempts still alive: funnels narrow, so later steps get cheaper
        act: I64 | None = None  # None: all attempts (the first step keeps no index array)
        cur = anchors
        act_seg, act_deadline = anchor_seg, deadline
        for j in range(n_later):
            cand = next_after(step_masks[j], cur) if order == "ordered" else cur + 1
            # n_rows (no such row) is clipped to the last row by the gathers and fails the
            # last check; clipping in the gather saves a clipped copy of the candidates
            ok = np.take(seg, cand, mode="clip") == act_seg
            ok &= np.take(time_ns, cand, mode="clip") <= act_deadline
            ok &= cand < n_rows
            if order == "strict":
                safe = np.minimum(cand, last)
                ok &= step_masks[j][safe]
                if same_value is not None:
                    ok &= same_value[safe]
                if adjacent is not None:
                    ok &= adjacent[safe]
            keep = np.flatnonzero(ok)  # integer gathers beat boolean masks on big arrays
            act = keep if act is None else act[keep]
            cur = cand[keep]
            act_seg, act_deadline = act_seg[keep], act_deadline[keep]
            step_rows[j + 1, act] = cur
            level[act] = j + 2  # alive attempts reached every step so far
            if act.size == 0:
                break
        return level, step_rows, None

    # first_then_any: the time by which steps 2..k can all be filled by distinct rows is the max,
    # over subsets S of those steps, of the time of the |S|-th row matching any step in S.
    def nth_time(mask: B, nth: int) -> I64:
        cand = _next_in(np.flatnonzero(mask), anchors, nth)
        ok = cand >= 0
        ok[ok] &= seg[cand[ok]] == anchor_seg[ok]
        out = np.full(n_attempts, NO_TIME, dtype=np.int64)
        out[ok] = time_ns[cand[ok]]
        return out

    firsts = []
    for j in range(n_later):
        cand = next_after(step_masks[j], anchors)
        safe = np.minimum(cand, last)
        ok = (cand < n_rows) & (seg[safe] == anchor_seg)
        step_rows[j + 1, ok] = cand[ok]
        firsts.append(np.where(ok, time_ns[safe], NO_TIME))
    overlapping = n_later > 1 and bool(np.any(step_masks.sum(axis=0) > 1))
    step_times = np.full((n_later + 1, n_attempts), NO_TIME, dtype=np.int64)
    step_times[0] = start
    done = start.copy()
    alive = np.ones(n_attempts, dtype=bool)
    for j in range(n_later):
        if not alive.any():
            break  # nobody left: the remaining subsets (2**j of them) cannot change anything
        done = np.maximum(done, firsts[j])
        if overlapping:
            # subsets that contain step j and only earlier steps: the new constraints at k = j
            for size in range(2, j + 2):
                for others in combinations(range(j), size - 1):
                    union = step_masks[j].copy()
                    for o in others:
                        union |= step_masks[o]
                    done = np.maximum(done, nth_time(union, size))
        ok = alive & (done <= deadline)
        step_times[j + 1, ok] = done[ok]
        alive = ok
        level += ok
    step_rows = np.where(np.arange(n_later + 1)[:, None] < level[None, :], step_rows, -1)
    return level, step_rows, step_times


def _nth_from(mask: B, anchors: I64, seg: I64, nth: int) -> I64:
    """Position of the ``nth`` row at or after each anchor where ``mask`` holds.

    Only rows of the anchor's segment count; ``mask.size`` when there is none.
    """
    n_rows = mask.size
    cand = _next_in(np.flatnonzero(mask).astype(np.int64, copy=False), anchors - 1, nth)
    ok = cand >= 0
    ok[ok] &= seg[cand[ok]] == seg[anchors[ok]]
    return np.where(ok, cand, n_rows)


def _any_step_levels(
    anchors: I64, seg: I64, time_ns: I64, step_masks: B, *, window_ns: int
) -> tuple[I64, I64, I64]:
    """Unordered levels: any step opens; level ``k`` when ``k`` distinct steps are filled.

    ``P_k``, the first row by which ``k`` steps can be filled by distinct rows at or after the
    anchor, is the ``k``-th smallest first occurrence of the steps when no row matches two
    steps. When some do, by the deficiency form of Hall's theorem (a maximum matching of steps
    to rows leaves ``max_S (|S| - N(S))`` steps unmatched), ``k`` steps are matched by row ``p``
    iff every subset ``S`` of steps has at least ``|S| - K + k`` rows up to ``p`` that match a
    step of ``S``. Only the row *types* (the set of steps a row matches) matter: for a set ``U``
    of types, the binding subset is every step whose rows all have a type in ``U``, so ``P_k``
    is the largest, over sets ``U`` with ``s_U > K - k`` such steps, of the position of the
    ``(s_U - K + k)``-th row of a type in ``U``: ``2**T`` sets for ``T`` distinct types, not
    ``2**K`` subsets of steps.
    """
    n_steps, n_rows = step_masks.shape
    n_attempts = anchors.size
    if n_attempts == 0:
        empty = np.zeros((n_steps, 0), dtype=np.int64)
        return np.zeros(0, dtype=np.int64), empty, empty.copy()
    overlapping = n_steps > 1 and bool(np.any(step_masks.sum(axis=0) > 1))
    if not overlapping:
        firsts = np.stack(
            [_nth_from(step_masks[j], anchors, seg, 1) for j in range(n_steps)], axis=1
        )
        firsts.sort(axis=1)  # (A, K), contiguous rows: P_1 <= P_2 <= ... per attempt
        reached = np.ascontiguousarray(firsts.T)
    else:
        types, type_of_row = np.unique(step_masks.T, axis=0, return_inverse=True)
        type_of_row = type_of_row.reshape(-1)
        real = np.flatnonzero(types.any(axis=1))  # rows matching no step never count
        if real.size > MAX_STEP_TYPES:
            raise ValueError(
                f"{real.size} distinct combinations of overlapping steps; at most "
                f"{MAX_STEP_TYPES} can be checked exactly"
            )
        reached = np.full((n_steps, n_attempts), -1, dtype=np.int64)
        for bits in range(1 << real.size):
            chosen = real[[(bits >> b) & 1 == 1 for b in range(real.size)]]
            outside = np.setdiff1d(real, chosen)
            # steps all of whose rows have a type in U (steps no row matches count too)
            size = int(n_steps - np.count_nonzero(types[outside].any(axis=0)))
            if size == 0:
                continue
            union = np.isin(type_of_row, chosen)
            for nth in range(1, size + 1):  # constrains P_k for k = n_steps - size + nth
                k = n_steps - size + nth
                np.maximum(reached[k - 1], _nth_from(union, anchors, seg, nth), out=reached[k - 1])
    safe = np.minimum(reached, max(n_rows - 1, 0))
    deadline = window_end(time_ns[anchors], window_ns)
    ok = (reached < n_rows) & (time_ns[safe] <= deadline[None, :])
    ok = np.logical_and.accumulate(ok, axis=0)  # P_k is non-decreasing in k
    level = ok.sum(axis=0).astype(np.int64)
    step_rows = np.where(ok, reached, -1)
    step_times = np.where(ok, time_ns[safe], NO_TIME)
    return level, step_rows, step_times


def apply_exclusion(
    level: I64,
    from_rows: I64,
    to_rows: I64,
    *,
    deadline: I64,
    end: I64,
    excluded_rows: I64,
    time_ns: I64,
    from_step: int,
    to_step: int,
) -> B:
    """Which attempts an exclusion removes.

    Parameters
    ----------
    level : numpy.ndarray of int64
        Steps reached by each attempt.
    from_rows, to_rows : numpy.ndarray of int64
        Rows (in the user's own timeline) that filled the ``from`` and ``to`` steps (-1: none).
    deadline : numpy.ndarray of int64
        End of each attempt's window (inclusive).
    end : numpy.ndarray of int64
        End (exclusive) of each attempt's user segment, in the same timeline.
    excluded_rows : numpy.ndarray of int64
        Sorted rows holding an excluded event.
    time_ns : numpy.ndarray of int64
        Time of every row of that timeline.
    from_step, to_step : int
        0-based step indices.

    Returns
    -------
    numpy.ndarray of bool
        True for attempts to remove.

    Examples
    --------
    >>> import numpy as np
    >>> apply_exclusion(np.array([2]), np.array([0]), np.array([2]), deadline=np.array([9]),
    ...     end=np.array([3]), excluded_rows=np.array([1]),
    ...     time_ns=np.array([0, 1, 2]), from_step=0, to_step=1)
    array([ True])
    """
    reached_from = level > from_step
    safe_from = np.where(reached_from, from_rows, 0)
    nxt = _next_in(excluded_rows, safe_from)
    valid = reached_from & (nxt >= 0)
    safe = np.where(valid, nxt, 0)
    valid &= nxt < end
    reached_to = level > to_step
    inside = np.where(reached_to, nxt < to_rows, time_ns[safe] <= deadline)
    return valid & inside


def best_attempts(user_of_attempt: I64, level: I64) -> I64:
    """Index of each user's counted attempt: highest level, ties to the earliest.

    Parameters
    ----------
    user_of_attempt : numpy.ndarray of int64
        User code (non-negative) of each attempt; attempts sorted by user, then by anchor time
        (input order).
    level : numpy.ndarray of int64
        Level of each attempt (0 for removed attempts, which are never chosen).

    Returns
    -------
    numpy.ndarray of int64
        Indices into the attempts, one per user with a level above 0, in user order.

    Notes
    -----
    Each user's best level comes from one scatter-maximum into a table indexed by user code
    (levels are small: int8 when they fit), then the first attempt of each user at that level
    is kept: no per-user reduction, which costs a call per user.

    Examples
    --------
    >>> import numpy as np
    >>> best_attempts(np.array([0, 0, 0, 1, 2]), np.array([1, 3, 3, 0, 2])).tolist()
    [1, 4]
    """
    n = level.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    small = level.astype(np.int8) if int(level.max()) <= np.iinfo(np.int8).max else level
    best = np.zeros(int(user_of_attempt.max()) + 1, dtype=small.dtype)
    np.maximum.at(best, user_of_attempt, small)
    at_best = np.flatnonzero(small == best[user_of_attempt])
    # every user has an attempt at their best level: the first of each user's run
    chosen: I64 = at_best[run_starts(user_of_attempt[at_best])].astype(np.int64, copy=False)
    return chosen[level[chosen] > 0]
