"""The Dask driver of :mod:`saasmetrics.scale`: imported only when a dask collection is passed.

Per partition: ``prepare`` then ``partial`` (and ``context`` first when the analysis needs one);
the partials are merged as a tree of tasks (pairwise, or in groups of up to :data:`FAN_IN` when
the analysis gives ``merge_many``); the client computes only the merged Partial (and the merged
context) and calls ``finalize``. Event rows never travel to the client.

Warnings raised on a worker are carried back with the partials and raised again on the client,
once per distinct message. Errors raised on a worker reach the caller as the same saasmetrics
exception (Dask re-raises the worker's exception).
"""

from __future__ import annotations

import functools
import itertools
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from saasmetrics._validation import (
    _MIXED_KINDS,
    _NUMERIC_KINDS,
    CountedWarning,
    TimeZonesSeen,
    ValidationReport,
    _label_text,
    collecting_reports,
    infer_id_kind,
)
from saasmetrics.config import threads
from saasmetrics.exceptions import (
    EmptyDataError,
    InputError,
    MissingColumnError,
    ParameterError,
)
from saasmetrics.scale import Analysis, _no_context, catch_warnings_into, is_dask

__all__ = ("run_dask",)

_KEY = "__saasmetrics_partition_key__"
_ROW = "__saasmetrics_row__"  # input position: rows keep their input order through a shuffle
_ROW_BITS = 40  # up to 2**40 rows per input partition, 2**23 partitions
Warned = tuple[tuple[type[Warning], str], ...]


Reports = tuple[tuple[str, ValidationReport | CountedWarning | TimeZonesSeen], ...]


@dataclass(frozen=True, slots=True)
class _Carried:
    """A partial (or context) with what it carries to the client; ``empty`` = nothing.

    ``warned``: the warnings raised while computing it; ``reports``: the rows dropped per
    table, summed over the partitions and warned about once.
    """

    value: Any
    warned: Warned
    empty: bool = False
    reports: Reports = ()


def _union(a: Warned, b: Warned) -> Warned:
    return a + tuple(w for w in b if w not in a)


def _add_reports(a: Reports, b: Reports) -> Reports:
    total = dict(a)
    for name, report in b:
        total[name] = total[name] + report if name in total else report  # type: ignore[operator]
    return tuple(total.items())


_CAPTURE_LOCK = threading.Lock()


def _in_worker_process() -> bool:
    """Whether this runs in a dask.distributed worker (whose warnings the user never sees)."""
    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


