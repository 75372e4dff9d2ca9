"""Report section: active users, stickiness and where each month's users come from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saasmetrics.engagement import active_users, growth_accounting, lifecycle
from saasmetrics.eventlog import EventLog
from saasmetrics.report._base import Section, figure_html, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany


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
            f"users; quick ratio {recent['quick_ratio']:.2f}"
        ),
    ]
    table = ga[["period", "active", "retained", "new", "resurrected", "churned", "quick_ratio"]]
    html = (
        figure_html(active.plot())
        + figure_html(months.plot())
        + table_html(table.tail(6).set_index("period"))
    )
    return Section(title="Engagement", summary=summary, html=html)
