"""The MRR bridge (new, expansion, contraction, churned, reactivation) and SaaS KPIs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels import unit_economics as kern
from saasmetrics._kernels.mrr_policy import active_points, active_totals
from saasmetrics._kernels.periods import PeriodSpec
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_choice
from saasmetrics.exceptions import ParameterError
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, Freq, OnInvalid
from saasmetrics.unit_economics._policy import MRRPolicy, check_policy
from saasmetrics.unit_economics._subscriptions import (
    ParsedSubscriptions,
    PeriodGrid,
    SubscriptionSpan,
    _grid,
    _period_index,
    _spec,
    merge_spans,
    on_grid,
    parse_subscriptions,
    period_grid,
    subscription_span,
)

__all__ = ("MOVEMENTS", "MRRBridge", "mrr_bridge", "saas_kpis")

MOVEMENTS = ("new", "expansion", "contraction", "churned", "reactivation")
COLUMNS = ("starting", *MOVEMENTS, "ending")
KPI_COLUMNS = (
    "mrr",
    "arr",
    "customers",
    "arpa",
    "logo_churn_rate",
    "gross_mrr_churn_rate",
    "net_mrr_churn_rate",
    "quick_ratio",
    "nrr",
    "grr",
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class MRRBridge(ResultMixin):
    """MRR movements per period, balancing exactly (in cents) from starting to ending MRR.

    Every row satisfies starting + new + expansion + contraction + churned + reactivation =
    ending, and ending equals the next row's starting.

    Attributes
    ----------
    freq : str
        The period grain (``"MS"``, ``"QS"``...).
    amounts : pandas.DataFrame
        Integer cents, indexed by period start, columns ``starting``, ``new``, ``expansion``,
        ``contraction``, ``churned``, ``reactivation``, ``ending`` (contraction and churned
        are negative).
    customers : pandas.DataFrame
        Customer counts with the same index and columns (all counts positive: starting + new +
        reactivation - churned = ending).
    movements : pandas.DataFrame
        One row per customer and period where the customer's MRR changed, ordered by
        customer id then period: ``customer``,
        ``period``, ``kind``, ``previous``, ``current``, ``change`` (currency units).
    n_intra_period : int
        Customers whose paid intervals all fell inside single periods: never active at a
        period end, so absent from every snapshot (see Notes of :func:`mrr_bridge`).
    n_dropped : int
        Invalid input rows dropped with ``on_invalid="drop"``.

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a"],
    ...     "start": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-02-01"]),
    ...     "end": pd.to_datetime(["2024-02-01", "2024-02-20", None]),
    ...     "mrr": [100.0, 40.0, 150.0],
    ... })
    >>> bridge = mrr_bridge(subs)
    >>> bridge  # doctest: +ELLIPSIS
    MRRBridge(freq='MS', periods=2, ..., ending_mrr=150.0, customers=1)
    >>> print(bridge.movements)
      customer     period       kind  previous  current  change
    0        a 2024-01-01        new       0.0    100.0   100.0
    1        a 2024-02-01  expansion     100.0    150.0    50.0
    2        b 2024-01-01        new       0.0     40.0    40.0
    3        b 2024-02-01    churned      40.0      0.0   -40.0
    """

    freq: str
    amounts: pd.DataFrame
    customers: pd.DataFrame
    movements: pd.DataFrame
    n_intra_period: int
    n_dropped: int

    def to_frame(self, *, cents: bool = False) -> pd.DataFrame:
        """Return the bridge per period in currency units (or integer cents).

        Parameters
        ----------
        cents : bool, default False
            Return the exact integer cents instead of currency floats.

        Returns
        -------
        pandas.DataFrame
            Indexed by period; columns ``starting`` ... ``ending``.

        Examples
        --------
        >>> import pandas as pd
        >>> subs = pd.DataFrame({"customer_id": ["a", "b"],
        ...                      "start": pd.to_datetime(["2024-01-05", "2024-02-10"]),
        ...                      "end": pd.to_datetime([None, "2024-03-20"]),
        ...                      "mrr": [100.0, 49.99]})
        >>> print(mrr_bridge(subs).to_frame(cents=True))
                    starting    new  expansion  contraction  churned  reactivation  ending
        period
        2024-01-01         0  10000          0            0        0             0   10000
        2024-02-01     10000   4999          0            0        0             0   14999
        2024-03-01     14999      0          0            0    -4999             0   10000
        """
        if cents:
            return self.amounts.copy()
        return self.amounts / 100.0

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> MRRBridge:
        # Built here rather than by ResultMixin._from_fields, whose ``value in ("inf", ...)``
        # test is ambiguous for DataFrame fields (reported to the foundation owner).
        movements = fields["movements"].copy()
        movements["kind"] = pd.Categorical(movements["kind"], categories=list(MOVEMENTS))
        movements["period"] = pd.DatetimeIndex(movements["period"]).as_unit("ns")
        amounts = fields["amounts"].astype(np.int64)
        customers = fields["customers"].astype(np.int64)
        for frame in (amounts, customers):  # the JSON restore yields datetime64[us]
            frame.index = pd.DatetimeIndex(frame.index).as_unit("ns").rename("period")
        return cls(
            freq=str(fields["freq"]),
            amounts=amounts,
            customers=customers,
            movements=movements,
            n_intra_period=int(fields["n_intra_period"]),
            n_dropped=int(fields["n_dropped"]),
        )

    def _summary(self) -> dict[str, Any]:
        last = self.amounts.iloc[-1]
        return {
            "freq": self.freq,
            "periods": len(self.amounts),
            "first": str(self.amounts.index[0].date()),
            "last": str(self.amounts.index[-1].date()),
            "ending_mrr": round(float(last["ending"]) / 100.0, 2),
            "customers": int(self.customers["ending"].iloc[-1]),
        }

    def plot(
        self,
        ax: Any = None,
        *,
        kind: Literal["movements", "waterfall"] = "movements",
        period: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Plot MRR movements over time (stacked bars) or a waterfall of one period.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        kind : {"movements", "waterfall"}, default "movements"
            Movements per period with the net change as a line, or starting -> ending for one
            period (or the whole range).
        period : str or Timestamp, optional
            For ``kind="waterfall"``: the period; default the whole range (first starting MRR
            to last ending MRR, movements summed).
        **kwargs
            Passed to ``ax.bar``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        >>> import pandas as pd
        >>> subs = pd.DataFrame({"customer_id": ["a", "b"],
        ...                      "start": pd.to_datetime(["2024-01-05", "2024-02-10"]),
        ...                      "end": pd.to_datetime([None, "2024-03-20"]),
        ...                      "mrr": [100.0, 49.99]})
        >>> mrr_bridge(subs).plot(kind="waterfall").get_title()
        'MRR bridge'
        """
        check_choice("kind", kind, ("movements", "waterfall"))
        ax = get_axes(ax)
        table = self.to_frame()
        colors = dict(
            zip(
                MOVEMENTS, (PALETTE[2], PALETTE[0], PALETTE[1], PALETTE[3], PALETTE[4]), strict=True
            )
        )
        if kind == "movements":
            x = np.arange(len(table))
            pos = np.zeros(len(table))
            neg = np.zeros(len(table))
            for name in MOVEMENTS:
                values = table[name].to_numpy()
                bottom = np.where(values >= 0, pos, neg)
                ax.bar(x, values, bottom=bottom, color=colors[name], label=name, **kwargs)
                pos += np.maximum(values, 0)
                neg += np.minimum(values, 0)
            ax.plot(x, table[list(MOVEMENTS)].sum(axis=1), color="black", lw=1.5, label="net")
            step = max(1, len(x) // 12)
            ax.set_xticks(x[::step])
            ax.set_xticklabels([d.strftime("%Y-%m") for d in table.index[::step]], rotation=45)
            ax.axhline(0, color="black", lw=0.6)
            ax.set_ylabel("MRR movement")
            ax.set_title("MRR movements")
            ax.legend(frameon=False, ncol=3, fontsize="small")
            return ax
        if period is None:
            start, end = table["starting"].iloc[0], table["ending"].iloc[-1]
            moves = table[list(MOVEMENTS)].sum()
            title = "MRR bridge"
        else:
            stamp = pd.Timestamp(period)
            if stamp not in table.index:
                raise ParameterError(
                    f"period={period!r} is not a period of this bridge.",
                    hint=f"use a period start from {table.index[0].date()} to "
                    f"{table.index[-1].date()} (freq {self.freq!r}).",
                )
            row = table.loc[stamp]
            start, end = row["starting"], row["ending"]
            moves = pd.Series({name: row[name] for name in MOVEMENTS})
            title = f"MRR bridge {pd.Timestamp(period).date()}"
        order = ("new", "reactivation", "expansion", "contraction", "churned")
        labels = ["starting", *order, "ending"]
        level = float(start)
        ax.bar(0, level, color=PALETTE[7], **kwargs)
        for i, name in enumerate(order, start=1):
            value = float(moves[name])
            ax.bar(i, value, bottom=level, color=colors[name], **kwargs)
            level += value
        ax.bar(len(labels) - 1, float(end), color=PALETTE[7], **kwargs)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=30)
        ax.set_ylabel("MRR")
        ax.set_title(title)
        return ax


