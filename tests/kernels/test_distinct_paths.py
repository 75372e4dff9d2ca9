"""distinct_session_paths packs each session's path into one int64: it must equal the path
matrix of every session reduced to its distinct rows, whatever the options."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics._kernels.funnel_paths import distinct_rows, distinct_session_paths
from tests.kernels.path_matrix import session_paths
from tests.kernels.test_funnel_paths import as_arrays, oracle


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 60), st.integers(0, 6)),
        max_size=60,
    ),
    gap=st.integers(1, 20),
    collapse=st.booleans(),
    start=st.one_of(st.none(), st.integers(0, 7)),
    goal=st.one_of(st.none(), st.integers(0, 7)),
    max_steps=st.integers(1, 7),
    include_goal=st.booleans(),
    big_codes=st.booleans(),
)
def test_packed_paths_are_the_distinct_rows_of_the_matrix(
    *,
    events: list[tuple[int, int, int]],
    gap: int,
    collapse: bool,
    start: int | None,
    goal: int | None,
    max_steps: int,
    include_goal: bool,
    big_codes: bool,
) -> None:
    events = sorted(events, key=lambda e: (e[0], e[1]))
    seg = np.array([e[0] for e in events], dtype=np.int64)
    time = np.array([e[1] for e in events], dtype=np.int64)
    # large codes make the digits overflow 62 bits: the matrix path must give the same
    scale = 10**6 if big_codes else 1
    codes = np.array([e[2] for e in events], dtype=np.int64) * scale
    options = {
        "gap_ns": gap,
        "collapse_repeats": collapse,
        "start": None if start is None else start * scale,
        "goal": None if goal is None else goal * scale,
        "max_steps": max_steps,
        "include_goal": include_goal,
    }
    matrix, converted, users = session_paths(seg, time, codes, **options)
    uniq, inverse = distinct_rows(matrix)
    got_uniq, got_inverse, got_converted, got_users = distinct_session_paths(
        seg, time, codes, **options
    )
    np.testing.assert_array_equal(got_uniq.reshape(uniq.shape), uniq)
    np.testing.assert_array_equal(got_inverse, inverse)
    np.testing.assert_array_equal(got_converted, converted)
    np.testing.assert_array_equal(got_users, users)


@settings(max_examples=300, deadline=None)
@given(
    users=st.lists(
        st.lists(st.tuples(st.integers(0, 50), st.integers(0, 4)), max_size=12).map(
            lambda rows: sorted(rows, key=lambda r: r[0])
        ),
        max_size=5,
    ),
    gap=st.integers(0, 60),
    collapse=st.booleans(),
    start=st.one_of(st.none(), st.integers(0, 5)),  # 5: a code no event has
    goal=st.one_of(st.none(), st.integers(0, 5)),
    max_steps=st.one_of(st.integers(1, 6), st.integers(7, 40)),
    scale=st.sampled_from([1, 10**6]),  # 10**6: the digits overflow 62 bits (matrix fallback)
    include_goal=st.booleans(),
)
def test_distinct_session_paths_match_oracle(
    *,
    users: list[list[tuple[int, int]]],
    gap: int,
    collapse: bool,
    start: int | None,
    goal: int | None,
    max_steps: int,
    scale: int,
    include_goal: bool,
) -> None:
    """Against the per-session oracle directly (no shared session code): the distinct paths
    in ascending order, each session's index among them as int64, converted and users."""
    scaled = [[(t, c * scale) for t, c in rows] for rows in users]
    seg, time, codes = as_arrays(scaled)
    start_code = None if start is None else start * scale
    goal_code = None if goal is None else goal * scale
    expected = oracle(
        scaled, gap=gap, collapse=collapse, start=start_code, goal=goal_code,
        max_steps=max_steps, include_goal=include_goal,
    )  # fmt: skip
    uniq, inverse, converted, session_user = distinct_session_paths(
        seg, time, codes, gap_ns=gap, collapse_repeats=collapse, start=start_code,
        goal=goal_code, max_steps=max_steps, include_goal=include_goal,
    )  # fmt: skip
    distinct = sorted({path for _, path, _ in expected})
    assert uniq.dtype == np.int64
    assert inverse.dtype == np.int64
    assert [tuple(int(x) for x in row) for row in uniq] == distinct
    assert uniq.shape == (len(distinct), max_steps + 1)
    assert inverse.tolist() == [distinct.index(path) for _, path, _ in expected]
    assert converted.tolist() == [c for _, _, c in expected]
    assert session_user.tolist() == [u for u, _, _ in expected]
