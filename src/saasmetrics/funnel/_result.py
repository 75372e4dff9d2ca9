"""FunnelResult: a funnel's counted units and tables, with times, user ids, comparisons, plots."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd

from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_float, normalize_ids
from saasmetrics.exceptions import ParameterError, SmallSampleWarning
from saasmetrics.funnel._compare import compare_levels
from saasmetrics.funnel._plots import plot_funnel, plot_time_to_convert
from saasmetrics.funnel._tables import (
    build_table,
    canonical_order,
    check_time_step,
    histogram_table,
    step_index,
    step_times_ns,
    time_column,
    time_table,
)

__all__ = ("FunnelResult",)


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
        table: pd.DataFrame = build_table(self.units, self.steps, None, self._unit_name)
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
        return time_table(
            self.units, self.steps, self.breakdown, self._unit_name, from_start=from_start
        )

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
        k, n_bins = check_time_step(self.steps, step, bins)
        return histogram_table(self.units, k, self._unit_name, bins=n_bins, from_start=from_start)

    @classmethod
    def concat(cls, results: Sequence[FunnelResult]) -> FunnelResult:
        """Combine funnels computed on disjoint sets of users (partitions of one data set).

        Funnels are per user, so a funnel over all users is the union of the funnels over
        partitions of them (e.g. one per Dask partition, split by user): the counted units are
        concatenated, put in id order (then step-1 time) and the tables rebuilt.

        Ids that mix numbers and text are read as text, as one funnel over all the events
        reads them. A part sees only its own ids, though: when the text ids belong to users
        who entered no funnel, the numbers stay numbers (and sort as numbers). Give mixed ids
        one type (e.g. ``astype(str)``) before partitioning.

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
        # a part whose ids are all numbers kept them as numbers; one funnel over all the
        # events reads ids mixing numbers and text as text: so does the combination
        units["user"] = normalize_ids(units["user"], column="user")
        if first.count == "users" and units["user"].duplicated().any():
            raise ParameterError(
                "The same user appears in several results; concat() needs disjoint users.",
                hint="partition the events by user before computing the funnels.",
            )
        # in id order (then step-1 time), as one funnel over all the events has them
        order = canonical_order(units, step_times_ns(units, 0) if len(units) else None)
        units = units.take(order).reset_index(drop=True)
        table = build_table(units, first.steps, first.breakdown, first._unit_name)
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
        k = step_index(self.steps, step)
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
        k = step_index(self.steps, step)
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
        table = compare_levels(self.steps, la, lb, confidence_level)
        if min(la.size, lb.size) < 30:
            warnings.warn(
                f"compare({a!r}, {b!r}) rests on {min(la.size, lb.size)} users in the smaller "
                "group; the test and interval are approximate.",
                SmallSampleWarning,
                stacklevel=2,
            )
        return table

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
        return plot_funnel(self, ax, max_values=int(kwargs.pop("max_values", 6)))

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
        k, n_bins = check_time_step(self.steps, step, bins)
        return plot_time_to_convert(self, k, ax, bins=n_bins, from_start=from_start)

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
        for col in ("median_time_to_convert", "mean_time_to_convert"):
            table[col] = table[col].dt.as_unit("ns")
        units = fields["units"]
        for k in range(len(fields["steps"])):
            units[time_column(k)] = units[time_column(k)].dt.as_unit("ns")  # JSON gives "us"
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


def _fmt_window(td: pd.Timedelta) -> str:
    """Short label of a duration: '7D', '12h', '30min', else pandas' own text."""
    for unit, label in (("1D", "D"), ("1h", "h"), ("1min", "min"), ("1s", "s")):
        size = pd.Timedelta(unit)
        if td % size == pd.Timedelta(0):
            return f"{td // size}{label}"
    return str(td)
