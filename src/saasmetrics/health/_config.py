"""HealthConfig: what a health score is made of, as a validated pydantic model (JSON in and out)."""

from __future__ import annotations

import itertools
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ("HealthBand", "HealthConfig", "HealthGroup", "HealthMeasure")

Direction = Literal["higher_is_better", "lower_is_better"]
Normalization = Literal["percentile", "thresholds", "goal", "points"]


class HealthMeasure(BaseModel):
    """One input of a health score: a column, how to turn it into 0-100, and its weight.

    Attributes
    ----------
    column : str
        The column of the accounts table holding the raw value.
    name : str, optional
        Label used in outputs (``contribution_<name>``); defaults to ``column``.
    weight : float, default 1
        Relative weight (non-negative); within its group when groups are used.
    direction : {"higher_is_better", "lower_is_better"}, default "higher_is_better"
        Which way is healthy.
    normalization : {"percentile", "thresholds", "goal", "points"}, default "percentile"
        ``percentile``: the share of the reference population the value beats (ties half),
        fitted by :meth:`HealthScoreModel.fit`. ``thresholds``: a fixed score per bucket between
        ``thresholds`` edges. ``goal``: percent of ``goal``, capped at 100. ``points``: 50 at
        ``neutral``, plus (or minus) ``points_per_unit`` per unit above it, clipped to 0-100.
    thresholds : sequence of float, optional
        Strictly increasing bucket edges (``thresholds`` normalisation).
    threshold_scores : sequence of float, optional
        One score (0-100) per bucket, ``len(thresholds) + 1`` of them, ordered from the lowest
        bucket; default evenly spaced from 0 to 100 (reversed when lower is better). They must
        rise (or fall, when lower is better) so that scores stay monotone.
    inclusive : {"lower", "upper"}, default "lower"
        Which bucket an edge belongs to: ``"lower"`` means each bucket includes its lower edge
        (``edge <= x < next``), ``"upper"`` its upper edge (``previous < x <= edge``).
    goal : float, optional
        The target, positive (``goal`` normalisation).
    neutral : float, optional
        The value that scores 50 (``points`` normalisation).
    points_per_unit : float, optional
        Points per unit away from ``neutral`` (``points`` normalisation), positive.
    group : str, optional
        Name of the :class:`HealthGroup` it belongs to (e.g. ``"engagement"``).
    critical : float, optional
        A hard threshold: a raw value at or below it (at or above it when lower is better)
        puts the account in the lowest band whatever its score, e.g. ``critical=0`` on active
        users ("nobody uses it") or ``critical=5`` on open P1 tickets.

    Examples
    --------
    >>> m = HealthMeasure(column="logins_30d", normalization="thresholds", thresholds=[2, 10])
    >>> m.label, m.threshold_scores
    ('logins_30d', (0.0, 50.0, 100.0))
    >>> HealthMeasure(column="x", normalization="goal")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for HealthMeasure
    goal
      Value error, normalization='goal' needs goal=... (a positive target) ...
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    name: str | None = None
    weight: float = Field(default=1.0, ge=0.0, allow_inf_nan=False)
    direction: Direction = "higher_is_better"
    normalization: Normalization = "percentile"
    thresholds: tuple[float, ...] | None = None
    threshold_scores: tuple[float, ...] | None = None
    inclusive: Literal["lower", "upper"] = "lower"
    goal: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    neutral: float | None = Field(default=None, allow_inf_nan=False)
    points_per_unit: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    group: str | None = None
    critical: float | None = Field(default=None, allow_inf_nan=False)

    @property
    def label(self) -> str:
        """The measure's name in outputs (``name``, else ``column``)."""
        return self.name or self.column

    @property
    def higher_is_better(self) -> bool:
        """Whether higher raw values are healthier."""
        return self.direction == "higher_is_better"

    @field_validator("thresholds")
    @classmethod
    def _edges_increase(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None:
            if len(value) == 0:
                raise ValueError("thresholds needs at least one edge")
            if any(b <= a for a, b in itertools.pairwise(value)):
                raise ValueError(f"thresholds must be strictly increasing; got {list(value)}")
        return value

    @field_validator("threshold_scores")
    @classmethod
    def _scores_in_range(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and any(not 0.0 <= s <= 100.0 for s in value):
            raise ValueError(f"threshold_scores must lie in [0, 100]; got {list(value)}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _needs(cls, data: object) -> object:
        # Checks that name the missing field: a ValueError raised here is reported at its loc.
        if not isinstance(data, dict):
            return data
        norm = data.get("normalization", "percentile")
        if norm == "goal" and data.get("goal") is None:
            raise _field_error("goal", "normalization='goal' needs goal=... (a positive target)")
        if norm == "points":
            for key in ("neutral", "points_per_unit"):
                if data.get(key) is None:
                    raise _field_error(key, f"normalization='points' needs {key}=...")
        if norm == "thresholds" and not data.get("thresholds"):
            raise _field_error(
                "thresholds", "normalization='thresholds' needs thresholds=[edge, ...]"
            )
        return data

    @model_validator(mode="after")
    def _default_scores(self) -> Self:
        if self.normalization != "thresholds" or self.thresholds is None:
            return self
        n = len(self.thresholds) + 1
        scores = self.threshold_scores
        if scores is None:
            step = 100.0 / (n - 1)
            scores = tuple(round(i * step, 10) for i in range(n))
            if not self.higher_is_better:
                scores = scores[::-1]
            object.__setattr__(self, "threshold_scores", scores)
        if len(scores) != n:
            raise _field_error(
                "threshold_scores",
                f"threshold_scores needs {n} scores (one per bucket of {n - 1} edges); "
                f"got {len(scores)}",
                value=list(scores),
            )
        pairs = list(itertools.pairwise(scores))
        ok = (
            all(b >= a for a, b in pairs)
            if self.higher_is_better
            else all(b <= a for a, b in pairs)
        )
        if not ok:
            raise _field_error(
                "threshold_scores",
                f"threshold_scores must {'rise' if self.higher_is_better else 'fall'} with the "
                f"buckets for direction={self.direction!r}; got {list(scores)}",
                value=list(scores),
            )
        return self


def _field_error(
    field: str | tuple[str | int, ...],
    message: str,
    *,
    title: str = "HealthMeasure",
    value: object = None,
) -> Exception:
    from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

    detail: InitErrorDetails = {
        "type": PydanticCustomError("value_error", "Value error, {msg}", {"msg": message}),
        "loc": (field,) if isinstance(field, str) else field,
        "input": value,
    }
    return ValidationError.from_exception_data(title, [detail])


class HealthGroup(BaseModel):
    """A group of measures with its own weight.

    E.g. Gainsight's DEAR groups: deployment, engagement, adoption, ROI.

    Attributes
    ----------
    name : str
        Referenced by :attr:`HealthMeasure.group`.
    weight : float, default 1
        Weight of the group; the measures' weights split it among them.

    Examples
    --------
    >>> HealthGroup(name="adoption", weight=0.3).weight
    0.3
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    weight: float = Field(default=1.0, ge=0.0, allow_inf_nan=False)


class HealthBand(BaseModel):
    """A named score band starting at ``min_score`` (inclusive), up to the next band's start.

    Attributes
    ----------
    name : str
        E.g. ``"red"``.
    min_score : float
        Lowest score in the band, in [0, 100].

    Examples
    --------
    >>> HealthBand(name="green", min_score=75)
    HealthBand(name='green', min_score=75.0)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    min_score: float = Field(ge=0.0, le=100.0)


DEFAULT_BANDS = (
    HealthBand(name="red", min_score=0.0),
    HealthBand(name="yellow", min_score=50.0),
    HealthBand(name="green", min_score=75.0),
)


class HealthConfig(BaseModel):
    """How a health score is made: measures, optional groups, bands, combination, missing data.

    Loadable from a dict (``HealthConfig.model_validate(d)``) or JSON
    (``HealthConfig.model_validate_json(text)``); invalid configs raise a pydantic
    ``ValidationError`` that names the field.

    Attributes
    ----------
    measures : sequence of HealthMeasure
        At least one; labels must be unique and weights must sum to a positive number.
    groups : sequence of HealthGroup, default ()
        When given, every measure names one of them; the score weight of a measure is its
        group's share of the group weights times its share of the weights within the group.
    bands : sequence of HealthBand or dict, default red < 50 <= yellow < 75 <= green
        Increasing ``min_score``, the first at 0; a dict maps band name to its lowest score,
        e.g. ``{"red": 0, "yellow": 50, "green": 75}``.
    combine : {"weighted_mean", "worst_of"}, default "weighted_mean"
        ``weighted_mean`` of the normalised measures, or the lowest of them (``worst_of``:
        one bad measure makes a bad account).
    missing : {"renormalize", "zero", "raise"}, default "renormalize"
        For a missing (NaN) measure value: drop the measure for that account and renormalise
        the weights of the others (the ``observed_weight`` column says how much weight was
        there), score it 0, or raise.

    Examples
    --------
    >>> config = HealthConfig.model_validate({
    ...     "measures": [
    ...         {"column": "active_days_30d", "weight": 2, "group": "engagement"},
    ...         {"column": "core_features_30d", "group": "adoption"},
    ...         {"column": "tickets_30d", "direction": "lower_is_better", "group": "adoption"},
    ...     ],
    ...     "groups": [{"name": "engagement", "weight": 0.6}, {"name": "adoption", "weight": 0.4}],
    ... })
    >>> config.weights()
    {'active_days_30d': 0.6, 'core_features_30d': 0.2, 'tickets_30d': 0.2}
    >>> HealthConfig(measures=[HealthMeasure(column="x", weight=0)])
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for HealthConfig
    measures
      Value error, measure weights must sum to a positive number; got [0.0] ...
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    measures: tuple[HealthMeasure, ...] = Field(min_length=1)
    groups: tuple[HealthGroup, ...] = ()
    bands: tuple[HealthBand, ...] = DEFAULT_BANDS
    combine: Literal["weighted_mean", "worst_of"] = "weighted_mean"
    missing: Literal["renormalize", "zero", "raise"] = "renormalize"

    @field_validator("measures")
    @classmethod
    def _measures_ok(cls, value: tuple[HealthMeasure, ...]) -> tuple[HealthMeasure, ...]:
        labels = [m.label for m in value]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(f"measure labels must be unique; repeated: {dupes}")
        if sum(m.weight for m in value) <= 0:
            raise ValueError(
                f"measure weights must sum to a positive number; got {[m.weight for m in value]}"
            )
        return value

    @field_validator("groups")
    @classmethod
    def _groups_ok(cls, value: tuple[HealthGroup, ...]) -> tuple[HealthGroup, ...]:
        names = [g.name for g in value]
        if len(set(names)) != len(names):
            raise ValueError(f"group names must be unique; got {names}")
        if value and sum(g.weight for g in value) <= 0:
            raise ValueError(
                f"group weights must sum to a positive number; got {[g.weight for g in value]}"
            )
        return value

    @field_validator("bands", mode="before")
    @classmethod
    def _bands_from_mapping(cls, value: object) -> object:
        # {"red": 0, "yellow": 50, "green": 75} is the natural way to write bands
        if isinstance(value, dict):
            return [{"name": k, "min_score": v} for k, v in value.items()]
        return value

    @field_validator("bands")
    @classmethod
    def _bands_ok(cls, value: tuple[HealthBand, ...]) -> tuple[HealthBand, ...]:
        if not value:
            raise ValueError("bands needs at least one band")
        starts = [b.min_score for b in value]
        if starts[0] != 0.0 or any(b <= a for a, b in itertools.pairwise(starts)):
            raise ValueError(
                f"band min_score values must start at 0 and strictly increase; got {starts}"
            )
        names = [b.name for b in value]
        if len(set(names)) != len(names):
            raise ValueError(f"band names must be unique; got {names}")
        return value

    @model_validator(mode="after")
    def _groups_match(self) -> Self:
        names = {g.name for g in self.groups}
        for i, m in enumerate(self.measures):
            if self.groups and m.group not in names:
                raise _field_error(
                    ("measures", i, "group"),
                    f"measures[{i}].group={m.group!r} is not one of the groups {sorted(names)}",
                    title="HealthConfig",
                    value=m.group,
                )
            if not self.groups and m.group is not None:
                raise _field_error(
                    ("measures", i, "group"),
                    f"measures[{i}].group={m.group!r} but no groups are defined; add "
                    "groups=[HealthGroup(name=..., weight=...)]",
                    title="HealthConfig",
                    value=m.group,
                )
        if self.groups:
            for g in self.groups:
                inside = [m.weight for m in self.measures if m.group == g.name]
                if g.weight > 0 and sum(inside) <= 0:
                    raise ValueError(
                        f"group {g.name!r} has weight {g.weight} but its measures' weights sum "
                        "to 0 (or it has no measures)"
                    )
        return self

    def weights(self) -> dict[str, float]:
        """Effective weight of each measure in the score, summing to 1.

        Returns
        -------
        dict of str to float
            Measure label to weight.
        """
        if not self.groups:
            total = sum(m.weight for m in self.measures)
            return {m.label: m.weight / total for m in self.measures}
        group_total = sum(g.weight for g in self.groups)
        out = {}
        for m in self.measures:
            group = next(g for g in self.groups if g.name == m.group)
            within = sum(x.weight for x in self.measures if x.group == m.group)
            out[m.label] = round(group.weight / group_total * m.weight / within, 15)
        return out

    @property
    def columns(self) -> tuple[str, ...]:
        """The input columns the measures read."""
        return tuple(dict.fromkeys(m.column for m in self.measures))
