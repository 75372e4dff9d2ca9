"""MRR bridge policies: ChartMogul's worked examples, each switch, the identity under all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import ValidationError

from saasmetrics.exceptions import InputError, MissingColumnError, ParameterError
from saasmetrics.unit_economics import (
    MRRPolicy,
    monthly_amount,
    mrr_bridge,
    revenue_cohorts,
    saas_kpis,
)
from tests.unit_economics.test_bridge import COLUMNS, _frame, rows_strategy


def _subs(*rows: tuple, **extra: list) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "start": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "end": pd.to_datetime([r[2] for r in rows], format="ISO8601"),
            "mrr": [float(r[3]) for r in rows],
        }
    )
    for name, values in extra.items():
        frame[name] = values
    return frame


def _movements(bridge: object) -> list[tuple[str, str, float]]:
    mv = bridge.movements  # type: ignore[attr-defined]
    return [
        (str(p.date()), str(k), round(float(c), 2))
        for p, k, c in zip(mv["period"], mv["kind"], mv["change"], strict=True)
    ]


# --------------------------------------------------------------------------- ChartMogul
def _syncalytics() -> pd.DataFrame:
    """ChartMogul's customer lifecycle example ("Syncalytics", Gold $50/$500, Silver $30/$300).

    https://help.chartmogul.com/hc/en-us/articles/201244842 : four Gold yearly plans billed
    $2,000 (new business $166.67); a few days later two Silver monthly plans, $60 (expansion);
    two weeks later the Silver subscription is cancelled mid-cycle (contraction, since Gold is
    still active); near the end of the year Gold is cancelled, churned at the end of the paid
    year; then three Gold monthly plans, $150 (reactivation).
    """
    return _subs(
        ("syncalytics", "2024-01-10", "2025-01-10", monthly_amount(2000, "year")),
        ("syncalytics", "2024-01-14", "2024-02-14", 2 * 30),
        ("syncalytics", "2025-02-03", None, 3 * 50),
        cancelled_at=pd.to_datetime(["2024-12-20", "2024-01-28", None]),
    )


def test_chartmogul_lifecycle_example_movements() -> None:
    bridge = mrr_bridge(_syncalytics(), freq="D", as_of="2025-03-01", policy=MRRPolicy.chartmogul())
    assert _movements(bridge) == [
        ("2024-01-10", "new", 166.67),
        ("2024-01-14", "expansion", 60.0),
        ("2024-02-14", "contraction", -60.0),  # at the end of the paid month
        ("2025-01-10", "churned", -166.67),  # "at the end of the current billing period"
        ("2025-02-03", "reactivation", 150.0),
    ]
    # recognising churn at cancellation moves the contraction and the churn to the request
    at_cancel = mrr_bridge(
        _syncalytics(),
        freq="D",
        as_of="2025-03-01",
        policy=MRRPolicy.chartmogul().model_copy(update={"churn_recognition": "cancellation"}),
    )
    assert [m[:2] for m in _movements(at_cancel)][2:4] == [
        ("2024-01-28", "contraction"),
        ("2024-12-20", "churned"),
    ]
    monthly = mrr_bridge(_syncalytics(), as_of="2025-03-01", policy=MRRPolicy.chartmogul())
    cents = monthly.to_frame(cents=True)
    assert (cents[list(COLUMNS[:-1])].sum(axis=1) == cents["ending"]).all()


def test_chartmogul_customer_churn_rate_example() -> None:
    """100 customers at the start of the month, 11 cancel, one of whom joined that month.

    ChartMogul's B2B formula leaves the joiner out: 10 / 100 = 10%
    (https://help.chartmogul.com/hc/en-us/articles/203359321-Metric-Customer-Churn-rate).
    """
    rows = [(f"c{i:03d}", "2023-11-15", None, 10) for i in range(90)]
    rows += [(f"c{i:03d}", "2023-11-15", "2024-01-20", 10) for i in range(90, 100)]
    rows += [("joiner", "2024-01-05", "2024-01-25", 10)]
    data = _subs(*rows)
    for policy in (MRRPolicy.chartmogul(), None, MRRPolicy.profitwell()):
        bridge = mrr_bridge(data, as_of="2024-02-01", policy=policy)
        kpis = saas_kpis(bridge)
        assert kpis.loc["2024-01-01", "logo_churn_rate"] == pytest.approx(0.10)
        counts = bridge.customers.loc["2024-01-01"]
        assert counts["starting"] == 100
        expected = 11 if policy is not None and policy.count_same_period_churn else 10
        assert counts["churned"] == expected
        assert counts["new"] == expected - 10
        assert counts["ending"] == 90


def test_chartmogul_smart_activity_classification_groups_within_60_minutes() -> None:
    # new business at 23:30 on 31 January, upgraded 55 minutes later (1 February)
    data = _subs(
        ("a", "2024-01-31 23:30", "2024-02-01 00:25", 50),
        ("a", "2024-02-01 00:25", None, 80),
    )
    plain = mrr_bridge(data, as_of="2024-03-01")
    assert _movements(plain) == [("2024-01-01", "new", 50.0), ("2024-02-01", "expansion", 30.0)]
    grouped = mrr_bridge(data, as_of="2024-03-01", policy=MRRPolicy.chartmogul())
    assert _movements(grouped) == [("2024-01-01", "new", 80.0)]
    # a cancel-and-resubscribe across a month end within the window is no churn
    again = _subs(("b", "2024-01-10", "2024-01-31 23:50", 40), ("b", "2024-02-01 00:10", None, 40))
    # without grouping, b is not paying at the end of January (a 20-minute gap)
    assert _movements(mrr_bridge(again, as_of="2024-03-01")) == [("2024-02-01", "new", 40.0)]
    grouped_again = mrr_bridge(again, as_of="2024-03-01", policy=MRRPolicy.chartmogul())
    assert _movements(grouped_again) == [("2024-01-01", "new", 40.0)]
    gap = _subs(("b", "2024-01-10", "2024-02-29 23:30", 40), ("b", "2024-03-01 00:20", None, 40))
    assert [m[1] for m in _movements(mrr_bridge(gap, as_of="2024-04-01", freq="D"))] == [
        "new",
        "churned",
        "reactivation",
    ]
    assert [
        m[1]
        for m in _movements(
            mrr_bridge(gap, as_of="2024-04-01", freq="D", policy=MRRPolicy.chartmogul())
        )
    ] == ["new"]


# --------------------------------------------------------------------------- switches
def test_profitwell_ignores_same_month_new_and_churn_and_pauses_drop_to_zero() -> None:
    data = _subs(
        ("a", "2024-01-05", "2024-01-25", 30),  # joins and leaves in January
        ("b", "2024-01-03", "2024-03-01", 20),
        ("b", "2024-03-01", "2024-05-01", 20),  # paused March-April
        ("b", "2024-05-01", None, 20),
        paused=[False, False, True, False],
    )
    pw = mrr_bridge(data, as_of="2024-06-01", policy=MRRPolicy.profitwell())
    assert _movements(pw) == [
        ("2024-01-01", "new", 20.0),
        ("2024-03-01", "churned", -20.0),
        ("2024-05-01", "reactivation", 20.0),
    ]
    cm = mrr_bridge(data, as_of="2024-06-01", policy=MRRPolicy.chartmogul())
    assert _movements(cm) == [
        ("2024-01-01", "new", 30.0),
        ("2024-01-01", "churned", -30.0),
        ("2024-01-01", "new", 20.0),
    ]
    assert cm.customers.loc["2024-01-01", "new"] == 2
    assert cm.n_intra_period == pw.n_intra_period == 1


def test_chartmogul_keeps_customers_on_a_free_plan_active() -> None:
    """Free customer handling: a paying customer moving to $0 stays Active (ChartMogul default).

    https://help.chartmogul.com/hc/en-us/articles/15384089786524-Configuring-Subscription-Analytics-settings
    Baremetrics counts the same move as a cancellation
    (https://help.baremetrics.com/en/articles/5380330-monthly-recurring-revenue).
    """
    data = _subs(
        ("a", "2024-01-05", "2024-04-01", 50),
        ("a", "2024-04-01", "2024-07-01", 0),  # free plan (or a 100% discount)
        ("b", "2024-01-05", "2024-03-01", 0),  # free first: a customer once paying
        ("b", "2024-03-01", None, 20),
        ("c", "2024-01-05", "2024-03-01", 30),
        ("c", "2024-03-01", "2024-05-01", 0),
        ("c", "2024-05-01", None, 45),  # back on a paid plan
    )
    cm = mrr_bridge(data, as_of="2024-09-01", policy=MRRPolicy.chartmogul())
    assert _movements(cm) == [
        ("2024-01-01", "new", 50.0),
        ("2024-04-01", "contraction", -50.0),
        ("2024-07-01", "churned", 0.0),  # leaves from the free plan
        ("2024-03-01", "new", 20.0),
        ("2024-01-01", "new", 30.0),
        ("2024-03-01", "contraction", -30.0),
        ("2024-05-01", "expansion", 45.0),
    ]
    assert cm.customers["ending"].tolist() == [2, 2, 3, 3, 3, 3, 2, 2]
    bm = mrr_bridge(data, as_of="2024-09-01", policy=MRRPolicy.baremetrics())
    assert [m[1] for m in _movements(bm)] == [
        "new",
        "churned",
        "new",
        "new",
        "churned",
        "reactivation",
    ]
    assert bm.customers["ending"].tolist() == [2, 2, 2, 1, 2, 2, 2, 2]
    for bridge in (cm, bm):
        cents = bridge.to_frame(cents=True)
        assert (cents[list(COLUMNS[:-1])].sum(axis=1) == cents["ending"]).all()
        pd.testing.assert_series_equal(cm.amounts["ending"], bridge.amounts["ending"])


def test_past_due_grace_churns_delinquent_subscriptions() -> None:
    data = _subs(
        ("a", "2024-01-05", None, 100),
        past_due_since=pd.to_datetime(["2024-03-10"]),
    )
    assert mrr_bridge(data, as_of="2024-07-01").to_frame()["churned"].sum() == 0
    bm = mrr_bridge(data, as_of="2024-07-01", policy=MRRPolicy.baremetrics())  # 30 days
    assert _movements(bm)[-1] == ("2024-04-01", "churned", -100.0)  # 9 April
    pw = mrr_bridge(data, as_of="2024-07-01", policy=MRRPolicy.profitwell())  # 15 days
    assert _movements(pw)[-1] == ("2024-03-01", "churned", -100.0)  # 25 March


def test_refunds_removed_and_fx_rates() -> None:
    data = _subs(
        ("a", "2024-01-05", None, 100),
        ("b", "2024-01-06", "2024-03-06", 50),
        refunded=[False, True],
        currency=["USD", "EUR"],
    )
    with pytest.raises(InputError, match="currencies"):
        mrr_bridge(data)
    rates = {"USD": 1.0, "EUR": 1.1}
    kept = mrr_bridge(data, as_of="2024-04-01", policy=MRRPolicy(fx_rates=rates))
    assert kept.to_frame()["new"].iloc[0] == pytest.approx(155.0)
    removed = mrr_bridge(
        data, as_of="2024-04-01", policy=MRRPolicy(fx_rates=rates, refunds="remove")
    )
    assert removed.to_frame()["ending"].tolist() == [100.0, 100.0, 100.0]
    with pytest.raises(InputError, match="No fx rate"):
        mrr_bridge(data, policy=MRRPolicy(fx_rates={"USD": 1.0}))


def test_policy_none_is_todays_behaviour_and_default_policy_equals_it() -> None:
    data = _subs(
        ("a", "2024-01-05", "2024-01-20", 30),
        ("b", "2024-01-03", "2024-03-01", 20),
        ("b", "2024-04-01", None, 25),
    )
    none = mrr_bridge(data, as_of="2024-06-01")
    default = mrr_bridge(data, as_of="2024-06-01", policy=MRRPolicy())
    pd.testing.assert_frame_equal(none.to_frame(cents=True), default.to_frame(cents=True))
    pd.testing.assert_frame_equal(none.movements, default.movements)
    assert none.to_json() == default.to_json()


def test_bad_policies() -> None:
    with pytest.raises(ValidationError):
        MRRPolicy(grouping_window="soon")
    with pytest.raises(ValidationError):
        MRRPolicy(fx_rates={"EUR": -1.0})
    with pytest.raises(ValidationError):
        MRRPolicy(churn_recognition="never")  # type: ignore[arg-type]
    data = _subs(("a", "2024-01-05", None, 100))
    with pytest.raises(ParameterError, match="MRRPolicy"):
        mrr_bridge(data, policy="chartmogul")  # type: ignore[arg-type]
    with pytest.raises(MissingColumnError, match="cancel_date"):
        mrr_bridge(
            data, policy=MRRPolicy(churn_recognition="cancellation", cancel_col="cancel_date")
        )
    assert MRRPolicy.model_validate_json(MRRPolicy.chartmogul().model_dump_json()) == (
        MRRPolicy.chartmogul()
    )


# --------------------------------------------------------------------------- identity
policy_strategy = st.builds(
    MRRPolicy,
    churn_recognition=st.sampled_from(["period_end", "cancellation"]),
    count_same_period_churn=st.booleans(),
    free_plan_churn=st.booleans(),
    refunds=st.sampled_from(["ignore", "remove"]),
    pauses=st.sampled_from(["keep", "churn"]),
    past_due_grace_days=st.one_of(st.none(), st.integers(0, 60).map(float)),
    grouping_window=st.sampled_from([None, "60min", "3D", "40D"]),
)


@given(
    rows=rows_strategy,
    policy=policy_strategy,
    flags=st.lists(st.integers(0, 15), min_size=30, max_size=30),
)
def test_bridge_balances_under_every_policy(rows: list, policy: MRRPolicy, flags: list) -> None:
    frame = _frame(rows)
    n = len(frame)
    f = np.asarray(flags[:n])
    frame["cancelled_at"] = frame["start"] + pd.to_timedelta(np.where(f % 3 == 0, f * 5, 0), "D")
    frame.loc[f % 3 != 0, "cancelled_at"] = pd.NaT
    frame["paused"] = f % 4 == 1
    frame["refunded"] = f % 5 == 2
    frame["past_due_since"] = frame["start"] + pd.to_timedelta(f * 7, "D")
    frame.loc[f % 2 == 0, "past_due_since"] = pd.NaT
    try:
        bridge = mrr_bridge(frame, as_of="2025-06-30", policy=policy)
    except InputError:  # a policy may leave no paying row at a period end
        event("no paying row left")
        return
    cents = bridge.to_frame(cents=True)
    assert (cents[list(COLUMNS[:-1])].sum(axis=1) == cents["ending"]).all()
    assert (cents["starting"].iloc[1:].to_numpy() == cents["ending"].iloc[:-1].to_numpy()).all()
    counts = bridge.customers
    balance = counts["starting"] + counts["new"] + counts["reactivation"] - counts["churned"]
    assert (balance == counts["ending"]).all()
    assert (cents["churned"] <= 0).all()
    assert (cents["new"] >= 0).all()
    # the movements table adds up to the bridge too
    moved = bridge.movements.groupby(["period", "kind"], observed=False)["change"].sum() * 100
    totals = cents[["new", "expansion", "contraction", "churned", "reactivation"]].stack()
    pd.testing.assert_series_equal(
        np.rint(moved).astype(np.int64).reindex(totals.index, fill_value=0),
        totals.astype(np.int64),
        check_names=False,
        check_index_type=False,
    )
    # revenue cohorts stay consistent with the bridge under the same policy
    t = revenue_cohorts(frame, as_of="2025-06-30", policy=policy).to_frame()
    per_period = np.rint(t["mrr"] * 100).astype(np.int64).groupby(t["period"]).sum()
    assert (per_period.reindex(cents.index, fill_value=0) == cents["ending"]).all()
