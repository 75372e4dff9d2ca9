"""Column checks, timestamp parsing and row-level validation with clear, typed errors.

The pattern every public function follows::

    frame = to_pandas(data, name="events")
    require_columns(frame, {"user_col": user_col, "time_col": time_col})
    rows = RowCheck(frame, on_invalid=on_invalid, name="events")
    rows.flag(frame[user_col].isna().to_numpy(), user_col, "null ids")
    time = parse_timestamps(frame[time_col], rows=rows)
    report = rows.finish()          # raises, or drops and warns, and says how many rows went
"""

from __future__ import annotations

import copy
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics.exceptions import (
    DataQualityWarning,
    InputError,
    MissingColumnError,
    NotFittedError,
    ParameterError,
    SchemaError,
)

__all__ = (
    "MAX_CELLS",
    "ParsedTimes",
    "RowCheck",
    "ValidationReport",
    "align_ids",
    "as_python_number",
    "check_choice",
    "check_float",
    "check_instant",
    "check_int",
    "check_is_fitted",
    "check_positive_timedelta",
    "check_same_clock",
    "normalize_ids",
    "one_column",
    "parse_end_timestamps",
    "parse_timestamps",
    "require_columns",
)

MAX_CELLS = 10**9
"""The largest array (cells) an option may make saasmetrics allocate; larger is refused early."""


def require_columns(
    frame: pd.DataFrame,
    roles: Mapping[str, str | None],
    *,
    optional: Iterable[str] = (),
) -> None:
    """Raise unless every column named by a keyword is a string label present in ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to check.
    roles : mapping of str to str or None
        Keyword (e.g. ``"user_col"``) to the column it names.
    optional : iterable of str, default ()
        Keywords that may be ``None`` (the column is not used); ``None`` for any other keyword
        is a :class:`ParameterError`.

    Raises
    ------
    ParameterError
        If a required keyword is ``None`` or a keyword's value is not a string.
    MissingColumnError
        Naming the first missing column, the frame's columns and the keyword to pass.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"uid": [1]}), {"user_col": "user_id"})
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.MissingColumnError: Column(s) not found: ['user_id']. ...
    """
    may_be_none = set(optional)
    for role, column in roles.items():
        if column is None:
            if role in may_be_none:
                continue
            raise ParameterError(
                f"{role}=None: this column is required.",
                hint=f"pass {role}='<column name>' (the default names the usual column).",
            )
        if not isinstance(column, str):
            raise ParameterError(
                f"{role}={column!r} is not a column name (a string).",
                hint="column labels are strings; rename the columns with df.columns.astype(str).",
            )
        if column not in frame.columns:
            raise MissingColumnError.from_names([column], available=frame.columns, role=role)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> None:
    """Raise :class:`ParameterError` unless ``value`` is one of ``choices``.

    Parameters
    ----------
    name : str
        The parameter's name.
    value : object
        The value passed.
    choices : iterable
        The valid values.

    Raises
    ------
    ParameterError
        Listing the valid choices.

    Examples
    --------
    >>> check_choice("order", "strict", ["ordered", "strict", "unordered"])
    """
    options = list(choices)
    if value not in options:
        raise ParameterError.not_one_of(name, value, options)


def check_positive_timedelta(name: str, value: Any) -> pd.Timedelta:
    """Parse ``value`` as a :class:`pandas.Timedelta` and require it to be positive.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    value : str, timedelta or pandas.Timedelta
        E.g. ``"7D"`` or ``"30min"``.

    Returns
    -------
    pandas.Timedelta
        The parsed duration.

    Raises
    ------
    ParameterError
        If it cannot be parsed, or is zero or negative.

    Examples
    --------
    >>> check_positive_timedelta("window", "7D")
    Timedelta('7 days 00:00:00')
    """
    if isinstance(value, int | float | np.number) and not isinstance(value, bool | np.timedelta64):
        # pandas reads a bare number as nanoseconds: 7 would silently mean 7 ns
        raise ParameterError(
            f"{name}={value!r} has no unit.",
            hint=f"write it with one, e.g. '{value}D' or '{value}h'.",
        )
    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            f"{name}={value!r} is not a duration.", hint="use e.g. '7D', '12h' or '30min'."
        ) from exc
    if pd.isna(delta) or delta <= pd.Timedelta(0):
        raise ParameterError(f"{name} must be a positive duration; got {value!r}.")
    return delta


