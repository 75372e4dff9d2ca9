"""Intervals for proportions and their differences, vectorized over many rates at once.

Wilson's score interval of one rate and Newcombe's hybrid score interval of a difference of
two independent rates (Newcombe 1998, Statistics in Medicine 17:873-890, method 10, no
continuity correction). Funnel comparisons and feature retention share them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ("newcombe_difference", "wilson_interval")

F64 = npt.NDArray[np.float64]


def wilson_interval(k: Any, n: Any, z: float) -> tuple[F64, F64]:
    """Wilson score interval of the rates ``k / n`` (NaN where ``n`` is 0).

    Examples
    --------
    >>> low, high = wilson_interval([56.0], [70.0], 1.959964)
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.6918, 0.877)
    """
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def newcombe_difference(k1: Any, n1: Any, k0: Any, n0: Any, z: float) -> tuple[F64, F64, F64]:
    """``k1/n1 - k0/n0`` with Newcombe's hybrid score interval: (difference, low, high).

    Examples
    --------
    Newcombe (1998), Table II, example (a): 56/70 against 48/80 gives 0.0524 to 0.3339.

    >>> d, low, high = newcombe_difference([56.0], [70.0], [48.0], [80.0], 1.959964)
    >>> round(float(d[0]), 4), round(float(low[0]), 4), round(float(high[0]), 4)
    (0.2, 0.0524, 0.3339)
    """
    k1, n1, k0, n0 = (np.asarray(a, dtype=np.float64) for a in (k1, n1, k0, n0))
    l1, u1 = wilson_interval(k1, n1, z)
    l0, u0 = wilson_interval(k0, n0, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        r1, r0 = k1 / n1, k0 / n0
        diff = r1 - r0
        low = diff - np.sqrt((r1 - l1) ** 2 + (u0 - r0) ** 2)
        high = diff + np.sqrt((u1 - r1) ** 2 + (r0 - l0) ** 2)
    return diff, low, high
