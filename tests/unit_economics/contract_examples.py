"""Small real instances of every unit_economics result, for the shared result contract."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from saasmetrics._results import ResultMixin
from saasmetrics.unit_economics import (
    ARRLayers,
    CohortPayback,
    LTVCurves,
    MRRBridge,
    RevenueCohorts,
    RevenueProjection,
    arr_layers,
    cac_payback_by_cohort,
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


EXAMPLES: dict[str, Callable[[], ResultMixin]] = {
    "saasmetrics.unit_economics.MRRBridge": example_bridge,
    "saasmetrics.unit_economics.RevenueProjection": example_projection,
    "saasmetrics.unit_economics.RevenueCohorts": example_revenue_cohorts,
    "saasmetrics.unit_economics.LTVCurves": example_ltv_curves,
    "saasmetrics.unit_economics.CohortPayback": example_cohort_payback,
    "saasmetrics.unit_economics.ARRLayers": example_arr_layers,
}
