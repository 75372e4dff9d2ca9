"""MRR kernels against a slow, dense pure-Python oracle on random subscription intervals."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels import unit_economics as kern

N_PERIODS = 8

interval = st.tuples(
    st.integers(0, 5),  # customer
    st.integers(-2, N_PERIODS + 1),  # first
    st.integers(0, 6),  # length in periods (0 = intra-period)
    st.sampled_from([0, 1, 250, 999, 10_000]),  # cents
)


def _arrays(rows: list[tuple[int, int, int, int]]) -> tuple[np.ndarray, ...]:
    c = np.array([r[0] for r in rows], dtype=np.int64)
    f = np.array([r[1] for r in rows], dtype=np.int64)
    s = f + np.array([r[2] for r in rows], dtype=np.int64)
    v = np.array([r[3] for r in rows], dtype=np.int64)
    return c, f, s, v


def _dense(rows: list[tuple[int, int, int, int]], n_customers: int = 6) -> list[list[int]]:
    levels = [[0] * N_PERIODS for _ in range(n_customers)]
    for cust, first, length, cents in rows:
        for p in range(N_PERIODS):
            if first <= p < first + length:
                levels[cust][p] += cents
    return levels


def _oracle(levels: list[list[int]], window: int | None) -> tuple[list, list, list, list]:
    amounts = [[0] * 5 for _ in range(N_PERIODS)]
    counts = [[0] * 5 for _ in range(N_PERIODS)]
    ending = [sum(lv[p] for lv in levels) for p in range(N_PERIODS)]
    ending_count = [sum(lv[p] > 0 for lv in levels) for p in range(N_PERIODS)]
    for lv in levels:
        paid = False
        last_positive = None
        for p in range(N_PERIODS):
            prev = lv[p - 1] if p > 0 else 0
            cur = lv[p]
            if cur == prev:
                if cur > 0:
                    last_positive = p
                continue
            if prev == 0:
                gap_ok = (
                    window is None
                    or (p - (last_positive + 1 if last_positive is not None else 0)) <= window
                )
                kind = kern.KIND_REACTIVATION if paid and gap_ok else kern.KIND_NEW
            elif cur == 0:
                kind = kern.KIND_CHURNED
            elif cur > prev:
                kind = kern.KIND_EXPANSION
            else:
                kind = kern.KIND_CONTRACTION
            amounts[p][kind] += cur - prev
            counts[p][kind] += 1
            if cur > 0:
                paid = True
                last_positive = p
    return amounts, counts, ending, ending_count


@given(rows=st.lists(interval, min_size=0, max_size=25), window=st.sampled_from([None, 0, 1, 3]))
def test_bridge_kernels_match_dense_oracle(rows: list, window: int | None) -> None:
    c, f, s, v = _arrays(rows) if rows else (np.zeros(0, np.int64),) * 4
    cp = kern.change_points(c, f, s, v, N_PERIODS)
    kind = kern.classify_changes(cp, window)
    totals = kern.bridge_totals(cp, kind, N_PERIODS)
    amounts, counts, ending, ending_count = _oracle(_dense(rows), window)
    assert totals.amounts.tolist() == amounts
    assert totals.counts.tolist() == counts
    assert totals.ending.tolist() == ending
    assert totals.ending_count.tolist() == ending_count
    # the bridge balances exactly: ending[p] = ending[p-1] + all movements of p
    starting = np.r_[0, totals.ending[:-1]]
    assert (starting + totals.amounts.sum(axis=1) == totals.ending).all()


@given(rows=st.lists(interval, min_size=0, max_size=25), lag=st.integers(1, 5))
def test_lagged_retention_matches_dense_oracle(rows: list, lag: int) -> None:
    c, f, s, v = _arrays(rows) if rows else (np.zeros(0, np.int64),) * 4
    cp = kern.change_points(c, f, s, v, N_PERIODS)
    base, net, gross, count = kern.lagged_retention(cp, lag, N_PERIODS)
    levels = _dense(rows)
    for p in range(N_PERIODS):
        cohort = [lv for lv in levels if p >= lag and lv[p - lag] > 0]
        assert base[p] == sum(lv[p - lag] for lv in cohort)
        assert net[p] == sum(lv[p] for lv in cohort)
        assert gross[p] == sum(min(lv[p], lv[p - lag]) for lv in cohort)
        assert count[p] == len(cohort)
    assert (gross <= net).all()
    assert (gross <= base).all()


def test_accumulate_segments_clips_to_range() -> None:
    out = kern.accumulate_segments(np.array([-3, 2]), np.array([1, 99]), np.array([5, 1]), 4)
    assert out.tolist() == [5, 0, 1, 1]
