"""channel_funnel: the funnel per channel, hand-computed, against an oracle, on the sample company.

The funnel per channel must credit each person to the channel ``channel_report`` credits with
the same ``credit``; where the two can differ (documented in the docstring's Notes) a test
pins the difference down.
"""

from __future__ import annotations

import warnings
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics.attribution import channel_funnel, channel_report
from saasmetrics.datasets import SaasCompany, make_saas_company
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    InputError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)
from saasmetrics.funnel import FunnelResult

mpl.use("Agg")

T0 = pd.Timestamp("2024-01-01")


def _sessions(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "channel": [r[2] for r in rows],
        }
    )


def _events(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
        }
    )


SESSIONS = _sessions(
    [
        ("a", "2024-01-01", "Paid Search"),
        ("a", "2024-01-05", "Email"),
        ("b", "2024-01-02", "Paid Search"),
        ("c", "2024-01-02", "Organic Search"),
        ("c", "2024-01-09", "Paid Search"),
        ("d", "2024-01-03", "Paid Social"),
        ("e", "2024-01-04", "Paid Social"),
        ("e", "2024-01-06", "Email"),
    ]
)
LEADS = _events(
    [
        ("a", "2024-01-05 12:00"),
        ("b", "2024-01-02"),  # the same instant as b's session: it counts as after it
        ("c", "2024-01-03"),
        ("t", "2024-01-05"),  # a teammate without sessions: in no channel
    ]
)
CONVERSIONS = _events([("a", "2024-01-06"), ("c", "2024-01-08"), ("zz", "2024-01-10")])


def _users(result: FunnelResult) -> dict[str, list[int]]:
    """Users per step, per channel."""
    table = result.to_frame()
    return {
        str(channel): block["users"].tolist()
        for channel, block in table.groupby("channel", sort=False)
    }


def _report_counts(credit: str, **kwargs: Any) -> pd.DataFrame:
    sessions = kwargs.pop("sessions", SESSIONS).assign(pageviews=1, duration_s=0)
    report = channel_report(sessions, credit=credit, **kwargs).to_frame()
    return report.set_index("channel")


# --------------------------------------------------------------------------- hand-computed
def test_last_click_hand_computed() -> None:
    result = channel_funnel(SESSIONS, LEADS, CONVERSIONS)
    assert result.steps == ("visit", "lead", "customer")
    assert result.breakdown == "channel"
    # a: lead on Jan 5 12:00 and purchase on Jan 6, both after the Email session of Jan 5
    # b: lead at its Paid Search session; c: lead Jan 3 and purchase Jan 8, after the Organic
    # Search session of Jan 2; d and e never become leads: their last visit's channel
    assert _users(result) == {
        "Email": [2, 1, 1],  # a, e
        "Organic Search": [1, 1, 1],  # c
        "Paid Search": [1, 1, 0],  # b
        "Paid Social": [1, 0, 0],  # d
    }
    email = result.to_frame().query("channel == 'Email'").set_index("step")
    assert email.loc["lead", "conversion_from_previous"] == 0.5
    assert email.loc["customer", "median_time_to_convert"] == pd.Timedelta("12h")
    assert sorted(result.users_at("customer")) == ["a", "c"]
    assert list(result.dropped_at("lead", breakdown_value="Email")) == ["e"]


def test_first_touch_hand_computed() -> None:
    result = channel_funnel(SESSIONS, LEADS, CONVERSIONS, credit="first")
    # everyone in the channel of their first visit: a, b Paid Search; c Organic; d, e Social
    assert _users(result) == {
        "Paid Search": [2, 2, 1],
        "Paid Social": [2, 0, 0],
        "Organic Search": [1, 1, 1],
    }


@pytest.mark.parametrize("credit", ["last", "first"])
def test_agrees_with_channel_report_hand_computed(credit: str) -> None:
    result = channel_funnel(SESSIONS, LEADS, CONVERSIONS, credit=credit)
    report = _report_counts(credit, conversions=CONVERSIONS, leads=LEADS)
    _assert_agree(result, report)


def _assert_agree(result: FunnelResult, report: pd.DataFrame) -> None:
    """Per channel, the funnel's lead / customer users equal the report's leads / customers."""
    table = result.to_frame().pivot(index="channel", columns="step", values="users")
    for step, column in (("lead", "leads"), ("customer", "customers")):
        if step not in result.steps:
            continue
        expected = {str(k): int(v) for k, v in report[column].items() if v > 0}
        got = {str(k): int(v) for k, v in table[step].items() if v > 0}
        assert got == expected, step


