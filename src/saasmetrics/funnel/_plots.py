"""The funnel's charts: users per step (or conversion per breakdown value), time to convert."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from saasmetrics._plotting import PALETTE, duration_label, get_axes
from saasmetrics.funnel._tables import build_table, durations, group_codes

if TYPE_CHECKING:
    from saasmetrics.funnel._result import FunnelResult


def plot_funnel(result: FunnelResult, ax: Any, *, max_values: int) -> Any:
    """Bars of users per step; with a breakdown, conversion of the largest values side by side."""
    ax = get_axes(ax)
    x = np.arange(len(result.steps))
    if result.breakdown is None:
        table = result.table
        counts = table[result._unit_name].to_numpy()
        bars = ax.bar(x, counts, color=PALETTE[0], width=0.6)
        for bar, rate in zip(bars, table["conversion_from_start"], strict=True):
            label = "" if pd.isna(rate) else f"{rate:.0%}"
            ax.annotate(
                label,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=9,
            )
        ax.set_ylabel(result._unit_name)
    else:
        codes, values = group_codes(result.units, result.breakdown)
        shown = values[:max_values]
        width = 0.8 / max(len(shown), 1)
        for i, value in enumerate(shown):
            group = result.units[codes == i]
            block = build_table(group, result.steps, None, result._unit_name)
            ax.bar(
                x - 0.4 + width * (i + 0.5),
                block["conversion_from_start"],
                width=width,
                color=PALETTE[i % len(PALETTE)],
                label=str(value),
            )
        ax.set_ylabel("conversion from first step")
        ax.set_ylim(0, 1.05)
        title = str(result.breakdown)
        if len(values) > len(shown):  # say so when values are left out
            title += f" ({len(shown)} largest of {len(values)}; max_values= shows more)"
        ax.legend(title=title, fontsize=8, title_fontsize=8, frameon=False)
    ax.set_xticks(x, [str(s) for s in result.steps])
    ax.set_title(f"Funnel ({result.order}, within {duration_label(result.window)})")
    return ax


def plot_time_to_convert(
    result: FunnelResult, k: int, ax: Any, *, bins: int, from_start: bool
) -> Any:
    """Histogram of the time to reach step ``k`` (>= 1), in hours."""
    ax = get_axes(ax)
    hours = durations(result.units, k, from_start=from_start).dt.total_seconds() / 3600.0
    ax.hist(hours.to_numpy(), bins=bins, color=PALETTE[0])
    origin = result.steps[0] if from_start else result.steps[k - 1]
    ax.set_xlabel(f"hours from {origin!s} to {result.steps[k]!s}")
    ax.set_ylabel(result._unit_name)
    return ax
