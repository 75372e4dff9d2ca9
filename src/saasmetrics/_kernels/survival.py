"""Survival inference kernels: grouped risk tables, weighted log-rank tests, RMST, Aalen-Johansen.

Arrays in, arrays out. Every function works on the table of *distinct times*: one
``np.unique`` (a sort) encodes the rows, ``np.bincount`` counts events and removals per
(time, group) cell, and reversed cumulative sums give the risk sets. Nothing loops in Python over
rows or times; the few loops left run over groups or causes (a handful).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from saasmetrics._kernels.encoding import distinct_sorted

__all__ = (
    "aalen_johansen",
    "group_risk_table",
    "logrank_statistic",
    "logrank_weights",
    "rmst_table",
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


def group_risk_table(
    durations: F64,
    observed: B,
    groups: I64,
    weights: F64,
    n_groups: int,
    *,
    entry: F64 | None = None,
    encoded: tuple[F64, I64] | None = None,
) -> tuple[F64, F64, F64]:
    """Number at risk and number of events per distinct time and group.

    Parameters
    ----------
    durations : numpy.ndarray of float64
        Time of the event or of censoring of each row.
    observed : numpy.ndarray of bool
        True where the event happened.
    groups : numpy.ndarray of int64
        Group code of each row, in ``0..n_groups-1``.
    weights : numpy.ndarray of float64
        Case (frequency) weight of each row: a row of weight ``w`` counts as ``w`` rows.
    n_groups : int
        Number of groups.
    entry : numpy.ndarray of float64, optional
        Left truncation: a row is at risk at ``t`` when ``entry < t <= duration``.
    encoded : tuple of numpy.ndarray, optional
        ``(times, codes)``: the sorted distinct durations and each row's index into them, when
        the caller has them already (a hash factorization is much faster than the sort
        ``np.unique`` does).

    Returns
    -------
    tuple of numpy.ndarray
        ``(times, at_risk, events)``: the distinct durations (ascending), and two
        ``(len(times), n_groups)`` arrays.

    Examples
    --------
    >>> import numpy as np
    >>> t, n, d = group_risk_table(np.array([1.0, 2, 2, 3]), np.array([True, True, False, True]),
    ...                            np.array([0, 1, 0, 1]), np.ones(4), 2)
    >>> t.tolist(), n.tolist(), d.tolist()
    ([1.0, 2.0, 3.0], [[2.0, 2.0], [1.0, 2.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    """
    if encoded is None:
        times, inverse = np.unique(durations, return_inverse=True)
    else:
        times, inverse = encoded
    size = times.size * n_groups
    cell = inverse * n_groups + groups
    events = np.bincount(cell, weights=weights * observed, minlength=size).reshape(-1, n_groups)
    removed = np.bincount(cell, weights=weights, minlength=size).reshape(-1, n_groups)
    at_risk = np.cumsum(removed[::-1], axis=0)[::-1]
    if entry is not None:
        # rows whose entry is at or after times[j] are not yet at risk at times[j]
        first = np.searchsorted(times, entry, side="right")  # times[j] <= entry for j < first
        entered = np.bincount(
            first * n_groups + groups, weights=weights, minlength=(times.size + 1) * n_groups
        ).reshape(-1, n_groups)
        not_yet = np.cumsum(entered[::-1], axis=0)[::-1][1:]
        at_risk = at_risk - not_yet
    return times.astype(np.float64), at_risk.astype(np.float64), events.astype(np.float64)


def logrank_weights(at_risk: F64, events: F64, weighting: str, p: float, q: float) -> F64:
    """Weight of each distinct time in a weighted log-rank test.

    Parameters
    ----------
    at_risk, events : numpy.ndarray of float64
        Pooled (all groups) number at risk and events per distinct time.
    weighting : {"logrank", "wilcoxon", "tarone-ware", "peto", "fleming-harrington"}
        The weight family.
    p, q : float
        Fleming-Harrington exponents.

    Returns
    -------
    numpy.ndarray of float64
        One weight per time: 1 (log-rank); ``n`` (Gehan-Breslow-Wilcoxon); ``sqrt(n)``
        (Tarone-Ware); ``prod_{t_i <= t} (1 - d_i / (n_i + 1))`` (Peto-Peto); the pooled
        left-continuous Kaplan-Meier ``S(t-)^p (1 - S(t-))^q`` (Fleming-Harrington, R's
        ``survdiff(rho=p)`` when ``q = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> logrank_weights(np.array([4.0, 2.0]), np.array([2.0, 1.0]), "fleming-harrington", 1, 0)
    array([1. , 0.5])
    """
    if weighting == "logrank":
        return np.ones_like(at_risk)
    if weighting == "wilcoxon":
        return at_risk.copy()
    if weighting == "tarone-ware":
        root: F64 = np.sqrt(at_risk)
        return root
    with np.errstate(divide="ignore", invalid="ignore"):
        if weighting == "peto":
            return np.asarray(np.cumprod(1.0 - events / (at_risk + 1.0)), dtype=np.float64)
        factor = np.where(at_risk > 0, 1.0 - events / at_risk, 1.0)
    survival_before = np.r_[1.0, np.cumprod(factor)[:-1]]
    weights: F64 = survival_before**p * (1.0 - survival_before) ** q
    return weights


def logrank_statistic(at_risk: F64, events: F64, weights: F64) -> tuple[F64, F64, F64, F64]:
    """Weighted log-rank scores, their covariance, and observed / expected events per group.

    Parameters
    ----------
    at_risk, events : numpy.ndarray of float64
        ``(times, k)`` risk sets and events per group.
    weights : numpy.ndarray of float64
        One weight per time (from :func:`logrank_weights`).

    Returns
    -------
    tuple of numpy.ndarray
        ``(score, covariance, observed, expected)``: ``score[g] = sum_t w (d_g - E_g)``, its
        ``(k, k)`` hypergeometric covariance
        ``sum_t w^2 d (n - d) / (n - 1) (diag(n_g / n) - (n_g / n)(n_h / n))``, and the
        unweighted observed and expected events ``E_g = sum_t d n_g / n``.

    Examples
    --------
    >>> import numpy as np
    >>> n = np.array([[2.0, 2.0], [1.0, 2.0]])
    >>> d = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> score, cov, o, e = logrank_statistic(n, d, np.ones(2))
    >>> score.round(4).tolist(), o.tolist(), e.round(4).tolist()
    ([0.1667, -0.1667], [1.0, 1.0], [0.8333, 1.1667])
    """
    n = at_risk.sum(axis=1)
    d = events.sum(axis=1)
    live = n > 0
    share = np.zeros_like(at_risk)
    share[live] = at_risk[live] / n[live, None]
    expected_t = d[:, None] * share
    score = (weights[:, None] * (events - expected_t)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    c = weights**2 * spread
    covariance = np.diag(c @ share) - share.T @ (c[:, None] * share)
    return score, covariance, events.sum(axis=0), expected_t.sum(axis=0)


def rmst_table(times: F64, at_risk: F64, events: F64, tau: float) -> tuple[F64, F64, F64]:
    """Restricted mean survival time up to ``tau`` per group, with survRM2's variance.

    Parameters
    ----------
    times : numpy.ndarray of float64
        Distinct times, ascending.
    at_risk, events : numpy.ndarray of float64
        ``(times, k)`` risk sets and events per group.
    tau : float
        The horizon.

    Returns
    -------
    tuple of numpy.ndarray
        ``(rmst, variance, survival_at_tau)`` per group: the area under each Kaplan-Meier curve
        on ``[0, tau]`` and the Greenwood plug-in variance
        ``sum_{t_i <= tau} (int_{t_i}^tau S)^2 d_i / (n_i (n_i - d_i))`` (a term is 0 where
        ``n_i = d_i``, as in survRM2).

    Examples
    --------
    >>> import numpy as np
    >>> r, v, s = rmst_table(np.array([1.0, 2.0]), np.array([[2.0], [1.0]]),
    ...                      np.array([[1.0], [0.0]]), 3.0)
    >>> r.tolist(), v.round(4).tolist(), s.tolist()
    ([2.0], [0.5], [0.5])
    """
    keep = times <= tau
    t = times[keep]
    n = at_risk[keep]
    d = events[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 0, 1.0 - d / n, 1.0)
        term = np.where(n > d, d / (n * (n - d)), 0.0)
    survival = np.cumprod(factor, axis=0)
    k = at_risk.shape[1]
    # the step function is 1 on [0, t_0), survival[j] on [t_j, t_{j+1}), up to tau
    edges = np.r_[0.0, t, tau]
    heights = np.vstack([np.ones((1, k)), survival])
    areas = np.diff(edges)[:, None] * heights
    rmst = areas.sum(axis=0)
    after = np.cumsum(areas[::-1], axis=0)[::-1][1:]  # area from t_j to tau
    variance = (after**2 * term).sum(axis=0)
    return rmst, variance, heights[-1]


def aalen_johansen(
    durations: F64, cause: I64, weights: F64, n_causes: int
) -> tuple[F64, F64, F64, F64, F64]:
    """Aalen-Johansen cumulative incidence of each cause, ties handled exactly.

    Parameters
    ----------
    durations : numpy.ndarray of float64
        Time of the event or of censoring.
    cause : numpy.ndarray of int64
        0 for censored, ``1..n_causes`` for the cause of the event.
    weights : numpy.ndarray of float64
        Case weights.
    n_causes : int
        Number of causes.

    Returns
    -------
    tuple of numpy.ndarray
        ``(times, at_risk, events, incidence, variance)``: distinct times; pooled number at
        risk; ``(times, n_causes)`` events and cumulative incidence
        ``F_c(t) = sum_{t_j <= t} S(t_j-) d_cj / n_j`` (``S`` the all-cause Kaplan-Meier); and
        the delta-method variance of Marubini and Valsecchi (1995, eq. 10.11), the one R's
        ``cmprsk`` documentation calls the Aalen-type estimate.

    Examples
    --------
    >>> import numpy as np
    >>> t, n, d, f, v = aalen_johansen(np.array([1.0, 2, 3, 4]), np.array([1, 2, 0, 1]),
    ...                                np.ones(4), 2)
    >>> f.tolist()
    [[0.25, 0.0], [0.25, 0.25], [0.25, 0.25], [0.75, 0.25]]
    """
    times, inverse = np.unique(durations, return_inverse=True)
    n_t = times.size
    width = n_causes + 1
    counts = np.bincount(inverse * width + cause, weights=weights, minlength=n_t * width)
    counts = counts.reshape(n_t, width)
    events = counts[:, 1:]
    removed = counts.sum(axis=1)
    at_risk = np.cumsum(removed[::-1])[::-1]
    d_all = events.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_all = np.where(at_risk > 0, d_all / at_risk, 0.0)
        hazard = np.where(at_risk[:, None] > 0, events / at_risk[:, None], 0.0)
        gw = np.where(at_risk > d_all, d_all / (at_risk * (at_risk - d_all)), 0.0)
    survival = np.cumprod(1.0 - hazard_all)
    before = np.r_[1.0, survival[:-1]]
    # a probability: clip the last-bit rounding of the cumulative sum (e.g. 1.0000000000000002)
    incidence = np.clip(np.cumsum(before[:, None] * hazard, axis=0), 0.0, 1.0)
    # Var F_c(t) = sum_{t_j<=t} [F(t)-F(t_j)]^2 d/(n(n-d)) + S(t_j-)^2 d_c (n-d_c)/n^3
    #              - 2 [F(t)-F(t_j)] S(t_j-) d_c / n^2     (Marubini & Valsecchi 10.11)
    # expand the squares so each piece is a cumulative sum over j <= t
    f = incidence
    a = np.cumsum(gw)[:, None]
    b = np.cumsum(gw[:, None] * f, axis=0)
    c = np.cumsum(gw[:, None] * f**2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        n3 = np.where(at_risk > 0, at_risk**3, np.inf)[:, None]
        n2 = np.where(at_risk > 0, at_risk**2, np.inf)[:, None]
    own = np.cumsum(before[:, None] ** 2 * events * (at_risk[:, None] - events) / n3, axis=0)
    cross_1 = np.cumsum(before[:, None] * events / n2, axis=0)
    cross_f = np.cumsum(before[:, None] * events * f / n2, axis=0)
    variance = f**2 * a - 2 * f * b + c + own - 2 * (f * cross_1 - cross_f)
    return (
        times.astype(np.float64),
        at_risk.astype(np.float64),
        events.astype(np.float64),
        incidence,
        np.maximum(variance, 0.0),
    )


# --------------------------------------------------------------------------- Cox (Efron)
def _interval_sums(values: F64, lo: I64, hi: I64, m: int) -> F64:
    """``out[j] = sum of values[i]`` over rows with ``lo[i] <= j < hi[i]`` (``j < m``).

    Suffix sums: the rows still at risk after ``j`` (``hi > j``) minus those not yet entered
    (``lo > j``). Summing from the last event time backwards never subtracts the early
    leavers: a forward difference array would, and with risk scores ``exp(eta)`` spanning
    many orders of magnitude (a strong covariate) the cancellation destroys the small late
    risk sets. Without left truncation the second term is zero.
    """
    cols = values.shape[1]
    out = np.empty((m + 1, cols))
    for c in range(cols):  # over columns (covariates or their products), not rows
        closing = np.bincount(hi, weights=values[:, c], minlength=m + 1)[: m + 1]
        out[:, c] = np.cumsum(closing[::-1])[::-1]
        if lo.any():
            opening = np.bincount(lo, weights=values[:, c], minlength=m + 1)[: m + 1]
            out[:, c] -= np.cumsum(opening[::-1])[::-1]
    return out[1:]


class CoxTerms:
    """Risk-set structure of one stratum of counting-process data, fixed across iterations.

    Parameters
    ----------
    start, stop : numpy.ndarray of float64
        A row is at risk on ``(start, stop]``.
    event : numpy.ndarray of bool
        Event at ``stop``.
    x : numpy.ndarray of float64
        ``(rows, p)`` covariates (centred by the caller).
    ties : {"efron", "breslow"}
        Handling of tied event times.
    """

    def __init__(self, start: F64, stop: F64, event: B, x: F64, ties: str) -> None:
        self.x = x
        self.event_times = distinct_sorted(stop[event])
        m = self.event_times.size
        self.m = m
        # a row counts at event time j for lo <= j < hi
        self.lo = np.searchsorted(self.event_times, start, side="right").astype(np.int64)
        self.hi = np.searchsorted(self.event_times, stop, side="right").astype(np.int64)
        self.event_rows = np.flatnonzero(event)
        self.event_index = np.searchsorted(self.event_times, stop[self.event_rows])
        deaths = np.bincount(self.event_index, minlength=m)
        self.deaths = deaths
        # Efron: the l-th of d tied deaths sees the risk set minus l/d of the tied deaths
        self.pair_time = np.repeat(np.arange(m), deaths)
        within = np.arange(self.pair_time.size) - np.repeat(np.cumsum(deaths) - deaths, deaths)
        self.fraction = within / np.repeat(deaths, deaths) if ties == "efron" else np.zeros(0)
        if ties != "efron":
            self.fraction = np.zeros(self.pair_time.size)

    def sums(self, beta: F64, *, second: bool = True) -> dict[str, F64]:
        """Risk-set and tied-death sums of exp(eta), x exp(eta), x x' exp(eta)."""
        x = self.x
        p = x.shape[1]
        eta = x @ beta
        # exp(eta - shift): no overflow; the shift cancels in every ratio and is added back
        # to the log of the risk-set sums in the likelihood
        shift = float(eta.max()) if eta.size else 0.0
        r = np.exp(eta - shift)
        rx = r[:, None] * x
        out = {"eta": eta, "r": r, "shift": np.array([shift])}
        out["s0"] = _interval_sums(r[:, None], self.lo, self.hi, self.m)[:, 0]
        out["s1"] = _interval_sums(rx, self.lo, self.hi, self.m)
        ev = self.event_rows
        idx = self.event_index
        out["e0"] = np.bincount(idx, weights=r[ev], minlength=self.m)
        out["e1"] = np.stack(
            [np.bincount(idx, weights=rx[ev, c], minlength=self.m) for c in range(p)], axis=1
        ).reshape(self.m, p)
        if second:
            rxx = (rx[:, :, None] * x[:, None, :]).reshape(-1, p * p)
            out["s2"] = _interval_sums(rxx, self.lo, self.hi, self.m).reshape(self.m, p, p)
            out["e2"] = np.stack(
                [np.bincount(idx, weights=rxx[ev, c], minlength=self.m) for c in range(p * p)],
                axis=1,
            ).reshape(self.m, p, p)
        return out


def cox_partial_likelihood(
    terms: list[CoxTerms], beta: F64, *, second: bool = True
) -> tuple[float, F64, F64]:
    r"""Partial log-likelihood, score and information of a (stratified) Cox model.

    Parameters
    ----------
    terms : list of CoxTerms
        One per stratum.
    beta : numpy.ndarray of float64
        Coefficients.
    second : bool, default True
        Also compute the information matrix (else zeros).

    Returns
    -------
    tuple
        ``(loglik, score, information)`` with Efron's (or Breslow's) handling of ties:
        $\ell = \sum_{events} \eta_i - \sum_j \sum_{l<d_j}
        \log(S^0_j - \tfrac{l}{d_j} E^0_j)$.

    Examples
    --------
    >>> import numpy as np
    >>> t = CoxTerms(np.zeros(4), np.array([1.0, 2, 2, 3]), np.array([True, True, True, False]),
    ...              np.array([[0.0], [1.0], [0.0], [1.0]]), "efron")
    >>> ll, u, i = cox_partial_likelihood([t], np.zeros(1))
    >>> round(ll, 4), u.round(4).tolist()
    (-3.1781, [-0.9167])
    """
    p = beta.size
    loglik = 0.0
    score = np.zeros(p)
    info = np.zeros((p, p))
    for t in terms:  # over strata
        if t.m == 0:
            continue
        s = t.sums(beta, second=second)
        j = t.pair_time
        a = t.fraction
        den = s["s0"][j] - a * s["e0"][j]
        num1 = s["s1"][j] - a[:, None] * s["e1"][j]
        with np.errstate(divide="ignore"):  # a risk set underflowing to 0: -inf, rejected
            log_den = np.log(den).sum()
        loglik += float(s["eta"][t.event_rows].sum() - log_den - den.size * s["shift"][0])
        mean = num1 / den[:, None]
        score += t.x[t.event_rows].sum(axis=0) - mean.sum(axis=0)
        if second:
            num2 = s["s2"][j] - a[:, None, None] * s["e2"][j]
            info += (num2 / den[:, None, None]).sum(axis=0) - mean.T @ mean
    return loglik, score, info


# --------------------------------------------------------------------------- concordance
def _prefix_less(values: I64, prefix: I64, bound: I64) -> tuple[I64, I64]:
    """For each query ``q``: how many of ``values[:prefix[q]]`` are ``< bound[q]``, and ``<=``.

    A merge-sort tree without the tree: level ``k`` sorts the values within aligned blocks of
    ``2**k`` (one ``np.sort`` of ``block * width + value``); a prefix is the union of one block
    per set bit of its length, counted with ``searchsorted`` per level. O(n log^2 n) work, no
    Python loop over rows or queries.
    """
    n = values.size
    width = int(values.max(initial=0)) + 2
    less = np.zeros(prefix.size, dtype=np.int64)
    upto = np.zeros(prefix.size, dtype=np.int64)
    position = np.arange(n, dtype=np.int64)
    for k in range(max(int(n).bit_length(), 1)):  # over the log2(n) levels
        take = np.flatnonzero((prefix >> k) & 1)
        if take.size == 0:
            continue
        keys = np.sort((position >> k) * width + values)
        block = ((prefix[take] >> (k + 1)) << (k + 1)) >> k
        lo = block << k  # blocks before it are full: it starts at block * 2**k
        needle = block * width + bound[take]
        less[take] += np.searchsorted(keys, needle, side="left") - lo
        upto[take] += np.searchsorted(keys, needle, side="right") - lo
    return less, upto


def concordance_counts(start: F64, stop: F64, event: B, score: F64) -> tuple[float, float, float]:
    """Concordant, discordant and tied-score pairs of Harrell's C (one stratum).

    Row ``j`` is comparable with churn row ``i`` when ``start_j < stop_i`` and either
    ``stop_j > stop_i`` or (``stop_j == stop_i`` and ``j`` censored): tied churn times are not
    comparable, as in R's ``concordance()``. The pair is concordant when the churner has the
    higher score.

    Parameters
    ----------
    start, stop : numpy.ndarray of float64
        Rows at risk on ``(start, stop]``.
    event : numpy.ndarray of bool
        Churn at ``stop``.
    score : numpy.ndarray of float64
        Risk score (linear predictor).

    Returns
    -------
    tuple of float
        ``(concordant, discordant, tied)``.

    Examples
    --------
    >>> import numpy as np
    >>> concordance_counts(np.zeros(4), np.array([1.0, 2, 3, 4]),
    ...                    np.array([True, True, False, True]), np.array([3.0, 1, 2, 2]))
    (3.0, 2.0, 0.0)
    """
    ev = np.flatnonzero(event)
    if ev.size == 0:
        return 0.0, 0.0, 0.0
    score_rank = np.unique(score, return_inverse=True)[1].astype(np.int64)
    s = score_rank[ev]
    # set 1: rows "after" each churn time: sort rows by (stop, censored) so that, for a churn
    # at t, they are a suffix: every row with stop > t, and the censored ones with stop == t
    stop_rank = np.unique(stop, return_inverse=True)[1]
    key = 2 * stop_rank.astype(np.int64) + (~event).astype(np.int64)
    order = np.argsort(key, kind="stable")
    first = np.searchsorted(key[order], 2 * stop_rank[ev].astype(np.int64) + 1, side="left")
    # set 2 (to remove): rows that have not started by t (start >= t), a suffix by start
    order2 = np.argsort(start, kind="stable")
    first2 = np.searchsorted(start[order2], stop[ev], side="left")
    n = stop.size

    sorted_ranks = np.sort(score_rank)
    all_less = np.searchsorted(sorted_ranks, s, side="left")
    all_upto = np.searchsorted(sorted_ranks, s, side="right")
    # suffix counts = all - prefix counts; set 2 is inside set 1, so subtract
    less1, upto1 = _prefix_less(score_rank[order], first.astype(np.int64), s)
    less2, upto2 = _prefix_less(score_rank[order2], first2.astype(np.int64), s)
    less = (all_less - less1) - (all_less - less2)
    upto = (all_upto - upto1) - (all_upto - upto2)
    total = (n - first) - (n - first2)
    tied = upto - less
    greater = total - upto
    return float(less.sum()), float(greater.sum()), float(tied.sum())
