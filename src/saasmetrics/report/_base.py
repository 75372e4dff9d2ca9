"""Building blocks of the HTML report: a section, and figures and tables as inline HTML."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ("Section", "figure_html", "table_html")


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    title : str
        Heading, e.g. ``"Acquisition"``.
    summary : list of str
        Short lines of plain text; the command line prints them.
    html : str
        Body of the section (tables and figures as inline HTML/SVG).
    """

    title: str
    summary: list[str] = field(default_factory=list)
    html: str = ""


def figure_html(figure: Any, *, close: bool = True) -> str:
    """Render a matplotlib figure (or axes) as an inline SVG string.

    Parameters
    ----------
    figure : matplotlib.figure.Figure or matplotlib.axes.Axes
        What to render; for axes, their figure.
    close : bool, default True
        Close the figure afterwards to free memory.

    Returns
    -------
    str
        ``<figure>`` element holding the SVG.
    """
    fig = getattr(figure, "figure", figure)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.find("<svg") :]
    return f"<figure>{svg}</figure>"


def table_html(frame: pd.DataFrame | pd.Series, *, digits: int = 3, max_rows: int = 20) -> str:
    """Render a frame as a compact HTML table.

    Parameters
    ----------
    frame : pandas.DataFrame or pandas.Series
        What to show.
    digits : int, default 3
        Significant digits for floats.
    max_rows : int, default 20
        Rows shown at most.

    Returns
    -------
    str
        The table's HTML.

    Examples
    --------
    >>> import pandas as pd
    >>> "<table" in table_html(pd.DataFrame({"x": [1.23456]}))
    True
    """
    data = frame.to_frame() if isinstance(frame, pd.Series) else frame

    def number(x: float) -> str:  # 12,345 rather than 1.23e+04; 0.123 for small values
        return f"{x:,.0f}" if abs(x) >= 10 ** (digits - 1) else f"{x:,.{digits}g}"

    return data.head(max_rows).to_html(classes="data", border=0, float_format=number, na_rep="-")


def escape(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text))
