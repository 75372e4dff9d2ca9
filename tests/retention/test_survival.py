"""kaplan_meier against a textbook example and against lifelines."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from saasmetrics.exceptions import EmptyDataError, InputError, ParameterError
from saasmetrics.retention import SurvivalCurve, kaplan_meier

# Freireich et al. (1963) 6-MP group, weeks in remission (+ = censored): 6,6,6,6+,7,9+,10,10+,
# 11+,13,16,17+,19+,20+,22,23,25+,32+,32+,34+,35+. Estimates and Greenwood standard errors as
# published in Klein & Moeschberger, "Survival Analysis" (2nd ed.), Table 4.1A, and Kleinbaum &
# Klein, "Survival Analysis: A Self-Learning Text", chapter 2.
DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
RELAPSED = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PUBLISHED = {  # time: (at risk, survival, Greenwood SE)
    6: (21, 0.8571, 0.0764),
    7: (17, 0.8067, 0.0869),
    10: (15, 0.7529, 0.0963),
    13: (12, 0.6902, 0.1068),
    16: (11, 0.6275, 0.1141),
    22: (7, 0.5378, 0.1282),
    23: (6, 0.4482, 0.1346),
}


def test_textbook_6mp_example() -> None:
    curve = kaplan_meier(WEEKS, np.array(RELAPSED, dtype=bool))
    frame = curve.to_frame().set_index("time")
    for time, (n, s, se) in PUBLISHED.items():
        assert frame.loc[time, "at_risk"] == n
        assert round(frame.loc[time, "survival"], 4) == s
        assert round(frame.loc[time, "std_error"], 4) == se
    assert curve.median == 23.0
    assert curve.survival_at(24) == pytest.approx(0.4482, abs=1e-4)
    assert curve.survival_at(5.9) == 1.0
    assert list(frame.columns[:2]) == ["at_risk", "events"]
    assert {"ci_lower", "ci_upper", "survival"} <= set(frame.columns)


def test_equal_to_lifelines() -> None:
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(3)
    durations = rng.integers(1, 40, 500).astype(float)
    observed = rng.random(500) < 0.7
    weights = rng.integers(1, 4, 500).astype(float)
    entry = np.floor(durations * rng.random(500) * 0.5)
    for kwargs in ({}, {"weights": weights}, {"entry": entry}):
        ours = kaplan_meier(durations, observed, **kwargs).to_frame().set_index("time")
        kmf = lifelines.KaplanMeierFitter().fit(durations, observed, **kwargs)
        theirs = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_
        common = ours.index.intersection(theirs.index)
        assert len(common) >= len(ours) - 1
        np.testing.assert_allclose(ours.loc[common, "survival"], theirs.loc[common], atol=1e-12)
        np.testing.assert_allclose(
            ours.loc[common, "ci_lower"], ci.iloc[:, 0].loc[common], atol=1e-9
        )
        np.testing.assert_allclose(
            ours.loc[common, "ci_upper"], ci.iloc[:, 1].loc[common], atol=1e-9
        )
        if "entry" not in kwargs:
            # (lifelines' event_table also lists subjects entering at t as at risk at t, while
            # its estimate, like ours, uses only those who entered before t)
            table = kmf.event_table
            np.testing.assert_allclose(ours.loc[common, "at_risk"], table["at_risk"].loc[common])
        if not kwargs:
            assert kaplan_meier(durations, observed).median == kmf.median_survival_time_


def test_linear_interval_and_bad_input() -> None:
    curve = kaplan_meier(WEEKS, np.array(RELAPSED, dtype=bool), ci_method="linear")
    frame = curve.to_frame().set_index("time")
    s, se = frame.loc[13, "survival"], frame.loc[13, "std_error"]
    assert frame.loc[13, "ci_lower"] == pytest.approx(s - 1.959964 * se, rel=1e-6)
    assert isinstance(curve, SurvivalCurve)
    assert kaplan_meier([1, 2, 3]).median == 2.0
    assert kaplan_meier([1, 2], [False, False]).median == float("inf")
    with pytest.raises(EmptyDataError):
        kaplan_meier([])
    with pytest.raises(InputError, match="observed"):
        kaplan_meier([1, 2], [True])
    with pytest.raises(InputError, match="durations"):
        kaplan_meier([-1, 2])
    with pytest.raises(InputError, match="weights"):
        kaplan_meier([1, 2], weights=[1, -1])
    with pytest.raises(InputError, match="entry"):
        kaplan_meier([1, 2], entry=[3, 0])
    with pytest.raises(InputError, match="entry == duration"):
        kaplan_meier([1, 2], entry=[1, 0])
    with pytest.raises(ParameterError):
        kaplan_meier([1, 2], ci_method="wald")  # type: ignore[arg-type]


def test_median_confidence_interval_matches_r_survfit_on_lung() -> None:
    # R: print(survfit(Surv(time, status) ~ 1, data = lung)) -> median 310, 0.95LCL 285,
    # 0.95UCL 363; by sex: 270 (212, 310) and 426 (348, 550) (R's default conf.type = "log";
    # e.g. Zabor, "Survival Analysis in R" tutorial, and STHDA "Survival Analysis Basics").
    import pandas as pd

    lung = pd.read_csv(DATA / "lung.csv", comment="#")
    curve = kaplan_meier(lung["time"], lung["status"].astype(bool), ci_method="log")
    assert curve.median == 310
    assert curve.median_confidence_interval() == (285, 363)
    for sex, (median, low, high) in {1: (270, 212, 310), 2: (426, 348, 550)}.items():
        part = lung[lung["sex"] == sex]
        c = kaplan_meier(part["time"], part["status"].astype(bool), ci_method="log")
        assert (c.median, *c.median_confidence_interval()) == (median, low, high)
    # the log-log band gives a (slightly different) interval of its own, also containing 310
    low, high = kaplan_meier(lung["time"], lung["status"].astype(bool)).median_confidence_interval()
    assert low <= 310 <= high


def test_nelson_aalen_klein_moeschberger_6mp() -> None:
    # Klein & Moeschberger, "Survival Analysis" (2nd ed.), Table 4.2: Nelson-Aalen estimate for
    # the 6-MP group: 0.1428, 0.2017, 0.2683, 0.3517, 0.4426, 0.5854, 0.7521 at the death times.
    hazard = kaplan_meier(WEEKS, np.array(RELAPSED, dtype=bool)).nelson_aalen().set_index("time")
    published = {6: 0.1428, 7: 0.2017, 10: 0.2683, 13: 0.3517, 16: 0.4426, 22: 0.5854, 23: 0.7521}
    for time, value in published.items():
        assert hazard.loc[time, "cumulative_hazard"] == pytest.approx(value, abs=1.5e-4)
    # Aalen's variance: sum d / n^2
    assert hazard.loc[7, "std_error"] == pytest.approx(np.sqrt(3 / 21**2 + 1 / 17**2))
    assert (hazard["ci_lower"] <= hazard["cumulative_hazard"]).all()
    assert (hazard["cumulative_hazard"] <= hazard["ci_upper"]).all()
    with pytest.raises(ParameterError):
        kaplan_meier(WEEKS).nelson_aalen(confidence_level=2)


def test_survival_past_the_last_observation_is_nan_unless_the_curve_reached_zero() -> None:
    # issue 14: the last value used to be repeated forever. Kaplan-Meier says nothing past the
    # longest observed duration (R's summary.survfit(extend=FALSE) stops there too), except
    # that a curve at 0 stays 0.
    curve = kaplan_meier(WEEKS, np.array(RELAPSED, dtype=bool))  # longest duration: 35 weeks
    assert curve.survival_at(35) == pytest.approx(0.4482, abs=1e-4)
    assert np.isnan(curve.survival_at(35.5))
    np.testing.assert_array_equal(np.isnan(curve.survival_at([1, 35, 36, 100])), [0, 0, 1, 1])
    ended = kaplan_meier([1, 2, 3], [True, True, True])
    assert ended.survival_at(50) == 0.0
