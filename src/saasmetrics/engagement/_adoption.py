"""feature_adoption(): breadth, depth and first use of features per period."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from saasmetrics._kernels.engagement import distinct_pairs
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics.engagement._common import (
    Activity,
    DayRange,
    align_add,
    calendar_spec,
    check_event_col,
    day_period,
    day_range,
    event_codes,
    event_list,
    load,
    merge_range,
    period_labels,
    ratio,
)
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import DataQualityWarning, ParameterError
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike

__all__ = ("FeatureAdoption", "feature_adoption")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class FeatureAdoption(ResultMixin):
    """Per feature and period: how many active users used it, how much, and who is new to it.

    Built by :func:`feature_adoption`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (feature, period): ``feature``, ``period``, ``active_users`` (users with
        any event in the period), ``adopters`` (users with a feature event), ``breadth``
        (adopters / active users), ``uses`` (feature events), ``depth`` (uses per adopter),
        ``new_adopters`` (first feature use ever in the period) and ``cumulative_adopters``.
    freq : str
        The period grain.
    features : tuple of str
        Feature names, in the order given.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import feature_adoption
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "a", "b", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-02-01",
    ...                                  "2024-01-05", "2024-02-07"]),
    ...     "event": ["export", "export", "login", "login", "export"]})
    >>> feature_adoption(events, ["export"]).to_frame()[
    ...     ["feature", "period", "active_users", "adopters", "breadth", "depth", "new_adopters"]]
      feature     period  active_users  adopters  breadth  depth  new_adopters
    0  export 2024-01-01             2         1      0.5    2.0             1
    1  export 2024-02-01             2         1      0.5    1.0             1
    """

    table: pd.DataFrame
    freq: str
    features: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per (feature, period); see the class attributes for the columns."""
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        periods = self.table["period"].nunique()
        return {"features": len(self.features), "periods": int(periods), "freq": self.freq}

    def plot(self, ax: Any = None) -> Any:
        """Breadth (share of active users) of each feature over time, one line per feature.

        Returns
        -------
        matplotlib.axes.Axes
        """
        ax = get_axes(ax)
        for i, name in enumerate(self.features):
            rows = self.table[self.table["feature"] == name]
            ax.plot(rows["period"], rows["breadth"], color=PALETTE[i % len(PALETTE)], label=name)
        ax.set_ylabel("share of active users")
        ax.set_title("Feature adoption (breadth)")
        ax.legend()
        return ax


@dataclass(frozen=True, slots=True)
class _AdoptionPartial:
    origin: int
    counts: Any  # (1 + 3F) x periods int64: active, then adopters, uses, new per feature
    found: tuple[bool, ...]


def _merge(a: _AdoptionPartial, b: _AdoptionPartial) -> _AdoptionPartial:
    origin, counts = align_add(a.origin, a.counts, b.origin, b.counts)
    found = tuple(x or y for x, y in zip(a.found, b.found, strict=True))
    return _AdoptionPartial(origin, counts, found)


def _features(features: Any) -> list[tuple[str, tuple[Any, ...]]]:
    if isinstance(features, Mapping):
        items = [(str(k), event_list(f"features[{k!r}]", v)) for k, v in features.items()]
    elif isinstance(features, str) or not isinstance(features, Sequence):
        items = [(str(features), (features,))]
    else:
        items = [(str(f), (f,)) for f in features]
    if not items:
        raise ParameterError(
            "features needs at least one feature.",
            hint="pass event names, or a mapping {feature: event or list of events}.",
        )
    names = [n for n, _ in items]
    if len(set(names)) != len(names):
        raise ParameterError(f"Feature names must be unique; got {names!r}.")
    return items


