"""One chunk's attempts: the rows that can fill a step, matched by the kernels, minus exclusions.

The result is one row per counted user (their best attempt) or per attempt: see
:func:`counted_units`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.funnel import (
    MAX_STEP_TYPES,
    apply_exclusion,
    attempt_levels,
    best_attempts,
    first_per_segment,
    window_end,
)
from saasmetrics._validation import ParsedTimes
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import ParameterError
from saasmetrics.funnel._options import FunnelSettings
from saasmetrics.funnel._steps import event_mask
from saasmetrics.funnel._tables import integer_id_order, time_column

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
_INT8_CODES = 128  # event codes 0..127 fit int8


def counted_units(
    log: EventLog,
    s: FunnelSettings,
    steps: list[tuple[int, Mask | None]],
    exclusions: list[tuple[int, Mask | None]],
    codes: I64 | None,
    *,
    window: int,
) -> tuple[pd.DataFrame, list[I64], int, frozenset[bytes], bool]:
    """One chunk's counted units, their step times, the attempts opened and its step types.

    ``steps`` and ``exclusions`` hold each one's event code in ``log`` (-1 if absent) and its
    condition mask; ``codes`` the held-constant property's codes (-1 where missing);
    ``window`` the conversion window in nanoseconds. The step types (:func:`step_types`) are
    read for unordered funnels only; a chunk whose steps overlap in more ways than the kernel
    checks counts nothing: the funnel of the whole data raises (in finalize). The last
    item says whether the units are in their final order (integer ids, sorted).
    """
    rel = relevant_rows(log, [code for code, _ in steps], [cond for _, cond in steps], codes)
    types = step_types(rel.masks) if s.order == "unordered" else frozenset()
    if overlap_count(types) > MAX_STEP_TYPES:
        none = np.zeros(0, dtype=np.int64)
        units = pd.DataFrame({"user": log.users[:0], "level": none})
        return units, [none] * len(steps), 0, types, False
    # a step is in the window iff t - start <= window, and t - start never exceeds the span of
    # the times compared (the rows that fill steps; with exclusions, all rows): capping the
    # window there changes no comparison (the window's end saturates at the largest int64
    # where `start + window` would wrap around: see `window_end`)
    compared = log.time_ns if s.exclusions else rel.time
    window_ns = window
    if compared.size:
        window_ns = min(window, int(compared.max()) - int(compared.min()))
    opening = rel.masks.any(axis=0) if s.order == "unordered" else rel.masks[0]  # any step
    anchors = np.flatnonzero(opening).astype(np.int64, copy=False)
    if s.entry == "first":
        anchors = first_per_segment(anchors, rel.seg)
    level, rows, times = run_attempts(rel, anchors, codes, window_ns=window_ns, order=s.order)
    user_of_attempt = rel.seg[rows[0]]
    kept, base_times = rel.kept, rel.time
    if s.exclusions:
        rows = np.where(rows >= 0, kept[np.maximum(rows, 0)], -1)  # back to log positions
        kept, base_times = np.arange(len(log), dtype=np.int64), log.time_ns
        masks = [event_mask(log, code, cond) for code, cond in exclusions]
        level = apply_exclusions(
            log,
            [(mask, lo, hi) for mask, (_, lo, hi) in zip(masks, s.exclusions, strict=True)],
            level,
            rows,
            user_of_attempt=user_of_attempt,
            window_ns=window_ns,
        )

    if s.count == "users":
        chosen = best_attempts(user_of_attempt, level)
    else:  # a user's attempts are in step-1 time order
        chosen = np.flatnonzero(level > 0).astype(np.int64, copy=False)
    users = log.users
    user_ids: pd.Index | npt.NDArray[Any]
    if isinstance(users.dtype, np.dtype) and users.dtype.kind in "iu":
        # put integer ids in their final order now (a stable sort keeps each user's attempts
        # in time order): the gathers below write them in that order, and neither the merge
        # of chunks nor finalize sorts them again
        ids = users.to_numpy().take(user_of_attempt[chosen])
        in_id_order = bool((ids[1:] >= ids[:-1]).all())  # users of ascending ids: no sort
        if not in_id_order:
            by_id = integer_id_order(ids)
            if by_id is not None:
                chosen, ids = chosen[by_id], ids[by_id]
            in_id_order = by_id is not None  # else: too wide to pack
        user_ids = ids
    else:  # other ids are put in order by finalize
        user_ids, in_id_order = users.take(user_of_attempt[chosen]), False
    lev = level[chosen]
    units, step_ns = units_frame(
        user_ids,
        lev,
        rows=rows,
        times=times,
        chosen=chosen,
        base_times=base_times,
    )
    if s.breakdown is not None:
        if s.breakdown_attribution == "first_touch":
            src = rows[0, chosen]
        elif s.breakdown_attribution == "last_touch":
            src = rows[lev - 1, chosen]
        else:
            src = rows[s.attr_step, chosen]
        has = src >= 0
        every = bool(has.all())
        at = kept[src if every else np.where(has, src, 0)] if kept.size else np.zeros_like(src)
        values = log._property_at(s.breakdown, at)
        units.insert(2, s.breakdown, values if every else values.where(pd.Series(has)))
    return units, step_ns, int(anchors.size), types, in_id_order


def step_types(masks: Mask) -> frozenset[bytes]:
    """The distinct sets of steps the rows of a chunk fill (each a row of ``masks.T``, as bytes).

    The types of the whole data are the union of its chunks' (so a chunk's count of them is
    not the whole's): see :func:`overlap_count`.
    """
    if not masks.size:
        return frozenset()
    if not np.any(masks.sum(axis=0) > 1):  # each row fills one step: one type per step seen
        one_hot = np.eye(masks.shape[0], dtype=bool)
        return frozenset(one_hot[k].tobytes() for k in np.flatnonzero(masks.any(axis=1)))
    return frozenset(row.tobytes() for row in np.unique(masks.T, axis=0) if row.any())


def overlap_count(types: frozenset[bytes]) -> int:
    """How many distinct ways the steps overlap: the number of ``types``, or 0 if none overlap."""
    overlapping = any(t.count(1) > 1 for t in types)
    return len(types) if overlapping else 0


def check_overlaps(types: frozenset[bytes]) -> None:
    """Raise if the steps overlap in more ways than an unordered funnel checks exactly."""
    n_types = overlap_count(types)
    if n_types > MAX_STEP_TYPES:
        raise ParameterError(
            f"The steps overlap in {n_types} distinct ways (sets of steps one event "
            f"matches); an unordered funnel checks at most {MAX_STEP_TYPES} exactly.",
            hint="make the step definitions disjoint (e.g. add conditions), or use fewer.",
        )


@dataclass(frozen=True, slots=True)
class RelevantRows:
    """The rows of the log that can fill some step, with what the kernels need of them."""

    kept: I64  # their positions in the log
    masks: npt.NDArray[np.bool_]  # (K, rows): which step each row can fill
    time: I64
    seg: I64  # user code


def relevant_rows(
    log: EventLog,
    step_codes: list[int],
    conditions: list[npt.NDArray[np.bool_] | None],
    codes: I64 | None,
) -> RelevantRows:
    """Keep only rows that can fill a step: every later pass runs over a fraction of the log.

    Strict mode still sees the full timeline: it checks that kept rows are adjacent in it.
    """
    event_codes: npt.NDArray[np.integer[Any]] = log.event_codes
    if len(log.events) <= _INT8_CODES:
        # one narrowing copy, then every comparison reads a quarter of the bytes (and runs
        # four times as many lanes per instruction): cheaper than comparing the int32 codes
        event_codes = event_codes.astype(np.int8)
    relevant: Mask | None = None
    scratch: Mask | None = None
    whole: set[int] = set()  # codes whose every row is already in
    for code, cond in zip(step_codes, conditions, strict=True):
        if code < 0 or code in whole:
            continue  # absent, or a repeated event: its rows are in
        if cond is None:
            whole.add(code)
        if relevant is None:  # the first step writes the mask (no zeroed mask to OR into)
            relevant = np.equal(event_codes, code)
            if cond is not None:
                relevant &= cond
            continue
        if scratch is None:
            scratch = np.empty(len(log), dtype=bool)
        np.equal(event_codes, code, out=scratch)
        if cond is not None:
            scratch &= cond
        relevant |= scratch
    if relevant is None:
        relevant = np.zeros(len(log), dtype=bool)
    if codes is not None:
        relevant &= codes >= 0  # a missing held-constant value fills no step
    every = bool(relevant.all())  # a log of step events only: the rows are the log's own
    kept = np.arange(len(log), dtype=np.int64) if every else np.flatnonzero(relevant)
    kept = kept.astype(np.int64, copy=False)
    ev_r = event_codes if every else event_codes[kept]
    masks = np.empty((len(step_codes), kept.size), dtype=bool)
    for j, (code, cond) in enumerate(zip(step_codes, conditions, strict=True)):
        if code < 0:
            masks[j] = False
            continue
        np.equal(ev_r, code, out=masks[j])
        if cond is not None:
            masks[j] &= cond if every else cond[kept]
    if every:
        return RelevantRows(kept=kept, masks=masks, time=log.time_ns, seg=log.user_codes)
    # ``take`` of valid positions (clip: no bounds check): faster than an index
    time, seg = log.time_ns.take(kept, mode="clip"), log._user_codes_at(kept)
    return RelevantRows(kept=kept, masks=masks, time=time, seg=seg)


def run_attempts(
    rel: RelevantRows, anchors: I64, codes: I64 | None, *, window_ns: int, order: str
) -> tuple[I64, I64, I64 | None]:
    """Levels, step rows (positions in ``rel``) and unordered times of every attempt."""
    if codes is not None and order != "strict":
        # hold_constant: one segment per (user, value), then back to the user's order
        c_r = codes[rel.kept]
        key = rel.seg * (int(c_r.max(initial=0)) + 2) + c_r + 1
        perm = np.argsort(key, kind="stable").astype(np.int64, copy=False)
        inverse = np.empty_like(perm)
        inverse[perm] = np.arange(perm.size, dtype=np.int64)
        level, rows_p, times = attempt_levels(
            np.sort(inverse[anchors]),
            key[perm],
            rel.time[perm],
            (rel.masks if order == "unordered" else rel.masks[1:])[:, perm],
            window_ns=window_ns,
            order=order,
        )
        rows = np.where(rows_p >= 0, perm[np.maximum(rows_p, 0)], -1)
        back = np.argsort(rows[0], kind="stable")
        return level[back], rows[:, back], None if times is None else times[:, back]
    same_value = adjacent = None
    if order == "strict":
        adjacent = np.r_[False, rel.kept[1:] == rel.kept[:-1] + 1]
        if codes is not None:
            c_r = codes[rel.kept]
            same_value = np.r_[False, c_r[1:] == c_r[:-1]]
    return attempt_levels(
        anchors,
        rel.seg,
        rel.time,
        rel.masks if order == "unordered" else rel.masks[1:],  # unordered: any step opens
        window_ns=window_ns,
        order=order,
        same_value=same_value,
        adjacent=adjacent,
    )


def apply_exclusions(
    log: EventLog,
    excl: list[tuple[npt.NDArray[np.bool_], int, int]],
    level: I64,
    rows: I64,
    *,
    user_of_attempt: I64,
    window_ns: int,
) -> I64:
    """Set the level of every attempt an exclusion removes to 0 (``rows`` in log positions).

    ``excl`` holds each exclusion's event mask over the log with its step range.
    """
    deadline = window_end(log.time_ns[rows[0]], window_ns)
    attempt_end = log.offsets[1:][user_of_attempt]
    removed = np.zeros(level.size, dtype=bool)
    for mask, lo, hi in excl:
        excluded = np.flatnonzero(mask)
        if excluded.size:
            removed |= apply_exclusion(
                level,
                rows[lo],
                rows[hi],
                deadline=deadline,
                end=attempt_end,
                excluded_rows=excluded.astype(np.int64, copy=False),
                time_ns=log.time_ns,
                from_step=lo,
                to_step=hi,
            )
    return np.where(removed, 0, level)


def units_frame(
    user_ids: pd.Index | npt.NDArray[Any],
    level: I64,
    *,
    rows: I64,
    times: I64 | None,
    chosen: I64,
    base_times: I64,
) -> tuple[pd.DataFrame, list[I64]]:
    """One row per counted unit (user id and level) and when each step was done (NaT if not).

    ``user_ids`` are the units' ids, of the log's dtype (a new array: the frame holds it).

    Ordered and strict steps are done at the time of their row (``base_times[rows]``);
    unordered ones at the times the kernel computed. The times stay int64 nanoseconds (NaT as
    the smallest int64) until the units of every chunk are put in order (:func:`step_columns`).
    """
    units = pd.DataFrame({"user": user_ids, "level": level}, copy=False)
    nat = np.iinfo(np.int64).min
    step_ns: list[I64] = []
    for k in range(rows.shape[0]):
        reached = level > k
        if times is not None:
            step_ns.append(np.where(reached, times[k, chosen], nat))
        elif not base_times.size:
            step_ns.append(np.where(reached, 0, nat))
        elif k == 0:  # every counted unit reached step 1: two gathers, nothing to mask
            step_ns.append(base_times.take(rows[0].take(chosen), mode="clip"))
        else:  # funnels narrow: gather the rows of the units that reached step k only
            at = np.flatnonzero(reached)
            t = np.full(level.size, nat, dtype=np.int64)
            t[at] = base_times.take(rows[k].take(chosen.take(at)), mode="clip")
            step_ns.append(t)
    return units, step_ns


def step_columns(
    units: pd.DataFrame, step_ns: list[I64], tz: tzinfo | None
) -> dict[str, pd.Series | npt.NDArray[np.datetime64]]:
    """The ``at_k`` columns of ``units`` from its step times, naive or in the zone ``tz``."""
    level = units["level"].to_numpy()
    columns: dict[str, pd.Series | npt.NDArray[np.datetime64]] = {}
    for k, t in enumerate(step_ns):
        if tz is None:
            columns[time_column(k)] = t.view("datetime64[ns]")
        else:
            reached = level > k
            stamps = ParsedTimes(ns=t, tz=tz).to_datetime(np.where(reached, t, 0))
            columns[time_column(k)] = pd.Series(stamps).where(reached)
    return columns
