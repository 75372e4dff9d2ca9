"""Path kernels: split each user's events into sessions and lay the sessions out as paths.

Rows are sorted by (user, time, input order). A session starts at a user's first row and at
every row more than ``gap_ns`` after the previous one. Everything is a handful of vectorized
passes (cumulative sums, searches, scatters) with no Python loop over users, sessions or rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.periods import elapsed_ns

__all__ = (
    "MORE",
    "PAD",
    "distinct_rows",
    "distinct_session_paths",
    "session_ids",
)

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
PAD = -1
"""Path matrix filler after a path's last event."""
MORE = -2
"""Marker in the last column of the path matrix: the path went on beyond ``max_steps``."""


def session_ids(seg_ids: I64, time_ns: I64, gap_ns: int) -> I64:
    """Session number (0, 1, ...) of every row.

    Parameters
    ----------
    seg_ids : numpy.ndarray of int64
        User segment of every row (sorted).
    time_ns : numpy.ndarray of int64
        Time of every row, sorted within users.
    gap_ns : int
        Inactivity (strictly) longer than this starts a new session.

    Returns
    -------
    numpy.ndarray of int64
        Session number per row, non-decreasing.

    Examples
    --------
    >>> import numpy as np
    >>> session_ids(np.array([0, 0, 0, 1]), np.array([0, 5, 20, 21]), 10).tolist()
    [0, 0, 1, 2]
    """
    n = seg_ids.size
    new = np.ones(n, dtype=bool)
    if n > 1 and gap_ns >= 0:  # (below 0 every row starts one: no gap is negative)
        # as uint64: exact for sorted times of one segment even when the gap exceeds int64
        gap = elapsed_ns(time_ns[1:], time_ns[:-1])
        new[1:] = (seg_ids[1:] != seg_ids[:-1]) | (gap > np.uint64(gap_ns))
    return np.cumsum(new, dtype=np.int64) - 1


def _first_index_per_session(sess: I64, mask: B, n_sessions: int) -> I64:
    """Index (into the rows) of the first row with ``mask`` in each session; -1 if none."""
    out = np.full(n_sessions, -1, dtype=np.int64)
    hits = np.flatnonzero(mask)
    if hits.size:
        s = sess[hits]
        first = np.r_[True, s[1:] != s[:-1]]
        out[s[first]] = hits[first]
    return out


@dataclass(frozen=True, slots=True)
class _SessionRows:
    """The rows of every kept session's path, in session order."""

    sessions: I64  # the session numbers kept (with a start event, if one is asked for)
    kept_sess: I64  # per path row: its session number
    kept_code: I64  # per path row: its event code
    pos: I64  # per path row: its position in the path
    first_pos: I64  # per session with a path row: the index of its first path row
    converted: B  # per kept session
    session_user: I64  # per kept session: the user segment


