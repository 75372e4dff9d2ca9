"""Report section: the company at a glance (tables, signups and paying customers over time)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics.report._base import Section, figure_html, how_to_read, table_html

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
    ax.set_ylabel("signups")
    signup_fig = figure_html(ax)
    ax = get_axes(figsize=(7.0, 3.2))
    ax.plot(month_ends, active, color=PALETTE[2], marker="o", markersize=3)
    ax.set_title("Paying customers at month end")
    ax.set_ylabel("paying customers")
    customers_fig = figure_html(ax)
    n_users = events["user_id"].nunique()
    span = f"{company.start:%Y-%m-%d} to {company.as_of:%Y-%m-%d}"
    paying_now = active[-1] if active else 0
    ever_paid = int(subs["customer_id"].nunique())
    summary = [
        f"{company.n_accounts:,} accounts, {n_users:,} users, {len(events):,} events, {span}",
        f"{ever_paid:,} accounts have paid; {paying_now:,} pay at the end",
    ]
    months = max(len(per_month), 1)
    headline = (
        f"From {company.start:%B %Y} to {company.as_of:%B %Y}, {n_users:,} users in "
        f"{company.n_accounts:,} accounts signed up ({per_month.iloc[-1] if months else 0:,} in "
        f"the last month); {ever_paid:,} accounts have paid and {paying_now:,} pay today."
    )
    tables = company.describe()
    how = how_to_read(
        "The sample company's raw tables, as a SaaS company has them: product events, "
        "marketing touches and web sessions, subscriptions, invoices and ad spend. Every "
        "number below is computed from these tables with saasmetrics' public API.",
    )
    return Section(
        title="Overview",
        summary=summary,
        html=table_html(tables, caption="The data: one row per table", formats={
            "table": "text", "columns": "text"})
        + signup_fig
        + customers_fig,
        headline=headline,
        how_to_read=how,
    )  # fmt: skip
