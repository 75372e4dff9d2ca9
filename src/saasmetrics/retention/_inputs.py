"""Shared validation of survival inputs: durations, event flags, groups, case weights, entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics.exceptions import EmptyDataError, InputError
from saasmetrics.retention._survival import _floats, event_flags

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SurvivalInputs:
    """Validated arrays: one entry per row."""

    durations: F64
    observed: npt.NDArray[np.bool_]
    weights: F64
    entry: F64 | None
    groups: I64
    labels: list[Any]
    times: F64
    time_codes: I64

    @property
    def encoded(self) -> tuple[F64, I64]:
        """``(distinct sorted durations, each row's index into them)``."""
        return self.times, self.time_codes


def _first_bad(values: Any, bad: npt.NDArray[np.bool_]) -> Any:
    index = int(np.flatnonzero(bad)[0])
    return {"row": index, "value": np.asarray(values, dtype=object).ravel()[index]}


def survival_inputs(
    durations: Any,
    observed: Any,
    *,
    groups: Any = None,
    weights: Any = None,
    entry: Any = None,
) -> SurvivalInputs:
    """Validate and encode the common survival arguments (positive durations, 0/1 events...).

    Groups are factorized in sorted label order (missing labels are an error, never dropped).
    """
    d = _floats("durations", durations)
    n = d.size
    if n == 0:
        raise EmptyDataError("durations is empty.", hint="pass at least one duration.")
    bad = ~np.isfinite(d) | (d <= 0)
    if bad.any():
        raise InputError.bad_values(
            "durations",
            "non-positive or missing durations",
            n_bad=int(bad.sum()),
            n_rows=n,
            example=_first_bad(durations, bad),
            hint="a duration is the time from start to churn (or to the end of observation) and "
            "must be > 0; a customer who churned the day they started needs a finer unit "
            "(hours) or a convention such as half a day.",
        )
    obs = np.ones(n, dtype=bool) if observed is None else event_flags(observed)
    if obs.size != n:
        raise InputError(f"observed has {obs.size} values for {n} durations.")
    if weights is None:
        w = np.ones(n)
    else:
        w = _floats("weights", weights)
        if w.size != n:
            raise InputError(f"weights has {w.size} values for {n} durations.")
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise InputError.bad_values(
                "weights",
                "negative or missing case weights",
                n_bad=int(bad.sum()),
                n_rows=n,
                example=_first_bad(weights, bad),
                hint="a case weight is how many identical customers a row stands for (>= 0).",
            )
        if not w.sum() > 0:
            raise EmptyDataError("weights sum to 0: there is nobody to follow.")
    e = None
    if entry is not None:
        e = _floats("entry", entry)
        if e.size != n:
            raise InputError(f"entry has {e.size} values for {n} durations.")
        bad = ~np.isfinite(e) | (e < 0) | (e >= d)
        if bad.any():
            raise InputError.bad_values(
                "entry",
                "entry times outside [0, duration)",
                n_bad=int(bad.sum()),
                n_rows=n,
                example=_first_bad(entry, bad),
                hint="entry is when a customer came under observation (left truncation); it "
                "must be >= 0 and before the customer's duration.",
            )
    if groups is None:
        codes = np.zeros(n, dtype=np.int64)
        labels: list[Any] = ["all"]
    else:
        series = (
            groups.reset_index(drop=True)
            if isinstance(groups, pd.Series)
            else pd.Series(np.asarray(groups, dtype=object).ravel())
        )
        if series.size != n:
            raise InputError(f"groups has {series.size} values for {n} durations.")
        missing = series.isna().to_numpy()
        if missing.any():
            raise InputError.bad_values(
                "groups",
                "missing group labels",
                n_bad=int(missing.sum()),
                n_rows=n,
                example=_first_bad(groups, missing),
                hint="fill them with a label of their own, e.g. groups.fillna('unknown').",
            )
        raw_codes, uniques = pd.factorize(series, sort=True)
        codes = raw_codes.astype(np.int64)
        labels = list(uniques)
    # hash factorization (O(n)) instead of the argsort inside np.unique
    time_codes, times = pd.factorize(d, sort=True)
    return SurvivalInputs(
        d,
        obs,
        w,
        e,
        codes,
        labels,
        np.asarray(times, dtype=np.float64),
        time_codes.astype(np.int64),
    )
