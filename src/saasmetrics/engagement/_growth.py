"""growth_accounting(): Tribe Capital's growth accounting of users and revenue, with cohorts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.engagement import (
    cents_day_pairs,
    day_pairs,
    distinct_pairs,
    growth_pairs,
    pair_sums,
)
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import require_columns
from saasmetrics.engagement._common import (
    Activity,
    DayRange,
    calendar_spec,
    day_period,
    day_range,
    load,
    merge_range,
    period_labels,
    ratio,
)
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import InputError, ParameterError
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike

__all__ = ("GrowthAccounting", "growth_accounting")

Measure = Literal["users", "revenue"]
# Amounts are summed in int64 cents (exact, so the revenue identities balance to the cent and
# dask chunks add up to the same totals as one pandas frame); one row may hold at most 2**53
# cents, and int64 period totals of ~1,000 such rows still cannot overflow.
_MAX_AMOUNT = float(2**53) / 100.0


# Below this many currency units, x * 100 * 1e6 stays under 2**53: see _near_cents.
_FAST_AMOUNT = float(2**53) / 1e8
# Below this, x * 100 rounds to cents that fit the 32 bits day_pairs packs them in.
_PACKED_AMOUNT = float(2**32 - 2) / 100.0


def _to_cents(amount: Any) -> Any:
    """Amounts to int64 cents, half a cent away from zero (the rule of ``mrr_bridge``)."""
    scaled = np.round(np.asarray(amount, dtype=np.float64) * 100.0, 6)
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)


def _near_cents(amount: Any) -> Any:
    """:func:`_to_cents` of amounts that all lie within a quarter cent of a whole cent.

    For ``|x| <= _FAST_AMOUNT`` with ``s = x * 100`` and ``r = rint(s)``, ``|s - r| < 0.25``
    puts ``round(s, 6)`` within 0.25 + 1e-6 of ``r``, so rounding half away from zero gives
    ``r`` exactly: four passes over the rows instead of nine. ``None`` when an amount is
    not that close to a cent (then :func:`_to_cents` decides, half cents included).
    """
    scaled = np.multiply(amount, 100.0, dtype=np.float64)
    cents = np.rint(scaled)
    off = np.subtract(scaled, cents, out=scaled)
    if off.size and (float(off.max()) >= 0.25 or float(off.min()) <= -0.25):
        return None
    out = scaled.view(np.int64)  # the offsets are spent: their buffer takes the integers
    np.copyto(out, cents, casting="unsafe")
    return out


def user_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Quick ratio and retention rate of a users growth-accounting table (in place, returned).

    ``quick_ratio = (new + resurrected) / -churned``; ``retention_rate = retained /
    active_{t-1}`` (NaN in the first period).
    """
    table["quick_ratio"] = ratio(table["new"] + table["resurrected"], np.abs(table["churned"]))
    before = table["active"].shift(1).to_numpy(dtype=float)
    table["retention_rate"] = ratio(table["retained"], before)
    return table


