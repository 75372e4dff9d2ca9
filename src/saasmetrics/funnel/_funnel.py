"""funnel(): conversion funnels with windows, order modes, exclusions and breakdowns."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels.funnel import (
    MAX_STEP_TYPES,
    apply_exclusion,
    attempt_levels,
    best_attempts,
    first_per_segment,
)
from saasmetrics._plotting import PALETTE, duration_label, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_choice, check_float, check_positive_timedelta
from saasmetrics.eventlog import EventLog, as_event_log
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    ParameterError,
    SmallSampleWarning,
)
from saasmetrics.funnel._steps import (
    Step,
    StepLike,
    as_step,
    condition_mask,
    event_index,
    step_properties,
)
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, TimedeltaLike

__all__ = ("FunnelResult", "funnel")

Order = Literal["ordered", "strict", "unordered", "first_then_any"]
Entry = Literal["any", "first"]
Count = Literal["users", "attempts"]
I64 = npt.NDArray[np.int64]

_ORDERS = ("ordered", "strict", "unordered", "first_then_any")
_ANY_ORDER = ("unordered", "first_then_any")


# --------------------------------------------------------------------------- tables
def _fmt_window(td: pd.Timedelta) -> str:
    """Short label of a duration: '7D', '12h', '30min', else pandas' own text."""
    for unit, label in (("1D", "D"), ("1h", "h"), ("1min", "min"), ("1s", "s")):
        size = pd.Timedelta(unit)
        if td % size == pd.Timedelta(0):
            return f"{td // size}{label}"
    return str(td)


def _time_cols(k: int) -> str:
    return f"at_{k}"


def _step_index(steps: Sequence[str], step: int | str) -> int:
    if isinstance(step, bool) or not isinstance(step, int | np.integer):
        if isinstance(step, str) and step in steps:
            return list(steps).index(step)
        raise ParameterError(f"Unknown step {step!r}. Steps: {list(steps)!r}.")
    k = int(step)
    if k < 0:
        k += len(steps)
    if not 0 <= k < len(steps):
        raise ParameterError(
            f"step={step!r} is out of range for a funnel of {len(steps)} steps.",
            hint="steps are 0-based; negative values count from the end.",
        )
    return k


def _check_bins(bins: Any) -> int:
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 1:
        raise ParameterError(f"bins must be a positive integer; got {bins!r}.")
    return int(bins)


def _durations(units: pd.DataFrame, k: int, *, from_start: bool) -> pd.Series:
    """Time to reach step ``k`` (>= 1) per unit that reached it."""
    reached = units[units["level"] > k]
    ref = reached[_time_cols(0) if from_start else _time_cols(k - 1)]
    return (reached[_time_cols(k)] - ref).rename("time")


def _group_codes(units: pd.DataFrame, breakdown: str | None) -> tuple[I64, list[Any]]:
    """Group index of every unit and the group values, largest group first (missing last)."""
    if breakdown is None:
        return np.zeros(len(units), dtype=np.int64), [None]
    codes, uniques = pd.factorize(units[breakdown], use_na_sentinel=True)
    codes = codes.astype(np.int64, copy=False)
    n_values = len(uniques)
    sizes = np.bincount(codes[codes >= 0], minlength=n_values)
    values = list(uniques)
    order = sorted(range(n_values), key=lambda i: (-int(sizes[i]), str(values[i])))
    rank = np.empty(n_values, dtype=np.int64)
    rank[order] = np.arange(n_values, dtype=np.int64)
    safe = rank[np.maximum(codes, 0)] if n_values else np.zeros(codes.size, dtype=np.int64)
    out = np.where(codes >= 0, safe, n_values)
    labels = [values[i] for i in order]
    if (codes < 0).any():
        labels.append(None)
    return out, labels


def _step_ns(units: pd.DataFrame, k: int) -> I64:
    col = units[_time_cols(k)]
    ns: I64 = col.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)
    return ns


