"""The benchmark runner: a failing or killed candidate is reported, and costs no other results."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import time
from typing import Any

import pytest

from benchmarks import run
from benchmarks._harness import _in_child

# forking a process that has threads is deprecated on Python 3.12+ (harmless here)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _boom() -> None:
    msg = "boom in a candidate"
    raise ValueError(msg)


def _hangs() -> None:
    time.sleep(60)


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_an_exception_in_the_child_reaches_the_parent_with_its_traceback() -> None:
    assert _in_child(lambda: 41 + 1) == 42
    with pytest.raises(RuntimeError, match=r"(?s)Traceback.*_boom.*ValueError: boom"):
        _in_child(_boom)


def test_a_killed_child_is_reported_as_killed() -> None:
    with pytest.raises(RuntimeError, match=r"killed by SIGKILL \(out of memory\?\)"):
        _in_child(_killed)


def test_a_failed_module_costs_no_other_results(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fake(module_name: str, args: Any) -> list[Any]:
        if module_name == "bench_a":
            raise subprocess.CalledProcessError(1, ["python", "-m", "benchmarks"])
        return [{"case": module_name, "size": "1", "notes": [], "results": []}]

    monkeypatch.setattr(run, "_modules", lambda: ["bench_a", "bench_b"])
    monkeypatch.setattr(run, "_run_module_in_fresh_interpreter", fake)
    out = tmp_path / "latest.json"
    assert run.main(["--quick", "--out", str(out)]) == 1
    report = json.loads(out.read_text())
    assert [case["case"] for case in report["cases"]] == ["bench_b"]
    assert report["failed_modules"] == ["bench_a"]
    assert "bench_a FAILED" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["0", "-2"])
def test_repeat_must_be_positive(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "_modules", list)  # never a real run, whatever happens
    with pytest.raises(SystemExit):
        run.main(["--repeat", value])


def test_a_hung_child_is_killed_after_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("benchmarks._harness.CHILD_TIMEOUT_S", 0.5)
    with pytest.raises(RuntimeError, match=r"\(no result within 0.5 s: killed\)"):
        _in_child(_hangs)


def test_short_candidates_run_more_often_unless_the_count_is_fixed() -> None:
    from benchmarks import _harness

    calls: list[int] = []

    def quick(data: Any) -> None:
        calls.append(data)

    _harness._measure(quick, 1, 3, memory=False)
    assert len(calls) == 1 + _harness.MOST_RUNS  # warm-up, then as many as fit (at most)
    calls.clear()
    _harness._measure(quick, 1, 3, memory=False, fixed=True)
    assert len(calls) == 1 + 3

    def slow(data: Any) -> None:
        calls.append(data)
        time.sleep(_harness.SHORT_RUNS_S / 2)

    calls.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_harness, "SHORT_RUNS_S", 0.2)
        _harness._measure(slow, 1, 2, memory=False)
    assert len(calls) == 1 + 2  # the case's count when no more fit
