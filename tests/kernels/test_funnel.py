"""funnel() (vectorized kernels) against a brute-force, per-user, per-attempt Python oracle.

The oracle reads the semantics off their definition: it enumerates every way to fill the steps
of every attempt (all index tuples / assignments), keeps the valid ones, and picks the best
attempt (highest level, ties to the earliest) and within it the earliest way to fill it.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics.exceptions import DataQualityWarning
from saasmetrics.funnel import Step, funnel

EVENTS = ("a", "b", "c", "d")
T0 = pd.Timestamp("2024-01-01")
MINUTE = pd.Timedelta("1min")

Row = tuple[int, str, Any]  # (minute, event, property p)


def _matches(step: Step, row: Row) -> bool:
    if row[1] != step.event:
        return False
    for key, wanted in (step.where or {}).items():
        assert key == "p"
        value = row[2]
        if value is None:
            return False
        if isinstance(wanted, list) and value not in wanted:
            return False
        if not isinstance(wanted, list) and value != wanted:
            return False
    return True


def _attempt(
    rows: list[Row], i: int, steps: list[Step], *, window: int, order: str, hold: bool
) -> tuple[int, list[int], list[int]]:
    """Level, rows used and completion minutes of the attempt anchored at row i."""
    k_steps = len(steps)
    t0 = rows[i][0]
    same = (lambda p: rows[p][2] is not None and rows[p][2] == rows[i][2]) if hold else None

    def ok(p: int, j: int) -> bool:
        return (
            _matches(steps[j], rows[p]) and rows[p][0] <= t0 + window and (same is None or same(p))
        )

    later = list(range(i + 1, len(rows)))
    if order == "unordered":
        # any step opens; level k at the first row p by which k distinct steps can be given
        # distinct rows among i..p (every assignment tried)
        def matched(upto: int) -> int:
            cands = list(range(i, upto + 1))
            for size in range(min(k_steps, len(cands)), 0, -1):
                for chosen in itertools.combinations(range(k_steps), size):
                    for combo in itertools.permutations(cands, size):
                        if all(ok(p, j) for j, p in zip(chosen, combo, strict=True)):
                            return size
            return 0

        used: list[int] = []
        for p in range(i, len(rows)):
            while len(used) < k_steps and matched(p) > len(used):
                used.append(p)
        return len(used), used, [rows[p][0] for p in used]
    if order == "strict":
        used = [i]
        for j in range(1, k_steps):
            p = i + j
            if p >= len(rows) or not ok(p, j):
                break
            if hold and rows[p][2] != rows[p - 1][2]:
                break
            used.append(p)
        return len(used), used, [rows[p][0] for p in used]
    if order == "ordered":
        for level in range(k_steps, 1, -1):
            valid = [
                combo
                for combo in itertools.combinations(later, level - 1)
                if all(ok(p, j + 1) for j, p in enumerate(combo))
            ]
            if valid:
                best = min(valid)
                return level, [i, *best], [t0, *(rows[p][0] for p in best)]
        return 1, [i], [t0]
    # first_then_any: steps 1..level-1 to distinct rows in any order; completion time of prefix k
    # is the smallest possible latest time over valid assignments of steps 1..k-1.
    completion = [t0]
    for level in range(2, k_steps + 1):
        best_time = None
        for combo in itertools.permutations(later, level - 1):
            if all(ok(p, j + 1) for j, p in enumerate(combo)):
                t = max(rows[p][0] for p in combo)
                best_time = t if best_time is None else min(best_time, t)
        if best_time is None:
            break
        completion.append(max(best_time, completion[-1]))
    return len(completion), [i], completion


def _excluded(
    rows: list[Row], used: list[int], level: int, window_end: int, exclusions: list[Any]
) -> bool:
    for event, lo, hi in exclusions:
        if level <= lo:
            continue
        stop = used[hi] if level > hi else None
        for p in range(used[lo] + 1, len(rows)):
            if stop is not None and p >= stop:
                break
            if stop is None and rows[p][0] > window_end:
                break
            if rows[p][1] == event:
                return True
    return False


def oracle(
    data: dict[str, list[Row]],
    steps: list[Step],
    *,
    window: int,
    order: str,
    entry: str,
    exclusions: list[Any],
    hold: bool,
    count: str,
    attribution: str | None,
) -> list[tuple[str, int, list[int], Any]]:
    """(user, level, completion minutes, breakdown value) per counted unit."""
    out = []
    for user, rows in data.items():
        opening = steps if order == "unordered" else steps[:1]  # unordered: any step opens
        anchors = [
            i
            for i, r in enumerate(rows)
            if any(_matches(s, r) for s in opening) and (not hold or r[2] is not None)
        ]
        if entry == "first":
            anchors = anchors[:1]
        attempts = []
        for i in anchors:
            level, used, times = _attempt(rows, i, steps, window=window, order=order, hold=hold)
            if exclusions and _excluded(rows, used, level, rows[i][0] + window, exclusions):
                continue
            value = None
            if attribution == "first_touch":
                value = rows[used[0]][2]
            elif attribution == "last_touch":
                value = rows[used[level - 1]][2]
            elif attribution is not None:
                k = int(attribution.split(":")[1])
                value = rows[used[k]][2] if level > k else None
            attempts.append((user, level, times, value))
        if not attempts:
            continue
        if count == "attempts":
            out.extend(attempts)
        else:
            top = max(a[1] for a in attempts)
            out.append(next(a for a in attempts if a[1] == top))
    return out


def _frame(data: dict[str, list[Row]]) -> pd.DataFrame:
    records = [
        {"user_id": u, "timestamp": T0 + m * MINUTE, "event": e, "p": p}
        for u, rows in data.items()
        for (m, e, p) in rows
    ]
    return pd.DataFrame(records, columns=["user_id", "timestamp", "event", "p"])


def _sorted_rows(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: r[0])  # stable: input order among equal times


rows_st = st.lists(
    st.tuples(st.integers(0, 12), st.sampled_from(EVENTS), st.sampled_from(["x", "y", None])),
    min_size=1,
    max_size=7,
)
users_st = st.dictionaries(st.sampled_from(["u1", "u2", "u3", "u4", "u5"]), rows_st, min_size=1)
step_st = st.one_of(
    st.sampled_from(EVENTS[:3]).map(Step),
    st.tuples(st.sampled_from(EVENTS[:3]), st.sampled_from(["x", ["x", "y"]])).map(
        lambda t: Step(t[0], where={"p": t[1]})
    ),
)


def _run(data: dict[str, list[Row]], steps: list[Step], **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # steps that never occur
        return funnel(_frame(data), steps, **kw)


def _compare(result: Any, expected: list[Any], n_steps: int, breakdown: bool) -> None:
    units = result.units
    got = []
    for rec in units.to_dict("records"):
        times = [
            int((rec[f"at_{k}"] - T0) / MINUTE) for k in range(n_steps) if pd.notna(rec[f"at_{k}"])
        ]
        value = rec.get("p") if breakdown else None
        got.append((rec["user"], int(rec["level"]), times, None if pd.isna(value) else value))
    key = lambda r: (r[0], r[2], r[1])  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)
    levels = [e[1] for e in expected]
    assert result.counts == [sum(lv > k for lv in levels) for k in range(n_steps)]


@settings(max_examples=120, deadline=None)
@given(
    users_st,
    st.lists(step_st, min_size=2, max_size=4),
    st.integers(1, 12),
    st.sampled_from(["ordered", "strict", "unordered", "first_then_any"]),
    st.sampled_from(["any", "first"]),
)
def test_levels_and_times_match_oracle(
    raw: dict[str, list[Row]], steps: list[Step], window: int, order: str, entry: str
) -> None:
    data = {u: _sorted_rows(r) for u, r in raw.items()}
    result = _run(data, steps, window=f"{window}min", order=order, entry=entry)
    expected = oracle(
        data,
        steps,
        window=window,
        order=order,
        entry=entry,
        exclusions=[],
        hold=False,
        count="users",
        attribution=None,
    )
    _compare(result, expected, len(steps), breakdown=False)


@settings(max_examples=80, deadline=None)
@given(
    raw=users_st,
    steps=st.lists(st.sampled_from(EVENTS[:3]).map(Step), min_size=2, max_size=4),
    window=st.integers(1, 12),
    order=st.sampled_from(["ordered", "strict"]),
    exclusions=st.lists(
        st.tuples(st.sampled_from(EVENTS), st.integers(0, 3), st.integers(0, 3)),
        max_size=2,
    ),
    count=st.sampled_from(["users", "attempts"]),
)
def test_exclusions_and_attempt_counts_match_oracle(
    *,
    raw: dict[str, list[Row]],
    steps: list[Step],
    window: int,
    order: str,
    exclusions: list[tuple[str, int, int]],
    count: str,
) -> None:
    data = {u: _sorted_rows(r) for u, r in raw.items()}
    exclusions = [
        (e, lo, hi)
        for e, lo, hi in exclusions
        if lo < hi < len(steps) and all(s.event != e for s in steps[lo : hi + 1])
    ]
    result = _run(
        data, steps, window=f"{window}min", order=order, exclusions=exclusions, count=count
    )
    expected = oracle(
        data,
        steps,
        window=window,
        order=order,
        entry="any",
        exclusions=exclusions,
        hold=False,
        count=count,
        attribution=None,
    )
    _compare(result, expected, len(steps), breakdown=False)


@settings(max_examples=80, deadline=None)
@given(
    raw=users_st,
    steps=st.lists(st.sampled_from(EVENTS[:3]).map(Step), min_size=2, max_size=3),
    window=st.integers(1, 12),
    order=st.sampled_from(["ordered", "strict", "unordered", "first_then_any"]),
    attribution=st.sampled_from(["first_touch", "last_touch", "step:1"]),
    hold=st.booleans(),
    entry=st.sampled_from(["any", "first"]),
)
def test_breakdown_and_hold_constant_match_oracle(
    *,
    raw: dict[str, list[Row]],
    steps: list[Step],
    window: int,
    order: str,
    attribution: str,
    hold: bool,
    entry: str,
) -> None:
    data = {u: _sorted_rows(r) for u, r in raw.items()}
    if order == "first_then_any" and attribution != "first_touch":
        attribution = "first_touch"  # which row fills a later step is not unique here
    result = _run(
        data,
        steps,
        window=f"{window}min",
        order=order,
        breakdown="p",
        breakdown_attribution=attribution,
        hold_constant="p" if hold else None,
        entry=entry,
    )
    expected = oracle(
        data,
        steps,
        window=window,
        order=order,
        entry=entry,
        exclusions=[],
        hold=hold,
        count="users",
        attribution=attribution,
    )
    _compare(result, expected, len(steps), breakdown=True)
    # blocks of the breakdown add up to the overall funnel
    table = result.to_frame()
    blocks = table["users"].to_numpy().reshape(-1, len(steps))
    assert blocks.sum(axis=0).tolist() == (result.counts if len(blocks) else [0] * len(steps))


def test_overlapping_unordered_steps_need_distinct_events() -> None:
    # steps a, a, b in any order: the second "a" must be another event than the first
    data = {
        "u1": [(0, "a", None), (1, "b", None)],
        "u2": [(0, "a", None), (1, "b", None), (2, "a", None)],
    }
    steps = [Step("a"), Step("a"), Step("b")]
    result = _run(data, steps, window="10min", order="first_then_any")
    assert result.counts == [2, 1, 1]
    # any step opens: u1 has done two distinct steps (a and b), u2 all three
    assert _run(data, steps, window="10min", order="unordered").counts == [2, 2, 1]


@settings(max_examples=60, deadline=None)
@given(
    raw=users_st,
    steps=st.lists(step_st, min_size=2, max_size=3),
    window=st.integers(1, 12),
    count=st.sampled_from(["users", "attempts"]),
)
def test_unordered_attempt_counts_match_oracle(
    *, raw: dict[str, list[Row]], steps: list[Step], window: int, count: str
) -> None:
    data = {u: _sorted_rows(r) for u, r in raw.items()}
    result = _run(data, steps, window=f"{window}min", order="unordered", count=count)
    expected = oracle(
        data,
        steps,
        window=window,
        order="unordered",
        entry="any",
        exclusions=[],
        hold=False,
        count=count,
        attribution=None,
    )
    _compare(result, expected, len(steps), breakdown=False)


@pytest.mark.parametrize("order", ["ordered", "strict", "first_then_any"])
def test_empty_when_first_step_never_happens(order: str) -> None:
    data = {"u1": [(0, "b", None), (1, "c", None)]}
    result = _run(data, ["a", "b"], window="10min", order=order)
    assert result.counts == [0, 0]
    assert np.isnan(result.to_frame()["conversion_from_start"]).all()
