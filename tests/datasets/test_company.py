"""The sample company: deterministic, well-formed, consistent, and its planted truths recoverable.

Every planted truth is recovered here with plain pandas from the raw tables (no saasmetrics
analysis modules), at the default size, with margins a wrong generator would not meet.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics.datasets import PlantedTruths, SaasCompany, make_saas_company
from saasmetrics.exceptions import ParameterError

TABLES = (
    "events",
    "accounts",
    "touchpoints",
    "conversions",
    "sessions",
    "subscriptions",
    "invoices",
    "spend",
    "transactions",
)


def _dtype_name(dtype: object) -> str:
    """Dtype name, with pandas 2's object strings called "str" as pandas 3 calls them."""
    if str(dtype) == "object" or pd.api.types.is_string_dtype(dtype):
        return "str"
    return str(dtype)


SCHEMA = {
    "events": {
        "user_id": "str",
        "account_id": "str",
        "timestamp": "datetime64[ns]",
        "event": "str",
        "channel": "str",
        "plan": "str",
        "device": "str",
        "region": "str",
    },
    "accounts": {
        "account_id": "str",
        "created_at": "datetime64[ns]",
        "channel": "str",
        "plan": "str",
        "region": "str",
        "employees": "int64",
        "seats": "int64",
    },
    "touchpoints": {
        "user_id": "str",
        "timestamp": "datetime64[ns]",
        "url": "str",
        "utm_source": "str",
        "utm_medium": "str",
        "utm_campaign": "str",
        "channel": "str",
    },
    "conversions": {
        "user_id": "str",
        "account_id": "str",
        "timestamp": "datetime64[ns]",
        "value": "float64",
    },
    "sessions": {
        "session_id": "str",
        "user_id": "str",
        "timestamp": "datetime64[ns]",
        "channel": "str",
        "utm_campaign": "str",
        "pageviews": "int64",
        "duration_s": "int64",
    },
    "subscriptions": {
        "customer_id": "str",
        "start": "datetime64[ns]",
        "end": "datetime64[ns]",
        "mrr": "float64",
        "plan": "str",
        "billing": "str",
        "currency": "str",
    },
    "invoices": {
        "customer_id": "str",
        "amount": "float64",
        "period_start": "datetime64[ns]",
        "period_end": "datetime64[ns]",
        "currency": "str",
    },
    "spend": {"date": "datetime64[ns]", "channel": "str", "campaign": "str", "amount": "float64"},
    "transactions": {"customer_id": "str", "timestamp": "datetime64[ns]", "amount": "float64"},
}
GA4_CHANNELS = {
    "Paid Search",
    "Organic Search",
    "Paid Social",
    "Organic Social",
    "Email",
    "Referral",
    "Direct",
    "Display",
    "Affiliates",
}
EVENTS = {
    "signup",
    "login",
    "view_dashboard",
    "create_project",
    "create_report",
    "share_report",
    "invite_teammate",
    "connect_integration",
    "export_data",
    "subscribe",
    "support_ticket",
}


@pytest.fixture(scope="module")
def company() -> SaasCompany:
    return make_saas_company()


@pytest.fixture(scope="module")
def signups(company: SaasCompany) -> pd.DataFrame:
    ev = company.events
    return ev[ev["event"] == "signup"].set_index("user_id")[["account_id", "timestamp", "channel"]]


@pytest.fixture(scope="module")
def since_signup(company: SaasCompany, signups: pd.DataFrame) -> pd.Series:
    ev = company.events
    return ev["timestamp"] - ev["user_id"].map(signups["timestamp"])


