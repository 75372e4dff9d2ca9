"""ResultMixin: what every result object shares (tables, JSON, notebook rendering, plots).

A result is a frozen dataclass that mixes in :class:`ResultMixin` and implements ``to_frame()``
and ``plot(ax=None)``. The mixin gives it a one-line ``repr``, an HTML rendering for notebooks,
and a JSON-safe ``to_dict()`` / ``to_json()`` that ``from_dict()`` / ``from_json()`` turn back
into an equal result. Frames inside a payload use pandas' ``split`` layout plus their dtypes.

Example of a result (see any ``saasmetrics`` result for real ones); note ``repr=False``, so
that the mixin's one-line ``repr`` is not replaced by the dataclass' field dump::

    @dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
    class CohortTable(ResultMixin):
        rates: pd.DataFrame
        freq: str

        def to_frame(self) -> pd.DataFrame:
            return self.rates.copy()

        def _summary(self) -> dict[str, Any]:
            return {"cohorts": len(self.rates), "freq": self.freq}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import math
from typing import Any, ClassVar, Literal, Self, cast

import numpy as np
import pandas as pd

from saasmetrics.exceptions import InputError

__all__ = ("RESULT_TYPES", "ResultMixin", "from_jsonable", "load_result", "to_jsonable")

SCHEMA_VERSION = 1
RESULT_TYPES: dict[str, type[ResultMixin]] = {}
"""Every result class, by schema name (filled as result modules are imported)."""
_OWN_REPR: dict[str, bool] = {}


# --------------------------------------------------------------------------- JSON codec
def _scalar(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) else (f if math.isfinite(f) else ("inf" if f > 0 else "-inf"))
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, pd.Timedelta | dt.timedelta | np.timedelta64):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, str):
        return value
    return str(value)


def as_count(value: Any) -> Any:
    """A count as an ``int`` when it is whole, else the value rounded to 6 decimals.

    Counts of people, sessions or conversions are integers in results; sums of fractional
    credit (multi-touch attribution, weighted curves) stay floats.

    Examples
    --------
    >>> as_count(657.0), as_count(2.5)
    (657, 2.5)
    """
    number = float(value)
    return int(number) if number.is_integer() else round(number, 6)


def as_counts(values: Any) -> Any:
    """An array of counts as ``int64`` when every value is whole, else unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> as_counts(np.array([3.0, 1.0])).dtype.name, as_counts(np.array([0.5])).dtype.name
    ('int64', 'float64')
    """
    array = np.asarray(values)
    if array.dtype.kind == "f" and np.isfinite(array).all() and (array == np.rint(array)).all():
        return array.astype(np.int64)
    return values


def _values_jsonable(series: pd.Series) -> list[Any]:
    """JSON-safe values of one column, vectorized for the common numeric dtypes."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return series.to_numpy().tolist()  # Python ints and bools, no missing values
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = series.to_numpy(dtype=np.float64)
        out = values.astype(object)
        out[np.isnan(values)] = None
        out[np.isposinf(values)] = "inf"
        out[np.isneginf(values)] = "-inf"
        return out.tolist()
    return [_scalar(v) for v in series.tolist()]


def _columns_jsonable(frame: pd.DataFrame) -> list[list[Any]]:
    return [_values_jsonable(frame.iloc[:, i]) for i in range(frame.shape[1])]


def _categories_payload(dtype: Any) -> dict[str, Any] | None:
    """A categorical dtype's categories (unused ones too) and order; None for other dtypes."""
    if not isinstance(dtype, pd.CategoricalDtype):
        return None
    return {"categories": _index_payload(dtype.categories), "ordered": bool(dtype.ordered)}


_OBJECT_KINDS: dict[str, Any] = {"timestamp": pd.Timestamp, "timedelta": pd.Timedelta}


def _object_kind(values: Any) -> str | None:
    """``"timestamp"`` / ``"timedelta"`` for object data of only those (and missing values).

    JSON writes them as ISO text, which an object column would otherwise read back as text
    (e.g. a funnel's breakdown column when the breakdown is by dates).
    """
    if getattr(values, "dtype", None) != np.dtype(object):
        return None
    for kind, cls in _OBJECT_KINDS.items():
        seen = False
        for v in values:  # stops at the first other value (text columns: the first row)
            if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                continue
            if not isinstance(v, cls):
                break
            seen = True
        else:
            if seen:
                return kind
    return None


