"""Second-pair-of-eyes review cases: inputs real analysts have that the first tests missed."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from saasmetrics.exceptions import DataQualityWarning, ParameterError
from saasmetrics.funnel import FunnelResult, Step, funnel


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


def _time_to_convert_oracle(result: FunnelResult, *, from_start: bool) -> pd.DataFrame:
    """Per breakdown value, per step: the durations of the units that reached it, in pandas."""
    rows = []
    units, name = result.units, result.breakdown
    values = [None] if name is None else list(result.to_frame()[name].drop_duplicates())
    for value in values:
        if name is None:
            group = units
        elif value is None:
            group = units[units[name].isna()]
        else:
            group = units[units[name] == value]
        for k in range(1, len(result.steps)):
            reached = group[group["level"] > k]
            d = reached[f"at_{k}"] - reached["at_0" if from_start else f"at_{k - 1}"]
            row = {} if name is None else {name: value}
            row |= {"step": result.steps[k], "users": len(d), "mean": d.mean()}
            for label, q in (("median", 0.5), ("p25", 0.25), ("p75", 0.75), ("p90", 0.9)):
                row[label] = d.quantile(q) if len(d) else pd.NaT
            rows.append(row)
    frame = pd.DataFrame(rows)
    for col in ("mean", "median", "p25", "p75", "p90"):
        frame[col] = pd.to_timedelta(frame[col]).dt.round("s")
    return frame


@pytest.mark.parametrize("breakdown", [None, "ch"])
@pytest.mark.parametrize("from_start", [False, True])
@pytest.mark.parametrize("order", ["ordered", "unordered"])
def test_time_to_convert_matches_a_per_group_oracle(
    breakdown: str | None, from_start: bool, order: str
) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    events = pd.DataFrame(
        {
            "user_id": rng.integers(0, 400, n),
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s"),
            "event": rng.choice(["a", "b", "c"], n),
            "ch": rng.choice(np.array(["x", "y", "z", "w", None], dtype=object), n),
        }
    )
    result = funnel(events, ["a", "b", "c"], window="10D", breakdown=breakdown, order=order)
    got = result.time_to_convert(from_start=from_start)
    want = _time_to_convert_oracle(result, from_start=from_start)
    assert got["users"].sum() > 0
    cols = ["step", "users", "mean", "median", "p25", "p75", "p90"]
    for col in cols:
        left, right = got[col].tolist(), want[col].tolist()
        if col in ("mean", "median", "p25", "p75", "p90"):
            # both round to the second; float and Timedelta arithmetic may differ by a tie
            diff = (got[col] - want[col]).abs().fillna(pd.Timedelta(0))
            assert (diff <= pd.Timedelta("1s")).all(), col
            assert got[col].isna().tolist() == want[col].isna().tolist()
        else:
            assert left == right, col
    if breakdown is not None:

        def plain(values: pd.Series) -> list[object]:
            return [None if pd.isna(v) else v for v in values]

        assert plain(got[breakdown]) == plain(want[breakdown])
        # the missing value reads as in to_frame(): None
        assert plain(got[breakdown]) == got[breakdown].tolist()


def test_time_to_convert_with_a_breakdown_and_nobody_entering() -> None:
    # step 1 never occurs: no units, no breakdown values; used to raise KeyError('mean')
    events = _events().assign(ch="x")
    with pytest.warns(DataQualityWarning):
        result = funnel(events, ["nope", "signup"], breakdown="ch")
    frame = result.time_to_convert()
    assert len(frame) == 0
    assert list(frame.columns) == ["ch", "step", "users", "mean", "median", "p25", "p75", "p90"]


def test_missing_step_and_exclusion_warnings_point_at_the_caller() -> None:
    with pytest.warns(DataQualityWarning, match="counts 0 users") as caught:
        funnel(_events(), ["signup", "nope"])
    assert caught[0].filename == __file__
    with pytest.warns(
        DataQualityWarning, match="exclusion 'zzz' never occurs.*removes nothing"
    ) as caught:
        funnel(_events(), ["signup", "create"], exclusions=[("zzz", 0, 1)])
    assert caught[0].filename == __file__


def test_a_step_whose_conditions_match_no_event_warns() -> None:
    # "a step that never occurs (a warning, a zero row)": a filter on the wrong value (here
    # text against an integer column) never occurs either, and used to count 0 in silence
    events = _events().assign(plan=[1, 1, 2, 1, 1, 1])
    with pytest.warns(DataQualityWarning, match="no 'create' event meets its conditions") as w:
        result = funnel(events, ["signup", Step("create", where={"plan": "1"})])
    assert w[0].filename == __file__
    assert result.counts == [3, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert funnel(events, ["signup", Step("create", where={"plan": 1})]).counts == [3, 1]


def test_hold_constant_warns_about_entrants_without_a_value() -> None:
    # b's signup has no plan: with hold_constant it opens no attempt and b leaves the funnel;
    # the issue forbids silent drops, so say so
    events = _events().assign(plan=["p", "p", "p", None, "q", "q"])
    with pytest.warns(DataQualityWarning, match="1 of 3 'signup' events have no 'plan'") as w:
        result = funnel(events, ["signup", "create"], hold_constant="plan")
    assert w[0].filename == __file__
    assert result.counts == [2, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        funnel(events.fillna({"plan": "q"}), ["signup", "create"], hold_constant="plan")


@pytest.mark.parametrize("order", ["unordered", "first_then_any"])
def test_unordered_overlapping_steps_stop_when_nobody_is_left(order: str) -> None:
    # overlapping any-order steps check subsets of the steps (Hall's condition): first_then_any
    # checks 2**k subsets at step k, which must stop once no attempt is alive (22 steps took
    # minutes); unordered checks sets of step combinations instead (here 2 of them)
    import time

    events = _events()
    steps: list[Any] = ["signup", "create"]
    steps += [Step("create", where={"p": "x"}) if i % 2 else "create" for i in range(20)]
    events = events.assign(p="y")
    start = time.perf_counter()
    with pytest.warns(DataQualityWarning):
        result = funnel(events, steps, order=order, window="30D")
    assert result.counts[:3] == [3, 2, 0]
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("bins", [0, -3, 2.5, "auto", True])
def test_bad_histogram_bins_are_a_clear_error(bins: Any) -> None:
    result = funnel(_events(), ["signup", "create"])
    with pytest.raises(ParameterError, match="bins must be a positive integer"):
        result.time_histogram(bins=bins)
    with pytest.raises(ParameterError, match="bins must be a positive integer"):
        result.plot_time_to_convert(bins=bins)


def test_a_bad_breakdown_attribution_is_an_error_even_without_a_breakdown() -> None:
    with pytest.raises(ParameterError, match="breakdown_attribution"):
        funnel(_events(), ["signup", "create"], breakdown_attribution="first")


@pytest.mark.parametrize("order", ["ordered", "strict", "unordered"])
def test_all_events_at_one_instant_still_convert(order: str) -> None:
    # the window is capped at the data's time span, which is 0 here: t <= start + 0 must hold
    events = pd.DataFrame(
        {
            "user_id": ["a"] * 3,
            "timestamp": pd.to_datetime(["2024-01-01"] * 3),
            "event": ["signup", "create", "subscribe"],
        }
    )
    assert funnel(events, ["signup", "create", "subscribe"], order=order).counts == [1, 1, 1]


def test_unordered_refuses_more_overlapping_step_combinations_than_it_can_check() -> None:
    # 17 steps on one event, each with its own condition: 2**17 combinations of them
    n = 17
    events = pd.DataFrame(
        {
            "user_id": ["u"] * n,
            "timestamp": pd.date_range("2024-01-01", periods=n, freq="h"),
            "event": ["e"] * n,
            "p": [f"v{i}" for i in range(n)],
        }
    )
    steps = [Step("e", where={"p": [f"v{i}", f"v{(i + 1) % n}"]}) for i in range(n)]
    with pytest.raises(ParameterError, match="overlap"):
        funnel(events, steps, order="unordered")
