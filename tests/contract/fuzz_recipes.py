"""Valid calls of the public API, described well enough to corrupt them (see test_fuzz.py).

A :class:`Call` names the function, its arguments by parameter name, which arguments are
tables (and which keyword names which column of them), and which arguments are instants
(``as_of`` and the like). ``test_fuzz.py`` derives every corruption from that description, so
a new function needs only a recipe here to be fuzzed as thoroughly as the rest; a public name
without one still gets the generic checks and is listed by ``test_recipe_coverage_is_listed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class Table:
    """One table argument: keyword -> column it names, and the roles of those columns."""

    columns: dict[str, str]
    ids: tuple[str, ...] = ()  # keywords naming id/label columns
    times: tuple[str, ...] = ()  # keywords naming timestamp columns
    end: str | None = None  # keyword naming an end column where null means "no end"
    optional: tuple[str, ...] = ()  # keywords that may be None
    # keywords of a configuration model (pydantic: its own ValidationError on a bad value, see
    # the generic checks): the values of their columns are corrupted, the keyword is not
    fixed: tuple[str, ...] = ()


@dataclass
class Call:
    """A valid call: ``fn(*positional, **kwargs)`` with its tables and instants described."""

    fn: Callable[..., Any]
    kwargs: dict[str, Any]
    positional: tuple[str, ...] = ()  # names in kwargs passed positionally, in order
    tables: dict[str, Table] = field(default_factory=dict)
    instants: tuple[str, ...] = ()
    naive: bool = True  # the tables' timestamps are naive
    slow: bool = False  # each call fits a model: fuzz only the options refused before fitting

    def run(self, **changes: Any) -> Any:
        """Call with some arguments replaced (``changes``)."""
        merged = {**self.kwargs, **changes}
        args = [merged.pop(name) for name in self.positional]
        return self.fn(*args, **merged)


T0 = pd.Timestamp("2024-01-01")


def events() -> pd.DataFrame:
    rows = []
    for u in range(12):
        start = T0 + pd.Timedelta(hours=7 * u)
        rows.append((f"u{u}", f"acc{u % 4}", start, "signup"))
        rows += [
            (f"u{u}", f"acc{u % 4}", start + pd.Timedelta(hours=1 + k), "invite")
            for k in range(u % 3)
        ]
        rows.append((f"u{u}", f"acc{u % 4}", start + pd.Timedelta(days=3), "create_project"))
        if u % 3:
            rows.append((f"u{u}", f"acc{u % 4}", start + pd.Timedelta(days=8), "login"))
            rows.append((f"u{u}", f"acc{u % 4}", start + pd.Timedelta(days=16), "subscribe"))
    return pd.DataFrame(rows, columns=["user_id", "account_id", "timestamp", "event"])


def subscriptions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["acc0", "acc1", "acc2", "acc3", "acc0"],
            "start": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-01-10", "2024-01-12", "2024-03-01"]
            ),
            "end": pd.to_datetime([None, "2024-02-20", None, "2024-03-15", None]),
            "mrr": [100.0, 50.0, 80.0, 30.0, 120.0],
        }
    )


def invoices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "amount": [120.0, 120.0, 600.0],
            "period_start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"]),
            "period_end": pd.to_datetime(["2024-02-01", "2024-03-01", "2025-01-15"]),
        }
    )


def transactions() -> pd.DataFrame:
    # 60 customers: customer i buys (i % 6) times after a first purchase, every 9 + i % 5 days
    ids, days = [], []
    for i in range(60):
        first = i % 40
        for k in range((i % 6) + 1):
            ids.append(f"c{i}")
            days.append(first + k * (9 + i % 5))
    amount = 10.0 + (np.arange(len(ids)) % 7) * 3.5
    return pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": T0 + pd.to_timedelta(np.asarray(days), unit="D"),
            "amount": amount,
        }
    )


def sessions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["u1", "u2", "u3", "u1", "u4"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05", "2024-01-06"]
            ),
            "channel": ["Email", "Paid Search", "Email", "Direct", "Organic Search"],
            "pageviews": [2, 1, 3, 1, 4],
            "duration_s": [30, 0, 45, 10, 60],
        }
    )


def conversions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["u1", "u3"],
            "timestamp": pd.to_datetime(["2024-01-07", "2024-01-08"]),
            "value": [99.0, 49.0],
        }
    )


def touchpoints() -> pd.DataFrame:
    return sessions()[["user_id", "timestamp", "channel"]]


def journeys_obj() -> Any:
    from saasmetrics.attribution import Journeys

    paths = pd.DataFrame(
        {
            "path": ["a > b", "b", "a > c > b", "c", "a"],
            "conversions": [2, 1, 1, 0, 1],
            "nulls": [1, 3, 0, 2, 2],
            "value": [20.0, 5.5, 9.0, 0.0, 3.0],
        }
    )
    return Journeys.from_paths(paths, value_col="value")


def accounts_table() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {"a": rng.normal(size=12), "b": rng.integers(0, 9, 12).astype(float)},
        index=pd.Index([f"acc{i}" for i in range(12)], name="account_id"),
    )


def rfm() -> pd.DataFrame:
    from saasmetrics.unit_economics import rfm_summary

    return rfm_summary(transactions(), amount_col="amount")


def lifetimes_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "days": [5, 8, 12, 20, 25, 30, 33, 40, 41, 50],
            "churned": [1, 1, 1, 0, 1, 1, 0, 1, 0, 0],
            "seats": [1, 2, 4, 5, 3, 2, 6, 1, 8, 3],
        }
    )


# Freireich et al. (1963): weeks of remission, 6-MP vs placebo (the survival tests' example)
WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
WEEKS += [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
RELAPSED = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0] + [1] * 21
ARM = ["6-MP"] * 21 + ["placebo"] * 21


def spend() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2023-12-15", "2024-01-01", "2024-02-01", "2024-02-10"]),
            "channel": ["Email", "Email", "Paid Search", "Email"],
            "amount": [40.0, 60.0, 90.0, 25.0],
        }
    )


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["acc0", "acc1", "acc2", "acc3"],
            "channel": ["Email", "Paid Search", "Email", "Organic Search"],
        }
    )


def cancelled_subscriptions() -> pd.DataFrame:
    out = subscriptions()
    out["cancelled_at"] = pd.to_datetime([None, "2024-02-02", None, "2024-03-01", None])
    return out


def _fitted_bg() -> Any:
    from saasmetrics.unit_economics import BetaGeoModel

    return BetaGeoModel(penalizer=0.01).fit(rfm())


EV_TABLE = Table(
    {"user_col": "user_id", "time_col": "timestamp", "event_col": "event"},
    ids=("user_col", "event_col"),
    times=("time_col",),
)
ACC_EV_TABLE = Table(
    {
        "account_col": "account_id",
        "user_col": "user_id",
        "time_col": "timestamp",
        "event_col": "event",
    },
    ids=("account_col", "user_col", "event_col"),
    times=("time_col",),
)
SUB_TABLE = Table(
    {"customer_col": "customer_id", "start_col": "start", "end_col": "end", "mrr_col": "mrr"},
    ids=("customer_col",),
    times=("start_col", "end_col"),
    end="end_col",
)
LIFE_TABLE = Table(
    {"customer_col": "customer_id", "start_col": "start", "end_col": "end"},
    ids=("customer_col",),
    times=("start_col", "end_col"),
    end="end_col",
)
SESSION_TABLE = Table(
    {"user_col": "user_id", "time_col": "timestamp", "channel_col": "channel"},
    ids=("user_col", "channel_col"),
    times=("time_col",),
)
CONV_TABLE = Table({"user_col": "user_id", "time_col": "timestamp"}, ids=("user_col",))


LIFETIME_TABLE = Table(
    {"customer_col": "customer_id", "start_col": "start", "end_col": "end"},
    ids=("customer_col",),
    times=("start_col", "end_col"),
    end="end_col",
)
SPEND_TABLE = Table(
    {"spend_date_col": "date", "spend_channel_col": "channel", "spend_amount_col": "amount"},
    ids=("spend_channel_col",),
    times=("spend_date_col",),
)
CUSTOMERS_TABLE = Table(
    {"customers_key": "customer_id", "channel_col": "channel"},
    ids=("customers_key", "channel_col"),
    optional=("customers_key",),
)
COX_TABLE = Table({"duration_col": "days", "event_col": "churned"})


def recipes() -> dict[str, Callable[[], Call]]:
    """Public name -> builder of a valid :class:`Call` of it."""
    from saasmetrics import attribution as at
    from saasmetrics import engagement as en
    from saasmetrics import funnel as fu
    from saasmetrics import health as he
    from saasmetrics import retention as re
    from saasmetrics import scale as sc
    from saasmetrics import unit_economics as ue

    rules = [he.NoUseRule(event="create_project", days=30), he.KeyUserInactiveRule(days=3)]
    return {
        # ---------------------------------------------------------------- funnel
        "funnel.funnel": lambda: Call(
            fu.funnel,
            {"events": events(), "steps": ["signup", "create_project", "subscribe"]},
            positional=("events", "steps"),
            tables={"events": EV_TABLE},
        ),
        "funnel.paths": lambda: Call(
            fu.paths,
            {"events": events(), "start": "signup", "goal": "subscribe"},
            positional=("events",),
            tables={"events": EV_TABLE},
        ),
        "funnel.conversion_paths": lambda: Call(
            fu.conversion_paths,
            {"events": events(), "goal": "subscribe"},
            positional=("events", "goal"),
            tables={"events": EV_TABLE},
        ),
        # ---------------------------------------------------------------- retention
        "retention.cohort_table": lambda: Call(
            re.cohort_table,
            {"events": events(), "freq": "W"},
            positional=("events",),
            tables={"events": EV_TABLE},
            instants=("as_of",),
        ),
        "retention.magic_number_search": lambda: Call(
            re.magic_number_search,
            {"events": events(), "signup_event": "signup", "max_threshold": 3},
            positional=("events",),
            tables={"events": EV_TABLE},
            instants=("as_of",),
        ),
        "retention.feature_retention": lambda: Call(
            re.feature_retention,
            {"events": events(), "features": ["invite"], "signup_event": "signup"},
            positional=("events", "features"),
            tables={"events": EV_TABLE},
            instants=("as_of",),
        ),
        "retention.kaplan_meier": lambda: Call(
            re.kaplan_meier,
            {
                "durations": np.array([1, 2, 2, 3, 5, 8.0]),
                "observed": np.array([True, True, False, True, False, True]),
            },
            positional=("durations", "observed"),
        ),
        "retention.lifecycle_stages": lambda: Call(
            re.lifecycle_stages,
            {"curve": [1.0, 0.45, 0.33, 0.27, 0.24, 0.23, 0.225, 0.22]},
            positional=("curve",),
        ),
        "retention.ShiftedBetaGeometricModel": lambda: Call(
            lambda confidence_level=0.95: re.ShiftedBetaGeometricModel(
                confidence_level=confidence_level
            ).fit([1000, 869, 743, 653, 593, 551, 517, 491]),
            {},
        ),
        "retention.CoxModel": lambda: Call(
            lambda frame, duration_col="days", event_col="churned", penalizer=0.1, level=0.95: (
                re.CoxModel(penalizer=penalizer, confidence_level=level).fit(
                    frame, duration_col, event_col
                )
            ),
            {"frame": lifetimes_frame()},
            tables={"frame": COX_TABLE},
        ),
        "retention.cumulative_incidence": lambda: Call(
            re.cumulative_incidence,
            {
                "durations": np.array([1, 2, 2, 3, 4, 5, 6, 6.0]),
                "event_type": np.array([1, 2, 1, 0, 1, 0, 2, 1]),
                "groups": np.array(["a", "a", "b", "b", "a", "b", "a", "b"]),
                "censored": 0,
                "confidence_level": 0.95,
            },
            positional=("durations", "event_type"),
        ),
        "retention.logrank_test": lambda: Call(
            re.logrank_test,
            {
                "durations": WEEKS,
                "observed": RELAPSED,
                "groups": ARM,
                "weighting": "fleming-harrington",
                "p": 1.0,
                "q": 0.5,
            },
            positional=("durations", "observed", "groups"),
        ),
        "retention.restricted_mean_survival_time": lambda: Call(
            re.restricted_mean_survival_time,
            {
                "durations": WEEKS,
                "observed": RELAPSED,
                "tau": 20.0,
                "groups": ARM,
                "reference": "placebo",
                "confidence_level": 0.95,
            },
            positional=("durations", "observed"),
        ),
        "retention.subscription_lifetimes": lambda: Call(
            re.subscription_lifetimes,
            {"subscriptions": subscriptions(), "as_of": "2024-04-01", "gap": "7D"},
            positional=("subscriptions",),
            tables={"subscriptions": LIFETIME_TABLE},
            instants=("as_of", "observed_from"),
        ),
        # ---------------------------------------------------------------- health
        "health.churn_labels": lambda: Call(
            he.churn_labels,
            {"subscriptions": subscriptions(), "as_of": "2024-02-01"},
            positional=("subscriptions",),
            tables={"subscriptions": SUB_TABLE},
            instants=("as_of",),
        ),
        "health.account_features": lambda: Call(
            he.account_features,
            {"events": events(), "subscriptions": subscriptions(), "as_of": "2024-02-01"},
            positional=("events", "subscriptions"),
            tables={"events": ACC_EV_TABLE, "subscriptions": SUB_TABLE},
            instants=("as_of",),
        ),
        "health.early_warnings": lambda: Call(
            he.early_warnings,
            {"events": events(), "rules": rules, "as_of": "2024-02-01"},
            positional=("events", "rules"),
            tables={"events": ACC_EV_TABLE},
            instants=("as_of",),
        ),
        "health.feature_snapshots": lambda: Call(
            he.feature_snapshots,
            {
                "events": events(),
                "subscriptions": subscriptions(),
                "as_of": ["2024-01-20", "2024-02-01"],
                "paying_only": False,
            },
            positional=("events", "subscriptions"),
            tables={"subscriptions": SUB_TABLE},
        ),
        "health.time_split": lambda: Call(
            he.time_split,
            {
                "snapshots": pd.DataFrame(
                    {"as_of": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-01"])}
                ),
                "test_from": "2024-06-01",
                "horizon": "30D",
            },
            positional=("snapshots",),
            instants=("test_from",),
        ),
        "health.evaluate_risk": lambda: Call(
            he.evaluate_risk,
            {
                "churned": np.array([0, 0, 1, 0, 1, 0, 0, 1, 0, 0]),
                "risk": np.linspace(0.05, 0.95, 10),
            },
            positional=("churned", "risk"),
        ),
        "health.quadrants": lambda: Call(
            he.quadrants,
            {
                "health": pd.Series(np.linspace(10, 90, 12), index=accounts_table().index),
                "temperature": pd.Series(np.linspace(0, 1, 12), index=accounts_table().index),
            },
            positional=("health", "temperature"),
        ),
        "health.cs_composite": lambda: Call(
            he.cs_composite,
            {
                "outcome": pd.Series(np.linspace(10, 90, 12), index=accounts_table().index),
                "experience": pd.Series(np.linspace(90, 10, 12), index=accounts_table().index),
            },
            positional=("outcome", "experience"),
        ),
        "health.HealthScoreModel": lambda: Call(
            lambda accounts: (
                he.HealthScoreModel(
                    he.HealthConfig(
                        measures=[he.HealthMeasure(column="a"), he.HealthMeasure(column="b")]
                    )
                )
                .fit(accounts)
                .score(accounts)
            ),
            {"accounts": accounts_table()},
        ),
        "health.ChurnRiskModel": lambda: Call(
            lambda penalty=1e-4, confidence_level=0.95, max_iter=200: he.ChurnRiskModel(
                features=["x"],
                penalty=penalty,
                confidence_level=confidence_level,
                max_iter=max_iter,
            ).fit(pd.DataFrame({"x": np.linspace(-2, 2, 40), "churned": (np.arange(40) % 3 == 0)})),
            {},
        ),
        # ---------------------------------------------------------------- unit economics
        "unit_economics.mrr_bridge": lambda: Call(
            ue.mrr_bridge,
            {"data": subscriptions()},
            positional=("data",),
            tables={"data": SUB_TABLE},
            instants=("as_of",),
        ),
        "unit_economics.mrr_from_invoices": lambda: Call(
            ue.mrr_from_invoices,
            {"invoices": invoices()},
            positional=("invoices",),
            tables={
                "invoices": Table(
                    {
                        "customer_col": "customer_id",
                        "amount_col": "amount",
                        "start_col": "period_start",
                        "end_col": "period_end",
                    },
                    ids=("customer_col",),
                    times=("start_col", "end_col"),
                )
            },
        ),
        "unit_economics.rfm_summary": lambda: Call(
            ue.rfm_summary,
            {"transactions": transactions(), "amount_col": "amount"},
            positional=("transactions",),
            tables={
                "transactions": Table(
                    {
                        "customer_col": "customer_id",
                        "time_col": "timestamp",
                        "amount_col": "amount",
                    },
                    ids=("customer_col",),
                    times=("time_col",),
                    optional=("amount_col",),
                )
            },
            instants=("observation_end", "calibration_end"),
        ),
        "unit_economics.project_revenue": lambda: Call(
            ue.project_revenue,
            {"start_mrr": 1000.0, "new_mrr": 50.0, "churn_rate": 0.05, "periods": 6},
            positional=("start_mrr", "new_mrr", "churn_rate"),
        ),
        "unit_economics.BetaGeoModel": lambda: Call(
            lambda penalizer=0.01, confidence_level=0.95, max_iter=2000: ue.BetaGeoModel(
                penalizer=penalizer, confidence_level=confidence_level, max_iter=max_iter
            ).fit(rfm()),
            {},
            slow=True,
        ),
        "unit_economics.customer_lifetime_value": lambda: Call(
            ue.customer_lifetime_value,
            {"transaction_model": _fitted_bg(), "spend_model": 50.0, "rfm": rfm()},
            positional=("transaction_model", "spend_model", "rfm"),
        ),
        "unit_economics.calibration_holdout_split": lambda: Call(
            ue.calibration_holdout_split,
            {
                "transactions": transactions(),
                "calibration_end": "2024-04-01",
                "holdout_end": "2024-07-01",
                "amount_col": "amount",
            },
            positional=("transactions", "calibration_end", "holdout_end"),
            tables={
                "transactions": Table(
                    {
                        "customer_col": "customer_id",
                        "time_col": "timestamp",
                        "amount_col": "amount",
                    },
                    ids=("customer_col",),
                    times=("time_col",),
                    optional=("amount_col",),
                )
            },
            instants=("calibration_end", "holdout_end"),
        ),
        "unit_economics.check_spend_independence": lambda: Call(
            ue.check_spend_independence, {"rfm": rfm()}, positional=("rfm",)
        ),
        "unit_economics.saas_kpis": lambda: Call(
            ue.saas_kpis, {"bridge": ue.mrr_bridge(subscriptions())}, positional=("bridge",)
        ),
        "unit_economics.monthly_amount": lambda: Call(
            ue.monthly_amount, {"amount": 120.0, "interval": "year"}, positional=("amount",)
        ),
        "unit_economics.MRRPolicy": lambda: Call(
            lambda data, cancel_col="cancelled_at", **options: ue.mrr_bridge(
                data,
                policy=ue.MRRPolicy(
                    churn_recognition="cancellation",
                    cancel_col=cancel_col,
                    grouping_window="30D",
                ),
                **options,
            ),
            {"data": cancelled_subscriptions(), "as_of": "2024-04-01"},
            positional=("data",),
            tables={
                "data": Table(
                    {**SUB_TABLE.columns, "cancel_col": "cancelled_at"},
                    ids=("customer_col",),
                    times=("start_col", "end_col", "cancel_col"),
                    end="end_col",
                    fixed=("cancel_col",),
                )
            },
            instants=("as_of",),
        ),
        "unit_economics.revenue_cohorts": lambda: Call(
            ue.revenue_cohorts,
            {"subscriptions": subscriptions(), "as_of": "2024-04-01"},
            positional=("subscriptions",),
            tables={"subscriptions": SUB_TABLE},
            instants=("as_of",),
        ),
        "unit_economics.arr_layers": lambda: Call(
            ue.arr_layers,
            {"subscriptions": subscriptions(), "freq": "QS", "as_of": "2024-07-01"},
            positional=("subscriptions",),
            tables={"subscriptions": SUB_TABLE},
            instants=("as_of",),
        ),
        "unit_economics.ltv_curves": lambda: Call(
            ue.ltv_curves,
            {
                "data": subscriptions(),
                "spend": spend(),
                "by": "channel",
                "customers": customers(),
                "horizon": "6MS",
                "as_of": "2024-04-01",
                "margin": 0.8,
            },
            positional=("data", "spend"),
            tables={"data": SUB_TABLE, "spend": SPEND_TABLE, "customers": CUSTOMERS_TABLE},
            instants=("as_of",),
        ),
        "unit_economics.cac_payback_by_cohort": lambda: Call(
            ue.cac_payback_by_cohort,
            {
                "data": subscriptions(),
                "spend": spend(),
                "customers": customers(),
                "horizon": "6MS",
                "as_of": "2024-04-01",
                "margin": 0.8,
            },
            positional=("data", "spend"),
            tables={"data": SUB_TABLE, "spend": SPEND_TABLE, "customers": CUSTOMERS_TABLE},
            instants=("as_of",),
        ),
        # ---------------------------------------------------------------- engagement
        "engagement.active_users": lambda: Call(
            en.active_users,
            {
                "events": events(),
                "windows": {"DAU": "1D", "WAU": "7D"},
                "as_of": "2024-01-20",
                "active_event": ["invite", "login"],  # so event_col is read
            },
            positional=("events",),
            tables={"events": EV_TABLE},
            instants=("as_of",),
        ),
        "engagement.stickiness": lambda: Call(
            en.stickiness,
            {
                "events": events(),
                "period": "W",
                "as_of": "2024-01-20",
                "active_event": ["invite", "login"],  # so event_col is read
            },
            positional=("events",),
            tables={"events": EV_TABLE},
            instants=("as_of",),
        ),
        "engagement.lifecycle": lambda: Call(
            en.lifecycle,
            {"events": events(), "freq": "W", "new_event": "signup", "start": "2024-01-01"},
            positional=("events",),
            tables={"events": EV_TABLE},
            instants=("start", "end"),
        ),
        "engagement.growth_accounting": lambda: Call(
            en.growth_accounting,
            {
                "frame": transactions(),
                "freq": "MS",
                "value_col": "amount",
                "user_col": "customer_id",
            },
            positional=("frame",),
            tables={
                "frame": Table(
                    {"user_col": "customer_id", "time_col": "timestamp", "value_col": "amount"},
                    ids=("user_col",),
                    times=("time_col",),
                    optional=("value_col",),
                )
            },
        ),
        "engagement.feature_adoption": lambda: Call(
            en.feature_adoption,
            {"events": events(), "features": ["invite", "login"], "freq": "W"},
            positional=("events", "features"),
            tables={"events": EV_TABLE},
        ),
        # ---------------------------------------------------------------- scale
        "scale.run": lambda: Call(
            lambda events, **columns: sc.run(
                sc.analysis(fu.funnel, steps=["signup", "create_project", "subscribe"], **columns),
                events,
            ),
            {"events": events()},
            positional=("events",),
            tables={"events": EV_TABLE},
        ),
        # ---------------------------------------------------------------- attribution
        "attribution.channel_report": lambda: Call(
            at.channel_report,
            {"sessions": sessions(), "conversions": conversions()},
            positional=("sessions", "conversions"),
            tables={"sessions": SESSION_TABLE, "conversions": CONV_TABLE},
        ),
        "attribution.channel_funnel": lambda: Call(
            at.channel_funnel,
            {"sessions": touchpoints(), "conversions": conversions()},
            positional=("sessions",),
            tables={"sessions": SESSION_TABLE, "conversions": CONV_TABLE},
        ),
        "attribution.journeys": lambda: Call(
            at.journeys,
            {"touchpoints": touchpoints(), "conversions": conversions()},
            positional=("touchpoints", "conversions"),
            tables={"touchpoints": SESSION_TABLE, "conversions": CONV_TABLE},
        ),
        "attribution.attribute": lambda: Call(
            at.attribute,
            {"journeys": journeys_obj(), "model": at.MarkovModel()},
            positional=("journeys", "model"),
        ),
        "attribution.compare_models": lambda: Call(
            at.compare_models, {"journeys": journeys_obj()}, positional=("journeys",)
        ),
        "attribution.choose_order": lambda: Call(
            at.choose_order,
            {"journeys": journeys_obj(), "max_order": 2, "n_folds": 2},
            positional=("journeys",),
        ),
        "attribution.MarkovModel": lambda: Call(
            lambda order=1: at.attribute(journeys_obj(), at.MarkovModel(order=order)), {}
        ),
        "attribution.ShapleyModel": lambda: Call(
            lambda max_exact=20, n_samples=2000: at.attribute(
                journeys_obj(), at.ShapleyModel(max_exact=max_exact, n_samples=n_samples)
            ),
            {},
        ),
        "attribution.PositionBased": lambda: Call(
            lambda first=0.4, last=0.4: at.attribute(
                journeys_obj(), at.PositionBased(first=first, last=last)
            ),
            {},
        ),
        "attribution.parse_utm": lambda: Call(
            at.parse_utm,
            {"urls": pd.Series(["https://a.io/?utm_source=google&utm_medium=cpc"])},
            positional=("urls",),
        ),
        # ---------------------------------------------------------------- datasets
        "datasets.make_saas_company": lambda: Call(
            lambda n_accounts=60, seed=0, months=3, start="2024-01-01": __import__(
                "saasmetrics.datasets", fromlist=["make_saas_company"]
            ).make_saas_company(n_accounts, seed=seed, months=months, start=start),
            {},
            instants=("start",),
        ),
    }
