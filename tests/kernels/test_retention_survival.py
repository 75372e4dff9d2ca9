"""Kaplan-Meier and sBG kernels against slow pure-Python oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics._kernels.retention import kaplan_meier_table, sbg_log_likelihood, sbg_survival

subjects = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 12), st.booleans(), st.integers(1, 3)),
    min_size=1,
    max_size=30,
)


# whole numbers (counted on a grid), quarters (hashed unless all whole), a range too wide for
# a grid (hashed)
scales = st.sampled_from([1.0, 0.25, 1e9])


@given(subjects, scales, st.booleans())
def test_kaplan_meier_matches_oracle(
    rows: list[tuple[int, int, bool, int]], scale: float, unit_weights: bool
) -> None:
    entry = np.array([min(a, b) for a, b, _, _ in rows], dtype=float) * scale
    dur = np.array([max(a, b) for a, b, _, _ in rows], dtype=float) * scale
    obs = np.array([r[2] for r in rows])
    w = np.ones(len(rows)) if unit_weights else np.array([r[3] for r in rows], dtype=float)
    # a subject cannot enter and have its event at the same time (the public function refuses)
    entry_ok = not np.any((entry == dur) & obs)
    for use_entry in (False, True) if entry_ok else (False,):
        # no weights means unit weights (counted without a weighted bincount)
        given_w = None if unit_weights else w
        t, n, d, _, s, g = kaplan_meier_table(dur, obs, given_w, entry if use_entry else None)
        assert t.size == len(set(dur.tolist()))
        surv, gw = 1.0, 0.0
        for i, time in enumerate(sorted(set(dur.tolist()))):
            at_risk = sum(
                wi
                for ei, di, wi in zip(entry, dur, w, strict=True)
                if di >= time and (not use_entry or ei < time)
            )
            deaths = sum(wi for di, oi, wi in zip(dur, obs, w, strict=True) if di == time and oi)
            assert t[i] == time
            assert n[i] == at_risk
            assert d[i] == deaths
            if at_risk > 0:
                surv *= 1 - deaths / at_risk
                if deaths and at_risk > deaths:
                    gw += deaths / (at_risk * (at_risk - deaths))
                elif deaths:
                    gw = math.inf
            assert s[i] == pytest.approx(surv)
            assert g[i] == pytest.approx(gw)


@given(st.floats(0.05, 20), st.floats(0.05, 20))
def test_sbg_kernels_match_recursions(alpha: float, beta: float) -> None:
    # Fader & Hardie (2007), eq. 7: P(T=1) = a/(a+b), P(T=t) = (b+t-2)/(a+b+t-1) P(T=t-1)
    p = [alpha / (alpha + beta)]
    for t in range(2, 8):
        p.append(p[-1] * (beta + t - 2) / (alpha + beta + t - 1))
    survival = 1 - np.cumsum(p)
    np.testing.assert_allclose(
        sbg_survival(alpha, beta, np.arange(1.0, 8.0)), survival, rtol=1e-7, atol=1e-12
    )
    t = np.arange(1.0, 8.0)
    churned = np.arange(1.0, 8.0)
    censored = np.r_[np.zeros(6), 5.0]
    expected = float(np.sum(churned * np.log(p)) + 5.0 * np.log(survival[-1]))
    assert sbg_log_likelihood(alpha, beta, t, churned, censored) == pytest.approx(expected)
