"""Retention: cohort tables, retention curves and their models, and magic-number search."""

from __future__ import annotations

from saasmetrics.retention._cohorts import CohortTable, cohort_table
from saasmetrics.retention._compare import (
    LogRankTest,
    RestrictedMeanSurvival,
    logrank_test,
    restricted_mean_survival_time,
)
from saasmetrics.retention._competing import CumulativeIncidence, cumulative_incidence
from saasmetrics.retention._cox import CoxModel
from saasmetrics.retention._lifetimes import subscription_lifetimes
from saasmetrics.retention._magic import (
    STRENGTH_BANDS,
    FeatureRetention,
    MagicNumbers,
    feature_retention,
    magic_number_search,
)
from saasmetrics.retention._sbg import ShiftedBetaGeometricModel
from saasmetrics.retention._stages import LifecycleStages, lifecycle_stages
from saasmetrics.retention._survival import SurvivalCurve, kaplan_meier

__all__ = (
    "STRENGTH_BANDS",
    "CohortTable",
    "CoxModel",
    "CumulativeIncidence",
    "FeatureRetention",
    "LifecycleStages",
    "LogRankTest",
    "MagicNumbers",
    "RestrictedMeanSurvival",
    "ShiftedBetaGeometricModel",
    "SurvivalCurve",
    "cohort_table",
    "cumulative_incidence",
    "feature_retention",
    "kaplan_meier",
    "lifecycle_stages",
    "logrank_test",
    "magic_number_search",
    "restricted_mean_survival_time",
    "subscription_lifetimes",
)
