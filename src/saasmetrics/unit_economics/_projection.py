"""Churn-revenue projection: deterministic, Monte Carlo fan, steady state, layer cake."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import (
    MAX_CELLS,
    check_choice,
    check_int,
)
from saasmetrics.exceptions import ParameterError

__all__ = ("RevenueProjection", "project_revenue")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class RevenueProjection(ResultMixin):
    """Projected recurring revenue per period and the revenue churn takes away.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by period (0 = today): ``mrr`` (end of period), ``new``, ``expansion``,
        ``churned`` (revenue lost to churn in the period, positive), ``cumulative_churned``;
        with simulations also ``p10``, ``p50``, ``p90`` of MRR.
    steady_state_mrr : float
        The ceiling MRR converges to: new / (churn - expansion); ``inf`` when net churn <= 0
        (revenue then grows without bound).
    layers : pandas.DataFrame or None
        With a retention curve: MRR per period (rows) from each layer (columns: ``existing``
        and the cohort acquired in each period), the "layer cake".
    simulations : int
        Monte Carlo paths behind the percentiles (0 = deterministic only).

    Examples
    --------
    >>> proj = project_revenue(1000.0, 100.0, 0.05, periods=3)
    >>> proj
    RevenueProjection(periods=3, final_mrr=1142.62, steady_state_mrr=2000.0, simulations=0)
    >>> print(proj.to_frame().round(2))
                mrr    new  expansion  churned  cumulative_churned
    period
    0       1000.00    0.0        0.0     0.00                0.00
    1       1050.00  100.0        0.0    50.00               50.00
    2       1097.50  100.0        0.0    52.50              102.50
    3       1142.62  100.0        0.0    54.88              157.38
    """

    table: pd.DataFrame
    steady_state_mrr: float
    layers: pd.DataFrame | None = None
    simulations: int = 0

    def to_frame(self) -> pd.DataFrame:
        """Return the projection per period (a new frame).

        Returns
        -------
        pandas.DataFrame
            See :attr:`table`.

        Examples
        --------
        >>> print(project_revenue(1000, 100, 0.05, periods=2).to_frame())
                   mrr    new  expansion  churned  cumulative_churned
        period
        0       1000.0    0.0        0.0      0.0                 0.0
        1       1050.0  100.0        0.0     50.0                50.0
        2       1097.5  100.0        0.0     52.5               102.5
        """
        return self.table.copy()

    @property
    def bounded(self) -> bool:
        """Whether revenue converges to a finite ceiling (net churn > 0)."""
        return math.isfinite(self.steady_state_mrr)

    def _summary(self) -> dict[str, Any]:
        return {
            "periods": len(self.table) - 1,
            "final_mrr": round(float(self.table["mrr"].iloc[-1]), 2),
            "steady_state_mrr": (
                round(self.steady_state_mrr, 2) if self.bounded else "unbounded (net churn <= 0)"
            ),
            "simulations": self.simulations,
        }

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> RevenueProjection:
        steady = fields["steady_state_mrr"]
        return cls(
            table=fields["table"],
            steady_state_mrr=float(steady) if steady is not None else math.nan,
            layers=fields.get("layers"),
            simulations=int(fields.get("simulations", 0)),
        )

    def plot(self, ax: Any = None, *, kind: Literal["fan", "layers"] = "fan", **kwargs: Any) -> Any:
        """Plot the projection: MRR with its Monte Carlo fan, or the layer cake.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        kind : {"fan", "layers"}, default "fan"
            The MRR line (with 10th-90th percentile band when simulated) and the steady-state
            ceiling, or stacked cohort layers (needs a retention curve).
        **kwargs
            Passed to the MRR line.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        >>> proj = project_revenue(1000, 100, 0.05, periods=24, simulations=50, arpa=50, seed=0)
        >>> proj.plot().get_ylabel()
        'MRR'
        """
        check_choice("kind", kind, ("fan", "layers"))
        ax = get_axes(ax)
        t = self.table.index.to_numpy()
        if kind == "layers":
            if self.layers is None:
                raise ParameterError(
                    "This projection has no layers.",
                    hint="pass retention= to project_revenue for a layer cake.",
                )
            ax.stackplot(t, self.layers.to_numpy().T, alpha=0.85, linewidth=0)
            ax.set_title("MRR by cohort layer")
        else:
            if {"p10", "p90"} <= set(self.table.columns):
                ax.fill_between(
                    t,
                    self.table["p10"],
                    self.table["p90"],
                    color=PALETTE[0],
                    alpha=0.2,
                    label="10th-90th percentile",
                )
                ax.plot(t, self.table["p50"], color=PALETTE[1], ls="--", lw=1.5, label="median")
            ax.plot(t, self.table["mrr"], color=PALETTE[0], lw=2, label="expected", **kwargs)
            if self.bounded:
                ax.axhline(self.steady_state_mrr, color=PALETTE[3], ls=":", label="steady state")
            ax.legend(frameon=False, fontsize="small")
            ax.set_title("Projected MRR")
        ax.set_xlabel("period")
        ax.set_ylabel("MRR")
        return ax


def _retention_curve(retention: Any, periods: int) -> npt.NDArray[np.float64]:
    ages = np.arange(periods + 1, dtype=np.float64)
    if callable(retention):
        curve = np.asarray(retention(ages), dtype=np.float64).reshape(-1)
        if curve.size != ages.size:
            raise ParameterError(
                f"retention(ages) returned {curve.size} values for {ages.size} ages (0..periods).",
                hint="the callable must be vectorized: one survival value per age in the array.",
            )
    else:
        curve = np.asarray(retention, dtype=np.float64).reshape(-1)
        if curve.size < periods + 1:
            raise ParameterError(
                f"retention has {curve.size} values; {periods + 1} (ages 0..periods) are needed.",
                hint="pass a callable such as a fitted model's predict_survival.",
            )
        curve = curve[: periods + 1]
    if np.any(~np.isfinite(curve)) or np.any(curve < 0):
        raise ParameterError("retention values must be finite and >= 0.")
    return curve


_MAX_PERIODS = 100_000


def project_revenue(
    start_mrr: float,
    new_mrr: float,
    churn_rate: float,
    expansion_rate: float = 0.0,
    *,
    periods: int = 12,
    simulations: int = 0,
    arpa: float | None = None,
    retention: Sequence[float] | Callable[[Any], Any] | None = None,
    seed: int | np.random.Generator | None = None,
) -> RevenueProjection:
    r"""Project recurring revenue under constant churn, expansion and new business.

    Parameters
    ----------
    start_mrr : float
        Recurring revenue today (per period: MRR for months, ARR for years).
    new_mrr : float
        New recurring revenue added each period.
    churn_rate : float
        Share of revenue lost to churn per period, as a fraction.
    expansion_rate : float, default 0
        Expansion of existing revenue per period (net of contraction), as a fraction.
    periods : int, default 12
        Number of periods to project.
    simulations : int, default 0
        Monte Carlo paths for a 10th/50th/90th percentile fan; needs ``arpa``.
    arpa : float, optional
        Revenue per customer, so the simulation can churn and add whole customers (churn is
        binomial over customers, new customers Poisson).
    retention : sequence of float or callable, optional
        A fitted revenue retention curve by cohort age (1.0 at age 0), as values for ages
        ``0..periods`` or a callable of the age array (e.g. a fitted survival model's
        ``predict_survival``). Adds the layer cake: each period's new revenue decays along
        the curve, while today's revenue keeps the constant churn and expansion rates.
    seed : int or numpy.random.Generator, optional
        Randomness of the simulation.

    Returns
    -------
    RevenueProjection
        ``.to_frame()`` per period, ``.steady_state_mrr``, ``.layers``, ``.plot()``.

    Raises
    ------
    ParameterError
        For negative amounts, rates outside [0, 1], or simulations without ``arpa``.

    Notes
    -----
    Each period $\mathrm{MRR}_t = \mathrm{MRR}_{t-1}(1 - c + g) + N$: churn $c$ and
    expansion $g$ act on the revenue at the start of the period, and new revenue $N$ arrives
    at its end. Revenue converges to $N / (c - g)$ when $c > g$ and grows without bound
    otherwise. With ``retention`` the table's ``mrr`` is the sum of the layers.

    Examples
    --------
    A company with 10M of revenue and 30% annual churn loses 3M next year; at 100M it loses
    30M: the same churn rate costs more as the company grows.

    >>> for revenue in (10e6, 100e6):
    ...     lost = project_revenue(revenue, 0, 0.30, periods=1).to_frame().loc[1, "churned"]
    ...     print(f"revenue {revenue / 1e6:.0f}M -> loses {lost / 1e6:.0f}M next year")
    revenue 10M -> loses 3M next year
    revenue 100M -> loses 30M next year

    Twenty new customers a month at 5% monthly churn settle at 400 customers:

    >>> proj = project_revenue(0, 20, 0.05, periods=120)
    >>> proj.steady_state_mrr, round(float(proj.to_frame()["mrr"].iloc[-1]), 1)
    (400.0, 399.2)
    """
    values = {"start_mrr": start_mrr, "new_mrr": new_mrr}
    for name, value in values.items():
        if not (isinstance(value, int | float | np.number) and math.isfinite(value) and value >= 0):
            raise ParameterError(f"{name} must be a finite number >= 0; got {value!r}.")
    for name, value in {"churn_rate": churn_rate, "expansion_rate": expansion_rate}.items():
        if not (isinstance(value, int | float | np.number) and 0 <= value <= 1):
            raise ParameterError(
                f"{name} must lie in [0, 1] as a fraction per period; got {value!r}.",
                hint="pass 0.3 for 30%.",
            )
    periods = check_int("periods", periods, min_value=1, max_value=_MAX_PERIODS)
    simulations = check_int(
        "simulations", simulations, min_value=0, max_value=MAX_CELLS // (periods + 1)
    )
    if simulations and (arpa is None or not (math.isfinite(arpa) and arpa > 0)):
        raise ParameterError(
            "simulations need arpa (revenue per customer) to churn whole customers.",
            hint="pass arpa=, e.g. MRR divided by paying customers.",
        )
    c, g, n = float(churn_rate), float(expansion_rate), float(new_mrr)
    net = c - g
    steady = n / net if net > 0 else math.inf
    t = np.arange(periods + 1)
    keep = 1.0 - net
    geometric = keep**t
    base_mrr = np.empty(periods + 1)
    base_mrr[0] = float(start_mrr)
    for step in range(1, periods + 1):  # a loop over periods (not rows): exact recursion
        base_mrr[step] = base_mrr[step - 1] * keep + n
    layers = None
    if retention is not None:
        curve = _retention_curve(retention, periods)
        ages = t[:, None] - t[None, 1:]  # period x cohort (cohort j joins at the end of j)
        cohort = np.where(ages >= 0, n * curve[np.clip(ages, 0, periods)], 0.0)
        existing = float(start_mrr) * geometric
        layers = pd.DataFrame(
            np.column_stack([existing, cohort]),
            index=pd.RangeIndex(periods + 1, name="period"),
            columns=["existing", *[f"cohort {j}" for j in t[1:]]],
        )
        mrr = layers.sum(axis=1).to_numpy()
    else:
        mrr = base_mrr
    previous = np.r_[np.nan, mrr[:-1]]
    churned = np.where(t > 0, previous * c, 0.0)
    expansion = np.where(t > 0, previous * g, 0.0)
    new = np.where(t > 0, n, 0.0)
    if layers is not None:
        # with a retention curve, losses are whatever the layers shed
        churned = np.where(t > 0, previous + new - mrr + expansion, 0.0)
    table = pd.DataFrame(
        {
            "mrr": mrr,
            "new": new,
            "expansion": expansion,
            "churned": churned,
            "cumulative_churned": np.cumsum(churned),
        },
        index=pd.RangeIndex(periods + 1, name="period"),
    )
    if simulations:
        table = table.join(
            _simulate(float(start_mrr), n, c, g, periods, int(simulations), float(arpa), seed)  # type: ignore[arg-type]
        )
    return RevenueProjection(
        table=table, steady_state_mrr=steady, layers=layers, simulations=int(simulations)
    )


def _simulate(  # noqa: PLR0917 - private helper, called once
    start: float,
    new: float,
    churn: float,
    expansion: float,
    periods: int,
    simulations: int,
    arpa: float,
    seed: int | np.random.Generator | None,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = np.full(simulations, round(start / arpa), dtype=np.int64)
    mrr = np.full(simulations, start)
    paths = np.empty((periods + 1, simulations))
    paths[0] = mrr
    for step in range(1, periods + 1):  # loop over periods only; paths are vectorized
        lost = rng.binomial(customers, churn)
        share = np.divide(lost, customers, out=np.zeros(simulations), where=customers > 0)
        joined = rng.poisson(new / arpa, simulations)
        mrr = mrr * (1.0 - share + expansion) + joined * arpa
        customers = customers - lost + joined
        paths[step] = mrr
    q = np.percentile(paths, [10, 50, 90], axis=1)
    return pd.DataFrame(
        {"p10": q[0], "p50": q[1], "p90": q[2]}, index=pd.RangeIndex(periods + 1, name="period")
    )