def _capture(call: Callable[[], Any]) -> tuple[Any, Warned]:
    """Run ``call``; on a distributed worker, record its warnings to raise them on the client.

    ``warnings.catch_warnings`` swaps process-wide state, so concurrent captures in one
    process are serialised by a lock. On the local threaded scheduler warnings are raised in
    the caller's process anyway, so nothing is captured there.
    """
    if not _in_worker_process():
        return call(), ()
    with _CAPTURE_LOCK:
        return catch_warnings_into(call)


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns back in pandas' default string dtype.

    Dask stores text as ``string[pyarrow]`` (its ``dataframe.convert-string`` setting), which
    would leak into results (ids, labels); the pandas path has pandas' default ``str`` dtype.
    """
    default = pd.Series(["x"]).dtype
    text = [
        c
        for c, dtype in frame.dtypes.items()
        if isinstance(dtype, pd.StringDtype) and dtype != default and dtype.na_value is pd.NA
    ]
    if not text:
        return frame
    return frame.astype(dict.fromkeys(text, default))


def _per_chunk(
    step: Callable[..., Any],
    analysis: Analysis[Any, Any],
    with_context: bool,
    context: Any,
    layout: tuple[tuple[int, ...], tuple[tuple[int, str], ...]],
    *parts: Any,
) -> _Carried:
    """``step`` (partial or context) of one partition's tables; no row in any table is empty.

    A partition with rows in some tables only is analysed (conversions of users without a
    touchpoint still make journeys): ``prepare`` accepts empty tables, and whether a table is
    empty in the whole data is for ``finalize`` to decide. Tables not partitioned by key
    (``None``, or a small table broadcast to every partition) are passed as they are.
    ``layout``: the positions of the tables partitioned by key, and the (table, key column)
    the driver read as text, which reach the analysis as Python strings (dtype ``object``),
    as the in-memory path reads them.
    """
    partitioned, text_keys = layout
    if all(len(parts[i]) == 0 for i in partitioned):
        return _Carried(None, (), empty=True)
    tables = [
        _plain_strings(_in_input_order(p)) if i in partitioned else p for i, p in enumerate(parts)
    ]
    for i, key in text_keys:  # dask stored them as Arrow strings
        tables[i] = tables[i].assign(**{key: tables[i][key].astype(object)})

    def call() -> Any:
        with collecting_reports() as reports:
            try:
                chunk = analysis.prepare(*tables)
            except EmptyDataError:
                if not _all_rows_dropped(reports):
                    raise
                return _NOTHING, tuple(reports.items())
        value = step(chunk, context) if with_context else step(chunk)
        return value, tuple(reports.items())

    def call_on_one_thread() -> Any:
        with threads(1):  # Dask runs the partitions in parallel: one thread each
            return call()

    try:
        (value, reports), warned = _capture(call_on_one_thread)
        if value is _NOTHING:  # on_invalid="drop" dropped every row: an empty chunk
            return _Carried(None, warned, empty=True, reports=reports if with_context else ())
    except InputError as error:
        if type(error) is not InputError:  # schema, missing column, empty: whole-table facts
            raise
        # bad rows: the counts and the example's position are this partition's, so say so
        n_rows = sum(len(tables[i]) for i in partitioned)
        raise InputError(
            f"{error.message} (Counted in one partition of the dask input, {n_rows:,} rows; "
            "the example's 'row' is its position there.)",
            hint=error.hint,
        ) from error
    # the context pass prepares the same rows: only the main pass reports the dropped ones
    return _Carried(value, warned, reports=reports if with_context else ())


_NOTHING = object()  # a chunk left without rows by on_invalid="drop"


def _all_rows_dropped(reports: dict[str, Any]) -> bool:
    """Whether some table of the chunk lost every row to ``on_invalid="drop"``.

    In memory the other partitions' rows would remain, so the chunk is empty, not an error.
    """
    return any(
        isinstance(r, ValidationReport) and r.n_rows > 0 and r.n_dropped == r.n_rows
        for r in reports.values()
    )


FAN_IN = 16  # partials merged by one task when the analysis merges many at once


def _merge_carried_many(merge_many: Callable[[Sequence[Any]], Any], *items: _Carried) -> _Carried:
    warned: Warned = ()
    reports: Reports = ()
    for item in items:
        warned, reports = _union(warned, item.warned), _add_reports(reports, item.reports)
    values = [item.value for item in items if not item.empty]
    if not values:
        return _Carried(None, warned, True, reports)
    if len(values) == 1:
        return _Carried(values[0], warned, False, reports)
    value, more = _capture(lambda: merge_many(values))
    return _Carried(value, _union(warned, more), False, reports)


def _tree(
    delayed: Any,
    merge: Callable[[Any, Any], Any],
    items: list[Any],
    merge_many: Callable[[Sequence[Any]], Any] | None = None,
) -> Any:
    """The tasks that merge ``items``: in pairs, or in groups of up to :data:`FAN_IN`."""
    join = delayed(_merge_carried_many, pure=True)
    fan_in = 2 if merge_many is None else FAN_IN
    many = functools.partial(functools.reduce, merge) if merge_many is None else merge_many
    while len(items) > 1:
        n_groups = -(-len(items) // fan_in)
        bounds = [len(items) * g // n_groups for g in range(n_groups + 1)]
        items = [
            join(many, *items[a:b]) if b - a > 1 else items[a]
            for a, b in itertools.pairwise(bounds)
        ]
    return items[0]


def _reraise(warned: Warned) -> None:
    for category, message in warned:
        warnings.warn(message, category, stacklevel=5)  # user > function > run > run_dask


def _in_input_order(part: pd.DataFrame) -> pd.DataFrame:
    """A shuffled partition back in input order, without the driver's helper columns.

    A shuffle interleaves the rows that came from different input partitions; analyses keep
    the input order among events with equal timestamps (as :class:`~saasmetrics.EventLog`
    does), so the rows are put back in it.
    """
    if _ROW in part.columns:
        part = part.sort_values(_ROW, kind="stable")
    return part.drop(columns=[c for c in (_KEY, _ROW) if c in part.columns])


def _number_rows(part: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """Add each row's input position (partition number, then position in the partition)."""
    number = 0 if partition_info is None else int(partition_info["number"])
    position = np.arange(len(part), dtype=np.int64) + (np.int64(number) << _ROW_BITS)
    return part.assign(**{_ROW: position})


def _numbered(frame: Any) -> Any:
    meta = frame._meta.assign(**{_ROW: pd.Series(dtype="int64")})
    return frame.map_partitions(_number_rows, meta=meta)


def _by_key_index(frame: Any, key: str) -> bool:
    return bool(frame.index.name == key and frame.known_divisions)


