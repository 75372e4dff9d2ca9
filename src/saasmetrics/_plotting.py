"""Lazy matplotlib: one import point with an install hint, axes handling, and the house style.

Nothing here is imported by ``import saasmetrics``; plots call :func:`get_axes` when drawn.
"""

from __future__ import annotations

from typing import Any

__all__ = ("PALETTE", "get_axes", "import_pyplot")

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
        msg = "Plotting needs matplotlib: pip install 'saasmetrics[plot]'"
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
