"""account_features: the point-in-time per-account table that health models read; churn labels."""

from __future__ import annotations

import datetime
import operator
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import health as hk
from saasmetrics._kernels.parallel import (
    chunks,
    concat_blocks,
    in_threads,
    min_max_below,
    row_blocks,
    side_by_side,
    take_where,
)
from saasmetrics._validation import (
    RowCheck,
    ValidationReport,
    align_ids,
    check_instant,
    check_positive_timedelta,
    check_same_clock,
    normalize_ids,
    parse_end_timestamps,
    parse_timestamps,
    require_columns,
)
from saasmetrics.config import get_threads
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import EmptyDataError, InputError, ParameterError, SchemaError
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, OnInvalid, TimedeltaLike

__all__ = ("account_features", "churn_labels", "feature_snapshots", "time_split")

DAY_NS = 86_400 * 10**9
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def _window_label(delta: pd.Timedelta) -> str:
    days = delta / pd.Timedelta(days=1)
    if float(days).is_integer():
        return f"{int(days)}d"
    hours = delta / pd.Timedelta(hours=1)
    if float(hours).is_integer():
        return f"{int(hours)}h"
    ns = int(delta.value)
    for size, suffix in ((60 * 10**9, "min"), (10**9, "s"), (10**6, "ms")):
        if ns % size == 0:
            return f"{ns // size}{suffix}"
    return f"{ns}ns"


def _age_ns(cutoff: int, times: I64, threads: int = 1) -> I64:
    """``cutoff - times`` for times before ``cutoff``, at most the largest int64.

    A time more than 2**63 ns (292 years) before ``cutoff`` wrapped to a negative age: it was
    the most recent activity and inside every window. Such ages read as the largest int64
    (outside every window; a tenure of 292 years). Blocks of rows on up to ``threads`` threads.
    """
    age: I64 = np.empty(times.shape, dtype=np.int64)

    def block(bounds: tuple[int, int]) -> int:
        rows = slice(*bounds)
        np.subtract(cutoff, times[rows], out=age[rows])
        return int(times[rows].min()) if bounds[1] > bounds[0] else cutoff

    earliest = min(in_threads(block, row_blocks(times.size, threads)))
    if earliest <= cutoff - 2**63:
        age[age < 0] = np.iinfo(np.int64).max
    return age


def _as_of_ns(as_of: Any, tz: Any, *, name: str = "as_of") -> int:
    """``as_of`` as int64 ns on the data's clock (UTC ns for tz-aware data)."""
    return int(check_instant(name, as_of, tz=tz).value)


def _subscription_arrays(
    subscriptions: FrameLike,
    *,
    customer_col: str,
    start_col: str,
    end_col: str,
    mrr_col: str,
    on_invalid: OnInvalid,
    reports: list[tuple[str, ValidationReport]] | None = None,
) -> tuple[pd.Series, I64, I64, F64, Any]:
    """Validated subscription arrays.

    With ``reports`` (a chunk of a partitioned table) an empty table is accepted and dropped
    rows are reported there instead of warned about.
    """
    frame = to_pandas(subscriptions, name="subscriptions", allow_empty=reports is not None)
    require_columns(
        frame,
        {
            "customer_col": customer_col,
            "start_col": start_col,
            "end_col": end_col,
            "mrr_col": mrr_col,
        },
    )
    rows = RowCheck(frame, on_invalid=on_invalid, name="subscriptions")
    rows.flag(frame[customer_col].isna().to_numpy(), customer_col, "null customer ids")
    start = parse_timestamps(frame[start_col], rows=rows)
    end, open_end = parse_end_timestamps(frame[end_col], rows=rows, name="subscriptions")
    if (~open_end & ~rows.bad).any():  # ends read (a chunk's may all be unparseable)
        check_same_clock({start_col: start.tz, end_col: end.tz})
    end_ns = end.ns
    mrr = pd.to_numeric(frame[mrr_col], errors="coerce").to_numpy(dtype=np.float64)
    rows.flag(np.isnan(mrr), mrr_col, "null or non-numeric MRR")
    rows.flag(np.isposinf(mrr), mrr_col, "infinite MRR")
    rows.flag(np.nan_to_num(mrr) < 0, mrr_col, "negative MRR")
    # an end that could not be read holds NaT's integer (flagged above), not an early end
    read = end_ns != np.iinfo(np.int64).min
    rows.flag(read & (end_ns <= start.ns), end_col, "intervals that end before they start")
    report = rows.finish(warn=reports is None)
    if reports is not None:
        reports.append(("subscriptions", report))
    keep = rows.keep
    customers = normalize_ids(frame[customer_col], column=customer_col, table="subscriptions")
    if report.n_dropped:
        customers = customers[keep]
    return (
        customers.reset_index(drop=True),
        start.ns[keep] if report.n_dropped else start.ns,
        end_ns[keep] if report.n_dropped else end_ns,
        mrr[keep] if report.n_dropped else mrr,
        start.tz,
    )


def _mrr_at(codes: I64, start: I64, end: I64, mrr: F64, *, t: int, n: int) -> F64:
    active = (start <= t) & (end > t)
    return hk.group_count(codes[active], n, weights=mrr[active])


