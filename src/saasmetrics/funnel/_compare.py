"""Two groups of a funnel compared step by step: Newcombe's interval and the chi-square test."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.proportions import newcombe_difference


def two_proportions(
    x1: int, n1: int, x2: int, n2: int, confidence_level: float
) -> dict[str, float]:
    """Difference p1 - p2 with Newcombe's hybrid score interval, chi-square test (no correction)."""
    nan = float("nan")
    if n1 == 0 or n2 == 0:
        return {"difference": nan, "ci_low": nan, "ci_high": nan, "chi2": nan, "p_value": nan}
    z = NormalDist().inv_cdf(0.5 + confidence_level / 2)
    diff, ci_low, ci_high = newcombe_difference(x1, n1, x2, n2, z)
    d, low, high = float(diff), float(ci_low), float(ci_high)
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var == 0:
        chi2, p_value = 0.0, 1.0
    else:
        stat = d / math.sqrt(var)
        chi2, p_value = stat * stat, math.erfc(abs(stat) / math.sqrt(2))
    return {"difference": d, "ci_low": low, "ci_high": high, "chi2": chi2, "p_value": p_value}


def compare_levels(
    steps: Sequence[str],
    la: npt.NDArray[np.int64],
    lb: npt.NDArray[np.int64],
    confidence_level: float,
) -> pd.DataFrame:
    """One row per step after the first: entrants of each group who reached it, and the test.

    ``la`` / ``lb`` are the levels (steps reached) of the units of groups a and b.
    """
    na, nb = la.size, lb.size
    rows = []
    for k in range(1, len(steps)):
        xa, xb = int(np.count_nonzero(la > k)), int(np.count_nonzero(lb > k))
        stats = two_proportions(xa, na, xb, nb, confidence_level)
        rows.append(
            {
                "step": steps[k],
                "entered_a": na,
                "reached_a": xa,
                "rate_a": xa / na if na else float("nan"),
                "entered_b": nb,
                "reached_b": xb,
                "rate_b": xb / nb if nb else float("nan"),
            }
            | stats
        )
    return pd.DataFrame(rows)