def _build_table(
    units: pd.DataFrame,
    steps: Sequence[str],
    breakdown: str | None,
    unit_name: str,
    step_ns: list[I64] | None = None,
) -> pd.DataFrame:
    """One block of rows per breakdown value, computed for all values at once.

    ``step_ns`` (when the caller has them) are the ``at_k`` columns as int64 nanoseconds.
    """
    n_steps = len(steps)
    groups, labels = _group_codes(units, breakdown)
    n_groups = len(labels)
    level = units["level"].to_numpy().astype(np.int64, copy=False)
    per_level = np.bincount(groups * (n_steps + 1) + level, minlength=n_groups * (n_steps + 1))
    per_level = per_level.reshape(n_groups, n_steps + 1)
    # users reaching step k = users whose level > k
    counts = np.cumsum(per_level[:, ::-1], axis=1)[:, ::-1][:, 1:]
    prev = np.concatenate([counts[:, :1], counts[:, :-1]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_start = np.where(counts[:, :1] > 0, counts / np.maximum(counts[:, :1], 1), np.nan)
        from_prev = np.where(prev > 0, counts / np.maximum(prev, 1), np.nan)
        dropped = prev - counts
        drop_rate = np.where(prev > 0, dropped / np.maximum(prev, 1), np.nan)
    medians = np.full((n_groups, n_steps), np.nan)
    means = np.full((n_groups, n_steps), np.nan)

    def ns(k: int) -> I64:
        return step_ns[k] if step_ns is not None else _step_ns(units, k)

    previous = ns(0) if n_steps else None
    for k in range(1, n_steps):
        current = ns(k)
        reached = np.flatnonzero(level > k)
        if reached.size:
            delta = current[reached] - previous[reached]  # type: ignore[index]
        previous = current
        if not reached.size:
            continue
        if n_groups == 1:
            medians[0, k], means[0, k] = np.median(delta), delta.mean()
            continue
        stats = pd.Series(delta.astype(float)).groupby(groups[reached]).agg(["median", "mean"])
        medians[stats.index.to_numpy(), k] = stats["median"].to_numpy()
        means[stats.index.to_numpy(), k] = stats["mean"].to_numpy()
    table = pd.DataFrame(
        {
            "step": pd.Series(list(steps) * n_groups, dtype="str"),
            unit_name: counts.reshape(-1).astype(np.int64),
            "conversion_from_start": from_start.reshape(-1).astype(float),
            "conversion_from_previous": from_prev.reshape(-1).astype(float),
            "dropped": dropped.reshape(-1).astype(np.int64),
            "dropoff_rate": drop_rate.reshape(-1).astype(float),
            "median_time_to_convert": pd.to_timedelta(medians.reshape(-1), unit="ns").round("s"),
            "mean_time_to_convert": pd.to_timedelta(means.reshape(-1), unit="ns").round("s"),
        }
    )
    if breakdown is not None:
        values = pd.Series(np.repeat(np.array(labels, dtype=object), n_steps), dtype="object")
        table.insert(0, breakdown, values)
    return table


def _groups(
    units: pd.DataFrame, breakdown: str | None, limit: int | None = None
) -> list[tuple[Any, pd.DataFrame]]:
    """The units of each breakdown value (the ``limit`` largest only): one mask per kept value."""
    groups, labels = _group_codes(units, breakdown)
    return [(label, units[groups == i]) for i, label in enumerate(labels[:limit])]


def _block_table(units: pd.DataFrame, steps: Sequence[str], unit_name: str) -> pd.DataFrame:
    return _build_table(units, steps, None, unit_name)


def _wilson(x: int, n: int, z: float) -> tuple[float, float]:
    p = x / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return center - half, center + half


def _two_proportions(
    x1: int, n1: int, x2: int, n2: int, confidence_level: float
) -> dict[str, float]:
    """Difference p1 - p2 with Newcombe's hybrid score interval, chi-square test (no correction)."""
    nan = float("nan")
    if n1 == 0 or n2 == 0:
        return {"difference": nan, "ci_low": nan, "ci_high": nan, "chi2": nan, "p_value": nan}
    z = NormalDist().inv_cdf(0.5 + confidence_level / 2)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = _wilson(x1, n1, z)
    l2, u2 = _wilson(x2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var == 0:
        chi2, p_value = 0.0, 1.0
    else:
        stat = d / math.sqrt(var)
        chi2, p_value = stat * stat, math.erfc(abs(stat) / math.sqrt(2))
    return {"difference": d, "ci_low": low, "ci_high": high, "chi2": chi2, "p_value": p_value}


# --------------------------------------------------------------------------- the result
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class FunnelResult(ResultMixin):
    """Users (or attempts) reaching each step of a funnel, with conversion and timing.

    Built by :func:`funnel`; read it with :meth:`to_frame`, :attr:`counts`,
    :meth:`time_to_convert`, :meth:`users_at`, :meth:`dropped_at`, :meth:`biggest_dropoff`,
    :meth:`compare` and the plots.

    Attributes
    ----------
    steps : tuple of str
        Step names.
    table : pandas.DataFrame
        What :meth:`to_frame` returns.
    units : pandas.DataFrame
        One row per counted user (or attempt): ``user`` id, ``level`` (steps reached), the
        breakdown value if any, and ``at_0 .. at_{K-1}``: when each step was completed in the
        counted attempt (NaT when not reached).
    window : pandas.Timedelta
        Conversion window.
    order, entry, count : str
        The modes used.
    breakdown, breakdown_attribution, hold_constant : str or None
        The breakdown property and which event's value counts; the held-constant property.
    exclusions : tuple
        ``(event name, from_step, to_step)`` triples.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.funnel import funnel
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01",
    ...                                  "2024-01-03", "2024-01-01"]),
    ...     "event": ["signup", "subscribe", "signup", "subscribe", "signup"],
    ...     "channel": ["Email", "Email", "Paid Social", "Paid Social", "Paid Social"],
    ... })
    >>> result = funnel(events, ["signup", "subscribe"], breakdown="channel")
    >>> result
    FunnelResult(steps=2, order='ordered', window='7D', users=3, converted=2, breakdown='channel')
    >>> result.to_frame()[["channel", "step", "users", "conversion_from_start"]]
           channel       step  users  conversion_from_start
    0  Paid Social     signup      2                    1.0
    1  Paid Social  subscribe      1                    0.5
    2        Email     signup      1                    1.0
    3        Email  subscribe      1                    1.0
    >>> result.time_to_convert()[["channel", "step", "median"]]
           channel       step median
    0  Paid Social  subscribe 2 days
    1        Email  subscribe 1 days
    >>> list(result.users_at("subscribe")), list(result.dropped_at(1))
    (['a', 'b'], ['c'])
    """

    steps: tuple[str, ...]
    table: pd.DataFrame
    units: pd.DataFrame
    window: pd.Timedelta
    order: str
    entry: str
    count: str
    breakdown: str | None = None
    breakdown_attribution: str | None = None
    hold_constant: str | None = None
    exclusions: tuple[Any, ...] = ()

    # -- tables -----------------------------------------------------------------------
    @property
    def _unit_name(self) -> str:
        return "users" if self.count == "users" else "attempts"

    def to_frame(self) -> pd.DataFrame:
        """One row per step (per breakdown value): counts, conversion, drop-off and timing.

        Returns
        -------
        pandas.DataFrame
            Columns ``step``, ``users`` (``attempts`` with ``count="attempts"``),
            ``conversion_from_start``, ``conversion_from_previous``, ``dropped``,
            ``dropoff_rate``, ``median_time_to_convert`` and ``mean_time_to_convert`` (from the
            previous step of the counted attempt, over the users who reached the step, rounded
            to the second; NaT for the first step); with a breakdown, the breakdown column first
            and one block per value, largest first (missing values last).

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> result.to_frame()[["plan", "step", "users", "dropped"]]
           plan    step  users  dropped
        0  free  signup      2        0
        1  free  create      1        1
        2  free     pay      0        1
        3   pro  signup      2        0
        4   pro  create      2        0
        5   pro     pay      1        1
        """
        return self.table.copy()

    def overall(self) -> pd.DataFrame:
        """The funnel over everyone, ignoring the breakdown.

        Returns
        -------
        pandas.DataFrame
            Same columns as :meth:`to_frame` without the breakdown column.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> result.overall()[["step", "users", "conversion_from_previous"]].round(3)
             step  users  conversion_from_previous
        0  signup      4                     1.000
        1  create      3                     0.750
        2     pay      1                     0.333
        """
        table: pd.DataFrame = _build_table(self.units, self.steps, None, self._unit_name)
        return table

    @property
    def counts(self) -> list[int]:
        """Users (or attempts) reaching each step, over all breakdown values.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> result.counts
        [4, 3, 1]
        """
        level = self.units["level"].to_numpy()
        return [int(np.count_nonzero(level > k)) for k in range(len(self.steps))]

    def _select(self, breakdown_value: Any) -> pd.DataFrame:
        if breakdown_value is None:
            return self.units
        if self.breakdown is None:
            raise ParameterError("breakdown_value= needs a funnel built with breakdown=.")
        selected: pd.DataFrame = self.units[
            (self.units[self.breakdown] == breakdown_value).to_numpy()
        ]
        return selected

    def time_to_convert(self, *, from_start: bool = False) -> pd.DataFrame:
        """Distribution of the time to reach each step (per breakdown value).

        Parameters
        ----------
        from_start : bool, default False
            Measure from the first step instead of the previous one.

        Returns
        -------
        pandas.DataFrame
            Columns ``step``, ``users``, ``mean``, ``median``, ``p25``, ``p75``, ``p90``
            (Timedelta, rounded to the second) for steps 2..K, over the users who reached the
            step; with a breakdown, the breakdown column first.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> result.time_to_convert()[["plan", "step", "users", "median"]]
           plan    step  users          median
        0  free  create      1 2 days 00:00:00
        1  free     pay      0             NaT
        2   pro  create      2 0 days 18:00:00
        3   pro     pay      1 2 days 00:00:00
        """
        # one grouped pass per step (a handful), never one pass per breakdown value
        groups, labels = _group_codes(self.units, self.breakdown)
        n_groups, n_later = len(labels), len(self.steps) - 1
        level = self.units["level"].to_numpy()
        quantiles = (0.25, 0.5, 0.75, 0.9)
        users = np.zeros((n_groups, n_later), dtype=np.int64)
        stats = np.full((5, n_groups, n_later), np.nan)  # mean, p25, median, p75, p90
        origin = _step_ns(self.units, 0) if from_start else None
        for k in range(1, n_later + 1):
            reached = np.flatnonzero(level > k)
            if not reached.size:
                continue
            ref = origin if origin is not None else _step_ns(self.units, k - 1)
            delta = (_step_ns(self.units, k)[reached] - ref[reached]).astype(float)
            by = pd.Series(delta).groupby(groups[reached])
            users[:, k - 1] = np.bincount(groups[reached], minlength=n_groups)
            mean = by.mean()
            stats[0, mean.index.to_numpy(), k - 1] = mean.to_numpy()
            q = by.quantile(np.array(quantiles)).unstack()
            for i, level_q in enumerate(quantiles, start=1):
                stats[i, q.index.to_numpy(), k - 1] = q[level_q].to_numpy()
        frame = pd.DataFrame(
            {
                "step": pd.Series(list(self.steps[1:]) * n_groups, dtype="str"),
                self._unit_name: users.reshape(-1),
            }
        )
        for i, col in enumerate(("mean", "p25", "median", "p75", "p90")):
            frame[col] = pd.to_timedelta(stats[i].reshape(-1), unit="ns").round("s")
        frame = frame[["step", self._unit_name, "mean", "median", "p25", "p75", "p90"]]
        if self.breakdown is not None:
            values = pd.Series(np.repeat(np.array(labels, dtype=object), n_later), dtype="object")
            frame.insert(0, self.breakdown, values)
        return frame

    def time_from_start(self) -> pd.DataFrame:
        """:meth:`time_to_convert` measured from the first step.

        Returns
        -------
        pandas.DataFrame
            As :meth:`time_to_convert`.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> result.time_from_start()[["plan", "step", "median"]]
           plan    step          median
        0  free  create 2 days 00:00:00
        1  free     pay             NaT
        2   pro  create 0 days 18:00:00
        3   pro     pay 3 days 00:00:00
        """
        return self.time_to_convert(from_start=True)

    def time_histogram(
        self, step: int | str = -1, *, bins: int = 10, from_start: bool = False
    ) -> pd.DataFrame:
        """Histogram of the time to reach ``step``.

        Parameters
        ----------
        step : int or str, default -1
            Step index (0-based, negative from the end) or name; not the first step.
        bins : int, default 10
            Number of equal-width bins.
        from_start : bool, default False
            Measure from the first step instead of the previous one.

        Returns
        -------
        pandas.DataFrame
            Columns ``bin_start``, ``bin_end`` (Timedelta) and ``users``.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> result.time_histogram("create", bins=2)
                bin_start         bin_end  users
        0 0 days 12:00:00 1 days 06:00:00      2
        1 1 days 06:00:00 2 days 00:00:00      1
        """
        k = _step_index(self.steps, step)
        bins = _check_bins(bins)
        if k == 0:
            raise ParameterError("The first step has no time to convert; pick a later step.")
        d = _durations(self.units, k, from_start=from_start)
        hours = d.dt.total_seconds().to_numpy() / 3600.0
        if hours.size == 0:
            return pd.DataFrame(
                {
                    "bin_start": pd.to_timedelta([], unit="h"),
                    "bin_end": pd.to_timedelta([], unit="h"),
                    self._unit_name: np.zeros(0, dtype=np.int64),
                }
            )
        counts, edges = np.histogram(hours, bins=bins)
        return pd.DataFrame(
            {
                "bin_start": pd.to_timedelta(edges[:-1], unit="h").round("s"),
                "bin_end": pd.to_timedelta(edges[1:], unit="h").round("s"),
                self._unit_name: counts.astype(np.int64),
            }
        )

    @classmethod
    def concat(cls, results: Sequence[FunnelResult]) -> FunnelResult:
        """Combine funnels computed on disjoint sets of users (partitions of one data set).

        Funnels are per user, so a funnel over all users is the union of the funnels over
        partitions of them (e.g. one per Dask partition, split by user): the counted units are
        concatenated and the tables rebuilt.

        Parameters
        ----------
        results : sequence of FunnelResult
            Results with the same steps and settings, over disjoint users.

        Returns
        -------
        FunnelResult
            The funnel over all of them.

        Raises
        ------
        ParameterError
            If there is nothing to combine, the settings differ, or a user appears twice
            (with ``count="users"``).

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import FunnelResult, funnel
        >>> events = pd.DataFrame({
        ...     "user_id": ["a", "a", "b", "b"],
        ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01",
        ...                                  "2024-03-01"]),
        ...     "event": ["signup", "subscribe", "signup", "subscribe"],
        ... })
        >>> parts = [funnel(events[events["user_id"] == u], ["signup", "subscribe"])
        ...          for u in ("a", "b")]
        >>> FunnelResult.concat(parts).counts
        [2, 1]
        """
        given: Any = results
        if isinstance(given, FunnelResult) or not isinstance(given, Sequence | Iterator):
            raise ParameterError(
                f"concat() takes a sequence of FunnelResult; got {type(results).__name__}."
            )
        items = list(results)
        if not items:
            raise ParameterError("concat() needs at least one FunnelResult.")
        strays = [type(item).__name__ for item in items if not isinstance(item, FunnelResult)]
        if strays:
            raise ParameterError(f"concat() takes FunnelResult objects only; got {strays[:3]}.")
        first = items[0]
        keys = ["steps", "window", "order", "entry", "count", "breakdown"]
        keys += ["breakdown_attribution", "hold_constant", "exclusions"]
        for other in items[1:]:
            for key in keys:
                if getattr(other, key) != getattr(first, key):
                    raise ParameterError(
                        f"Cannot combine funnels with different {key}: "
                        f"{getattr(first, key)!r} and {getattr(other, key)!r}."
                    )
        units = pd.concat([r.units for r in items], ignore_index=True)
        if first.count == "users" and units["user"].duplicated().any():
            raise ParameterError(
                "The same user appears in several results; concat() needs disjoint users.",
                hint="partition the events by user before computing the funnels.",
            )
        table = _build_table(units, first.steps, first.breakdown, first._unit_name)
        return dataclasses.replace(first, units=units, table=table)

    # -- who ----------------------------------------------------------------------------
    def users_at(self, step: int | str, *, breakdown_value: Any = None) -> pd.Index:
        """Ids of the users who reached ``step`` (in their counted attempt).

        Parameters
        ----------
        step : int or str
            Step index (0-based, negative from the end) or name.
        breakdown_value : object, optional
            Only users with this breakdown value.

        Returns
        -------
        pandas.Index
            User ids, in order of first appearance in the data.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> list(result.users_at("create")), list(result.users_at(0, breakdown_value="free"))
        (['a', 'b', 'd'], ['b', 'c'])
        """
        k = _step_index(self.steps, step)
        units = self._select(breakdown_value)
        index: pd.Index = pd.Index(units["user"][units["level"] > k].unique(), name="user")
        return index

    def dropped_at(self, step: int | str, *, breakdown_value: Any = None) -> pd.Index:
        """Ids of the users who reached the step before ``step`` but not ``step`` itself.

        Parameters
        ----------
        step : int or str
            Step index (0-based, >= 1; negative from the end) or name.
        breakdown_value : object, optional
            Only users with this breakdown value.

        Returns
        -------
        pandas.Index
            User ids (``dropped`` in :meth:`to_frame` counts them).

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> list(result.dropped_at("create")), list(result.dropped_at(-1))
        (['c'], ['b', 'd'])
        """
        k = _step_index(self.steps, step)
        if k == 0:
            raise ParameterError("Nobody drops before the first step; pick step >= 1.")
        units = self._select(breakdown_value)
        index: pd.Index = pd.Index(units["user"][units["level"] == k].unique(), name="user")
        return index

    def biggest_dropoff(self) -> pd.Series:
        """The step transition that loses the largest share of users (overall).

        Returns
        -------
        pandas.Series
            The row of :meth:`overall` for the step users failed to reach, plus ``from_step``
            (the step before it). Ties go to the earlier step.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> result.biggest_dropoff()[["from_step", "step", "dropped", "dropoff_rate"]]
        from_step         create
        step                 pay
        dropped                2
        dropoff_rate    0.666667
        Name: 2, dtype: object
        """
        table = self.overall()
        later = table.iloc[1:]
        rates = later["dropoff_rate"].fillna(-1.0).to_numpy()
        pos = int(np.argmax(rates)) + 1
        row = table.iloc[pos].copy()
        row["from_step"] = self.steps[pos - 1]
        return row

    def compare(self, a: Any, b: Any, *, confidence_level: float = 0.95) -> pd.DataFrame:
        """Compare the conversion of two breakdown values, step by step.

        For every step after the first: the share of each group's entrants who reached it,
        the difference ``a - b`` with Newcombe's hybrid score interval (method 10 of
        Newcombe, 1998) and Pearson's chi-square test of the 2x2 table (no continuity
        correction, the same as the pooled two-proportion z test).

        Parameters
        ----------
        a, b : object
            Two breakdown values.
        confidence_level : float, default 0.95
            Level of the interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``step``, ``entered_a``, ``reached_a``, ``rate_a``, ``entered_b``,
            ``reached_b``, ``rate_b``, ``difference``, ``ci_low``, ``ci_high``, ``chi2``,
            ``p_value``.

        Raises
        ------
        ParameterError
            Without a breakdown, for an unknown value, or a level outside (0, 1).

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.funnel import funnel
        >>> events = pd.DataFrame({
        ...     "user_id": list("aaabbcdd"),
        ...     "timestamp": pd.Timestamp("2024-01-01")
        ...     + pd.to_timedelta([0, 24, 72, 0, 48, 24, 0, 12], unit="h"),
        ...     "event": ["signup", "create", "pay", "signup", "create",
        ...               "signup", "signup", "create"],
        ...     "plan": ["pro", "pro", "pro", "free", "free", "free", "pro", "pro"],
        ... })
        >>> result = funnel(events, ["signup", "create", "pay"], breakdown="plan")
        >>> import warnings
        >>> with warnings.catch_warnings():  # 2 users per plan: SmallSampleWarning
        ...     warnings.simplefilter("ignore")
        ...     table = result.compare("pro", "free")
        >>> table[["step", "rate_a", "rate_b", "difference", "p_value"]].round(3)
             step  rate_a  rate_b  difference  p_value
        0  create     1.0     0.5         0.5    0.248
        1     pay     0.5     0.0         0.5    0.248
        """
        if self.breakdown is None:
            raise ParameterError("compare() needs a funnel built with breakdown=.")
        check_float("confidence_level", confidence_level)
        if not 0 < confidence_level < 1:
            raise ParameterError(f"confidence_level must be in (0, 1); got {confidence_level}.")
        known = set(self.units[self.breakdown].dropna().unique().tolist())
        for value in (a, b):
            if value not in known:
                raise ParameterError(
                    f"{value!r} is not a value of {self.breakdown!r}.",
                    hint=f"values: {sorted(known, key=str)!r}",
                )
        la = self._select(a)["level"].to_numpy()
        lb = self._select(b)["level"].to_numpy()
        rows = []
        for k in range(1, len(self.steps)):
            na, nb = la.size, lb.size
            xa, xb = int(np.count_nonzero(la > k)), int(np.count_nonzero(lb > k))
            stats = _two_proportions(xa, na, xb, nb, confidence_level)
            rows.append(
                {
                    "step": self.steps[k],
                    "entered_a": na,
                    "reached_a": xa,
                    "rate_a": xa / na if na else float("nan"),
                    "entered_b": nb,
                    "reached_b": xb,
                    "rate_b": xb / nb if nb else float("nan"),
                }
                | stats
            )
        if min(la.size, lb.size) < 30:
            warnings.warn(
                f"compare({a!r}, {b!r}) rests on {min(la.size, lb.size)} users in the smaller "
                "group; the test and interval are approximate.",
                SmallSampleWarning,
                stacklevel=2,
            )
        return pd.DataFrame(rows)

    # -- plots --------------------------------------------------------------------------
    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Funnel chart: bars of users per step, or conversion per breakdown value.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            ``max_values`` (default 6): breakdown values shown (largest first).

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        max_values = int(kwargs.pop("max_values", 6))
        ax = get_axes(ax)
        x = np.arange(len(self.steps))
        if self.breakdown is None:
            table = self.table
            counts = table[self._unit_name].to_numpy()
            bars = ax.bar(x, counts, color=PALETTE[0], width=0.6)
            for bar, rate in zip(bars, table["conversion_from_start"], strict=True):
                label = "" if pd.isna(rate) else f"{rate:.0%}"
                ax.annotate(
                    label,
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=9,
                )
            ax.set_ylabel(self._unit_name)
        else:
            groups = _groups(self.units, self.breakdown, max_values)
            width = 0.8 / max(len(groups), 1)
            for i, (value, group) in enumerate(groups):
                block = _block_table(group, self.steps, self._unit_name)
                ax.bar(
                    x - 0.4 + width * (i + 0.5),
                    block["conversion_from_start"],
                    width=width,
                    color=PALETTE[i % len(PALETTE)],
                    label=str(value),
                )
            ax.set_ylabel("conversion from first step")
            ax.set_ylim(0, 1.05)
            n_values = len(_groups(self.units, self.breakdown))
            title = str(self.breakdown)
            if n_values > len(groups):  # say so when values are left out
                title += f" ({len(groups)} largest of {n_values}; max_values= shows more)"
            ax.legend(title=title, fontsize=8, title_fontsize=8, frameon=False)
        ax.set_xticks(x, [str(s) for s in self.steps])
        ax.set_title(f"Funnel ({self.order}, within {duration_label(self.window)})")
        return ax

    def plot_time_to_convert(
        self, step: int | str = -1, ax: Any = None, *, bins: int = 20, from_start: bool = False
    ) -> Any:
        """Histogram of the time to reach ``step``, in hours.

        Parameters
        ----------
        step : int or str, default -1
            Step (not the first).
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        bins : int, default 20
            Number of bins.
        from_start : bool, default False
            Measure from the first step instead of the previous one.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        k = _step_index(self.steps, step)
        bins = _check_bins(bins)
        if k == 0:
            raise ParameterError("The first step has no time to convert; pick a later step.")
        ax = get_axes(ax)
        hours = _durations(self.units, k, from_start=from_start).dt.total_seconds() / 3600.0
        ax.hist(hours.to_numpy(), bins=bins, color=PALETTE[0])
        origin = self.steps[0] if from_start else self.steps[k - 1]
        ax.set_xlabel(f"hours from {origin!s} to {self.steps[k]!s}")
        ax.set_ylabel(self._unit_name)
        return ax

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> Self:
        # ResultMixin._from_fields compares every value with "inf", which fails for frames.
        fields["window"] = pd.Timedelta(fields["window"])
        fields["steps"] = tuple(fields["steps"])
        fields["exclusions"] = tuple(tuple(e) for e in fields.get("exclusions") or ())
        breakdown = fields.get("breakdown")
        table = fields["table"]
        if breakdown is not None and breakdown in table.columns:
            values = table[breakdown].astype(object)
            table[breakdown] = values.where(values.notna(), None)
        table = fields["table"]
        for col in ("median_time_to_convert", "mean_time_to_convert"):
            table[col] = table[col].dt.as_unit("ns")
        units = fields["units"]
        for k in range(len(fields["steps"])):
            units[_time_cols(k)] = units[_time_cols(k)].dt.as_unit("ns")  # JSON gives "us"
        return cls(**fields)

    def _summary(self) -> dict[str, Any]:
        counts = self.counts
        out: dict[str, Any] = {
            "steps": len(self.steps),
            "order": self.order,
            "window": _fmt_window(self.window),
            self._unit_name: counts[0],
            "converted": counts[-1],
        }
        if self.breakdown is not None:
            out["breakdown"] = self.breakdown
        return out


# --------------------------------------------------------------------------- the function
def _check_exclusions(
    exclusions: Sequence[Any] | None, steps: Sequence[Step]
) -> list[tuple[Step, int, int]]:
    n_steps = len(steps)
    out: list[tuple[Step, int, int]] = []
    for item in exclusions or ():
        if not isinstance(item, tuple | list) or len(item) != 3:
            raise ParameterError(
                f"Each exclusion must be (event, from_step, to_step); got {item!r}.",
                hint="steps are 0-based: ('x', 0, 1) excludes x between the first two steps.",
            )
        event, lo, hi = item
        if not (isinstance(lo, int | np.integer) and isinstance(hi, int | np.integer)):
            raise ParameterError(f"Exclusion steps must be integers; got {item!r}.")
        if not 0 <= lo < hi <= n_steps - 1:
            raise ParameterError(
                f"Exclusion {tuple(item)!r} is out of range for a funnel of {n_steps} steps.",
                hint=f"use 0 <= from_step < to_step <= {n_steps - 1} (0-based step indices).",
            )
        excluded = as_step(event, name="exclusions")
        for k in range(int(lo), int(hi) + 1):
            step = steps[k]
            # as PostHog: the exclusion may not match every event of a step it spans
            if step.event == excluded.event and (
                not excluded.where or excluded.where == step.where
            ):
                raise ParameterError(
                    f"Exclusion {excluded.name!r} also matches step {k} ({step.name!r}), which "
                    f"lies between steps {lo} and {hi}: every attempt reaching it would be "
                    "removed.",
                    hint="exclude a different event, or narrow it with conditions.",
                )
        out.append((excluded, int(lo), int(hi)))
    return out


# columns of FunnelResult.units and of its tables that a breakdown column may not shadow
_RESERVED = frozenset(
    {"user", "level", "step", "users", "attempts", "conversion_from_start"}
    | {"conversion_from_previous", "dropped", "dropoff_rate", "median_time_to_convert"}
    | {"mean_time_to_convert", "mean", "median", "p25", "p75", "p90"}
)


def _check_property_names(breakdown: Any, hold_constant: Any) -> None:
    for label, prop in (("breakdown", breakdown), ("hold_constant", hold_constant)):
        if prop is not None and not isinstance(prop, str):
            raise ParameterError(
                f"{label} must be the name of one property column; got {prop!r}.",
                hint=f"pass a string such as {label}='channel'.",
            )
    if breakdown is not None and (breakdown in _RESERVED or breakdown.startswith("at_")):
        raise ParameterError(
            f"breakdown={breakdown!r} would collide with a column of the funnel's tables.",
            hint="rename the property first, e.g. events.rename(columns={...}).",
        )


def _attribution_step(attribution: str, n_steps: int) -> int | None:
    """None for first/last touch, else the 0-based step ``step:<k>`` names."""
    if attribution in ("first_touch", "last_touch"):
        return None
    if attribution.startswith("step:"):
        try:
            k = int(attribution.split(":", 1)[1])
        except ValueError:
            k = -1
        if 0 <= k < n_steps:
            return k
    raise ParameterError(
        f"breakdown_attribution={attribution!r} is not 'first_touch', 'last_touch' or "
        f"'step:<k>' with 0 <= k < {n_steps}.",
    )


@dataclass(frozen=True, slots=True)
class _Relevant:
    """The rows of the log that can fill some step, with what the kernels need of them."""

    kept: I64  # their positions in the log
    masks: npt.NDArray[np.bool_]  # (K, rows): which step each row can fill
    time: I64
    seg: I64  # user code


def _compress(
    log: EventLog,
    step_codes: list[int],
    conditions: list[npt.NDArray[np.bool_] | None],
    codes: I64 | None,
) -> _Relevant:
    """Keep only rows that can fill a step: every later pass runs over a fraction of the log.

    Strict mode still sees the full timeline: it checks that kept rows are adjacent in it.
    """
    event_codes = log.event_codes
    relevant = np.zeros(len(log), dtype=bool)
    scratch = np.empty(len(log), dtype=bool)
    for code, cond in zip(step_codes, conditions, strict=True):
        if code >= 0:
            np.equal(event_codes, code, out=scratch)
            if cond is not None:
                scratch &= cond
            relevant |= scratch
    if codes is not None:
        relevant &= codes >= 0  # a missing held-constant value fills no step
    kept = np.flatnonzero(relevant).astype(np.int64, copy=False)
    ev_r = event_codes[kept]
    masks = np.zeros((len(step_codes), kept.size), dtype=bool)
    for j, (code, cond) in enumerate(zip(step_codes, conditions, strict=True)):
        if code >= 0:
            masks[j] = ev_r == code
            if cond is not None:
                masks[j] &= cond[kept]
    return _Relevant(kept=kept, masks=masks, time=log.time_ns[kept], seg=log.user_codes[kept])


def _run_attempts(
    rel: _Relevant, anchors: I64, codes: I64 | None, *, window_ns: int, order: str
) -> tuple[I64, I64, I64 | None]:
    """Levels, step rows (positions in ``rel``) and unordered times of every attempt."""
    if order == "unordered":
        overlapping = bool(np.any(rel.masks.sum(axis=0) > 1))
        n_types = int(np.unique(rel.masks.T, axis=0).any(axis=1).sum()) if overlapping else 0
        if n_types > MAX_STEP_TYPES:
            raise ParameterError(
                f"The steps overlap in {n_types} distinct ways (sets of steps one event "
                f"matches); an unordered funnel checks at most {MAX_STEP_TYPES} exactly.",
                hint="make the step definitions disjoint (e.g. add conditions), or use fewer.",
            )
    if codes is not None and order != "strict":
        # hold_constant: one segment per (user, value), then back to the user's order
        c_r = codes[rel.kept]
        key = rel.seg * (int(c_r.max(initial=0)) + 2) + c_r + 1
        perm = np.argsort(key, kind="stable").astype(np.int64, copy=False)
        inverse = np.empty_like(perm)
        inverse[perm] = np.arange(perm.size, dtype=np.int64)
        level, rows_p, times = attempt_levels(
            np.sort(inverse[anchors]),
            key[perm],
            rel.time[perm],
            (rel.masks if order == "unordered" else rel.masks[1:])[:, perm],
            window_ns=window_ns,
            order=order,
        )
        rows = np.where(rows_p >= 0, perm[np.maximum(rows_p, 0)], -1)
        back = np.argsort(rows[0], kind="stable")
        return level[back], rows[:, back], None if times is None else times[:, back]
    same_value = adjacent = None
    if order == "strict":
        adjacent = np.r_[False, rel.kept[1:] == rel.kept[:-1] + 1]
        if codes is not None:
            c_r = codes[rel.kept]
            same_value = np.r_[False, c_r[1:] == c_r[:-1]]
    return attempt_levels(
        anchors,
        rel.seg,
        rel.time,
        rel.masks if order == "unordered" else rel.masks[1:],  # unordered: any step opens
        window_ns=window_ns,
        order=order,
        same_value=same_value,
        adjacent=adjacent,
    )


def _apply_exclusions(
    log: EventLog,
    excl: list[tuple[npt.NDArray[np.bool_], int, int]],
    level: I64,
    rows: I64,
    *,
    user_of_attempt: I64,
    window_ns: int,
) -> I64:
    """Set the level of every attempt an exclusion removes to 0 (``rows`` in log positions).

    ``excl`` holds each exclusion's event mask over the log with its step range.
    """
    deadline = log.time_ns[rows[0]] + window_ns
    attempt_end = log.offsets[1:][user_of_attempt]
    removed = np.zeros(level.size, dtype=bool)
    for mask, lo, hi in excl:
        excluded = np.flatnonzero(mask)
        if excluded.size:
            removed |= apply_exclusion(
                level,
                rows[lo],
                rows[hi],
                deadline=deadline,
                end=attempt_end,
                excluded_rows=excluded.astype(np.int64, copy=False),
                time_ns=log.time_ns,
                from_step=lo,
                to_step=hi,
            )
    return np.where(removed, 0, level)


def _units_frame(
    log: EventLog,
    user_codes: I64,
    level: I64,
    *,
    rows: I64,
    times: I64 | None,
    chosen: I64,
    base_times: I64,
) -> tuple[pd.DataFrame, list[I64]]:
    """One row per counted unit: user id, level and when each step was done (NaT if not).

    Ordered and strict steps are done at the time of their row (``base_times[rows]``);
    unordered ones at the times the kernel computed.
    """
    units = pd.DataFrame({"user": log.users.take(user_codes), "level": level})
    nat = np.iinfo(np.int64).min
    step_ns: list[I64] = []
    for k in range(rows.shape[0]):
        reached = level > k
        if times is None:
            t = base_times[np.maximum(rows[k, chosen], 0)] if base_times.size else level * 0
        else:
            t = times[k, chosen]
        t = np.where(reached, t, nat)
        step_ns.append(t)
        if log.tz is None:
            stamps: Any = t.view("datetime64[ns]")
        else:
            stamps = pd.Series(log.to_datetime(np.where(reached, t, 0))).where(reached)
        units[_time_cols(k)] = stamps
    return units, step_ns


def funnel(
    events: EventLog | FrameLike,
    steps: Sequence[StepLike],
    *,
    window: TimedeltaLike = "7D",
    order: Order = "ordered",
    entry: Entry = "any",
    exclusions: Sequence[tuple[StepLike, int, int]] | None = None,
    breakdown: str | None = None,
    breakdown_attribution: str = "first_touch",
    hold_constant: str | None = None,
    count: Count = "users",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    partitioned_by: str | None = None,
) -> FunnelResult:
    """Conversion funnel: how many users reach each step, within a window, in an order mode.

    Every step-1 event (with ``order="unordered"``, every event of any step) opens an
    *attempt* (only the user's first one with ``entry="first"``).
    An attempt's later steps are matched by the earliest qualifying events, one event per step,
    each at most ``window`` after the attempt's step-1 event (inclusive). A user counts at the
    highest step any of their attempts reached; among equally good attempts the earliest
    counts, and its events give the times and the breakdown value. Events with the same
    timestamp keep their input order (the :class:`~saasmetrics.EventLog` sort is stable).

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        The events (a log built once is reused; a frame is validated and encoded; a dask
        DataFrame is analysed partition by partition, with the same result).
    steps : sequence of str, Step, dict or (event, conditions) pairs
        At least two steps. A step is an event name or a :class:`Step` with property
        conditions (``Step("subscribe", where={"plan": "pro"})``).
    window : str or Timedelta, default "7D"
        Conversion window, measured from each attempt's first step; must be positive.
    order : {"ordered", "strict", "unordered", "first_then_any"}, default "ordered"
        ``"ordered"``: steps in sequence, other events may come between. ``"strict"``: each
        step must be the user's very next event after the previous step (anything else in
        between ends the attempt). ``"unordered"`` (PostHog, Amplitude and Mixpanel's "any
        order"): an event of *any* step opens an attempt, and level ``k`` is reached when
        ``k`` distinct steps happened within the window, in any order; the rows are then
        named ``"1 of K steps"``, ``"2 of K steps"``, ... and ``breakdown_attribution="step:<k>"``
        reads the event that completed ``k + 1`` steps. ``"first_then_any"``: step 1 opens
        the attempt and the other steps follow in any order.
    entry : {"any", "first"}, default "any"
        Every step-1 event opens an attempt, or only the user's first one (Mixpanel's default).
    exclusions : sequence of (event, from_step, to_step), optional
        0-based step indices: ``("x", 0, 1)`` removes an attempt with an ``x`` event after its
        first step and before its second (or, if it never reached the second, within its
        window). Not available for the any-order modes.
    breakdown : str, optional
        A property: one funnel per value. Each user has one value, read from an event of the
        counted attempt as ``breakdown_attribution`` says.
    breakdown_attribution : str, default "first_touch"
        ``"first_touch"`` (the step-1 event), ``"last_touch"`` (the last step reached) or
        ``"step:<k>"`` (0-based step ``k``; users who did not reach it get a missing value).
    hold_constant : str, optional
        A property all steps of an attempt must share (events where it is missing match no
        step; a warning says how many step-1 events that leaves out).
    count : {"users", "attempts"}, default "users"
        Count users (their best attempt), or every attempt that was not excluded.
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column (the
        shuffle by user is skipped); see :mod:`saasmetrics.scale`.

    Returns
    -------
    FunnelResult
        ``.to_frame()`` one row per step; ``.counts``; times, user ids, comparisons and plots.

    Raises
    ------
    ParameterError
        Fewer than two steps, a window that is not positive, an unknown mode, an exclusion out
        of range, with an any-order funnel or matching a step it spans, a bad
        ``breakdown_attribution``; a ``breakdown`` or ``hold_constant`` that is not one
        property name (or names the user, time or event column), a ``breakdown`` named like an
        output column (``step``, ``users``, ``level``, ``at_0`` ...).
    MissingColumnError
        A breakdown, held-constant or condition property that the data does not have.

    Warns
    -----
    DataQualityWarning
        For a step (or exclusion) whose event never occurs, or no event of which meets the
        step's conditions (its row counts 0); for step-1 events without a value of the
        ``hold_constant`` property.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.funnel import funnel
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "a", "b", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                  "2024-01-01", "2024-01-20", "2024-01-05"]),
    ...     "event": ["signup", "create_project", "subscribe",
    ...               "signup", "create_project", "signup"],
    ... })
    >>> result = funnel(events, ["signup", "create_project", "subscribe"], window="7D")
    >>> result.counts
    [3, 1, 1]
    >>> result.to_frame()[["step", "users", "conversion_from_start", "median_time_to_convert"]]
                 step  users  conversion_from_start median_time_to_convert
    0          signup      3               1.000000                    NaT
    1  create_project      1               0.333333                 1 days
    2       subscribe      1               0.333333                 1 days
    >>> list(result.dropped_at(1))
    ['b', 'c']
    """
    plan = _funnel_analysis(
        steps,
        window=window,
        order=order,
        entry=entry,
        exclusions=exclusions,
        breakdown=breakdown,
        breakdown_attribution=breakdown_attribution,
        hold_constant=hold_constant,
        count=count,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    return run(plan, events, partitioned_by=partitioned_by)


@register(funnel)
def _funnel_analysis(
    steps: Sequence[StepLike],
    *,
    window: TimedeltaLike = "7D",
    order: Order = "ordered",
    entry: Entry = "any",
    exclusions: Sequence[tuple[StepLike, int, int]] | None = None,
    breakdown: str | None = None,
    breakdown_attribution: str = "first_touch",
    hold_constant: str | None = None,
    count: Count = "users",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> Analysis[_FunnelPartial, FunnelResult]:
    """The funnel as partial / merge / finalize (options validated here, once)."""
    if not isinstance(steps, str | Step | Sequence | np.ndarray | pd.Index | pd.Series):
        raise ParameterError(
            f"steps must be a list of events; got {type(steps).__name__}.",
            hint="pass a list such as ['signup', 'create_project'].",
        )
    step_list = [as_step(s) for s in steps] if not isinstance(steps, str | Step) else []
    if len(step_list) < 2:
        raise ParameterError(
            f"A funnel needs at least two steps; got {steps!r}.",
            hint="pass a list such as ['signup', 'create_project'].",
        )
    n_steps = len(step_list)
    window_td = check_positive_timedelta("window", window)
    check_choice("order", order, _ORDERS)
    check_choice("entry", entry, ("any", "first"))
    check_choice("count", count, ("users", "attempts"))
    excl = _check_exclusions(exclusions, step_list)
    if excl and order in _ANY_ORDER:
        raise ParameterError(
            f"exclusions need an ordered or strict funnel: in an order={order!r} funnel "
            "'between step i and step j' has no fixed meaning.",
        )
    attr_step = _attribution_step(breakdown_attribution, n_steps)  # checked even unused
    _check_property_names(breakdown, hold_constant)

    needed = step_properties([*step_list, *(s for s, _, _ in excl)])
    for prop in (breakdown, hold_constant):
        if prop is not None and prop not in needed:
            needed.append(prop)
    settings = _Settings(
        steps=tuple(step_list),
        window=window_td,
        order=order,
        entry=entry,
        exclusions=tuple(excl),
        breakdown=breakdown,
        breakdown_attribution=breakdown_attribution,
        attr_step=attr_step,
        hold_constant=hold_constant,
        count=count,
    )

    def prepare(data: EventLog | FrameLike) -> EventLog:
        log = as_event_log(
            data, user_col=user_col, time_col=time_col, event_col=event_col, properties=needed
        )
        if len(log) == 0:
            raise EmptyDataError("events has no rows.")
        return log

    return Analysis(
        name="funnel",
        keys=(user_col,),
        prepare=prepare,
        partial=lambda log, _context: _funnel_partial(log, settings),
        merge=_merge_partials,
        finalize=lambda part, _context: _finalize(part, settings),
    )


@dataclass(frozen=True, slots=True)
class _Settings:
    steps: tuple[Step, ...]
    window: pd.Timedelta
    order: str
    entry: str
    exclusions: tuple[tuple[Step, int, int], ...]
    breakdown: str | None
    breakdown_attribution: str
    attr_step: int | None
    hold_constant: str | None
    count: str


# how far a step (or exclusion) is from occurring in a chunk: merged by taking the minimum
_OCCURS, _NO_MATCH, _ABSENT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _FunnelPartial:
    """What a chunk of whole users contributes: its counted units and what the warnings need.

    ``units`` is one row per counted user (or attempt), as :attr:`FunnelResult.units`;
    ``step_ns`` the step times as int64 nanoseconds; ``occurs`` per step and exclusion
    whether its event occurs (and meets its conditions); ``n_opens`` / ``n_opens_missing`` the
    step-1 events with and without a held-constant value; ``n_anchors`` the attempts opened.
    """

    units: pd.DataFrame
    step_ns: tuple[I64, ...]
    occurs: tuple[int, ...]
    n_opens: int
    n_opens_missing: int
    n_anchors: int


def _merge_partials(a: _FunnelPartial, b: _FunnelPartial) -> _FunnelPartial:
    return _FunnelPartial(
        units=pd.concat([a.units, b.units], ignore_index=True),
        step_ns=tuple(np.concatenate([x, y]) for x, y in zip(a.step_ns, b.step_ns, strict=True)),
        occurs=tuple(min(x, y) for x, y in zip(a.occurs, b.occurs, strict=True)),
        n_opens=a.n_opens + b.n_opens,
        n_opens_missing=a.n_opens_missing + b.n_opens_missing,
        n_anchors=a.n_anchors + b.n_anchors,
    )


def _occurrence(log: EventLog, step: Step) -> tuple[int, npt.NDArray[np.bool_] | None, int]:
    """The step's event code (-1 if absent), its condition mask, and whether it occurs."""
    code = event_index(log, step.event)
    if code < 0:
        return code, None, _ABSENT
    cond = condition_mask(log, step)
    if cond is not None and not cond[log.event_codes == code].any():
        return code, cond, _NO_MATCH
    return code, cond, _OCCURS


