"""A seeded synthetic B2B SaaS company with planted truths, for docs, tests and benchmarks."""

from __future__ import annotations

from saasmetrics.datasets._company import PlantedTruths, SaasCompany, make_saas_company

__all__ = ("PlantedTruths", "SaasCompany", "make_saas_company")
