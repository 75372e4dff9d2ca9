"""Write a parquet "lake" of synthetic product events (and subscriptions), partitioned by user.

``python -m benchmarks.lake --events 200M --out /tmp/lake`` writes ``events/part-NNNN.parquet``
files of about 5M events each. Every file holds all events of a disjoint range of users, sorted
by user and time (as a warehouse export partitioned by user would be), so a reader can take
each file as one partition of whole users. ``subscriptions/part-NNNN.parquet`` holds the
subscription intervals of the same users (about one paying customer in ten).

Users sign up over 2024, stay active for a geometric number of days (mean 40) and do about 20
events each; event names follow a fixed mix in which the funnel steps ``signup`` (always the
first event), ``create_project``, ``invite_teammate`` and ``subscribe`` are a fair share.
Each file uses its own seed, so a file's content does not depend on how many are written.
"""

from __future__ import annotations

import argparse
import pathlib
import time

import numpy as np
import pandas as pd

EVENTS_PER_FILE = 5_000_000
EVENTS_PER_USER = 20
NAMES = np.array(
    ["create_project", "invite_teammate", "subscribe", *(f"event_{i:02d}" for i in range(13))]
)
WEIGHTS = np.r_[[0.07, 0.05, 0.02], np.linspace(2.0, 0.2, 13) / np.linspace(2.0, 0.2, 13).sum()]
WEIGHTS = WEIGHTS / WEIGHTS.sum()
EPOCH = pd.Timestamp("2024-01-01").value
DAY_NS = 86_400 * 10**9
PLANS_MRR = np.array([29.0, 99.0, 299.0])


def _count(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 10**3, "M": 10**6, "B": 10**9}.get(text[-1:], 1)
    return int(float(text.rstrip("KMB")) * scale)


def events_file(index: int) -> pd.DataFrame:
    """File ``index``: users ``index * U .. (index + 1) * U - 1``, sorted by user and time."""
    rng = np.random.default_rng(1000 + index)
    n_users = EVENTS_PER_FILE // EVENTS_PER_USER
    first_user = index * n_users
    start = rng.integers(0, 365 * DAY_NS, n_users)
    life = rng.geometric(1 / 40, n_users).astype(np.int64) * DAY_NS
    per_user = np.maximum(rng.poisson(EVENTS_PER_USER, n_users), 1)
    user = np.repeat(np.arange(n_users, dtype=np.int64), per_user)
    offset = (rng.random(user.size) * life[user]).astype(np.int64)
    first_row = np.r_[0, np.cumsum(per_user)[:-1]]
    offset[first_row] = 0  # the signup
    ts = EPOCH + start[user] + offset
    order = np.lexsort((ts, user))
    user, ts = user[order], ts[order]
    names = NAMES[rng.choice(NAMES.size, user.size, p=WEIGHTS)].astype(object)
    names[first_row] = "signup"  # after the sort, each user's first row is still first_row
    return pd.DataFrame(
        {
            "user_id": user + first_user,
            "timestamp": pd.to_datetime(ts).as_unit("us"),
            "event": pd.array(names, dtype="string[pyarrow]"),
        }
    )


def subscriptions_file(index: int) -> pd.DataFrame:
    """Subscription intervals of about one user in ten of file ``index``: some upgrade once."""
    rng = np.random.default_rng(5000 + index)
    n_users = EVENTS_PER_FILE // EVENTS_PER_USER
    first_user = index * n_users
    payer = np.flatnonzero(rng.random(n_users) < 0.1)
    start = EPOCH + rng.integers(0, 365 * DAY_NS, payer.size)
    months = rng.geometric(1 / 9, payer.size)
    end = start + months * 30 * DAY_NS
    still = rng.random(payer.size) < 0.3
    plan = rng.integers(0, 3, payer.size)
    upgrade = (rng.random(payer.size) < 0.2) & (plan < 2)
    switch = start + rng.integers(1, 6, payer.size) * 30 * DAY_NS
    first_end = np.where(upgrade, np.minimum(switch, end), end)
    rows = pd.DataFrame(
        {
            "customer_id": np.r_[payer, payer[upgrade]] + first_user,
            "start": np.r_[start, first_end[upgrade]],
            "end": np.r_[
                np.where(still & ~upgrade, -1, first_end), np.where(still, -1, end)[upgrade]
            ],
            "mrr": np.r_[PLANS_MRR[plan], PLANS_MRR[np.minimum(plan + 1, 2)][upgrade]],
        }
    )
    rows = rows[(rows["end"] < 0) | (rows["end"] > rows["start"])]
    frame = pd.DataFrame(
        {
            "customer_id": rows["customer_id"].to_numpy(),
            "start": pd.to_datetime(rows["start"].to_numpy()).as_unit("us"),
            "end": pd.to_datetime(rows["end"].where(rows["end"] >= 0).to_numpy()).as_unit("us"),
            "mrr": rows["mrr"].to_numpy(),
        }
    )
    return frame.sort_values(["customer_id", "start"], kind="stable").reset_index(drop=True)


def write_lake(out: pathlib.Path, n_events: int) -> list[pathlib.Path]:
    """Write (or keep, when already there) the files for ``n_events`` events."""
    n_files = max(1, round(n_events / EVENTS_PER_FILE))
    for table in ("events", "subscriptions"):
        (out / table).mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(n_files):
        path = out / "events" / f"part-{i:04d}.parquet"
        if not path.exists():
            events_file(i).to_parquet(path, index=False, row_group_size=1_000_000)
            subscriptions_file(i).to_parquet(
                out / "subscriptions" / f"part-{i:04d}.parquet", index=False
            )
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lake", description=__doc__)
    parser.add_argument("--events", default="200M", help="how many events (e.g. 10M, 200M)")
    parser.add_argument("--out", default="/tmp/saasmetrics-lake", help="the lake's folder")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    files = write_lake(pathlib.Path(args.out), _count(args.events))
    print(f"{len(files)} event files in {args.out} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
