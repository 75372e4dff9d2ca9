"""ChurnRiskModel and evaluate_risk: known logistic DGP, statsmodels and scipy identities."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from saasmetrics.exceptions import (
    ConvergenceWarning,
    DataQualityWarning,
    InputError,
    MissingColumnError,
    NotFittedError,
    ParameterError,
)
from saasmetrics.health import ChurnRiskModel, RiskEvaluation, RiskSummary, evaluate_risk

TRUE = {"intercept": -1.5, "x1": -1.0, "x2": 0.5, "x3": 0.0}


def _simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(2.0, 1.5, n),  # not standardised on purpose: per-unit coefs
            "x2": rng.exponential(1.0, n),
            "x3": rng.normal(size=n),
        }
    )
    eta = TRUE["intercept"] + sum(TRUE[c] * frame[c] for c in ("x1", "x2", "x3"))
    frame["churned"] = rng.random(n) < 1 / (1 + np.exp(-eta))
    return frame


def test_unpenalized_fit_equals_statsmodels_logit() -> None:
    sm = pytest.importorskip("statsmodels.api")
    frame = _simulate(1500, 0)
    model = ChurnRiskModel(features=["x1", "x2", "x3"], penalty=0).fit(frame)
    X = sm.add_constant(frame[["x1", "x2", "x3"]].to_numpy())
    ref = sm.Logit(frame["churned"].to_numpy(float), X).fit(disp=0)
    np.testing.assert_allclose(model.coef_.to_numpy(), ref.params, rtol=1e-6)
    table = model.summary().to_frame()
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=1e-5)
    np.testing.assert_allclose(table["p_value"], ref.pvalues, rtol=1e-4, atol=1e-12)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], ref.conf_int(), rtol=1e-5)


def test_known_dgp_coefficients_are_covered_by_their_intervals() -> None:
    # 40 replications: each 95 % interval should contain the true value about 95 % of the time
    covered = dict.fromkeys(TRUE, 0)
    estimates = {k: [] for k in TRUE}  # type: dict[str, list[float]]
    reps = 40
    for seed in range(reps):
        model = ChurnRiskModel(features=["x1", "x2", "x3"], penalty=0).fit(_simulate(3000, seed))
        table = model.summary().to_frame()
        for k, v in TRUE.items():
            covered[k] += table.loc[k, "ci_low"] <= v <= table.loc[k, "ci_high"]
            estimates[k].append(table.loc[k, "coef"])
    for k, v in TRUE.items():
        assert covered[k] / reps >= 0.85, (k, covered[k])
        assert np.mean(estimates[k]) == pytest.approx(v, abs=0.08), k


def test_default_penalty_barely_shrinks_and_recovers_signs() -> None:
    frame = _simulate(3000, 7)
    table = ChurnRiskModel(features=["x1", "x2", "x3"]).fit(frame).summary().to_frame()
    assert table.loc["x1", "coef"] < 0 < table.loc["x2", "coef"]
    assert table.loc["x1", "p_value"] < 1e-6
    assert table.loc["x3", "ci_low"] < 0 < table.loc["x3", "ci_high"]
    assert table.loc["x1", "odds_ratio"] == pytest.approx(math.exp(table.loc["x1", "coef"]))
    # per-sd coefficient = per-unit coefficient x training standard deviation
    assert table.loc["x1", "coef_per_sd"] == pytest.approx(
        table.loc["x1", "coef"] * frame["x1"].std(ddof=0)
    )


def test_predict_proba_is_one_probability_per_row_indexed_like_input() -> None:
    frame = _simulate(500, 1)
    frame.index = [f"acc{i}" for i in range(500)]
    model = ChurnRiskModel(features=["x1", "x2"]).fit(frame)
    proba = model.predict_proba(frame.iloc[::-1])
    assert proba.index.equals(frame.index[::-1])
    assert proba.between(0, 1).all()
    assert proba.name == "churn_probability"


def test_perfect_separation_warns_and_regularizes() -> None:
    frame = pd.DataFrame({"x": np.r_[np.linspace(-2, -0.1, 30), np.linspace(0.1, 2, 30)]})
    frame["churned"] = frame["x"] > 0
    with pytest.warns(ConvergenceWarning, match="separation"):
        model = ChurnRiskModel(features=["x"], penalty=0).fit(frame)
    assert model.penalty_ == pytest.approx(0.01)
    assert np.isfinite(model.coef_).all()
    assert model.coef_["x"] > 0


def test_bad_input_is_refused() -> None:
    frame = _simulate(200, 2)
    with pytest.raises(InputError, match="constant"):
        ChurnRiskModel(features=["x1", "c"]).fit(frame.assign(c=1.0))
    with pytest.raises(MissingColumnError):
        ChurnRiskModel(features=["nope"]).fit(frame)
    with pytest.raises(MissingColumnError):
        ChurnRiskModel(features=["x1"]).fit(frame, churned_col="left")
    with pytest.raises(InputError, match="churned and retained"):
        ChurnRiskModel(features=["x1"]).fit(frame.assign(churned=False))
    with pytest.raises(InputError, match="missing or infinite"):
        ChurnRiskModel(features=["x1"]).fit(frame.assign(x1=np.nan))
    with pytest.raises(ParameterError, match="penalty"):
        ChurnRiskModel(features=["x1"], penalty=-1).fit(frame)
    with pytest.raises(NotFittedError):
        ChurnRiskModel(features=["x1"]).predict_proba(frame)
    with pytest.raises(NotFittedError):
        ChurnRiskModel(features=["x1"]).summary()


def test_on_invalid_drop_counts_rows() -> None:
    frame = _simulate(300, 3)
    frame.loc[[0, 5], "x1"] = np.nan
    with pytest.warns(DataQualityWarning, match="Dropped 2 of 300"):
        model = ChurnRiskModel(features=["x1"]).fit(frame, on_invalid="drop")
    assert model.n_ == 298


def test_model_contract() -> None:
    frame = _simulate(300, 4)
    copy = frame.copy()
    model = ChurnRiskModel(features=["x1"])
    assert model.fit(frame) is model
    first = model.coef_.copy()
    model.set_params(features=["x1", "x2"]).fit(frame)  # refit replaces the state
    assert list(model.coef_.index) == ["intercept", "x1", "x2"]
    assert not first.index.equals(model.coef_.index)
    assert model.get_params()["features"] == ["x1", "x2"]
    with pytest.raises(ParameterError):
        model.set_params(alpha=1)
    pd.testing.assert_frame_equal(frame, copy)
    labels = frame.pop("churned").to_numpy()
    model.fit(frame, churned=labels)


# ----------------------------------------------------------------- evaluation
def test_auc_is_the_mann_whitney_statistic() -> None:
    rng = np.random.default_rng(5)
    y = rng.random(400) < 0.2
    risk = np.round(rng.random(400) + 0.3 * y, 2)  # with ties
    u = stats.mannwhitneyu(risk[y], risk[~y]).statistic
    assert evaluate_risk(y, risk).auc == pytest.approx(u / (y.sum() * (~y).sum()))


def test_lift_precision_brier_and_calibration_by_hand() -> None:
    # 20 accounts, 4 churned; the two riskiest churned, then the rest random
    y = np.zeros(20, dtype=bool)
    y[[0, 1, 10, 15]] = True
    risk = np.linspace(0.95, 0.0, 20)
    ev = evaluate_risk(y, risk, k=4, n_bins=5)
    assert ev.base_rate == pytest.approx(0.2)
    assert ev.top_decile_lift == pytest.approx(1.0 / 0.2)  # top 2 are both churners
    assert ev.precision_at_k == pytest.approx(0.5)  # 2 of the top 4
    assert ev.brier == pytest.approx(np.mean((risk - y) ** 2))
    cal = ev.calibration
    assert cal["accounts"].tolist() == [4] * 5
    assert cal["observed_rate"].tolist() == [0.0, 0.25, 0.25, 0.0, 0.5]
    assert isinstance(ev, RiskEvaluation)
    assert ev.to_frame().loc["auc", "value"] == ev.auc


def test_scores_that_are_not_probabilities_have_no_brier() -> None:
    ev = evaluate_risk([0, 1, 0, 1], [10.0, 80.0, 30.0, 60.0])
    assert math.isnan(ev.brier)
    assert ev.auc == 1.0
    with pytest.raises(InputError, match="both churned and retained"):
        evaluate_risk([0, 0], [0.1, 0.2])
    with pytest.raises(ParameterError, match="k must be"):
        evaluate_risk([0, 1], [0.1, 0.2], k=3)


def test_results_render_and_round_trip() -> None:
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    frame = _simulate(400, 6)
    model = ChurnRiskModel(features=["x1", "x2"]).fit(frame)
    summary = model.summary()
    ev = model.evaluate(frame)
    for result in (summary, ev):
        again = type(result).from_json(result.to_json())
        pd.testing.assert_frame_equal(again.to_frame(), result.to_frame())
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ax = result.plot()
        assert ax is not None
        plt.close("all")
    assert isinstance(summary, RiskSummary)
    assert repr(summary).startswith("RiskSummary(n=400")


@pytest.mark.parametrize("unit", [-1e-200, 1e-200, 1e-9, 1e9, 1e200])
def test_feature_units_change_nothing_but_the_per_unit_coefficients(unit: float) -> None:
    # review: features around 1e200 overflowed (RuntimeWarning), around 1e-200 were called
    # constant; predicting far-out accounts overflowed in exp
    frame = _simulate(800, seed=3)
    base = ChurnRiskModel(features=["x1", "x2"]).fit(frame)
    scaled = frame.assign(x1=frame["x1"] * unit)
    model = ChurnRiskModel(features=["x1", "x2"]).fit(scaled)
    sign = np.array([1.0, np.sign(unit), 1.0])  # a negative unit flips x1's coefficient
    np.testing.assert_allclose(model.coef_std_, base.coef_std_ * sign, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.coef_["x1"] * unit, base.coef_["x1"], rtol=1e-6)
    np.testing.assert_allclose(model.predict_proba(scaled), base.predict_proba(frame), rtol=1e-6)
    far = scaled.assign(x1=scaled["x1"] * 1e6)  # eta around 1e6: exp(1e6) overflows
    proba = model.predict_proba(far.head(20))
    assert proba.between(0.0, 1.0).all()
    table = model.summary().to_frame()  # odds ratios may be 0 or inf, without a warning
    expected = base.summary().table.loc["x2", "odds_ratio"]
    assert table.loc["x2", "odds_ratio"] == pytest.approx(expected)


def test_ties_at_the_cut_count_by_their_average_whatever_the_row_order() -> None:
    # review: the top decile and the top k took tied accounts in input order, so a score
    # with ties (a health score has many) gave a lift that depended on how rows were sorted
    y = np.array([0, 1, 0, 1, 0, 0, 0, 0, 0, 0], dtype=bool)
    flat = evaluate_risk(y, np.full(10, 0.5), k=4)
    assert flat.top_decile_lift == pytest.approx(1.0)  # a constant score is no better than chance
    assert flat.precision_at_k == pytest.approx(0.2)
    risk = np.array([0.9, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1])
    # k=3: 0.9 (no churn) and 2 of the 4 tied at 0.5, which hold 2 churners: 2 * 2/4 expected
    assert evaluate_risk(y, risk, k=3).precision_at_k == pytest.approx(1 / 3)
    rng = np.random.default_rng(4)
    yy = rng.random(200) < 0.2
    rr = np.round(rng.random(200), 1)  # heavy ties
    first = evaluate_risk(yy, rr, k=25)
    for _ in range(3):
        perm = rng.permutation(200)
        other = evaluate_risk(yy[perm], rr[perm], k=25)
        assert other.top_decile_lift == pytest.approx(first.top_decile_lift)
        assert other.precision_at_k == pytest.approx(first.precision_at_k)


def test_missing_labels_are_dropped_like_missing_features() -> None:
    # review: on_invalid="drop" dropped rows with missing features but raised on missing labels
    frame = _simulate(300, 3).astype({"churned": object})
    frame.loc[[0, 5], "x1"] = np.nan
    frame.loc[[7], "churned"] = None
    with pytest.warns(DataQualityWarning, match="Dropped 3 of 300"):
        model = ChurnRiskModel(features=["x1"]).fit(frame, on_invalid="drop")
    assert model.n_ == 297
    with pytest.raises(InputError, match="missing churn labels"):
        ChurnRiskModel(features=["x1"]).fit(frame.assign(x1=1.0 + frame.index % 3))


def test_capacity_k_must_be_a_whole_number() -> None:
    # review: k=2.7 was silently truncated to 2
    y, risk = [0, 1, 0, 1], [0.2, 0.7, 0.4, 0.6]
    with pytest.raises(ParameterError, match="whole number"):
        evaluate_risk(y, risk, k=2.7)  # type: ignore[arg-type]
    assert evaluate_risk(y, risk, k=np.int64(2)).precision_at_k == 1.0


# --------------------------------------------------------------------------- issue 14, item 12
@pytest.mark.parametrize("penalty", [1e-4, 1e-2, 0.5])
def test_ridge_fit_equals_scikit_learn_on_breast_cancer(penalty: float) -> None:
    # scikit-learn's LogisticRegression (L2, unpenalized intercept) on the Wisconsin breast
    # cancer data (569 patients, 30 features), fitted to a tight tolerance. Its objective is
    # C * sum(loss) + |w|^2 / 2; ours is mean(loss) + penalty * |w|^2 / 2 on the same
    # standardised features: the same optimum for C = 1 / (n * penalty).
    sklearn = pytest.importorskip("sklearn")
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.rename(columns=lambda c: c.replace(" ", "_"))
    features = [c for c in frame.columns if c != "target"]
    frame["churned"] = frame["target"] == 0  # malignant
    X = frame[features].to_numpy()
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    n = len(frame)
    reference = LogisticRegression(
        C=1.0 / (n * penalty), tol=1e-12, max_iter=100_000, solver="newton-cg"
    ).fit(Z, frame["churned"])
    assert sklearn.__version__
    model = ChurnRiskModel(features=features, penalty=penalty).fit(frame)
    assert model.converged_
    ours = model.coef_std_.to_numpy()
    theirs = np.r_[reference.intercept_, reference.coef_[0]]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_max_iter_is_honoured_and_converged_can_be_false() -> None:
    frame = _simulate(3000, 0)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        short = ChurnRiskModel(features=["x1", "x2", "x3"], penalty=0.01, max_iter=1).fit(frame)
    assert not short.converged_
    full = ChurnRiskModel(features=["x1", "x2", "x3"], penalty=0.01).fit(frame)
    assert full.converged_
    assert not np.allclose(short.coef_std_, full.coef_std_, rtol=1e-8, atol=0)
    with pytest.raises(ParameterError, match="max_iter"):
        ChurnRiskModel(features=["x1"], max_iter=0).fit(frame)
