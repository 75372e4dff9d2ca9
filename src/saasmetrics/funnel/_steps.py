"""Funnel steps: an event name, or an event name with property conditions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import ParameterError

__all__ = (
    "Step",
    "StepLike",
    "as_step",
    "condition_mask",
    "event_code_in",
    "event_index",
    "event_mask",
    "step_properties",
)


@dataclass(frozen=True, slots=True)
class Step:
    """A funnel step: an event, optionally restricted by property conditions.

    Parameters
    ----------
    event : object
        The event name, as it appears in the event column.
    where : mapping of str to object, optional
        Property conditions that must all hold: a scalar means equality, a list, tuple or set
        means membership (``{"plan": ["pro", "business"]}``). Events with a missing value never
        match a condition.
    label : str, optional
        The name shown in tables and plots; by default the event name followed by the conditions.

    Examples
    --------
    >>> Step("subscribe", where={"plan": ["pro", "business"]}).name
    "subscribe [plan in ['pro', 'business']]"
    >>> Step("signup", label="Signed up").name
    'Signed up'
    """

    event: Any
    where: Mapping[str, Any] | None = field(default=None)
    label: str | None = None

    @property
    def name(self) -> str:
        """Display name of the step."""
        if self.label is not None:
            return self.label
        if not self.where:
            return str(self.event)
        parts = []
        for key, value in self.where.items():
            if isinstance(value, set | frozenset):
                parts.append(f"{key} in {sorted(value, key=str)!r}")
            elif isinstance(value, list | tuple):
                parts.append(f"{key} in {list(value)!r}")
            else:
                parts.append(f"{key}={value!r}")
        return f"{self.event} [{', '.join(parts)}]"

    @property
    def properties(self) -> tuple[str, ...]:
        """Property columns the conditions read."""
        return tuple(self.where) if self.where else ()


StepLike = str | Step | Mapping[str, Any] | tuple[Any, Mapping[str, Any]] | Any
"""An event name, a :class:`Step`, a dict ``{"event": ..., "where": {...}}`` or a pair
``(event, {conditions})``."""


def as_step(value: StepLike, *, name: str = "steps") -> Step:
    """Turn anything a user may pass as a step into a :class:`Step`.

    Parameters
    ----------
    value : str, Step, dict or tuple
        The step.
    name : str, default "steps"
        The parameter it came from, for messages.

    Returns
    -------
    Step
        The step.

    Raises
    ------
    ParameterError
        If it cannot be read as a step.

    Examples
    --------
    >>> as_step(("subscribe", {"plan": "pro"})).name
    "subscribe [plan='pro']"
    """
    if isinstance(value, Step):
        return value
    if isinstance(value, Mapping):
        if "event" not in value:
            raise ParameterError(
                f"A step given as a dict needs an 'event' key; got {dict(value)!r} in {name}.",
                hint="write {'event': 'signup', 'where': {'channel': 'Email'}}.",
            )
        return Step(value["event"], where=value.get("where"), label=value.get("label"))
    if isinstance(value, tuple):
        if len(value) == 2 and isinstance(value[1], Mapping):
            return Step(value[0], where=value[1])
        raise ParameterError(
            f"A step given as a tuple must be (event, {{conditions}}); got {value!r} in {name}."
        )
    if value is None or isinstance(value, list | set | dict):
        raise ParameterError(f"{value!r} is not a step (in {name}).", hint="pass an event name.")
    return Step(value)


def event_index(log: EventLog, event: Any) -> int:
    """Code of ``event`` in ``log``, or -1; a non-text name also matches its text form.

    The event log stores event names as text when the column is not text (``1`` -> ``"1"``),
    so ``funnel(events, [1, 2])`` on integer event codes must look up ``"1"`` and ``"2"``.

    Parameters
    ----------
    log : EventLog
        The events.
    event : object
        An event name as the user wrote it.

    Returns
    -------
    int
        The event code, or -1.
    """
    return event_code_in(log.events, event)


def event_code_in(names: pd.Index, event: Any) -> int:
    """Position of ``event`` in the event ``names``, or -1 (see :func:`event_index`)."""
    code = int(names.get_indexer(pd.Index([event]))[0])
    if code < 0 and not isinstance(event, str) and event is not None:
        code = int(names.get_indexer(pd.Index([str(event)]))[0])
    return code


def condition_mask(log: EventLog, step: Step) -> npt.NDArray[np.bool_] | None:
    """Which events satisfy the step's property conditions (``None`` when it has none).

    Parameters
    ----------
    log : EventLog
        The events.
    step : Step
        The step.

    Returns
    -------
    numpy.ndarray of bool or None
        One entry per event.

    Raises
    ------
    MissingColumnError
        If a condition names a property the log does not have.
    """
    if not step.where:
        return None
    mask = np.ones(len(log), dtype=bool)
    for prop, wanted in step.where.items():
        values = log.property_values(prop)
        if isinstance(wanted, list | tuple | set | frozenset):
            ok = values.isin(list(wanted)).to_numpy(dtype=bool)
        else:
            ok = (values == wanted).fillna(value=False).to_numpy(dtype=bool)
        mask &= ok & values.notna().to_numpy()
    return mask


def event_mask(
    log: EventLog, code: int, cond: npt.NDArray[np.bool_] | None
) -> npt.NDArray[np.bool_]:
    """Which events of ``log`` are event ``code`` and meet ``cond`` (none if ``code`` is -1)."""
    if code < 0:
        return np.zeros(len(log), dtype=bool)
    mask: npt.NDArray[np.bool_] = log.event_codes == code
    if cond is not None:
        mask &= cond
    return mask


def step_properties(steps: Sequence[Step]) -> list[str]:
    """Property columns any of ``steps`` reads, in order of first use."""
    seen: dict[str, None] = {}
    for step in steps:
        for prop in step.properties:
            seen[prop] = None
    return list(seen)
