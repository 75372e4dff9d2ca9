"""The public surface: light import, exceptions hierarchy, every public name documented."""

from __future__ import annotations

import importlib
import json
import pathlib
import subprocess
import sys

import pytest

import saasmetrics
from saasmetrics import exceptions

ROOT = pathlib.Path(__file__).resolve().parents[1]
SUBPACKAGES = (
    "attribution",
    "funnel",
    "engagement",
    "retention",
    "health",
    "unit_economics",
    "datasets",
    "scale",
)


def test_import_is_light_and_silent() -> None:
    code = (
        "import sys, json, saasmetrics;"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'matplotlib','statsmodels','duckdb','lifelines','lifetimes','polars','dask','distributed'})))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    # pyarrow is not listed: pandas itself imports it when installed (string dtype).
    assert json.loads(out.stdout) == []
    assert out.stderr == ""


def test_import_does_no_io() -> None:
    """Importing opens only code (and the time zone database pandas reads), writes nothing."""
    code = (
        "import sys, json\n"
        "opened = []\n"
        "sys.addaudithook(lambda ev, args: opened.append([str(args[0]), str(args[1])])"
        " if ev == 'open' else None)\n"
        "import saasmetrics\n"
        "print(json.dumps(opened))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    opened = json.loads(out.stdout)
    data_files = [
        path
        for path, _ in opened
        if not path.endswith((".py", ".pyc", ".so")) and "zoneinfo" not in path
    ]
    assert data_files == []
    assert [mode for _, mode in opened if any(c in mode for c in "wax+")] == []


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_import_needs_no_plotting_or_peers(name: str) -> None:
    code = (
        f"import sys, json, saasmetrics.{name};"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'matplotlib','statsmodels','duckdb','lifelines','lifetimes','polars','dask','distributed'})))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    assert json.loads(out.stdout) == []


def test_version_is_a_string() -> None:
    assert isinstance(saasmetrics.__version__, str)


def test_exception_hierarchy_and_codes() -> None:
    assert issubclass(exceptions.InputError, ValueError)
    assert issubclass(exceptions.MissingColumnError, KeyError)
    assert issubclass(exceptions.SchemaError, TypeError)
    assert issubclass(exceptions.NotFittedError, AttributeError)
    codes = {
        getattr(exceptions, name).code
        for name in exceptions.__all__
        if issubclass(getattr(exceptions, name), Exception)
        and issubclass(getattr(exceptions, name), exceptions.SaasMetricsError)
    }
    assert len(codes) == 8  # one stable code per error class


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackages_have_all_and_a_reference_page(name: str) -> None:
    module = importlib.import_module(f"saasmetrics.{name}")
    assert isinstance(module.__all__, tuple)
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.__all__ names missing {public}"
    pages = "\n".join(p.read_text() for p in (ROOT / "docs" / "reference").glob("*.md"))
    assert f"::: saasmetrics.{name}" in pages, f"docs/reference has no page for {name}"


def test_core_modules_are_in_the_reference() -> None:
    pages = "\n".join(p.read_text() for p in (ROOT / "docs" / "reference").glob("*.md"))
    for target in ("saasmetrics.EventLog", "saasmetrics.exceptions"):
        assert f"::: {target}" in pages


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_every_public_function_and_class_has_an_example(name: str) -> None:
    """Every public name shows how it is used (the examples run as doctests)."""
    import inspect

    module = importlib.import_module(f"saasmetrics.{name}")
    missing = [
        public
        for public in module.__all__
        if (inspect.isclass(obj := getattr(module, public)) or inspect.isfunction(obj))
        and "Examples" not in (inspect.getdoc(obj) or "")
    ]
    assert missing == [], f"saasmetrics.{name}: add an Examples section to {missing}"
