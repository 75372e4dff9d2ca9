"""Report section: retention (cohort heatmap, stages of paying customers, sBG, magic number)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from saasmetrics.exceptions import ConvergenceWarning, SaasMetricsError
from saasmetrics.report._base import Section, escape, figure_html, how_to_read, table_html
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
    heat_ax = table.plot(kind="heatmap")
    heat_ax.set_title("Share of each signup month's users active in later months")
    heatmap = figure_html(heat_ax)

    lifetimes = paying_lifetimes(company)
    month1, month6 = curve.get(1, np.nan), curve.get(6, np.nan)
    first_line = (
        f"users active in their first month after signup: {month1:.0%}; after 6 months: "
        f"{month6:.0%}"
    )
    summary = [first_line]
    headline = (
        f"{month1:.0%} of new users are still active a month after signup, {month6:.0%} after six."
    )
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
        headline += (
            f" Paying customers settle from month {stages.stable_start:g} at "
            f"{stages.plateau_churn:.1%} churn a month."
        )
        stages_ax = stages.plot()
        stages_ax.set_title(
            f"Paying customers: stable from month {stages.stable_start:g}, then "
            f"{stages.plateau_churn:.1%} churn a month"
        )
        stages_ax.set_xlabel("months since first payment")
        stages_ax.set_ylabel("still paying")
        html += figure_html(stages_ax) + (
            f"<p class='note'>Stages found by {escape(stages.method)}.</p>"
        )
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
            ax = survival.plot(label="Kaplan-Meier (observed, 95% band)")
            model.plot(ax=ax, periods=36)
            ax.set_title("Paying customers still paying: observed and projected")
            ax.set_xlabel("months since first payment")
            ax.set_ylabel("still paying")
            html += figure_html(ax) + table_html(
                model.summary(),
                caption="sBG model parameters (95% intervals)",
                formats={"estimate": "number", "std_error": "number", "lower": "number",
                         "upper": "number"},
            )  # fmt: skip

    html += "<h3>Magic number</h3>"
    how = how_to_read(
        "<b>Cohorts</b>: each row is the users who signed up in one month, each column a month "
        "after; a cell is the share of the row's users active in that month. Read down a column "
        "to see whether newer cohorts retain better.",
        "<b>Stages</b>: the curve of paying customers still paying, split where the churn rate "
        "stops falling. Shock: those who were never a fit leave. Stable: a steady churn rate, "
        "the number to plan with.",
        "<b>Projection</b>: the sBG model fits the observed curve (with its 95% band) and "
        "extends it; trust it less the further it runs past the data.",
        "<b>Magic number</b>: for each early behaviour and count, how strongly doing it in the "
        "first week goes with being active in week 2 (phi, 0 = unrelated, 1 = identical). "
        "Correlation, not causation.",
    )
    try:
        magic = magic_number_search(events, signup_event="signup")
        best = magic.best
    except SaasMetricsError as exc:
        summary.append(f"magic number: none found ({exc.message})")
        return Section(title="Retention", summary=summary, html=html, headline=headline,
                       how_to_read=how)  # fmt: skip
    without = best["fn"] / max(best["fn"] + best["tn"], 1)
    summary.append(
        f"magic number: {str(best['event']).replace('_', ' ')} at least "
        f"{int(best['threshold'])} times in 7 days "
        f"(phi {best['phi']:.2f}, {best['strength']}; {best['ppv']:.0%} retained in week 2 "
        f"vs {without:.0%} without)"
    )
    headline += (
        f" Users who {str(best['event']).replace('_', ' ')} at least "
        f"{int(best['threshold'])} times in their first week are retained {best['ppv']:.0%} vs "
        f"{without:.0%}."
    )
    top = magic.to_frame()[["event", "threshold", "phi", "ppv", "share", "lift", "strength"]]
    top = top.assign(event=top["event"].str.replace("_", " "))
    magic_ax = magic.plot(top=4)
    html += (
        table_html(
            top.head(8),
            caption="Strongest early behaviours (first 7 days) for week-2 retention",
            formats={"event": "text", "threshold": "int", "phi": "number", "lift": "ratio",
                     "strength": "text"},
            labels={"threshold": "At least (times)", "ppv": "Retained if done",
                    "share": "Users who do it", "lift": "Lift"},
        )
        + figure_html(magic_ax)
        + "<p class='muted'>Correlation, not causation: test the behaviour with an experiment "
        "before steering users towards it.</p>"
    )  # fmt: skip
    return Section(title="Retention", summary=summary, html=html, headline=headline,
                   how_to_read=how)  # fmt: skip
