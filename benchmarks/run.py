"""Run the benchmarks: ``python -m benchmarks [--quick] [--only TEXT] [--out FILE]``.

Each ``bench_*`` module runs in a fresh interpreter, and each candidate of a case in a forked
process of its own (see ``benchmarks._harness.run_case``): no measurement follows another
candidate's allocations or thread pools.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pathlib
import platform
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks._harness import run_case

HERE = pathlib.Path(__file__).resolve().parent


def _modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def _run_module(module_name: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run (and print) the cases of one module in this process."""
    module = importlib.import_module(f"benchmarks.{module_name}")
    results = []
    for case in module.cases(args.quick):
        if args.only and args.only not in module_name and args.only not in case.name:
            continue
        result = run_case(case, repeat=args.repeat or (2 if args.quick else None))
        results.append(result)
        print(f"{case.name} [{case.size}]")
        for row in result["results"]:
            print(
                f"    {row['candidate'][:42]:<44}{row['median_s']:>10.4f}{row['cpu_s']:>9.3f}"
                f"{row['ratio_to_ours']:>8.2f}{row['peak_mib']:>10.1f}"
            )
        for note in result["notes"]:
            print(f"    note: {note}")
        sys.stdout.flush()
    return results


def _run_module_in_fresh_interpreter(module_name: str, args: argparse.Namespace) -> list[Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "cases.json"
        command = [sys.executable, "-m", "benchmarks", "--module", module_name, "--out", str(out)]
        command += ["--quick"] if args.quick else []
        command += ["--only", args.only] if args.only else []
        command += ["--repeat", str(args.repeat)] if args.repeat else []
        subprocess.run(command, check=True, cwd=HERE.parent)
        cases: list[Any] = json.loads(out.read_text())
        return cases


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument("--only", help="run only cases whose module or name contains this")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--repeat", type=_positive, default=None, help="timed runs per candidate")
    parser.add_argument("--module", help=argparse.SUPPRESS)  # one module, in this process
    args = parser.parse_args(argv)

    if args.module:
        pathlib.Path(args.out).write_text(json.dumps(_run_module(args.module, args)))
        return 0
    report: dict[str, Any] = {
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cases": [],
    }
    print(
        f"{'case [size] / candidate':<48}{'median s':>10}{'cpu s':>9}{'x ours':>8}{'peak MiB':>10}"
    )
    sys.stdout.flush()
    failed = []
    for module_name in _modules():
        try:
            report["cases"] += _run_module_in_fresh_interpreter(module_name, args)
        except subprocess.CalledProcessError as error:  # its traceback is on stderr above
            print(f"{module_name} FAILED (exit code {error.returncode}); see its traceback above")
            sys.stdout.flush()
            failed.append(module_name)
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    report["failed_modules"] = failed
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print("\n'x ours' = candidate's median time / saasmetrics' (above 1: saasmetrics is faster).")
    print("Each candidate ran in a process of its own; 'cpu s' counts every thread (DuckDB's).")
    print(f"Wrote {out}")
    if failed:
        print(f"FAILED: {', '.join(failed)} (the other modules' results were written)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
