"""Health benchmarks: account_features and health scoring against idiomatic pandas."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics import config
from saasmetrics.health import HealthConfig, HealthMeasure, HealthScoreModel, account_features

AS_OF = pd.Timestamp("2025-07-01")
NAMES = np.array(
    ["login", "view_dashboard", "create_project", "create_report", "share_report",
     "invite_teammate", "connect_integration", "export_data", "support_ticket"]
)  # fmt: skip
CORE = ["create_project", "create_report", "share_report", "connect_integration", "export_data"]


def _events(n_events: int, n_accounts: int, seed: int = 0) -> pd.DataFrame:
    """Synthetic events over 18 months: integer ids, categorical event names (lean memory)."""
    rng = np.random.default_rng(seed)
    account = rng.integers(0, n_accounts, n_events)
    user = account * 8 + rng.integers(0, 8, n_events)  # up to 8 users per account
    start = pd.Timestamp("2024-01-01").value
    span = AS_OF.value - start
    time = start + (rng.random(n_events) * span).astype(np.int64)
    event = pd.Categorical.from_codes(
        rng.choice(NAMES.size, n_events, p=[0.3, 0.2, 0.05, 0.15, 0.05, 0.03, 0.02, 0.15, 0.05]),
        categories=NAMES,
    )
    return pd.DataFrame(
        {
            "account_id": account,
            "user_id": user,
            "timestamp": pd.to_datetime(time),
            "event": event,
        }
    )


def ours_features(events: pd.DataFrame) -> pd.DataFrame:
    return account_features(
        events, as_of=AS_OF, windows=["30D"], core_features=CORE, ticket_event=None
    )


def ours_features_on_all_cores(events: pd.DataFrame) -> pd.DataFrame:
    with config.threads("all"):
        return ours_features(events)


def pandas_features(events: pd.DataFrame) -> pd.DataFrame:
    """The same core columns the way an analyst would write them in pandas."""
    past = events[events["timestamp"] < AS_OF]
    age = AS_OF - past["timestamp"]
    day = (age - pd.Timedelta(1, "ns")) // pd.Timedelta(days=1)
    w = pd.Timedelta(days=30)
    cur = past[age <= w].assign(day=day[age <= w])
    prev = past[(age > w) & (age <= 2 * w)]
    by = past.groupby("account_id")
    out = pd.DataFrame(
        {
            "tenure_days": (AS_OF - by["timestamp"].min()) / pd.Timedelta(days=1),
            "users": by["user_id"].nunique(),
            "days_since_active": (AS_OF - by["timestamp"].max()) / pd.Timedelta(days=1),
        }
    )
    g = cur.groupby("account_id")
    out["active_days_30d"] = g["day"].nunique()
    out["events_30d"] = g.size()
    out["logins_30d"] = cur[cur["event"] == "login"].groupby("account_id").size()
    out["active_users_30d"] = g["user_id"].nunique()
    core = cur[cur["event"].isin(CORE)]
    out["core_features_30d"] = core.groupby("account_id", observed=True)["event"].nunique()
    user_days = cur.groupby(["account_id", "user_id"])["day"].nunique()
    out["deep_user_share_30d"] = (user_days >= 4).groupby(level=0).sum()
    out = out.fillna({c: 0 for c in out.columns if c.endswith("_30d")})
    out["deep_user_share_30d"] = out["deep_user_share_30d"] / out["users"]
    before = prev.groupby("account_id").size().reindex(out.index, fill_value=0)
    total = out["events_30d"] + before
    out["events_trend_30d"] = ((out["events_30d"] - before) / total.where(total > 0)).fillna(0.0)
    return out


def _check_features(ours: pd.DataFrame, name: str, theirs: Any) -> None:
    for col in theirs.columns:
        np.testing.assert_allclose(
            ours[col].to_numpy(dtype=float),
            theirs[col].reindex(ours.index).to_numpy(dtype=float),
            rtol=1e-9,
            err_msg=f"{name}: {col}",
        )


def _duckdb_features(events: pd.DataFrame) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    con.register("events", events)
    sql = f"""
    WITH past AS (
        SELECT account_id, user_id, event,
               epoch_ns(TIMESTAMP '{AS_OF}') - epoch_ns(timestamp) AS age
        FROM events WHERE timestamp < TIMESTAMP '{AS_OF}'
    ), cur AS (
        SELECT *, (age - 1) // 86400000000000 AS day FROM past WHERE age <= 30 * 86400000000000
    )
    SELECT p.account_id,
           max(p.age) / 86400e9 AS tenure_days,
           count(DISTINCT p.user_id) AS users,
           min(p.age) / 86400e9 AS days_since_active,
           coalesce(c.active_days, 0) AS active_days_30d,
           coalesce(c.events, 0) AS events_30d,
           coalesce(c.active_users, 0) AS active_users_30d
    FROM past p LEFT JOIN (
        SELECT account_id, count(DISTINCT day) AS active_days, count(*) AS events,
               count(DISTINCT user_id) AS active_users
        FROM cur GROUP BY account_id
    ) c USING (account_id)
    GROUP BY p.account_id, c.active_days, c.events, c.active_users
    """
    return con.sql(sql).df().set_index("account_id")


def _scoring_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "active_days_30d": rng.integers(0, 31, n).astype(float),
            "core_features_30d": rng.integers(0, 6, n).astype(float),
            "tickets_30d": rng.poisson(1.0, n).astype(float),
            "events_trend_30d": rng.uniform(-1, 1, n),
            "nps": rng.integers(-100, 101, n).astype(float),
        }
    )
    frame.loc[rng.random(n) < 0.05, "nps"] = np.nan  # surveys are sparse
    return frame


CONFIG = HealthConfig(
    measures=[
        HealthMeasure(column="active_days_30d", weight=3),
        HealthMeasure(column="core_features_30d", weight=2, normalization="goal", goal=4),
        HealthMeasure(column="tickets_30d", direction="lower_is_better",
                      normalization="thresholds", thresholds=[1, 3]),
        HealthMeasure(column="events_trend_30d", weight=2),
        HealthMeasure(column="nps", normalization="points", neutral=0, points_per_unit=0.5),
    ]
)  # fmt: skip


def ours_score(frame: pd.DataFrame) -> pd.Series:
    return HealthScoreModel(CONFIG).fit(frame).score(frame).score


def pandas_score(frame: pd.DataFrame) -> pd.Series:
    w = pd.Series(CONFIG.weights())
    norm = pd.DataFrame(index=frame.index)
    # mid-rank percentile, the pandas way: average rank within the reference
    for col in ("active_days_30d", "events_trend_30d"):
        s = frame[col]
        norm[col] = (s.rank(method="average") - 0.5) / s.notna().sum() * 100
    norm["core_features_30d"] = (frame["core_features_30d"] / 4 * 100).clip(0, 100)
    norm["tickets_30d"] = pd.cut(
        frame["tickets_30d"], [-np.inf, 1, 3, np.inf], right=False, labels=[100.0, 50.0, 0.0]
    ).astype(float)
    norm["nps"] = (50 + 0.5 * frame["nps"]).clip(0, 100)
    observed = norm.notna().mul(w)
    score = norm.mul(w).sum(axis=1) / observed.sum(axis=1)
    return score


def _check_scores(ours: pd.Series, name: str, theirs: Any) -> None:
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-9, atol=1e-9)


def cases(quick: bool) -> list[Case]:
    n_events, n_accounts = (300_000, 6_000) if quick else (50_000_000, 1_000_000)
    size = f"{n_events / 1e6:g}M events, {n_accounts / 1e6:g}M accounts"
    alternatives = {"pandas groupby": pandas_features}
    notes = [
        (
            "saasmetrics computes every column (trend of active users, key user, ...); the "
            "pandas version only the 10 columns it is checked on"
        ),
    ]
    if have("duckdb"):
        alternatives["duckdb SQL (6 columns)"] = _duckdb_features
    else:
        notes.append("duckdb not installed: skipped")
    features_cases = [
        Case(
            name=name,
            size=size,
            setup=lambda: _events(n_events, n_accounts),
            ours=ours,
            alternatives=alternatives,
            check=_check_features if quick else None,
            notes=[*notes, *extra],
            repeat=3,  # a median of three: one run of ours moves by 15% from run to run
        )
        for name, ours, extra in (
            ("health/account_features (1 window)", ours_features, []),
            (
                "health/account_features (1 window), on all cores",
                ours_features_on_all_cores,
                ["saasmetrics with config.threads('all'), like DuckDB"],
            ),
        )
    ]
    n_scored = 20_000 if quick else 1_000_000
    scoring_case = Case(
        name="health/fit + score (5 measures)",
        size=f"{n_scored / 1e6:g}M accounts",
        setup=lambda: _scoring_data(n_scored),
        ours=ours_score,
        alternatives={"pandas rank/cut/clip": pandas_score},
        check=_check_scores,
    )
    return [*features_cases, scoring_case]
