"""Engagement against published behaviour: PostHog's test fixtures, Amplitude's documented
definitions and TheVentureCity's published growth-accounting tables.

Sources
-------
- PostHog, ``posthog/hogql_queries/insights/test/test_lifecycle_query_runner.py``
  (``TestLifecycleQueryRunner.test_lifecycle_query_whole_range``, ``test_lifecycle_trend``,
  ``test_events_query_partial_range``, and
  ``TestLifecycleQueryRetentionGroupAggregation.test_lifecycle_query_group_0``).
- PostHog, ``posthog/hogql_queries/insights/test/test_stickiness_query_runner.py``
  (``test_interval_day``, ``test_interval_week``, ``test_interval_hour``,
  ``test_property_filtering``, ``test_group_aggregations``).
- Amplitude, "Interpret your Lifecycle chart"
  (https://amplitude.com/docs/analytics/charts/lifecycle) and "Interpret your stickiness
  analysis" (https://amplitude.com/docs/analytics/charts/stickiness/stickiness-interpret).
- TheVentureCity, github.com/dksmith01/TheVentureCity, ``SampleCo MAU Growth Accounting.csv``
  and ``SampleCo MRR Growth Accounting.csv`` (the raw ``sample_transactions.csv`` is not in
  the public repository, so the tables' own identities and ratios are checked).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from saasmetrics.engagement import growth_accounting, lifecycle, stickiness
from saasmetrics.engagement._growth import revenue_ratios, user_ratios


def _events(data: dict[str, list[str]], **props: dict[str, str]) -> pd.DataFrame:
    rows = [(user, ts) for user, stamps in data.items() for ts in stamps]
    frame = pd.DataFrame(rows, columns=["user_id", "timestamp"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["event"] = "$pageview"
    for name, by_user in props.items():
        frame[name] = frame["user_id"].map(by_user)
    return frame


# TestLifecycleQueryRunner._create_test_events
LIFECYCLE = {
    "p1": [
        "2020-01-11T12:00:00Z",
        "2020-01-12T12:00:00Z",
        "2020-01-13T12:00:00Z",
        "2020-01-15T12:00:00Z",
        "2020-01-17T12:00:00Z",
        "2020-01-19T12:00:00Z",
    ],
    "p2": ["2020-01-09T12:00:00Z", "2020-01-12T12:00:00Z"],
    "p3": ["2020-01-12T12:00:00Z"],
    "p4": ["2020-01-15T12:00:00Z"],
}


def _statuses(table: pd.DataFrame) -> dict[str, list[int]]:
    return {s: table[s].tolist() for s in ("new", "returning", "resurrecting", "dormant")}


def test_posthog_lifecycle_query_whole_range() -> None:
    got = lifecycle(_events(LIFECYCLE), freq="D", start="2020-01-09", end="2020-01-19")
    assert _statuses(got.to_frame()) == {
        "new": [1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0],
        "returning": [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0],
        "resurrecting": [0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1],
        "dormant": [0, -1, 0, 0, -2, -1, 0, -2, 0, -1, 0],
    }


def test_posthog_lifecycle_trend_users_active_before_start() -> None:
    # date_from 2020-01-12: p1 (first seen on the 11th) is returning, p2 (9th) resurrecting
    got = lifecycle(_events(LIFECYCLE), freq="D", start="2020-01-12", end="2020-01-19")
    assert _statuses(got.to_frame()) == {
        "dormant": [0, -2, -1, 0, -2, 0, -1, 0],
        "new": [1, 0, 0, 1, 0, 0, 0, 0],
        "resurrecting": [1, 0, 0, 1, 0, 1, 0, 1],
        "returning": [1, 1, 0, 0, 0, 0, 0, 0],
    }


def test_posthog_events_query_partial_range() -> None:
    # the 12th..14th of test_events_query_partial_range (the 11th there is look-back)
    got = lifecycle(_events(LIFECYCLE), freq="D", start="2020-01-12", end="2020-01-14")
    assert _statuses(got.to_frame()) == {
        "new": [1, 0, 0],
        "returning": [1, 1, 0],
        "resurrecting": [1, 0, 0],
        "dormant": [0, -2, -1],
    }


def test_posthog_lifecycle_by_group_is_the_same_call() -> None:
    # test_lifecycle_query_group_0: every event belongs to org:5; lifecycle of the org
    data = dict(LIFECYCLE)
    data["p4"] = ["2020-01-15T12:00:00Z", "2020-01-18T12:00:00Z"]
    events = _events(data)
    events["$group_0"] = "org:5"
    got = lifecycle(events, freq="D", start="2020-01-09", end="2020-01-19", user_col="$group_0")
    assert _statuses(got.to_frame()) == {
        "new": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "returning": [0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1],
        "resurrecting": [0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0],
        "dormant": [0, -1, 0, 0, 0, -1, 0, -1, 0, 0, 0],
    }


# TestStickinessQueryRunner._create_test_events ($pageview of p1 and p2)
STICKY = {
    "p1": [f"2020-01-{d}T12:00:00Z" for d in range(11, 20)],
    "p2": [f"2020-01-{d}T12:00:00Z" for d in (11, 13, 15, 17, 19)],
}
BROWSER = {"p1": "Chrome", "p2": "Firefox"}


def test_posthog_stickiness_interval_day() -> None:
    # date range 2020-01-11 .. 2020-01-20: p1 active 9 days, p2 5 days
    got = stickiness(_events(STICKY), period="10D", as_of="2020-01-20").to_frame()
    assert got.drop(columns="period").iloc[0].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 1, 0]
    assert got["period"].iloc[0] == pd.Timestamp("2020-01-11")


def test_posthog_stickiness_property_filtering_and_groups() -> None:
    events = _events(STICKY, browser=BROWSER)
    chrome = events[events["browser"] == "Chrome"]
    got = stickiness(chrome, period="10D", as_of="2020-01-20").to_frame()
    assert got.drop(columns="period").iloc[0].tolist() == [0] * 8 + [1, 0]
    events["$group_0"] = "org:1"  # test_group_aggregations: the org is active 9 days
    got = stickiness(events, period="10D", as_of="2020-01-20", user_col="$group_0").to_frame()
    assert got.drop(columns="period").iloc[0].tolist() == [0] * 8 + [1, 0]


def test_posthog_stickiness_interval_week() -> None:
    # test_interval_week: 2020-01-11 (a Saturday) .. 2020-01-20, weeks starting on Sunday:
    # the range touches three weeks and both persons are active in all three ("data":
    # [0, 0, 2, 0]; PostHog lists one interval more, counted to the end of the 20th's week)
    got = stickiness(_events(STICKY), period="10D", unit="W-SAT", as_of="2020-01-20")
    table = got.to_frame()
    assert table.drop(columns="period").iloc[0].tolist() == [0, 0, 2]


def test_posthog_stickiness_interval_hour() -> None:
    # test_interval_hour: date_from 2020-01-11 to 2020-01-12 (its start): the hours of the
    # 11th; both persons are active in exactly one hour (12:00)
    got = stickiness(_events(STICKY), period="1D", unit="h", as_of="2020-01-11").to_frame()
    assert got.drop(columns="period").iloc[0].tolist() == [2] + [0] * 23


def test_amplitude_lifecycle_examples() -> None:
    # "a user who was active on January 1st and January 2nd would be considered a current
    # user on January 2nd"; "active on January 1st but not active on January 2nd ... a
    # dormant user on January 2nd"; resurrected: "not active for the previous interval".
    events = _events(
        {
            "current": ["2024-01-01T10:00:00Z", "2024-01-02T10:00:00Z"],
            "dormant": ["2023-12-31T10:00:00Z", "2024-01-01T10:00:00Z"],
            "resurrected": ["2023-12-30T10:00:00Z", "2024-01-02T10:00:00Z"],
        }
    )
    table = lifecycle(events, freq="D", start="2024-01-02", end="2024-01-02").to_frame()
    row = table.iloc[0]
    assert (row["returning"], row["dormant"], row["resurrecting"], row["new"]) == (1, -1, 1, 0)
    # the Pulse view: (new + resurrected) / dormant
    assert row["quick_ratio"] == 1.0


def test_amplitude_stickiness_a_user_in_several_weekly_buckets() -> None:
    # "they might trigger the event on one day in week one, then three times in week two.
    # This user appears in both the one-day and three-day buckets."
    events = _events(
        {
            "u": [
                "2024-01-02T10:00:00Z",
                "2024-01-08T10:00:00Z",
                "2024-01-09T10:00:00Z",
                "2024-01-10T10:00:00Z",
                "2024-01-10T11:00:00Z",
            ]
        }
    )
    table = stickiness(events, period="W").to_frame()
    assert table[1].tolist() == [1, 0]
    assert table[3].tolist() == [0, 1]
    # cumulative: "on at least the number of days"
    cumulative = stickiness(events, period="W", cumulative=True).to_frame()
    assert cumulative[[1, 2, 3, 4]].to_numpy().tolist() == [[1, 0, 0, 0], [1, 1, 1, 0]]


MAU = pd.DataFrame(
    {
        "mau": [2505, 4011, 4685, 5896, 7106, 8648, 9039, 11283],
        "retained_users": [0, 956, 1524, 1816, 2217, 2721, 3262, 3329],
        "new_users": [2505, 3055, 2825, 3356, 3861, 4615, 4312, 6114],
        "resurrected_users": [0, 0, 336, 724, 1028, 1312, 1465, 1840],
        "churned_users": [0, -1549, -2487, -2869, -3679, -4385, -5386, -5710],
        "mau_quick_ratio": [
            np.inf,
            1.97224015493867,
            1.27100924809007,
            1.42209829208784,
            1.32889372111987,
            1.35165336374002,
            1.07259561826959,
            1.39299474605954,
        ],
        "mau_retention_rate": [
            np.nan,
            0.381636726546906,
            0.379955123410621,
            0.387620064034152,
            0.376017639077341,
            0.382915845764143,
            0.377197039777983,
            0.368292952760261,
        ],
    }
)  # SampleCo MAU Growth Accounting.csv, Mar 2017 .. Oct 2017


def test_theventurecity_mau_table_identities_and_ratios() -> None:
    t = MAU
    assert (t["mau"] == t["retained_users"] + t["new_users"] + t["resurrected_users"]).all()
    assert (t["mau"].shift(1)[1:] == (t["retained_users"] - t["churned_users"])[1:]).all()
    ours = user_ratios(
        pd.DataFrame(
            {
                "active": t["mau"],
                "retained": t["retained_users"],
                "new": t["new_users"],
                "resurrected": t["resurrected_users"],
                "churned": t["churned_users"],
            }
        )
    )
    np.testing.assert_allclose(ours["quick_ratio"], t["mau_quick_ratio"], rtol=1e-12)
    np.testing.assert_allclose(ours["retention_rate"], t["mau_retention_rate"], rtol=1e-12)


MRR = pd.DataFrame(
    {
        "rev": [526724.36, 993933.11, 1430887.67, 1598943.76],
        "retained_rev": [0, 64108.29, 114555.1, 156809.34],
        "new_rev": [526724.36, 735118.03, 831352.61, 780995.74],
        "resurrected_rev": [0, 0, 74209.23, 194829.23],
        "expansion_rev": [0, 194706.79, 410770.73, 466309.45],
        "contraction_rev": [0, -140033.31, -333698.18, -428669.13],
        "churned_rev": [0, -322582.76, -545679.83, -845409.2],
        "mrr_quick_ratio": [np.inf, 2.00992762746007, 1.49689047830523, 1.13190404863098],
        "mrr_retention_rate": [np.nan, 0.121711268489652, 0.115254335374742, 0.109588854029331],
    }
)  # SampleCo MRR Growth Accounting.csv, Mar 2017 .. Jun 2017


def test_theventurecity_mrr_table_identities_and_ratios() -> None:
    t = MRR
    ups = t["retained_rev"] + t["new_rev"] + t["resurrected_rev"] + t["expansion_rev"]
    np.testing.assert_allclose(t["rev"], ups, atol=0.011)
    downs = t["retained_rev"] - t["contraction_rev"] - t["churned_rev"]
    np.testing.assert_allclose(t["rev"].shift(1)[1:], downs[1:], atol=0.011)
    ours = revenue_ratios(
        pd.DataFrame(
            {
                "revenue": t["rev"],
                "retained": t["retained_rev"],
                "new": t["new_rev"],
                "resurrected": t["resurrected_rev"],
                "expansion": t["expansion_rev"],
                "contraction": t["contraction_rev"],
                "churned": t["churned_rev"],
            }
        )
    )
    np.testing.assert_allclose(ours["quick_ratio"], t["mrr_quick_ratio"], rtol=1e-9)
    # TheVentureCity's "MRR retention rate" is retained / last period's revenue: our gross
    np.testing.assert_allclose(ours["gross_retention"], t["mrr_retention_rate"], rtol=1e-9)


def test_growth_accounting_follows_the_theventurecity_definitions() -> None:
    # the same definitions, from rows: a user with revenue in month t-1 and t is retained
    # at the minimum, and the rest is expansion or contraction (growth_accounting.py)
    rows = pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "b", "c", "d", "d"],
            "timestamp": pd.to_datetime(
                [
                    "2017-03-02",
                    "2017-04-03",
                    "2017-06-05",
                    "2017-03-09",
                    "2017-04-10",
                    "2017-04-11",
                    "2017-03-20",
                    "2017-05-22",
                ]
            ),
            "amount": [100.0, 150.0, 80.0, 50.0, 20.0, 30.0, 10.0, 10.0],
        }
    )
    ga = growth_accounting(rows, freq="MS", value_col="amount")
    rev = ga.to_frame()
    assert rev["revenue"].tolist() == [160.0, 200.0, 10.0, 80.0]
    assert rev["retained"].tolist() == [0.0, 120.0, 0.0, 0.0]
    assert rev["expansion"].tolist() == [0.0, 50.0, 0.0, 0.0]
    assert rev["contraction"].tolist() == [0.0, -30.0, 0.0, 0.0]
    assert rev["new"].tolist() == [160.0, 30.0, 0.0, 0.0]
    assert rev["resurrected"].tolist() == [0.0, 0.0, 10.0, 80.0]
    assert rev["churned"].tolist() == [0.0, -10.0, -200.0, -10.0]
