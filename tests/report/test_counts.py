"""Counts are integers in results: people, sessions, subjects and conversions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from saasmetrics._results import as_count, as_counts
from saasmetrics.attribution import FirstTouch, Journeys, attribute
from saasmetrics.retention import kaplan_meier


def test_kaplan_meier_counts_are_integers() -> None:
    curve = kaplan_meier([2, 3, 3, 5], [True, True, False, True])
    frame = curve.to_frame()
    for column in ("at_risk", "events", "censored"):
        assert frame[column].dtype == np.int64, column
    assert repr(curve) == "SurvivalCurve(subjects=4, events=3, median=3.0)"
    # weighted subjects are weighted sums: they stay floats
    weighted = kaplan_meier([2, 3], [True, True], weights=[0.5, 1.0]).to_frame()
    assert weighted["at_risk"].dtype == np.float64


def test_journey_and_attribution_counts_are_integers() -> None:
    paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [2.0, 1.0], "nulls": [1, 2]})
    journeys = Journeys.from_paths(paths)
    assert "conversions=3," in repr(journeys)
    assert "nulls=3" in repr(journeys)
    frame = journeys.to_frame()
    assert frame["conversions"].dtype == np.int64
    assert frame["nulls"].dtype == np.int64
    assert "conversions=3," in repr(attribute(journeys, FirstTouch()))


def test_fractional_credit_stays_fractional() -> None:
    assert as_count(2.5) == 2.5
    assert isinstance(as_count(657.0), int)
    assert as_counts(np.array([0.5, 1.0])).dtype == np.float64
    assert as_counts(np.array([np.nan, 1.0])).dtype == np.float64
