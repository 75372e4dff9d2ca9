"""Funnel benchmarks: a 4-step ordered funnel (7-day window), overall and by a 10-value property.

Same semantics for every candidate: every step-1 event opens an attempt; each later step is the
first qualifying event after the previous one, at most 7 days after the attempt's step 1; a user
counts at the best level of any attempt. The EventLog is built once in setup and reused (that is
how the library is meant to be used: encode once, analyse many times); the alternatives work on
the raw frame, as an analyst would.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics import EventLog, config
from saasmetrics.funnel import funnel, paths

STEPS = ["signup", "create_project", "invite_teammate", "subscribe"]
WINDOW = pd.Timedelta("7D")
CHANNELS = [f"channel_{i}" for i in range(10)]


def _events(n: int, n_users: int, seed: int = 0) -> pd.DataFrame:
    """Events over 90 days; funnel events are a fair share, with nanosecond-unique times."""
    rng = np.random.default_rng(seed)
    names = np.array([*STEPS, *(f"other_{i:02d}" for i in range(12))])
    weights = np.r_[[0.08, 0.07, 0.05, 0.03], np.full(12, 0.77 / 12)]
    start = np.int64(pd.Timestamp("2024-01-01").value)
    span = np.int64(90 * 86_400 * 10**9)
    user = rng.integers(0, n_users, n)
    # each user is active over a random 20-day stretch, so funnels can complete in the window
    offset = rng.integers(0, span - 20 * 86_400 * 10**9, n_users)[user]
    ts = start + offset + rng.integers(0, 20 * 86_400 * 10**9, n)
    return pd.DataFrame(
        {
            "user_id": user,
            "timestamp": pd.to_datetime(ts),
            "event": names[rng.choice(names.size, n, p=weights)],
            "channel": np.array(CHANNELS)[rng.integers(0, 10, n)],
        }
    )


# --------------------------------------------------------------------------- pandas
def _pandas_attempts(frame: pd.DataFrame, with_channel: bool) -> pd.DataFrame:
    """Every step-1 event, then merge_asof forward to the next event of each later step."""
    cols = ["user_id", "timestamp", "channel"] if with_channel else ["user_id", "timestamp"]
    att = frame.loc[frame["event"] == STEPS[0], cols].rename(columns={"timestamp": "t0"})
    att = att.sort_values("t0")
    att["level"] = 1
    prev = "t0"
    for k, step in enumerate(STEPS[1:], start=1):
        nxt = frame.loc[frame["event"] == step, ["user_id", "timestamp"]]
        nxt = nxt.rename(columns={"timestamp": f"t{k}"}).sort_values(f"t{k}")
        att = att.sort_values(prev)
        valid = att[prev].notna()
        merged = pd.merge_asof(
            att[valid],
            nxt,
            left_on=prev,
            right_on=f"t{k}",
            by="user_id",
            direction="forward",
            allow_exact_matches=False,
        )
        late = merged[f"t{k}"] > merged["t0"] + WINDOW
        merged.loc[late, f"t{k}"] = pd.NaT
        merged["level"] += merged[f"t{k}"].notna().astype(int)
        stopped = att[~valid].assign(**{f"t{k}": pd.NaT})
        att = pd.concat([merged, stopped], ignore_index=True)
        prev = f"t{k}"
    return att


def pandas_funnel(frame: pd.DataFrame) -> list[int]:
    att = _pandas_attempts(frame, with_channel=False)
    best = att.groupby("user_id")["level"].max()
    return [int((best > k).sum()) for k in range(len(STEPS))]


def pandas_breakdown(frame: pd.DataFrame) -> dict[str, list[int]]:
    att = _pandas_attempts(frame, with_channel=True)
    att = att.sort_values(["user_id", "level", "t0"], ascending=[True, False, True])
    best = att.drop_duplicates("user_id")
    out = {}
    for channel, group in best.groupby("channel"):
        out[str(channel)] = [int((group["level"] > k).sum()) for k in range(len(STEPS))]
    return out


def pandas_unordered(frame: pd.DataFrame) -> list[int]:
    """Any step opens: per anchor, merge_asof forward to each step's next event, count hits."""
    steps = frame[frame["event"].isin(STEPS)]
    att = steps[["user_id", "timestamp"]].rename(columns={"timestamp": "t0"}).sort_values("t0")
    att["level"] = 0
    for step in STEPS:
        nxt = steps.loc[steps["event"] == step, ["user_id", "timestamp"]].sort_values("timestamp")
        merged = pd.merge_asof(
            att, nxt, left_on="t0", right_on="timestamp", by="user_id", direction="forward"
        )
        att["level"] += (merged["timestamp"] <= merged["t0"] + WINDOW).to_numpy()
    best = att.groupby("user_id")["level"].max()
    return [int((best > k).sum()) for k in range(len(STEPS))]


