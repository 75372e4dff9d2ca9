"""Path kernel against a plain-Python, per-user, per-session oracle."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics._kernels.funnel_paths import MORE, PAD, session_ids
from tests.kernels.path_matrix import session_paths


def oracle(
    users: list[list[tuple[int, int]]],
    *,
    gap: int,
    collapse: bool,
    start: int | None,
    goal: int | None,
    max_steps: int,
    include_goal: bool,
) -> list[tuple[int, tuple[int, ...], bool]]:
    """(user, padded path, converted) per kept session, in order."""
    out = []
    for u, rows in enumerate(users):
        sessions: list[list[int]] = []
        last = None
        for t, code in rows:
            if last is None or t - last > gap:
                sessions.append([])
            sessions[-1].append(code)
            last = t
        for codes in sessions:
            seq = [c for i, c in enumerate(codes) if not collapse or i == 0 or c != codes[i - 1]]
            if start is not None:
                if start not in seq:
                    continue
                seq = seq[seq.index(start) :]
            converted = goal is not None and goal in seq
            if converted:
                cut = seq.index(goal)
                seq = seq[: cut + 1] if include_goal else seq[:cut]
            path = [*seq[:max_steps], *([PAD] * (max_steps - len(seq[:max_steps])))]
            path.append(MORE if len(seq) > max_steps else PAD)
            out.append((u, tuple(path), converted))
    return out


def as_arrays(users: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment, time and code of every row of the oracle's input, as int64 arrays."""
    seg = np.array([u for u, rows in enumerate(users) for _ in rows], dtype=np.int64)
    time = np.array([t for rows in users for t, _ in rows], dtype=np.int64)
    codes = np.array([c for rows in users for _, c in rows], dtype=np.int64)
    return seg, time, codes


users_st = st.lists(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 3)), max_size=8).map(
        lambda rows: sorted(rows, key=lambda r: r[0])
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(
    users=users_st,
    gap=st.integers(1, 20),
    collapse=st.booleans(),
    start=st.one_of(st.none(), st.integers(0, 3)),
    goal=st.one_of(st.none(), st.integers(0, 3)),
    max_steps=st.integers(1, 4),
    include_goal=st.booleans(),
)
def test_session_paths_match_oracle(
    *,
    users: list[list[tuple[int, int]]],
    gap: int,
    collapse: bool,
    start: int | None,
    goal: int | None,
    max_steps: int,
    include_goal: bool,
) -> None:
    seg, time, codes = as_arrays(users)
    kw: dict[str, Any] = {
        "gap_ns": gap, "collapse_repeats": collapse, "start": start, "goal": goal,
        "max_steps": max_steps, "include_goal": include_goal,
    }  # fmt: skip
    matrix, converted, session_user = session_paths(seg, time, codes, **kw)
    got = [
        (int(u), tuple(int(x) for x in row), bool(c))
        for u, row, c in zip(session_user, matrix, converted, strict=True)
    ]
    expected = oracle(
        users, gap=gap, collapse=collapse, start=start, goal=goal, max_steps=max_steps,
        include_goal=include_goal,
    )  # fmt: skip
    assert got == expected


def test_session_ids_split_on_gaps_and_users() -> None:
    ids = session_ids(np.array([0, 0, 0, 1, 1]), np.array([0, 10, 11, 11, 40]), 10)
    assert ids.tolist() == [0, 0, 0, 1, 2]


def test_session_ids_gap_wider_than_int64() -> None:
    """1677 to 2262 is more than 2**63 ns apart: the gap must not wrap to a negative number."""
    low, high = np.iinfo(np.int64).min + 1, np.iinfo(np.int64).max
    ids = session_ids(np.array([0, 0, 0]), np.array([low, high, high]), 10)
    assert ids.tolist() == [0, 1, 1]


def test_session_ids_of_empty_one_row_and_negative_gaps() -> None:
    """No row, one row; a negative gap (below any inactivity) splits every row, as before."""
    none = np.zeros(0, dtype=np.int64)
    assert session_ids(none, none, 10).tolist() == []
    assert session_ids(np.array([3]), np.array([5]), 10).tolist() == [0]
    ids = session_ids(np.array([0, 0, 0]), np.array([1, 1, 2]), -1)
    assert ids.tolist() == [0, 1, 2]
