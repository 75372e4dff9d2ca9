"""lifecycle_stages: planted stage boundaries, robustness to noise, inputs, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.exceptions import InputError, ParameterError
from saasmetrics.retention import kaplan_meier, lifecycle_stages
from saasmetrics.retention._stages import decreasing_fit


def piecewise(n: int = 24) -> np.ndarray:
    # churn: 55 % in period 1 (shock), 15 % in periods 2-4 (selection), 3 % from then on
    churn = np.r_[0.55, 0.15, 0.15, 0.15, np.full(n - 4, 0.03)]
    return np.r_[1.0, np.cumprod(1 - churn)]


def test_finds_planted_boundaries() -> None:
    stages = lifecycle_stages(piecewise())
    assert stages.shock_end == 1.0
    assert stages.stable_start == 4.0
    assert stages.plateau == pytest.approx(piecewise()[4])
    assert stages.plateau_churn == pytest.approx(0.03, rel=1e-6)
    frame = stages.to_frame()
    assert frame["stage"].tolist()[:6] == [
        "shock",
        "selection",
        "selection",
        "selection",
        "stable",
        "stable",
    ]


@pytest.mark.parametrize("seed", range(10))
def test_robust_to_binomial_noise(seed: int) -> None:
    rng = np.random.default_rng(seed)
    alive = [2000]
    churn = np.r_[0.55, 0.15, 0.15, 0.15, np.full(20, 0.03)]
    for p in churn:
        alive.append(alive[-1] - rng.binomial(alive[-1], p))
    stages = lifecycle_stages(np.array(alive) / alive[0])
    assert stages.shock_end == 1.0
    assert 3.0 <= stages.stable_start <= 5.0
    assert 0.02 < stages.plateau_churn < 0.045


def test_accepts_cohort_tables() -> None:
    from saasmetrics.retention import cohort_table

    rng = np.random.default_rng(2)
    churn = np.r_[0.55, 0.15, 0.15, 0.15, np.full(12, 0.03)]
    rows = []
    for user in range(1500):
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 28)))
        leaves = rng.random(churn.size) < churn  # leaves after week k + 1, or stays
        weeks = 1 + int(np.argmax(leaves)) if leaves.any() else churn.size + 1
        rows += [(user, start + pd.Timedelta(weeks=w)) for w in range(weeks)]
    frame = pd.DataFrame(rows, columns=["user_id", "timestamp"]).assign(event="x")
    table = cohort_table(
        frame,
        freq="W",
        anchor="rolling",
        kind="unbounded",
        cohort_freq="MS",
        as_of="2024-06-01",
        max_periods=16,
    )
    stages = lifecycle_stages(table)
    assert stages.shock_end == 1.0
    assert 3.0 <= stages.stable_start <= 5.0
    assert stages.plateau_churn == pytest.approx(0.03, abs=0.015)


def test_accepts_series_and_survival_curves() -> None:
    series = pd.Series(piecewise(), index=np.arange(25) * 7.0)  # weekly points, in days
    stages = lifecycle_stages(series)
    assert (stages.shock_end, stages.stable_start) == (7.0, 28.0)
    rng = np.random.default_rng(0)
    durations = np.minimum(rng.geometric(rng.beta(0.8, 2.0, 3000)), 60)
    curve = kaplan_meier(durations, durations < 60)
    from_km = lifecycle_stages(curve)
    assert from_km.shock_end <= from_km.stable_start
    assert 0 < from_km.plateau < 1


@given(
    st.lists(st.floats(0.0, 0.6), min_size=3, max_size=30),
    st.lists(st.floats(0.1, 10), min_size=30, max_size=30),
)
def test_properties(churn: list[float], weights: list[float]) -> None:
    curve = np.r_[1.0, np.cumprod(1 - np.array(churn))]
    stages = lifecycle_stages(curve)
    assert stages.shock_end <= stages.stable_start
    assert 0 <= stages.plateau <= 1
    assert 0 <= stages.plateau_churn <= 1
    fitted = stages.smoothed_hazard.to_numpy()
    assert (np.diff(fitted) <= 1e-12).all()
    values = np.array(churn)
    w = np.array(weights[: values.size])
    fit = decreasing_fit(values, w)
    assert (np.diff(fit) <= 1e-12).all()
    assert np.average(fit, weights=w) == pytest.approx(np.average(values, weights=w))


def test_bad_input() -> None:
    with pytest.raises(InputError, match="three"):
        lifecycle_stages([1.0, 0.5])
    with pytest.raises(InputError, match="shares"):
        lifecycle_stages([100, 50, 40])
    with pytest.raises(ParameterError):
        lifecycle_stages(piecewise(), shock_drop=0.05)
    flat = lifecycle_stages(np.r_[1.0, np.cumprod(np.full(10, 0.9))])
    assert flat.shock_end == flat.stable_start == 0.0


@given(
    st.lists(st.floats(0.0, 2.0), min_size=1, max_size=25),
    st.lists(st.floats(0.1, 10), min_size=25, max_size=25),
)
def test_decreasing_fit_equals_scipy_isotonic_regression(
    values: list[float], weights: list[float]
) -> None:
    optimize = pytest.importorskip("scipy.optimize")
    if not hasattr(optimize, "isotonic_regression"):  # scipy >= 1.12
        pytest.skip("scipy too old")
    y = np.array(values)
    w = np.array(weights[: y.size])
    expected = optimize.isotonic_regression(y, weights=w, increasing=False).x
    np.testing.assert_allclose(decreasing_fit(y, w), expected, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- issue 14, item 10
def test_a_rising_curve_is_refused() -> None:
    # a share still retained cannot grow back: a rise means a classic (returning-users) curve
    with pytest.raises(InputError, match="rises"):
        lifecycle_stages([1.0, 0.4, 0.6, 0.5, 0.45])
    with pytest.raises(InputError, match="rises"):
        lifecycle_stages(pd.Series([0.2, 0.5, 0.9], index=[0.0, 1.0, 2.0]))


def test_missing_points_inside_the_curve_are_refused_trailing_ones_dropped() -> None:
    with pytest.raises(InputError, match="missing"):
        lifecycle_stages([1.0, 0.5, np.nan, 0.4, 0.38, 0.37])
    with pytest.raises(InputError, match="missing"):
        lifecycle_stages([np.nan, 1.0, 0.5, 0.4, 0.38])
    # periods no complete cohort reached yet are NaN at the end: read as the curve's end
    base = piecewise()
    trailing = lifecycle_stages(np.r_[base, np.nan, np.nan])
    assert trailing.stable_start == lifecycle_stages(base).stable_start
    assert len(trailing.curve) == base.size
