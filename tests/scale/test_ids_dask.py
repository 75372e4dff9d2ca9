"""The one id rule on dask: 7, 7.0 and "7" are one id, wherever and however they are stored.

The in-memory path reads a column that mixes numbers and text as text (``normalize_ids``) and
matches ids across tables numerically or as text (``align_ids``); the dask path must put the
rows of one id in one partition and read them the same way in every partition.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import dask
import numpy as np
import pandas as pd
import pytest

from saasmetrics.attribution import channel_report, journeys
from saasmetrics.unit_economics import rfm_summary
from tests.scale.conftest import PARTITIONS, dd


@pytest.fixture
def objects_kept() -> Any:
    # dask's default turns object columns into text when it builds a frame, before any
    # analysis sees them (7.0 -> "7.0"); with the setting off the values reach us as they are
    with dask.config.set({"dataframe.convert-string": False}):
        yield


def _transactions(seed: int = 0, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, 50, n).astype(object),
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300 * 86_400, n), unit="s"),
            "amount": rng.integers(1, 100, n).astype(float),
        }
    )


@pytest.mark.usefixtures("objects_kept")
@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_one_customer_written_three_ways_is_one_customer(npartitions: int) -> None:
    tx = _transactions()
    tx.loc[::2, "customer_id"] = tx.loc[::2, "customer_id"].astype(str)  # "7"
    tx.loc[1::7, "customer_id"] = tx.loc[1::7, "customer_id"].astype(float)  # 7.0
    expected = rfm_summary(tx, amount_col="amount")
    got = rfm_summary(dd.from_pandas(tx, npartitions=npartitions, sort=False), amount_col="amount")
    assert (
        len(got) == len(expected) == tx["customer_id"].astype(str).str.removesuffix(".0").nunique()
    )
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index())


@pytest.mark.usefixtures("objects_kept")
def test_ids_mixed_in_the_whole_column_are_text_in_every_partition() -> None:
    # only the last partition holds text ids: the others must read their numbers as text too
    tx = _transactions(seed=1).sort_values("customer_id", kind="stable", ignore_index=True)
    tail = tx.index[-40:]
    tx.loc[tail, "customer_id"] = tx.loc[tail, "customer_id"].astype(str)
    expected = rfm_summary(tx)
    assert {type(i) for i in expected.index} == {str}
    # five partitions of whole customers, the text ones all in the last
    number = pd.factorize(tx["customer_id"])[0] * 5 // (tx["customer_id"].nunique())
    parts = [tx[number == k] for k in range(5)]
    assert not any(isinstance(i, str) for i in parts[0]["customer_id"])
    data = dd.concat([dd.from_pandas(part, npartitions=1, sort=False) for part in parts])
    for partitioned_by in (None, "customer_id"):
        got = rfm_summary(data, partitioned_by=partitioned_by)
        assert {type(i) for i in got.index} == {str}
        pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index())


def _same_journeys(touches: pd.DataFrame, convs: pd.DataFrame, npartitions: int) -> None:
    expected = journeys(touches, convs)
    got = journeys(
        dd.from_pandas(touches, npartitions=npartitions, sort=False),
        dd.from_pandas(convs, npartitions=npartitions, sort=False),
    )
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_integer_and_float_ids_of_two_tables_meet(company: Any, npartitions: int) -> None:
    # user 7 in touchpoints, 7.0 in conversions (a float column: it had a null once)
    touches, convs = company.touchpoints.copy(), company.conversions.copy()
    codes, _ = pd.factorize(pd.concat([touches["user_id"], convs["user_id"]]))
    touches["user_id"] = codes[: len(touches)].astype(np.int64)
    convs["user_id"] = codes[len(touches) :].astype(np.float64)
    _same_journeys(touches, convs, npartitions)


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_large_integer_ids_stored_as_floats_meet(company: Any, npartitions: int) -> None:
    # ids above 2**53 that a float holds exactly (2**60 + 1024 k): in memory the float id
    # 2**60 matches the integer id 2**60, so dask must hash them alike
    touches, convs = company.touchpoints.copy(), company.conversions.copy()
    codes, _ = pd.factorize(pd.concat([touches["user_id"], convs["user_id"]]))
    ids = 2**60 + codes.astype(np.int64) * 1024
    touches["user_id"] = ids[: len(touches)]
    convs["user_id"] = ids[len(touches) :].astype(np.float64)
    _same_journeys(touches, convs, npartitions)


@pytest.mark.usefixtures("objects_kept")
@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_decimal_ids_equal_as_values_are_one_customer(npartitions: int) -> None:
    # Decimal("7.5") == Decimal("7.50"): one customer in memory, so one partition on dask
    tx = _transactions(seed=2, n=200)
    tx["customer_id"] = [
        Decimal(f"{i % 20}.5") if k % 2 else Decimal(f"{i % 20}.50")
        for k, i in enumerate(tx["customer_id"])
    ]
    expected = rfm_summary(tx, amount_col="amount")
    got = rfm_summary(dd.from_pandas(tx, npartitions=npartitions, sort=False), amount_col="amount")
    assert len(got) == len(expected) == 20
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index())


def _numbers_and_text(company: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    touches, convs = company.touchpoints.copy(), company.conversions.copy()
    codes, _ = pd.factorize(pd.concat([touches["user_id"], convs["user_id"]]))
    convs["user_id"] = [str(c) for c in codes[len(touches) :]]
    return touches, convs, pd.Series(codes[: len(touches)])


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_large_float_ids_meet_their_text_as_in_memory(company: Any, npartitions: int) -> None:
    # journeys match ids by their str() form when the tables' types differ: the float id
    # 1e16 + 2k is "10000000000000000"-like in memory (read as an integer), never "1e+16"
    touches, convs, codes = _numbers_and_text(company)
    touches["user_id"] = (10**16 + 2 * codes.to_numpy()).astype(np.float64)
    convs["user_id"] = [str(10**16 + 2 * int(c)) for c in convs["user_id"]]
    _same_journeys(touches, convs, npartitions)


@pytest.mark.usefixtures("objects_kept")
@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("kind", [float, Decimal])
def test_object_numbers_and_text_meet_only_as_in_memory(
    company: Any, npartitions: int, kind: Any
) -> None:
    # Python floats or Decimals (dtype object) in touchpoints, text in conversions: in memory
    # journeys compare str(7.0) == "7.0" with "7", so they do not meet; dask must not match them
    touches, convs, codes = _numbers_and_text(company)
    touches["user_id"] = pd.Series([kind(f"{c}.0") for c in codes], dtype=object)
    _same_journeys(touches, convs, npartitions)


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_channel_report_large_float_ids_meet_their_text_as_in_memory(
    company: Any, npartitions: int
) -> None:
    # channel_report matches users as journeys do (user_codes): float 1e16 + 2k meets its
    # integer text in memory, so it must on dask (not as "1e+16")
    events = company.events
    leads = events.loc[events["event"] == "signup", ["user_id", "timestamp"]]
    sessions, convs = company.sessions, company.conversions
    codes, _ = pd.factorize(pd.concat([sessions["user_id"], convs["user_id"], leads["user_id"]]))
    ids = 10**16 + 2 * codes.astype(np.int64)
    a, b = len(sessions), len(sessions) + len(convs)
    sessions = sessions.assign(user_id=ids[:a].astype(np.float64))
    convs = convs.assign(user_id=[str(i) for i in ids[a:b]])
    leads = leads.assign(user_id=ids[b:].astype(np.float64))
    expected = channel_report(sessions, convs, company.spend, leads=leads)
    got = channel_report(
        dd.from_pandas(sessions, npartitions=npartitions, sort=False),
        dd.from_pandas(convs, npartitions=npartitions, sort=False),
        company.spend,
        leads=dd.from_pandas(leads, npartitions=npartitions, sort=False),
    )
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
