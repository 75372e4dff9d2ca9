"""The scale-out benchmark: saasmetrics on a Dask LocalCluster vs DuckDB vs pandas, on parquet.

``python -m benchmarks.scale --lake /tmp/saasmetrics-lake --sizes 10M,50M,200M`` writes the lake
first if needed (``python -m benchmarks.lake``), then for each size (the first files of the lake)
runs a 4-step funnel, a weekly cohort table, a magic-number search (20 events x 20 thresholds)
and, when ``mrr_bridge`` takes dask input, the MRR bridge:

- **saasmetrics on Dask**: a ``LocalCluster`` of ``--workers`` single-threaded worker processes
  capped at ``--memory`` each, reading the parquet files as one partition each
  (``partitioned_by="user_id"``: the files are written partitioned by user). Workers are
  restarted before each analysis, so a worker's peak RSS is that analysis' own.
- **DuckDB**: the same analysis as SQL over ``read_parquet(...)`` of the same files, default
  threads (all cores), in a child process whose peak RSS is measured.
- **pandas**: the in-memory path (``pd.read_parquet`` of all files, then the same saasmetrics
  function), in a child process killed when its RSS passes the cluster's total memory: the
  size where it stops fitting is reported.

Every time is a warm run: saasmetrics (on Dask and in pandas) first runs the same analysis on
one file, untimed, so imports and other first-call costs are paid; DuckDB's time starts after
``import duckdb``. Cluster start-up and interpreter start are not timed (the JSON keeps a
child's whole life as ``process_seconds``).

Results go to ``--out`` (JSON) and a Markdown table is printed for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import resource
import subprocess
import sys
import textwrap
import time
from typing import Any

from benchmarks.lake import EVENTS_PER_FILE, _count, write_lake

STEPS = ["signup", "create_project", "invite_teammate", "subscribe"]
ANALYSES = ("funnel", "cohort_table", "magic_number_search", "mrr_bridge")
# the columns each analysis reads: the parquet readers project to them, as DuckDB does
EVENT_COLUMNS = ["user_id", "timestamp", "event"]
COLUMNS = {
    "funnel": EVENT_COLUMNS,
    "cohort_table": EVENT_COLUMNS,
    "magic_number_search": EVENT_COLUMNS,
    "mrr_bridge": ["customer_id", "start", "end", "mrr"],
}

FUNNEL_SQL = """
WITH a0 AS (SELECT user_id, timestamp AS t0 FROM ev WHERE event = 'signup'),
a1 AS (SELECT a.user_id, a.t0, min(e.timestamp) AS t1 FROM a0 a LEFT JOIN ev e
       ON e.user_id = a.user_id AND e.event = 'create_project' AND e.timestamp > a.t0
       AND e.timestamp <= a.t0 + INTERVAL 7 DAY GROUP BY ALL),
a2 AS (SELECT a.user_id, a.t0, a.t1, min(e.timestamp) AS t2 FROM a1 a LEFT JOIN ev e
       ON e.user_id = a.user_id AND e.event = 'invite_teammate' AND e.timestamp > a.t1
       AND e.timestamp <= a.t0 + INTERVAL 7 DAY GROUP BY ALL),
a3 AS (SELECT a.user_id, a.t0, a.t1, a.t2, min(e.timestamp) AS t3 FROM a2 a LEFT JOIN ev e
       ON e.user_id = a.user_id AND e.event = 'subscribe' AND e.timestamp > a.t2
       AND e.timestamp <= a.t0 + INTERVAL 7 DAY GROUP BY ALL),
best AS (SELECT user_id, max(1 + (t1 IS NOT NULL)::INT + (t2 IS NOT NULL)::INT
                              + (t3 IS NOT NULL)::INT) AS level FROM a3 GROUP BY user_id)
SELECT count(*) FILTER (WHERE level > 0), count(*) FILTER (WHERE level > 1),
       count(*) FILTER (WHERE level > 2), count(*) FILTER (WHERE level > 3) FROM best
"""

COHORT_SQL = """
WITH e AS (SELECT user_id, date_trunc('week', timestamp) AS p FROM ev),
f AS (SELECT user_id, min(p) AS c FROM e GROUP BY user_id),
a AS (SELECT DISTINCT e.user_id, f.c, datediff('week', f.c, e.p) AS k
      FROM e JOIN f USING (user_id))
SELECT c, k, count(*) AS n FROM a GROUP BY c, k ORDER BY c, k
"""

MAGIC_SQL = """
WITH s AS (SELECT user_id, min(timestamp) AS t0 FROM ev GROUP BY user_id),
el AS (SELECT user_id, t0 FROM s
       WHERE t0 + INTERVAL 14 DAY <= (SELECT max(timestamp) FROM ev)),
r AS (SELECT DISTINCT e.user_id FROM ev e JOIN el USING (user_id)
      WHERE e.timestamp >= el.t0 + INTERVAL 7 DAY AND e.timestamp < el.t0 + INTERVAL 14 DAY),
