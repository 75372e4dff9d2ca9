"""Retention benchmarks: cohort table and magic-number search against pandas and DuckDB SQL;
Kaplan-Meier against lifelines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics import EventLog, config
from saasmetrics.retention import cohort_table, kaplan_meier, magic_number_search

DAY = pd.Timedelta("1D")


def _events(n: int, n_users: int, seed: int = 0) -> pd.DataFrame:
    """Users start over a year and are active for a geometric number of weeks."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 365 * 86_400, n_users)
    life_days = rng.geometric(1 / 40, n_users)
    user = rng.integers(0, n_users, n)
    offset = (rng.random(n) * life_days[user] * 86_400).astype(np.int64)
    seconds = 1_700_000_000 + start[user] + offset
    names = np.array([f"event_{i:02d}" for i in range(20)])
    weights = np.linspace(2.0, 0.2, names.size)
    events = names[rng.choice(names.size, n, p=weights / weights.sum())]
    frame = pd.DataFrame(
        {
            "user_id": user,
            "timestamp": pd.to_datetime(seconds * 1_000_000_000),
            "event": events,
        }
    )
    first = frame.groupby("user_id")["timestamp"].transform("min")
    frame.loc[frame["timestamp"] == first, "event"] = "signup"
    return frame


# --------------------------------------------------------------------------- cohort table
def pandas_cohorts(df: pd.DataFrame) -> pd.DataFrame:
    period = df["timestamp"].dt.to_period("W").array.asi8
    g = pd.DataFrame({"user": df["user_id"].to_numpy(), "p": period})
    g["c"] = g.groupby("user")["p"].transform("min")
    g["k"] = g["p"] - g["c"]
    active = g.drop_duplicates(["user", "k"])
    return active.groupby(["c", "k"]).size().unstack(fill_value=0)


COHORT_SQL = """
WITH e AS (SELECT user_id, date_trunc('week', timestamp) AS p FROM events),
f AS (SELECT user_id, min(p) AS c FROM e GROUP BY user_id),
a AS (SELECT DISTINCT e.user_id, f.c, datediff('week', f.c, e.p) AS k
      FROM e JOIN f USING (user_id))
SELECT c, k, count(*) AS n FROM a GROUP BY c, k ORDER BY c, k
"""


def _check_cohorts(ours: Any, name: str, theirs: Any) -> None:
    counts = ours.counts
    width = counts.shape[1]
    if name.startswith("pandas"):
        starts = [pd.Period(ordinal=int(c), freq="W").start_time for c in theirs.index]
        other = theirs.set_axis(pd.DatetimeIndex(starts).as_unit("us"), axis=0)
    else:
        other = theirs.pivot(index="c", columns="k", values="n")
        other.index = pd.DatetimeIndex(other.index).as_unit("us")
    other = other.reindex(index=counts.index, columns=range(width)).fillna(0).to_numpy()
    values = counts.to_numpy()
    complete = ~np.isnan(values)
    np.testing.assert_array_equal(values[complete], other[complete])


# --------------------------------------------------------------------------- magic numbers
def pandas_magic(df: pd.DataFrame) -> pd.DataFrame:
    start = df.groupby("user_id")["timestamp"].transform("min")
    rel = df["timestamp"] - start
    end = df["timestamp"].max()
    first = df.groupby("user_id")["timestamp"].min()
    eligible = first.index[first + 14 * DAY <= end]
    second = df.loc[(rel >= 7 * DAY) & (rel < 14 * DAY), "user_id"].unique()
    retained = pd.Series(eligible.isin(second), index=eligible)
    week = df.loc[(rel < 7 * DAY) & (df["event"] != "signup")]
    counts = week.groupby(["user_id", "event"]).size().unstack(fill_value=0)
    counts = counts.reindex(eligible, fill_value=0)
    rows = []
    for n in range(1, 21):
        did = counts >= n
        tp = did[retained.to_numpy()].sum()
        fp = did[~retained.to_numpy()].sum()
        rows.append(pd.DataFrame({"event": counts.columns, "threshold": n, "tp": tp, "fp": fp}))
    return pd.concat(rows, ignore_index=True)


MAGIC_SQL = """
WITH s AS (SELECT user_id, min(timestamp) AS t0 FROM events GROUP BY user_id),
el AS (SELECT user_id, t0 FROM s
       WHERE t0 + INTERVAL 14 DAY <= (SELECT max(timestamp) FROM events)),
r AS (SELECT DISTINCT e.user_id FROM events e JOIN el USING (user_id)
      WHERE e.timestamp >= el.t0 + INTERVAL 7 DAY AND e.timestamp < el.t0 + INTERVAL 14 DAY),
c AS (SELECT e.user_id, e.event, least(count(*), 20) AS n FROM events e JOIN el USING (user_id)
      WHERE e.timestamp < el.t0 + INTERVAL 7 DAY AND e.event <> 'signup'
      GROUP BY e.user_id, e.event),
t AS (SELECT range AS threshold FROM range(1, 21))
SELECT c.event, t.threshold,
       count(*) FILTER (WHERE r.user_id IS NOT NULL) AS tp,
       count(*) FILTER (WHERE r.user_id IS NULL) AS fp
FROM c JOIN t ON c.n >= t.threshold LEFT JOIN r USING (user_id)
GROUP BY c.event, t.threshold
"""


