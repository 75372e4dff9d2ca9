"""Report section: active users, stickiness and where each month's users come from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from saasmetrics.engagement import active_users, growth_accounting, lifecycle
from saasmetrics.eventlog import EventLog
from saasmetrics.report._base import Section, figure_html, how_to_read, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany


_WINDOW_NAMES = {
    "dau": "daily (DAU)",
    "wau": "weekly (WAU, 7 days)",
    "mau": "monthly (MAU, 28 days)",
}


def _labelled(ax: Any) -> Any:
    """The active-users chart with its window keys (``dau``) written for a reader."""
    for line in ax.get_lines():
        line.set_label(_WINDOW_NAMES.get(str(line.get_label()), line.get_label()))
    ax.legend()
    return ax


def section(company: SaasCompany) -> Section:
    """DAU/WAU/MAU and DAU/MAU, the monthly lifecycle and user growth accounting."""
    log = EventLog(company.events, properties=[])
    active = active_users(log)
    ratios = active.ratios().set_index("date")
    last = active.to_frame().iloc[-1]
    stickiness = float(ratios["dau/mau"].tail(90).mean())
    months = lifecycle(log, freq="MS", new_event="signup")
    ga = growth_accounting(log, freq="MS").to_frame()
    recent = ga.iloc[-1]
    summary = [
        (
            f"{int(last['dau']):,} daily, {int(last['wau']):,} weekly and "
            f"{int(last['mau']):,} monthly (28-day) active users on {last['date']:%Y-%m-%d}"
        ),
        f"DAU/MAU {stickiness:.0%} on average over the last 90 days (B2B products: 10-30%)",
        (
            f"last month: {int(recent['new']):,} new, {int(recent['retained']):,} retained, "
            f"{int(recent['resurrected']):,} resurrected, {-int(recent['churned']):,} churned "
            f"users; quick ratio {recent['quick_ratio']:.1f}"
        ),
    ]
    table = ga[["period", "active", "retained", "new", "resurrected", "churned", "quick_ratio"]]
    table = table.tail(6).assign(period=table["period"].tail(6).dt.strftime("%B %Y"))
    growth = "growing" if recent["quick_ratio"] > 1 else "shrinking"
    headline = (
        f"{int(last['mau']):,} monthly active users, DAU/MAU {stickiness:.0%}; last month's "
        f"user base was {growth} (quick ratio {recent['quick_ratio']:.1f}: "
        f"{int(recent['new']) + int(recent['resurrected']):,} gained for "
        f"{-int(recent['churned']):,} lost)."
    )
    html = (
        figure_html(_labelled(active.plot()))
        + figure_html(months.plot())
        + table_html(
            table.set_index("period"),
            caption="Monthly user growth accounting (last six months)",
            formats={"quick_ratio": "ratio"},
            labels={"quick_ratio": "Quick ratio (gained / lost)"},
        )
    )
    how = how_to_read(
        "<b>Active users</b> are distinct people with any event in the trailing day, 7 days "
        "and 28 days; <b>DAU/MAU</b> is how many of the month's users come on a given day "
        "(stickiness).",
        "The <b>lifecycle</b> bars split each month's users into new, returning and "
        "resurrecting ones above zero and dormant ones (active last month, not this one) "
        "below it.",
        "In the <b>growth accounting</b> table, active = retained + new + resurrected, and the "
        "<b>quick ratio</b> is users gained (new + resurrected) per user lost: above 1 the "
        "base grows.",
    )
    return Section(
        title="Engagement", summary=summary, html=html, headline=headline, how_to_read=how
    )