_IN_STEPS = ", ".join(repr(s) for s in STEPS)
UNORDERED_SQL = f"""
WITH f AS (SELECT user_id, timestamp, event FROM ev WHERE event IN ({_IN_STEPS})),
lv AS (
  SELECT a.user_id, a.timestamp, count(DISTINCT e.event) AS level
  FROM f a JOIN f e ON e.user_id = a.user_id AND e.timestamp >= a.timestamp
    AND e.timestamp <= a.timestamp + INTERVAL 7 DAY
  GROUP BY a.user_id, a.timestamp
), best AS (SELECT user_id, max(level) AS level FROM lv GROUP BY user_id)
SELECT {", ".join(f"count(*) FILTER (WHERE level > {k})" for k in range(len(STEPS)))} FROM best
"""


# --------------------------------------------------------------------------- duckdb
def _duckdb_sql(with_channel: bool) -> str:
    ch = ", channel" if with_channel else ""
    parts = [f"a0 AS (SELECT user_id, timestamp AS t0{ch} FROM ev WHERE event = '{STEPS[0]}')"]
    for k, step in enumerate(STEPS[1:], start=1):
        carry = ", ".join(f"a.t{j}" for j in range(k))
        parts.append(
            f"a{k} AS (SELECT a.user_id{', a.channel' if with_channel else ''}, {carry}, "
            f"min(e.timestamp) AS t{k} FROM a{k - 1} a LEFT JOIN ev e "
            f"ON e.user_id = a.user_id AND e.event = '{step}' AND e.timestamp > a.t{k - 1} "
            f"AND e.timestamp <= a.t0 + INTERVAL 7 DAY GROUP BY ALL)"
        )
    last = len(STEPS) - 1
    level = " + ".join(["1", *(f"(t{k} IS NOT NULL)::INT" for k in range(1, len(STEPS)))])
    parts.append(f"lv AS (SELECT user_id{ch}, t0, {level} AS level FROM a{last})")
    if with_channel:
        body = (
            "best AS (SELECT user_id, channel, level FROM lv "
            "QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY level DESC, t0) = 1) "
            "SELECT channel, "
            + ", ".join(f"count(*) FILTER (WHERE level > {k}) AS s{k}" for k in range(len(STEPS)))
            + " FROM best GROUP BY channel ORDER BY channel"
        )
    else:
        body = (
            "best AS (SELECT user_id, max(level) AS level FROM lv GROUP BY user_id) SELECT "
            + ", ".join(f"count(*) FILTER (WHERE level > {k}) AS s{k}" for k in range(len(STEPS)))
            + " FROM best"
        )
    return "WITH " + ", ".join(parts) + ", " + body


# --------------------------------------------------------------------------- paths
GAP = pd.Timedelta("30min")


def pandas_paths(frame: pd.DataFrame) -> dict[str, int]:
    """Sessions at 30-minute gaps, first 5 events of each joined into a path, then counted."""
    df = frame.sort_values(["user_id", "timestamp"], kind="stable")
    new = (df["user_id"] != df["user_id"].shift()) | (df["timestamp"].diff() > GAP)
    session = new.cumsum()
    pos = df.groupby(session).cumcount()
    head = df[pos < 5]
    joined = head.groupby(session[pos < 5])["event"].agg(" > ".join)
    longer = session.value_counts() > 5
    joined[longer.reindex(joined.index, fill_value=False)] += " > ..."
    return {str(k): int(v) for k, v in joined.value_counts().items()}


PATHS_SQL = """
WITH s AS (
  SELECT user_id, timestamp, event,
         CASE WHEN lag(timestamp) OVER w IS NULL
              OR timestamp - lag(timestamp) OVER w > INTERVAL 30 MINUTE THEN 1 ELSE 0 END AS new
  FROM ev WINDOW w AS (PARTITION BY user_id ORDER BY timestamp)
), t AS (
  SELECT user_id, timestamp, event,
         sum(new) OVER (PARTITION BY user_id ORDER BY timestamp ROWS UNBOUNDED PRECEDING) AS sess
  FROM s
), u AS (
  SELECT user_id, sess, event,
         row_number() OVER (PARTITION BY user_id, sess ORDER BY timestamp) AS pos
  FROM t
), p AS (
  SELECT string_agg(event, ' > ' ORDER BY pos) FILTER (WHERE pos <= 5)
         || CASE WHEN max(pos) > 5 THEN ' > ...' ELSE '' END AS path
  FROM u GROUP BY user_id, sess
)
SELECT path, count(*) FROM p GROUP BY path
"""


