"""Report section: MRR bridge, SaaS KPIs, LTV:CAC by channel and the revenue projection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from saasmetrics.report._base import Section, figure_html, table_html
from saasmetrics.unit_economics import (
    benchmark,
    cac,
    cac_payback_months,
    ltv,
    ltv_to_cac,
    mrr_bridge,
    plot_ltv_to_cac,
    project_revenue,
    saas_kpis,
)

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany

GROSS_MARGIN = 0.8
"""Assumed gross margin of the sample company (it has no cost-of-revenue table)."""


def channel_economics(company: SaasCompany, *, monthly_churn: float) -> pd.DataFrame:
    """CAC, LTV, LTV:CAC and payback per paid channel of the sample company.

    Parameters
    ----------
    company : SaasCompany
        The sample company.
    monthly_churn : float
        Monthly revenue churn used for LTV.

    Returns
    -------
    pandas.DataFrame
        One row per channel with spend.
    """
    spend = company.spend.groupby("channel")["amount"].sum()
    channel_of = company.accounts.set_index("account_id")["channel"]
    first_mrr = company.conversions.assign(mrr=company.conversions["value"] / 12.0)
    first_mrr["channel"] = first_mrr["account_id"].map(channel_of)
    by_channel = first_mrr.groupby("channel")["mrr"].agg(["count", "mean"])
    table = pd.DataFrame({"spend": spend}).join(by_channel, how="left").fillna(0.0)
    table = table.rename(columns={"count": "customers", "mean": "arpa"})
    table["cac"] = cac(table["spend"], table["customers"])
    table["ltv"] = ltv(table["arpa"], monthly_churn, GROSS_MARGIN)
    table["ltv_to_cac"] = ltv_to_cac(table["ltv"], table["cac"])
    table["payback_months"] = cac_payback_months(table["cac"], table["arpa"], GROSS_MARGIN)
    table["band"] = benchmark("ltv_to_cac", table["ltv_to_cac"])
    return table.sort_values("ltv_to_cac", ascending=False)


def section(company: SaasCompany) -> Section:
    """Earn: MRR movements, KPIs, LTV:CAC by channel and where revenue is heading."""
    bridge = mrr_bridge(company.subscriptions, as_of=company.as_of)
    kpis = saas_kpis(bridge)
    table = bridge.to_frame()
    last = kpis.iloc[-1]
    recent = kpis.tail(6)
    churn = float(recent["gross_mrr_churn_rate"].mean())
    expansion = float(
        (table["expansion"] / table["starting"].where(table["starting"] > 0)).tail(6).mean()
    )
    new_mrr = float(table["new"].tail(3).mean())
    economics = channel_economics(company, monthly_churn=churn)

    ax = bridge.plot(kind="movements")
    movements_fig = figure_html(ax)
    projection = project_revenue(
        float(last["mrr"]),
        new_mrr,
        churn,
        expansion,
        periods=24,
        simulations=500,
        arpa=float(last["arpa"]),
        seed=0,
    )
    fan_fig = figure_html(projection.plot())
    ltv_fig = figure_html(plot_ltv_to_cac(economics["ltv"], economics["cac"]))
    steady = (
        f"{projection.steady_state_mrr:,.0f}"
        if projection.bounded
        else "unbounded (net churn <= 0)"
    )
    best = economics.index[0]
    period = f"{kpis.index[-1]:%Y-%m}"
    summary = [
        (
            f"{period}: MRR {last['mrr']:,.0f}, ARR {last['arr']:,.0f}, {int(last['customers']):,} "
            f"paying customers, ARPA {last['arpa']:,.0f}"
        ),
        (
            f"12-month NRR {_pct(last['nrr'])}, GRR {_pct(last['grr'])}; quick ratio "
            f"{recent['quick_ratio'].mean():.1f} (6-month mean); gross MRR churn {churn:.1%}/month"
        ),
        (
            f"Best channel by LTV:CAC: {best} ({economics.loc[best, 'ltv_to_cac']:.1f}, "
            f"{economics.loc[best, 'band']}); gross margin assumed {GROSS_MARGIN:.0%}"
        ),
        (
            f"At today's rates MRR heads for {steady} (new {new_mrr:,.0f} a month, net churn "
            f"{churn - expansion:.1%}); in 24 months {projection.table['mrr'].iloc[-1]:,.0f}"
        ),
    ]
    shown = kpis[
        [
            "mrr",
            "customers",
            "arpa",
            "logo_churn_rate",
            "gross_mrr_churn_rate",
            "net_mrr_churn_rate",
            "quick_ratio",
            "nrr",
            "grr",
        ]
    ].tail(6)
    html = (
        table_html(table.tail(6).round(0), digits=8)
        + movements_fig
        + table_html(shown)
        + table_html(
            economics[["spend", "customers", "cac", "ltv", "ltv_to_cac", "payback_months", "band"]]
        )
        + ltv_fig
        + fan_fig
    )
    return Section(title="Unit economics", summary=summary, html=html)


def _pct(value: Any) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.0%}"
