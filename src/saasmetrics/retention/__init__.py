"""Retention: cohort tables, retention curves and their models, and magic-number search."""

from __future__ import annotations

from saasmetrics.retention._cohorts import CohortTable, cohort_table
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
    "FeatureRetention",
    "LifecycleStages",
    "MagicNumbers",
    "ShiftedBetaGeometricModel",
    "SurvivalCurve",
    "cohort_table",
    "feature_retention",
    "kaplan_meier",
    "lifecycle_stages",
    "magic_number_search",
)
