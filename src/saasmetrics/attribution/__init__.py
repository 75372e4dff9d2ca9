"""Acquisition: UTM parsing, channel groups, channel quality and multi-touch attribution."""

from __future__ import annotations

from saasmetrics.attribution._channels import (
    CLICK_IDS,
    DEFAULT_CHANNEL_RULES,
    ChannelRule,
    ChannelRules,
    Condition,
    channel_group,
    parse_utm,
)

__all__ = (
    "CLICK_IDS",
    "DEFAULT_CHANNEL_RULES",
    "ChannelRule",
    "ChannelRules",
    "Condition",
    "channel_group",
    "parse_utm",
)
