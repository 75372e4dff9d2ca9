"""Log-likelihoods (and analytic gradients) of the BG/NBD, Pareto/NBD and Gamma-Gamma models.

Arrays in, arrays out. Every function works on per-row sufficient statistics (frequency ``x``,
recency ``t_x``, age ``T``; or ``x`` and mean spend ``m``) and returns per-row values, so
callers weight identical rows by their count instead of repeating them.

References: Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative
to the Pareto/NBD model", Marketing Science 24(2) (BG/NBD, eq. 6); Fader, Hardie & Lee
(2005), "A note on deriving the Pareto/NBD model and related expressions" (Pareto/NBD, eq. 18
onwards); Fader & Hardie (2013), "The Gamma-Gamma model of monetary value".
"""

# ruff: noqa: PLR0917 - likelihoods take the published parameters positionally, as printed

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, gammaln, hyp2f1

__all__ = (
    "bgnbd_conditional_expected",
    "bgnbd_expected",
    "bgnbd_loglik",
    "bgnbd_loglik_grad",
    "bgnbd_p_alive",
    "bgnbd_p_purchase",
    "gamma_gamma_loglik",
    "gamma_gamma_loglik_grad",
    "pareto_conditional_expected",
    "pareto_expected",
    "pareto_loglik",
    "pareto_p_alive",
    "pareto_p_purchase",
)

F64 = npt.NDArray[np.float64]


def _unique(x: F64) -> tuple[F64, npt.NDArray[np.intp]]:
    """Distinct values of ``x`` and the index of each row's value (cheap when x is sorted)."""
    if x.size and np.all(x[1:] >= x[:-1]):
        change = np.r_[False, x[1:] != x[:-1]]
        return x[np.r_[True, change[1:]]], np.cumsum(change)
    ux, inv = np.unique(x, return_inverse=True)
    return ux, inv.reshape(-1)


def _bgnbd_terms(
    r: float, alpha: float, a: float, b: float, x: F64, t_x: F64, T: F64
) -> tuple[F64, F64, F64, npt.NDArray[np.bool_]]:
    # special functions of the purchase count are evaluated once per distinct count
    ux, inv = _unique(x)
    uxs = np.where(ux > 0, ux, 1.0)  # keep b + x - 1 > 0 where the term is unused
    A = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha) - betaln(a, b))[inv]
    B1 = betaln(a, b + ux)[inv] - (r + x) * np.log(alpha + T)
    repeat = x > 0
    B2 = np.where(
        repeat, betaln(a + 1.0, b + uxs - 1.0)[inv] - (r + x) * np.log(alpha + t_x), -np.inf
    )
    return A, B1, B2, repeat


