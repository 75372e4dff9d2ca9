"""CoxModel against R coxph on the Rossi data, statsmodels PHReg, and R cox.zph."""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pytest

from saasmetrics.exceptions import (
    ConvergenceError,
    InputError,
    NotFittedError,
    ParameterError,
)
from saasmetrics.retention import CoxModel

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
COVARIATES = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def _rossi() -> pd.DataFrame:
    return pd.read_csv(DATA / "rossi.csv", comment="#")


def test_rossi_matches_r_coxph_efron() -> None:
    # R: coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = Rossi)
    # (Efron ties), as printed in Fox & Weisberg, "Cox Proportional-Hazards Regression for
    # Survival Data in R" (appendix to An R Companion to Applied Regression), and reproduced by
    # lifelines' docs ("Survival Regression": partial log-likelihood -658.75, concordance 0.64,
    # likelihood-ratio test 33.27 on 7 df).
    published = pd.DataFrame(
        {
            "coef": [-0.37942, -0.05744, 0.31390, -0.14980, -0.43370, -0.08487, 0.09150],
            "se": [0.19138, 0.02200, 0.30799, 0.21222, 0.38187, 0.19576, 0.02865],
            "hazard_ratio": [0.68426, 0.94418, 1.36875, 0.86088, 0.64810, 0.91863, 1.09581],
            "z": [-1.983, -2.611, 1.019, -0.706, -1.136, -0.434, 3.194],
        },
        index=COVARIATES,
    )
    model = CoxModel(ties="efron").fit(_rossi(), "week", "arrest")
    summary = model.summary()
    np.testing.assert_allclose(summary["coef"], published["coef"], atol=5e-6)
    np.testing.assert_allclose(summary["se"], published["se"], atol=5e-6)
    np.testing.assert_allclose(summary["hazard_ratio"], published["hazard_ratio"], atol=5e-6)
    np.testing.assert_allclose(summary["z"], published["z"], atol=5e-4)
    assert round(model.log_likelihood_, 2) == -658.75
    assert round(2 * (model.log_likelihood_ - model.log_likelihood_null_), 2) == 33.27
    assert round(model.concordance_, 2) == 0.64
    assert model.n_events_ == 114
    assert (summary["hr_lower"] < summary["hazard_ratio"]).all()
    assert (summary["hazard_ratio"] < summary["hr_upper"]).all()


def test_equal_to_statsmodels_phreg_with_entry_and_strata() -> None:
    from statsmodels.duration.hazard_regression import PHReg

    rossi = _rossi()
    rng = np.random.default_rng(0)
    # half-integer entries: statsmodels counts a row entering exactly at an event time as at
    # risk then; R's (start, stop] rule (ours, the contract) does not
    rossi["entry"] = np.floor(rossi["week"] * rng.random(len(rossi)) * 0.5) + 0.5
    for ties in ("efron", "breslow"):
        ours = CoxModel(ties=ties).fit(  # type: ignore[arg-type]
            rossi,
            "week",
            "arrest",
            entry_col="entry",
            strata="wexp",
            covariates=["fin", "age", "prio", "mar"],
        )
        theirs = PHReg(
            rossi["week"],
            rossi[["fin", "age", "prio", "mar"]].to_numpy(float),
            status=rossi["arrest"],
            entry=rossi["entry"],
            strata=rossi["wexp"],
            ties=ties,
        ).fit()
        np.testing.assert_allclose(ours.coefficients_, theirs.params, rtol=1e-7)
        np.testing.assert_allclose(ours.standard_errors_, theirs.bse, rtol=1e-6)
        assert ours.log_likelihood_ == pytest.approx(theirs.llf, rel=1e-10)


def test_counting_process_split_rows_give_the_same_fit() -> None:
    rossi = _rossi()
    base = CoxModel().fit(rossi, "week", "arrest")
    # split every follow-up longer than 20 weeks at week 20: (0, 20] then (20, week]
    long = rossi[rossi["week"] > 20]
    first = long.assign(start=0, week=20, arrest=0)
    second = long.assign(start=20)
    rest = rossi[rossi["week"] <= 20].assign(start=0)
    split = pd.concat([rest, first, second], ignore_index=True)
    split["id"] = np.r_[
        np.flatnonzero(rossi["week"] <= 20),
        np.flatnonzero(rossi["week"] > 20),
        np.flatnonzero(rossi["week"] > 20),
    ]
    tv = CoxModel().fit(split, "week", "arrest", start_col="start", id_col="id")
    np.testing.assert_allclose(tv.coefficients_, base.coefficients_, rtol=1e-10)
    np.testing.assert_allclose(tv.standard_errors_, base.standard_errors_, rtol=1e-9)
    assert tv.log_likelihood_ == pytest.approx(base.log_likelihood_, rel=1e-12)
    assert tv.concordance_ == pytest.approx(base.concordance_, rel=1e-12)
    # prediction: a customer whose covariates never change gets the static curve
    times = [5, 20, 30, 52, 60]
    static = base.predict_survival(rossi.iloc[:3], times)
    rows = split[split["id"] < 3]
    dynamic = tv.predict_survival(rows, times, id_col="id")
    np.testing.assert_allclose(dynamic.to_numpy(), static.to_numpy(), rtol=1e-10)


