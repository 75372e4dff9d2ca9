"""Health kernels: group reductions, normalisations, score combination and risk metrics.

Arrays in, arrays out; no pandas.

Groups are integer codes in ``0..n_groups-1`` (accounts, or (account, user) pairs); nothing here
loops in Python over rows or groups.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from saasmetrics._kernels import parallel
from saasmetrics._kernels.parallel import in_threads, row_blocks, side_by_side

__all__ = (
    "auc",
    "calibration_bins",
    "combine_weighted",
    "combine_worst",
    "compact_codes",
    "dense_codes",
    "goal_scores",
    "group_count",
    "group_distinct",
    "group_max",
    "group_min",
    "group_of_each",
    "group_top",
    "percentile_scores",
    "points_scores",
    "symmetric_change",
    "threshold_scores",
    "window_activity",
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------- codes
def compact_codes(codes: I64, n_codes: int) -> tuple[I64, I64]:
    """Renumber codes in ``0..n_codes-1`` to ``0..k-1`` in the same order, ``k`` the codes used.

    Parameters
    ----------
    codes : numpy.ndarray of int64
        Codes, non-negative and below ``n_codes``.
    n_codes : int
        Number of possible codes.

    Returns
    -------
    new_codes : numpy.ndarray of int64
        Same length as ``codes``.
    used : numpy.ndarray of int64
        The old code of each new code (sorted).

    Examples
    --------
    >>> import numpy as np
    >>> new, used = compact_codes(np.array([4, 1, 4]), 6)
    >>> new.tolist(), used.tolist()
    ([1, 0, 1], [1, 4])
    """
    used = np.bincount(codes, minlength=n_codes) > 0
    if used.all():  # nothing to renumber
        return codes, np.arange(n_codes, dtype=np.int64)
    new_of_old = np.cumsum(used) - 1
    return new_of_old[codes], np.flatnonzero(used)


def dense_codes(values: I64) -> tuple[I64, I64] | None:
    """Codes of integers in the sorted order of their distinct values, by counting (no hash).

    The same as ``pandas.factorize(values, sort=True)`` but one ``bincount`` instead of a hash
    table (which is slow for millions of distinct values); only for values whose range is at
    most a few times their number (ids numbered from 0 or 1): else ``None``.

    Parameters
    ----------
    values : numpy.ndarray of int64
        The values.

    Returns
    -------
    tuple of (codes, uniques) or None
        ``codes`` (int64) index ``uniques`` (sorted distinct values).

    Examples
    --------
    >>> import numpy as np
    >>> codes, uniques = dense_codes(np.array([12, 10, 12, 15]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, 1, 2], [10, 12, 15])
    >>> dense_codes(np.array([0, 10**12])) is None
    True
    """
    if values.size == 0:
        return None
    low, high = int(values.min()), int(values.max())
    span = high - low + 1
    if span > 4 * values.size + (1 << 16):
        return None
    codes, used = compact_codes(values - low if low else values, span)
    return codes, used + low


# --------------------------------------------------------------------------- group reductions
def group_count(
    group: npt.NDArray[np.integer[Any]],
    n_groups: int,
    weights: F64 | None = None,
    *,
    threads: int = 1,
) -> F64:
    """Rows (or summed ``weights``) per group.

    Parameters
    ----------
    group : numpy.ndarray of int64
        Group code per row.
    n_groups : int
        Number of groups; groups without rows get 0.
    weights : numpy.ndarray of float64, optional
        Value per row to sum instead of counting.
    threads : int, default 1
        Most threads for counting rows: each counts a block of rows into a table of its own,
        and the tables are added (exact). Blocks are used only when each holds at least as
        many rows as there are groups (and ``MIN_ROWS_PER_THREAD``). Summed weights always
        use one thread (a float sum in another order could differ in its last bits).

    Returns
    -------
    numpy.ndarray of float64
        Length ``n_groups``.

    Examples
    --------
    >>> import numpy as np
    >>> group_count(np.array([0, 2, 2]), 4).tolist()
    [1.0, 0.0, 2.0, 0.0]
    """
    fewest = max(parallel.MIN_ROWS_PER_THREAD, n_groups)  # a table per block: worth it?
    blocks = row_blocks(group.size, threads if weights is None else 1, fewest)
    if len(blocks) == 1:
        return np.bincount(group, weights=weights, minlength=n_groups).astype(np.float64)

    def count(block: tuple[int, int]) -> npt.NDArray[np.intp]:
        return np.bincount(group[block[0] : block[1]], minlength=n_groups)

    tables = in_threads(count, blocks)
    total = tables[0]
    for table in tables[1:]:
        total += table
    return total.astype(np.float64)


def group_of_each(
    member: I64, group: I64, n_members: int, n_groups: int, *, threads: int = 1
) -> npt.NDArray[np.int32] | npt.NDArray[np.int64] | None:
    """The group of each member, when all rows of a member have the same group; else None.

    For example the account of each user, and whether every user belongs to one account.
    Each block of rows writes its groups into a table of its own and checks its rows against
    it; the tables are then checked against each other and united, so the answer does not
    depend on the number of threads (and no two threads write to one table).

    Parameters
    ----------
    member : numpy.ndarray of int64
        Member code per row, in ``0..n_members-1``.
    group : numpy.ndarray of int64
        Group code per row, in ``0..n_groups-1``.
    n_members, n_groups : int
        Number of members and of groups.
    threads : int, default 1
        Most threads; blocks only when each holds at least ``n_members`` rows.

    Returns
    -------
    numpy.ndarray or None
        The group of each member (int32 when the groups fit; 0 for members without rows),
        or None when some member has rows in two groups.

    Examples
    --------
    >>> import numpy as np
    >>> group_of_each(np.array([0, 2, 0]), np.array([5, 7, 5]), 3, 8).tolist()
    [5, 0, 7]
    >>> group_of_each(np.array([0, 0]), np.array([5, 6]), 1, 8) is None
    True
    """
    dtype = np.int32 if n_groups < 2**31 else np.int64
    blocks = row_blocks(member.size, threads, max(parallel.MIN_ROWS_PER_THREAD, n_members))

    def block_table(block: tuple[int, int]) -> npt.NDArray[Any] | None:
        table = np.full(n_members, -1, dtype=dtype)
        table[member[block[0] : block[1]]] = group[block[0] : block[1]]  # one row of each
        for rows in parallel.chunks(*block):  # ... and all of them: chunks stay in the cache
            if not np.array_equal(table.take(member[rows]), group[rows]):
                return None
        return table

    tables = in_threads(block_table, blocks)
    united = tables[0]
    for table in tables[1:]:
        if united is None or table is None:
            return None
        both = (united >= 0) & (table >= 0)
        if not np.array_equal(united[both], table[both]):
            return None
        np.maximum(united, table, out=united)
    if united is None:
        return None
    np.maximum(united, 0, out=united)  # members without rows: 0
    return united


def group_distinct(group: I64, key: I64, n_groups: int) -> F64:
    """Number of distinct ``key`` values per group.

    Uses a dense bitmap of groups x keys when it is small next to the data (no sort), else a
    sort of the (group, key) pairs.

    Parameters
    ----------
    group : numpy.ndarray of int64
        Group code per row.
    key : numpy.ndarray of int64
        Integer key per row (e.g. day index, event code, user code).
    n_groups : int
        Number of groups.

    Returns
    -------
    numpy.ndarray of float64
        Length ``n_groups``.

    Examples
    --------
    >>> import numpy as np
    >>> group_distinct(np.array([0, 0, 0, 1]), np.array([3, 3, 4, 3]), 2).tolist()
    [2.0, 1.0]
    """
    if group.size == 0:
        return np.zeros(n_groups, dtype=np.float64)
    low = int(key.min())
    span = int(key.max()) - low + 1
    shifted = key.astype(np.int64) - low
    cells = n_groups * span
    if cells <= 8 * group.size + (1 << 20):
        mark = np.zeros(cells, dtype=bool)
        mark[group.astype(np.int64) * span + shifted] = True
        dense: F64 = np.count_nonzero(mark.reshape(n_groups, span), axis=1).astype(np.float64)
        return dense
    keys = np.sort(group.astype(np.int64) * span + shifted)
    first = np.empty(keys.size, dtype=bool)  # first row of each distinct (group, key)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return np.bincount(keys[first] // span, minlength=n_groups).astype(np.float64)


def group_max(group: I64, values: I64, n_groups: int, fill: int, counts: F64 | None = None) -> I64:
    """Maximum of ``values`` per group (``fill`` for empty groups).

    Parameters
    ----------
    group : numpy.ndarray of int64
        Group code per row.
    values : numpy.ndarray of int64
        Value per row.
    n_groups : int
        Number of groups.
    fill : int
        Result for groups without rows.
    counts : numpy.ndarray, optional
        Rows per group (from :func:`group_count`), when known: saves counting them again.

    Returns
    -------
    numpy.ndarray of int64
        Length ``n_groups``.

    Examples
    --------
    >>> import numpy as np
    >>> group_max(np.array([0, 0, 2]), np.array([5, 9, 1]), 3, fill=-1).tolist()
    [9, -1, 1]
    """
    out = np.full(n_groups, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(out, group, values)
    if counts is None:
        counts = group_count(group, n_groups)
    out[counts == 0] = fill
    return out


def group_min(group: I64, values: I64, n_groups: int, fill: int, counts: F64 | None = None) -> I64:
    """Minimum of ``values`` per group (``fill`` for empty groups).

    Parameters
    ----------
    group : numpy.ndarray of int64
        Group code per row.
    values : numpy.ndarray of int64
        Value per row.
    n_groups : int
        Number of groups.
    fill : int
        Result for groups without rows.
    counts : numpy.ndarray, optional
        Rows per group (from :func:`group_count`), when known: saves counting them again.

    Returns
    -------
    numpy.ndarray of int64
        Length ``n_groups``.

    Examples
    --------
    >>> import numpy as np
    >>> group_min(np.array([0, 0, 2]), np.array([5, 9, 1]), 3, fill=-1).tolist()
    [5, -1, 1]
    """
    out = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, group, values)
    if counts is None:
        counts = group_count(group, n_groups)
    out[counts == 0] = fill
    return out


def group_top(group: I64, score: F64, n_groups: int, tiebreak: I64 | None = None) -> I64:
    """Index of the row with the highest ``score`` in each group (-1 for empty groups).

    Ties go to the row with the smallest ``tiebreak`` (when given), then to the first row.

    Parameters
    ----------
    group : numpy.ndarray of int64
        Group code per row.
    score : numpy.ndarray of float64
        Value per row.
    n_groups : int
        Number of groups.
    tiebreak : numpy.ndarray of int64, optional
        Secondary key per row; the smallest wins among equal scores.

    Returns
    -------
    numpy.ndarray of int64
        Row index per group.

    Examples
    --------
    >>> import numpy as np
    >>> group_top(np.array([0, 0, 1, 0]), np.array([1.0, 3.0, 2.0, 3.0]), 3).tolist()
    [1, 2, -1]
    >>> group_top(np.array([0, 0]), np.array([3.0, 3.0]), 1, tiebreak=np.array([9, 4])).tolist()
    [1]
    """
    if group.size == 0:
        return np.full(n_groups, -1, dtype=np.int64)
    best = np.full(n_groups, -np.inf)
    np.maximum.at(best, group, score)
    candidate = np.flatnonzero(score == best[group])
    if tiebreak is not None:
        low = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(low, group[candidate], tiebreak[candidate])
        candidate = candidate[tiebreak[candidate] == low[group[candidate]]]
    out = np.full(n_groups, group.size, dtype=np.int64)
    np.minimum.at(out, group[candidate], candidate.astype(np.int64))
    out[out == group.size] = -1
    return out


def symmetric_change(current: F64, previous: F64) -> F64:
    """Symmetric relative change ``(current - previous) / (current + previous)`` in [-1, 1].

    Both zero gives 0 (no change); from zero to anything positive gives +1, to zero gives -1.

    Parameters
    ----------
    current, previous : numpy.ndarray of float64
        Non-negative quantities of the last window and the one before.

    Returns
    -------
    numpy.ndarray of float64
        The change.

    Examples
    --------
    >>> import numpy as np
    >>> symmetric_change(np.array([3.0, 0.0, 0.0, 5.0]), np.array([1.0, 0.0, 4.0, 5.0])).tolist()
    [0.5, 0.0, -1.0, 0.0]
    """
    total = current + previous
    out = np.zeros_like(total, dtype=np.float64)
    np.divide(current - previous, total, out=out, where=total > 0)
    return out


# --------------------------------------------------------------------------- normalisations
def _searchsorted(haystack: F64, needles: F64) -> npt.NDArray[np.intp]:
    """``searchsorted(side="left")``, sorting large needle arrays first (cache-friendly)."""
    if needles.size < 4096 or haystack.size < 256:
        return np.asarray(np.searchsorted(haystack, needles, side="left"))
    order = np.argsort(needles)  # ties need no order: equal needles land alike
    found = np.searchsorted(haystack, needles[order], side="left")
    out = np.empty_like(found)
    out[order] = found
    return out


def percentile_scores(reference_sorted: F64, values: F64) -> F64:
    """Mid-rank percentile (0-100) of ``values`` within a sorted reference population.

    A value scores ``100 * (below + equal / 2) / n``: the share of the reference it beats, with
    ties counted half. NaN stays NaN.

    Parameters
    ----------
    reference_sorted : numpy.ndarray of float64
        Reference values, sorted, without NaN (at least one).
    values : numpy.ndarray of float64
        Values to score.

    Returns
    -------
    numpy.ndarray of float64
        Scores in [0, 100].

    Examples
    --------
    >>> import numpy as np
    >>> percentile_scores(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 2.0, 9.0])).tolist()
    [0.0, 37.5, 100.0]
    """
    ref = reference_sorted
    # compress the reference to its distinct values (one searchsorted over a short array)
    starts = np.flatnonzero(np.r_[True, ref[1:] != ref[:-1]]) if ref.size else np.zeros(0, int)
    bounds = np.r_[starts, ref.size].astype(np.float64)  # reference values below each
    # a value at position k (the first distinct value >= it) beats bounds[k] values, plus
    # half of the equal ones when it is distinct value k
    below = 100.0 * bounds / ref.size
    at = 100.0 * (bounds[:-1] + np.diff(bounds) / 2.0) / ref.size
    pos = _searchsorted(ref[starts], values)
    hit = np.r_[ref[starts], np.nan][pos] == values
    out: F64 = np.where(hit, np.r_[at, np.nan][pos], below[pos])
    out[np.isnan(values)] = np.nan
    return out


def threshold_scores(values: F64, edges: F64, scores: F64, *, closed: str = "left") -> F64:
    """Score by bucket: ``scores[i]`` for values in the i-th bucket between ``edges``.

    With ``closed="left"`` bucket i is ``edges[i-1] <= x < edges[i]`` (each edge belongs to the
    bucket above it); with ``closed="right"`` it is ``edges[i-1] < x <= edges[i]``.

    Parameters
    ----------
    values : numpy.ndarray of float64
        Values to score.
    edges : numpy.ndarray of float64
        Strictly increasing bucket edges.
    scores : numpy.ndarray of float64
        ``len(edges) + 1`` scores, one per bucket.
    closed : {"left", "right"}, default "left"
        Which side of each bucket is inclusive.

    Returns
    -------
    numpy.ndarray of float64
        Scores; NaN stays NaN.

    Examples
    --------
    >>> import numpy as np
    >>> e, s = np.array([2.0, 5.0]), np.array([0.0, 50.0, 100.0])
    >>> threshold_scores(np.array([1.0, 2.0, 5.0, 7.0]), e, s).tolist()
    [0.0, 50.0, 100.0, 100.0]
    >>> threshold_scores(np.array([1.0, 2.0, 5.0, 7.0]), e, s, closed="right").tolist()
    [0.0, 0.0, 50.0, 100.0]
    """
    bucket = np.asarray(
        np.searchsorted(edges, values, side="right" if closed == "left" else "left")
    )
    out = scores[np.minimum(bucket, scores.size - 1)]
    return np.where(np.isnan(values), np.nan, out)


def goal_scores(values: F64, goal: float, *, higher_is_better: bool = True) -> F64:
    """Percent of goal, capped at 100.

    ``100 * x / goal`` (or ``100 * goal / x`` when lower is better), clipped to [0, 100].

    Parameters
    ----------
    values : numpy.ndarray of float64
        Values to score.
    goal : float
        The target (positive).
    higher_is_better : bool, default True
        Direction of the measure.

    Returns
    -------
    numpy.ndarray of float64
        Scores; NaN stays NaN.

    Examples
    --------
    >>> import numpy as np
    >>> goal_scores(np.array([0.0, 5.0, 20.0]), 10.0).tolist()
    [0.0, 50.0, 100.0]
    >>> goal_scores(np.array([0.0, 5.0, 20.0]), 10.0, higher_is_better=False).tolist()
    [100.0, 100.0, 50.0]
    """
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", divide="ignore"):  # beyond float range is past the goal
        if higher_is_better:
            raw = 100.0 * x / goal
        else:
            raw = np.where(x <= goal, 100.0, 100.0 * goal / np.where(x <= goal, 1.0, x))
    return np.where(np.isnan(x), np.nan, np.clip(raw, 0.0, 100.0))


def points_scores(
    values: F64, neutral: float, points_per_unit: float, *, higher_is_better: bool = True
) -> F64:
    """Points around a neutral midpoint: ``50 +/- points_per_unit * (x - neutral)``, clipped.

    Parameters
    ----------
    values : numpy.ndarray of float64
        Values to score.
    neutral : float
        The value that scores 50.
    points_per_unit : float
        Points gained (higher is better) or lost (lower is better) per unit above neutral.
    higher_is_better : bool, default True
        Direction of the measure.

    Returns
    -------
    numpy.ndarray of float64
        Scores in [0, 100]; NaN stays NaN.

    Examples
    --------
    >>> import numpy as np
    >>> points_scores(np.array([-20.0, 0.0, 10.0, 40.0]), 0.0, 2.5).tolist()
    [0.0, 50.0, 75.0, 100.0]
    """
    sign = 1.0 if higher_is_better else -1.0
    with np.errstate(over="ignore"):  # an overflow is +-inf points, clipped to 0 or 100
        raw = 50.0 + sign * points_per_unit * (np.asarray(values, dtype=np.float64) - neutral)
    return np.clip(raw, 0.0, 100.0)


# --------------------------------------------------------------------------- combination
def combine_weighted(
    normalized: F64, weights: F64, *, missing: str = "renormalize"
) -> tuple[F64, F64, F64]:
    """Weighted mean of normalised measure scores, with a missing-data policy.

    Parameters
    ----------
    normalized : numpy.ndarray of float64, shape (n, m)
        Score 0-100 per row and measure; NaN where the measure is missing.
    weights : numpy.ndarray of float64, shape (m,)
        Non-negative weights summing to 1.
    missing : {"renormalize", "zero"}, default "renormalize"
        ``"renormalize"`` drops missing measures and divides by the observed weight;
        ``"zero"`` scores them 0.

    Returns
    -------
    score : numpy.ndarray of float64, shape (n,)
        NaN only where no weight is observed under ``"renormalize"``.
    observed_weight : numpy.ndarray of float64, shape (n,)
        Sum of the weights of the observed measures, in [0, 1].
    contributions : numpy.ndarray of float64, shape (n, m)
        Points each measure adds to the score (they sum to ``score``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[80.0, 40.0], [np.nan, 40.0]])
    >>> s, w, c = combine_weighted(x, np.array([0.75, 0.25]))
    >>> s.tolist(), w.tolist(), c.tolist()
    ([70.0, 40.0], [1.0, 0.25], [[60.0, 10.0], [0.0, 40.0]])
    """
    n, m = normalized.shape
    observed = ~np.isnan(normalized)
    # one measure (column) at a time: a few contiguous passes, summed in measure order
    observed_weight = np.zeros(n)
    for j in range(m):
        observed_weight += observed[:, j] * weights[j]
    denom = np.full(n, weights.sum()) if missing == "zero" else observed_weight
    safe = np.where(denom > 0, denom, 1.0)
    contributions = np.zeros((n, m), order="F")
    score = np.zeros(n)
    for j in range(m):
        np.divide(
            normalized[:, j] * weights[j], safe, out=contributions[:, j], where=observed[:, j]
        )
        score += contributions[:, j]
    score[denom <= 0] = np.nan
    return score, observed_weight, contributions


def combine_worst(normalized: F64, weights: F64) -> tuple[F64, F64, F64]:
    """Worst-of combination: the lowest observed score among measures with positive weight.

    Parameters
    ----------
    normalized : numpy.ndarray of float64, shape (n, m)
        Score 0-100 per row and measure; NaN where missing.
    weights : numpy.ndarray of float64, shape (m,)
        Weights (only whether they are positive matters); they sum to 1.

    Returns
    -------
    score, observed_weight, contributions
        As for :func:`combine_weighted`; the binding (first lowest) measure carries the whole
        score as its contribution, the others 0.

    Examples
    --------
    >>> import numpy as np
    >>> s, w, c = combine_worst(np.array([[80.0, 40.0], [np.nan, 90.0]]), np.array([0.5, 0.5]))
    >>> s.tolist(), w.tolist(), c.tolist()
    ([40.0, 90.0], [1.0, 0.5], [[0.0, 40.0], [0.0, 90.0]])
    """
    active = weights > 0
    observed = ~np.isnan(normalized) & active
    observed_weight = (observed * weights).sum(axis=1)
    masked = np.where(observed, normalized, np.inf)
    which = np.argmin(masked, axis=1)
    rows = np.arange(normalized.shape[0])
    score = masked[rows, which]
    has = observed.any(axis=1)
    score = np.where(has, score, np.nan)
    contributions = np.zeros_like(normalized, dtype=np.float64)
    contributions[rows[has], which[has]] = score[has]
    return score, observed_weight, contributions


# --------------------------------------------------------------------------- risk metrics
def _average_ranks(values: F64) -> F64:
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts).astype(np.float64)
    starts = ends - counts + 1.0
    return ((starts + ends) / 2.0)[inverse]


def auc(y: Bool, score: F64) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half); NaN without both classes.

    Parameters
    ----------
    y : numpy.ndarray of bool
        True for positives (churned).
    score : numpy.ndarray of float64
        Predicted risk; higher means more likely positive.

    Returns
    -------
    float
        AUC in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> auc(np.array([False, True, False, True]), np.array([0.1, 0.9, 0.5, 0.5]))
    0.875
    """
    n_pos = int(np.count_nonzero(y))
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(np.asarray(score, dtype=np.float64))
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def calibration_bins(y: Bool, proba: F64, n_bins: int) -> tuple[F64, F64, F64]:
    """Equal-count bins of predicted probability: count, mean prediction and observed rate.

    Rows are ranked by ``proba`` (ties in input order) and cut into ``n_bins`` groups of (nearly)
    equal size, lowest risk first.

    Parameters
    ----------
    y : numpy.ndarray of bool
        Outcomes.
    proba : numpy.ndarray of float64
        Predicted probabilities.
    n_bins : int
        Number of bins (at most the number of rows).

    Returns
    -------
    n, mean_predicted, observed_rate : numpy.ndarray of float64
        One entry per bin.

    Examples
    --------
    >>> import numpy as np
    >>> n, p, o = calibration_bins(np.array([0, 0, 1, 1], bool), np.array([.1, .2, .7, .9]), 2)
    >>> n.tolist(), np.round(p, 2).tolist(), o.tolist()
    ([2.0, 2.0], [0.15, 0.8], [0.0, 1.0])
    """
    order = np.argsort(proba, kind="stable")
    bins = np.minimum(np.arange(proba.size) * n_bins // max(proba.size, 1), n_bins - 1)
    b = np.empty(proba.size, dtype=np.int64)
    b[order] = bins
    n = np.bincount(b, minlength=n_bins).astype(np.float64)
    safe = np.where(n > 0, n, 1.0)
    mean_p = np.bincount(b, weights=proba, minlength=n_bins) / safe
    rate = np.bincount(b, weights=y.astype(np.float64), minlength=n_bins) / safe
    return n, mean_p, rate


# --------------------------------------------------------------------------- window activity
def window_activity(
    account: I64,
    pair: I64,
    pair_account: npt.NDArray[np.integer[Any]],
    age_ns: I64,
    *,
    lo_ns: int,
    hi_ns: int,
    n_accounts: int,
    day_ns: int,
    detail: bool = True,
    threads: int = 1,
) -> dict[str, npt.NDArray[Any]]:
    """Activity per account and per (account, user) pair in one look-back window.

    A row is in the window when ``lo_ns < age_ns <= hi_ns``, where ``age_ns`` is how long before
    ``as_of`` it happened (positive). Day ``d`` is the 24 hours ``d * day < age <= (d + 1) * day``.
    The window's rows are sorted by (pair, day) once: the pairs active and their distinct
    days are runs of the sorted keys (no table of every pair: a window holds a few of them).

    Parameters
    ----------
    account, pair : numpy.ndarray of int64
        Account code and (account, user) pair code per row (gaps in the pair codes are fine).
    pair_account : numpy.ndarray of int
        Account code of each pair code.
    age_ns : numpy.ndarray of int64
        ``as_of - time`` per row, in nanoseconds (positive).
    lo_ns, hi_ns : int
        The window, as ages: ``(lo_ns, hi_ns]``.
    n_accounts : int
        Number of accounts.
    day_ns : int
        Length of a day in nanoseconds.
    detail : bool, default True
        Also count distinct days (per account and per active pair); without it only
        ``events`` and ``active_users``.
    threads : int, default 1
        With more than one, the counts per account and those per pair run in two threads.

    Returns
    -------
    dict of str to numpy.ndarray
        ``events``, ``active_users`` (float64 per account) and, with ``detail``,
        ``active_days`` (float64 per account), ``active_pairs`` (the pair codes with a row in
        the window, sorted, int64) and ``active_pair_days`` (their distinct days, int64).

    Examples
    --------
    >>> import numpy as np
    >>> day = 10
    >>> out = window_activity(np.array([0, 0, 0]), np.array([0, 1, 0]), np.array([0, 0]),
    ...     np.array([1, 5, 15]), lo_ns=0, hi_ns=20, n_accounts=1, day_ns=day)
    >>> {k: v.tolist() for k, v in out.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'events': [3.0], 'active_days': [2.0], 'active_users': [2.0], 'active_pairs': [0, 1],
     'active_pair_days': [2, 1]}
    """
    inside = np.flatnonzero((age_ns > lo_ns) & (age_ns <= hi_ns))  # then a take per column
    day = span = None
    if detail:
        day = age_ns.take(inside)
        day -= 1
        day //= day_ns
        # the days of the rows, not of the window: a window of many days (a small day_ns)
        # would overflow pair * span
        first_day = int(day.min()) if day.size else 0
        span = int(day.max()) - first_day + 1 if day.size else 1
        if first_day:
            day -= first_day

    def per_account() -> dict[str, npt.NDArray[Any]]:
        acc = account.take(inside)
        counts: dict[str, npt.NDArray[Any]] = {"events": group_count(acc, n_accounts)}
        if day is not None:
            counts["active_days"] = group_distinct(acc, day, n_accounts)
        return counts

    def per_pair() -> dict[str, npt.NDArray[Any]]:
        keys = pair.take(inside).astype(np.int64, copy=False)  # fresh: made into keys in place
        if day is not None and span is not None:
            keys *= span
            keys += day
            keys.sort()
            if keys.size:  # the distinct (pair, day) keys, then their pairs
                new = np.empty(keys.size, dtype=bool)
                new[0] = True
                np.not_equal(keys[1:], keys[:-1], out=new[1:])
                keys = keys[new]
                keys //= span
        else:
            keys.sort()
        # runs of equal pairs in the sorted keys: the active pairs (and their days)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if keys.size else keys[:0]
        active = keys[starts]
        counts: dict[str, npt.NDArray[Any]] = {
            "active_users": group_count(pair_account[active], n_accounts)
        }
        if day is not None:
            counts["active_pairs"] = active
            counts["active_pair_days"] = np.diff(np.r_[starts, keys.size]).astype(np.int64)
        return counts

    jobs = [per_account, per_pair]
    parts = side_by_side(jobs, threads)
    out = parts[0]
    out.update(parts[1])
    return out
