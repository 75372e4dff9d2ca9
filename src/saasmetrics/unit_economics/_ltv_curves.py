"""LTV curves: cumulative gross margin per acquired customer by age, CAC lines and payback."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.periods import DAY_NS, PeriodSpec, calendar_period, period_start_ns
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import (
    RowCheck,
    check_choice,
    check_float,
    parse_timestamps,
    require_columns,
)
from saasmetrics.exceptions import (
    ConvergenceError,
    EmptyDataError,
    InputError,
    ParameterError,
    SmallSampleWarning,
)
from saasmetrics.typing import FrameLike, Freq, OnInvalid
from saasmetrics.unit_economics._normalize import _numeric
from saasmetrics.unit_economics._policy import MRRPolicy
from saasmetrics.unit_economics._revenue_cohorts import cohort_grid, customer_values
from saasmetrics.unit_economics._subscriptions import _spec, prepare_subscriptions

__all__ = ("CohortPayback", "LTVCurves", "cac_payback_by_cohort", "ltv_curves")

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Forecast = Literal["sbg", "km"]
_COLUMNS = (
    "group",
    "age",
    "customers",
    "cumulative_margin_per_customer",
    "cac",
    "forecast",
    "lower",
    "upper",
)


# --------------------------------------------------------------------------- inputs
def _months_per_period(spec: PeriodSpec) -> float:
    if spec.unit == "month":
        return float(spec.length)
    if spec.unit == "week":
        return 12.0 / 52.0
    return spec.length / DAY_NS * 12.0 / 365.0


def _horizon(horizon: Any, freq: str) -> int:
    if isinstance(horizon, int | np.integer) and not isinstance(horizon, bool):
        value = int(horizon)
    elif isinstance(horizon, str):
        match = re.fullmatch(r"\s*(\d+)\s*([A-Za-z-]*)\s*", horizon)
        if match is None:
            raise ParameterError(
                f"horizon={horizon!r} is not a number of periods such as '36MS' or 36."
            )
        value = int(match.group(1))
        unit = match.group(2)
        if unit and unit.upper() != freq.upper():
            raise ParameterError(
                f"horizon={horizon!r} is in {unit!r} periods but freq={freq!r}.",
                hint=f"write the horizon in the same grain, e.g. '{value}{freq}'.",
            )
    else:
        raise ParameterError(f"horizon must be an int or a string like '36MS'; got {horizon!r}.")
    if value < 1:
        raise ParameterError(f"horizon must be at least one period; got {horizon!r}.")
    return value


@dataclass(frozen=True, slots=True)
class _Grid:
    """Revenue per (cell, cohort age) with sizes, completeness and labels."""

    revenue: F64  # (n_cells, n_ages) currency per period
    sizes: I64
    complete: B
    cell_channel: npt.NDArray[np.object_]  # the cell's group label (None without one)
    cell_cohort: I64  # cohort period ordinal (absolute)
    cohorts: pd.DatetimeIndex  # per cell
    spec: PeriodSpec
    durations: I64  # per customer in a cell
    observed: B
    customer_cell: I64


def _subscription_grid(
    frame: pd.DataFrame,
    *,
    groups_by: str | None,
    customers: FrameLike | None,
    customers_key: str | None,
    freq: Freq,
    customer_col: str,
    start_col: str,
    end_col: str,
    mrr_col: str,
    currency_col: str | None,
    as_of: Any,
    policy: MRRPolicy | None,
    on_invalid: OnInvalid,
) -> _Grid:
    prep = prepare_subscriptions(
        frame,
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
    groups = None
    if groups_by is not None:
        groups = customer_values(
            prep,
            groups_by,
            customers=customers,
            customers_key=customers_key,
            customer_col=customer_col,
            role="by",
        )
    grid = cohort_grid(prep, groups=groups)
    n_cells = grid.n_groups * grid.n_cohorts
    revenue = grid.sums.mrr.astype(np.float64) / 100.0 * _months_per_period(prep.spec)
    labels = np.asarray(grid.groups, dtype=object)
    cell_channel = labels[np.arange(n_cells) // grid.n_cohorts]
    # durations: periods paying at a period end before the first churn (censored at the end)
    cp = prep.change_points()
    n_obs_end = prep.n_periods if prep.last_complete else prep.n_periods - 1
    churn_at = np.full(len(prep.uniques), np.iinfo(np.int64).max, dtype=np.int64)
    zero = cp.level == 0
    np.minimum.at(churn_at, cp.customer[zero], cp.period[zero])
    cohort_of = grid.cohort_of_customer
    churned = churn_at < n_obs_end
    durations = np.where(churned, churn_at, n_obs_end) - cohort_of
    in_cell = grid.cell_of_customer >= 0
    return _Grid(
        revenue=revenue,
        sizes=grid.sizes,
        complete=grid.complete,
        cell_channel=cell_channel,
        cell_cohort=grid.cohort_offset + prep.p0,
        cohorts=pd.DatetimeIndex(np.tile(grid.cohorts.to_numpy(), grid.n_groups)),
        spec=prep.spec,
        durations=np.maximum(durations[in_cell], 0).astype(np.int64),
        observed=churned[in_cell],
        customer_cell=grid.cell_of_customer[in_cell],
    )


def _transaction_grid(
    frame: pd.DataFrame,
    *,
    groups_by: str | None,
    customers: FrameLike | None,
    customers_key: str | None,
    freq: Freq,
    customer_col: str,
    time_col: str,
    amount_col: str,
    as_of: Any,
) -> _Grid:
    spec = _spec(freq)
    require_columns(
        frame, {"customer_col": customer_col, "time_col": time_col, "amount_col": amount_col}
    )
    rows = RowCheck(frame, on_invalid="raise", name="transactions")
    rows.flag(frame[customer_col].isna().to_numpy(), customer_col, "null customer ids")
    amount = _numeric(frame, amount_col, rows)
    ns = parse_timestamps(frame[time_col], rows=rows).ns
    rows.finish()
    period = calendar_period(ns, spec)
    if as_of is not None:
        end_ns = pd.Timestamp(as_of).as_unit("ns").value - 1
        last = int(calendar_period(np.array([end_ns], dtype=np.int64), spec)[0])
        next_start = int(period_start_ns(np.array([last + 1], dtype=np.int64), spec)[0])
        last_complete = next_start <= end_ns + 1
    else:
        last = int(period.max())
        last_complete = True
    keep = period <= last
    codes, uniques = pd.factorize(frame[customer_col])
    codes = codes.astype(np.int64)
    paid = keep & (amount > 0)
    if not paid.any():
        raise EmptyDataError("No transaction with a positive amount before as_of.")
    n_customers = len(uniques)
    first = np.full(n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes[paid], period[paid])
    has = first != np.iinfo(np.int64).max
    c_min, c_max = int(first[has].min()), int(first[has].max())
    n_cohorts = c_max - c_min + 1
    n_ages = last - c_min + 1
    if groups_by is None:
        labels: list[Any] = [None]
        group = np.zeros(n_customers, dtype=np.int64)
    else:
        if customers is not None:
            table = to_pandas(customers, name="customers")
            if customers_key is not None:
                require_columns(table, {"customers_key": customers_key})
            key = customers_key or next(
                (k for k in (customer_col, "account_id", "customer_id") if k in table.columns),
                customer_col,
            )
            require_columns(table, {"customers_key": key, "by": groups_by})
            pos = pd.Index(table[key]).get_indexer(pd.Index(uniques))
            if (pos[has] < 0).any():
                raise InputError(
                    f"{int((pos[has] < 0).sum())} customers of the transactions are not in "
                    f"customers (column {key!r}).",
                    hint="pass a customers table covering every paying customer.",
                )
            values = pd.Series(table[groups_by].to_numpy()[np.maximum(pos, 0)])
        else:
            require_columns(frame, {"by": groups_by})
            order = np.lexsort((ns, codes))
            head = order[np.r_[True, codes[order][1:] != codes[order][:-1]]]
            values = pd.Series(np.full(n_customers, None, dtype=object))
            values.iloc[codes[head]] = frame[groups_by].to_numpy()[head]
        if values[has].isna().any():
            raise InputError(f"{int(values[has].isna().sum())} customers have no {groups_by!r}.")
        gcodes, guniques = pd.factorize(values.where(has, None), sort=True)
        labels = list(guniques)
        group = gcodes.astype(np.int64)
    cell_of = np.where(has, group * n_cohorts + (first - c_min), -1)
    n_cells = len(labels) * n_cohorts
    row_ok = keep & has[codes] & (period >= first[codes])
    age = period - first[codes]
    flat = cell_of[codes][row_ok] * n_ages + age[row_ok]
    revenue = np.bincount(flat, weights=amount[row_ok], minlength=n_cells * n_ages)
    offset = np.tile(np.arange(c_min, c_max + 1, dtype=np.int64), len(labels))
    per = offset[:, None] + np.arange(n_ages)[None, :]
    complete = (per < last) | ((per == last) & last_complete)
    starts = period_start_ns(offset, spec).view("datetime64[ns]")
    return _Grid(
        revenue=revenue.reshape(n_cells, n_ages).astype(np.float64),
        sizes=np.bincount(cell_of[has], minlength=n_cells).astype(np.int64),
        complete=complete,
        cell_channel=np.asarray(labels, dtype=object)[np.arange(n_cells) // n_cohorts],
        cell_cohort=offset,
        cohorts=pd.DatetimeIndex(starts),
        spec=spec,
        durations=np.zeros(0, dtype=np.int64),
        observed=np.zeros(0, dtype=bool),
        customer_cell=np.zeros(0, dtype=np.int64),
    )


def _spend_per_cell(
    spend: FrameLike,
    grid: _Grid,
    *,
    match_channel: bool,
    date_col: str,
    channel_col: str,
    amount_col: str,
) -> tuple[F64, float]:
    """Spend per cell (its cohort's period, and its channel when matching by channel)."""
    table = to_pandas(spend, name="spend")
    require_columns(table, {"spend_date_col": date_col, "spend_amount_col": amount_col})
    if match_channel:
        require_columns(table, {"spend_channel_col": channel_col})
    rows = RowCheck(table, on_invalid="raise", name="spend")
    amount = _numeric(table, amount_col, rows)
    ns = parse_timestamps(table[date_col], rows=rows).ns
    rows.finish()
    period = calendar_period(ns, grid.spec)
    n_cells = grid.sizes.size
    # cell key: (channel label, cohort ordinal) -> cell index
    keys = pd.MultiIndex.from_arrays(
        [
            pd.Index(grid.cell_channel if match_channel else np.full(n_cells, None, dtype=object)),
            pd.Index(grid.cell_cohort),
        ]
    )
    if match_channel:
        spend_keys = pd.MultiIndex.from_arrays(
            [pd.Index(table[channel_col].to_numpy(dtype=object)), pd.Index(period)]
        )
        pos = keys.get_indexer(spend_keys)
        out = np.bincount(pos[pos >= 0], weights=amount[pos >= 0], minlength=n_cells)
    else:
        # every cell of one cohort shares that cohort's total spend
        cohorts = pd.Index(grid.cell_cohort).unique()
        cpos = cohorts.get_indexer(pd.Index(period))
        per_cohort = np.bincount(cpos[cpos >= 0], weights=amount[cpos >= 0], minlength=cohorts.size)
        pos = cpos
        out = per_cohort[cohorts.get_indexer(pd.Index(grid.cell_cohort))]
    unmatched = float(amount[pos < 0].sum())
    return out.astype(np.float64), unmatched


# --------------------------------------------------------------------------- curves
def _pool(grid: _Grid, cell_group: I64, n_groups: int, horizon: int) -> tuple[F64, F64, I64]:
    """Revenue per acquired customer per cohort age, pooled per group over complete cells."""
    n_ages = grid.revenue.shape[1]
    width = max(horizon, n_ages)
    num = np.zeros((n_groups, width))
    den = np.zeros((n_groups, width))
    rev = np.where(grid.complete, grid.revenue, 0.0)
    size = np.where(grid.complete, grid.sizes[:, None], 0).astype(np.float64)
    np.add.at(num[:, :n_ages], cell_group, rev)
    np.add.at(den[:, :n_ages], cell_group, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_customer = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    # observed ages: the leading run of finite values
    finite = np.isfinite(per_customer)
    n_obs = np.where(finite.all(axis=1), width, np.argmin(finite, axis=1)).astype(np.int64)
    return per_customer[:, :horizon], den[:, :horizon], np.minimum(n_obs, horizon)


def _survival_band(
    method: Forecast,
    *,
    durations: I64,
    observed: B,
    ages: F64,
    confidence_level: float,
    random_state: int,
) -> tuple[F64, F64, F64]:
    """Survival at ``ages`` (periods paid) with a pointwise interval."""
    if method == "sbg":
        from saasmetrics._kernels.retention import sbg_survival
        from saasmetrics.retention import ShiftedBetaGeometricModel

        model = ShiftedBetaGeometricModel(confidence_level=confidence_level).fit(
            durations, observed=observed
        )
        mid = np.asarray(model.predict_survival(ages), dtype=np.float64)
        theta = np.log([model.alpha_, model.beta_])
        jac_inv = np.diag(1.0 / np.exp(theta))
        cov = jac_inv @ model.covariance_.to_numpy() @ jac_inv
        if not np.isfinite(cov).all():
            return mid, mid.copy(), mid.copy()
        rng = np.random.default_rng(random_state)
        draws = np.exp(rng.multivariate_normal(theta, cov, size=400, method="eigh"))
        with np.errstate(all="ignore"):  # extreme draws give NaN, dropped below
            sims = sbg_survival(cast("Any", draws[:, :1]), cast("Any", draws[:, 1:]), ages[None, :])
        sims = sims[np.isfinite(sims).all(axis=1)]
        if sims.shape[0] < 20:
            return mid, mid.copy(), mid.copy()
        tail = (1.0 - confidence_level) / 2.0
        lo, hi = np.quantile(sims, [tail, 1.0 - tail], axis=0)
        return mid, lo, hi
    from saasmetrics.retention import kaplan_meier

    curve = kaplan_meier(
        durations.astype(np.float64), observed, confidence_level=confidence_level
    ).to_frame()
    times = curve["time"].to_numpy()
    s = curve["survival"].to_numpy()
    lo_c = curve["ci_lower"].to_numpy()
    hi_c = curve["ci_upper"].to_numpy()
    # step function up to the last time, then the hazard of the last (up to) 6 periods
    t_end = float(durations.max())
    at = np.searchsorted(times, np.minimum(ages, t_end), side="right") - 1
    mid, lo, hi = s[at], lo_c[at], hi_c[at]
    back = max(t_end - 6.0, 0.0)
    s_end = s[np.searchsorted(times, t_end, side="right") - 1]
    s_back = s[np.searchsorted(times, back, side="right") - 1]
    span = t_end - back
    ratio = s_end / s_back if s_back > 0 and span > 0 else 1.0
    step = ratio ** (1.0 / span) if span > 0 else 1.0
    beyond = np.maximum(ages - t_end, 0.0)
    factor = step**beyond
    return mid * factor, lo * factor, hi * factor


def _curves_frame(
    grid: _Grid,
    *,
    cell_group: I64,
    labels: list[Any],
    spend_cells: F64 | None,
    margin: float,
    horizon: int,
    forecast: Forecast | None,
    confidence_level: float,
    random_state: int,
) -> tuple[pd.DataFrame, pd.Series, list[Any]]:
    n_groups = len(labels)
    per_customer, den, n_obs = _pool(grid, cell_group, n_groups, horizon)
    acquired = np.zeros(n_groups)
    np.add.at(acquired, cell_group, grid.sizes.astype(np.float64))
    cac = np.full(n_groups, np.nan)
    if spend_cells is not None:
        spent = np.zeros(n_groups)
        np.add.at(spent, cell_group, spend_cells)
        with np.errstate(divide="ignore", invalid="ignore"):
            cac = np.where((spent > 0) & (acquired > 0), spent / np.maximum(acquired, 1), np.nan)
    margin_rev = margin * np.nan_to_num(per_customer)
    ages = np.arange(horizon + 1)
    cum = np.concatenate([np.zeros((n_groups, 1)), np.cumsum(margin_rev, axis=1)], axis=1)
    observed = ages[None, :] <= n_obs[:, None]
    lower = np.where(observed, cum, np.nan)
    upper = lower.copy()
    value = lower.copy()
    failed: list[Any] = []
    if forecast is not None and grid.durations.size:
        g_of_customer = cell_group[grid.customer_cell]
        order = np.argsort(g_of_customer, kind="stable")
        bounds = np.searchsorted(g_of_customer[order], np.arange(n_groups + 1))
        for g in range(n_groups):  # one model fit per group, on its aggregated durations
            k = int(n_obs[g])
            if k >= horizon or k < 1:
                continue
            idx = order[bounds[g] : bounds[g + 1]]
            last_rev = margin * per_customer[g, k - 1]
            future = np.arange(k, horizon, dtype=np.float64)  # cohort ages to forecast
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # extreme fits are reported as failures
                    mid, lo, hi = _survival_band(
                        forecast,
                        durations=grid.durations[idx],
                        observed=grid.observed[idx],
                        ages=np.r_[float(k - 1), future],
                        confidence_level=confidence_level,
                        random_state=random_state,
                    )
            except (InputError, ConvergenceError, np.linalg.LinAlgError):
                failed.append(labels[g])
                continue
            if not (mid[0] > 0 and np.isfinite(np.r_[mid, lo, hi]).all()):
                failed.append(labels[g])
                continue
            base = cum[g, k]
            for arr, surv in ((value, mid), (lower, lo), (upper, hi)):
                arr[g, k + 1 :] = base + np.cumsum(last_rev * surv[1:] / mid[0])
    reached = np.where(np.isfinite(value) & (value >= cac[:, None]) & (ages[None, :] > 0))
    payback = np.full(n_groups, np.nan)
    first_hit = pd.Series(reached[1]).groupby(reached[0]).min()
    payback[first_hit.index.to_numpy()] = first_hit.to_numpy()
    customers = np.concatenate([acquired[:, None], den], axis=1)
    customers = np.where(observed, customers, acquired[:, None])
    keep = np.isfinite(value)
    g_idx, a_idx = np.nonzero(keep)
    table = pd.DataFrame(
        {
            "group": np.asarray(labels, dtype=object)[g_idx],
            "age": a_idx.astype(np.int64),
            "customers": customers[g_idx, a_idx].astype(np.int64),
            "cumulative_margin_per_customer": value[g_idx, a_idx],
            "cac": cac[g_idx],
            "forecast": ~observed[g_idx, a_idx],
            "lower": lower[g_idx, a_idx],
            "upper": upper[g_idx, a_idx],
        }
    )
    payback_series = pd.Series(payback, index=pd.Index(labels, name="group"), name="payback")
    return table, payback_series, failed


def _group_labels(values: npt.NDArray[Any]) -> tuple[I64, list[Any]]:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=True)
    return codes.astype(np.int64), list(uniques)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class LTVCurves(ResultMixin):
    """Cumulative gross margin per acquired customer by age, with CAC and payback.

    Attributes
    ----------
    table : pandas.DataFrame
        The layout of :meth:`to_frame`.
    payback : pandas.Series
        Payback age per group (NaN if not reached within the horizon or without CAC).
    by : str or None
        ``"cohort"``, the group column, or None (one group, ``"all"``).
    margin : float
        Gross margin applied to revenue.
    freq : str
        Period grain (ages count these periods).
    horizon : int
        Last age.
    forecast : str or None
        ``"sbg"``, ``"km"`` or None.
    confidence_level : float
        Of the forecast band.
    unmatched_spend : float
        Spend that matched no cohort period (or no channel with customers), left out of CAC.
    n_customers : int
        Acquired (paying) customers.
    no_forecast : list
        Groups whose retention model could not be fitted (no churn yet, or too few data):
        their curves stop at the observed ages.

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> company = make_saas_company(400, seed=2, months=9)
    >>> curves = ltv_curves(company.subscriptions, company.spend, by="channel",
    ...                     customers=company.accounts, horizon="12MS", as_of=company.as_of)
    >>> curves  # doctest: +ELLIPSIS
    LTVCurves(groups=9, horizon=12, margin=0.8, forecast=None, freq='MS', customers=...)
    """

    table: pd.DataFrame
    payback: pd.Series
    by: str | None
    margin: float
    freq: str
    horizon: int
    forecast: str | None
    confidence_level: float
    unmatched_spend: float
    n_customers: int
    no_forecast: tuple[Any, ...]

    @property
    def payback_months(self) -> pd.Series:
        """First age (periods, months for ``freq="MS"``) at which margin reaches CAC, by group.

        Returns
        -------
        pandas.Series
            NaN where CAC is unknown or not reached within the horizon.
        """
        return self.payback.copy()

    def to_frame(self) -> pd.DataFrame:
        """One row per group and age.

        Returns
        -------
        pandas.DataFrame
            ``group``, ``age`` (periods of revenue counted: age $k$ sums the first $k$
            periods, so age 0 is 0), ``customers`` (acquired customers whose age $k$ is
            observed; the group's acquired customers on forecast rows),
            ``cumulative_margin_per_customer``, ``cac`` (per acquired customer),
            ``forecast`` (True where extrapolated), ``lower`` and ``upper`` (the forecast
            band; equal to the value on observed rows).
        """
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        return {
            "groups": len(self.payback),
            "horizon": self.horizon,
            "margin": self.margin,
            "forecast": self.forecast,
            "freq": self.freq,
            "customers": self.n_customers,
        }

    def plot(self, ax: Any = None, *, groups: Any = None, max_groups: int = 12) -> Any:
        """Cumulative margin per customer by age, one line per group, with CAC lines.

        Forecasts are dashed with their band; each group's CAC is a dotted horizontal line in
        its colour, and its payback age a marker.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        groups : list, optional
            Which groups to draw (default: all, up to ``max_groups``).
        max_groups : int, default 12
            Most groups drawn when ``groups`` is not given (the largest ones).

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        >>> from saasmetrics.datasets import make_saas_company
        >>> company = make_saas_company(400, seed=2, months=9)
        >>> curves = ltv_curves(company.subscriptions, company.spend, by="channel",
        ...                     customers=company.accounts, horizon="12MS", as_of=company.as_of)
        >>> curves.plot().get_xlabel()
        'age (periods of revenue, MS)'
        """
        ax = get_axes(ax)
        t = self.table
        if groups is None:
            sizes = t[t["age"] == 0].set_index("group")["customers"]
            groups = sizes.sort_values(ascending=False).index[:max_groups].tolist()
        for i, name in enumerate(groups):
            color = PALETTE[i % len(PALETTE)]
            rows = t[t["group"] == name]
            if rows.empty:
                continue
            obs = rows[~rows["forecast"]]
            label = str(pd.Timestamp(name).date()) if self.by == "cohort" else str(name)
            ax.plot(obs["age"], obs["cumulative_margin_per_customer"], color=color, label=label)
            fc = rows[rows["forecast"]]
            if not fc.empty:
                joined = pd.concat([obs.tail(1), fc])
                ax.plot(
                    joined["age"],
                    joined["cumulative_margin_per_customer"],
                    color=color,
                    ls="--",
                )
                ax.fill_between(
                    joined["age"], joined["lower"], joined["upper"], color=color, alpha=0.15
                )
            cac = float(rows["cac"].iloc[0])
            if np.isfinite(cac):
                ax.axhline(cac, color=color, ls=":", lw=1)
                back = self.payback.get(name, np.nan)
                if np.isfinite(back):
                    ax.plot([back], [cac], marker="o", color=color)
        ax.set_xlabel(f"age (periods of revenue, {self.freq})")
        ax.set_ylabel("cumulative gross margin per customer")
        ax.set_title("LTV curves" + (" and CAC" if np.isfinite(t["cac"]).any() else ""))
        ax.legend(frameon=False, fontsize="small", ncol=2)
        return ax

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> LTVCurves:
        fields["no_forecast"] = tuple(fields.get("no_forecast") or ())
        fields["unmatched_spend"] = float(fields["unmatched_spend"])
        fields["margin"] = float(fields["margin"])
        fields["confidence_level"] = float(fields["confidence_level"])
        return cls(**fields)


def _check_margin(margin: Any) -> float:
    return check_float("margin", margin, min_value=0.0, max_value=1.0, min_inclusive=False)


def _grid_for(
    data: FrameLike,
    *,
    groups_by: str | None,
    customers: FrameLike | None,
    customers_key: str | None,
    freq: Freq,
    customer_col: str,
    start_col: str,
    end_col: str,
    mrr_col: str,
    currency_col: str | None,
    time_col: str,
    amount_col: str,
    as_of: Any,
    policy: MRRPolicy | None,
    on_invalid: OnInvalid,
) -> tuple[_Grid, bool]:
    frame = to_pandas(data, name="data")
    transactions = (
        mrr_col not in frame.columns and time_col in frame.columns and amount_col in frame.columns
    )
    if transactions:
        grid = _transaction_grid(
            frame,
            groups_by=groups_by,
            customers=customers,
            customers_key=customers_key,
            freq=freq,
            customer_col=customer_col,
            time_col=time_col,
            amount_col=amount_col,
            as_of=as_of,
        )
    else:
        grid = _subscription_grid(
            frame,
            groups_by=groups_by,
            customers=customers,
            customers_key=customers_key,
            freq=freq,
            customer_col=customer_col,
            start_col=start_col,
            end_col=end_col,
            mrr_col=mrr_col,
            currency_col=currency_col,
            as_of=as_of,
            policy=policy,
            on_invalid=on_invalid,
        )
    return grid, transactions


def ltv_curves(
    data: FrameLike,
    spend: FrameLike | None = None,
    *,
    margin: float = 0.8,
    by: str | None = "cohort",
    horizon: int | str = "36MS",
    forecast: Forecast | None = None,
    as_of: Any = None,
    customers: FrameLike | None = None,
    customers_key: str | None = None,
    freq: Freq = "MS",
    channel_col: str = "channel",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    currency_col: str | None = "currency",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    spend_date_col: str = "date",
    spend_channel_col: str = "channel",
    spend_amount_col: str = "amount",
    confidence_level: float = 0.95,
    random_state: int = 0,
    policy: MRRPolicy | None = None,
    on_invalid: OnInvalid = "raise",
) -> LTVCurves:
    r"""Cumulative gross margin per acquired customer by age, with CAC and the payback age.

    Parameters
    ----------
    data : DataFrame-like
        Subscriptions (``customer_id``, ``start``, ``end``, ``mrr``: revenue per period is
        MRR x months per period) or transactions (``customer_id``, ``timestamp``, ``amount``,
        and no ``mrr`` column: revenue is what was paid in each period).
    spend : DataFrame-like, optional
        Acquisition spend (``date``, ``channel``, ``amount``, like the sample company's
        ``spend``). Spend of a period is the cost of the customers acquired in it: CAC =
        spend / acquired customers, per group.
    margin : float, default 0.8
        Gross margin applied to revenue.
    by : str or None, default "cohort"
        ``"cohort"``: one curve per acquisition cohort (CAC from all spend of its period);
        a column (``"channel"``, ``"plan"``...) of ``data`` or of ``customers``: one curve per
        value, pooled over cohorts (spend is matched when ``by`` is ``channel_col``);
        ``None``: one curve for all (``"all"``).
    horizon : int or str, default "36MS"
        Last age, in periods of ``freq`` (``"36MS"`` or 36).
    forecast : {"sbg", "km"}, optional
        Extend each curve beyond its observed ages to the horizon: revenue per surviving
        customer stays at its last observed value and survival follows a shifted-beta-
        geometric model (``"sbg"``, with a parametric-bootstrap band) or the Kaplan-Meier
        curve extended at the hazard of its last six periods (``"km"``, Greenwood band),
        both fitted on the group's customers' paid durations (subscriptions only).
    as_of : timestamp, optional
        End of the data (exclusive).
    customers : DataFrame-like, optional
        One row per customer with the ``by`` column (e.g. the sample company's
        ``accounts``, whose ``channel`` is the acquisition channel).
    customers_key : str, optional
        Id column of ``customers`` (default ``customer_col``, else ``"account_id"``).
    freq : str, default "MS"
        Period grain.
    channel_col : str, default "channel"
        The ``by`` value that matches spend by channel.
    customer_col, start_col, end_col, mrr_col, currency_col, time_col, amount_col : str
        Column roles of ``data``.
    spend_date_col, spend_channel_col, spend_amount_col : str
        Column roles of ``spend``.
    confidence_level : float, default 0.95
        Of the forecast band.
    random_state : int, default 0
        Seed of the sBG parameter draws.
    policy : MRRPolicy, optional
        As for :func:`mrr_bridge` (subscriptions).
    on_invalid : {"raise", "drop"}, default "raise"
        As for :func:`mrr_bridge`.

    Returns
    -------
    LTVCurves
        ``.to_frame()`` (``group``, ``age``, ``customers``,
        ``cumulative_margin_per_customer``, ``cac``, ``forecast``, ``lower``, ``upper``),
        ``.payback_months``, ``.plot()``.

    Raises
    ------
    ParameterError
        For a bad margin, horizon or forecast, spend with a ``by`` it cannot match, or a
        forecast on transactions.
    MissingColumnError
        For a missing column.
    InputError
        For invalid rows.

    Notes
    -----
    For group $g$ and cohort age $a$, over the cohorts $c$ of $g$ whose age $a$ is complete,
    revenue per acquired customer is $r_{g,a} = \sum_c R_{c,a} / \sum_c N_c$ and

    $$\mathrm{LTV}_g(k) = m \sum_{a < k} r_{g,a}, \qquad
      \text{payback}_g = \min\{k \ge 1 : \mathrm{LTV}_g(k) \ge \mathrm{CAC}_g\}$$

    Age $k$ counts periods of revenue, so a customer paying 100 a month against a CAC of 300
    at full margin pays back at $k = 3$, as ``cac_payback_months(300, 100)``. Beyond the
    observed ages, $r_{g,a} = r_{g,K-1}\,S(a) / S(K-1)$ with $S$ the fitted survival.

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> company = make_saas_company()
    >>> curves = ltv_curves(company.subscriptions, company.spend, by="channel",
    ...                     customers=company.accounts, horizon="24MS", as_of=company.as_of,
    ...                     forecast="sbg")
    >>> curves.payback_months.dropna().astype(int).to_dict()  # months
    {'Affiliates': 6, 'Display': 7, 'Email': 1, 'Paid Search': 6, 'Paid Social': 9}
    """
    margin = _check_margin(margin)
    spec = _spec(freq)
    n_h = _horizon(horizon, spec.freq)
    if forecast is not None:
        check_choice("forecast", forecast, ("sbg", "km"))
    confidence_level = check_float(
        "confidence_level",
        confidence_level,
        min_value=0.0,
        max_value=1.0,
        min_inclusive=False,
        max_inclusive=False,
    )
    groups_by = None if by in (None, "cohort") else by
    grid, transactions = _grid_for(
        data,
        groups_by=groups_by,
        customers=customers,
        customers_key=customers_key,
        freq=freq,
        customer_col=customer_col,
        start_col=start_col,
        end_col=end_col,
        mrr_col=mrr_col,
        currency_col=currency_col,
        time_col=time_col,
        amount_col=amount_col,
        as_of=as_of,
        policy=policy,
        on_invalid=on_invalid,
    )
    if forecast is not None and transactions:
        raise ParameterError(
            "forecast needs subscriptions (paid durations); transactions have none.",
            hint="pass subscriptions, or forecast=None.",
        )
    if by == "cohort":
        cell_group, labels = _group_labels(grid.cohorts.to_numpy())
        labels = [pd.Timestamp(v) for v in labels]
    elif by is None:
        cell_group, labels = np.zeros(grid.sizes.size, dtype=np.int64), ["all"]
    else:
        cell_group, labels = _group_labels(grid.cell_channel)
    spend_cells = None
    unmatched = 0.0
    if spend is not None:
        if by not in (None, "cohort", channel_col):
            raise ParameterError(
                f"spend is matched by cohort or by {channel_col!r}; cannot match by={by!r}.",
                hint=f"use by='cohort', by={channel_col!r} or by=None (or leave spend out).",
            )
        spend_cells, unmatched = _spend_per_cell(
            spend,
            grid,
            match_channel=by == channel_col,
            date_col=spend_date_col,
            channel_col=spend_channel_col,
            amount_col=spend_amount_col,
        )
    table, payback, failed = _curves_frame(
        grid,
        cell_group=cell_group,
        labels=labels,
        spend_cells=spend_cells,
        margin=margin,
        horizon=n_h,
        forecast=forecast,
        confidence_level=confidence_level,
        random_state=random_state,
    )
    if failed:
        warnings.warn(
            f"No {forecast} forecast for {len(failed)} group(s) (nobody churned yet, or too "
            f"few customers): {failed[:5]!r}; their curves stop at the observed ages.",
            SmallSampleWarning,
            stacklevel=2,
        )
    return LTVCurves(
        table=table,
        payback=payback,
        by=by,
        margin=margin,
        freq=spec.freq,
        horizon=n_h,
        forecast=forecast,
        confidence_level=float(confidence_level),
        unmatched_spend=unmatched,
        n_customers=int(grid.sizes.sum()),
        no_forecast=tuple(failed),
    )


# --------------------------------------------------------------------------- by cohort x channel
@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class CohortPayback(ResultMixin):
    """CAC payback per acquisition cohort and channel.

    Attributes
    ----------
    table : pandas.DataFrame
        ``cohort``, ``channel``, ``customers``, ``spend``, ``cac``, ``payback_months``,
        ``margin_at_horizon`` (cumulative margin per customer at the last age, observed or
        forecast).
    freq : str
        Period grain.
    horizon : int
        Last age considered.
    margin : float
        Gross margin.
    forecast : str or None
        How curves were extended beyond the observed ages.
    unmatched_spend : float
        Spend matching no cohort and channel with customers (outside the cohorts' periods,
        or a channel that acquired nobody that period).

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> company = make_saas_company(400, seed=2, months=9)
    >>> table = cac_payback_by_cohort(company.subscriptions, company.spend,
    ...                               customers=company.accounts, as_of=company.as_of)
    >>> table  # doctest: +ELLIPSIS
    CohortPayback(cohorts=9, channels=9, horizon=36, forecast=None, freq='MS')
    """

    table: pd.DataFrame
    freq: str
    horizon: int
    margin: float
    forecast: str | None
    unmatched_spend: float

    def to_frame(self) -> pd.DataFrame:
        """One row per cohort and channel (a new frame).

        Returns
        -------
        pandas.DataFrame
            As :attr:`table`.
        """
        return self.table.copy()

    def pivot(self, value: str = "payback_months") -> pd.DataFrame:
        """Cohort x channel table of one column.

        Parameters
        ----------
        value : str, default "payback_months"
            A column of :attr:`table`.

        Returns
        -------
        pandas.DataFrame
            Rows cohorts, columns channels.
        """
        check_choice("value", value, tuple(self.table.columns[2:]))
        return self.table.pivot(index="cohort", columns="channel", values=value)

    def _summary(self) -> dict[str, Any]:
        return {
            "cohorts": int(self.table["cohort"].nunique()),
            "channels": int(self.table["channel"].nunique()),
            "horizon": self.horizon,
            "forecast": self.forecast,
            "freq": self.freq,
        }

    def plot(self, ax: Any = None, *, annotate: bool | None = None) -> Any:
        """Heatmap of payback months by cohort (rows) and channel (columns).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        annotate : bool, optional
            Print the months in each cell (default: at most 24 cohorts).

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on; blank cells never paid back within the horizon (or had no
            spend).
        """
        wide = self.pivot("payback_months")
        ax = get_axes(ax, figsize=(8.0, max(3.0, 0.3 * len(wide) + 1.5)))
        ax.grid(visible=False)
        data = wide.to_numpy(dtype=np.float64)
        image = ax.imshow(
            np.ma.masked_invalid(data), aspect="auto", cmap="RdYlGn_r", vmin=0, vmax=self.horizon
        )
        ax.set_xticks(range(wide.shape[1]), [str(c) for c in wide.columns], rotation=45, ha="right")
        labels = [str(pd.Timestamp(c).date()) for c in wide.index]
        step = max(1, len(labels) // 24)
        ax.set_yticks(range(0, len(labels), step), labels[::step])
        if annotate is None:
            annotate = data.shape[0] <= 24
        if annotate:
            rows, cols = np.nonzero(np.isfinite(data))
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                ax.text(c, r, f"{data[r, c]:.0f}", ha="center", va="center", fontsize=7)
        ax.figure.colorbar(image, ax=ax, label=f"payback ({self.freq} periods)")
        ax.set_title("CAC payback by cohort and channel")
        ax.set_ylabel("cohort")
        return ax

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> CohortPayback:
        fields["unmatched_spend"] = float(fields["unmatched_spend"])
        fields["margin"] = float(fields["margin"])
        return cls(**fields)


def cac_payback_by_cohort(
    data: FrameLike,
    spend: FrameLike,
    *,
    margin: float = 0.8,
    horizon: int | str = "36MS",
    forecast: Forecast | None = None,
    as_of: Any = None,
    customers: FrameLike | None = None,
    customers_key: str | None = None,
    freq: Freq = "MS",
    channel_col: str = "channel",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    currency_col: str | None = "currency",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    spend_date_col: str = "date",
    spend_channel_col: str = "channel",
    spend_amount_col: str = "amount",
    confidence_level: float = 0.95,
    random_state: int = 0,
    policy: MRRPolicy | None = None,
    on_invalid: OnInvalid = "raise",
) -> CohortPayback:
    """CAC payback months per acquisition cohort and channel.

    Each (cohort, channel) cell gets its own LTV curve (as :func:`ltv_curves`) and its own
    CAC: the channel's spend in the cohort's period over the customers it acquired then.

    Parameters
    ----------
    data, spend, margin, horizon, forecast, as_of, customers, customers_key, freq
        As for :func:`ltv_curves`.
    channel_col : str, default "channel"
        The acquisition channel column (of ``customers`` when given, else of ``data``).
    customer_col, start_col, end_col, mrr_col, currency_col, time_col, amount_col : str
        Column roles of ``data``.
    spend_date_col, spend_channel_col, spend_amount_col : str
        Column roles of ``spend``.
    confidence_level, random_state, policy, on_invalid
        As for :func:`ltv_curves`.

    Returns
    -------
    CohortPayback
        ``.to_frame()`` long, ``.pivot()`` cohort x channel, ``.plot()`` heatmap.

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> company = make_saas_company(400, seed=2, months=9)
    >>> res = cac_payback_by_cohort(company.subscriptions, company.spend,
    ...                             customers=company.accounts, as_of=company.as_of)
    >>> wide = res.pivot()
    >>> wide.shape, bool(wide["Direct"].isna().all())  # no spend on Direct: no CAC
    ((9, 9), True)
    """
    margin = _check_margin(margin)
    if not isinstance(channel_col, str):  # None would silently pool every channel
        raise ParameterError(
            f"channel_col={channel_col!r} is not a column name (a string).",
            hint="payback is per channel: name the customers' channel column.",
        )
    spec = _spec(freq)
    n_h = _horizon(horizon, spec.freq)
    if forecast is not None:
        check_choice("forecast", forecast, ("sbg", "km"))
    grid, transactions = _grid_for(
        data,
        groups_by=channel_col,
        customers=customers,
        customers_key=customers_key,
        freq=freq,
        customer_col=customer_col,
        start_col=start_col,
        end_col=end_col,
        mrr_col=mrr_col,
        currency_col=currency_col,
        time_col=time_col,
        amount_col=amount_col,
        as_of=as_of,
        policy=policy,
        on_invalid=on_invalid,
    )
    if forecast is not None and transactions:
        raise ParameterError("forecast needs subscriptions (paid durations).")
    spend_cells, unmatched = _spend_per_cell(
        spend,
        grid,
        match_channel=True,
        date_col=spend_date_col,
        channel_col=spend_channel_col,
        amount_col=spend_amount_col,
    )
    n_cells = grid.sizes.size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)  # per-cell fits: many tiny cells
        table, payback, _ = _curves_frame(
            grid,
            cell_group=np.arange(n_cells, dtype=np.int64),
            labels=list(range(n_cells)),
            spend_cells=spend_cells,
            margin=margin,
            horizon=n_h,
            forecast=forecast,
            confidence_level=confidence_level,
            random_state=random_state,
        )
    last = table.groupby("group")["cumulative_margin_per_customer"].last()
    at_horizon = last.reindex(range(n_cells)).to_numpy()
    cac = np.where(
        (spend_cells > 0) & (grid.sizes > 0), spend_cells / np.maximum(grid.sizes, 1), np.nan
    )
    out = pd.DataFrame(
        {
            "cohort": grid.cohorts,
            "channel": grid.cell_channel,
            "customers": grid.sizes,
            "spend": spend_cells,
            "cac": cac,
            "payback_months": payback.to_numpy(),
            "margin_at_horizon": at_horizon,
        }
    )
    unmatched += float(out.loc[out["customers"] == 0, "spend"].sum())  # spent, none acquired
    out = out[out["customers"] > 0]
    return CohortPayback(
        table=out.reset_index(drop=True),
        freq=spec.freq,
        horizon=n_h,
        margin=margin,
        forecast=forecast,
        unmatched_spend=unmatched,
    )
