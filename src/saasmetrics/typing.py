"""Public type aliases used across saasmetrics signatures.

Examples
--------
>>> from saasmetrics.typing import OnInvalid
>>> OnInvalid
typing.Literal['raise', 'drop']
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import pandas as pd

__all__ = ("FrameLike", "Freq", "OnInvalid", "TimedeltaLike")

FrameLike: TypeAlias = pd.DataFrame | Any
"""A pandas DataFrame, or a polars DataFrame / pyarrow Table when those libraries are installed."""

Freq: TypeAlias = str
"""A pandas offset alias for a time grain: ``"D"``, ``"W"`` / ``"W-MON"`` ... ``"W-SUN"``, ``"MS"``,
``"QS"``, ``"YS"``."""

TimedeltaLike: TypeAlias = str | pd.Timedelta | Any
"""Anything :class:`pandas.Timedelta` accepts: ``"7D"``, ``"30min"``, a ``timedelta``..."""

OnInvalid: TypeAlias = Literal["raise", "drop"]
"""What to do with invalid rows: raise a typed error (default) or drop them and report how many."""
