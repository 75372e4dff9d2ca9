"""Threads in memory: the setting, the split of an EventLog, and results that do not depend on
the number of threads (the parts' partials merged as on Dask)."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saasmetrics import EventLog, config
from saasmetrics import eventlog as eventlog_module
from saasmetrics._kernels import parallel
from saasmetrics._kernels.parallel import in_threads
from saasmetrics.eventlog import split_event_log
from saasmetrics.exceptions import DataQualityWarning, ParameterError, SaasMetricsError
from saasmetrics.funnel import Step, conversion_paths, funnel, paths
from saasmetrics.retention import cohort_table, feature_retention, magic_number_search
from saasmetrics.scale import Analysis


@pytest.fixture(autouse=True)
def _fresh_setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(config.ENV_VAR, raising=False)
    config.set_threads(None)
    yield
    config.set_threads(None)


@pytest.fixture
def split_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let logs of a few events split (the real threshold keeps small logs on one thread)."""
    monkeypatch.setattr(eventlog_module, "MIN_EVENTS_PER_THREAD", 1)


# ----------------------------------------------------------------------------- the setting
def test_default_is_one_thread() -> None:
    assert config.get_threads() == 1


@pytest.mark.parametrize(("raw", "expected"), [("3", 3), (" 2 ", 2), ("", 1)])
def test_environment_variable(monkeypatch: pytest.MonkeyPatch, raw: str, expected: int) -> None:
    monkeypatch.setenv(config.ENV_VAR, raw)
    assert config.get_threads() == expected


def test_environment_variable_all_is_every_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_VAR, "ALL")
    assert config.get_threads() == config._cores() >= 1


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5", "--2", "\u00b2", "-"])
def test_bad_environment_variable_names_it(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(config.ENV_VAR, raw)
    with pytest.raises(ParameterError, match=config.ENV_VAR):
        config.get_threads()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "some", None])
def test_bad_counts_are_refused(bad: Any) -> None:
    with pytest.raises(ParameterError, match="threads"), config.threads(bad):
        pass
    if bad is not None:  # None forgets set_threads
        with pytest.raises(ParameterError, match="set_threads"):
            config.set_threads(bad)
    assert config.get_threads() == 1


def test_numpy_integers_are_whole_numbers() -> None:
    # as everywhere else in the library (check_int): np.int64(2) is 2
    with config.threads(np.int64(2)) as n:
        assert n == config.get_threads() == 2
        assert type(n) is int
    config.set_threads(np.int32(3))
    assert config.get_threads() == 3
    assert type(config.get_threads()) is int
    with pytest.raises(ParameterError, match="threads"), config.threads(np.bool_(True)):
        pass
    with pytest.raises(ParameterError, match=">= 1"), config.threads(np.int64(0)):
        pass


def test_precedence_and_restore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_VAR, "4")
    assert config.get_threads() == 4
    config.set_threads(3)
    assert config.get_threads() == 3
    with config.threads(2):
        with config.threads("all") as n:
            assert config.get_threads() == n == config._cores()
        assert config.get_threads() == 2
        with pytest.raises(KeyError), config.threads(5):
            raise KeyError
        assert config.get_threads() == 2
    assert config.get_threads() == 3
    config.set_threads(None)
    assert config.get_threads() == 4


def test_a_block_is_local_to_its_thread() -> None:
    seen: list[int] = []
    with config.threads(2):
        other = threading.Thread(target=lambda: seen.append(config.get_threads()))
        other.start()
        other.join()
    assert seen == [1]


# ----------------------------------------------------------------------------- the split
def _frame(n_users: int, per_user: Sequence[int], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = np.asarray(per_user)[rng.integers(0, len(per_user), n_users)]
    user = np.repeat(np.arange(n_users) * 7 % 1000, counts)
    return pd.DataFrame(
        {
            "user_id": user.astype(str),
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 30 * 24, user.size), unit="h"),
            "event": rng.choice(["signup", "view", "buy", "churn"], user.size),
            "plan": rng.choice(["free", "pro", None], user.size),
        }
    ).sample(frac=1, random_state=seed)


