"""Wilson and Newcombe intervals: published values and the invariants every interval keeps."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels.proportions import newcombe_difference, wilson_interval

Z95 = 1.959963984540054


def test_newcombe_1998_table_ii() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, example (a), method 10
    # (score interval, no continuity correction): 56/70 - 48/80 is 0.0524 to 0.3339.
    d, low, high = newcombe_difference([56.0], [70.0], [48.0], [80.0], Z95)
    np.testing.assert_allclose([d[0], low[0], high[0]], [0.2, 0.0524, 0.3339], atol=5e-5)


def test_empty_group_gives_nan() -> None:
    low, high = wilson_interval([0.0], [0.0], Z95)
    assert np.isnan(low[0])
    assert np.isnan(high[0])


counts = st.integers(min_value=1, max_value=10_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(counts, counts)
def test_intervals_hold_their_estimates(g1: tuple[int, int], g0: tuple[int, int]) -> None:
    (k1, n1), (k0, n0) = g1, g0
    low, high = wilson_interval([k1], [n1], Z95)
    assert 0.0 - 1e-12 <= low[0] <= k1 / n1 + 1e-12 <= high[0] + 2e-12 <= 1.0 + 3e-12
    d, dl, dh = newcombe_difference([k1], [n1], [k0], [n0], Z95)
    assert -1.0 - 1e-12 <= dl[0] <= d[0] + 1e-12
    assert d[0] <= dh[0] + 1e-12 <= 1.0 + 2e-12
