"""Customer health: configurable health scores, segments, churn-risk models and early warnings.

Build the per-account table with :func:`account_features`, score it with a
:class:`HealthScoreModel` configured by a :class:`HealthConfig`, segment with :func:`quadrants`,
predict churn with :class:`ChurnRiskModel` and flag accounts with :func:`early_warnings`.
"""

from __future__ import annotations

from saasmetrics.health._config import HealthBand, HealthConfig, HealthGroup, HealthMeasure
from saasmetrics.health._features import (
    account_features,
    churn_labels,
    feature_snapshots,
    time_split,
)
from saasmetrics.health._quadrants import (
    CS_PLAYS,
    HEALTH_TEMPERATURE_PLAYS,
    Quadrants,
    cs_composite,
    quadrants,
)
from saasmetrics.health._risk import ChurnRiskModel, RiskEvaluation, RiskSummary, evaluate_risk
from saasmetrics.health._score import HealthScoreModel, HealthScores
from saasmetrics.health._warnings import (
    ActiveUsersDropRule,
    EarlyWarnings,
    KeyUserInactiveRule,
    MRRContractionRule,
    NoUseRule,
    UsageDropRule,
    WarningRule,
    early_warnings,
)

__all__ = (
    "CS_PLAYS",
    "HEALTH_TEMPERATURE_PLAYS",
    "ActiveUsersDropRule",
    "ChurnRiskModel",
    "EarlyWarnings",
    "HealthBand",
    "HealthConfig",
    "HealthGroup",
    "HealthMeasure",
    "HealthScoreModel",
    "HealthScores",
    "KeyUserInactiveRule",
    "MRRContractionRule",
    "NoUseRule",
    "Quadrants",
    "RiskEvaluation",
    "RiskSummary",
    "UsageDropRule",
    "WarningRule",
    "account_features",
    "churn_labels",
    "cs_composite",
    "early_warnings",
    "evaluate_risk",
    "feature_snapshots",
    "quadrants",
    "time_split",
)
