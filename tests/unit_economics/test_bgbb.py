"""BG/BB: Fader, Hardie & Shang (2010) donations estimates, lifetimes' predictions, invariants."""

from __future__ import annotations

import importlib.util
import pathlib
import warnings

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from saasmetrics.exceptions import EmptyDataError, InputError, NotFittedError, ParameterError
from saasmetrics.unit_economics import BetaGeoBetaBinomModel


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    # the data ships with lifetimes; read the file without importing lifetimes' code
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        pytest.skip("lifetimes (bench extra) is not installed: donations data unavailable")
    path = pathlib.Path(spec.origin).parent / "datasets" / "donations.csv"
    return pd.read_csv(path).rename(columns={"periods": "n_periods"})


@pytest.fixture(scope="module")
def fitted(donations: pd.DataFrame) -> BetaGeoBetaBinomModel:
    return BetaGeoBetaBinomModel().fit(donations)


def test_reproduces_fader_hardie_shang_2010(
    donations: pd.DataFrame, fitted: BetaGeoBetaBinomModel
) -> None:
    # Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time noncontractual
    # setting", Marketing Science 29(6), section 4: the 1995 cohort of 11,104 first-time
    # donors, 6 annual opportunities; alpha = 1.204, beta = 0.750, gamma = 0.657,
    # delta = 2.783, LL = -33,225.6.
    assert len(donations) == 22
    assert int(donations["weights"].sum()) == 11_104
    assert fitted.n_customers_ == 11_104
    assert round(fitted.alpha_, 3) == 1.204
    assert round(fitted.beta_, 3) == 0.750
    assert round(fitted.gamma_, 3) == 0.657
    assert round(fitted.delta_, 3) == 2.783
    assert round(fitted.log_likelihood_, 1) == -33225.6
    assert fitted.converged_
    assert fitted.gradient_norm_ < 1e-6
    ci = fitted.confidence_intervals_
    assert ((ci["lower"] < ci["estimate"]) & (ci["estimate"] < ci["upper"])).all()


def test_one_row_per_customer_is_the_same_fit(
    donations: pd.DataFrame, fitted: BetaGeoBetaBinomModel
) -> None:
    expanded = donations.loc[donations.index.repeat(donations["weights"])].drop(columns="weights")
    assert len(expanded) == 11_104
    again = BetaGeoBetaBinomModel().fit(expanded)
    for key, value in fitted.params_.items():
        assert again.params_[key] == pytest.approx(value, rel=1e-6)
    # an explicitly named weights column
    renamed = donations.rename(columns={"weights": "donors"})
    named = BetaGeoBetaBinomModel().fit(renamed, weights_col="donors")
    assert named.params_ == pytest.approx(fitted.params_, rel=1e-9)


@pytest.mark.peer
def test_predictions_match_lifetimes(
    donations: pd.DataFrame, fitted: BetaGeoBetaBinomModel
) -> None:
    pytest.importorskip("dill")
    pytest.importorskip("autograd")
    lifetimes = pytest.importorskip("lifetimes")
    d = donations
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = lifetimes.BetaGeoBetaBinomFitter().fit(
            d["frequency"], d["recency"], d["n_periods"], weights=d["weights"]
        )
    for key in ("alpha", "beta", "gamma", "delta"):
        assert fitted.params_[key] == pytest.approx(float(theirs.params_[key]), rel=1e-6)
    for horizon in (1, 5, 10):
        expected = theirs.conditional_expected_number_of_purchases_up_to_time(
            horizon, d["frequency"], d["recency"], d["n_periods"]
        )
        np.testing.assert_allclose(fitted.predict_purchases(d, horizon), expected, rtol=1e-6)
    # lifetimes' m periods ahead: alive at opportunity n + m (FHS eq. 11 is m = 1)
    for ahead in (1, 3):
        alive = theirs.conditional_probability_alive(
            ahead, d["frequency"], d["recency"], d["n_periods"]
        )
        np.testing.assert_allclose(
            fitted.probability_alive(d, periods_ahead=ahead), alive, rtol=1e-6
        )
    # E[X(n)] for a new donor = the mean of lifetimes' P(X(n) = x)
    pmf = theirs.expected_number_of_transactions_in_first_n_periods(6)["model"]
    mean = float((pmf.index.to_numpy() * pmf.to_numpy()).sum() / d["weights"].sum())
    assert fitted.expected_purchases(6) == pytest.approx(mean, rel=1e-6)


def test_predictions_are_coherent(donations: pd.DataFrame, fitted: BetaGeoBetaBinomModel) -> None:
    alive = fitted.probability_alive(donations)
    assert alive.between(0, 1).all()
    # the further ahead, the less likely alive; the longer, the more transactions
    assert (fitted.probability_alive(donations, periods_ahead=5) <= alive + 1e-15).all()
    short = fitted.predict_purchases(donations, 1)
    long = fitted.predict_purchases(donations, 5)
    assert (long >= short).all()
    assert (fitted.predict_purchases(donations, 0) == 0).all()
    # at most one transaction per opportunity
    assert (short <= alive + 1e-12).all()
    assert fitted.expected_purchases(0) == 0
    horizons = fitted.expected_purchases(np.arange(1, 12))
    assert np.all(np.diff(horizons) > 0)
    assert np.all(np.diff(horizons) <= 1)
    # a donor who gave at every opportunity beats one who gave once, long ago
    best = donations.query("frequency == 6")
    lapsed = donations.query("frequency == 1 and recency == 1")
    assert float(fitted.predict_purchases(best, 5).iloc[0]) > float(
        fitted.predict_purchases(lapsed, 5).iloc[0]
    )


