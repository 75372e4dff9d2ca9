"""channel_report on dask sessions, conversions and leads (spend broadcast) equals pandas."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saasmetrics.attribution import channel_report
from saasmetrics.exceptions import DataQualityWarning, MissingColumnError, ParameterError
from saasmetrics.scale import analysis
from tests.scale.conftest import PARTITIONS


@pytest.fixture(scope="module")
def tables(company: Any) -> dict[str, pd.DataFrame]:
    events = company.events
    leads = events.loc[events["event"] == "signup", ["user_id", "timestamp"]]
    convs = company.conversions.sample(frac=1.0, random_state=5).reset_index(drop=True)
    # a customer without any session: uncredited, whatever partition it lands in
    extra = convs.iloc[:1].assign(user_id="no-session-user")
    return {
        "sessions": company.sessions.sample(frac=1.0, random_state=6).reset_index(drop=True),
        "conversions": pd.concat([convs, extra], ignore_index=True),
        "leads": leads.sample(frac=1.0, random_state=7).reset_index(drop=True),
        "spend": company.spend,
    }


def _same(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert (a.by, a.credit, a.n_uncredited_leads, a.n_uncredited_customers) == (
        b.by,
        b.credit,
        b.n_uncredited_leads,
        b.n_uncredited_customers,
    )


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "options",
    [{}, {"credit": "first"}, {"by": ("channel", "campaign")}],
)
def test_channel_report_on_dask_equals_pandas(
    tables: dict[str, pd.DataFrame], to_dask: Any, npartitions: int, options: dict[str, Any]
) -> None:
    t = tables
    expected = channel_report(t["sessions"], t["conversions"], t["spend"], leads=t["leads"],
                              **options)  # fmt: skip
    got = channel_report(
        to_dask(t["sessions"], npartitions),
        to_dask(t["conversions"], npartitions),
        t["spend"],  # not keyed by user: broadcast
        leads=to_dask(t["leads"], npartitions),
        **options,
    )
    _same(got, expected)
    assert got.n_uncredited_customers >= 1


@pytest.mark.parametrize("credit", ["last", "first"])
def test_a_chunk_with_conversions_and_leads_but_no_session(to_dask: Any, credit: str) -> None:
    # review: with few users, some chunks get a no-session user's purchase or lead and no
    # session at all; crediting indexed an empty session array (IndexError)
    day = pd.Timestamp("2024-01-01")
    sessions = pd.DataFrame(
        {"user_id": ["b", "b"], "timestamp": [day, day], "channel": ["Email", "Email"]}
    ).assign(pageviews=1, duration_s=0)
    others = [f"u{i}" for i in range(8)]  # users without a session: some chunk has only them
    convs = pd.DataFrame({"user_id": ["b", *others], "timestamp": day, "value": 10.0})
    leads = convs[["user_id", "timestamp"]]
    expected = channel_report(sessions, convs, leads=leads, credit=credit)
    got = channel_report(to_dask(sessions, 4), to_dask(convs, 4), leads=to_dask(leads, 4),
                         credit=credit)  # fmt: skip
    _same(got, expected)
    assert got.n_uncredited_customers == len(others)


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_optional_tables(tables: dict[str, pd.DataFrame], to_dask: Any, npartitions: int) -> None:
    t = tables
    _same(
        channel_report(to_dask(t["sessions"], npartitions)),
        channel_report(t["sessions"]),
    )
    _same(
        channel_report(to_dask(t["sessions"], npartitions), to_dask(t["conversions"], 2)),
        channel_report(t["sessions"], t["conversions"]),
    )
    # a dask spend table is computed once (it is small) and broadcast
    _same(
        channel_report(to_dask(t["sessions"], npartitions), spend=to_dask(t["spend"], 2)),
        channel_report(t["sessions"], spend=t["spend"]),
    )


def test_spend_on_channels_without_sessions_and_dropped_rows(
    tables: dict[str, pd.DataFrame], to_dask: Any
) -> None:
    t = tables
    spend = pd.concat(
        [t["spend"], t["spend"].iloc[:2].assign(channel="Podcast"),
         t["spend"].iloc[:1].assign(amount=-1.0)],
        ignore_index=True,
    )  # fmt: skip
    sessions = t["sessions"].copy()
    sessions.loc[sessions.index[::40], "pageviews"] = 0
    with pytest.warns(DataQualityWarning) as pandas_warned:
        expected = channel_report(sessions, t["conversions"], spend, on_invalid="drop")
    with pytest.warns(DataQualityWarning) as dask_warned:
        got = channel_report(
            to_dask(sessions, 7), to_dask(t["conversions"], 3), spend, on_invalid="drop"
        )
    assert [str(w.message) for w in dask_warned] == [str(w.message) for w in pandas_warned]
    assert len(pandas_warned) == 2  # sessions and spend, once each
    _same(got, expected)
    assert "Podcast" in set(got.to_frame()["channel"])


def test_merge_is_commutative(tables: dict[str, pd.DataFrame]) -> None:
    t = tables
    plan = analysis(channel_report)
    users = t["sessions"]["user_id"].drop_duplicates()
    half = set(users.iloc[::2])

    def chunk(side: bool) -> Any:
        pick = {k: v[v["user_id"].isin(half) == side] for k, v in t.items() if k != "spend"}
        prepared = plan.prepare(pick["sessions"], pick["conversions"], pick["leads"], t["spend"])
        return plan.partial(prepared, None)

    a, b = chunk(True), chunk(False)
    whole = channel_report(t["sessions"], t["conversions"], t["spend"], leads=t["leads"])
    _same(plan.finalize(plan.merge(a, b), None), whole)
    _same(plan.finalize(plan.merge(b, a), None), whole)


def test_bad_input_through_dask_gets_the_pandas_errors(
    tables: dict[str, pd.DataFrame], to_dask: Any
) -> None:
    t = tables
    no_pages = t["sessions"].drop(columns=["pageviews"])
    with pytest.raises(MissingColumnError, match="pageviews"):
        channel_report(no_pages)
    with pytest.raises(MissingColumnError, match="pageviews"):
        channel_report(to_dask(no_pages, 3))
    no_amount = t["spend"].drop(columns=["amount"])
    with pytest.raises(MissingColumnError, match="amount"):
        channel_report(to_dask(t["sessions"], 3), spend=no_amount)
    with pytest.raises(ParameterError, match="by must include"):
        channel_report(to_dask(t["sessions"], 3), by=("campaign",))
    with pytest.raises(ParameterError, match="dask DataFrame"):
        channel_report(to_dask(t["sessions"], 3), t["conversions"])  # pandas next to dask


def test_channel_report_on_a_local_cluster(
    tables: dict[str, pd.DataFrame], to_dask: Any, client: Any
) -> None:
    t = tables
    _same(
        channel_report(
            to_dask(t["sessions"], 7), to_dask(t["conversions"], 3), t["spend"],
            leads=to_dask(t["leads"], 5),
        ),
        channel_report(t["sessions"], t["conversions"], t["spend"], leads=t["leads"]),
    )  # fmt: skip
    with pytest.raises(MissingColumnError, match="pageviews"):
        channel_report(to_dask(t["sessions"].drop(columns=["pageviews"]), 3))


_USER = st.sampled_from(["a", "b", "c", "d", "e"])
_DAY = st.integers(min_value=0, max_value=20)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sessions=st.lists(
        st.tuples(_USER, _DAY, st.sampled_from(["Email", "Paid", "Organic"])),
        min_size=1,
        max_size=10,
    ),
    leads=st.lists(st.tuples(_USER, _DAY), max_size=8),
    convs=st.lists(st.tuples(_USER, _DAY, st.sampled_from([10.0, 0.0, -5.0])), max_size=8),
    credit=st.sampled_from(["last", "first"]),
)
def test_small_random_tables_on_dask_equal_pandas(
    to_dask: Any,
    sessions: list[tuple[str, int, str]],
    leads: list[tuple[str, int]],
    convs: list[tuple[str, int, float]],
    credit: str,
) -> None:
    # few users in several partitions: chunks with purchases or leads but no sessions, and
    # chunks with sessions only; repeat leads and purchases, free purchases and refunds
    day = pd.Timestamp("2024-01-01")
    s = pd.DataFrame(
        {
            "user_id": [u for u, _, _ in sessions],
            "timestamp": [day + pd.Timedelta(days=d) for _, d, _ in sessions],
            "channel": [c for _, _, c in sessions],
        }
    ).assign(pageviews=1, duration_s=0)
    lf = pd.DataFrame(
        {
            "user_id": pd.Series([u for u, _ in leads], dtype=object),
            "timestamp": pd.to_datetime([day + pd.Timedelta(days=d) for _, d in leads]),
        }
    )
    cf = pd.DataFrame(
        {
            "user_id": pd.Series([u for u, _, _ in convs], dtype=object),
            "timestamp": pd.to_datetime([day + pd.Timedelta(days=d) for _, d, _ in convs]),
            "value": pd.Series([v for _, _, v in convs], dtype=float),
        }
    )
    expected = channel_report(s, cf, leads=lf, credit=credit)  # type: ignore[arg-type]
    got = channel_report(to_dask(s, 3), to_dask(cf, 3), leads=to_dask(lf, 3), credit=credit)  # type: ignore[arg-type]
    _same(got, expected)