def test_visit_to_customer_without_leads() -> None:
    result = channel_funnel(SESSIONS, conversions=CONVERSIONS)
    assert result.steps == ("visit", "customer")
    # c's purchase on Jan 8 follows the Organic Search session of Jan 2
    assert _users(result) == {
        "Email": [2, 1],
        "Organic Search": [1, 1],
        "Paid Search": [1, 0],
        "Paid Social": [1, 0],
    }
    leads_only = channel_funnel(SESSIONS, LEADS)
    assert leads_only.steps == ("visit", "lead")
    assert leads_only.counts == [5, 3]


def test_window_is_measured_from_the_visit() -> None:
    sessions = _sessions([("u", "2024-01-01", "Email")])
    leads = _events([("u", "2024-01-20")])
    conversions = _events([("u", "2024-02-10")])
    assert channel_funnel(sessions, leads, conversions, window="90D").counts == [1, 1, 1]
    assert channel_funnel(sessions, leads, conversions, window="30D").counts == [1, 1, 0]
    assert channel_funnel(sessions, leads, conversions, window="18D").counts == [1, 0, 0]
    # inclusive: the purchase exactly 40 days after the visit is within "40D"
    assert channel_funnel(sessions, leads, conversions, window="40D").counts == [1, 1, 1]


def test_where_it_differs_from_channel_report() -> None:
    """Each case of the docstring's Notes, pinned down against channel_report."""
    sessions = _sessions(
        [
            ("late", "2024-01-01", "Email"),
            ("twice", "2024-01-01", "Referral"),
            ("early", "2024-01-02", "Direct"),
            ("nolead", "2024-01-01", "Display"),
            ("moved", "2024-01-01", "Paid Search"),
            ("moved", "2024-01-03", "Email"),
        ]
    )
    leads = _events(
        [
            ("late", "2024-06-01"),  # more than 90 days after the only session
            ("twice", "2024-01-02"),
            ("twice", "2024-01-03"),  # a second lead of the same person
            ("early", "2024-01-01"),  # before the person's first session
            ("moved", "2024-01-01"),  # credited to Paid Search ...
        ]
    )
    conversions = _events(
        [
            ("nolead", "2024-01-02"),  # a customer who was never a lead
            ("moved", "2024-01-04"),  # ... but the purchase to the Email session of Jan 3
        ]
    )
    report = _report_counts("last", sessions=sessions, conversions=conversions, leads=leads)
    assert report["leads"].to_dict() == {
        "Direct": 1,  # channel_report falls back to the first session after the lead
        "Display": 0,
        "Email": 1,
        "Paid Search": 1,
        "Referral": 1,  # a person is one lead, however many times they sign up
    }
    assert report["customers"].to_dict() == {
        "Direct": 0,
        "Display": 1,
        "Email": 1,
        "Paid Search": 0,
        "Referral": 0,
    }
    result = channel_funnel(sessions, leads, conversions)
    assert _users(result) == {
        "Email": [2, 1, 1],  # late (visit only) and moved (all steps, the purchase's channel)
        "Direct": [1, 0, 0],  # early: the lead came before any visit
        "Display": [1, 0, 0],  # nolead: a purchase without a lead does not count
        "Referral": [1, 1, 0],  # twice: one person, one lead
    }
    # a long enough window brings the late lead in; without leads the purchase counts
    assert _users(channel_funnel(sessions, leads, conversions, window="365D"))["Email"] == [
        2,
        2,
        1,
    ]
    no_leads = _users(channel_funnel(sessions, conversions=conversions))
    assert no_leads["Display"] == [1, 1]


