"""Errors and warnings raised by saasmetrics: the one place they are defined.

Every error carries a stable ``code`` that services can map to responses, and a message that says
what went wrong, what was received, and a hint on how to fix it.

Examples
--------
>>> from saasmetrics.exceptions import MissingColumnError, SaasMetricsError
>>> err = MissingColumnError.from_names(["user_id"], available=["uid", "ts"], role="user_col")
>>> print(err)  # doctest: +NORMALIZE_WHITESPACE
Column(s) not found: ['user_id']. Available: ['uid', 'ts'].
Hint: pass `user_col=` to name the column that holds it.
>>> isinstance(err, SaasMetricsError), isinstance(err, KeyError), err.code
(True, True, 'missing-column')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

__all__ = (
    "ConvergenceError",
    "ConvergenceWarning",
    "DataQualityWarning",
    "EmptyDataError",
    "InputError",
    "MissingColumnError",
    "NotFittedError",
    "ParameterError",
    "SaasMetricsDeprecationWarning",
    "SaasMetricsError",
    "SaasMetricsWarning",
    "SchemaError",
    "SmallSampleWarning",
)


def _preview(values: Iterable[Any], limit: int = 10) -> str:
    items = list(values)
    shown = ", ".join(repr(v) for v in items[:limit])
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return f"[{shown}{more}]"


class SaasMetricsError(Exception):
    """Base class of every error saasmetrics raises; catch it to catch them all.

    Parameters
    ----------
    message : str
        What went wrong, what was received, and a hint.
    hint : str, optional
        Appended to the message as ``Hint: ...``.
    """

    code: ClassVar[str] = "saasmetrics-error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self._full())

    def _full(self) -> str:
        return f"{self.message} Hint: {self.hint}" if self.hint else self.message

    def __str__(self) -> str:
        # KeyError quotes its argument; keep every error's text readable.
        return self._full()


class InputError(SaasMetricsError, ValueError):
    """The data passed in is unusable as given (bad values, nulls, negative amounts...)."""

    code: ClassVar[str] = "invalid-input"

    @classmethod
    def bad_values(
        cls,
        column: str,
        problem: str,
        *,
        n_bad: int,
        n_rows: int,
        example: Any = None,
        hint: str | None = None,
    ) -> InputError:
        """Build the error for ``n_bad`` rows of ``column`` that have ``problem``.

        Parameters
        ----------
        column : str
            The column holding the bad values.
        problem : str
            What is wrong with them, e.g. ``"null user ids"``.
        n_bad, n_rows : int
            How many rows are bad, out of how many.
        example : object, optional
            One offending row or value, shown to the user.
        hint : str, optional
            How to fix it.

        Returns
        -------
        InputError
            The error, ready to raise.
        """
        ex = f" Example: {example!r}." if example is not None else ""
        return cls(
            f"Column {column!r} has {n_bad:,} of {n_rows:,} rows with {problem}.{ex}",
            hint=hint
            or "fix the data, or pass on_invalid='drop' to drop those rows (they are counted).",
        )


class MissingColumnError(InputError, KeyError):
    """A required column is not in the frame."""

    code: ClassVar[str] = "missing-column"

    @classmethod
    def from_names(
        cls, missing: Iterable[str], *, available: Iterable[Any], role: str | None = None
    ) -> MissingColumnError:
        """Build the error for columns ``missing`` from a frame with ``available`` columns.

        Parameters
        ----------
        missing : iterable of str
            The columns that were asked for and not found.
        available : iterable
            The columns the frame has.
        role : str, optional
            The keyword that names the column (e.g. ``"user_col"``), used in the hint.

        Returns
        -------
        MissingColumnError
            The error, ready to raise.
        """
        hint = (
            f"pass `{role}=` to name the column that holds it."
            if role
            else "check the spelling, or pass the matching `*_col=` keyword."
        )
        return cls(
            f"Column(s) not found: {sorted(missing)!r}. Available: {_preview(available)}.",
            hint=hint,
        )


class SchemaError(InputError, TypeError):
    """A column has the wrong type, or values that cannot be parsed (e.g. timestamps)."""

    code: ClassVar[str] = "schema"


class EmptyDataError(InputError):
    """The data has no rows (left), so nothing can be computed."""

    code: ClassVar[str] = "empty-data"


class ParameterError(SaasMetricsError, ValueError):
    """An option or hyperparameter is invalid."""

    code: ClassVar[str] = "invalid-parameter"

    @classmethod
    def not_one_of(cls, name: str, value: Any, choices: Iterable[Any]) -> ParameterError:
        """Build the error for option ``name`` whose ``value`` is not among ``choices``.

        Parameters
        ----------
        name : str
            The parameter's name.
        value : object
            What was passed.
        choices : iterable
            The valid values.

        Returns
        -------
        ParameterError
            The error, ready to raise.

        Examples
        --------
        >>> print(ParameterError.not_one_of("order", "loose", ["ordered", "strict"]))
        order='loose' is not one of ['ordered', 'strict'].
        """
        return cls(f"{name}={value!r} is not one of {sorted(choices)!r}.")


class NotFittedError(SaasMetricsError, ValueError, AttributeError):
    """A model was used before ``fit`` was called."""

    code: ClassVar[str] = "not-fitted"


class ConvergenceError(SaasMetricsError, RuntimeError):
    """An estimation did not converge; the message says what was tried."""

    code: ClassVar[str] = "convergence"


class SaasMetricsWarning(UserWarning):
    """Base class of every warning saasmetrics issues."""


class DataQualityWarning(SaasMetricsWarning):
    """Rows were dropped or values adjusted; the warning says how many and why."""


class SmallSampleWarning(SaasMetricsWarning):
    """A result rests on few observations; treat it with care."""


class ConvergenceWarning(SaasMetricsWarning):
    """An estimation converged poorly (e.g. at a bound); the result may be unreliable."""


class SaasMetricsDeprecationWarning(SaasMetricsWarning, FutureWarning):
    """A name or behaviour will change in a later release."""