def _session_rows(
    seg_ids: I64,
    time_ns: I64,
    codes: I64,
    *,
    gap_ns: int,
    collapse_repeats: bool,
    start: int | None,
    goal: int | None,
    include_goal: bool,
) -> _SessionRows:
    n = codes.size
    sess = session_ids(seg_ids, time_ns, gap_ns)
    n_sessions = int(sess[-1]) + 1 if n else 0
    # every row, every session: the masks below are built only when an option needs them
    r_sess, r_code = sess, codes
    if collapse_repeats and n > 1:
        keep = np.ones(n, dtype=bool)
        keep[1:] = (sess[1:] != sess[:-1]) | (codes[1:] != codes[:-1])
        rows = np.flatnonzero(keep)
        r_sess, r_code = sess[rows], codes[rows]
    kept_sess, kept_code = r_sess, r_code
    valid = np.ones(n_sessions, dtype=bool)
    converted = np.zeros(n_sessions, dtype=bool)
    if start is not None or goal is not None:
        idx = np.arange(r_sess.size, dtype=np.int64)
        in_path = np.ones(r_sess.size, dtype=bool)
        if start is not None:
            first_start = _first_index_per_session(r_sess, r_code == start, n_sessions)
            valid = first_start >= 0
            in_path = valid[r_sess] & (idx >= first_start[r_sess])
        if goal is not None:
            first_goal = _first_index_per_session(r_sess, in_path & (r_code == goal), n_sessions)
            converted = first_goal >= 0
            last = np.iinfo(np.int64).max
            upper = np.where(converted, first_goal + (1 if include_goal else 0), last)
            in_path &= idx < upper[r_sess]
        kept_sess, kept_code = r_sess[in_path], r_code[in_path]
    # position within the session's path
    starts = np.ones(kept_sess.size, dtype=bool)
    np.not_equal(kept_sess[1:], kept_sess[:-1], out=starts[1:])
    first_pos = np.flatnonzero(starts)
    lengths = np.diff(np.r_[first_pos, kept_sess.size])
    pos = np.arange(kept_sess.size, dtype=np.int64) - np.repeat(first_pos, lengths)
    sessions = np.flatnonzero(valid)
    if kept_sess is sess:  # every row is in a path: the sessions start at the path starts
        seg_first = first_pos
    else:
        seg_first = np.flatnonzero(np.r_[True, sess[1:] != sess[:-1]]) if n else first_pos
    session_user = seg_ids[seg_first][sessions].astype(np.int64)
    return _SessionRows(
        sessions, kept_sess, kept_code, pos, first_pos, converted[sessions], session_user
    )


def _path_matrix(rows: _SessionRows, max_steps: int) -> I64:
    n_sessions = int(rows.sessions[-1]) + 1 if rows.sessions.size else 0
    row_of = np.full(n_sessions, -1, dtype=np.int64)
    row_of[rows.sessions] = np.arange(rows.sessions.size, dtype=np.int64)
    paths = np.full((rows.sessions.size, max_steps + 1), PAD, dtype=np.int64)
    short = rows.pos < max_steps
    paths[row_of[rows.kept_sess[short]], rows.pos[short]] = rows.kept_code[short]
    too_long = rows.pos == max_steps
    paths[row_of[rows.kept_sess[too_long]], max_steps] = MORE
    return paths


def distinct_rows(matrix: I64) -> tuple[I64, I64]:
    """The distinct rows of a path matrix and each row's index among them.

    Rows come in the order of their packed keys (event codes as digits).

    Examples
    --------
    >>> import numpy as np
    >>> uniq, inverse = distinct_rows(np.array([[3, -1], [1, -2], [3, -1]]))
    >>> uniq.tolist(), inverse.tolist()
    ([[1, -2], [3, -1]], [1, 0, 1])
    """
    if matrix.shape[0] == 0:
        return matrix, np.zeros(0, dtype=np.int64)
    base = int(max(matrix.max(), 0)) + 3  # codes, PAD (-1) and MORE (-2) as digits
    if base ** matrix.shape[1] < 2**62:
        # one integer per path: a 1-d unique is much faster than a row-wise one
        digits = matrix + 2
        key = np.zeros(matrix.shape[0], dtype=np.int64)
        for j in range(matrix.shape[1]):
            key = key * base + digits[:, j]
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        uniq = matrix[first]
    else:
        uniq, inverse = np.unique(matrix, axis=0, return_inverse=True)
    return uniq, inverse.reshape(-1).astype(np.int64)