@settings(max_examples=5, deadline=None)
@given(
    divisor=st.integers(5, 20),
    noise=st.lists(st.integers(0, 3), min_size=22, max_size=22),
    seed=st.integers(0, 99),
)
def test_weights_equal_repeated_rows_and_order_is_irrelevant(
    donations: pd.DataFrame, divisor: int, noise: list[int], seed: int
) -> None:
    # a thinned copy of the donations (uniformly random counts would erase the dropout
    # heterogeneity and leave gamma, delta unidentified)
    grouped = donations.assign(weights=donations["weights"] // divisor + np.asarray(noise))
    repeated = grouped.loc[grouped.index.repeat(grouped["weights"])].drop(columns="weights")
    shuffled = repeated.sample(frac=1.0, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small samples may warn; both fits see the same
        a = BetaGeoBetaBinomModel().fit(grouped)
        b = BetaGeoBetaBinomModel().fit(shuffled)
    assert a.n_customers_ == b.n_customers_ == len(repeated)
    for key, value in a.params_.items():
        assert b.params_[key] == pytest.approx(value, rel=1e-6)
    assert b.log_likelihood_ == pytest.approx(a.log_likelihood_, rel=1e-9)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ({"frequency": 7, "recency": 6, "n_periods": 6}, "more transactions than opportunities"),
        ({"frequency": 2, "recency": 7, "n_periods": 6}, "after the last opportunity"),
        ({"frequency": 3, "recency": 2, "n_periods": 6}, "up to 'recency'"),
        ({"frequency": 1, "recency": 0, "n_periods": 6}, "recency 0"),
        ({"frequency": 1.5, "recency": 2, "n_periods": 6}, "fractional"),
        ({"frequency": 1, "recency": 2.5, "n_periods": 6}, "fractional"),
        ({"frequency": -1, "recency": 2, "n_periods": 6}, "negative"),
    ],
)
def test_bad_histories_are_input_errors(
    donations: pd.DataFrame, row: dict[str, float], match: str
) -> None:
    bad = pd.concat([donations, pd.DataFrame([{**row, "weights": 1}])], ignore_index=True)
    with pytest.raises(InputError, match=match):
        BetaGeoBetaBinomModel().fit(bad)


def test_other_bad_input(donations: pd.DataFrame, fitted: BetaGeoBetaBinomModel) -> None:
    with pytest.raises(EmptyDataError):
        BetaGeoBetaBinomModel().fit(donations.iloc[:0])
    with pytest.raises(EmptyDataError, match="0 customers"):
        BetaGeoBetaBinomModel().fit(donations.assign(weights=0))
    with pytest.raises(InputError, match="whole numbers"):
        BetaGeoBetaBinomModel().fit(donations.assign(weights=-1))
    with pytest.raises(NotFittedError):
        _ = BetaGeoBetaBinomModel().alpha_
    with pytest.raises(NotFittedError):
        BetaGeoBetaBinomModel().predict_purchases(donations, 3)
    for bad in (-1, 2.5):
        with pytest.raises(ParameterError):
            fitted.predict_purchases(donations, bad)  # type: ignore[arg-type]
        with pytest.raises(ParameterError):
            fitted.expected_purchases(bad)
    with pytest.raises(ParameterError):
        fitted.probability_alive(donations, periods_ahead=-1)
    before = donations.copy()
    BetaGeoBetaBinomModel().fit(donations)
    pd.testing.assert_frame_equal(donations, before)
    assert "alpha=" in repr(fitted)
    assert BetaGeoBetaBinomModel(penalizer=0.1).get_params()["penalizer"] == 0.1


@pytest.mark.parametrize("gamma", [0.657, 1.0 - 1e-9, 1.0, 1.0 + 1e-9, 1.0 + 1e-5, 2.5])
def test_expectations_are_exact_through_gamma_one(gamma: float) -> None:
    # eqs. 8 and 13 divide by gamma - 1 (0/0 at gamma = 1); the expectation is the plain sum
    # E[X(n)] = alpha / (alpha + beta) * sum_{t=1..n} B(gamma, delta + t) / B(gamma, delta)
    from scipy.special import betaln

    from saasmetrics._kernels import unit_economics_bgbb as kern

    a, b, d = 1.204, 0.750, 2.783
    t = np.arange(1, 301, dtype=np.float64)
    alive = np.exp(betaln(gamma, d + t) - betaln(gamma, d))
    n = np.array([1.0, 6.0, 200.0])
    brute = a / (a + b) * np.array([alive[: int(k)].sum() for k in n])
    assert kern.bgbb_expected(a, b, gamma, d, n) == pytest.approx(brute, rel=1e-10)
    # conditional on a history; for a new customer's history (x = t_x = n = 0) the
    # conditional expectation is the unconditional one
    zero = np.zeros(3)
    cond = kern.bgbb_conditional_expected(a, b, gamma, d, n, zero, zero, zero)
    assert cond == pytest.approx(brute, rel=1e-10)
    # after 6 silent opportunities: the alive-weighted sum over opportunities 7..6+n
    x, t_x, six = np.zeros(1), np.zeros(1), np.full(1, 6.0)
    ll = kern.bgbb_loglik(a, b, gamma, d, x, t_x, six)
    p_given = np.exp(betaln(a + 1.0, b + 6.0) - betaln(a, b) - ll)
    window = np.array([alive[6 : 6 + int(k)].sum() for k in n])
    expected = p_given * window
    got = kern.bgbb_conditional_expected(
        a, b, gamma, d, n, *(np.repeat(v, 3) for v in (x, t_x, six))
    )
    assert got == pytest.approx(expected, rel=1e-10)
