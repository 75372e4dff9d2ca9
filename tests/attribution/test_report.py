"""channel_report: hand-computed traffic, engagement, leads, customers, cost and ROI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics.attribution import channel_report
from saasmetrics.exceptions import (
    DataQualityWarning,
    InputError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)

SESSIONS = pd.DataFrame(
    {
        "session_id": range(7),
        "user_id": ["a", "a", "b", "c", "c", "d", "e"],
        "timestamp": pd.to_datetime(
            [
                "2024-01-01",
                "2024-01-05",
                "2024-01-02",
                "2024-01-02",
                "2024-01-09",
                "2024-01-03",
                "2024-01-04",
            ]
        ),
        "channel": [
            "Paid Search",
            "Email",
            "Paid Search",
            "Organic Search",
            "Paid Search",
            "Paid Social",
            "Paid Social",
        ],
        "utm_campaign": ["brand", None, "generic", None, "brand", "launch", "launch"],
        "pageviews": [1, 5, 3, 1, 2, 1, 1],
        "duration_s": [0, 400, 120, 0, 60, 0, 0],
    }
)
LEADS = pd.DataFrame(
    {
        "user_id": ["a", "b", "c", "d"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-03"]),
    }
)
CONVERSIONS = pd.DataFrame(
    {
        "user_id": ["a", "c", "zz"],
        "timestamp": pd.to_datetime(["2024-01-06", "2024-01-10", "2024-01-10"]),
        "value": [1200.0, 600.0, 99.0],
    }
)
SPEND = pd.DataFrame(
    {
        "date": pd.to_datetime(["2024-01-01"] * 4),
        "channel": ["Paid Search", "Paid Search", "Paid Social", "Display"],
        "campaign": ["brand", "generic", "launch", "retarget"],
        "amount": [300.0, 100.0, 250.0, 50.0],
    }
)


def test_per_channel_hand_computed() -> None:
    report = channel_report(SESSIONS, CONVERSIONS, SPEND, leads=LEADS)
    table = report.to_frame().set_index("channel")
    assert table.index.tolist() == [
        "Display",
        "Email",
        "Organic Search",
        "Paid Search",
        "Paid Social",
    ]
    ps = table.loc["Paid Search"]
    assert ps["visits"] == 3
    assert ps["users"] == 3
    assert ps["bounce_rate"] == pytest.approx(1 / 3)
    assert ps["pages_per_session"] == pytest.approx(2.0)
    assert ps["avg_duration_s"] == pytest.approx(60.0)
    # leads by last session at or before: a (Jan 1, Paid Search), b (Paid Search),
    # c (Jan 3 -> Organic Search on Jan 2), d (Paid Social)
    assert table["leads"].to_dict() == {
        "Display": 0,
        "Email": 0,
        "Organic Search": 1,
        "Paid Search": 2,
        "Paid Social": 1,
    }
    # customers: a converts Jan 6 after the Email session of Jan 5; c converts Jan 10 after
    # the Paid Search session of Jan 9; zz has no session and is credited nowhere
    assert table["customers"].to_dict() == {
        "Display": 0,
        "Email": 1,
        "Organic Search": 0,
        "Paid Search": 1,
        "Paid Social": 0,
    }
    assert ps["revenue"] == 600.0
    assert ps["cost"] == 400.0
    assert ps["cac"] == 400.0
    assert ps["cost_per_lead"] == 200.0
    assert ps["roi"] == pytest.approx((600 - 400) / 400)
    assert ps["lead_rate"] == pytest.approx(2 / 3)
    assert ps["conversion_rate"] == pytest.approx(1 / 2)
    # spend on a channel without sessions is still reported
    assert table.loc["Display", "cost"] == 50.0
    assert table.loc["Display", "visits"] == 0
    assert np.isnan(table.loc["Display", "cac"])
    assert np.isnan(table.loc["Email", "roi"])  # no cost


def test_first_session_credit_and_per_campaign() -> None:
    first = channel_report(SESSIONS, CONVERSIONS, credit="first").to_frame().set_index("channel")
    assert first.loc["Paid Search", "customers"] == 1  # a's first session
    assert first.loc["Organic Search", "customers"] == 1  # c's first session
    assert np.isnan(first.loc["Paid Search", "leads"])  # no leads given
    per = channel_report(SESSIONS, CONVERSIONS, SPEND, by=("channel", "campaign"))
    table = per.to_frame().set_index(["channel", "campaign"])
    assert table.loc[("Paid Search", "brand"), "visits"] == 2
    assert table.loc[("Paid Search", "brand"), "cost"] == 300.0
    assert table.loc[("Paid Search", "brand"), "customers"] == 1
    assert table.loc[("Email", "(not set)"), "customers"] == 1
    assert table["cost"].sum() == pytest.approx(700.0)


def test_totals_balance() -> None:
    table = channel_report(SESSIONS, CONVERSIONS, SPEND, leads=LEADS).to_frame()
    assert table["visits"].sum() == len(SESSIONS)
    assert table["cost"].sum() == SPEND["amount"].sum()
    assert table["customers"].sum() == 2  # zz had no session
    assert table["revenue"].sum() == 1800.0


def test_row_order_irrelevant_and_inputs_untouched() -> None:
    before = SESSIONS.copy()
    a = channel_report(SESSIONS, CONVERSIONS, SPEND, leads=LEADS).to_frame()
    b = channel_report(
        SESSIONS.sample(frac=1.0, random_state=1), CONVERSIONS.iloc[::-1], SPEND, leads=LEADS
    ).to_frame()
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(SESSIONS, before)


def test_bad_input() -> None:
    with pytest.raises(ParameterError):
        channel_report(SESSIONS, by=("campaign",))
    with pytest.raises(ParameterError):
        channel_report(SESSIONS, by=("channel", "region"))
    with pytest.raises(MissingColumnError, match="pageviews_col"):
        channel_report(SESSIONS.drop(columns="pageviews"))
    with pytest.raises(InputError, match="page views"):
        channel_report(SESSIONS.assign(pageviews=0))


# --------------------------------------------------------------------------- review fixes
def test_integer_session_ids_match_conversion_ids_read_as_float() -> None:
    codes = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "zz": 99}
    sessions = SESSIONS.assign(user_id=SESSIONS["user_id"].map(codes).astype("int64"))
    conversions = CONVERSIONS.assign(user_id=CONVERSIONS["user_id"].map(codes).astype("float64"))
    leads = LEADS.assign(user_id=LEADS["user_id"].map(codes).astype("float64"))
    expected = channel_report(SESSIONS, CONVERSIONS, SPEND, leads=LEADS).to_frame()
    got = channel_report(sessions, conversions, SPEND, leads=leads).to_frame()
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize(
    ("column", "bad", "match"),
    [
        ("amount", float("nan"), "missing or non-numeric amounts"),
        ("amount", "n/a", "missing or non-numeric amounts"),
        ("amount", float("inf"), "infinite amounts"),
        ("amount", -300.0, "negative amounts"),
        ("channel", None, "null channels"),
    ],
)
def test_bad_spend_rows_are_clear_not_zero_cost(column: str, bad: object, match: str) -> None:
    # these rows used to become a cost of 0 (or vanish), so CAC read 0 without a word
    spend = SPEND.astype({column: object})
    spend.loc[0, column] = bad
    with pytest.raises(InputError, match=match):
        channel_report(SESSIONS, CONVERSIONS, spend)
    with pytest.warns(DataQualityWarning, match="spend"):
        dropped = channel_report(SESSIONS, CONVERSIONS, spend, on_invalid="drop").to_frame()
    assert dropped["cost"].sum() == SPEND["amount"].sum() - 300.0


def test_spend_without_a_campaign_is_the_not_set_campaign() -> None:
    spend = pd.DataFrame(
        {"channel": ["Email", "Paid Search"], "campaign": [None, "brand"], "amount": [40.0, 10.0]}
    )
    table = channel_report(SESSIONS, CONVERSIONS, spend, by=("channel", "campaign")).to_frame()
    cost = table.set_index(["channel", "campaign"])["cost"]
    assert cost[("Email", "(not set)")] == 40.0
    assert cost.sum() == 50.0


def test_time_zones_of_sessions_and_conversions_must_agree() -> None:
    aware = SESSIONS.assign(timestamp=SESSIONS["timestamp"].dt.tz_localize("UTC"))
    with pytest.raises(SchemaError, match="naive"):
        channel_report(aware, CONVERSIONS)
    with pytest.raises(SchemaError, match="naive"):
        channel_report(
            SESSIONS, leads=LEADS.assign(timestamp=LEADS["timestamp"].dt.tz_localize("UTC"))
        )
    both = channel_report(
        aware, CONVERSIONS.assign(timestamp=CONVERSIONS["timestamp"].dt.tz_localize("UTC"))
    )
    pd.testing.assert_frame_equal(both.to_frame(), channel_report(SESSIONS, CONVERSIONS).to_frame())


def test_infinite_revenue_is_clear() -> None:
    with pytest.raises(InputError, match="infinite values"):
        channel_report(SESSIONS, CONVERSIONS.assign(value=[float("inf"), 1.0, 2.0]))


def test_leads_and_customers_credited_nowhere_are_counted() -> None:
    # zz signs up and converts without any session: with either credit rule neither event is
    # in a row of the table, and the report says so
    leads = pd.concat(
        [LEADS, pd.DataFrame({"user_id": ["zz"], "timestamp": pd.to_datetime(["2024-01-09"])})],
        ignore_index=True,
    )
    for credit in ("last", "first"):
        report = channel_report(SESSIONS, CONVERSIONS, leads=leads, credit=credit)  # type: ignore[arg-type]
        table = report.to_frame()
        assert (report.n_uncredited_leads, report.n_uncredited_customers) == (1, 1)
        assert table["customers"].sum() + 1 == len(CONVERSIONS)
        assert table["leads"].sum() + 1 == len(leads)
        assert "uncredited_leads=1, uncredited_customers=1" in repr(report)
    clean = channel_report(SESSIONS, CONVERSIONS.iloc[:2], leads=LEADS)
    assert (clean.n_uncredited_leads, clean.n_uncredited_customers) == (0, 0)


def test_by_as_a_single_name_and_repeated_names() -> None:
    # by="channel" used to be read letter by letter ("by='c' is not one of ...")
    pd.testing.assert_frame_equal(
        channel_report(SESSIONS, CONVERSIONS, SPEND, by="channel").to_frame(),
        channel_report(SESSIONS, CONVERSIONS, SPEND).to_frame(),
    )
    with pytest.raises(ParameterError, match="twice"):
        channel_report(SESSIONS, by=("channel", "campaign", "channel"))


def test_last_click_credits_an_event_before_any_session_to_the_first_session() -> None:
    # d's only session is Paid Social on Jan 3; a lead on Jan 1 still counts there
    leads = pd.DataFrame({"user_id": ["d"], "timestamp": pd.to_datetime(["2024-01-01"])})
    report = channel_report(SESSIONS, leads=leads)
    table = report.to_frame().set_index("channel")
    assert table.loc["Paid Social", "leads"] == 1
    assert table["leads"].sum() == 1
    assert report.n_uncredited_leads == 0


# --------------------------------------------------------------------------- issue 14, item 1
def test_repeat_purchases_and_signups_count_a_person_once() -> None:
    # a signs up three times and buys twice: one lead, one customer, rates stay shares
    sessions = SESSIONS.iloc[:1]  # a, Paid Search, Jan 1
    leads = pd.DataFrame(
        {
            "user_id": ["a"] * 3,
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
        }
    )
    convs = pd.DataFrame(
        {
            "user_id": ["a", "a"],
            "timestamp": pd.to_datetime(["2024-01-04", "2024-02-04"]),
            "value": [100.0, 50.0],
        }
    )
    row = channel_report(sessions, convs, leads=leads).to_frame().iloc[0]
    assert (row["users"], row["leads"], row["customers"]) == (1, 1, 1)
    assert row["lead_rate"] == 1.0
    assert row["conversion_rate"] == 1.0
    assert row["revenue"] == 150.0  # every purchase's revenue still counts
    no_leads = channel_report(sessions, convs).to_frame().iloc[0]
    assert no_leads["conversion_rate"] == 1.0


def test_conversion_rate_is_the_share_of_the_channels_leads_who_became_customers() -> None:
    # c's lead goes to Organic Search, c's purchase to Paid Search: the purchase makes
    # Organic Search's lead a converted one, and Paid Search's rate is over its own leads
    table = channel_report(SESSIONS, CONVERSIONS, leads=LEADS).to_frame().set_index("channel")
    assert table.loc["Organic Search", "conversion_rate"] == 1.0  # c became a customer
    assert table.loc["Paid Search", "conversion_rate"] == 0.5  # of a and b, a did
    assert table.loc["Paid Social", "conversion_rate"] == 0.0


def test_refunds_net_revenue_but_make_no_customer() -> None:
    # item 15: a negative value is a refund; it lowers revenue and is no new customer
    convs = pd.DataFrame(
        {
            "user_id": ["a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-06", "2024-01-20", "2024-01-20"]),
            "value": [1200.0, -200.0, -50.0],
        }
    )
    report = channel_report(SESSIONS, convs)
    table = report.to_frame()
    assert table["customers"].sum() == 1
    assert table["revenue"].sum() == 950.0


_USERS = st.sampled_from(["a", "b", "c", "d"])
_DAYS = st.integers(min_value=0, max_value=20)


@settings(max_examples=60, deadline=None)
@given(
    sessions=st.lists(
        st.tuples(_USERS, _DAYS, st.sampled_from(["Email", "Paid", "Organic"])),
        min_size=1,
        max_size=12,
    ),
    leads=st.lists(st.tuples(_USERS, _DAYS), max_size=12),
    convs=st.lists(st.tuples(_USERS, _DAYS, st.sampled_from([10.0, 0.0, -5.0])), max_size=12),
    credit=st.sampled_from(["last", "first"]),
    with_leads=st.booleans(),
)
def test_rates_are_shares_with_repeat_leads_and_purchases(
    sessions: list[tuple[str, int, str]],
    leads: list[tuple[str, int]],
    convs: list[tuple[str, int, float]],
    credit: str,
    with_leads: bool,
) -> None:
    day = pd.Timestamp("2024-01-01")
    s = pd.DataFrame(
        {
            "user_id": [u for u, _, _ in sessions],
            "timestamp": [day + pd.Timedelta(days=d) for _, d, _ in sessions],
            "channel": [c for _, _, c in sessions],
            "pageviews": 1,
            "duration_s": 0,
        }
    )
    lf = pd.DataFrame(
        {
            "user_id": [u for u, _ in leads],
            "timestamp": [day + pd.Timedelta(days=d) for _, d in leads],
        }
    )
    cf = pd.DataFrame(
        {
            "user_id": [u for u, _, _ in convs],
            "timestamp": [day + pd.Timedelta(days=d) for _, d, _ in convs],
            "value": [v for _, _, v in convs],  # repeat purchases, free ones and refunds
        }
    )
    report = channel_report(s, cf, leads=lf if with_leads else None, credit=credit)  # type: ignore[arg-type]
    table = report.to_frame()
    for rate in ("bounce_rate", "lead_rate", "conversion_rate"):
        values = table[rate].dropna()
        assert ((values >= 0) & (values <= 1)).all(), (rate, table)
    # a person is a customer (and a lead) at most once
    with_session = set(s["user_id"])
    # a refund (negative value) makes no customer; a free purchase (0) does
    assert table["customers"].sum() == len(set(cf.loc[cf["value"] >= 0, "user_id"]) & with_session)
    if with_leads:
        assert table["leads"].sum() == len(set(lf["user_id"]) & with_session)
    credited = cf.loc[cf["user_id"].isin(with_session), "value"].sum()
    assert table["revenue"].sum() == pytest.approx(credited)


def test_sums_that_overflow_are_an_error_not_inf() -> None:
    # item 15: two revenues near 1e308 are each finite, their sum is not
    convs = CONVERSIONS.assign(user_id=["a", "a", "a"], value=[1.5e308, 1.5e308, 1.0])
    with pytest.raises(InputError, match="overflow"):
        channel_report(SESSIONS, convs)
    spend = SPEND.assign(amount=[1.5e308, 1.5e308, 1.0, 1.0])
    with pytest.raises(InputError, match="overflow"):
        channel_report(SESSIONS, CONVERSIONS, spend)
