"""BG/BB model of discrete-time repeat transactions: likelihood and predictions.

Arrays in, arrays out, per row of sufficient statistics: ``x`` transactions in ``n``
opportunities after the first, the last at opportunity ``t_x`` (0 when ``x = 0``).

Reference: Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time
noncontractual setting", Marketing Science 29(6): the likelihood (eq. 5), P(alive) (eq. 11),
the expected transactions of a new customer (eq. 8) and the conditional expectation (eq. 13).
"""

# ruff: noqa: PLR0917 - the published parameters are passed positionally, as printed

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, gammaln, logsumexp, polygamma

__all__ = ("bgbb_conditional_expected", "bgbb_expected", "bgbb_loglik", "bgbb_p_alive")

F64 = npt.NDArray[np.float64]


def bgbb_loglik(
    alpha: float, beta: float, gamma: float, delta: float, x: F64, t_x: F64, n: F64
) -> F64:
    r"""Per-row BG/BB log-likelihood (Fader, Hardie & Shang 2010, eq. 5).

    $$L = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}
    \frac{B(\gamma, \delta+n)}{B(\gamma,\delta)}
    + \sum_{i=0}^{n-t_x-1} \frac{B(\alpha+x, \beta+t_x-x+i)}{B(\alpha,\beta)}
    \frac{B(\gamma+1, \delta+t_x+i)}{B(\gamma,\delta)}$$

    evaluated in log space; the sum runs over a rows x (max n - t_x) grid.

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        Model parameters (all > 0).
    x, t_x, n : numpy.ndarray of float
        Transactions, the opportunity of the last one, and opportunities.

    Returns
    -------
    numpy.ndarray of float
        Log-likelihood of each row.

    Examples
    --------
    >>> import numpy as np
    >>> ll = bgbb_loglik(1.204, 0.750, 0.657, 2.783, np.array([6.0]), np.array([6.0]),
    ...                  np.array([6.0]))
    >>> round(float(ll[0]), 4)  # a donor who gave at each of 6 opportunities
    -2.1822
    """
    base_ab, base_gd = betaln(alpha, beta), betaln(gamma, delta)
    alive = betaln(alpha + x, beta + n - x) - base_ab + betaln(gamma, delta + n) - base_gd
    gap = (n - t_x).astype(np.int64)
    width = int(gap.max()) if gap.size else 0
    if width == 0:
        return np.asarray(alive, dtype=np.float64)
    i = np.arange(width, dtype=np.float64)[None, :]
    died = (
        betaln(alpha + x[:, None], beta + (t_x - x)[:, None] + i)
        - base_ab
        + betaln(gamma + 1.0, delta + t_x[:, None] + i)
        - base_gd
    )
    died = np.where(i < gap[:, None], died, -np.inf)
    terms = np.concatenate([alive[:, None], died], axis=1)
    return np.asarray(logsumexp(terms, axis=1), dtype=np.float64)


def bgbb_p_alive(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: F64,
    t_x: F64,
    n: F64,
    ahead: float = 1.0,
) -> F64:
    """Probability of being alive at opportunity ``n + ahead`` (FHS 2010, eq. 11 for 1).

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        Model parameters.
    x, t_x, n : numpy.ndarray of float
        Sufficient statistics per row.
    ahead : float, default 1
        Opportunities after the last observed one.

    Returns
    -------
    numpy.ndarray of float
        In [0, 1].
    """
    log_top = (
        betaln(alpha + x, beta + n - x)
        - betaln(alpha, beta)
        + betaln(gamma, delta + n + ahead)
        - betaln(gamma, delta)
    )
    return np.asarray(
        np.exp(log_top - bgbb_loglik(alpha, beta, gamma, delta, x, t_x, n)), dtype=np.float64
    )


_NEAR_ONE = 1e-4
"""Below this ``|gamma - 1|`` the log-gamma differences are taken from their Taylor series."""