def check_is_fitted(model: Any, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``model`` has the fitted ``attribute``.

    Parameters
    ----------
    model : object
        The estimator.
    attribute : str
        A fitted attribute (trailing underscore) that ``fit`` sets.

    Raises
    ------
    NotFittedError
        If ``fit`` has not been called.

    Examples
    --------
    >>> class M:
    ...     pass
    >>> check_is_fitted(M(), "params_")
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.NotFittedError: This M is not fitted yet. Hint: call fit(...) first.
    """
    if getattr(model, attribute, None) is None:
        raise NotFittedError(
            f"This {type(model).__name__} is not fitted yet.", hint="call fit(...) first."
        )


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What validation did to the input: rows in, rows dropped and why.

    Attributes
    ----------
    n_rows : int
        Rows received.
    n_dropped : int
        Rows dropped (only with ``on_invalid="drop"``).
    reasons : dict of str to int
        Problem description to the number of rows that had it (a row may have several).

    Examples
    --------
    >>> ValidationReport(n_rows=10, n_dropped=0, reasons={}).n_kept
    10
    """

    n_rows: int
    n_dropped: int
    reasons: dict[str, int]

    @property
    def n_kept(self) -> int:
        """Rows kept after validation."""
        return self.n_rows - self.n_dropped

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dictionary."""
        return {"n_rows": self.n_rows, "n_dropped": self.n_dropped, "reasons": dict(self.reasons)}

    def __add__(self, other: ValidationReport) -> ValidationReport:
        """The report of two disjoint parts of one table (chunks of a partitioned table).

        Examples
        --------
        >>> a = ValidationReport(n_rows=5, n_dropped=1, reasons={"null user ids": 1})
        >>> (a + a).reasons
        {'null user ids': 2}
        """
        reasons = dict(self.reasons)
        for reason, n in other.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
        return ValidationReport(
            n_rows=self.n_rows + other.n_rows,
            n_dropped=self.n_dropped + other.n_dropped,
            reasons=reasons,
        )

    def warn_dropped(self, name: str, *, stacklevel: int = 2) -> None:
        """Warn that rows of table ``name`` were dropped, if any were."""
        if self.n_dropped:
            detail = "; ".join(f"{k} ({v:,})" for k, v in self.reasons.items())
            warnings.warn(
                f"Dropped {self.n_dropped:,} of {self.n_rows:,} rows of {name}: {detail}.",
                DataQualityWarning,
                stacklevel=stacklevel + 1,
            )


class RowCheck:
    """Collect row-level problems of one table, then raise or drop according to ``on_invalid``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table being validated (never modified).
    on_invalid : {"raise", "drop"}, default "raise"
        Raise an :class:`InputError` at the first problem, or drop the offending rows, warn with
        a :class:`DataQualityWarning` and report the count.
    name : str, default "data"
        What to call the table in messages.

    Examples
    --------
    >>> import numpy as np, pandas as pd, warnings
    >>> frame = pd.DataFrame({"user_id": [1, None, 3]})
    >>> rows = RowCheck(frame, on_invalid="drop", name="events")
    >>> rows.flag(frame["user_id"].isna().to_numpy(), "user_id", "null ids")
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     report = rows.finish()
    >>> report.n_dropped, rows.keep.tolist()
    (1, [True, False, True])
    """

    def __init__(self, frame: pd.DataFrame, *, on_invalid: str = "raise", name: str = "data"):
        check_choice("on_invalid", on_invalid, ("raise", "drop"))
        self.frame = frame
        self.on_invalid = on_invalid
        self.name = name
        self.bad = np.zeros(len(frame), dtype=bool)
        self.reasons: dict[str, int] = {}
        self.positions: npt.NDArray[np.intp] | None = None  # a view's rows (see at)

    def at(self, positions: npt.NDArray[np.intp]) -> RowCheck:
        """A view of the rows at ``positions``: what it flags is flagged here.

        A mask given to the view's :meth:`flag` has one entry per position (e.g. the closed
        end dates of a column, parsed alone); the bad rows and reasons are shared.
        """
        view = copy.copy(self)  # shares frame, bad (updated in place) and reasons
        view.positions = positions if self.positions is None else self.positions[positions]
        return view

    def flag(
        self,
        mask: npt.NDArray[np.bool_],
        column: str,
        problem: str,
        *,
        hint: str | None = None,
    ) -> None:
        """Record the rows where ``mask`` is true as having ``problem`` in ``column``.

        Parameters
        ----------
        mask : numpy.ndarray of bool
            One entry per row of the frame (of a view: per position); true marks a bad row.
        column : str
            The column at fault.
        problem : str
            What is wrong, e.g. ``"null ids"`` or ``"negative amounts"``.
        hint : str, optional
            How to fix it; the default suggests ``on_invalid='drop'``.

        Raises
        ------
        InputError
            With ``on_invalid="raise"``, when any row is flagged.
        """
        n_bad = int(np.count_nonzero(mask))
        if n_bad == 0:
            return
        if self.positions is not None:
            full = np.zeros(len(self.frame), dtype=bool)
            full[self.positions] = mask
            mask = full
        if self.on_invalid == "raise":
            first = int(np.flatnonzero(mask)[0])
            example = self.frame.iloc[first].to_dict()
            raise InputError.bad_values(
                column,
                f"{problem} in {self.name}",
                n_bad=n_bad,
                n_rows=len(self.frame),
                example={"row": first, **example},
                hint=hint,
            )
        self.bad |= mask
        key = f"{column}: {problem}"
        self.reasons[key] = self.reasons.get(key, 0) + n_bad

    @property
    def keep(self) -> npt.NDArray[np.bool_]:
        """Boolean mask of the rows that passed every check."""
        return ~self.bad

    def finish(self, *, warn: bool = True) -> ValidationReport:
        """Warn about dropped rows (if any) and return the report.

        Parameters
        ----------
        warn : bool, default True
            Whether to warn here; an analysis run per chunk warns once, from the merged
            reports (:meth:`ValidationReport.warn_dropped`).

        Returns
        -------
        ValidationReport
            Rows in, rows dropped and the reasons.
        """
        report = ValidationReport(
            n_rows=len(self.frame),
            n_dropped=int(np.count_nonzero(self.bad)),
            reasons=dict(self.reasons),
        )
        if warn:
            collector = _CHUNK_REPORTS.get()
            if collector is None:
                report.warn_dropped(self.name, stacklevel=3)
            else:  # one chunk of a partitioned table: the driver warns from the merged reports
                known = collector.get(self.name)
                collector[self.name] = report if known is None else known + report  # type: ignore[operator]
        return report


@dataclass(frozen=True, slots=True)
class CountedWarning:
    """A warning about ``n_bad`` of ``n_rows`` values, deferred while a chunk is prepared.

    ``message`` gets the counts in place of ``{n_bad}`` and ``{n_rows}``; chunks' counts
    add up, so the warning of a partitioned table is raised once with the whole data's counts.

    Examples
    --------
    >>> w = CountedWarning("{n_bad} of {n_rows} values left out.", n_bad=2, n_rows=1000)
    >>> (w + w).text()
    '4 of 2,000 values left out.'
    """

    message: str
    n_bad: int
    n_rows: int
    category: type[Warning] = DataQualityWarning

    def __add__(self, other: CountedWarning) -> CountedWarning:
        """The warning of two disjoint chunks of one table."""
        return CountedWarning(
            self.message, self.n_bad + other.n_bad, self.n_rows + other.n_rows, self.category
        )

    def text(self) -> str:
        """The message with the counts filled in."""
        text = self.message.replace("{n_bad}", f"{self.n_bad:,}")
        return text.replace("{n_rows}", f"{self.n_rows:,}")

    def warn_dropped(self, _name: str, *, stacklevel: int = 2) -> None:
        """Warn, if any value was bad (the signature of :meth:`ValidationReport.warn_dropped`)."""
        if self.n_bad:
            warnings.warn(self.text(), self.category, stacklevel=stacklevel + 1)


def warn_counted(key: str, warning: CountedWarning, *, stacklevel: int = 2) -> None:
    """Raise ``warning`` now, or, while a chunk is prepared, add it to the chunk's reports.

    Parameters
    ----------
    key : str
        What the counts are of (one key per table and column), to add chunks' counts.
    warning : CountedWarning
        The counts and the message.
    stacklevel : int, default 2
        As for :func:`warnings.warn`, counted from the caller.
    """
    collector = _CHUNK_REPORTS.get()
    if collector is None:
        warning.warn_dropped(key, stacklevel=stacklevel + 1)
        return
    known = collector.get(key)
    collector[key] = warning if known is None else known + warning  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class TimeZonesSeen:
    """The time zones of a timestamp column over the chunks of a partitioned table.

    In memory a column that mixes time zones (or naive and tz-aware values) is refused; a
    chunk can hold one zone only while another holds a second, so each chunk records its zone
    and the driver checks the union.

    Examples
    --------
    >>> seen = TimeZonesSeen("ts", ("UTC",)) + TimeZonesSeen("ts", ("naive",))
    >>> seen.zones
    ('UTC', 'naive')
    >>> seen.warn_dropped("events")
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.SchemaError: Column 'ts' mixes time zones (or naive and tz-aware ...
    """

    column: str
    zones: tuple[str, ...]

    def __add__(self, other: TimeZonesSeen) -> TimeZonesSeen:
        """The zones of two chunks of one column."""
        return TimeZonesSeen(self.column, tuple(sorted({*self.zones, *other.zones})))

    def warn_dropped(self, _name: str, *, stacklevel: int = 2) -> None:
        """Raise :class:`SchemaError` if the chunks hold more than one zone (the driver's check).

        The signature is :meth:`ValidationReport.warn_dropped`'s, so the driver settles every
        chunk report in one loop; a mix of zones is an error, as in memory, not a warning.
        """
        if len(self.zones) > 1:
            raise SchemaError(
                f"Column {self.column!r} mixes time zones (or naive and tz-aware values): the "
                f"partitions of the dask input hold {', '.join(self.zones)}.",
                hint=f"make them uniform first, e.g. pd.to_datetime(df[{self.column!r}], "
                "utc=True).",
            )


def _record_zone(table: str, column: str, parsed: ParsedTimes) -> None:
    """While a chunk is prepared, add the zone of its parsed column to the chunk's reports."""
    collector = _CHUNK_REPORTS.get()
    if collector is None:
        return
    key = f"{table}.{column} time zones"
    seen = TimeZonesSeen(column, ("naive" if parsed.tz is None else str(parsed.tz),))
    known = collector.get(key)
    collector[key] = seen if known is None else known + seen  # type: ignore[operator]


_CHUNK_REPORTS: ContextVar[dict[str, ValidationReport | CountedWarning | TimeZonesSeen] | None] = (
    ContextVar("saasmetrics_chunk_reports", default=None)
)


@contextmanager
def collecting_reports() -> Iterator[dict[str, ValidationReport | CountedWarning | TimeZonesSeen]]:
    """Collect the reports :meth:`RowCheck.finish` would warn about, per table name.

    The Dask driver prepares each partition inside this block, sums the reports over the
    partitions and warns once with the totals, as the in-memory path does (a context
    variable, so concurrent chunks on the threads of one process keep their own reports).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"user_id": ["a", None]})
    >>> with collecting_reports() as reports:
    ...     rows = RowCheck(frame, on_invalid="drop", name="events")
    ...     rows.flag(frame["user_id"].isna().to_numpy(), "user_id", "null ids")
    ...     _ = rows.finish()
    >>> reports["events"].n_dropped
    1
    """
    collected: dict[str, ValidationReport | CountedWarning | TimeZonesSeen] = {}
    token = _CHUNK_REPORTS.set(collected)
    try:
        yield collected
    finally:
        _CHUNK_REPORTS.reset(token)


@dataclass(frozen=True, slots=True)
class ParsedTimes:
    """Timestamps as int64 nanoseconds (UTC for tz-aware input) plus their time zone.

    ``ns`` may be a read-only view of the column read (a datetime64[ns] column): never write to it.
    """

    ns: npt.NDArray[np.int64]
    tz: tzinfo | None

    def to_datetime(self, ns: npt.NDArray[np.int64] | None = None) -> pd.DatetimeIndex:
        """Turn nanoseconds (default: all of them) back into timestamps in the original zone."""
        values = self.ns if ns is None else ns
        index = pd.DatetimeIndex(values.view("datetime64[ns]"))
        return index.tz_localize("UTC").tz_convert(self.tz) if self.tz is not None else index


_NAT = np.iinfo(np.int64).min


def _from_datetime_series(series: pd.Series) -> ParsedTimes:
    try:
        return _to_nanoseconds(series)
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        raise InputError(
            f"Column {series.name!r} has timestamps outside the nanosecond range "
            f"(1677-09-21 to 2262-04-11): {exc}",
            hint="fix or drop those rows; sentinel dates such as 9999-12-31 are a common cause.",
        ) from exc


def _to_nanoseconds(series: pd.Series) -> ParsedTimes:
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = utc.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)
        return ParsedTimes(ns=ns, tz=dtype.tz)
    if dtype == np.dtype("datetime64[ns]"):  # already nanoseconds: no copy of every row
        # a view of the caller's column: read-only on every pandas (pandas 2 hands it writable)
        view = series.to_numpy().view(np.int64)
        view.flags.writeable = False
        return ParsedTimes(ns=view, tz=None)
    ns = series.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)
    return ParsedTimes(ns=ns, tz=None)


