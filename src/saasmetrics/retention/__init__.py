"""Retention: cohort tables, retention curves and their models, and magic-number search."""

from __future__ import annotations

from saasmetrics.retention._cohorts import CohortTable, cohort_table

__all__ = ("CohortTable", "cohort_table")
