"""Customer health: configurable health scores, segments, churn-risk models and early warnings."""

from __future__ import annotations

__all__: tuple[str, ...] = ()