def test_time_varying_prediction_carries_the_last_value_forward() -> None:
    rossi = _rossi()
    rossi["start"] = 0
    model = CoxModel().fit(rossi, "week", "arrest", start_col="start", covariates=["prio"])
    beta = model.coefficients_["prio"]
    path = pd.DataFrame({"id": [1, 1], "start": [0, 10], "week": [10, 20], "prio": [0, 5]})
    s = model.predict_survival(path, [8, 10, 30], id_col="id")[1]
    h0 = model.baseline_cumulative_hazard_["all"]
    m = model.covariate_means_["prio"]

    def base(t: float) -> float:
        return float(h0[h0.index <= t].iloc[-1]) if (h0.index <= t).any() else 0.0

    expected_30 = np.exp(
        -(np.exp(-m * beta) * base(10) + np.exp((5 - m) * beta) * (base(30) - base(10)))
    )
    assert s[30] == pytest.approx(expected_30, rel=1e-12)  # prio 5 held after week 20
    assert s[8] == pytest.approx(np.exp(-np.exp(-m * beta) * base(8)), rel=1e-12)


def test_baseline_equals_statsmodels_breslow() -> None:
    from statsmodels.duration.hazard_regression import PHReg

    rossi = _rossi()
    ours = CoxModel(ties="breslow").fit(rossi, "week", "arrest")
    fit = PHReg(rossi["week"], rossi[COVARIATES].to_numpy(float), status=rossi["arrest"]).fit()
    times, cumhaz, _ = fit.baseline_cumulative_hazard[0]
    zero = pd.DataFrame(np.zeros((1, len(COVARIATES))), columns=COVARIATES)
    predicted = ours.predict_survival(zero, times)[0].to_numpy()
    # statsmodels reports at each event time the hazard accumulated *before* it (its first
    # value is 0); ours is right-continuous like R's survfit: compare one step apart
    np.testing.assert_allclose(predicted[:-1], np.exp(-cumhaz[1:]), rtol=1e-8)


def test_proportional_hazards_check_matches_r_cox_zph() -> None:
    # R cox.zph (survival < 3.0, Grambsch-Therneau approximation) outputs quoted in lifelines'
    # tests/test_statistics.py: regression data, transform 'rank': var1 1.4938293,
    # var2 0.8792998, var3 2.2686088 (p 0.1320184); transform 'log': 2.227627, 0.714427,
    # 1.466321 (p 0.225927); five rows, transform 'km': 0.00971, and with one censored 1.013802.
    reg = pd.read_csv(DATA / "lifelines_regression.csv", comment="#")
    model = CoxModel().fit(reg, "T", "E")
    rank = model.check_proportional_hazards("rank")
    np.testing.assert_allclose(
        rank.loc[["var1", "var2", "var3"], "statistic"],
        [1.4938293, 0.8792998, 2.2686088],
        rtol=1e-6,
    )
    assert rank.loc["var3", "p_value"] == pytest.approx(0.1320184, rel=1e-6)
    log = model.check_proportional_hazards("log")
    np.testing.assert_allclose(
        log.loc[["var1", "var2", "var3"], "statistic"], [2.227627, 0.714427, 1.466321], rtol=1e-5
    )
    five = pd.DataFrame(
        {
            "var1": [0.209325, 0.693919, 0.443804, 0.065636, 0.386294],
            "T": [5.269797, 6.601666, 7.335846, 11.684092, 12.678458],
            "E": [1, 1, 1, 1, 1],
        }
    )
    km = CoxModel().fit(five, "T", "E").check_proportional_hazards("km")
    assert km.loc["var1", "statistic"] == pytest.approx(0.00971, rel=1e-3)
    five["E"] = [1, 1, 1, 0, 1]
    km = CoxModel().fit(five, "T", "E").check_proportional_hazards("km")
    assert km.loc["var1", "statistic"] == pytest.approx(1.013802, rel=1e-6)
    rossi = CoxModel().fit(_rossi(), "week", "arrest").check_proportional_hazards()
    assert rossi["p_value"].idxmin() == "age"  # the known violation in the Rossi data


def test_row_order_irrelevant_and_categoricals() -> None:
    rossi = _rossi()
    rossi["fin_label"] = np.where(rossi["fin"] == 1, "aid", "none")
    a = CoxModel().fit(rossi, "week", "arrest", covariates=["fin_label", "age", "prio"])
    shuffled = rossi.sample(frac=1.0, random_state=3)
    b = CoxModel().fit(shuffled, "week", "arrest", covariates=["fin_label", "age", "prio"])
    pd.testing.assert_series_equal(a.coefficients_, b.coefficients_, rtol=1e-10)
    assert a.concordance_ == pytest.approx(b.concordance_)
    assert "fin_label=none" in a.coefficients_.index  # "aid" (first in sorted order) is reference
    c = CoxModel().fit(rossi, "week", "arrest", covariates=["fin", "age", "prio"])
    assert a.coefficients_["fin_label=none"] == pytest.approx(-c.coefficients_["fin"], rel=1e-9)
    hr = a.hazard_ratios()
    assert hr["age"] == pytest.approx(np.exp(a.coefficients_["age"]))


