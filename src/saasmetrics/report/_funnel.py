"""Report section: the signup funnel by acquisition channel, its leak, and what converts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saasmetrics.eventlog import EventLog
from saasmetrics.funnel import conversion_paths, funnel
from saasmetrics.report._base import Section, figure_html, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany

STEPS = ("signup", "create_project", "invite_teammate", "subscribe")


def section(company: SaasCompany) -> Section:
    """Signup funnel (30-day window) overall and by channel, the worst step, paths to paying."""
    log = EventLog(company.events, properties=["channel"])
    overall = funnel(log, list(STEPS), window="30D")
    by_channel = funnel(log, list(STEPS), window="30D", breakdown="channel")
    table = by_channel.to_frame()
    activation = table[table["step"] == STEPS[1]].set_index("channel")
    worst = str(activation["conversion_from_start"].idxmin())
    best = str(activation["conversion_from_start"].idxmax())
    test = by_channel.compare(worst, best).iloc[0]
    drop = overall.biggest_dropoff()
    paths = conversion_paths(log, "subscribe", start="signup", max_steps=4, session_gap="1D")
    counts = overall.counts
    rates = activation["conversion_from_start"].astype(float)
    worst_rate, best_rate = rates.loc[worst], rates.loc[best]
    summary = [
        (
            f"{counts[0]:,} signups; {counts[1] / counts[0]:.0%} create a project, "
            f"{counts[2] / counts[0]:.0%} invite a teammate, {counts[3] / counts[0]:.1%} subscribe "
            "within 30 days"
        ),
        (
            f"biggest drop-off: {drop['from_step']} -> {drop['step']} "
            f"({drop['dropoff_rate']:.0%} lost)"
        ),
        (
            f"weakest activation: {worst} ({worst_rate:.0%} "
            f"create a project vs {best_rate:.0%} for {best}; "
            f"difference {test['difference']:+.0%}, 95% CI {test['ci_low']:+.0%} to "
            f"{test['ci_high']:+.0%})"
        ),
    ]
    chart = figure_html(by_channel.plot(max_values=5))
    ttc = figure_html(overall.plot_time_to_convert(1, bins=30))
    overview = overall.to_frame()[
        ["step", "users", "conversion_from_start", "conversion_from_previous",
         "median_time_to_convert"]
    ]  # fmt: skip
    leading = paths.leading(5, min_sessions=20)[["path", "sessions", "conversion_rate", "lift"]]
    html = (
        table_html(overview)
        + chart
        + table_html(
            activation[["users", "conversion_from_start"]].sort_values("conversion_from_start")
        )
        + ttc
        + "<p>Session paths after signup that most often lead to a subscription:</p>"
        + table_html(leading)
    )
    return Section(title="Funnel", summary=summary, html=html)