# --------------------------------------------------------------------------- oracle
def _oracle(
    sessions: list[tuple[str, int, str]],
    leads: list[tuple[str, int]] | None,
    conversions: list[tuple[str, int]] | None,
    window: int,
    credit: str,
) -> dict[str, list[int]]:
    """Slow per-person definition: best attempt, then the credited channel of its last step."""
    n_steps = 1 + (leads is not None) + (conversions is not None)
    counts: dict[str, list[int]] = {}
    for user in sorted({s[0] for s in sessions}):
        own = sorted((t, i, ch) for i, (u, t, ch) in enumerate(sessions) if u == user)

        def credited(t: int, own: list[tuple[int, int, str]] = own) -> str:
            if credit == "first":
                return own[0][2]
            before = [s for s in own if s[0] <= t]
            return before[-1][2] if before else own[0][2]

        def matches(rows: list[tuple[str, int]] | None, kind: int, user: str = user) -> list[Any]:
            return sorted((t, kind, i) for i, (u, t) in enumerate(rows or []) if u == user)

        stages = [matches(leads, 1)] if leads is not None else []
        stages += [matches(conversions, 2)] if conversions is not None else []
        best_level, best_channel = 0, ""
        for t_v, i_v, _ in own:
            level = 1
            channel = own[0][2] if credit == "first" else own[-1][2]
            after: tuple[int, int, int] = (t_v, 0, i_v)
            for stage in stages:
                nxt = [e for e in stage if e > after]
                if not nxt or nxt[0][0] > t_v + window:
                    break
                after = nxt[0]
                level += 1
                channel = credited(after[0])
            if level > best_level:
                best_level, best_channel = level, channel
        row = counts.setdefault(best_channel, [0] * n_steps)
        for k in range(best_level):
            row[k] += 1
    return counts


users = st.sampled_from(["a", "b", "c", "d"])
hours = st.integers(0, 300)
session_rows = st.lists(
    st.tuples(users, hours, st.sampled_from(["Email", "Direct", "Paid Search"])),
    min_size=1,
    max_size=14,
)
event_rows = st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "t"]), hours), max_size=8)


