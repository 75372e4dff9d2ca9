"""Per-user segments of a (user, time)-sorted event array: offsets, ids, positions, reductions.

A *segment* is the contiguous run of rows of one user. ``offsets`` has one entry per segment plus
one: rows of segment ``i`` are ``offsets[i]:offsets[i + 1]``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = (
    "position_in_segment",
    "run_starts",
    "segment_first",
    "segment_ids",
    "segment_last",
    "segment_lengths",
    "segment_offsets",
)


def segment_offsets(
    sorted_codes: npt.NDArray[np.integer], n_segments: int
) -> npt.NDArray[np.int64]:
    """Start offsets of each code's rows in an array sorted by code, plus the total length.

    Parameters
    ----------
    sorted_codes : numpy.ndarray of int
        Codes in ``0..n_segments-1``, sorted ascending.
    n_segments : int
        Number of segments (codes with no rows get an empty segment).

    Returns
    -------
    numpy.ndarray of int64
        Length ``n_segments + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> segment_offsets(np.array([0, 0, 2]), 3).tolist()
    [0, 2, 2, 3]
    """
    counts = np.bincount(sorted_codes, minlength=n_segments).astype(np.int64)
    offsets = np.zeros(n_segments + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def segment_lengths(offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Number of rows in each segment.

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Segment offsets.

    Returns
    -------
    numpy.ndarray of int64
        One length per segment.

    Examples
    --------
    >>> import numpy as np
    >>> segment_lengths(np.array([0, 2, 2, 3])).tolist()
    [2, 0, 1]
    """
    return np.diff(offsets)


def segment_ids(offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Segment index of every row.

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Segment offsets.

    Returns
    -------
    numpy.ndarray of int64
        One segment index per row.

    Examples
    --------
    >>> import numpy as np
    >>> segment_ids(np.array([0, 2, 2, 3])).tolist()
    [0, 0, 2]
    """
    return np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(offsets))


def position_in_segment(offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """0-based position of every row within its segment.

    Parameters
    ----------
    offsets : numpy.ndarray of int64
        Segment offsets.

    Returns
    -------
    numpy.ndarray of int64
        One position per row.

    Examples
    --------
    >>> import numpy as np
    >>> position_in_segment(np.array([0, 2, 2, 5])).tolist()
    [0, 1, 0, 1, 2]
    """
    n = int(offsets[-1])
    lengths = np.diff(offsets)
    return np.arange(n, dtype=np.int64) - np.repeat(offsets[:-1], lengths)


def segment_first(
    values: npt.NDArray[np.generic], offsets: npt.NDArray[np.int64], fill: object = 0
) -> npt.NDArray[np.generic]:
    """First value of each segment (``fill`` for empty segments).

    Parameters
    ----------
    values : numpy.ndarray
        One value per row.
    offsets : numpy.ndarray of int64
        Segment offsets.
    fill : scalar, default 0
        Value for empty segments.

    Returns
    -------
    numpy.ndarray
        One value per segment.

    Examples
    --------
    >>> import numpy as np
    >>> segment_first(np.array([5, 6, 7]), np.array([0, 2, 2, 3]), fill=-1).tolist()
    [5, -1, 7]
    """
    out = np.full(offsets.size - 1, fill, dtype=values.dtype)
    nonempty = offsets[1:] > offsets[:-1]
    out[nonempty] = values[offsets[:-1][nonempty]]
    return out


def segment_last(
    values: npt.NDArray[np.generic], offsets: npt.NDArray[np.int64], fill: object = 0
) -> npt.NDArray[np.generic]:
    """Last value of each segment (``fill`` for empty segments).

    Parameters
    ----------
    values : numpy.ndarray
        One value per row.
    offsets : numpy.ndarray of int64
        Segment offsets.
    fill : scalar, default 0
        Value for empty segments.

    Returns
    -------
    numpy.ndarray
        One value per segment.

    Examples
    --------
    >>> import numpy as np
    >>> segment_last(np.array([5, 6, 7]), np.array([0, 2, 2, 3]), fill=-1).tolist()
    [6, -1, 7]
    """
    out = np.full(offsets.size - 1, fill, dtype=values.dtype)
    nonempty = offsets[1:] > offsets[:-1]
    out[nonempty] = values[offsets[1:][nonempty] - 1]
    return out


def run_starts(values: npt.NDArray[np.generic]) -> npt.NDArray[np.bool_]:
    """Where a run of equal neighbours starts, for grouped (e.g. sorted) ``values``.

    Parameters
    ----------
    values : numpy.ndarray
        Any 1-d array; equal values that belong together must be adjacent.

    Returns
    -------
    numpy.ndarray of bool
        True at the first element and wherever an element differs from the one before.

    Examples
    --------
    >>> import numpy as np
    >>> run_starts(np.array([3, 3, 5, 7, 7])).tolist()
    [True, False, True, True, False]
    """
    starts = np.empty(values.size, dtype=bool)
    starts[:1] = True
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts
