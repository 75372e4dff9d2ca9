"""Markov-chain attribution with exact removal effects, and ``choose_order`` for its order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from saasmetrics._kernels import attribution as kern
from saasmetrics._validation import as_python_number, check_int
from saasmetrics.attribution._attribution_model import (
    AttributionModel,
    channel_index,
    require_journeys,
)
from saasmetrics.attribution._journeys import Journeys
from saasmetrics.exceptions import InputError, ParameterError

__all__ = ("MarkovModel", "choose_order")

F64 = npt.NDArray[np.float64]


def _state_labels(history: npt.NDArray[np.int64], channels: Sequence[str]) -> list[str]:
    """``"a > b"`` per state, from :func:`kern.markov_state_history` (oldest channel first)."""
    # one label per state (few), not per row
    return [" > ".join(channels[int(d) - 1] for d in reversed(col) if d > 0) for col in history.T]


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
    >>> from saasmetrics.attribution import Journeys, attribute
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
        self._check(journeys)
        order = int(self.order)
        state, keys = kern.markov_states(
            journeys.offsets, journeys.codes, journeys.n_channels, order
        )
        n_states = keys.size
        counts = kern.markov_transitions(
            journeys.offsets, state, n_states, journeys.conversions, journeys.nulls
        )
        history = kern.markov_state_history(keys, journeys.n_channels, order)
        channel_ids = np.arange(1, journeys.n_channels + 1)
        removed = (history[None, :, :] == channel_ids[:, None, None]).any(axis=1)
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
        index = channel_index(journeys)
        self.removal_effects_ = pd.Series(effects, index=index, name="removal_effect")
        self.conversion_probability_ = float(base_p)
        labels = [
            *_state_labels(history, journeys.channels),
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
        self._store(
            journeys, shares * journeys.total_conversions, value_shares * journeys.total_value
        )
        self.value_removal_effects_ = pd.Series(
            value_effects, index=index, name="value_removal_effect"
        )
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
    >>> from saasmetrics.attribution import Journeys
    >>> paths = pd.DataFrame({"path": ["a > b", "b > a", "a > a > b", "b"] * 5,
    ...                       "conversions": [3, 0, 2, 1] * 5, "nulls": [1, 4, 1, 5] * 5})
    >>> choose_order(Journeys.from_paths(paths), max_order=2)["order"].tolist()
    [1, 2]
    """
    require_journeys(journeys)
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
        conversion, null = n_sym - 2, n_sym - 1
        hist, nxt = kern.markov_steps(
            journeys.offsets, state, journeys.codes, start=start, conversion=conversion, null=null
        )
        weight = kern.step_weights(journeys.offsets, journeys.conversions, journeys.nulls)
        key = hist * n_sym + nxt
        loglik, n_events = 0.0, 0.0
        for conv_k, null_k in folds:  # loop over folds only
            test = kern.step_weights(journeys.offsets, conv_k, null_k)
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
