"""Lazy matplotlib: one import point with an install hint, axes handling, and the house style.

Nothing here is imported by ``import saasmetrics``; plots call :func:`get_axes` when drawn.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = (
    "PALETTE",
    "duration_label",
    "get_axes",
    "import_pyplot",
    "next_color",
    "period_label",
)

PALETTE = (
    "#2563eb",
    "#f97316",
    "#16a34a",
    "#dc2626",
    "#9333ea",
    "#0891b2",
    "#ca8a04",
    "#64748b",
    "#db2777",
    "#65a30d",
    "#7c3aed",
    "#0d9488",
)
"""The house colours, in order of use."""


def import_pyplot() -> Any:
    """Import and return ``matplotlib.pyplot``, or raise with an install hint.

    Returns
    -------
    module
        ``matplotlib.pyplot``.

    Raises
    ------
    ImportError
        If matplotlib is not installed, saying how to install it.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        msg = (
            "Plotting needs matplotlib: pip install matplotlib (or, in a clone of saasmetrics, "
            "pip install -e '.[plot]')"
        )
        raise ImportError(msg) from exc
    return plt


def get_axes(ax: Any = None, *, figsize: tuple[float, float] = (7.0, 4.0)) -> Any:
    """Return ``ax``, or new axes in the house style when it is ``None``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    figsize : tuple of float, default (7, 4)
        Size of a new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        Where to draw.
    """
    plt = import_pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(visible=True, axis="y", alpha=0.3)
    return ax


def next_color(ax: Any) -> str:
    """The first house colour not yet used on ``ax`` (lines, filled areas and bars).

    Several series drawn on one axes by different calls (a Kaplan-Meier curve, then an sBG
    projection) each get their own colour this way.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes about to be drawn on.

    Returns
    -------
    str
        A colour of :data:`PALETTE` (cycling when all are used).
    """
    from matplotlib.colors import to_hex

    used: set[str] = set()
    for line in ax.get_lines():
        used.add(to_hex(line.get_color()))
    for artist in [*ax.collections, *ax.patches]:
        faces = artist.get_facecolor()
        rows = faces if getattr(faces, "ndim", 1) == 2 else [faces]
        used.update(to_hex(tuple(face)) for face in rows if len(face))
    free = [c for c in PALETTE if c not in used]
    return free[0] if free else PALETTE[len(used) % len(PALETTE)]


_PERIODS = {
    "D": "day",
    "W": "week",
    "MS": "month",
    "ME": "month",
    "M": "month",
    "QS": "quarter",
    "QE": "quarter",
    "Q": "quarter",
    "YS": "year",
    "YE": "year",
    "Y": "year",
    "AS": "year",
    "A": "year",
}


def period_label(freq: Any) -> str:
    """A period alias in words: ``"MS"`` -> ``"month"``, ``"W-MON"`` -> ``"week"``.

    Parameters
    ----------
    freq : str or pandas offset
        A pandas period alias.

    Returns
    -------
    str
        The singular noun (``"2 weeks"`` for multiples); the alias itself when unknown.

    Examples
    --------
    >>> period_label("MS"), period_label("W-MON"), period_label("2W")
    ('month', 'week', '2 weeks')
    """
    text = str(getattr(freq, "freqstr", freq))
    match = re.fullmatch(r"(\d*)([A-Za-z]+)(?:-[A-Za-z]+)?", text)
    if match is None or match.group(2).upper() not in _PERIODS:
        return text
    noun = _PERIODS[match.group(2).upper()]
    n = int(match.group(1) or 1)
    return noun if n == 1 else f"{n} {noun}s"


def duration_label(value: Any) -> str:
    """A duration in words: ``"7D"`` -> ``"7 days"``, ``"12h"`` -> ``"12 hours"``.

    Parameters
    ----------
    value : str or Timedelta
        The duration.

    Returns
    -------
    str
        Whole days, hours, minutes or seconds, in words.

    Examples
    --------
    >>> duration_label("7D"), duration_label("1D"), duration_label("90min")
    ('7 days', '1 day', '90 minutes')
    """
    import pandas as pd

    td = pd.Timedelta(value)
    for unit, size in (("day", "1D"), ("hour", "1h"), ("minute", "1min"), ("second", "1s")):
        step = pd.Timedelta(size)
        if td % step == pd.Timedelta(0):
            n = td // step
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return str(td)
