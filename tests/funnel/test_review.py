"""Second-pair-of-eyes review cases: inputs real analysts have that the first tests missed."""

from __future__ import annotations

import pandas as pd
import pytest

from saasmetrics.exceptions import ParameterError
from saasmetrics.funnel import funnel


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "b", "c"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-01", "2024-01-20", "2024-01-05"]
            ),
            "event": ["signup", "create", "subscribe", "signup", "create", "signup"],
        }
    )


@pytest.mark.parametrize("order", ["ordered", "strict", "unordered"])
@pytest.mark.parametrize("window", ["100000D", pd.Timedelta.max])
def test_a_huge_window_counts_everything_instead_of_overflowing(order: str, window: object) -> None:
    # start + window used to wrap around int64 (2024 + 100,000 days > year 2262): nobody converted
    result = funnel(_events(), ["signup", "create", "subscribe"], window=window, order=order)
    assert result.counts == [3, 2, 1]


def test_a_huge_window_with_exclusions() -> None:
    events = pd.concat(
        [
            _events(),
            pd.DataFrame(
                {"user_id": ["b"], "timestamp": [pd.Timestamp("2024-01-10")], "event": ["cancel"]}
            ),
        ],
        ignore_index=True,
    )
    result = funnel(
        events, ["signup", "create", "subscribe"], window="100000D", exclusions=[("cancel", 0, 1)]
    )
    assert result.counts == [2, 1, 1]


def test_integer_event_codes_are_found() -> None:
    # the event log keeps non-text event names as text; steps given as the same ints must match
    events = _events().assign(event=[10, 20, 30, 10, 20, 10])
    assert funnel(events, [10, 20, 30]).counts == [3, 1, 1]
    assert funnel(events, [10, 20], exclusions=[(30, 0, 1)]).counts == [3, 1]
    from saasmetrics.funnel import conversion_paths, paths

    assert paths(events, start=10, session_gap="2D").to_frame()["sessions"].sum() == 3
    assert conversion_paths(events, 30, session_gap="2D").to_frame()["conversions"].sum() == 1


@pytest.mark.parametrize("name", ["step", "level", "user", "users", "at_0", "median"])
def test_a_breakdown_named_like_an_output_column_is_a_clear_error(name: str) -> None:
    events = _events().assign(**{name: list("xxyxyx")})
    with pytest.raises(ParameterError, match="collide"):
        funnel(events, ["signup", "create"], breakdown=name)


@pytest.mark.parametrize("role", ["user_id", "timestamp", "event"])
@pytest.mark.parametrize("option", ["breakdown", "hold_constant"])
def test_a_role_column_is_not_a_property(role: str, option: str) -> None:
    with pytest.raises(ParameterError, match="not a property"):
        funnel(_events(), ["signup", "create"], **{option: role})  # type: ignore[arg-type]


@pytest.mark.parametrize("option", ["breakdown", "hold_constant"])
def test_a_property_given_as_a_list_is_a_clear_error(option: str) -> None:
    events = _events().assign(ch="x")
    with pytest.raises(ParameterError, match="one property column"):
        funnel(events, ["signup", "create"], **{option: ["ch"]})  # type: ignore[arg-type]
