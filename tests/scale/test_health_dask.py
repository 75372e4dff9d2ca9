"""account_features and early_warnings on dask DataFrames give exactly the pandas results."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saasmetrics.exceptions import DataQualityWarning, MissingColumnError, ParameterError
from saasmetrics.health import account_features, early_warnings
from tests.scale.conftest import PARTITIONS

RULES: list[dict[str, Any]] = [
    {"kind": "no_use", "event": "create_report", "days": 30},
    {"kind": "usage_drop", "event": "create_report", "drop": 0.5, "window": "28D"},
    {"kind": "active_users_drop", "drop": 0.5, "window": "30D"},
    {"kind": "key_user_inactive", "days": 14},
    {"kind": "mrr_contraction"},
]


@pytest.fixture(scope="module")
def subscriptions(company: Any) -> pd.DataFrame:
    subs = company.subscriptions.sample(frac=1.0, random_state=4).reset_index(drop=True)
    # an account with a subscription and no event: a row of its own in the features
    extra = subs.iloc[:1].assign(customer_id="no-events-account")
    return pd.concat([subs, extra], ignore_index=True)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"windows": ["28D"], "track": ["create_report"], "core_features": ["create_report"]},
        {"login_event": None, "ticket_event": None, "depth_days": 2},
    ],
)
def test_account_features_on_dask_equal_pandas(  # noqa: PLR0917 - pytest fixtures
    company: Any,
    shuffled_events: pd.DataFrame,
    subscriptions: pd.DataFrame,
    to_dask: Any,
    npartitions: int,
    options: dict[str, Any],
) -> None:
    expected = account_features(shuffled_events, subscriptions, as_of=company.as_of, **options)
    got = account_features(
        to_dask(shuffled_events, npartitions),
        to_dask(subscriptions, npartitions),
        as_of=company.as_of,
        **options,
    )
    pd.testing.assert_frame_equal(got, expected)
    assert "no-events-account" in got.index


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_account_features_of_events_alone(
    company: Any, shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int
) -> None:
    as_of = pd.Timestamp(company.as_of) - pd.Timedelta(days=60)  # events after as_of too
    expected = account_features(shuffled_events, as_of=as_of)
    got = account_features(to_dask(shuffled_events, npartitions), as_of=as_of)
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_early_warnings_on_dask_equal_pandas(
    company: Any,
    shuffled_events: pd.DataFrame,
    subscriptions: pd.DataFrame,
    to_dask: Any,
    npartitions: int,
) -> None:
    expected = early_warnings(
        shuffled_events, RULES, as_of=company.as_of, subscriptions=subscriptions
    )
    got = early_warnings(
        to_dask(shuffled_events, npartitions),
        RULES,
        as_of=company.as_of,
        subscriptions=to_dask(subscriptions, npartitions),
    )
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    assert got.n_accounts == expected.n_accounts
    assert got.rules == expected.rules
    assert len(got.to_frame()) > 0
    # events alone, every account checked
    alone = early_warnings(to_dask(shuffled_events, npartitions), RULES[:4], as_of=company.as_of)
    pd.testing.assert_frame_equal(
        alone.to_frame(),
        early_warnings(shuffled_events, RULES[:4], as_of=company.as_of).to_frame(),
    )


@pytest.mark.parametrize("npartitions", [3, 7])
def test_early_warnings_with_chunks_of_subscriptions_only(to_dask: Any, npartitions: int) -> None:
    # a chunk holding only accounts without events (no pair at all) fires nothing for the
    # key-user rule, as the pandas run does; it used to index an empty table
    events = pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "user_id": ["u1", "u2", "u3"],
            "timestamp": pd.to_datetime(["2024-03-01", "2024-03-20", "2024-03-25"]),
            "event": ["login", "create_report", "login"],
        }
    )
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "b", *(f"z{i}" for i in range(20))],
            "start": pd.Timestamp("2024-01-01"),
            "end": pd.NaT,
            "mrr": 10.0,
        }
    )
    rules = [{**rule, "days": 3} if rule["kind"] == "key_user_inactive" else rule for rule in RULES]
    expected = early_warnings(events, rules, subscriptions=subs, as_of="2024-04-01")
    got = early_warnings(
        to_dask(events, 1), rules, subscriptions=to_dask(subs, npartitions), as_of="2024-04-01"
    )
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())


def test_dropped_rows_warn_once_with_the_totals(
    company: Any, shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    bad = shuffled_events.copy()
    bad.loc[bad.index[::97], "user_id"] = None
    with pytest.warns(DataQualityWarning, match="rows of events") as pandas_warned:
        expected = account_features(bad, as_of=company.as_of, on_invalid="drop")
    with pytest.warns(DataQualityWarning, match="rows of events") as dask_warned:
        got = account_features(to_dask(bad, 7), as_of=company.as_of, on_invalid="drop")
    assert [str(w.message) for w in dask_warned] == [str(w.message) for w in pandas_warned]
    pd.testing.assert_frame_equal(got, expected)


def test_whole_data_errors_are_judged_on_the_whole_data(
    company: Any, shuffled_events: pd.DataFrame, to_dask: Any
) -> None:
    # a tracked event of one account only: other partitions must not call it unknown
    one = shuffled_events["account_id"].iloc[0]
    events = shuffled_events
    keep = (events["account_id"] == one) | (events["event"] != "invite_teammate")
    rare = events.assign(event=events["event"].where(keep, "login"))
    got = account_features(to_dask(rare, 7), as_of=company.as_of, track=["invite_teammate"])
    pd.testing.assert_frame_equal(
        got, account_features(rare, as_of=company.as_of, track=["invite_teammate"])
    )
    ddf = to_dask(shuffled_events, 3)
    nope: list[dict[str, Any]] = [{"kind": "no_use", "event": "nope"}]
    for call in (
        lambda data: account_features(data, as_of=company.as_of, track=["nope"]),
        lambda data: early_warnings(data, nope, as_of=company.as_of),
        lambda data: account_features(data, as_of="2000-01-01"),
    ):
        with pytest.raises(ParameterError) as pandas_error:
            call(shuffled_events)
        with pytest.raises(ParameterError) as dask_error:
            call(ddf)
        assert str(dask_error.value) == str(pandas_error.value)


def test_bad_input_through_dask_gets_the_pandas_errors(
    company: Any, shuffled_events: pd.DataFrame, subscriptions: pd.DataFrame, to_dask: Any
) -> None:
    no_event = shuffled_events.drop(columns=["event"])
    with pytest.raises(MissingColumnError, match="event"):
        account_features(no_event, as_of=company.as_of)
    with pytest.raises(MissingColumnError, match="event"):
        account_features(to_dask(no_event, 3), as_of=company.as_of)
    no_mrr = subscriptions.drop(columns=["mrr"])
    with pytest.raises(MissingColumnError, match="mrr"):
        early_warnings(shuffled_events, RULES, as_of=company.as_of, subscriptions=no_mrr)
    with pytest.raises(MissingColumnError, match="mrr"):
        early_warnings(
            to_dask(shuffled_events, 3), RULES, as_of=company.as_of,
            subscriptions=to_dask(no_mrr, 3),
        )  # fmt: skip
    with pytest.raises(MissingColumnError, match="acct"):
        account_features(to_dask(shuffled_events, 3), as_of=company.as_of, account_col="acct")


def test_health_on_a_local_cluster(
    company: Any,
    shuffled_events: pd.DataFrame,
    subscriptions: pd.DataFrame,
    to_dask: Any,
    client: Any,
) -> None:
    pd.testing.assert_frame_equal(
        account_features(
            to_dask(shuffled_events, 7), to_dask(subscriptions, 3), as_of=company.as_of
        ),
        account_features(shuffled_events, subscriptions, as_of=company.as_of),
    )
    pd.testing.assert_frame_equal(
        early_warnings(
            to_dask(shuffled_events, 7), RULES, as_of=company.as_of,
            subscriptions=to_dask(subscriptions, 3),
        ).to_frame(),
        early_warnings(
            shuffled_events, RULES, as_of=company.as_of, subscriptions=subscriptions
        ).to_frame(),
    )  # fmt: skip
    with pytest.raises(MissingColumnError, match="event"):
        account_features(to_dask(shuffled_events.drop(columns=["event"]), 3), as_of=company.as_of)


def _iso_text(stamps: pd.Series) -> pd.Series:
    """Timestamps as ISO text with a UTC offset, as CSV and JSON exports write them."""
    aware = pd.to_datetime(stamps).dt.tz_localize("UTC")
    return aware.dt.strftime("%Y-%m-%dT%H:%M:%S%z").astype(object)


@pytest.mark.parametrize("npartitions", [3, 7])
def test_zone_of_text_timestamps_in_chunks_without_one_table(
    company: Any, shuffled_events: pd.DataFrame, to_dask: Any, npartitions: int
) -> None:
    # timestamps as text with offsets; few accounts have events, and subscriptions are few and
    # mostly of accounts without events: some partitions then hold rows of one table only,
    # whose empty column of the other has no zone (it is not "naive")
    accounts = shuffled_events["account_id"].unique()[:2]
    events = shuffled_events[shuffled_events["account_id"].isin(accounts)]
    events = events.assign(timestamp=_iso_text(events["timestamp"])).reset_index(drop=True)
    subs = company.subscriptions.iloc[:2]
    subs = pd.concat([subs, *(subs.assign(customer_id=f"x{k}") for k in range(8))])
    subs = subs.assign(start=_iso_text(subs["start"]), end=_iso_text(subs["end"]))
    as_of = pd.Timestamp(company.as_of).tz_localize("UTC")
    expected = account_features(events, subs.reset_index(drop=True), as_of=as_of)
    got = account_features(
        to_dask(events, npartitions), to_dask(subs.reset_index(drop=True), npartitions), as_of=as_of
    )
    pd.testing.assert_frame_equal(got, expected)


@pytest.fixture(scope="module")
def integer_accounts_text_customers(
    company: Any, shuffled_events: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events with integer account ids, subscriptions with the same ids as text."""
    codes, names = pd.factorize(shuffled_events["account_id"])
    events = shuffled_events.assign(account_id=codes.astype(np.int64))
    number = dict(zip(names, range(len(names)), strict=True))
    subs = company.subscriptions.iloc[:3]
    subs = subs.assign(customer_id=subs["customer_id"].map(number).astype(str))
    return events, subs


