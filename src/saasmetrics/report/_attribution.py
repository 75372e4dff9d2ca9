"""Report section: acquisition (channel quality and multi-touch attribution)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saasmetrics.attribution import (
    FirstTouch,
    LastTouch,
    MarkovModel,
    ShapleyModel,
    channel_funnel,
    channel_report,
    compare_models,
    journeys,
)
from saasmetrics.report._base import Section, figure_html, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany


def section(company: SaasCompany) -> Section:
    """Channel quality per channel, and how four attribution models share the customers."""
    events = company.events
    leads = events.loc[events["event"] == "signup", ["user_id", "timestamp"]]
    report = channel_report(company.sessions, company.conversions, company.spend, leads=leads)
    table = report.to_frame().set_index("channel")
    jrn = journeys(company.touchpoints, company.conversions, lookback="90D")
    comparison = compare_models(
        jrn, [FirstTouch(), LastTouch(), MarkovModel(order=1), ShapleyModel()]
    )
    shares = comparison.to_frame(share=True)

    shown = table[
        ["visits", "bounce_rate", "leads", "customers", "conversion_rate", "cost", "cac", "roi"]
    ]
    paid = table.loc[table["cost"] > 0, "cac"]
    rate = table["conversion_rate"]
    first, last = shares["FirstTouch()"], shares["LastTouch()"]
    markov = shares["MarkovModel()"]
    worst, best = str(rate.idxmin()), str(rate.idxmax())
    opener = str((first - last).idxmax())
    summary = [
        (
            f"{len(company.conversions):,} customers from {len(table)} channels; "
            f"lead-to-customer rate from {rate[worst]:.0%} ({worst}) "
            f"to {rate[best]:.0%} ({best})"
        ),
    ]
    if len(paid):
        cheapest, dearest = str(paid.idxmin()), str(paid.idxmax())
        summary.append(
            f"CAC among paid channels: {cheapest} ${paid[cheapest]:,.0f} ... "
            f"{dearest} ${paid[dearest]:,.0f}"
        )
    summary.append(
        f"{opener} opens journeys: {first[opener]:.0%} of first-touch credit, "
        f"{last[opener]:.0%} of last-touch, {markov[opener]:.0%} by Markov removal effects"
    )
    by_channel = channel_funnel(company.sessions, leads, company.conversions)
    people = by_channel.to_frame().pivot(index="channel", columns="step", values="users")
    people = people[list(by_channel.steps)].sort_values("visit", ascending=False)
    visitors = people["visit"].astype("int64")
    lost = 1.0 - people["lead"] / visitors
    leaky, tight = str(lost.idxmax()), str(lost.idxmin())
    summary.append(
        f"Funnel per channel (last click, 90 days): {leaky} loses the most visitors before "
        f"the lead step, {lost[leaky]:.1%} of {visitors[leaky]:,} "
        f"({tight} the fewest, {lost[tight]:.1%})"
    )
    ax = report.plot(metric="conversion_rate")
    ax.set_title("Lead-to-customer conversion rate by channel")
    rate_fig = figure_html(ax)
    ax = comparison.plot()
    ax.set_title("Customers credited to each channel, by model")
    models_fig = figure_html(ax)
    html = (
        "<h3>Channel quality</h3>"
        + table_html(shown)
        + rate_fig
        + "<h3>Funnel per channel (people: visit, lead, customer)</h3>"
        + table_html(people)
        + "<h3>Multi-touch attribution (90-day lookback)</h3>"
        + table_html(comparison.to_frame().round(1))
        + models_fig
    )
    return Section(title="Acquisition", summary=summary, html=html)
