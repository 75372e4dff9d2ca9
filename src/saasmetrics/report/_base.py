"""Building blocks of the HTML report: a section, and figures and tables as inline HTML.

Tables are formatted for reading, not for debugging: no row numbers, headers in words,
thousands separators, rates as percentages and durations in days or hours. Every table has a
caption.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = (
    "Kind",
    "Section",
    "escape",
    "figure_html",
    "format_duration",
    "header",
    "how_to_read",
    "table_html",
    "tidy_labels",
)

Kind = Literal["int", "pct", "money", "duration", "number", "ratio", "p", "text"]

ACRONYMS = {
    "auc": "AUC",
    "arpa": "ARPA",
    "arr": "ARR",
    "cac": "CAC",
    "ci": "CI",
    "grr": "GRR",
    "ltv": "LTV",
    "mrr": "MRR",
    "nrr": "NRR",
    "ppv": "PPV",
    "roi": "ROI",
    "sd": "SD",
}
"""Words written in capitals in table headers."""

_RATE_WORDS = re.compile(
    r"(^|_)(rate|share|ppv|nrr|grr|probability|risk|conversion_from_start|"
    r"conversion_from_previous)($|_)"
)


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
    headline : str
        One sentence, written from the section's numbers, for the executive summary at the top
        of the report (empty: the section contributes none).
    how_to_read : str
        HTML of the section's "How to read this" box: what the charts and tables show and how
        to use them (empty: no box).
    """

    title: str
    summary: list[str] = field(default_factory=list)
    html: str = ""
    headline: str = ""
    how_to_read: str = ""

    @property
    def anchor(self) -> str:
        """The section's HTML id, e.g. ``"unit-economics"``."""
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")


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
    tidy_labels(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.find("<svg") :]
    return f"<figure>{svg}</figure>"


def tidy_labels(fig: Any) -> None:
    """Write identifiers in words on a figure: ``create_project`` -> ``create project``.

    Titles, axis labels, tick labels and legend entries of every axes lose their underscores,
    so that no raw column or event name reaches the reader.
    """
    texts = []
    for ax in fig.get_axes():
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
        legend = ax.get_legend()
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
    for text in texts:
        words = text.get_text()
        if "_" in words:
            text.set_text(words.replace("_", " "))
    from matplotlib.category import StrCategoryFormatter
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    for ax in fig.get_axes():  # tick labels are made at draw time: wrap the text formatters
        for axis in (ax.xaxis, ax.yaxis):
            inner = axis.get_major_formatter()
            # set_xticks(x, labels) makes a FixedFormatter or (matplotlib >= 3.10) a
            # FuncFormatter: wrap both, so that event names on ticks read as words
            if isinstance(inner, StrCategoryFormatter | FixedFormatter | FuncFormatter):
                axis.set_major_formatter(
                    FuncFormatter(lambda x, pos, f=inner: str(f(x, pos)).replace("_", " "))
                )


def how_to_read(*paragraphs: str) -> str:
    """HTML of a "How to read this" box from paragraphs of (already escaped) HTML.

    Examples
    --------
    >>> how_to_read("Bars are accounts.")
    '<p>Bars are accounts.</p>'
    """
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def format_duration(value: Any) -> str:
    """A duration in words: ``"1.8 days"``, ``"6.4 hours"``, ``"12 minutes"``; ``"-"`` if missing.

    Examples
    --------
    >>> import pandas as pd
    >>> format_duration(pd.Timedelta(hours=43))
    '1.8 days'
    >>> format_duration(pd.Timedelta(minutes=384))
    '6.4 hours'
    >>> format_duration(pd.NaT)
    '-'
    """
    if value is None or pd.isna(value):
        return "-"
    seconds = pd.Timedelta(value).total_seconds()
    for unit, size in (("day", 86400.0), ("hour", 3600.0), ("minute", 60.0)):
        if abs(seconds) >= size:
            amount = seconds / size
            text = f"{amount:.1f}".removesuffix(".0") if amount < 10 else f"{amount:,.0f}"
            return f"{text} {unit}{'' if text == '1' else 's'}"
    return f"{seconds:.0f} seconds"


