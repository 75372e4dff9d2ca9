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
    "ParsedTimes",
    "RowCheck",
    "ValidationReport",
    "check_choice",
    "check_is_fitted",
    "check_positive_timedelta",
    "parse_timestamps",
    "require_columns",
)


def require_columns(frame: pd.DataFrame, roles: Mapping[str, str | None]) -> None:
    """Raise :class:`MissingColumnError` unless every named column is in ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to check.
    roles : mapping of str to str or None
        Keyword (e.g. ``"user_col"``) to the column it names; ``None`` values are skipped.

    Raises
    ------
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
    for role, column in roles.items():
        if column is not None and column not in frame.columns:
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
            One entry per row of the frame; true marks a bad row.
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
                collector[self.name] = report if known is None else known + report
        return report


_CHUNK_REPORTS: ContextVar[dict[str, ValidationReport] | None] = ContextVar(
    "saasmetrics_chunk_reports", default=None
)


@contextmanager
def collecting_reports() -> Iterator[dict[str, ValidationReport]]:
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
    collected: dict[str, ValidationReport] = {}
    token = _CHUNK_REPORTS.set(collected)
    try:
        yield collected
    finally:
        _CHUNK_REPORTS.reset(token)


@dataclass(frozen=True, slots=True)
class ParsedTimes:
    """Timestamps as int64 nanoseconds (UTC for tz-aware input) plus their time zone."""

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
    ns = series.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)
    return ParsedTimes(ns=ns, tz=None)


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
        rows.flag(series.isna().to_numpy(), column, "null timestamps")
        parsed = _from_datetime_series(series)
    else:
        null = series.isna().to_numpy()
        rows.flag(null, column, "null timestamps")
        try:
            with warnings.catch_warnings():
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
            with warnings.catch_warnings():
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
        parsed = _from_datetime_series(converted)
    return parsed
