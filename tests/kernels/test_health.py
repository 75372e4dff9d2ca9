"""Health kernels against slow pure-Python oracles on hypothesis data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics._kernels import health as hk
from saasmetrics._kernels import parallel

small = st.integers(0, 5)
rows = st.lists(st.tuples(small, st.integers(0, 7), st.integers(-4, 9)), max_size=50)
floats = st.floats(-50, 150, allow_nan=False)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-(10**6), 10**6)), max_size=40))
def test_group_distinct_sparse_keys_take_the_sorted_path(data: list[tuple[int, int]]) -> None:
    g = np.array([r[0] for r in data], dtype=np.int64)
    k = np.array([r[1] for r in data], dtype=np.int64)
    got = hk.group_distinct(g, k, 4)
    for grp in range(4):
        assert got[grp] == len({r[1] for r in data if r[0] == grp})


@given(rows)
def test_group_reductions_match_python(data: list[tuple[int, int, int]]) -> None:
    n = 7
    g = np.array([r[0] for r in data], dtype=np.int64)
    k = np.array([r[1] for r in data], dtype=np.int64)
    v = np.array([r[2] for r in data], dtype=np.int64)
    count = hk.group_count(g, n)
    distinct = hk.group_distinct(g, k, n)
    gmax = hk.group_max(g, v, n, fill=-99)
    gmin = hk.group_min(g, v, n, fill=99)
    top = hk.group_top(g, v.astype(np.float64), n)
    tb = -k  # tiebreak: the largest key wins among equal values
    top_tb = hk.group_top(g, v.astype(np.float64), n, tiebreak=tb)
    for grp in range(n):
        members = [i for i, r in enumerate(data) if r[0] == grp]
        assert count[grp] == len(members)
        assert distinct[grp] == len({data[i][1] for i in members})
        assert gmax[grp] == (max(data[i][2] for i in members) if members else -99)
        assert gmin[grp] == (min(data[i][2] for i in members) if members else 99)
        if members:
            best = max(data[i][2] for i in members)
            assert top[grp] == next(i for i in members if data[i][2] == best)
            tied = [i for i in members if data[i][2] == best]
            want = min(tied, key=lambda i: (-data[i][1], i))
            assert top_tb[grp] == want
        else:
            assert top[grp] == -1
            assert top_tb[grp] == -1


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30))
def test_symmetric_change_matches_python(pairs: list[tuple[int, int]]) -> None:
    cur = np.array([float(c) for c, _ in pairs])
    prev = np.array([float(p) for _, p in pairs])
    got = hk.symmetric_change(cur, prev)
    for i, (c, p) in enumerate(pairs):
        expected = 0.0 if c + p == 0 else (c - p) / (c + p)
        assert math.isclose(got[i], expected)
        assert -1.0 <= got[i] <= 1.0


@given(st.lists(floats, min_size=1, max_size=30), st.lists(floats, max_size=20))
def test_percentile_matches_python(reference: list[float], values: list[float]) -> None:
    ref = np.sort(np.array(reference))
    got = hk.percentile_scores(ref, np.array(values, dtype=np.float64))
    for i, x in enumerate(values):
        below = sum(r < x for r in reference)
        equal = sum(r == x for r in reference)
        assert math.isclose(got[i], 100.0 * (below + equal / 2) / len(reference))


@given(
    st.lists(floats, min_size=1, max_size=5, unique=True),
    st.lists(floats, max_size=20),
    st.sampled_from(["left", "right"]),
)
def test_thresholds_match_python(edges: list[float], values: list[float], closed: str) -> None:
    edges = sorted(edges)
    scores = np.linspace(0.0, 100.0, len(edges) + 1)
    got = hk.threshold_scores(
        np.array(values, dtype=np.float64), np.array(edges), scores, closed=closed
    )
    for i, x in enumerate(values):
        # closed="left": an edge belongs to the bucket above it
        bucket = sum(x >= e for e in edges) if closed == "left" else sum(x > e for e in edges)
        assert got[i] == scores[bucket]


@given(st.lists(floats, max_size=20), st.floats(0.5, 100), st.booleans())
def test_goal_matches_python(values: list[float], goal: float, higher: bool) -> None:
    got = hk.goal_scores(np.array(values, dtype=np.float64), goal, higher_is_better=higher)
    for i, x in enumerate(values):
        if higher:
            expected = min(max(100 * x / goal, 0.0), 100.0)
        else:
            expected = 100.0 if x <= goal else 100 * goal / x
        assert math.isclose(got[i], expected, abs_tol=1e-9)


@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=3, max_size=3),
        min_size=1,
        max_size=15,
    ),
    st.lists(st.floats(0.01, 5), min_size=3, max_size=3),
    st.sampled_from(["renormalize", "zero"]),
)
def test_combine_weighted_matches_python(
    table: list[list[float | None]], raw_w: list[float], missing: str
) -> None:
    w = np.array(raw_w) / sum(raw_w)
    x = np.array([[np.nan if v is None else v for v in row] for row in table])
    score, observed, contrib = hk.combine_weighted(x, w, missing=missing)
    for i, row in enumerate(table):
        obs = [j for j, v in enumerate(row) if v is not None]
        ow = sum(w[j] for j in obs)
        assert math.isclose(observed[i], ow, abs_tol=1e-12)
        denom = ow if missing == "renormalize" else 1.0
        if denom == 0:
            assert math.isnan(score[i])
            continue
        expected = sum(w[j] * row[j] for j in obs) / denom  # type: ignore[operator]
        assert math.isclose(score[i], expected, abs_tol=1e-9)
        assert math.isclose(contrib[i].sum(), score[i], abs_tol=1e-9)


@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=3, max_size=3),
        min_size=1,
        max_size=15,
    )
)
def test_combine_worst_matches_python(table: list[list[float | None]]) -> None:
    x = np.array([[np.nan if v is None else v for v in row] for row in table])
    score, _, contrib = hk.combine_worst(x, np.full(3, 1 / 3))
    for i, row in enumerate(table):
        obs = [v for v in row if v is not None]
        if not obs:
            assert math.isnan(score[i])
        else:
            assert score[i] == min(obs)
            assert math.isclose(contrib[i].sum(), min(obs))


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=1, max_size=40))
def test_auc_matches_pairwise_definition(data: list[tuple[bool, int]]) -> None:
    y = np.array([d[0] for d in data])
    s = np.array([float(d[1]) for d in data])
    pos = [d[1] for d in data if d[0]]
    neg = [d[1] for d in data if not d[0]]
    got = hk.auc(y, s)
    if not pos or not neg:
        assert math.isnan(got)
        return
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    assert math.isclose(got, wins / (len(pos) * len(neg)))


@given(
    st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=1, max_size=40), st.integers(1, 10)
)
def test_calibration_bins_partition_rows(data: list[tuple[bool, float]], n_bins: int) -> None:
    n_bins = min(n_bins, len(data))
    y = np.array([d[0] for d in data])
    p = np.array([d[1] for d in data])
    n, mean_p, rate = hk.calibration_bins(y, p, n_bins)
    assert n.sum() == len(data)
    assert n.max() - n.min() <= 1
    assert math.isclose((n * rate).sum(), float(y.sum()))
    assert math.isclose((n * mean_p).sum(), float(p.sum()), abs_tol=1e-9)
    assert np.all(np.diff(mean_p) >= -1e-12)  # bins go from low to high risk


events_st = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 3), st.integers(1, 60)),
    max_size=60,
)


@given(events_st, st.integers(1, 20), st.integers(1, 30))
def test_window_activity_matches_python(
    data: list[tuple[int, int, int, int]], lo: int, width: int
) -> None:
    day = 3
    acc = np.array([d[0] for d in data], dtype=np.int64)
    pair = np.array([d[0] * 3 + d[1] for d in data], dtype=np.int64)
    age = np.array([d[3] for d in data], dtype=np.int64)
    pair_account = np.arange(12, dtype=np.int64) // 3
    out = hk.window_activity(
        acc, pair, pair_account, age, lo_ns=lo, hi_ns=lo + width, n_accounts=4, day_ns=day
    )
    inside = [d for d in data if lo < d[3] <= lo + width]
    for a in range(4):
        mine = [d for d in inside if d[0] == a]
        assert out["events"][a] == len(mine)
        assert out["active_days"][a] == len({(d[3] - 1) // day for d in mine})
        assert out["active_users"][a] == len({d[1] for d in mine})
    active = sorted({d[0] * 3 + d[1] for d in inside})
    assert out["active_pairs"].tolist() == active
    for p, days in zip(active, out["active_pair_days"].tolist(), strict=True):
        mine = [d for d in inside if d[0] * 3 + d[1] == p]
        assert days == len({(d[3] - 1) // day for d in mine})
    both = hk.window_activity(
        acc, pair, pair_account, age, lo_ns=lo, hi_ns=lo + width, n_accounts=4, day_ns=day,
        threads=2,
    )  # fmt: skip
    assert list(both) == list(out)  # per account and per pair side by side: the same
    for key, value in out.items():
        np.testing.assert_array_equal(both[key], value)
    short = hk.window_activity(
        acc, pair, pair_account, age, lo_ns=lo, hi_ns=lo + width, n_accounts=4, day_ns=day,
        detail=False,
    )  # fmt: skip
    assert set(short) == {"events", "active_users"}
    np.testing.assert_array_equal(short["events"], out["events"])
    np.testing.assert_array_equal(short["active_users"], out["active_users"])


def test_window_activity_of_many_days_counts_every_pair() -> None:
    # review: (pair, day) keys were numbered over the window's days: 2**62 days of 1 ns
    # overflowed pair * span, and the last pair's day was lost
    one = np.zeros(3, dtype=np.int64)
    out = hk.window_activity(
        one, np.arange(3), one, np.array([1, 2, 3]), lo_ns=0, hi_ns=2**62, n_accounts=1, day_ns=1
    )
    assert out["active_pairs"].tolist() == [0, 1, 2]
    assert out["active_pair_days"].tolist() == [1, 1, 1]
    assert out["active_days"].tolist() == [3.0]


def test_percentile_large_arrays_take_the_sorted_path() -> None:
    rng = np.random.default_rng(0)
    ref = np.sort(np.round(rng.normal(size=5000), 2))
    values = np.r_[np.round(rng.normal(size=20000), 2), np.nan, -9.0, 9.0]
    got = hk.percentile_scores(ref, values)
    below = np.searchsorted(ref, values, side="left")
    upto = np.searchsorted(ref, values, side="right")
    expected = np.where(np.isnan(values), np.nan, 100.0 * (below + upto) / (2.0 * ref.size))
    np.testing.assert_allclose(got, expected)


def test_goal_and_points_beyond_float_range_clip_without_warnings() -> None:
    # review: 1e308 raw values overflowed with a RuntimeWarning (an error under pytest)
    x = np.array([1e308, -1e308, 0.0, np.nan])
    assert hk.goal_scores(x, 1e-3).tolist()[:3] == [100.0, 0.0, 0.0]
    low = hk.goal_scores(x, 1e-3, higher_is_better=False)[:3]
    np.testing.assert_allclose(low, [0.0, 100.0, 100.0], atol=1e-12)
    assert hk.points_scores(x, 3.0, 10.0).tolist()[:3] == [100.0, 0.0, 20.0]
    assert hk.points_scores(x, 3.0, 10.0, higher_is_better=False).tolist()[:3] == [0.0, 100.0, 80.0]
    assert np.isnan(hk.points_scores(x, 3.0, 10.0)[3])


# the int64 edges too: values - min and the range must not overflow
@given(
    st.lists(st.integers(-5, 40), max_size=60),
    st.sampled_from([0, 10**6, -(10**9), -(2**63) + 5, 2**63 - 41]),
)
def test_dense_codes_match_pandas_factorize(values: list[int], shift: int) -> None:
    import pandas as pd

    x = np.array(values, dtype=np.int64) + shift
    got = hk.dense_codes(x)
    if x.size == 0:
        assert got is None
        return
    assert got is not None
    codes, uniques = pd.factorize(x, sort=True)
    np.testing.assert_array_equal(got[0], codes)
    np.testing.assert_array_equal(got[1], uniques)


def test_dense_codes_refuse_a_wide_range() -> None:
    assert hk.dense_codes(np.array([0, 1, 10**9], dtype=np.int64)) is None


@given(st.lists(st.integers(0, 9), max_size=40))
def test_compact_codes_keep_order_and_drop_unused(codes: list[int]) -> None:
    c = np.array(codes, dtype=np.int64)
    new, used = hk.compact_codes(c, 10)
    assert used.tolist() == sorted(set(codes))
    np.testing.assert_array_equal(used[new], c)  # maps back


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 7), st.integers(0, 3)), max_size=60),
    st.integers(1, 4),
)
def test_group_of_each_finds_the_group_of_each_member_or_none(
    rows: list[tuple[int, int]], threads: int
) -> None:
    member = np.array([r[0] for r in rows], dtype=np.int64)
    group = np.array([r[1] for r in rows], dtype=np.int64)
    groups_of: dict[int, set[int]] = {}
    for m, g in rows:
        groups_of.setdefault(m, set()).add(g)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)  # blocks of a few rows
        got = hk.group_of_each(member, group, 8, 4, threads=threads)
    if any(len(gs) > 1 for gs in groups_of.values()):
        assert got is None
    else:
        assert got is not None
        assert got.tolist() == [min(groups_of.get(m, {0})) for m in range(8)]


@settings(deadline=None)
@given(st.lists(st.integers(0, 9), max_size=80), st.integers(1, 4))
def test_group_count_in_threads_is_bincount(codes: list[int], threads: int) -> None:
    c = np.array(codes, dtype=np.int64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        got = hk.group_count(c, 10, threads=threads)
    np.testing.assert_array_equal(got, np.bincount(c, minlength=10))


@settings(deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=80), st.integers(1, 4))
def test_take_where_and_gather_in_threads_match_numpy(values: list[int], threads: int) -> None:
    v = np.array(values, dtype=np.int64)
    other = np.arange(v.size) * 10
    table = np.arange(11) * 3
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        kept = parallel.take_where(lambda rows: v[rows] <= 0, [v, other], threads=threads)
        gathered = parallel.gather(table, v + 5, threads=threads)
    np.testing.assert_array_equal(kept[0], v[v <= 0])
    np.testing.assert_array_equal(kept[1], other[v <= 0])
    np.testing.assert_array_equal(gathered, table[v + 5])


@given(st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=4), min_size=1, max_size=4))
def test_concat_blocks_is_concatenate(piece_sizes: list[list[int]]) -> None:
    # pieces of two columns (int64 and int8) per block, some of them empty
    blocks, start = [], 0
    for sizes in piece_sizes:
        pieces = []
        for size in sizes:
            pieces.append(np.arange(start, start + size))
            start += size
        blocks.append([pieces, [p.astype(np.int8) for p in pieces]])
    wide, narrow = parallel.concat_blocks(blocks)
    np.testing.assert_array_equal(wide, np.arange(start))
    assert narrow.dtype == np.int8
    np.testing.assert_array_equal(narrow, np.arange(start).astype(np.int8))


def test_group_of_each_sees_a_member_in_two_groups_across_blocks() -> None:
    # each block alone is consistent (member 0 in group 1, then in group 2)
    member = np.zeros(20, dtype=np.int64)
    group = np.repeat([1, 2], 10)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        assert hk.group_of_each(member, group, 8, 4, threads=2) is None
        assert hk.group_of_each(member[:10], group[:10], 8, 4, threads=2).tolist() == [1] + [0] * 7


@settings(deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=80), st.integers(1, 4))
def test_min_max_below_in_threads_match_numpy(values: list[int], threads: int) -> None:
    v = np.array(values, dtype=np.int64)
    limit = int(np.median(v))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        patch.setattr(parallel, "CHUNK_ROWS", 7)  # several chunks per block
        got = parallel.min_max_below(v, limit, threads=threads)
        kept = parallel.take_where(lambda rows: v[rows] < limit, [v], threads=threads)[0]
    assert got == (int(v.min()), int(v.max()), int((v < limit).sum()))
    np.testing.assert_array_equal(kept, v[v < limit])
