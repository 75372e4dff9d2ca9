"""Small real instances of every attribution result, for the shared result contract."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from saasmetrics._results import ResultMixin
from saasmetrics.attribution import (
    AttributionResult,
    ChannelReport,
    Journeys,
    MarkovModel,
    ModelComparison,
    ShapleyModel,
    attribute,
    channel_report,
    compare_models,
)


def example_journeys() -> Journeys:
    paths = pd.DataFrame(
        {
            "path": ["a > b", "b", "a > c > b"],
            "conversions": [2, 1, 1],
            "nulls": [1, 3, 0],
            "value": [20.0, 5.5, 9.0],
        }
    )
    return Journeys.from_paths(paths, value_col="value")


def example_markov() -> AttributionResult:
    return attribute(example_journeys(), MarkovModel())


def example_shapley() -> AttributionResult:
    return attribute(example_journeys(), ShapleyModel(ordered=True))


def example_comparison() -> ModelComparison:
    return compare_models(example_journeys())


def example_report() -> ChannelReport:
    sessions = pd.DataFrame(
        {
            "user_id": ["u", "v"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "channel": ["Email", "Paid Search"],
            "pageviews": [2, 1],
            "duration_s": [30, 0],
        }
    )
    convs = pd.DataFrame(
        {"user_id": ["u"], "timestamp": pd.to_datetime(["2024-01-03"]), "value": [99.0]}
    )
    return channel_report(sessions, convs)


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "saasmetrics.attribution.Journeys": example_journeys,
    "saasmetrics.attribution.AttributionResult": example_markov,
    "saasmetrics.attribution.ModelComparison": example_comparison,
    "saasmetrics.attribution.ChannelReport": example_report,
}