def _lag(spec: PeriodSpec) -> int:
    if spec.unit == "month":
        return 12 // spec.length
    if spec.unit == "week":
        return 52
    return 365


def mrr_bridge(
    data: FrameLike,
    *,
    freq: Freq = "MS",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    currency_col: str | None = "currency",
    as_of: Any = None,
    reactivation_window: int | None = None,
    on_invalid: OnInvalid = "raise",
    policy: MRRPolicy | None = None,
    partitioned_by: str | None = None,
) -> MRRBridge:
    """Split the change in MRR per period into new, expansion, contraction, churn, reactivation.

    Parameters
    ----------
    data : DataFrame-like or dask DataFrame
        Subscription intervals: one row per customer, start, end (null = active) and monthly
        recurring revenue. Overlapping intervals of one customer add up. Use
        :func:`mrr_from_invoices` for invoices and :func:`monthly_amount` for plan prices. A
        dask DataFrame is analysed partition by partition (see :mod:`saasmetrics.scale`), with
        the same result.
    freq : str, default "MS"
        Period grain: ``"MS"`` months, ``"QS"`` quarters, ``"YS"`` years, ``"W"``, ``"D"``.
    customer_col, start_col, end_col, mrr_col : str
        Column roles.
    currency_col : str or None, default "currency"
        If that column is present, all rows must share one currency.
    as_of : str or Timestamp, optional
        End of the data (exclusive, like interval ends): the last period reported is the one
        holding the last instant before ``as_of`` (``"2025-07-01"`` ends with June), and
        changes in later periods are ignored (a future cancellation is not a churn yet). In
        a last period cut short by ``as_of``, ends already known inside it still count.
        Default: the last start or end in the data.
    reactivation_window : int, optional
        A customer who returns after more than this many periods at zero counts as new, not
        reactivated. Default: any return of a former payer is a reactivation.
    on_invalid : {"raise", "drop"}, default "raise"
        Invalid rows (null ids or starts, negative or missing MRR, end before start, duplicated
        rows) raise an :class:`~saasmetrics.exceptions.InputError`, or are dropped with a
        warning and counted in ``n_dropped``.
    policy : MRRPolicy, optional
        Switches where billing analytics vendors disagree (churn timing, same-period new and
        churn, refunds, pauses, past-due grace, grouping window, fx rates), with presets
        ``MRRPolicy.chartmogul()``, ``.profitwell()``, ``.baremetrics()``. ``None`` (the
        default) is the behaviour described here. The bridge balances under every policy.
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole customers: the customer
        column (the shuffle by customer is skipped); see :mod:`saasmetrics.scale`. A
        customer with movements from two partitions raises ``ParameterError``.

    Returns
    -------
    MRRBridge
        ``.to_frame()`` per period, ``.customers`` counts, ``.movements`` per customer
        (ordered by customer id, then period).

    Raises
    ------
    InputError
        For invalid rows (see ``on_invalid``) or a mix of currencies.
    EmptyDataError
        If no row (or no paying row) is left.

    Notes
    -----
    Intervals are half-open ``[start, end)``. A period's MRR is what is active at its last
    instant, so a subscription starting 15 January is new in January and one ending 15 June
    churns in June. Per customer and period, with previous and current MRR:
    previous 0 and never paid before -> **new**; previous 0 and paid before ->
    **reactivation** (or new after ``reactivation_window``); up -> **expansion**; down but
    > 0 -> **contraction**; down to 0 -> **churned**. Zero-MRR (free) rows never make a
    customer. Customers still active in the last period are not churned. A customer who starts
    and cancels inside one period is never active at a period end, so appears in no snapshot
    and in no movement: the count is reported as ``n_intra_period``. Sums are exact in integer
    cents (MRR is rounded to cents once, per row).

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({
    ...     "customer_id": ["a", "b", "b", "c", "a"],
    ...     "start": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-03-01", "2024-02-05",
    ...                              "2024-05-01"]),
    ...     "end": pd.to_datetime(["2024-03-15", "2024-03-01", None, "2024-04-10", None]),
    ...     "mrr": [100.0, 50.0, 80.0, 30.0, 120.0],
    ... })
    >>> bridge = mrr_bridge(subs)
    >>> print(bridge.to_frame())
                starting    new  expansion  contraction  churned  reactivation  ending
    period
    2024-01-01       0.0  150.0        0.0          0.0      0.0           0.0   150.0
    2024-02-01     150.0   30.0        0.0          0.0      0.0           0.0   180.0
    2024-03-01     180.0    0.0       30.0          0.0   -100.0           0.0   110.0
    2024-04-01     110.0    0.0        0.0          0.0    -30.0           0.0    80.0
    2024-05-01      80.0    0.0        0.0          0.0      0.0         120.0   200.0
    """
    _check_bridge_options(on_invalid, reactivation_window)
    plan = _bridge_analysis(
        freq=freq,
        customer_col=customer_col,
        start_col=start_col,
        end_col=end_col,
        mrr_col=mrr_col,
        currency_col=currency_col,
        as_of=as_of,
        reactivation_window=reactivation_window,
        on_invalid=on_invalid,
        policy=policy,
    )
    return run(plan, data, partitioned_by=partitioned_by)


