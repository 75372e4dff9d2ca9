"""Foundation benchmarks: EventLog construction vs a pandas sort; period bucketing vs pandas."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics import EventLog
from saasmetrics._kernels.periods import calendar_period, parse_freq


def _events(n: int, n_users: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = np.array([f"event_{i:02d}" for i in range(20)])
    return pd.DataFrame(
        {
            "user_id": rng.integers(0, n_users, n),
            "timestamp": pd.to_datetime(
                rng.integers(1_700_000_000, 1_730_000_000, n) * 1_000_000_000
            ),
            "event": names[rng.integers(0, names.size, n)],
        }
    )


def _check_sorted(ours: EventLog, name: str, theirs: Any) -> None:
    if isinstance(theirs, pd.DataFrame):
        users = ours.users.take(ours.user_codes)
        # same multiset of (user, time) runs: compare the time column in each user's order
        a = pd.Series(ours.time_ns).groupby(np.asarray(users)).apply(list).sort_index()
        b = theirs["timestamp"].astype("int64").groupby(theirs["user_id"]).apply(list).sort_index()
        if not a.equals(b):
            msg = f"{name} sorted differently from EventLog"
            raise AssertionError(msg)


def cases(quick: bool) -> list[Case]:
    n, n_users = (200_000, 10_000) if quick else (10_000_000, 500_000)
    size = f"{n / 1e6:g}M events"

    def build(data: pd.DataFrame) -> EventLog:
        return EventLog(data, properties=[])

    def pandas_sort(data: pd.DataFrame) -> pd.DataFrame:
        return data.sort_values(["user_id", "timestamp"], kind="stable")

    def numpy_lexsort(data: pd.DataFrame) -> np.ndarray:
        user = data["user_id"].to_numpy()
        return np.lexsort((data["timestamp"].to_numpy().view(np.int64), user))

    def numpy_argsort(data: pd.DataFrame) -> np.ndarray:
        # The floor: one argsort of (user, time) packed in one int64 key. It packs only because
        # this data's times are whole seconds (19 user bits + 25 bits of seconds); ours takes
        # any nanosecond times, keeps input order among ties and validates and encodes too.
        user = data["user_id"].to_numpy()
        seconds = data["timestamp"].to_numpy().view(np.int64) // 10**9
        seconds -= seconds.min()
        key = (user - user.min()) << int(seconds.max()).bit_length() | seconds
        return np.argsort(key)

    alternatives = {
        "pandas sort_values": pandas_sort,
        "numpy lexsort (user, time)": numpy_lexsort,
        "numpy argsort of one packed int64 key": numpy_argsort,
    }
    notes: list[str] = []
    if have("duckdb"):
        import duckdb

        def duckdb_order(data: pd.DataFrame) -> Any:
            con = duckdb.connect()
            con.register("events", data)
            return con.sql("SELECT * FROM events ORDER BY user_id, timestamp").df()

        alternatives["duckdb ORDER BY"] = duckdb_order
    else:
        notes.append("duckdb not installed: skipped")
    eventlog_case = Case(
        name="eventlog/build (validate+encode+sort)",
        size=size,
        setup=lambda: _events(n, n_users),
        ours=build,
        alternatives=alternatives,
        check=_check_sorted if quick else None,
        notes=notes,
    )

    def setup_times() -> dict[str, Any]:
        frame = _events(n, n_users)
        ts = frame["timestamp"]
        return {"series": ts, "ns": ts.to_numpy().view(np.int64)}

    month = parse_freq("MS")
    week = parse_freq("W")

    def ours_month(d: dict[str, Any]) -> Any:
        return calendar_period(d["ns"], month)

    def ours_week(d: dict[str, Any]) -> Any:
        return calendar_period(d["ns"], week)

    def check_month(ours: Any, name: str, theirs: Any) -> None:
        if name == "pandas dt.to_period":
            expected = theirs.dt.start_time.to_numpy().astype("datetime64[M]").astype(np.int64)
            np.testing.assert_array_equal(ours, expected)

    period_cases = [
        Case(
            name="periods/calendar month",
            size=size,
            setup=setup_times,
            ours=ours_month,
            alternatives={"pandas dt.to_period": lambda d: d["series"].dt.to_period("M")},
            check=check_month if quick else None,
        ),
        Case(
            name="periods/calendar week",
            size=size,
            setup=setup_times,
            ours=ours_week,
            alternatives={"pandas dt.to_period": lambda d: d["series"].dt.to_period("W")},
        ),
    ]
    return [eventlog_case, *period_cases]
