"""The demo report: one HTML page about the sample company, built from the public API.

Each module contributes a section from ``saasmetrics.report._<module>.section(company)``; the
report includes every section whose module is present, in the order of the customer journey.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING

from saasmetrics.report._base import Section, escape, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany

__all__ = ("SECTION_ORDER", "Section", "build_sections", "render_html", "table_html")

SECTION_ORDER = (
    "overview",
    "attribution",
    "funnel",
    "engagement",
    "retention",
    "health",
    "unit_economics",
)
"""Acquire, activate, engage, retain, succeed, earn."""


def build_sections(company: SaasCompany) -> list[Section]:
    """Build every available section of the report for ``company``.

    Parameters
    ----------
    company : SaasCompany
        From :func:`saasmetrics.datasets.make_saas_company`.

    Returns
    -------
    list of Section
        In the order of :data:`SECTION_ORDER`; modules without a section are skipped.
    """
    sections = []
    for name in SECTION_ORDER:
        try:
            module = importlib.import_module(f"saasmetrics.report._{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"saasmetrics.report._{name}":
                raise
            continue
        sections.append(module.section(company))
    return sections


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2rem auto;padding:0 1rem;color:#1e293b;line-height:1.45}
h1{margin-bottom:0}h2{border-bottom:2px solid #2563eb;padding-bottom:.2rem;margin-top:2.5rem}
table.data{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
table.data td,table.data th{padding:.2rem .6rem;border-bottom:1px solid #e2e8f0;text-align:right}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
.summary li{margin:.15rem 0}.muted{color:#64748b}
"""


def render_html(sections: list[Section], *, title: str = "saasmetrics report") -> str:
    """Assemble sections into one self-contained HTML page.

    Parameters
    ----------
    sections : list of Section
        From :func:`build_sections`.
    title : str, default "saasmetrics report"
        Page title.

    Returns
    -------
    str
        The page, with figures inline (no external files).

    Examples
    --------
    >>> page = render_html([Section(title="Hello", summary=["one line"], html="<p>hi</p>")])
    >>> '<h2 id="hello">Hello</h2>' in page
    True
    """
    toc = "".join(
        f'<li><a href="#{escape(s.title.lower().replace(" ", "-"))}">{escape(s.title)}</a></li>'
        for s in sections
    )
    body = "".join(
        f'<h2 id="{escape(s.title.lower().replace(" ", "-"))}">{escape(s.title)}</h2>'
        f'<ul class="summary">{"".join(f"<li>{escape(line)}</li>" for line in s.summary)}</ul>'
        f"{s.html}"
        for s in sections
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title><style>{_CSS}</style></head><body><h1>{escape(title)}</h1>"
        f"<p class='muted'>Generated {stamp} by saasmetrics.</p><ul>{toc}</ul>{body}</body></html>"
    )