def revenue_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Quick ratio, gross and net retention of a revenue growth-accounting table."""
    gains = table["new"] + table["resurrected"] + table["expansion"]
    table["quick_ratio"] = ratio(gains, np.abs(table["churned"] + table["contraction"]))
    before = table["revenue"].shift(1).to_numpy(dtype=float)
    table["gross_retention"] = ratio(table["retained"], before)
    table["net_retention"] = ratio(table["retained"] + table["expansion"], before)
    return table


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class GrowthAccounting(ResultMixin):
    """Growth accounting per period: where this period's active users (and revenue) come from.

    Built by :func:`growth_accounting`. The identities hold for every period ``t`` after the
    first: ``active_t = retained + new + resurrected`` and ``active_{t-1} = retained -
    churned`` (churned is negative); for revenue ``revenue_t = retained + new + resurrected +
    expansion`` and ``revenue_{t-1} = retained - churned - contraction``, exactly in cents
    (``to_frame("revenue", cents=True)``) and to float rounding in currency units.

    Attributes
    ----------
    users : pandas.DataFrame
        ``period``, ``active``, ``retained``, ``new``, ``resurrected``, ``churned``
        (negative), ``quick_ratio``, ``retention_rate``.
    revenue : pandas.DataFrame or None
        With ``value_col``: ``period``, ``revenue``, ``retained``, ``new``, ``resurrected``,
        ``expansion``, ``contraction`` and ``churned`` (both negative), ``quick_ratio``,
        ``gross_retention``, ``net_retention``; amounts in currency units.
    cohorts : pandas.DataFrame
        The layer cake, long: ``period``, ``cohort`` (first active period), ``active``,
        ``retained`` users and, with ``value_col``, ``revenue``, whose cohort is the user's
        first period with revenue (as in the revenue accounting, where a user is new then):
        a user active before paying gives rows with 0 active users and some revenue.
    freq : str
        The period grain.
    value_col : str or None
        The amount column.
    revenue_cents : pandas.DataFrame or None
        :attr:`revenue` in exact int64 cents (``to_frame("revenue", cents=True)``): amounts
        are rounded to the cent once per row and summed as integers, so there the identities
        balance exactly and any row order or dask partitioning gives the same table.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import growth_accounting
    >>> invoices = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-09",
    ...                                  "2024-03-09", "2024-02-20"]),
    ...     "amount": [10.0, 15.0, 20.0, 20.0, 5.0]})
    >>> ga = growth_accounting(invoices, value_col="amount")
    >>> ga.to_frame("users")[["period", "active", "retained", "new", "resurrected", "churned"]]
          period  active  retained  new  resurrected  churned
    0 2024-01-01       2         0    2            0        0
    1 2024-02-01       2         1    1            0       -1
    2 2024-03-01       1         0    0            1       -2
    >>> ga.to_frame()[["period", "revenue", "retained", "new", "expansion", "churned"]]
          period  revenue  retained   new  expansion  churned
    0 2024-01-01     30.0       0.0  30.0        0.0      0.0
    1 2024-02-01     20.0      10.0   5.0        5.0    -20.0
    2 2024-03-01     20.0       0.0   0.0        0.0    -20.0
    """

    users: pd.DataFrame
    revenue: pd.DataFrame | None
    cohorts: pd.DataFrame
    freq: str
    value_col: str | None = None
    revenue_cents: pd.DataFrame | None = None

    def to_frame(self, measure: Measure | None = None, *, cents: bool = False) -> pd.DataFrame:
        """One row per period: the revenue table with ``value_col``, else the users table.

        Parameters
        ----------
        measure : {"users", "revenue"}, optional
            Which table (default revenue when there is one).
        cents : bool, default False
            The revenue table in exact int64 cents: there the identities balance exactly
            (in currency floats they agree to rounding: ``0.1 + 0.2 != 0.3``).

        Returns
        -------
        pandas.DataFrame
            A copy of :attr:`users` or :attr:`revenue`.
        """
        if measure is None:
            measure = "users" if self.revenue is None else "revenue"
        if measure == "revenue":
            if self.revenue is None:
                raise ParameterError("No revenue table: pass value_col= to growth_accounting.")
            if cents:
                if self.revenue_cents is None:
                    raise ParameterError("No cents table in this result (an older JSON file).")
                return self.revenue_cents.copy()
            return self.revenue.copy()
        if measure != "users":
            raise ParameterError(f"measure={measure!r} is not 'users' or 'revenue'.")
        return self.users.copy()

    def layer_cake(self, measure: Measure = "users") -> pd.DataFrame:
        """Active users (or revenue) per period by acquisition cohort: periods x cohorts.

        Parameters
        ----------
        measure : {"users", "revenue"}, default "users"

        Returns
        -------
        pandas.DataFrame
            Indexed by ``period`` (every period, one with no activity too), one column per
            cohort (its first period; for revenue, its first period with revenue); each row
            sums to the period's active users (revenue).
        """
        column = "active" if measure == "users" else "revenue"
        if column not in self.cohorts:
            raise ParameterError("No revenue cohorts: pass value_col= to growth_accounting.")
        rows = self.cohorts
        if measure == "users":  # not the rows of revenue cohorts no user starts in
            rows = rows[rows["active"] != 0]
        wide = rows.pivot(index="period", columns="cohort", values=column)
        wide = wide.reindex(pd.Index(self.users["period"], name="period"))  # gaps: zero rows
        return wide.fillna(0).astype(self.cohorts[column].dtype)

    def _summary(self) -> dict[str, Any]:
        last = self.users.iloc[-1]
        out: dict[str, Any] = {"periods": len(self.users), "freq": self.freq}
        out["active"] = int(last["active"])
        if self.revenue is not None:
            out["revenue"] = round(float(self.revenue["revenue"].iloc[-1]), 2)
        return out

    def plot(self, ax: Any = None, measure: Measure | None = None) -> Any:
        """Growth-accounting bars (gains above zero, losses below) and the quick ratio line.

        Retained, new, resurrected (and expansion) above zero, churned (and contraction)
        below; the quick ratio on the right axis.

        Returns
        -------
        matplotlib.axes.Axes
        """
        table = self.to_frame(measure)
        ax = get_axes(ax)
        x = np.arange(len(table))
        ups = ["retained", "new", "resurrected"] + (["expansion"] if "expansion" in table else [])
        downs = ["churned"] + (["contraction"] if "contraction" in table else [])
        bottom = np.zeros(len(table))
        for i, col in enumerate(ups):
            values = table[col].to_numpy(dtype=float)
            ax.bar(x, values, bottom=bottom, color=PALETTE[i], label=col)
            bottom += values
        below = np.zeros(len(table))
        for i, col in enumerate(downs):
            values = table[col].to_numpy(dtype=float)
            ax.bar(x, values, bottom=below, color=PALETTE[3 + 2 * i], label=col)
            below += values
        ax.axhline(0, color="black", linewidth=0.8)
        right = ax.twinx()
        qr = table["quick_ratio"].replace([np.inf, -np.inf], np.nan).to_numpy(dtype=float)
        right.plot(x, qr, color=PALETTE[7], marker="o", label="quick ratio")
        right.set_ylabel("quick ratio")
        labels = [str(pd.Timestamp(p).date()) for p in table["period"]]
        step = max(1, len(labels) // 12)
        ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
        ax.set_ylabel("revenue" if "revenue" in table else "users")
        ax.set_title("Growth accounting")
        handles, names = ax.get_legend_handles_labels()
        more, more_names = right.get_legend_handles_labels()
        ax.legend(handles + more, names + more_names, fontsize="small")
        return ax

    def plot_layer_cake(self, ax: Any = None, measure: Measure = "users") -> Any:
        """Stacked areas of active users (or revenue) by acquisition cohort.

        Returns
        -------
        matplotlib.axes.Axes
        """
        wide = self.layer_cake(measure)
        ax = get_axes(ax)
        colors = [PALETTE[i % len(PALETTE)] for i in range(wide.shape[1])]
        labels = [str(pd.Timestamp(c).date()) for c in wide.columns]
        ax.stackplot(wide.index, wide.to_numpy(dtype=float).T, colors=colors, labels=labels)
        ax.set_ylabel("revenue" if measure == "revenue" else "active users")
        ax.set_title("Layer cake by acquisition cohort")
        handles, names = ax.get_legend_handles_labels()
        ax.legend(  # newest cohort on top, as stacked
            handles[::-1],
            names[::-1],
            title="cohort",
            fontsize="small",
            ncol=max(1, len(names) // 12 + 1),
        )
        return ax


@dataclass(frozen=True, slots=True)
class _GrowthPartial:
    origin: int
    users: Any  # (5 x periods) int64
    values: Any  # (7 x periods) float64 or None
    cake: Any  # (cohorts x periods) int64: active users
    cake_retained: Any  # (cohorts x periods) int64
    cake_values: Any  # (cohorts x periods) float64 or None


def _pad2(origin: int, a: Any, start: int, size: int) -> Any:
    out = np.zeros((size, size), dtype=a.dtype)
    at = origin - start
    out[at : at + a.shape[0], at : at + a.shape[1]] = a
    return out


def _merge(a: _GrowthPartial, b: _GrowthPartial) -> _GrowthPartial:
    if a.origin != b.origin or a.users.shape != b.users.shape:
        start = min(a.origin, b.origin)
        stop = max(a.origin + a.users.shape[1], b.origin + b.users.shape[1])
        a, b = (_repad(x, start, stop - start) for x in (a, b))

    def add(x: Any, y: Any) -> Any:
        return None if x is None else x + y

    return _GrowthPartial(
        a.origin,
        a.users + b.users,
        add(a.values, b.values),
        a.cake + b.cake,
        a.cake_retained + b.cake_retained,
        add(a.cake_values, b.cake_values),
    )


def _repad(p: _GrowthPartial, start: int, size: int) -> _GrowthPartial:
    def pad1(a: Any) -> Any:
        if a is None:
            return None
        out = np.zeros((a.shape[0], size), dtype=a.dtype)
        out[:, p.origin - start : p.origin - start + a.shape[1]] = a
        return out

    def pad2(a: Any) -> Any:
        return None if a is None else _pad2(p.origin, a, start, size)

    return _GrowthPartial(
        start,
        pad1(p.users),
        pad1(p.values),
        pad2(p.cake),
        pad2(p.cake_retained),
        pad2(p.cake_values),
    )


def growth_accounting(
    frame: EventLog | FrameLike,
    *,
    freq: str = "MS",
    value_col: str | None = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    partitioned_by: str | None = None,
) -> GrowthAccounting:
    """Growth accounting (Tribe Capital / Social Capital): active users and revenue decomposed.

    Users (any actor: ``user_col`` may be an account) are active in a period when they have
    a row in it. For every period: **new** (first active period ever), **retained** (active
    in the previous period too), **resurrected** (active before, not in the previous
    period) and **churned** (active in the previous period, not now; negative). With
    ``value_col`` the same accounting of the amount (revenue), per user and period: retained
    ``min(now, before)``, **expansion** ``max(now - before, 0)``, **contraction**
    ``-max(before - now, 0)``; a user is active in the revenue accounting when their period
    total is non-zero. The first period of the data has no history: everyone in it is new.

    Parameters
    ----------
    frame : EventLog, DataFrame-like or dask DataFrame
        Events or revenue rows (invoices, payments, MRR snapshots); an event column is not
        needed.
    freq : str, default "MS"
        ``"D"``, ``"W"`` (Monday-Sunday weeks), ``"W-SAT"``, ``"MS"``, ``"QS"``, ``"YS"``.
    value_col : str, optional
        An amount column: adds the revenue accounting and revenue cohorts.
    user_col, time_col : str
        Column roles.
    event_col : str or None, default "event"
        Never read: every row counts, a row with a null event name too (kept for the
        same call signature as the other analyses; ``None`` is accepted).
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column.

    Returns
    -------
    GrowthAccounting
        ``to_frame()`` (revenue with ``value_col``, else users), ``to_frame("users")``,
        ``layer_cake()`` and the plots.

    Raises
    ------
    MissingColumnError
        A missing user, time or value column.
    InputError
        Missing amounts, or a negative period total for a user (the message names one).

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.engagement import growth_accounting
    >>> events = pd.DataFrame({
    ...     "user_id": ["a", "a", "b", "c", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-03", "2024-02-03", "2024-01-04",
    ...                                  "2024-01-05", "2024-03-05"]),
    ...     "event": "login"})
    >>> growth_accounting(events).to_frame()[["period", "active", "retained", "new",
    ...                                       "resurrected", "churned", "quick_ratio"]]
          period  active  retained  new  resurrected  churned  quick_ratio
    0 2024-01-01       3         0    3            0        0          inf
    1 2024-02-01       1         1    0            0       -2          0.0
    2 2024-03-01       1         0    0            1       -1          1.0
    """
    plan = _growth_analysis(
        freq=freq, value_col=value_col, user_col=user_col, time_col=time_col, event_col=event_col
    )
    return run(plan, frame, partitioned_by=partitioned_by)


@register(growth_accounting)
def _growth_analysis(
    *,
    freq: str = "MS",
    value_col: str | None = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
) -> Analysis[_GrowthPartial, GrowthAccounting]:
    """growth_accounting as partial / merge / finalize: per-period sums add across chunks."""
    grain = calendar_spec("freq", freq)
    if value_col is not None and value_col in (user_col, time_col):
        raise ParameterError(f"value_col={value_col!r} is the user or time column.")
    props = [] if value_col is None else [value_col]

    def prepare(data: EventLog | FrameLike) -> Activity:
        if not isinstance(data, EventLog):
            data = to_pandas(data, name="frame")
            require_columns(
                data,
                {"user_col": user_col, "time_col": time_col, "value_col": value_col},
                optional=("value_col",),
            )
        return load(
            data,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            properties=props,
            needs_event=False,
        )

    def amounts(log: Activity) -> tuple[Any, bool]:
        """Row amounts in int64 cents, and whether they all lie in ``0 .. 2**32 - 1``."""
        raw = log.values[value_col]  # type: ignore[index]
        if raw.dtype == np.float64:
            values = raw.to_numpy()  # read only: no copy of the caller's column
        else:
            values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        if values.size:
            low, high = float(values.min()), float(values.max())
            if low >= -_FAST_AMOUNT and high <= _FAST_AMOUNT:
                cents = _near_cents(values)  # no NaN, nothing huge: the common case
                if cents is not None:
                    return cents, low >= 0 and high < _PACKED_AMOUNT
        bad = np.isnan(values)
        if bad.any():
            example = raw[bad].iloc[0]
            raise InputError(
                f"{int(bad.sum()):,} rows of {value_col!r} are missing or not numbers "
                f"(e.g. {example!r}).",
                hint="fill or drop them; growth accounting needs every amount.",
            )
        huge = np.abs(values) > _MAX_AMOUNT
        if huge.any():
            raise InputError(
                f"{int(huge.sum()):,} rows of {value_col!r} exceed {_MAX_AMOUNT:,.0f} "
                f"(e.g. {values[huge][0]!r}): amounts are summed in exact integer cents.",
                hint="express the amounts in a larger currency unit (thousands).",
            )
        return _to_cents(values), False

    def pairs(log: Activity, grain_first: int, context: DayRange) -> tuple[Any, Any, Any]:
        """Distinct (user, period) pairs sorted by user then period, with their cents."""
        table = None
        if not log.ordered and len(log):
            # a frame's rows: the period of each day from a table, one sort of one key per row
            lo = 0 if context.first >= 0 and context.last <= 4 * len(log) + 2**16 else None
            if lo is None and context.last - context.first <= 4 * len(log) + 2**16:
                lo = context.first
            if lo is not None:
                table = day_period(np.arange(lo, context.last + 1), grain, grain_first)
                days = log.days if lo == 0 else log.days - lo
        if value_col is None:
            if table is not None:
                found = day_pairs(log.user_codes, log.n_users, days, table)
                if found is not None:
                    return found
            return (*distinct_pairs(log.user_codes, day_period(log.days, grain, grain_first)), None)
        if table is not None:
            raw = log.values[value_col]
            if raw.dtype == np.float64:  # the common case: cents while packing the keys
                found = cents_day_pairs(log.user_codes, log.n_users, days, table, raw.to_numpy())
                if found is not None:
                    return found
        cents, packable = amounts(log)
        if table is not None and packable:
            found = day_pairs(log.user_codes, log.n_users, days, table, cents)
            if found is not None:
                return found
        return pair_sums(log.user_codes, day_period(log.days, grain, grain_first), cents)

    def partial(log: Activity, context: DayRange) -> _GrowthPartial:
        first, last = (int(p) for p in day_period(np.array([context.first, context.last]), grain))
        n = last - first + 1
        u, p, v = pairs(log, first, context)
        if v is not None and v.size and int(v.min()) < 0:
            negative = v < 0
            i = int(np.flatnonzero(negative)[0])
            raise InputError(
                f"{int(negative.sum()):,} (user, period) totals of {value_col!r} are "
                f"negative, e.g. user {log.users[u[i]]!r}: {v[i] / 100:.2f}.",
                hint="growth accounting needs non-negative revenue per user and period.",
            )
        counts = growth_pairs(u, p, n, v)
        return _GrowthPartial(
            first,
            counts.users,
            counts.values,
            counts.cake,
            counts.cake_retained,
            counts.cake_values,
        )

    def finalize(part: _GrowthPartial, _context: DayRange) -> GrowthAccounting:
        n = part.users.shape[1]
        labels = period_labels(np.arange(part.origin, part.origin + n), grain)
        active, retained, new, resurrected, churned = (part.users[i] for i in range(5))
        users = pd.DataFrame(
            {
                "period": labels,
                "active": active.astype(np.int64),
                "retained": retained.astype(np.int64),
                "new": new.astype(np.int64),
                "resurrected": resurrected.astype(np.int64),
                "churned": -churned.astype(np.int64),
            }
        )
        user_ratios(users)
        revenue = revenue_cents = None
        if part.values is not None:
            names = ("revenue", "retained", "new", "resurrected", "expansion")
            revenue_cents = pd.DataFrame({"period": labels})
            for i, name in enumerate(names):
                revenue_cents[name] = part.values[i].astype(np.int64)
            revenue_cents["contraction"] = -part.values[5].astype(np.int64)
            revenue_cents["churned"] = -part.values[6].astype(np.int64)
            revenue = revenue_cents.copy()
            for name in (*names, "contraction", "churned"):
                revenue[name] = revenue_cents[name].to_numpy(dtype=np.float64) / 100.0
            revenue = revenue_ratios(revenue)
            revenue_cents = revenue_ratios(revenue_cents)
        shown = part.cake != 0
        if part.cake_values is not None:  # a user's first revenue may follow their first activity
            shown |= part.cake_values != 0
        c_idx, p_idx = np.nonzero(shown)
        cohorts = pd.DataFrame(
            {
                "period": labels[p_idx],
                "cohort": labels[c_idx],
                "active": part.cake[c_idx, p_idx].astype(np.int64),
                "retained": part.cake_retained[c_idx, p_idx].astype(np.int64),
            }
        )
        if part.cake_values is not None:
            cohorts["revenue"] = part.cake_values[c_idx, p_idx].astype(np.float64) / 100.0
        cohorts = cohorts.sort_values(["period", "cohort"], kind="stable").reset_index(drop=True)
        return GrowthAccounting(
            users=users,
            revenue=revenue,
            cohorts=cohorts,
            freq=grain.freq,
            value_col=value_col,
            revenue_cents=revenue_cents,
        )

    return Analysis(
        name="growth_accounting",
        keys=(user_col,),
        prepare=prepare,
        partial=partial,
        merge=_merge,
        finalize=finalize,
        context=day_range,
        merge_context=merge_range,
    )