# warnings.catch_warnings saves and restores the process-wide filters: two threads (dask's
# default scheduler prepares partitions in threads) interleaving it leave one's "ignore" in
# place for good. Blocks that silence warnings per chunk take this lock.
_QUIET_LOCK = threading.Lock()


def parse_timestamps(series: pd.Series, *, rows: RowCheck | None = None) -> ParsedTimes:
    """Parse a column of timestamps into int64 nanoseconds, reporting nulls and bad values.

    Datetime columns (any unit, naive or tz-aware) are converted without parsing. Strings and
    Python datetimes are parsed by pandas; values that fail to parse are reported (or dropped
    through ``rows``). Tz-aware input is stored as UTC and remembered; a column that mixes
    naive and aware values, or several UTC offsets in strings, is refused rather than guessed.

    Parameters
    ----------
    series : pandas.Series
        The timestamp column (its name is used in messages).
    rows : RowCheck, optional
        Where null and unparseable values are flagged. Without it they raise.

    Returns
    -------
    ParsedTimes
        ``ns`` (int64 nanoseconds; flagged rows hold an undefined value) and ``tz``.

    Raises
    ------
    SchemaError
        For numeric or boolean columns, or mixed time zones.
    InputError
        For null or unparseable values (unless ``rows`` drops them).

    Examples
    --------
    >>> import pandas as pd
    >>> parsed = parse_timestamps(pd.Series(["2024-01-01", "2024-01-02 12:00"], name="ts"))
    >>> parsed.to_datetime().tolist()
    [Timestamp('2024-01-01 00:00:00'), Timestamp('2024-01-02 12:00:00')]
    >>> parse_timestamps(pd.Series(["2024-01-01", "soon"], name="ts"))
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.InputError: Column 'ts' has 1 of 2 rows with unparseable timestamps ...
    """
    column = str(series.name)
    if rows is None:
        rows = RowCheck(series.to_frame(name=column), on_invalid="raise", name="data")
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        raise SchemaError(
            f"Column {column!r} has dtype {dtype}; timestamps were expected.",
            hint=f"convert it first, e.g. pd.to_datetime(df[{column!r}], unit='s').",
        )
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        read = series.notna().to_numpy()
        rows.flag(~read, column, "null timestamps")
        parsed = _from_datetime_series(series)
    else:
        null = series.isna().to_numpy()
        rows.flag(null, column, "null timestamps")
        try:
            with _QUIET_LOCK, warnings.catch_warnings():
                # pandas warns when it falls back to per-element parsing, and pandas 2 warns
                # (FutureWarning) before returning objects for mixed offsets; both outcomes are
                # handled below with a clear error.
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("ignore", FutureWarning)
                converted = pd.to_datetime(series, errors="coerce")
                failed = converted.isna().to_numpy() & ~null
                if failed.any():
                    # the format inferred from the first value did not fit every row (e.g.
                    # dates and date-times mixed): parse only those rows value by value.
                    retry = pd.to_datetime(series[failed], errors="coerce", format="mixed")
                    if retry.notna().any():
                        converted = pd.to_datetime(series, errors="coerce", format="mixed")
        except (ValueError, TypeError) as exc:
            raise SchemaError(
                f"Column {column!r} mixes time zones (or naive and tz-aware values): {exc}",
                hint=f"make them uniform first, e.g. pd.to_datetime(df[{column!r}], utc=True).",
            ) from exc
        if not (
            isinstance(converted.dtype, pd.DatetimeTZDtype)
            or pd.api.types.is_datetime64_dtype(converted.dtype)
        ):
            raise SchemaError(
                f"Column {column!r} mixes time zones (or naive and tz-aware values).",
                hint=f"make them uniform first, e.g. pd.to_datetime(df[{column!r}], utc=True).",
            )
        failed = converted.isna().to_numpy() & ~null
        if failed.any():
            # values pandas could read as UTC but not alongside the rest: a time-zone mix
            with _QUIET_LOCK, warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                as_utc = pd.to_datetime(series[failed], errors="coerce", utc=True, format="mixed")
            if as_utc.notna().any():
                example = series[failed][as_utc.notna()].iloc[0]
                raise SchemaError(
                    f"Column {column!r} mixes time zones (or naive and tz-aware values), "
                    f"e.g. {example!r} among values read as {converted.dtype}.",
                    hint=f"make them uniform first, e.g. pd.to_datetime(df[{column!r}], utc=True).",
                )
        rows.flag(failed, column, "unparseable timestamps")
        read = ~null & ~failed
        parsed = _from_datetime_series(converted)
    if read.any():  # no value read (empty, null or unparseable): the chunk has no zone
        _record_zone(rows.name, column, parsed)
    return parsed