def _dtype_extras(values: Any) -> dict[str, Any]:
    """What a dtype string does not say: a categorical's categories, timestamps in objects."""
    extras: dict[str, Any] = {}
    categories = _categories_payload(values.dtype)
    if categories is not None:
        extras["categories"] = categories
    kind = _object_kind(values)
    if kind is not None:
        extras["objects"] = kind
    return extras


def _index_payload(index: pd.Index) -> dict[str, Any]:
    if isinstance(index, pd.MultiIndex):
        return {
            "names": [None if n is None else str(n) for n in index.names],
            "levels": [_index_payload(index.get_level_values(i)) for i in range(index.nlevels)],
        }
    return {
        "name": None if index.name is None else _scalar(index.name),
        "dtype": str(index.dtype),
        "values": [_scalar(v) for v in index.tolist()],
        **_dtype_extras(index),
    }


def _restore(
    values: list[Any],
    dtype: str,
    categories: dict[str, Any] | None = None,
    objects: str | None = None,
) -> Any:  # a pandas Index
    if dtype.startswith("datetime64"):
        # e.g. "datetime64[ns]" or "datetime64[us, Europe/Paris]": keep unit and zone
        unit = dtype[dtype.index("[") + 1 :].split(",", maxsplit=1)[0].strip(" ]")
        tz = dtype.split(",", 1)[1].strip(" ]") if "," in dtype else None
        index = pd.DatetimeIndex(pd.to_datetime(values, utc=tz is not None, format="ISO8601"))
        index = index.as_unit(cast("Literal['s', 'ms', 'us', 'ns']", unit))
        return index.tz_convert(tz) if tz else index
    if dtype.startswith("timedelta64"):
        unit = dtype[dtype.index("[") + 1 :].strip(" ]")
        return pd.TimedeltaIndex(pd.to_timedelta(values)).as_unit(
            cast("Literal['s', 'ms', 'us', 'ns']", unit)
        )
    if dtype.startswith("float"):
        floats = [math.nan if v is None else float(v) for v in values]
        return pd.Index(np.asarray(floats, dtype=dtype))
    if dtype == "category":
        if categories is None:  # a payload written before categories were kept
            return pd.CategoricalIndex(values)
        kept = pd.CategoricalDtype(
            _index_from(categories["categories"]), ordered=categories["ordered"]
        )
        return pd.CategoricalIndex(values, dtype=kept)
    if dtype == "object":  # pandas 3 would infer ``str`` from object strings: keep object
        if objects in _OBJECT_KINDS:  # timestamps (a zone comes back as its UTC offset)
            cls = _OBJECT_KINDS[objects]
            values = [None if v is None else cls(v) for v in values]
        return pd.Index(values, dtype=object)
    if dtype in ("str", "string") or dtype.startswith("string"):
        try:
            return pd.Index(values, dtype=dtype)
        except (TypeError, ValueError):  # a string dtype this pandas does not know
            return pd.Index(values)
    try:
        return pd.Index(np.asarray(values, dtype=dtype))
    except (TypeError, ValueError):
        return pd.Index(values)


def _column(
    values: list[Any],
    dtype: str,
    categories: dict[str, Any] | None = None,
    objects: str | None = None,
) -> Any:
    restored = _restore(values, dtype, categories, objects)
    if dtype.startswith(("datetime64", "timedelta64")) or dtype == "object":
        return restored  # an Index keeps its dtype where a bare array would be re-inferred
    return restored.array if dtype != "category" else restored


def _index_from(payload: dict[str, Any]) -> pd.Index:
    if "levels" in payload:
        arrays = [_index_from(level) for level in payload["levels"]]
        return pd.MultiIndex.from_arrays(arrays, names=payload["names"])
    index: pd.Index = _restore(
        payload["values"], payload["dtype"], payload.get("categories"), payload.get("objects")
    ).rename(payload["name"])
    return index


