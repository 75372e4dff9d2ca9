"""Engagement: active users, stickiness, lifecycle, growth accounting and feature adoption.

Every function here is one partial / merge / finalize analysis (:mod:`saasmetrics.scale`), so it
accepts a pandas, polars or pyarrow frame, an :class:`~saasmetrics.EventLog` or a dask DataFrame
with identical results.

Examples
--------
>>> from saasmetrics import engagement
>>> engagement.__all__  # doctest: +NORMALIZE_WHITESPACE
('ActiveUsers', 'FeatureAdoption', 'GrowthAccounting', 'Lifecycle', 'Stickiness',
 'active_users', 'feature_adoption', 'growth_accounting', 'lifecycle', 'stickiness')
"""

from __future__ import annotations

from saasmetrics.engagement._active import ActiveUsers, Stickiness, active_users, stickiness
from saasmetrics.engagement._adoption import FeatureAdoption, feature_adoption
from saasmetrics.engagement._growth import GrowthAccounting, growth_accounting
from saasmetrics.engagement._lifecycle import Lifecycle, lifecycle

__all__ = (
    "ActiveUsers",
    "FeatureAdoption",
    "GrowthAccounting",
    "Lifecycle",
    "Stickiness",
    "active_users",
    "feature_adoption",
    "growth_accounting",
    "lifecycle",
    "stickiness",
)
