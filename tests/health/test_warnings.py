"""early_warnings: each rule on hand-made data, evidence, point in time, rule loading."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from saasmetrics.exceptions import ParameterError
from saasmetrics.health import (
    ActiveUsersDropRule,
    EarlyWarnings,
    KeyUserInactiveRule,
    MRRContractionRule,
    NoUseRule,
    UsageDropRule,
    early_warnings,
)

AS_OF = pd.Timestamp("2024-06-01")


def _events(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    """(account, user, days before AS_OF, event)."""
    return pd.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "timestamp": [AS_OF - pd.Timedelta(days=r[2]) for r in rows],
            "event": [r[3] for r in rows],
        }
    )


EVENTS = _events(
    [
        # a1: last report 100 days ago; 4 active users last-but-one month, 1 this month
        ("a1", "u1", 100, "create_report"),
        ("a1", "u1", 45, "login"),
        ("a1", "u2", 40, "login"),
        ("a1", "u3", 35, "login"),
        ("a1", "u4", 50, "login"),
        ("a1", "u1", 3, "login"),
        ("a1", "u1", 44, "login"),
        ("a1", "u1", 43, "login"),
        # a2: healthy: reports weekly, same users both months; its key user u5 is active
        *[("a2", "u5", d, "create_report") for d in range(1, 90, 7)],
        ("a2", "u6", 10, "login"),
        ("a2", "u6", 40, "login"),
        # a3: never made a report; key user u7 inactive for 20 days
        ("a3", "u7", 20, "login"),
        ("a3", "u7", 21, "login"),
        ("a3", "u8", 2, "login"),
        # future events must not matter
        ("a2", "u5", -5, "login"),
        ("a3", "u7", -1, "create_report"),
    ]
)

SUBS = pd.DataFrame(
    {
        "customer_id": ["a1", "a1", "a2", "a3"],
        "start": pd.to_datetime(["2024-01-01", "2024-05-20", "2024-01-01", "2024-01-01"]),
        "end": pd.to_datetime(["2024-05-20", None, None, None]),
        "mrr": [200.0, 120.0, 99.0, 49.0],
    }
)


def test_each_rule_fires_where_it_should_with_evidence() -> None:
    rules = [
        NoUseRule(event="create_report", days=90, severity="high"),
        ActiveUsersDropRule(drop=0.5, window="30D"),
        KeyUserInactiveRule(days=14),
        MRRContractionRule(window="30D", min_drop=0.1),
    ]
    res = early_warnings(EVENTS, rules, as_of=AS_OF, subscriptions=SUBS)
    got = res.to_frame()
    fired = set(zip(got["account_id"], got["rule"], strict=True))
    assert fired == {
        ("a1", "no_create_report_90d"),
        ("a1", "active_users_drop_50pct_30d"),
        ("a1", "mrr_contraction_30d"),
        ("a3", "key_user_inactive_14d"),
    }
    ev = got.set_index(["account_id", "rule"])["evidence"]
    assert ev["a1", "no_create_report_90d"] == "no create_report for 100 days (last 2024-02-22)"
    assert ev["a1", "active_users_drop_50pct_30d"] == (
        "active users 1 vs 4 in the 30D before (-75%)"
    )
    assert ev["a1", "mrr_contraction_30d"] == "MRR 120 vs 200 30D before (-40%)"
    assert ev["a3", "key_user_inactive_14d"] == "key user 'u7' inactive for 20 days"
    assert res.counts().tolist() == [1, 1, 1, 1]
    per_account = res.accounts()
    assert per_account.loc["a1", "alerts"] == 3
    assert per_account.loc["a1", "severity"] == "high"
    assert per_account.index[0] == "a1"


def test_never_users_fire_only_when_asked() -> None:
    rule = NoUseRule(event="create_report", days=30, require_prior_use=False, name="no_reports")
    got = early_warnings(EVENTS, [rule], as_of=AS_OF).to_frame()
    assert got.set_index("account_id").loc["a3", "evidence"] == "never used create_report"
    assert np.isnan(got.set_index("account_id").loc["a3", "value"])


def test_future_events_change_nothing() -> None:
    rules = [NoUseRule(event="create_report", days=10), KeyUserInactiveRule(days=1)]
    past = EVENTS[EVENTS["timestamp"] < AS_OF]
    a = early_warnings(EVENTS, rules, as_of=AS_OF).to_frame()
    b = early_warnings(past, rules, as_of=AS_OF).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_rules_load_from_json_dicts() -> None:
    text = json.dumps(
        [
            {"kind": "no_use", "event": "create_report", "days": 90},
            {"kind": "key_user_inactive", "days": 14, "severity": "high"},
        ]
    )
    res = early_warnings(EVENTS, json.loads(text), as_of=AS_OF)
    assert res.rules == ("no_create_report_90d", "key_user_inactive_14d")


def test_paying_only_limits_the_accounts_checked() -> None:
    subs = SUBS[SUBS["customer_id"] != "a3"]
    res = early_warnings(EVENTS, [KeyUserInactiveRule(days=14)], as_of=AS_OF, subscriptions=subs)
    assert res.to_frame().empty
    assert res.n_accounts == 2
    everyone = early_warnings(
        EVENTS, [KeyUserInactiveRule(days=14)], as_of=AS_OF, subscriptions=subs, paying_only=False
    )
    assert everyone.to_frame()["account_id"].tolist() == ["a3"]


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ParameterError, match="needs subscriptions"):
        early_warnings(EVENTS, [MRRContractionRule()], as_of=AS_OF)
    with pytest.raises(ParameterError, match="unknown event 'nope'"):
        early_warnings(EVENTS, [NoUseRule(event="nope")], as_of=AS_OF)
    with pytest.raises(ParameterError, match="Invalid early-warning rules"):
        early_warnings(EVENTS, [{"kind": "astrology"}], as_of=AS_OF)
    with pytest.raises(ParameterError, match="unique"):
        early_warnings(EVENTS, [KeyUserInactiveRule(), KeyUserInactiveRule()], as_of=AS_OF)
    with pytest.raises(ParameterError, match="at least one"):
        early_warnings(EVENTS, [], as_of=AS_OF)
    with pytest.raises(ParameterError, match="before all events"):
        early_warnings(EVENTS, [KeyUserInactiveRule()], as_of="2000-01-01")


def test_result_round_trips() -> None:
    res = early_warnings(EVENTS, [KeyUserInactiveRule(days=1)], as_of=AS_OF)
    again = EarlyWarnings.from_json(res.to_json())
    pd.testing.assert_frame_equal(again.to_frame(), res.to_frame())
    assert again.as_of == AS_OF
    assert repr(res).startswith("EarlyWarnings(as_of='2024-06-01'")


def test_rules_that_fire_nowhere_give_an_empty_table() -> None:
    rules = [
        MRRContractionRule(min_drop=0.9),
        ActiveUsersDropRule(drop=1.0),
        NoUseRule(event="create_report", days=10_000),
        KeyUserInactiveRule(days=10_000),
    ]
    res = early_warnings(EVENTS, rules, as_of=AS_OF, subscriptions=SUBS)
    assert res.to_frame().empty
    assert res.counts().tolist() == [0, 0, 0, 0]
    assert res.accounts().empty


def test_inputs_are_not_mutated() -> None:
    events, subs = EVENTS.copy(), SUBS.copy()
    early_warnings(
        EVENTS, [MRRContractionRule(), KeyUserInactiveRule()], as_of=AS_OF, subscriptions=SUBS
    )
    pd.testing.assert_frame_equal(EVENTS, events)
    pd.testing.assert_frame_equal(SUBS, subs)


def test_usage_drop_rule() -> None:
    rows = (
        [("x", "u1", d, "create_report") for d in (1, 5, 30, 32, 34, 36, 38, 40, 42, 44)]
        + [("y", "u2", d, "create_report") for d in (2, 3, 4, 30, 31, 32, 33)]
        + [("z", "u3", d, "create_report") for d in (40, 41)]
    )
    res = early_warnings(
        _events(rows), [UsageDropRule(event="create_report", drop=0.5)], as_of=AS_OF
    )
    got = res.to_frame()
    assert got["account_id"].tolist() == ["x"]
    assert got["evidence"].tolist() == ["create_report 2 vs 8 in the 28D before (-75%)"]
    assert got["value"].tolist() == [-0.75]
    loaded = early_warnings(
        _events(rows), [{"kind": "usage_drop", "event": "create_report"}], as_of=AS_OF
    )
    pd.testing.assert_frame_equal(loaded.to_frame(), got)


def test_evaluate_rules_against_outcomes() -> None:
    res = early_warnings(
        EVENTS,
        [NoUseRule(event="create_report", days=90), KeyUserInactiveRule(days=14)],
        as_of=AS_OF,
    )
    outcome = pd.Series({"a1": True, "a2": False, "a3": False})
    table = res.evaluate(outcome)
    assert table.loc["no_create_report_90d", ["flagged", "churned"]].tolist() == [1, 1]
    assert table.loc["key_user_inactive_14d", "precision"] == 0.0
    assert table.loc["any rule", "recall"] == 1.0
    assert table.loc["no_create_report_90d", "lift"] == pytest.approx(3.0)
    from saasmetrics.exceptions import InputError

    with pytest.raises(InputError, match="needs churners"):
        res.evaluate(outcome & False)


def test_evaluate_refuses_text_outcomes_and_arrays() -> None:
    # review: "yes"/"no" outcomes were cast to bool (both True: every account a churner),
    # and an array raised AttributeError
    from saasmetrics.exceptions import InputError, SchemaError

    res = early_warnings(EVENTS, [KeyUserInactiveRule(days=14)], as_of=AS_OF)
    with pytest.raises(SchemaError, match="booleans or 0/1"):
        res.evaluate(pd.Series({"a1": "yes", "a2": "no", "a3": "no"}))
    with pytest.raises(InputError, match="Series indexed by account id"):
        res.evaluate([True, False, False])  # type: ignore[arg-type]
    as_bool = res.evaluate(pd.Series({"a1": True, "a2": False, "a3": False}))
    as_int = res.evaluate(pd.Series({"a1": 1, "a2": 0, "a3": 0}))
    with_gap = res.evaluate(pd.Series({"a1": True, "a2": False, "a3": False, "zz": None}))
    pd.testing.assert_frame_equal(as_int, as_bool)
    pd.testing.assert_frame_equal(with_gap, as_bool)  # unknown outcomes are left out


def test_accounts_matches_a_per_account_oracle() -> None:
    # review: accounts() joined rule names with a Python call per account (10 s for 600k
    # alerts); now vectorized over rules, checked here against the per-account definition
    rng = np.random.default_rng(7)
    rules = ("r_a", "r_b", "r_c")
    rows = [
        (f"acc{a:03d}", rule, str(rng.choice(["low", "medium", "high"])))
        for a in range(60)
        for rule in rules
        if rng.random() < 0.5
    ]
    table = pd.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "rule": [r[1] for r in rows],
            "kind": "no_use",
            "severity": [r[2] for r in rows],
            "value": 1.0,
            "threshold": 1.0,
            "evidence": "",
        }
    )
    res = EarlyWarnings(table=table, as_of=AS_OF, n_accounts=60, rules=rules)
    got = res.accounts()
    order = {"low": 1, "medium": 2, "high": 3}
    expected = {}
    for acc in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == acc]
        worst = max(mine, key=lambda r: order[r[2]])[2]
        expected[acc] = (len(mine), worst, ", ".join(r[1] for r in mine))
    assert {a: tuple(v) for a, v in got.iterrows()} == expected
    keys = [(order[s], n) for n, s in zip(got["alerts"], got["severity"], strict=True)]
    assert keys == sorted(keys, reverse=True)


def test_paying_only_without_subscriptions_is_refused_not_ignored() -> None:
    # issue 14: paying_only=True without subscriptions used to check every account silently
    events = pd.DataFrame(
        {
            "account_id": ["a1", "a2"],
            "user_id": ["u1", "u2"],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-03-25"]),
            "event": ["login", "login"],
        }
    )
    rules = [{"kind": "no_use", "event": "login", "days": 30}]
    with pytest.raises(ParameterError, match="paying_only=True needs subscriptions"):
        early_warnings(events, rules, as_of="2024-04-01", paying_only=True)
    default = early_warnings(events, rules, as_of="2024-04-01")
    explicit = early_warnings(events, rules, as_of="2024-04-01", paying_only=False)
    pd.testing.assert_frame_equal(default.to_frame(), explicit.to_frame())
    assert default.to_frame()["account_id"].tolist() == ["a1"]