c AS (SELECT e.user_id, e.event, least(count(*), 20) AS n FROM ev e JOIN el USING (user_id)
      WHERE e.timestamp < el.t0 + INTERVAL 7 DAY AND e.event <> 'signup'
      GROUP BY e.user_id, e.event),
t AS (SELECT range AS threshold FROM range(1, 21))
SELECT c.event, t.threshold,
       count(*) FILTER (WHERE r.user_id IS NOT NULL) AS tp,
       count(*) FILTER (WHERE r.user_id IS NULL) AS fp
FROM c JOIN t ON c.n >= t.threshold LEFT JOIN r USING (user_id)
GROUP BY c.event, t.threshold
"""

# MRR at each month end per customer, then the month-over-month change classified
MRR_SQL = """
WITH m AS (SELECT range AS month
           FROM range(DATE '2024-01-01', DATE '2025-01-01', INTERVAL 1 MONTH)),
snap AS (SELECT s.customer_id, m.month, sum(s.mrr) AS mrr FROM subs s JOIN m
         ON s.start < m.month + INTERVAL 1 MONTH
         AND (s."end" IS NULL OR s."end" >= m.month + INTERVAL 1 MONTH)
         GROUP BY ALL),
grid AS (SELECT c.customer_id, m.month FROM (SELECT DISTINCT customer_id FROM snap) c, m),
full_ AS (SELECT g.customer_id, g.month, coalesce(s.mrr, 0) AS mrr FROM grid g
          LEFT JOIN snap s USING (customer_id, month)),
