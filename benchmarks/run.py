"""Run the benchmarks: ``python -m benchmarks [--quick] [--only TEXT] [--out FILE]``."""

from __future__ import annotations

import argparse
import importlib
import json
import pathlib
import platform
import sys
import time
from typing import Any

from benchmarks._harness import run_case

HERE = pathlib.Path(__file__).resolve().parent


def _modules(only: str | None) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if only is None or only in n] if only else names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument("--only", help="run only cases whose module or name contains this")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args(argv)

    report: dict[str, Any] = {
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cases": [],
    }
    print(f"{'case [size] / candidate':<48}{'median s':>10}{'x ours':>8}{'peak MiB':>10}")
    for module_name in _modules(None):
        module = importlib.import_module(f"benchmarks.{module_name}")
        for case in module.cases(args.quick):
            if args.only and args.only not in module_name and args.only not in case.name:
                continue
            result = run_case(case, repeat=args.repeat or (2 if args.quick else None))
            report["cases"].append(result)
            print(f"{case.name} [{case.size}]")
            for row in result["results"]:
                print(
                    f"    {row['candidate'][:42]:<44}{row['median_s']:>10.4f}"
                    f"{row['ratio_to_ours']:>8.2f}{row['peak_mib']:>10.1f}"
                )
            for note in result["notes"]:
                print(f"    note: {note}")
            sys.stdout.flush()
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print("\n'x ours' = candidate's median time / saasmetrics' (above 1: saasmetrics is faster).")
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
