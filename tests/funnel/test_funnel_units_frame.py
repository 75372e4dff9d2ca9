"""The funnel's units frame owns its step-time columns: changing it changes no partial."""

from __future__ import annotations

import pandas as pd

from saasmetrics.funnel import funnel
from saasmetrics.scale import analysis


def test_editing_a_results_units_leaves_the_partial_and_a_second_finalize_alone() -> None:
    events = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3],
            "event": ["a", "b", "a", "b", "a"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03", "2024-01-05"]
            ),
        }
    )
    plan = analysis(funnel, steps=["a", "b"], window="7D")
    chunk = plan.prepare(events)
    context = plan.context(chunk)
    part = plan.partial(chunk, context)
    first = plan.finalize(part, context)
    expected = first.units.copy()
    step_column = [c for c in first.units.columns if c.startswith("at_")][-1]
    first.units.loc[0, step_column] = pd.Timestamp("2030-01-01")  # a user edits the result
    again = plan.finalize(part, context)
    pd.testing.assert_frame_equal(again.units, expected)
