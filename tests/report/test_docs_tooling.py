"""The docs and CI tooling: Sphinx roles become cross-references; the browser check bites."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import shutil
import sys
from types import ModuleType

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROLE = re.compile(r":(func|class|meth|attr|data|mod|exc|obj):`")


def _load(path: pathlib.Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def test_sphinx_roles_become_cross_references_to_documented_names() -> None:
    griffe = pytest.importorskip("griffe")
    extension = _load(ROOT / "tools" / "docs" / "sphinx_roles.py").SphinxRoles()
    pkg = griffe.load(
        "saasmetrics",
        search_paths=[str(ROOT / "src")],
        extensions=griffe.Extensions(extension),
        docstring_parser="numpy",
    )
    left, links = [], []

    def walk(obj: object) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None:
            if ROLE.search(docstring.value):
                left.append(obj.path)  # type: ignore[attr-defined]
            links.extend(re.findall(r"\]\[([\w.]+)\]", docstring.value))
        for member in obj.members.values():  # type: ignore[attr-defined]
            if not member.is_alias:
                walk(member)

    walk(pkg)
    assert not left  # every role is rewritten
    assert "saasmetrics.funnel.funnel" in links
    assert "saasmetrics.attribution.journeys" in links
    # links point only at names the reference pages document: public paths
    assert all(not any(p.startswith("_") for p in link.split(".")) for link in links)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (.ci/run has it)")
def test_browser_check_fails_on_what_a_reader_would_see(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check = _load(ROOT / ".ci" / "browser_check.py")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "index.html").write_text(
        "<!doctype html><html><head><link rel='icon' href='data:,'></head><body>"
        "<img src='missing.png'><script>console.error('boom')</script></body></html>"
    )
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "index.html").write_text(
        "<!doctype html><html><head><link rel='icon' href='data:,'></head><body>"
        "<h1>Fine</h1><p>All here.</p></body></html>"
    )
    assert check.main(["--site", str(tmp_path / "good"), "--page", "index.html"]) == 0
    capsys.readouterr()
    assert check.main(["--site", str(tmp_path / "bad"), "--page", "index.html"]) == 1
    printed = capsys.readouterr().out
    assert "broken image" in printed
    assert "console error: boom" in printed
    assert "missing section: the page title" in printed
