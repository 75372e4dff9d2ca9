"""Report section: MRR bridge, SaaS KPIs, LTV:CAC by channel and the revenue projection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from saasmetrics.report._base import Kind, Section, figure_html, how_to_read, table_html
from saasmetrics.unit_economics import (
    arr_layers,
    benchmark,
    cac,
    cac_payback_months,
    ltv,
    ltv_curves,
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
    ax.set_xlabel("month")
    ax.yaxis.set_major_formatter("${x:,.0f}")
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
    fan_ax = projection.plot()
    fan_ax.set_xlabel("months from now")
    fan_ax.yaxis.set_major_formatter("${x:,.0f}")
    fan_fig = figure_html(fan_ax)
    ltv_fig = figure_html(plot_ltv_to_cac(economics["ltv"], economics["cac"]))
    cake = arr_layers(company.subscriptions, as_of=company.as_of, layer="quarter")
    cake_fig = figure_html(cake.plot())
    curves = ltv_curves(
        company.subscriptions,
        company.spend,
        by="channel",
        customers=company.accounts,
        as_of=company.as_of,
        margin=GROSS_MARGIN,
        horizon="36MS",
    )
    payback = curves.payback_months.dropna().sort_values()
    paid = [g for g in curves.to_frame()["group"].unique() if g in set(curves.payback_months.index)]
    curves_fig = figure_html(
        curves.plot(groups=[g for g in paid if g in set(payback.index)] or None)
    )
    steady = (
        f"{projection.steady_state_mrr:,.0f}"
        if projection.bounded
        else "unbounded (net churn <= 0)"
    )
    best = economics.index[0]
    period = f"{kpis.index[-1]:%Y-%m}"
    in_24 = float(projection.table["mrr"].iloc[-1])
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
            f"{churn - expansion:.1%}); in 24 months {in_24:,.0f}"
        ),
    ]
    if len(payback):
        fastest, slowest = payback.index[0], payback.index[-1]
        summary.append(
            f"Observed payback: {fastest} customers pay back their CAC in "
            f"{payback.iloc[0]:.0f} months, {slowest} in {payback.iloc[-1]:.0f}"
        )
    growth = in_24 / float(last["mrr"]) - 1 if last["mrr"] > 0 else float("nan")
    headline = (
        f"MRR is ${last['mrr']:,.0f} from {int(last['customers']):,} customers, with "
        f"12-month net revenue retention {_pct(last['nrr'])} and {churn:.1%} of MRR churning "
        f"each month; at today's rates it grows {growth:.0%} in 24 months."
    )
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
    shown = shown.assign(customers=shown["customers"].astype("int64"))
    shown.index = pd.DatetimeIndex(shown.index).strftime("%Y-%m")
    movements = table.tail(6)
    movements.index = pd.DatetimeIndex(movements.index).strftime("%Y-%m")
    money: dict[str, Kind] = dict.fromkeys(movements.columns.astype(str), "money")
    channels = economics[["spend", "customers", "cac", "ltv", "ltv_to_cac", "payback_months",
                          "band"]]  # fmt: skip
    channels = channels.assign(customers=channels["customers"].astype("int64"))
    html = (
        table_html(movements.rename_axis("month"), caption="MRR movements, last 6 months",
                   formats=money)
        + movements_fig
        + table_html(
            shown.rename_axis("month"),
            caption="SaaS KPIs, last 6 months",
            formats={"mrr": "money", "arpa": "money", "quick_ratio": "ratio"},
            labels={"logo_churn_rate": "Logo churn", "gross_mrr_churn_rate": "Gross MRR churn",
                    "net_mrr_churn_rate": "Net MRR churn", "nrr": "NRR (12 months)",
                    "grr": "GRR (12 months)"},
        )
        + table_html(
            channels,
            caption=f"Unit economics of paid channels (gross margin {GROSS_MARGIN:.0%})",
            formats={"spend": "money", "cac": "money", "ltv": "money", "ltv_to_cac": "ratio",
                     "payback_months": "ratio", "band": "text"},
            labels={"ltv_to_cac": "LTV:CAC", "payback_months": "Payback (months)"},
        )
        + ltv_fig
        + "<h3>When does a customer pay back?</h3>"
        + curves_fig
        + table_html(
            payback.rename("payback_months").rename_axis("channel").to_frame(),
            caption=(
                "Months until cumulative gross margin per acquired customer reaches the "
                "channel's CAC (observed cohorts; channels without spend or not paid back "
                "within 36 months are left out)"
            ),
            formats={"payback_months": "int"},
            labels={"payback_months": "Payback (months, whole)"},
        )
        + "<h3>ARR by the quarter that brought it</h3>"
        + cake_fig
        + fan_fig
    )  # fmt: skip
    how = how_to_read(
        "<b>MRR movements</b> split each month's change in monthly recurring revenue into new "
        "customers, expansion, contraction, churn and reactivation.",
        "<b>NRR</b> (net revenue retention) is the revenue kept from customers paying a year ago, "
        "with their upgrades; above 100% the base grows on its own. <b>GRR</b> counts losses "
        "only. The <b>quick ratio</b> is MRR gained over MRR lost (above 4 is strong).",
        "<b>LTV:CAC</b> is what a customer brings over their life against what they cost to "
        "win; 3 is the usual target, below 1 loses money, far above 5 suggests spending more "
        "on that channel. The chart switches to a log scale when one channel dwarfs the rest.",
        "<b>Payback</b>: each line is the cumulative gross margin an acquired customer of a "
        "channel has brought by month since acquisition; where it crosses the channel's CAC "
        "line (dotted) the customer has paid back what it cost to win.",
        "The <b>layer cake</b> stacks ARR by the quarter in which its customers first paid: "
        "thick old layers mean a base that keeps paying.",
        "<b>Projection</b>: MRR if today's new business, churn and expansion continue; the band "
        "holds 80% of 500 simulated futures.",
    )
    return Section(title="Unit economics", summary=summary, html=html, headline=headline,
                   how_to_read=how)  # fmt: skip


def _pct(value: Any) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.0%}"
