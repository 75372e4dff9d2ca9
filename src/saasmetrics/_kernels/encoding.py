"""Encoding primitives: the stable (user, time, input order) sort every analysis starts from."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ("is_sorted_by_user_time", "sort_order")


def is_sorted_by_user_time(
    user_codes: npt.NDArray[np.integer], time_ns: npt.NDArray[np.int64]
) -> bool:
    """Whether rows are already ordered by user code, then time (ties in any order).

    Parameters
    ----------
    user_codes : numpy.ndarray of int
        Integer user code per row.
    time_ns : numpy.ndarray of int64
        Time per row.

    Returns
    -------
    bool
        True if no sort is needed.

    Examples
    --------
    >>> import numpy as np
    >>> is_sorted_by_user_time(np.array([0, 0, 1]), np.array([5, 7, 1]))
    True
    """
    if user_codes.size < 2:
        return True
    du = np.diff(user_codes)
    if np.any(du < 0):
        return False
    same = du == 0
    return not np.any(np.diff(time_ns)[same] < 0)


def sort_order(
    user_codes: npt.NDArray[np.integer], time_ns: npt.NDArray[np.int64]
) -> npt.NDArray[np.intp]:
    """Permutation that sorts rows by (user, time), keeping input order among ties.

    Parameters
    ----------
    user_codes : numpy.ndarray of int
        Integer user code per row (non-negative).
    time_ns : numpy.ndarray of int64
        Time per row.

    Returns
    -------
    numpy.ndarray of intp
        Indices into the input, in sorted order.

    Notes
    -----
    Two stable argsorts (time, then user) give the lexicographic order; stability keeps the
    input order among equal (user, time) pairs, which the funnel semantics rely on.

    Examples
    --------
    >>> import numpy as np
    >>> sort_order(np.array([1, 0, 1, 0]), np.array([3, 9, 1, 9])).tolist()
    [1, 3, 2, 0]
    """
    if is_sorted_by_user_time(user_codes, time_ns):
        return np.arange(user_codes.size, dtype=np.intp)
    by_time = np.argsort(time_ns, kind="stable")
    return by_time[np.argsort(user_codes[by_time], kind="stable")]
