"""The Markdown table of a benchmark run: ``python -m benchmarks.table [RESULTS.json]``.

docs/benchmarks.md shows this table from one full run (``python -m benchmarks``), unedited.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent


def _seconds(value: float) -> str:
    return f"{value:.3g} s"


def _row(case: dict[str, Any]) -> str:
    ours, *alternatives = case["results"]
    mine = f"{_seconds(ours['median_s'])} ({ours['cpu_s']:.3g} CPU-s), {ours['peak_mib']:.0f} MiB"
    theirs = "; ".join(
        f"{alt['candidate']} {_seconds(alt['median_s'])} ({alt['cpu_s']:.3g} CPU-s)"
        for alt in alternatives
    )
    ratios = " / ".join(f"{alt['ratio_to_ours']:.2f}" for alt in alternatives)
    return f"| {case['case']} | {case['size']} | {mine} | {theirs or '—'} | {ratios or '—'} |"


def table(report: dict[str, Any]) -> str:
    """Render a run's report (the JSON ``python -m benchmarks`` writes) as a Markdown table.

    Examples
    --------
    >>> case = {"case": "c", "size": "1M", "results": [
    ...     {"candidate": "saasmetrics", "median_s": 0.5, "cpu_s": 0.5, "peak_mib": 10.0},
    ...     {"candidate": "pandas", "median_s": 2.0, "cpu_s": 2.0, "peak_mib": 20.0,
    ...      "ratio_to_ours": 4.0}]}
    >>> print(table({"cases": [case]}).splitlines()[-1])
    | c | 1M | 0.5 s (0.5 CPU-s), 10 MiB | pandas 2 s (2 CPU-s) | 4.00 |
    """
    header = "| case | size | saasmetrics (median, CPU, peak traced) | alternatives (median, CPU) "
    lines = [header + "| x ours |", "|---|---|---|---|---|"]
    lines += [_row(case) for case in report["cases"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.table")
    parser.add_argument("results", nargs="?", default=str(HERE / "results" / "latest.json"))
    args = parser.parse_args(argv)
    print(table(json.loads(pathlib.Path(args.results).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
