"""logrank_test and restricted_mean_survival_time against published results, plus invariants."""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics.exceptions import InputError, ParameterError
from saasmetrics.retention import (
    LogRankTest,
    RestrictedMeanSurvival,
    logrank_test,
    restricted_mean_survival_time,
)

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, comment="#")


# --------------------------------------------------------------------------- published: log-rank
def test_leukemia_weightings_kleinbaum_klein() -> None:
    # Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text", 3rd ed. (2012), ch. 2: the
    # remission data give log rank 16.79, Wilcoxon 13.46, Tarone-Ware 15.12, Peto 14.08; the
    # six-decimal values are lifelines' tests of the same table (test_statistics.py).
    data = _read("leukemia_remission.csv")
    published = {
        "logrank": 16.79,
        "wilcoxon": 13.457852,
        "tarone-ware": 15.123575,
        "peto": 14.084139,
    }
    for weighting, value in published.items():
        res = logrank_test(data["t"], data["status"], data["Rx"], weighting=weighting)  # type: ignore[arg-type]
        decimals = 2 if weighting == "logrank" else 6
        assert round(res.statistic, decimals) == pytest.approx(value, abs=10**-decimals)
        assert res.degrees_of_freedom == 1


def test_lung_sex_logrank_matches_r_survdiff() -> None:
    # R: survdiff(Surv(time, status) ~ sex, data = lung) prints
    #   sex=1 N=138 Observed=112 Expected=91.5817 (O-E)^2/V=10.3267
    #   sex=2 N=90  Observed=53  Expected=73.4183; Chisq= 10.3 on 1 df, p= 0.00131116
    # (Chiu & Yu, Machine Learning with R Cookbook, 2nd ed., "Using the log-rank test").
    lung = _read("lung.csv")
    res = logrank_test(lung["time"], lung["status"], lung["sex"])
    frame = res.to_frame()
    assert frame.loc[1, "subjects"] == 138
    assert frame.loc[2, "observed"] == 53
    assert frame.loc[1, "expected"] == pytest.approx(91.5817, abs=5e-5)
    assert frame.loc[2, "expected"] == pytest.approx(73.4183, abs=5e-5)
    assert res.statistic == pytest.approx(10.3267, abs=5e-5)
    assert res.p_value == pytest.approx(0.00131116, abs=5e-9)


@pytest.mark.parametrize(
    ("p", "q", "statistic", "p_value"),
    [
        (0, 0, 10.33, 0.0013111),
        (1, 0, 12.71, 0.0003629),
        (0, 1, 3.46, 0.0628709),
        (1, 1, 7.66, 0.0056309),
    ],
)
def test_lung_fleming_harrington_matches_survminer(
    p: float, q: float, statistic: float, p_value: float
) -> None:
    # survminer::weighted_logrank(Surv(time, status) ~ sex, data = lung,
    # rho = c(0, 1, 0, 1), gamma = c(0, 0, 1, 1)), printed in survminer pull request #832; FH(1, 0)
    # is R's survdiff(..., rho = 1). Weights S(t-)^p (1 - S(t-))^q from the pooled KM.
    lung = _read("lung.csv")
    res = logrank_test(
        lung["time"], lung["status"], lung["sex"], weighting="fleming-harrington", p=p, q=q
    )
    assert round(res.statistic, 2) == statistic
    assert res.p_value == pytest.approx(p_value, abs=1e-7)  # printed to 7 decimals


def test_small_examples_against_r() -> None:
    # R survdiff on six rows (lifelines' test_rank_test_output_against_R_*):
    # no censoring: chisq 0.254237, p 0.614107; with censoring: 0.384615, p 0.535143.
    t = [10, 20, 30, 10, 20, 50]
    arm = [1, 1, 1, 0, 0, 0]
    res = logrank_test(t, [True] * 6, arm)
    assert res.statistic == pytest.approx(0.254237, abs=1e-6)
    assert res.p_value == pytest.approx(0.614107, abs=1e-6)
    res = logrank_test(t, [1, 0, 1, 1, 0, 1], arm)
    assert res.statistic == pytest.approx(0.384615, abs=1e-6)
    assert res.p_value == pytest.approx(0.535143, abs=1e-6)


def test_k_groups_and_pairwise() -> None:
    lung = _read("lung.csv")
    groups = np.where(lung["time"].to_numpy() % 3 == 0, "a", np.where(lung["sex"] == 1, "m", "f"))
    res = logrank_test(lung["time"], lung["status"], groups)
    assert res.degrees_of_freedom == 2
    assert res.pairwise is not None
    assert len(res.pairwise) == 3
    # each pair equals the two-group test on those rows alone
    for row in res.pairwise.itertuples():
        keep = np.isin(groups, [row.group_a, row.group_b])
        alone = logrank_test(lung["time"][keep], lung["status"][keep], groups[keep])
        assert row.statistic == pytest.approx(alone.statistic, rel=1e-12)
    assert (res.pairwise["p_adjusted"] >= res.pairwise["p_value"]).all()
    none = logrank_test(lung["time"], lung["status"], groups, p_adjust="none")
    assert none.pairwise is not None
    np.testing.assert_array_equal(none.pairwise["p_adjusted"], none.pairwise["p_value"])
    # observed and expected both sum to the number of events
    frame = res.to_frame()
    assert frame["observed"].sum() == pytest.approx(frame["expected"].sum())


