"""The benchmark page's table is rendered from a run's JSON, not typed by hand."""

from __future__ import annotations

import doctest

import benchmarks.table


def test_table_examples_run() -> None:
    assert doctest.testmod(benchmarks.table).failed == 0


def test_a_case_without_alternatives_says_so() -> None:
    ours = {"candidate": "saasmetrics", "median_s": 1.0, "cpu_s": 0.9, "peak_mib": 3.0}
    table = benchmarks.table.table({"cases": [{"case": "k", "size": "1", "results": [ours]}]})
    assert table.splitlines()[-1] == "| k | 1 | 1 s (0.9 CPU-s), 3 MiB | — | — |"
