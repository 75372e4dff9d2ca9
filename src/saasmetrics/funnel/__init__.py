"""Activation: conversion funnels with windows, order modes and breakdowns; conversion paths.

Layout: ``_funnel`` holds :func:`funnel`; ``_steps`` what a step is; ``_options`` its checked
options; ``_attempts`` the matching of one chunk's events (kernels in ``saasmetrics._kernels``);
``_analysis`` partial / merge / finalize; ``_result`` :class:`FunnelResult`, with its
``_tables``, ``_compare`` (two-group test) and ``_plots``; ``_paths`` :func:`paths` and
:func:`conversion_paths`.

Examples
--------
>>> from saasmetrics import funnel
>>> funnel.__all__
('ConversionPaths', 'FunnelResult', 'PathsResult', 'Step', 'conversion_paths', 'funnel', 'paths')
"""

from __future__ import annotations

from saasmetrics.funnel._funnel import funnel
from saasmetrics.funnel._paths import ConversionPaths, PathsResult, conversion_paths, paths
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
