"""Holdout validation of CLV models on CDNOW (Fader, Hardie & Lee 2005) and its invariants."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import warnings

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from saasmetrics._kernels import unit_economics_clv as kern
from saasmetrics._results import load_result
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    InputError,
    NotFittedError,
    ParameterError,
)
from saasmetrics.unit_economics import (
    BetaGeoModel,
    CalibrationHoldoutSplit,
    CLVEvaluation,
    GammaGammaModel,
    ParetoNBDModel,
    SpendIndependence,
    calibration_holdout_split,
    check_spend_independence,
    evaluate_clv,
    rfm_summary,
)


def _cdnow_folder() -> pathlib.Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        pytest.skip("lifetimes (bench extra) is not installed: CDNOW data unavailable")
    folder = pathlib.Path(spec.origin).parent / "datasets"
    if not (folder / "CDNOW_sample.txt").exists():
        pytest.skip("the lifetimes wheel has no CDNOW sample")
    return folder


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    tx = pd.read_csv(
        _cdnow_folder() / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer_id", "id2", "date", "cds", "amount"],
        dtype={"date": str},
    )
    tx["timestamp"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return tx


@pytest.fixture(scope="module")
def split(cdnow_transactions: pd.DataFrame) -> CalibrationHoldoutSplit:
    # FHL 2005, section 5: 2,357 customers, calibration weeks 1-39 (to 1997-09-30), holdout
    # weeks 40-78 (to 1998-06-30), time in weeks; customers by the sample's sequential id
    return calibration_holdout_split(
        cdnow_transactions, "1997-09-30", "1998-06-30", amount_col="amount", customer_col="id2"
    )


def test_split_is_the_published_cdnow_design(
    split: CalibrationHoldoutSplit, cdnow_transactions: pd.DataFrame
) -> None:
    summary = pd.read_csv(_cdnow_folder() / "cdnow_customers_summary.csv")
    rfm = split.customers
    assert len(rfm) == 2357
    np.testing.assert_array_equal(rfm.index, summary["ID"])
    np.testing.assert_array_equal(rfm["frequency"], summary["frequency"])
    np.testing.assert_allclose(rfm["T"], summary["T"], atol=0.0051)
    assert split.holdout_length == 39.0
    # 78 weekly periods from 1997-01-01; weeks 40-78 are the holdout
    t = split.tracking
    assert len(t) == 78
    assert t.index[t["holdout"]].tolist() == list(range(40, 79))
    assert t["start"].iloc[0] == pd.Timestamp("1997-01-01")
    # per-period repeat transactions add up to the per-customer counts
    assert t.loc[~t["holdout"], "repeat_transactions"].sum() == rfm["frequency"].sum()
    assert t.loc[t["holdout"], "repeat_transactions"].sum() == rfm["frequency_holdout"].sum()
    assert split.cohorts["customers"].sum() == 2357
    # same as rfm_summary with the holdout: one definition of the per-customer numbers
    direct = rfm_summary(
        cdnow_transactions,
        customer_col="id2",
        amount_col="amount",
        time_unit="7D",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )
    pd.testing.assert_frame_equal(split.customers, direct)


def test_bgnbd_holdout_evaluation_on_cdnow(split: CalibrationHoldoutSplit) -> None:
    bg = BetaGeoModel().fit(split.customers)
    # the published FHL 2005 estimates, refitted on the split itself
    assert [round(bg.params_[k], 3) for k in ("r", "alpha", "a", "b")] == [
        0.243,
        4.414,
        0.793,
        2.426,
    ]
    gg = GammaGammaModel().fit(split.customers)
    ev = evaluate_clv(bg, split, spend_model=gg)
    c = ev.customers
    np.testing.assert_allclose(c["predicted"], bg.predict_purchases(split.customers, 39.0))
    m = ev.metrics
    # the model beats the naive "average order x frequency" rule per customer and in total
    for target in ("purchases", "spend"):
        assert m.loc[(target, "model"), "mae"] < m.loc[(target, "naive"), "mae"]
        assert m.loc[(target, "model"), "rmse"] < m.loc[(target, "naive"), "rmse"]
    model_gap = abs(m.loc[("purchases", "model"), "predicted_total"] - c["actual"].sum())
    naive_gap = abs(m.loc[("purchases", "naive"), "predicted_total"] - c["actual"].sum())
    assert model_gap < naive_gap
    assert (m["rmse"] >= m["mae"]).all()
    assert c["p_purchase"].between(0, 1).all()
    assert c["p_alive"].between(0, 1).all()
    mae = float(np.mean(np.abs(c["predicted"] - c["actual"])))
    assert m.loc[("purchases", "model"), "mae"] == pytest.approx(mae)
    # FHL 2005 figure 4: conditional expectations track the holdout by calibration frequency
    # (0..7+), the model far closer than the naive rule, which doubles every bin above 0
    f = ev.by_frequency
    assert f.index.tolist() == list(range(8))
    assert f["customers"].sum() == 2357
    assert (abs(f["predicted"] - f["actual"]) < 0.4 * f["actual"] + 0.05).all()
    assert (f["naive"].iloc[1:] > 1.6 * f["actual"].iloc[1:]).all()
    # P(alive) is an upper bound for P(purchase in holdout); purchasing share ~ p_purchase
    assert (c["p_purchase"] <= c["p_alive"] + 1e-12).all()
    assert c["p_purchase"].sum() == pytest.approx(c["purchased"].sum(), rel=0.15)
    a = ev.alive_calibration
    assert a["customers"].sum() == 2357
    assert ((a["p_alive"] >= a["lower"]) & (a["p_alive"] <= a["upper"])).all()


def test_tracking_matches_independent_per_customer_sums(split: CalibrationHoldoutSplit) -> None:
    for model in (BetaGeoModel(), ParetoNBDModel()):
        model.fit(split.customers)
        ev = evaluate_clv(model, split)
        t = ev.tracking
        # CDNOW dates are whole days, so the cohort births are exact: at the end of the
        # holdout each customer has age T + 39 weeks
        ages = split.customers["T"].to_numpy() + 39.0
        total = float(np.sum(model.expected_purchases(ages)))
        assert t["predicted_cumulative"].iloc[-1] == pytest.approx(total, rel=1e-12)
        calibration_ages = split.customers["T"].to_numpy()
        # the end of week 39 is 1997-10-01 00:00, one day after calibration_end 00:00
        week39 = float(np.sum(model.expected_purchases(calibration_ages + 1 / 7)))
        assert t["predicted_cumulative"].iloc[38] == pytest.approx(week39, rel=1e-12)
        np.testing.assert_allclose(t["predicted"].cumsum(), t["predicted_cumulative"])
        assert t["actual_cumulative"].iloc[-1] == (
            split.customers["frequency"].sum() + split.customers["frequency_holdout"].sum()
        )
        # FHL 2005 figure 2: the cumulative forecast ends within a few percent of actual
        assert t["predicted_cumulative"].iloc[-1] == pytest.approx(
            t["actual_cumulative"].iloc[-1], rel=0.05
        )


@pytest.mark.peer
def test_predictions_match_lifetimes(split: CalibrationHoldoutSplit) -> None:
    pytest.importorskip("dill")
    pytest.importorskip("autograd")
    lifetimes = pytest.importorskip("lifetimes")
    rfm = split.customers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = lifetimes.BetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    ours = BetaGeoModel().fit(rfm)
    for name in ("r", "alpha", "a", "b"):
        ours.params_[name] = float(theirs.params_[name])  # same parameters, compare formulas
    ev = evaluate_clv(ours, split)
    expected = theirs.conditional_expected_number_of_purchases_up_to_time(
        39.0, rfm["frequency"], rfm["recency"], rfm["T"]
    )
    np.testing.assert_allclose(ev.customers["predicted"], expected, rtol=1e-9)
    alive = theirs.conditional_probability_alive(rfm["frequency"], rfm["recency"], rfm["T"])
    np.testing.assert_allclose(ev.customers["p_alive"], alive, rtol=1e-9)


def test_p_purchase_matches_simulation() -> None:
    # simulate the holdout of customers with known histories under the fitted story
    rng = np.random.default_rng(5)
    r, alpha, a, b = 0.5, 6.0, 0.8, 2.5
    x, t_x, T, tau = np.array([3.0]), np.array([20.0]), np.array([30.0]), np.array([26.0])
    n = 200_000
    lam = rng.gamma(r + x[0], 1 / (alpha + T[0]), n)
    alive = rng.random(n) < kern.bgnbd_p_alive(r, alpha, a, b, x, t_x, T)[0]
    bought = alive & (rng.exponential(1 / lam) < tau[0])
    expected = kern.bgnbd_p_purchase(r, alpha, a, b, tau, x, t_x, T)[0]
    assert bought.mean() == pytest.approx(expected, abs=0.005)
    s, beta = 0.6, 12.0
    lam = rng.gamma(r + x[0], 1 / (alpha + T[0]), n)
    mu = rng.gamma(s, 1 / (beta + T[0]), n)
    alive_p = kern.pareto_p_alive(r, alpha, s, beta, x, t_x, T)[0]
    first = rng.exponential(1 / lam)
    death = rng.exponential(1 / mu)
    buys = (rng.random(n) < alive_p) & (first < np.minimum(death, tau[0]))
    expected = kern.pareto_p_purchase(r, alpha, s, beta, tau, x, t_x, T)[0]
    assert buys.mean() == pytest.approx(expected, abs=0.005)


def test_results_round_trip_and_plot(split: CalibrationHoldoutSplit) -> None:
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    ev = evaluate_clv(BetaGeoModel().fit(split.customers), split)
    for result in (split, ev):
        again = load_result(json.dumps(result.to_dict(), allow_nan=False))
        assert json.loads(again.to_json()) == json.loads(result.to_json())
    assert isinstance(load_result(ev.to_json()), CLVEvaluation)
    again = load_result(split.to_json())
    assert isinstance(again, CalibrationHoldoutSplit)
    assert again.calibration_end == split.calibration_end
    pd.testing.assert_frame_equal(again.tracking, split.tracking, check_index_type=False)
    for kind in ("cumulative", "incremental", "frequency", "alive"):
        fig, ax = plt.subplots()
        try:
            assert ev.plot(ax=ax, kind=kind) is ax
            labels = [line.get_label() for line in ax.get_lines()]
            assert "BetaGeoModel" in " ".join(labels)
            colours = {line.get_color() for line in ax.get_lines()}
            assert len(colours) == len(ax.get_lines())
        finally:
            plt.close(fig)
    with pytest.raises(ParameterError):
        ev.plot(kind="pie")  # type: ignore[arg-type]
    assert "\n" not in repr(ev)


def _tx(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [c for c, _ in rows],
            "timestamp": pd.to_datetime([t for _, t in rows]),
            "amount": np.arange(1.0, len(rows) + 1),
        }
    )


def test_bad_input_gets_typed_errors(split: CalibrationHoldoutSplit) -> None:
    tx = _tx([("a", "2024-01-01"), ("a", "2024-01-20"), ("b", "2024-01-05")])
    with pytest.raises(ParameterError, match="after calibration_end"):
        calibration_holdout_split(tx, "2024-02-01", "2024-01-15")
    with pytest.raises(ParameterError, match="not a timestamp"):
        calibration_holdout_split(tx, "soon", "2024-01-15")
    with pytest.raises(InputError, match="negative"):
        calibration_holdout_split(
            tx.assign(amount=-1.0), "2024-01-10", "2024-02-01", amount_col="amount"
        )
    with pytest.raises(EmptyDataError):
        calibration_holdout_split(tx, "2023-01-10", "2024-02-01")
    with pytest.raises(EmptyDataError):
        calibration_holdout_split(tx.iloc[:0], "2024-01-10", "2024-02-01")
    with pytest.raises(NotFittedError):
        evaluate_clv(BetaGeoModel(), split)
    with pytest.raises(ParameterError, match="BetaGeoModel or ParetoNBDModel"):
        evaluate_clv(GammaGammaModel(), split)  # type: ignore[arg-type]
    small = calibration_holdout_split(tx, "2024-01-10", "2024-01-25")
    bg = BetaGeoModel().fit(split.customers)
    gg = GammaGammaModel().fit(split.customers)
    with pytest.raises(ParameterError, match="spend columns"):
        evaluate_clv(bg, small, spend_model=gg)
    with pytest.raises(ParameterError, match="spend_model must be a GammaGammaModel"):
        evaluate_clv(bg, split, spend_model=bg)  # type: ignore[arg-type]
    for bad in ({"max_frequency": 0}, {"alive_bins": 0}):
        with pytest.raises(ParameterError):
            evaluate_clv(bg, split, **bad)  # type: ignore[arg-type]
    # a holdout that runs past the data would count unobserved weeks as no purchases
    with pytest.warns(DataQualityWarning, match="understated"):
        late = calibration_holdout_split(tx, "2024-01-10", "2024-06-01")
    assert late.holdout_end == pd.Timestamp("2024-06-01")
    before = tx.copy()
    calibration_holdout_split(tx, "2024-01-10", "2024-01-25", amount_col="amount")
    pd.testing.assert_frame_equal(tx, before)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cal_day=st.integers(20, 60),
    hold_days=st.integers(1, 60),
)
def test_split_invariants(seed: int, cal_day: int, hold_days: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    customer = rng.integers(0, 20, n).astype(str)
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 130, n), unit="D")
    tx = pd.DataFrame({"customer_id": customer, "timestamp": when})
    cal = pd.Timestamp("2024-01-01") + pd.Timedelta(days=cal_day)
    end = cal + pd.Timedelta(days=hold_days)
    try:
        split = calibration_holdout_split(tx, cal, end, time_unit="1D")
    except EmptyDataError:
        assert (when <= cal).sum() == 0  # nobody bought by calibration_end
        return
    t = split.tracking
    rfm = split.customers
    # every repeat occasion of these customers lands in exactly one period
    assert int(t["repeat_transactions"].sum()) == int(
        rfm["frequency"].sum() + rfm["frequency_holdout"].sum()
    )
    assert int(t.loc[t["holdout"], "repeat_transactions"].sum()) <= int(
        rfm["frequency_holdout"].sum()
    )
    assert (rfm["recency"] <= rfm["T"] + 1e-12).all()
    # row order never matters
    shuffled = calibration_holdout_split(
        tx.sample(frac=1.0, random_state=seed), cal, end, time_unit="1D"
    )
    pd.testing.assert_frame_equal(shuffled.tracking, t)
    pd.testing.assert_frame_equal(shuffled.customers.sort_index(), rfm.sort_index())


def test_spend_independence_on_cdnow_is_the_published_correlation(
    split: CalibrationHoldoutSplit,
) -> None:
    # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", section 2: on the
    # 946 CDNOW customers with repeat purchases, frequency and mean spend correlate at 0.11
    check = check_spend_independence(split.customers)
    assert check.n_customers == 946
    assert round(check.pearson, 2) == 0.11
    assert check.independent
    assert GammaGammaModel().fit(split.customers).frequency_spend_correlation_ == pytest.approx(
        check.pearson
    )
    frame = check.to_frame()
    assert frame.loc["pearson", "within"]
    again = load_result(check.to_json())
    assert isinstance(again, SpendIndependence)
    assert again.pearson == check.pearson


def test_dependent_spend_warns() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(1, 12, 400)
    rfm = pd.DataFrame({"frequency": x, "monetary_value": 10.0 * x * rng.gamma(20, 1 / 20, 400)})
    with pytest.warns(DataQualityWarning, match="Gamma-Gamma model assumes"):
        check = check_spend_independence(rfm)
    assert not check.independent
    assert check.pearson > 0.8
    assert check.spearman > 0.8
    spend = np.r_[rfm["monetary_value"].to_numpy()[:-50], rng.gamma(4.0, 10.0, 50)]
    with pytest.warns(DataQualityWarning, match="Pearson"):
        model = GammaGammaModel().fit(rfm.assign(monetary_value=spend))
    assert model.frequency_spend_correlation_ > 0.3
    # a looser threshold accepts it, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_spend_independence(rfm, threshold=0.99).independent


def test_spend_independence_bad_input() -> None:
    rfm = pd.DataFrame({"frequency": [1, 2, 3, 0], "monetary_value": [5.0, 6.0, 7.0, 0.0]})
    with pytest.raises(InputError, match="negative"):
        check_spend_independence(rfm.assign(monetary_value=-1.0))
    with pytest.raises(EmptyDataError, match="needs 3"):
        check_spend_independence(rfm.iloc[1:])
    with pytest.raises(ParameterError, match="threshold"):
        check_spend_independence(rfm, threshold=1.5)
    with pytest.raises(InputError, match="fractional"):
        check_spend_independence(rfm.assign(frequency=[1.5, 2, 3, 0]))


def test_tracking_reproduces_the_btyd_walkthrough(split: CalibrationHoldoutSplit) -> None:
    # McCarthy & Wadsworth (2014), "Buy 'Til You Die - A Walkthrough" (the R BTYD package's
    # vignette), section on tracking: the CDNOW cohort in weeks, the Pareto/NBD at its
    # printed estimates r = 0.5534, alpha = 10.5802, s = 0.6061, beta = 11.6562, and weeks
    # 20-25 of cum.tracking and inc.tracking.
    model = ParetoNBDModel().fit(split.customers)
    model.params_ = {"r": 0.5534, "alpha": 10.5802, "s": 0.6061, "beta": 11.6562}
    weeks = evaluate_clv(model, split).tracking.loc[20:25]
    assert weeks["actual_cumulative"].tolist() == [1359, 1414, 1484, 1517, 1573, 1672]
    assert weeks["actual"].tolist() == [73, 55, 70, 33, 56, 99]
    assert weeks["predicted_cumulative"].round().tolist() == [1309, 1385, 1460, 1533, 1604, 1674]
    # the printed parameters are rounded to 4 digits: increments agree to 0.03
    np.testing.assert_allclose(
        weeks["predicted"], [78.31, 76.42, 74.65, 72.98, 71.41, 69.93], atol=0.03
    )


def test_purchases_centuries_apart_do_not_wrap() -> None:
    """1700 to 2000 is more than 2**63 ns: recency, T and the tracking periods stay exact."""
    tx = _tx(
        [
            ("a", "1700-01-01"),
            ("a", "2000-01-01"),
            ("b", "1999-12-01"),
            ("b", "2000-01-20"),
            ("b", "2000-02-02"),
        ]
    )
    summary = rfm_summary(tx, observation_end="2000-01-14", time_unit="1D")
    assert summary.loc["a", "recency"] == 109_572  # days from 1700-01-01 to 2000-01-01
    assert summary.loc["a", "T"] == 109_585
    split = calibration_holdout_split(tx, "2000-01-14", "2000-02-04", time_unit="36500D")
    assert split.tracking["repeat_transactions"].tolist() == [0, 0, 0, 3]
    assert split.customers.loc["a", "recency"] == pytest.approx(109_572 / 36_500)
