"""The benchmark harness: one case = one data set, our function and the alternatives, timed
interleaved in the same process; median seconds, the ratio to ours, and peak traced memory.

A ``benchmarks/bench_<name>.py`` module exposes ``cases(quick: bool) -> list[Case]``.
"""

from __future__ import annotations

import gc
import importlib.util
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ("Case", "have", "run_case")


def have(module: str) -> bool:
    """Whether an optional peer (``duckdb``, ``lifelines``...) is importable."""
    return importlib.util.find_spec(module) is not None


@dataclass
class Case:
    """One benchmark.

    ``setup()`` builds the data once; ``ours(data)`` and every ``alternatives[name](data)`` run
    on it. ``check(ours_result, alt_name, alt_result)`` (optional) asserts they agree, so a
    ratio is never reported for two computations that differ. ``notes`` says what was skipped.
    """

    name: str
    size: str
    setup: Callable[[], Any]
    ours: Callable[[Any], Any]
    alternatives: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    check: Callable[[Any, str, Any], None] | None = None
    notes: list[str] = field(default_factory=list)
    repeat: int = 3


def _peak_mib(fn: Callable[[Any], Any], data: Any) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def run_case(case: Case, *, repeat: int | None = None, memory: bool = True) -> dict[str, Any]:
    """Run one case and return its measurements (JSON-safe)."""
    data = case.setup()
    candidates = {"saasmetrics": case.ours, **case.alternatives}
    results = {name: fn(data) for name, fn in candidates.items()}  # warm-up, and for checks
    if case.check is not None:
        for name, value in results.items():
            if name != "saasmetrics":
                case.check(results["saasmetrics"], name, value)
    del results
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeat or case.repeat):
        for name, fn in candidates.items():  # interleaved: noise hits every candidate alike
            gc.collect()
            start = time.perf_counter()
            fn(data)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    ours = medians["saasmetrics"]
    rows = []
    for name, seconds in medians.items():
        rows.append(
            {
                "candidate": name,
                "median_s": seconds,
                "ratio_to_ours": seconds / ours if ours > 0 else float("nan"),
                "peak_mib": _peak_mib(candidates[name], data) if memory else None,
            }
        )
    return {"case": case.name, "size": case.size, "notes": list(case.notes), "results": rows}