def feature_adoption(
    events: EventLog | FrameLike,
    features: Any,
    *,
    freq: str = "MS",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    partitioned_by: str | None = None,
) -> FeatureAdoption:
    """Breadth, depth and first use of each feature, per period.

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        The events.
    features : str, list of str or mapping of str to event(s)
        Each feature is an event name, or a name for a group of events (``{"reports":
        ["export_csv", "export_pdf"]}``).
    freq : str, default "MS"
        ``"D"``, ``"W"`` (Monday-Sunday weeks), ``"W-SAT"``, ``"MS"``, ``"QS"``, ``"YS"``.
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column.

    Returns
    -------
    FeatureAdoption
        ``to_frame()``: one row per (feature, period).

    Warns
    -----
    DataQualityWarning
        For a feature none of whose events occurs (its rows are 0).

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import feature_adoption
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-05",
    ...                                  "2024-01-09"]),
    ...     "event": ["export_csv", "export_pdf", "login", "export_pdf"]})
    >>> result = feature_adoption(events, {"export": ["export_csv", "export_pdf"]})
    >>> result.to_frame()[["feature", "active_users", "adopters", "uses", "depth"]]
      feature  active_users  adopters  uses  depth
    0  export             3         2     3    1.5
    """
    plan = _adoption_analysis(
        features=features, freq=freq, user_col=user_col, time_col=time_col, event_col=event_col
    )
    return run(plan, events, partitioned_by=partitioned_by)


@register(feature_adoption)
def _adoption_analysis(
    *,
    features: Any,
    freq: str = "MS",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> Analysis[_AdoptionPartial, FeatureAdoption]:
    """feature_adoption as partial / merge / finalize: per-period counts add across chunks."""
    items = _features(features)
    grain = calendar_spec("freq", freq)
    check_event_col(event_col, features=features)

    def prepare(data: EventLog | FrameLike) -> Activity:
        return load(data, user_col=user_col, time_col=time_col, event_col=event_col)

    def partial(log: Activity, context: DayRange) -> _AdoptionPartial:
        first, last = (int(p) for p in day_period(np.array([context.first, context.last]), grain))
        n = last - first + 1
        periods = day_period(log.days, grain, first)
        users = np.asarray(log.user_codes, dtype=np.int64)
        _, p = distinct_pairs(users, periods)
        rows = [np.bincount(p, minlength=n)]
        found = []
        for _, names in items:
            codes, flags = event_codes(log, names)
            found.append(any(flags))
            mask = np.isin(log.event_codes, codes)
            fu, fp = distinct_pairs(users[mask], periods[mask])
            starts = np.ones(fu.size, dtype=bool)
            starts[1:] = fu[1:] != fu[:-1]
            rows.append(np.bincount(fp, minlength=n))
            rows.append(np.bincount(periods[mask], minlength=n))
            rows.append(np.bincount(fp[starts], minlength=n))
        return _AdoptionPartial(first, np.stack(rows).astype(np.int64), tuple(found))

    def finalize(part: _AdoptionPartial, _context: DayRange) -> FeatureAdoption:
        for (name, names), found in zip(items, part.found, strict=True):
            if not found:
                warnings.warn(
                    f"The feature {name!r} never occurs: none of its events {list(names)!r} "
                    "is in the data; its rows are 0.",
                    DataQualityWarning,
                    stacklevel=5,
                )
        n = part.counts.shape[1]
        labels = period_labels(np.arange(part.origin, part.origin + n), grain)
        active = part.counts[0]
        frames = []
        for i, (name, _) in enumerate(items):
            adopters, uses, new = part.counts[1 + 3 * i : 4 + 3 * i]
            frames.append(
                pd.DataFrame(
                    {
                        "feature": pd.Series([name] * n, dtype="str"),
                        "period": labels,
                        "active_users": active,
                        "adopters": adopters,
                        "breadth": np.where(active > 0, ratio(adopters, active), np.nan),
                        "uses": uses,
                        "depth": np.where(adopters > 0, ratio(uses, adopters), np.nan),
                        "new_adopters": new,
                        "cumulative_adopters": np.cumsum(new),
                    }
                )
            )
        table = pd.concat(frames, ignore_index=True)
        return FeatureAdoption(table=table, freq=grain.freq, features=tuple(n for n, _ in items))

    return Analysis(
        name="feature_adoption",
        keys=(user_col,),
        prepare=prepare,
        partial=partial,
        merge=_merge,
        finalize=finalize,
        context=day_range,
        merge_context=merge_range,
    )
