"""Retention: cohort tables, retention curves and their models, and magic-number search."""

from __future__ import annotations

__all__: tuple[str, ...] = ()
