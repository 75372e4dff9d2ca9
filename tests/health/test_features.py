"""account_features, churn_labels, feature_snapshots, time_split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics import EventLog
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    InputError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)
from saasmetrics.health import account_features, churn_labels, feature_snapshots, time_split

AS_OF = pd.Timestamp("2024-04-01")
EVENTS = ("login", "create_report", "export_data", "support_ticket")

# (account, user within account, event, hours before AS_OF (negative = after it))
event_rows = st.lists(
    st.tuples(
        st.integers(0, 3), st.integers(0, 2), st.sampled_from(EVENTS), st.integers(-500, 2000)
    ),
    min_size=1,
    max_size=60,
)


def _frame(rows: list[tuple[int, int, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [f"a{a}" for a, _, _, _ in rows],
            "user_id": [f"u{a}{u}" for a, u, _, _ in rows],
            "timestamp": [AS_OF - pd.Timedelta(hours=h) for _, _, _, h in rows],
            "event": [e for _, _, e, _ in rows],
        }
    )


def _oracle(rows: list[tuple[int, int, str, int]], window_h: int, depth: int) -> pd.DataFrame:
    """Slow per-account computation of the main columns straight from the definitions."""
    past = [r for r in rows if r[3] > 0]
    out = {}
    for acc in sorted({r[0] for r in past}):
        mine = [r for r in past if r[0] == acc]
        cur = [r for r in mine if r[3] <= window_h]
        prev = [r for r in mine if window_h < r[3] <= 2 * window_h]
        users = sorted({r[1] for r in mine})
        totals = {u: sum(1 for r in mine if r[1] == u) for u in users}
        key = min(users, key=lambda u: (-totals[u], f"u{acc}{u}"))  # ties: smallest user id
        day = lambda r: (r[3] * 3600 * 10**9 - 1) // (86_400 * 10**9)  # noqa: E731
        user_days = {u: len({day(r) for r in cur if r[1] == u}) for u in users}
        c, p = len(cur), len(prev)
        out[f"a{acc}"] = {
            "tenure_days": max(r[3] for r in mine) / 24,
            "users": len(users),
            "days_since_active": min(r[3] for r in mine) / 24,
            "days_since_key_user_active": min(r[3] for r in mine if r[1] == key) / 24,
            "active_days_w": len({day(r) for r in cur}),
            "events_w": c,
            "logins_w": sum(1 for r in cur if r[2] == "login"),
            "active_users_w": len({r[1] for r in cur}),
            "core_features_w": len({r[2] for r in cur if r[2] in ("create_report", "export_data")}),
            "deep_user_share_w": sum(d >= depth for d in user_days.values()) / len(users),
            "key_user_active_days_w": user_days[key],
            "events_trend_w": 0.0 if c + p == 0 else (c - p) / (c + p),
            "tickets_w": sum(1 for r in cur if r[2] == "support_ticket"),
            "create_report_w": sum(1 for r in cur if r[2] == "create_report"),
        }
    return pd.DataFrame.from_dict(out, orient="index")


@given(event_rows, st.integers(24, 24 * 40), st.integers(1, 3))
def test_matches_the_oracle(
    rows: list[tuple[int, int, str, int]], window_h: int, depth: int
) -> None:
    if not any(r[3] > 0 for r in rows):
        return
    frame = _frame(rows)
    tracked = ["create_report"] if "create_report" in set(frame["event"]) else []
    got = account_features(
        frame,
        as_of=AS_OF,
        windows=[pd.Timedelta(hours=window_h)],
        depth_days=depth,
        track=tracked,
    )
    label = got.columns[got.columns.str.startswith("events_trend_")][0].removeprefix(
        "events_trend_"
    )
    got = got.rename(columns=lambda c: c.replace(f"_{label}", "_w"))
    expected = _oracle(rows, window_h, depth)
    assert got.index.tolist() == expected.index.tolist()
    for col in expected.columns:
        if col == "create_report_w" and not tracked:
            continue
        np.testing.assert_allclose(got[col].to_numpy(), expected[col].to_numpy(), err_msg=col)


@given(event_rows, event_rows)
def test_point_in_time_never_reads_after_as_of(
    rows: list[tuple[int, int, str, int]], more: list[tuple[int, int, str, int]]
) -> None:
    past = [r for r in rows if r[3] > 0]
    if not past:
        return
    future = [(a + 5, u, e, -abs(h)) for a, u, e, h in more]  # new accounts too
    future += [(a, u, e, -abs(h)) for a, u, e, h in more]  # and the same ones
    base = account_features(_frame(past), as_of=AS_OF)
    with_future = account_features(_frame(past + future), as_of=AS_OF)
    pd.testing.assert_frame_equal(base, with_future)


@given(event_rows, st.randoms(use_true_random=False))
def test_row_order_is_irrelevant(rows: list[tuple[int, int, str, int]], rnd) -> None:  # type: ignore[no-untyped-def]
    if not any(r[3] > 0 for r in rows):
        return
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = account_features(_frame(rows), as_of=AS_OF)
    b = account_features(_frame(shuffled), as_of=AS_OF)
    pd.testing.assert_frame_equal(a, b)  # key-user ties go to the smallest id, not the first row


@given(event_rows, st.sampled_from(["int64", "int32", "uint16"]), st.booleans())
def test_integer_ids_and_categorical_events_give_the_same_table(
    rows: list[tuple[int, int, str, int]], id_dtype: str, from_log: bool
) -> None:
    # integer ids and categorical events are numbered by counting, not hashing: same table
    if not any(r[3] > 0 for r in rows):
        return
    frame = _frame(rows)
    coded = frame.assign(
        account_id=np.array([a + 7 for a, _, _, _ in rows], dtype=id_dtype),
        user_id=np.array([(a + 7) * 10 + u for a, u, _, _ in rows], dtype=id_dtype),
        event=pd.Categorical(frame["event"], categories=[*reversed(EVENTS), "unused"]),
    )
    track = ["export_data"] if "export_data" in set(frame["event"]) else []
    expected = account_features(frame, as_of=AS_OF, track=track)
    data = EventLog(coded) if from_log else coded
    got = account_features(data, as_of=AS_OF, track=track)
    assert got.index.dtype == np.dtype(id_dtype)
    assert [f"a{a - 7}" for a in got.index] == expected.index.tolist()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


I64_MIN, I64_MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)


@given(
    event_rows,
    st.sampled_from(
        [  # (first id, step, dtype): int64 edges, negative, sparse, near uint32 / above int64
            (I64_MIN, 1, "int64"),
            (I64_MAX - 40, 1, "int64"),
            (-(10**9), 1, "int64"),
            (1, 10**12, "int64"),
            (2**32 - 50, 1, "uint32"),
            (2**63, 1, "uint64"),
        ]
    ),
    st.booleans(),
)
def test_integer_ids_at_any_range_give_the_same_table(
    rows: list[tuple[int, int, str, int]], ids: tuple[int, int, str], from_log: bool
) -> None:
    # review of #16: the counting numbering must not overflow or misorder ids far from 0
    if not any(r[3] > 0 for r in rows):
        return
    first, step, dtype = ids
    frame = _frame(rows)
    coded = frame.assign(
        account_id=np.array([first + a * step for a, _, _, _ in rows], dtype=object).astype(dtype),
        user_id=np.array([first + (a * 10 + u) * step for a, u, _, _ in rows], dtype=object).astype(
            dtype
        ),
    )
    expected = account_features(frame, as_of=AS_OF)
    got = account_features(EventLog(coded) if from_log else coded, as_of=AS_OF)
    assert got.index.dtype == np.dtype(dtype)
    assert [f"a{(int(a) - first) // step}" for a in got.index] == expected.index.tolist()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


def _subs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a0", "a0", "a1", "a2", "a3"],
            "start": pd.to_datetime(
                ["2024-01-01", "2024-03-15", "2024-02-01", "2024-01-01", "2024-05-01"]
            ),
            "end": pd.to_datetime(["2024-03-15", None, "2024-05-01", "2024-03-20", None]),
            "mrr": [100.0, 150.0, 50.0, 80.0, 99.0],
        }
    )


def test_mrr_and_mrr_change_read_only_the_past() -> None:
    events = _frame([(0, 0, "login", 10), (1, 0, "login", 100), (2, 0, "login", 300)])
    feats = account_features(events, _subs(), as_of=AS_OF, windows=["30D"])
    # a3's subscription starts after as_of: it is not an account yet
    assert feats.index.tolist() == ["a0", "a1", "a2"]
    assert feats["mrr"].tolist() == [150.0, 50.0, 0.0]
    # 30 days before 2024-04-01 is 2024-03-02: a0 paid 100, a1 50, a2 80
    assert feats["mrr_change_30d"].tolist() == [50.0, 0.0, -80.0]


def test_subscription_only_accounts_are_kept_with_zero_activity() -> None:
    events = _frame([(0, 0, "login", 10)])
    feats = account_features(events, _subs(), as_of=AS_OF, windows=["30D"])
    assert feats.loc["a1", "events_30d"] == 0
    assert np.isnan(feats.loc["a1", "days_since_active"])
    assert feats.loc["a1", "tenure_days"] == (AS_OF - pd.Timestamp("2024-02-01")).days


def test_churn_labels_follow_the_definition() -> None:
    labels = churn_labels(_subs(), as_of="2024-03-01", horizon="60D")
    # a0 upgrades on 03-15 (continued), a1 ends 05-01 (outside 60 days), a2 ends 03-20
    assert labels.to_dict() == {"a0": False, "a1": False, "a2": True}
    assert churn_labels(_subs(), as_of="2024-03-01", horizon="90D")["a1"]


def test_eventlog_input_gives_the_same_table() -> None:
    frame = _frame([(0, 0, "login", 10), (0, 1, "create_report", 30), (1, 0, "login", 900)])
    from_log = account_features(EventLog(frame), as_of=AS_OF)
    pd.testing.assert_frame_equal(from_log, account_features(frame, as_of=AS_OF))


def test_caller_frame_is_not_mutated() -> None:
    frame = _frame([(0, 0, "login", 10), (1, 0, "login", 900)])
    copy = frame.copy()
    account_features(frame, _subs(), as_of=AS_OF)
    pd.testing.assert_frame_equal(frame, copy)


def test_tz_aware_data_reads_naive_as_of_in_its_zone() -> None:
    frame = _frame([(0, 0, "login", 10), (1, 0, "login", 900)])
    aware = frame.assign(timestamp=frame["timestamp"].dt.tz_localize("Asia/Tokyo"))
    pd.testing.assert_frame_equal(
        account_features(aware, as_of=AS_OF), account_features(frame, as_of=AS_OF)
    )


def test_bad_input_is_refused_clearly() -> None:
    frame = _frame([(0, 0, "login", 10)])
    with pytest.raises(ParameterError, match="before all events"):
        account_features(frame, as_of="2020-01-01")
    with pytest.raises(MissingColumnError, match="account_col"):
        account_features(frame.drop(columns="account_id"), as_of=AS_OF)
    with pytest.raises(ParameterError, match="unknown event 'nope'"):
        account_features(frame, as_of=AS_OF, track=["nope"])
    with pytest.raises(ParameterError, match="duration"):
        account_features(frame, as_of=AS_OF, windows=["soon"])
    with pytest.raises(ParameterError, match="depth_days"):
        account_features(frame, as_of=AS_OF, depth_days=0)
    bad = frame.assign(account_id=[None])
    with pytest.raises(InputError, match="null account ids"):
        account_features(bad, as_of=AS_OF)


def test_snapshots_and_time_split() -> None:
    events = _frame([(a, 0, "login", h) for a in range(3) for h in (10, 500, 1500, 2500)])
    snaps = feature_snapshots(
        events, _subs(), as_of=["2024-02-15", "2024-03-10"], horizon="30D", windows=["30D"]
    )
    assert set(snaps.columns[:3]) == {"account_id", "as_of", "churned"}
    assert snaps["churned"].dtype == bool
    first = snaps[snaps["as_of"] == "2024-02-15"].set_index("account_id")["churned"]
    assert first.to_dict() == {"a0": False, "a1": False, "a2": False}
    second = snaps[snaps["as_of"] == "2024-03-10"].set_index("account_id")["churned"]
    assert second.to_dict() == {"a0": False, "a1": False, "a2": True}
    train, test = time_split(snaps, test_from="2024-03-10", horizon="20D")
    assert (train["as_of"] == "2024-02-15").all()
    assert (test["as_of"] == "2024-03-10").all()
    with pytest.raises(EmptyDataError):
        time_split(snaps, test_from="2024-03-10", horizon="30D")


def test_polars_and_arrow_inputs_give_the_same_table() -> None:
    frame = _frame([(0, 0, "login", 10), (0, 1, "create_report", 30), (1, 0, "login", 900)])
    expected = account_features(frame, as_of=AS_OF)
    pl = pytest.importorskip("polars")
    pd.testing.assert_frame_equal(account_features(pl.from_pandas(frame), as_of=AS_OF), expected)
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(frame)
    pd.testing.assert_frame_equal(account_features(table, as_of=AS_OF), expected)


def test_snapshots_fast_path_equals_the_per_date_computation() -> None:
    rows = [
        (a, u, e, h)
        for a in range(4)
        for u in range(2)
        for e, h in (
            ("login", 10 + 7 * a + u),
            ("create_report", 400 + 50 * u),
            ("login", 1500 + a),
        )
    ]
    events = _frame(rows)
    subs = _subs()
    dates = ["2024-02-15", "2024-03-10"]
    snaps = feature_snapshots(
        events,
        subs,
        as_of=dates,
        horizon="30D",
        windows=["14D"],
        track=["create_report"],
        paying_only=False,
    )
    for date in dates:
        part = snaps[snaps["as_of"] == date].set_index("account_id")
        expected = account_features(
            events, subs, as_of=date, windows=["14D"], track=["create_report"]
        )
        pd.testing.assert_frame_equal(part.drop(columns=["as_of", "churned"]), expected)
        labels = churn_labels(subs, as_of=date, horizon="30D")
        got = part["churned"].dropna()
        assert got.astype(bool).to_dict() == labels.to_dict()


# (customer, start day, length in days or None for open, mrr); rows of a customer may touch
sub_rows = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.integers(0, 200),
        st.one_of(st.none(), st.integers(1, 120)),
        st.sampled_from([0.0, 10.0, 50.0]),
    ),
    min_size=1,
    max_size=12,
)


@given(sub_rows, st.integers(1, 250), st.integers(1, 90))
def test_churn_labels_match_a_python_oracle(rows, as_of_day, horizon_days) -> None:  # type: ignore[no-untyped-def]
    base = pd.Timestamp("2024-01-01")
    # keep each customer's intervals non-overlapping: lay them end to end in input order
    cursor: dict[int, int] = {}
    intervals = []
    for c, start, length, mrr in rows:
        s0 = max(start, cursor.get(c, 0))
        if cursor.get(c) == -1:  # an open row already ends this customer's history
            continue
        e0 = None if length is None else s0 + length
        cursor[c] = -1 if e0 is None else e0
        intervals.append((f"c{c}", s0, e0, mrr))
    subs = pd.DataFrame(
        {
            "customer_id": [i[0] for i in intervals],
            "start": [base + pd.Timedelta(days=i[1]) for i in intervals],
            "end": [pd.NaT if i[2] is None else base + pd.Timedelta(days=i[2]) for i in intervals],
            "mrr": [i[3] for i in intervals],
        }
    )
    got = churn_labels(subs, as_of=base + pd.Timedelta(days=as_of_day), horizon=f"{horizon_days}D")
    t, h = as_of_day, horizon_days
    expected = {}
    for cust in sorted({i[0] for i in intervals}):
        mine = [i for i in intervals if i[0] == cust]
        # paying just before t: a row with positive MRR covers t - epsilon
        paying = sum(m for _, s0, e0, m in mine if s0 < t and (e0 is None or e0 >= t)) > 0
        if not paying:
            continue
        starts = {s0 for _, s0, _, m in mine if m > 0}  # a move to a free row is churn
        expected[cust] = any(
            e0 is not None and t <= e0 < t + h and e0 not in starts for _, _, e0, _ in mine
        )
    assert got.to_dict() == expected


def test_snapshots_do_not_mutate_their_inputs() -> None:
    events = _frame([(a, 0, "login", h) for a in range(3) for h in (10, 500)])
    subs = _subs()
    before_events, before_subs = events.copy(), subs.copy()
    feature_snapshots(events, subs, as_of=["2024-03-25"], horizon="30D", windows=["30D"])
    pd.testing.assert_frame_equal(events, before_events)
    pd.testing.assert_frame_equal(subs, before_subs)


def test_churn_labels_a_second_subscription_still_running_is_not_churn() -> None:
    # review: one of two concurrent subscriptions ending used to label the customer churned
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-10"]),
            "end": pd.to_datetime([None, "2024-02-15", "2024-02-15", "2024-02-20"]),
            "mrr": [100.0, 50.0, 100.0, 20.0],
        }
    )
    labels = churn_labels(subs, as_of="2024-02-01", horizon="30D")
    # a keeps paying 100 on its open row; b's last paying row ends on 2024-02-20
    assert labels.to_dict() == {"a": False, "b": True}


@given(sub_rows, st.integers(1, 250), st.integers(1, 90))
def test_churn_labels_with_overlapping_rows_match_a_python_oracle(  # type: ignore[no-untyped-def]
    rows, as_of_day, horizon_days
) -> None:
    base = pd.Timestamp("2024-01-01")
    intervals = [
        (f"c{c}", s0, None if length is None else s0 + length, mrr) for c, s0, length, mrr in rows
    ]
    subs = pd.DataFrame(
        {
            "customer_id": [i[0] for i in intervals],
            "start": [base + pd.Timedelta(days=i[1]) for i in intervals],
            "end": [pd.NaT if i[2] is None else base + pd.Timedelta(days=i[2]) for i in intervals],
            "mrr": [i[3] for i in intervals],
        }
    )
    got = churn_labels(subs, as_of=base + pd.Timedelta(days=as_of_day), horizon=f"{horizon_days}D")
    t, h = as_of_day, horizon_days
    expected = {}
    for cust in sorted({i[0] for i in intervals}):
        mine = [i for i in intervals if i[0] == cust]
        paying = sum(m for _, s0, e0, m in mine if s0 < t and (e0 is None or e0 >= t)) > 0
        if not paying:
            continue

        def paid_at(x: int, mine: list[tuple[str, int, int | None, float]] = mine) -> bool:
            return any(m > 0 and s0 <= x and (e0 is None or x < e0) for _, s0, e0, m in mine)

        expected[cust] = any(
            e0 is not None and t <= e0 < t + h and not paid_at(e0) for _, _, e0, _ in mine
        )
    assert got.to_dict() == expected


def test_numeric_event_ids_and_text_subscription_ids_are_one_account() -> None:
    # review: 7 and "7" silently became two accounts (one with events, one with MRR); issue 14
    # item 5 then made one id rule for the library: 7, 7.0 and "7" are one id (as attribution
    # matches user ids), so the two sides are matched as text instead of refused
    events = _frame([(0, 0, "login", 10), (1, 0, "login", 20)])
    as_text = account_features(events, _subs(), as_of=AS_OF, windows=["30D"])
    events["account_id"] = events["account_id"].str[1:].astype(int)
    subs = _subs()
    assert subs["customer_id"].map(type).eq(str).all()
    numbers = subs.assign(customer_id=subs["customer_id"].str[1:])
    mixed = account_features(events, numbers, as_of=AS_OF, windows=["30D"])
    assert mixed.index.tolist() == [i[1:] for i in as_text.index]
    np.testing.assert_array_equal(mixed.to_numpy(), as_text.to_numpy())
    snaps = feature_snapshots(events, numbers, as_of=[AS_OF], windows=["30D"])
    assert len(snaps) == len(as_text.loc[as_text["mrr"] > 0]) if "mrr" in as_text else len(snaps)
    # the same ids on both sides keep their type
    same = subs.assign(customer_id=subs["customer_id"].str[1:].astype(int))
    feats = account_features(events, same, as_of=AS_OF, windows=["30D"])
    assert feats.index.dtype.kind == "i"


def test_time_split_and_snapshots_bad_or_zoned_dates() -> None:
    # review: a bad test_from raised pandas' DateParseError, tz-aware snapshot dates a
    # TypeError, and feature_snapshots(as_of="2024-02-01") iterated over the characters
    snaps = pd.DataFrame(
        {"as_of": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01"]), "x": [1, 2, 3]}
    )
    with pytest.raises(ParameterError, match="not a timestamp"):
        time_split(snaps, test_from="garbage")
    with pytest.raises(ParameterError, match="must be a timestamp"):
        time_split(snaps, test_from=None)
    with pytest.raises(SchemaError, match="not dates"):
        time_split(snaps.assign(as_of=["a", "b", "c"]), test_from="2024-06-01")
    zoned = snaps.assign(as_of=snaps["as_of"].dt.tz_localize("UTC"))
    train, test = time_split(zoned, test_from="2024-06-01")
    assert (train["x"].tolist(), test["x"].tolist()) == ([1, 2], [3])
    with pytest.raises(SchemaError, match="tz-aware"):
        time_split(snaps, test_from=pd.Timestamp("2024-06-01", tz="UTC"))
    events = _frame([(0, 0, "login", 10), (1, 0, "login", 20)])
    one = feature_snapshots(events, _subs(), as_of="2024-04-01", horizon="30D", windows=["30D"])
    many = feature_snapshots(events, _subs(), as_of=[AS_OF], horizon="30D", windows=["30D"])
    pd.testing.assert_frame_equal(one, many)


def test_window_labels_name_sub_minute_windows_exactly() -> None:
    # review: "90s" and "1ns" were both labelled "0min"/"1min" (rounded down), so two short
    # windows could collide and a label could lie about its window
    events = _frame([(0, 0, "login", 10)])
    feats = account_features(events, as_of=AS_OF, windows=["90s", "1ns", "2h", "7D", "1500ms"])
    for label in ("90s", "1ns", "2h", "7d", "1500ms"):
        assert f"events_{label}" in feats.columns


# --------------------------------------------------------------------------- issue 14, items 6, 10
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, "n/a"])
def test_infinite_or_missing_mrr_is_refused_not_a_feature(bad: object) -> None:
    events = _frame([(0, 0, "login", 10), (1, 0, "login", 100)])
    subs = _subs().astype({"mrr": object})
    subs.loc[1, "mrr"] = bad
    with pytest.raises(InputError, match="'mrr'"):
        account_features(events, subs, as_of=AS_OF)
    with pytest.raises(InputError, match="'mrr'"):
        churn_labels(subs, as_of=AS_OF)
    with pytest.warns(DataQualityWarning, match="1 of 5"):
        feats = account_features(events, subs, as_of=AS_OF, on_invalid="drop")
    assert np.isfinite(feats["mrr"]).all()


def test_time_split_refuses_missing_dates_instead_of_losing_rows() -> None:
    snaps = pd.DataFrame(
        {"as_of": pd.to_datetime(["2024-01-01", None, "2024-06-01"]), "x": [1, 2, 3]}
    )
    with pytest.raises(InputError, match="1 of 3"):
        time_split(snaps, test_from="2024-06-01")


def test_time_split_accepts_polars_and_arrow() -> None:
    pl = pytest.importorskip("polars")
    snaps = pd.DataFrame(
        {"as_of": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01"]), "x": [1, 2, 3]}
    )
    expected = time_split(snaps, test_from="2024-06-01")
    for other in (pl.from_pandas(snaps), pl.from_pandas(snaps).to_arrow()):
        got = time_split(other, test_from="2024-06-01")
        for a, b in zip(got, expected, strict=True):
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_an_unparseable_end_is_dropped_for_that_reason_alone() -> None:
    # an end that could not be read held NaT's integer, the smallest of all, so its row was
    # also counted as ending before it starts, a reason the data does not have
    events = _frame([(0, 0, "login", 10), (1, 0, "login", 20)])
    subs = pd.DataFrame(
        {
            "customer_id": ["a0", "a1", "a1"],
            "start": "2024-01-01",
            "end": [None, "garbage", "2024-02-01"],
            "mrr": 1.0,
        }
    )
    with pytest.warns(DataQualityWarning) as caught:
        account_features(events, subs, as_of=AS_OF, on_invalid="drop")
    (message,) = [str(w.message) for w in caught]
    assert "end: unparseable timestamps (1)" in message
    assert "before they start" not in message


@given(
    st.lists(st.integers(-5, 40), max_size=50),
    st.sampled_from(["int64", "int16", "uint8", "float64"]),
)
def test_raw_user_codes_map_to_the_sorted_factorization(values: list[int], dtype: str) -> None:
    # raw codes (gaps allowed) mapped through their table give factorize(sort=True)'s codes
    from saasmetrics.health._features import _raw_codes

    series = pd.Series(np.array(values, dtype=np.int64) % 256 if dtype == "uint8" else values)
    series = series.astype(dtype)
    raw, uniques, total, of_raw = _raw_codes(series)
    codes, expected = pd.factorize(series, sort=True)
    mapped = raw if of_raw is None else of_raw[raw]
    np.testing.assert_array_equal(mapped, codes)
    pd.testing.assert_index_equal(uniques, pd.Index(expected))
    np.testing.assert_array_equal(total, np.bincount(raw, minlength=total.size))
    np.testing.assert_array_equal(total[total > 0], np.bincount(codes, minlength=len(expected)))


@given(st.lists(st.sampled_from(EVENTS), max_size=40), st.booleans())
def test_narrow_event_codes_equal_the_sorted_factorization(names: list[str], cat: bool) -> None:
    from saasmetrics.health._features import _event_codes

    series = pd.Series(names, dtype="str")
    if cat:
        series = series.astype(pd.CategoricalDtype([*reversed(EVENTS), "unused"]))
    codes, uniques = _event_codes(series)
    expected_codes, expected = pd.factorize(series, sort=True)
    np.testing.assert_array_equal(codes.astype(np.int64), expected_codes)
    assert list(uniques) == list(expected)


@given(event_rows, st.lists(st.integers(0, 3), min_size=1, max_size=60))
def test_users_in_several_accounts_give_the_same_table_as_text_ids(
    rows: list[tuple[int, int, str, int]], moved: list[int]
) -> None:
    # integer user ids shared by accounts (no user-per-account numbering) equal text ids of
    # the same order
    if not any(r[3] > 0 for r in rows):
        return
    frame = _frame(rows)
    user = np.array([10 * u + moved[i % len(moved)] for i, (_, u, _, _) in enumerate(rows)])
    got = account_features(frame.assign(user_id=user * 3), as_of=AS_OF)
    expected = account_features(frame.assign(user_id=[f"u{v:04d}" for v in user]), as_of=AS_OF)
    pd.testing.assert_frame_equal(got, expected)


@given(
    event_rows,
    st.lists(st.integers(0, 6), min_size=1, max_size=5),
    st.sampled_from([0, -3, 10**6]),
    st.booleans(),
)
def test_integer_accounts_with_gaps_and_customers_equal_text_ids(
    rows: list[tuple[int, int, str, int]], customers: list[int], shift: int, shared: bool
) -> None:
    # integer accounts are offsets, renumbered from the users' table and the customers when
    # some offset is unused; the table equals that of text ids of the same order
    if not any(r[3] > 0 for r in rows):
        return
    frame = _frame(rows)
    account = np.array([2 * a + shift for a, _, _, _ in rows])
    user = np.array([u if shared else 10 * a + u for a, u, _, _ in rows])
    subs = pd.DataFrame(
        {
            "customer_id": np.array([2 * c + shift for c in customers], dtype=np.int64),
            "start": pd.Timestamp("2024-01-01"),
            "end": pd.NaT,
            "mrr": 10.0,
        }
    )
    text = lambda v: [f"{x + 10**7:09d}" for x in v]  # noqa: E731
    for with_subs in (False, True):
        extra = (subs,) if with_subs else ()
        text_extra = (subs.assign(customer_id=text(subs["customer_id"])),) if with_subs else ()
        got = account_features(frame.assign(account_id=account, user_id=user), *extra, as_of=AS_OF)
        expected = account_features(
            frame.assign(account_id=text(account), user_id=user), *text_extra, as_of=AS_OF
        )
        assert got.index.dtype == np.int64
        assert text(got.index) == expected.index.tolist()
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


@given(event_rows, st.booleans())
def test_raw_pair_codes_map_back_and_last_ages_equal_the_per_row_ones(
    rows: list[tuple[int, int, str, int]], shared: bool
) -> None:
    # users with gaps (raw codes mapped through a table)
    from saasmetrics._kernels import health as hk
    from saasmetrics.health._features import _encode

    if not any(r[3] > 0 for r in rows):
        return
    user = [7 * u if shared else 1000 * a + 7 * u for a, u, _, _ in rows]
    enc = _encode(
        _frame(rows).assign(user_id=user),
        None,
        as_of=AS_OF,
        account_col="account_id",
        user_col="user_id",
        time_col="timestamp",
        event_col="event",
        customer_col="customer_id",
        start_col="start",
        end_col="end",
        mrr_col="mrr",
        on_invalid="raise",
    )
    pair = enc.pair_raw if enc.pair_of_raw is None else enc.pair_of_raw[enc.pair_raw]
    # raw codes carry their account and map back to the pairs
    np.testing.assert_array_equal(np.asarray(enc.raw_acc)[enc.pair_raw], enc.acc)
    np.testing.assert_array_equal(enc.pair_acc[pair], enc.acc)
    every_pair = np.arange(enc.n_pairs)
    back = enc.raw_of_pairs(every_pair)
    if enc.pair_of_raw is not None:
        back = enc.pair_of_raw[back]
    np.testing.assert_array_equal(back, every_pair)
    np.testing.assert_array_equal(
        enc.pair_last_age(), hk.group_min(pair, enc.age, enc.n_pairs, fill=0)
    )


def test_an_event_centuries_before_as_of_is_old_not_recent() -> None:
    """1700 is more than 2**63 ns before 2000: its age must not wrap to a negative number."""
    events = _frame([(0, 0, "login", 10 * 24), (0, 0, "login", 0), (1, 0, "login", 40 * 24)])
    events.loc[1, "timestamp"] = AS_OF - pd.DateOffset(years=300)  # a Timedelta cannot say it
    got = account_features(events, as_of=AS_OF, ticket_event=None)
    assert got.loc["a0", "days_since_active"] == 10  # not 300 years in the future
    assert got.loc["a0", "logins_30d"] == 1  # the one 10 days ago only
    assert got.loc["a0", "tenure_days"] >= 106_751  # ages are capped at the largest int64
