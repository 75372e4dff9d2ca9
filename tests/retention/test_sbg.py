"""ShiftedBetaGeometricModel against Fader & Hardie (2007) and closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from saasmetrics.exceptions import InputError, NotFittedError, ParameterError
from saasmetrics.retention import ShiftedBetaGeometricModel, cohort_table

# Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention", Journal of
# Interactive Marketing 21(1), 76-90: survivors of 1000 customers, years 0..12 (Table 1), and
# the sBG fits on years 0-7: alpha = 0.704, beta = 1.182 (regular), alpha = 0.668,
# beta = 3.806 (high end).
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta"),
    [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)],
)
def test_reproduces_the_published_fits(survivors: list[int], alpha: float, beta: float) -> None:
    model = ShiftedBetaGeometricModel().fit(survivors[:8])
    assert round(model.alpha_, 3) == alpha
    assert round(model.beta_, 3) == beta
    # the paper's point: the fit on years 0-7 projects years 8-12 closely (within 5 %)
    projected = 1000 * model.predict_survival(np.arange(8, 13))
    np.testing.assert_allclose(projected, survivors[8:], rtol=0.05)
    ci = model.confidence_intervals_
    assert ci.loc["alpha", "lower"] < model.alpha_ < ci.loc["alpha", "upper"]
    assert (model.standard_errors_ > 0).all()
    assert model.expected_lifetime() == float("inf")  # alpha <= 1


def test_durations_with_censoring_give_the_same_fit() -> None:
    counts = np.array(REGULAR[:8])
    lost = -np.diff(counts)
    durations = np.r_[np.repeat(np.arange(1, 8), lost), np.full(counts[-1], 7)]
    observed = np.r_[np.ones(lost.sum(), dtype=bool), np.zeros(counts[-1], dtype=bool)]
    a = ShiftedBetaGeometricModel().fit(counts)
    b = ShiftedBetaGeometricModel().fit(durations, observed=observed)
    assert b.alpha_ == pytest.approx(a.alpha_, rel=1e-6)
    assert b.beta_ == pytest.approx(a.beta_, rel=1e-6)
    assert b.log_likelihood_ == pytest.approx(a.log_likelihood_)


def test_several_cohorts_with_unequal_horizons() -> None:
    frame = pd.DataFrame([REGULAR[:8], [*REGULAR[:5], np.nan, np.nan, np.nan]], dtype=float)
    model = ShiftedBetaGeometricModel().fit(frame)
    single = ShiftedBetaGeometricModel().fit(REGULAR[:8])
    assert model.n_customers_ == 2000
    assert model.alpha_ == pytest.approx(single.alpha_, rel=0.2)
    # the log-likelihood is the sum over cohorts at the joint optimum: below the separate fits
    short = ShiftedBetaGeometricModel().fit(REGULAR[:5])
    assert model.log_likelihood_ <= single.log_likelihood_ + short.log_likelihood_ + 1e-6


def test_closed_forms_match_brute_force_sums() -> None:
    alpha, beta = 3.0, 5.0
    t = np.arange(0, 60)
    from saasmetrics._kernels.retention import sbg_survival

    survivors = 1e6 * sbg_survival(alpha, beta, t[:10].astype(float))
    model = ShiftedBetaGeometricModel().fit(survivors)
    assert model.alpha_ == pytest.approx(alpha, rel=1e-3)
    assert model.beta_ == pytest.approx(beta, rel=1e-3)
    s = model.predict_survival(np.arange(0, 20000))
    assert model.expected_lifetime() == pytest.approx(s.sum(), rel=1e-3)
    d = 0.1
    for renewals in (0, 3):
        n = renewals + 1
        k = np.arange(n, 2000)
        brute = np.sum(s[k] / s[n - 1] / (1 + d) ** (k - n))
        got = model.discounted_expected_residual_lifetime(d, renewals=renewals)
        assert got == pytest.approx(brute, rel=1e-6)
    rates = model.retention_rate(np.arange(1, 6))
    np.testing.assert_allclose(rates, s[1:6] / s[0:5])
    assert isinstance(model.predict_survival(2), float)


def test_fits_an_unbounded_cohort_table() -> None:
    rows = []
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2024-01-01")
    theta = rng.beta(1.0, 3.0, size=400)
    life = rng.geometric(theta)  # periods survived, >= 1
    for u, n in enumerate(life):
        rows += [(u, start + pd.Timedelta(weeks=w)) for w in range(min(int(n), 12))]
    frame = pd.DataFrame(rows, columns=["user_id", "timestamp"]).assign(event="x")
    table = cohort_table(frame, freq="W", kind="unbounded", max_periods=10)
    model = ShiftedBetaGeometricModel().fit(table)
    assert 0.5 < model.alpha_ < 2.0
    assert 1.5 < model.beta_ < 6.0
    with pytest.raises(InputError, match="rises"):  # classic retention can come back up
        model.fit(pd.DataFrame([[10.0, 4.0, 6.0]]))
    with pytest.raises(InputError, match="revenue"):
        model.fit(cohort_table(frame.assign(v=1.0), freq="W", value_col="v"))


def test_contract_and_bad_input() -> None:
    model = ShiftedBetaGeometricModel()
    with pytest.raises(NotFittedError):
        model.predict_survival(1)
    assert model.set_params(confidence_level=0.9) is model
    assert model.get_params() == {"confidence_level": 0.9}
    with pytest.raises(ParameterError):
        model.set_params(alpha=1)
    assert model.fit(REGULAR[:8]) is model
    with pytest.raises(InputError, match="rises"):
        ShiftedBetaGeometricModel().fit([100, 80, 90])
    with pytest.raises(InputError, match="two or more"):
        ShiftedBetaGeometricModel().fit([100])
    with pytest.raises(InputError, match="Nobody churned"):
        ShiftedBetaGeometricModel().fit([100, 100, 100])
    with pytest.raises(ParameterError, match="discount"):
        model.discounted_expected_residual_lifetime(0.0)
    with pytest.raises(ParameterError):
        ShiftedBetaGeometricModel(confidence_level=2).fit(REGULAR[:8])
    data = np.array(REGULAR[:8])
    ShiftedBetaGeometricModel().fit(data)
    assert data.tolist() == REGULAR[:8]  # input not mutated


def test_plot_returns_axes() -> None:
    import matplotlib.pyplot as plt

    model = ShiftedBetaGeometricModel().fit(REGULAR[:8])
    fig, ax = plt.subplots()
    assert model.plot(ax=ax, observed=REGULAR) is ax
    plt.close(fig)