def _funnel_partial(log: EventLog, s: _Settings) -> _FunnelPartial:
    """The funnel of one chunk of whole users (the in-memory path is the one-chunk case)."""
    breakdown, hold_constant = s.breakdown, s.hold_constant
    for label, prop in (("breakdown", breakdown), ("hold_constant", hold_constant)):
        if prop is None:
            continue
        if prop in (log.user_col, log.time_col, log.event_col):
            raise ParameterError(
                f"{label}={prop!r} is the log's user, time or event column, not a property.",
                hint=f"pass a property column such as a channel or plan as {label}=.",
            )
        log.property_values(prop)  # raises MissingColumnError with the kept properties

    # a step is in the window iff t - start <= window, and t - start never exceeds the log's
    # span: capping the window there keeps `start + window` inside int64 for any window
    span = int(log.time_ns.max()) - int(log.time_ns.min())
    window_ns = min(int(s.window.value), span)
    found = [_occurrence(log, step) for step in s.steps]
    step_codes = [code for code, _, _ in found]
    conditions = [cond for _, cond, _ in found]
    excl_found = [_occurrence(log, step) for step, _, _ in s.exclusions]
    codes: I64 | None = None
    n_opens = n_opens_missing = 0
    if hold_constant is not None:
        factorized, _ = pd.factorize(log.property_values(hold_constant), use_na_sentinel=True)
        codes = factorized.astype(np.int64, copy=False)
        if step_codes[0] >= 0:
            opens = log.event_codes == step_codes[0]
            if conditions[0] is not None:
                opens &= conditions[0]
            n_opens_missing = int(np.count_nonzero(opens & (codes < 0)))
            n_opens = int(np.count_nonzero(opens))

    rel = _compress(log, step_codes, conditions, codes)
    opening = rel.masks.any(axis=0) if s.order == "unordered" else rel.masks[0]  # any step
    anchors = np.flatnonzero(opening).astype(np.int64, copy=False)
    if s.entry == "first":
        anchors = first_per_segment(anchors, rel.seg)
    level, rows, times = _run_attempts(rel, anchors, codes, window_ns=window_ns, order=s.order)
    user_of_attempt = rel.seg[rows[0]]
    kept, base_times = rel.kept, rel.time
    if s.exclusions:
        rows = np.where(rows >= 0, kept[np.maximum(rows, 0)], -1)  # back to log positions
        kept, base_times = np.arange(len(log), dtype=np.int64), log.time_ns
        masks = [_event_mask(log, code, cond) for code, cond, _ in excl_found]
        level = _apply_exclusions(
            log,
            [(mask, lo, hi) for mask, (_, lo, hi) in zip(masks, s.exclusions, strict=True)],
            level,
            rows,
            user_of_attempt=user_of_attempt,
            window_ns=window_ns,
        )

    if s.count == "users":
        chosen = best_attempts(user_of_attempt, level)
    else:
        chosen = np.flatnonzero(level > 0).astype(np.int64, copy=False)
    lev = level[chosen]
    units, step_ns = _units_frame(
        log,
        user_of_attempt[chosen],
        lev,
        rows=rows,
        times=times,
        chosen=chosen,
        base_times=base_times,
    )
    if breakdown is not None:
        if s.breakdown_attribution == "first_touch":
            src = rows[0, chosen]
        elif s.breakdown_attribution == "last_touch":
            src = rows[lev - 1, chosen]
        else:
            src = rows[s.attr_step, chosen]
        has = src >= 0
        at = kept[np.where(has, src, 0)] if kept.size else np.zeros(src.size, dtype=np.int64)
        values = log.property_values(breakdown).take(at).reset_index(drop=True)
        units.insert(2, breakdown, values.where(pd.Series(has)))
    return _FunnelPartial(
        units=units,
        step_ns=tuple(step_ns),
        occurs=tuple(o for _, _, o in [*found, *excl_found]),
        n_opens=n_opens,
        n_opens_missing=n_opens_missing,
        n_anchors=int(anchors.size),
    )


