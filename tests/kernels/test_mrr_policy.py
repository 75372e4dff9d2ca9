"""Kernel == slow oracle: MRR movements with $0 customers kept active."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels.mrr_policy import active_points, active_totals
from saasmetrics._kernels.unit_economics import KIND_NAMES, change_points

N = 8
interval = st.tuples(
    st.integers(0, 3), st.integers(0, N - 1), st.integers(1, N + 2), st.sampled_from([0, 0, 5, 9])
)


def _oracle(rows: list, window: int | None) -> list[tuple[int, int, str, int]]:
    """Walk every customer period by period (the definition, in plain Python)."""
    out = []
    for c in sorted({r[0] for r in rows}):
        active_prev, level_prev, paid_before, left_at = False, 0, False, 0
        for p in range(N):
            mine = [r for r in rows if r[0] == c and r[1] <= p < r[1] + r[2]]
            level = sum(r[3] for r in mine)
            present = len(mine) > 0
            active = present and (level > 0 or active_prev)
            if active and not active_prev:
                react = paid_before and (window is None or p - left_at <= window)
                out.append((c, p, "reactivation" if react else "new", level))
            elif active_prev and not active:
                out.append((c, p, "churned", -level_prev))
                left_at = p
            elif active and level != level_prev:
                out.append(
                    (c, p, "expansion" if level > level_prev else "contraction", level - level_prev)
                )
            paid_before |= active
            active_prev, level_prev = active, level if active else 0
    return out


@given(rows=st.lists(interval, min_size=1, max_size=12), window=st.sampled_from([None, 1]))
def test_active_points_match_the_oracle(rows: list, window: int | None) -> None:
    cust = np.array([r[0] for r in rows], dtype=np.int64)
    first = np.array([r[1] for r in rows], dtype=np.int64)
    stop = first + np.array([r[2] for r in rows], dtype=np.int64)
    cents = np.array([r[3] for r in rows], dtype=np.int64)
    mrr = change_points(cust, first, stop, cents, N)
    presence = change_points(cust, first, stop, np.ones_like(cents), N)
    pts = active_points(mrr, presence, window)
    got = [
        (int(c), int(p), KIND_NAMES[k], int(lv - pv))
        for c, p, k, lv, pv in zip(
            pts.customer, pts.period, pts.kind, pts.level, pts.previous, strict=True
        )
        if k >= 0
    ]
    assert got == _oracle(rows, window)
    amounts, counts, ending, ending_count = active_totals(pts, N)
    assert (np.cumsum(amounts.sum(axis=1)) == ending).all()
    joined = counts[:, 0] + counts[:, 4]
    assert (np.cumsum(joined - counts[:, 3]) == ending_count).all()