def to_jsonable(value: Any) -> Any:
    """Turn a value (frames, series, arrays, scalars, containers) into JSON-safe data.

    Parameters
    ----------
    value : object
        What to encode.

    Returns
    -------
    object
        Nested dicts, lists, strings, numbers, booleans and ``None``; NaN becomes ``None``,
        timestamps ISO strings.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.float64("nan"), "b": np.int64(2)})
    {'a': None, 'b': 2}
    """
    if isinstance(value, pd.DataFrame):
        frame = {
            "__frame__": True,
            "index": _index_payload(value.index),
            "columns": _index_payload(value.columns),
            "dtypes": [str(d) for d in value.dtypes],
            "data": [list(row) for row in zip(*_columns_jsonable(value), strict=True)]
            if value.shape[1]
            else [[] for _ in range(len(value))],
        }
        extras = [_dtype_extras(value.iloc[:, i]) for i in range(value.shape[1])]
        for key in ("categories", "objects"):  # by column position, where there are any
            found = {str(i): extra[key] for i, extra in enumerate(extras) if key in extra}
            if found:
                frame[key] = found
        return frame
    if isinstance(value, pd.Series):
        return {
            "__series__": True,
            "name": None if value.name is None else _scalar(value.name),
            "index": _index_payload(value.index),
            "dtype": str(value.dtype),
            "data": _values_jsonable(value),
            **_dtype_extras(value),
        }
    if isinstance(value, np.ndarray):
        return {
            "__ndarray__": True,
            "dtype": str(value.dtype),
            "shape": list(value.shape),
            "data": [_scalar(v) for v in value.ravel().tolist()],
        }
    if isinstance(value, ResultMixin):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return _scalar(value)


def from_jsonable(value: Any) -> Any:
    """Inverse of :func:`to_jsonable` for frames, series, arrays and nested results.

    Parameters
    ----------
    value : object
        JSON-safe data from :func:`to_jsonable`.

    Returns
    -------
    object
        Frames, series and arrays rebuilt with their dtypes; other values as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": [1.5, None]}, index=pd.Index(["a", "b"], name="k"))
    >>> from_jsonable(to_jsonable(frame)).equals(frame)
    True
    """
    if isinstance(value, dict):
        if value.get("__frame__"):
            columns = _index_from(value["columns"])
            index = _index_from(value["index"])
            categories = value.get("categories", {})
            objects = value.get("objects", {})
            frame = pd.DataFrame(
                {
                    i: _column(
                        [row[i] for row in value["data"]],
                        dtype,
                        categories.get(str(i)),
                        objects.get(str(i)),
                    )
                    for i, dtype in enumerate(value["dtypes"])
                },
                index=range(len(index)),
            )
            frame.columns = columns
            frame.index = index
            return frame
        if value.get("__series__"):
            return pd.Series(
                _column(
                    value["data"], value["dtype"], value.get("categories"), value.get("objects")
                ),
                index=_index_from(value["index"]),
                name=value["name"],
                # pandas 2.2 infers timedelta64 from an object Index of Timedeltas
                dtype=object if value["dtype"] == "object" else None,
            )
        if value.get("__ndarray__"):
            items = [math.nan if v is None else v for v in value["data"]]
            return np.asarray(items, dtype=value["dtype"]).reshape(value["shape"])
        if "schema" in value and value.get("schema") in RESULT_TYPES:
            return load_result(value)
        return {k: from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_jsonable(v) for v in value]
    return value


def _field_jsonable(value: Any) -> Any:
    """Like :func:`to_jsonable`, but a NaN float scalar becomes ``"nan"`` (not ``None``).

    A result field may be ``float | None``: ``None`` and NaN must stay apart through JSON.
    """
    if isinstance(value, float | np.floating) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return {str(k): _field_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_field_jsonable(v) for v in value]
    return to_jsonable(value)


_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _field_floats(value: Any) -> Any:
    """Undo :func:`_field_jsonable` inside a float-typed field (also in dicts and lists)."""
    if isinstance(value, str) and value in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[value]
    if isinstance(value, dict) and not any(k.startswith("__") for k in value):
        return {k: _field_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_field_floats(v) for v in value]
    return value


def _schema_name(cls: type) -> str:
    parts = [p for p in cls.__module__.split(".") if not p.startswith("_")]
    return ".".join([*parts, cls.__qualname__])


def load_result(payload: dict[str, Any] | str) -> ResultMixin:
    """Rebuild any saasmetrics result from its ``to_dict()`` payload or ``to_json()`` text.

    Parameters
    ----------
    payload : dict or str
        What ``to_dict()`` or ``to_json()`` produced.

    Returns
    -------
    ResultMixin
        The result, of the class its ``schema`` names.

    Raises
    ------
    InputError
        If the schema is unknown or the version unsupported.
    """
    data = json.loads(payload) if isinstance(payload, str) else payload
    schema = data.get("schema")
    if schema not in RESULT_TYPES:
        raise InputError(
            f"Unknown result schema {schema!r}.",
            hint="import the saasmetrics subpackage that defines it first.",
        )
    return RESULT_TYPES[schema].from_dict(data)