_NUMBER_STARTS = list("0123456789+-. ")


def _number_text(numbers: pd.Series) -> pd.Series:
    """Numbers as text: integers exactly, whole floats below 2**63 without a fraction."""
    if pd.api.types.is_integer_dtype(numbers.dtype):
        return numbers.astype("string")
    floats = numbers.astype("Float64")
    text = floats.astype("string")
    whole = floats.notna() & (floats % 1 == 0) & (floats.abs() < 2**63)
    if bool(whole.any()):
        text = text.where(~whole, floats.where(whole).astype("Int64").astype("string"))
    return text


def _key_text(ids: pd.Series) -> pd.Series:
    """Ids as text for hashing: any two ids the in-memory path may read as one get one text.

    Numbers, and text that reads as a number, become the text of their value, whole ones
    without a fraction (7, 7.0, "7", Decimal("7.0") -> "7"; Decimal("7.50") -> "7.5"; 2**60 as
    int or float -> one text); other values their ``str``. Ids that are not one id may share a
    text: they only share a partition. Only values that may be numbers are parsed (text ids
    that start with a letter cost a look at their first character).
    """
    if isinstance(ids.dtype, pd.CategoricalDtype):
        ids = ids.astype(object)
    if pd.api.types.is_bool_dtype(ids.dtype):
        return ids.astype("string")
    if pd.api.types.is_numeric_dtype(ids.dtype):
        return _number_text(ids)
    if not (ids.dtype == object or pd.api.types.is_string_dtype(ids.dtype)):
        return ids.astype("string")
    text = ids.astype("string") if ids.dtype != object else ids.map(str, na_action="ignore")
    text = text.astype("string")
    maybe = text.str.slice(0, 1).isin(_NUMBER_STARTS).to_numpy(dtype=bool, na_value=False)
    if ids.dtype == object:  # numbers held as Python or NumPy objects
        other = ids.map(lambda v: not isinstance(v, str), na_action="ignore")
        maybe = (maybe | other.fillna(False).to_numpy(dtype=bool)) & ids.notna().to_numpy()
    if not maybe.any():
        return text
    candidates = ids[maybe].astype(object)
    numbers = pd.to_numeric(candidates, errors="coerce")
    read = numbers.notna().to_numpy()
    if read.any():
        positions = np.flatnonzero(maybe)[read]
        values = text.to_numpy(dtype=object)  # an index of a partition may repeat labels
        values[positions] = _number_text(numbers[read]).to_numpy(dtype=object)
        text = pd.Series(values, index=ids.index, dtype="string")
    return text


def _hash_key(part: pd.DataFrame, key: str) -> pd.DataFrame:
    """Add a hash of the key's text form, so that equal ids (7, 7.0, "7") meet in a partition.

    Equal ids must land in the same partition whatever their type in each table or partition:
    the in-memory path reads them as one id (:func:`~saasmetrics._validation.normalize_ids`,
    :func:`~saasmetrics._validation.align_ids`), so a hash of the raw values would split them.
    """
    text = _key_text(part[key]) if len(part) else part[key].astype(object)
    hashed = pd.util.hash_pandas_object(text, index=False).to_numpy()
    return part.assign(**{_KEY: hashed})


def _hash_key_frame(frame: Any, key: str) -> Any:
    meta = frame._meta.assign(**{_KEY: pd.Series(dtype="uint64")})
    return frame.map_partitions(_hash_key, key, meta=meta)


def _id_kind(ids: pd.Series) -> pd.Series:
    return pd.Series([infer_id_kind(ids)], dtype=object)


def _ids_as_text(part: pd.DataFrame, key: str) -> pd.DataFrame:
    return part.assign(**{key: _label_text(part[key].astype(object))})


def _id_kinds(frame: Any, key: str) -> set[str]:
    """The kinds (``infer_dtype``) of the key's values over the whole column.

    A column of one dtype has its dtype's kind (a categorical: of its categories); a column
    of Python objects, or a categorical of unknown categories, is read once.
    """
    meta = frame._meta[key]
    unknown = isinstance(meta.dtype, pd.CategoricalDtype) and not frame[key].cat.known
    if meta.dtype != object and not unknown:
        return {infer_id_kind(meta)}
    return set(frame[key].map_partitions(_id_kind, meta=(key, object)).compute()) - {"empty"}


def _as_text_ids(frame: Any, key: str) -> Any:
    meta = frame._meta.assign(**{key: pd.Series(dtype=object)})
    return frame.map_partitions(_ids_as_text, key, meta=meta)


