"""Report section: customer health (bands, health x temperature, riskiest accounts, warnings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

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
from saasmetrics.report._base import Section, figure_html, table_html

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


def section(company: SaasCompany) -> Section:
    """Score every paying account, segment by health x seat pressure, rank churn risk."""
    driver = company.truths.churn_driver_event
    track = [driver, "login"]
    as_of = company.as_of
    feats = account_features(
        company.events, company.subscriptions, as_of=as_of, windows=["28D"], track=track
    )
    paying = feats[feats["mrr"] > 0]
    health = HealthScoreModel(HEALTH_CONFIG).fit(paying)
    scores = health.score(paying)

    # temperature: seat pressure (active users per purchased seat) = readiness to expand
    seats = company.accounts.set_index("account_id")["seats"].reindex(paying.index)
    temperature = (paying["active_users_28d"] / seats.clip(lower=1)).clip(upper=2.0)
    quad = quadrants(scores, temperature.rename("seat_pressure"), temperature_cut=0.8)

    # churn risk: train on earlier snapshots, test on later ones, then score today
    dates = pd.date_range(as_of - pd.DateOffset(months=12), as_of - pd.DateOffset(days=30),
                          freq="SMS")  # fmt: skip
    snaps = feature_snapshots(
        company.events, company.subscriptions, as_of=dates, horizon="30D", windows=["28D"],
        track=track,
    )  # fmt: skip
    test_from = as_of - pd.DateOffset(months=4)
    train, test = time_split(snaps, test_from=test_from, horizon="30D")
    # percentiles against the training period, not today's accounts (no look-ahead)
    past = HealthScoreModel(HEALTH_CONFIG).fit(train)
    train = train.assign(health_score=past.score(train).score.to_numpy())
    test = test.assign(health_score=past.score(test).score.to_numpy())
    features = ["health_score", f"{driver}_28d", f"{driver}_trend_28d"]
    model = ChurnRiskModel(features=features).fit(train)
    model_eval = model.evaluate(test)
    baseline = evaluate_risk(test["churned"].to_numpy(), 100 - test["health_score"].to_numpy())
    now = paying.assign(health_score=scores.score)
    risk = model.predict_proba(now)

    alerts = early_warnings(
        company.events,
        [
            NoUseRule(event=driver, days=30, severity="high"),
            UsageDropRule(event=driver, drop=0.5, window="28D", severity="high"),
            KeyUserInactiveRule(days=14),
            MRRContractionRule(window="30D", min_drop=0.1),
        ],
        as_of=as_of,
        subscriptions=company.subscriptions,
    )
    per_account = alerts.accounts()
    top = (
        pd.DataFrame(
            {
                "churn_risk": risk,
                "health": scores.score,
                "band": scores.band,
                f"{driver}_trend_28d": paying[f"{driver}_trend_28d"],
                "mrr": paying["mrr"],
            }
        )
        .sort_values("churn_risk", ascending=False, kind="stable")
        .head(10)
    )
    top["alerts"] = per_account["rules"].reindex(top.index).fillna("")

    band_counts = scores.band_counts()
    band_ax = scores.plot(kind="bands")
    band_ax.figure.set_size_inches(5.0, 3.0)
    quad_ax = quad.plot()
    trend = model.summary().to_frame().loc[f"{driver}_trend_28d"]
    summary = [
        f"{len(paying):,} paying accounts as of {as_of:%Y-%m-%d}: "
        + ", ".join(f"{int(v):,} {k}" for k, v in band_counts.items()),
        (
            f"Churn model AUC {model_eval.auc:.2f} vs health score alone {baseline.auc:.2f} "
            f"(top-decile lift {model_eval.top_decile_lift:.1f} vs {baseline.top_decile_lift:.1f})"
        ),
        (
            f"Falling {driver} use is the churn driver: odds ratio "
            f"{np.exp(trend['coef_per_sd']):.2f} per SD of its 4-week trend "
            f"(p={trend['p_value']:.1g})"
        ),
        (
            f"{per_account.shape[0]:,} accounts raise early warnings; "
            f"{int((per_account['severity'] == 'high').sum()):,} of them high severity"
        ),
    ]
    counts = quad.counts()[["accounts", "share", "play"]]
    html = (
        "<h3>Health bands</h3>"
        + figure_html(band_ax)
        + "<h3>Health x seat pressure</h3>"
        + figure_html(quad_ax)
        + table_html(counts)
        + "<h3>Riskiest accounts</h3>"
        + table_html(top)
        + "<h3>What drives churn</h3>"
        + table_html(model.summary().to_frame()[["coef", "p_value", "odds_ratio_per_sd"]])
    )
    return Section(title="Health", summary=summary, html=html)