# --------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_accounts": 9}, "n_accounts must be >= 10"),
        ({"n_accounts": 100.0}, "n_accounts must be an integer"),
        ({"n_accounts": True}, "n_accounts must be an integer"),
        ({"months": 2}, "months must be an integer >= 3"),
        ({"seed": "x"}, "seed must be a non-negative integer"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"start": "2199-06-01"}, "between 1900 and 2200"),
        ({"start": "1850-01-01"}, "between 1900 and 2200"),
        ({"start": "not a date"}, "start must be a date"),
        ({"start": None}, "start must be a date"),
    ],
)
def test_bad_parameters_raise_parameter_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ParameterError, match=match) as info:
        make_saas_company(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == "invalid-parameter"
    assert info.value.hint


def test_start_is_normalised_and_as_of_is_start_plus_months() -> None:
    small = make_saas_company(50, start=pd.Timestamp("2023-03-05 13:00", tz="UTC"), months=4)
    assert small.start == pd.Timestamp("2023-03-05")
    assert small.as_of == pd.Timestamp("2023-07-05")
    assert small.events["timestamp"].min() >= small.start
    assert small.events["timestamp"].max() < small.as_of


# --------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_tables() -> None:
    a, b = make_saas_company(300, seed=3), make_saas_company(300, seed=3)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    assert a.truths.to_dict() == b.truths.to_dict()


def test_different_seeds_give_different_tables() -> None:
    a, b = make_saas_company(300, seed=3), make_saas_company(300, seed=4)
    for table in ("events", "accounts", "subscriptions", "touchpoints"):
        assert not getattr(a, table).equals(getattr(b, table)), table


def test_global_random_state_is_left_alone() -> None:
    before = np.random.get_state(legacy=False)  # noqa: NPY002 - checking the legacy global
    make_saas_company(100, seed=1)
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    assert np.array_equal(before["state"]["key"], after["state"]["key"])
    assert before["state"]["pos"] == after["state"]["pos"]


def test_tables_are_fresh_frames() -> None:
    a = make_saas_company(100, seed=5)
    a.events["event"] = "x"
    a.accounts["plan"] = "x"
    b = make_saas_company(100, seed=5)
    assert (b.events["event"] != "x").all()
    # tables that share columns do not see each other's edits
    before = a.touchpoints["user_id"].copy()
    a.sessions.loc[0, "user_id"] = "changed"
    a.transactions.loc[0, "amount"] = -1.0
    pd.testing.assert_series_equal(a.touchpoints["user_id"], before)
    assert a.invoices.loc[0, "amount"] > 0
    assert (b.accounts["plan"] != "x").all()


# --------------------------------------------------------------------------- schema
@pytest.mark.parametrize("table", TABLES)
def test_columns_dtypes_and_nulls(company: SaasCompany, table: str) -> None:
    frame = getattr(company, table)
    assert list(frame.columns) == list(SCHEMA[table])
    assert {c: _dtype_name(d) for c, d in frame.dtypes.items()} == SCHEMA[table]
    assert len(frame) > 0
    nullable = {("subscriptions", "end")}
    for column in frame.columns:
        if (table, column) not in nullable:
            assert frame[column].notna().all(), (table, column)
    assert frame.index.equals(pd.RangeIndex(len(frame)))


def test_default_size_and_vocabularies(company: SaasCompany) -> None:
    ev, acc = company.events, company.accounts
    assert 200_000 <= len(ev) <= 500_000
    assert set(ev["event"]) == EVENTS
    assert set(ev["channel"]) == GA4_CHANNELS == set(acc["channel"])
    assert set(ev["plan"]) == {"free", "starter", "pro", "business"}
    assert set(ev["device"]) == {"desktop", "mobile"}
    assert set(ev["region"]) == {"NA", "EU", "APAC"} == set(acc["region"])
    assert set(company.subscriptions["billing"]) == {"monthly", "annual"}
    assert set(company.subscriptions["currency"]) == {"USD"} == set(company.invoices["currency"])
    assert len(acc) == company.n_accounts == 2000
    assert acc["account_id"].is_unique
    assert acc["account_id"].str.fullmatch(r"a\d{5}").all()
    assert ev["user_id"].str.fullmatch(r"u\d{6}").all()
    assert company.touchpoints["user_id"].str.fullmatch(r"[uv]\d{6}").all()
    assert company.sessions["session_id"].is_unique


def test_describe_repr_and_html(company: SaasCompany) -> None:
    table = company.describe()
    assert list(table["table"]) == list(TABLES)
    assert table.set_index("table").loc["events", "rows"] == len(company.events)
    text = repr(company)
    assert "\n" not in text
    assert text.startswith("SaasCompany(n_accounts=2,000, seed=0, start=2024-01-01")
    assert f"events={len(company.events):,}" in text
    page = company._repr_html_()
    assert "<table" in page
    assert "invite_teammate" in page


def test_truths_are_documented_and_json_safe(company: SaasCompany) -> None:
    truths = company.truths
    assert isinstance(truths, PlantedTruths)
    payload = json.loads(json.dumps(truths.to_dict()))
    assert payload["magic_event"] == "invite_teammate"
    assert payload["magic_threshold"] == 3
    assert payload["magic_window"] == "7D"
    assert payload["worst_activation_channel"] == "Paid Social"
    assert payload["churn_driver_event"] == "create_report"
    assert 0.02 <= payload["monthly_churn"] <= 0.04
    profile = truths.channel_profile
    assert list(profile.columns) == [
        "channel",
        "visit_to_signup",
        "activation_rate",
        "paid_rate",
        "cost_per_visit",
    ]
    assert set(profile["channel"]) == GA4_CHANNELS
    assert profile.set_index("channel")["activation_rate"].idxmin() == "Paid Social"
    for name in ("magic_threshold", "churn_driver_event", "monthly_churn", "channel_profile"):
        assert name in (PlantedTruths.__doc__ or "")
    with pytest.raises(AttributeError):
        truths.magic_threshold = 4  # type: ignore[misc]


# --------------------------------------------------------------------------- consistency
def test_signup_is_every_users_first_event(company: SaasCompany) -> None:
    ev = company.events
    first = ev.sort_values(["user_id", "timestamp"], kind="stable").groupby("user_id").head(1)
    assert (first["event"] == "signup").all()
    assert (ev["event"] == "signup").sum() == ev["user_id"].nunique()
    later = ev[ev["event"] != "signup"]
    signup_at = ev[ev["event"] == "signup"].set_index("user_id")["timestamp"]
    assert (later["timestamp"] > later["user_id"].map(signup_at)).all()
    assert ev["timestamp"].is_monotonic_increasing
    assert ev["timestamp"].max() < company.as_of
    assert ev["timestamp"].min() >= company.start


def test_users_belong_to_one_account_of_one_to_eight_users(company: SaasCompany) -> None:
    ev, acc = company.events, company.accounts
    assert (ev.groupby("user_id")["account_id"].nunique() == 1).all()
    sizes = ev.groupby("account_id")["user_id"].nunique()
    assert sizes.index.sort_values().equals(pd.Index(sorted(acc["account_id"])))
    assert sizes.min() == 1
    assert sizes.max() <= 8
    assert 1.5 <= sizes.mean() <= 4
    # the account's first user signs up when the account is created, with its channel
    first = ev[ev["event"] == "signup"].groupby("account_id").head(1).set_index("account_id")
    merged = acc.merge(
        first.reset_index(), on="account_id", how="left", suffixes=("", "_ev")
    ).set_index("account_id")
    assert (merged["created_at"] == merged["timestamp"]).all()
    assert (merged["channel"] == merged["channel_ev"]).all()
    assert (merged["region"] == merged["region_ev"]).all()


def test_teammates_join_after_an_invite_from_their_account(company: SaasCompany) -> None:
    ev = company.events
    sign = ev[ev["event"] == "signup"]
    rank = sign.groupby("account_id").cumcount()
    mates = sign[rank > 0]
    first_invite = ev[ev["event"] == "invite_teammate"].groupby("account_id")["timestamp"].min()
    assert len(mates) > 500
    assert (mates["timestamp"] > mates["account_id"].map(first_invite)).all()


def test_conversions_match_first_subscriptions_and_subscribe_events(
    company: SaasCompany, signups: pd.DataFrame
) -> None:
    conv, subs, ev = company.conversions, company.subscriptions, company.events
    assert conv["account_id"].is_unique
    assert conv["user_id"].isin(signups.index).all()
    # the converting user is the account's first user
    first_user = signups.reset_index().groupby("account_id")["user_id"].first()
    assert (conv["account_id"].map(first_user) == conv["user_id"]).all()
    first_row = subs.sort_values("start").groupby("customer_id").head(1).set_index("customer_id")
    c = conv.set_index("account_id")
    assert set(c.index) == set(first_row.index)
    assert (c["timestamp"] == first_row.loc[c.index, "start"]).all()
    assert np.allclose(c["value"], 12 * first_row.loc[c.index, "mrr"])
    subscribe = ev[ev["event"] == "subscribe"]
    first_subscribe = subscribe.groupby("account_id")["timestamp"].min()
    assert (first_subscribe.reindex(c.index) == c["timestamp"]).all()
    assert set(subscribe["user_id"]) == set(conv["user_id"])
    # plan on events: free before paying, the subscription's plan from then on
    events_conv = ev.join(c["timestamp"].rename("paid_at"), on="account_id")
    before = events_conv["timestamp"] < events_conv["paid_at"]
    assert (events_conv.loc[before | events_conv["paid_at"].isna(), "plan"] == "free").all()
    assert (events_conv.loc[events_conv["event"] == "subscribe", "plan"] != "free").all()
    assert 0.25 <= conv["account_id"].nunique() / company.n_accounts <= 0.40


def test_subscription_intervals(company: SaasCompany) -> None:
    subs = company.subscriptions
    assert subs["customer_id"].isin(company.accounts["account_id"]).all()
    closed = subs["end"].notna()
    assert (subs.loc[closed, "end"] > subs.loc[closed, "start"]).all()
    assert (subs["start"] < company.as_of).all()
    assert (subs.loc[closed, "end"] < company.as_of).all()
    ordered = subs.sort_values(["customer_id", "start"])
    nxt = ordered.groupby("customer_id")["start"].shift(-1)
    has_next = nxt.notna()
    # half-open and non-overlapping: a row ends no later than the next starts; only the
    # last row of a customer may be open
    assert (ordered.loc[has_next, "end"] <= nxt[has_next]).all()
    assert ordered.loc[has_next, "end"].notna().all()
    assert (subs["mrr"] > 0).all()
    # expansion, contraction, churn and reactivation all happen
    prev_mrr = ordered.groupby("customer_id")["mrr"].shift()
    prev_end = ordered.groupby("customer_id")["end"].shift()
    contiguous = prev_end == ordered["start"]
    assert (ordered.loc[contiguous, "mrr"] != prev_mrr[contiguous]).all()
    assert (contiguous & (ordered["mrr"] > prev_mrr)).sum() > 100
    assert (contiguous & (ordered["mrr"] < prev_mrr)).sum() > 50
    assert (prev_end.notna() & (prev_end < ordered["start"])).sum() >= 10  # reactivations
    last = ordered.groupby("customer_id").tail(1)
    assert last["end"].notna().sum() > 100  # churned customers
    # the accounts table shows the last plan, "free" for accounts that never paid
    plans = company.accounts.set_index("account_id")["plan"]
    assert (plans[last["customer_id"]].to_numpy() == last["plan"].to_numpy()).all()
    assert (plans.drop(last["customer_id"]) == "free").all()


def test_invoices_tile_the_paid_time_and_match_transactions(company: SaasCompany) -> None:
    inv, subs = company.invoices, company.subscriptions
    assert inv["customer_id"].isin(subs["customer_id"]).all()
    assert set(subs["customer_id"]) == set(inv["customer_id"])
    assert (inv["period_end"] > inv["period_start"]).all()
    assert (inv["period_start"] < company.as_of).all()
    assert (inv["amount"] > 0).all()
    # monthly invoices cover one month; annual ones up to a year at 12 x MRR
    days = (inv["period_end"] - inv["period_start"]).dt.days
    assert days.between(28, 366).all()
    # every invoice lies inside one subscription row and bills its MRR per month covered
    joined = inv.reset_index().merge(subs.reset_index(), on="customer_id", suffixes=("", "_s"))
    inside = (joined["period_start"] >= joined["start"]) & (
        joined["end"].isna() | (joined["period_end"] <= joined["end"])
    )
    matched = joined[inside]
    assert matched["index"].is_unique
    assert len(matched) == len(inv)
    months = (joined.loc[inside, "amount"] / joined.loc[inside, "mrr"]).round(6)
    assert months.between(1, 12).all()
    assert (months == months.round()).all()
    annual = matched["billing"] == "annual"
    assert (months[annual.to_numpy()] > 1).any()
    assert (months[~annual.to_numpy()] == 1).all()
    tx = company.transactions
    assert len(tx) == len(inv)
    assert np.isclose(tx["amount"].sum(), inv["amount"].sum())
    assert (tx["timestamp"].to_numpy() == inv["period_start"].to_numpy()).all()


def test_touchpoints_sessions_and_urls(company: SaasCompany, signups: pd.DataFrame) -> None:
    tp, ses = company.touchpoints, company.sessions
    assert set(tp["channel"]) == GA4_CHANNELS
    users = tp[tp["user_id"].str.startswith("u")]
    visitors = tp[tp["user_id"].str.startswith("v")]
    assert visitors["user_id"].nunique() > 5 * users["user_id"].nunique()  # non-converting
    assert not visitors["user_id"].isin(company.events["user_id"]).any()
    # users' journeys: 1-6 touches within 30 days before signup, last touch = their channel
    per_user = users.groupby("user_id").size()
    assert per_user.min() == 1
    assert per_user.max() <= 6
    assert (per_user >= 4).sum() > 20
    assert (users.groupby("user_id")["channel"].nunique() > 1).mean() > 0.3
    sign_at = users["user_id"].map(signups["timestamp"])
    lead = sign_at - users["timestamp"]
    assert (lead > pd.Timedelta(0)).all()
    assert (lead <= pd.Timedelta("30D")).all()
    last = users.sort_values("timestamp").groupby("user_id").tail(1).set_index("user_id")
    assert (last["channel"] == signups.loc[last.index, "channel"]).all()
    assert len(last) == company.n_accounts
    # URLs carry the UTM columns (direct visits have no query string)
    sample = tp.sample(2000, random_state=1)
    for url, src, med, camp, channel in sample[
        ["url", "utm_source", "utm_medium", "utm_campaign", "channel"]
    ].itertuples(index=False):
        query = parse_qs(urlsplit(url).query)
        if channel == "Direct":
            assert query == {}
            continue
        assert query["utm_source"] == [src]
        assert query["utm_medium"] == [med]
        assert query.get("utm_campaign", ["(" + camp.strip("()") + ")"]) == [camp]
    assert tp["url"].str.contains("gclid=").any()
    assert tp["url"].str.contains("fbclid=").any()
    assert tp["url"].str.contains("utm_term=").any()
    # sessions mirror touches; a bounce is one page and zero seconds
    assert len(ses) == len(tp)
    assert (ses["user_id"].to_numpy() == tp["user_id"].to_numpy()).all()
    assert (ses["pageviews"] >= 1).all()
    bounce = ses["pageviews"] == 1
    assert (ses.loc[bounce, "duration_s"] == 0).all()
    assert (ses.loc[~bounce, "duration_s"] > 0).all()
    bounce_rate = bounce.groupby(ses["channel"]).mean()
    assert bounce_rate["Display"] > bounce_rate["Email"] + 0.3
    assert bounce_rate["Paid Social"] > bounce_rate["Paid Search"] + 0.15


# GA4 default channel group rules, in GA4's order ("[GA4] Default channel group", Google
# Analytics Help, support.google.com/analytics/answer/9756891), for the channels we use; the
# site lists are the relevant subset of GA4's search and social source lists.
_PAID = r"^(.*cp.*|ppc|retargeting|paid.*)$"
_SEARCH_SITES = {"google", "bing", "duckduckgo", "yahoo", "baidu"}
_SOCIAL_SITES = {"facebook", "instagram", "linkedin", "twitter", "reddit", "pinterest"}


def _ga4_channel(source: str, medium: str) -> str:
    paid = re.match(_PAID, medium) is not None
    rules = [
        ("Direct", source == "(direct)" and medium in {"(not set)", "(none)"}),
        ("Paid Search", source in _SEARCH_SITES and paid),
        ("Paid Social", source in _SOCIAL_SITES and paid),
        ("Display", medium in {"display", "banner", "expandable", "interstitial", "cpm"}),
        ("Paid Other", paid),
        (
            "Organic Social",
            source in _SOCIAL_SITES
            or medium in {"social", "social-network", "social-media", "sm", "social network"},
        ),
        ("Organic Search", source in _SEARCH_SITES or medium == "organic"),
        ("Referral", medium in {"referral", "app", "link"}),
        ("Email", "email" in {source, medium}),
        ("Affiliates", medium == "affiliate"),
    ]
    return next((name for name, hit in rules if hit), "Unassigned")


def test_channels_follow_the_ga4_default_channel_group(company: SaasCompany) -> None:
    pairs = company.touchpoints.groupby(["utm_source", "utm_medium"])["channel"].unique()
    assert len(pairs) >= 12
    for (source, medium), channels in pairs.items():
        assert list(channels) == [_ga4_channel(source, medium)], (source, medium)


def test_activity_follows_a_working_week(company: SaasCompany) -> None:
    ev = company.events
    usage = ev[ev["event"].isin(["login", "view_dashboard", "create_report"])]
    weekend = usage["timestamp"].dt.day_of_week >= 5
    # weights 1 on weekdays and 0.25 on weekends: 2 * 0.25 / 5.5 = 9.1% on weekends
    assert 0.07 < weekend.mean() < 0.11
    hour = usage["timestamp"].dt.hour
    assert hour.between(9, 16).mean() > 0.5
    assert hour.between(0, 5).mean() < 0.03


def test_spend_is_paid_channels_only(company: SaasCompany) -> None:
    spend = company.spend
    assert set(spend["channel"]) == {"Paid Search", "Paid Social", "Email", "Display", "Affiliates"}
    assert (spend["amount"] > 0).all()
    assert (spend["date"] == spend["date"].dt.to_period("M").dt.start_time).all()
    campaigns = company.touchpoints.groupby("channel")["utm_campaign"].unique()
    for channel, group in spend.groupby("channel"):
        assert set(group["campaign"]) <= set(campaigns[channel])


# --------------------------------------------------------------------------- planted truths
def _first_week_counts(
    company: SaasCompany, signups: pd.DataFrame, since_signup: pd.Series, event: str
) -> pd.Series:
    ev = company.events
    mask = (ev["event"] == event) & (since_signup < pd.Timedelta("7D"))
    return ev[mask].groupby("user_id").size().reindex(signups.index, fill_value=0)


def _active_between(
    company: SaasCompany, signups: pd.DataFrame, since_signup: pd.Series, lo: str, hi: str
) -> pd.Series:
    ev = company.events
    mask = (
        (ev["event"] != "signup")
        & (since_signup >= pd.Timedelta(lo))
        & (since_signup < pd.Timedelta(hi))
    )
    return ev[mask].groupby("user_id").size().reindex(signups.index, fill_value=0) > 0


def test_truth_magic_number(
    company: SaasCompany, signups: pd.DataFrame, since_signup: pd.Series
) -> None:
    truths = company.truths
    eligible = signups["timestamp"] < company.as_of - pd.Timedelta("14D")
    invites = _first_week_counts(company, signups, since_signup, truths.magic_event)[eligible]
    week2 = _active_between(company, signups, since_signup, "7D", "14D")[eligible]
    assert eligible.sum() > 3000
    rate = week2.groupby(invites.clip(upper=4)).mean()
    reach = invites >= truths.magic_threshold
    assert 0.20 <= reach.mean() <= 0.30
    assert week2[reach].mean() >= 0.60
    assert week2[~reach].mean() <= 0.35
    # a sharp step at 3: 2 invites are not much better than 1, 3 are far better than 2
    assert rate[2] - rate[1] < 0.10
    assert rate[3] - rate[2] > 0.30
    assert abs(rate[4] - rate[3]) < 0.10
    # the magic behaviour beats every "did E at least n times in week 1" by a wide margin
    magic_phi = np.corrcoef(reach, week2)[0, 1]
    assert magic_phi > 0.35
    for event in ("login", "view_dashboard", "create_report", "create_project", "export_data"):
        counts = _first_week_counts(company, signups, since_signup, event)[eligible]
        for threshold in range(1, 15):
            did = counts >= threshold
            if 0 < did.sum() < len(did):
                phi = np.corrcoef(did, week2)[0, 1]
                assert phi < min(0.2, magic_phi - 0.15), (event, threshold)  # weak at most
    # and those users stay longer: active in days 60-90
    old = signups["timestamp"] < company.as_of - pd.Timedelta("90D")
    late = _active_between(company, signups, since_signup, "60D", "90D")[old]
    old_reach = (_first_week_counts(company, signups, since_signup, "invite_teammate") >= 3)[old]
    assert late[old_reach].mean() > 2 * late[~old_reach].mean()


def test_truth_channels_differ(
    company: SaasCompany, signups: pd.DataFrame, since_signup: pd.Series
) -> None:
    truths, ev, acc = company.truths, company.events, company.accounts
    profile = truths.channel_profile.set_index("channel")
    # step 2 of the signup -> create_project funnel (within 7 days), per channel
    projects = ev[(ev["event"] == "create_project") & (since_signup <= pd.Timedelta("7D"))]
    activated = signups.index.isin(projects["user_id"])
    activation = pd.Series(activated, index=signups.index).groupby(signups["channel"]).mean()
    assert activation.idxmin() == truths.worst_activation_channel
    assert activation.drop(truths.worst_activation_channel).min() - activation.min() > 0.10
    assert (activation - profile["activation_rate"]).abs().max() < 0.10
    # visit -> signup: accounts (signups of first users) per visit of the channel
    visits = company.sessions.groupby("channel").size()
    v2s = acc.groupby("channel").size() / visits
    assert np.allclose(v2s, profile.loc[v2s.index, "visit_to_signup"], rtol=0.15)
    # signup -> paid differs by channel and follows the profile's ranking at the ends
    paid = acc["account_id"].isin(company.conversions["account_id"])
    paid_rate = paid.groupby(acc["channel"]).mean()
    assert paid_rate["Referral"] > paid_rate["Paid Social"] + 0.15
    assert paid_rate["Paid Search"] > paid_rate["Display"] + 0.10
    # cost per acquired (paying) customer differs clearly by channel
    cost = company.spend.groupby("channel")["amount"].sum()
    cac = cost / paid.groupby(acc["channel"]).sum()[cost.index]
    assert cac["Email"] < 0.1 * cac["Paid Search"]
    assert cac["Paid Search"] < 0.8 * cac["Paid Social"]
    assert cac["Paid Search"] < 0.8 * cac["Display"]


def _first_churn(subs: pd.DataFrame) -> pd.DataFrame:
    """Per customer: first paid start and the end of its first unbroken paying stretch."""
    ordered = subs.sort_values(["customer_id", "start"])
    nxt = ordered.groupby("customer_id")["start"].shift(-1)
    breaks = ordered["end"].notna() & (nxt.isna() | (nxt > ordered["end"]))
    churn = ordered[breaks].groupby("customer_id")["end"].min()
    first = ordered.groupby("customer_id").agg(start=("start", "min"), billing=("billing", "first"))
    return first.join(churn.rename("churn"))


def test_truth_churn_driver(company: SaasCompany) -> None:
    truths, ev = company.truths, company.events
    lives = _first_churn(company.subscriptions)
    day = pd.Timedelta("1D")

    def window_counts(ends: pd.Series, event: str, lo: int, hi: int) -> float:
        """Events of these accounts in [end - hi days, end - lo days)."""
        sub = ev[(ev["event"] == event) & ev["account_id"].isin(ends.index)]
        before = ends.reindex(sub["account_id"]).to_numpy() - sub["timestamp"].to_numpy()
        return float(((before > lo * day) & (before <= hi * day)).sum())

    churned = lives["churn"].dropna()
    churned = churned[churned - lives.loc[churned.index, "start"] >= pd.Timedelta("120D")]
    healthy = lives.loc[lives["churn"].isna() & (lives["start"] < company.as_of - 120 * day)]
    healthy_end = pd.Series(company.as_of, index=healthy.index)
    assert len(churned) >= 30
    assert len(healthy) >= 150
    ratios = {}
    for group, ends in (("churned", churned), ("healthy", healthy_end)):
        for event in (truths.churn_driver_event, "login"):
            late = window_counts(ends, event, 0, 30)
            early = window_counts(ends, event, 60, 90)
            ratios[group, event] = late / early
    # the core feature fades before churn, logins much less, healthy accounts stay steady
    assert ratios["churned", "create_report"] < 0.40
    assert ratios["churned", "login"] > 0.55
    assert ratios["churned", "login"] > ratios["churned", "create_report"] + 0.3
    assert 0.8 < ratios["healthy", "create_report"] < 1.2
    assert 0.8 < ratios["healthy", "login"] < 1.2
    assert truths.churn_lead_days >= 30


def test_truth_retention_shape_and_monthly_churn(
    company: SaasCompany, signups: pd.DataFrame, since_signup: pd.Series
) -> None:
    truths = company.truths
    # shock: most signups are gone by week 2
    eligible = signups["timestamp"] < company.as_of - pd.Timedelta("14D")
    week2 = _active_between(company, signups, since_signup, "7D", "14D")[eligible]
    assert week2.mean() < 0.5
    # paying customers: monthly hazard by month of tenure (monthly billing, first paid stretch)
    lives = _first_churn(company.subscriptions)
    lives = lives[lives["billing"] == "monthly"]
    month = pd.Timedelta("30.4375D")
    observed = ((company.as_of - lives["start"]) / month).astype(int)  # whole months seen
    tenure = ((lives["churn"] - lives["start"]) / month).round()  # NaN while paying
    hazard = {}
    for m in range(18):
        at_risk = (observed > m) & ~(tenure <= m)
        churned = at_risk & (tenure == m + 1)
        if at_risk.sum() >= 30:
            hazard[m] = (churned.sum(), at_risk.sum())
    early = sum(h[0] for m, h in hazard.items() if m < 2) / sum(
        h[1] for m, h in hazard.items() if m < 2
    )
    plateau = sum(h[0] for m, h in hazard.items() if m >= 6) / sum(
        h[1] for m, h in hazard.items() if m >= 6
    )
    assert early > 3 * plateau  # shock and selection before the plateau
    assert abs(plateau - truths.monthly_churn) < 0.02


# --------------------------------------------------------------------------- any size, any start
def _check_invariants(company: SaasCompany) -> None:
    """The structural promises, for any parameters (cheap enough for small builds)."""
    ev, acc, subs = company.events, company.accounts, company.subscriptions
    for table in TABLES:
        frame = getattr(company, table)
        assert {c: _dtype_name(d) for c, d in frame.dtypes.items()} == SCHEMA[table], table
    assert len(acc) == company.n_accounts
    assert ev["timestamp"].is_monotonic_increasing
    assert ev["timestamp"].min() >= company.start
    assert ev["timestamp"].max() < company.as_of
    signup = ev[ev["event"] == "signup"].set_index("user_id")["timestamp"]
    assert signup.index.is_unique
    assert set(signup.index) == set(ev["user_id"])
    rest = ev[ev["event"] != "signup"]
    assert (rest["timestamp"] > rest["user_id"].map(signup)).all()
    assert ev.groupby("account_id")["user_id"].nunique().between(1, 8).all()
    assert set(ev["account_id"]) == set(acc["account_id"])
    # money: conversions = first subscription rows; rows tile without overlap
    assert subs["customer_id"].isin(acc["account_id"]).all()
    assert company.conversions["user_id"].isin(signup.index).all()
    assert set(company.conversions["account_id"]) == set(subs["customer_id"])
    ordered = subs.sort_values(["customer_id", "start"])
    nxt = ordered.groupby("customer_id")["start"].shift(-1)
    assert (ordered.loc[nxt.notna(), "end"] <= nxt[nxt.notna()]).all()
    closed = subs["end"].notna()
    assert (subs.loc[closed, "end"] > subs.loc[closed, "start"]).all()
    assert (subs["start"] < company.as_of).all()
    inv = company.invoices
    assert inv["customer_id"].isin(subs["customer_id"]).all()
    assert (inv["period_end"] > inv["period_start"]).all()
    assert (inv["period_start"] < company.as_of).all()
    paid_plans = {"starter", "pro", "business"}
    assert set(acc["plan"]) <= {"free"} | paid_plans
    assert set(ev["plan"]) <= {"free"} | paid_plans
    # marketing: users' last touch is their channel; a bounce is one page and no time
    tp = company.touchpoints
    users = tp[tp["user_id"].str.startswith("u")]
    assert set(users["user_id"]) <= set(signup.index)
    last = users.sort_values("timestamp").groupby("user_id")["channel"].last()
    first_user_channel = ev[ev["event"] == "signup"].set_index("user_id")["channel"]
    assert (last == first_user_channel[last.index]).all()
    assert (users["timestamp"] < users["user_id"].map(signup)).all()
    ses = company.sessions
    assert ((ses["pageviews"] == 1) == (ses["duration_s"] == 0)).all()
    assert (company.spend["amount"] > 0).all()


@pytest.mark.parametrize(
    ("n_accounts", "seed", "start", "months"),
    [
        (10, 0, "2024-01-31", 3),  # month-end start: billing anniversaries clip to month ends
        (60, 11, "2023-06-15", 5),
        (400, 2, "2024-02-29", 14),
        (500, 7, "2021-01-01", 40),  # long enough for several annual renewals
    ],
)
def test_invariants_hold_for_other_parameters(
    n_accounts: int, seed: int, start: str, months: int
) -> None:
    company = make_saas_company(n_accounts, seed=seed, start=start, months=months)
    _check_invariants(company)
    assert company.as_of == pd.Timestamp(start) + pd.DateOffset(months=months)


@settings(max_examples=15, deadline=None)
@given(
    n_accounts=st.integers(10, 300),
    seed=st.integers(0, 2**32 - 1),
    start=st.dates(pd.Timestamp("2015-01-01").date(), pd.Timestamp("2030-12-31").date()),
    months=st.integers(3, 30),
)
def test_invariants_property(n_accounts: int, seed: int, start: object, months: int) -> None:
    _check_invariants(make_saas_company(n_accounts, seed=seed, start=str(start), months=months))


def test_the_default_invariants(company: SaasCompany) -> None:
    _check_invariants(company)


def test_works_with_the_event_log(company: SaasCompany) -> None:
    from saasmetrics import EventLog

    log = EventLog(company.events)
    assert len(log) == len(company.events)
    assert log.n_users == company.events["user_id"].nunique()


# --------------------------------------------------------------------------- scaling
@pytest.mark.slow
def test_scaling_to_20k_accounts(company: SaasCompany) -> None:
    big = make_saas_company(20_000, seed=0)
    assert len(big.accounts) == 20_000
    assert len(big.events) >= 10 * len(company.events) * 0.9
    assert big.events["user_id"].str.fullmatch(r"u\d{6}").all()
    assert big.events["timestamp"].is_monotonic_increasing
