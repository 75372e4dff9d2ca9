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
from saasmetrics.report._base import Section, figure_html, how_to_read, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany


def section(company: SaasCompany) -> Section:
    """Channel quality per channel, and how four attribution models share the customers."""
    events = company.events
    leads = events.loc[events["event"] == "signup", ["user_id", "timestamp"]]
    report = channel_report(company.sessions, company.conversions, company.spend, leads=leads)
    table = report.to_frame().set_index("channel")
    jrn = journeys(company.touchpoints, company.conversions, lookback="90D")
    models = [FirstTouch(), LastTouch(), MarkovModel(order=1), ShapleyModel()]
    comparison = compare_models(jrn, models)
    names = {repr(m): m.name for m in models}
    credited = comparison.to_frame().rename(columns=names)
    shares = comparison.to_frame(share=True).rename(columns=names)

    shown = table[
        ["visits", "bounce_rate", "leads", "customers", "conversion_rate", "cost", "cac", "roi"]
    ].sort_values("customers", ascending=False)
    unpaid = shown["cost"] <= 0
    shown = shown.assign(cac=shown["cac"].mask(unpaid), roi=shown["roi"].mask(unpaid))
    paid = table.loc[table["cost"] > 0, "cac"]
    rate = table["conversion_rate"]
    first, last = shares[models[0].name], shares[models[1].name]
    markov = shares[models[2].name]
    worst, best = str(rate.idxmin()), str(rate.idxmax())
    opener = str((first - last).idxmax())
    summary = [
        (
            f"{len(company.conversions):,} customers from {len(table)} channels; "
            f"lead-to-customer rate from {rate[worst]:.0%} ({worst}) "
            f"to {rate[best]:.0%} ({best})"
        ),
    ]
    headline = (
        f"{len(company.conversions):,} customers came from {len(table)} channels; "
        f"{best} turns leads into customers best ({rate[best]:.0%}), {worst} worst "
        f"({rate[worst]:.0%})"
    )
    if len(paid):
        cheapest, dearest = str(paid.idxmin()), str(paid.idxmax())
        summary.append(
            f"CAC among paid channels: {cheapest} ${paid[cheapest]:,.0f} ... "
            f"{dearest} ${paid[dearest]:,.0f}"
        )
        headline += (
            f", and a paid customer costs from ${paid[cheapest]:,.0f} ({cheapest}) to "
            f"${paid[dearest]:,.0f} ({dearest})"
        )
    headline += "."
    summary.append(
        f"{opener} opens journeys: {first[opener]:.0%} of first-touch credit, "
        f"{last[opener]:.0%} of last-touch, {markov[opener]:.0%} by Markov removal effects"
    )
    by_channel = channel_funnel(company.sessions, leads, company.conversions)
    people = by_channel.to_frame().pivot(index="channel", columns="step", values="users")
    people = people[list(by_channel.steps)].sort_values("visit", ascending=False)
    people = people.astype("int64")
    visitors = people["visit"]
    lost = 1.0 - people["lead"] / visitors
    leaky, tight = str(lost.idxmax()), str(lost.idxmin())
    summary.append(
        f"Funnel per channel (last click, 90 days): {leaky} loses the most visitors before "
        f"the lead step, {lost[leaky]:.1%} of {visitors[leaky]:,} "
        f"({tight} the fewest, {lost[tight]:.1%})"
    )
    people.columns = people.columns.astype(str)
    people = people.assign(
        visit_to_lead=people["lead"] / visitors,
        lead_to_customer=people["customer"] / people["lead"],
    )
    ax = report.plot(metric="conversion_rate")
    ax.set_title("Lead-to-customer conversion rate by channel")
    ax.set_xlabel("share of leads who become customers")
    ax.xaxis.set_major_formatter("{x:.0%}")
    rate_fig = figure_html(ax)
    ax = comparison.plot()
    ax.set_title("Customers credited to each channel, by model")
    legend = ax.get_legend()
    if legend is not None:
        for text in legend.get_texts():
            text.set_text(names.get(text.get_text(), text.get_text()))
    models_fig = figure_html(ax)
    html = (
        "<h3>Channel quality</h3>"
        + table_html(
            shown,
            caption="Channels by customers won (all time)",
            formats={"cost": "money", "cac": "money", "roi": "pct"},
            labels={"conversion_rate": "Lead to customer", "cac": "CAC", "roi": "ROI"},
        )
        + rate_fig
        + "<h3>Funnel per channel</h3>"
        + table_html(
            people,
            caption="People per step, by last-click channel (90 days)",
            formats={"visit_to_lead": "pct", "lead_to_customer": "pct"},
            labels={"visit": "Visitors", "lead": "Leads", "customer": "Customers"},
        )
        + "<h3>Multi-touch attribution (90-day lookback)</h3>"
        + table_html(
            credited,
            caption="Customers credited to each channel, by attribution model",
            formats=dict.fromkeys(credited.columns, "ratio"),
        )
        + models_fig
    )
    how = how_to_read(
        "<b>Channel quality</b> follows each channel from visit to paying customer: bounce "
        "rate, leads, customers, and for paid channels the cost, the cost per customer (CAC) "
        "and the return on that spend (ROI: revenue minus cost, over cost).",
        "<b>Attribution models</b> share each customer among the channels of their journey. "
        "First touch credits the channel that opened it, last touch the one that closed it; "
        "Markov and Shapley share it by how much each channel adds. Where the models disagree, "
        "a channel opens journeys that others close.",
    )
    return Section(title="Acquisition", summary=summary, html=html, headline=headline,
                   how_to_read=how)  # fmt: skip
