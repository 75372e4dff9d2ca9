"""The input boundary's rules, one test per defect of issue 14 (boundary half).

Each rule is implemented once (``saasmetrics._validation`` / ``saasmetrics._frames``) and used
by every public function; these tests pin the rule on representative functions, and
``test_fuzz.py`` checks it over the whole public API.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from saasmetrics import EventLog
from saasmetrics.exceptions import (
    DataQualityWarning,
    InputError,
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


# --------------------------------------------------------------------------- item 3: sentinels
@pytest.mark.parametrize(
    "sentinel", ["9999-12-31", "3000-01-01", "2262-04-12", "2999-12-31 23:59:59"]
)
def test_far_future_end_dates_mean_no_end_with_a_warning(sentinel: str) -> None:
    open_ended = SUBS.assign(end=SUBS["end"].astype(object).where(SUBS["end"].notna(), None))
    with_sentinel = SUBS.assign(
        end=[sentinel, "2024-03-10", sentinel],
    )
    expected = mrr_bridge(open_ended).to_frame()
    with pytest.warns(DataQualityWarning, match=r"Read 2 of 3 end dates .* as 'no end'"):
        got = mrr_bridge(with_sentinel).to_frame()
    pd.testing.assert_frame_equal(got, expected)
    with pytest.warns(DataQualityWarning, match="no end"):
        labels = churn_labels(with_sentinel, as_of="2024-03-01")
    pd.testing.assert_series_equal(labels, churn_labels(SUBS, as_of="2024-03-01"))


def test_far_future_end_dates_in_a_coarse_datetime_column() -> None:
    ends = pd.Series(
        np.array(["9999-12-31", "2024-03-10", "NaT"], dtype="datetime64[s]"), name="end"
    )
    with pytest.warns(DataQualityWarning, match="1 of 3"):
        got = mrr_bridge(SUBS.assign(end=ends)).to_frame()
    pd.testing.assert_frame_equal(got, mrr_bridge(SUBS).to_frame())


def test_far_past_or_start_dates_are_refused_with_the_range_named() -> None:
    # pandas 3 names the range; pandas 2's parser reports the same row as unparseable
    with pytest.raises(InputError, match=r"outside the nanosecond range|unparseable timestamps"):
        mrr_bridge(SUBS.assign(start=["9999-12-31", "2024-01-15", "2024-02-01"]))


# --------------------------------------------------------------------------- item 4: time zones
def test_tz_aware_as_of_on_naive_data_is_refused_everywhere() -> None:
    from saasmetrics.health import account_features
    from saasmetrics.retention import cohort_table
    from saasmetrics.unit_economics import rfm_summary

    aware = pd.Timestamp("2024-03-01", tz="UTC")
    events = EVENTS.assign(account_id="x")
    tx = EVENTS.rename(columns={"user_id": "customer_id"})
    calls = {
        "churn_labels": lambda: churn_labels(SUBS, as_of=aware),
        "mrr_bridge": lambda: mrr_bridge(SUBS, as_of=aware),
        "cohort_table": lambda: cohort_table(EVENTS, as_of=aware),
        "account_features": lambda: account_features(events, as_of=aware),
        "rfm_summary": lambda: rfm_summary(tx, observation_end=aware),
    }
    for name, call in calls.items():
        with pytest.raises(SchemaError, match="tz-aware"):
            call()
        assert name


def test_tz_aware_as_of_is_converted_to_the_datas_zone() -> None:
    paris = SUBS.assign(
        start=SUBS["start"].dt.tz_localize("Europe/Paris"),
        end=SUBS["end"].dt.tz_localize("Europe/Paris"),
    )
    # 2024-03-31 23:30 in Paris (summer time) is 21:30 UTC: the same instant either way
    in_utc = mrr_bridge(paris, as_of=pd.Timestamp("2024-03-31 21:30", tz="UTC"))
    in_paris = mrr_bridge(paris, as_of=pd.Timestamp("2024-03-31 23:30", tz="Europe/Paris"))
    pd.testing.assert_frame_equal(in_utc.to_frame(), in_paris.to_frame())
    naive = mrr_bridge(paris, as_of="2024-03-31 23:30")  # naive: the data's wall clock
    pd.testing.assert_frame_equal(naive.to_frame(), in_paris.to_frame())


def test_naive_and_tz_aware_columns_in_one_table_are_refused() -> None:
    from saasmetrics.unit_economics import mrr_from_invoices

    mixed = SUBS.assign(end=SUBS["end"].dt.tz_localize("UTC"))
    with pytest.raises(SchemaError, match=r"\['end'\] hold tz-aware timestamps but \['start'\]"):
        mrr_bridge(mixed)
    with pytest.raises(SchemaError, match="tz-aware"):
        churn_labels(mixed, as_of="2024-03-01")
    invoices = pd.DataFrame(
        {
            "customer_id": ["a"],
            "amount": [10.0],
            "period_start": pd.to_datetime(["2024-01-01"]),
            "period_end": pd.to_datetime(["2024-02-01"]).tz_localize("UTC"),
        }
    )
    with pytest.raises(SchemaError, match="tz-aware"):
        mrr_from_invoices(invoices)


# --------------------------------------------------------------------------- item 8: range
@pytest.mark.parametrize("when", ["3000-01-01", "1500-01-01", pd.Timestamp("2263-01-01")])
def test_out_of_range_options_are_parameter_errors(when: object) -> None:
    from saasmetrics.datasets import make_saas_company
    from saasmetrics.health import account_features, time_split
    from saasmetrics.retention import cohort_table
    from saasmetrics.unit_economics import rfm_summary

    tx = EVENTS.rename(columns={"user_id": "customer_id"})
    calls = [
        lambda: churn_labels(SUBS, as_of=when),
        lambda: mrr_bridge(SUBS, as_of=when),
        lambda: cohort_table(EVENTS, as_of=when),
        lambda: account_features(EVENTS.assign(account_id="x"), as_of=when),
        lambda: rfm_summary(tx, observation_end=when),
        lambda: rfm_summary(tx, calibration_end=when),
        lambda: time_split(pd.DataFrame({"as_of": pd.to_datetime(["2024-01-01"])}), test_from=when),
        lambda: make_saas_company(50, start=when),
    ]
    for call in calls:
        with pytest.raises(ParameterError):
            call()


# --------------------------------------------------------------------------- item 5: ids
def test_mixed_int_and_text_ids_are_one_rule_everywhere() -> None:
    from saasmetrics.unit_economics import rfm_summary

    text = SUBS.assign(customer_id=["7", "b", "c"])
    mixed = SUBS.assign(customer_id=pd.array([7, "b", "c"], dtype=object))
    floaty = SUBS.assign(customer_id=pd.array([7.0, "b", "c"], dtype=object))
    expected = churn_labels(text, as_of="2024-03-01")
    for frame in (mixed, floaty):
        pd.testing.assert_series_equal(churn_labels(frame, as_of="2024-03-01"), expected)
        got = mrr_bridge(frame).customers
        pd.testing.assert_frame_equal(got, mrr_bridge(text).customers)
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([7, "7", 7.0, "b"], dtype=object),
            "timestamp": ["2024-01-01", "2024-01-05", "2024-01-09", "2024-01-02"],
        }
    )
    assert rfm_summary(tx).loc["7", "frequency"] == 2  # three purchases of one customer


def test_uniform_ids_keep_their_type() -> None:
    ints = SUBS.assign(customer_id=[1, 2, 3])
    assert churn_labels(ints, as_of="2024-03-01").index.dtype.kind == "i"


def test_a_channel_number_in_one_table_and_text_in_another_is_one_channel() -> None:
    from saasmetrics.attribution import channel_report

    sessions = pd.DataFrame(
        {
            "user_id": ["u", "v"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "channel": [1, 2],
            "pageviews": [1, 2],
            "duration_s": [0, 30],
        }
    )
    spend = pd.DataFrame({"channel": ["1", "2"], "amount": [10.0, 20.0]})
    table = channel_report(sessions, spend=spend).to_frame()
    assert table["cost"].sum() == 30.0
    assert sorted(table["channel"].astype(str)) == ["1", "2"]


# --------------------------------------------------------------------------- item 9: options
def test_numpy_integers_are_accepted_where_ints_are() -> None:
    from saasmetrics.attribution import MarkovModel, attribute, choose_order
    from saasmetrics.funnel import paths
    from tests.contract.fuzz_recipes import events, journeys_obj

    j = journeys_obj()
    a = attribute(j, MarkovModel(order=np.int64(2)))  # type: ignore[arg-type]
    b = attribute(j, MarkovModel(order=2))
    assert a.to_json() == b.to_json()
    pd.testing.assert_frame_equal(
        choose_order(j, max_order=np.int64(2), n_folds=np.int64(2)),  # type: ignore[arg-type]
        choose_order(j, max_order=2, n_folds=2),
    )
    assert (
        paths(events(), max_steps=np.int64(3)).to_json()  # type: ignore[arg-type]
        == paths(events(), max_steps=3).to_json()
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: __import__("saasmetrics.health", fromlist=["x"]).evaluate_risk(
                [0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], n_bins=0
            ),
            "n_bins",
        ),
        (
            lambda: __import__("saasmetrics.health", fromlist=["x"]).evaluate_risk(
                [0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], n_bins=float("nan")
            ),
            "n_bins",
        ),
        (
            lambda: __import__("saasmetrics.retention", fromlist=["x"]).lifecycle_stages(
                [1.0, 0.5, 0.4, 0.35], shock_drop=float("nan")
            ),
            "shock_drop",
        ),
        (
            lambda: __import__("saasmetrics.retention", fromlist=["x"]).kaplan_meier(
                [1, 2, 3], confidence_level="high"
            ),
            "confidence_level",
        ),
    ],
)
def test_numeric_options_are_validated(call: Any, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        call()


def test_huge_options_are_refused_or_bounded_before_allocating() -> None:
    from saasmetrics.attribution import choose_order
    from saasmetrics.funnel import paths
    from saasmetrics.retention import magic_number_search
    from saasmetrics.unit_economics import project_revenue
    from tests.contract.fuzz_recipes import events, journeys_obj

    with pytest.raises(ParameterError, match="n_folds"):
        choose_order(journeys_obj(), n_folds=10**6)
    with pytest.raises(ParameterError, match="max_order"):
        choose_order(journeys_obj(), max_order=10**12)
    with pytest.raises(ParameterError, match="max_threshold"):
        magic_number_search(events(), signup_event="signup", max_threshold=10**12)
    with pytest.raises(ParameterError, match="periods"):
        project_revenue(1000.0, 50.0, 0.05, periods=10**12)
    # a max_steps beyond every history cuts nothing: the same paths, no huge allocation
    assert paths(events(), max_steps=10**12).table.equals(paths(events(), max_steps=50).table)


# --------------------------------------------------------------------------- item 13: weeks
def test_rfm_weekly_resolution_uses_monday_weeks() -> None:
    from saasmetrics.unit_economics import rfm_summary

    # 2024-01-07 is a Sunday, 2024-01-08 a Monday: two calendar weeks (epoch-aligned 7-day
    # buckets started on Thursdays and merged them); Monday 8 and Sunday 14 are one week
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-07", "2024-01-08", "2024-01-08", "2024-01-14"]
            ),
        }
    )
    out = rfm_summary(tx, resolution="7D", observation_end="2024-02-01")
    assert out.loc["a", "frequency"] == 1  # week of Jan 1, then week of Jan 8
    assert out.loc["b", "frequency"] == 0  # Monday and Sunday of one week
    daily = rfm_summary(tx, observation_end="2024-02-01")
    assert daily.loc["a", "frequency"] == 2  # "1D" unchanged: calendar days


# --------------------------------------------------------------------------- property: ids
def _id_forms() -> Any:
    from hypothesis import strategies as st

    return st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(["int", "float", "text"])),
        min_size=3,
        max_size=12,
    )


try:
    from hypothesis import given

    @given(rows=_id_forms())
    def test_an_id_written_as_7_7_0_or_text_is_one_customer(rows: list[tuple[int, str]]) -> None:
        """Whatever mix of 7, 7.0 and "7" an export writes, the labels are those of the text."""
        forms = {"int": int, "float": float, "text": str}
        written = pd.array([forms[kind](i) for i, kind in rows], dtype=object)
        n = len(rows)
        subs = pd.DataFrame(
            {
                "customer_id": written,
                "start": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="D"),
                "end": [pd.NaT if i % 2 else pd.Timestamp("2024-02-10") for i, _ in rows],
                "mrr": np.arange(1, n + 1, dtype=float),
            }
        )
        as_text = subs.assign(customer_id=[str(i) for i, _ in rows])
        got = churn_labels(subs, as_of="2024-02-01")
        expected = churn_labels(as_text, as_of="2024-02-01")
        if {kind for _, kind in rows} == {"text"}:
            pd.testing.assert_series_equal(got, expected)
        else:
            # one kind throughout keeps its type (7 or 7.0): compare the ids' values
            shown = [str(int(v)) if isinstance(v, float) else str(v) for v in got.index]
            assert shown == expected.index.tolist()
            assert got.tolist() == expected.tolist()
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass
