"""Engagement kernels against slow pure-Python oracles (sets of active days per user)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from saasmetrics._kernels import engagement as engagement_kernels
from saasmetrics._kernels.engagement import (
    cents_day_pairs,
    day_pairs,
    distinct_pairs,
    growth_pairs,
    growth_values,
    lifecycle_counts,
    pair_sums,
    runs_per_period,
    trailing_active,
)

# rows of (user, day) with days in 0..19, any order
rows_st = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 19)), min_size=1, max_size=60)


def _sorted_pairs(rows: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    rows = sorted(rows)
    users = np.array([u for u, _ in rows], dtype=np.int64)
    days = np.array([d for _, d in rows], dtype=np.int64)
    return distinct_pairs(users, days)


def _active_sets(rows: list[tuple[int, int]]) -> dict[int, set[int]]:
    sets: dict[int, set[int]] = defaultdict(set)
    for u, d in rows:
        sets[u].add(d)
    return sets


def growth_users(users: np.ndarray, periods: np.ndarray, n_periods: int) -> tuple[np.ndarray, ...]:
    """The previous kernel, kept as a reference for growth_pairs: active, retained, new,
    resurrected and churned (positive) users per period, from distinct sorted pairs."""
    first = engagement_kernels._user_starts(users)
    prev = np.empty_like(periods)
    if periods.size:
        prev[1:] = periods[:-1]
        prev[0] = 0
    retained_mask = ~first & (prev == periods - 1)
    nxt = np.empty_like(periods)
    if periods.size:
        nxt[:-1] = periods[1:]
        nxt[engagement_kernels._user_ends(users)] = -2
    churns = (nxt != periods + 1) & (periods + 1 < n_periods)

    # one status per pair (0 retained, 1 new, 2 resurrected), counted in one pass
    status = periods * 3 + 2
    status -= first
    status -= 2 * retained_mask
    table = np.bincount(status, minlength=3 * n_periods).astype(np.int64).reshape(n_periods, 3)
    churned = np.bincount(periods[churns] + 1, minlength=n_periods)[:n_periods].astype(np.int64)
    retained, new, resurrected = (table[:, i].copy() for i in range(3))
    return retained + new + resurrected, retained, new, resurrected, churned


@given(rows_st)
def test_distinct_pairs_is_the_set_of_pairs(rows: list[tuple[int, int]]) -> None:
    u, d = _sorted_pairs(rows)
    assert list(zip(u.tolist(), d.tolist(), strict=True)) == sorted(set(rows))
    # unsorted within a user: sorted first, same answer
    rev = rows[::-1]
    u2, d2 = distinct_pairs(
        np.array([r[0] for r in sorted(rev, key=lambda r: r[0])], dtype=np.int64),
        np.array([r[1] for r in sorted(rev, key=lambda r: r[0])], dtype=np.int64),
    )
    assert list(zip(u2.tolist(), d2.tolist(), strict=True)) == sorted(set(rows))


@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(-(10**6), 10**6), st.integers(0, 9)),
        min_size=1,
        max_size=80,
    )
)
def test_pairs_of_rows_in_any_order_match_pandas(rows: list[tuple[int, int, int]]) -> None:
    """A raw frame's rows are in input order: one combined-key sort, same pairs and sums."""
    frame = pd.DataFrame(rows, columns=["user", "key", "value"])
    users, keys = frame["user"].to_numpy(np.int64), frame["key"].to_numpy(np.int64)
    want = frame.groupby(["user", "key"], sort=True)["value"].sum()
    u, k = distinct_pairs(users, keys)
    assert list(zip(u.tolist(), k.tolist(), strict=True)) == want.index.tolist()
    u, k, v = pair_sums(users, keys, frame["value"].to_numpy(np.int64))
    assert list(zip(u.tolist(), k.tolist(), strict=True)) == want.index.tolist()
    assert v.tolist() == want.tolist()


@given(
    st.lists(
        st.tuples(
            st.integers(0, 30),
            st.integers(-3, 3),
            st.one_of(st.integers(-(10**6), 10**6), st.integers(-(2**62), 2**62)),
        ),
        min_size=1,
        max_size=80,
    )
)
def test_integer_pair_sums_on_a_small_grid_match_pandas(rows: list[tuple[int, int, int]]) -> None:
    """Few keys per user: sums are counted into a user x key grid, exact as long as float64
    counts the integers exactly; larger sums go the sorted way. Both give pandas' sums."""
    _assert_integer_sums_match_pandas(pd.DataFrame(rows, columns=["user", "key", "value"]))


