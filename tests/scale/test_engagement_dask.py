"""Every engagement analysis on a dask DataFrame gives exactly the pandas result."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from saasmetrics.engagement import (
    active_users,
    feature_adoption,
    growth_accounting,
    lifecycle,
    stickiness,
)
from saasmetrics.exceptions import DataQualityWarning
from saasmetrics.scale import analysis, merge_all
from tests.scale.conftest import PARTITIONS

CASES: dict[str, Callable[..., Any]] = {
    "active_users": active_users,
    "active_users_weekly": lambda e, **kw: active_users(e, freq="W", active_event="login", **kw),
    "stickiness": lambda e, **kw: stickiness(e, period="W", **kw),
    "stickiness_l28": lambda e, **kw: stickiness(e, period="28D", cumulative=True, **kw),
    "lifecycle": lambda e, **kw: lifecycle(e, freq="W", new_event="signup", **kw),
    "lifecycle_accounts": lambda e, **kw: lifecycle(e, freq="MS", user_col="account_id", **kw),
    "growth_accounting": lambda e, **kw: growth_accounting(e, freq="MS", **kw),
    "feature_adoption": lambda e, **kw: feature_adoption(
        e, {"collaboration": ["invite_teammate"], "projects": "create_project"}, **kw
    ),
}


def _same(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    if hasattr(a, "cohorts"):
        pd.testing.assert_frame_equal(a.cohorts, b.cohorts)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("name", list(CASES))
def test_engagement_on_dask_equals_pandas(
    shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int, name: str
) -> None:
    events = shuffled_events
    if name == "lifecycle_accounts" and "account_id" not in events:
        pytest.skip("sample events have no account_id")
    _same(CASES[name](to_dask(events, npartitions)), CASES[name](events))


def test_growth_accounting_of_revenue_on_dask(company: Any, to_dask: Any) -> None:
    invoices = company.invoices.sample(frac=1.0, random_state=3)
    options = {"value_col": "amount", "user_col": "customer_id", "time_col": "period_start"}
    if not set(options.values()) <= set(invoices.columns):
        pytest.skip("sample invoices have other columns")
    expected = growth_accounting(invoices, **options)
    for n in PARTITIONS:
        got = growth_accounting(to_dask(invoices, n), **options)
        # amounts are summed in integer cents: any partitioning gives the same bits
        pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame(), check_exact=True)
        pd.testing.assert_frame_equal(
            got.to_frame("revenue", cents=True), expected.to_frame("revenue", cents=True)
        )
        pd.testing.assert_frame_equal(got.cohorts, expected.cohorts, check_exact=True)
        pd.testing.assert_frame_equal(got.to_frame("users"), expected.to_frame("users"))


def test_pre_partitioned_frame_skips_the_shuffle(shuffled_events: pd.DataFrame) -> None:
    import dask.dataframe as dd

    by_user = shuffled_events.set_index("user_id").sort_index(kind="stable")
    ddf = dd.from_pandas(by_user, npartitions=4, sort=True)
    _same(lifecycle(ddf), lifecycle(shuffled_events))
    _same(stickiness(ddf.reset_index(), partitioned_by="user_id"), stickiness(shuffled_events))


def test_warnings_come_once_from_the_merged_data(
    shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        feature_adoption(to_dask(shuffled_events, 7), ["no_such_event"])
    messages = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    assert len(messages) == 1
    assert "never occurs" in messages[0]


def test_partials_merge_in_any_order(shuffled_events: pd.DataFrame) -> None:
    """The Analysis behind each function: chunks of whole users, merged in two orders."""
    users = shuffled_events["user_id"].unique()
    chunks = [shuffled_events[shuffled_events["user_id"].isin(users[i::3])] for i in range(3)]
    for function, options in [
        (active_users, {}),
        (stickiness, {"period": "MS"}),
        (lifecycle, {"freq": "MS"}),
        (growth_accounting, {"freq": "W"}),
        (feature_adoption, {"features": ["subscribe"]}),
    ]:
        plan = analysis(function, **options)
        prepared = [plan.prepare(c) for c in chunks]
        context = plan.merge_context(*(plan.context(p) for p in prepared[:2]))
        context = plan.merge_context(context, plan.context(prepared[2]))
        parts = [plan.partial(p, context) for p in prepared]
        forward = plan.finalize(merge_all(plan.merge, parts), context)
        backward = plan.finalize(merge_all(plan.merge, parts[::-1]), context)
        expected = function(shuffled_events, **options)
        _same(forward, expected)
        _same(backward, expected)


def test_engagement_on_a_local_cluster(
    client: Any, shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    ddf = to_dask(shuffled_events, 3)
    for name in ("active_users", "lifecycle", "growth_accounting", "stickiness"):
        _same(CASES[name](ddf), CASES[name](shuffled_events))


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_integer_ids_and_revenue_on_dask_equal_pandas_and_text_ids(
    shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int
) -> None:
    """Dense integer ids (coded by offset per partition) with gaps and negatives, and amounts
    with zeros (revenue cohorts after activity cohorts): dask, pandas and text ids agree."""
    number = shuffled_events["user_id"].str[1:].astype("int64")
    events = shuffled_events.assign(
        user_id=number * 3 - 500,
        amount=(number % 4) * 9.99 * (shuffled_events["timestamp"].dt.month % 3 != 0),
    )
    text = events.assign(user_id="u" + events["user_id"].astype(str))
    for call in (
        lambda e: growth_accounting(e, freq="MS", value_col="amount"),
        lambda e: growth_accounting(e, freq="W"),
        lambda e: lifecycle(e, freq="W", new_event="signup"),
        lambda e: active_users(e, freq="W"),
    ):
        expected, got = call(events), call(to_dask(events, npartitions))
        _same(got, expected)
        _same(call(text), expected)
        if getattr(expected, "revenue_cents", None) is not None:
            pd.testing.assert_frame_equal(got.revenue_cents, expected.revenue_cents)