def test_integer_accounts_and_text_customers_are_one_id_kind_in_every_chunk(
    company: Any, integer_accounts_text_customers: Any, to_dask: Any
) -> None:
    # in memory, account 7 in events and customer "7" in subscriptions are one account and
    # every id is read as text (align_ids); the kinds of the whole tables must decide on dask
    events, subs = integer_accounts_text_customers
    expected = account_features(events, subs, as_of=company.as_of)
    assert {type(i) for i in expected.index} == {str}
    got = account_features(to_dask(events, 7), to_dask(subs, 7), as_of=company.as_of)
    assert {type(i) for i in got.index} == {str}
    # the same ids and figures; the index dtype differs (see the next test)
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)


def test_integer_accounts_and_text_customers_give_the_index_dtype_of_memory(
    company: Any, integer_accounts_text_customers: Any, to_dask: Any
) -> None:
    # the chunks' indexes are object (as in memory); joining them must not re-infer str
    events, subs = integer_accounts_text_customers
    expected = account_features(events, subs, as_of=company.as_of)
    got = account_features(to_dask(events, 7), to_dask(subs, 7), as_of=company.as_of)
    assert got.index.dtype == expected.index.dtype


def _awkward_ids(events: pd.DataFrame, subs: pd.DataFrame, case: str, as_of: pd.Timestamp) -> Any:
    """Events with integer account ids and subscriptions of the same accounts, made awkward."""
    n = len(subs)
    later = as_of + pd.Timedelta("1D")
    ids = subs["customer_id"].astype(np.int64)
    if case == "text_after_as_of":
        return events, subs.assign(customer_id=ids.astype(str), start=later, end=pd.NaT)
    if case == "text_some_after_as_of":
        starts = subs["start"].where(np.arange(n) % 2 == 0, later)
        return events, subs.assign(customer_id=ids.astype(str), start=starts, end=pd.NaT)
    if case == "text_all_dropped":
        return events, subs.assign(customer_id=ids.astype(str), mrr=-1.0)
    if case == "all_null":
        return events, subs.assign(customer_id=pd.Series([None] * n, dtype=object))
    if case == "float":
        return events, subs.assign(customer_id=ids.astype(np.float64))
    if case == "float_and_null":
        return events, subs.assign(customer_id=ids.astype(np.float64).where(np.arange(n) > 0))
    if case == "mixed_int_and_text":
        mixed = pd.Series([int(v) if k % 2 else str(v) for k, v in enumerate(ids)], dtype=object)
        return events, subs.assign(customer_id=mixed)
    if case == "float_events_text_customers":
        accounts = events["account_id"].astype(np.float64)
        return events.assign(account_id=accounts), subs.assign(customer_id=ids.astype(str))
    if case.startswith("categorical"):  # integer categories: numbers, not text
        coded = events.assign(account_id=pd.Categorical(events["account_id"]))
        return coded, subs.assign(customer_id=ids if case == "categorical" else ids.astype(str))
    assert case == "text_events_after_as_of"  # integer customers
    after = events["timestamp"] >= as_of
    accounts = events["account_id"].astype(object).where(~after, "late")
    return events.assign(account_id=accounts), subs.assign(customer_id=ids)