@given(
    st.lists(
        st.tuples(st.integers(0, 2_000), st.integers(-5, 400), st.integers(0, 2**40)),
        min_size=1,
        max_size=80,
    ),
    st.integers(0, 40),
)
def test_non_negative_pair_sums_packed_with_their_key_match_pandas(
    rows: list[tuple[int, int, int]], bits: int
) -> None:
    """Non-negative values that fit below the (user, key) code are packed into one sorted
    int64; values too wide for it go another way. Every way gives pandas' sums."""
    frame = pd.DataFrame(rows, columns=["user", "key", "value"])
    frame["value"] = frame["value"] % (1 << bits)  # narrow and wide values
    _assert_integer_sums_match_pandas(frame)


def _assert_integer_sums_match_pandas(frame: pd.DataFrame) -> None:
    want = frame.groupby(["user", "key"], sort=True)["value"].sum()
    u, k, v = pair_sums(
        frame["user"].to_numpy(np.int64),
        frame["key"].to_numpy(np.int64),
        frame["value"].to_numpy(np.int64),
    )
    assert list(zip(u.tolist(), k.tolist(), strict=True)) == want.index.tolist()
    assert v.dtype == np.int64
    assert v.tolist() == want.tolist()


@given(rows_st, st.integers(1, 10))
def test_trailing_active_counts_each_user_once_per_window(
    rows: list[tuple[int, int]], window: int
) -> None:
    u, d = _sorted_pairs(rows)
    got = trailing_active(u, d, 20, window).tolist()
    sets = _active_sets(rows)
    want = [
        sum(1 for days in sets.values() if any(end - window < x <= end for x in days))
        for end in range(20)
    ]
    assert got == want


