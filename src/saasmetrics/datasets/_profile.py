"""The numbers behind the sample company: channels, campaigns, plans and behaviour rates.

Everything the generator draws from lives here, so the planted truths can be read (and
documented) in one place. Probabilities are per account or per user; rates are per active week.
"""

from __future__ import annotations

import numpy as np

__all__ = (
    "ACTIVITY_RATES",
    "ASSIST_MIX",
    "CAMPAIGNS",
    "CHANNELS",
    "CHANNEL_MIX",
    "CHURN_LEAD_DAYS",
    "DECLINE_FLOOR",
    "EVENTS",
    "HOURLY_WEIGHT",
    "INVITE_PROBS",
    "MONTHLY_CHURN",
    "PLANS",
    "POOR_FIT_MONTHLY_CHURN",
    "SESSIONS_PER_WEEK",
    "SESSION_HOURS",
    "UNSESSIONED",
    "WEEK2_RETENTION",
    "WEEKEND_WEIGHT",
)

# --------------------------------------------------------------------------- channels
CHANNELS: tuple[str, ...] = (
    "Paid Search",
    "Organic Search",
    "Paid Social",
    "Organic Social",
    "Email",
    "Referral",
    "Direct",
    "Display",
    "Affiliates",
)
CHANNEL_MIX = np.array([0.22, 0.20, 0.14, 0.06, 0.08, 0.08, 0.12, 0.04, 0.06])
"""Share of new accounts by acquisition (last-touch) channel."""
VISIT_TO_SIGNUP = np.array([0.040, 0.030, 0.020, 0.015, 0.060, 0.050, 0.035, 0.008, 0.030])
"""Signups per site visit of the channel (visits of visitors who never sign up included)."""
ACTIVATION = np.array([0.60, 0.62, 0.25, 0.45, 0.65, 0.70, 0.58, 0.47, 0.55])
"""P(``create_project`` within a day or two of signup): funnel step 2. Paid Social is worst."""
PAID_RATE = np.array([0.38, 0.34, 0.20, 0.24, 0.42, 0.45, 0.36, 0.22, 0.32])
"""P(account ever pays), averaged over engagement; recent accounts may not have converted yet."""
COST_PER_VISIT = np.array([14.0, 0.0, 5.5, 0.0, 1.2, 0.0, 0.0, 2.2, 7.5])
"""Spend per visit in USD (B2B cost per click); organic, referral, direct cost nothing."""
BOUNCE_RATE = np.array([0.40, 0.45, 0.65, 0.55, 0.30, 0.35, 0.35, 0.75, 0.45])
EXTRA_PAGES = np.array([3.0, 3.5, 1.5, 2.0, 3.5, 4.0, 4.0, 1.2, 2.5])
"""Mean pageviews beyond the second in a session that does not bounce."""
MOBILE_SHARE = np.array([0.20, 0.20, 0.45, 0.40, 0.25, 0.15, 0.20, 0.30, 0.20])
ASSIST_MIX = np.array([0.15, 0.20, 0.18, 0.10, 0.10, 0.07, 0.10, 0.08, 0.02])
"""Channel mix of the touches before the last one (upper funnel: Display and Social assist)."""

# (channel, utm_campaign, utm_source, utm_medium, weight within channel)
CAMPAIGNS: tuple[tuple[str, str, str, str, float], ...] = (
    ("Paid Search", "brand_search", "google", "cpc", 0.35),
    ("Paid Search", "generic_search", "google", "cpc", 0.45),
    ("Paid Search", "competitor_search", "bing", "cpc", 0.20),
    ("Organic Search", "(organic)", "google", "organic", 0.85),
    ("Organic Search", "(organic)", "bing", "organic", 0.15),
    ("Paid Social", "linkedin_leadgen", "linkedin", "paid_social", 0.55),
    ("Paid Social", "facebook_retargeting", "facebook", "paid_social", 0.45),
    ("Organic Social", "product_launch", "linkedin", "social", 0.60),
    ("Organic Social", "community", "twitter", "social", 0.40),
    ("Email", "newsletter", "newsletter", "email", 0.60),
    ("Email", "onboarding_nurture", "hubspot", "email", 0.40),
    ("Referral", "(referral)", "g2.com", "referral", 0.50),
    ("Referral", "(referral)", "capterra.com", "referral", 0.30),
    ("Referral", "(referral)", "partnerblog.io", "referral", 0.20),
    ("Direct", "(direct)", "(direct)", "(none)", 1.00),
    ("Display", "retargeting_display", "google", "display", 0.60),
    ("Display", "awareness_display", "google", "banner", 0.40),
    ("Affiliates", "partner_program", "partnerstack", "affiliate", 1.00),
)
REGIONS: tuple[str, ...] = ("NA", "EU", "APAC")
REGION_MIX = np.array([0.50, 0.35, 0.15])
DEVICES: tuple[str, ...] = ("desktop", "mobile")
LANDING_PATHS: tuple[str, ...] = ("/", "/pricing", "/features", "/blog/cohort-analysis", "/demo")
UTM_CONTENT: tuple[str, ...] = ("hero_cta", "sidebar", "video_ad", "carousel")
UTM_TERM: tuple[str, ...] = ("saas+analytics", "cohort+analysis", "mrr+dashboard", "churn+tool")