# case -> the type of the result's ids. The non-null ids as given decide, in memory as on
# dask: text customers that all start after as_of or are all dropped as invalid still make the
# accounts text (memory kept integers there until the rule was made the same); nulls do not
AWKWARD = {
    "text_after_as_of": str,
    "text_some_after_as_of": str,
    "text_all_dropped": str,
    "all_null": int,
    "float": float,
    "float_and_null": float,
    "mixed_int_and_text": str,
    "float_events_text_customers": str,
    "text_events_after_as_of": str,
    # a categorical was text to infer_dtype: its integer 7 and the customers' 7 did not sort
    "categorical": int,
    "categorical_text_customers": str,
}


@pytest.mark.parametrize("case", AWKWARD)
@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_awkward_account_ids_on_dask_equal_memory(
    company: Any,
    integer_accounts_text_customers: tuple[pd.DataFrame, pd.DataFrame],
    to_dask: Any,
    case: str,
    npartitions: int,
) -> None:
    events, subs = integer_accounts_text_customers
    events = events[events["account_id"] < 40].reset_index(drop=True)
    subs = subs.assign(customer_id=subs["customer_id"].astype(np.int64))
    as_of = pd.Timestamp(company.as_of) - pd.Timedelta("60D")  # events after as_of too
    events, subs = _awkward_ids(events, subs, case, as_of)
    options: dict[str, Any] = {"as_of": as_of, "on_invalid": "drop"}
    with warnings.catch_warnings(record=True) as memory_warned:
        warnings.simplefilter("always", DataQualityWarning)
        expected = account_features(events, subs, **options)
    with warnings.catch_warnings(record=True) as dask_warned:
        warnings.simplefilter("always", DataQualityWarning)
        got = account_features(to_dask(events, npartitions), to_dask(subs, npartitions), **options)
    assert {type(i) for i in expected.index} == {AWKWARD[case]}
    pd.testing.assert_frame_equal(got, expected)
    assert [str(w.message) for w in dask_warned] == [str(w.message) for w in memory_warned]
    assert bool(memory_warned) == (case in ("text_all_dropped", "all_null", "float_and_null"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["int", "float", "text", "mixed", "null"]),
    later=st.lists(st.booleans(), min_size=3, max_size=3),
    days_before=st.integers(min_value=0, max_value=400),
)
def test_the_index_kind_never_depends_on_as_of(
    company: Any,
    integer_accounts_text_customers: tuple[pd.DataFrame, pd.DataFrame],
    kind: str,
    later: list[bool],
    days_before: int,
) -> None:
    # in memory: which subscriptions start before as_of changes rows, never the ids' kind
    events, subs = integer_accounts_text_customers
    ids = subs["customer_id"].astype(np.int64)
    customers = {
        "int": ids,
        "float": ids.astype(np.float64),
        "text": ids.astype(str),
        "mixed": pd.Series([ids.iloc[0], *ids.iloc[1:].astype(str)], dtype=object),
        "null": pd.Series([None] * len(ids), dtype=object),
    }[kind]
    as_of = pd.Timestamp(company.as_of) - pd.Timedelta(days=days_before)
    subs = subs.assign(customer_id=customers.to_numpy(), end=pd.NaT)

    def index_types(started_later: list[bool]) -> set[type]:
        starts = subs["start"].where(~np.array(started_later), as_of + pd.Timedelta("1D"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # null customers are dropped
            got = account_features(
                events, subs.assign(start=starts), as_of=as_of, on_invalid="drop"
            )
        return {type(i) for i in got.index}

    types = index_types(later)
    assert types == index_types([False] * len(later))
    expected = {"int": int, "float": float, "text": str, "mixed": str, "null": int}[kind]
    assert types == {expected}
