"""Activation: conversion funnels with windows, order modes and breakdowns; conversion paths.

Layout: ``_funnel`` holds :func:`funnel`; ``_steps`` defines a step; ``_options`` checks the
options; ``_attempts`` matches one chunk's events (kernels in ``saasmetrics._kernels``);
``_analysis`` partial / merge / finalize; ``_result`` :class:`FunnelResult`, with its
``_tables``, ``_compare`` (two-group test) and ``_plots``. ``_paths`` holds :func:`paths`,
``_conversion_paths`` :func:`conversion_paths`, ``_path_counts`` their shared partial / merge.

Examples
--------
>>> from saasmetrics import funnel
>>> funnel.__all__
('ConversionPaths', 'FunnelResult', 'PathsResult', 'Step', 'conversion_paths', 'funnel', 'paths')
"""

from __future__ import annotations

from saasmetrics.funnel._conversion_paths import ConversionPaths, conversion_paths
from saasmetrics.funnel._funnel import funnel
from saasmetrics.funnel._paths import PathsResult, paths
from saasmetrics.funnel._result import FunnelResult
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
