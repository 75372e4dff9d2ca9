"""project_revenue: the worked examples, the steady state, Monte Carlo fan and layer cake."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.exceptions import ParameterError
from saasmetrics.unit_economics import RevenueProjection, project_revenue


def test_same_churn_rate_costs_more_as_revenue_grows() -> None:
    assert project_revenue(10e6, 0, 0.30, periods=1).to_frame().loc[1, "churned"] == 3e6
    assert project_revenue(100e6, 0, 0.30, periods=1).to_frame().loc[1, "churned"] == 30e6


def test_growth_ceiling_twenty_new_at_five_percent() -> None:
    # The classic "leaky bucket" ceiling (e.g. Christoph Janz, "The SaaS growth ceiling";
    # David Skok): 20 new customers a month at 5% monthly churn level off at 20 / 0.05 = 400.
    proj = project_revenue(0, 20, 0.05, periods=300)
    assert proj.steady_state_mrr == pytest.approx(400.0)
    assert proj.to_frame()["mrr"].iloc[-1] == pytest.approx(400.0, abs=1e-3)
    # starting above the ceiling, revenue falls to it
    assert project_revenue(1000, 20, 0.05, periods=300).to_frame()["mrr"].iloc[-1] == pytest.approx(
        400.0, abs=1e-3
    )


def test_unbounded_when_net_churn_not_positive() -> None:
    proj = project_revenue(100, 10, 0.02, 0.03, periods=24)
    assert math.isinf(proj.steady_state_mrr)
    assert not proj.bounded
    assert "unbounded" in repr(proj)
    flat = project_revenue(100, 10, 0.02, 0.02, periods=5)
    assert flat.to_frame()["mrr"].tolist() == [100, 110, 120, 130, 140, 150]


@given(
    start=st.floats(0, 1e6),
    new=st.floats(0, 1e4),
    churn=st.floats(0, 1),
    exp=st.floats(0, 0.2),
    periods=st.integers(1, 36),
)
def test_recursion_and_cumulative_loss(
    start: float, new: float, churn: float, exp: float, periods: int
) -> None:
    table = project_revenue(start, new, churn, exp, periods=periods).to_frame()
    mrr = table["mrr"].to_numpy()
    expected = mrr[:-1] * (1 - churn + exp) + new
    np.testing.assert_allclose(mrr[1:], expected, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(table["cumulative_churned"], table["churned"].cumsum())
    # the bridge of the projection balances too
    moves = (
        mrr[:-1]
        + table["new"].to_numpy()[1:]
        + table["expansion"].to_numpy()[1:]
        - table["churned"].to_numpy()[1:]
    )
    np.testing.assert_allclose(moves, mrr[1:], rtol=1e-9, atol=1e-6)


def test_monte_carlo_fan_brackets_expectation_and_is_seeded() -> None:
    a = project_revenue(10_000, 1_000, 0.05, periods=24, simulations=2000, arpa=100, seed=1)
    b = project_revenue(10_000, 1_000, 0.05, periods=24, simulations=2000, arpa=100, seed=1)
    t = a.to_frame()
    assert t.equals(b.to_frame())
    assert (t["p10"] <= t["p50"]).all()
    assert (t["p50"] <= t["p90"]).all()
    assert (t["p10"].iloc[1:] < t["mrr"].iloc[1:]).all()
    assert (t["p90"].iloc[1:] > t["mrr"].iloc[1:]).all()
    assert t["p50"].iloc[-1] == pytest.approx(t["mrr"].iloc[-1], rel=0.02)
    with pytest.raises(ParameterError, match="arpa"):
        project_revenue(1, 1, 0.1, simulations=10)


def test_layer_cake_matches_constant_churn_and_takes_curves() -> None:
    periods = 24
    curve = 0.95 ** np.arange(periods + 1)
    layered = project_revenue(1000, 50, 0.05, periods=periods, retention=curve)
    plain = project_revenue(1000, 50, 0.05, periods=periods)
    np.testing.assert_allclose(layered.to_frame()["mrr"], plain.to_frame()["mrr"])
    np.testing.assert_allclose(layered.layers.sum(axis=1), layered.to_frame()["mrr"])
    assert layered.layers.shape == (periods + 1, periods + 1)
    # a curve with an early shock and a plateau (as an sBG fit gives) as a callable
    shocked = project_revenue(
        0, 50, 0.05, periods=periods, retention=lambda age: np.where(age == 0, 1.0, 0.6 * 0.98**age)
    )
    assert shocked.to_frame()["mrr"].iloc[-1] < plain.to_frame()["mrr"].iloc[-1]
    with pytest.raises(ParameterError, match="retention"):
        project_revenue(0, 1, 0.1, periods=12, retention=[1.0, 0.9])


def test_bad_parameters() -> None:
    for kwargs in ({"churn_rate": 30}, {"start_mrr": -1}, {"periods": 0}):
        params = {"start_mrr": 1.0, "new_mrr": 1.0, "churn_rate": 0.1, **kwargs}
        with pytest.raises(ParameterError):
            project_revenue(**params)


def test_result_round_trip_and_plots() -> None:
    import matplotlib.pyplot as plt

    proj = project_revenue(
        1000, 50, 0.05, periods=6, simulations=50, arpa=10, seed=0, retention=0.9 ** np.arange(7)
    )
    again = RevenueProjection.from_json(proj.to_json())
    assert again.to_frame().round(9).equals(proj.to_frame().round(9))
    assert again.steady_state_mrr == proj.steady_state_mrr
    assert "<table" in proj._repr_html_()
    for kind in ("fan", "layers"):
        fig, ax = plt.subplots()
        assert proj.plot(ax=ax, kind=kind) is ax
        plt.close(fig)
    with pytest.raises(ParameterError):
        project_revenue(1, 1, 0.1).plot(kind="layers")
    unbounded = project_revenue(1, 1, 0.0)
    assert math.isinf(RevenueProjection.from_json(unbounded.to_json()).steady_state_mrr)


def test_review_simulation_needs_a_finite_arpa() -> None:
    for arpa in (math.inf, math.nan, 0.0):
        with pytest.raises(ParameterError, match="arpa"):
            project_revenue(1000, 100, 0.05, periods=3, simulations=10, arpa=arpa, seed=1)


def test_review_retention_callable_must_return_one_value_per_age() -> None:
    # a non-vectorized callable (one number for the whole age array) was an IndexError
    with pytest.raises(ParameterError, match="one survival value per age"):
        project_revenue(100, 10, 0.05, periods=3, retention=lambda age: 0.9)
    ok = project_revenue(100, 10, 0.05, periods=3, retention=lambda age: 0.9 ** np.asarray(age))
    assert ok.to_frame()["mrr"].iloc[-1] > 0