def _frames(
    sessions: list[tuple[str, int, str]],
    leads: list[tuple[str, int]] | None,
    conversions: list[tuple[str, int]] | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    def stamp(values: list[int]) -> pd.Series:
        return pd.Series(T0 + pd.to_timedelta(np.asarray(values, dtype=np.int64), unit="h"))

    s = pd.DataFrame(
        {
            "user_id": [r[0] for r in sessions],
            "timestamp": stamp([r[1] for r in sessions]),
            "channel": [r[2] for r in sessions],
        }
    )

    def events(rows: list[tuple[str, int]] | None) -> pd.DataFrame | None:
        if rows is None:
            return None
        return pd.DataFrame(
            {"user_id": [r[0] for r in rows], "timestamp": stamp([r[1] for r in rows])}
        )

    return s, events(leads), events(conversions)


def _quiet(*args: Any, **kwargs: Any) -> FunnelResult:
    """channel_funnel, with the funnel's warning about a step nobody reached silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return channel_funnel(*args, **kwargs)


@settings(max_examples=80, deadline=None)
@given(
    session_rows,
    st.none() | event_rows,
    st.none() | event_rows,
    st.integers(1, 200),
    st.sampled_from(["last", "first"]),
)
def test_matches_the_oracle(
    sessions: list[tuple[str, int, str]],
    leads: list[tuple[str, int]] | None,
    conversions: list[tuple[str, int]] | None,
    window: int,
    credit: str,
) -> None:
    if leads is None and conversions is None:
        conversions = []
    s, lead_frame, conv_frame = _frames(sessions, leads, conversions)
    result = _quiet(s, lead_frame, conv_frame, window=f"{window}h", credit=credit)
    assert _users(result) == _oracle(sessions, leads, conversions, window, credit)
    # every visitor is counted once, in one channel
    assert result.counts[0] == s["user_id"].nunique()


@settings(max_examples=40, deadline=None)
@given(session_rows, event_rows, event_rows, st.sampled_from(["last", "first"]), st.randoms())
def test_row_order_does_not_matter(
    sessions: list[tuple[str, int, str]],
    leads: list[tuple[str, int]],
    conversions: list[tuple[str, int]],
    credit: str,
    rnd: Any,
) -> None:
    # two sessions of one person at the same instant are ordered by input row (documented)
    seen: set[tuple[str, int]] = set()
    sessions = [r for r in sessions if not ((r[0], r[1]) in seen or seen.add((r[0], r[1])))]
    s, lead_frame, conv_frame = _frames(sessions, leads, conversions)
    assert lead_frame is not None
    assert conv_frame is not None
    before = (s.copy(), lead_frame.copy(), conv_frame.copy())
    a = _quiet(s, lead_frame, conv_frame, credit=credit).to_frame()
    shuffled = [frame.iloc[rnd.sample(range(len(frame)), len(frame))] for frame in before]
    b = _quiet(*shuffled, credit=credit).to_frame()
    pd.testing.assert_frame_equal(a, b)
    for frame, copy in zip((s, lead_frame, conv_frame), before, strict=True):
        pd.testing.assert_frame_equal(frame, copy)  # inputs untouched


journey = st.tuples(
    st.lists(
        st.tuples(st.integers(0, 200), st.sampled_from(["Email", "Direct", "Display"])),
        min_size=1,
        max_size=4,
    ),
    st.none() | st.integers(0, 300),
    st.none() | st.integers(0, 300),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(journey, min_size=1, max_size=8),
    st.sampled_from(["first-both", "last-leads", "last-conversions"]),
)
def test_agrees_with_channel_report_when_people_go_through_in_order(
    people: list[tuple[list[tuple[int, str]], int | None, int | None]], case: str
) -> None:
    """One lead at or after a first visit, one purchase after the lead, a window that fits."""
    credit, which = case.split("-")
    sessions, leads, conversions = [], [], []
    for k, (visits, lead, purchase) in enumerate(people):
        user = f"u{k}"
        sessions += [(user, t, ch) for t, ch in visits]
        start = min(t for t, _ in visits)
        if lead is not None:
            leads.append((user, start + lead))
            if purchase is not None:
                conversions.append((user, start + lead + purchase))
    s, lead_frame, conv_frame = _frames(
        sessions,
        leads if which in ("both", "leads") else None,
        conversions if which in ("both", "conversions") else None,
    )
    result = _quiet(s, lead_frame, conv_frame, window="3650D", credit=credit)
    report = _report_counts(credit, sessions=s, conversions=conv_frame, leads=lead_frame)
    _assert_agree(result, report)


# --------------------------------------------------------------------------- sample company
@pytest.fixture(scope="module")
def company() -> SaasCompany:
    return make_saas_company(2000, seed=0)


def _first_user_signups(company: SaasCompany) -> pd.DataFrame:
    """Leads: the signup of each account's first user (teammates join by invitation)."""
    signups = company.events.loc[company.events["event"] == "signup"]
    first = signups.sort_values("timestamp", kind="stable").drop_duplicates("account_id")
    return first[["user_id", "timestamp"]]


def test_recovers_the_planted_channel_rates(company: SaasCompany) -> None:
    leads = _first_user_signups(company)
    result = channel_funnel(company.sessions, leads, company.conversions)
    table = result.to_frame().pivot(index="channel", columns="step", values="users")
    profile = company.truths.channel_profile.set_index("channel")
    assert set(table.index) == set(profile.index)
    assert table["lead"].sum() == len(leads) == 2000
    assert table["customer"].sum() == len(company.conversions)
    # signups per site visit: the lead step per channel over the channel's sessions
    visits = company.sessions["channel"].value_counts()
    visit_to_lead = (table["lead"] / visits).reindex(profile.index)
    assert np.allclose(visit_to_lead, profile["visit_to_signup"], rtol=0.05)
    # P(an account pays): the customer step over the lead step (the sample noise of ~70-440
    # accounts per channel is 0.03-0.05; the planted rates span 0.20-0.45)
    paid = (table["customer"] / table["lead"]).reindex(profile.index)
    assert (paid - profile["paid_rate"]).abs().max() < 0.06
    assert paid.corr(profile["paid_rate"]) > 0.9
    assert set(paid.nsmallest(2).index) == {"Paid Social", "Display"}
    # the planted acquisition channel is the last touch: first-touch credit does not recover it
    first = channel_funnel(company.sessions, leads, company.conversions, credit="first")
    table_first = first.to_frame().pivot(index="channel", columns="step", values="users")
    paid_first = (table_first["customer"] / table_first["lead"]).reindex(profile.index)
    assert (paid_first - profile["paid_rate"]).abs().max() > 0.15


@pytest.mark.parametrize("credit", ["last", "first"])
def test_agrees_with_channel_report_on_the_sample_company(
    company: SaasCompany, credit: str
) -> None:
    """Exact agreement: one signup per person, touches up to 30 days before it, the first
    payment up to about 45 days after it, so every person fits the 90-day window."""
    signups = company.events.loc[company.events["event"] == "signup", ["user_id", "timestamp"]]
    result = channel_funnel(company.sessions, signups, company.conversions, credit=credit)
    report = (
        channel_report(
            company.sessions,
            company.conversions,
            leads=signups,
            credit=credit,
        )
        .to_frame()
        .set_index("channel")
    )
    _assert_agree(result, report)
    assert result.counts[0] == company.sessions["user_id"].nunique()


def test_compare_and_plot_per_channel(company: SaasCompany) -> None:
    import matplotlib.pyplot as plt

    leads = _first_user_signups(company)
    result = channel_funnel(company.sessions, leads, company.conversions)
    compared = result.compare("Referral", "Paid Social").set_index("step")
    assert compared.loc["customer", "rate_a"] > compared.loc["customer", "rate_b"]
    assert compared.loc["customer", "p_value"] < 0.05
    ax = result.plot()
    assert ax.get_legend() is not None
    plt.close(ax.figure)


# --------------------------------------------------------------------------- bad input
def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="leads, conversions or both"):
        channel_funnel(SESSIONS)
    with pytest.raises(ParameterError, match="credit"):
        channel_funnel(SESSIONS, LEADS, credit="linear")  # type: ignore[arg-type]
    for window in ("0D", "-3D", "soon"):
        with pytest.raises(ParameterError, match="window"):
            channel_funnel(SESSIONS, LEADS, window=window)
    with pytest.raises(ParameterError, match="on_invalid"):
        channel_funnel(SESSIONS, LEADS, on_invalid="ignore")  # type: ignore[arg-type]


