"""CLV likelihood kernels against slow pure-Python twins (direct, non-log formulas)."""

# ruff: noqa: PLR0917 - oracles take the published parameters positionally

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import hyp2f1

from saasmetrics._kernels import unit_economics_clv as kern

params = st.floats(0.05, 20.0)
customer = st.tuples(st.integers(0, 30), st.floats(0.0, 1.0), st.floats(0.5, 60.0))


def _beta(a: float, b: float) -> float:
    return math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))


def _bgnbd_oracle(
    r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float
) -> float:
    # Fader, Hardie & Lee (2005), eq. 6, as printed (no logs)
    common = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha**r
    like = _beta(a, b + x) / _beta(a, b) * common / (alpha + T) ** (r + x)
    if x > 0:
        like += _beta(a + 1, b + x - 1) / _beta(a, b) * common / (alpha + t_x) ** (r + x)
    return math.log(like)


def _pareto_oracle(
    r: float, alpha: float, s: float, beta: float, x: int, t_x: float, T: float
) -> float:
    # Fader, Hardie & Lee (2005) note, eq. 18-20, as printed
    def f(t: float) -> float:
        if alpha >= beta:
            return float(
                hyp2f1(r + s + x, s + 1, r + s + x + 1, (alpha - beta) / (alpha + t))
                / (alpha + t) ** (r + s + x)
            )
        return float(
            hyp2f1(r + s + x, r + x, r + s + x + 1, (beta - alpha) / (beta + t))
            / (beta + t) ** (r + s + x)
        )

    a0 = f(t_x) - f(T)
    head = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha**r * beta**s
    like = head * (1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / (r + s + x) * a0)
    return math.log(like)


@given(r=params, alpha=params, a=params, b=params, c=customer)
def test_bgnbd_loglik_matches_printed_formula(
    r: float, alpha: float, a: float, b: float, c: tuple
) -> None:
    x, frac, T = c
    t_x = frac * T if x > 0 else 0.0
    got = kern.bgnbd_loglik(r, alpha, a, b, np.array([float(x)]), np.array([t_x]), np.array([T]))[0]
    want = _bgnbd_oracle(r, alpha, a, b, x, t_x, T)
    assert got == pytest.approx(want, rel=1e-8, abs=1e-8)


@given(r=params, alpha=params, a=st.floats(0.2, 10), b=st.floats(0.2, 10), c=customer)
def test_bgnbd_gradient_matches_finite_differences(
    r: float, alpha: float, a: float, b: float, c: tuple
) -> None:
    x, frac, T = c
    t_x = frac * T if x > 0 else 0.0
    arrays = (np.array([float(x)]), np.array([t_x]), np.array([T]))
    _, grad = kern.bgnbd_loglik_grad(r, alpha, a, b, *arrays)
    theta = np.array([r, alpha, a, b])
    for i in range(4):
        h = 1e-6 * theta[i]
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        numeric = (kern.bgnbd_loglik(*up, *arrays)[0] - kern.bgnbd_loglik(*down, *arrays)[0]) / (
            2 * h
        )
        assert grad[i, 0] == pytest.approx(numeric, rel=1e-4, abs=1e-5)


@given(
    r=st.floats(0.1, 5),
    alpha=st.floats(0.5, 20),
    s=st.floats(0.1, 5),
    beta=st.floats(0.5, 20),
    c=customer,
)
def test_pareto_loglik_matches_printed_formula(
    r: float, alpha: float, s: float, beta: float, c: tuple
) -> None:
    x, frac, T = c
    t_x = frac * T if x > 0 else 0.0
    got = kern.pareto_loglik(
        r, alpha, s, beta, np.array([float(x)]), np.array([t_x]), np.array([T])
    )[0]
    want = _pareto_oracle(r, alpha, s, beta, x, t_x, T)
    assert got == pytest.approx(want, rel=1e-6, abs=1e-6)


@given(p=params, q=params, v=params, x=st.integers(1, 30), m=st.floats(0.5, 500))
def test_gamma_gamma_loglik_and_gradient(p: float, q: float, v: float, x: int, m: float) -> None:
    # Fader & Hardie (2013), eq. 3: density of the mean of x gamma(p, nu) values, nu ~ gamma(q, v)
    want = (
        math.lgamma(p * x + q)
        - math.lgamma(p * x)
        - math.lgamma(q)
        + q * math.log(v)
        + (p * x - 1) * math.log(m)
        + p * x * math.log(x)
        - (p * x + q) * math.log(x * m + v)
    )
    xs, ms = np.array([float(x)]), np.array([m])
    ll, grad = kern.gamma_gamma_loglik_grad(p, q, v, xs, ms)
    assert ll[0] == pytest.approx(want, rel=1e-10, abs=1e-10)
    theta = np.array([p, q, v])
    for i in range(3):
        h = 1e-6 * theta[i]
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        numeric = (
            kern.gamma_gamma_loglik(*up, xs, ms)[0] - kern.gamma_gamma_loglik(*down, xs, ms)[0]
        ) / (2 * h)
        assert grad[i, 0] == pytest.approx(numeric, rel=1e-4, abs=1e-5)


@given(r=params, alpha=params, a=st.floats(0.2, 10), b=st.floats(0.2, 10), c=customer)
def test_p_alive_in_unit_interval(r: float, alpha: float, a: float, b: float, c: tuple) -> None:
    x, frac, T = c
    t_x = frac * T if x > 0 else 0.0
    p = kern.bgnbd_p_alive(r, alpha, a, b, np.array([float(x)]), np.array([t_x]), np.array([T]))[0]
    assert 0.0 <= p <= 1.0
    q = kern.pareto_p_alive(
        0.5, 10.0, 0.6, 12.0, np.array([float(x)]), np.array([t_x]), np.array([T])
    )[0]
    assert 0.0 <= q <= 1.0 + 1e-12