@pytest.mark.parametrize("n", [2, 3, 5, 200])
def test_split_parts_are_whole_users_in_order(split_small: None, n: int) -> None:
    log = EventLog(_frame(40, [1, 2, 9]), properties=["plan"])
    parts = [make() for make in split_event_log(log, n)]
    assert 2 <= len(parts) <= min(n, log.n_users)
    assert all(len(p) for p in parts)
    assert [u for p in parts for u in p.users] == list(log.users)
    for name in ("event_codes", "time_ns", "row_order"):
        np.testing.assert_array_equal(
            np.concatenate([getattr(p, name) for p in parts]), getattr(log, name)
        )
    for part in parts:
        assert part.offsets[0] == 0
        assert part.offsets[-1] == len(part)
        np.testing.assert_array_equal(
            part.user_codes, np.repeat(np.arange(part.n_users), np.diff(part.offsets))
        )
        assert not part.user_codes.flags.writeable
        assert part.properties == log.properties
    pd.testing.assert_frame_equal(
        pd.concat([p.to_frame() for p in parts], ignore_index=True), log.to_frame()
    )


def test_split_balances_events_not_users(split_small: None) -> None:
    # one heavy user and many light ones: the heavy user is a part of its own
    frame = pd.DataFrame(
        {
            "user_id": [0] * 1000 + list(range(1, 1001)),
            "timestamp": pd.Timestamp("2024-01-01"),
            "event": "x",
        }
    )
    parts = [make() for make in split_event_log(EventLog(frame), 2)]
    assert [len(p) for p in parts] == [1000, 1000]


def test_small_logs_are_not_split() -> None:
    log = EventLog(_frame(30, [1, 3]))
    (only,) = split_event_log(log, 8)
    assert only() is log


def test_a_log_of_one_user_is_not_split(split_small: None) -> None:
    log = EventLog(_frame(1, [50]))
    assert len(split_event_log(log, 4)) == 1