def _check_magic(ours: Any, name: str, theirs: Any) -> None:
    got = ours.to_frame().set_index(["event", "threshold"])[["tp", "fp"]]
    other = theirs.set_index(["event", "threshold"])[["tp", "fp"]].astype(np.int64)
    joined = got.join(other, rsuffix="_other", how="inner")
    if len(joined) != len(got):
        msg = f"{name} lacks some behaviours"
        raise AssertionError(msg)
    np.testing.assert_array_equal(
        joined[["tp", "fp"]].to_numpy(), joined[["tp_other", "fp_other"]].to_numpy()
    )


def _on_all_cores(call: Any) -> Any:
    with config.threads("all"):
        return call()


def cases(quick: bool) -> list[Case]:
    n, n_users = (200_000, 10_000) if quick else (10_000_000, 500_000)
    size = f"{n / 1e6:g}M events"
    notes: list[str] = []
    have_duckdb = have("duckdb")
    if not have_duckdb:
        notes.append("duckdb not installed: skipped")

    def duck(sql: str) -> Any:
        def run(df: pd.DataFrame) -> Any:
            import duckdb

            con = duckdb.connect()
            con.register("events", df)
            return con.sql(sql).df()

        return run

    cohort_alts: dict[str, Any] = {"pandas groupby": pandas_cohorts}
    magic_alts: dict[str, Any] = {"pandas groupby": pandas_magic}
    if have_duckdb:
        cohort_alts["duckdb SQL"] = duck(COHORT_SQL)
        magic_alts["duckdb SQL"] = duck(MAGIC_SQL)
    out = [
        Case(
            name="retention/cohort_table weekly (from frame)",
            size=size,
            setup=lambda: _events(n, n_users),
            ours=lambda df: cohort_table(df, freq="W"),
            alternatives=cohort_alts,
            check=_check_cohorts if quick else None,
            notes=notes,
        ),
        Case(
            name="retention/cohort_table weekly (from frame), on all cores",
            size=size,
            setup=lambda: _events(n, n_users),
            ours=lambda df: _on_all_cores(lambda: cohort_table(df, freq="W")),
            alternatives=cohort_alts,
            check=_check_cohorts if quick else None,
            notes=[*notes, "saasmetrics with config.threads('all'), like DuckDB"],
        ),
        Case(
            name="retention/magic_number_search (from frame)",
            size=f"{size}, 20 events x 20 thresholds",
            setup=lambda: _events(n, n_users),
            ours=lambda df: magic_number_search(df, signup_event="signup", min_support=0),
            alternatives=magic_alts,
            check=_check_magic if quick else None,
            notes=list(notes),
        ),
        Case(
            name="retention/magic_number_search (from frame), on all cores",
            size=f"{size}, 20 events x 20 thresholds",
            setup=lambda: _events(n, n_users),
            ours=lambda df: _on_all_cores(
                lambda: magic_number_search(df, signup_event="signup", min_support=0)
            ),
            alternatives=magic_alts,
            check=_check_magic if quick else None,
            notes=[*notes, "saasmetrics with config.threads('all'), like DuckDB"],
        ),
        Case(
            name="retention/both, EventLog built once",
            size=size,
            setup=lambda: EventLog(_events(n, n_users), properties=[]),
            ours=lambda log: (
                cohort_table(log, freq="W"),
                magic_number_search(log, signup_event="signup", min_support=0),
            ),
            notes=["the encoding cost is paid once; every analysis after it is this fast"],
        ),
    ]
    m = 20_000 if quick else 1_000_000

    def durations() -> tuple[Any, Any]:
        rng = np.random.default_rng(1)
        d = rng.geometric(rng.beta(0.8, 2.0, m)).astype(float)
        return np.minimum(d, 60.0), d < 60

    km_alts: dict[str, Any] = {}
    km_notes: list[str] = []
    if have("lifelines"):

        def lifelines_km(data: tuple[Any, Any]) -> Any:
            from lifelines import KaplanMeierFitter

            return KaplanMeierFitter().fit(data[0], data[1])

        km_alts["lifelines KMF"] = lifelines_km
    else:
        km_notes.append("lifelines not installed: skipped")

    def check_km(ours: Any, name: str, theirs: Any) -> None:
        s = theirs.survival_function_.iloc[:, 0]
        frame = ours.to_frame().set_index("time")
        np.testing.assert_allclose(frame["survival"], s.reindex(frame.index), atol=1e-10)

    out.append(
        Case(
            name="retention/kaplan_meier",
            size=f"{m / 1e6:g}M durations",
            setup=durations,
            ours=lambda data: kaplan_meier(data[0], data[1]),
            alternatives=km_alts,
            check=check_km,
            notes=km_notes,
        )
    )
    return out
