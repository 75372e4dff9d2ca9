"""Unit economics: MRR bridge, SaaS KPIs, LTV and CAC, probabilistic CLV, revenue projection."""

from __future__ import annotations

from saasmetrics.unit_economics._arr_layers import ARRLayers, arr_layers
from saasmetrics.unit_economics._bgbb import BetaGeoBetaBinomModel
from saasmetrics.unit_economics._bridge import MRRBridge, mrr_bridge, saas_kpis
from saasmetrics.unit_economics._clv import (
    customer_lifetime_value,
    customer_lifetime_value_interval,
)
from saasmetrics.unit_economics._clv_validation import (
    SPEND_CORRELATION_THRESHOLD,
    CalibrationHoldoutSplit,
    CLVEvaluation,
    SpendIndependence,
    calibration_holdout_split,
    check_spend_independence,
    evaluate_clv,
)
from saasmetrics.unit_economics._gamma_gamma import GammaGammaModel
from saasmetrics.unit_economics._ltv_curves import (
    CohortPayback,
    LTVCurves,
    cac_payback_by_cohort,
    ltv_curves,
)
from saasmetrics.unit_economics._normalize import monthly_amount, mrr_from_invoices
from saasmetrics.unit_economics._policy import MRRPolicy
from saasmetrics.unit_economics._projection import RevenueProjection, project_revenue
from saasmetrics.unit_economics._purchase_models import BetaGeoModel, ParetoNBDModel
from saasmetrics.unit_economics._revenue_cohorts import RevenueCohorts, revenue_cohorts
from saasmetrics.unit_economics._rfm import rfm_summary
from saasmetrics.unit_economics._scalars import (
    BENCHMARKS,
    benchmark,
    burn_multiple,
    cac,
    cac_payback_months,
    convert_churn_rate,
    ltv,
    ltv_to_cac,
    plot_ltv_to_cac,
    rule_of_40,
    sales_magic_number,
)

__all__ = (
    "BENCHMARKS",
    "SPEND_CORRELATION_THRESHOLD",
    "ARRLayers",
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "CLVEvaluation",
    "CalibrationHoldoutSplit",
    "CohortPayback",
    "GammaGammaModel",
    "LTVCurves",
    "MRRBridge",
    "MRRPolicy",
    "ParetoNBDModel",
    "RevenueCohorts",
    "RevenueProjection",
    "SpendIndependence",
    "arr_layers",
    "benchmark",
    "burn_multiple",
    "cac",
    "cac_payback_by_cohort",
    "cac_payback_months",
    "calibration_holdout_split",
    "check_spend_independence",
    "convert_churn_rate",
    "customer_lifetime_value",
    "customer_lifetime_value_interval",
    "evaluate_clv",
    "ltv",
    "ltv_curves",
    "ltv_to_cac",
    "monthly_amount",
    "mrr_bridge",
    "mrr_from_invoices",
    "plot_ltv_to_cac",
    "project_revenue",
    "revenue_cohorts",
    "rfm_summary",
    "rule_of_40",
    "saas_kpis",
    "sales_magic_number",
)
