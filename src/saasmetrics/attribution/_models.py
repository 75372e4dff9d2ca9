"""Attribution models (heuristic, exact Markov, Shapley), ``attribute`` and ``compare_models``."""

from __future__ import annotations

import inspect
import math
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from saasmetrics._kernels import attribution as kern
from saasmetrics._kernels.segments import segment_ids
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin, as_count
from saasmetrics._validation import (
    as_python_number,
    check_choice,
    check_int,
    check_is_fitted,
    check_positive_timedelta,
)
from saasmetrics.attribution._journeys import Journeys
from saasmetrics.exceptions import InputError, ParameterError, SaasMetricsWarning

__all__ = (
    "AttributionModel",
    "AttributionResult",
    "FirstTouch",
    "LastTouch",
    "Linear",
    "MarkovModel",
    "ModelComparison",
    "PositionBased",
    "ShapleyModel",
    "TimeDecay",
    "attribute",
    "choose_order",
    "compare_models",
)

F64 = npt.NDArray[np.float64]


# --------------------------------------------------------------------------- result
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


def _result(
    model: AttributionModel, journeys: Journeys, conv: F64, value: F64, **extra: Any
) -> AttributionResult:
    total = journeys.total_conversions
    share = conv / total if total > 0 else np.zeros_like(conv)
    frame = pd.DataFrame(
        {
            "channel": pd.Series(list(journeys.channels), dtype="str"),
            "conversions": conv,
            "value": value,
            "share": share,
        }
    )
    frame = frame.sort_values(
        ["conversions", "channel"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    return AttributionResult(
        model=repr(model),
        credits=frame,
        total_conversions=total,
        total_value=journeys.total_value,
        **extra,
    )


# --------------------------------------------------------------------------- base
def _require_journeys(journeys: object) -> None:
    if not isinstance(journeys, Journeys):
        raise InputError(
            f"Expected Journeys; got {type(journeys).__name__}.",
            hint="build them with journeys(...) or Journeys.from_paths(...).",
        )


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
        return _result(
            self,
            self._journeys,
            np.asarray(self.conversions_, dtype=np.float64),
            np.asarray(self.value_, dtype=np.float64),
            **self._extra(),
        )


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
        _require_journeys(journeys)
        self._validate(journeys)
        conv = self._credit(journeys, journeys.conversions)
        value = self._credit(journeys, journeys.value)
        index = pd.Index(list(journeys.channels), name="channel", dtype="str")
        self.channels_ = journeys.channels
        self.conversions_ = pd.Series(conv, index=index, name="conversions")
        self.value_ = pd.Series(value, index=index, name="value")
        self._journeys = journeys
        return self

    def _weights(self, journeys: Journeys) -> F64:
        return kern.heuristic_weights(journeys.offsets, journeys.codes, self._kind)

    def _credit(self, journeys: Journeys, amounts: F64) -> F64:
        weights = self._weights(journeys)
        return kern.credit(journeys.offsets, journeys.codes, weights, amounts, journeys.n_channels)


class FirstTouch(_Heuristic):
    """All credit to the first touch of each journey.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"path": ["a > b", "b > a"], "conversions": [3, 1]})
    >>> attribute(Journeys.from_paths(paths, nulls_col=None), FirstTouch()).to_frame()
      channel  conversions  value  share
    0       a          3.0    0.0   0.75
    1       b          1.0    0.0   0.25
    """

    _kind = "first"


class LastTouch(_Heuristic):
    """All credit to the last touch before the conversion.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"path": ["a > b", "b > a"], "conversions": [3, 1]})
    >>> attribute(Journeys.from_paths(paths, nulls_col=None), LastTouch()).to_frame()
      channel  conversions  value  share
    0       b          3.0    0.0   0.75
    1       a          1.0    0.0   0.25
    """

    _kind = "last"


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
    >>> from saasmetrics.attribution import journeys
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

    def _credit(self, journeys: Journeys, amounts: F64) -> F64:
        weights = kern.heuristic_weights(
            journeys.offsets,
            journeys.codes,
            "position",
            first=float(self.first),
            last=float(self.last),
        )
        return kern.credit(journeys.offsets, journeys.codes, weights, amounts, journeys.n_channels)


# --------------------------------------------------------------------------- Markov
def _state_labels(keys: npt.NDArray[np.int64], channels: Sequence[str], order: int) -> list[str]:
    base = len(channels) + 1
    labels = []
    digits = [(keys // base**lag) % base for lag in range(order)]
    for i in range(keys.size):  # one label per state (few), not per row
        names = [channels[int(d[i]) - 1] for d in reversed(digits) if d[i] > 0]
        labels.append(" > ".join(names))
    return labels


class MarkovModel(AttributionModel):
    """Markov-chain attribution with exact removal effects (no simulation).

    Journeys become walks on a chain whose states are the last ``order`` channels, from a
    start state to one of two absorbing states, conversion and null. The probability of
    conversion is the chain's absorption probability, the solution of the sparse linear system
    ``(I - Q) x = r``: by sparse LU for small chains, and for large higher-order chains by a
    fixed-point iteration over all removals at once, run to floating-point round-off. Results
    are deterministic, with no sampling error. A channel's *removal effect* is the relative
    drop of that probability when every state that contains the channel leads to null
    instead; conversions (and value) are split in proportion to the removal effects.

    Parameters
    ----------
    order : int, default 1
        Channels of history per state (1 to 6).

    Attributes
    ----------
    removal_effects_ : pandas.Series
        Removal effect per channel, in [0, 1].
    value_removal_effects_ : pandas.Series
        The same for conversion value (each conversion is worth the mean value of the
        conversions from its last state, as in ChannelAttribution); value is split by these.
    conversion_probability_ : float
        Probability that a walk from the start converts.
    transition_matrix_ : pandas.DataFrame
        ``from``, ``to``, ``probability`` of every transition with positive probability.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"path": ["c1 > c2 > c3", "c1", "c2 > c3"],
    ...                       "conversions": [1, 0, 0], "nulls": [0, 1, 1]})
    >>> model = MarkovModel(order=1)
    >>> res = attribute(Journeys.from_paths(paths), model)
    >>> model.removal_effects_.round(3).to_dict()
    {'c1': 0.5, 'c2': 1.0, 'c3': 1.0}
    >>> res.to_frame()
      channel  conversions  value  share
    0      c2          0.4    0.0    0.4
    1      c3          0.4    0.0    0.4
    2      c1          0.2    0.0    0.2
    """

    _params = ("order",)

    def __init__(self, *, order: int = 1) -> None:
        self.order = as_python_number(order)

    def _validate(self, journeys: Journeys) -> None:
        if (
            isinstance(self.order, bool)
            or not isinstance(self.order, int | np.integer)
            or not 1 <= int(self.order) <= 6
        ):
            raise ParameterError(f"order must be an integer from 1 to 6; got {self.order!r}.")
        if journeys.total_conversions <= 0:
            raise InputError(
                "The journeys have no conversions, so there is nothing to attribute.",
                hint="check the conversions column.",
            )

    def fit(self, journeys: Journeys) -> Self:
        _require_journeys(journeys)
        self._validate(journeys)
        order = int(self.order)
        state, keys = kern.markov_states(
            journeys.offsets, journeys.codes, journeys.n_channels, order
        )
        n_states = keys.size
        counts = kern.markov_transitions(
            journeys.offsets, state, n_states, journeys.conversions, journeys.nulls
        )
        base = journeys.n_channels + 1
        digits = np.stack([(keys // base**lag) % base for lag in range(order)])
        channel_ids = np.arange(1, journeys.n_channels + 1)
        removed = (digits[None, :, :] == channel_ids[:, None, None]).any(axis=1)
        base_p, without = kern.markov_removal(counts, removed)
        effects = 1.0 - without / base_p
        lasts = journeys.offsets[1:] - 1
        reward = np.bincount(state[lasts], weights=journeys.value, minlength=n_states).astype(
            np.float64
        )
        value_effects = np.zeros(journeys.n_channels)
        if journeys.total_value > 0:
            base_v, without_v = kern.markov_removal(counts, removed, reward=reward)
            if base_v > 0:
                value_effects = 1.0 - without_v / base_v
        effects = np.clip(effects, 0.0, 1.0)
        value_effects = np.clip(value_effects, 0.0, 1.0)
        shares = effects / effects.sum()
        value_shares = value_effects / value_effects.sum() if value_effects.sum() > 0 else shares
        index = pd.Index(list(journeys.channels), name="channel", dtype="str")
        self.removal_effects_ = pd.Series(effects, index=index, name="removal_effect")
        self.conversion_probability_ = float(base_p)
        labels = [
            *_state_labels(keys, journeys.channels, order),
            "(start)",
            "(conversion)",
            "(null)",
        ]
        coo = counts.tocoo()
        positive = coo.data > 0
        coo = sp.coo_matrix(
            (coo.data[positive], (coo.row[positive], coo.col[positive])), shape=counts.shape
        )
        out = np.asarray(counts.sum(axis=1)).ravel()
        self.transition_matrix_ = pd.DataFrame(
            {
                "from": pd.Series(np.asarray(labels, dtype=object)[coo.row], dtype="str"),
                "to": pd.Series(np.asarray(labels, dtype=object)[coo.col], dtype="str"),
                "probability": coo.data / out[coo.row],
            }
        ).sort_values(["from", "to"], ignore_index=True)
        self.channels_ = journeys.channels
        self.conversions_ = pd.Series(
            shares * journeys.total_conversions, index=index, name="conversions"
        )
        self.value_ = pd.Series(value_shares * journeys.total_value, index=index, name="value")
        self.value_removal_effects_ = pd.Series(
            value_effects, index=index, name="value_removal_effect"
        )
        self._journeys = journeys
        return self

    def _extra(self) -> dict[str, Any]:
        return {
            "removal_effects": self.removal_effects_.copy(),
            "conversion_probability": self.conversion_probability_,
            "transition_matrix": self.transition_matrix_.copy(),
        }


def _walk_folds(
    journeys: Journeys, n_folds: int, rng: np.random.Generator
) -> list[tuple[F64, F64]]:
    """Per fold, the conversions and nulls of each journey row held out in it.

    Every whole walk goes to a uniformly random fold (a multinomial split of each count,
    drawn as conditional binomials, one vectorized draw per fold); a fractional part goes
    to one random fold, and counts too large for integers are spread evenly.
    """
    split: list[list[F64]] = []
    for amounts in (journeys.conversions, journeys.nulls):
        whole = np.floor(amounts)
        frac = amounts - whole
        big = whole > 2.0**52
        left = np.where(big, 0.0, whole).astype(np.int64)
        even = np.where(big, whole / n_folds, 0.0)
        frac_fold = rng.integers(0, n_folds, size=amounts.size)
        per_fold: list[F64] = []
        for k in range(n_folds):  # loop over folds only
            take = left if k == n_folds - 1 else rng.binomial(left, 1.0 / (n_folds - k))
            left = left - take
            share: F64 = take.astype(np.float64) + even + np.where(frac_fold == k, frac, 0.0)
            per_fold.append(share)
        split.append(per_fold)
    return list(zip(split[0], split[1], strict=True))


def choose_order(
    journeys: Journeys,
    *,
    max_order: int = 4,
    n_folds: int = 5,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Pick a Markov order by out-of-sample fit: held-out log-likelihood per transition.

    The walks are split into ``n_folds`` folds: each converting and each non-converting walk
    of a journey row goes to a random fold on its own, so aggregated path rows (``"a > b"``
    with 120 conversions) are split like the 120 journeys they stand for, and the scores do
    not depend on whether the journeys come aggregated or one per row. (A fractional part of
    a count goes to one random fold.) For each order, transition probabilities (next channel,
    conversion or null given the last ``order`` channels; add-one smoothing, unseen histories
    uniform) are estimated on the other folds and scored on the held-out one.

    Parameters
    ----------
    journeys : Journeys
        The journeys.
    max_order : int, default 4
        Highest order tried (from 1).
    n_folds : int, default 5
        Cross-validation folds (>= 2).
    random_state : int, Generator or None, default 0
        Fold assignment.

    Returns
    -------
    pandas.DataFrame
        ``order``, ``log_likelihood`` (mean per held-out transition, higher is better),
        ``n_states`` and ``best`` (True on the best order).

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"path": ["a > b", "b > a", "a > a > b", "b"] * 5,
    ...                       "conversions": [3, 0, 2, 1] * 5, "nulls": [1, 4, 1, 5] * 5})
    >>> choose_order(Journeys.from_paths(paths), max_order=2)["order"].tolist()
    [1, 2]
    """
    _require_journeys(journeys)
    # the same bound as MarkovModel(order=...): higher orders overflow the history keys
    max_order = check_int("max_order", max_order, min_value=1, max_value=6)
    n_walks = int(np.sum(journeys.conversions) + np.sum(journeys.nulls))
    # every fold needs a walk: more folds than walks cannot be scored (and would only loop)
    n_folds = check_int("n_folds", n_folds, min_value=2, max_value=max(2, n_walks))
    folds = _walk_folds(journeys, n_folds, np.random.default_rng(random_state))
    n_sym = journeys.n_channels + 2  # channels, conversion, null
    rows = []
    for order in range(1, max_order + 1):
        state, keys = kern.markov_states(
            journeys.offsets, journeys.codes, journeys.n_channels, order
        )
        start = keys.size
        # history -> next symbol events (next channel, or conversion / null at the end)
        jid = segment_ids(journeys.offsets)
        lasts = journeys.offsets[1:] - 1
        inner = np.ones(state.size, dtype=bool)
        inner[lasts] = False
        total = journeys.conversions + journeys.nulls
        hist = np.concatenate(
            [np.full(journeys.n_journeys, start), state[inner], state[lasts], state[lasts]]
        )
        nxt = np.concatenate(
            [
                journeys.codes[journeys.offsets[:-1]],
                journeys.codes[np.flatnonzero(inner) + 1],
                np.full(lasts.size, n_sym - 2),
                np.full(lasts.size, n_sym - 1),
            ]
        ).astype(np.int64)
        weight = np.concatenate([total, total[jid[inner]], journeys.conversions, journeys.nulls])
        key = hist * n_sym + nxt
        loglik, n_events = 0.0, 0.0
        for conv_k, null_k in folds:  # loop over folds only
            total_k = conv_k + null_k
            test = np.concatenate([total_k, total_k[jid[inner]], conv_k, null_k])
            train = np.maximum(weight - test, 0.0)
            pair = np.bincount(key, weights=train, minlength=(start + 1) * n_sym)
            from_h = np.bincount(hist, weights=train, minlength=start + 1)
            held = test > 0
            p = (pair[key[held]] + 1.0) / (from_h[hist[held]] + n_sym)
            loglik += float(np.sum(test[held] * np.log(p)))
            n_events += float(test[held].sum())
        rows.append(
            {
                "order": order,
                "log_likelihood": loglik / n_events if n_events else math.nan,
                "n_states": int(keys.size),
            }
        )
    frame = pd.DataFrame(rows)
    # the lowest order within numerical noise of the best score wins
    best = frame["log_likelihood"].max()
    frame["best"] = False
    first = frame.index[frame["log_likelihood"] >= best - 1e-12 * max(1.0, abs(best))][0]
    frame.loc[first, "best"] = True
    return frame


# --------------------------------------------------------------------------- Shapley
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
        _require_journeys(journeys)
        self._validate(journeys)
        n = journeys.n_channels
        masks = kern.channel_set_masks(journeys.offsets, journeys.codes)
        index = pd.Index(list(journeys.channels), name="channel", dtype="str")
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
            uniq, inverse = np.unique(masks, return_inverse=True)
            conv = np.bincount(inverse, weights=journeys.conversions, minlength=uniq.size).astype(
                np.float64
            )
            tot = np.bincount(
                inverse, weights=journeys.conversions + journeys.nulls, minlength=uniq.size
            ).astype(np.float64)
            if n <= self.max_exact:
                size = 1 << n
                c_all = kern.subset_sums(
                    np.bincount(uniq.astype(np.int64), weights=conv, minlength=size).astype(
                        np.float64
                    ),
                    n,
                )
                t_all = kern.subset_sums(
                    np.bincount(uniq.astype(np.int64), weights=tot, minlength=size).astype(
                        np.float64
                    ),
                    n,
                )
                game = np.divide(c_all, t_all, out=np.zeros(size), where=t_all > 0)
                values = kern.game_shapley_exact(game, n)
            else:
                warnings.warn(
                    f"{n} channels is more than max_exact={self.max_exact}: the conversion-"
                    f"rate Shapley values are estimated from {self.n_samples:,} sampled "
                    "channel orders (see std_error_).",
                    SaasMetricsWarning,
                    stacklevel=2,
                )
                members = ((uniq[:, None] >> np.arange(n, dtype=np.uint64)) & np.uint64(1)).astype(
                    bool
                )
                rng = np.random.default_rng(self.random_state)
                values, se = kern.shapley_rate_sampled(members, conv, tot, self.n_samples, rng)
                self.exact_ = False
                std_error = se
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
        self.channels_ = journeys.channels
        self.conversions_ = pd.Series(
            shares * journeys.total_conversions, index=index, name="conversions"
        )
        self.value_ = pd.Series(value_shares * journeys.total_value, index=index, name="value")
        self._journeys = journeys
        return self

    def _extra(self) -> dict[str, Any]:
        return {
            "std_error": None if self.std_error_ is None else self.std_error_.copy(),
            "by_position": None
            if self.position_credits_ is None
            else self.position_credits_.copy(),
            "notes": self._notes,
        }


# --------------------------------------------------------------------------- functions
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
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [1, 1], "nulls": [1, 2],
    ...                       "value": [100.0, 50.0]})
    >>> jrn = Journeys.from_paths(paths, value_col="value")
    >>> attribute(jrn, Linear()).to_frame()
      channel  conversions  value  share
    0       b          1.5  100.0   0.75
    1       a          0.5   50.0   0.25
    """
    _require_journeys(journeys)
    if not isinstance(model, AttributionModel):
        raise ParameterError(
            f"model must be an attribution model; got {type(model).__name__}.",
            hint="e.g. attribute(journeys, MarkovModel(order=1)).",
        )
    return model.fit(journeys).result()


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
    _require_journeys(journeys)
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
