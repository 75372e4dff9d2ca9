"""Health x temperature segments, and the customer-success composite (outcome x experience)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_float
from saasmetrics.exceptions import DataQualityWarning, InputError, ParameterError, SchemaError
from saasmetrics.health._score import HealthScores

__all__ = ("CS_PLAYS", "HEALTH_TEMPERATURE_PLAYS", "Quadrants", "cs_composite", "quadrants")

HEALTH_TEMPERATURE_PLAYS: dict[str, str] = {
    "champions": "Expand: propose the upgrade or more seats; ask for referrals and case studies.",
    "happy_not_buying": "Find out why they do not buy: discovery on unmet needs, budget, pricing.",
    "eager_struggling": "Train them to use it: onboarding, enablement and a success plan first.",
    "at_risk": "Rescue or let go: executive outreach, root-cause the problems, protect renewal.",
}
"""Segment (high/low health x high/low temperature) to the play for it."""

CS_PLAYS: dict[str, str] = {
    "advocates": "Reference and expand: ask for advocacy, case studies and referrals.",
    "successful_but_frustrated": "Fix the experience: support, friction, relationship.",
    "happy_but_unsuccessful": "Deliver outcomes: agree success metrics and a value plan.",
    "at_risk": "Escalate: executive sponsor and a recovery plan.",
}
"""Segment (high/low outcome x high/low experience) to the play for it."""

_HT_SEGMENTS = {  # (high health, high temperature) -> segment
    (True, True): "champions",
    (True, False): "happy_not_buying",
    (False, True): "eager_struggling",
    (False, False): "at_risk",
}
_CS_SEGMENTS = {  # (high outcome, high experience) -> segment
    (True, True): "advocates",
    (True, False): "successful_but_frustrated",
    (False, True): "happy_but_unsuccessful",
    (False, False): "at_risk",
}


def _series(values: Any, name: str) -> pd.Series:
    if isinstance(values, HealthScores):
        return values.score.rename(name)
    if isinstance(values, pd.DataFrame):
        raise InputError(
            f"{name} must be one value per account (a Series or array); got a DataFrame.",
            hint=f"pick its column, e.g. frame[{name!r}].",
        )
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if not (
        pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)
    ):
        raise SchemaError(
            f"{name} must be numeric; got dtype {series.dtype} (values like "
            f"{series.head(3).tolist()!r}).",
            hint="convert it first, e.g. with pd.to_numeric(...).",
        )
    out = pd.Series(
        series.to_numpy(dtype=np.float64, na_value=np.nan), index=series.index, name=name
    )
    return out


def _align(
    x: pd.Series, y: pd.Series, *, x_keyed: bool, y_keyed: bool
) -> tuple[pd.Series, pd.Series]:
    """Align two per-account inputs: on their index when both are keyed (Series or scores).

    An array has no account ids: it must have the other input's length and takes its index.
    Accounts present in only one keyed input are dropped with a warning, never silently.
    """
    if not (x_keyed and y_keyed) or (len(x) == len(y) and x.index.equals(y.index)):
        if len(x) != len(y):
            raise InputError(
                f"{x.name} has {len(x)} values but {y.name} has {len(y)}.",
                hint="pass one value per account in the same order, or Series indexed by "
                "account id.",
            )
        if x_keyed:
            return x, y.set_axis(x.index)
        return x.set_axis(y.index), y
    if not x.index.is_unique or not y.index.is_unique:
        raise InputError("Both inputs need unique indexes (account ids) to be aligned.")
    common = x.index.intersection(y.index, sort=False)
    if len(common) == 0:
        raise InputError(
            f"The two inputs share no index labels ({len(x)} and {len(y)} rows).",
            hint="index both by account id, or pass arrays of the same length and order.",
        )
    n_x, n_y = len(x) - len(common), len(y) - len(common)
    if n_x or n_y:
        warnings.warn(
            f"Only {len(common):,} accounts are in both inputs: dropped {n_x:,} found only in "
            f"{x.name} and {n_y:,} found only in {y.name}.",
            DataQualityWarning,
            stacklevel=3,
        )
    return x.loc[common], y.loc[common]


def _keyed(values: Any) -> bool:
    return isinstance(values, pd.Series | HealthScores)


def _finite(s: pd.Series) -> None:
    bad = ~np.isfinite(s.to_numpy())
    if bad.any():
        raise InputError.bad_values(
            str(s.name), "missing values or infinities", n_bad=int(bad.sum()), n_rows=len(s),
            hint="drop or fill those accounts first (a segment needs both values).",
        )  # fmt: skip


def _cut(values: pd.Series, cut: float | None, name: str) -> float:
    if cut is None:
        return float(values.median())
    return check_float(name, cut)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Quadrants(ResultMixin):
    """Accounts in four named segments of a 2x2 grid, with the play for each.

    Attributes
    ----------
    table : pandas.DataFrame
        Per account: the two axes (``health`` and ``temperature``, or ``outcome``,
        ``experience`` and ``composite``), ``segment`` and ``play``.
    x, y : str
        Column names of the horizontal and vertical axes.
    x_cut, y_cut : float
        The cuts; a value at or above a cut is *high*.
    plays : dict
        Segment to play.
    kind : str
        ``"health_temperature"`` or ``"outcome_experience"``.

    Examples
    --------
    >>> import pandas as pd
    >>> q = quadrants(pd.Series([80.0, 20.0]), pd.Series([0.9, 0.9]), temperature_cut=0.5)
    >>> q  # doctest: +ELLIPSIS
    Quadrants(kind='health_temperature', accounts=2, champions=1, ...)
    >>> q.counts()["accounts"].tolist()
    [1, 0, 1, 0]
    """

    table: pd.DataFrame
    x: str
    y: str
    x_cut: float
    y_cut: float
    plays: dict[str, str]
    kind: str

    def to_frame(self) -> pd.DataFrame:
        """Per-account table (a copy).

        Returns
        -------
        pandas.DataFrame
            Axes, ``segment`` and ``play``.
        """
        return self.table.copy()

    def counts(self) -> pd.DataFrame:
        """Accounts and share per segment, with the play.

        Returns
        -------
        pandas.DataFrame
            Indexed by segment, in the order of :attr:`plays`.
        """
        n = self.table["segment"].value_counts().reindex(list(self.plays), fill_value=0)
        total = max(int(n.sum()), 1)
        return pd.DataFrame(
            {"accounts": n, "share": n / total, "play": pd.Series(self.plays)},
        ).rename_axis("segment")

    def _summary(self) -> dict[str, Any]:
        counts = self.table["segment"].value_counts()
        return {
            "kind": self.kind,
            "accounts": len(self.table),
            **{k: int(counts.get(k, 0)) for k in self.plays},
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Scatter of the accounts on the two axes, coloured by segment, with the cuts.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            Passed to ``ax.scatter``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        ax = get_axes(ax, figsize=(6.0, 5.0))
        colors = dict(
            zip(self.plays, (PALETTE[2], PALETTE[0], PALETTE[1], PALETTE[3]), strict=True)
        )
        kwargs.setdefault("s", 12)
        kwargs.setdefault("alpha", 0.6)
        for segment, color in colors.items():
            part = self.table[self.table["segment"] == segment]
            ax.scatter(part[self.x], part[self.y], color=color, label=segment, **kwargs)
        ax.axvline(self.x_cut, color="#334155", lw=1, ls="--")
        ax.axhline(self.y_cut, color="#334155", lw=1, ls="--")
        ax.set_xlabel(self.x)
        ax.set_ylabel(self.y)
        ax.legend(frameon=False, fontsize="small", loc="best")
        ax.set_title("Health x temperature" if self.kind == "health_temperature" else "CO x CX")
        return ax


def _segments(high_x: npt.NDArray[np.bool_], high_y: npt.NDArray[np.bool_],
              names: dict[tuple[bool, bool], str]) -> npt.NDArray[np.object_]:  # fmt: skip
    grid = np.array(
        [
            [names[(False, False)], names[(False, True)]],
            [names[(True, False)], names[(True, True)]],
        ],
        dtype=object,
    )
    out: npt.NDArray[np.object_] = grid[high_x.astype(int), high_y.astype(int)]
    return out


def quadrants(
    health: HealthScores | pd.Series | Any,
    temperature: pd.Series | Any,
    *,
    health_cut: float | None = 50.0,
    temperature_cut: float | None = None,
) -> Quadrants:
    """Health x temperature: four segments of accounts, each with its play.

    *Health* says whether the account gets value (e.g. a :class:`HealthScores` score);
    *temperature* how likely it is to convert or expand (e.g. an expansion propensity, seats
    requested, pricing-page visits). High health and high temperature: *champions*, expand them.
    High health, low temperature: *happy_not_buying*, find out why they do not buy. Low health,
    high temperature: *eager_struggling*, train them to use it. Low both: *at_risk*.

    Parameters
    ----------
    health : HealthScores, pandas.Series or array-like
        Health per account.
    temperature : pandas.Series or array-like
        Temperature per account. Two Series (or scores) are aligned on their index (accounts
        in only one of them are dropped with a warning); an array must have the other input's
        length and order.
    health_cut : float or None, default 50
        Health at or above it is high; ``None`` uses the median.
    temperature_cut : float or None, default None
        Temperature at or above it is high; ``None`` uses the median.

    Returns
    -------
    Quadrants
        ``.to_frame()`` per account, ``.counts()`` per segment, ``.plot()`` a scatter.

    Raises
    ------
    InputError
        If the inputs cannot be aligned, differ in length, or hold missing or infinite values.
    SchemaError
        If an input is not numeric.

    Warns
    -----
    DataQualityWarning
        If accounts are dropped because only one of two indexed inputs has them.

    Examples
    --------
    >>> import pandas as pd
    >>> health = pd.Series([80, 30, 90, 20], index=["a", "b", "c", "d"])
    >>> temperature = pd.Series([0.9, 0.8, 0.1, 0.2], index=["a", "b", "c", "d"])
    >>> q = quadrants(health, temperature, health_cut=50, temperature_cut=0.5)
    >>> q.to_frame()[["health", "temperature", "segment"]]
       health  temperature           segment
    a    80.0          0.9         champions
    b    30.0          0.8  eager_struggling
    c    90.0          0.1  happy_not_buying
    d    20.0          0.2           at_risk
    >>> print(q.counts().loc["eager_struggling", "play"])
    Train them to use it: onboarding, enablement and a success plan first.
    """
    h, t = _align(
        _series(health, "health"),
        _series(temperature, "temperature"),
        x_keyed=_keyed(health),
        y_keyed=_keyed(temperature),
    )
    _finite(h)
    _finite(t)
    hc = _cut(h, health_cut, "health_cut")
    tc = _cut(t, temperature_cut, "temperature_cut")
    seg = _segments(h.to_numpy() >= hc, t.to_numpy() >= tc, _HT_SEGMENTS)
    table = pd.DataFrame({"health": h, "temperature": t, "segment": seg}, index=h.index)
    table["play"] = table["segment"].map(HEALTH_TEMPERATURE_PLAYS)
    return Quadrants(
        table=table,
        x="health",
        y="temperature",
        x_cut=hc,
        y_cut=tc,
        plays=dict(HEALTH_TEMPERATURE_PLAYS),
        kind="health_temperature",
    )


def cs_composite(
    outcome: HealthScores | pd.Series | Any,
    experience: HealthScores | pd.Series | Any,
    *,
    weights: tuple[float, float] = (0.8, 0.2),
    outcome_cut: float | None = 50.0,
    experience_cut: float | None = 50.0,
) -> Quadrants:
    """The customer-success composite: customer outcome (CO) and experience (CX), 80/20.

    ``composite = w_CO * outcome + w_CX * experience`` (weights renormalised to sum to 1), and
    the CO x CX quadrants: *advocates* (both high), *successful_but_frustrated* (value without a
    good experience: fix the experience), *happy_but_unsuccessful* (goodwill without value:
    deliver outcomes) and *at_risk*.

    Parameters
    ----------
    outcome : HealthScores, pandas.Series or array-like
        Outcome score per account, 0-100 (value achieved: goals met, ROI, adoption).
    experience : HealthScores, pandas.Series or array-like
        Experience score per account, 0-100 (CSAT, NPS, support experience).
    weights : tuple of float, default (0.8, 0.2)
        Weights of outcome and experience.
    outcome_cut, experience_cut : float or None, default 50
        At or above is high; ``None`` uses the median.

    Returns
    -------
    Quadrants
        Columns ``outcome``, ``experience``, ``composite``, ``segment``, ``play``.

    Raises
    ------
    ParameterError
        If the weights are not two non-negative numbers summing to more than 0.
    InputError, SchemaError
        As for :func:`quadrants`.

    Examples
    --------
    >>> import pandas as pd
    >>> co = pd.Series([90, 90, 20, 20], index=list("abcd"))
    >>> cx = pd.Series([90, 10, 90, 10], index=list("abcd"))
    >>> cs_composite(co, cx).to_frame()[["composite", "segment"]]
       composite                    segment
    a       90.0                  advocates
    b       74.0  successful_but_frustrated
    c       34.0     happy_but_unsuccessful
    d       18.0                    at_risk
    """
    try:
        w_o, w_e = (float(w) for w in weights)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"weights must be two numbers (outcome, experience); got {weights!r}."
        ) from exc
    if not (np.isfinite(w_o) and np.isfinite(w_e)) or w_o < 0 or w_e < 0 or w_o + w_e <= 0:
        raise ParameterError(f"weights must be non-negative and sum to > 0; got {weights!r}.")
    o, e = _align(
        _series(outcome, "outcome"),
        _series(experience, "experience"),
        x_keyed=_keyed(outcome),
        y_keyed=_keyed(experience),
    )
    _finite(o)
    _finite(e)
    oc = _cut(o, outcome_cut, "outcome_cut")
    ec = _cut(e, experience_cut, "experience_cut")
    composite = (w_o * o + w_e * e) / (w_o + w_e)
    seg = _segments(o.to_numpy() >= oc, e.to_numpy() >= ec, _CS_SEGMENTS)
    table = pd.DataFrame(
        {"outcome": o, "experience": e, "composite": composite, "segment": seg}, index=o.index
    )
    table["play"] = table["segment"].map(CS_PLAYS)
    return Quadrants(
        table=table, x="outcome", y="experience", x_cut=oc, y_cut=ec, plays=dict(CS_PLAYS),
        kind="outcome_experience",
    )  # fmt: skip
