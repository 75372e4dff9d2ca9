"""Review findings: each test failed before its fix."""

from __future__ import annotations

import datetime
import inspect
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics import retention
from saasmetrics.exceptions import (
    ConvergenceWarning,
    DataQualityWarning,
    EmptyDataError,
    InputError,
    ParameterError,
    SaasMetricsWarning,
)
from saasmetrics.retention import (
    ShiftedBetaGeometricModel,
    cohort_table,
    kaplan_meier,
    lifecycle_stages,
    magic_number_search,
)
from saasmetrics.retention._stages import _pava, decreasing_fit


def test_docstrings_have_no_control_characters() -> None:
    # a non-raw docstring once turned "\text" / "\frac" into a tab and a form feed
    for name in retention.__all__:
        obj = getattr(retention, name)
        doc = inspect.getdoc(obj) or ""
        assert not re.search(r"[\x00-\x08\x0b-\x1f]", doc.replace("\t", "\x01")), name


def _signups(n: int = 40) -> pd.DataFrame:
    t0 = pd.Timestamp("2024-01-01")
    rows = []
    for u in range(n):
        start = t0 + pd.Timedelta(hours=u)
        rows.append((u, start, "signup"))
        rows += [(u, start + pd.Timedelta(hours=1 + k), "invite") for k in range(u % 3)]
        if u % 3 == 2:
            rows.append((u, start + pd.Timedelta(days=9), "login"))
    rows.append((0, t0 + pd.Timedelta(days=30), "login"))
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])


def test_magic_retained_window_as_a_list() -> None:
    # a list has no user ids: it can only be the (start, end) window, as a tuple would be
    events = _signups()
    as_tuple = magic_number_search(events, signup_event="signup", retained=("7D", "14D"))
    as_list = magic_number_search(events, signup_event="signup", retained=["7D", "14D"])
    pd.testing.assert_frame_equal(as_list.to_frame(), as_tuple.to_frame())
    with pytest.raises(ParameterError, match="pair"):
        magic_number_search(events, signup_event="signup", retained=["7D", "14D", "21D"])


def test_magic_warns_when_everyone_or_nobody_is_retained() -> None:
    events = _signups()
    users = events["user_id"].unique()
    for flag, word in ((True, "Every"), (False, "No")):
        retained = pd.Series(flag, index=users)
        with pytest.warns(SaasMetricsWarning, match=f"{word} analysed user is retained"):
            result = magic_number_search(events, signup_event="signup", retained=retained)
        assert result.to_frame()["phi"].isna().all()


def test_kaplan_meier_non_numbers_are_input_errors() -> None:
    with pytest.raises(InputError, match="durations must be numbers"):
        kaplan_meier(["a", "b"])
    with pytest.raises(InputError, match="weights must be numbers"):
        kaplan_meier([1, 2], weights=["x", "y"])
    with pytest.raises(InputError, match="durations must be numbers"):
        kaplan_meier(pd.Series(pd.to_timedelta([1, 2], unit="D")))


def test_cohort_table_accepts_numpy_integer_max_periods() -> None:
    events = _signups()
    table = cohort_table(events, freq="D", max_periods=np.int64(3))
    assert list(table.rates.columns) == [0, 1, 2]
    with pytest.raises(ParameterError, match="max_periods"):
        cohort_table(events, freq="D", max_periods=True)


def test_lifecycle_stages_of_something_else_is_an_input_error() -> None:
    model = ShiftedBetaGeometricModel().fit([1000, 869, 743, 653, 593, 551, 517, 491])
    with pytest.raises(InputError, match="needs a retention curve"):
        lifecycle_stages(model)


def test_cohort_table_missing_values_are_not_silently_zero() -> None:
    events = pd.DataFrame(
        {
            "user_id": ["a", "a", "b"],
            "event": "pay",
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02"]),
            "amount": [10.0, np.nan, 5.0],
        }
    )
    with pytest.raises(InputError, match="amount"):
        cohort_table(events, value_col="amount", as_of="2024-01-15")
    with pytest.raises(InputError, match="amount"):
        cohort_table(events.assign(amount=[10.0, np.inf, 5.0]), value_col="amount")
    with pytest.warns(DataQualityWarning, match="Left 1 of 3"):
        table = cohort_table(events, value_col="amount", as_of="2024-01-15", on_invalid="drop")
    assert table.counts.iloc[0].tolist() == [15.0, 0.0]
    assert table.n_users == 2  # the row still counts as activity
    assert events["amount"].isna().sum() == 1  # input untouched


def test_magic_refuses_bare_numbers_as_durations() -> None:
    # pd.Timedelta(7) is 7 nanoseconds: a silent empty search before
    events = _signups()
    with pytest.raises(ParameterError, match="window=7 is a number"):
        magic_number_search(events, signup_event="signup", window=7)
    with pytest.raises(ParameterError, match="retained end=14 is a number"):
        magic_number_search(events, signup_event="signup", retained=("7D", 14))
    result = magic_number_search(
        events,
        signup_event="signup",
        window=datetime.timedelta(days=7),
        retained=(pd.Timedelta(days=7), datetime.timedelta(days=14)),
    )
    assert result.best["event"] == "invite"


