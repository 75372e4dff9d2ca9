"""Rule-based attribution: first touch, last touch, linear, time decay and position-based."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

import numpy as np
import numpy.typing as npt

from saasmetrics._kernels import attribution as kern
from saasmetrics._validation import as_python_number, check_choice, check_positive_timedelta
from saasmetrics.attribution._attribution_model import AttributionModel
from saasmetrics.attribution._journeys import Journeys
from saasmetrics.exceptions import InputError, ParameterError

__all__ = ("FirstTouch", "LastTouch", "Linear", "PositionBased", "TimeDecay")

F64 = npt.NDArray[np.float64]


class _Heuristic(AttributionModel):
    """Rule-based models: each journey's amount is split by per-touch weights."""

    _kind: ClassVar[str] = ""

    def fit(self, journeys: Journeys) -> Self:
        """Credit the journeys' conversions and value to channels.

        Parameters
        ----------
        journeys : Journeys
            From :func:`journeys` or :meth:`Journeys.from_paths`.

        Returns
        -------
        AttributionModel
            This model, fitted.
        """
        self._check(journeys)
        conv, value = self._credit(journeys, np.stack([journeys.conversions, journeys.value]))
        self._store(journeys, conv, value)
        return self

    def _credit(self, journeys: Journeys, amounts: F64) -> F64:
        """Credit per channel of each row of ``amounts`` (conversions, value)."""
        weights = self._weights(journeys)
        return kern.credit(journeys.offsets, journeys.codes, weights, amounts, journeys.n_channels)

    def _weights(self, journeys: Journeys) -> F64:
        """Share of its journey's amount that each touch gets."""
        return kern.heuristic_weights(journeys.offsets, journeys.codes, self._kind)


class FirstTouch(_Heuristic):
    """All credit to the first touch of each journey.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys, attribute
    >>> paths = pd.DataFrame({"path": ["a > b", "b > a"], "conversions": [3, 1]})
    >>> attribute(Journeys.from_paths(paths, nulls_col=None), FirstTouch()).to_frame()
      channel  conversions  value  share
    0       a          3.0    0.0   0.75
    1       b          1.0    0.0   0.25
    """

    _kind = "first"

    def _credit(self, journeys: Journeys, amounts: F64) -> F64:
        firsts = journeys.codes[journeys.offsets[:-1]]
        return kern.touch_credit(firsts, amounts, journeys.n_channels)


class LastTouch(_Heuristic):
    """All credit to the last touch before the conversion.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys, attribute
    >>> paths = pd.DataFrame({"path": ["a > b", "b > a"], "conversions": [3, 1]})
    >>> attribute(Journeys.from_paths(paths, nulls_col=None), LastTouch()).to_frame()
      channel  conversions  value  share
    0       b          3.0    0.0   0.75
    1       a          1.0    0.0   0.25
    """

    _kind = "last"

    def _credit(self, journeys: Journeys, amounts: F64) -> F64:
        lasts = journeys.codes[journeys.offsets[1:] - 1]
        return kern.touch_credit(lasts, amounts, journeys.n_channels)


class Linear(_Heuristic):
    """Equal credit to every touch, or to every distinct channel of the journey.

    Parameters
    ----------
    per : {"touch", "channel"}, default "touch"
        ``"touch"``: each of the n touches gets 1/n (a channel touched twice gets 2/n).
        ``"channel"``: each distinct channel gets 1/k, however often it was touched.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys, attribute
    >>> paths = pd.DataFrame({"path": ["a > a > b"], "conversions": [3]})
    >>> jrn = Journeys.from_paths(paths, nulls_col=None)
    >>> attribute(jrn, Linear()).to_frame()["conversions"].tolist()
    [2.0, 1.0]
    >>> attribute(jrn, Linear(per="channel")).to_frame()["conversions"].tolist()
    [1.5, 1.5]
    """

    _params = ("per",)

    def __init__(self, *, per: Literal["touch", "channel"] = "touch") -> None:
        self.per = per

    def _validate(self, journeys: Journeys) -> None:
        check_choice("per", self.per, ("touch", "channel"))

    def _weights(self, journeys: Journeys) -> F64:
        kind = "linear" if self.per == "touch" else "linear_unique"
        return kern.heuristic_weights(journeys.offsets, journeys.codes, kind)


class TimeDecay(_Heuristic):
    """Credit halving every ``half_life`` before the conversion.

    A touch ``t`` before the conversion weighs ``2 ** (-t / half_life)``; weights are
    normalised within each journey. Needs journeys with times (from :func:`journeys`).

    Parameters
    ----------
    half_life : str or Timedelta, default "7D"
        Positive duration.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import attribute, journeys
    >>> touches = pd.DataFrame({"user_id": ["u", "u"], "channel": ["a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08"])})
    >>> convs = pd.DataFrame({"user_id": ["u"], "timestamp": pd.to_datetime(["2024-01-08"])})
    >>> res = attribute(journeys(touches, convs), TimeDecay(half_life="7D"))
    >>> res.to_frame()["conversions"].round(3).tolist()
    [0.667, 0.333]
    """

    _params = ("half_life",)

    def __init__(self, *, half_life: Any = "7D") -> None:
        self.half_life = half_life

    def _validate(self, journeys: Journeys) -> None:
        check_positive_timedelta("half_life", self.half_life)
        if journeys.elapsed_s is None:
            raise InputError(
                "TimeDecay needs the time of each touch; these journeys have none "
                "(they come from path strings).",
                hint="build journeys with journeys(touchpoints, conversions), or use "
                "PositionBased.",
            )

    def _weights(self, journeys: Journeys) -> F64:
        half = check_positive_timedelta("half_life", self.half_life).total_seconds()
        return kern.heuristic_weights(
            journeys.offsets,
            journeys.codes,
            "time_decay",
            elapsed=journeys.elapsed_s,
            half_life=half,
        )


class PositionBased(_Heuristic):
    """``first`` to the first touch, ``last`` to the last, the rest split over the middle.

    Also called U-shaped (40/20/40). A one-touch journey gives that touch everything; a
    two-touch journey splits ``first : last``.

    Parameters
    ----------
    first, last : float, default 0.4
        Shares of the first and last touch; ``first + last <= 1``.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys, attribute
    >>> paths = pd.DataFrame({"path": ["a > b > c > d"], "conversions": [1]})
    >>> res = attribute(Journeys.from_paths(paths, nulls_col=None), PositionBased())
    >>> res.to_frame().set_index("channel")["conversions"].round(2).to_dict()
    {'a': 0.4, 'd': 0.4, 'b': 0.1, 'c': 0.1}
    """

    _params = ("first", "last")

    def __init__(self, *, first: float = 0.4, last: float = 0.4) -> None:
        self.first = as_python_number(first)
        self.last = as_python_number(last)

    def _validate(self, journeys: Journeys) -> None:
        ok = (
            isinstance(self.first, int | float)
            and isinstance(self.last, int | float)
            and self.first >= 0
            and self.last >= 0
            and self.first + self.last <= 1 + 1e-12
            and self.first + self.last > 0
        )
        if not ok:
            raise ParameterError(
                f"first={self.first!r} and last={self.last!r} must be non-negative shares "
                "with 0 < first + last <= 1."
            )

    def _weights(self, journeys: Journeys) -> F64:
        return kern.heuristic_weights(
            journeys.offsets,
            journeys.codes,
            "position",
            first=float(self.first),
            last=float(self.last),
        )