def test_entry_left_truncation_equals_dropping_early_rows_when_entry_is_common() -> None:
    lung = _read("lung.csv")
    keep = lung["time"] > 100
    entry = np.full(int(keep.sum()), 100.0)
    a = logrank_test(lung["time"][keep], lung["status"][keep], lung["sex"][keep], entry=entry)
    b = logrank_test(lung["time"][keep], lung["status"][keep], lung["sex"][keep])
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)  # entry before every time


def test_case_weights_fleming_harrington_waltons_like_compression() -> None:
    # lifelines PR #1698: FH on frequency-weighted rows must equal FH on the expanded rows.
    rng = np.random.default_rng(7)
    t = rng.integers(1, 15, 300).astype(float)
    e = rng.random(300) < 0.8
    g = rng.integers(0, 2, 300)
    frame = pd.DataFrame({"t": t, "e": e, "g": g})
    grouped = frame.groupby(["t", "e", "g"]).size().reset_index(name="w")
    for p, q in [(0, 0), (1, 0), (0, 1), (1, 1), (3, 3)]:
        full = logrank_test(t, e, g, weighting="fleming-harrington", p=p, q=q)
        compact = logrank_test(
            grouped["t"], grouped["e"], grouped["g"], grouped["w"], "fleming-harrington", p, q
        )
        assert compact.statistic == pytest.approx(full.statistic, rel=1e-10)


def test_p_adjustments_equal_statsmodels() -> None:
    from statsmodels.stats.multitest import multipletests

    from saasmetrics.retention._compare import P_ADJUST, adjust_p_values

    raw = np.array([0.01, 0.04, 0.03, 0.2, 0.001, 0.04, 0.7])
    for method in P_ADJUST:
        if method == "none":
            continue
        expected = multipletests(raw, method=method)[1]
        np.testing.assert_allclose(adjust_p_values(raw, method), expected, rtol=1e-12)


# --------------------------------------------------------------------------- properties
WEIGHTINGS = ("logrank", "wilcoxon", "tarone-ware", "peto", "fleming-harrington")


@st.composite
def samples(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(4, 40))
    t = np.asarray(draw(st.lists(st.integers(1, 12), min_size=n, max_size=n)), dtype=float)
    e = np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    e[0] = True
    g = np.asarray(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    g[:2] = [0, 1]
    w = np.asarray(draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)))
    return t, e, g, w


@settings(max_examples=60, deadline=None)
@given(samples(), st.sampled_from(WEIGHTINGS))
def test_case_weights_equal_repeated_rows(
    sample: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], weighting: str
) -> None:
    t, e, g, w = sample
    weighted = logrank_test(t, e, g, w.astype(float), weighting, p=1.0, q=0.5)  # type: ignore[arg-type]
    repeated = logrank_test(
        np.repeat(t, w), np.repeat(e, w), np.repeat(g, w), None, weighting, 1.0, 0.5
    )  # type: ignore[arg-type]
    assert weighted.statistic == pytest.approx(repeated.statistic, rel=1e-9, abs=1e-12)
    pd.testing.assert_frame_equal(weighted.to_frame(), repeated.to_frame(), rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(samples(), st.sampled_from(WEIGHTINGS), st.randoms(use_true_random=False))
def test_labels_permuted_and_rows_shuffled_give_the_same_statistic(
    sample: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], weighting: str, rnd: object
) -> None:
    t, e, g, _ = sample
    base = logrank_test(t, e, g, weighting=weighting, p=0.5, q=1.0)  # type: ignore[arg-type]
    relabel = np.array(["z", "a", "m"])[g]  # a permutation of the label order
    order = np.random.default_rng(len(t)).permutation(len(t))
    other = logrank_test(t[order], e[order], relabel[order], weighting=weighting, p=0.5, q=1.0)  # type: ignore[arg-type]
    assert other.statistic == pytest.approx(base.statistic, rel=1e-9, abs=1e-12)
    assert 0 <= base.p_value <= 1


