"""paths() and conversion_paths(): tables, transitions, Sankey edges, ranking, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from saasmetrics._results import load_result
from saasmetrics.exceptions import ParameterError
from saasmetrics.funnel import ConversionPaths, PathsResult, conversion_paths, paths


@pytest.fixture
def events() -> pd.DataFrame:
    t0 = pd.Timestamp("2024-01-01 09:00")
    spec = {
        "u1": ["signup", "signup", "create_project", "invite_teammate", "subscribe"],
        "u2": ["signup", "create_project", "login"],
        "u3": ["signup", "invite_teammate", "subscribe"],
        "u4": ["login", "signup", "create_project", "create_report", "share_report", "export_data",
               "subscribe"],
    }  # fmt: skip
    rows = [
        (user, t0 + pd.Timedelta(minutes=i), event)
        for user, evs in spec.items()
        for i, event in enumerate(evs)
    ]
    # u2 comes back the next day: a second session
    rows.append(("u2", t0 + pd.Timedelta(days=1), "signup"))
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])


def test_paths_table_and_conversion(events: pd.DataFrame) -> None:
    result = paths(events, start="signup", goal="subscribe", max_steps=4)
    table = result.to_frame()
    by_path = table.set_index("path")
    assert by_path.loc["signup > create_project > invite_teammate > subscribe", "conversions"] == 1
    assert by_path.loc["signup > invite_teammate > subscribe", "conversion_rate"] == 1.0
    # u4's path is cut after 4 events and marked as going on
    assert "signup > create_project > create_report > share_report > ..." in by_path.index
    assert table["sessions"].sum() == 5  # u1, u2 (twice), u3, u4
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["sessions"].is_monotonic_decreasing
    assert result.top(2).shape[0] == 2


def test_collapse_repeats_and_sessions(events: pd.DataFrame) -> None:
    collapsed = paths(events, start="signup", max_steps=2)
    raw = paths(events, start="signup", max_steps=2, collapse_repeats=False)
    assert "signup > signup > ..." in set(raw.to_frame()["path"])
    assert "signup > signup > ..." not in set(collapsed.to_frame()["path"])
    one_session = paths(events, session_gap="2D")
    assert one_session.to_frame()["sessions"].sum() == 4


def test_transitions_and_edges_balance(events: pd.DataFrame) -> None:
    result = paths(events, max_steps=6)
    trans = result.transitions
    # every kept event either moves on, ends the path, or is cut
    table = result.to_frame()
    n_events = sum(
        len([p for p in path.split(" > ") if p != "..."]) * n
        for path, n in zip(table["path"], table["sessions"], strict=True)
    )
    assert int(trans.to_numpy().sum()) == n_events
    probs = result.transition_probabilities()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    edges = result.edges
    assert list(edges.columns) == ["step", "source", "target", "sessions"]
    inner = trans.drop(columns=["(end)", "..."]).to_numpy().sum()
    assert edges["sessions"].sum() == inner
    first = edges[edges["step"] == 0]
    assert first["source"].str.startswith("0: ").all()
    assert first["target"].str.startswith("1: ").all()


def test_conversion_paths_ranks_paths(events: pd.DataFrame) -> None:
    result = conversion_paths(events, "subscribe", start="signup", max_steps=3)
    table = result.to_frame()
    assert table["conversions"].sum() == 3
    assert result.overall_rate == pytest.approx(3 / 5)
    assert (table["share_of_conversions"].sum()) == pytest.approx(1.0)
    assert not table["path"].str.contains("subscribe").any()  # the goal is not in the path
    leading = result.leading(2)
    assert (leading["conversions"] > 0).all()
    assert leading["conversion_rate"].is_monotonic_decreasing
    lost = result.not_leading(1)
    assert lost["conversions"].iloc[0] < lost["sessions"].iloc[0]
    np.testing.assert_allclose(table["lift"], table["conversion_rate"] / result.overall_rate)


def test_results_round_trip_and_plot(events: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    for result in (paths(events, start="signup"), conversion_paths(events, "subscribe")):
        back = load_result(json.loads(result.to_json()))
        assert isinstance(back, PathsResult | ConversionPaths)
        pd.testing.assert_frame_equal(back.to_frame(), result.to_frame())
        assert "\n" not in repr(result)
        fig, ax = plt.subplots()
        assert result.plot(ax=ax) is ax
        plt.close(fig)


def test_bad_input(events: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="Unknown event"):
        paths(events, start="nope")
    with pytest.raises(ParameterError, match="max_steps"):
        paths(events, max_steps=0)
    with pytest.raises(ParameterError, match="session_gap"):
        paths(events, session_gap="0s")
    with pytest.raises(ParameterError, match="Unknown event"):
        conversion_paths(events, "nope")
