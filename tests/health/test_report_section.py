"""The health section of the demo report."""

from __future__ import annotations

import pytest

datasets = pytest.importorskip("saasmetrics.datasets")
pytest.importorskip("matplotlib")


def test_health_section_summarises_bands_risk_and_warnings() -> None:
    import matplotlib as mpl

    mpl.use("Agg")
    from saasmetrics.report._health import section

    result = section(datasets.make_saas_company(n_accounts=2000, seed=0))
    assert result.title == "Health"
    text = "\n".join(result.summary)
    assert "paying accounts as of 2025-07-01" in text
    assert "Churn model AUC" in text
    assert "create report" in text  # found by screening the usage events, not planted
    assert result.html.count("<svg") == 2
    assert "Riskiest accounts" in result.html