def _check_bridge_options(on_invalid: Any, reactivation_window: Any) -> None:
    check_choice("on_invalid", on_invalid, ("raise", "drop"))
    if reactivation_window is not None and (
        not isinstance(reactivation_window, int | np.integer) or reactivation_window < 0
    ):
        raise ParameterError(
            f"reactivation_window must be a whole number of periods >= 0 or None; "
            f"got {reactivation_window!r}."
        )


@dataclass(frozen=True, slots=True)
class _BridgePartial:
    """What a chunk of whole customers contributes to the bridge (all on the whole grid).

    Every total is a sum over customers, so chunks add: movement sums and counts per period
    and kind (``(n_periods, 5)``), ending MRR and paying customers per period, customers never
    active at a period end, rows dropped. The movements (the result lists them per customer)
    are concatenated; finalize orders them by customer id, then period.
    """

    amounts: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    ending: npt.NDArray[np.int64]
    ending_count: npt.NDArray[np.int64]
    customer: pd.Index
    period: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int64]
    previous: npt.NDArray[np.int64]
    level: npt.NDArray[np.int64]
    n_intra: int
    n_dropped: int


def _refuse_split_customers(a: pd.Index, b: pd.Index, customer_col: str) -> None:
    """Two chunks with movements of the same customer: the partitions split customers."""
    shared = b[b.isin(a)].unique()
    if len(shared):
        raise ParameterError(
            f"partitioned_by={customer_col!r} but the partitions do not hold all rows of each "
            f"{customer_col!r}: {len(shared)} customers are in several partitions "
            f"(e.g. {shared[0]!r}).",
            hint="leave partitioned_by=None to shuffle by customer.",
        )