def test_penalizer_shrinks_and_rescues_separation() -> None:
    rossi = _rossi()
    plain = CoxModel().fit(rossi, "week", "arrest")
    ridge = CoxModel(penalizer=5.0).fit(rossi, "week", "arrest")
    assert np.abs(ridge.coefficients_).sum() < np.abs(plain.coefficients_).sum()
    separated = pd.DataFrame(
        {"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 1, 0, 0, 0], "vip": [0, 0, 0, 1, 1, 0]}
    )
    with pytest.raises(InputError, match="every churn has the same value"):
        CoxModel().fit(separated, "t", "e")
    fitted = CoxModel(penalizer=0.5).fit(separated, "t", "e")
    assert fitted.coefficients_["vip"] < 0


def test_bad_input_and_contract() -> None:
    rossi = _rossi()
    model = CoxModel()
    with pytest.raises(NotFittedError):
        model.summary()
    with pytest.raises(InputError, match="non-positive"):
        CoxModel().fit(rossi.assign(week=0), "week", "arrest")
    with pytest.raises(InputError, match="constant"):
        CoxModel().fit(rossi.assign(one=1), "week", "arrest")
    with pytest.raises(InputError, match="linear combinations"):
        CoxModel().fit(rossi.assign(fin2=rossi["fin"] * 2 + rossi["age"]), "week", "arrest")
    with pytest.raises(InputError, match="missing"):
        CoxModel().fit(rossi.assign(age=rossi["age"].where(rossi.index > 0)), "week", "arrest")
    with pytest.raises(InputError, match="No row has a churn"):
        CoxModel().fit(rossi.assign(arrest=0), "week", "arrest")
    with pytest.raises(ParameterError):
        CoxModel(ties="exact").fit(rossi, "week", "arrest")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        CoxModel().fit(rossi, "week", "arrest", entry_col="age", start_col="age")
    with pytest.raises(ConvergenceError):
        CoxModel().fit(rossi, "week", "arrest", max_iter=1)
    before = rossi.copy()
    fitted = model.fit(rossi, "week", "arrest")
    assert fitted is model
    pd.testing.assert_frame_equal(rossi, before)
    assert model.get_params() == {"ties": "efron", "penalizer": 0.0, "confidence_level": 0.95}
    assert model.set_params(penalizer=0.1) is model
    with pytest.raises(ParameterError):
        model.set_params(alpha=1)
    refit = model.fit(rossi, "week", "arrest", covariates=["age"])
    assert list(refit.coefficients_.index) == ["age"]
    assert repr(model) == "CoxModel(ties='efron', penalizer=0.1)"
    with pytest.raises(InputError, match="id_col"):
        CoxModel().fit(rossi.assign(start=0), "week", "arrest", start_col="start").predict_survival(
            rossi, [1]
        )


def _concordance_oracle(
    start: np.ndarray, stop: np.ndarray, event: np.ndarray, score: np.ndarray
) -> float:
    """Slow reference: every (churn row, row) pair, R's concordance() rules."""
    num = den = 0.0
    for i in np.flatnonzero(event):
        for j in range(stop.size):
            if j == i or not start[j] < stop[i]:
                continue
            if stop[j] > stop[i] or (stop[j] == stop[i] and not event[j]):
                den += 1
                num += 1.0 if score[i] > score[j] else 0.5 if score[i] == score[j] else 0.0
    return num / den if den else float("nan")


def test_concordance_kernel_equals_pairwise_oracle() -> None:
    from saasmetrics._kernels.survival import concordance_counts

    rng = np.random.default_rng(5)
    for _ in range(150):
        n = int(rng.integers(1, 40))
        stop = rng.integers(1, 8, n).astype(float)
        start = np.minimum(
            np.where(rng.random(n) < 0.5, 0.0, np.floor(stop * rng.random(n))), stop - 1
        )
        event = rng.random(n) < 0.6
        score = rng.integers(0, 4, n).astype(float)
        c, d, t = concordance_counts(start, stop, event, score)
        expected = _concordance_oracle(start, stop, event, score)
        got = (c + t / 2) / (c + d + t) if c + d + t else float("nan")
        assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, abs=1e-12)


def test_default_covariates_skip_dates_and_ids() -> None:
    rossi = _rossi()
    rossi["customer_id"] = [f"c{i}" for i in range(len(rossi))]
    rossi["start"] = pd.Timestamp("2024-01-01")
    model = CoxModel().fit(rossi, "week", "arrest")
    assert list(model.coefficients_.index) == COVARIATES
