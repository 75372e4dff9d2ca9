"""Behaviour-count and threshold kernels against slow pure-Python oracles."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels.retention import (
    behaviour_counts,
    pair_threshold_counts,
    threshold_counts,
)


@st.composite
def window_rows(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    n_users = draw(st.integers(1, 6))
    n_events = draw(st.integers(1, 4))
    max_count = draw(st.integers(1, 5))
    rows = draw(
        st.lists(st.tuples(st.integers(0, n_users - 1), st.integers(0, n_events - 1)), max_size=50)
    )
    retained = np.array(draw(st.lists(st.booleans(), min_size=n_users, max_size=n_users)))
    user = np.array([r[0] for r in rows], dtype=np.int64)
    event = np.array([r[1] for r in rows], dtype=np.int64)
    return user, event, retained, n_events, max_count


@pytest.mark.parametrize("wide", [False, True])  # int32 keys, and int64 beyond 2**31 cells
@given(data=window_rows())
def test_single_thresholds_match_oracle(data, wide) -> None:  # type: ignore[no-untyped-def]
    user, event, retained, n_events, max_count = data
    n_users = 2**30 if wide else retained.size
    u, e, c = behaviour_counts(user, event.astype(np.int8), n_users, n_events, max_count)
    counts = Counter(zip(user.tolist(), event.tolist(), strict=True))
    assert {(a, b): min(k, max_count) for (a, b), k in counts.items()} == dict(
        zip(zip(u.tolist(), e.tolist(), strict=True), c.tolist(), strict=True)
    )
    tp, fp = threshold_counts(e, c, retained[u], n_events, max_count)
    for ev in range(n_events):
        for n in range(1, max_count + 1):
            doers = {a for (a, b), k in counts.items() if b == ev and k >= n}
            assert tp[ev, n] == sum(bool(retained[a]) for a in doers)
            assert fp[ev, n] == sum(not retained[a] for a in doers)


@given(window_rows())
def test_pair_thresholds_match_oracle(data) -> None:  # type: ignore[no-untyped-def]
    user, event, retained, n_events, max_count = data
    u, e, c = behaviour_counts(user, event, retained.size, n_events, max_count)
    tp, fp = pair_threshold_counts(u, e, c, retained[u], n_events=n_events, max_count=max_count)
    counts = Counter(zip(user.tolist(), event.tolist(), strict=True))
    users = set(user.tolist())
    for a, b in itertools.combinations(range(n_events), 2):
        for n, m in itertools.product(range(1, max_count + 1), repeat=2):
            doers = [x for x in users if counts[(x, a)] >= n and counts[(x, b)] >= m]
            assert tp[a, b, n, m] == sum(bool(retained[x]) for x in doers)
            assert fp[a, b, n, m] == sum(not retained[x] for x in doers)
