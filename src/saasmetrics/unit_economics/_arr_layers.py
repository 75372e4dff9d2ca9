"""The ARR layer cake: ARR per period, stacked by the cohort (year, quarter...) that brought it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_choice
from saasmetrics.typing import FrameLike, Freq, OnInvalid
from saasmetrics.unit_economics._policy import MRRPolicy
from saasmetrics.unit_economics._revenue_cohorts import cohort_grid
from saasmetrics.unit_economics._subscriptions import prepare_subscriptions

__all__ = ("ARRLayers", "arr_layers")

Layer = Literal["year", "quarter", "month", "cohort"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class ARRLayers(ResultMixin):
    """ARR per period, split by the acquisition cohort layer of its customers.

    Attributes
    ----------
    table : pandas.DataFrame
        Long: ``period``, ``layer``, ``arr`` (12 x MRR of the layer's customers).
    freq : str
        Period grain.
    layer : str
        How cohorts are grouped into layers.

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> company = make_saas_company()
    >>> cake = arr_layers(company.subscriptions, as_of=company.as_of)
    >>> cake
    ARRLayers(periods=18, layers=2, layer='year', freq='MS', last_arr=...)
    """

    table: pd.DataFrame
    freq: str
    layer: str

    def to_frame(self) -> pd.DataFrame:
        """ARR per period and layer (a new frame).

        Returns
        -------
        pandas.DataFrame
            ``period``, ``layer``, ``arr``; per period the layers add up to 12 x the
            bridge's ending MRR.
        """
        return self.table.copy()

    def pivot(self) -> pd.DataFrame:
        """Period x layer table of ARR.

        Returns
        -------
        pandas.DataFrame
            Rows periods, columns layers (oldest first); 0 before a layer starts.
        """
        wide = self.table.pivot(index="period", columns="layer", values="arr")
        return wide.fillna(0.0)  # a layer is 0 before its first cohort

    def _summary(self) -> dict[str, Any]:
        last = self.table["period"].max()
        return {
            "periods": int(self.table["period"].nunique()),
            "layers": int(self.table["layer"].nunique()),
            "layer": self.layer,
            "freq": self.freq,
            "last_arr": round(float(self.table.loc[self.table["period"] == last, "arr"].sum()), 2),
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The layer cake: ARR stacked by cohort layer, oldest at the bottom.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            Passed to ``ax.stackplot``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        >>> from saasmetrics.datasets import make_saas_company
        >>> company = make_saas_company(300, seed=1, months=6)
        >>> arr_layers(company.subscriptions, layer="quarter").plot().get_title()
        'ARR by quarter cohort'
        """
        ax = get_axes(ax)
        wide = self.pivot()
        colors = [PALETTE[i % len(PALETTE)] for i in range(wide.shape[1])]
        ax.stackplot(
            wide.index,
            wide.to_numpy().T,
            labels=[str(c) for c in wide.columns],
            colors=colors,
            **kwargs,
        )
        ax.set_ylabel("ARR")
        ax.set_title(f"ARR by {self.layer} cohort")
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], frameon=False, fontsize="small", loc="upper left")
        return ax


def arr_layers(
    subscriptions: FrameLike,
    *,
    freq: Freq = "MS",
    layer: Layer = "year",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    currency_col: str | None = "currency",
    as_of: Any = None,
    policy: MRRPolicy | None = None,
    on_invalid: OnInvalid = "raise",
) -> ARRLayers:
    """ARR per period stacked by the cohort that brought it: the "layer cake".

    Each customer belongs to the layer of their first paid period (their revenue cohort),
    for life: expansion, contraction and reactivation stay in that layer.

    Parameters
    ----------
    subscriptions : DataFrame-like
        Subscription intervals (as for :func:`mrr_bridge`).
    freq : str, default "MS"
        Period grain of the ARR series.
    layer : {"year", "quarter", "month", "cohort"}, default "year"
        Cohorts grouped by calendar year (``"2024"``), quarter (``"2024Q1"``), month
        (``"2024-01"``), or one layer per cohort of ``freq`` (``"cohort"``).
    customer_col, start_col, end_col, mrr_col, currency_col : str
        Column roles.
    as_of, policy, on_invalid
        As for :func:`mrr_bridge`.

    Returns
    -------
    ARRLayers
        ``.to_frame()`` (``period``, ``layer``, ``arr``), ``.pivot()``, ``.plot()``.

    Raises
    ------
    ParameterError
        For an unknown ``layer`` (or one finer than ``freq``).

    Notes
    -----
    ARR is 12 x MRR, summed exactly in integer cents, so each period's layers add up to
    12 x the ending MRR of :func:`mrr_bridge` with the same arguments.

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a"],
    ...     "start": pd.to_datetime(["2023-11-05", "2024-02-01", "2024-03-01"]),
    ...     "end": pd.to_datetime(["2024-03-01", None, None]),
    ...     "mrr": [100.0, 50.0, 150.0],
    ... })
    >>> print(arr_layers(subs, freq="QS", as_of="2024-07-01").pivot())
    layer         2023   2024
    period
    2023-10-01  1200.0    0.0
    2024-01-01  1800.0  600.0
    2024-04-01  1800.0  600.0
    """
    check_choice("layer", layer, ("year", "quarter", "month", "cohort"))
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
    grid = cohort_grid(prep)
    cohort_dates = pd.DatetimeIndex(grid.cohorts)
    if layer == "year":
        names = cohort_dates.strftime("%Y")
    elif layer == "quarter":
        names = pd.Index([f"{d.year}Q{d.quarter}" for d in cohort_dates])
    elif layer == "month":
        names = cohort_dates.strftime("%Y-%m")
    else:
        names = pd.Index([str(d.date()) for d in cohort_dates])
    codes, labels = pd.factorize(names, sort=True)
    n_layers = len(labels)
    # cohort x age -> layer x period, in cents
    cohort_idx, age = np.nonzero(grid.observed)
    period = grid.cohort_offset[cohort_idx] + age
    cents = grid.sums.mrr[cohort_idx, age]
    flat = codes[cohort_idx].astype(np.int64) * prep.n_periods + period
    flat_sums = np.zeros(n_layers * prep.n_periods, dtype=np.int64)
    np.add.at(flat_sums, flat, cents)
    sums = flat_sums.reshape(n_layers, prep.n_periods)
    # a layer starts at its first cohort's period
    first = np.full(n_layers, prep.n_periods, dtype=np.int64)
    np.minimum.at(first, codes.astype(np.int64), grid.cohort_offset[: grid.n_cohorts])
    lay, per = np.nonzero(np.arange(prep.n_periods)[None, :] >= first[:, None])
    order = np.lexsort((lay, per))
    lay, per = lay[order], per[order]
    table = pd.DataFrame(
        {
            "period": prep.index[per],
            "layer": np.asarray(labels, dtype=object)[lay],
            "arr": 12 * sums[lay, per] / 100.0,
        }
    )
    return ARRLayers(table=table, freq=prep.spec.freq, layer=layer)
