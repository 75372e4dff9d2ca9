"""Unit economics: MRR bridge, SaaS KPIs, LTV and CAC, probabilistic CLV, revenue projection."""

from __future__ import annotations

__all__: tuple[str, ...] = ()
