"""Acquisition: UTM parsing, channel groups, channel quality and multi-touch attribution."""

from __future__ import annotations

from saasmetrics.attribution._attribution_model import AttributionModel, attribute
from saasmetrics.attribution._attribution_result import AttributionResult
from saasmetrics.attribution._channels import (
    CLICK_IDS,
    DEFAULT_CHANNEL_RULES,
    ChannelRule,
    ChannelRules,
    Condition,
    channel_group,
    parse_utm,
)
from saasmetrics.attribution._compare import ModelComparison, compare_models
from saasmetrics.attribution._funnel import channel_funnel
from saasmetrics.attribution._heuristic import (
    FirstTouch,
    LastTouch,
    Linear,
    PositionBased,
    TimeDecay,
)
from saasmetrics.attribution._journeys import Journeys, journeys
from saasmetrics.attribution._markov import MarkovModel, choose_order
from saasmetrics.attribution._report import ChannelReport, channel_report
from saasmetrics.attribution._shapley import ShapleyModel

__all__ = (
    "CLICK_IDS",
    "DEFAULT_CHANNEL_RULES",
    "AttributionModel",
    "AttributionResult",
    "ChannelReport",
    "ChannelRule",
    "ChannelRules",
    "Condition",
    "FirstTouch",
    "Journeys",
    "LastTouch",
    "Linear",
    "MarkovModel",
    "ModelComparison",
    "PositionBased",
    "ShapleyModel",
    "TimeDecay",
    "attribute",
    "channel_funnel",
    "channel_group",
    "channel_report",
    "choose_order",
    "compare_models",
    "journeys",
    "parse_utm",
)
