"""The data boundary: accept pandas, polars or pyarrow tables and hand back pandas.

Nothing here copies a pandas frame or changes it; callers must not mutate what they get back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from saasmetrics.exceptions import EmptyDataError, SchemaError

__all__ = ("check_labels", "string_array", "to_pandas")

_PANDAS_3 = int(pd.__version__.split(".", 1)[0]) >= 3


def _module_root(obj: Any) -> str:
    return type(obj).__module__.split(".", 1)[0]


def to_pandas(data: Any, *, name: str = "data", allow_empty: bool = False) -> pd.DataFrame:
    """Return ``data`` as a pandas DataFrame, without copying a pandas input.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame, polars.LazyFrame or pyarrow.Table
        The table to read. A pandas frame is returned as is (never mutated by saasmetrics).
    name : str, default "data"
        What to call the table in error messages (e.g. ``"events"``).
    allow_empty : bool, default False
        Whether a table with no rows is acceptable.

    Returns
    -------
    pandas.DataFrame
        The same table as pandas.

    Raises
    ------
    SchemaError
        If ``data`` is not a table saasmetrics can read.
        Also if its column labels are duplicated or not strings (a label must name one
        column, and every ``*_col`` keyword is a string).
    EmptyDataError
        If the table has no rows and ``allow_empty`` is false.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"user_id": [1, 2]})
    >>> to_pandas(frame) is frame
    True
    """
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        root = _module_root(data)
        if root == "polars":
            if type(data).__name__ == "LazyFrame":
                data = data.collect()
            frame = data.to_pandas()
        elif root == "pyarrow" and hasattr(data, "to_pandas"):
            frame = data.to_pandas()
        else:
            raise SchemaError(
                f"{name} must be a pandas DataFrame, a polars DataFrame or a pyarrow Table; "
                f"got {type(data).__module__}.{type(data).__name__}.",
                hint="wrap it with pandas.DataFrame(...) first.",
            )
    check_labels(frame, name=name)
    if not allow_empty and len(frame) == 0:
        raise EmptyDataError(
            f"{name} has no rows (columns: {list(frame.columns)!r}).",
            hint="pass a table with at least one row.",
        )
    return frame


def check_labels(frame: pd.DataFrame, *, name: str = "data") -> None:
    """Refuse duplicated or non-string column labels, with the labels at fault.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    name : str, default "data"
        What to call it in messages.

    Raises
    ------
    SchemaError
        Naming the duplicated or non-string labels.

    Examples
    --------
    >>> import pandas as pd
    >>> check_labels(pd.DataFrame([[1, 2]], columns=["a", "a"]), name="events")
    Traceback (most recent call last):
    ...
    saasmetrics.exceptions.SchemaError: events has duplicated column names: ['a']. ...
    """
    columns = frame.columns
    if columns.has_duplicates:
        dups = sorted({str(c) for c in columns[columns.duplicated()]})
        raise SchemaError(
            f"{name} has duplicated column names: {dups!r}.",
            hint="rename or drop the duplicates first, e.g. df.loc[:, ~df.columns.duplicated()].",
        )
    if columns.dtype != object and pd.api.types.is_string_dtype(columns.dtype):
        return
    bad = [c for c in columns if not isinstance(c, str)]
    if bad:
        raise SchemaError(
            f"{name} has column labels that are not strings: {bad[:5]!r}.",
            hint="name the columns with strings, e.g. df.columns = df.columns.astype(str).",
        )


def string_array(values: Iterable[object]) -> Any:
    """Strings as a pandas array, with ``None`` kept missing on pandas 2 and 3 alike.

    pandas 3 has a ``str`` dtype; on pandas 2 ``dtype="str"`` would turn ``None`` into the text
    ``"None"``, so there the values stay objects.

    Parameters
    ----------
    values : iterable
        Strings or ``None``.

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        ``str`` dtype on pandas 3, object dtype on pandas 2.

    Examples
    --------
    >>> string_array(["a", None]).isna().tolist()
    [False, True]
    """
    array = pd.array(list(values), dtype=object)
    return array.astype("str") if _PANDAS_3 else array