def test_bad_tables() -> None:
    with pytest.raises(MissingColumnError, match="channel_col"):
        channel_funnel(SESSIONS.drop(columns="channel"), LEADS)
    with pytest.raises(MissingColumnError, match="time_col"):
        channel_funnel(SESSIONS, LEADS.rename(columns={"timestamp": "ts"}))
    with pytest.raises(EmptyDataError):
        channel_funnel(SESSIONS.iloc[:0], LEADS)
    with pytest.raises(InputError, match="null channels"):
        channel_funnel(SESSIONS.assign(channel=[None, *SESSIONS["channel"][1:]]), LEADS)
    with pytest.raises(InputError, match="null user ids"):
        channel_funnel(SESSIONS, LEADS.assign(user_id=["a", None, "c", "t"]))
    with pytest.raises(InputError, match="unparseable"):
        channel_funnel(
            SESSIONS,
            conversions=CONVERSIONS.astype({"timestamp": str}).assign(
                timestamp=["x", "2024-01-08", "2024-01-10"]
            ),
        )
    aware = SESSIONS.assign(timestamp=SESSIONS["timestamp"].dt.tz_localize("UTC"))
    with pytest.raises(SchemaError, match="tz-aware"):
        channel_funnel(aware, LEADS)


def test_drop_invalid_rows_warns_and_keeps_the_rest() -> None:
    broken = SESSIONS.assign(channel=[None, *SESSIONS["channel"][1:]])
    with pytest.warns(DataQualityWarning, match="Dropped 1 of 8 rows of sessions"):
        result = channel_funnel(broken, LEADS, CONVERSIONS, on_invalid="drop")
    # without its Paid Search session of Jan 1, a still counts in Email
    assert _users(result)["Email"] == [2, 1, 1]
    with pytest.raises(EmptyDataError), pytest.warns(DataQualityWarning):
        channel_funnel(SESSIONS.assign(channel=None), LEADS, on_invalid="drop")


def test_a_step_nobody_reaches_is_warned_about() -> None:
    with pytest.warns(DataQualityWarning, match="lead"):
        result = channel_funnel(SESSIONS, LEADS.iloc[:0], CONVERSIONS)
    assert result.counts == [5, 0, 0]


def test_time_zones_and_other_frame_types() -> None:
    zone = "America/New_York"
    result = channel_funnel(
        SESSIONS.assign(timestamp=SESSIONS["timestamp"].dt.tz_localize(zone)),
        LEADS.assign(timestamp=LEADS["timestamp"].dt.tz_localize(zone)),
        CONVERSIONS.assign(timestamp=CONVERSIONS["timestamp"].dt.tz_localize(zone)),
    )
    assert _users(result) == _users(channel_funnel(SESSIONS, LEADS, CONVERSIONS))
    assert str(result.units["at_0"].dt.tz) == zone
    pl = pytest.importorskip("polars")
    polars_result = channel_funnel(pl.from_pandas(SESSIONS), pl.from_pandas(LEADS))
    assert _users(polars_result) == _users(channel_funnel(SESSIONS, LEADS))