def _event_mask(
    log: EventLog, code: int, cond: npt.NDArray[np.bool_] | None
) -> npt.NDArray[np.bool_]:
    if code < 0:
        return np.zeros(len(log), dtype=bool)
    mask: npt.NDArray[np.bool_] = log.event_codes == code
    if cond is not None:
        mask &= cond
    return mask


def _canonical_order(units: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Rows sorted by user id (then step-1 time), whatever order the chunks came in."""
    users = units["user"].to_numpy()
    try:
        by_user = np.argsort(users, kind="stable")
    except TypeError:  # ids of mixed types: order by their text
        by_user = np.argsort(np.array([repr(u) for u in users], dtype=object), kind="stable")
        users = np.array([repr(u) for u in users], dtype=object)
    if _time_cols(0) not in units or not len(units):
        return by_user.astype(np.int64, copy=False)
    # several rows of a user (count="attempts"): by step-1 time within the user
    sorted_users = users[by_user]
    repeats = bool((sorted_users[1:] == sorted_users[:-1]).any())
    if not repeats:
        return by_user.astype(np.int64, copy=False)
    t0 = units[_time_cols(0)].to_numpy(dtype="datetime64[ns]").view(np.int64)
    # equal ids get the rank of their first occurrence in sorted order
    first = np.r_[True, sorted_users[1:] != sorted_users[:-1]]
    group = np.cumsum(first) - 1
    user_rank = np.empty(by_user.size, dtype=np.int64)
    user_rank[by_user] = group
    return np.lexsort((t0, user_rank)).astype(np.int64, copy=False)


def _finalize(part: _FunnelPartial, s: _Settings) -> FunnelResult:
    """Warnings from the merged figures, then the tables over all units."""
    n_steps = len(s.steps)
    for k, item in enumerate([*s.steps, *(step for step, _, _ in s.exclusions)]):
        what = "step" if k < n_steps else "exclusion"
        status = part.occurs[k]
        if status == _ABSENT:
            warnings.warn(
                f"The {what} {item.name!r} never occurs: event {item.event!r} is not in the "
                "data; " + ("it counts 0 users." if what == "step" else "it removes nothing."),
                DataQualityWarning,
                stacklevel=5,
            )
        elif status == _NO_MATCH and what == "step":
            warnings.warn(
                f"The step {item.name!r} never occurs: no {item.event!r} event meets its "
                "conditions; it counts 0 users.",
                DataQualityWarning,
                stacklevel=5,
            )
    if part.n_opens_missing:
        warnings.warn(
            f"{part.n_opens_missing:,} of {part.n_opens:,} {s.steps[0].name!r} "
            f"events have no {s.hold_constant!r} value; with hold_constant they open no "
            "attempt, so their users may be missing from the funnel.",
            DataQualityWarning,
            stacklevel=5,
        )
    if s.exclusions and len(part.units) == 0 and part.n_anchors > 0:
        warnings.warn(
            "Every attempt was removed by the exclusions; the funnel is empty.",
            DataQualityWarning,
            stacklevel=5,
        )
    order = _canonical_order(part.units)
    units = part.units.take(order).reset_index(drop=True)
    step_ns = [ns[order] for ns in part.step_ns]
    names = tuple(step.name for step in s.steps)
    if s.order == "unordered":  # level k is any k of the steps, not the first k
        names = tuple(f"{k} of {n_steps} steps" for k in range(1, n_steps + 1))
    unit_name = "users" if s.count == "users" else "attempts"
    table = _build_table(units, names, s.breakdown, unit_name, step_ns)
    return FunnelResult(
        steps=names,
        table=table,
        units=units,
        window=s.window,
        order=s.order,
        entry=s.entry,
        count=s.count,
        breakdown=s.breakdown,
        breakdown_attribution=s.breakdown_attribution if s.breakdown else None,
        hold_constant=s.hold_constant,
        exclusions=tuple((str(step.name), lo, hi) for step, lo, hi in s.exclusions),
    )