def _one_id_kind(frame: Any, key: str, kinds: set[str] | None = None) -> tuple[Any, bool]:
    """A key column of Python objects read as text in every partition if the whole column mixes.

    The in-memory path reads a column that mixes numbers and text as text; on dask each
    partition would decide alone, so the kinds of the whole column are found first.

    Costs one pass over the key column, and only for columns of dtype ``object`` (ids of one
    dtype cannot mix). Returns the frame and whether its key was read as text.
    """
    if key not in frame.columns or frame[key].dtype != object:
        return frame, False
    kinds = _id_kinds(frame, key) if kinds is None else kinds
    if not (kinds & _MIXED_KINDS or len(kinds) > 1):
        return frame, False
    return _as_text_ids(frame, key), True


def _one_id_kind_across(frames: list[Any], keys: list[str]) -> tuple[list[Any], list[bool]]:
    """Keyed tables whose ids are numbers in one and text in another, all read as text.

    In memory, an account ``7`` in events and ``"7"`` in subscriptions are one id, every side
    read as text (``align_ids``); on dask a partition without rows of the text table would
    keep its numbers, so the kinds of the whole tables decide, before any partition is read;
    in memory too the non-null ids as given decide (``align_ids(kinds_from=...)``), not the
    rows left after ``as_of`` and validation. Returns the frames and, per frame, whether its
    key was read as text.
    """
    out: list[Any] = []
    as_text: list[bool] = []
    kinds: list[str | None] = []
    for frame, key in zip(frames, keys, strict=True):
        found = _id_kinds(frame, key)
        one, mixed = _one_id_kind(frame, key, found)
        out.append(one)
        as_text.append(mixed)
        if not found:
            kinds.append(None)
        else:
            kinds.append("number" if found <= _NUMERIC_KINDS and not mixed else "text")
    if {"number", "text"} <= set(kinds):
        for j, (frame, key) in enumerate(zip(frames, keys, strict=True)):
            # a kind read from the dtype alone holds only if some id is there (a column of
            # nulls, which Dask turned into text, has no kind in memory either)
            dtype = frame[key].dtype
            never_null = isinstance(dtype, np.dtype) and dtype.kind in "iub"
            if (
                not pd.api.types.is_object_dtype(dtype)
                and not never_null
                and not frame[key].count().compute()
            ):
                kinds[j] = None
    if {"number", "text"} <= set(kinds):
        for j, kind in enumerate(kinds):
            if kind == "number":
                out[j], as_text[j] = _as_text_ids(out[j], keys[j]), True
    return out, as_text


def _partitioned(
    tables: Sequence[Any], keys: Sequence[str | None], roles: Sequence[str | None] = ()
) -> tuple[int, ...]:
    """Positions of the tables partitioned by their key; check they are dask DataFrames."""
    import dask.dataframe as dd

    positions = []
    for i, (frame, key) in enumerate(zip(tables, keys, strict=True)):
        if frame is None or key is None:
            continue
        if not isinstance(frame, dd.DataFrame):
            raise ParameterError(
                f"Table {i + 1} is a {type(frame).__name__}; with dask input every table the "
                "analysis partitions by user must be a dask DataFrame.",
                hint="wrap it with dask.dataframe.from_pandas(frame, npartitions=...).",
            )
        columns = list(frame.columns)
        if not (frame.index.name == key and key not in columns) and key not in columns:
            role = roles[i] if i < len(roles) and roles[i] else "user_col"
            raise MissingColumnError.from_names([key], available=columns, role=role)
        positions.append(i)
    return tuple(positions)


def _broadcast(table: Any) -> Any:
    """A table every partition receives whole (not keyed by user): small, so computed once."""
    if table is not None and is_dask(table):
        return table.compute()
    return table