@given(rows_st, st.sampled_from([2, 5, 7]))
def test_runs_per_period_is_the_histogram_of_active_days(
    rows: list[tuple[int, int]], length: int
) -> None:
    u, d = _sorted_pairs(rows)
    n_periods = 20 // length + 1
    got = runs_per_period(u, d // length, n_periods, length)
    want = np.zeros((n_periods, length), dtype=np.int64)
    for days in _active_sets(rows).values():
        per: dict[int, int] = defaultdict(int)
        for x in days:
            per[x // length] += 1
        for p, k in per.items():
            want[p, k - 1] += 1
    np.testing.assert_array_equal(got, want)


def _oracle_lifecycle(
    sets: dict[int, set[int]], created: dict[int, int], n: int
) -> list[list[int]]:
    out = [[0] * n for _ in range(4)]
    for user, days in sets.items():
        ordered = sorted(days)
        for i, p in enumerate(ordered):
            if i == 0:
                out[0 if p == created[user] else 2][p] += 1
            elif ordered[i - 1] == p - 1:
                out[1][p] += 1
            else:
                out[2][p] += 1
            if p + 1 not in days and p + 1 < n:
                out[3][p + 1] += 1
    return out


@given(rows_st, st.data())
def test_lifecycle_counts_follow_posthogs_rules(
    rows: list[tuple[int, int]], data: st.DataObject
) -> None:
    sets = _active_sets(rows)
    created = {u: data.draw(st.sampled_from([min(d), max(d), 0])) for u, d in sets.items()}
    u, p = _sorted_pairs(rows)
    c = np.array([created[x] for x in u.tolist()], dtype=np.int64)
    got = [a.tolist() for a in lifecycle_counts(u, p, c, 20)]
    assert got == _oracle_lifecycle(sets, created, 20)
    first_seen = {x: min(d) for x, d in sets.items()}  # created=None: the first active period
    got = [a.tolist() for a in lifecycle_counts(u, p, None, 20)]
    assert got == _oracle_lifecycle(sets, first_seen, 20)


@given(rows_st)
def test_growth_users_against_the_oracle_and_identities(rows: list[tuple[int, int]]) -> None:
    u, p = _sorted_pairs(rows)
    active, retained, new, resurrected, churned = growth_users(u, p, 20)
    sets = _active_sets(rows)
    for t in range(20):
        now = {x for x, days in sets.items() if t in days}
        before = {x for x, days in sets.items() if t - 1 in days}
        ever = {x for x, days in sets.items() if min(days) < t}
        assert active[t] == len(now)
        assert retained[t] == len(now & before)
        assert new[t] == len(now - ever)
        assert resurrected[t] == len((now & ever) - before)
        assert churned[t] == len(before - now)
        assert active[t] == retained[t] + new[t] + resurrected[t]
        if t:
            assert active[t - 1] == retained[t] + churned[t]


@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 9), st.integers(0, 50)),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from([0, 1, 2**48]),
)
def test_growth_values_against_the_oracle_and_identities(
    rows: list[tuple[int, int, int]], scale: int
) -> None:
    """Float amounts; integers (cents) counted by float64 (small) or added as int64 (large)."""
    rows = sorted((a, b, c * scale) if scale else (a, b, c) for a, b, c in rows)
    users = np.array([r[0] for r in rows], dtype=np.int64)
    periods = np.array([r[1] for r in rows], dtype=np.int64)
    values = np.array([r[2] for r in rows], dtype=np.int64 if scale else np.float64)
    u, p, v = pair_sums(users, periods, values)
    total, retained, new, resurrected, expansion, contraction, churned = growth_values(u, p, v, 10)
    assert total.dtype == values.dtype
    amount: dict[tuple[int, int], float] = defaultdict(float)
    for a, b, c in rows:
        amount[a, b] += c
    users_all = {r[0] for r in rows}
    for t in range(10):
        want = dict.fromkeys(("ret", "new", "res", "exp", "con", "chu"), 0.0)
        for x in users_all:
            now, before = amount.get((x, t), 0.0), amount.get((x, t - 1), 0.0)
            seen = any(amount.get((x, s), 0.0) > 0 for s in range(t))
            if now and before:
                want["ret"] += min(now, before)
                want["exp"] += max(now - before, 0)
                want["con"] += max(before - now, 0)
            elif now and not seen:
                want["new"] += now
            elif now:
                want["res"] += now
            elif before and t > 0:
                want["chu"] += before
        got = (retained, new, resurrected, expansion, contraction, churned)
        assert [g[t] for g in got] == list(want.values())
        # integer amounts: the identities hold exactly
        assert total[t] == retained[t] + new[t] + resurrected[t] + expansion[t]
        if t:
            assert total[t - 1] == retained[t] + contraction[t] + churned[t]


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 11), st.integers(0, 30)),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([1, 2**46]),
    st.booleans(),
)
def test_growth_pairs_is_growth_users_values_and_the_cakes(
    rows: list[tuple[int, int, int]], scale: int, positive: bool
) -> None:
    """The fused kernel against the separate ones and per-pair cake oracles (zero totals too)."""
    rows = sorted((a, b, (c + positive) * scale) for a, b, c in rows)
    users = np.array([r[0] for r in rows], dtype=np.int64)
    periods = np.array([r[1] for r in rows], dtype=np.int64)
    values = np.array([r[2] for r in rows], dtype=np.int64)
    n = 12
    u, p, v = pair_sums(users, periods, values)
    got = growth_pairs(u, p, n, v)
    assert got.users.tolist() == [a.tolist() for a in growth_users(u, p, n)]
    assert got.values is not None
    assert got.cake_values is not None
    assert got.values.tolist() == [a.tolist() for a in growth_values(u, p, v, n)]
    cake = np.zeros((n, n), dtype=np.int64)
    kept = np.zeros((n, n), dtype=np.int64)
    money = np.zeros((n, n), dtype=np.int64)
    first: dict[int, int] = {}
    first_paid: dict[int, int] = {}
    active = set(zip(u.tolist(), p.tolist(), strict=True))
    for x, t, amount in zip(u.tolist(), p.tolist(), v.tolist(), strict=True):
        c = first.setdefault(x, t)
        cake[c, t] += 1
        kept[c, t] += (x, t - 1) in active
        if amount:
            money[first_paid.setdefault(x, t), t] += amount
    assert got.cake.tolist() == cake.tolist()
    assert got.cake_retained.tolist() == kept.tolist()
    assert got.cake_values.tolist() == money.tolist()
    users_only = growth_pairs(u, p, n)
    assert users_only.values is None
    assert users_only.cake_values is None
    assert users_only.users.tolist() == got.users.tolist()