@dataclass(frozen=True, slots=True)
class _Encoded:
    """Events before ``as_of`` encoded per account and (account, user) pair.

    Rows carry a *raw* pair code (``pair_raw``, below ``raw_total.size``): integer user ids
    offset from the smallest, which may leave gaps. ``pair_of_raw`` maps raw codes to the
    pairs ``0..n_pairs-1`` (None: they are the pairs already); ``raw_total`` / ``pair_total``
    are the rows per raw code / per pair, ``raw_acc`` the account of each raw code (any for an
    unused one). Rows keep their raw codes (windows read them): a gather of every row from a
    table of millions of users is slow.
    ``pair_user`` is the user of each pair (None: pair ``i`` is user ``i``).
    """

    account_index: pd.Index
    acc: I64
    pair_raw: I64
    pair_of_raw: I64 | None
    raw_total: F64
    pair_total: F64
    pair_acc: I64
    raw_acc: npt.NDArray[np.integer[Any]]
    pair_user_ids: npt.NDArray[Any]
    pair_user: I64 | None
    n_pairs: int
    evt: npt.NDArray[np.integer[Any]]
    event_names: pd.Index
    time_ns: I64
    cutoff: int
    subs: tuple[pd.Series, I64, I64, F64] | None
    s_codes: I64
    seen: _Seen
    _age_rows: list[I64] = field(default_factory=list, repr=False, compare=False)

    @property
    def age(self) -> I64:
        """``as_of - time`` of every row (computed on first use, then kept)."""
        if not self._age_rows:
            self._age_rows.append(_age_ns(self.cutoff, self.time_ns, get_threads()))
        return self._age_rows[0]

    def ages_of(self, times: I64) -> I64:
        """``as_of - time`` of some of the rows' times (:func:`_age_ns` on one thread)."""
        return _age_ns(self.cutoff, times)

    def raw_of_pairs(self, pairs: I64) -> I64:
        """The raw codes of some pairs (the inverse of ``pair_of_raw``)."""
        if self.pair_of_raw is None:
            return pairs
        used: I64 = np.flatnonzero(self.raw_total > 0)
        return used[pairs]

    def recent_and_extremes(
        self, key_pair: I64, recent_limit: int, threads: int
    ) -> tuple[tuple[I64, I64, npt.NDArray[np.integer[Any]], I64], tuple[I64, I64, I64]]:
        """The recent rows, and the age of each account's first and last row and its key user's.

        ``key_pair`` is each account's key pair (-1: none, and then all three ages are 0).
        Returns the account, raw pair code, event and age of the rows at most
        ``recent_limit`` old, and the three ages per account. One pass over all rows, in
        blocks on threads and chunk by chunk, keeps the recent rows and folds the oldest
        (the oldest tenth of a sample) and the key users' rows (found by a table of one flag
        per user, small enough for the cache) into tables per block; an account's last row
        is among the recent ones and its first among the oldest when it has any there, and
        only the accounts left are looked up in all their rows. No ``ufunc.at`` over every
        row (it holds the GIL) and no minimum per user (a table far larger than the cache).
        """
        n = len(self.account_index)
        # ages are computed chunk by chunk from the times: no array of every row's age
        acc, times, pair_raw, ages_of = self.acc, self.time_ns, self.pair_raw, self.ages_of
        big = np.iinfo(np.int64).max
        has_rows = key_pair >= 0
        oldest = big  # the oldest tenth of a sample (of every row when few)
        if times.size:
            sample = ages_of(times[:: max(1, times.size // 65_536)])
            oldest = int(np.partition(sample, sample.size * 9 // 10)[sample.size * 9 // 10])
        key_raw = self.raw_of_pairs(key_pair[has_rows])
        is_key = np.zeros(self.raw_total.size, dtype=bool)
        is_key[key_raw] = True
        evt = self.evt

        def block(bounds: tuple[int, int]) -> tuple[list[list[Any]], I64, I64]:
            # chunk by chunk (in the cache): keep the recent rows, and fold the oldest rows
            # and the key users' into tables of this block (positions once, then takes)
            kept: list[list[Any]] = [[], [], [], []]
            first = np.full(n, -1, dtype=np.int64)  # ages are positive
            key_last = np.full(n, big, dtype=np.int64)
            for rows in chunks(*bounds):
                c_acc, c_pair, c_age = acc[rows], pair_raw[rows], ages_of(times[rows])
                at = np.flatnonzero(c_age <= recent_limit)
                for column, out in zip((c_acc, c_pair, evt[rows], c_age), kept, strict=True):
                    out.append(column.take(at))
                at = np.flatnonzero(c_age >= oldest)
                np.maximum.at(first, c_acc.take(at), c_age.take(at))
                at = np.flatnonzero(is_key.take(c_pair))
                np.minimum.at(key_last, c_acc.take(at), c_age.take(at))
            return kept, first, key_last

        parts = in_threads(block, row_blocks(times.size, threads))
        recent = concat_blocks([part[0] for part in parts])
        first, key_last = parts[0][1], parts[0][2]
        for _, block_first, block_key_last in parts[1:]:
            np.maximum(first, block_first, out=first)
            np.minimum(key_last, block_key_last, out=key_last)
        last = np.full(n, big, dtype=np.int64)
        np.minimum.at(last, recent[0], recent[3])
        # (an age of the largest int64 is looked up again, harmlessly)
        pending = has_rows & ((last == big) | (first < 0))
        if pending.any():
            p_acc, p_time = take_where(
                lambda rows: pending[acc[rows]], [acc, times], threads=threads
            )
            p_age = ages_of(p_time)
            np.minimum.at(last, p_acc, p_age)
            np.maximum.at(first, p_acc, p_age)
        for table in (first, last, key_last):
            table[~has_rows] = 0
        r_acc, r_pair, r_evt, r_age = recent
        return (r_acc, r_pair, r_evt, r_age), (first, last, key_last)

    def pair_last_age(self) -> I64:
        """The age of each pair's last row (0: none), read per raw code: no per-row gather."""
        last = hk.group_min(
            self.pair_raw, self.age, self.raw_total.size, fill=0, counts=self.raw_total
        )
        return last if self.pair_of_raw is None else last[self.raw_total > 0]


@dataclass(frozen=True, slots=True)
class _Seen:
    """Figures of the whole data that a chunk alone cannot judge, merged over chunks.

    ``event_names`` are the events (sorted; an unknown tracked or rule event is an error only
    if no chunk has it); ``n_before`` / ``first_ns`` the valid events before ``as_of`` and the
    first event time (no event before ``as_of`` at all is an error); ``rows`` / ``columns``
    the rows and columns per table (an empty table is an error); ``reports`` the rows
    dropped per table (warned about once).
    """

    event_names: pd.Index
    n_before: int
    first_ns: int | None
    rows: dict[str, int]
    columns: dict[str, tuple[Any, ...]]
    reports: dict[str, ValidationReport]

    def merge(self, other: _Seen) -> _Seen:
        names = self.event_names
        if not names.equals(other.event_names):
            names = names.union(other.event_names)
        firsts = [t for t in (self.first_ns, other.first_ns) if t is not None]
        reports = dict(self.reports)
        for name, report in other.reports.items():
            reports[name] = reports[name] + report if name in reports else report
        return _Seen(
            event_names=names,
            n_before=self.n_before + other.n_before,
            first_ns=min(firsts) if firsts else None,
            rows={k: self.rows.get(k, 0) + other.rows.get(k, 0) for k in {*self.rows, *other.rows}},
            columns={**other.columns, **self.columns},
            reports=reports,
        )

    def check(self, as_of: Any) -> None:
        """Errors and warnings of the whole data (finalize calls it before anything else)."""
        for name in ("events", "subscriptions"):
            if name in self.rows and self.rows[name] == 0:
                raise EmptyDataError(
                    f"{name} has no rows (columns: {list(self.columns[name])!r}).",
                    hint="pass a table with at least one row.",
                )
        for name in ("events", "subscriptions"):
            if name in self.reports:
                self.reports[name].warn_dropped(name, stacklevel=6)
        if self.n_before == 0:
            first = pd.Timestamp(self.first_ns) if self.first_ns is not None else None
            raise ParameterError(
                f"as_of={as_of!r} is before all events (the first is at {first}).",
                hint="pick an as_of after the data starts; features describe the past of as_of.",
            )

    def unknown_event(self, name: Any, what: str) -> ParameterError | None:
        """The error for an event no chunk has, else None."""
        if int(self.event_names.get_indexer(pd.Index([name]))[0]) >= 0:
            return None
        return ParameterError(
            f"{what}: unknown event {name!r}. Events in the data: {list(self.event_names[:20])!r}."
        )


def _factorize_sorted(values: pd.Series) -> tuple[I64, pd.Index]:
    """``pandas.factorize(values, sort=True)`` (int64 codes, uniques as an Index).

    Categorical columns are renumbered from their codes and integer ids of a compact range
    by one ``bincount``: both much faster than hashing millions of ids.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        category_codes = values.cat.codes.to_numpy().astype(np.int64)
        if not (category_codes < 0).any():
            codes, used = hk.compact_codes(category_codes, len(dtype.categories))
            return codes, pd.CategoricalIndex(pd.Categorical.from_codes(used, dtype=dtype))
    elif isinstance(dtype, np.dtype) and (
        dtype.kind == "i" or (dtype.kind == "u" and dtype.itemsize < 8)  # all fit int64
    ):
        dense = hk.dense_codes(values.to_numpy().astype(np.int64, copy=False))
        if dense is not None:
            return dense[0], pd.Index(dense[1].astype(dtype, copy=False))
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _event_codes(values: pd.Series) -> tuple[npt.NDArray[np.integer[Any]], pd.Index]:
    """:func:`_factorize_sorted` for event names, a categorical column's codes kept narrow.

    A categorical column's codes (int8 for a few events) are used as they are when every
    category occurs (else renumbered, still narrow): no int64 copy of every row.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        if not codes.size or int(codes.min()) >= 0:
            used = np.zeros(len(dtype.categories), dtype=bool)
            used[codes] = True
            names = pd.CategoricalIndex(
                pd.Categorical.from_codes(np.flatnonzero(used), dtype=dtype)
            )
            if used.all():
                return codes, names
            new_of_old = (np.cumsum(used) - 1).astype(codes.dtype)
            return new_of_old[codes], names
    return _factorize_sorted(values)


def _offsets(values: pd.Series, threads: int = 1) -> tuple[I64, int, int, np.dtype[Any]] | None:
    """Integer ids of a compact range as offsets from the smallest, or None.

    Returns the offsets, the smallest id, the span and the ids' dtype; the range rule is
    :func:`~saasmetrics._kernels.health.dense_codes`'s.
    """
    dtype = values.dtype
    if not (
        isinstance(dtype, np.dtype)
        and (dtype.kind == "i" or (dtype.kind == "u" and dtype.itemsize < 8))  # all fit int64
        and len(values)
    ):
        return None
    ints = values.to_numpy().astype(np.int64, copy=False)
    low, high, _ = min_max_below(ints, threads=threads)
    span = high - low + 1
    if span > 4 * ints.size + (1 << 16):
        return None
    return (ints - low if low else ints), low, span, dtype


def _raw_codes(values: pd.Series, threads: int = 1) -> tuple[I64, pd.Index, F64, I64 | None]:
    """Codes of ``values`` that may leave gaps, and what maps them to sorted codes.

    Returns the raw code of every value, the distinct values (sorted), the rows per raw code
    and the code in ``pandas.factorize(values, sort=True)`` of each raw code (None: the raw
    codes are those). Integer ids of a compact range are their offset from the smallest:
    only their table is renumbered, not every row (a gather from a table of millions of ids).
    """
    offsets = _offsets(values, threads)
    if offsets is not None:
        raw, low, span, dtype = offsets
        total = hk.group_count(raw, span, threads=threads)
        used = total > 0
        ids = np.flatnonzero(used)  # tables of millions of users: no more copies than needed
        if low:
            ids += low
        uniques = pd.Index(ids.astype(dtype, copy=False), copy=False)
        if ids.size == span:
            return raw, uniques, total, None
        code_of_raw = np.cumsum(used, dtype=np.int64)
        code_of_raw -= 1
        return raw, uniques, total, code_of_raw
    codes, uniques = _factorize_sorted(values)
    return codes, uniques, hk.group_count(codes, len(uniques), threads=threads), None


def _encode(
    events: FrameLike | EventLog,
    subscriptions: FrameLike | None,
    *,
    as_of: Any,
    account_col: str,
    user_col: str,
    time_col: str,
    event_col: str,
    customer_col: str,
    start_col: str,
    end_col: str,
    mrr_col: str,
    on_invalid: OnInvalid,
) -> _Encoded:
    """Encode one chunk of whole accounts (in memory: all of them).

    Nothing here depends on other chunks: an empty table, no event before ``as_of`` and the
    dropped rows are recorded in :class:`_Seen` and judged in finalize, on the merged figures.
    """
    reports: list[tuple[str, ValidationReport]] = []
    rows_seen: dict[str, int] = {}
    columns_seen: dict[str, tuple[Any, ...]] = {}
    # ---- events -> arrays (account codes, pair codes, event codes, time) -----------------
    user_names: pd.Index | None = None  # with an EventLog: the user ids, sorted
    if isinstance(events, EventLog):
        accounts_raw = events.property_values(account_col)
        # the log's users are distinct: rank them once, then read each row's rank
        user_rank, user_names = _factorize_sorted(pd.Series(events.users))
        users_raw = pd.Series(user_rank[events.user_codes])
        event_names = events.events
        event_codes: npt.NDArray[np.integer[Any]] = events.event_codes.astype(np.int64)
        time_ns = np.asarray(events.time_ns, dtype=np.int64)
        tz = events.tz
        accounts_given = accounts_raw
        if accounts_raw.isna().any():
            raise InputError.bad_values(
                account_col,
                "null account ids in events",
                n_bad=int(accounts_raw.isna().sum()),
                n_rows=len(accounts_raw),
            )
    else:
        frame = to_pandas(events, name="events", allow_empty=True)
        rows_seen["events"], columns_seen["events"] = len(frame), tuple(frame.columns)
        require_columns(
            frame,
            {
                "account_col": account_col,
                "user_col": user_col,
                "time_col": time_col,
                "event_col": event_col,
            },
        )
        rows = RowCheck(frame, on_invalid=on_invalid, name="events")
        rows.flag(frame[account_col].isna().to_numpy(), account_col, "null account ids")
        rows.flag(frame[user_col].isna().to_numpy(), user_col, "null user ids")
        rows.flag(frame[event_col].isna().to_numpy(), event_col, "null event names")
        parsed = parse_timestamps(frame[time_col], rows=rows)
        report = rows.finish(warn=False)
        reports.append(("events", report))
        keep = rows.keep if report.n_dropped else None
        account_ids = normalize_ids(frame[account_col], column=account_col, table="events")
        accounts_given = account_ids
        accounts_raw = account_ids if keep is None else account_ids[keep]
        users_raw = frame[user_col] if keep is None else frame[user_col][keep]
        ev_raw = frame[event_col] if keep is None else frame[event_col][keep]
        time_ns = parsed.ns if keep is None else parsed.ns[keep]
        tz = parsed.tz
        event_codes, event_names = _event_codes(ev_raw)

    # a chunk of a partitioned table may hold no event (only subscriptions of accounts without
    # one): its empty time column has no zone of its own, so as_of is read on the
    # subscriptions' clock below (no event compares with it here)
    cutoff = _as_of_ns(as_of, tz) if time_ns.size or subscriptions is None else 0
    threads = get_threads()
    first_ns, n_before = None, 0
    if time_ns.size:  # one pass: the first time, and whether all rows are before as_of
        first_ns, _, n_before = min_max_below(time_ns, cutoff, threads=threads)
    # Point-in-time: from here on nothing after as_of is read.
    # keep ids as pandas Series (arrow-backed strings factorize fast; no object arrays)
    accounts_raw = pd.Series(accounts_raw).reset_index(drop=True)
    users_raw = pd.Series(users_raw).reset_index(drop=True)
    if n_before == time_ns.size:  # the usual case for as_of at the end of the data: no copies
        acc_before, usr_before = accounts_raw, users_raw
        evt = event_codes
        times_before = time_ns
    else:
        before = time_ns < cutoff
        acc_before = accounts_raw[before].reset_index(drop=True)
        usr_before = users_raw[before].reset_index(drop=True)
        evt = event_codes[before]
        times_before = time_ns[before]

    sub_parts = None
    if subscriptions is not None:
        sub_frame = to_pandas(subscriptions, name="subscriptions", allow_empty=True)
        rows_seen["subscriptions"] = len(sub_frame)
        columns_seen["subscriptions"] = tuple(sub_frame.columns)
        customers, s_start, s_end, s_mrr, s_tz = _subscription_arrays(
            sub_frame,
            customer_col=customer_col,
            start_col=start_col,
            end_col=end_col,
            mrr_col=mrr_col,
            on_invalid=on_invalid,
            reports=reports,
        )
        if time_ns.size and len(s_start):  # an empty side has no zone to compare
            check_same_clock({"events": tz, "subscriptions": s_tz})
        if not time_ns.size:
            cutoff = _as_of_ns(as_of, s_tz if len(s_start) else tz)
        seen = s_start < cutoff
        sub_parts = (
            customers[seen].reset_index(drop=True),
            s_start[seen],
            s_end[seen],
            s_mrr[seen],
        )

    if sub_parts is None:
        all_accounts = acc_before
    else:  # the one id rule: 7, 7.0 and "7" are one account in events and subscriptions
        # the kinds of the ids as given decide, not of the rows kept (as_of, on_invalid): the
        # index keeps its kind whatever as_of, and a Dask chunk decides as the whole tables do
        both = align_ids(
            {"events": acc_before, "subscriptions": sub_parts[0]},
            kinds_from={"events": accounts_given, "subscriptions": sub_frame[customer_col]},
        )
        sides = [both["events"], both["subscriptions"]]
        if all(len(ids) for ids in sides):
            all_accounts = pd.concat(sides, ignore_index=True)
        else:  # an empty side still counts for the dtype, as in pandas 3 (pandas 2 warns)
            dtype = pd.concat([ids.iloc[:0] for ids in sides]).dtype
            kept = [ids for ids in sides if len(ids)] or sides[:1]
            all_accounts = pd.concat(kept, ignore_index=True).astype(dtype)
    # integer accounts of a compact range: their offsets, renumbered below only if some
    # offset is unused (which the users' table tells without another pass over the rows)
    acc_offsets = _offsets(all_accounts, threads)
    if acc_offsets is None:
        all_codes, account_index = _factorize_sorted(all_accounts)
        n_acc_codes = len(account_index)
    else:
        all_codes, acc_low, n_acc_codes, acc_dtype = acc_offsets
    acc = all_codes[: len(acc_before)]
    user_raw, user_ids, raw_total, user_of_raw = _raw_codes(usr_before, threads)  # ties: smallest
    if user_names is not None:  # ranks of the log's users -> their ids
        user_ids = user_names.take(user_ids.to_numpy())
    n_users = len(user_ids)
    # the usual case: every user belongs to one account, so users are the (account, user)
    # pairs and numbering the users suffices; else number the pairs in order of appearance
    # (a table of int32 when the accounts fit: half the memory to scatter to and gather from)
    raw_acc = hk.group_of_each(user_raw, acc, raw_total.size, n_acc_codes, threads=threads)
    pair_of_raw: I64 | None
    if raw_acc is not None:
        pair_raw, pair_of_raw = user_raw, user_of_raw
        pair_total = raw_total if user_of_raw is None else raw_total[raw_total > 0]
        pair_acc = (raw_acc if user_of_raw is None else raw_acc[raw_total > 0]).astype(np.int64)
        pair_user = None  # pair i is user i
        if acc_offsets is not None:  # the accounts used: those of the users, the customers'
            acc_used = np.zeros(n_acc_codes, dtype=bool)
            acc_used[pair_acc] = True
            acc_used[all_codes[len(acc_before) :]] = True
    else:
        user_codes = user_raw if user_of_raw is None else user_of_raw[user_raw]
        pair_codes, pair_uniques = pd.factorize(acc * n_users + user_codes)
        pair_raw, pair_of_raw = pair_codes.astype(np.int64, copy=False), None
        pair_values = np.asarray(pair_uniques, dtype=np.int64)
        pair_acc = pair_values // n_users
        pair_user = pair_values % n_users
        raw_acc = pair_acc
        raw_total = pair_total = hk.group_count(pair_raw, pair_acc.size)
        if acc_offsets is not None:
            acc_used = np.bincount(all_codes, minlength=n_acc_codes) > 0
    if acc_offsets is not None:
        account_index = pd.Index((np.flatnonzero(acc_used) + acc_low).astype(acc_dtype, copy=False))
        if not acc_used.all():  # renumber the rows (a gather from a small table)
            acc_of_offset = np.cumsum(acc_used) - 1
            all_codes = acc_of_offset[all_codes]
            acc = all_codes[: len(acc_before)]
            pair_acc = acc_of_offset[pair_acc]
            raw_acc = acc_of_offset[raw_acc]
    account_index.name = account_col
    n_pairs = int(pair_acc.size)

    s_codes = all_codes[len(acc_before) :]
    return _Encoded(
        account_index=account_index,
        acc=acc,
        pair_raw=pair_raw,
        pair_of_raw=pair_of_raw,
        raw_total=raw_total,
        pair_total=pair_total,
        pair_acc=pair_acc,
        raw_acc=raw_acc,
        pair_user_ids=user_ids.to_numpy() if pair_user is None else user_ids.to_numpy()[pair_user],
        pair_user=pair_user,
        n_pairs=n_pairs,
        evt=evt,
        event_names=event_names,
        time_ns=times_before,
        cutoff=cutoff,
        subs=sub_parts,
        s_codes=s_codes,
        seen=_Seen(
            event_names=pd.Index(event_names),
            n_before=n_before,
            first_ns=first_ns,
            rows=rows_seen,
            columns=columns_seen,
            reports=dict(reports),
        ),
    )


def account_features(
    events: FrameLike | EventLog,
    subscriptions: FrameLike | None = None,
    *,
    as_of: Any,
    windows: Sequence[TimedeltaLike] = ("30D", "90D"),
    account_col: str = "account_id",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    login_event: str | None = "login",
    core_features: Sequence[str] | None = None,
    track: Sequence[str] = (),
    ticket_event: str | None = "support_ticket",
    depth_days: int = 4,
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    on_invalid: OnInvalid = "raise",
    partitioned_by: str | None = None,
) -> pd.DataFrame:
    """Build the per-account table health models read, as it looked at ``as_of``.

    Point-in-time correct: only events strictly before ``as_of`` and subscription rows that
    started before it are read, so features computed for a past date can be joined to what
    happened next without leaking the future. A *window* ``w`` covers ``[as_of - w, as_of)``;
    *the window before* covers ``[as_of - 2w, as_of - w)``; a *day* is a 24-hour period counted
    back from ``as_of``.

    Parameters
    ----------
    events : DataFrame-like, EventLog or dask DataFrame
        One row per product event with account, user, time and event columns (an
        :class:`~saasmetrics.EventLog` must keep ``account_col`` as a property). A dask
        DataFrame is shuffled by account (with ``subscriptions``, both tables into the same
        partitions) and each partition's accounts are computed there: the same table as
        from pandas.
    subscriptions : DataFrame-like or dask DataFrame, optional
        Subscription intervals (``customer_id`` = account id, ``start``, ``end`` (null = active),
        ``mrr``); adds ``mrr`` and its change per window. A dask DataFrame when ``events``
        is one.
    as_of : str or Timestamp
        The moment the table describes (naive for naive data; a naive ``as_of`` with tz-aware
        data is read in the data's zone).
    windows : sequence of str or Timedelta, default ("30D", "90D")
        Look-back windows; each adds one set of columns suffixed with its label (``30d``).
    account_col, user_col, time_col, event_col : str
        Column roles of ``events``.
    login_event : str or None, default "login"
        The event that counts as a login (``None`` to skip the login columns).
    core_features : sequence of str, optional
        Events that count as core features for breadth; default every event except
        ``login_event`` and ``ticket_event``.
    track : sequence of str, default ()
        Events to count one by one: adds ``<event>_<w>`` and ``<event>_trend_<w>``.
    ticket_event : str or None, default "support_ticket"
        The event that records a support ticket; adds ``tickets_<w>`` (``None`` to skip).
    depth_days : int, default 4
        A user counts as *deep* in a window with at least this many active days in it.
    customer_col, start_col, end_col, mrr_col : str
        Column roles of ``subscriptions``.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with null ids, events or timestamps (see :class:`~saasmetrics.EventLog`).
    partitioned_by : str, optional
        For a dask ``events`` frame (without subscriptions) whose partitions already hold
        whole accounts: the account column (the shuffle is skipped).

    Returns
    -------
    pandas.DataFrame
        One row per account seen before ``as_of`` (in events or subscriptions), indexed by
        account id (sorted). Columns: ``tenure_days``, ``users``, ``days_since_active``,
        ``days_since_key_user_active`` and, per window ``w``: ``active_days_w``, ``events_w``,
        ``logins_w``, ``active_users_w``, ``core_features_w`` (breadth), ``deep_user_share_w``
        (depth), ``key_user_active_days_w``, ``events_trend_w`` and ``active_users_trend_w``
        (symmetric change vs the window before, in [-1, 1]), ``tickets_w``, tracked events; with
        subscriptions ``mrr`` and ``mrr_change_w``. The *key user* is the account's user with
        the most events before ``as_of`` (ties: the smallest user id).

    Raises
    ------
    MissingColumnError
        If a column role is missing.
    ParameterError
        For bad windows, unknown tracked or core events, or an ``as_of`` before all data.
    InputError
        For invalid rows (unless ``on_invalid="drop"``): null ids or times, and subscription
        rows with a missing, non-numeric, negative or infinite MRR.

    Notes
    -----
    Trends use the symmetric change $(c - p) / (c + p)$ of the last window's count $c$ against
    the previous window's $p$: bounded, defined when $p = 0$, and 0 when both are 0. When usage
    follows a working week, prefer windows of whole weeks (``"28D"``, ``"84D"``): every window
    then holds the same number of weekends and trends do not wobble with the weekday mix.

    Examples
    --------
    >>> import pandas as pd
    >>> events = pd.DataFrame({
    ...     "account_id": ["a1", "a1", "a1", "a2", "a2"],
    ...     "user_id": ["u1", "u2", "u1", "u3", "u3"],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-02-20", "2024-02-25",
    ...                                  "2024-01-10", "2024-04-01"]),
    ...     "event": ["login", "create_report", "login", "login", "create_report"],
    ... })
    >>> feats = account_features(events, as_of="2024-03-01", windows=["30D"])
    >>> cols = ["tenure_days", "users", "active_days_30d", "logins_30d", "events_trend_30d"]
    >>> feats[cols].round(2)
                tenure_days  users  active_days_30d  logins_30d  events_trend_30d
    account_id
    a1                 56.0    2.0              2.0         1.0              0.33
    a2                 51.0    1.0              0.0         0.0             -1.00
    """
    plan = _account_features_builder(
        as_of=as_of,
        windows=windows,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        login_event=login_event,
        core_features=core_features,
        track=track,
        ticket_event=ticket_event,
        depth_days=depth_days,
        customer_col=customer_col,
        start_col=start_col,
        end_col=end_col,
        mrr_col=mrr_col,
        on_invalid=on_invalid,
    )
    return run(plan, events, subscriptions, partitioned_by=partitioned_by)


@dataclass(frozen=True, slots=True)
class _FeatureSettings:
    deltas: tuple[pd.Timedelta, ...]
    labels: tuple[str, ...]
    login_event: str | None
    core_features: tuple[str, ...] | None
    track: tuple[str, ...]
    ticket_event: str | None
    depth_days: int


@dataclass(frozen=True, slots=True)
class _FeaturesPartial:
    """What a chunk of whole accounts contributes.

    Its accounts' rows of the table, and the figures of the whole data (:class:`_Seen`).
    """

    table: pd.DataFrame
    seen: _Seen

    def merge(self, other: _FeaturesPartial) -> _FeaturesPartial:
        """Both chunks' rows (their accounts differ) and figures: :func:`_merge_features`."""
        return _merge_features([self, other])


@register(account_features)
def _account_features_builder(
    *,
    as_of: Any,
    windows: Sequence[TimedeltaLike] = ("30D", "90D"),
    account_col: str = "account_id",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    login_event: str | None = "login",
    core_features: Sequence[str] | None = None,
    track: Sequence[str] = (),
    ticket_event: str | None = "support_ticket",
    depth_days: int = 4,
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    on_invalid: OnInvalid = "raise",
) -> Analysis[_FeaturesPartial, pd.DataFrame]:
    """account_features as partial / merge / finalize over chunks of whole accounts."""
    try:
        depth = operator.index(depth_days)  # any integer type, never a float
    except TypeError:
        depth = 0
    if isinstance(depth_days, bool) or depth < 1:
        raise ParameterError(f"depth_days must be a positive integer; got {depth_days!r}.")
    if isinstance(windows, str):
        windows = [windows]
    deltas = [check_positive_timedelta("windows", w) for w in windows]
    if not deltas:
        raise ParameterError("windows must name at least one window, e.g. ('30D', '90D').")
    labels = [_window_label(d) for d in deltas]
    if len(set(labels)) != len(labels):
        raise ParameterError(f"windows must differ; got {list(windows)!r}.")
    if isinstance(track, str):
        track = [track]
    settings = _FeatureSettings(
        deltas=tuple(deltas),
        labels=tuple(labels),
        login_event=login_event,
        core_features=None if core_features is None else tuple(core_features),
        track=tuple(track),
        ticket_event=ticket_event,
        depth_days=depth,
    )

    def prepare(events: FrameLike | EventLog, subscriptions: FrameLike | None) -> _Encoded:
        return _encode(
            events,
            subscriptions,
            as_of=as_of,
            account_col=account_col,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            customer_col=customer_col,
            start_col=start_col,
            end_col=end_col,
            mrr_col=mrr_col,
            on_invalid=on_invalid,
        )

    def finalize(part: _FeaturesPartial, _context: Any) -> pd.DataFrame:
        part.seen.check(as_of)
        for what, names in (("track", settings.track), ("core_features", settings.core_features)):
            for name in names or ():
                error = part.seen.unknown_event(name, what)
                if error is not None:
                    raise error
        table = part.table
        if not table.index.is_monotonic_increasing:
            table = table.sort_index(kind="stable")
        return table

    return Analysis(
        name="account_features",
        keys=(account_col, customer_col),
        key_roles=("account_col", "customer_col"),
        align_keys=True,  # align_ids matches accounts and customers
        prepare=prepare,
        partial=lambda enc, _context: _FeaturesPartial(_features_of(enc, settings), enc.seen),
        merge=_FeaturesPartial.merge,
        finalize=finalize,
        merge_many=_merge_features,
    )


def _merge_features(parts: Sequence[_FeaturesPartial]) -> _FeaturesPartial:
    """The partial of chunks of disjoint accounts: their rows concatenated once.

    The chunks' index dtype is kept: pandas re-infers the dtype of joined indexes, so
    ``object`` indexes of text ids (as ``align_ids`` leaves them) would become ``str``.
    """
    table = pd.concat([p.table for p in parts])
    dtypes = {p.table.index.dtype for p in parts}
    if len(dtypes) == 1 and table.index.dtype not in dtypes:
        table.index = table.index.astype(dtypes.pop())
    seen = parts[0].seen
    for part in parts[1:]:
        seen = seen.merge(part.seen)
    return _FeaturesPartial(table, seen)


def _features_of(enc: _Encoded, s: _FeatureSettings) -> pd.DataFrame:
    """The feature rows of one chunk's accounts (an event absent from the chunk counts 0)."""
    deltas, labels, track, depth_days = s.deltas, s.labels, s.track, s.depth_days
    login_event, ticket_event, core_features = s.login_event, s.ticket_event, s.core_features
    account_index, pair_acc = enc.account_index, enc.pair_acc
    event_names, cutoff = enc.event_names, enc.cutoff
    n_acc, n_pairs, sub_parts, s_codes = len(account_index), enc.n_pairs, enc.subs, enc.s_codes

    def event_code_of(name: str) -> int:
        return int(event_names.get_indexer(pd.Index([name]))[0])  # -1: not in this chunk

    track_codes = [event_code_of(e) for e in track]
    if core_features is None:
        skip = {login_event, ticket_event}
        core_codes = np.array(
            [i for i, name in enumerate(event_names) if name not in skip], dtype=np.int64
        )
    else:
        core_codes = np.array([event_code_of(e) for e in core_features], dtype=np.int64)
        core_codes = core_codes[core_codes >= 0]
    is_core = np.zeros(len(event_names), dtype=bool)
    is_core[core_codes] = True
    # -1: not asked for; -2: asked for but absent from the data (the column is all zeros)
    login_code = int(event_names.get_indexer(pd.Index([login_event]))[0]) if login_event else -1
    ticket_code = int(event_names.get_indexer(pd.Index([ticket_event]))[0]) if ticket_event else -1
    login_code = -2 if login_event and login_code < 0 else login_code
    ticket_code = -2 if ticket_event and ticket_code < 0 else ticket_code

    out: dict[str, F64] = {}
    # ---- whole history before as_of -------------------------------------------------------
    out["users"] = hk.group_count(pair_acc, n_acc)
    has_events = out["users"] > 0
    key_pair = hk.group_top(pair_acc, enc.pair_total, n_acc, tiebreak=enc.pair_user)
    has_key = key_pair >= 0
    key_raw = enc.raw_of_pairs(np.where(has_key, key_pair, 0)) if n_pairs else key_pair
    # the rows of the largest window and the one before: every window's counts read only these
    recent_limit = 2 * max(int(d.value) for d in deltas)
    threads = get_threads()
    recent, extremes = enc.recent_and_extremes(key_pair, recent_limit, threads)
    first_age, last_age, key_age = extremes
    r_acc, r_pair, r_evt, r_age = recent
    first_age_f = np.where(has_events, first_age.astype(np.float64), np.nan)
    if sub_parts is not None:
        sub_first = hk.group_max(s_codes, _age_ns(cutoff, sub_parts[1]), n_acc, fill=-1)
        first_age_f = np.fmax(first_age_f, np.where(sub_first < 0, np.nan, sub_first))
    out["tenure_days"] = first_age_f / DAY_NS
    out["days_since_active"] = np.where(has_events, last_age / DAY_NS, np.nan)
    out["days_since_key_user_active"] = np.where(has_key, key_age / DAY_NS, np.nan)

    # ---- windows ------------------------------------------------------------------------
    users_known = np.maximum(out["users"], 1.0)
    for delta, label in zip(deltas, labels, strict=True):
        w = int(delta.value)
        # the rows of the window and the one before; every count below reads only those
        if 2 * w == recent_limit:
            w_acc, w_pair, w_evt, w_age = r_acc, r_pair, r_evt, r_age
        else:
            near = r_age <= 2 * w
            w_acc, w_pair, w_evt, w_age = r_acc[near], r_pair[near], r_evt[near], r_age[near]
        args = (w_acc, w_pair, enc.raw_acc, w_age)  # raw pair codes
        window = partial(hk.window_activity, *args, n_accounts=n_acc, day_ns=DAY_NS)
        jobs = [
            partial(window, lo_ns=0, hi_ns=w, threads=threads),
            partial(window, lo_ns=w, hi_ns=2 * w, detail=False),
        ]  # the window and the one before side by side (the first on two threads of its own)
        cur, prev = side_by_side(jobs, threads)
        inside = w_age <= w
        inside_prev = ~inside
        out[f"active_days_{label}"] = cur["active_days"]
        out[f"events_{label}"] = cur["events"]
        if login_code != -1:
            out[f"logins_{label}"] = hk.group_count(w_acc[inside & (w_evt == login_code)], n_acc)
        out[f"active_users_{label}"] = cur["active_users"]
        core_rows = inside & is_core[w_evt]
        out[f"core_features_{label}"] = hk.group_distinct(
            w_acc[core_rows], w_evt[core_rows].astype(np.int64), n_acc
        )
        active, active_days = cur["active_pairs"], cur["active_pair_days"]
        deep = active[active_days >= depth_days]
        out[f"deep_user_share_{label}"] = hk.group_count(enc.raw_acc[deep], n_acc) / users_known
        # each key user's active days: found among the active pairs (sorted)
        at = np.minimum(np.searchsorted(active, key_raw), max(active.size - 1, 0))
        found = has_key & (active[at] == key_raw) if active.size else np.zeros(n_acc, bool)
        out[f"key_user_active_days_{label}"] = np.where(
            found, active_days[at] if active.size else 0, 0
        ).astype(np.float64)
        out[f"events_trend_{label}"] = hk.symmetric_change(cur["events"], prev["events"])
        out[f"active_users_trend_{label}"] = hk.symmetric_change(
            cur["active_users"], prev["active_users"]
        )
        if ticket_code != -1:
            out[f"tickets_{label}"] = hk.group_count(w_acc[inside & (w_evt == ticket_code)], n_acc)
        for name, code in zip(track, track_codes, strict=True):
            now = hk.group_count(w_acc[inside & (w_evt == code)], n_acc)
            then = hk.group_count(w_acc[inside_prev & (w_evt == code)], n_acc)
            out[f"{name}_{label}"] = now
            out[f"{name}_trend_{label}"] = hk.symmetric_change(now, then)
        if sub_parts is not None:
            mrr_now = _mrr_at(
                s_codes, sub_parts[1], sub_parts[2], sub_parts[3], t=cutoff - 1, n=n_acc
            )
            mrr_then = _mrr_at(
                s_codes, sub_parts[1], sub_parts[2], sub_parts[3], t=cutoff - 1 - w, n=n_acc
            )
            out["mrr"] = mrr_now
            out[f"mrr_change_{label}"] = mrr_now - mrr_then

    ordered = ["tenure_days", "users", "days_since_active", "days_since_key_user_active"]
    if "mrr" in out:
        ordered.append("mrr")
    ordered += [k for k in out if k not in ordered]
    # every column is an array of its own made here: the frame takes them without stacking
    # them into one block (a copy of every column: 0.3 CPU-s for 1M accounts under load)
    return pd.DataFrame({k: out[k] for k in ordered}, index=account_index, copy=False)


def churn_labels(
    subscriptions: FrameLike,
    *,
    as_of: Any,
    horizon: TimedeltaLike = "90D",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    on_invalid: OnInvalid = "raise",
) -> pd.Series:
    """Whether each customer paying at ``as_of`` churns within ``horizon`` after it.

    A customer is paying at ``as_of`` when a subscription row with positive MRR covers the
    moment just before it (as in :func:`account_features`). It churns when one of its rows ends
    in ``[as_of, as_of + horizon)`` and no paying row (positive MRR) of the same customer covers
    that moment: an upgrade or downgrade is a new row starting where the old one ends, and a
    second subscription that keeps running is still paying, so neither is churn, but a move to
    a zero-MRR row is. Customers who leave and come back within the horizon count as churned.

    Parameters
    ----------
    subscriptions : DataFrame-like
        Subscription intervals ``[start, end)``; null ``end`` means still active.
    as_of : str or Timestamp
        When the label's clock starts.
    horizon : str or Timedelta, default "90D"
        How far ahead to look.
    customer_col, start_col, end_col, mrr_col : str
        Column roles.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with invalid rows.

    Returns
    -------
    pandas.Series of bool
        Named ``"churned"``, indexed by customer id (sorted), customers paying at ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "start": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-01", "2024-01-01"]),
    ...     "end": pd.to_datetime(["2024-03-01", None, "2024-04-15", "2024-12-01"]),
    ...     "mrr": [50.0, 80.0, 50.0, 50.0],
    ... })
    >>> churn_labels(subs, as_of="2024-02-01", horizon="90D").to_dict()
    {'a': False, 'b': True, 'c': False}
    """
    customers, start, end, mrr, tz = _subscription_arrays(
        subscriptions,
        customer_col=customer_col,
        start_col=start_col,
        end_col=end_col,
        mrr_col=mrr_col,
        on_invalid=on_invalid,
    )
    cutoff = _as_of_ns(as_of, tz)
    h = int(check_positive_timedelta("horizon", horizon).value)
    index = pd.Index(pd.unique(customers)).sort_values()
    index.name = customer_col
    codes = index.get_indexer(pd.Index(customers)).astype(np.int64)
    n = len(index)
    paying = _mrr_at(codes, start, end, mrr, t=cutoff - 1, n=n) > 0
    ending = (end >= cutoff) & (end < cutoff + h)
    # a row ending at t is churn unless some paying row of the same customer covers t
    # (start <= t < end): an upgrade starting at t, or another subscription still running
    churn_codes = codes[ending][
        _paying_rows_at(codes, start, end, mrr > 0, q_codes=codes[ending], q_time=end[ending]) == 0
    ]
    churned = np.zeros(n, dtype=bool)
    churned[churn_codes] = True
    return pd.Series(churned[paying], index=index[paying], name="churned")


def _paying_rows_at(
    codes: I64,
    start: I64,
    end: I64,
    paying: npt.NDArray[np.bool_],
    *,
    q_codes: I64,
    q_time: I64,
) -> I64:
    """Number of paying rows of customer ``q_codes[i]`` covering ``q_time[i]`` (start <= t < end).

    Counts rows started by t minus rows ended by t, per customer, with two sorted searches over
    (customer, time) keys (times ranked densely so that both fit one int64).
    """
    c, s, e = codes[paying], start[paying], end[paying]
    times, ranks = np.unique(np.concatenate([s, e, q_time]), return_inverse=True)
    span = np.int64(times.size)
    r_s, r_e, r_q = np.split(ranks.astype(np.int64), [s.size, s.size + e.size])
    start_keys = np.sort(c * span + r_s)
    end_keys = np.sort(c * span + r_e)
    q = q_codes * span + r_q
    started = np.searchsorted(start_keys, q, side="right")
    ended = np.searchsorted(end_keys, q, side="right")
    out: I64 = (started - ended).astype(np.int64)
    return out


def feature_snapshots(
    events: FrameLike | EventLog,
    subscriptions: FrameLike,
    *,
    as_of: Iterable[Any],
    horizon: TimedeltaLike = "90D",
    paying_only: bool = True,
    **feature_options: Any,
) -> pd.DataFrame:
    """Account features at several dates, each joined to whether the account churned next.

    The training table for :class:`ChurnRiskModel`: for every date in ``as_of``,
    :func:`account_features` at that date plus the label of :func:`churn_labels` over
    ``horizon``. Pass it to :func:`time_split` to train on early dates and test on later ones.

    Parameters
    ----------
    events : DataFrame-like or EventLog
        Product events (see :func:`account_features`).
    subscriptions : DataFrame-like
        Subscription intervals (see :func:`churn_labels`).
    as_of : iterable of str or Timestamp, or one of them
        Snapshot dates (e.g. a ``pandas.date_range``).
    horizon : str or Timedelta, default "90D"
        How far ahead the churn label looks.
    paying_only : bool, default True
        Keep only accounts paying at each date (the ones that can churn).
    **feature_options
        Passed to :func:`account_features` (``windows``, ``track``, column roles...).

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id`` (the account column's name), ``as_of``, ``churned`` (bool; NaN
        for non-paying accounts when ``paying_only=False``) and the features.

    Examples
    --------
    >>> import pandas as pd
    >>> events = pd.DataFrame({"account_id": ["a", "b", "a"], "user_id": ["u1", "u2", "u1"],
    ...     "timestamp": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-03-01"]),
    ...     "event": ["login"] * 3})
    >>> subs = pd.DataFrame({"customer_id": ["a", "b"],
    ...     "start": pd.to_datetime(["2024-01-01", "2024-01-01"]),
    ...     "end": pd.to_datetime([None, "2024-03-15"]), "mrr": [50.0, 50.0]})
    >>> snaps = feature_snapshots(events, subs, as_of=["2024-02-01"], windows=["30D"])
    >>> snaps[["account_id", "as_of", "churned", "events_30d"]]
      account_id      as_of  churned  events_30d
    0          a 2024-02-01    False         1.0
    1          b 2024-02-01     True         1.0
    """
    sub_kw = {
        k: feature_options[k]
        for k in ("customer_col", "start_col", "end_col", "mrr_col", "on_invalid")
        if k in feature_options
    }
    account_col = str(feature_options.get("account_col", "account_id"))
    lean = _lean_inputs(events, subscriptions, feature_options)
    ids: pd.Index | None = None
    if lean is not None:  # encode ids once, not once per date
        events, subscriptions, ids = lean
    if isinstance(as_of, str | pd.Timestamp | datetime.date):
        as_of = [as_of]  # one date, not the characters of a string
    if not isinstance(as_of, Iterable):
        raise ParameterError(
            f"as_of must be a date or a list of dates; got {as_of!r}.",
            hint="e.g. as_of=['2024-03-01', '2024-06-01'].",
        )
    parts = []
    for date in as_of:
        feats = account_features(events, subscriptions, as_of=date, **feature_options)
        labels = churn_labels(subscriptions, as_of=date, horizon=horizon, **sub_kw)
        if ids is not None:
            feats.index = ids.take(feats.index.to_numpy())
            labels.index = ids.take(labels.index.to_numpy())
        feats.index.name = account_col
        labels.index.name = account_col
        if paying_only:
            feats = feats.loc[feats.index.intersection(labels.index)]
            churned = labels.reindex(feats.index).astype(bool)
        else:
            churned = labels.reindex(feats.index)
        part = feats.reset_index()
        part.insert(1, "as_of", pd.Timestamp(date))
        part.insert(2, "churned", churned.to_numpy())
        parts.append(part)
    if not parts:
        raise ParameterError("as_of must list at least one date.")
    return pd.concat(parts, ignore_index=True)


def _lean_inputs(
    events: Any, subscriptions: Any, options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Index] | None:
    """Events and subscriptions with ids replaced by sorted integer codes (or None to skip).

    Sorted codes keep every order account_features relies on (account index, key-user ties),
    so results map back exactly; anything unusual (EventLog input, nulls, unparsed timestamps)
    takes the ordinary path, which validates and reports as usual.
    """
    if isinstance(events, EventLog):
        return None
    account_col = options.get("account_col", "account_id")
    user_col = options.get("user_col", "user_id")
    time_col = options.get("time_col", "timestamp")
    event_col = options.get("event_col", "event")
    customer_col = options.get("customer_col", "customer_id")
    try:
        frame = to_pandas(events, name="events")
        subs = to_pandas(subscriptions, name="subscriptions")
    except (SchemaError, EmptyDataError):
        return None
    needed = [account_col, user_col, time_col, event_col]
    if any(c not in frame.columns for c in needed) or customer_col not in subs.columns:
        return None
    if any(frame[c].isna().any() for c in needed) or subs[customer_col].isna().any():
        return None
    if not pd.api.types.is_datetime64_any_dtype(frame[time_col]):
        return None
    id_columns = (frame[account_col], subs[customer_col])
    numeric = [pd.api.types.is_numeric_dtype(c.dtype) for c in id_columns]
    if numeric[0] != numeric[1]:  # possibly 7 vs "7": the ordinary path checks and says so
        return None
    codes, ids = pd.factorize(
        pd.concat([frame[account_col], subs[customer_col]], ignore_index=True), sort=True
    )
    n = len(frame)
    users, _ = pd.factorize(frame[user_col], sort=True)
    lean = pd.DataFrame(
        {
            account_col: codes[:n],
            user_col: users,
            time_col: frame[time_col].to_numpy(),
            event_col: pd.Categorical(frame[event_col]),
        }
    )
    if isinstance(frame[time_col].dtype, pd.DatetimeTZDtype):
        lean[time_col] = frame[time_col].reset_index(drop=True)
    lean_subs = subs.reset_index(drop=True).assign(**{customer_col: codes[n:]})
    return lean, lean_subs, pd.Index(ids)


def time_split(
    snapshots: FrameLike,
    *,
    test_from: Any,
    horizon: TimedeltaLike = "90D",
    time_col: str = "as_of",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split snapshots in time: train on earlier dates whose labels were known, test on later.

    Training rows are those whose label window ended by ``test_from``
    (``as_of + horizon <= test_from``), so no training label peeks into the test period;
    test rows are those with ``as_of >= test_from``. Never a random split of one period.

    Parameters
    ----------
    snapshots : DataFrame-like
        E.g. from :func:`feature_snapshots` (pandas, polars or pyarrow).
    test_from : str or Timestamp
        First snapshot date of the test set.
    horizon : str or Timedelta, default "90D"
        The label horizon used to build the snapshots.
    time_col : str, default "as_of"
        The snapshot date column.

    Returns
    -------
    train, test : pandas.DataFrame
        Copies of the selected rows. Rows dated within ``horizon`` before ``test_from`` are in
        neither: their labels reach into the test period.

    Raises
    ------
    EmptyDataError
        If either side would be empty.
    InputError
        If some snapshot dates are missing (such rows would be in neither set).
    ParameterError
        If ``test_from`` is not a timestamp.
    SchemaError
        If the date column does not hold dates, or ``test_from`` is tz-aware and they are not
        (a naive ``test_from`` with tz-aware dates is read in their zone).

    Examples
    --------
    >>> import pandas as pd
    >>> snaps = pd.DataFrame({"as_of": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01"]),
    ...                       "x": [1, 2, 3]})
    >>> train, test = time_split(snaps, test_from="2024-06-01", horizon="90D")
    >>> train["x"].tolist(), test["x"].tolist()
    ([1, 2], [3])
    """
    snapshots = to_pandas(snapshots, name="snapshots", allow_empty=True)
    require_columns(snapshots, {"time_col": time_col})
    h = check_positive_timedelta("horizon", horizon)
    column = snapshots[time_col]
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        when = column
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
                when = pd.to_datetime(column)
        except (TypeError, ValueError) as exc:
            raise SchemaError(
                f"Column {time_col!r} of snapshots holds values that are not dates, e.g. "
                f"{column.head(3).tolist()!r}.",
                hint="pass the snapshot dates (e.g. from feature_snapshots).",
            ) from exc
    missing = when.isna().to_numpy()
    if missing.any():  # such a row is in neither set: refuse rather than lose it
        raise InputError.bad_values(
            time_col,
            "missing snapshot dates",
            n_bad=int(missing.sum()),
            n_rows=missing.size,
            example=snapshots.iloc[int(np.argmax(missing))].to_dict(),
            hint="drop or date those rows first; a row without a date cannot be split in time.",
        )
    tz = getattr(when.dtype, "tz", None)
    start = check_instant("test_from", test_from, tz=tz)  # naive: the snapshots' own zone
    train = snapshots.loc[(when + h <= start).to_numpy()].copy()
    test = snapshots.loc[(when >= start).to_numpy()].copy()
    if train.empty or test.empty:
        raise EmptyDataError(
            f"time_split(test_from={test_from!r}, horizon={h}) leaves "
            f"{len(train)} training and {len(test)} test rows.",
            hint="pick a test_from with snapshots at least one horizon before and some after it.",
        )
    return train, test
