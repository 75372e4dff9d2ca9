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

__all__ = (
    "STRENGTH_BANDS",
    "CohortTable",
    "FeatureRetention",
    "MagicNumbers",
    "ShiftedBetaGeometricModel",
    "cohort_table",
    "feature_retention",
    "magic_number_search",
)
