"""The command line: the demo writes a self-contained report; bad arguments fail in one line."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from saasmetrics.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_demo_writes_a_self_contained_report(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["demo", "--out", str(out), "--accounts", "200", "--seed", "3"]) == 0
    page = out.read_text("utf-8")
    assert page.startswith("<!doctype html>")
    assert "<svg" in page  # figures are inline
    assert 'src="http' not in page  # nothing loaded from elsewhere
    printed = capsys.readouterr().out
    assert "== Overview ==" in printed
    assert f"Wrote {out}" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--accounts", "lots"], "expected a whole number"),
        (["demo", "--accounts", "5"], "at least 10"),
        (["demo", "--seed", "-1"], "must not be negative"),
        (["demo", "--out", "/no/such/folder/r.html"], "does not exist"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "saasmetrics", *args],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"},
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("saasmetrics ")