# --------------------------------------------------------------------------- scalar options
def as_python_number(value: Any) -> Any:
    """NumPy integers and floats as Python ``int`` / ``float``; anything else unchanged.

    Options are stored and shown (``repr``, JSON) as Python numbers, so ``np.int64(3)`` and
    ``3`` give the same model and the same result.

    Examples
    --------
    >>> import numpy as np
    >>> as_python_number(np.int64(3)), as_python_number(np.float32(0.5)), as_python_number("a")
    (3, 0.5, 'a')
    """
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def check_int(
    name: str,
    value: Any,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
) -> int:
    """Return ``value`` as a Python ``int`` if it is a whole number within bounds.

    Python and NumPy integers are accepted alike (``np.int64(3)`` is ``3``); booleans, floats
    (even ``3.0``), strings and NaN are refused.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        What was passed.
    min_value, max_value : int, optional
        Inclusive bounds.

    Returns
    -------
    int
        The value as a Python int.

    Raises
    ------
    ParameterError
        If it is not a whole number or is out of bounds.

    Examples
    --------
    >>> import numpy as np
    >>> check_int("max_order", np.int64(3), min_value=1)
    3
    >>> check_int("n_bins", 0, min_value=1)
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.ParameterError: n_bins must be >= 1; got 0.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ParameterError(
            f"{name} must be a whole number; got {value!r} ({type(value).__name__}).",
            hint="pass a Python or NumPy integer.",
        )
    number = int(value)
    if min_value is not None and number < min_value:
        raise ParameterError(f"{name} must be >= {min_value}; got {number!r}.")
    if max_value is not None and number > max_value:
        raise ParameterError(
            f"{name} must be <= {max_value:,}; got {number:,}.",
            hint="a larger value cannot be computed in reasonable time and memory.",
        )
    return number


def check_float(
    name: str,
    value: Any,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite Python ``float`` within bounds.

    Python and NumPy numbers are accepted; booleans, strings, NaN and infinities are refused.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        What was passed.
    min_value, max_value : float, optional
        Bounds.
    min_inclusive, max_inclusive : bool, default True
        Whether the bounds themselves are allowed.

    Returns
    -------
    float
        The value as a Python float.

    Raises
    ------
    ParameterError
        If it is not a finite number or is out of bounds.

    Examples
    --------
    >>> check_float("confidence_level", 0.9, min_value=0, max_value=1, min_inclusive=False)
    0.9
    >>> check_float("shock_drop", float("nan"))
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.ParameterError: shock_drop must be a finite number; got nan.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise ParameterError(
            f"{name} must be a number; got {value!r} ({type(value).__name__}).",
        )
    number = float(value)
    if not np.isfinite(number):
        raise ParameterError(f"{name} must be a finite number; got {number!r}.")
    low_ok = min_value is None or (number >= min_value if min_inclusive else number > min_value)
    high_ok = max_value is None or (number <= max_value if max_inclusive else number < max_value)
    if not (low_ok and high_ok):
        low = "" if min_value is None else ("[" if min_inclusive else "(") + f"{min_value:g}"
        high = "" if max_value is None else f"{max_value:g}" + ("]" if max_inclusive else ")")
        if min_value is None:
            bounds = f"<{'=' if max_inclusive else ''} {max_value:g}"
        elif max_value is None:
            bounds = f">{'=' if min_inclusive else ''} {min_value:g}"
        else:
            bounds = f"in {low}, {high}"
        raise ParameterError(f"{name} must be {bounds}; got {number!r}.")
    return number


# --------------------------------------------------------------------------- time rules
_TZ_HINT = (
    "saasmetrics never guesses a zone: make both naive, or both tz-aware "
    "(e.g. pd.Timestamp(x).tz_localize('UTC'), or df[col].dt.tz_localize('UTC'))."
)


def check_instant(name: str, value: Any, *, tz: tzinfo | None) -> pd.Timestamp:
    """Parse an option such as ``as_of`` into a nanosecond timestamp on the data's clock.

    The library's one time-zone rule:

    * naive data, naive value: compared as they are (wall-clock times);
    * tz-aware data, tz-aware value: the same instant, shown in the data's zone;
    * tz-aware data, naive value: read as a wall-clock time in the data's zone;
    * naive data, tz-aware value: refused (:class:`SchemaError`); which zone the data is in
      cannot be known.

    Parameters
    ----------
    name : str
        The parameter's name (e.g. ``"as_of"``), for messages.
    value : str, datetime or pandas.Timestamp
        What was passed.
    tz : tzinfo or None
        The data's zone (``None`` for naive data).

    Returns
    -------
    pandas.Timestamp
        Nanosecond unit; tz-aware in ``tz`` for tz-aware data, else naive.

    Raises
    ------
    ParameterError
        If it is not a timestamp, is NaT, or lies outside 1677-09-21..2262-04-11.
    SchemaError
        For a tz-aware value on naive data.

    Examples
    --------
    >>> check_instant("as_of", "2024-03-01", tz=None)
    Timestamp('2024-03-01 00:00:00')
    >>> check_instant("as_of", "3000-01-01", tz=None)
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.ParameterError: as_of='3000-01-01' is outside the supported range ...
    """
    if isinstance(value, bool | np.bool_ | int | float | np.number):
        raise ParameterError(
            f"{name}={value!r} is not a timestamp.", hint="pass a date such as '2024-06-30'."
        )
    try:
        stamp = pd.Timestamp(value)
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        raise ParameterError(
            f"{name}={value!r} is outside the supported range (1677-09-21 to 2262-04-11).",
            hint="pass a date inside that range.",
        ) from exc
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            f"{name}={value!r} is not a timestamp.", hint="pass a date such as '2024-06-30'."
        ) from exc
    if pd.isna(stamp):
        raise ParameterError(f"{name} must be a timestamp; got {value!r}.")
    try:
        stamp = stamp.as_unit("ns")
    except (pd.errors.OutOfBoundsDatetime, OverflowError, ValueError) as exc:
        raise ParameterError(
            f"{name}={value!r} is outside the supported range (1677-09-21 to 2262-04-11).",
            hint="pass a date inside that range.",
        ) from exc
    if tz is None:
        if stamp.tzinfo is not None:
            raise SchemaError(
                f"{name}={value!r} is tz-aware but the data's timestamps are naive.",
                hint=_TZ_HINT,
            )
        return stamp
    return stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)


def check_same_clock(zones: Mapping[str, tzinfo | None]) -> None:
    """Refuse naive and tz-aware timestamps side by side (columns or tables of one call).

    Parameters
    ----------
    zones : mapping of str to tzinfo or None
        What to call each column or table in messages, to its zone (``None``: naive).

    Raises
    ------
    SchemaError
        If some are naive and others tz-aware. Different zones are fine (instants compare).

    Examples
    --------
    >>> from datetime import timezone
    >>> check_same_clock({"start": None, "end": timezone.utc})
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.SchemaError: ['end'] hold tz-aware timestamps but ['start'] naive ones...
    """
    aware = [k for k, tz in zones.items() if tz is not None]
    naive = [k for k, tz in zones.items() if tz is None]
    if aware and naive:
        raise SchemaError(
            f"{aware} hold tz-aware timestamps but {naive} naive ones; comparing them would "
            "mean guessing the naive ones' zone.",
            hint=_TZ_HINT,
        )


_NS_MAX_DATE = pd.Timestamp.max.floor("D")


def parse_end_timestamps(
    series: pd.Series, *, rows: RowCheck | None = None, name: str = "data"
) -> tuple[ParsedTimes, npt.NDArray[np.bool_]]:
    """Parse an end-date column in which missing values and far-future sentinels mean "no end".

    Billing exports often write an open-ended subscription's end as ``9999-12-31`` (or another
    date past 2262-04-11, the last nanosecond timestamp). Such values, and nulls, are read as
    "no end"; a :class:`DataQualityWarning` says how many sentinels were read that way.

    Parameters
    ----------
    series : pandas.Series
        The end column (its name is used in messages).
    rows : RowCheck, optional
        Where unparseable values are flagged. Without it they raise.
    name : str, default "data"
        What to call the table in the warning.

    Returns
    -------
    (ParsedTimes, numpy.ndarray of bool)
        The parsed ends (open rows hold an undefined value) and the mask of open-ended rows.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> ends = pd.Series(["2024-03-01", None, "9999-12-31"], name="end")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     parsed, open_end = parse_end_timestamps(ends)
    >>> open_end.tolist()
    [False, True, True]
    >>> print(caught[0].message)
    Read 1 of 3 end dates in column 'end' of data as 'no end': they lie beyond 2262-04-11 ...
    """
    column = str(series.name)
    open_end = series.isna().to_numpy()
    sentinel = np.zeros(len(series), dtype=bool)
    dtype = series.dtype
    if not (isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype)):
        if series.dtype == object or pd.api.types.is_string_dtype(dtype):
            sentinel = _beyond_ns_range(series, open_end)
    elif len(series):
        # a datetime column in a coarse unit ("s", "ms", "us") can hold dates past 2262
        values = series.dt.tz_localize(None) if isinstance(dtype, pd.DatetimeTZDtype) else series
        sentinel = (values > _NS_MAX_DATE).to_numpy(dtype=bool, na_value=False)
    n_sentinel = int(np.count_nonzero(sentinel))
    if n_sentinel:
        example = series[sentinel].iloc[0]
        warnings.warn(
            f"Read {n_sentinel:,} of {len(series):,} end dates in column {column!r} of {name} "
            f"as 'no end': they lie beyond 2262-04-11 (e.g. {example!r}), the far-future "
            "sentinel billing exports use for open-ended rows.",
            DataQualityWarning,
            stacklevel=3,
        )
    open_end = open_end | sentinel
    ns = np.full(len(series), np.iinfo(np.int64).max, dtype=np.int64)
    if open_end.all():
        return ParsedTimes(ns=ns, tz=None), open_end
    if not open_end.any():
        parsed = parse_timestamps(series.rename(column), rows=rows)
        return parsed, open_end
    # parse the closed ends only: an open row is never flagged for another row's value
    closed = np.flatnonzero(~open_end)
    if rows is None:
        rows = RowCheck(series.to_frame(name=column), on_invalid="raise", name="data")
    parsed = parse_timestamps(series.iloc[closed].rename(column), rows=rows.at(closed))
    ns[closed] = parsed.ns
    return ParsedTimes(ns=ns, tz=parsed.tz), open_end


def _beyond_ns_range(series: pd.Series, null: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Rows whose value is a date-like string or datetime past the nanosecond range."""
    out = np.zeros(len(series), dtype=bool)
    present = np.flatnonzero(~null)
    year = pd.to_numeric(
        series.iloc[present].astype(str).str.strip().str[:4], errors="coerce"
    ).to_numpy(dtype=np.float64, na_value=np.nan)
    values = series.to_numpy(dtype=object)
    for i in present[year >= 2262]:  # only the few values pandas cannot hold in nanoseconds
        try:
            stamp = pd.Timestamp(values[i])
        except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
            continue
        out[i] = not pd.isna(stamp) and stamp.tz_localize(None) > _NS_MAX_DATE
    return out


