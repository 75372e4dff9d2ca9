"""cumulative_incidence: Aalen-Johansen identities, exact ties, variance, groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics.exceptions import InputError
from saasmetrics.retention import (
    CumulativeIncidence,
    cumulative_incidence,
    kaplan_meier,
    logrank_test,
)


def test_without_censoring_incidence_is_the_empirical_share_and_variance_binomial() -> None:
    # Without censoring the Aalen-Johansen estimator is the share of customers who churned of
    # that cause by t, and the delta-method variance reduces to F (1 - F) / n.
    rng = np.random.default_rng(1)
    n = 60
    t = rng.integers(1, 15, n).astype(float)  # many ties, across causes too
    cause = rng.choice(["involuntary", "voluntary"], n)
    res = cumulative_incidence(t, cause)
    for row in res.to_frame().itertuples():
        share = ((t <= row.time) & (cause == row.cause)).sum() / n
        assert row.incidence == pytest.approx(share, abs=1e-12)
        assert row.std_error == pytest.approx(np.sqrt(share * (1 - share) / n), abs=1e-12)
        assert row.ci_lower <= row.incidence <= row.ci_upper


def test_single_cause_is_one_minus_kaplan_meier_and_causes_add_up() -> None:
    rng = np.random.default_rng(2)
    n = 80
    t = rng.integers(1, 20, n).astype(float)
    churned = rng.random(n) < 0.7
    one = cumulative_incidence(t, np.where(churned, "churn", None))
    km = kaplan_meier(t, churned).to_frame().set_index("time")["survival"]
    frame = one.to_frame().set_index("time")
    np.testing.assert_allclose(frame["incidence"], 1 - km.loc[frame.index], atol=1e-12)
    cause = np.where(churned, rng.choice(["a", "b", "c"], n), None)
    res = cumulative_incidence(t, cause)
    total = res.to_frame().groupby("time")["incidence"].sum()
    np.testing.assert_allclose(total, 1 - km.loc[total.index], atol=1e-12)
    # each cause's incidence is below 1 - KM that censors the other causes (which overstates)
    for c in ("a", "b", "c"):
        naive = 1 - kaplan_meier(t, cause == c).survival_at(t.max())
        assert res.incidence_at(t.max())[c] <= naive + 1e-12


def test_ties_across_causes_are_exact_not_jittered() -> None:
    # two churns of different causes at t = 2 share the risk set of 4
    res = cumulative_incidence([1, 2, 2, 3, 4], ["a", "a", "b", None, "b"])
    at2 = res.incidence_at(2)
    assert at2["a"] == pytest.approx(1 / 5 + 4 / 5 * 1 / 4)
    assert at2["b"] == pytest.approx(4 / 5 * 1 / 4)
    # order of the tied rows does not matter
    again = cumulative_incidence([2, 2, 1, 3, 4], ["b", "a", "a", None, "b"])
    pd.testing.assert_frame_equal(res.to_frame(), again.to_frame())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 9), st.sampled_from(["x", "y", None]), st.integers(1, 3)),
        min_size=2,
        max_size=30,
    )
)
def test_weights_equal_repeated_rows(rows: list[tuple[int, str | None, int]]) -> None:
    if all(c is None for _, c, _ in rows):
        rows = [*rows, (1, "x", 1)]
    t = np.array([r[0] for r in rows], dtype=float)
    c = np.array([r[1] for r in rows], dtype=object)
    w = np.array([r[2] for r in rows])
    a = cumulative_incidence(t, c, weights=w.astype(float)).to_frame()
    b = cumulative_incidence(np.repeat(t, w), np.repeat(c, w)).to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-10, atol=1e-12)
    assert ((a["incidence"] >= 0) & (a["incidence"] <= 1)).all()


def test_groups_get_cause_specific_logrank_tests() -> None:
    rng = np.random.default_rng(3)
    n = 200
    plan = rng.choice(["pro", "starter"], n)
    t = rng.exponential(np.where(plan == "pro", 20, 10)).round(1) + 0.1
    cause = np.where(rng.random(n) < 0.8, rng.choice(["card", "choice"], n), None)
    res = cumulative_incidence(t, cause, plan)
    assert isinstance(res, CumulativeIncidence)
    assert set(res.to_frame()["group"]) == {"pro", "starter"}
    tests = res.tests.set_index("cause")
    expected = logrank_test(t, cause == "card", plan)
    assert tests.loc["card", "statistic"] == pytest.approx(expected.statistic)
    assert tests.loc["card", "degrees_of_freedom"] == 1


def test_bad_input() -> None:
    with pytest.raises(InputError, match="every event_type is censored"):
        cumulative_incidence([1, 2], [None, None])
    with pytest.raises(InputError, match="non-positive"):
        cumulative_incidence([0, 2], ["a", "b"])
    with pytest.raises(InputError, match="event_type has 1 values"):
        cumulative_incidence([1, 2], ["a"])
    res = cumulative_incidence([1, 2, 3], ["a", 0, "b"], censored=0)
    assert res.causes == ("a", "b")
