"""The demo report: one HTML page about the sample company, built from the public API.

Each module contributes a section from ``saasmetrics.report._<module>.section(company)``; the
report includes every section whose module is present, in the order of the customer journey.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING

from saasmetrics.report._base import Section, escape, figure_html, how_to_read, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany

__all__ = (
    "SECTION_ORDER",
    "Section",
    "build_sections",
    "figure_html",
    "how_to_read",
    "render_html",
    "table_html",
)

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
h3{margin-top:1.8rem}
.table-wrap{overflow-x:auto;margin:.8rem 0}
table.data{border-collapse:collapse;font-size:.85rem}
table.data caption{text-align:left;font-weight:600;padding:.2rem 0 .4rem;color:#334155}
table.data td,table.data th{padding:.25rem .7rem;border-bottom:1px solid #e2e8f0;white-space:nowrap}
table.data th{white-space:normal;min-width:3.5rem}
table.data td.wrap{white-space:normal;min-width:14rem}
table.data th{border-bottom:2px solid #cbd5e1;vertical-align:bottom}
table.data .num{text-align:right;font-variant-numeric:tabular-nums}
table.data .text{text-align:left}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
.summary li{margin:.15rem 0}.muted{color:#64748b}
.executive{background:#eff6ff;border-left:4px solid #2563eb;padding:.8rem 1rem;margin:1.2rem 0}
.executive p{margin:0}
details.how{background:#f8fafc;border:1px solid #e2e8f0;border-radius:6px;padding:.5rem .9rem;
margin:.8rem 0}
details.how summary{cursor:pointer;font-weight:600;color:#334155}
details.how p{margin:.4rem 0}
.note{font-size:.85rem;color:#475569}
"""


def render_html(sections: list[Section], *, title: str = "saasmetrics report") -> str:
    """Assemble sections into one self-contained HTML page.

    The page opens with an executive summary, one paragraph made of each section's
    ``headline``; each section shows its summary lines, a "How to read this" box and its body.

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
    >>> page = render_html(
    ...     [Section(title="Hello", summary=["one line"], html="<p>hi</p>", headline="Hi.")]
    ... )
    >>> '<h2 id="hello">Hello</h2>' in page, "</strong> Hi.</p>" in page
    (True, True)
    """
    toc = "".join(f'<li><a href="#{s.anchor}">{escape(s.title)}</a></li>' for s in sections)
    headlines = " ".join(s.headline for s in sections if s.headline)
    executive = (
        '<section class="executive" id="executive-summary"><p><strong>Executive summary.</strong> '
        f"{escape(headlines)}</p></section>"
        if headlines
        else ""
    )
    body = "".join(
        f'<section class="report-section" id="section-{s.anchor}">'
        f'<h2 id="{s.anchor}">{escape(s.title)}</h2>'
        f'<ul class="summary">{"".join(f"<li>{escape(line)}</li>" for line in s.summary)}</ul>'
        + (
            f'<details class="how" open><summary>How to read this</summary>{s.how_to_read}'
            "</details>"
            if s.how_to_read
            else ""
        )
        + f"{s.html}</section>"
        for s in sections
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>{escape(title)}"
        f"</title><style>{_CSS}</style></head><body><h1>{escape(title)}</h1>"
        f"<p class='muted'>Generated {stamp} by saasmetrics.</p>{executive}<ul>{toc}</ul>{body}"
        "</body></html>"
    )
