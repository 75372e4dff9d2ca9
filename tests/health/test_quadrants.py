"""quadrants (health x temperature) and cs_composite (outcome x experience)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.exceptions import DataQualityWarning, InputError, ParameterError, SchemaError
from saasmetrics.health import (
    CS_PLAYS,
    HEALTH_TEMPERATURE_PLAYS,
    HealthConfig,
    HealthMeasure,
    HealthScoreModel,
    cs_composite,
    quadrants,
)


def test_cuts_are_inclusive_and_named() -> None:
    health = pd.Series([50.0, 49.9, 50.0, 49.9], index=list("abcd"))
    temp = pd.Series([0.5, 0.5, 0.49, 0.49], index=list("abcd"))
    q = quadrants(health, temp, health_cut=50, temperature_cut=0.5)
    assert q.to_frame()["segment"].tolist() == [
        "champions",
        "eager_struggling",
        "happy_not_buying",
        "at_risk",
    ]
    # the brief's plays: low health / high temperature -> train; high / low -> find out why
    assert "Train them to use it" in q.counts().loc["eager_struggling", "play"]
    assert "why they do not buy" in q.counts().loc["happy_not_buying", "play"]


def test_health_scores_and_series_align_on_accounts() -> None:
    acc = pd.DataFrame({"x": [1.0, 5.0, 9.0]}, index=pd.Index(["a", "b", "c"], name="account_id"))
    scores = (
        HealthScoreModel(HealthConfig(measures=[HealthMeasure(column="x")])).fit(acc).score(acc)
    )
    temp = pd.Series([0.1, 0.9, 0.5, 0.7], index=["c", "b", "a", "zzz"])  # other order, extra
    with pytest.warns(DataQualityWarning, match="dropped 0 found only in health and 1 found"):
        q = quadrants(scores, temp)
    frame = q.to_frame()
    assert frame.index.tolist() == ["a", "b", "c"]
    assert frame.loc["c", "temperature"] == 0.1
    assert q.y_cut == 0.5  # the median temperature of the aligned accounts


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 1)), min_size=1, max_size=40))
def test_every_account_gets_exactly_one_segment(rows: list[tuple[float, float]]) -> None:
    h = pd.Series([r[0] for r in rows])
    t = pd.Series([r[1] for r in rows])
    q = quadrants(h, t, temperature_cut=0.5)
    counts = q.counts()
    assert counts["accounts"].sum() == len(rows)
    assert counts["share"].sum() == pytest.approx(1.0)
    frame = q.to_frame()
    high_h, high_t = frame["health"] >= 50, frame["temperature"] >= 0.5
    assert ((frame["segment"] == "champions") == (high_h & high_t)).all()
    assert ((frame["segment"] == "at_risk") == (~high_h & ~high_t)).all()
    assert set(frame["play"]) <= set(HEALTH_TEMPERATURE_PLAYS.values())


def test_cs_composite_is_80_20_by_default() -> None:
    co = pd.Series([100.0, 0.0, 60.0])
    cx = pd.Series([0.0, 100.0, 40.0])
    q = cs_composite(co, cx)
    np.testing.assert_allclose(q.to_frame()["composite"], [80, 20, 56])
    assert q.to_frame()["segment"].tolist() == [
        "successful_but_frustrated",
        "happy_but_unsuccessful",
        "successful_but_frustrated",
    ]
    assert set(q.plays) == set(CS_PLAYS)
    even = cs_composite(co, cx, weights=(1, 1))
    np.testing.assert_allclose(even.to_frame()["composite"], [50, 50, 50])


def test_bad_input() -> None:
    with pytest.raises(InputError, match="missing values"):
        quadrants(pd.Series([1.0, np.nan]), pd.Series([1.0, 2.0]))
    with pytest.raises(InputError, match="share no index"):
        quadrants(pd.Series([1.0], index=["a"]), pd.Series([1.0], index=["b"]))
    with pytest.raises(ParameterError, match="weights"):
        cs_composite(pd.Series([1.0]), pd.Series([1.0]), weights=(0, 0))
    with pytest.raises(InputError, match="DataFrame"):
        quadrants(pd.DataFrame({"a": [1]}), pd.Series([1.0]))


def test_accounts_in_one_input_only_are_never_dropped_silently() -> None:
    # review: a partial overlap used to drop accounts without a word
    health = pd.Series([80.0, 30.0, 90.0], index=["a", "b", "c"])
    temp = pd.Series([0.9, 0.8], index=["a", "b"])
    with pytest.warns(DataQualityWarning, match="dropped 1 found only in health and 0"):
        q = quadrants(health, temp, temperature_cut=0.5)
    assert q.to_frame().index.tolist() == ["a", "b"]


def test_an_array_takes_the_other_inputs_index() -> None:
    # review: a Series of health plus an array of temperatures used to fail ("share no index")
    health = pd.Series([80.0, 30.0, 90.0, 20.0], index=["a", "b", "c", "d"])
    q = quadrants(health, np.array([0.9, 0.8, 0.1, 0.2]), temperature_cut=0.5)
    frame = q.to_frame()
    assert frame.index.tolist() == ["a", "b", "c", "d"]
    assert frame["segment"].tolist() == [
        "champions",
        "eager_struggling",
        "happy_not_buying",
        "at_risk",
    ]
    q2 = quadrants([80.0, 30.0], pd.Series([0.9, 0.1], index=["x", "y"]), temperature_cut=0.5)
    assert q2.to_frame().index.tolist() == ["x", "y"]


def test_unequal_lengths_and_bad_types_are_clear_errors() -> None:
    # review: arrays of unequal length were silently cut to the shorter one
    with pytest.raises(InputError, match="health has 3 values but temperature has 2"):
        quadrants([1.0, 2.0, 3.0], [0.1, 0.2])
    # review: text raised a bare ValueError, a short weights tuple a bare ValueError
    with pytest.raises(SchemaError, match="health must be numeric"):
        quadrants(pd.Series(["high", "low"]), [0.1, 0.2])
    with pytest.raises(ParameterError, match="two numbers"):
        cs_composite([1.0], [1.0], weights=(1.0,))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="infinities"):
        quadrants([1.0, np.inf], [0.1, 0.2])
    # nullable integers with NA are missing values, not a crash
    with pytest.raises(InputError, match="missing"):
        quadrants(pd.Series([10, None], dtype="Int64"), [0.1, 0.2])
