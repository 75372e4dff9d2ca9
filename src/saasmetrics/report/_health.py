"""Report section: customer health (bands, health x seat pressure, riskiest accounts, warnings).

Everything here comes from the data: the usage event that drives churn is the one whose level
best separates churners in the training snapshots (a screening of every usage event with the
churn-risk model), never the generator's planted answer.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from saasmetrics.exceptions import ConvergenceWarning
from saasmetrics.health import (
    ChurnRiskModel,
    HealthConfig,
    HealthMeasure,
    HealthScoreModel,
    KeyUserInactiveRule,
    MRRContractionRule,
    NoUseRule,
    UsageDropRule,
    account_features,
    early_warnings,
    evaluate_risk,
    feature_snapshots,
    quadrants,
    time_split,
)
from saasmetrics.report._base import Section, escape, figure_html, how_to_read, table_html

if TYPE_CHECKING:
    from saasmetrics.datasets import SaasCompany

HEALTH_CONFIG = HealthConfig(
    measures=[
        HealthMeasure(column="active_days_28d", weight=2),
        HealthMeasure(column="core_features_28d"),
        HealthMeasure(column="deep_user_share_28d"),
        HealthMeasure(column="tickets_28d", direction="lower_is_better"),
    ]
)
"""The demo's health score: engagement (active days), breadth, depth, and support load."""

LIFECYCLE_EVENTS = ("signup", "subscribe")
"""Events that mark the customer's lifecycle rather than product use: never churn drivers."""

SEAT_PRESSURE_CAP = 2.0
"""Seat pressure (active users per purchased seat) is shown capped at this value."""


def usage_events(events: pd.DataFrame, *, min_share: float = 0.005) -> list[str]:
    """Product-usage events worth screening as churn drivers, most frequent first.

    Parameters
    ----------
    events : pandas.DataFrame
        The event table (column ``event``).
    min_share : float, default 0.005
        Events rarer than this share of all events are left out.

    Returns
    -------
    list of str
        Event names, without the lifecycle events (:data:`LIFECYCLE_EVENTS`).
    """
    counts = events["event"].value_counts()
    share = counts / max(int(counts.sum()), 1)
    return [str(e) for e in counts.index if e not in LIFECYCLE_EVENTS and share[e] >= min_share]


def screen_drivers(train: pd.DataFrame, candidates: Sequence[str]) -> pd.DataFrame:
    """Screen usage events as churn drivers, one churn-risk model per event.

    Each model holds the health score fixed and adds the event's 28-day count and 4-week trend;
    the event whose count has the most negative z statistic (more use, less churn, most
    clearly) is the driver.

    Parameters
    ----------
    train : pandas.DataFrame
        Training snapshots with ``health_score``, ``churned`` and ``<event>_28d``,
        ``<event>_trend_28d`` for every candidate.
    candidates : sequence of str
        Events to screen.

    Returns
    -------
    pandas.DataFrame
        One row per event that could be fitted: ``effect_per_sd`` and ``z`` of its count,
        sorted with the strongest protective effect first.
    """
    rows = []
    for event in candidates:  # a handful of events, one small model each
        level, trend = f"{event}_28d", f"{event}_trend_28d"
        if train[level].std() == 0 or train[trend].std() == 0:
            continue
        # unpenalized (Newton): fast, and the screen only compares z statistics
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # separation: z stays usable
            fit = ChurnRiskModel(features=["health_score", level, trend], penalty=0.0).fit(train)
        table = fit.summary().to_frame()
        rows.append(
            {"event": event, "effect_per_sd": table.loc[level, "coef_per_sd"],
             "z": table.loc[level, "z"]}
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=["event", "effect_per_sd", "z"])
    return frame.sort_values("z", kind="stable").reset_index(drop=True)


