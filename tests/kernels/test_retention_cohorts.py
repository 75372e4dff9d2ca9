"""cohort_counts kernel (rows in any order) against a slow pure-Python oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saasmetrics._kernels import parallel
from saasmetrics._kernels import retention as kernel
from saasmetrics._kernels.retention import cohort_counts, first_period_cohort_counts


@st.composite
def activity(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, np.ndarray]:
    n_users = draw(st.integers(1, 8))
    n_cohorts = draw(st.integers(1, 4))
    n_periods = draw(st.integers(1, 6))
    cohort = np.array(
        draw(st.lists(st.integers(0, n_cohorts - 1), min_size=n_users, max_size=n_users)),
        dtype=np.int64,
    )
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_users - 1),
                st.integers(0, n_periods - 1),
                st.floats(0, 100, allow_nan=False),
            ),
            max_size=40,
        )
    )
    user = np.array([r[0] for r in rows], dtype=np.int64)
    offset = np.array([r[1] for r in rows], dtype=np.int64)
    values = np.array([r[2] for r in rows], dtype=np.float64)
    return user, offset, cohort, n_cohorts, n_periods, values


def oracle(user, offset, cohort, n_cohorts, n_periods, *, kind, values=None):  # type: ignore[no-untyped-def]
    out = [[0.0] * n_periods for _ in range(n_cohorts)]
    if values is not None:
        for u, k, v in zip(user.tolist(), offset.tolist(), values.tolist(), strict=True):
            out[cohort[u]][k] += v
        return np.array(out)
    active: dict[int, set[int]] = {}
    for u, k in zip(user.tolist(), offset.tolist(), strict=True):
        active.setdefault(u, set()).add(k)
    for u, periods in active.items():
        for k in range(n_periods):
            hit = k in periods if kind == "classic" else any(j >= k for j in periods)
            if hit:
                out[cohort[u]][k] += 1
    return np.array(out)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.parametrize("dense_limit", [1 << 26, 0])  # bitmap, and the sort path
@given(data=activity())
def test_cohort_counts_match_oracle(data, dense_limit, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(kernel, "_DENSE_LIMIT", dense_limit)
    user, offset, cohort, n_c, n_p, values = data
    for kind in ("classic", "unbounded"):
        got = cohort_counts(user, offset, cohort, n_c, n_p, kind=kind)
        np.testing.assert_array_equal(got, oracle(user, offset, cohort, n_c, n_p, kind=kind))
    got = cohort_counts(user, offset, cohort, n_c, n_p, kind="classic", values=values)
    np.testing.assert_allclose(
        got, oracle(user, offset, cohort, n_c, n_p, kind="classic", values=values)
    )


# the bitmap counted into a (cohort, offset) table a user at a time, or in one chunk; the
# bitmap read back without the table; the sort path
FIRST_PERIOD_PATHS = [
    (1 << 26, 1 << 18, 1),
    (1 << 26, 1 << 18, 1 << 21),
    (1 << 26, 0, 1 << 21),
    (0, 1 << 18, 1 << 21),
]


def _take_path(monkeypatch: pytest.MonkeyPatch, path: tuple[int, int, int]) -> None:
    for name, value in zip(
        ("_DENSE_LIMIT", "_PAIR_TABLE_LIMIT", "_BITMAP_CHUNK"), path, strict=True
    ):
        monkeypatch.setattr(kernel, name, value)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.parametrize("path", FIRST_PERIOD_PATHS)
@given(
    rows=st.lists(st.tuples(st.integers(0, 7), st.integers(-3, 12)), max_size=60),
    extra_users=st.integers(0, 3),
    max_periods=st.one_of(st.none(), st.integers(1, 6)),
)
def test_first_period_cohorts_match_oracle(  # type: ignore[no-untyped-def]
    rows, extra_users, max_periods, path, monkeypatch
) -> None:
    """Each user's cohort is the period of their first row; pairs counted once."""
    _take_path(monkeypatch, path)
    user = np.array([r[0] for r in rows], dtype=np.int64)
    period = np.array([r[1] for r in rows], dtype=np.int64) + 2_800  # ordinals of our time
    n_users = (int(user.max()) + 1 if rows else 0) + extra_users
    counts, sizes, first = first_period_cohort_counts(user, period, n_users, max_periods)
    if not rows:
        assert counts.shape == (0, 1)
        assert sizes.size == 0
        return
    start = {u: min(p for v, p in zip(user, period, strict=True) if v == u) for u in set(user)}
    assert first == min(start.values())
    pairs = {(int(u), int(p) - start[u]) for u, p in zip(user, period, strict=True)}
    n_periods = max(k for _, k in pairs) + 1
    if max_periods is not None:
        n_periods = min(n_periods, max_periods)
    assert counts.shape == (max(start.values()) - first + 1, n_periods)
    for c in range(counts.shape[0]):
        members = {u for u, p in start.items() if p - first == c}
        assert sizes[c] == len(members)
        for k in range(n_periods):
            assert counts[c, k] == sum((u, k) in pairs for u in members)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.parametrize("path", FIRST_PERIOD_PATHS)
@given(
    rows=st.lists(st.tuples(st.integers(0, 9), st.integers(-3, 12)), min_size=1, max_size=80),
    options=st.tuples(
        st.integers(0, 3), st.one_of(st.none(), st.integers(1, 6)), st.integers(2, 5)
    ),
)
def test_first_period_cohorts_do_not_depend_on_threads(  # type: ignore[no-untyped-def]
    rows, options, path, monkeypatch
) -> None:
    """Row blocks (of one row, here) and user ranges in threads give one thread's counts."""
    _take_path(monkeypatch, path)
    monkeypatch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
    extra_users, max_periods, threads = options
    user = np.array([r[0] for r in rows], dtype=np.int64)
    period = np.array([r[1] for r in rows], dtype=np.int64) + 2_800
    n_users = int(user.max()) + 1 + extra_users
    one = first_period_cohort_counts(user, period, n_users, max_periods)
    many = first_period_cohort_counts(user, period, n_users, max_periods, threads=threads)
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])
    assert one[1].dtype == many[1].dtype == np.int64
    assert one[2] == many[2]


@given(
    rows=st.lists(st.tuples(st.integers(0, 9), st.integers(-30, 90)), min_size=1, max_size=80),
    threads=st.integers(1, 4),
)
def test_periods_converted_per_block_are_the_periods_given(  # type: ignore[no-untyped-def]
    rows, threads
) -> None:
    """``period_of`` (here days to weeks) gives the counts of the converted periods."""
    user = np.array([r[0] for r in rows], dtype=np.int64)
    days = np.array([r[1] for r in rows], dtype=np.int64)
    n_users = int(user.max()) + 1
    given_periods = first_period_cohort_counts(user, days // 7, n_users)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        converted = first_period_cohort_counts(
            user, days, n_users, period_of=lambda d: d // 7, threads=threads
        )
    np.testing.assert_array_equal(given_periods[0], converted[0])
    np.testing.assert_array_equal(given_periods[1], converted[1])
    assert given_periods[2] == converted[2]
