"""funnel(): published cases (PostHog, ClickHouse windowFunnel), properties, contract, errors."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics import EventLog
from saasmetrics._results import load_result
from saasmetrics.exceptions import (
    DataQualityWarning,
    InputError,
    MissingColumnError,
    ParameterError,
    SmallSampleWarning,
)
from saasmetrics.funnel import FunnelResult, Step, funnel


def _events(spec: dict[str, list[tuple[str, str]]]) -> pd.DataFrame:
    """{user: [(timestamp, event), ...]} -> events frame."""
    rows = [
        {"user_id": user, "timestamp": pd.Timestamp(ts), "event": event}
        for user, items in spec.items()
        for ts, event in items
    ]
    return pd.DataFrame(rows)


def _sequence(spec: dict[str, list[str]], *, same_time: bool = False) -> pd.DataFrame:
    """{user: [event, ...]} -> events one minute apart (or all at the same instant)."""
    t0 = pd.Timestamp("2021-05-01")
    return _events(
        {
            user: [
                (str(t0 + pd.Timedelta(minutes=0 if same_time else i)), e)
                for i, e in enumerate(evs)
            ]
            for user, evs in spec.items()
        }
    )


# --------------------------------------------------------------------------- published cases
def test_posthog_exclusion_no_end_event() -> None:
    # PostHog, posthog/queries/funnels/test/test_funnel.py::test_funnel_exclusion_no_end_event:
    # window 1 day, exclusion x between steps 0 and 1 (0-based, as ours). person3 is removed
    # "even if nothing happened after x, since within conversion window"; person4's x is
    # outside the window. Expected counts 2 and 1; step 1 = {person1, person4}.
    events = _events(
        {
            "person1": [("2021-05-01 01:00", "user signed up"), ("2021-05-01 02:00", "paid")],
            "person2": [
                ("2021-05-01 03:00", "user signed up"),
                ("2021-05-01 03:30", "x"),
                ("2021-05-01 04:00", "paid"),
            ],
            "person3": [("2021-05-01 05:00", "user signed up"), ("2021-05-01 06:00", "x")],
            "person4": [("2021-05-01 07:00", "user signed up"), ("2021-05-02 08:00", "x")],
        }
    )
    result = funnel(events, ["user signed up", "paid"], window="1D", exclusions=[("x", 0, 1)])
    assert result.counts == [2, 1]
    assert sorted(result.users_at(0)) == ["person1", "person4"]
    assert list(result.users_at(1)) == ["person1"]


def test_posthog_multiple_exclusions_between_steps() -> None:
    # PostHog, test_funnel.py::test_advanced_funnel_multiple_exclusions_between_steps:
    # x excluded between steps 0-1, y between steps 2-3 (14-day default window): only
    # person4 stays, and converts through all five steps.
    steps = ["user signed up", "$pageview", "insight viewed", "invite teammate", "pageview2"]
    hours = {
        "person1": [("01:00", steps[0]), ("02:00", "x"), ("03:00", steps[1]), ("04:00", steps[2]),
                    ("04:30", "y"), ("05:00", steps[3]), ("06:00", steps[4])],
        "person2": [("01:00", steps[0]), ("01:30", "y"), ("02:00", steps[1]), ("04:00", steps[2]),
                    ("04:30", "y"), ("05:00", steps[3]), ("05:30", "x"), ("06:00", steps[4])],
        "person3": [("01:00", steps[0]), ("01:30", "x"), ("02:00", steps[1]), ("04:00", steps[2]),
                    ("05:00", steps[3]), ("05:30", "x"), ("06:00", steps[4])],
        "person4": [("01:00", steps[0]), ("02:00", steps[1]), ("04:00", steps[2]),
                    ("05:00", steps[3]), ("06:00", steps[4])],
    }  # fmt: skip
    events = _events({u: [(f"2021-05-01 {h}", e) for h, e in v] for u, v in hours.items()})
    result = funnel(events, steps, window="14D", exclusions=[("x", 0, 1), ("y", 2, 3)])
    assert result.counts == [1, 1, 1, 1, 1]
    assert list(result.users_at(0)) == ["person4"]


@pytest.mark.parametrize("same_time", [False, True])
def test_posthog_basic_strict_funnel(same_time: bool) -> None:
    # PostHog, posthog/hogql_queries/insights/funnels/test/test_funnel_strict.py::
    # test_basic_strict_funnel: 7 users enter; person3 and person7 reach $pageview; only
    # person7 reaches insight viewed. The events there are created in sequence; with
    # same_time=True they share one timestamp and our input-order tie rule gives the same.
    spec = {
        "p1": ["user signed up"],
        "p2": ["$pageview", "user signed up"],
        "p3": ["user signed up", "$pageview", "blaah blaa", "insight viewed"],
        "p4": ["insight viewed", "blaah blaa", "$pageview", "user signed up"],
        "p5": ["$pageview", "user signed up", "blaah blaa", "$pageview", "insight viewed"],
        "p6": ["blaah blaa", "user signed up", "blaah blaa", "$pageview"],
        "p7": ["blaah blaa", "user signed up", "$pageview", "insight viewed", "blaah blaa"],
        "p8": ["insight viewed", "$pageview"],
    }
    result = funnel(
        _sequence(spec, same_time=same_time),
        ["user signed up", "$pageview", "insight viewed"],
        order="strict",
    )
    assert result.counts == [7, 2, 1]
    assert sorted(result.users_at(1)) == ["p3", "p7"]
    assert list(result.users_at(2)) == ["p7"]


def test_posthog_strict_conversion_times() -> None:
    # PostHog, test_funnel_strict.py::test_basic_strict_funnel_conversion_times: average
    # conversion time 5400 s to step 2 (1 h and 2 h) and 7200 s to step 3.
    events = _events(
        {
            "p1": [("2021-05-02 00:00", "user signed up")],
            "p2": [("2021-05-02 00:00", "user signed up"), ("2021-05-02 01:00", "$pageview")],
            "p3": [
                ("2021-05-02 00:00", "user signed up"),
                ("2021-05-02 02:00", "$pageview"),
                ("2021-05-02 04:00", "insight viewed"),
            ],
        }
    )
    result = funnel(events, ["user signed up", "$pageview", "insight viewed"], order="strict")
    means = result.to_frame()["mean_time_to_convert"].dt.total_seconds().tolist()
    assert result.counts == [3, 2, 1]
    assert means[1:] == [5400.0, 7200.0]


_POSTHOG_UNORDERED = {
    "p1": ["user signed up"],
    "p2": ["$pageview", "user signed up"],
    "p3": ["user signed up", "$pageview", "blaah blaa", "insight viewed"],
    "p4": ["insight viewed", "$pageview", "user signed up"],
    "p5": ["$pageview", "user signed up", "blaah blaa", "insight viewed"],
    "p6": ["blaah blaa", "insight viewed"],
    "p7": ["$pageview", "blaah blaa"],
    "p8": ["insight viewed", "$pageview"],
}


@pytest.mark.parametrize("same_time", [False, True])
def test_posthog_basic_unordered_funnel(same_time: bool) -> None:
    # PostHog, posthog/hogql_queries/insights/funnels/test/test_funnel_unordered.py::
    # test_basic_unordered_funnel: any step opens; 8 users did 1 step, 5 did 2 (p2, p3, p4, p5,
    # p8), 3 did all three (p3, p4, p5). The events there are created in sequence.
    steps = ["user signed up", "$pageview", "insight viewed"]
    result = funnel(_sequence(_POSTHOG_UNORDERED, same_time=same_time), steps, order="unordered")
    assert result.counts == [8, 5, 3]
    assert sorted(result.users_at(1)) == ["p2", "p3", "p4", "p5", "p8"]
    assert sorted(result.users_at(2)) == ["p3", "p4", "p5"]
    assert sorted(result.dropped_at(1)) == ["p1", "p6", "p7"]
    assert result.steps == ("1 of 3 steps", "2 of 3 steps", "3 of 3 steps")
    # the former reading, step 1 first and the rest in any order, is kept under its own name
    first = funnel(_sequence(_POSTHOG_UNORDERED), steps, order="first_then_any")
    assert first.counts == [5, 1, 1]
    assert first.steps == tuple(steps)


def test_posthog_big_multi_step_unordered_funnel() -> None:
    # PostHog, test_funnel_unordered.py::test_big_multi_step_unordered_funnel: 4 steps,
    # counts [8, 5, 3, 1]; only person5 did all four.
    spec = {
        "p1": ["user signed up"],
        "p2": ["$pageview", "crying"],
        "p3": ["user signed up", "$pageview", "blaah blaa", "insight viewed"],
        "p4": ["insight viewed", "crying", "user signed up"],
        "p5": ["$pageview", "user signed up", "crying", "insight viewed"],
        "p6": ["blaah blaa", "insight viewed"],
        "p7": ["$pageview", "blaah blaa"],
        "p8": ["insight viewed", "$pageview"],
    }
    steps = ["user signed up", "$pageview", "insight viewed", "crying"]
    result = funnel(_sequence(spec), steps, order="unordered")
    assert result.counts == [8, 5, 3, 1]
    assert list(result.users_at(3)) == ["p5"]


def test_posthog_unordered_conversion_times() -> None:
    # PostHog, test_funnel_unordered.py::test_basic_unordered_funnel_conversion_times (a 1-day
    # window): the first conversion of each person counts (PostHog's UDF funnels), so the
    # average time to step 2 is 5400 s (1 h for person2, 2 h for person3) and 7200 s to step 3.
    events = _events(
        {
            "p1": [("2021-05-02 00:00", "user signed up")],
            "p2": [("2021-05-02 00:00", "$pageview"), ("2021-05-02 01:00", "user signed up")],
            "p3": [
                ("2021-05-02 00:00", "insight viewed"),
                ("2021-05-02 02:00", "user signed up"),
                ("2021-05-02 04:00", "$pageview"),
                ("2021-05-03 00:00", "$pageview"),
                ("2021-05-03 03:00", "insight viewed"),
                ("2021-05-03 06:00", "user signed up"),
            ],
        }
    )
    steps = ["user signed up", "$pageview", "insight viewed"]
    result = funnel(events, steps, order="unordered", window="1D")
    means = result.to_frame()["mean_time_to_convert"].dt.total_seconds().tolist()
    assert result.counts == [3, 2, 1]
    assert means[1:] == [5400.0, 7200.0]


def test_unordered_any_step_opens_and_first_then_any_needs_step_one() -> None:
    events = _sequence({"u": ["b", "c"]})
    with pytest.warns(DataQualityWarning, match="never occurs"):
        assert funnel(events, ["a", "b", "c"], order="unordered").counts == [1, 1, 0]
    with pytest.warns(DataQualityWarning, match="never occurs"):
        assert funnel(events, ["a", "b", "c"], order="first_then_any").counts == [0, 0, 0]
    with pytest.raises(ParameterError, match="first_then_any"):
        funnel(events, ["a", "b"], order="first_then_any", exclusions=[("x", 0, 1)])


def test_posthog_multiple_incomplete_tries() -> None:
    # PostHog, funnels/test/conversion_time_cases.py::test_funnel_with_multiple_incomplete_tries:
    # a complete first try (1 h to $pageview) and two incomplete later tries (2 h, 3 h): the
    # user counts once, with the complete try's time: average and median 3600 s.
    events = _events(
        {
            "person1": [
                ("2021-05-01 01:00", "user signed up"),
                ("2021-05-01 02:00", "$pageview"),
                ("2021-05-01 03:00", "something else"),
                ("2021-05-03 04:00", "user signed up"),
                ("2021-05-03 06:00", "$pageview"),
                ("2021-05-04 07:00", "user signed up"),
                ("2021-05-04 10:00", "$pageview"),
            ]
        }
    )
    result = funnel(events, ["user signed up", "$pageview", "something else"], window="1D")
    row = result.to_frame().iloc[1]
    assert result.counts == [1, 1, 1]
    assert row["mean_time_to_convert"] == row["median_time_to_convert"] == pd.Timedelta("1h")


def test_posthog_step_conversion_times() -> None:
    # PostHog, conversion_time_cases.py::test_funnel_step_conversion_times (7-day window):
    # step 2 average 6000 s, median 7200 s; step 3 average and median 5400 s.
    events = _events(
        {
            "person1": [("2020-01-01 12:00", "sign up"), ("2020-01-01 13:00", "play movie"),
                        ("2020-01-01 15:00", "buy")],
            "person2": [("2020-01-02 14:00", "sign up"), ("2020-01-02 16:00", "play movie")],
            "person3": [("2020-01-02 14:00", "sign up"), ("2020-01-02 16:00", "play movie"),
                        ("2020-01-02 17:00", "buy")],
        }
    )  # fmt: skip
    table = funnel(events, ["sign up", "play movie", "buy"], window="7D").to_frame()
    assert table["mean_time_to_convert"].dt.total_seconds().tolist()[1:] == [6000.0, 5400.0]
    assert table["median_time_to_convert"].dt.total_seconds().tolist()[1:] == [7200.0, 5400.0]


def test_posthog_times_with_different_conversion_windows() -> None:
    # PostHog, conversion_time_cases.py::test_funnel_times_with_different_conversion_windows:
    # with 14 days, 3 enter and 2 convert (average 600 s); with 5 minutes only the user whose
    # pageview came exactly 5 minutes later converts (average 300 s): the window is inclusive.
    events = _events(
        {
            "s1": [("2020-01-02 14:00", "user signed up"), ("2020-01-02 14:05", "pageview")],
            "s2": [("2020-01-02 14:03", "user signed up")],
            "s3": [("2020-01-02 12:00", "user signed up"), ("2020-01-02 12:15", "pageview")],
        }
    )
    wide = funnel(events, ["user signed up", "pageview"], window="14D")
    assert wide.counts == [3, 2]
    assert wide.to_frame()["mean_time_to_convert"].iloc[1] == pd.Timedelta("600s")
    narrow = funnel(events, ["user signed up", "pageview"], window="5min")
    assert narrow.counts == [3, 1]
    assert list(narrow.users_at(1)) == ["s1"]
    assert narrow.to_frame()["mean_time_to_convert"].iloc[1] == pd.Timedelta("300s")


def test_windowfunnel_docs_examples() -> None:
    # ClickHouse windowFunnel semantics as documented (also by Alibaba Hologres' windowFunnel
    # page, whose table we reproduce): with conditions c1, c2, c3 and a window long enough,
    # events c1 c2 c3 c4 -> 3, c4 c3 c2 c1 -> 1, c4 c3 -> 0 (not in the funnel).
    events = _sequence({"u1": ["c1", "c2", "c3", "c4"], "u2": ["c4", "c3", "c2", "c1"],
                        "u3": ["c4", "c3"]})  # fmt: skip
    result = funnel(events, ["c1", "c2", "c3"], window="1D")
    levels = dict(zip(result.units["user"], result.units["level"], strict=True))
    assert levels == {"u1": 3, "u2": 1}
    assert result.counts == [2, 1, 1]


def test_windowfunnel_window_is_inclusive() -> None:
    # ClickHouse docs: "timestamp of cond1 <= timestamp of cond2 <= ... <= timestamp of condN
    # <= timestamp of cond1 + window". The classic worked example: events 2 s and 3 s apart,
    # window 4 s -> both convert; window 2 s -> only the 2 s one (inclusive bound).
    events = _events(
        {
            "uid1": [("2019-03-01 00:00:04", "event1"), ("2019-03-01 00:00:06", "event2"),
                     ("2019-03-01 00:00:08", "event3")],
            "uid2": [("2019-03-01 00:00:12", "event2"), ("2019-03-01 00:00:15", "event3")],
            "uid3": [("2019-03-01 00:00:10", "event3"), ("2019-03-01 00:00:13", "event4")],
        }
    )  # fmt: skip
    assert funnel(events, ["event2", "event3"], window="4s").counts == [2, 2]
    assert funnel(events, ["event2", "event3"], window="2s").counts == [2, 1]


def test_starrocks_window_funnel_modes() -> None:
    # StarRocks window_funnel docs: conditions [A, B, C, D]; FIXED mode (no other event may
    # interrupt the chain, our "strict") on A-B-D-C gives A-B = 2; the default mode gives 3.
    events = _sequence({"u": ["A", "B", "D", "C"]})
    assert funnel(events, ["A", "B", "C", "D"], order="strict").counts == [1, 1, 0, 0]
    assert funnel(events, ["A", "B", "C", "D"]).counts == [1, 1, 1, 0]
    assert funnel(events, ["A", "B", "C", "D"], order="unordered").counts == [1, 1, 1, 1]


# --------------------------------------------------------------------------- semantics
def test_best_attempt_counts_and_ties_go_to_the_earliest() -> None:
    events = _sequence({"u": ["a", "b", "a", "b", "c"]})
    result = funnel(events, ["a", "b", "c"], window="10min")
    assert result.counts == [1, 1, 1]
    # the counted attempt is the first one (it reaches c too: a b . . c)
    assert result.units["at_0"].iloc[0] == pd.Timestamp("2021-05-01 00:00")


def test_entry_first_uses_only_the_first_step_one_event() -> None:
    events = _sequence({"u": ["a", "x", "x", "a", "b"]})
    assert funnel(events, ["a", "b"], window="2min").counts == [1, 1]
    assert funnel(events, ["a", "b"], window="2min", entry="first").counts == [1, 0]


def test_one_event_fills_at_most_one_step() -> None:
    events = _sequence({"u": ["a", "b"]})
    for order in ("ordered", "strict", "unordered"):
        assert funnel(events, ["a", "b", "b"], order=order).counts == [1, 1, 0]


def test_step_filters_use_properties() -> None:
    events = _sequence({"u1": ["signup", "subscribe"], "u2": ["signup", "subscribe"]})
    events["plan"] = [None, "pro", None, "starter"]
    result = funnel(events, ["signup", Step("subscribe", where={"plan": "pro"})])
    assert result.counts == [2, 1]
    assert result.steps[1] == "subscribe [plan='pro']"
    as_dict = funnel(events, ["signup", {"event": "subscribe", "where": {"plan": ["pro"]}}])
    assert as_dict.counts == [2, 1]


def test_hold_constant_requires_one_value_across_steps() -> None:
    events = _sequence({"u1": ["a", "b"], "u2": ["a", "b"]})
    events["device"] = ["mobile", "mobile", "mobile", "desktop"]
    assert funnel(events, ["a", "b"]).counts == [2, 2]
    assert funnel(events, ["a", "b"], hold_constant="device").counts == [2, 1]
    assert funnel(events, ["a", "b"], hold_constant="device", order="strict").counts == [2, 1]


def test_breakdown_table_has_one_block_per_value() -> None:
    events = _sequence({"u1": ["a", "b"], "u2": ["a"], "u3": ["a", "b"]})
    events["channel"] = ["Email", "Email", "Paid Social", "Email", "Direct"]
    result = funnel(events, ["a", "b"], breakdown="channel")
    table = result.to_frame()
    assert list(table.columns[:3]) == ["channel", "step", "users"]
    assert table["channel"].tolist() == ["Email", "Email", "Paid Social", "Paid Social"]
    assert table["users"].tolist() == [2, 2, 1, 0]
    last = funnel(events, ["a", "b"], breakdown="channel", breakdown_attribution="last_touch")
    assert set(last.to_frame()["channel"]) == {"Email", "Direct", "Paid Social"}


def test_count_attempts_counts_every_attempt() -> None:
    events = _sequence({"u": ["a", "b", "a", "b", "a"]})
    result = funnel(events, ["a", "b"], count="attempts")
    assert result.counts == [3, 2]
    assert "attempts" in result.to_frame().columns


# --------------------------------------------------------------------------- properties
event_rows = st.lists(
    st.tuples(st.sampled_from("uvwxyz"), st.integers(0, 10_000), st.sampled_from("abcd")),
    min_size=1,
    max_size=60,
)


def _frame(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta([r[1] for r in rows], "s"),
            "event": [r[2] for r in rows],
        }
    )


def _quiet(*args: Any, **kwargs: Any) -> FunnelResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return funnel(*args, **kwargs)


@settings(max_examples=60, deadline=None)
@given(event_rows, st.integers(1, 5_000), st.integers(1, 5_000), st.randoms())
def test_funnel_invariants(rows: list[tuple[str, int, str]], w1: int, w2: int, rnd: Any) -> None:
    frame = _frame(rows)
    steps = ["a", "b", "c"]
    small, large = sorted((w1, w2))
    counts = {}
    for order in ("strict", "ordered", "unordered"):
        res = _quiet(frame, steps, window=f"{small}s", order=order)
        c = res.counts
        assert all(c[i] >= c[i + 1] for i in range(len(c) - 1)), "counts never increase"
        wide = _quiet(frame, steps, window=f"{large}s", order=order).counts
        assert all(x >= y for x, y in zip(wide, c, strict=True)), "wider window never lowers"
        table = res.to_frame()
        rates = table[["conversion_from_start", "conversion_from_previous"]].to_numpy()
        assert np.all((rates[~np.isnan(rates)] >= 0) & (rates[~np.isnan(rates)] <= 1))
        counts[order] = c
    assert all(
        u >= o >= s
        for u, o, s in zip(counts["unordered"], counts["ordered"], counts["strict"], strict=True)
    )
    # shuffling rows with distinct timestamps changes nothing
    distinct = frame.drop_duplicates(["user_id", "timestamp"]).reset_index(drop=True)
    shuffled = distinct.sample(frac=1.0, random_state=rnd.randint(0, 10**6))
    for order in ("strict", "ordered", "unordered"):
        a = _quiet(distinct, steps, window=f"{small}s", order=order)
        b = _quiet(shuffled, steps, window=f"{small}s", order=order)
        assert a.counts == b.counts
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_polars_pyarrow_and_tz_aware_input() -> None:
    events = _sequence({"u1": ["a", "b"], "u2": ["a"]})
    expected = funnel(events, ["a", "b"]).counts
    pl = pytest.importorskip("polars")
    assert funnel(pl.from_pandas(events), ["a", "b"]).counts == expected
    pa = pytest.importorskip("pyarrow")
    assert funnel(pa.Table.from_pandas(events), ["a", "b"]).counts == expected
    aware = events.assign(timestamp=events["timestamp"].dt.tz_localize("Europe/Berlin"))
    result = funnel(aware, ["a", "b"])
    assert result.counts == expected
    assert str(result.units["at_0"].dt.tz) == "Europe/Berlin"
    assert result.units["at_0"].iloc[0] == aware["timestamp"].iloc[0]


@settings(max_examples=30, deadline=None)
@given(event_rows, st.sampled_from(["ordered", "strict", "unordered"]))
def test_concat_of_user_partitions_equals_the_whole(
    rows: list[tuple[str, int, str]], order: str
) -> None:
    frame = _frame(rows)
    frame["channel"] = np.where(frame["timestamp"].dt.second % 2 == 0, "x", "y")
    kw: dict[str, Any] = {"window": "2000s", "order": order, "breakdown": "channel"}
    whole = _quiet(frame, ["a", "b", "c"], **kw)
    parts = [
        _quiet(frame[frame["user_id"].isin(users)], ["a", "b", "c"], **kw)
        for users in (["x", "y", "z"], ["u", "v", "w"])  # partitions in any order
        if frame["user_id"].isin(users).any()
    ]
    combined = FunnelResult.concat(parts)
    assert combined.counts == whole.counts
    pd.testing.assert_frame_equal(combined.to_frame(), whole.to_frame())
    pd.testing.assert_frame_equal(combined.units, whole.units)  # in id order, as the whole


@settings(max_examples=60, deadline=None)
@given(
    event_rows,
    st.tuples(
        st.sampled_from(["ordered", "strict", "unordered"]),
        st.sampled_from(["users", "attempts"]),
        st.sampled_from([None, "Europe/Berlin"]),
        st.sampled_from(["text", "numbers", "mixed"]),
    ),
    st.randoms(),
)
def test_concat_of_any_user_partition_equals_the_whole(
    rows: list[tuple[str, int, str]], options: tuple[str, str, str | None, str], rnd: Any
) -> None:
    """Attempts (several rows per user), zoned times, ids of numbers and text, parts in any
    order: the combination is one funnel over all the events, row for row."""
    order, count, tz, ids = options
    frame = _frame(rows)
    if tz is not None:
        frame["timestamp"] = frame["timestamp"].dt.tz_localize(tz)
    as_id = {
        "text": dict(zip("uvwxyz", "uvwxyz", strict=True)),
        "numbers": dict(zip("uvwxyz", [3, 1, 20, 2, -4, 10], strict=True)),
        "mixed": dict(zip("uvwxyz", ["u", 1, 20, "x", 2.5, 10], strict=True)),
    }[ids]
    if ids == "mixed":  # every user enters: a part's ids are all the ids it saw
        first = frame.groupby("user_id", as_index=False).first().assign(event="a")
        frame = pd.concat([frame, first], ignore_index=True)
    frame["user_id"] = pd.Series([as_id[u] for u in frame["user_id"]], dtype=object)
    frame["channel"] = np.where(frame["timestamp"].dt.second % 2 == 0, "x", "y")
    kw: dict[str, Any] = {"window": "2000s", "order": order, "count": count}
    kw["breakdown"] = "channel"
    whole = _quiet(frame, ["a", "b", "c"], **kw)
    n_parts = rnd.randint(1, 3)
    part_of = {u: rnd.randrange(n_parts) for u in as_id.values()}
    in_part = frame["user_id"].map(part_of).to_numpy()
    parts = [
        _quiet(frame[in_part == p], ["a", "b", "c"], **kw)
        for p in rnd.sample(range(n_parts), n_parts)
        if (in_part == p).any()
    ]
    combined = FunnelResult.concat(parts)
    assert combined.counts == whole.counts
    pd.testing.assert_frame_equal(combined.to_frame(), whole.to_frame())
    pd.testing.assert_frame_equal(combined.units, whole.units)


other_rows = st.lists(
    st.tuples(st.sampled_from("uvwxyzq"), st.integers(0, 10_000), st.sampled_from(["n", "m"])),
    min_size=1,
    max_size=40,
)


def _funnel_tables(result: FunnelResult) -> list[pd.DataFrame]:
    return [result.to_frame(), result.units, result.time_to_convert()]


_NON_STRICT = [
    {"order": "ordered"},
    {"order": "ordered", "exclusions": [("d", 0, 2)], "count": "attempts"},
    {"order": "ordered", "exclusions": [("d", 1, 2)], "breakdown": "channel"},
    {"order": "ordered", "entry": "first", "breakdown": "channel"},
    {"order": "unordered", "breakdown": "channel", "breakdown_attribution": "last_touch"},
    {"order": "first_then_any", "hold_constant": "channel"},
    {"order": "ordered", "breakdown": "channel", "breakdown_attribution": "step:1"},
]


@settings(max_examples=30, deadline=None)
@given(event_rows, other_rows, st.randoms())
def test_other_events_never_change_a_non_strict_funnel(
    rows: list[tuple[str, int, str]], others: list[tuple[str, int, str]], rnd: Any
) -> None:
    # outside strict mode the rows of events no step or exclusion names are set aside before
    # the log is built: wherever they fall (ties included), the funnel is the same
    frame = _frame(rows)
    noise = _frame(others)
    frame["channel"] = np.where(frame["timestamp"].dt.second % 3 == 0, "x", "y")
    noise["channel"] = np.where(noise["timestamp"].dt.second % 2 == 0, "x", "z")
    # each other row goes before a random row of the frame (or at the end), in input order
    slots = [rnd.randint(0, len(frame)) - 0.5 for _ in range(len(noise))]
    mixed = pd.concat([frame, noise], ignore_index=True)
    place = np.r_[np.arange(len(frame), dtype=float), slots]
    mixed = mixed.iloc[np.argsort(place, kind="stable")].reset_index(drop=True)
    steps = ["a", "b", "c"]
    for options in _NON_STRICT:
        kw = {"window": "4000s", **options}
        plain = _funnel_tables(_quiet(frame, steps, **kw))
        for data in (mixed, EventLog(mixed)):  # a log keeps every row: the unfiltered path
            for got, want in zip(_funnel_tables(_quiet(data, steps, **kw)), plain, strict=True):
                pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("order", ["ordered", "unordered", "strict"])
def test_rows_of_other_events_are_still_validated(order: str) -> None:
    events = _sequence({"u1": ["a", "b", "x"], "u2": ["a", "x"]})
    bad_time = events.astype({"timestamp": object})
    bad_time.loc[2, "timestamp"] = "not a time"
    no_user = events.astype({"user_id": object})
    no_user.loc[4, "user_id"] = None
    for bad in (bad_time, no_user):
        with pytest.raises(InputError) as expected:
            EventLog(bad)
        with pytest.raises(InputError) as got:
            funnel(bad, ["a", "b"], order=order)
        assert type(got.value) is type(expected.value)
        assert str(got.value) == str(expected.value)


def test_concat_refuses_mixed_settings_and_shared_users() -> None:
    events = _sequence({"u1": ["a", "b"], "u2": ["a"]})
    one = funnel(events, ["a", "b"])
    with pytest.raises(ParameterError, match="different window"):
        FunnelResult.concat([one, funnel(events, ["a", "b"], window="1D")])
    with pytest.raises(ParameterError, match="disjoint"):
        FunnelResult.concat([one, one])
    with pytest.raises(ParameterError):
        FunnelResult.concat([])


def test_input_frame_is_not_mutated_and_log_is_reused() -> None:
    events = _sequence({"u1": ["a", "b"], "u2": ["b", "a"]})
    before = events.copy()
    log = EventLog(events)
    assert funnel(log, ["a", "b"]).counts == funnel(events, ["a", "b"]).counts == [2, 1]
    pd.testing.assert_frame_equal(events, before)


# --------------------------------------------------------------------------- result API
@pytest.fixture
def result() -> FunnelResult:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(400):
        channel = "Email" if i % 2 else "Paid Social"
        t = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=int(rng.integers(0, 500)))
        rows.append((f"u{i}", t, "signup", channel))
        p = 0.7 if channel == "Email" else 0.4
        if rng.random() < p:
            t += pd.Timedelta(hours=float(rng.uniform(1, 48)))
            rows.append((f"u{i}", t, "create_project", channel))
            if rng.random() < 0.5:
                t += pd.Timedelta(hours=float(rng.uniform(1, 72)))
                rows.append((f"u{i}", t, "subscribe", channel))
    events = pd.DataFrame(rows, columns=["user_id", "timestamp", "event", "channel"])
    return funnel(events, ["signup", "create_project", "subscribe"], breakdown="channel")


def test_users_at_and_dropped_at_match_counts(result: FunnelResult) -> None:
    overall = result.overall()
    for k in range(3):
        assert len(result.users_at(k)) == overall["users"].iloc[k]
    for k in (1, 2):
        assert len(result.dropped_at(k)) == overall["dropped"].iloc[k]
        assert set(result.dropped_at(k)).isdisjoint(result.users_at(k))
    assert result.users_at("subscribe").equals(result.users_at(-1))
    email = result.users_at(1, breakdown_value="Email")
    assert len(email) == result.to_frame().query("channel == 'Email'")["users"].iloc[1]
    with pytest.raises(ParameterError):
        result.dropped_at(0)
    with pytest.raises(ParameterError, match="Unknown step"):
        result.users_at("pay")


def test_biggest_dropoff_and_time_to_convert(result: FunnelResult) -> None:
    drop = result.biggest_dropoff()
    overall = result.overall()
    assert drop["dropoff_rate"] == overall["dropoff_rate"].iloc[1:].max()
    assert drop["from_step"] in result.steps
    ttc = result.time_to_convert()
    assert list(ttc.columns) == [
        "channel", "step", "users", "mean", "median", "p25", "p75", "p90"
    ]  # fmt: skip
    assert (ttc["p25"] <= ttc["median"]).all()
    assert (ttc["median"] <= ttc["p90"]).all()
    fs = result.time_from_start()
    assert (fs["median"] >= pd.Timedelta(0)).all()
    hist = result.time_histogram(1, bins=5)
    assert hist["users"].sum() == result.counts[1]


def test_compare_matches_newcombe_and_chi_square(result: FunnelResult) -> None:
    table = result.compare("Email", "Paid Social")
    row = table.iloc[0]
    assert row["rate_a"] > row["rate_b"]
    assert row["p_value"] < 0.01
    assert row["ci_low"] < row["difference"] < row["ci_high"]
    stats = pytest.importorskip("scipy.stats")
    observed = [
        [row["reached_a"], row["entered_a"] - row["reached_a"]],
        [row["reached_b"], row["entered_b"] - row["reached_b"]],
    ]
    chi2, p, _, _ = stats.chi2_contingency(observed, correction=False)
    assert row["chi2"] == pytest.approx(chi2)
    assert row["p_value"] == pytest.approx(p)


def test_newcombe_interval_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, example (a): 56/70 vs
    # 48/80, method 10 (hybrid score, no continuity correction): 0.0524 to 0.3339.
    from saasmetrics.funnel._compare import two_proportions

    out = two_proportions(56, 70, 48, 80, 0.95)
    assert out["ci_low"] == pytest.approx(0.0524, abs=5e-5)
    assert out["ci_high"] == pytest.approx(0.3339, abs=5e-5)


def test_compare_warns_on_small_groups_and_checks_values() -> None:
    events = _sequence({"u1": ["a", "b"], "u2": ["a"]})
    events["c"] = ["x", "x", "y"]
    res = funnel(events, ["a", "b"], breakdown="c")
    with pytest.warns(SmallSampleWarning):
        res.compare("x", "y")
    with pytest.raises(ParameterError):
        res.compare("x", "zzz")
    with pytest.raises(ParameterError):
        funnel(events, ["a", "b"]).compare("x", "y")


def test_json_round_trip_and_repr(result: FunnelResult) -> None:
    text = result.to_json()
    back = load_result(json.loads(text))
    assert isinstance(back, FunnelResult)
    pd.testing.assert_frame_equal(back.to_frame(), result.to_frame())
    assert back.counts == result.counts
    assert repr(result).startswith("FunnelResult(steps=3, order='ordered'")
    assert "<table" in result._repr_html_()


def test_plots_return_axes(result: FunnelResult) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    ax = result.plot()
    assert ax.get_title().startswith("Funnel")
    ax2 = result.plot_time_to_convert(1)
    assert "hours" in ax2.get_xlabel()
    plain = funnel(_sequence({"u": ["a", "b"]}), ["a", "b"]).plot()  # no breakdown: bars of users
    assert len(plain.patches) == 2
    plt.close("all")


# --------------------------------------------------------------------------- bad input
def test_bad_input_errors_and_warnings() -> None:
    events = _sequence({"u": ["a", "b"]})
    with pytest.raises(ParameterError, match="at least two steps"):
        funnel(events, ["a"])
    with pytest.raises(ParameterError, match="at least two steps"):
        funnel(events, "a")
    with pytest.raises(ParameterError, match="positive"):
        funnel(events, ["a", "b"], window="0s")
    with pytest.raises(ParameterError, match="positive"):
        funnel(events, ["a", "b"], window="-1D")
    with pytest.raises(ParameterError, match="order="):
        funnel(events, ["a", "b"], order="loose")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="out of range"):
        funnel(events, ["a", "b"], exclusions=[("x", 0, 2)])
    with pytest.raises(ParameterError, match="out of range"):
        funnel(events, ["a", "b"], exclusions=[("x", 1, 1)])
    with pytest.raises(ParameterError, match="also matches step 1"):
        # PostHog refuses the same: "Exclusion steps cannot contain an event that's part of
        # funnel steps" (posthog/hogql_queries/insights/funnels validation)
        funnel(events, ["a", "b"], exclusions=[("b", 0, 1)])
    narrowed = [(Step("b", where={"p": 1}), 0, 1)]
    assert funnel(events.assign(p=0), ["a", "b"], exclusions=narrowed).counts == [1, 1]
    with pytest.raises(ParameterError, match="unordered"):
        funnel(events, ["a", "b"], order="unordered", exclusions=[("x", 0, 1)])
    with pytest.raises(MissingColumnError):
        funnel(events, ["a", "b"], breakdown="channel")
    with pytest.raises(MissingColumnError):
        funnel(events, ["a", Step("b", where={"plan": "pro"})])
    with pytest.raises(ParameterError, match="breakdown_attribution"):
        funnel(events.assign(c="x"), ["a", "b"], breakdown="c", breakdown_attribution="step:5")
    with pytest.warns(DataQualityWarning, match="never occurs"):
        res = funnel(events, ["a", "nope", "b"])
    assert res.counts == [1, 0, 0]
    assert res.to_frame()["users"].tolist() == [1, 0, 0]