def _log_ratio_shift(gamma: float, a: F64 | float, b: F64) -> F64:
    """``log[Gamma(gamma-1+a) Gamma(b) / (Gamma(a) Gamma(gamma-1+b))]`` stable at ``gamma = 1``.

    Near ``gamma = 1`` the four log-gamma values nearly cancel; a third-order Taylor series in
    ``eps = gamma - 1`` (polygamma differences) keeps full relative precision there.
    """
    eps = gamma - 1.0
    if abs(eps) >= _NEAR_ONE:
        return np.asarray(gammaln(eps + a) - gammaln(a) - gammaln(eps + b) + gammaln(b))
    d1 = digamma(a) - digamma(b)
    d2 = polygamma(1, a) - polygamma(1, b)
    d3 = polygamma(2, a) - polygamma(2, b)
    return np.asarray(eps * d1 + eps**2 / 2.0 * d2 + eps**3 / 6.0 * d3)


def _dropout_sum(gamma: float, delta: float, start: F64, stop: F64) -> F64:
    r"""$\delta/(\gamma-1)\,\Gamma(\gamma+\delta)/\Gamma(1+\delta)\,[R(start) - R(stop)]$.

    ``R(k) = Gamma(1+delta+k) / Gamma(gamma+delta+k)``: the expected number of the
    opportunities ``start + 1 .. stop`` a new customer is alive at (eqs. 8 and 13 without the
    transaction probability), written as ``-expm1`` of a log ratio so that it stays exact as
    ``gamma -> 1``, where the closed form is 0/0 (the limit is a digamma difference).
    """
    eps = gamma - 1.0
    # log R(start) - log R(stop), and the leading factor times R(start), both in logs
    log_ratio = _log_ratio_shift(gamma, 1.0 + delta + start, 1.0 + delta + stop)
    lead = _log_ratio_shift(gamma, 1.0 + delta, 1.0 + delta + start)
    diff = -np.expm1(log_ratio)  # 1 - R(stop) / R(start), O(eps)
    if eps == 0.0:
        per_eps = digamma(1.0 + delta + stop) - digamma(1.0 + delta + start)
    else:
        per_eps = diff / eps
    return np.asarray(delta * np.exp(lead) * per_eps, dtype=np.float64)


def bgbb_expected(alpha: float, beta: float, gamma: float, delta: float, n: F64) -> F64:
    r"""Expected transactions of a new customer in its first ``n`` opportunities (eq. 8).

    $$E[X(n)] = \frac{\alpha}{\alpha+\beta} \frac{\delta}{\gamma-1}
    \left[1 - \frac{\Gamma(\gamma+\delta)}{\Gamma(1+\delta)}
    \frac{\Gamma(1+\delta+n)}{\Gamma(\gamma+\delta+n)}\right]$$

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        Model parameters (``gamma = 1`` is the continuous limit).
    n : numpy.ndarray of float
        Opportunities.

    Returns
    -------
    numpy.ndarray of float
        Expected transactions.
    """
    n = np.asarray(n, dtype=np.float64)
    return np.asarray(
        alpha / (alpha + beta) * _dropout_sum(gamma, delta, np.zeros_like(n), n),
        dtype=np.float64,
    )


def bgbb_conditional_expected(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    n_star: F64,
    x: F64,
    t_x: F64,
    n: F64,
) -> F64:
    """Expected transactions in opportunities ``n + 1 .. n + n_star`` given the history (eq. 13).

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        Model parameters (``gamma = 1`` is the continuous limit).
    n_star : numpy.ndarray of float
        Future opportunities.
    x, t_x, n : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    numpy.ndarray of float
        Expected transactions per row.
    """
    log_first = (
        betaln(alpha + x + 1.0, beta + n - x)
        - betaln(alpha, beta)
        - bgbb_loglik(alpha, beta, gamma, delta, x, t_x, n)
    )
    window = _dropout_sum(gamma, delta, n, n + n_star)
    return np.asarray(np.exp(log_first) * window, dtype=np.float64)
