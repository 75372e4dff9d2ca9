"""A funnel's tables from its counted units: per step counts, conversion and times to convert.

Every table is computed for all breakdown values at once (one grouped pass per step).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics.exceptions import ParameterError

I64 = npt.NDArray[np.int64]


def time_column(k: int) -> str:
    """Column of the units frame holding when step ``k`` (0-based) was done."""
    return f"at_{k}"


def step_index(steps: Sequence[str], step: int | str) -> int:
    """0-based index of ``step``, given as an index (negative from the end) or a name."""
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


def check_bins(bins: Any) -> int:
    """``bins`` as a positive int (ParameterError otherwise)."""
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 1:
        raise ParameterError(f"bins must be a positive integer; got {bins!r}.")
    return int(bins)


def check_time_step(steps: Sequence[str], step: int | str, bins: Any) -> tuple[int, int]:
    """The index of a step that has a time to convert (any but the first), and ``bins``."""
    k = step_index(steps, step)
    n_bins = check_bins(bins)
    if k == 0:
        raise ParameterError("The first step has no time to convert; pick a later step.")
    return k, n_bins


def durations(units: pd.DataFrame, k: int, *, from_start: bool) -> pd.Series:
    """Time to reach step ``k`` (>= 1) per unit that reached it."""
    reached = units[units["level"] > k]
    ref = reached[time_column(0) if from_start else time_column(k - 1)]
    return (reached[time_column(k)] - ref).rename("time")


def group_codes(units: pd.DataFrame, breakdown: str | None) -> tuple[I64, list[Any]]:
    """Group index of every unit and the group values, largest group first (missing last).

    Values of one size are ordered by their text, then by first appearance.
    """
    if breakdown is None:
        return np.zeros(len(units), dtype=np.int64), [None]
    column = units[breakdown]
    if isinstance(column.dtype, pd.CategoricalDtype):  # its own codes: nothing to hash
        groups = _ranked(column.array.codes, list(column.cat.categories), by_appearance=False)
        if groups is not None:
            return groups
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    groups = _ranked(codes, list(uniques), by_appearance=True)
    assert groups is not None  # codes by first appearance: ties are ordered
    return groups


def _ranked(
    codes: npt.NDArray[np.integer], values: list[Any], *, by_appearance: bool
) -> tuple[I64, list[Any]] | None:
    """:func:`group_codes` from value codes (-1: missing).

    ``None`` when values tie on size and text and the codes are not in order of first
    appearance (which then decides).
    """
    n_values = len(values)
    index = codes.astype(np.intp)
    index[index < 0] = n_values  # missing: the last slot
    sizes = np.bincount(index, minlength=n_values + 1)
    present = np.flatnonzero(sizes[:n_values]).tolist()
    keys = [(-int(sizes[i]), str(values[i])) for i in present]
    if not by_appearance and len(set(keys)) < len(keys):
        return None
    order = [i for _, i in sorted(zip(keys, present, strict=True))]
    rank = np.full(n_values + 1, len(order), dtype=np.int64)  # missing: after every value
    rank[order] = np.arange(len(order), dtype=np.int64)
    labels = [values[i] for i in order]
    if sizes[n_values]:
        labels.append(None)
    return rank[index], labels


def _packed_order(ids: npt.NDArray[Any]) -> npt.NDArray[np.int64] | None:
    """The stable sort order of integer ``ids`` by one value sort, or ``None`` if they do not fit.

    Each id's offset from the smallest goes in the high bits of an int64 and its position in
    the low bits: sorting those keys (a value sort, much faster than ``argsort``) orders the
    ids, ties by position, and the low bits are the order.
    """
    n = ids.size
    bits = max((n - 1).bit_length(), 1)
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo >= 1 << (63 - bits):
        return None
    if ids.dtype == np.uint64:
        key = (ids - np.uint64(lo)).astype(np.int64)
    else:
        key = ids.astype(np.int64)
        key -= lo
    key <<= bits
    key |= np.arange(n, dtype=np.int64)
    key.sort()
    key &= (1 << bits) - 1
    return key


def _by_id(users: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """The stable sort order of the ids (of their text if of mixed types) and the sorted ids."""
    packed = integer_id_order(users)
    if packed is not None:
        return packed, users[packed]
    try:
        # unique ids (one row per user) have a single sorted order: the faster sort finds it
        by_user = np.argsort(users)
        ranked = users[by_user]
        if not (ranked[1:] == ranked[:-1]).any():
            return by_user, ranked
    except TypeError:
        pass
    try:
        by_user = np.argsort(users, kind="stable")
    except TypeError:  # ids of mixed types: order by their text
        users = np.array([repr(u) for u in users], dtype=object)
        by_user = np.argsort(users, kind="stable")
    return by_user, users[by_user]


def canonical_order(units: pd.DataFrame, t0: I64 | None) -> npt.NDArray[np.int64]:
    """Rows sorted by user id (then step-1 time ``t0``), whatever order the chunks came in."""
    by_user, sorted_users = _by_id(units["user"].to_numpy())
    if t0 is None or not len(units):
        return by_user.astype(np.int64, copy=False)
    repeats = bool((sorted_users[1:] == sorted_users[:-1]).any())
    if not repeats:
        return by_user.astype(np.int64, copy=False)
    # several rows of a user (count="attempts"): by step-1 time within the user
    # equal ids get the rank of their first occurrence in sorted order
    first = np.r_[True, sorted_users[1:] != sorted_users[:-1]]
    group = np.cumsum(first) - 1
    user_rank = np.empty(by_user.size, dtype=np.int64)
    user_rank[by_user] = group
    return np.lexsort((t0, user_rank)).astype(np.int64, copy=False)


def in_canonical_order(users: npt.NDArray[Any], t0: I64 | None) -> bool:
    """Whether :func:`canonical_order` of integer ids ``users`` is the identity (a cheap check).

    Other ids answer ``False`` (their order is left to :func:`canonical_order`).
    """
    if users.dtype.kind not in "iu":
        return False
    if users.size < 2:
        return True
    if not (users[1:] >= users[:-1]).all():
        return False
    same = users[1:] == users[:-1]
    if t0 is None or not same.any():
        return True
    return bool((t0[1:][same] >= t0[:-1][same]).all())


def integer_id_order(ids: npt.NDArray[Any]) -> npt.NDArray[np.int64] | None:
    """The stable sort order of integer ``ids`` by a value sort, or ``None``.

    ``None`` for other ids, fewer than two, or a range too wide to pack.
    """
    if ids.dtype.kind not in "iu" or ids.size < 2:
        return None
    return _packed_order(ids)


def step_times_ns(units: pd.DataFrame, k: int) -> I64:
    """The ``at_k`` column as int64 nanoseconds."""
    col = units[time_column(k)]
    ns: I64 = col.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)
    return ns


def build_table(
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
    groups, labels = group_codes(units, breakdown)
    n_groups = len(labels)
    level = units["level"].to_numpy().astype(np.int64, copy=False)
    if n_groups == 1:  # every group code is 0: the key is the level itself
        per_level = np.bincount(level, minlength=n_steps + 1)
    else:
        key = groups * (n_steps + 1) + level
        per_level = np.bincount(key, minlength=n_groups * (n_steps + 1))
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
        return step_ns[k] if step_ns is not None else step_times_ns(units, k)

    previous = ns(0) if n_steps else None
    reached = None
    for k in range(1, n_steps):
        current = ns(k)
        # units reaching step k are among those that reached step k - 1
        reached = np.flatnonzero(level > k) if reached is None else reached[level[reached] > k]
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


def breakdown_groups(
    units: pd.DataFrame, breakdown: str | None, limit: int | None = None
) -> list[tuple[Any, pd.DataFrame]]:
    """The units of each breakdown value (the ``limit`` largest only): one mask per kept value."""
    groups, labels = group_codes(units, breakdown)
    return [(label, units[groups == i]) for i, label in enumerate(labels[:limit])]


def time_table(
    units: pd.DataFrame,
    steps: Sequence[str],
    breakdown: str | None,
    unit_name: str,
    *,
    from_start: bool,
) -> pd.DataFrame:
    """Distribution of the time to reach each step after the first (see ``time_to_convert``)."""
    # one grouped pass per step (a handful), never one pass per breakdown value
    groups, labels = group_codes(units, breakdown)
    n_groups, n_later = len(labels), len(steps) - 1
    level = units["level"].to_numpy()
    quantiles = (0.25, 0.5, 0.75, 0.9)
    users = np.zeros((n_groups, n_later), dtype=np.int64)
    stats = np.full((5, n_groups, n_later), np.nan)  # mean, p25, median, p75, p90
    origin = step_times_ns(units, 0) if from_start else None
    for k in range(1, n_later + 1):
        reached = np.flatnonzero(level > k)
        if not reached.size:
            continue
        ref = origin if origin is not None else step_times_ns(units, k - 1)
        delta = (step_times_ns(units, k)[reached] - ref[reached]).astype(float)
        by = pd.Series(delta).groupby(groups[reached])
        users[:, k - 1] = np.bincount(groups[reached], minlength=n_groups)
        mean = by.mean()
        stats[0, mean.index.to_numpy(), k - 1] = mean.to_numpy()
        q = by.quantile(np.array(quantiles)).unstack()
        for i, level_q in enumerate(quantiles, start=1):
            stats[i, q.index.to_numpy(), k - 1] = q[level_q].to_numpy()
    frame = pd.DataFrame(
        {
            "step": pd.Series(list(steps[1:]) * n_groups, dtype="str"),
            unit_name: users.reshape(-1),
        }
    )
    for i, col in enumerate(("mean", "p25", "median", "p75", "p90")):
        frame[col] = pd.to_timedelta(stats[i].reshape(-1), unit="ns").round("s")
    frame = frame[["step", unit_name, "mean", "median", "p25", "p75", "p90"]]
    if breakdown is not None:
        values = pd.Series(np.repeat(np.array(labels, dtype=object), n_later), dtype="object")
        frame.insert(0, breakdown, values)
    return frame


def histogram_table(
    units: pd.DataFrame, k: int, unit_name: str, *, bins: int, from_start: bool
) -> pd.DataFrame:
    """Histogram of the time to reach step ``k`` (>= 1) in ``bins`` equal-width bins."""
    d = durations(units, k, from_start=from_start)
    hours = d.dt.total_seconds().to_numpy() / 3600.0
    if hours.size == 0:
        return pd.DataFrame(
            {
                "bin_start": pd.to_timedelta([], unit="h"),
                "bin_end": pd.to_timedelta([], unit="h"),
                unit_name: np.zeros(0, dtype=np.int64),
            }
        )
    counts, edges = np.histogram(hours, bins=bins)
    return pd.DataFrame(
        {
            "bin_start": pd.to_timedelta(edges[:-1], unit="h").round("s"),
            "bin_end": pd.to_timedelta(edges[1:], unit="h").round("s"),
            unit_name: counts.astype(np.int64),
        }
    )
