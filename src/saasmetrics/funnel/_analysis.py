"""The funnel as partial / merge / finalize, so that it runs per chunk of users (Dask or not).

A chunk of whole users gives its counted units (:mod:`._attempts`) and what the warnings need;
partials merge by concatenation; finalize warns once and builds the tables over all units.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.parallel import side_by_side
from saasmetrics.config import get_threads
from saasmetrics.eventlog import EventLog, as_event_log, event_log_of_events, split_event_log
from saasmetrics.exceptions import DataQualityWarning, EmptyDataError
from saasmetrics.funnel._attempts import check_overlaps, counted_units, step_columns
from saasmetrics.funnel._options import FunnelSettings, check_property_columns
from saasmetrics.funnel._result import FunnelResult
from saasmetrics.funnel._steps import (
    Step,
    condition_mask,
    event_code_in,
    event_index,
    event_mask,
)
from saasmetrics.funnel._tables import build_table, canonical_order, in_canonical_order
from saasmetrics.scale import Analysis
from saasmetrics.typing import FrameLike

I64 = npt.NDArray[np.int64]


def funnel_analysis(
    s: FunnelSettings, *, user_col: str, time_col: str, event_col: str
) -> Analysis[FunnelPartial, FunnelResult]:
    """The funnel with checked options ``s`` as an :class:`~saasmetrics.scale.Analysis`."""
    needed = s.properties

    def prepare(data: EventLog | FrameLike) -> EventLog:
        if isinstance(data, EventLog) or s.order == "strict":
            # strict: any other event between two steps ends the attempt, so keep every row
            log = as_event_log(
                data, user_col=user_col, time_col=time_col, event_col=event_col, properties=needed
            )
        else:
            log = event_log_of_events(
                data,
                lambda names: funnel_events(names, s),
                user_col=user_col,
                time_col=time_col,
                event_col=event_col,
                properties=needed,
            )
        if len(log) == 0:
            raise EmptyDataError("events has no rows.")
        return log

    return Analysis(
        name="funnel",
        keys=(user_col,),
        prepare=prepare,
        partial=lambda log, _context: funnel_partial(log, s),
        merge=merge_partials,
        finalize=lambda part, _context: finalize(part, s),
        merge_many=merge_many_partials,
        split=split_event_log,
    )


def funnel_events(names: pd.Index, s: FunnelSettings) -> npt.NDArray[np.bool_]:
    """Which of the event ``names`` a step or exclusion of ``s`` reads (as :func:`event_index`).

    Outside strict mode no other event changes a funnel: the attempts are matched over the
    rows of step events alone, exclusions read their own events, the breakdown value is read
    from a row that filled a step, and the held-constant property's missing values are counted
    over step-1 events. So a funnel of the other rows set aside is the same funnel.
    """
    wanted = np.zeros(len(names), dtype=bool)
    for step in [*s.steps, *(step for step, _, _ in s.exclusions)]:
        code = event_code_in(names, step.event)
        if code >= 0:
            wanted[code] = True
    return wanted


# how far a step (or exclusion) is from occurring in a chunk: merged by taking the minimum
_OCCURS, _NO_MATCH, _ABSENT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class FunnelPartial:
    """What a chunk of whole users contributes: its counted units and what the warnings need.

    ``units`` is one row per counted user (or attempt), as :attr:`FunnelResult.units` without
    the step times; ``step_ns`` the step times as int64 nanoseconds (NaT as the smallest int64)
    and ``tz`` their time zone (the ``at_k`` columns are built once, over all chunks);
    ``occurs`` per step and exclusion whether its event occurs (and meets its conditions);
    ``n_opens`` / ``n_opens_missing`` the step-1 events with and without a held-constant
    value; ``n_anchors`` the attempts opened; ``step_types`` (unordered) the distinct sets of
    steps its rows fill, whose union decides whether the steps overlap in too many ways;
    ``in_id_order`` whether the units are in their final order (integer user ids sorted, a
    user's attempts by step-1 time), so that merging keeps them so and finalize sorts nothing.
    """

    units: pd.DataFrame
    step_ns: tuple[I64, ...]
    tz: tzinfo | None
    occurs: tuple[int, ...]
    n_opens: int
    n_opens_missing: int
    n_anchors: int
    step_types: frozenset[bytes] = frozenset()
    in_id_order: bool = False


def merge_partials(a: FunnelPartial, b: FunnelPartial) -> FunnelPartial:
    """The partial of two chunks of disjoint users."""
    return merge_many_partials([a, b])


def merge_many_partials(parts: Sequence[FunnelPartial]) -> FunnelPartial:
    """The partial of several chunks of disjoint users: their units concatenated once.

    Units each in their final order are merged in it (:func:`_merged_in_id_order`).
    """
    in_id_order = all(p.in_id_order for p in parts)
    in_id_order = in_id_order and len({p.units["user"].dtype for p in parts}) == 1
    if in_id_order and len(parts) > 1:
        units, step_ns = _merged_in_id_order(parts, [p.units["user"].to_numpy() for p in parts])
    else:
        units = pd.concat([p.units for p in parts], ignore_index=True)
        step_ns = [np.concatenate(ns) for ns in zip(*(p.step_ns for p in parts), strict=True)]
    return FunnelPartial(
        units=units,
        step_ns=tuple(step_ns),
        tz=parts[0].tz,
        occurs=tuple(min(o) for o in zip(*(p.occurs for p in parts), strict=True)),
        n_opens=sum(p.n_opens for p in parts),
        n_opens_missing=sum(p.n_opens_missing for p in parts),
        n_anchors=sum(p.n_anchors for p in parts),
        step_types=frozenset().union(*(p.step_types for p in parts)),
        in_id_order=in_id_order,
    )


def _merged_in_id_order(
    parts: Sequence[FunnelPartial], ids: list[npt.NDArray[Any]]
) -> tuple[pd.DataFrame, list[I64]]:
    """The units and step times of ``parts``, each sorted by its integer ``ids``, merged by id.

    Users are disjoint across parts, so a stable sort of the ids (a merge of sorted runs)
    is the final order; every row is written once, straight to its place (no concatenation
    first), the columns side by side on threads.
    """
    order = np.argsort(np.concatenate(ids), kind="stable")
    place = np.empty_like(order)
    place[order] = np.arange(order.size, dtype=order.dtype)
    bounds = np.cumsum([0, *(i.size for i in ids)])
    to = [place[a:b] for a, b in pairwise(bounds)]

    def merged(arrays: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
        out = np.empty(order.size, dtype=arrays[0].dtype)
        for where, array in zip(to, arrays, strict=True):
            out[where] = array
        return out

    names = list(parts[0].units.columns)
    plain = [
        name
        for name in names
        if all(isinstance(p.units[name].dtype, np.dtype) for p in parts)
        and len({p.units[name].dtype for p in parts}) == 1
    ]
    columns = [[p.units[name].to_numpy() for p in parts] for name in plain]
    columns += [list(ns) for ns in zip(*(p.step_ns for p in parts), strict=True)]
    done = iter(side_by_side([partial(merged, c) for c in columns], get_threads()))
    units: dict[str, pd.Series] = {}
    for name in plain:  # of the dtype merged (object text would be read as str)
        array = next(done)
        units[name] = pd.Series(array, dtype=array.dtype, copy=False)
    for name in names:  # extension dtypes (a breakdown's categories, nullable values)
        if name not in units:  # concatenated as frames are (a Series concat differs: bool+int)
            values = pd.concat([p.units[[name]] for p in parts], ignore_index=True)[name]
            units[name] = values.take(order).reset_index(drop=True)
    return pd.DataFrame({name: units[name] for name in names}, copy=False), list(done)


def _occurrence(log: EventLog, step: Step) -> tuple[int, npt.NDArray[np.bool_] | None, int]:
    """The step's event code (-1 if absent), its condition mask, and whether it occurs."""
    code = event_index(log, step.event)
    if code < 0:
        return code, None, _ABSENT
    cond = condition_mask(log, step)
    if cond is not None and not cond[log.event_codes == code].any():
        return code, cond, _NO_MATCH
    return code, cond, _OCCURS


def funnel_partial(log: EventLog, s: FunnelSettings) -> FunnelPartial:
    """The funnel of one chunk of whole users (the in-memory path is the one-chunk case)."""
    check_property_columns(log, s)

    found = [_occurrence(log, step) for step in s.steps]
    excl_found = [_occurrence(log, step) for step, _, _ in s.exclusions]
    codes: I64 | None = None
    n_opens = n_opens_missing = 0
    if s.hold_constant is not None:
        factorized, _ = pd.factorize(log.property_values(s.hold_constant), use_na_sentinel=True)
        codes = factorized.astype(np.int64, copy=False)
        first_code, first_cond, _ = found[0]
        opens = event_mask(log, first_code, first_cond)
        n_opens_missing = int(np.count_nonzero(opens & (codes < 0)))
        n_opens = int(np.count_nonzero(opens))
    units, step_ns, n_anchors, types, in_id_order = counted_units(
        log,
        s,
        [(code, cond) for code, cond, _ in found],
        [(code, cond) for code, cond, _ in excl_found],
        codes,
        window=int(s.window.value),
    )
    return FunnelPartial(
        units=units,
        step_ns=tuple(step_ns),
        tz=log.tz,
        occurs=tuple(o for _, _, o in [*found, *excl_found]),
        n_opens=n_opens,
        n_opens_missing=n_opens_missing,
        n_anchors=n_anchors,
        step_types=types,
        in_id_order=in_id_order,
    )


def finalize(part: FunnelPartial, s: FunnelSettings) -> FunnelResult:
    """Warnings from the merged figures, then the tables over all units."""
    check_overlaps(part.step_types)  # over the whole data: a chunk sees only some of the types
    n_steps = len(s.steps)
    for k, item in enumerate([*s.steps, *(step for step, _, _ in s.exclusions)]):
        what = "step" if k < n_steps else "exclusion"
        status = part.occurs[k]
        if status == _ABSENT:
            warnings.warn(
                f"The {what} {item.name!r} never occurs: event {item.event!r} is not in the "
                "data; " + ("it counts 0 users." if what == "step" else "it removes nothing."),
                DataQualityWarning,
                stacklevel=5,
            )
        elif status == _NO_MATCH and what == "step":
            warnings.warn(
                f"The step {item.name!r} never occurs: no {item.event!r} event meets its "
                "conditions; it counts 0 users.",
                DataQualityWarning,
                stacklevel=5,
            )
    if part.n_opens_missing:
        warnings.warn(
            f"{part.n_opens_missing:,} of {part.n_opens:,} {s.steps[0].name!r} "
            f"events have no {s.hold_constant!r} value; with hold_constant they open no "
            "attempt, so their users may be missing from the funnel.",
            DataQualityWarning,
            stacklevel=5,
        )
    if s.exclusions and len(part.units) == 0 and part.n_anchors > 0:
        warnings.warn(
            "Every attempt was removed by the exclusions; the funnel is empty.",
            DataQualityWarning,
            stacklevel=5,
        )
    t0 = part.step_ns[0] if part.step_ns else None
    if part.in_id_order or in_canonical_order(part.units["user"].to_numpy(), t0):
        units = part.units.copy(deep=False)
        units.index = pd.RangeIndex(len(units))
        step_ns = [ns.copy() for ns in part.step_ns]  # the result's own (the frame shares them)
    else:
        order = canonical_order(part.units, t0)
        units = part.units.take(order).reset_index(drop=True)
        step_ns = [ns[order] for ns in part.step_ns]
    # one frame of the units' columns and the step times (made here for it: not copied again),
    # not a column inserted at a time (each insert copies its column: 2 ms per 300k units)
    columns: dict[str, Any] = {name: units[name] for name in units.columns}
    columns.update(step_columns(units, step_ns, part.tz))
    units = pd.DataFrame(columns, copy=False)
    names = tuple(step.name for step in s.steps)
    if s.order == "unordered":  # level k is any k of the steps, not the first k
        names = tuple(f"{k} of {n_steps} steps" for k in range(1, n_steps + 1))
    unit_name = "users" if s.count == "users" else "attempts"
    table = build_table(units, names, s.breakdown, unit_name, step_ns)
    return FunnelResult(
        steps=names,
        table=table,
        units=units,
        window=s.window,
        order=s.order,
        entry=s.entry,
        count=s.count,
        breakdown=s.breakdown,
        breakdown_attribution=s.breakdown_attribution if s.breakdown else None,
        hold_constant=s.hold_constant,
        exclusions=tuple((str(step.name), lo, hi) for step, lo, hi in s.exclusions),
    )
