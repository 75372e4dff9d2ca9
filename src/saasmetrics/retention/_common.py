"""Shared helpers of the retention subpackage: time parsing against a log, user starts."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.periods import PeriodSpec, parse_freq
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import ParameterError

I64 = npt.NDArray[np.int64]


def spec_or_error(name: str, freq: Any, *, rolling: bool) -> PeriodSpec:
    """Parse a time grain, turning the kernel's ValueError into a ParameterError."""
    try:
        return parse_freq(freq, rolling=rolling)
    except (ValueError, AttributeError, TypeError) as exc:
        raise ParameterError(
            f"{name}={freq!r} is not a time grain.",
            hint="use 'D', 'W', 'W-MON'..'W-SUN', 'MS', 'QS', 'YS'"
            + (" or a duration such as '7D'." if rolling else "."),
        ) from exc


def as_of_ns(log: EventLog, as_of: Any, wall: I64) -> int:
    """End of observation as wall-clock nanoseconds (default: the last event)."""
    if as_of is None:
        return int(wall.max())
    try:
        stamp = pd.Timestamp(as_of)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"as_of={as_of!r} is not a timestamp.") from exc
    if pd.isna(stamp):
        raise ParameterError("as_of must be a timestamp; got NaT.")
    if stamp.tzinfo is not None:
        if log.tz is None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        else:
            stamp = stamp.tz_convert(log.tz).tz_localize(None)
    return int(stamp.as_unit("ns").value)


def first_occurrence(log: EventLog, event: Any | None) -> tuple[I64, I64]:
    """Row index of each user's first ``event`` (or first event), and a has-it mask as int.

    Returns
    -------
    tuple of numpy.ndarray
        ``(row, has)``: ``row[u]`` is the sorted-row index of user ``u``'s first occurrence
        (undefined where ``has[u] == 0``).
    """
    n_users = log.n_users
    if event is None:
        return log.offsets[:-1].copy(), np.ones(n_users, dtype=np.int64)
    code = log.event_code(event)
    rows = np.flatnonzero(log.event_codes == code)
    users, first = np.unique(log.user_codes[rows], return_index=True)
    row = np.zeros(n_users, dtype=np.int64)
    has = np.zeros(n_users, dtype=np.int64)
    row[users] = rows[first]
    has[users] = 1
    return row, has
