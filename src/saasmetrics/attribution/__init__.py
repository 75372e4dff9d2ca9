"""Acquisition: UTM parsing, channel groups, channel quality and multi-touch attribution."""

from __future__ import annotations

__all__: tuple[str, ...] = ()
