"""Report section: the company at a glance (tables, signups and paying customers over time)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics.report._base import Section, figure_html, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany


def section(company: SaasCompany) -> Section:
    """Summarise the company's data: table sizes, signups per month, paying customers."""
    events = company.events
    signups = events.loc[events["event"] == "signup", "timestamp"]
    per_month = signups.dt.to_period("M").value_counts().sort_index()
    subs = company.subscriptions
    # paying at the last instant of each month, as the MRR bridge counts them ([start, end))
    month_ends = pd.date_range(company.start, company.as_of, freq="ME")
    next_starts = month_ends + pd.Timedelta(days=1)
    active = [
        int(
            subs.loc[
                (subs["start"] < t) & (subs["end"].isna() | (subs["end"] >= t)), "customer_id"
            ].nunique()
        )
        for t in next_starts
    ]
    ax = get_axes(figsize=(7.0, 3.2))
    ax.bar(per_month.index.to_timestamp(), per_month.to_numpy(), width=20, color=PALETTE[0])
    ax.set_title("Signups per month")
    signup_fig = figure_html(ax)
    ax = get_axes(figsize=(7.0, 3.2))
    ax.plot(month_ends, active, color=PALETTE[2], marker="o", markersize=3)
    ax.set_title("Paying customers at month end")
    customers_fig = figure_html(ax)
    n_users = events["user_id"].nunique()
    span = f"{company.start:%Y-%m-%d} to {company.as_of:%Y-%m-%d}"
    paying_now = active[-1] if active else 0
    summary = [
        f"{company.n_accounts:,} accounts, {n_users:,} users, {len(events):,} events, {span}",
        f"{subs['customer_id'].nunique():,} accounts have paid; {paying_now:,} pay at the end",
    ]
    return Section(
        title="Overview",
        summary=summary,
        html=table_html(company.describe()) + signup_fig + customers_fig,
    )
