"""CLV at scale: BG/NBD fitted on the grouped RFM statistics of a Dask cluster.

``python -m benchmarks.scale_clv --customers 1M,10M`` builds, for each size, the transactions of
that many customers as a dask DataFrame generated partition by partition on the workers (never
whole on the client; ``--per-partition`` customers each, whole customers per partition), then
on a ``LocalCluster`` of ``--workers`` single-threaded worker processes capped at ``--memory``:

1. ``rfm_summary(..., grouped=True, partitioned_by="customer_id")``: each partition's customers
   grouped into distinct (frequency, recency, T) rows with a customer count, the counts added in
   the merge; only those rows reach the client;
2. ``BetaGeoModel().fit(statistics, weights_col="customers")`` on the client.

Purchases follow the BG/NBD story with known parameters (``TRUE``): a Poisson rate per customer
(gamma), a drop-out chance after each repeat purchase (beta), first purchases spread over a
year, observed to the end of it; times are whole days, so customers share statistics. It
reports the time of each step, the peak RSS of a worker (workers are restarted first), the
number of distinct triples and the fitted parameters next to the true ones.
Results go to ``--out`` (JSON) and a Markdown table is printed for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import resource
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.lake import _count

TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}  # per week, near CDNOW's fit
EPOCH = pd.Timestamp("2024-01-01")
DAYS = 364
OBSERVATION_END = EPOCH + pd.Timedelta(DAYS, "D")


def transactions_part(index: int, per_partition: int) -> pd.DataFrame:
    """The transactions of customers ``index * per_partition ..`` (own seed per partition)."""
    rng = np.random.default_rng(7000 + index)
    n = per_partition
    birth = rng.integers(0, DAYS, n)
    weeks = (DAYS - birth) / 7.0
    rate = rng.gamma(TRUE["r"], 1.0 / TRUE["alpha"], n)  # purchases per week
    drop = rng.beta(TRUE["a"], TRUE["b"], n)
    # repeat purchases: a Poisson process on (0, T] stopped after the purchase that drops out
    n_poisson = rng.poisson(rate * weeks)
    n_until_drop = rng.geometric(np.clip(drop, 1e-12, 1.0))
    n_repeat = np.minimum(n_poisson, n_until_drop)
    who = np.repeat(np.arange(n), n_poisson)
    at = rng.random(who.size) * weeks[who]
    order = np.lexsort((at, who))
    who, at = who[order], at[order]
    rank = np.arange(who.size) - np.repeat(np.cumsum(n_poisson) - n_poisson, n_poisson)
    kept = rank < n_repeat[who]
    who, at = who[kept], at[kept]
    customer = np.r_[np.arange(n), who] + index * per_partition
    day = np.r_[birth, birth[who] + np.floor(at * 7.0).astype(np.int64)]
    return pd.DataFrame(
        {
            "customer_id": customer.astype(np.int64),
            "timestamp": (EPOCH + pd.to_timedelta(day, unit="D")).as_unit("us"),
        }
    )


def transactions(n_customers: int, per_partition: int) -> Any:
    """A dask DataFrame of the transactions, each partition built on a worker."""
    import dask.dataframe as dd

    n_parts = max(1, -(-n_customers // per_partition))
    meta = transactions_part(0, 1).iloc[:0]
    return dd.from_map(
        transactions_part,
        range(n_parts),
        per_partition=per_partition,
        meta=meta,
        enforce_metadata=False,
    )


def run_size(n_customers: int, per_partition: int, client: Any) -> dict[str, Any]:
    from saasmetrics.unit_economics import BetaGeoModel, rfm_summary

    client.restart()
    frame = transactions(n_customers, per_partition)
    start = time.perf_counter()
    stats = rfm_summary(
        frame,
        time_unit="7D",
        observation_end=OBSERVATION_END,
        grouped=True,
        partitioned_by="customer_id",
    )
    rfm_seconds = time.perf_counter() - start

    def maxrss() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    peaks = client.run(maxrss)
    start = time.perf_counter()
    model = BetaGeoModel().fit(stats, weights_col="customers")
    fit_seconds = time.perf_counter() - start
    return {
        "customers": int(stats["customers"].sum()),
        "partitions": int(frame.npartitions),
        "triples": len(stats),
        "rfm_seconds": rfm_seconds,
        "fit_seconds": fit_seconds,
        "peak_worker_gib": max(peaks.values()) / 2**30,
        "statistics_mib": float(stats.memory_usage(deep=True).sum()) / 2**20,
        "params": {k: float(v) for k, v in model.params_.items()},
        "true_params": TRUE,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale_clv", description=__doc__)
    parser.add_argument("--customers", default="1M,10M")
    parser.add_argument("--per-partition", default="250K", help="customers per partition")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory", default="4GiB", help="memory limit per worker")
    parser.add_argument("--out", default="benchmarks/results/scale_clv.json")
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    sizes = [_count(s) for s in args.customers.split(",")]
    per_partition = _count(args.per_partition)
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
            row = run_size(size, per_partition, client)
            report["rows"].append(row)
            print(json.dumps(row))
            sys.stdout.flush()
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(_markdown(report))
    return 0


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        (
            "| customers | partitions | rfm_summary on Dask (grouped) | peak per worker | "
            "distinct triples | BG/NBD fit | r, alpha, a, b (true 0.25, 4.0, 0.8, 2.5) |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        params = ", ".join(f"{v:.3g}" for v in row["params"].values())
        lines.append(
            f"| {row['customers'] / 1e6:g}M | {row['partitions']} | {row['rfm_seconds']:.1f} s | "
            f"{row['peak_worker_gib']:.2f} GiB | {row['triples']:,} | "
            f"{row['fit_seconds']:.1f} s | {params} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
