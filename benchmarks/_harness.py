"""The benchmark harness: one case = one data set, our function and the alternatives, each
timed in a process of its own; median seconds (wall and CPU), the ratio to ours, and peak
traced memory.

A ``benchmarks/bench_<name>.py`` module exposes ``cases(quick: bool) -> list[Case]``.
"""

from __future__ import annotations

import gc
import importlib.util
import multiprocessing
import signal
import statistics
import time
import traceback
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
    ``fork_data=False`` when ``setup()`` starts a thread pool (polars does): a pool does not
    survive a fork, so every candidate's process builds the data itself.
    """

    name: str
    size: str
    setup: Callable[[], Any]
    ours: Callable[[Any], Any]
    alternatives: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    check: Callable[[Any, str, Any], None] | None = None
    notes: list[str] = field(default_factory=list)
    repeat: int = 3
    fork_data: bool = True


def _peak_mib(fn: Callable[[Any], Any], data: Any) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


CHILD_TIMEOUT_S = 3600
"""Longest a candidate's process may take (the slowest, pandas session paths, takes ~15 min)."""


def _in_child(work: Callable[[], Any]) -> Any:
    """Run ``work`` in a forked child and return its (picklable) result.

    The child shares the parent's data copy-on-write, but not the memory that other
    candidates allocated and freed: a run after millions of pandas objects is up to 2x slower
    on the same NumPy code in the same process (see docs/benchmarks.md), so every candidate
    gets a process of its own. An exception in the child is raised here with its traceback.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def target() -> None:
        try:
            send.send(("ok", work()))
        except BaseException:  # sent to the parent, which raises it
            send.send(("error", traceback.format_exc()))

    child = context.Process(target=target)
    child.start()
    send.close()
    timed_out = False
    try:
        timed_out = not receive.poll(CHILD_TIMEOUT_S)  # a deadlock or a runaway candidate
        if timed_out:
            child.kill()
            status, value = "error", "(no output)"
        else:
            status, value = receive.recv()
    except EOFError:  # the child died without a word (killed, out of memory)
        status, value = "error", "the child process ended without a result"
    child.join()
    if status != "ok":
        code = child.exitcode
        how = f"exit code {code}"
        if timed_out:
            how = f"no result within {CHILD_TIMEOUT_S} s: killed"
        elif code is not None and code < 0:  # killed: SIGKILL is what the OOM killer sends
            how = f"killed by {signal.Signals(-code).name}"
            how += " (out of memory?)" if code == -signal.SIGKILL else ""
        raise RuntimeError(f"benchmark child failed ({how}):\n{value}")
    return value


def _check_all(case: Case, candidates: dict[str, Callable[[Any], Any]], data: Any) -> None:
    results = {name: fn(data) for name, fn in candidates.items()}
    if case.check is not None:
        for name, value in results.items():
            if name != "saasmetrics":
                case.check(results["saasmetrics"], name, value)


SHORT_RUNS_S = 3.0
"""A candidate whose warm-up took less runs as often as fits in this many seconds (at most
:data:`MOST_RUNS` times, at least the case's ``repeat``): the median of a run of 0.15 s
moves by a third from one run of the benchmarks to the next on this shared machine, of 11 runs
far less."""

MOST_RUNS = 11


def _measure(
    fn: Callable[[Any], Any], data: Any, repeat: int, memory: bool, *, fixed: bool = False
) -> dict[str, Any]:
    start = time.perf_counter()
    fn(data)  # warm-up: lazy imports, caches
    warm = time.perf_counter() - start
    if not fixed:  # short candidates run more often (see SHORT_RUNS_S)
        repeat = max(repeat, min(MOST_RUNS, int(SHORT_RUNS_S / max(warm, 1e-3))))
    wall, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(data)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {
        "median_s": statistics.median(wall),
        "cpu_s": statistics.median(cpu),
        "peak_mib": _peak_mib(fn, data) if memory else None,
    }


def run_case(case: Case, *, repeat: int | None = None, memory: bool = True) -> dict[str, Any]:
    """Run one case and return its measurements (JSON-safe).

    The agreement check and then each candidate run in forked processes of their own, one
    candidate after the other (a warm-up run, timed runs, and one traced run for the peak
    memory). Timed runs: ``repeat`` when given (``--repeat``, ``--quick``), else the case's
    ``repeat`` or, for a short candidate, as many as fit in :data:`SHORT_RUNS_S`. The data is
    built once here and shared copy-on-write, unless the case says its setup starts a thread
    pool (``fork_data=False``): then each child builds it.
    """
    data = case.setup() if case.fork_data else None
    candidates = {"saasmetrics": case.ours, **case.alternatives}

    def own(data: Any) -> Any:
        return case.setup() if data is None else data

    _in_child(lambda: _check_all(case, candidates, own(data)))
    n = repeat or case.repeat
    measured = {
        name: _in_child(lambda fn=fn: _measure(fn, own(data), n, memory, fixed=repeat is not None))
        for name, fn in candidates.items()
    }
    ours = measured["saasmetrics"]["median_s"]
    rows = [
        {
            "candidate": name,
            "median_s": m["median_s"],
            "cpu_s": m["cpu_s"],
            "ratio_to_ours": m["median_s"] / ours if ours > 0 else float("nan"),
            "peak_mib": m["peak_mib"],
        }
        for name, m in measured.items()
    ]
    notes = list(case.notes)
    if data is None:
        notes.append("the data was built in each candidate's process")
    return {"case": case.name, "size": case.size, "notes": notes, "results": rows}