# ----------------------------------------------------------------------------- scale.run
def test_run_builds_and_counts_each_part_in_a_thread_and_merges_them() -> None:
    calls: list[tuple[str, list[int]]] = []

    def partial(rows: list[int], _context: Any) -> int:
        calls.append((threading.current_thread().name, rows))
        return sum(rows)

    def split(rows: list[int], n: int) -> list[Any]:
        size = -(-len(rows) // n)
        return [lambda i=i: rows[i : i + size] for i in range(0, len(rows), size)]

    plan = Analysis(
        name="total",
        keys=("user_id",),
        prepare=lambda frame: list(frame["user_id"]),
        partial=partial,
        merge=lambda a, b: a + b,
        finalize=lambda total, _context: total,
        split=split,
    )
    frame = pd.DataFrame({"user_id": range(10)})
    assert plan.run(frame) == 45
    assert calls == [(threading.main_thread().name, list(range(10)))]
    calls.clear()
    with config.threads(3):
        assert plan.run(frame) == 45
    assert sorted(rows for _, rows in calls) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert all(name.startswith("saasmetrics") for name, _ in calls)


def test_an_error_in_a_part_reaches_the_caller() -> None:
    def partial(rows: list[int], _context: Any) -> int:
        if 3 in rows:
            raise ParameterError("three is not allowed")
        return len(rows)

    plan = Analysis(
        name="picky",
        keys=("user_id",),
        prepare=lambda frame: list(frame["user_id"]),
        partial=partial,
        merge=lambda a, b: a + b,
        finalize=lambda total, _context: total,
        split=lambda rows, n: [lambda: rows[:2], lambda: rows[2:]],
    )
    with config.threads(2), pytest.raises(ParameterError, match="three"):
        plan.run(pd.DataFrame({"user_id": [1, 2, 3]}))


# ----------------------------------------------------------------------------- same results
FUNNELS: list[dict[str, Any]] = [
    {"steps": ["signup", "view", "buy"], "window": "3D"},
    {"steps": ["signup", "buy"], "order": "strict", "window": "10D"},
    {"steps": ["view", "buy", "signup"], "order": "unordered", "count": "attempts"},
    {"steps": ["signup", "view", "buy"], "breakdown": "plan", "window": "7D"},
    {
        "steps": ["signup", Step("buy", where={"plan": "pro"})],
        "exclusions": [("churn", 0, 1)],
        "hold_constant": "plan",
    },
    {"steps": ["view", "buy"], "entry": "first", "window": "2D"},
    {"steps": ["signup", "view", "buy"], "count": "attempts", "breakdown": "plan"},
]


def random_logs(test: Any) -> Any:
    """Run ``test`` on random logs, with a number of threads to compare with one."""
    return settings(max_examples=15, deadline=None)(
        given(
            n_users=st.integers(1, 60),
            per_user=st.lists(st.integers(1, 12), min_size=1, max_size=4),
            seed=st.integers(0, 2**16),
            n_threads=st.integers(2, 5),
        )(test)
    )


def _outcome(call: Any) -> tuple[Any, str | None]:
    """The result of ``call()``, or the message of the error it raised."""
    try:
        return call(), None
    except SaasMetricsError as error:
        return None, f"{type(error).__name__}: {error}"


def _same_with_threads(call: Any, n_threads: int) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        one, error = _outcome(call)
        said = [(w.category, str(w.message)) for w in caught]
        caught.clear()
        with config.threads(n_threads):
            many, error_many = _outcome(call)
    assert error == error_many
    assert said == [(w.category, str(w.message)) for w in caught]
    if one is None:
        return
    pd.testing.assert_frame_equal(one.to_frame(), many.to_frame())
    units_one, units_many = getattr(one, "units", None), getattr(many, "units", None)
    if units_one is not None:
        pd.testing.assert_frame_equal(units_one, units_many)
    assert one.to_dict() == many.to_dict()


@random_logs
def test_funnels_and_paths_do_not_depend_on_threads(
    n_users: int, per_user: list[int], seed: int, n_threads: int
) -> None:
    frame = _frame(n_users, per_user, seed)
    log = EventLog(frame, properties=["plan"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(eventlog_module, "MIN_EVENTS_PER_THREAD", 1)
        for data in (log, frame):
            calls = [partial(funnel, data, **options) for options in FUNNELS]
            calls += [
                partial(paths, data, max_steps=3, session_gap="1D"),
                partial(paths, data, start="view"),
                partial(conversion_paths, data, "buy", max_steps=2),
            ]
            for call in calls:
                _same_with_threads(call, n_threads)


def test_a_funnel_warns_once_with_threads(split_small: None) -> None:
    frame = _frame(50, [3, 6])
    with config.threads(2), pytest.warns(DataQualityWarning) as caught:
        funnel(frame, ["signup", "view", "never_happens"])
    assert len([w for w in caught if issubclass(w.category, DataQualityWarning)]) == 1


@random_logs
def test_cohort_tables_do_not_depend_on_threads(
    n_users: int, per_user: list[int], seed: int, n_threads: int
) -> None:
    frame = _frame(n_users, per_user, seed)
    as_of = frame["timestamp"].quantile(0.7)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        for data in (frame, EventLog(frame)):
            calls = [
                partial(cohort_table, data, freq="W"),
                partial(cohort_table, data, freq="D", max_periods=5),
                partial(cohort_table, data, freq="MS", as_of=as_of),
                partial(cohort_table, data, freq="W", kind="unbounded"),
            ]
            for call in calls:
                _same_with_threads(call, n_threads)


def test_too_many_overlapping_steps_is_an_error_whatever_the_threads(split_small: None) -> None:
    # five steps of one event with conditions on five flags: the whole log overlaps in more
    # ways than an unordered funnel checks exactly, each user's two events in far fewer
    rng = np.random.default_rng(0)
    flags = rng.integers(0, 2, (40, 5))
    frame = pd.DataFrame(
        {
            "user_id": np.arange(40) // 2,
            "event": "x",
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(40), unit="min"),
            **{f"p{i}": flags[:, i] for i in range(5)},
        }
    )
    steps = [Step("x", where={f"p{i}": 1}) for i in range(5)]
    call = partial(funnel, frame, steps, order="unordered")
    _, error = _outcome(call)
    assert error is not None
    assert "overlap in 24 distinct ways" in error
    for n_threads in (2, 3, 8):
        with config.threads(n_threads):
            assert _outcome(call) == (None, error)


def test_threads_see_the_callers_context_and_start_no_threads_of_their_own() -> None:
    def seen(_: int) -> tuple[int, str, str]:
        return config.get_threads(), np.geterr()["divide"], threading.current_thread().name

    with config.threads(3), np.errstate(divide="raise"):
        found = in_threads(seen, range(3))
    assert [(n, divide) for n, divide, _ in found] == [(1, "raise")] * 3
    assert all(name.startswith("saasmetrics") for _, _, name in found)
    assert np.geterr()["divide"] != "raise"


@random_logs
def test_magic_numbers_do_not_depend_on_threads(
    n_users: int, per_user: list[int], seed: int, n_threads: int
) -> None:
    frame = _frame(n_users, per_user, seed)
    users = frame["user_id"].drop_duplicates()
    flags = pd.Series(np.arange(users.size) % 3 == 0, index=users.to_numpy())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        for data in (frame, EventLog(frame)):
            calls = [
                partial(magic_number_search, data, signup_event="signup", min_support=0),
                partial(magic_number_search, data, window="3D", retained=("3D", "9D")),
                partial(
                    magic_number_search,
                    data,
                    candidates=["view", "buy", "absent"],
                    combinations=2,
                    max_threshold=3,
                    min_support=0,
                ),
                partial(magic_number_search, data, retained=flags, window="2D", min_support=0),
                partial(feature_retention, data, ["view", "buy"], window="5D"),
            ]
            for call in calls:
                _same_with_threads(call, n_threads)


def _accounts_frame(
    n_accounts: int, per_account: int, seed: int, shared_users: bool, text_ids: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Product events of accounts (and their subscriptions), rows in random order."""
    rng = np.random.default_rng(seed)
    n = n_accounts * per_account
    account = rng.integers(0, n_accounts, n) * 3 + 5  # integer ids with gaps
    user = account * 4 + rng.integers(0, 4, n)
    if shared_users:  # some users act in two accounts: numbered as (account, user) pairs
        user = np.where(rng.random(n) < 0.1, rng.integers(0, 4, n), user)
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200 * 24, n), unit="h")
    events = pd.DataFrame(
        {
            "account_id": account.astype(str) if text_ids else account,
            "user_id": user,
            "timestamp": when,
            "event": rng.choice(["login", "report", "share", "support_ticket"], n),
        }
    )
    ids = np.unique(account)
    subs = pd.DataFrame(
        {
            "customer_id": ids.astype(str) if text_ids else ids,
            "start": pd.Timestamp("2024-01-01"),
            "end": pd.NaT,
            "mrr": 10.0 * (ids % 7),
        }
    )
    return events, subs


@settings(max_examples=15, deadline=None)
@given(
    n_accounts=st.integers(1, 40),
    per_account=st.integers(1, 30),
    seed=st.integers(0, 2**16),
    shared_users=st.booleans(),
    text_ids=st.booleans(),
    n_threads=st.integers(2, 5),
)
def test_account_features_and_warnings_do_not_depend_on_threads(
    *,
    n_accounts: int,
    per_account: int,
    seed: int,
    shared_users: bool,
    text_ids: bool,
    n_threads: int,
) -> None:
    from saasmetrics.health import account_features, early_warnings

    events, subs = _accounts_frame(n_accounts, per_account, seed, shared_users, text_ids)
    as_of = events["timestamp"].quantile(0.8)
    rules = [
        {"kind": "key_user_inactive", "days": 3},
        {"kind": "active_users_drop", "drop": 0.2, "window": "7D", "min_previous": 1},
        {"kind": "no_use", "event": "report", "days": 5},
    ]
    calls = [
        partial(account_features, events, subs, as_of=as_of, windows=["3D", "30D"]),
        partial(account_features, events, as_of=as_of, windows="400D", track=["share"]),
        partial(early_warnings, events, rules, as_of=as_of, subscriptions=subs),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        for call in calls:
            one, error = _outcome(call)
            with config.threads(n_threads):
                many, error_many = _outcome(call)
            assert error == error_many
            if isinstance(one, pd.DataFrame):
                pd.testing.assert_frame_equal(one, many)
            elif one is not None:
                pd.testing.assert_frame_equal(one.to_frame(), many.to_frame())


def test_a_user_in_two_accounts_is_seen_whatever_the_threads() -> None:
    # each block of rows alone has user 7 in one account: only the blocks together say two
    from saasmetrics.health import account_features

    events = pd.DataFrame(
        {
            "account_id": np.repeat([1, 2], 50),
            "user_id": 7,
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(100), unit="h"),
            "event": "login",
        }
    )
    one = account_features(events, as_of="2024-02-01", windows=["30D"])
    with pytest.MonkeyPatch.context() as patch, config.threads(2):
        patch.setattr(parallel, "MIN_ROWS_PER_THREAD", 1)
        many = account_features(events, as_of="2024-02-01", windows=["30D"])
    assert one["users"].tolist() == [1.0, 1.0]
    pd.testing.assert_frame_equal(one, many)
