"""Small real instances of every unit_economics result, for the shared result contract."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from saasmetrics._results import ResultMixin
from saasmetrics.unit_economics import (
    ARRLayers,
    BetaGeoModel,
    CalibrationHoldoutSplit,
    CLVEvaluation,
    CohortPayback,
    GammaGammaModel,
    LTVCurves,
    MRRBridge,
    RevenueCohorts,
    RevenueProjection,
    SpendIndependence,
    arr_layers,
    cac_payback_by_cohort,
    calibration_holdout_split,
    check_spend_independence,
    evaluate_clv,
    ltv_curves,
    mrr_bridge,
    project_revenue,
    revenue_cohorts,
)


def example_bridge() -> MRRBridge:
    return mrr_bridge(
        pd.DataFrame(
            {
                "customer_id": ["a", "b", "a", "c"],
                "start": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-01", "2024-02-01"]),
                "end": pd.to_datetime(["2024-03-01", "2024-04-10", None, None]),
                "mrr": [100.0, 50.0, 130.0, 20.0],
            }
        )
    )


def example_projection() -> RevenueProjection:
    return project_revenue(
        1000.0,
        50.0,
        0.05,
        0.01,
        periods=6,
        simulations=20,
        arpa=10.0,
        seed=0,
        retention=[1.0, 0.9, 0.85, 0.8, 0.78, 0.76, 0.75],
    )


def _subscriptions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "c", "d"],
            "start": pd.to_datetime(
                ["2024-01-05", "2024-01-20", "2024-03-01", "2024-02-01", "2024-02-11"]
            ),
            "end": pd.to_datetime(["2024-03-01", "2024-04-10", None, None, "2024-05-20"]),
            "mrr": [100.0, 50.0, 130.0, 20.0, 60.0],
            "channel": ["Paid Search", "Direct", "Paid Search", "Direct", "Paid Search"],
        }
    )


def example_revenue_cohorts() -> RevenueCohorts:
    return revenue_cohorts(_subscriptions(), as_of="2024-06-15", by="channel")


SPEND = pd.DataFrame(
    {
        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01"]),
        "channel": ["Paid Search", "Paid Search", "Direct"],
        "amount": [300.0, 200.0, 10.0],
    }
)


def example_ltv_curves() -> LTVCurves:
    return ltv_curves(
        _subscriptions(), SPEND, by="channel", horizon=8, as_of="2024-06-15", forecast="km"
    )


def example_cohort_payback() -> CohortPayback:
    return cac_payback_by_cohort(_subscriptions(), SPEND, horizon=8, as_of="2024-06-15")


def example_arr_layers() -> ARRLayers:
    return arr_layers(_subscriptions(), layer="month", as_of="2024-06-15")


def example_split() -> CalibrationHoldoutSplit:
    rng = np.random.default_rng(0)
    n = 300
    active = np.minimum(rng.exponential(1 / rng.gamma(0.5, 1 / 150, n)), 365)
    k = rng.poisson(rng.gamma(0.6, 1 / 15, n) * active)
    customer = np.repeat(np.arange(n), k + 1)
    days = rng.uniform(0, 1, customer.size) * active[customer]
    days[np.r_[0, np.cumsum(k + 1)[:-1]]] = 0.0
    days += rng.uniform(0, 60, n)[customer]
    tx = pd.DataFrame(
        {
            "customer_id": customer,
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, "D"),
            "amount": rng.gamma(5.0, 8.0, customer.size),
        }
    )
    return calibration_holdout_split(tx, "2024-06-30", "2024-12-31", amount_col="amount")


def example_evaluation() -> CLVEvaluation:
    split = example_split()
    model = BetaGeoModel().fit(split.customers)
    spend = GammaGammaModel().fit(split.customers)
    return evaluate_clv(model, split, spend_model=spend)


def example_spend_check() -> SpendIndependence:
    return check_spend_independence(example_split().customers)


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "saasmetrics.unit_economics.MRRBridge": example_bridge,
    "saasmetrics.unit_economics.RevenueProjection": example_projection,
    "saasmetrics.unit_economics.RevenueCohorts": example_revenue_cohorts,
    "saasmetrics.unit_economics.LTVCurves": example_ltv_curves,
    "saasmetrics.unit_economics.CohortPayback": example_cohort_payback,
    "saasmetrics.unit_economics.ARRLayers": example_arr_layers,
    "saasmetrics.unit_economics.CalibrationHoldoutSplit": example_split,
    "saasmetrics.unit_economics.CLVEvaluation": example_evaluation,
    "saasmetrics.unit_economics.SpendIndependence": example_spend_check,
}
