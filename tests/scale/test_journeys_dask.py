"""journeys (then attribute) on dask DataFrames give exactly the pandas Journeys."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from saasmetrics.attribution import (
    Journeys,
    LastTouch,
    Linear,
    MarkovModel,
    TimeDecay,
    attribute,
    journeys,
)
from saasmetrics.exceptions import DataQualityWarning, MissingColumnError
from tests.scale.conftest import PARTITIONS


def _same(a: Journeys, b: Journeys) -> None:
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.channels == b.channels
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.codes, b.codes)
    assert a.elapsed_s is not None
    assert b.elapsed_s is not None
    np.testing.assert_array_equal(a.elapsed_s, b.elapsed_s)
    assert (a.lookback, a.n_dropped_touches, a.n_unattributed) == (
        b.lookback,
        b.n_dropped_touches,
        b.n_unattributed,
    )


@pytest.fixture(scope="module")
def tables(company: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    touches = company.touchpoints.sample(frac=1.0, random_state=2).reset_index(drop=True)
    convs = company.conversions.sample(frac=1.0, random_state=3).reset_index(drop=True)
    # a converting user with no touch at all: their journey is one "Direct" touch
    extra = convs.iloc[:1].assign(user_id="no-touch-user")
    return touches, pd.concat([convs, extra], ignore_index=True)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "options",
    [
        {"lookback": "90D"},
        {"lookback": "14D", "collapse_repeats": True},
        {"lookback": "7D", "unattributed": "drop"},
    ],
)
def test_journeys_on_dask_equal_pandas(
    tables: tuple[pd.DataFrame, pd.DataFrame],
    to_dask: Any,
    npartitions: int,
    options: dict[str, Any],
) -> None:
    touches, convs = tables
    warns = options.get("unattributed") == "drop"
    with pytest.warns(DataQualityWarning) if warns else _Nothing():
        expected = journeys(touches, convs, **options)
    with pytest.warns(DataQualityWarning) if warns else _Nothing():
        got = journeys(to_dask(touches, npartitions), to_dask(convs, npartitions), **options)
    _same(got, expected)
    if not warns:
        assert got.n_unattributed >= 1  # the user without touches has a Direct journey
    # attribute on the merged journeys: the same credits
    for model in (LastTouch(), Linear(), TimeDecay(), MarkovModel()):
        pd.testing.assert_frame_equal(
            attribute(got, model).to_frame(), attribute(expected, model).to_frame()
        )


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: Any) -> None:
        return None


def test_journeys_do_not_depend_on_row_order(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    touches, convs = tables
    # touches at the same time keep their input order (documented), so leave ties out here
    touches = touches[~touches.duplicated(["user_id", "timestamp"], keep=False)]
    _same(journeys(touches.iloc[::-1], convs.iloc[::-1]), journeys(touches, convs))


def test_the_dropped_conversions_warning_counts_the_whole_data(
    tables: tuple[pd.DataFrame, pd.DataFrame], to_dask: Any
) -> None:
    touches, convs = tables
    with pytest.warns(DataQualityWarning) as pandas_warned:
        journeys(touches, convs, lookback="1D", unattributed="drop")
    with pytest.warns(DataQualityWarning) as dask_warned:
        journeys(to_dask(touches, 7), to_dask(convs, 7), lookback="1D", unattributed="drop")
    assert [str(w.message) for w in dask_warned] == [str(w.message) for w in pandas_warned]


def test_invalid_rows_dropped_warn_once_with_the_totals(
    tables: tuple[pd.DataFrame, pd.DataFrame], to_dask: Any
) -> None:
    touches, convs = tables
    bad = touches.copy()
    bad.loc[bad.index[::50], "channel"] = None
    with pytest.warns(DataQualityWarning, match="rows of touchpoints") as pandas_warned:
        expected = journeys(bad, convs, on_invalid="drop")
    with pytest.warns(DataQualityWarning, match="rows of touchpoints") as dask_warned:
        got = journeys(to_dask(bad, 3), to_dask(convs, 3), on_invalid="drop")
    assert [str(w.message) for w in dask_warned] == [str(w.message) for w in pandas_warned]
    _same(got, expected)


def test_bad_input_through_dask_gets_the_pandas_errors(
    tables: tuple[pd.DataFrame, pd.DataFrame], to_dask: Any
) -> None:
    touches, convs = tables
    no_time = convs.rename(columns={"timestamp": "when"})
    with pytest.raises(MissingColumnError, match="timestamp"):
        journeys(touches, no_time)
    with pytest.raises(MissingColumnError, match="timestamp"):
        journeys(to_dask(touches, 3), to_dask(no_time, 3))
    with pytest.raises(MissingColumnError, match="uid"):
        journeys(to_dask(touches, 3), to_dask(convs, 3), user_col="uid")


def test_journeys_on_a_local_cluster(
    tables: tuple[pd.DataFrame, pd.DataFrame], to_dask: Any, client: Any
) -> None:
    touches, convs = tables
    _same(
        journeys(to_dask(touches, 7), to_dask(convs, 5), lookback="90D"),
        journeys(touches, convs, lookback="90D"),
    )
    with pytest.raises(MissingColumnError, match="channel"):
        journeys(to_dask(touches.drop(columns=["channel", "url", "utm_source", "utm_medium"]), 3),
                 to_dask(convs, 3))  # fmt: skip
