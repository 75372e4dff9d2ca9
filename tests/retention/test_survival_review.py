"""Second-engineer review of the survival half of #12: each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from saasmetrics._kernels.survival import CoxTerms, cox_partial_likelihood
from saasmetrics.datasets import make_saas_company
from saasmetrics.exceptions import InputError
from saasmetrics.retention import (
    CoxModel,
    logrank_test,
    restricted_mean_survival_time,
    subscription_lifetimes,
)


def test_three_lines_from_subscriptions_to_logrank_and_cox() -> None:
    # the promise, literally: no covariate list, no column clean-up
    company = make_saas_company()
    lives = subscription_lifetimes(company.subscriptions)
    test = logrank_test(lives["duration"], lives["observed"], lives["plan"])
    model = CoxModel().fit(lives, "duration", "observed")
    assert test.degrees_of_freedom == 2
    # entry (bookkeeping) and reactivated (known only after the churn) are not covariates
    assert "entry" not in model.coefficients_.index
    assert "reactivated" not in model.coefficients_.index
    assert {"mrr", "plan=pro", "billing=monthly"} <= set(model.coefficients_.index)


def test_lifetimes_churn_type_is_not_a_default_covariate() -> None:
    subs = pd.DataFrame(
        {
            "customer_id": list("abcdefgh"),
            "start": pd.to_datetime(["2024-01-01"] * 8),
            "end": pd.to_datetime(
                ["2024-02-01", "2024-03-05", None, "2024-04-01", None, "2024-06-01",
                 "2024-02-20", None]
            ),
            "reason": ["voluntary", "involuntary", None, "voluntary", None, "involuntary",
                       "voluntary", None],
            "seats": [1, 3, 8, 2, 9, 1, 5, 4],
        }
    )  # fmt: skip
    lives = subscription_lifetimes(subs, as_of="2024-07-01", churn_type_col="reason")
    model = CoxModel().fit(lives, "duration", "observed")
    assert list(model.coefficients_.index) == ["seats"]


def test_polars_series_are_accepted() -> None:
    pl = pytest.importorskip("polars")
    t = np.array([3.0, 5, 8, 9, 2, 4, 4, 6, 7, 1, 2, 3])
    e = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1], dtype=bool)
    g = np.array(["a"] * 6 + ["b"] * 6)
    base = logrank_test(t, e, g)
    other = logrank_test(pl.Series(t), pl.Series(e), pl.Series(g))
    assert other.statistic == pytest.approx(base.statistic, rel=1e-12)
    rm = restricted_mean_survival_time(pl.Series(t), pl.Series(e), 6.0, groups=pl.Series(g))
    assert rm.difference == pytest.approx(
        restricted_mean_survival_time(t, e, 6.0, groups=g).difference, rel=1e-12
    )


def test_a_group_whose_weights_are_all_zero_is_no_group() -> None:
    # case weights: a row of weight 0 is no row, so the test equals the one without them
    rng = np.random.default_rng(3)
    n = 120
    t = rng.integers(1, 15, n).astype(float)
    e = rng.random(n) < 0.7
    g = rng.choice(["a", "b", "c"], n)
    w = np.where(g == "a", 0.0, 1.0)
    weighted = logrank_test(t, e, g, weights=w)
    dropped = logrank_test(t[g != "a"], e[g != "a"], g[g != "a"])
    assert weighted.degrees_of_freedom == dropped.degrees_of_freedom == 1
    assert weighted.statistic == pytest.approx(dropped.statistic, rel=1e-10)
    assert weighted.p_value == pytest.approx(dropped.p_value, rel=1e-10)


def _direct_loglik(t: np.ndarray, e: np.ndarray, x: np.ndarray, beta: float) -> float:
    """Breslow partial likelihood, distinct times, risk sets summed from scratch."""
    eta = beta * x
    total = 0.0
    for i in np.flatnonzero(e):  # test oracle: a loop is fine here
        at_risk = t >= t[i]
        top = eta[at_risk].max()
        total += eta[i] - (top + np.log(np.exp(eta[at_risk] - top).sum()))
    return float(total)


def test_partial_likelihood_is_accurate_when_risk_scores_span_many_magnitudes() -> None:
    # a forward difference array over the risk sets cancelled catastrophically here (a
    # log-likelihood of -64 instead of -0.7 at beta = 3, NaN at beta = 5)
    t = np.arange(1.0, 21.0)
    e = np.ones(20, dtype=bool)
    e[::4] = False
    x = -t + np.random.default_rng(1).normal(size=20) * 0.01
    xc = x - x.mean()
    terms = [CoxTerms(np.zeros(20), t, e, xc[:, None], "breslow")]
    for beta in (1.0, 3.0, 5.0, 15.0, 30.0):
        ll = cox_partial_likelihood(terms, np.array([beta]))[0]
        assert ll == pytest.approx(_direct_loglik(t, e, xc, beta), rel=1e-9, abs=1e-10)


def test_monotone_likelihood_of_a_continuous_covariate_is_an_error() -> None:
    # every churner has the largest x of its risk set: the likelihood has no maximum (R coxph
    # warns "Loglik converged before variable 1; coefficient may be infinite"); the fit used to
    # return beta = 1.72 with p = 1e-12
    t = np.arange(1.0, 21.0)
    e = np.ones(20, dtype=bool)
    e[::4] = False
    frame = pd.DataFrame({"t": t, "e": e, "x": -t + np.random.default_rng(1).normal(size=20) / 100})
    with pytest.raises(InputError, match="monotone likelihood"):
        CoxModel().fit(frame, "t", "e")
    penalized = CoxModel(penalizer=0.1).fit(frame, "t", "e")
    assert np.isfinite(penalized.coefficients_["x"])
    assert penalized.coefficients_["x"] > 0


def test_prediction_rejects_a_level_unseen_in_fit() -> None:
    # an unknown plan used to get the reference level's hazard, silently
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "t": rng.integers(1, 30, n).astype(float),
            "e": rng.random(n) < 0.6,
            "plan": rng.choice(["a", "b", "c"], n),
            "x": rng.normal(size=n),
        }
    )
    model = CoxModel().fit(frame, "t", "e")
    known = model.predict_partial_hazard(pd.DataFrame({"plan": ["a", "c"], "x": [0.0, 1.0]}))
    assert known.size == 2
    with pytest.raises(InputError, match="plan"):
        model.predict_partial_hazard(pd.DataFrame({"plan": ["a", "enterprise"], "x": [0.0, 0.0]}))
    with pytest.raises(InputError, match="plan"):
        model.predict_survival(pd.DataFrame({"plan": ["enterprise"], "x": [0.0]}), [5.0])


def test_survival_entry_points_accept_their_optional_columns_as_none() -> None:
    # require_columns refuses None for a role unless it is listed optional: the default
    # churn_type_col=None and entry_col=None made both calls raise ParameterError
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "start": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-01"]),
            "end": pd.to_datetime(["2024-03-01", None, "2024-02-20"]),
            "seats": [1, 4, 2],
        }
    )
    lives = subscription_lifetimes(subs, as_of="2024-06-01")
    assert lives["observed"].tolist() == [True, False, True]
    frame = pd.DataFrame(
        {"t": [3.0, 5, 6, 8, 9, 12, 14, 15], "e": [1, 1, 0, 1, 1, 0, 1, 0],
         "x": [2, 0, 1, 1, 0, 2, 0, 1]}
    )  # fmt: skip
    assert CoxModel().fit(frame, "t", "e", entry_col=None, start_col=None).n_events_ == 5


def test_bad_scalar_options_are_parameter_errors() -> None:
    from saasmetrics.exceptions import ParameterError
    from saasmetrics.retention import cumulative_incidence

    t = np.array([1, 2, 2, 3, 5, 8.0, 4, 6])
    e = np.array([True, True, False, True, False, True, True, False])
    g = np.array(["a"] * 4 + ["b"] * 4)
    with pytest.raises(ParameterError, match="p"):
        logrank_test(t, e, g, weighting="fleming-harrington", p="1")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="confidence_level"):
        restricted_mean_survival_time(t, e, 3.0, g, confidence_level=None)  # type: ignore[arg-type]
    ci = cumulative_incidence(t, np.where(e, "vol", None), groups=g)
    with pytest.raises(ParameterError, match="t"):
        ci.incidence_at("x")  # type: ignore[arg-type]
    # an unknown group used to give an incidence of 0 for every cause
    with pytest.raises(ParameterError, match="group"):
        ci.incidence_at(4.0, group="z")


def test_stratified_prediction_uses_each_rows_stratum() -> None:
    rng = np.random.default_rng(2)
    n = 400
    frame = pd.DataFrame(
        {
            "t": rng.integers(1, 40, n).astype(float),
            "e": rng.random(n) < 0.6,
            "x": rng.normal(size=n),
            "billing": rng.choice(["annual", "monthly"], n),
        }
    )
    model = CoxModel().fit(frame, "t", "e", strata="billing")
    new = pd.DataFrame({"x": [0.0, 0.0, 1.0], "billing": ["monthly", "annual", "monthly"]})
    surv = model.predict_survival(new, [10.0])
    base = model.baseline_cumulative_hazard_
    h = {k: float(base[str((k,))].loc[:10.0].iloc[-1]) for k in ("annual", "monthly")}
    risk = np.exp((new["x"] - model.covariate_means_["x"]) * model.coefficients_["x"])
    expected = np.exp(-np.array([h["monthly"], h["annual"], h["monthly"]]) * risk.to_numpy())
    np.testing.assert_allclose(surv.iloc[0].to_numpy(), expected, rtol=1e-12)
    with pytest.raises(InputError, match="Unknown strata"):
        model.predict_survival(pd.DataFrame({"x": [0.0], "billing": ["weekly"]}), [10.0])