ch AS (SELECT customer_id, month, mrr,
              coalesce(lag(mrr) OVER w, 0) AS prev,
              coalesce(max(mrr) OVER (PARTITION BY customer_id ORDER BY month
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS paid_before
       FROM full_ WINDOW w AS (PARTITION BY customer_id ORDER BY month))
SELECT month,
  sum(mrr) FILTER (WHERE prev = 0 AND mrr > 0 AND paid_before = 0) AS new,
  sum(mrr - prev) FILTER (WHERE prev > 0 AND mrr > prev) AS expansion,
  sum(mrr - prev) FILTER (WHERE mrr > 0 AND mrr < prev) AS contraction,
  sum(-prev) FILTER (WHERE prev > 0 AND mrr = 0) AS churned,
  sum(mrr) FILTER (WHERE prev = 0 AND mrr > 0 AND paid_before > 0) AS reactivation,
  sum(mrr) AS ending
FROM ch GROUP BY month ORDER BY month
"""


def _sql(analysis: str) -> str:
    return {
        "funnel": FUNNEL_SQL,
        "cohort_table": COHORT_SQL,
        "magic_number_search": MAGIC_SQL,
        "mrr_bridge": MRR_SQL,
    }[analysis]


def _call(analysis: str, data: Any, **dask: Any) -> Any:
    """The saasmetrics call for ``analysis`` on ``data`` (pandas or dask)."""
    if analysis == "funnel":
        from saasmetrics.funnel import funnel

        return funnel(data, STEPS, window="7D", **dask).counts
    if analysis == "cohort_table":
        from saasmetrics.retention import cohort_table

        return cohort_table(data, freq="W", **dask).counts.shape
    if analysis == "magic_number_search":
        from saasmetrics.retention import magic_number_search

        return len(magic_number_search(data, signup_event="signup", min_support=0, **dask).table)
    from saasmetrics.unit_economics import mrr_bridge

    return float(mrr_bridge(data, as_of="2025-01-01", **dask).amounts["ending"].iloc[-1])


def _child(code: str, cap_bytes: int | None) -> dict[str, Any]:
    """Run ``code`` in a child Python; its time, peak RSS, and whether it was stopped.

    ``code`` prints ``SECONDS=<float>``, the time of its work after its imports; ``seconds``
    is that time and ``process_seconds`` the child's whole life (interpreter start, imports).
    """
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak, killed = 0, False
    while proc.poll() is None:
        try:
            rss = watched.memory_info().rss
        except psutil.NoSuchProcess:
            break
        peak = max(peak, rss)
        if cap_bytes is not None and rss > cap_bytes:
            proc.kill()
            killed = True
            break
        time.sleep(0.05)
    out, _ = proc.communicate()
    process_seconds = time.perf_counter() - start
    timed = [line for line in (out or "").splitlines() if line.startswith("SECONDS=")]
    seconds = float(timed[-1].removeprefix("SECONDS=")) if timed else None
    return {
        "seconds": None if killed or proc.returncode else seconds,
        "process_seconds": process_seconds,
        "peak_gib": peak / 2**30,
        "stopped": killed,
        "failed": bool(proc.returncode) and not killed,
        "output": (out or "").strip()[-200:],
    }


def _duckdb(analysis: str, files: list[str]) -> dict[str, Any]:
    table = "subscriptions" if analysis == "mrr_bridge" else "events"
    name = "subs" if analysis == "mrr_bridge" else "ev"
    paths = [f.replace("/events/", f"/{table}/") for f in files]
    code = textwrap.dedent(
        f"""
        import time
        import duckdb
        start = time.perf_counter()
        con = duckdb.connect()
        con.execute("PRAGMA disable_progress_bar")
        con.sql("CREATE VIEW {name} AS SELECT * FROM read_parquet({paths!r})")
        print(len(con.sql({_sql(analysis)!r}).fetchall()))
        print(f"SECONDS={{time.perf_counter() - start}}")
        """
    )
    return _child(code, None)


def _pandas(analysis: str, files: list[str], cap_bytes: int) -> dict[str, Any]:
    table = "subscriptions" if analysis == "mrr_bridge" else "events"
    paths = [f.replace("/events/", f"/{table}/") for f in files]
    code = textwrap.dedent(
        f"""
        import time
        import pandas as pd
        from benchmarks.scale import _call
        columns = {COLUMNS[analysis]!r}
        _call({analysis!r}, pd.read_parquet({paths[0]!r}, columns=columns))  # warm up
        start = time.perf_counter()
        frame = pd.concat(
            [pd.read_parquet(p, columns=columns) for p in {paths!r}], ignore_index=True
        )
        print(_call({analysis!r}, frame))
        print(f"SECONDS={{time.perf_counter() - start}}")
        """
    )
    return _child(code, cap_bytes)


def _dask(analysis: str, files: list[str], client: Any) -> dict[str, Any]:
    import dask.dataframe as dd

    table = "subscriptions" if analysis == "mrr_bridge" else "events"
    key = "customer_id" if analysis == "mrr_bridge" else "user_id"
    paths = [f.replace("/events/", f"/{table}/") for f in files]
    client.restart(timeout=600)  # a loaded machine can take minutes to start a worker

    def read(files: list[str]) -> Any:  # one partition per file, only the columns used
        return dd.read_parquet(files, columns=COLUMNS[analysis], split_row_groups=False)

    # warm up: the first call on a fresh cluster pays one-time costs on the client and the
    # workers (imports, dask's first graph optimisation); run it on one file, untimed
    _call(analysis, read(paths[:1]), partitioned_by=key)
    frame = read(paths)
    start = time.perf_counter()
    value = _call(analysis, frame, partitioned_by=key)
    seconds = time.perf_counter() - start

    def maxrss() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    peaks = client.run(maxrss)
    return {"seconds": seconds, "peak_gib": max(peaks.values()) / 2**30, "output": str(value)}


def _takes_dask(analysis: str) -> bool:
    import inspect

    from saasmetrics.unit_economics import mrr_bridge

    return analysis != "mrr_bridge" or "partitioned_by" in inspect.signature(mrr_bridge).parameters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--lake", default="/tmp/saasmetrics-lake")
    parser.add_argument("--sizes", default="10M,50M,200M")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory", default="4GiB", help="memory limit per worker")
    parser.add_argument("--only", help="comma-separated analyses")
    parser.add_argument("--skip-pandas-above", default="200M")
    parser.add_argument("--out", default="benchmarks/results/scale.json")
    args = parser.parse_args(argv)
    from dask.utils import parse_bytes
    from distributed import Client, LocalCluster

    sizes = [_count(s) for s in args.sizes.split(",")]
    lake = pathlib.Path(args.lake)
    all_files = [str(p) for p in write_lake(lake, max(sizes))]
    analyses = args.only.split(",") if args.only else list(ANALYSES)
    worker_bytes = parse_bytes(args.memory)
    cap = worker_bytes * args.workers
    report: dict[str, Any] = {
        "workers": args.workers,
        "memory_per_worker": args.memory,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rows": [],
    }
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit=args.memory,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        for size in sizes:
            files = all_files[: max(1, round(size / EVENTS_PER_FILE))]
            for analysis in analyses:
                if not _takes_dask(analysis):
                    continue
                row: dict[str, Any] = {"analysis": analysis, "events": size}
                row["saasmetrics_dask"] = _dask(analysis, files, client)
                row["duckdb"] = _duckdb(analysis, files)
                if size <= _count(args.skip_pandas_above):
                    row["pandas"] = _pandas(analysis, files, cap)
                report["rows"].append(row)
                print(json.dumps(row))
                sys.stdout.flush()
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(_markdown(report))
    return 0


def _fmt(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return "not run"
    if cell.get("stopped"):
        return f"stopped at {cell['peak_gib']:.1f} GiB"
    if cell.get("seconds") is None:
        return "failed"
    return f"{cell['seconds']:.1f} s, {cell['peak_gib']:.1f} GiB"


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        (
            "| analysis | events | saasmetrics on Dask (time, peak per worker) | events/s | "
            "DuckDB (time, peak) | x DuckDB | pandas in memory (time, peak) |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        ours, duck = row["saasmetrics_dask"], row["duckdb"]
        rate = row["events"] / ours["seconds"] if ours.get("seconds") else float("nan")
        ratio = (
            f"{ours['seconds'] / duck['seconds']:.2f}"
            if ours.get("seconds") and duck.get("seconds")
            else "-"
        )
        lines.append(
            f"| {row['analysis']} | {row['events'] / 1e6:g}M | {_fmt(ours)} | {rate:,.0f} | "
            f"{_fmt(duck)} | {ratio} | {_fmt(row.get('pandas'))} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