def test_integer_event_names_are_found() -> None:
    # EventLog stores non-string event names as text; asking for 0 used to be "Unknown event 0"
    codes = {"signup": 0, "invite": 1, "login": 2}
    events = _signups().assign(event=lambda f: f["event"].map(codes))
    result = magic_number_search(events, signup_event=0, candidates=[1])
    assert result.best["event"] == "1"
    assert cohort_table(events, freq="D", cohort_event=0).n_users == 40


def test_kaplan_meier_with_zero_total_weight_is_empty() -> None:
    # was a curve of at_risk 0 and survival 1 everywhere
    with pytest.raises(EmptyDataError, match="weights sum to 0"):
        kaplan_meier([1, 2, 3], weights=[0, 0, 0])


def test_sbg_refuses_a_gap_inside_a_cohort() -> None:
    # the NaN was dropped and later survivors slid one period earlier
    frame = pd.DataFrame([[1000.0, np.nan, 743.0, 653.0], [1000.0, 869.0, np.nan, np.nan]])
    with pytest.raises(InputError, match="gap"):
        ShiftedBetaGeometricModel().fit(frame)
    trailing = pd.DataFrame([[1000.0, 869.0, 743.0, 653.0], [1000.0, 869.0, np.nan, np.nan]])
    assert ShiftedBetaGeometricModel().fit(trailing).n_customers_ == 2000


def test_sbg_degenerate_fit_warns_cleanly() -> None:
    # everyone churns at once: was a ConvergenceError after NaN likelihoods and two stray
    # RuntimeWarnings (errors under filterwarnings=error); now the degenerate fit, with the
    # model's own warning
    with pytest.warns(ConvergenceWarning, match="extreme parameters"):
        model = ShiftedBetaGeometricModel().fit([100, 0, 0])
    assert model.predict_survival(1) == pytest.approx(0.0, abs=1e-9)


@given(
    st.lists(st.floats(0.0, 2.0), min_size=1, max_size=25),
    st.lists(st.floats(0.1, 10), min_size=25, max_size=25),
)
def test_python_pava_fallback_equals_scipy(values: list[float], weights: list[float]) -> None:
    y = np.array(values)
    w = np.array(weights[: y.size])
    np.testing.assert_allclose(_pava(y, w), decreasing_fit(y, w), rtol=1e-9, atol=1e-12)


def test_stages_of_a_continuous_time_kaplan_meier_curve() -> None:
    # A mixture: 30 % leave at rate 1, 70 % at rate 0.1 per unit time; 20 % censored at random.
    # Hazards of intervals between close event times are 1 / dt-noisy: weighting them by the
    # number at risk alone (not by exposure) put the plateau churn near 0.5 instead of ~0.1.
    rng = np.random.default_rng(0)
    n = 20_000
    durations = rng.exponential(np.where(rng.random(n) < 0.3, 1.0, 10.0))
    stages = lifecycle_stages(kaplan_meier(durations, rng.random(n) < 0.8))
    assert 0.05 < stages.plateau_churn < 0.12
    assert 1.0 < stages.stable_start < 4.0


def test_survival_at_nan_is_nan() -> None:
    # was 0.0: searchsorted puts NaN after every time
    curve = kaplan_meier([1, 2, 3])
    assert np.isnan(curve.survival_at(np.nan))
    np.testing.assert_array_equal(curve.survival_at([np.nan, 0.5, 3]), [np.nan, 1.0, 0.0])


def test_missing_observed_flags_are_input_errors() -> None:
    # a nullable boolean with NA was a bare TypeError; a NaN flag was read as "churned" by sBG
    with_na = pd.array([True, None, False], dtype="boolean")
    with pytest.raises(InputError, match="missing"):
        kaplan_meier([1, 2, 3], with_na)
    with pytest.raises(InputError, match="missing"):
        ShiftedBetaGeometricModel().fit([1, 2, 3, 4], observed=[1.0, np.nan, 0.0, 1.0])
    flags = pd.Series([True, False, True], dtype="category")
    assert kaplan_meier([1, 2, 3], flags).to_frame()["events"].sum() == 2
    assert kaplan_meier([1, 2, 3], pd.array([True, False, True], dtype="boolean")).median == 3


def test_pairs_over_candidates_ignore_other_events() -> None:
    # pairs are counted on a candidates-only grid: other event types must not change a number
    events = _signups()
    noise = events.sample(frac=0.5, random_state=1).assign(event="noise")
    extra = pd.concat([events, noise], ignore_index=True)
    kwargs = {"signup_event": "signup", "combinations": 2, "min_support": 0.0}
    only = magic_number_search(events, candidates=["invite", "login"], **kwargs).to_frame()
    more = magic_number_search(extra, candidates=["invite", "login"], **kwargs).to_frame()
    pd.testing.assert_frame_equal(only, more)
    assert (more["event_2"].dropna() == "login").all()
