"""``AttributionModel``, the base of every attribution model, and ``attribute`` that runs one."""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._validation import check_is_fitted
from saasmetrics.attribution._attribution_result import AttributionResult
from saasmetrics.attribution._journeys import Journeys
from saasmetrics.exceptions import InputError, ParameterError

__all__ = ("AttributionModel", "attribute", "channel_index", "require_journeys")

F64 = npt.NDArray[np.float64]


def require_journeys(journeys: object) -> None:
    """Raise :class:`InputError` unless ``journeys`` is a :class:`Journeys`."""
    if not isinstance(journeys, Journeys):
        raise InputError(
            f"Expected Journeys; got {type(journeys).__name__}.",
            hint="build them with journeys(...) or Journeys.from_paths(...).",
        )


def channel_index(journeys: Journeys) -> pd.Index:
    """The journeys' channels as an index named ``channel`` (of the fitted Series)."""
    return pd.Index(list(journeys.channels), name="channel", dtype="str")


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):  # pragma: no cover - exotic parameter values
        return a is b


class AttributionModel(ABC):
    """Base of every attribution model: ``fit(journeys)`` credits conversions to channels.

    Subclasses declare ``_params`` and implement ``fit``; the rule-based models share one
    ``fit`` that splits each journey's conversions and value by per-touch weights. Fitted
    attributes: ``channels_``, ``conversions_`` and ``value_`` (Series by channel).

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys, PositionBased
    >>> model = PositionBased()
    >>> isinstance(model, AttributionModel), model.get_params()
    (True, {'first': 0.4, 'last': 0.4})
    >>> model.set_params(first=0.3, last=0.5)
    PositionBased(first=0.3, last=0.5)
    >>> paths = pd.DataFrame({"path": ["a > b > c"], "conversions": [10]})
    >>> model.fit(Journeys.from_paths(paths, nulls_col=None)).conversions_.round(2).to_dict()
    {'a': 3.0, 'b': 2.0, 'c': 5.0}
    """

    _params: ClassVar[tuple[str, ...]] = ()
    channels_: tuple[str, ...]
    conversions_: pd.Series
    value_: pd.Series
    _journeys: Journeys

    def get_params(self) -> dict[str, Any]:
        """The model's parameters.

        Returns
        -------
        dict
            Parameter name to value.
        """
        return {name: getattr(self, name) for name in self._params}

    def set_params(self, **params: Any) -> Self:
        """Set parameters (by name); returns the model.

        Parameters
        ----------
        **params
            Parameter values.

        Returns
        -------
        AttributionModel
            This model.

        Raises
        ------
        ParameterError
            For an unknown name.
        """
        for name, value in params.items():
            if name not in self._params:
                raise ParameterError.not_one_of("parameter", name, self._params)
            setattr(self, name, value)
        return self

    @property
    def name(self) -> str:
        """The model in words, for table headers and legends, e.g. ``"Markov (order 2)"``.

        Examples
        --------
        >>> from saasmetrics.attribution import FirstTouch, MarkovModel
        >>> FirstTouch().name, MarkovModel(order=2).name
        ('First touch', 'Markov (order 2)')
        """
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(self).__name__.removesuffix("Model"))
        text = words[:1] + words[1:].lower()
        order = getattr(self, "order", None)
        return f"{text} (order {order})" if isinstance(order, int) else text

    def __repr__(self) -> str:
        # like scikit-learn: show only the parameters that differ from their defaults
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
            if p.default is not inspect.Parameter.empty
        }
        args = ", ".join(
            f"{k}={v!r}"
            for k, v in self.get_params().items()
            if k not in defaults or not _same(v, defaults[k])
        )
        return f"{type(self).__name__}({args})"

    def _validate(self, journeys: Journeys) -> None:  # noqa: B027 - optional hook
        """Check parameters against the data (override to add checks)."""

    def _check(self, journeys: Journeys) -> None:
        """What every ``fit`` does first: journeys, then the model's own checks."""
        require_journeys(journeys)
        self._validate(journeys)

    def _store(self, journeys: Journeys, conversions: F64, value: F64) -> None:
        """Keep the fitted credits per channel (what ``fit`` ends with)."""
        index = channel_index(journeys)
        self.channels_ = journeys.channels
        self.conversions_ = pd.Series(conversions, index=index, name="conversions")
        self.value_ = pd.Series(value, index=index, name="value")
        self._journeys = journeys

    @abstractmethod
    def fit(self, journeys: Journeys) -> Self:
        """Credit the journeys' conversions and value to channels.

        Parameters
        ----------
        journeys : Journeys
            From :func:`journeys` or :meth:`Journeys.from_paths`.

        Returns
        -------
        AttributionModel
            This model, fitted (``channels_``, ``conversions_``, ``value_``).
        """

    def _extra(self) -> dict[str, Any]:
        return {}

    def result(self) -> AttributionResult:
        """The fitted credits as an :class:`AttributionResult`.

        Returns
        -------
        AttributionResult
            Credits per channel.
        """
        check_is_fitted(self, "conversions_")
        journeys = self._journeys
        conv = self.conversions_.to_numpy(dtype=np.float64)
        total = journeys.total_conversions
        frame = pd.DataFrame(
            {
                "channel": pd.Series(list(journeys.channels), dtype="str"),
                "conversions": conv,
                "value": self.value_.to_numpy(dtype=np.float64),
                "share": conv / total if total > 0 else np.zeros_like(conv),
            }
        )
        frame = frame.sort_values(
            ["conversions", "channel"], ascending=[False, True], kind="stable"
        ).reset_index(drop=True)
        return AttributionResult(
            model=repr(self),
            credits=frame,
            total_conversions=total,
            total_value=journeys.total_value,
            **self._extra(),
        )


def attribute(journeys: Journeys, model: AttributionModel) -> AttributionResult:
    """Fit ``model`` on ``journeys`` and return the credits per channel.

    The model instance is fitted afterwards (e.g. ``MarkovModel.removal_effects_``).
    Credits of every model sum exactly to the journeys' total conversions and value.

    Parameters
    ----------
    journeys : Journeys
        From :func:`journeys` or :meth:`Journeys.from_paths`.
    model : AttributionModel
        ``FirstTouch()``, ``LastTouch()``, ``Linear()``, ``TimeDecay()``,
        ``PositionBased()``, ``MarkovModel()`` or ``ShapleyModel()``.

    Returns
    -------
    AttributionResult
        ``.to_frame()`` has columns ``channel``, ``conversions``, ``value``, ``share``.

    Raises
    ------
    ParameterError
        If ``model`` is not an attribution model.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.attribution import Journeys, Linear
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [1, 1], "nulls": [1, 2],
    ...                       "value": [100.0, 50.0]})
    >>> jrn = Journeys.from_paths(paths, value_col="value")
    >>> attribute(jrn, Linear()).to_frame()
      channel  conversions  value  share
    0       b          1.5  100.0   0.75
    1       a          0.5   50.0   0.25
    """
    require_journeys(journeys)
    if not isinstance(model, AttributionModel):
        raise ParameterError(
            f"model must be an attribution model; got {type(model).__name__}.",
            hint="e.g. attribute(journeys, MarkovModel(order=1)).",
        )
    return model.fit(journeys).result()