@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 30),
            st.one_of(
                st.integers(0, 10**6).map(lambda c: c / 100),  # whole cents
                st.floats(-1.0, 5e7),  # any amount: fractions, too large
                st.sampled_from([0.005, 0.125, 42949672.95, 42949672.96, -0.001, np.nan]),
            ),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 4),
)
@example(rows=[(0, 0, 0.125), (1, 3, 2.675)], days_per_period=1)  # half a cent: declined
@example(rows=[(0, 0, 0.005), (0, 1, 42949672.95), (2, 0, -0.001)], days_per_period=2)
def test_day_pairs_match_pair_sums_of_the_rounded_cents(
    rows: list[tuple[int, int, float]], days_per_period: int
) -> None:
    """Rows in any order; the packed keys give pair_sums' answer or decline (None)."""
    users = np.array([r[0] for r in rows], dtype=np.int64)
    days = np.array([r[1] for r in rows], dtype=np.int64)
    amounts = np.array([r[2] for r in rows], dtype=np.float64)
    table = np.arange(31, dtype=np.int64) // days_per_period
    distinct = day_pairs(users, 7, days, table)
    assert distinct is not None
    want_u, want_p = distinct_pairs(users, table[days])
    assert distinct[0].tolist() == want_u.tolist()
    assert distinct[1].tolist() == want_p.tolist()
    got = cents_day_pairs(users, 7, days, table, amounts)
    if np.isnan(amounts).any():
        assert got is None
        return
    scaled = np.round(amounts * 100.0, 6)
    cents = (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)
    near = np.abs(amounts * 100.0 - np.rint(amounts * 100.0)) < 0.25
    rounded = np.rint(amounts * 100.0)
    assert (got is not None) == (near.all() and rounded.min() >= 0 and rounded.max() < 2**32)
    if got is None:
        return
    u, p, v = pair_sums(users, table[days], cents)
    assert [a.tolist() for a in got] == [u.tolist(), p.tolist(), v.tolist()]
    packed = day_pairs(users, 7, days, table, cents.copy())
    assert packed is not None
    assert [a.tolist() for a in packed] == [u.tolist(), p.tolist(), v.tolist()]


@pytest.mark.parametrize("block", [1, 3, 64])
def test_cents_day_pairs_in_many_blocks_match_one_block(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of any size give the one-block answer, and any block can decline."""
    rng = np.random.default_rng(block)
    users = rng.integers(0, 50, 1_000)
    days = rng.integers(0, 90, 1_000)
    amounts = rng.integers(0, 10_000, 1_000) / 100
    table = np.arange(90, dtype=np.int64) // 30
    whole = cents_day_pairs(users, 50, days, table, amounts)
    assert whole is not None
    monkeypatch.setattr(engagement_kernels, "_BLOCK", block)
    got = cents_day_pairs(users, 50, days, table, amounts)
    assert got is not None
    assert [a.tolist() for a in got] == [a.tolist() for a in whole]
    late = amounts.copy()
    late[-1] = 0.125  # half a cent in the last block only
    assert cents_day_pairs(users, 50, days, table, late) is None


def test_packed_pair_sums_stay_exact_above_2_53_cents() -> None:
    """One pair of 2**21 + 5 rows of 2**32 - 1 cents: the running sum wraps modulo 2**64."""
    k = 2**21 + 5
    users = np.zeros(k + 2, dtype=np.int64)
    users[-1] = 1
    days = np.zeros(k + 2, dtype=np.int64)
    days[-2:] = 1  # user 0 and user 1 in period 1 too
    cents = np.full(k + 2, 2**32 - 1, dtype=np.int64)
    cents[-2:] = [3, 4]
    table = np.array([0, 1], dtype=np.int64)
    amounts = cents / 100.0
    for got in (
        day_pairs(users, 2, days, table, cents.copy()),
        cents_day_pairs(users, 2, days, table, amounts),
    ):
        assert got is not None
        u, p, v = got
        assert v is not None
        assert (u.tolist(), p.tolist()) == ([0, 0, 1], [0, 1, 1])
        assert v.tolist() == [k * (2**32 - 1), 3, 4]  # above 2**53: no float rounding
        assert v[0] > 2**53


@pytest.mark.parametrize("n_periods", [1, 3])
def test_day_pairs_pack_up_to_the_key_limit_and_decline_at_it(n_periods: int) -> None:
    """``n_users * n_periods`` up to 2**31 - 1 packs (the top pair too); 2**31 declines."""
    n_users = (2**31 - 1) // n_periods
    users = np.array([n_users - 1, 0, n_users - 1], dtype=np.int64)
    table = np.arange(n_periods, dtype=np.int64)
    days = np.array([n_periods - 1, 0, n_periods - 1], dtype=np.int64)
    got = day_pairs(users, n_users, days, table, np.array([2**32 - 1, 5, 1], dtype=np.int64))
    assert got is not None
    u, p, v = got
    assert v is not None
    assert (u.tolist(), p.tolist(), v.tolist()) == (
        [0, n_users - 1],
        [0, n_periods - 1],
        [5, 2**32],
    )
    got = cents_day_pairs(users, n_users, days, table, np.array([1.5, 0.05, 0.01]))
    assert got is not None
    assert got[2].tolist() == [5, 151]
    too_many = -(-(2**31) // n_periods)  # n_users * n_periods >= 2**31
    assert day_pairs(users, too_many, days, table, np.array([1, 2, 3])) is None
    assert cents_day_pairs(users, too_many, days, table, np.array([1.0, 2.0, 3.0])) is None
    assert day_pairs(users, too_many, days, table) is not None  # no values: 2**62 bound
