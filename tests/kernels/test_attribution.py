"""Attribution kernels against slow pure-Python oracles, and the Shapley axioms."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels.attribution import (
    channel_set_masks,
    credit,
    credited_sessions,
    game_shapley_exact,
    heuristic_weights,
    markov_absorption,
    markov_removal,
    markov_states,
    markov_transitions,
    next_event,
    ordered_simplified_shapley,
    popcount,
    shapley_rate_sampled,
    simplified_shapley,
    subset_sums,
    touch_credit,
)
from saasmetrics._kernels.segments import segment_offsets

paths_st = st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=6), min_size=1, max_size=12)


def _csr(paths: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(paths) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(p) for p in paths])
    codes = np.array([c for p in paths for c in p], dtype=np.int32)
    return offsets, codes


def _oracle_weights(path: list[int], kind: str, elapsed: list[float], hl: float) -> list[float]:
    n = len(path)
    if kind == "first":
        return [1.0 if i == 0 else 0.0 for i in range(n)]
    if kind == "last":
        return [1.0 if i == n - 1 else 0.0 for i in range(n)]
    if kind == "linear":
        return [1.0 / n] * n
    if kind == "linear_unique":
        k = len(set(path))
        seen: set[int] = set()
        out = []
        for c in path:
            out.append(0.0 if c in seen else 1.0 / k)
            seen.add(c)
        return out
    if kind == "position":
        if n == 1:
            return [1.0]
        if n == 2:
            return [0.5, 0.5]
        return [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]
    raw = [2.0 ** (-e / hl) for e in elapsed]
    return [r / sum(raw) for r in raw]


@given(
    paths_st,
    st.sampled_from(["first", "last", "linear", "linear_unique", "position", "time_decay"]),
    st.data(),
)
def test_heuristic_weights_match_oracle(
    paths: list[list[int]], kind: str, data: st.DataObject
) -> None:
    offsets, codes = _csr(paths)
    elapsed = [
        sorted(
            data.draw(st.lists(st.floats(0, 50), min_size=len(p), max_size=len(p))), reverse=True
        )
        for p in paths
    ]
    flat_elapsed = np.array([e for es in elapsed for e in es], dtype=np.float64)
    got = heuristic_weights(offsets, codes, kind, elapsed=flat_elapsed, half_life=7.0)
    want = [
        w for p, es in zip(paths, elapsed, strict=True) for w in _oracle_weights(p, kind, es, 7.0)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    amounts = np.arange(1, len(paths) + 1, dtype=np.float64)
    per_channel = credit(offsets, codes, got, amounts, 4)
    assert math.isclose(per_channel.sum(), amounts.sum(), rel_tol=1e-9)


def _oracle_markov(
    paths: list[list[int]], conv: list[float], null: list[float], order: int, removed: int | None
) -> float:
    """Absorption probability by building the chain with dicts and solving densely."""
    counts: dict[tuple, dict[object, float]] = {}

    def add(a: tuple, b: object, w: float) -> None:
        counts.setdefault(a, {})
        counts[a][b] = counts[a].get(b, 0.0) + w

    for p, c, u in zip(paths, conv, null, strict=True):
        prev: tuple = ("start",)
        for i in range(len(p)):
            state = tuple(p[max(0, i - order + 1) : i + 1])
            add(prev, state, c + u)
            prev = state
        add(prev, "conv", c)
        add(prev, "null", u)
    states = [*sorted((s for s in counts if s != ("start",)), key=str), ("start",)]
    idx = {s: i for i, s in enumerate(states)}
    n = len(states)
    q = np.zeros((n, n))
    r = np.zeros(n)
    for a, row in counts.items():
        tot = sum(row.values())
        if tot == 0 or (removed is not None and a != ("start",) and removed in a):
            continue
        for b, w in row.items():
            if b == "conv":
                r[idx[a]] += w / tot
            elif b != "null":
                q[idx[a], idx[b]] += w / tot
    x = np.linalg.solve(np.eye(n) - q, r)
    return float(x[idx[("start",)]])


@given(
    paths_st,
    st.data(),
    st.integers(1, 3),
)
def test_markov_absorption_matches_dense_oracle(
    paths: list[list[int]], data: st.DataObject, order: int
) -> None:
    conv = data.draw(st.lists(st.integers(0, 3), min_size=len(paths), max_size=len(paths)))
    null = data.draw(st.lists(st.integers(0, 3), min_size=len(paths), max_size=len(paths)))
    conv_a = np.array(conv, dtype=np.float64)
    null_a = np.array(null, dtype=np.float64)
    offsets, codes = _csr(paths)
    state, keys = markov_states(offsets, codes, 4, order)
    counts = markov_transitions(offsets, state, keys.size, conv_a, null_a)
    if conv_a.sum() + null_a.sum() == 0:
        return
    assert math.isclose(
        markov_absorption(counts),
        _oracle_markov(paths, conv, null, order, None),
        rel_tol=1e-9,
        abs_tol=1e-12,
    )
    # flow conservation: the chain's conversion probability is the observed conversion rate
    assert math.isclose(
        markov_absorption(counts), conv_a.sum() / (conv_a.sum() + null_a.sum()), rel_tol=1e-9
    )
    base = 5
    digits = np.stack([(keys // base**lag) % base for lag in range(order)])
    for c in range(4):
        removed = (digits == c + 1).any(axis=0)
        assert math.isclose(
            markov_absorption(counts, removed),
            _oracle_markov(paths, conv, null, order, c),
            rel_tol=1e-9,
            abs_tol=1e-12,
        )


def test_markov_hand_example() -> None:
    # c1>c2>c3 converts, c1 and c2>c3 do not: P(conv) = 1/3; without c1 it is 1/6
    offsets, codes = _csr([[0, 1, 2], [0], [1, 2]])
    state, keys = markov_states(offsets, codes, 3, 1)
    counts = markov_transitions(
        offsets, state, keys.size, np.array([1.0, 0, 0]), np.array([0.0, 1, 1])
    )
    assert math.isclose(markov_absorption(counts), 1 / 3)
    assert math.isclose(markov_absorption(counts, np.array([True, False, False])), 1 / 6)
    assert markov_absorption(counts, np.array([False, True, False])) == 0.0


@given(st.lists(st.integers(0, 2**40), max_size=30))
def test_popcount(values: list[int]) -> None:
    got = popcount(np.array(values, dtype=np.uint64))
    assert got.tolist() == [bin(v).count("1") for v in values]


@given(st.integers(0, 5), st.data())
def test_subset_sums_brute_force(n: int, data: st.DataObject) -> None:
    values = np.array(
        data.draw(st.lists(st.floats(-5, 5), min_size=1 << n, max_size=1 << n)), dtype=np.float64
    )
    got = subset_sums(values, n)
    want = [sum(values[t] for t in range(1 << n) if t & s == t) for s in range(1 << n)]
    np.testing.assert_allclose(got, want, atol=1e-9)


def _shapley_by_permutations(v: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    perms = list(itertools.permutations(range(n)))
    for perm in perms:
        mask = 0
        for player in perm:
            out[player] += v[mask | (1 << player)] - v[mask]
            mask |= 1 << player
    return out / len(perms)


games = st.integers(1, 5).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.floats(-10, 10), min_size=1 << n, max_size=1 << n))
)


@given(games)
def test_exact_shapley_matches_definition_and_axioms(game: tuple[int, list[float]]) -> None:
    n, raw = game
    v = np.array(raw, dtype=np.float64)
    v[0] = 0.0
    phi = game_shapley_exact(v, n)
    np.testing.assert_allclose(phi, _shapley_by_permutations(v, n), atol=1e-9)
    # efficiency
    assert math.isclose(phi.sum(), v[-1] - v[0], abs_tol=1e-9)


@given(st.integers(3, 5), st.data())
def test_symmetry_and_null_player(n: int, data: st.DataObject) -> None:
    # a game where players 0 and 1 are interchangeable and player n-1 adds nothing
    base = data.draw(st.lists(st.floats(0, 10), min_size=1 << n, max_size=1 << n))
    v = np.zeros(1 << n)
    for s in range(1 << n):
        t = s & ~(1 << (n - 1))  # null player
        b0, b1 = t & 1, (t >> 1) & 1
        swapped = (t & ~3) | (b0 << 1) | b1
        v[s] = base[min(t, swapped)] if t else 0.0  # symmetric in players 0 and 1
    phi = game_shapley_exact(v, n)
    assert math.isclose(phi[0], phi[1], abs_tol=1e-9)
    assert math.isclose(phi[n - 1], 0.0, abs_tol=1e-9)


@given(paths_st, st.data())
def test_simplified_shapley_equals_enumerated_game(
    paths: list[list[int]], data: st.DataObject
) -> None:
    amounts = np.array(
        data.draw(st.lists(st.floats(0, 5), min_size=len(paths), max_size=len(paths))),
        dtype=np.float64,
    )
    offsets, codes = _csr(paths)
    masks = channel_set_masks(offsets, codes)
    assert masks.tolist() == [sum(1 << c for c in set(p)) for p in paths]
    n = 4
    v = subset_sums(np.bincount(masks.astype(np.int64), weights=amounts, minlength=1 << n), n)
    np.testing.assert_allclose(
        simplified_shapley(masks, amounts, n), game_shapley_exact(v, n), atol=1e-9
    )


def test_sampled_rate_shapley_converges_to_exact() -> None:
    rng = np.random.default_rng(1)
    n = 5
    n_sets = 12
    members = rng.random((n_sets, n)) < 0.4
    members[np.arange(n_sets), rng.integers(0, n, n_sets)] = True
    conv = rng.integers(0, 20, n_sets).astype(np.float64)
    tot = conv + rng.integers(1, 40, n_sets)
    masks = (members * (1 << np.arange(n))).sum(axis=1)
    c_all = subset_sums(np.bincount(masks, weights=conv, minlength=1 << n), n)
    t_all = subset_sums(np.bincount(masks, weights=tot, minlength=1 << n), n)
    v = np.divide(c_all, t_all, out=np.zeros(1 << n), where=t_all > 0)
    exact = game_shapley_exact(v, n)
    mean, se = shapley_rate_sampled(members, conv, tot, 20_000, np.random.default_rng(0))
    assert np.all(np.abs(mean - exact) <= 5 * se + 1e-12)
    assert math.isclose(mean.sum(), v[-1], rel_tol=1e-9)  # efficiency holds per permutation
    again, _ = shapley_rate_sampled(members, conv, tot, 20_000, np.random.default_rng(0))
    np.testing.assert_array_equal(mean, again)  # seeded


@given(paths_st, st.data(), st.integers(1, 3), st.booleans())
def test_markov_removal_direct_and_iterative_match_oracle(
    paths: list[list[int]], data: st.DataObject, order: int, value: bool
) -> None:
    conv = data.draw(st.lists(st.integers(0, 3), min_size=len(paths), max_size=len(paths)))
    null = data.draw(st.lists(st.integers(0, 3), min_size=len(paths), max_size=len(paths)))
    conv_a = np.array(conv, dtype=np.float64)
    null_a = np.array(null, dtype=np.float64)
    if conv_a.sum() == 0:
        return
    offsets, codes = _csr(paths)
    state, keys = markov_states(offsets, codes, 4, order)
    counts = markov_transitions(offsets, state, keys.size, conv_a, null_a)
    digits = np.stack([(keys // 5**lag) % 5 for lag in range(order)])
    removed = np.stack([(digits == c + 1).any(axis=0) for c in range(4)])
    reward = None
    if value:
        lasts = offsets[1:] - 1
        reward = np.bincount(state[lasts], weights=conv_a * 3.5, minlength=keys.size).astype(
            np.float64
        )
    direct = markov_removal(counts, removed, reward, direct_below=10**9)
    iterative = markov_removal(counts, removed, reward, direct_below=0)
    assert math.isclose(direct[0], iterative[0], rel_tol=1e-12, abs_tol=1e-15)
    np.testing.assert_allclose(direct[1], iterative[1], rtol=1e-12, atol=1e-15)
    if not value:
        for c in range(4):
            want = _oracle_markov(paths, conv, null, order, c)
            assert math.isclose(direct[1][c], want, rel_tol=1e-9, abs_tol=1e-12)


@given(paths_st, st.data())
def test_ordered_simplified_shapley_matches_oracle(
    paths: list[list[int]], data: st.DataObject
) -> None:
    amounts = data.draw(st.lists(st.floats(0, 5), min_size=len(paths), max_size=len(paths)))
    offsets, codes = _csr(paths)
    got = ordered_simplified_shapley(offsets, codes, np.array(amounts, dtype=np.float64), 4)
    width = max(len(set(p)) for p in paths)
    want = np.zeros((4, width))
    for p, a in zip(paths, amounts, strict=True):
        distinct = list(dict.fromkeys(p))  # first-appearance order
        for position, channel in enumerate(distinct):
            want[channel, position] += a / len(distinct)
    np.testing.assert_allclose(got, want, atol=1e-12)
    masks = channel_set_masks(offsets, codes)
    np.testing.assert_allclose(
        got.sum(axis=1), simplified_shapley(masks, np.array(amounts), 4), atol=1e-9
    )


# --------------------------------------------------------------------------- sessions
sessions_st = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 20)), max_size=25)
events_st = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 20)), max_size=12)


@given(sessions_st, events_st, st.sampled_from(["last", "first"]))
def test_credited_sessions_match_a_scan_of_each_users_sessions(
    sessions: list[tuple[int, int]], events: list[tuple[int, int]], credit_kind: str
) -> None:
    ordered = sorted(sessions)  # by (user, time)
    su = np.array([u for u, _ in ordered], dtype=np.int64)
    sn = np.array([t for _, t in ordered], dtype=np.int64)
    offsets = segment_offsets(su, 5)
    e_user = np.array([u for u, _ in events], dtype=np.int64)
    e_ns = np.array([t for _, t in events], dtype=np.int64)
    session, after = credited_sessions(offsets, sn, e_user, e_ns, credit_kind)
    for k, (user, time) in enumerate(events):
        own = [i for i, (u, _) in enumerate(ordered) if u == user]
        before = [i for i in own if ordered[i][1] <= time]
        # where the event goes: after every session of an earlier user or at or before it
        assert after[k] == sum(1 for u, t in ordered if u < user or (u == user and t <= time))
        if not own:
            assert session[k] == -1
        elif credit_kind == "first" or not before:
            assert session[k] == own[0]
        else:
            assert session[k] == before[-1]


@given(st.lists(st.integers(0, 8), max_size=15), st.integers(0, 8))
def test_next_event_is_the_first_event_placed_after_each_session(
    places: list[int], n_sessions: int
) -> None:
    after = np.sort(np.minimum(np.array(places, dtype=np.int64), n_sessions))
    got = next_event(after, n_sessions)
    for i in range(n_sessions):
        later = [j for j, a in enumerate(after.tolist()) if a > i]
        assert got[i] == (later[0] if later else -1)


@given(paths_st, st.sampled_from(["first", "last"]))
def test_touch_credit_equals_credit_with_one_touch_weights(
    paths: list[list[int]], kind: str
) -> None:
    offsets, codes = _csr(paths)
    amounts = np.arange(1.0, 2 * len(paths) + 1).reshape(2, len(paths))
    touch = offsets[:-1] if kind == "first" else offsets[1:] - 1
    weights = heuristic_weights(offsets, codes, kind)
    assert np.array_equal(
        touch_credit(codes[touch], amounts, 4), credit(offsets, codes, weights, amounts, 4)
    )
