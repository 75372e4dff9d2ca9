"""Engagement benchmarks: active users, stickiness, lifecycle and growth accounting against the
idiomatic pandas way and DuckDB SQL."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics import EventLog
from saasmetrics.engagement import active_users, growth_accounting, lifecycle, stickiness

WINDOWS = {"dau": 1, "wau": 7, "mau": 28}


def _events(n: int, n_users: int, seed: int = 0) -> pd.DataFrame:
    """Users start over a year and stay active for a geometric number of weeks."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 365 * 86_400, n_users)
    life_days = rng.geometric(1 / 60, n_users)
    user = rng.integers(0, n_users, n)
    offset = (rng.random(n) * life_days[user] * 86_400).astype(np.int64)
    seconds = 1_700_000_000 + start[user] + offset
    names = np.array([f"event_{i:02d}" for i in range(20)])
    return pd.DataFrame(
        {
            "user_id": user,
            "timestamp": pd.to_datetime(seconds * 1_000_000_000),
            "event": names[rng.integers(0, names.size, n)],
            "amount": rng.integers(1, 100, n).astype(float),
        }
    )


# --------------------------------------------------------------------------- pandas
def _pairs(df: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    day = df["timestamp"].dt.floor("D") if freq == "D" else df["timestamp"].dt.to_period(freq)
    return pd.DataFrame({"user": df["user_id"].to_numpy(), "p": day}).drop_duplicates()


def pandas_active(df: pd.DataFrame) -> pd.DataFrame:
    """Per day and window, ``nunique`` of the users in the window's slice of the pairs."""
    pairs = _pairs(df).sort_values("p")
    stamps = pairs["p"].to_numpy()
    users = pairs["user"]
    days = pd.date_range(pairs["p"].min(), pairs["p"].max(), freq="D")
    out = pd.DataFrame(index=days)
    for key, w in WINDOWS.items():
        lo = stamps.searchsorted((days - pd.Timedelta(days=w - 1)).to_numpy(), side="left")
        hi = stamps.searchsorted(days.to_numpy(), side="right")
        out[key] = [users.iloc[a:b].nunique() for a, b in zip(lo, hi, strict=True)]
    return out


def pandas_stickiness(df: pd.DataFrame) -> pd.DataFrame:
    pairs = _pairs(df)
    pairs["w"] = pairs["p"].dt.to_period("W")
    per_user = pairs.groupby(["w", "user"]).size()
    return per_user.groupby(level="w").value_counts().unstack(fill_value=0)


def pandas_lifecycle(df: pd.DataFrame) -> pd.DataFrame:
    pairs = _pairs(df, "W").sort_values(["user", "p"])
    ordinal = pairs["p"].array.asi8
    prev = pairs.groupby("user")["p"].shift(1)
    nxt = pairs.groupby("user")["p"].shift(-1)
    prev_o = prev.array.asi8 if hasattr(prev, "array") else prev
    first = prev.isna().to_numpy()
    returning = ~first & (prev_o == ordinal - 1)
    status = np.where(first, "new", np.where(returning, "returning", "resurrecting"))
    weeks = range(int(ordinal.min()), int(ordinal.max()) + 1)
    table = pd.crosstab(ordinal, status).reindex(weeks, fill_value=0)
    dormant_at = ordinal[(nxt.isna() | (nxt.array.asi8 != ordinal + 1)).to_numpy()] + 1
    table["dormant"] = -pd.Series(dormant_at).value_counts().reindex(table.index, fill_value=0)
    return table


def pandas_growth(df: pd.DataFrame) -> pd.DataFrame:
    g = (
        df.assign(p=df["timestamp"].dt.to_period("M"))
        .groupby(["user_id", "p"], sort=True)["amount"]
        .sum()
        .reset_index()
    )
    o = g["p"].array.asi8
    prev_p = g.groupby("user_id")["p"].shift(1).array.asi8
    prev_v = g.groupby("user_id")["amount"].shift(1)
    first = g.groupby("user_id").cumcount().to_numpy() == 0
    kept = ~first & (prev_p == o - 1)
    before = np.where(kept, prev_v.fillna(0).to_numpy(), 0.0)
    v = g["amount"].to_numpy()
    parts = pd.DataFrame(
        {
            "p": o,
            "revenue": v,
            "retained": np.where(kept, np.minimum(v, before), 0.0),
            "new": np.where(first, v, 0.0),
            "resurrected": np.where(~first & ~kept, v, 0.0),
            "expansion": np.where(kept, np.maximum(v - before, 0.0), 0.0),
            "contraction": np.where(kept, np.maximum(before - v, 0.0), 0.0),
        }
    )
    return parts.groupby("p").sum()


# --------------------------------------------------------------------------- DuckDB
# Each active day d of a user counts them in the trailing w-day windows ending on days
# d .. min(d + w, their next active day) - 1: these spans are disjoint per user, so a running
# sum of +1 at each span's start and -1 at its end is the distinct count (a sort and window
# functions; joining every day to its 28 days of pairs and counting distinct is ~10x slower).
ACTIVE_SQL = """
WITH p AS (SELECT DISTINCT user_id, CAST(timestamp AS DATE) AS d FROM events),
n AS (SELECT d, lead(d) OVER (PARTITION BY user_id ORDER BY d) AS nxt FROM p),
delta AS (SELECT d AS day, 1 AS dau, 1 AS wau, 1 AS mau FROM n
          UNION ALL SELECT d + 1, -1, 0, 0 FROM n
          UNION ALL SELECT least(d + 7, coalesce(nxt, d + 7)), 0, -1, 0 FROM n
          UNION ALL SELECT least(d + 28, coalesce(nxt, d + 28)), 0, 0, -1 FROM n),
agg AS (SELECT day, sum(dau) AS dau, sum(wau) AS wau, sum(mau) AS mau FROM delta GROUP BY day),
days AS (SELECT range::DATE AS d FROM range((SELECT min(d) FROM p), (SELECT max(d) FROM p)
         + INTERVAL 1 DAY, INTERVAL 1 DAY))
SELECT days.d,
  sum(coalesce(agg.dau, 0)) OVER w AS dau,
  sum(coalesce(agg.wau, 0)) OVER w AS wau,
  sum(coalesce(agg.mau, 0)) OVER w AS mau
FROM days LEFT JOIN agg ON agg.day = days.d
WINDOW w AS (ORDER BY days.d ROWS UNBOUNDED PRECEDING)
ORDER BY days.d
"""

STICKY_SQL = """
WITH p AS (SELECT DISTINCT user_id, CAST(timestamp AS DATE) AS d FROM events),
u AS (SELECT date_trunc('week', d) AS w, user_id, count(*) AS k FROM p GROUP BY 1, 2)
SELECT w, k, count(*) AS users FROM u GROUP BY w, k ORDER BY w, k
"""

LIFECYCLE_SQL = """
WITH p AS (SELECT DISTINCT user_id, date_trunc('week', timestamp) AS w FROM events),
s AS (SELECT user_id, w, lag(w) OVER (PARTITION BY user_id ORDER BY w) AS prev,
             lead(w) OVER (PARTITION BY user_id ORDER BY w) AS nxt FROM p),
st AS (SELECT w, CASE WHEN prev IS NULL THEN 'new'
                      WHEN prev = w - INTERVAL 7 DAY THEN 'returning'
                      ELSE 'resurrecting' END AS status FROM s
       UNION ALL
       SELECT w + INTERVAL 7 DAY, 'dormant' FROM s
       WHERE nxt IS NULL OR nxt <> w + INTERVAL 7 DAY)
SELECT w, status, count(*) AS users FROM st GROUP BY w, status
"""

GROWTH_SQL = """
WITH m AS (SELECT user_id, date_trunc('month', timestamp) AS p, sum(amount) AS v
           FROM events GROUP BY 1, 2),
s AS (SELECT *, lag(p) OVER w AS pp, lag(v) OVER w AS pv, row_number() OVER w AS rn
      FROM m WINDOW w AS (PARTITION BY user_id ORDER BY p)),
c AS (SELECT p, v, rn = 1 AS is_first, pp = p - INTERVAL 1 MONTH AS kept, pv FROM s)
SELECT p, sum(v) AS revenue,
  sum(CASE WHEN kept THEN least(v, pv) ELSE 0 END) AS retained,
  sum(CASE WHEN is_first THEN v ELSE 0 END) AS new,
  sum(CASE WHEN NOT is_first AND NOT coalesce(kept, false) THEN v ELSE 0 END) AS resurrected,
  sum(CASE WHEN kept THEN greatest(v - pv, 0) ELSE 0 END) AS expansion,
  sum(CASE WHEN kept THEN greatest(pv - v, 0) ELSE 0 END) AS contraction
FROM c GROUP BY p ORDER BY p
"""


def _duck(sql: str) -> Any:
    def run(df: pd.DataFrame) -> Any:
        import duckdb

        con = duckdb.connect()
        con.register("events", df)
        return con.sql(sql).df()

    return run


# --------------------------------------------------------------------------- checks
def _check_active(ours: Any, name: str, theirs: Any) -> None:
    got = ours.to_frame().set_index("date")[list(WINDOWS)]
    other = theirs.set_index("d") if "d" in theirs else theirs
    other = other[list(WINDOWS)].set_axis(pd.DatetimeIndex(other.index).as_unit("ns"))
    np.testing.assert_array_equal(got.to_numpy(), other.reindex(got.index).to_numpy())


def _check_growth(ours: Any, name: str, theirs: Any) -> None:
    got = ours.to_frame()
    cols = ["revenue", "retained", "new", "resurrected", "expansion"]
    other = theirs.reset_index(drop=True)[cols].to_numpy(dtype=float)
    np.testing.assert_allclose(got[cols].to_numpy(), other, rtol=1e-9)


def _check_lifecycle(ours: Any, name: str, theirs: Any) -> None:
    got = ours.to_frame()
    if name.startswith("pandas"):
        starts = pd.PeriodIndex.from_ordinals(theirs.index, freq="W").start_time
        other = theirs.set_axis(starts.as_unit("ns"))
    else:
        other = theirs.pivot(index="w", columns="status", values="users").fillna(0)
        other.index = pd.DatetimeIndex(other.index).as_unit("ns")
        other["dormant"] = -other["dormant"]
    other = other.reindex(got["period"]).fillna(0)
    for col in ("new", "returning", "resurrecting", "dormant"):
        np.testing.assert_array_equal(got[col].to_numpy(), other[col].to_numpy())


def cases(quick: bool) -> list[Case]:
    n, n_users = (200_000, 10_000) if quick else (10_000_000, 500_000)
    size = f"{n / 1e6:g}M events"
    notes: list[str] = []
    duck = have("duckdb")
    if not duck:
        notes.append("duckdb not installed: skipped")

    def alts(pandas_fn: Any, sql: str) -> dict[str, Any]:
        out: dict[str, Any] = {"pandas groupby": pandas_fn}
        if duck:
            out["duckdb SQL"] = _duck(sql)
        return out

    def setup() -> pd.DataFrame:
        return _events(n, n_users)

    return [
        Case(
            name="engagement/active_users DAU/WAU/MAU (from frame)",
            size=size,
            setup=setup,
            ours=active_users,
            alternatives=alts(pandas_active, ACTIVE_SQL),
            check=_check_active if quick else None,
            notes=list(notes),
        ),
        Case(
            name="engagement/stickiness weekly (from frame)",
            size=size,
            setup=setup,
            ours=lambda df: stickiness(df, period="W"),
            alternatives=alts(pandas_stickiness, STICKY_SQL),
            notes=list(notes),
        ),
        Case(
            name="engagement/lifecycle weekly (from frame)",
            size=size,
            setup=setup,
            ours=lambda df: lifecycle(df, freq="W", start=df["timestamp"].min()),
            alternatives=alts(pandas_lifecycle, LIFECYCLE_SQL),
            check=_check_lifecycle if quick else None,
            notes=list(notes),
        ),
        Case(
            name="engagement/growth_accounting monthly revenue (from frame)",
            size=size,
            setup=setup,
            ours=lambda df: growth_accounting(df, value_col="amount"),
            alternatives=alts(pandas_growth, GROWTH_SQL),
            check=_check_growth if quick else None,
            notes=list(notes),
        ),
        Case(
            name="engagement/all four, EventLog built once",
            size=size,
            setup=lambda: EventLog(_events(n, n_users), properties=["amount"]),
            ours=lambda log: (
                active_users(log),
                stickiness(log, period="W"),
                lifecycle(log, freq="W"),
                growth_accounting(log, value_col="amount"),
            ),
            notes=["the encoding cost is paid once; every analysis after it is this fast"],
        ),
    ]
