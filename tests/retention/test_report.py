"""The retention section of the demo report."""

from __future__ import annotations

import warnings

import pytest

from saasmetrics.datasets import make_saas_company
from saasmetrics.report import build_sections
from saasmetrics.report._retention import section


def test_section_tells_the_planted_story() -> None:
    company = make_saas_company(600, seed=1)
    result = section(company)
    assert result.title == "Retention"
    assert len(result.summary) == 4
    assert "invite teammate at least 3 times" in result.summary[-1]
    assert result.html.count("<svg") == 4
    assert "Retention" in [s.title for s in build_sections(company)]


@pytest.mark.parametrize(("n_accounts", "seed"), [(10, 1), (200, 3)])
def test_section_survives_small_companies(n_accounts: int, seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = section(make_saas_company(n_accounts, seed=seed))
    assert result.summary[0].startswith("users active")
    assert any(line.startswith("magic number") for line in result.summary)
