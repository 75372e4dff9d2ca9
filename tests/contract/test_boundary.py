"""The input boundary's rules, one test per defect of issue 14 (boundary half).

Each rule is implemented once (``saasmetrics._validation`` / ``saasmetrics._frames``) and used
by every public function; these tests pin the rule on representative functions, and
``test_fuzz.py`` checks it over the whole public API.
"""

from __future__ import annotations

import pandas as pd
import pytest

from saasmetrics import EventLog
from saasmetrics.exceptions import (
    ParameterError,
    SchemaError,
)
from saasmetrics.health import churn_labels
from saasmetrics.unit_economics import mrr_bridge

EVENTS = pd.DataFrame(
    {
        "user_id": [1, 2, 1],
        "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"],
        "event": ["a", "b", "a"],
    }
)
SUBS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c"],
        "start": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-02-01"]),
        "end": pd.to_datetime([None, "2024-03-10", None]),
        "mrr": [10.0, 20.0, 30.0],
    }
)


# --------------------------------------------------------------------------- item 7: labels
def test_duplicated_column_names_are_a_schema_error() -> None:
    frame = pd.concat([EVENTS, EVENTS[["user_id"]]], axis=1)
    with pytest.raises(SchemaError, match=r"duplicated column names: \['user_id'\]"):
        EventLog(frame)
    with pytest.raises(SchemaError, match="duplicated"):
        mrr_bridge(pd.concat([SUBS, SUBS[["mrr"]]], axis=1))


def test_non_string_column_labels_are_a_schema_error() -> None:
    frame = EVENTS.assign(x=1).rename(columns={"x": 0})
    with pytest.raises(SchemaError, match="not strings"):
        EventLog(frame)


@pytest.mark.parametrize("keyword", ["user_col", "time_col", "event_col"])
def test_none_for_a_required_column_keyword_is_a_parameter_error(keyword: str) -> None:
    with pytest.raises(ParameterError, match=f"{keyword}=None"):
        EventLog(EVENTS, **{keyword: None})
    with pytest.raises(ParameterError, match="customer_col=None"):
        churn_labels(SUBS, as_of="2024-03-01", customer_col=None)  # type: ignore[arg-type]


def test_a_non_string_column_keyword_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="not a column name"):
        EventLog(EVENTS, user_col=["user_id"])  # type: ignore[arg-type]


def test_optional_column_keywords_still_accept_none() -> None:
    from saasmetrics.unit_economics import rfm_summary

    tx = pd.DataFrame({"customer_id": ["a", "a"], "timestamp": ["2024-01-01", "2024-01-09"]})
    assert len(rfm_summary(tx, amount_col=None)) == 1
