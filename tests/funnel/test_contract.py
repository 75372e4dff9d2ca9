"""The shared result contract (tests/contract/test_results.py) applied to the funnel results.

The shared file needs one registered example per result type; until the funnel examples are
added there (see the report), this module runs the same checks on them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import matplotlib as mpl
import pandas as pd
import pytest

from saasmetrics._results import ResultMixin, load_result
from saasmetrics.funnel import conversion_paths, funnel, paths

mpl.use("Agg")


def _events() -> pd.DataFrame:
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


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "saasmetrics.funnel.FunnelResult": lambda: funnel(
        _events(), ["signup", "create_project", "subscribe"], breakdown="channel"
    ),
    "saasmetrics.funnel.PathsResult": lambda: paths(_events(), start="signup"),
    "saasmetrics.funnel.ConversionPaths": lambda: conversion_paths(_events(), "subscribe"),
}


def _frames_equal(a: object, b: object) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_freq=False, check_index_type=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("schema", sorted(EXAMPLES))
def test_result_contract(schema: str) -> None:
    import matplotlib.pyplot as plt

    result = EXAMPLES[schema]()
    assert type(result).schema_name() == schema
    text = repr(result)
    assert "\n" not in text
    assert text.startswith(type(result).__name__)
    assert "<table" in result._repr_html_()
    frame = result.to_frame()
    # mutate the copy in place (same dtypes; the shared test's `= None` fails on int columns)
    for i in range(frame.shape[1]):
        frame.iloc[:, i] = frame.iloc[::-1, i].to_numpy()
    _frames_equal(result.to_frame(), EXAMPLES[schema]().to_frame())
    payload = json.dumps(result.to_dict(), allow_nan=False)
    again = load_result(payload)
    assert type(again) is type(result)
    assert json.loads(again.to_json()) == json.loads(payload)
    _frames_equal(again.to_frame(), result.to_frame())
    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax
    finally:
        plt.close(fig)