# --------------------------------------------------------------------------- ids and labels
_MIXED_KINDS = {"mixed-integer", "mixed-integer-float", "mixed"}
_NUMERIC_KINDS = {"integer", "floating", "mixed-integer-float", "decimal"}


def _label_text(values: pd.Series) -> pd.Series:
    """Labels as text: strings as they are, whole numbers without a fraction (7.0 -> "7")."""
    is_text = values.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False)
    is_text = is_text.astype(bool)
    numbers = pd.to_numeric(values.where(~is_text), errors="coerce")
    whole = numbers.notna() & (numbers % 1 == 0) & (numbers.abs() < 2**53)
    text = values.astype(object).where(is_text | values.isna(), values.astype(str))
    if whole.any():
        text = text.where(~whole, numbers.where(whole).astype("Int64").astype(str))
    return text.astype(object).where(values.notna(), None)


def normalize_ids(series: pd.Series, *, column: str, table: str = "data") -> pd.Series:
    """The library's one id/label rule, applied where a table enters.

    A column of one kind (all text, or all numbers) is used as it is: results on such data do
    not change. A column that mixes numbers and text (``7``, ``7.0`` and ``"7"``, as CSV and
    spreadsheet exports produce) is read as text, whole numbers written without a fraction, so
    the three are one id (as :func:`align_ids` matches ids across tables).

    Parameters
    ----------
    series : pandas.Series
        The id or label column.
    column, table : str
        Names for the warning.

    Returns
    -------
    pandas.Series
        ``series`` itself, or its text form (same index; nulls stay null).

    Examples
    --------
    >>> import pandas as pd
    >>> normalize_ids(pd.Series([7, "7", 7.0, "b"], dtype=object), column="customer_id").tolist()
    ['7', '7', '7', 'b']
    """
    if series.dtype != object:
        return series
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind not in _MIXED_KINDS:
        return series
    text = _label_text(series)
    return text