def _partitions(
    tables: Sequence[Any],
    keys: Sequence[str | None],
    partitioned_by: str | None,
    roles: Sequence[str | None] = (),
    *,
    align_keys: bool = False,
) -> tuple[list[list[Any]], tuple[int, ...], tuple[tuple[int, str], ...]]:
    """Per table one entry per partition, partition ``i`` holding the same keys.

    Tables keyed by a column are dask DataFrames, shuffled so that every key is in one
    partition (and the same partition in every table); a ``None`` table, or one whose key is
    ``None`` (a small table such as spend per channel), goes whole to every partition. Also
    the (table, key) whose ids were read as text (see :func:`_per_chunk`). With
    ``align_keys``, ids numbers in one table and text in another are text in all of them.
    """
    positions = _partitioned(tables, keys, roles)
    text_keys: list[tuple[int, str]] = []
    frames = [tables[i] for i in positions]
    if not frames:
        raise ParameterError("With dask input at least one table keyed by user must be dask.")
    if len(frames) == 1:
        frame, key = frames[0], keys[positions[0]]
        assert key is not None
        if _by_key_index(frame, key):
            frame, as_text = _one_id_kind(frame.reset_index(), key)
        elif partitioned_by is not None:
            if partitioned_by != key:
                raise ParameterError(
                    f"partitioned_by={partitioned_by!r} but this analysis groups rows by "
                    f"{key!r}: partitions must hold all rows of each {key!r}.",
                    hint=f"partition by {key!r}, or leave partitioned_by=None to shuffle.",
                )
            if frame.index.name == key and key not in frame.columns:
                frame = frame.reset_index()  # indexed by the key, divisions unknown
            frame, as_text = _one_id_kind(frame, key)
        else:
            if frame.index.name == key and key not in frame.columns:
                frame = frame.reset_index()
            frame, as_text = _one_id_kind(frame, key)
            if frame[key].dtype == object:  # 7 and "7" hash apart; their text form does not
                frame = _hash_key_frame(_numbered(frame), key)
                frame = frame.shuffle(on=_KEY)
            else:
                frame = _numbered(frame).shuffle(on=key)
        shuffled = [list(frame.to_delayed())]
        if as_text:
            text_keys.append((positions[0], key))
    else:
        # several tables: shuffle each on a hash of its key read as text into the same partitions
        n = max(f.npartitions for f in frames)
        shuffled = []
        keyed_frames, key_names = [], []
        for i in positions:
            table, key = tables[i], keys[i]
            assert key is not None  # a position is a table keyed by a column
            frame = table.reset_index() if table.index.name == key and key not in table else table
            keyed_frames.append(frame)
            key_names.append(key)
        if align_keys:
            aligned, as_texts = _one_id_kind_across(keyed_frames, key_names)
        else:  # each table's kinds alone (the analysis matches ids itself)
            pairs = [_one_id_kind(f, k) for f, k in zip(keyed_frames, key_names, strict=True)]
            aligned, as_texts = [f for f, _ in pairs], [t for _, t in pairs]
        for i, frame, key, as_text in zip(positions, aligned, key_names, as_texts, strict=True):
            if as_text:
                text_keys.append((i, key))
            keyed = _hash_key_frame(_numbered(frame), key)
            shuffled.append(list(keyed.shuffle(on=_KEY, npartitions=n).to_delayed()))
    n_parts = len(shuffled[0])
    out: list[list[Any]] = []
    for i, table in enumerate(tables):
        if i in positions:
            out.append(shuffled[positions.index(i)])
        else:
            out.append([_broadcast(table)] * n_parts)
    return out, positions, tuple(text_keys)


def run_dask(
    analysis: Analysis[Any, Any], tables: Sequence[Any], *, partitioned_by: str | None = None
) -> Any:
    """Run ``analysis`` on dask DataFrames; see :func:`saasmetrics.scale.run`."""
    import importlib

    dask: Any = importlib.import_module("dask")  # untyped: one Any at the boundary
    parts, positions, text_keys = _partitions(
        tables,
        analysis.keys,
        partitioned_by,
        analysis.key_roles,
        align_keys=analysis.align_keys,
    )
    per_partition = list(zip(*parts, strict=True))
    delayed = dask.delayed
    context: Any = None
    warned_before: Warned = ()
    if analysis.context is not _no_context:
        chunks = [
            delayed(_per_chunk, pure=True)(
                analysis.context, analysis, False, None, (positions, text_keys), *p
            )
            for p in per_partition
        ]
        (merged_context,) = dask.compute(_tree(delayed, analysis.merge_context, chunks))
        _reraise(merged_context.warned)
        warned_before = merged_context.warned
        if merged_context.empty:
            raise EmptyDataError(f"{analysis.name}: every partition of the input is empty.")
        context = merged_context.value
    chunks = [
        delayed(_per_chunk, pure=True)(
            analysis.partial, analysis, True, context, (positions, text_keys), *p
        )
        for p in per_partition
    ]
    (merged,) = dask.compute(_tree(delayed, analysis.merge, chunks, analysis.merge_many))
    zones_first = sorted(merged.reports, key=lambda item: not isinstance(item[1], TimeZonesSeen))
    for name, report in zones_first:  # a mix of time zones raises; dropped rows warn
        report.warn_dropped(name, stacklevel=4)  # user > function > run > run_dask
    _reraise(tuple(w for w in merged.warned if w not in warned_before))
    if merged.empty:
        raise EmptyDataError(f"{analysis.name}: every partition of the input is empty.")
    return analysis.finalize(merged.value, context)
