"""Report section: retention (cohort heatmap, stages of paying customers, sBG, magic number)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from saasmetrics.exceptions import ConvergenceWarning, SaasMetricsError
from saasmetrics.report._base import Section, escape, figure_html, table_html
from saasmetrics.retention import (
    ShiftedBetaGeometricModel,
    cohort_table,
    kaplan_meier,
    lifecycle_stages,
    magic_number_search,
)

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany


def paying_lifetimes(company: SaasCompany) -> pd.DataFrame:
    """Months from each monthly-billed account's first payment to its first churn.

    Parameters
    ----------
    company : SaasCompany
        The sample company.

    Returns
    -------
    pandas.DataFrame
        One row per account: ``months`` (churn at the end of month 1, 2, ...; or months
        observed, for accounts still paying) and ``churned``.
    """
    subs = company.subscriptions.sort_values(["customer_id", "start"])
    following = subs.groupby("customer_id")["start"].shift(-1)
    churns = subs["end"].notna() & (following.isna() | (following != subs["end"]))
    first = subs.groupby("customer_id").agg(start=("start", "min"), billing=("billing", "first"))
    first["churn"] = subs[churns].groupby("customer_id")["end"].min()
    days = (first["churn"].fillna(company.as_of) - first["start"]).dt.days
    first["months"] = np.floor(days / 30.4375) + 1
    first["churned"] = first["churn"].notna()
    return first.loc[first["billing"] == "monthly", ["months", "churned"]]


def section(company: SaasCompany) -> Section:
    """Retention of users and paying customers, its stages, a projection and the magic number.

    Parameters
    ----------
    company : SaasCompany
        The sample company.

    Returns
    -------
    Section
        Title, summary lines and HTML.
    """
    events = company.events
    table = cohort_table(events, freq="MS", cohort_event="signup", as_of=company.as_of)
    curve = table.curve()
    heatmap = figure_html(table.plot(kind="heatmap"))

    lifetimes = paying_lifetimes(company)
    summary = [
        (
            f"users active in their first month after signup: {curve.get(1, np.nan):.0%}; "
            f"after 6 months: {curve.get(6, np.nan):.0%}"
        )
    ]
    html = "<h3>Cohorts (signup month x months since)</h3>" + heatmap
    html += "<h3>Paying customers: stages and projection</h3>"
    try:
        survival = kaplan_meier(lifetimes["months"], lifetimes["churned"])
        stages = lifecycle_stages(survival)
    except SaasMetricsError as exc:  # too few paying customers for a curve
        summary.append(f"paying customers: no retention curve ({exc.message})")
        survival = None
    else:
        summary.append(
            f"paying customers (monthly billing): shock until month {stages.shock_end:g}, "
            f"stable from month {stages.stable_start:g}, then {stages.plateau_churn:.1%} "
            "churn a month"
        )
        html += f"<p>{escape(stages.method)}.</p>" + figure_html(stages.plot())
    if survival is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            try:
                model = ShiftedBetaGeometricModel().fit(
                    lifetimes["months"], observed=lifetimes["churned"]
                )
            except SaasMetricsError as exc:
                model = None
                summary.append(f"sBG: not fitted ({exc.message})")
        if model is not None:
            caveat = " (no heterogeneity: a plain geometric fit)" if caught else ""
            summary.append(
                f"sBG alpha={model.alpha_:.3g}, beta={model.beta_:.3g}{caveat}: "
                f"{model.predict_survival(24):.0%} projected to still pay after 24 months"
            )
            ax = survival.plot(label="Kaplan-Meier")
            model.plot(ax=ax, periods=36)
            html += table_html(model.summary()) + figure_html(ax)

    html += "<h3>Magic number</h3>"
    try:
        magic = magic_number_search(events, signup_event="signup")
        best = magic.best
    except SaasMetricsError as exc:
        summary.append(f"magic number: none found ({exc.message})")
        return Section(title="Retention", summary=summary, html=html)
    summary.append(
        f"magic number: {best['event']} >= {int(best['threshold'])} in 7 days "
        f"(phi {best['phi']:.2f}, {best['strength']}; {best['ppv']:.0%} retained in week 2 "
        f"vs {best['fn'] / max(best['fn'] + best['tn'], 1):.0%} without)"
    )
    top = magic.to_frame()[["event", "threshold", "phi", "ppv", "share", "lift", "strength"]]
    html += (
        table_html(top.head(8))
        + figure_html(magic.plot(top=4))
        + "<p class='muted'>Correlation, not causation: test the behaviour with an experiment "
        "before steering users towards it.</p>"
    )
    return Section(title="Retention", summary=summary, html=html)
