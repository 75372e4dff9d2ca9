"""Small real instances of every funnel result, for the shared result contract."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from saasmetrics._results import ResultMixin
from saasmetrics.funnel import (
    ConversionPaths,
    FunnelResult,
    PathsResult,
    conversion_paths,
    funnel,
    paths,
)


def example_events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "b", "c"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 10:00",
                    "2024-01-01 10:05",
                    "2024-01-01 10:06",
                    "2024-01-02 09:00",
                    "2024-01-02 09:01",
                    "2024-01-03 12:00",
                ]
            ),
            "event": [
                "signup",
                "create_project",
                "subscribe",
                "signup",
                "create_project",
                "signup",
            ],
            "channel": ["Email", "Email", "Email", "Paid Social", "Paid Social", "Email"],
        }
    )


def example_funnel() -> FunnelResult:
    return funnel(example_events(), ["signup", "create_project", "subscribe"], breakdown="channel")


def example_paths() -> PathsResult:
    return paths(example_events(), start="signup", goal="subscribe")


def example_conversion_paths() -> ConversionPaths:
    return conversion_paths(example_events(), "subscribe")


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "saasmetrics.funnel.FunnelResult": example_funnel,
    "saasmetrics.funnel.PathsResult": example_paths,
    "saasmetrics.funnel.ConversionPaths": example_conversion_paths,
}
