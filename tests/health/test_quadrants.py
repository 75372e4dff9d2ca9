"""quadrants (health x temperature) and cs_composite (outcome x experience)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.exceptions import InputError, ParameterError
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