def standardized_effects(model: ChurnRiskModel, names: dict[str, str]) -> pd.DataFrame:
    """Odds ratios of churn per standard deviation of each feature, with their intervals.

    Parameters
    ----------
    model : ChurnRiskModel
        Fitted.
    names : dict of str to str
        Feature -> words for the table.

    Returns
    -------
    pandas.DataFrame
        One row per feature (no intercept): ``odds_ratio_per_sd``, ``low``, ``high``,
        ``p_value`` and ``direction`` in words.
    """
    table = model.summary().to_frame().drop(index="intercept")
    per_unit = table["coef"].where(table["coef"] != 0, np.nan)
    sd = (table["coef_per_sd"] / per_unit).fillna(0.0)  # the feature's standard deviation
    bounds = np.sort(np.column_stack([table["ci_low"] * sd, table["ci_high"] * sd]), axis=1)
    low = pd.Series(np.exp(bounds[:, 0]), index=table.index)
    high = pd.Series(np.exp(bounds[:, 1]), index=table.index)
    odds = pd.Series(np.exp(table["coef_per_sd"].to_numpy()), index=table.index)

    def direction(feature: str) -> str:
        if low[feature] > 1:
            return f"higher {names[feature]}, more churn (x{odds[feature]:.2f} odds per SD)"
        if high[feature] < 1:
            return f"higher {names[feature]}, less churn (x{odds[feature]:.2f} odds per SD)"
        return "no clear effect (the interval includes no change)"

    return pd.DataFrame(
        {
            "feature": [names[f] for f in table.index],
            "odds_ratio_per_sd": odds.to_numpy(),
            "low": low.to_numpy(),
            "high": high.to_numpy(),
            "p_value": table["p_value"].to_numpy(),
            "direction": [direction(str(f)) for f in table.index],
        },
        index=pd.Index(table.index, name="term"),
    )


def _label(event: str) -> str:
    return event.replace("_", " ")


