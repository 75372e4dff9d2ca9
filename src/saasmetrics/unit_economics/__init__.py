"""Unit economics: MRR bridge, SaaS KPIs, LTV and CAC, probabilistic CLV, revenue projection."""

from __future__ import annotations

from saasmetrics.unit_economics._bridge import MRRBridge, mrr_bridge, saas_kpis
from saasmetrics.unit_economics._normalize import monthly_amount, mrr_from_invoices

__all__ = (
    "MRRBridge",
    "monthly_amount",
    "mrr_bridge",
    "mrr_from_invoices",
    "saas_kpis",
)
