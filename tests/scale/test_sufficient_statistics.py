"""Models fit on merged sufficient statistics give the fit on the rows they summarise.

Fitting cost then follows the number of distinct statistics, not of customers: what a cluster
sends back (counts per cell) is all a model needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from saasmetrics.retention import ShiftedBetaGeometricModel, cohort_table, kaplan_meier


def test_kaplan_meier_on_grouped_counts_equals_per_customer() -> None:
    rng = np.random.default_rng(3)
    durations = rng.integers(1, 25, 50_000).astype(float)
    observed = rng.random(50_000) < 0.7
    per_customer = kaplan_meier(durations, observed)
    grouped = (
        pd.DataFrame({"d": durations, "o": observed}).groupby(["d", "o"], as_index=False).size()
    )
    assert len(grouped) < 50  # 50,000 customers, fewer than 50 distinct statistics
    from_counts = kaplan_meier(grouped["d"], grouped["o"], weights=grouped["size"])
    pd.testing.assert_frame_equal(per_customer.to_frame(), from_counts.to_frame())
    assert per_customer.median == from_counts.median


def test_sbg_fits_the_merged_cohort_counts(shuffled_events: pd.DataFrame, to_dask: Any) -> None:
    table = cohort_table(to_dask(shuffled_events, 7), freq="MS", kind="unbounded")
    on_dask = ShiftedBetaGeometricModel().fit(table)
    in_memory = ShiftedBetaGeometricModel().fit(
        cohort_table(shuffled_events, freq="MS", kind="unbounded")
    )
    assert (on_dask.alpha_, on_dask.beta_) == (in_memory.alpha_, in_memory.beta_)
