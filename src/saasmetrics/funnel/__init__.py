"""Activation: ordered conversion funnels with windows and breakdowns, and conversion paths."""

from __future__ import annotations

__all__: tuple[str, ...] = ()