def bgnbd_loglik(r: float, alpha: float, a: float, b: float, x: F64, t_x: F64, T: F64) -> F64:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6).

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters (all > 0).
    x, t_x, T : numpy.ndarray of float
        Repeat purchases, time of the last purchase, and time observed (from the first).

    Returns
    -------
    numpy.ndarray of float
        Log-likelihood of each row.

    Examples
    --------
    >>> import numpy as np
    >>> ll = bgnbd_loglik(0.243, 4.414, 0.793, 2.426, np.array([2.0]), np.array([30.43]),
    ...                   np.array([38.86]))
    >>> round(float(ll[0]), 4)
    -9.4586
    """
    A, B1, B2, _ = _bgnbd_terms(r, alpha, a, b, x, t_x, T)
    return A + np.logaddexp(B1, B2)


def bgnbd_loglik_grad(
    r: float, alpha: float, a: float, b: float, x: F64, t_x: F64, T: F64
) -> tuple[F64, F64]:
    """BG/NBD log-likelihood per row and its gradient in ``(r, alpha, a, b)``.

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters.
    x, t_x, T : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    loglik : numpy.ndarray
        Per row.
    grad : numpy.ndarray, shape (4, n)
        Partial derivatives per row (analytic: digamma functions and a softmax of the two
        likelihood terms).
    """
    A, B1, B2, repeat = _bgnbd_terms(r, alpha, a, b, x, t_x, T)
    top = np.logaddexp(B1, B2)
    w1 = np.exp(B1 - top)
    w2 = np.exp(B2 - top)
    ux, inv = _unique(x)
    uxs = np.where(ux > 0, ux, 1.0)
    d_ab = digamma(a + b)
    d_abx = digamma(a + b + ux)[inv]
    dA = np.stack(
        [
            (digamma(r + ux) - digamma(r) + np.log(alpha))[inv],
            np.full_like(x, r / alpha),
            np.full_like(x, -(digamma(a) - d_ab)),
            np.full_like(x, -(digamma(b) - d_ab)),
        ]
    )
    dB1 = np.stack(
        [
            -np.log(alpha + T),
            -(r + x) / (alpha + T),
            digamma(a) - d_abx,
            digamma(b + ux)[inv] - d_abx,
        ]
    )
    dB2 = np.stack(
        [
            -np.log(alpha + t_x),
            -(r + x) / (alpha + t_x),
            digamma(a + 1.0) - d_abx,
            digamma(b + uxs - 1.0)[inv] - d_abx,
        ]
    )
    grad = dA + w1 * dB1 + np.where(repeat, w2, 0.0) * dB2
    return A + top, grad


def bgnbd_p_alive(r: float, alpha: float, a: float, b: float, x: F64, t_x: F64, T: F64) -> F64:
    """Probability that a BG/NBD customer is still alive at ``T`` (FHL 2005, eq. 13).

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters.
    x, t_x, T : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    numpy.ndarray of float
        In (0, 1]; exactly 1 for customers without repeat purchases.
    """
    repeat = x > 0
    xs = np.where(repeat, x, 1.0)
    log_ratio = (
        np.log(a) - np.log(b + xs - 1.0) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(repeat, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)


def bgnbd_expected(r: float, alpha: float, a: float, b: float, t: F64) -> F64:
    """Expected purchases of a new customer in ``(0, t]`` (FHL 2005, eq. 7).

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters.
    t : numpy.ndarray of float
        Horizons.

    Returns
    -------
    numpy.ndarray of float
        Expected repeat purchases.
    """
    z = t / (alpha + t)
    return (
        (a + b - 1.0)
        / (a - 1.0)
        * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1.0, z))
    )


def bgnbd_conditional_expected(
    r: float, alpha: float, a: float, b: float, t: F64, x: F64, t_x: F64, T: F64
) -> F64:
    """Expected purchases in ``(T, T + t]`` given the history (FHL 2005, eq. 10).

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters.
    t : numpy.ndarray of float
        Horizon beyond ``T``.
    x, t_x, T : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    numpy.ndarray of float
        Expected purchases per row.
    """
    z = t / (alpha + T + t)
    # Euler's transformation 2F1(r+x, b+x; c; z) = (1-z)^(c-r-x-b-x) 2F1(c-r-x, c-b-x; c; z)
    # with c = a+b+x-1 turns ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...) into
    # (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z): upper parameters that do not grow with x, so
    # heavy buyers (x in the thousands) no longer overflow to inf * 0 = nan
    hyp = hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    first = (a + b + x - 1.0) / (a - 1.0)
    second = 1.0 - (1.0 - z) ** (a - 1.0) * hyp
    return first * second * bgnbd_p_alive(r, alpha, a, b, x, t_x, T)


def bgnbd_p_purchase(
    r: float, alpha: float, a: float, b: float, t: F64, x: F64, t_x: F64, T: F64
) -> F64:
    r"""Probability of at least one purchase in ``(T, T + t]`` given the history (BG/NBD).

    A BG/NBD customer drops out only right after a purchase, so one who is alive at ``T``
    makes no purchase in the next ``t`` with probability
    $E[e^{-\lambda t}] = ((\alpha + T) / (\alpha + T + t))^{r + x}$ (posterior
    $\lambda \sim \Gamma(r + x, \alpha + T)$); one who is not alive makes none.

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters.
    t : numpy.ndarray of float
        Horizon beyond ``T``.
    x, t_x, T : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    numpy.ndarray of float
        In [0, 1].
    """
    none_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    return np.asarray(bgnbd_p_alive(r, alpha, a, b, x, t_x, T) * (1.0 - none_if_alive))


def _pareto_log_a0(r: float, alpha: float, s: float, beta: float, x: F64, t_x: F64, T: F64) -> F64:
    # log of A0 (FHL note, eq. 19/20), computed as log(u - v) = log u + log1p(-v / u)
    rsx = r + s + x
    big: float
    b2: float
    param2: Any
    if alpha >= beta:
        big, b2, param2 = alpha, alpha - beta, s + 1.0
    else:
        big, b2, param2 = beta, beta - alpha, r + x
    log_u = np.log(hyp2f1(rsx, param2, rsx + 1.0, b2 / (big + t_x))) - rsx * np.log(big + t_x)
    log_v = np.log(hyp2f1(rsx, param2, rsx + 1.0, b2 / (big + T))) - rsx * np.log(big + T)
    diff = np.minimum(log_v - log_u, 0.0)
    with np.errstate(divide="ignore"):
        return np.asarray(log_u + np.log(-np.expm1(diff)), dtype=np.float64)


def pareto_loglik(r: float, alpha: float, s: float, beta: float, x: F64, t_x: F64, T: F64) -> F64:
    """Per-customer Pareto/NBD log-likelihood (Fader, Hardie & Lee 2005 note, eq. 18-20).

    Parameters
    ----------
    r, alpha, s, beta : float
        Model parameters (all > 0).
    x, t_x, T : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    numpy.ndarray of float
        Log-likelihood of each row.

    Examples
    --------
    >>> import numpy as np
    >>> ll = pareto_loglik(0.55, 10.58, 0.61, 11.67, np.array([0.0, 2.0]),
    ...                    np.array([0.0, 30.43]), np.array([38.86, 38.86]))
    >>> np.round(ll, 3).tolist()
    [-0.517, -9.562]
    """
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    term1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    term2 = np.log(s) - np.log(r + s + x) + _pareto_log_a0(r, alpha, s, beta, x, t_x, T)
    return np.asarray(base + np.logaddexp(term1, term2), dtype=np.float64)


def pareto_p_alive(r: float, alpha: float, s: float, beta: float, x: F64, t_x: F64, T: F64) -> F64:
    """Probability that a Pareto/NBD customer is alive at ``T`` (FHL note, eq. 21).

    Parameters
    ----------
    r, alpha, s, beta : float
        Model parameters.
    x, t_x, T : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    numpy.ndarray of float
        In (0, 1].
    """
    term1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    term2 = np.log(s) - np.log(r + s + x) + _pareto_log_a0(r, alpha, s, beta, x, t_x, T)
    return np.asarray(np.exp(term1 - np.logaddexp(term1, term2)), dtype=np.float64)


def pareto_expected(r: float, alpha: float, s: float, beta: float, t: F64) -> F64:
    """Expected purchases of a new Pareto/NBD customer in ``(0, t]`` (FHL note, eq. 17).

    Parameters
    ----------
    r, alpha, s, beta : float
        Model parameters (``s != 1``).
    t : numpy.ndarray of float
        Horizons.

    Returns
    -------
    numpy.ndarray of float
        Expected purchases.
    """
    return r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)) ** (s - 1.0))


def pareto_conditional_expected(
    r: float, alpha: float, s: float, beta: float, t: F64, x: F64, t_x: F64, T: F64
) -> F64:
    """Expected purchases in ``(T, T + t]`` given the history (FHL note, eq. 22).

    Parameters
    ----------
    r, alpha, s, beta : float
        Model parameters (``s != 1``).
    t : numpy.ndarray of float
        Horizon beyond ``T``.
    x, t_x, T : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    numpy.ndarray of float
        Expected purchases per row.
    """
    rate = (r + x) * (beta + T) / ((alpha + T) * (s - 1.0))
    decay = 1.0 - ((beta + T) / (beta + T + t)) ** (s - 1.0)
    return rate * decay * pareto_p_alive(r, alpha, s, beta, x, t_x, T)


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)


def pareto_p_purchase(
    r: float, alpha: float, s: float, beta: float, t: F64, x: F64, t_x: F64, T: F64
) -> F64:
    r"""Probability of at least one purchase in ``(T, T + t]`` given the history (Pareto/NBD).

    Alive at ``T``, a customer's rates are independent, $\lambda \sim \Gamma(r + x,
    \alpha + T)$ and $\mu \sim \Gamma(s, \beta + T)$. No purchase in the next ``t``
    means surviving it without one, or dying at some $u < t$ before buying:

    $$P_0 = A(t)^{r+x} B(t)^s + \int_0^t A(u)^{r+x} \frac{s}{\beta + T + u} B(u)^s\,du,$$

    with $A(u) = (\alpha + T)/(\alpha + T + u)$ and $B(u) = (\beta + T)/(\beta + T + u)$;
    the integral by 64-point Gauss-Legendre quadrature (smooth, monotone integrand).

    Parameters
    ----------
    r, alpha, s, beta : float
        Model parameters.
    t : numpy.ndarray of float
        Horizon beyond ``T``.
    x, t_x, T : numpy.ndarray of float
        Sufficient statistics per row.

    Returns
    -------
    numpy.ndarray of float
        In [0, 1].
    """
    t, x, T = np.broadcast_arrays(
        np.asarray(t, np.float64), np.asarray(x, np.float64), np.asarray(T, np.float64)
    )
    la, lb = np.log(alpha + T), np.log(beta + T)

    def survive(u: F64) -> F64:  # E[exp(-(lambda + mu) u)]
        log = (r + x) * (la - np.log(alpha + T + u)) + s * (lb - np.log(beta + T + u))
        return np.asarray(np.exp(log), dtype=np.float64)

    integral = np.zeros(t.shape)
    half = t / 2.0
    for node, weight in zip(_GL_NODES, _GL_WEIGHTS, strict=True):  # 64 nodes; rows vectorized
        u = half * (node + 1.0)
        integral += weight * survive(u) * s / (beta + T + u)
    none_if_alive = survive(t) + half * integral
    alive = pareto_p_alive(r, alpha, s, beta, x, t_x, T)
    return np.asarray(alive * np.clip(1.0 - none_if_alive, 0.0, 1.0), dtype=np.float64)


def gamma_gamma_loglik(p: float, q: float, v: float, x: F64, m: F64) -> F64:
    """Gamma-Gamma log-likelihood of each customer's mean spend ``m`` over ``x`` purchases.

    Parameters
    ----------
    p, q, v : float
        Model parameters (Fader & Hardie 2013 call ``v`` gamma).
    x : numpy.ndarray of float
        Number of transactions behind the mean (> 0).
    m : numpy.ndarray of float
        Mean transaction value (> 0).

    Returns
    -------
    numpy.ndarray of float
        Log-likelihood of each row.
    """
    px = p * x
    out = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )
    return np.asarray(out, dtype=np.float64)


def gamma_gamma_loglik_grad(p: float, q: float, v: float, x: F64, m: F64) -> tuple[F64, F64]:
    """Gamma-Gamma log-likelihood per row and its analytic gradient in ``(p, q, v)``.

    Parameters
    ----------
    p, q, v : float
        Model parameters.
    x, m : numpy.ndarray of float
        Transactions and mean value per row.

    Returns
    -------
    loglik : numpy.ndarray
        Per row.
    grad : numpy.ndarray, shape (3, n)
        Partial derivatives per row.
    """
    px = p * x
    log_xm_v = np.log(x * m + v)
    d_all = digamma(px + q)
    grad = np.stack(
        [
            x * (d_all - digamma(px) + np.log(m) + np.log(x) - log_xm_v),
            d_all - digamma(q) + np.log(v) - log_xm_v,
            q / v - (px + q) / (x * m + v),
        ]
    )
    return gamma_gamma_loglik(p, q, v, x, m), grad
