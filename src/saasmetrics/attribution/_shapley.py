"""Shapley-value attribution: the simplified game (closed form) and the conversion-rate game."""

from __future__ import annotations

import warnings
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._kernels import attribution as kern
from saasmetrics._validation import as_python_number, check_choice
from saasmetrics.attribution._attribution_model import AttributionModel, channel_index
from saasmetrics.attribution._journeys import Journeys
from saasmetrics.exceptions import InputError, ParameterError, SaasMetricsWarning

__all__ = ("ShapleyModel",)

F64 = npt.NDArray[np.float64]


class ShapleyModel(AttributionModel):
    """Shapley-value attribution: each channel's average marginal contribution.

    Two games are offered. ``"simplified"`` (Zhao et al., 2018): a coalition of channels is
    worth the conversions of journeys that used only channels in it; its Shapley values have a
    closed form (each journey's conversions split equally over its distinct channels), exact
    for any number of channels. ``"conversion_rate"``: a coalition is worth the conversion rate
    of journeys that used only its channels; values are computed exactly by enumerating all
    coalitions as bitmasks up to ``max_exact`` channels, and by sampling channel orders
    beyond (with a warning, a seed and a standard error). Values are scaled so that credits
    sum to the total conversions; in the conversion-rate game, value is split in the same
    shares as conversions (the simplified game splits each journey's value like its
    conversions). In the conversion-rate game a channel whose journeys convert
    worse than those without it has a *negative* value; ``negative="keep"`` keeps it (and
    says so in the result's notes and a warning), ``negative="clip"`` sets it to zero and
    rescales the others.

    Parameters
    ----------
    game : {"simplified", "conversion_rate"}, default "simplified"
        The coalition game.
    max_exact : int, default 20
        Most channels for exact enumeration (``2 ** max_exact`` coalitions).
    n_samples : int, default 2000
        Channel orders sampled beyond ``max_exact``.
    ordered : bool, default False
        Ordered variant of the simplified game (Zhao et al.): also split each channel's credit
        by the position at which it entered the journey (``position_credits_``).
    negative : {"keep", "clip"}, default "keep"
        What to do with negative values.
    random_state : int, Generator or None, default None
        Seed for sampling.

    Attributes
    ----------
    values_ : pandas.Series
        Raw Shapley values of the game, per channel.
    std_error_ : pandas.Series or None
        Monte Carlo standard error of the credited conversions (sampling only).
    exact_ : bool
        Whether the values are exact.
    position_credits_ : pandas.DataFrame or None
        With ``ordered=True``: channel by entry position, conversions credited.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys, attribute
    >>> paths = pd.DataFrame({"path": ["a > b", "a", "b > c"], "conversions": [2, 1, 3],
    ...                       "nulls": [2, 3, 1]})
    >>> jrn = Journeys.from_paths(paths)
    >>> attribute(jrn, ShapleyModel()).to_frame().round(3)
      channel  conversions  value  share
    0       b          2.5    0.0  0.417
    1       a          2.0    0.0  0.333
    2       c          1.5    0.0  0.250
    """

    _params = ("game", "ordered", "max_exact", "n_samples", "negative", "random_state")

    def __init__(
        self,
        *,
        game: Literal["simplified", "conversion_rate"] = "simplified",
        ordered: bool = False,
        max_exact: int = 20,
        n_samples: int = 2000,
        negative: Literal["keep", "clip"] = "keep",
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.game = game
        self.ordered = ordered
        self.max_exact = as_python_number(max_exact)
        self.n_samples = as_python_number(n_samples)
        self.negative = negative
        self.random_state = random_state

    def _validate(self, journeys: Journeys) -> None:
        check_choice("game", self.game, ("simplified", "conversion_rate"))
        check_choice("negative", self.negative, ("keep", "clip"))
        if self.ordered and self.game != "simplified":
            raise ParameterError(
                "ordered=True is defined for game='simplified' only.",
                hint="use ShapleyModel(game='simplified', ordered=True).",
            )
        if (
            isinstance(self.max_exact, bool)
            or not isinstance(self.max_exact, int)
            or not 1 <= self.max_exact <= 26
        ):
            raise ParameterError(
                f"max_exact must be an integer from 1 to 26; got {self.max_exact!r}."
            )
        if (
            isinstance(self.n_samples, bool)
            or not isinstance(self.n_samples, int)
            or self.n_samples < 10
        ):
            raise ParameterError(f"n_samples must be an integer >= 10; got {self.n_samples!r}.")
        if journeys.n_channels > 63:
            raise InputError(
                f"Shapley attribution supports up to 63 channels; got {journeys.n_channels}.",
                hint="group rare channels together first.",
            )
        if journeys.total_conversions <= 0:
            raise InputError("The journeys have no conversions, so there is nothing to attribute.")

    def fit(self, journeys: Journeys) -> Self:
        self._check(journeys)
        n = journeys.n_channels
        masks = kern.channel_set_masks(journeys.offsets, journeys.codes)
        index = channel_index(journeys)
        notes: list[str] = []
        std_error: F64 | None = None
        self.exact_ = True
        self.position_credits_: pd.DataFrame | None = None
        if self.game == "simplified":
            values = kern.simplified_shapley(masks, journeys.conversions, n)
            if self.ordered:
                grid = kern.ordered_simplified_shapley(
                    journeys.offsets, journeys.codes, journeys.conversions, n
                )
                self.position_credits_ = pd.DataFrame(
                    grid, index=index, columns=pd.RangeIndex(1, grid.shape[1] + 1, name="position")
                )
            value_values = kern.simplified_shapley(masks, journeys.value, n)
            shares = values / values.sum()
            value_shares = value_values / value_values.sum() if value_values.sum() > 0 else shares
        else:
            values, std_error = self._conversion_rate_values(journeys, masks)
            if std_error is not None:
                self.exact_ = False
                notes.append(
                    f"Sampled from {self.n_samples:,} channel orders; std_error gives the "
                    "Monte Carlo error of each channel's conversions."
                )
            negative = values < 0
            if negative.any():
                names = [journeys.channels[i] for i in np.flatnonzero(negative)]
                if self.negative == "clip":
                    notes.append(f"Negative Shapley values clipped to 0: {names}.")
                    values = np.where(negative, 0.0, values)
                else:
                    message = (
                        f"Negative Shapley values for {names}: journeys that include them "
                        "convert at a lower rate than journeys without them. Pass "
                        "negative='clip' to set them to 0."
                    )
                    notes.append(message)
                    warnings.warn(message, SaasMetricsWarning, stacklevel=2)
            if values.sum() <= 0:
                raise InputError(
                    "The Shapley values sum to zero or less, so they cannot be scaled to "
                    "the conversions.",
                    hint="use game='simplified'.",
                )
            shares = values / values.sum()
            value_shares = shares
            if std_error is not None:
                std_error = std_error / values.sum() * journeys.total_conversions
        self.values_ = pd.Series(values, index=index, name="shapley_value")
        self.std_error_ = (
            None if std_error is None else pd.Series(std_error, index=index, name="std_error")
        )
        self._notes = tuple(notes)
        self._store(
            journeys, shares * journeys.total_conversions, value_shares * journeys.total_value
        )
        return self

    def _conversion_rate_values(
        self, journeys: Journeys, masks: npt.NDArray[np.uint64]
    ) -> tuple[F64, F64 | None]:
        """Shapley values of the conversion-rate game, and their standard error if sampled."""
        n = journeys.n_channels
        uniq, inverse = np.unique(masks, return_inverse=True)

        def per(index: npt.NDArray[np.integer], weights: F64, size: int) -> F64:
            return np.bincount(index, weights=weights, minlength=size).astype(np.float64)

        conv = per(inverse, journeys.conversions, uniq.size)  # per distinct channel set
        tot = per(inverse, journeys.conversions + journeys.nulls, uniq.size)
        if n <= self.max_exact:
            size = 1 << n
            sets = uniq.astype(np.int64)
            c_all = kern.subset_sums(per(sets, conv, size), n)
            t_all = kern.subset_sums(per(sets, tot, size), n)
            game = np.divide(c_all, t_all, out=np.zeros(size), where=t_all > 0)
            return kern.game_shapley_exact(game, n), None
        warnings.warn(
            f"{n} channels is more than max_exact={self.max_exact}: the conversion-"
            f"rate Shapley values are estimated from {self.n_samples:,} sampled "
            "channel orders (see std_error_).",
            SaasMetricsWarning,
            stacklevel=3,
        )
        members = ((uniq[:, None] >> np.arange(n, dtype=np.uint64)) & np.uint64(1)).astype(bool)
        rng = np.random.default_rng(self.random_state)
        return kern.shapley_rate_sampled(members, conv, tot, self.n_samples, rng)

    def _extra(self) -> dict[str, Any]:
        return {
            "std_error": None if self.std_error_ is None else self.std_error_.copy(),
            "by_position": None
            if self.position_credits_ is None
            else self.position_credits_.copy(),
            "notes": self._notes,
        }