def cases(quick: bool) -> list[Case]:
    n, n_users = (200_000, 10_000) if quick else (10_000_000, 500_000)
    size = f"{n / 1e6:g}M events, {n_users // 1000}k users"

    def setup() -> dict[str, Any]:
        frame = _events(n, n_users)
        return {"frame": frame, "log": EventLog(frame, properties=["channel"])}

    def ours(data: dict[str, Any]) -> list[int]:
        return funnel(data["log"], STEPS, window="7D").counts

    def ours_all_cores(data: dict[str, Any]) -> list[int]:
        with config.threads("all"):
            return ours(data)

    def ours_breakdown(data: dict[str, Any]) -> dict[str, list[int]]:
        table = funnel(data["log"], STEPS, window="7D", breakdown="channel").to_frame()
        return {
            str(ch): group["users"].tolist() for ch, group in table.groupby("channel", sort=True)
        }

    def ours_unordered(data: dict[str, Any]) -> list[int]:
        return funnel(data["log"], STEPS, window="7D", order="unordered").counts

    alternatives: dict[str, Any] = {"pandas merge_asof": lambda d: pandas_funnel(d["frame"])}
    alternatives_un: dict[str, Any] = {"pandas merge_asof": lambda d: pandas_unordered(d["frame"])}
    alternatives_bd: dict[str, Any] = {"pandas merge_asof": lambda d: pandas_breakdown(d["frame"])}
    notes: list[str] = []
    if have("duckdb"):
        import duckdb

        def duck(sql: str) -> Any:
            def run(d: dict[str, Any]) -> Any:
                con = duckdb.connect()
                con.register("ev", d["frame"])
                return con.sql(sql).fetchall()

            return run

        alternatives["duckdb SQL"] = duck(_duckdb_sql(with_channel=False))
        alternatives_bd["duckdb SQL"] = duck(_duckdb_sql(with_channel=True))
        alternatives_un["duckdb SQL"] = duck(UNORDERED_SQL)
    else:
        notes.append("duckdb not installed: skipped")

    def check(ours_result: Any, name: str, theirs: Any) -> None:
        if name == "duckdb SQL":
            theirs = [int(x) for x in theirs[0]]
        if ours_result != theirs:
            msg = f"{name} disagrees: {theirs} vs ours {ours_result}"
            raise AssertionError(msg)

    def check_bd(ours_result: Any, name: str, theirs: Any) -> None:
        if name == "duckdb SQL":
            theirs = {str(row[0]): [int(x) for x in row[1:]] for row in theirs}
        if ours_result != theirs:
            msg = f"{name} disagrees by channel"
            raise AssertionError(msg)

    # pandas joins strings per session in Python: keep the quick run quick
    pn, pu = (30_000, 1_500) if quick else (n, n_users)
    paths_size = f"{pn / 1e6:g}M events, {pu // 1000}k users"

    def setup_paths() -> dict[str, Any]:
        frame = _events(pn, pu)
        return {"frame": frame, "log": EventLog(frame, properties=[])}

    def ours_paths(data: dict[str, Any]) -> dict[str, int]:
        table = paths(data["log"], max_steps=5, collapse_repeats=False).to_frame()
        return dict(zip(table["path"], table["sessions"].astype(int), strict=True))

    def ours_paths_all_cores(data: dict[str, Any]) -> dict[str, int]:
        with config.threads("all"):
            return ours_paths(data)

    path_alternatives: dict[str, Any] = {"pandas groupby": lambda d: pandas_paths(d["frame"])}
    paths_duckdb: dict[str, Any] = {}
    if have("duckdb"):
        path_alternatives["duckdb SQL"] = paths_duckdb["duckdb SQL"] = duck(PATHS_SQL)

    def check_paths(ours_result: Any, name: str, theirs: Any) -> None:
        if name == "duckdb SQL":
            theirs = {str(path): int(n) for path, n in theirs}
        if ours_result != theirs:
            msg = f"{name} counts paths differently"
            raise AssertionError(msg)

    return [
        Case(
            name="funnel/4-step ordered, 7D window",
            size=size,
            setup=setup,
            ours=ours,
            alternatives=alternatives,
            check=check,
            notes=notes,
        ),
        Case(
            name="funnel/4-step ordered, 7D window, on all cores",
            size=size,
            setup=setup,
            ours=ours_all_cores,
            alternatives=alternatives,
            check=check,
            notes=[*notes, "saasmetrics with config.threads('all'), like DuckDB"],
        ),
        Case(
            name="funnel/4-step unordered (any step opens), 7D window",
            size=size,
            setup=setup,
            ours=ours_unordered,
            alternatives=alternatives_un,
            check=check,
            notes=list(notes),
        ),
        Case(
            name="funnel/same, by a 10-value property",
            size=size,
            setup=setup,
            ours=ours_breakdown,
            alternatives=alternatives_bd,
            check=check_bd,
            notes=list(notes),
        ),
        Case(
            name="funnel/paths: 5-event session paths",
            size=paths_size,
            setup=setup_paths,
            ours=ours_paths,
            alternatives=path_alternatives,
            check=check_paths,
            notes=list(notes),
        ),
        Case(
            name="funnel/paths: 5-event session paths, on all cores",
            size=paths_size,
            setup=setup_paths,
            ours=ours_paths_all_cores,
            alternatives=paths_duckdb,
            check=check_paths,
            notes=[*notes, "saasmetrics with config.threads('all'), like DuckDB"],
        ),
    ]
