"""``AttributionResult``: the conversions and value one attribution model credits to channels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin, as_count

__all__ = ("AttributionResult",)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class AttributionResult(ResultMixin):
    """Conversions and value credited to each channel by one model.

    Attributes
    ----------
    model : str
        The model, e.g. ``"MarkovModel(order=1)"``.
    credits : pandas.DataFrame
        One row per channel: ``channel``, ``conversions``, ``value``, ``share`` (of all
        conversions), sorted by conversions, largest first.
    total_conversions, total_value : float
        What was distributed; the credits sum to these exactly.
    removal_effects : pandas.Series or None
        Markov only: the relative drop in conversion probability without each channel.
    conversion_probability : float or None
        Markov only: probability that a journey converts.
    transition_matrix : pandas.DataFrame or None
        Markov only: ``from``, ``to``, ``probability`` of every observed transition.
    std_error : pandas.Series or None
        Sampled Shapley only: Monte Carlo standard error of each channel's conversions.
    by_position : pandas.DataFrame or None
        Ordered Shapley only: channel by position (1st, 2nd... distinct channel of the
        journey) of the conversions credited.
    notes : tuple of str
        Anything the reader must know (negative credits, sampling, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys, LastTouch, attribute
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [2, 1], "nulls": [0, 0]})
    >>> res = attribute(Journeys.from_paths(paths), LastTouch())
    >>> res
    AttributionResult(model='LastTouch()', channels=2, conversions=3, value=0.0)
    >>> res.to_frame()
      channel  conversions  value  share
    0       b          3.0    0.0    1.0
    1       a          0.0    0.0    0.0
    """

    model: str
    credits: pd.DataFrame
    total_conversions: float
    total_value: float
    removal_effects: pd.Series | None = None
    conversion_probability: float | None = None
    transition_matrix: pd.DataFrame | None = None
    std_error: pd.Series | None = None
    by_position: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Credits per channel: ``channel``, ``conversions``, ``value``, ``share`` (a copy).

        Returns
        -------
        pandas.DataFrame
            One row per channel.
        """
        return self.credits.copy()

    def _summary(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "channels": len(self.credits),
            "conversions": as_count(self.total_conversions),
            "value": round(self.total_value, 6),
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars of conversions credited to each channel.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            Passed to ``ax.barh``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        ax = get_axes(ax)
        frame = self.credits.iloc[::-1]
        ax.barh(frame["channel"], frame["conversions"], color=PALETTE[0], **kwargs)
        ax.set_xlabel("conversions credited")
        ax.set_title(self.model)
        ax.grid(visible=False, axis="y")
        ax.grid(visible=True, axis="x", alpha=0.3)
        return ax