def infer_id_kind(values: Any) -> str:
    """``pandas.api.types.infer_dtype`` of ids; a categorical has the kind of its categories.

    (``infer_dtype`` says ``"categorical"`` of any categorical, which would read integer
    categories as text.)
    """
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        return str(pd.api.types.infer_dtype(dtype.categories, skipna=True))
    return str(pd.api.types.infer_dtype(values, skipna=True))


def _id_kind(series: pd.Series) -> str | None:
    """``"number"`` or ``"text"``: the kind of a column's non-null ids (``None``: no id)."""
    dtype = series.dtype
    if not pd.api.types.is_object_dtype(dtype):  # one dtype: its kind, if any value is there
        never_null = isinstance(dtype, np.dtype) and dtype.kind in "iub"
        if len(series) == 0 or not (never_null or series.notna().any()):
            return None
        kind = infer_id_kind(series)
    else:
        present = series.dropna()
        if len(present) == 0:
            return None
        kind = pd.api.types.infer_dtype(present, skipna=True)
    return "number" if kind in _NUMERIC_KINDS else "text"


def align_ids(
    named: Mapping[str, pd.Series], *, kinds_from: Mapping[str, pd.Series] | None = None
) -> dict[str, pd.Series]:
    """Make id columns matched across tables comparable: 7, 7.0 and "7" are one id.

    When one table holds an id as numbers and another as text (an account ``7`` in events,
    ``"7"`` in subscriptions; a channel ``1`` in sessions, ``"1"`` in spend), every side is
    read as text, whole numbers without a fraction. Columns of one kind on every side are
    returned unchanged, so results on such data do not change.

    Parameters
    ----------
    named : mapping of str to pandas.Series
        What to call each column (e.g. ``"spend.channel"``) to the column.
    kinds_from : mapping of str to pandas.Series, optional
        Per name, the column whose non-null ids decide its kind (default: the column in
        ``named``). Pass the columns as the tables gave them, before rows are filtered (by
        ``as_of``, or dropped as invalid), so that the kind of the ids, and of a result
        indexed by them, does not depend on which rows were kept.

    Returns
    -------
    dict of str to pandas.Series
        The same columns, comparable.

    Examples
    --------
    >>> import pandas as pd
    >>> out = align_ids({"a": pd.Series([1, 2.0]), "b": pd.Series(["1", "x"])})
    >>> out["a"].tolist(), out["b"].tolist()
    (['1', '2'], ['1', 'x'])

    The text ``"x"`` decides even when no row of ``b`` is kept:

    >>> kept = {"a": pd.Series([1]), "b": pd.Series([], dtype=object)}
    >>> align_ids(kept, kinds_from={"b": pd.Series(["x"])})["a"].tolist()
    ['1']
    """
    sources = dict(named) if kinds_from is None else {**named, **kinds_from}
    kinds = {name: _id_kind(sources[name]) for name in named}
    if len({k for k in kinds.values() if k is not None}) <= 1:
        return dict(named)
    return {
        name: _label_text(series.astype(object)) if kinds[name] == "number" else series
        for name, series in named.items()
    }


def one_column(values: Any, name: str) -> pd.Series:
    """``values`` (a list, array, Series or one-column table) as a Series, or a typed error.

    Parameters
    ----------
    values : array-like
        One value per row.
    name : str
        The parameter's name, for messages.

    Returns
    -------
    pandas.Series
        A Series is returned as it is.

    Raises
    ------
    ParameterError
        For a scalar or a string.
    SchemaError
        For a table of several columns or a 2-D array.

    Examples
    --------
    >>> one_column([0, 1, 1], "churned").tolist()
    [0, 1, 1]
    >>> one_column(3.5, "risk")
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.ParameterError: risk must be array-like (one value per account); ...
    """
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise SchemaError(
                f"{name} must be one column; got a table of {values.shape[1]} columns.",
                hint=f"pass the column, e.g. df[{name!r}].",
            )
        return values.iloc[:, 0]
    if values is None or isinstance(values, str | bytes) or np.ndim(values) == 0:
        raise ParameterError(
            f"{name} must be array-like (one value per account); got {values!r:.60}.",
        )
    if np.ndim(values) != 1:
        raise SchemaError(f"{name} must be one-dimensional; got shape {np.shape(values)}.")
    return pd.Series(values)