def _merge_bridges(a: _BridgePartial, b: _BridgePartial) -> _BridgePartial:
    return _BridgePartial(
        amounts=a.amounts + b.amounts,
        counts=a.counts + b.counts,
        ending=a.ending + b.ending,
        ending_count=a.ending_count + b.ending_count,
        customer=a.customer.append(b.customer),
        period=np.r_[a.period, b.period],
        kind=np.r_[a.kind, b.kind],
        previous=np.r_[a.previous, b.previous],
        level=np.r_[a.level, b.level],
        n_intra=a.n_intra + b.n_intra,
        n_dropped=a.n_dropped + b.n_dropped,
    )


def _bridge_partial(
    parsed: ParsedSubscriptions, grid: PeriodGrid | None, reactivation_window: int | None
) -> _BridgePartial:
    """The bridge sums and movements of one chunk of whole customers."""
    if grid is None:  # nothing to report in the whole data: finalize raises
        none = np.zeros(0, dtype=np.int64)
        return _BridgePartial(
            np.zeros((0, len(MOVEMENTS)), dtype=np.int64),
            np.zeros((0, len(MOVEMENTS)), dtype=np.int64),
            none,
            none,
            pd.Index(parsed.uniques[:0]),
            none,
            none,
            none,
            none,
            0,
            parsed.n_dropped,
        )
    prep = on_grid(parsed, grid)
    n_periods = prep.n_periods
    codes, first, stop, cents = prep.codes, prep.first, prep.stop, prep.cents
    policy = prep.policy
    cp = kern.change_points(codes, first, stop, cents, n_periods)
    if policy is not None and not policy.free_plan_churn:
        # $0 rows keep a paying customer active: merge MRR with presence (rows in force)
        presence = kern.change_points(codes, first, stop, np.ones_like(cents), n_periods)
        points = active_points(cp, presence, reactivation_window)
        totals = kern.BridgeTotals(*active_totals(points, n_periods))
        in_range = (points.period < n_periods) & (points.kind >= 0)
        mv_customer = points.customer[in_range]
        mv_period = points.period[in_range]
        mv_kind = points.kind[in_range].astype(np.int64)
        mv_previous = points.previous[in_range]
        mv_level = points.level[in_range]
    else:
        kind = kern.classify_changes(cp, reactivation_window)
        totals = kern.bridge_totals(cp, kind, n_periods)
        in_range = cp.period < n_periods
        mv_customer = cp.customer[in_range]
        mv_period = cp.period[in_range]
        mv_kind = kind[in_range].astype(np.int64)
        mv_previous = cp.previous[in_range]
        mv_level = cp.level[in_range]
    intra = prep.intra
    if policy is not None and policy.count_same_period_churn:
        # customers never active at a period end: new and churned in their first paid period
        rows = np.flatnonzero(intra[codes] & (cents > 0) & (first >= 0) & (first < n_periods))
        if rows.size:
            order = np.lexsort((prep.start_ns[rows], codes[rows]))
            rows = rows[order]
            head = rows[np.r_[True, codes[rows][1:] != codes[rows][:-1]]]
            n_new = head.size
            per, amt = first[head], cents[head]
            np.add.at(totals.amounts[:, kern.KIND_NEW], per, amt)
            np.add.at(totals.amounts[:, kern.KIND_CHURNED], per, -amt)
            np.add.at(totals.counts[:, kern.KIND_NEW], per, 1)
            np.add.at(totals.counts[:, kern.KIND_CHURNED], per, 1)
            zeros = np.zeros(n_new, dtype=np.int64)
            mv_customer = np.r_[mv_customer, codes[head], codes[head]]
            mv_period = np.r_[mv_period, per, per]
            mv_kind = np.r_[
                mv_kind,
                np.full(n_new, kern.KIND_NEW, dtype=np.int64),
                np.full(n_new, kern.KIND_CHURNED, dtype=np.int64),
            ]
            mv_previous = np.r_[mv_previous, zeros, amt]
            mv_level = np.r_[mv_level, amt, zeros]
            order = np.lexsort((mv_period, mv_customer))
            mv_customer, mv_period, mv_kind = (
                mv_customer[order],
                mv_period[order],
                mv_kind[order],
            )
            mv_previous, mv_level = mv_previous[order], mv_level[order]
    return _BridgePartial(
        amounts=totals.amounts,
        counts=totals.counts,
        ending=totals.ending,
        ending_count=totals.ending_count,
        customer=pd.Index(prep.uniques[mv_customer]),
        period=np.asarray(mv_period, dtype=np.int64),
        kind=mv_kind,
        previous=np.asarray(mv_previous, dtype=np.int64),
        level=np.asarray(mv_level, dtype=np.int64),
        n_intra=int(np.count_nonzero(intra)),
        n_dropped=prep.n_dropped,
    )