def header(name: object) -> str:
    """A column name in words: ``"ltv_to_cac"`` -> ``"LTV to CAC"``.

    Examples
    --------
    >>> header("conversion_from_start"), header("ltv_to_cac")
    ('Conversion from start', 'LTV to CAC')
    """
    words = str(name).replace("_", " ").split()
    words = [ACRONYMS.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _kind_of(name: str, values: pd.Series) -> Kind:
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        if values.dtype.kind == "m":
            return "duration"
        return "text"
    if pd.api.types.is_integer_dtype(values):
        return "int"
    if _RATE_WORDS.search(name.lower()):
        return "pct"
    return "number"


def _formatter(kind: Kind) -> Callable[[Any], str]:
    def number(x: float) -> str:
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:,.3g}" if abs(x) >= 0.01 or x == 0 else f"{x:.2g}"

    def pct(x: float) -> str:
        digits = 0 if abs(x) >= 0.1 or x == 0 else 1
        return f"{x:.{digits}%}"

    formats: dict[str, Callable[[Any], str]] = {
        "int": lambda x: f"{int(x):,}",
        "pct": pct,
        "money": lambda x: (
            ("-" if x < 0 else "")
            + (f"${abs(x):,.0f}" if abs(x) >= 10 or x == 0 else f"${abs(x):,.2f}")
        ),
        "duration": format_duration,
        "number": number,
        "ratio": lambda x: f"{x:,.1f}",
        "p": lambda x: "<0.001" if x < 0.001 else f"{x:.3f}",
        "text": str,
    }
    return formats[kind]


def table_html(
    frame: pd.DataFrame | pd.Series,
    *,
    caption: str,
    formats: Mapping[str, Kind] | None = None,
    labels: Mapping[str, str] | None = None,
    max_rows: int = 20,
) -> str:
    """Render a frame as a captioned HTML table formatted for reading.

    A meaningful index (named, or not integers) becomes the first column; row numbers (an
    unnamed integer index) are dropped. Each column is formatted by its kind: integers with
    thousands separators, rates (names with ``rate``, ``share``, ...) as percentages,
    durations in days or hours, other numbers to three significant digits; missing values
    show as ``-``.

    Parameters
    ----------
    frame : pandas.DataFrame or pandas.Series
        What to show.
    caption : str
        The table's heading (every table has one).
    formats : mapping of str to kind, optional
        Column -> one of ``"int"``, ``"pct"``, ``"money"``, ``"duration"``, ``"number"``,
        ``"ratio"`` (one decimal), ``"p"`` (p-values), ``"text"``, overriding the kind
        guessed from name and dtype.
    labels : mapping of str to str, optional
        Column -> header text, overriding :func:`header`.
    max_rows : int, default 20
        Rows shown at most (the caption says when some are left out).

    Returns
    -------
    str
        The table's HTML.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"visits": [12345], "bounce_rate": [0.4421]})
    >>> html = table_html(frame, caption="Traffic")
    >>> "<caption>Traffic</caption>" in html, "12,345" in html, "44%" in html
    (True, True, True)
    """
    data = frame.to_frame() if isinstance(frame, pd.Series) else frame
    row_numbers = data.index.name is None and pd.api.types.is_integer_dtype(data.index)
    data = data.reset_index(drop=row_numbers)
    formats = dict(formats or {})
    labels = dict(labels or {})
    shown = data.head(max_rows)
    columns = [str(c) for c in shown.columns]
    kinds = [formats.get(c) or _kind_of(c, shown[c]) for c in shown.columns.astype(str)]
    head = "".join(
        f'<th class="{"text" if k == "text" else "num"}">{escape(labels.get(c, header(c)))}</th>'
        for c, k in zip(columns, kinds, strict=True)
    )
    rows = []
    for values in shown.itertuples(index=False):
        cells = []
        for value, kind in zip(values, kinds, strict=True):
            missing = value is None or (
                not isinstance(value, str) and not np.ndim(value) and pd.isna(value)
            )
            if missing:
                text = "-"
            elif isinstance(value, float) and math.isinf(value):
                text = "∞" if value > 0 else "-∞"
            else:
                text = _formatter(kind)(value)
            css = "num" if kind != "text" else ("text wrap" if len(text) > 30 else "text")
            cells.append(f'<td class="{css}">{escape(text)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    more = len(data) - len(shown)
    note = f" (first {len(shown)} of {len(data):,})" if more > 0 else ""
    return (
        f'<div class="table-wrap"><table class="data"><caption>{escape(caption)}'
        f"{escape(note)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def escape(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text))
