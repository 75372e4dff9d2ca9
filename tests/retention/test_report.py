"""The retention section of the demo report."""

from __future__ import annotations

from saasmetrics.datasets import make_saas_company
from saasmetrics.report import build_sections
from saasmetrics.report._retention import section


def test_section_tells_the_planted_story() -> None:
    company = make_saas_company(600, seed=1)
    result = section(company)
    assert result.title == "Retention"
    assert len(result.summary) == 4
    assert "invite_teammate >= 3" in result.summary[-1]
    assert result.html.count("<svg") == 4
    assert "Retention" in [s.title for s in build_sections(company)]