def _by_customer(ids: pd.Index, period: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Movements ordered by customer id, then period (stable), whatever the chunks' order."""
    try:
        rank = pd.factorize(ids, sort=True)[0]
    except TypeError:  # ids of mixed types: order by their text
        rank = pd.factorize(np.array([repr(u) for u in ids], dtype=object), sort=True)[0]
    return np.lexsort((period, rank)).astype(np.int64, copy=False)


def _bridge_finalize(
    part: _BridgePartial,
    span: SubscriptionSpan,
    *,
    as_of: Any,
    spec: PeriodSpec,
    currency_col: str | None,
) -> MRRBridge:
    """The bridge tables from the merged sums; the whole data's checks first."""
    grid = period_grid(span, as_of=as_of, spec=spec, currency_col=currency_col)
    index = _period_index(np.arange(grid.p0, grid.last + 1, dtype=np.int64), spec)
    ending = part.ending
    amounts = pd.DataFrame(
        {
            "starting": np.r_[np.int64(0), ending[:-1]],
            **{name: part.amounts[:, i] for i, name in enumerate(MOVEMENTS)},
            "ending": ending,
        },
        index=index,
    )
    count_end = part.ending_count
    counts = pd.DataFrame(
        {
            "starting": np.r_[np.int64(0), count_end[:-1]],
            **{name: part.counts[:, i] for i, name in enumerate(MOVEMENTS)},
            "ending": count_end,
        },
        index=index,
    )
    order = _by_customer(part.customer, part.period)
    previous, level = part.previous[order], part.level[order]
    movements = pd.DataFrame(
        {
            "customer": part.customer[order],
            "period": index[part.period[order]],
            "kind": pd.Categorical.from_codes(
                part.kind[order], categories=pd.Index(list(MOVEMENTS))
            ),
            "previous": previous / 100.0,
            "current": level / 100.0,
            "change": (level - previous) / 100.0,
        }
    )
    return MRRBridge(
        freq=spec.freq,
        amounts=amounts,
        customers=counts,
        movements=movements,
        n_intra_period=part.n_intra,
        n_dropped=part.n_dropped,
    )


@register(mrr_bridge)
def _bridge_analysis(
    *,
    freq: Freq = "MS",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    currency_col: str | None = "currency",
    as_of: Any = None,
    reactivation_window: int | None = None,
    on_invalid: OnInvalid = "raise",
    policy: MRRPolicy | None = None,
) -> Analysis[_BridgePartial, MRRBridge]:
    """The bridge as partial / merge / finalize; the context is the span of paying periods."""
    _check_bridge_options(on_invalid, reactivation_window)
    policy = check_policy(policy)
    spec = _spec(freq)

    def prepare(data: FrameLike) -> ParsedSubscriptions:
        return parse_subscriptions(
            data,
            freq=freq,
            customer_col=customer_col,
            start_col=start_col,
            end_col=end_col,
            mrr_col=mrr_col,
            currency_col=currency_col,
            on_invalid=on_invalid,
            policy=policy,
        )

    def partial(parsed: ParsedSubscriptions, span: SubscriptionSpan) -> _BridgePartial:
        return _bridge_partial(parsed, _grid(span, as_of, spec), reactivation_window)

    def merge(a: _BridgePartial, b: _BridgePartial) -> _BridgePartial:
        _refuse_split_customers(a.customer, b.customer, customer_col)
        return _merge_bridges(a, b)

    def finalize(part: _BridgePartial, span: SubscriptionSpan) -> MRRBridge:
        return _bridge_finalize(part, span, as_of=as_of, spec=spec, currency_col=currency_col)

    return Analysis(
        name="mrr_bridge",
        keys=(customer_col,),
        key_roles=("customer_col",),
        prepare=prepare,
        context=subscription_span,
        merge_context=merge_spans,
        partial=partial,
        merge=merge,
        finalize=finalize,
    )


def saas_kpis(bridge: MRRBridge) -> pd.DataFrame:
    r"""SaaS KPIs per period from an MRR bridge: ARR, churn rates, quick ratio, NRR and GRR.

    Parameters
    ----------
    bridge : MRRBridge
        From :func:`mrr_bridge`, at any grain (build it with ``freq="QS"`` for quarterly KPIs;
        rates are then per quarter).

    Returns
    -------
    pandas.DataFrame
        Indexed by period, with columns (rates as fractions):

        - ``mrr``, ``arr`` (12 x MRR), ``customers`` (paying at period end), ``arpa`` (MRR per
          paying customer);
        - ``logo_churn_rate``: churned customers / customers at the start; customers who
          joined and churned in the same period (counted only under a policy with
          ``count_same_period_churn``) are left out, as in ChartMogul's formula;
        - ``gross_mrr_churn_rate``: (churned + contraction) / starting MRR;
        - ``net_mrr_churn_rate``: (churned + contraction - expansion - reactivation) /
          starting MRR, negative when expansion outgrows losses;
        - ``quick_ratio``: (new + expansion + reactivation) / (churned + contraction), and
          ``quick_ratio_excl_reactivation`` without reactivation;
        - ``nrr`` and ``grr``: 12-month cohort net and gross revenue retention: MRR now of the
          customers paying 12 months (4 quarters, 1 year...) before, over their MRR then; GRR
          caps each customer at their MRR then, so GRR <= NRR. Blank until 12 months exist.

        Rates are blank (NaN) when their denominator is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a"],
    ...     "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01"]),
    ...     "end": pd.to_datetime(["2024-02-01", "2024-03-01", None]),
    ...     "mrr": [100.0, 100.0, 150.0],
    ... })
    >>> kpis = saas_kpis(mrr_bridge(subs, as_of="2024-03-31"))
    >>> print(kpis[["mrr", "customers", "logo_churn_rate", "net_mrr_churn_rate", "quick_ratio"]])
                  mrr  customers  logo_churn_rate  net_mrr_churn_rate  quick_ratio
    period
    2024-01-01  200.0          2              NaN                 NaN          NaN
    2024-02-01  250.0          2              0.0               -0.25          NaN
    2024-03-01  150.0          1              0.5                0.40          0.0
    """
    if not isinstance(bridge, MRRBridge):
        raise ParameterError(
            f"saas_kpis reads an MRRBridge; got {type(bridge).__name__}.",
            hint="build it first: saas_kpis(mrr_bridge(subscriptions)).",
        )
    amounts = bridge.amounts.astype(np.float64) / 100.0
    counts = bridge.customers
    spec = _spec(bridge.freq)
    n = len(amounts)
    out = pd.DataFrame(index=amounts.index.copy())
    out["mrr"] = amounts["ending"]
    out["arr"] = 12.0 * amounts["ending"]
    out["customers"] = counts["ending"].astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["arpa"] = _ratio(amounts["ending"], counts["ending"])
        out["logo_churn_rate"] = _ratio(
            counts["churned"] - _same_period_churn(bridge), counts["starting"]
        )
        lost = -(amounts["churned"] + amounts["contraction"])
        gained = amounts["expansion"] + amounts["reactivation"]
        out["gross_mrr_churn_rate"] = _ratio(lost, amounts["starting"])
        out["net_mrr_churn_rate"] = _ratio(lost - gained, amounts["starting"])
        inflow = amounts["new"] + amounts["expansion"]
        out["quick_ratio"] = _ratio(inflow + amounts["reactivation"], lost)
        out["quick_ratio_excl_reactivation"] = _ratio(inflow, lost)
    # NRR and GRR from the per-customer levels recorded in the movements table.
    mv = bridge.movements
    codes = pd.factorize(mv["customer"].to_numpy())[0].astype(np.int64)
    period = np.searchsorted(
        pd.DatetimeIndex(amounts.index).asi8, pd.DatetimeIndex(mv["period"]).asi8
    )
    order = np.lexsort((period, codes))
    level = np.rint(mv["current"].to_numpy()[order] * 100.0).astype(np.int64)
    previous = np.rint(mv["previous"].to_numpy()[order] * 100.0).astype(np.int64)
    cp = kern.ChangePoints(codes[order], period[order].astype(np.int64), level, previous)
    base, net, gross, _ = kern.lagged_retention(cp, _lag(spec), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["nrr"] = np.where(base > 0, net / np.where(base > 0, base, 1), np.nan)
        out["grr"] = np.where(base > 0, gross / np.where(base > 0, base, 1), np.nan)
    return out[[*KPI_COLUMNS, "quick_ratio_excl_reactivation"]]


def _same_period_churn(bridge: MRRBridge) -> npt.NDArray[np.int64]:
    """Per period: customers with a new or reactivation and a churn movement in it."""
    mv = bridge.movements
    kind = mv["kind"].astype(str).to_numpy()
    joined = mv.loc[(kind == "new") | (kind == "reactivation"), ["customer", "period"]]
    left = mv.loc[kind == "churned", ["customer", "period"]]
    both = joined.drop_duplicates().merge(left.drop_duplicates(), on=["customer", "period"])
    counts = both.groupby("period").size()
    out: npt.NDArray[np.int64] = (
        counts.reindex(bridge.customers.index, fill_value=0).to_numpy().astype(np.int64)
    )
    return out


def _ratio(num: pd.Series, den: pd.Series) -> npt.NDArray[np.float64]:
    n = num.to_numpy(dtype=np.float64)
    d = den.to_numpy(dtype=np.float64)
    return np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)
