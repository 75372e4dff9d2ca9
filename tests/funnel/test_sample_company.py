"""The planted truth of the sample company, recovered by funnel(); cross-checked with pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from saasmetrics import EventLog
from saasmetrics.datasets import SaasCompany, make_saas_company
from saasmetrics.funnel import funnel
from saasmetrics.report._funnel import section

STEPS = ["signup", "create_project", "invite_teammate", "subscribe"]


@pytest.fixture(scope="module")
def company() -> SaasCompany:
    return make_saas_company(n_accounts=2000, seed=0)


def test_worst_activation_channel_is_recovered(company: SaasCompany) -> None:
    log = EventLog(company.events, properties=["channel"])
    result = funnel(log, STEPS, window="30D", breakdown="channel")
    step2 = result.to_frame().query("step == 'create_project'").set_index("channel")
    rates = step2["conversion_from_start"].sort_values()
    assert rates.index[0] == company.truths.worst_activation_channel == "Paid Social"
    # clearly worst: the interval of the gap to the runner-up excludes zero
    gap = result.compare(rates.index[0], rates.index[1]).iloc[0]
    assert gap["ci_high"] < 0
    assert gap["p_value"] < 1e-6


def test_step_two_matches_a_pandas_merge_asof(company: SaasCompany) -> None:
    events = company.events
    window = pd.Timedelta("7D")
    signups = events.loc[events["event"] == "signup", ["user_id", "timestamp"]]
    projects = events.loc[events["event"] == "create_project", ["user_id", "timestamp"]]
    nxt = pd.merge_asof(
        signups.sort_values("timestamp"),
        projects.rename(columns={"timestamp": "t1"}).sort_values("t1"),
        left_on="timestamp",
        right_on="t1",
        by="user_id",
        direction="forward",
        allow_exact_matches=False,
    )
    converted = nxt.loc[nxt["t1"] <= nxt["timestamp"] + window, "user_id"].nunique()
    result = funnel(events, STEPS[:2], window="7D")
    assert result.counts == [signups["user_id"].nunique(), converted]


def test_report_section(company: SaasCompany) -> None:
    pytest.importorskip("matplotlib")
    sec = section(company)
    assert sec.title == "Funnel"
    assert any("Paid Social" in line for line in sec.summary)
    assert "<svg" in sec.html
