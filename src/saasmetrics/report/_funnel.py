"""Report section: the signup funnel by acquisition channel, its leak, and what converts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saasmetrics._plotting import duration_label
from saasmetrics.eventlog import EventLog
from saasmetrics.funnel import conversion_paths, funnel
from saasmetrics.report._base import Section, escape, figure_html, how_to_read, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany

STEPS = ("signup", "create_project", "invite_teammate", "subscribe")
WINDOW = "30D"
PATH_STEPS = 6
"""Steps of a session path shown before it is cut (``...``)."""
MIN_PATH_SESSIONS = 30
"""Paths seen in fewer sessions are left out of the ranking: their rates are noise."""


def _words(step: object) -> str:
    return str(step).replace("_", " ")


def section(company: SaasCompany) -> Section:
    """Signup funnel (30-day window) overall and by channel, the worst step, paths to paying."""
    log = EventLog(company.events, properties=["channel"])
    overall = funnel(log, list(STEPS), window=WINDOW)
    by_channel = funnel(log, list(STEPS), window=WINDOW, breakdown="channel")
    table = by_channel.to_frame()
    activation = table[table["step"] == STEPS[1]].set_index("channel")
    worst = str(activation["conversion_from_start"].idxmin())
    best = str(activation["conversion_from_start"].idxmax())
    test = by_channel.compare(worst, best).iloc[0]
    drop = overall.biggest_dropoff()
    paths = conversion_paths(
        log, "subscribe", start="signup", max_steps=PATH_STEPS, session_gap="1D"
    )
    counts = overall.counts
    rates = activation["conversion_from_start"].astype(float)
    worst_rate, best_rate = rates.loc[worst], rates.loc[best]
    within = duration_label(WINDOW)
    summary = [
        (
            f"{counts[0]:,} signups; {counts[1] / counts[0]:.0%} create a project, "
            f"{counts[2] / counts[0]:.0%} invite a teammate, {counts[3] / counts[0]:.1%} subscribe "
            f"within {within}"
        ),
        (
            f"biggest drop-off: {_words(drop['from_step'])} -> {_words(drop['step'])} "
            f"({drop['dropoff_rate']:.0%} lost)"
        ),
        (
            f"weakest activation: {worst} ({worst_rate:.0%} "
            f"create a project vs {best_rate:.0%} for {best}; "
            f"difference {test['difference']:+.0%}, 95% CI {test['ci_low']:+.0%} to "
            f"{test['ci_high']:+.0%})"
        ),
    ]
    headline = (
        f"{counts[3] / counts[0]:.1%} of {counts[0]:,} signups subscribe within {within}; "
        f"the biggest leak is {_words(drop['from_step'])} → {_words(drop['step'])} "
        f"({drop['dropoff_rate']:.0%} lost), and {worst} signups activate least "
        f"({worst_rate:.0%} vs {best_rate:.0%} for {best})."
    )
    n_channels = int(activation.shape[0])
    chart_ax = by_channel.plot(max_values=n_channels)
    chart_ax.set_title(f"Conversion from signup by channel (within {within})")
    from matplotlib.ticker import PercentFormatter

    chart_ax.set_ylabel("share of signups reaching the step")
    chart_ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    legend = chart_ax.get_legend()
    if legend is not None:
        legend.set_title("Channel")
    chart = figure_html(chart_ax)
    ttc_ax = overall.plot_time_to_convert(1, bins=30)
    ttc_ax.set_title(f"Time from signup to {_words(STEPS[1])}")
    ttc = figure_html(ttc_ax)
    overview = overall.to_frame()[
        ["step", "users", "conversion_from_start", "conversion_from_previous",
         "median_time_to_convert"]
    ]  # fmt: skip
    overview = overview.assign(step=overview["step"].map(_words))
    supported = paths.to_frame()
    supported = supported[supported["sessions"] >= MIN_PATH_SESSIONS]
    leading = (
        supported[supported["conversions"] > 0]
        .sort_values(["conversions", "conversion_rate"], ascending=False, kind="stable")[
            ["path", "sessions", "conversions", "conversion_rate", "lift"]
        ]
        .head(8)
    )
    leading = leading.assign(path=leading["path"].map(_words))
    activation_table = activation[["users", "conversion_from_start"]].sort_values(
        "conversion_from_start"
    )
    html = (
        table_html(
            overview,
            caption=f"Signup funnel, within {within} of signup",
            formats={"step": "text"},
            labels={"conversion_from_start": "From signup",
                    "conversion_from_previous": "From previous step",
                    "median_time_to_convert": "Median time from previous step"},
        )
        + chart
        + table_html(
            activation_table,
            caption="Signups who create a project, by channel (weakest first)",
            labels={"users": "Created a project", "conversion_from_start": "Share of signups"},
        )
        + ttc
        + "<h3>Session paths that lead to a subscription</h3>"
        + table_html(
            leading,
            caption=(
                f"Paths of the signup session that end in a subscription, most subscriptions "
                f"first (paths seen in at least {MIN_PATH_SESSIONS} sessions; '...' = more "
                f"than {PATH_STEPS} steps)"
            ),
            formats={"path": "text", "lift": "ratio"},
            labels={"conversion_rate": "Subscribed", "lift": "Lift vs all sessions"},
        )
        + (
            "" if len(leading) else
            f"<p>{escape('No session path reaches the minimum support.')}</p>"
        )
    )  # fmt: skip
    how = how_to_read(
        "The funnel counts people who did each step in order, each within "
        f"{escape(within)} of their signup. <b>From signup</b> is the share of all signups "
        "who got that far; <b>from previous step</b> shows where the biggest leak is.",
        "The channel chart compares activation across acquisition channels: a channel whose "
        "bars fall early brings people who do not find their footing.",
        "<b>Session paths</b> are the events of the signup session in order; <b>lift</b> above "
        "1 means sessions with that path subscribe more often than sessions in general. "
        "Rare paths are left out: a path seen in a handful of sessions proves nothing.",
    )
    return Section(title="Funnel", summary=summary, html=html, headline=headline,
                   how_to_read=how)  # fmt: skip
