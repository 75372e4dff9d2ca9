"""``compare_models``: several attribution models on the same journeys, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics.attribution._attribution_model import (
    AttributionModel,
    attribute,
    require_journeys,
)
from saasmetrics.attribution._attribution_result import AttributionResult
from saasmetrics.attribution._heuristic import (
    FirstTouch,
    LastTouch,
    Linear,
    PositionBased,
    TimeDecay,
)
from saasmetrics.attribution._journeys import Journeys
from saasmetrics.attribution._markov import MarkovModel
from saasmetrics.attribution._shapley import ShapleyModel
from saasmetrics.exceptions import ParameterError

__all__ = ("ModelComparison", "compare_models")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class ModelComparison(ResultMixin):
    """Credits of several models side by side.

    Attributes
    ----------
    conversions : pandas.DataFrame
        Channel (index) by model (columns): conversions credited.
    results : dict of str to AttributionResult
        Each model's full result.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import FirstTouch, Journeys, LastTouch
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [2, 1], "nulls": [1, 2]})
    >>> cmp = compare_models(Journeys.from_paths(paths), [FirstTouch(), LastTouch()])
    >>> cmp.to_frame()
             FirstTouch()  LastTouch()
    channel
    a                 2.0          0.0
    b                 1.0          3.0
    """

    conversions: pd.DataFrame
    results: dict[str, AttributionResult]

    def to_frame(self, *, share: bool = False) -> pd.DataFrame:
        """Channel by model table of conversions (or shares with ``share=True``).

        Parameters
        ----------
        share : bool, default False
            Divide by each model's total.

        Returns
        -------
        pandas.DataFrame
            A copy.
        """
        frame = self.conversions.copy()
        return frame / frame.sum(axis=0) if share else frame

    def _summary(self) -> dict[str, Any]:
        return {"models": len(self.conversions.columns), "channels": len(self.conversions)}

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Grouped horizontal bars: channels, one bar per model.

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
        ax = get_axes(ax, figsize=(8.0, 5.0))
        frame = self.conversions.iloc[::-1]
        n_models = len(frame.columns)
        height = 0.8 / max(n_models, 1)
        y = np.arange(len(frame))
        for i, column in enumerate(frame.columns):
            ax.barh(
                y + i * height - 0.4 + height / 2,
                frame[column],
                height=height,
                color=PALETTE[i % len(PALETTE)],
                label=column,
                **kwargs,
            )
        ax.set_yticks(y, frame.index)
        ax.set_xlabel("conversions credited")
        ax.grid(visible=False, axis="y")
        ax.grid(visible=True, axis="x", alpha=0.3)
        ax.legend(frameon=False, fontsize="small")
        return ax


def compare_models(
    journeys: Journeys, models: Sequence[AttributionModel] | None = None
) -> ModelComparison:
    """Run several attribution models on the same journeys and line their credits up.

    Parameters
    ----------
    journeys : Journeys
        The journeys.
    models : sequence of AttributionModel, optional
        Default: first touch, last touch, linear, position-based, time decay (when the
        journeys have times), Markov order 1 and simplified Shapley.

    Returns
    -------
    ModelComparison
        ``.to_frame()`` (channel by model) and ``.plot()``.

    Raises
    ------
    InputError
        If ``journeys`` is not a :class:`Journeys`.
    ParameterError
        If ``models`` is empty or holds something that is not an attribution model.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys
    >>> paths = pd.DataFrame({"path": ["a > b", "b", "a"], "conversions": [2, 1, 0],
    ...                       "nulls": [1, 2, 3]})
    >>> compare_models(Journeys.from_paths(paths)).to_frame().round(2).T
    channel           a    b
    FirstTouch()    2.0  1.0
    LastTouch()     0.0  3.0
    Linear()        1.0  2.0
    PositionBased() 1.0  2.0
    MarkovModel()   1.0  2.0
    ShapleyModel()  1.0  2.0
    """
    require_journeys(journeys)
    if models is not None and len(models) == 0:
        raise ParameterError(
            "models is empty: there is nothing to compare.",
            hint="pass e.g. [LastTouch(), MarkovModel()], or leave models out for the defaults.",
        )
    if models is None:
        models = [FirstTouch(), LastTouch(), Linear(), PositionBased()]
        if journeys.elapsed_s is not None:
            models.append(TimeDecay())
        if journeys.nulls.sum() > 0:
            models.append(MarkovModel(order=1))
        models.append(ShapleyModel())
    results: dict[str, AttributionResult] = {}
    for model in models:
        result = attribute(journeys, model)
        results[result.model] = result
    table = pd.DataFrame(
        {name: res.credits.set_index("channel")["conversions"] for name, res in results.items()}
    )
    table = table.reindex(sorted(table.index))
    table.index.name = "channel"
    return ModelComparison(conversions=table, results=results)
