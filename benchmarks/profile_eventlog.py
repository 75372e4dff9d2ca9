"""Where an EventLog build spends its time, against the sorts it replaces.

``python -m benchmarks.profile_eventlog [--events 10M] [--repeat 5]`` builds the data of the
``eventlog/build`` case, then times the build, its steps and the alternatives of that case
interleaved, in CPU seconds of this process (min over the repeats): on a shared machine CPU
time is far steadier than wall time. It ends with the peak memory ``tracemalloc`` traces during
one build, against the memory the log holds.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.bench_core import _events, cases
from benchmarks.lake import _count
from saasmetrics import EventLog
from saasmetrics._kernels.encoding import sort_order
from saasmetrics.eventlog import encode_events


def _steps(data: Any) -> dict[str, float]:
    """CPU seconds of the build's steps: validate and factorize, sort, gather."""
    start = time.process_time()
    encoded = encode_events(data, properties=[])
    encoded_at = time.process_time()
    order = sort_order(encoded.user_codes, encoded.times.ns)
    sorted_at = time.process_time()
    encoded.event_codes[order], encoded.times.ns[order]
    return {
        "validate + factorize": encoded_at - start,
        "sort_order": sorted_at - encoded_at,
        "gather event codes + times": time.process_time() - sorted_at,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_eventlog")
    parser.add_argument("--events", default="10M")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    n = _count(args.events)
    data = _events(n, max(n // 20, 1))
    candidates: dict[str, Callable[[Any], Any]] = {
        "EventLog build": lambda d: EventLog(d, properties=[]),
        **{k: v for k, v in cases(False)[0].alternatives.items() if "duckdb" not in k},
    }
    best: dict[str, float] = {}
    steps: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, fn in candidates.items():
            gc.collect()
            start = time.process_time()
            fn(data)
            best[name] = min(best.get(name, float("inf")), time.process_time() - start)
        for step, seconds in _steps(data).items():
            steps[step] = min(steps.get(step, float("inf")), seconds)
    ours = best["EventLog build"]
    print(f"{n:,} events, CPU seconds, min of {args.repeat}")
    for name, seconds in best.items():
        print(f"  {name:<42}{seconds:8.3f}   x build {seconds / ours:5.2f}")
    for step, seconds in steps.items():
        print(f"    step: {step:<34}{seconds:8.3f}")
    gc.collect()
    tracemalloc.start()
    log = EventLog(data, properties=[])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak traced {peak / 2**20:,.0f} MiB = {peak / log.nbytes:.2f} x the log's arrays")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
