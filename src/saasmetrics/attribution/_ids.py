"""One code per person over several tables whose id columns may differ in type."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ("user_codes", "user_codes_and_ids")

_INT64_LIMIT = 2.0**63


def _canonical(ids: pd.Series) -> pd.Series:
    """Ids as their plain values: categories decoded, integral floats as integers.

    A float id column is what pandas reads when an integer id column has a gap (``7`` becomes
    ``7.0``); it must still match the integer ids of the other tables.
    """
    if isinstance(ids.dtype, pd.CategoricalDtype):
        ids = pd.Series(np.asarray(ids.astype(object)), dtype=object)
    if pd.api.types.is_float_dtype(ids.dtype):
        values = ids.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = values[np.isfinite(values)]
        if (
            finite.size == values.size
            and np.all(finite == np.round(finite))
            and np.all(np.abs(finite) < _INT64_LIMIT)
        ):
            return pd.Series(values.astype(np.int64))
    return ids.reset_index(drop=True)


def user_codes(columns: list[pd.Series]) -> npt.NDArray[np.int64]:
    """Factorize the (non-null) user ids of several tables into one shared code table.

    Ids equal as values are one person: ``7``, ``7.0`` and (when the tables' id types differ)
    ``"7"``. Codes come in order of first appearance over the concatenated columns.

    Parameters
    ----------
    columns : list of pandas.Series
        The id columns, nulls already removed.

    Returns
    -------
    numpy.ndarray of int64
        One code per id, the columns concatenated.

    Examples
    --------
    >>> import pandas as pd
    >>> user_codes([pd.Series([7, 8]), pd.Series([8.0, 7.0]), pd.Series(["7"])]).tolist()
    [0, 1, 1, 0, 0]
    """
    return user_codes_and_ids(columns)[0]


def user_codes_and_ids(columns: list[pd.Series]) -> tuple[npt.NDArray[np.int64], pd.Index]:
    """:func:`user_codes` and the id of each code (as compared: text when the types differ).

    An empty column holds no id, so its dtype does not turn the others' ids into text (a
    chunk of a partitioned table may have no row of one table).

    Parameters
    ----------
    columns : list of pandas.Series
        The id columns, nulls already removed.

    Returns
    -------
    codes : numpy.ndarray of int64
        One code per id, the columns concatenated.
    ids : pandas.Index
        The id of each code.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, ids = user_codes_and_ids([pd.Series([7, 8]), pd.Series([8.0], dtype=float)])
    >>> codes.tolist(), ids.tolist()
    ([0, 1, 1], [7, 8])
    """
    parts = [_canonical(column) for column in columns]
    typed = [p for p in parts if len(p)] or parts
    kinds = {
        "number"
        if pd.api.types.is_numeric_dtype(p.dtype) and not pd.api.types.is_bool_dtype(p.dtype)
        else str(p.dtype)
        for p in typed
    }
    everything = pd.concat(typed, ignore_index=True)
    if len(kinds) > 1 or everything.dtype == object:
        everything = everything.astype(str)
    codes, uniques = pd.factorize(everything)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)