# --------------------------------------------------------------------------- published: RMST
def test_rmst_pbc_matches_survrm2_vignette() -> None:
    # survRM2 vignette (Uno et al., "survRM2-vignette3-2"), rmst2(time, status, arm, tau = 10) on
    # rmst2.sample.data() (pbc, 312 randomised patients, years):
    #   RMST (arm=1) 7.146 se 0.283 [6.592, 7.701]; RMST (arm=0) 7.283 se 0.295 [6.704, 7.863]
    #   difference -0.137 [-0.939, 0.665] p 0.738; ratio 0.981 [0.878, 1.096] p 0.738;
    #   RMTL ratio 1.050 [0.787, 1.402] p 0.738
    pbc = _read("pbc_trial.csv")
    res = restricted_mean_survival_time(
        pbc["time_days"] / 365.25, pbc["status"] == 2, tau=10, groups=(pbc["trt"] == 1).astype(int)
    )
    frame = res.to_frame().round(3)
    assert frame.loc[1, ["rmst", "se", "ci_lower", "ci_upper"]].tolist() == [
        7.146,
        0.283,
        6.592,
        7.701,
    ]
    assert frame.loc[0, ["rmst", "se", "ci_lower", "ci_upper"]].tolist() == [
        7.283,
        0.295,
        6.704,
        7.863,
    ]
    c = res.contrasts.set_index("measure")[["estimate", "ci_lower", "ci_upper", "p_value"]]
    assert c.loc["difference"].round(3).tolist() == [-0.137, -0.939, 0.665, 0.738]
    assert c.loc["ratio"].round(3).tolist() == [0.981, 0.878, 1.096, 0.738]
    assert c.loc["rmtl_ratio"].round(3).tolist()[:3] == [1.050, 0.787, 1.402]
    assert res.difference == pytest.approx(-0.137, abs=5e-4)
    assert res.p_value == pytest.approx(0.738, abs=5e-4)
    assert res.ratio == pytest.approx(0.981, abs=5e-4)


def test_rmst_single_group_and_uncensored_mean() -> None:
    # without censoring and tau past every time, RMST is the plain mean of min(T, tau)
    t = np.array([1.0, 2.0, 4.0, 7.0])
    res = restricted_mean_survival_time(t, None, tau=7)
    assert res.to_frame().loc["all", "rmst"] == pytest.approx(t.mean())
    assert res.difference is None
    assert res.contrasts.empty
    res = restricted_mean_survival_time(t, None, tau=3)
    assert res.to_frame().loc["all", "rmst"] == pytest.approx(np.minimum(t, 3).mean())


@settings(max_examples=40, deadline=None)
@given(samples())
def test_rmst_weights_equal_repeated_rows(
    sample: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    t, e, _, w = sample
    tau = float(t.max())
    a = restricted_mean_survival_time(t, e, tau, weights=w.astype(float)).to_frame()
    b = restricted_mean_survival_time(np.repeat(t, w), np.repeat(e, w), tau).to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-10)
    assert 0 < a["rmst"].iloc[0] <= tau


# --------------------------------------------------------------------------- bad input
def test_bad_input_gets_typed_errors() -> None:
    t, e, g = [1.0, 2.0, 3.0, 4.0], [True, False, True, True], ["a", "a", "b", "b"]
    with pytest.raises(InputError, match="non-positive"):
        logrank_test([0.0, 2.0, 3.0, 4.0], e, g)
    with pytest.raises(InputError, match="single label"):
        logrank_test(t, e, ["a"] * 4)
    with pytest.raises(InputError, match="No row has an event"):
        logrank_test(t, [False] * 4, g)
    with pytest.raises(InputError, match="missing group labels"):
        logrank_test(t, e, ["a", None, "b", "b"])
    with pytest.raises(ParameterError, match="weighting"):
        logrank_test(t, e, g, weighting="gehan")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"p and q must be|p must be"):
        logrank_test(t, e, g, weighting="fleming-harrington", p=-1)
    with pytest.raises(InputError, match="tau=9 is beyond"):
        restricted_mean_survival_time(t, e, 9, g)
    with pytest.raises(InputError, match="tau <= 2"):
        restricted_mean_survival_time(t, e, 3, g)
    with pytest.raises(ParameterError, match="tau must be"):
        restricted_mean_survival_time(t, e, -1.0, g)
    with pytest.raises(ParameterError, match="reference"):
        restricted_mean_survival_time(t, e, 2, g, reference="c")
    with pytest.raises(InputError, match="negative or missing case weights"):
        logrank_test(t, e, g, weights=[1, -1, 1, 1])


def test_results_are_result_objects() -> None:
    lung = _read("lung.csv")
    res = logrank_test(lung["time"], lung["status"], lung["sex"])
    assert isinstance(res, LogRankTest)
    assert repr(res).startswith("LogRankTest(weighting='logrank'")
    rm = restricted_mean_survival_time(lung["time"], lung["status"], 500, lung["sex"])
    assert isinstance(rm, RestrictedMeanSurvival)
    again = RestrictedMeanSurvival.from_json(rm.to_json())
    assert again.difference == rm.difference
