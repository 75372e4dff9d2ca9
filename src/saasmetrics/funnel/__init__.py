"""Activation: ordered conversion funnels with windows and breakdowns, and conversion paths.

Examples
--------
>>> from saasmetrics import funnel
>>> sorted(funnel.__all__)[:2]
['FunnelResult', 'Step']
"""

from __future__ import annotations

from saasmetrics.funnel._funnel import FunnelResult, funnel
from saasmetrics.funnel._steps import Step

__all__ = ("FunnelResult", "Step", "funnel")
