"""Activation: conversion funnels with windows, order modes and breakdowns; conversion paths.

Examples
--------
>>> from saasmetrics import funnel
>>> funnel.__all__
('ConversionPaths', 'FunnelResult', 'PathsResult', 'Step', 'conversion_paths', 'funnel', 'paths')
"""

from __future__ import annotations

from saasmetrics.funnel._funnel import FunnelResult, funnel
from saasmetrics.funnel._paths import ConversionPaths, PathsResult, conversion_paths, paths
from saasmetrics.funnel._steps import Step

__all__ = (
    "ConversionPaths",
    "FunnelResult",
    "PathsResult",
    "Step",
    "conversion_paths",
    "funnel",
    "paths",
)
