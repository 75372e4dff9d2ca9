"""Revenue cohorts: MRR, customers, NRR, GRR and logo retention by acquisition cohort and age."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.periods import calendar_period, period_start_ns
from saasmetrics._kernels.revenue_cohorts import CohortSums, cohort_age_sums
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_choice, parse_timestamps, require_columns
from saasmetrics.exceptions import EmptyDataError, InputError, MissingColumnError, ParameterError
from saasmetrics.typing import FrameLike, Freq, OnInvalid
from saasmetrics.unit_economics._policy import MRRPolicy
from saasmetrics.unit_economics._subscriptions import PreparedSubscriptions, prepare_subscriptions

__all__ = ("RevenueCohorts", "revenue_cohorts")

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Metric = Literal["nrr", "grr", "logo", "mrr", "customers"]
_METRIC_COLUMN = {
    "nrr": "nrr",
    "grr": "grr",
    "logo": "logo_retention",
    "mrr": "mrr",
    "customers": "customers",
}


# --------------------------------------------------------------------------- shared machinery
def customer_values(
    prep: PreparedSubscriptions,
    column: str,
    *,
    customers: FrameLike | None,
    customers_key: str | None,
    customer_col: str,
    role: str,
) -> pd.Series:
    """One value of ``column`` per customer code (aligned with ``prep.uniques``).

    From ``customers`` (a frame keyed by customer id) when given, else from the data: the
    value on the customer's earliest kept row.
    """
    n = len(prep.uniques)
    if customers is not None:
        table = to_pandas(customers, name="customers")
        key = customers_key
        if key is not None:
            require_columns(table, {"customers_key": key})
        else:
            key = next(
                (k for k in (customer_col, "account_id", "customer_id") if k in table.columns),
                None,
            )
        if key is None or key not in table.columns:
            raise MissingColumnError.from_names(
                [customers_key or customer_col], available=table.columns, role="customers_key"
            )
        require_columns(table, {role: column})
        if table[key].duplicated().any():
            dup = table.loc[table[key].duplicated(), key].iloc[0]
            raise InputError(
                f"customers has {int(table[key].duplicated().sum())} duplicated ids in "
                f"{key!r} (e.g. {dup!r}); one row per customer is needed.",
                hint="drop duplicates first.",
            )
        pos = pd.Index(table[key]).get_indexer(pd.Index(prep.uniques))
        if (pos < 0).any():
            missing = pd.Index(prep.uniques)[pos < 0]
            raise InputError(
                f"{int((pos < 0).sum())} customers of the subscriptions are not in customers "
                f"(column {key!r}), e.g. {missing[:3].tolist()!r}.",
                hint="pass a customers table covering every subscription customer.",
            )
        return pd.Series(table[column].to_numpy()[pos], name=column)
    if column not in prep.frame.columns:
        raise MissingColumnError.from_names([column], available=prep.frame.columns, role=role)
    values = prep.frame[column].to_numpy()[prep.keep]
    order = np.lexsort((prep.start_ns, prep.codes))
    codes = prep.codes[order]
    head = np.r_[True, codes[1:] != codes[:-1]] if codes.size else np.zeros(0, dtype=bool)
    out = np.full(n, None, dtype=object)
    out[codes[head]] = values[order][head]
    return pd.Series(out, name=column)


@dataclass(frozen=True, slots=True)
class CohortGrid:
    """Sums per (group, cohort) cell and age, with the labels and observation masks."""

    sums: CohortSums
    sizes: I64
    groups: list[Any]
    cohorts: pd.DatetimeIndex
    n_groups: int
    n_cohorts: int
    n_ages: int
    observed: npt.NDArray[np.bool_]
    complete: npt.NDArray[np.bool_]
    cohort_offset: I64  # per cell: cohort period index (relative to the first period)
    cell_of_customer: I64
    cohort_of_customer: I64


def cohort_grid(
    prep: PreparedSubscriptions,
    *,
    cohort: str = "first_paid",
    groups: pd.Series | None = None,
    customers: FrameLike | None = None,
    customers_key: str | None = None,
    customer_col: str = "customer_id",
) -> CohortGrid:
    """Cohort each customer, cross with ``groups``, and sum per (cell, age)."""
    cp = prep.change_points()
    n_customers = len(prep.uniques)
    has_cp = np.zeros(n_customers, dtype=bool)
    has_cp[cp.customer] = True
    if cohort == "first_paid":
        first_cp = np.r_[True, cp.customer[1:] != cp.customer[:-1]] if cp.customer.size else []
        cohort_of = np.full(n_customers, -(2**40), dtype=np.int64)
        cohort_of[cp.customer[first_cp]] = cp.period[first_cp]
        assigned = has_cp
    else:
        dates = customer_values(
            prep,
            cohort,
            customers=customers,
            customers_key=customers_key,
            customer_col=customer_col,
            role="cohort",
        )
        known = dates.notna().to_numpy()
        ns = np.zeros(n_customers, dtype=np.int64)
        if known.any():
            parsed = parse_timestamps(pd.Series(dates[known].to_numpy(), name=cohort))
            ns[known] = parsed.ns
        cohort_of = np.where(known, calendar_period(ns, prep.spec) - prep.p0, -(2**40))
        assigned = known & has_cp & (cohort_of < prep.n_periods)
        if (has_cp & ~known).any():
            raise InputError(
                f"{int((has_cp & ~known).sum())} paying customers have no {cohort!r} date.",
                hint="fill the cohort dates, or use cohort='first_paid'.",
            )
    if not assigned.any():
        raise EmptyDataError("No paying customer to put in a cohort.")
    c_min = int(cohort_of[assigned].min())
    c_max = int(cohort_of[assigned].max())
    n_cohorts = c_max - c_min + 1
    n_ages = prep.n_periods - c_min
    if groups is None:
        group_labels: list[Any] = [None]
        group_code = np.zeros(n_customers, dtype=np.int64)
    else:
        missing = assigned & groups.isna().to_numpy()
        if missing.any():
            raise InputError(
                f"{int(missing.sum())} customers have no {groups.name!r} value, e.g. "
                f"{pd.Index(prep.uniques)[missing][:3].tolist()!r}.",
                hint=f"fill the {groups.name!r} column (e.g. with 'unknown').",
            )
        codes, uniques = pd.factorize(groups.where(assigned, None), sort=True)
        group_labels = list(uniques)
        group_code = codes.astype(np.int64)
    n_groups = len(group_labels)
    cell = np.where(assigned, group_code * n_cohorts + (cohort_of - c_min), -1).astype(np.int64)
    sums = cohort_age_sums(
        cp, cell, cohort_of, n_cells=n_groups * n_cohorts, n_periods=prep.n_periods, n_ages=n_ages
    )
    sizes = np.bincount(cell[cell >= 0], minlength=n_groups * n_cohorts).astype(np.int64)
    offset = np.tile(np.arange(c_min, c_max + 1, dtype=np.int64), n_groups)
    period = offset[:, None] + np.arange(n_ages)[None, :]
    last = prep.n_periods - 1
    observed = period <= last
    complete = (period < last) | ((period == last) & prep.last_complete)
    starts = period_start_ns(np.arange(c_min, c_max + 1, dtype=np.int64) + prep.p0, prep.spec)
    return CohortGrid(
        sums=sums,
        sizes=sizes,
        groups=group_labels,
        cohorts=pd.DatetimeIndex(starts.view("datetime64[ns]"), name="cohort"),
        n_groups=n_groups,
        n_cohorts=n_cohorts,
        n_ages=n_ages,
        observed=observed,
        complete=complete,
        cohort_offset=offset,
        cell_of_customer=cell,
        cohort_of_customer=cohort_of,
    )


def _safe_div(num: F64, den: F64) -> F64:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: F64 = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class RevenueCohorts(ResultMixin):
    """Revenue by acquisition cohort and age: MRR, paying customers, NRR, GRR, logo retention.

    Attributes
    ----------
    table : pandas.DataFrame
        The long layout of :meth:`to_frame`.
    sizes : pandas.Series
        Customers per cohort (indexed by cohort, or by group and cohort).
    freq : str
        Period grain.
    by : str or None
        The breakdown column, if any.
    cohort : str
        How cohorts were formed (``"first_paid"`` or the date column).
    n_customers : int
        Customers in the cohorts.
    n_intra_period : int
        Paying customers never active at a period end (in no cohort; see
        :func:`mrr_bridge`).

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> company = make_saas_company(300, seed=1, months=6)
    >>> revenue_cohorts(company.subscriptions, as_of=company.as_of)  # doctest: +ELLIPSIS
    RevenueCohorts(cohorts=..., periods=6, customers=..., freq='MS', by=None)
    """

    table: pd.DataFrame
    sizes: pd.Series
    freq: str
    by: str | None
    cohort: str
    n_customers: int
    n_intra_period: int

    def to_frame(self) -> pd.DataFrame:
        """One row per cohort (and group) and age observed so far.

        Returns
        -------
        pandas.DataFrame
            Columns (after the ``by`` column when there is one): ``cohort``, ``period``,
            ``age``, ``customers`` (paying), ``mrr``, ``nrr`` and ``grr`` (MRR over the
            cohort's MRR at age 0; GRR caps each customer at their age-0 MRR),
            ``logo_retention`` (paying customers over the cohort's size) and ``complete``
            (False in a period cut short by ``as_of``: its MRR is the MRR at ``as_of``,
            its rates NaN).
        """
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        return {
            "cohorts": int(self.table["cohort"].nunique()),
            "periods": int(self.table["period"].nunique()),
            "customers": self.n_customers,
            "freq": self.freq,
            "by": self.by,
        }

    def pivot(self, metric: Metric = "nrr") -> pd.DataFrame:
        """Cohort x age table of one metric; cells not yet observed (or incomplete) are NaN.

        Parameters
        ----------
        metric : {"nrr", "grr", "logo", "mrr", "customers"}, default "nrr"
            What to show.

        Returns
        -------
        pandas.DataFrame
            Rows: cohorts (group and cohort with ``by``); columns: ages.

        Examples
        --------
        >>> from saasmetrics.datasets import make_saas_company
        >>> company = make_saas_company(300, seed=1, months=6)
        >>> table = revenue_cohorts(company.subscriptions, as_of=company.as_of).pivot("logo")
        >>> table.iloc[0, 0], bool(table.iloc[-1, 1:].isna().all())
        (np.float64(1.0), True)
        """
        check_choice("metric", metric, tuple(_METRIC_COLUMN))
        column = _METRIC_COLUMN[metric]
        rows = [self.by, "cohort"] if self.by else ["cohort"]
        values = self.table[column].astype(np.float64)
        if metric in ("mrr", "customers"):
            values = values.where(self.table["complete"])
        frame = self.table[[*rows, "age"]].assign(value=values)
        wide = frame.pivot_table(index=rows, columns="age", values="value", dropna=False)
        wide.columns.name = "age"
        return wide.reindex(columns=range(int(self.table["age"].max()) + 1))

    def curve(self, metric: Literal["nrr", "grr", "logo"] = "nrr") -> pd.Series | pd.DataFrame:
        r"""The curve pooled over the cohorts that completed each age.

        For age $k$, over the cohorts $c$ whose period $k$ is complete:
        $\sum_c \text{MRR}_{c,k} / \sum_c \text{MRR}_{c,0}$ (NRR; capped MRR for GRR;
        customers over cohort sizes for logo retention).

        Parameters
        ----------
        metric : {"nrr", "grr", "logo"}, default "nrr"
            Which retention.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            By age; with ``by``, one column per group.

        Examples
        --------
        >>> from saasmetrics.datasets import make_saas_company
        >>> company = make_saas_company(300, seed=1, months=6)
        >>> curve = revenue_cohorts(company.subscriptions, as_of=company.as_of).curve("logo")
        >>> float(curve.iloc[0]), bool((curve <= 1).all())
        (1.0, True)
        """
        check_choice("metric", metric, ("nrr", "grr", "logo"))
        keys = self._cell_keys()
        t = self.table[self.table["complete"]]
        base = self.table.loc[self.table["age"] == 0, [*keys, "mrr"]].rename(
            columns={"mrr": "base"}
        )
        sizes = self.sizes.rename("size").reset_index()
        t = t.merge(base, on=keys, how="left").merge(sizes, on=keys, how="left")
        if metric == "logo":
            num, den = t["customers"].astype(np.float64), t["size"].astype(np.float64)
        else:
            num = t["mrr"] if metric == "nrr" else t["grr"] * t["base"]
            den = t["base"]
        group = [self.by] if self.by else []
        frame = pd.DataFrame({"age": t["age"], "num": num, "den": den})
        for k in group:
            frame[k] = t[k]
        sums = frame.groupby([*group, "age"], sort=True)[["num", "den"]].sum()
        values = sums["num"] / sums["den"].where(sums["den"] > 0)
        if not group:
            return values.rename(metric)
        return values.unstack(0)

    def _cell_keys(self) -> list[str]:
        return [self.by, "cohort"] if self.by else ["cohort"]

    def plot(
        self,
        ax: Any = None,
        *,
        kind: Literal["heatmap", "curves"] = "heatmap",
        metric: Literal["nrr", "grr", "logo"] = "nrr",
        annotate: bool | None = None,
    ) -> Any:
        """Heatmap of a retention metric by cohort and age, or the cohorts' curves.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        kind : {"heatmap", "curves"}, default "heatmap"
            The cohort x age heatmap, or one line per cohort (light = older) with the pooled
            curve in black; with ``by``, the pooled curve of each group.
        metric : {"nrr", "grr", "logo"}, default "nrr"
            What to draw.
        annotate : bool, optional
            Print each heatmap cell (default: at most 24 x 24 cells).

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        >>> from saasmetrics.datasets import make_saas_company
        >>> company = make_saas_company(300, seed=1, months=6)
        >>> res = revenue_cohorts(company.subscriptions, as_of=company.as_of)
        >>> res.plot(kind="curves").get_ylabel()
        'NRR'
        """
        check_choice("kind", kind, ("heatmap", "curves"))
        check_choice("metric", metric, ("nrr", "grr", "logo"))
        label = {"nrr": "NRR", "grr": "GRR", "logo": "logo retention"}[metric]
        if kind == "curves":
            ax = get_axes(ax)
            if self.by is None:
                import matplotlib as mpl

                wide = self.pivot(metric)
                cmap = mpl.colormaps["Blues"]
                n = len(wide)
                for i, (cohort, row) in enumerate(wide.iterrows()):  # a line per cohort
                    shade = cmap(0.3 + 0.6 * i / max(n - 1, 1))
                    stamp = pd.Timestamp(cast("Any", cohort))
                    name = str(stamp.date()) if i in (0, n - 1) else None
                    ax.plot(row.index, row.to_numpy(), color=shade, lw=1, label=name)
                pooled = self.curve(metric)
                ax.plot(pooled.index, pooled.to_numpy(), color="black", lw=2.2, label="pooled")
            else:
                pooled_by = self.curve(metric)
                for i, name in enumerate(pooled_by.columns):
                    ax.plot(
                        pooled_by.index,
                        pooled_by[name].to_numpy(),
                        color=PALETTE[i % len(PALETTE)],
                        lw=1.8,
                        label=str(name),
                    )
            ax.set_xlabel(f"age (periods since first paid, {self.freq})")
            ax.set_ylabel(label)
            ax.set_title(f"{label} by cohort age")
            ax.legend(frameon=False, fontsize="small")
            return ax
        wide = self.pivot(metric)
        ax = get_axes(ax, figsize=(8.0, max(3.0, 0.28 * len(wide) + 1.0)))
        ax.grid(visible=False)
        data = wide.to_numpy(dtype=np.float64)
        finite = data[np.isfinite(data)]
        vmax = max(1.0, float(finite.max())) if finite.size else 1.0
        image = ax.imshow(
            np.ma.masked_invalid(data), aspect="auto", cmap="Blues", vmin=0, vmax=vmax
        )
        if self.by:
            labels = [f"{g} {pd.Timestamp(c).date()}" for g, c in wide.index]
        else:
            labels = [str(pd.Timestamp(c).date()) for c in wide.index]
        step = max(1, len(labels) // 24)
        ax.set_yticks(range(0, len(labels), step), labels[::step])
        ax.set_xlabel(f"age (periods since first paid, {self.freq})")
        ax.set_ylabel("cohort")
        if annotate is None:
            annotate = data.shape[0] <= 24 and data.shape[1] <= 24
        if annotate:
            rows, cols = np.nonzero(np.isfinite(data))
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                value = data[r, c]
                ax.text(
                    c,
                    r,
                    f"{value:.0%}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if value > 0.55 * vmax else "#1e293b",
                )
        ax.figure.colorbar(image, ax=ax, label=label)
        ax.set_title(f"{label} by cohort")
        return ax


def revenue_cohorts(
    subscriptions: FrameLike,
    *,
    freq: Freq = "MS",
    cohort: str = "first_paid",
    by: str | None = None,
    customers: FrameLike | None = None,
    customers_key: str | None = None,
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    currency_col: str | None = "currency",
    as_of: Any = None,
    policy: MRRPolicy | None = None,
    on_invalid: OnInvalid = "raise",
) -> RevenueCohorts:
    r"""MRR, paying customers, NRR, GRR and logo retention by acquisition cohort and age.

    Built on the same intervals as :func:`mrr_bridge` (same arguments, same policy), so in
    every period the cohorts' MRR adds up to the bridge's ending MRR.

    Parameters
    ----------
    subscriptions : DataFrame-like
        Subscription intervals (as for :func:`mrr_bridge`).
    freq : str, default "MS"
        Period grain of cohorts and ages.
    cohort : str, default "first_paid"
        ``"first_paid"``: a customer's cohort is the first period they are paying at its end.
        Or the name of a date column (of ``subscriptions``, or of ``customers``), e.g. the
        signup date: then age 0 is the signup period and NRR is relative to the MRR then
        (NaN when nobody paid yet); revenue before the cohort period is left out.
    by : str, optional
        Break cohorts down by this column (``"channel"``, ``"plan"``): of ``customers`` when
        given, else of ``subscriptions`` (the value on the customer's first row).
    customers : DataFrame-like, optional
        One row per customer (like the sample company's ``accounts``), for ``by`` or
        ``cohort`` columns.
    customers_key : str, optional
        The id column of ``customers`` (default: ``customer_col`` if present, else
        ``"account_id"``).
    customer_col, start_col, end_col, mrr_col, currency_col : str
        Column roles of ``subscriptions``.
    as_of : timestamp, optional
        End of the data (exclusive), as for :func:`mrr_bridge`.
    policy : MRRPolicy, optional
        As for :func:`mrr_bridge`.
    on_invalid : {"raise", "drop"}, default "raise"
        As for :func:`mrr_bridge`.

    Returns
    -------
    RevenueCohorts
        ``.to_frame()`` long (``cohort``, ``period``, ``age``, ``customers``, ``mrr``,
        ``nrr``, ``grr``, ``logo_retention``, ``complete``), ``.pivot(metric)``,
        ``.curve(metric)``, ``.plot()``.

    Raises
    ------
    MissingColumnError
        For a missing column.
    InputError
        For invalid rows, or customers without a ``by`` value or cohort date.
    EmptyDataError
        If no customer is paying at a period end.

    Notes
    -----
    For cohort $c$ at age $k$, with $m_{i,k}$ customer $i$'s MRR then:

    $$\mathrm{NRR}_{c,k} = \frac{\sum_{i \in c} m_{i,k}}{\sum_{i \in c} m_{i,0}}, \qquad
      \mathrm{GRR}_{c,k} = \frac{\sum_{i \in c} \min(m_{i,k}, m_{i,0})}{\sum_{i \in c} m_{i,0}}$$

    A customer keeps their cohort for life: a reactivated customer's MRR returns to their
    first cohort. Cells past the end of the data are absent from the long table and NaN in
    ``pivot``; cells in a period cut short by ``as_of`` have ``complete=False``.

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({
    ...     "customer_id": ["a", "b", "b", "c"],
    ...     "start": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-01", "2024-02-10"]),
    ...     "end": pd.to_datetime([None, "2024-03-01", None, "2024-03-15"]),
    ...     "mrr": [100.0, 50.0, 80.0, 30.0],
    ... })
    >>> res = revenue_cohorts(subs, as_of="2024-04-01")
    >>> print(res.to_frame()[["cohort", "age", "customers", "mrr", "nrr", "grr"]])
          cohort  age  customers    mrr  nrr  grr
    0 2024-01-01    0          2  150.0  1.0  1.0
    1 2024-01-01    1          2  150.0  1.0  1.0
    2 2024-01-01    2          2  180.0  1.2  1.0
    3 2024-02-01    0          1   30.0  1.0  1.0
    4 2024-02-01    1          0    0.0  0.0  0.0
    """
    prep = prepare_subscriptions(
        subscriptions,
        freq=freq,
        customer_col=customer_col,
        start_col=start_col,
        end_col=end_col,
        mrr_col=mrr_col,
        currency_col=currency_col,
        as_of=as_of,
        on_invalid=on_invalid,
        policy=policy,
    )
    if not isinstance(cohort, str):
        raise ParameterError(f"cohort must be 'first_paid' or a column name; got {cohort!r}.")
    groups = None
    if by is not None:
        groups = customer_values(
            prep,
            by,
            customers=customers,
            customers_key=customers_key,
            customer_col=customer_col,
            role="by",
        )
    grid = cohort_grid(
        prep,
        cohort=cohort,
        groups=groups,
        customers=customers,
        customers_key=customers_key,
        customer_col=customer_col,
    )
    table = _long_table(grid, prep, by)
    if by is None:
        size_index: pd.Index = grid.cohorts
    else:
        size_index = pd.MultiIndex.from_product([grid.groups, grid.cohorts], names=[by, "cohort"])
    sizes = pd.Series(grid.sizes, index=size_index, name="customers")
    return RevenueCohorts(
        table=table,
        sizes=sizes,
        freq=prep.spec.freq,
        by=by,
        cohort=cohort,
        n_customers=int(grid.sizes.sum()),
        n_intra_period=int(np.count_nonzero(prep.intra)),
    )


def _long_table(grid: CohortGrid, prep: PreparedSubscriptions, by: str | None) -> pd.DataFrame:
    cell, age = np.nonzero(grid.observed)
    mrr = grid.sums.mrr[cell, age]
    gross = grid.sums.gross[cell, age]
    active = grid.sums.active[cell, age]
    base = grid.sums.mrr[:, 0].astype(np.float64)[cell]
    complete = grid.complete[cell, age]
    nrr = np.where(complete, _safe_div(mrr.astype(np.float64), base), np.nan)
    grr = np.where(complete, _safe_div(gross.astype(np.float64), base), np.nan)
    logo = np.where(
        complete, _safe_div(active.astype(np.float64), grid.sizes[cell].astype(np.float64)), np.nan
    )
    cohort_pos = cell % grid.n_cohorts
    period = grid.cohort_offset[cell] + age
    # label periods from their ordinals: a signup cohort may start before the first paid period
    period_ns = period_start_ns(period + prep.p0, prep.spec)
    columns: dict[str, Any] = {}
    if by is not None:
        labels = np.asarray(grid.groups, dtype=object)
        columns[by] = labels[cell // grid.n_cohorts]
    columns.update(
        {
            "cohort": grid.cohorts[cohort_pos],
            "period": pd.DatetimeIndex(period_ns.view("datetime64[ns]")),
            "age": age.astype(np.int64),
            "customers": active.astype(np.int64),
            "mrr": mrr / 100.0,
            "nrr": nrr,
            "grr": grr,
            "logo_retention": logo,
            "complete": complete.astype(bool),
        }
    )
    table = pd.DataFrame(columns)
    # cells of empty cohorts (no customer) carry no information
    has = grid.sizes[cell] > 0
    return table.loc[has].reset_index(drop=True)
