"""Griffe extension: render the docstrings' Sphinx roles as mkdocstrings cross-references.

The docstrings use numpydoc's Sphinx roles (``:func:`funnel```, ``:class:`~saasmetrics.EventLog```),
which read well in the source, in ``help()`` and in IDEs. mkdocstrings does not understand them
and would show them raw, so at docs build time this extension rewrites each role into the
autorefs syntax ``[funnel][saasmetrics.funnel.funnel]``: the name is resolved in the scope of the
object whose docstring it is (its class, its module and their imports), then mapped to the
public path under which the reference pages document it. A target that is not documented
(pandas, numpy, a private helper) becomes plain code.

Done here rather than by rewriting every docstring: the source keeps one convention, and new
docstrings need nothing special.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

import griffe

REFERENCE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "reference"
"""The reference pages: their ``::: path`` blocks say what the site documents."""


def _documented_roots() -> tuple[str, ...]:
    roots = []
    for page in sorted(REFERENCE.glob("*.md")):
        roots += re.findall(r"^:::\s*([\w.]+)", page.read_text("utf-8"), flags=re.M)
    return tuple(roots)


ROLE = re.compile(r":(?:py:)?(func|class|meth|attr|data|mod|exc|obj|const):`(~?)([^`<]+?)`")


def _public_paths(pkg: griffe.Module) -> dict[str, str]:
    """Canonical path -> public path, for every name a subpackage exports in ``__all__``."""
    mapping: dict[str, str] = {}

    def visit(module: griffe.Module) -> None:
        exported = set(module.exports or ())
        for name, member in module.members.items():
            if name in exported:
                # the import path of a re-export (aliases are not resolved yet at this point)
                target = member.target_path if member.is_alias else member.path
                mapping.setdefault(target, f"{module.path}.{name}")
            if not member.is_alias and member.is_module and not name.startswith("_"):
                visit(member)  # type: ignore[arg-type]

    visit(pkg)
    return mapping


ROOTS = _documented_roots()


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx cross-reference roles in every docstring of the package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Rewrite the roles once the whole package is loaded (every name resolvable)."""
        public = _public_paths(pkg)
        public[pkg.path] = pkg.path
        for module in _modules(pkg):
            public.setdefault(module.path, module.path)
        self._walk(pkg, public)

    def _walk(self, obj: griffe.Object, public: dict[str, str]) -> None:
        if obj.docstring is not None and ":`" in obj.docstring.value:
            obj.docstring.value = ROLE.sub(lambda m: _link(obj, m, public), obj.docstring.value)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(member, public)  # type: ignore[arg-type]


def _modules(obj: griffe.Module) -> list[griffe.Module]:
    out = []
    for member in obj.members.values():
        if not member.is_alias and member.is_module:
            out.append(member)
            out += _modules(member)  # type: ignore[arg-type]
    return out


def _resolve(obj: griffe.Object, name: str) -> str | None:
    """Full canonical path of ``name`` seen from ``obj`` (dotted names: first part first)."""
    head, _, rest = name.partition(".")
    scopes = [obj] if obj.is_class or obj.is_module else []
    scopes += list(_parents(obj))
    for scope in scopes:
        try:
            path = scope.resolve(head)
        except (griffe.NameResolutionError, AttributeError, KeyError):
            continue
        return f"{path}.{rest}" if rest else path
    return name if name.startswith("saasmetrics") else None


def _parents(obj: griffe.Object) -> list[griffe.Object]:
    out = []
    parent = obj.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return out


def _documented(path: str, public: dict[str, str], pkg: griffe.Object) -> str | None:
    """The public path the reference documents ``path`` under, if any."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):  # the longest exported prefix, then its members
        prefix = ".".join(parts[:cut])
        if prefix in public:
            rest = parts[cut:]
            if any(p.startswith("_") for p in rest):
                return None
            candidate = ".".join([public[prefix], *rest])
            if not any(candidate == r or candidate.startswith(f"{r}.") for r in ROOTS):
                return None
            if any(p.startswith("_") for p in candidate.split(".")):
                return None
            try:
                pkg.modules_collection[_canonical(candidate, public)]
            except KeyError:
                return None
            return candidate
    return None


def _canonical(path: str, public: dict[str, str]) -> str:
    reverse = {v: k for k, v in public.items()}
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in reverse:
            return ".".join([reverse[prefix], *parts[cut:]])
    return path


def _link(obj: griffe.Object, match: re.Match[str], public: dict[str, str]) -> str:
    _, tilde, target = match.groups()
    target = target.strip()
    shown = target.rsplit(".", 1)[-1] if tilde else target
    text = f"{shown}()" if match.group(1) in {"func", "meth"} and not shown.endswith(")") else shown
    resolved = _resolve(obj, target)
    path = None if resolved is None else _documented(resolved, public, obj)
    if path is None:
        return f"`{text}`"
    return f"[`{text}`][{path}]"