def section(company: SaasCompany) -> Section:
    """Score every paying account, segment by health x seat pressure, rank churn risk."""
    as_of = company.as_of
    candidates = usage_events(company.events)
    # churn risk: train on earlier snapshots, test on later ones, then score today
    dates = pd.date_range(as_of - pd.DateOffset(months=12), as_of - pd.DateOffset(days=30),
                          freq="SMS")  # fmt: skip
    snaps = feature_snapshots(
        company.events, company.subscriptions, as_of=dates, horizon="30D", windows=["28D"],
        track=candidates,
    )  # fmt: skip
    test_from = as_of - pd.DateOffset(months=4)
    train, test = time_split(snaps, test_from=test_from, horizon="30D")
    # percentiles against the training period, not today's accounts (no look-ahead)
    past = HealthScoreModel(HEALTH_CONFIG).fit(train)
    train = train.assign(health_score=past.score(train).score.to_numpy())
    test = test.assign(health_score=past.score(test).score.to_numpy())
    screening = screen_drivers(train, candidates)
    driver = str(screening["event"].iloc[0])
    level, trend = f"{driver}_28d", f"{driver}_trend_28d"
    features = ["health_score", level, trend]
    model = ChurnRiskModel(features=features).fit(train)
    model_eval = model.evaluate(test)
    baseline = evaluate_risk(test["churned"].to_numpy(), 100 - test["health_score"].to_numpy())
    alone = ChurnRiskModel(features=["health_score"]).fit(train).summary().to_frame()
    names = {
        "health_score": "health score",
        level: f"{_label(driver)} events in 28 days",
        trend: f"4-week trend of {_label(driver)}",
    }
    effects = standardized_effects(model, names)

    feats = account_features(
        company.events, company.subscriptions, as_of=as_of, windows=["28D"], track=[driver]
    )
    paying = feats[feats["mrr"] > 0]
    health = HealthScoreModel(HEALTH_CONFIG).fit(paying)
    scores = health.score(paying)
    now = paying.assign(health_score=scores.score)
    risk = model.predict_proba(now)

    # seat pressure: active users per purchased seat = readiness to expand
    seats = company.accounts.set_index("account_id")["seats"].reindex(paying.index)
    pressure = (paying["active_users_28d"] / seats.clip(lower=1)).clip(upper=SEAT_PRESSURE_CAP)
    quad = quadrants(scores, pressure.rename("seat_pressure"), temperature_cut=0.8)

    alerts = early_warnings(
        company.events,
        [
            NoUseRule(event=driver, days=30, severity="high",
                      name=f"no {_label(driver)} for 30 days"),
            UsageDropRule(event=driver, drop=0.5, window="28D", severity="high",
                          name=f"{_label(driver)} down 50%+ in 4 weeks"),
            KeyUserInactiveRule(days=14, name="key user inactive 14 days"),
            MRRContractionRule(window="30D", min_drop=0.1, name="MRR down 10%+ in 30 days"),
        ],
        as_of=as_of,
        subscriptions=company.subscriptions,
    )  # fmt: skip
    per_account = alerts.accounts()
    top = (
        pd.DataFrame(
            {
                "churn_risk": risk,
                "health": scores.score,
                "band": scores.band.astype(str),
                trend: paying[trend],
                "mrr": paying["mrr"],
            }
        )
        .sort_values("churn_risk", ascending=False, kind="stable")
        .head(10)
    )
    top["alerts"] = per_account["rules"].reindex(top.index).fillna("").str.replace(",", ", ")
    top = top.rename_axis("account")

    band_counts = scores.band_counts()
    band_ax = scores.plot(kind="bands")
    band_ax.figure.set_size_inches(5.0, 3.0)
    quad_ax = quad.plot()
    quad_ax.set_title("Health x seat pressure")
    quad_ax.set_xlabel("health score (0-100)")
    quad_ax.set_ylabel(f"seat pressure: active users per seat (capped at {SEAT_PRESSURE_CAP:g})")
    legend = quad_ax.get_legend()
    if legend is not None:
        for text in legend.get_texts():
            text.set_text(text.get_text().replace("_", " "))
    for line in quad_ax.lines:  # the two cuts, labelled on the chart
        line.set_label("_cut")
    quad_ax.annotate(
        f"health cut {quad.x_cut:g}",
        (quad.x_cut, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -10),
        textcoords="offset points",
        fontsize=7,
        color="#334155",
    )
    quad_ax.annotate(
        f"seat pressure cut {quad.y_cut:g}",
        (1.0, quad.y_cut),
        xycoords=("axes fraction", "data"),
        xytext=(-3, 3),
        textcoords="offset points",
        ha="right",
        fontsize=7,
        color="#334155",
    )
    n_high = int((per_account["severity"] == "high").sum())

    rows: dict[Any, Any] = effects.to_dict("index")
    driver_row, trend_row, health_row = rows[level], rows[trend], rows["health_score"]
    health_alone: dict[Any, Any] = alone.to_dict("index")["health_score"]
    alone_or = math.exp(float(health_alone["coef_per_sd"]))
    alone_p = float(health_alone["p_value"])
    corr = float(train["health_score"].corr(train[level]))
    summary = [
        f"{len(paying):,} paying accounts as of {as_of:%Y-%m-%d}: "
        + ", ".join(f"{int(v):,} {k}" for k, v in band_counts.items()),
        (
            f"Churn model AUC {model_eval.auc:.2f} vs health score alone {baseline.auc:.2f} "
            f"(top-decile lift {model_eval.top_decile_lift:.1f} vs {baseline.top_decile_lift:.1f})"
        ),
        (
            f"Strongest usage signal among {len(screening)} events screened: {_label(driver)}; "
            f"odds of churn x{driver_row['odds_ratio_per_sd']:.2f} per SD of its 28-day count "
            f"(95% CI {driver_row['low']:.2f}-{driver_row['high']:.2f}), "
            f"x{trend_row['odds_ratio_per_sd']:.2f} per SD of its 4-week trend"
        ),
        f"{per_account.shape[0]:,} accounts raise early warnings; {n_high:,} of them high severity",
    ]
    explain = _health_paradox(health_row, alone_or, alone_p, corr, _label(driver))
    counts = quad.counts()[["accounts", "share", "play"]].rename(
        index=lambda s: str(s).replace("_", " ")
    )
    at_risk_share = float(counts["share"].get("at risk", 0.0))
    headline = (
        f"Of {len(paying):,} paying accounts, {at_risk_share:.0%} are at risk (low health, "
        f"low seat pressure); {_label(driver)} is the usage that best predicts churn, and the "
        f"churn model ranks risk with AUC {model_eval.auc:.2f}."
    )
    html = (
        "<h3>Health bands</h3>"
        + figure_html(band_ax)
        + "<h3>Health x seat pressure</h3>"
        + figure_html(quad_ax)
        + table_html(counts, caption="Accounts per segment, and what to do", formats={
            "play": "text"})
        + "<h3>Riskiest accounts</h3>"
        + table_html(
            top,
            caption="The 10 accounts with the highest predicted 30-day churn risk",
            formats={"health": "ratio", trend: "pct", "mrr": "money", "alerts": "text"},
            labels={"churn_risk": "Churn risk (30 days)", trend: names[trend].capitalize(),
                    "mrr": "MRR"},
        )
        + "<h3>What drives churn</h3>"
        + table_html(
            effects.set_index("feature"),
            caption="Odds of churn per standard deviation of each feature, other features fixed",
            formats={"odds_ratio_per_sd": "number", "low": "number", "high": "number",
                     "p_value": "p", "direction": "text"},
            labels={"odds_ratio_per_sd": "Odds ratio per SD", "low": "95% CI low",
                    "high": "95% CI high", "p_value": "p-value"},
        )
        + f"<p>{escape(explain)}</p>"
        + f"<p class='note'>Drivers were screened among {len(screening)} usage events "
        f"({escape(', '.join(_label(e) for e in screening['event']))}); the model was trained on "
        f"snapshots before {test_from:%Y-%m-%d} and evaluated on later ones.</p>"
    )  # fmt: skip
    how = how_to_read(
        "<b>Health bands</b> sort paying accounts by a 0-100 score built from active days, "
        "features used, depth of use and support tickets, each ranked against all accounts.",
        "<b>Health x seat pressure</b> crosses that score with how full the account's seats "
        "are: healthy and full accounts are ready to expand; unhealthy and empty ones need "
        "rescue. The dashed lines are the cuts between the four segments.",
        "<b>What drives churn</b>: an odds ratio below 1 means more of the feature goes with "
        "less churn; above 1, with more churn. Effects are per standard deviation, so they "
        "compare across features; when the interval straddles 1 the data do not tell.",
    )
    return Section(title="Health", summary=summary, html=html, headline=headline,
                   how_to_read=how)  # fmt: skip


def _health_paradox(
    health: Mapping[str, Any], alone_or: float, alone_p: float, corr: float, driver: str
) -> str:
    """A sentence on the health score's effect, in the direction the numbers show."""
    together = (
        f"With {driver} use in the model, the health score's own effect is "
        f"x{health['odds_ratio_per_sd']:.2f} per SD (95% CI {health['low']:.2f}-"
        f"{health['high']:.2f})"
    )
    if health["low"] > 1:
        why = (
            f": higher health, more churn — the wrong way round. Alone, the health score's "
            f"effect is x{alone_or:.2f} per SD (p={alone_p:.2g}); it correlates {corr:.2f} with "
            f"{driver} use, so once {driver} use is held fixed the model keeps only what is "
            "left of the score, and that remainder does not mean 'healthy'. Read the health "
            "score alone for ranking, and the usage effects for what drives churn."
        )
        if alone_or > 1:
            why = (
                f": higher health, more churn, and alone too (x{alone_or:.2f} per SD): the "
                "score's measures do not track what makes these accounts leave; revisit them."
            )
        return together + why
    if health["high"] < 1:
        return together + ": healthier accounts churn less, as the score intends."
    return together + f": no clear effect beyond what {driver} use already says."