def distinct_session_paths(
    seg_ids: I64,
    time_ns: I64,
    codes: I64,
    *,
    gap_ns: int,
    collapse_repeats: bool,
    start: int | None,
    goal: int | None,
    max_steps: int,
    include_goal: bool,
) -> tuple[I64, I64, B, I64]:
    """The distinct paths of the sessions and each session's index among them.

    A session's path is its event codes as a row: then :data:`PAD` (and :data:`MORE` in the
    last column if truncated). Packs each path into one int64 (its event codes as digits) by
    a sum over its rows and factorizes the keys (one hash pass, the distinct keys sorted),
    without the path matrix of every session; when the digits do not fit 62 bits, it builds
    the matrix and takes its :func:`distinct_rows`.

    Parameters
    ----------
    seg_ids, time_ns, codes : numpy.ndarray of int64
        User segment, time and event code of every row (sorted by user, time).
    gap_ns : int
        Session gap.
    collapse_repeats : bool
        Drop an event equal to the one before it in the session.
    start : int or None
        Paths begin at the session's first event with this code; sessions without it are
        dropped. ``None``: paths begin at the session's first event.
    goal : int or None
        Paths end at the session's first goal event after the start; a session with one
        is *converted*.
    max_steps : int
        Events kept per path; longer paths get :data:`MORE` in the extra last column.
    include_goal : bool
        Whether the goal event itself is part of the path.

    Returns
    -------
    uniq : numpy.ndarray of int64, shape (distinct paths, max_steps + 1)
        The distinct paths, in the order of their packed keys.
    inverse : numpy.ndarray of int64
        Per kept session, the index of its path in ``uniq``.
    converted : numpy.ndarray of bool
        Whether each session reached the goal (all False without a goal).
    session_user : numpy.ndarray of int64
        User segment of each session.

    Examples
    --------
    >>> import numpy as np
    >>> uniq, inverse, conv, users = distinct_session_paths(
    ...     np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([5, 6, 5, 6]),
    ...     gap_ns=10, collapse_repeats=False, start=None, goal=None, max_steps=3,
    ...     include_goal=True)
    >>> uniq.tolist(), inverse.tolist()
    ([[5, 6, -1, -1]], [0, 0])
    """
    rows = _session_rows(
        seg_ids,
        time_ns,
        codes,
        gap_ns=gap_ns,
        collapse_repeats=collapse_repeats,
        start=start,
        goal=goal,
        include_goal=include_goal,
    )
    width = max_steps + 1
    short = rows.pos < max_steps
    base = max(int(np.max(rows.kept_code, where=short, initial=-1)), 0) + 3
    if rows.sessions.size == 0 or base**width >= 2**62:
        uniq, inverse = distinct_rows(_path_matrix(rows, max_steps))
        return uniq, inverse, rows.converted, rows.session_user
    # key = sum over columns j of digit_j * base ** (width - 1 - j), digit = code + 2:
    # every column starts as PAD (digit 1); a path row adds (code + 2 - 1) at its column; a
    # path cut at max_steps holds MORE (digit 0) in the last column (weight 1)
    weights = base ** np.arange(width - 1, -1, -1, dtype=np.int64)
    # per position (capped at max_steps + 1): the digit's weight, and the MORE adjustment
    at = np.minimum(rows.pos, width)
    weight_at = np.r_[weights[:max_steps], 0, 0]
    more_at = np.r_[np.zeros(max_steps, dtype=np.int64), -1, 0]
    contrib = (rows.kept_code + 1) * weight_at[at] + more_at[at]
    keys = np.full(rows.sessions.size, int(weights.sum()), dtype=np.int64)
    if rows.kept_sess.size:
        sums = np.add.reduceat(contrib, rows.first_pos)
        with_rows = rows.kept_sess[rows.first_pos]
        if rows.sessions[-1] != rows.sessions.size - 1:  # some sessions left out (start=)
            with_rows = np.searchsorted(rows.sessions, with_rows)
        keys[with_rows] += sums
    # one hash pass, then the few distinct keys sorted: a binary search of every session's
    # key in the distinct ones cost 5x more at 10M sessions
    inverse, uniq_keys = pd.factorize(keys, sort=True)
    uniq = (uniq_keys[:, None] // weights[None, :]) % base - 2
    return uniq.astype(np.int64), inverse, rows.converted, rows.session_user
