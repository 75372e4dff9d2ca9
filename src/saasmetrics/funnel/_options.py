"""The funnel's options, checked once: steps, window, modes, exclusions and breakdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from saasmetrics._validation import check_choice, check_positive_timedelta
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import ParameterError
from saasmetrics.funnel._steps import Step, StepLike, as_step, step_properties
from saasmetrics.typing import TimedeltaLike

Order = Literal["ordered", "strict", "unordered", "first_then_any"]
Entry = Literal["any", "first"]
Count = Literal["users", "attempts"]

_ORDERS = ("ordered", "strict", "unordered", "first_then_any")
_ANY_ORDER = ("unordered", "first_then_any")


@dataclass(frozen=True, slots=True)
class FunnelSettings:
    """The checked options of one funnel (``attr_step``: the step ``"step:<k>"`` names)."""

    steps: tuple[Step, ...]
    window: pd.Timedelta
    order: str
    entry: str
    exclusions: tuple[tuple[Step, int, int], ...]
    breakdown: str | None
    breakdown_attribution: str
    attr_step: int | None
    hold_constant: str | None
    count: str

    @property
    def properties(self) -> list[str]:
        """Property columns the steps, exclusions, breakdown and held property read."""
        needed = step_properties([*self.steps, *(s for s, _, _ in self.exclusions)])
        for prop in (self.breakdown, self.hold_constant):
            if prop is not None and prop not in needed:
                needed.append(prop)
        return needed


def funnel_settings(
    steps: Sequence[StepLike],
    *,
    window: TimedeltaLike,
    order: Order,
    entry: Entry,
    exclusions: Sequence[tuple[StepLike, int, int]] | None,
    breakdown: str | None,
    breakdown_attribution: str,
    hold_constant: str | None,
    count: Count,
) -> FunnelSettings:
    """The options of :func:`~saasmetrics.funnel.funnel`, checked (ParameterError if not)."""
    if not isinstance(steps, str | Step | Sequence | np.ndarray | pd.Index | pd.Series):
        raise ParameterError(
            f"steps must be a list of events; got {type(steps).__name__}.",
            hint="pass a list such as ['signup', 'create_project'].",
        )
    step_list = [as_step(s) for s in steps] if not isinstance(steps, str | Step) else []
    if len(step_list) < 2:
        raise ParameterError(
            f"A funnel needs at least two steps; got {steps!r}.",
            hint="pass a list such as ['signup', 'create_project'].",
        )
    n_steps = len(step_list)
    window_td = check_positive_timedelta("window", window)
    check_choice("order", order, _ORDERS)
    check_choice("entry", entry, ("any", "first"))
    check_choice("count", count, ("users", "attempts"))
    excl = _check_exclusions(exclusions, step_list)
    if excl and order in _ANY_ORDER:
        raise ParameterError(
            f"exclusions need an ordered or strict funnel: in an order={order!r} funnel "
            "'between step i and step j' has no fixed meaning.",
        )
    attr_step = _attribution_step(breakdown_attribution, n_steps)  # checked even unused
    _check_property_names(breakdown, hold_constant)
    return FunnelSettings(
        steps=tuple(step_list),
        window=window_td,
        order=order,
        entry=entry,
        exclusions=tuple(excl),
        breakdown=breakdown,
        breakdown_attribution=breakdown_attribution,
        attr_step=attr_step,
        hold_constant=hold_constant,
        count=count,
    )


def check_property_columns(log: EventLog, s: FunnelSettings) -> None:
    """The breakdown and held-constant properties are property columns of ``log``."""
    for label, prop in (("breakdown", s.breakdown), ("hold_constant", s.hold_constant)):
        if prop is None:
            continue
        if prop in (log.user_col, log.time_col, log.event_col):
            raise ParameterError(
                f"{label}={prop!r} is the log's user, time or event column, not a property.",
                hint=f"pass a property column such as a channel or plan as {label}=.",
            )
        log.property_values(prop)  # raises MissingColumnError with the kept properties


def _check_exclusions(
    exclusions: Sequence[Any] | None, steps: Sequence[Step]
) -> list[tuple[Step, int, int]]:
    n_steps = len(steps)
    out: list[tuple[Step, int, int]] = []
    for item in exclusions or ():
        if not isinstance(item, tuple | list) or len(item) != 3:
            raise ParameterError(
                f"Each exclusion must be (event, from_step, to_step); got {item!r}.",
                hint="steps are 0-based: ('x', 0, 1) excludes x between the first two steps.",
            )
        event, lo, hi = item
        if not (isinstance(lo, int | np.integer) and isinstance(hi, int | np.integer)):
            raise ParameterError(f"Exclusion steps must be integers; got {item!r}.")
        if not 0 <= lo < hi <= n_steps - 1:
            raise ParameterError(
                f"Exclusion {tuple(item)!r} is out of range for a funnel of {n_steps} steps.",
                hint=f"use 0 <= from_step < to_step <= {n_steps - 1} (0-based step indices).",
            )
        excluded = as_step(event, name="exclusions")
        for k in range(int(lo), int(hi) + 1):
            step = steps[k]
            # as PostHog: the exclusion may not match every event of a step it spans
            if step.event == excluded.event and (
                not excluded.where or excluded.where == step.where
            ):
                raise ParameterError(
                    f"Exclusion {excluded.name!r} also matches step {k} ({step.name!r}), which "
                    f"lies between steps {lo} and {hi}: every attempt reaching it would be "
                    "removed.",
                    hint="exclude a different event, or narrow it with conditions.",
                )
        out.append((excluded, int(lo), int(hi)))
    return out


# columns of FunnelResult.units and of its tables that a breakdown column may not shadow
_RESERVED = frozenset(
    {"user", "level", "step", "users", "attempts", "conversion_from_start"}
    | {"conversion_from_previous", "dropped", "dropoff_rate", "median_time_to_convert"}
    | {"mean_time_to_convert", "mean", "median", "p25", "p75", "p90"}
)


def _check_property_names(breakdown: Any, hold_constant: Any) -> None:
    for label, prop in (("breakdown", breakdown), ("hold_constant", hold_constant)):
        if prop is not None and not isinstance(prop, str):
            raise ParameterError(
                f"{label} must be the name of one property column; got {prop!r}.",
                hint=f"pass a string such as {label}='channel'.",
            )
    if breakdown is not None and (breakdown in _RESERVED or breakdown.startswith("at_")):
        raise ParameterError(
            f"breakdown={breakdown!r} would collide with a column of the funnel's tables.",
            hint="rename the property first, e.g. events.rename(columns={...}).",
        )


def _attribution_step(attribution: str, n_steps: int) -> int | None:
    """None for first/last touch, else the 0-based step ``step:<k>`` names."""
    if attribution in ("first_touch", "last_touch"):
        return None
    if attribution.startswith("step:"):
        try:
            k = int(attribution.split(":", 1)[1])
        except ValueError:
            k = -1
        if 0 <= k < n_steps:
            return k
    raise ParameterError(
        f"breakdown_attribution={attribution!r} is not 'first_touch', 'last_touch' or "
        f"'step:<k>' with 0 <= k < {n_steps}.",
    )