# --------------------------------------------------------------------------- plans and billing
PLANS: tuple[str, ...] = ("starter", "pro", "business")
PLAN_BASE = np.array([49.0, 199.0, 499.0])
"""Monthly list price of each plan for one seat; each further seat costs PLAN_EXTRA_SEAT."""
PLAN_SEATS = np.array([1, 1, 1])
PLAN_EXTRA_SEAT = np.array([15.0, 35.0, 60.0])
ANNUAL_SHARE = np.array([0.25, 0.35, 0.50])
ANNUAL_DISCOUNT = 0.20

# --------------------------------------------------------------------------- behaviour
EVENTS: tuple[str, ...] = (
    "signup",
    "login",
    "view_dashboard",
    "create_project",
    "create_report",
    "share_report",
    "invite_teammate",
    "connect_integration",
    "export_data",
    "subscribe",
    "support_ticket",
)
ACTIVITY_RATES: dict[str, float] = {
    "login": 3.0,
    "view_dashboard": 4.0,
    "create_report": 1.6,
    "share_report": 0.5,
    "export_data": 0.3,
    "connect_integration": 0.08,
    "support_ticket": 0.06,
}
"""Events per active user-week (times a per-user activity level with median 1)."""
HOURLY_WEIGHT = np.array(
    [
        *(0.05, 0.03, 0.03, 0.03, 0.03, 0.05, 0.12, 0.3, 0.7, 1.0, 1.0, 1.0),  # 00-11h
        *(0.8, 1.0, 1.0, 1.0, 1.0, 0.8, 0.5, 0.3, 0.3, 0.3, 0.15, 0.1),  # 12-23h
    ]
)
"""Relative product activity by hour of day (local, naive time): a working-hours rhythm."""
WEEKEND_WEIGHT = 0.25
"""Relative activity on Saturdays and Sundays."""
SESSIONS_PER_WEEK = 0.7
"""Work sessions per active user-week (times the activity level) that gather a user's
everyday events (logins, dashboard views, exports ...): with the core-feature events, a B2B
user is active on a few days a week, not every day (DAU/MAU in the 10-30% B2B range)."""
UNSESSIONED = ("create_report", "share_report")
"""Events left where the activity process put them: the churn driver's core feature, whose
fading use the health tests recover (work sessions would make its counts lumpier)."""
SESSION_HOURS = 1.5
"""Length of a work session: the events of a session spread over this many hours."""
PROJECT_RATE = 0.35
"""Further ``create_project`` per week, for users who activated."""
LATE_INVITE_RATE = 0.08
"""``invite_teammate`` per week after the first week."""
INVITE_PROBS = np.array([0.35, 0.22, 0.18, 0.12, 0.07, 0.04, 0.02])
"""P(k ``invite_teammate`` events in the first 7 days), k = 0..6: 25% reach 3."""
WEEK2_RETENTION = np.array([0.22, 0.25, 0.29, 0.72, 0.72, 0.72, 0.72])
"""P(active in days 7-14 after signup | k first-week invites): the magic number is 3."""
EARLY_QUIT_SHARE = 0.1
"""Share of users who are not retained and quit on day one (the rest go quiet on day 6-7)."""
POST_WEEK2_MEAN_DAYS = (90.0, 240.0)
"""Mean remaining lifetime (days) after week 2 of a retained user: below / at the magic number."""
INVITE_ACCEPTANCE = 0.6
MAX_TEAMMATES = 7
STICKY_SHARE = 0.85
"""Share of retained users of a paying account who stay active until the account churns."""

PAID_ENGAGEMENT = (0.55, 1.9)
"""Relative P(pay) of accounts whose first user is not / is retained into week 2."""
MONTHLY_CHURN = 0.03
"""Monthly churn hazard of well-fitting paying accounts: the plateau of the retention curve."""
POOR_FIT_MONTHLY_CHURN = 0.30
POOR_FIT_SHARE = (0.55, 0.15)
"""P(poor fit) of a paying account whose first user is not / is retained into week 2."""
REACTIVATION_SHARE = 0.2
REACTIVATED_MONTHLY_CHURN = 0.06
CHANGE_EVERY_MONTHS = 6.0
"""Mean months between plan or seat changes of a paying account."""
EXPANSION_SHARE = 0.65
CHURN_LEAD_DAYS = 60
"""Days before churn over which core-feature use fades to nothing."""
DECLINE_FLOOR = {"create_report": 0.0, "share_report": 0.0, "login": 0.6, "view_dashboard": 0.5}
"""Relative rate of each event at the moment of churn (linear fade over CHURN_LEAD_DAYS)."""