def test_custom_column_names_and_integer_ids() -> None:
    sessions = SESSIONS.rename(columns={"user_id": "uid", "timestamp": "at", "channel": "src"})
    codes = {u: i for i, u in enumerate("abcdetz")}
    sessions["uid"] = sessions["uid"].map(codes)
    leads = LEADS.rename(columns={"user_id": "uid", "timestamp": "at"})
    leads["uid"] = leads["uid"].map(codes)
    result = channel_funnel(sessions, leads, user_col="uid", time_col="at", channel_col="src")
    assert result.breakdown == "src"
    assert sorted(result.users_at("lead")) == [0, 1, 2]
    assert result.counts == [5, 3]


def test_mixed_id_types_and_a_categorical_channel() -> None:
    """Ids are matched as text across the tables, as channel_report does (7 and "7" are one
    person); a categorical channel column works like a text one."""
    codes = {u: i for i, u in enumerate("abcdetz")}
    sessions = SESSIONS.assign(
        user_id=SESSIONS["user_id"].map(codes), channel=SESSIONS["channel"].astype("category")
    )
    leads = LEADS.assign(user_id=LEADS["user_id"].map(codes).astype(str))
    result = channel_funnel(sessions, leads, CONVERSIONS.assign(user_id=["0", "2", "99"]))
    assert _users(result) == _users(channel_funnel(SESSIONS, LEADS, CONVERSIONS))
    assert sorted(result.users_at("customer")) == [0, 2]  # the id each person first had
    report = _report_counts(
        "last",
        sessions=sessions,
        leads=leads,
        conversions=CONVERSIONS.assign(user_id=["0", "2", "99"]),
    )
    _assert_agree(result, report)


def test_float_read_ids_match_text_ids_as_in_channel_report() -> None:
    """A gap in an id column makes pandas read it as float: 2.0 and "2" are one person, in the
    funnel as in channel_report."""
    codes = {u: i for i, u in enumerate("abcdetz")}
    sessions = SESSIONS.assign(user_id=SESSIONS["user_id"].map(codes).astype("float64"))
    leads = LEADS.assign(user_id=LEADS["user_id"].map(codes).astype(str))
    conversions = CONVERSIONS.assign(user_id=["0", "2", "99"])
    result = channel_funnel(sessions, leads, conversions)
    assert _users(result) == _users(channel_funnel(SESSIONS, LEADS, CONVERSIONS))
    report = _report_counts("last", sessions=sessions, leads=leads, conversions=conversions)
    _assert_agree(result, report)


@pytest.mark.parametrize(
    ("channels", "dtype"),
    [
        (["Email", "Paid", "Email", "Paid"], "str"),
        (["Email", "Paid", "Email", "Paid"], object),
        ([1, True, 1, True], object),  # equal values of other types stay apart
        ([0.0, -0.0, 0.0, -0.0], float),
        (["Email", "Paid", "Email", "Paid"], pd.CategoricalDtype(["Zeta", "Paid", "Email"])),
        ([3, 1, 3, 1], "Int64"),
    ],
)
def test_the_units_keep_each_channel_value_and_dtype(channels: list[Any], dtype: Any) -> None:
    """Review finding: factorizing the channel made one value of 1 and True (and of 0.0 and
    -0.0), and decoded every unit as the first of them."""
    day = pd.Timestamp("2024-01-01")
    sessions = pd.DataFrame(
        {
            "user_id": [1, 2, 3, 4],
            "timestamp": [day] * 4,
            "channel": pd.Series(channels, dtype=dtype),
        }
    )
    leads = pd.DataFrame({"user_id": [1, 2], "timestamp": [day + pd.Timedelta("1D")] * 2})
    units = channel_funnel(sessions, leads).units.sort_values("user")
    assert units["channel"].dtype == sessions["channel"].dtype
    # each unit's own value, of its own type and (for floats) sign
    expected = [(type(v), repr(v)) for v in sessions["channel"].tolist()]
    assert [(type(v), repr(v)) for v in units["channel"].tolist()] == expected


def test_float_ids_come_back_as_first_seen() -> None:
    """Review finding: -0.0 came back as 0.0 when the ids were compared as floats."""
    day = pd.Timestamp("2024-01-01")
    sessions = pd.DataFrame(
        {"user_id": [-0.0, 1.0], "timestamp": [day] * 2, "channel": ["Email", "Paid"]}
    )
    leads = pd.DataFrame({"user_id": [0.5, 0.0], "timestamp": [day + pd.Timedelta("1D")] * 2})
    units = channel_funnel(sessions, leads).units
    assert np.signbit(units["user"].to_numpy()).tolist() == [True, False]
