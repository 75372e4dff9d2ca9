"""saasmetrics: SaaS growth metrics from raw data.

Subpackages: :mod:`saasmetrics.attribution`, :mod:`saasmetrics.engagement`,
:mod:`saasmetrics.funnel`, :mod:`saasmetrics.retention`, :mod:`saasmetrics.health`,
:mod:`saasmetrics.unit_economics`,
:mod:`saasmetrics.datasets`, :mod:`saasmetrics.scale` (the same analyses on Dask) and
:mod:`saasmetrics.config` (threads in memory). They
load on first use, so ``import saasmetrics`` stays light: it imports no matplotlib, statsmodels,
dask or peer library, and does no I/O.

Examples
--------
>>> import saasmetrics
>>> saasmetrics.EventLog.__name__
'EventLog'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from saasmetrics.eventlog import EventLog

if TYPE_CHECKING:
    from saasmetrics import (
        attribution,
        config,
        datasets,
        engagement,
        exceptions,
        funnel,
        health,
        retention,
        scale,
        unit_economics,
    )

__all__ = (
    "EventLog",
    "__version__",
    "attribution",
    "config",
    "datasets",
    "engagement",
    "exceptions",
    "funnel",
    "health",
    "retention",
    "scale",
    "unit_economics",
)

_SUBPACKAGES = frozenset(
    {
        "attribution",
        "config",
        "datasets",
        "engagement",
        "exceptions",
        "funnel",
        "health",
        "retention",
        "scale",
        "unit_economics",
    }
)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("saasmetrics")
        except PackageNotFoundError:  # running from a source tree without an install
            return "0+unknown"
    if name in _SUBPACKAGES:
        return importlib.import_module(f"saasmetrics.{name}")
    msg = f"module 'saasmetrics' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