# --------------------------------------------------------------------------- the mixin
class ResultMixin:
    """Shared behaviour of result objects; subclasses are frozen dataclasses.

    Subclasses implement ``to_frame()`` (a new DataFrame) and ``plot(ax=None, **kwargs)``
    (returning the matplotlib axes), and may override ``_summary()`` (the settings and sizes
    shown by ``repr``) and ``_payload_fields()`` (which fields go into JSON).
    """

    __slots__ = ()
    schema_version: ClassVar[int] = SCHEMA_VERSION

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = _schema_name(cls)
        # ``@dataclass(slots=True)`` builds the class twice; the first pass shows whether the
        # body defines its own __repr__. If not, keep the mixin's one-line repr rather than the
        # dataclass' dump of every field (``repr=False`` in the decorator does the same).
        if name in _OWN_REPR and not _OWN_REPR.pop(name):
            cls.__repr__ = ResultMixin.__repr__  # type: ignore[method-assign]
        else:
            _OWN_REPR[name] = "__repr__" in cls.__dict__
        RESULT_TYPES[name] = cls

    # -- to be provided by subclasses -------------------------------------------------
    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - every subclass overrides
        """Return the result as a new DataFrame."""
        raise TypeError(f"{type(self).__name__} must define to_frame()")

    def _summary(self) -> dict[str, Any]:
        """Sizes and settings shown in ``repr`` and the HTML header."""
        return {}

    def _payload_fields(self) -> dict[str, Any]:
        """The values that rebuild this result (default: every dataclass field)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    # -- shared behaviour -------------------------------------------------------------
    @classmethod
    def schema_name(cls) -> str:
        """Stable schema name of this result, e.g. ``"saasmetrics.retention.CohortTable"``."""
        return _schema_name(cls)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe payload with ``schema`` and ``schema_version``.

        Returns
        -------
        dict
            ``{"schema": ..., "schema_version": ..., "summary": {...}, "fields": {...}}``.
        """
        return {
            "schema": self.schema_name(),
            "schema_version": self.schema_version,
            "summary": to_jsonable(self._summary()),
            "fields": {k: _field_jsonable(v) for k, v in self._payload_fields().items()},
        }

    def to_json(self, **kwargs: Any) -> str:
        """Return :meth:`to_dict` as JSON text (keywords go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Self:
        """Rebuild the result from :meth:`to_dict` output.

        Parameters
        ----------
        payload : dict
            A payload of this schema, at the current version or the one before.

        Returns
        -------
        ResultMixin
            The rebuilt result.

        Raises
        ------
        InputError
            If the payload is of another schema or an unsupported version.
        """
        if payload.get("schema") != cls.schema_name():
            raise InputError(
                f"Payload schema {payload.get('schema')!r} is not {cls.schema_name()!r}."
            )
        version = payload.get("schema_version")
        if version not in (cls.schema_version, cls.schema_version - 1):
            raise InputError(
                f"{cls.schema_name()} payload version {version!r} is not supported "
                f"(this release reads {cls.schema_version - 1} and {cls.schema_version})."
            )
        fields = {k: from_jsonable(v) for k, v in payload["fields"].items()}
        return cls._from_fields(fields)

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> Self:
        hints = {f.name: str(f.type) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for name, raw in list(fields.items()):
            hint = hints.get(name, "")
            value = raw
            if isinstance(value, str) and "Timestamp" in hint:
                fields[name] = pd.Timestamp(value)
            elif isinstance(value, str) and "Timedelta" in hint:
                fields[name] = pd.Timedelta(value)
            elif "float" in hint and not hint.startswith(("pd.", "npt.", "np.")):
                old = value is None and "None" not in hint  # payloads before NaN was "nan"
                fields[name] = math.nan if old else _field_floats(value)
            if isinstance(fields[name], list) and hint.startswith("tuple"):
                nested = hint.startswith("tuple[tuple")  # JSON made the inner tuples lists too
                fields[name] = tuple(
                    tuple(v) if nested and isinstance(v, list) else v for v in fields[name]
                )
        return cls(**fields)

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Rebuild the result from :meth:`to_json` output.

        Parameters
        ----------
        text : str
            JSON text.

        Returns
        -------
        ResultMixin
            The rebuilt result.
        """
        return cls.from_dict(json.loads(text))

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self._summary().items())
        return f"{type(self).__name__}({items})"

    def _repr_html_(self) -> str:
        header = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in self._summary().items()
        )
        table = self.to_frame().head(10).to_html(float_format=lambda x: f"{x:,.4g}")
        return (
            f"<div class='saasmetrics-result'><strong>{html.escape(type(self).__name__)}</strong>"
            f"<table>{header}</table>{table}</div>"
        )
