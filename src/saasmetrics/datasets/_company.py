"""make_saas_company(): one coherent, seeded, synthetic B2B SaaS company with planted truths.

The generator works on NumPy arrays from first to last step (accounts -> users -> activity
segments -> events; accounts -> subscriptions -> invoices; channels -> journeys -> sessions ->
spend) and only builds DataFrames at the end. Loops run over the handful of event types,
channels or subscription slots, never over accounts, users or events.

Times are float days since ``start`` while the story is drawn, and int64 nanoseconds (whole
seconds) for billing and output.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics.datasets import _profile as prof
from saasmetrics.exceptions import ParameterError

__all__ = ("PlantedTruths", "SaasCompany", "make_saas_company")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DAY_NS = 86_400 * 10**9
NEVER = np.inf
OPEN_MONTHS = 600
"""Months standing in for "no end yet" in billing arithmetic (stays inside datetime64[ns])."""
TABLES: tuple[str, ...] = (
    "events",
    "accounts",
    "touchpoints",
    "conversions",
    "sessions",
    "subscriptions",
    "invoices",
    "spend",
    "transactions",
)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class PlantedTruths:
    """The effects planted in a sample company, for tests and tutorials to recover.

    Found on [`SaasCompany.truths`][saasmetrics.datasets.SaasCompany].

    Attributes
    ----------
    magic_event : str
        The behaviour that predicts retention: ``"invite_teammate"``.
    magic_threshold : int
        Users who do ``magic_event`` at least this often (3) within ``magic_window`` of their
        signup are much more likely to be active in days 7-14 after signup (about 72% against
        22-29% below the threshold, with a sharp step at 3) and stay longer afterwards.
    magic_window : str
        ``"7D"``: the window after signup in which the behaviour counts.
    week2_retention : tuple of float
        P(active in days 7-14 | k invites in the first week) for k = 0, 1, ..., 6.
    worst_activation_channel : str
        ``"Paid Social"``: the channel with clearly the lowest signup -> ``create_project``
        conversion (funnel step 2).
    channel_profile : pandas.DataFrame
        One row per channel: ``channel``, ``visit_to_signup`` (signups per site visit),
        ``activation_rate`` (P(``create_project`` soon after signup)), ``paid_rate`` (P(the
        account ever pays), before censoring by ``as_of``) and ``cost_per_visit`` (USD, 0 for
        unpaid channels). Cost per acquired customer follows as
        ``cost_per_visit / visit_to_signup / paid_rate``.
    churn_driver_event : str
        ``"create_report"``: in the ``churn_lead_days`` before a paying account churns, its
        users' use of this core feature fades linearly to zero, while ``login`` only falls to
        60% (``view_dashboard`` to 50%). Healthy accounts keep steady usage.
    churn_lead_days : int
        60: how long before churn the decline starts.
    monthly_churn : float
        0.03: the monthly churn hazard of well-fitting paying accounts, the plateau of the
        paying-customer retention curve. Poorly fitting accounts (more likely when nobody came
        back in week 2) churn at ``poor_fit_monthly_churn``, which gives the curve its shock
        and selection phases before the plateau.
    poor_fit_monthly_churn : float
        0.30: monthly churn hazard of poorly fitting paying accounts.

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> truths = make_saas_company(100, months=3).truths
    >>> truths.magic_event, truths.magic_threshold, truths.worst_activation_channel
    ('invite_teammate', 3, 'Paid Social')
    """

    magic_event: str
    magic_threshold: int
    magic_window: str
    week2_retention: tuple[float, ...]
    worst_activation_channel: str
    channel_profile: pd.DataFrame
    churn_driver_event: str
    churn_lead_days: int
    monthly_churn: float
    poor_fit_monthly_churn: float

    def to_dict(self) -> dict[str, Any]:
        """Return the truths as plain Python data (the profile as a list of records).

        Returns
        -------
        dict
            Field name to value; JSON-safe.

        Examples
        --------
        >>> from saasmetrics.datasets import make_saas_company
        >>> truths = make_saas_company(100, months=3).truths.to_dict()
        >>> truths["magic_threshold"], truths["channel_profile"][0]["channel"]
        (3, 'Paid Search')
        """
        return {
            "magic_event": self.magic_event,
            "magic_threshold": self.magic_threshold,
            "magic_window": self.magic_window,
            "week2_retention": list(self.week2_retention),
            "worst_activation_channel": self.worst_activation_channel,
            "channel_profile": [
                {k: (v if isinstance(v, str) else float(v)) for k, v in row.items()}
                for row in self.channel_profile.to_dict(orient="records")
            ],
            "churn_driver_event": self.churn_driver_event,
            "churn_lead_days": self.churn_lead_days,
            "monthly_churn": self.monthly_churn,
            "poor_fit_monthly_churn": self.poor_fit_monthly_churn,
        }


def _planted_truths() -> PlantedTruths:
    return PlantedTruths(
        magic_event="invite_teammate",
        magic_threshold=3,
        magic_window="7D",
        week2_retention=tuple(float(p) for p in prof.WEEK2_RETENTION),
        worst_activation_channel=prof.CHANNELS[int(np.argmin(prof.ACTIVATION))],
        channel_profile=_channel_profile(),
        churn_driver_event="create_report",
        churn_lead_days=prof.CHURN_LEAD_DAYS,
        monthly_churn=prof.MONTHLY_CHURN,
        poor_fit_monthly_churn=prof.POOR_FIT_MONTHLY_CHURN,
    )


def _channel_profile() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "channel": list(prof.CHANNELS),
            "visit_to_signup": prof.VISIT_TO_SIGNUP.copy(),
            "activation_rate": prof.ACTIVATION.copy(),
            "paid_rate": prof.PAID_RATE.copy(),
            "cost_per_visit": prof.COST_PER_VISIT.copy(),
        }
    )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SaasCompany:
    """A synthetic B2B SaaS company: every table saasmetrics reads, for one coherent story.

    Built by [`make_saas_company`][saasmetrics.datasets.make_saas_company]; see it for the
    story and each table's columns.

    Attributes
    ----------
    events, accounts, touchpoints, conversions, sessions, subscriptions, invoices, spend, \
transactions : pandas.DataFrame
        The tables (fresh frames on every build: mutate them freely).
    truths : PlantedTruths
        The effects planted in the data.
    seed : int
        The seed of ``numpy.random.default_rng`` that built it.
    n_accounts : int
        Accounts created (each with 1-8 users).
    start, as_of : pandas.Timestamp
        First signup day and the end of the data (exclusive).

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> company = make_saas_company(100, seed=1, months=3)
    >>> company.describe().set_index("table").loc[["accounts", "events"], "rows"].tolist()
    [100, ...]
    >>> str(company.as_of.date())
    '2024-04-01'
    """

    events: pd.DataFrame
    accounts: pd.DataFrame
    touchpoints: pd.DataFrame
    conversions: pd.DataFrame
    sessions: pd.DataFrame
    subscriptions: pd.DataFrame
    invoices: pd.DataFrame
    spend: pd.DataFrame
    transactions: pd.DataFrame
    truths: PlantedTruths
    seed: int
    n_accounts: int
    start: pd.Timestamp
    as_of: pd.Timestamp

    def describe(self) -> pd.DataFrame:
        """One row per table: its name, number of rows and column names.

        Returns
        -------
        pandas.DataFrame
            Columns ``table``, ``rows``, ``columns`` (a comma-separated string).

        Examples
        --------
        >>> from saasmetrics.datasets import make_saas_company
        >>> make_saas_company(200, seed=1, months=6).describe().loc[:2, ["table", "columns"]]
                 table                                            columns
        0       events  user_id, account_id, timestamp, event, channel...
        1     accounts  account_id, created_at, channel, plan, region,...
        2  touchpoints  user_id, timestamp, url, utm_source, utm_mediu...
        """
        return pd.DataFrame(
            {
                "table": list(TABLES),
                "rows": [len(getattr(self, t)) for t in TABLES],
                "columns": [", ".join(getattr(self, t).columns) for t in TABLES],
            }
        )

    def __repr__(self) -> str:
        sizes = ", ".join(f"{t}={len(getattr(self, t)):,}" for t in TABLES[:6])
        return (
            f"SaasCompany(n_accounts={self.n_accounts:,}, seed={self.seed}, "
            f"start={self.start.date()}, as_of={self.as_of.date()}, {sizes})"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>SaasCompany</b>: {self.n_accounts:,} accounts, seed {self.seed}, "
            f"{html.escape(str(self.start.date()))} to {html.escape(str(self.as_of.date()))}</p>"
        )
        truths = (
            "<p>Planted truths: magic number "
            f"{html.escape(self.truths.magic_event)} &ge; {self.truths.magic_threshold} within "
            f"{html.escape(self.truths.magic_window)}; worst activation channel "
            f"{html.escape(self.truths.worst_activation_channel)}; churn driver "
            f"{html.escape(self.truths.churn_driver_event)}; monthly churn "
            f"{self.truths.monthly_churn:.0%}.</p>"
        )
        return head + self.describe().to_html(index=False) + truths


# --------------------------------------------------------------------------- helpers
def _labels(prefix: str, n: int, width: int) -> pd.Index:
    """``prefix`` + zero-padded 1..n as a string Index (width grows when n needs it)."""
    width = max(width, len(str(n)))
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return pd.Index(np.char.add(prefix, numbers), dtype="str")


def _take(labels: pd.Index | tuple[str, ...], codes: npt.NDArray[Any]) -> pd.Series:
    index = labels if isinstance(labels, pd.Index) else pd.Index(list(labels), dtype="str")
    return pd.Series(index.take(np.asarray(codes, dtype=np.intp)))


def _choice(rng: np.random.Generator, probs: FloatArray, size: int) -> IntArray:
    """Vectorized categorical draw of ``size`` codes with (unnormalised) ``probs``."""
    cum = np.cumsum(probs)
    cum = cum / cum[-1]
    u = rng.random(size)
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int64)


def _within(counts: IntArray) -> IntArray:
    """0, 1, ..., c-1 for each count c, concatenated (the position inside each group)."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _to_seconds(days: FloatArray) -> IntArray:
    """Whole seconds since start (the epsilon keeps times made of whole seconds on theirs)."""
    return np.floor(days * 86_400.0 + 1e-3).astype(np.int64)


def _to_ns(days: FloatArray, start_ns: int) -> IntArray:
    return start_ns + _to_seconds(days) * 10**9


def _packed_order(*columns: npt.NDArray[Any]) -> IntArray:
    """Argsort by ``columns`` lexicographically (first = most significant).

    The columns (non-negative after subtracting their minimum) are packed into one int64 key
    when their bits fit, which sorts about 2.5x faster than a stable multi-key sort; rows with
    equal keys are equal in every column, so their relative order does not matter.
    """
    shifted = [np.asarray(c, dtype=np.int64) - int(c.min(initial=0)) for c in columns]
    bits = [max(int(c.max(initial=0)), 1).bit_length() for c in shifted]
    if sum(bits) > 62:
        return np.lexsort(tuple(np.asarray(c) for c in columns[::-1])).astype(np.int64)
    key = np.zeros(shifted[0].size, dtype=np.int64)
    for column, width in zip(shifted, bits, strict=True):
        key = (key << width) | column
    return np.argsort(key, kind="quicksort").astype(np.int64)


def _event_order(
    sec: IntArray, user: IntArray, not_signup: BoolArray, code: npt.NDArray[np.int8]
) -> IntArray:
    """Order events by time, user, signup first, then event type."""
    return _packed_order(sec, user, not_signup, code)


def _add_months(t_ns: IntArray, months: IntArray) -> IntArray:
    """Calendar month arithmetic on int64 ns (day of month clipped to the month's length)."""
    t = t_ns.astype("datetime64[ns]")
    month = t.astype("datetime64[M]")
    offset = (t - month.astype("datetime64[ns]")).astype(np.int64)
    day, tod = np.divmod(offset, DAY_NS)
    target = month + months.astype("timedelta64[M]")
    days_in = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    base = target.astype("datetime64[ns]").astype(np.int64)
    out: IntArray = base + np.minimum(day, days_in - 1) * DAY_NS + tod
    return out


def _poisson_points(
    rng: np.random.Generator, lo: FloatArray, hi: FloatArray, rate: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Poisson points at ``rate`` per day on each interval [lo, hi): (interval index, time)."""
    length = np.maximum(hi - lo, 0.0)
    counts = rng.poisson(rate * length)
    idx = np.repeat(np.arange(lo.size, dtype=np.int64), counts)
    times = lo[idx] + rng.random(idx.size) * length[idx]
    return idx, times


class _Rhythm:
    """A working-hours, working-days clock: piecewise-constant intensity per hour since start.

    ``clock(days)`` maps time to "effective days" (the integral of the intensity, which
    averages 1 over a week) and ``time(effective)`` inverts it, so a homogeneous Poisson process
    on the effective clock becomes one with the weekly rhythm on the real clock.
    """

    def __init__(self, span_days: float, start_weekday: int) -> None:
        hours = np.arange(int(np.ceil(span_days * 24)) + 2)
        weekday = (start_weekday + hours // 24) % 7
        week = np.concatenate([np.ones(5), np.full(2, prof.WEEKEND_WEIGHT)])
        mean = float(prof.HOURLY_WEIGHT.mean() * week.mean())
        self.weight = prof.HOURLY_WEIGHT[hours % 24] * week[weekday] / mean
        self.cum = np.concatenate([[0.0], np.cumsum(self.weight)])

    def clock(self, days: FloatArray) -> FloatArray:
        hours = np.clip(days * 24.0, 0.0, self.weight.size - 1e-9)
        i = hours.astype(np.int64)
        out: FloatArray = (self.cum[i] + (hours - i) * self.weight[i]) / 24.0
        return out

    def time(self, effective: FloatArray) -> FloatArray:
        target = effective * 24.0
        i = np.clip(np.searchsorted(self.cum, target, side="right") - 1, 0, self.weight.size - 1)
        out: FloatArray = (i + (target - self.cum[i]) / self.weight[i]) / 24.0
        return out


def _rhythmic_points(
    rng: np.random.Generator, rhythm: _Rhythm, lo: FloatArray, hi: FloatArray, rate: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Poisson points at ``rate`` per (effective) day on [lo, hi), following ``rhythm``."""
    idx, effective = _poisson_points(rng, rhythm.clock(lo), rhythm.clock(hi), rate)
    times = np.clip(rhythm.time(effective), lo[idx], np.nextafter(hi[idx], -np.inf))
    return idx, times


def _into_sessions(
    rng: np.random.Generator,
    sessions: tuple[IntArray, FloatArray],
    idx: IntArray,
    times: FloatArray,
    *,
    lo: FloatArray,
    hi: FloatArray,
) -> FloatArray:
    """Move each event to its segment's nearest work session, within the session's hours.

    Events of a segment without a session stay put, and so do those a session would push
    outside their segment.
    """
    s_idx, s_time = sessions
    order = np.lexsort((s_time, s_idx))
    s_idx, s_time = s_idx[order], s_time[order]
    width = float(np.max(hi, initial=0.0)) + 2.0  # segment keys never overlap
    s_key = s_idx * width + s_time
    e_key = idx * width + times
    pos = np.searchsorted(s_key, e_key)
    before = np.clip(pos - 1, 0, max(s_key.size - 1, 0))
    after = np.clip(pos, 0, max(s_key.size - 1, 0))
    if s_key.size == 0:
        return times
    ok_b = (s_idx[before] == idx) & (pos > 0)
    ok_a = (s_idx[after] == idx) & (pos < s_key.size)
    d_b = np.where(ok_b, np.abs(times - s_time[before]), np.inf)
    d_a = np.where(ok_a, np.abs(s_time[after] - times), np.inf)
    nearest = np.where(d_a < d_b, s_time[after], s_time[before])
    has = ok_a | ok_b
    spread = rng.random(idx.size) * prof.SESSION_HOURS / 24.0
    forward, backward = nearest + spread, nearest - spread
    last = hi[idx] - 1.0 / 86_400  # a second before the segment ends (times round to seconds)
    moved = np.where(forward < last, forward, backward)
    ok = has & (moved >= lo[idx]) & (moved < last)
    out: FloatArray = np.where(ok, moved, times)
    return out


# --------------------------------------------------------------------------- the builder
def make_saas_company(
    n_accounts: int = 2000,
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2024-01-01",
    months: int = 18,
) -> SaasCompany:
    """Build a synthetic B2B SaaS company with planted, recoverable truths.

    Accounts sign up over ``months`` months (growing about threefold), arriving through nine
    GA4 channels after 1-6 marketing touches. Each account's first user may invite teammates
    (1-8 users per account); about a third of accounts start paying (starter, pro or business,
    monthly or annual), some expand, contract, churn and come back. Users stay active while
    retained and go quiet when they leave or their account churns. The same seed always gives
    the same company.

    Parameters
    ----------
    n_accounts : int, default 2000
        Accounts to create (>= 10). The default gives a few hundred thousand events and builds
        in about a second; 200,000 gives tens of millions of events for benchmarks.
    seed : int, default 0
        Seed (>= 0) of the one ``numpy.random.default_rng`` that draws everything.
    start : str or pandas.Timestamp, default "2024-01-01"
        Day of the first signup (naive; a time of day and a time zone are dropped). The data
        must end before 2200.
    months : int, default 18
        Length of the data in months (>= 3); ``as_of = start + months``.

    Returns
    -------
    SaasCompany
        With these tables (timestamps naive ``datetime64[ns]``, ids strings):

        - ``events``: ``user_id``, ``account_id``, ``timestamp``, ``event``, ``channel``,
          ``plan`` (the account's plan at the time, ``"free"`` before paying), ``device``,
          ``region``. ``signup`` is every user's first event; ``subscribe`` marks (re)starting
          to pay, on the account's first user.
        - ``accounts``: ``account_id``, ``created_at``, ``channel``, ``plan`` (current or last;
          ``"free"`` if never paid), ``region``, ``employees``, ``seats``.
        - ``touchpoints``: marketing touches of users and of visitors (``"v..."`` ids) who never
          sign up: ``user_id``, ``timestamp``, ``url`` (with UTM query, none for direct),
          ``utm_source``, ``utm_medium``, ``utm_campaign``, ``channel``.
        - ``conversions``: each account's first payment: ``user_id``, ``account_id``,
          ``timestamp``, ``value`` (12 x first MRR).
        - ``sessions``: one per touch: ``session_id``, ``user_id``, ``timestamp``, ``channel``,
          ``utm_campaign``, ``pageviews``, ``duration_s`` (0 for a one-page bounce).
        - ``subscriptions``: half-open ``[start, end)`` rows: ``customer_id``, ``start``,
          ``end`` (NaT while active), ``mrr``, ``plan``, ``billing``, ``currency``.
        - ``invoices``: ``customer_id``, ``amount``, ``period_start``, ``period_end``,
          ``currency`` (monthly or yearly, from subscriptions; issued before ``as_of``).
        - ``spend``: ``date`` (month start), ``channel``, ``campaign``, ``amount``.
        - ``transactions``: ``customer_id``, ``timestamp``, ``amount`` (the invoice payments).

    Raises
    ------
    ParameterError
        If ``n_accounts < 10``, ``months < 3``, ``seed`` is not a non-negative integer, or
        ``start`` is not a date between 1900 and 2200 (with ``months`` added).

    Notes
    -----
    The planted truths (see [`PlantedTruths`][saasmetrics.datasets.PlantedTruths]): inviting
    3+ teammates in the first week triples week-2 retention; Paid Social activates worst;
    ``create_report`` use fades over the 60 days before a paying account churns; paying
    accounts settle at 3% monthly churn.

    Timing: touches come up to 30 days before signup, and the first payment up to about 45
    days after it, so attribute paid ``conversions`` with a lookback of about 90 days (or use
    ``signup`` events as the conversions for a 30-day lookback).

    Size: about 190 events per account. The default builds in well under a second; 200,000
    accounts give about 38 million events, 7 million sessions and touches, in about 25 s and
    10 GB of memory (the string columns dominate).

    Examples
    --------
    >>> from saasmetrics.datasets import make_saas_company
    >>> company = make_saas_company(300, seed=7, months=6)
    >>> company.events["event"].iloc[0], company.as_of.date()
    ('signup', datetime.date(2024, 7, 1))
    >>> company.accounts["plan"].isin(["free", "starter", "pro", "business"]).all()
    np.True_
    """
    if isinstance(n_accounts, bool) or not isinstance(n_accounts, int | np.integer):
        raise ParameterError(
            f"n_accounts must be an integer, got {n_accounts!r}.", hint="pass e.g. 2000."
        )
    if n_accounts < 10:
        raise ParameterError(
            f"n_accounts must be >= 10, got {n_accounts}.", hint="pass 10 or more."
        )
    if n_accounts > 1_000_000:
        raise ParameterError(
            f"n_accounts must be <= 1,000,000, got {n_accounts:,}.",
            hint="a larger company does not fit in memory (about 60 events per account).",
        )
    if isinstance(months, int | np.integer) and not isinstance(months, bool) and months > 1200:
        raise ParameterError(f"months must be <= 1200, got {months:,}.", hint="e.g. 18.")
    if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < 3:
        raise ParameterError(f"months must be an integer >= 3, got {months!r}.", hint="e.g. 18.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(
            f"seed must be a non-negative integer, got {seed!r}.", hint="e.g. seed=0."
        )
    if isinstance(cast("Any", start), bool | int | float | np.number):  # not ns since 1970
        raise ParameterError(
            f"start must be a date, got {start!r}.", hint="pass e.g. '2024-01-01'."
        )
    try:
        start_ts = pd.Timestamp(start)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"start must be a date, got {start!r}.", hint="pass e.g. '2024-01-01'."
        ) from exc
    if not isinstance(start_ts, pd.Timestamp) or pd.isna(start_ts):
        raise ParameterError(f"start must be a date, got {start!r}.", hint="e.g. '2024-01-01'.")
    if start_ts.tzinfo is not None:
        start_ts = start_ts.tz_localize(None)
    try:
        start_ts = start_ts.normalize().as_unit("ns")
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        raise ParameterError(
            f"start must lie between 1900 and 2200, got {start!r}.", hint="e.g. '2024-01-01'."
        ) from exc
    latest = pd.Timestamp("2200-01-01")  # open subscriptions bill ahead; stay inside ns range
    if (
        not pd.Timestamp("1900-01-01") <= start_ts
        or start_ts + pd.DateOffset(months=months) > latest
    ):
        raise ParameterError(
            f"start + months must lie between 1900 and 2200, got start={start_ts.date()} and "
            f"months={months}.",
            hint="pass a start date in this era and a shorter span.",
        )
    return _build(int(n_accounts), seed=int(seed), start=start_ts, months=int(months))


def _build(n: int, *, seed: int, start: pd.Timestamp, months: int) -> SaasCompany:
    rng = np.random.default_rng(seed)
    as_of = (start + pd.DateOffset(months=months)).as_unit("ns")
    start_ns = int(start.value)
    span = (as_of - start) / pd.Timedelta(days=1)
    # ---- accounts and their first users ---------------------------------------------------
    growth = np.log(3.0)
    created = span * np.log1p(rng.random(n) * np.expm1(growth)) / growth
    created = np.sort(np.minimum(created, span - 1.0 / 24))
    channel = _choice(rng, prof.CHANNEL_MIX, n)
    region = _choice(rng, prof.REGION_MIX, n)
    employees = np.clip(np.exp(rng.normal(np.log(30.0), 1.1, n)), 1, 5000).astype(np.int64)

    # ---- users: first users now, teammates later (same draws, one function) ---------------
    def draw_users(signup: FloatArray, ch: IntArray) -> dict[str, Any]:
        m = signup.size
        k = _choice(rng, prof.INVITE_PROBS, m)
        retained = rng.random(m) < prof.WEEK2_RETENTION[k]
        early = rng.random(m) < prof.EARLY_QUIT_SHARE
        quiet = np.where(early, rng.uniform(0.05, 1.0, m), rng.uniform(6.0, 6.95, m))
        post_mean = np.where(k >= 3, prof.POST_WEEK2_MEAN_DAYS[1], prof.POST_WEEK2_MEAN_DAYS[0])
        life = np.where(retained, 14.0 + rng.exponential(post_mean), quiet)
        return {
            "signup": signup,
            "k": k,
            "retained": retained,
            "own_end": signup + life,
            "activated": rng.random(m) < prof.ACTIVATION[ch],
            "device": (rng.random(m) < prof.MOBILE_SHARE[ch]).astype(np.int64),
            "level": np.exp(rng.normal(0.0, 0.35, m)),
            "sticky": rng.random(m) < prof.STICKY_SHARE,
        }

    first = draw_users(created, channel)

    # ---- conversion to paid and the paying lifecycle (per account) ------------------------
    p_w2 = float(prof.INVITE_PROBS @ prof.WEEK2_RETENTION)
    norm = p_w2 * prof.PAID_ENGAGEMENT[1] + (1 - p_w2) * prof.PAID_ENGAGEMENT[0]
    engage = np.where(first["retained"], prof.PAID_ENGAGEMENT[1], prof.PAID_ENGAGEMENT[0]) / norm
    pays = rng.random(n) < np.clip(prof.PAID_RATE[channel] * engage, 0.0, 0.95)
    own_dur = first["own_end"] - created
    delay = np.where(
        first["retained"],
        np.minimum(2.0 + rng.gamma(2.0, 6.0, n), 45.0),
        rng.uniform(0.1, 0.9, n) * own_dur,
    )
    delay = np.minimum(delay, 0.9 * own_dur)
    paid_day = created + delay
    pays &= paid_day < span
    paid_ns = _to_ns(paid_day, start_ns)
    paid_day = (paid_ns - start_ns) / DAY_NS

    z = np.log(employees) + rng.normal(0.0, 0.8, n)
    plan0 = (z >= np.log(30.0)).astype(np.int64) + (z >= np.log(30.0) + 1.41)
    annual = rng.random(n) < prof.ANNUAL_SHARE[plan0]
    poor = rng.random(n) < np.where(
        first["retained"], prof.POOR_FIT_SHARE[1], prof.POOR_FIT_SHARE[0]
    )
    hazard = np.where(poor, prof.POOR_FIT_MONTHLY_CHURN, prof.MONTHLY_CHURN)
    life_m = rng.geometric(hazard).astype(np.int64)
    life_m = np.where(annual, 12 * -(-life_m // 12), life_m)
    churn_ns = _add_months(paid_ns, life_m)
    churned = pays & (churn_ns < as_of.value)
    churn_day = np.where(churned, (churn_ns - start_ns) / DAY_NS, NEVER)

    gap_m = 1 + rng.binomial(5, 0.4, n).astype(np.int64)
    react_ns = _add_months(churn_ns, gap_m)
    react = churned & (rng.random(n) < prof.REACTIVATION_SHARE) & (react_ns < as_of.value)
    life2_m = rng.geometric(prof.REACTIVATED_MONTHLY_CHURN, n).astype(np.int64)
    life2_m = np.where(annual, 12 * -(-life2_m // 12), life2_m)
    react_end_ns = _add_months(react_ns, life2_m)
    react_day = (react_ns - start_ns) / DAY_NS
    react_end_day = np.where(react_end_ns < as_of.value, (react_end_ns - start_ns) / DAY_NS, NEVER)

    # ---- invites of first users, and the teammates they bring -----------------------------
    def user_end(users: dict[str, Any], acct: IntArray) -> FloatArray:
        end = np.where(users["retained"] & users["sticky"] & pays[acct], NEVER, users["own_end"])
        return np.minimum(np.minimum(end, churn_day[acct]), span)

    first_end = user_end(first, np.arange(n))

    def invites(users: dict[str, Any], end: FloatArray) -> tuple[IntArray, FloatArray]:
        signup = users["signup"]
        m = signup.size
        idx = np.repeat(np.arange(m, dtype=np.int64), users["k"])
        window = np.minimum(7.0, end - signup)[idx]
        room = np.maximum(window * 86_400 - 120, 0.0)
        early = signup[idx] + (60 + rng.random(idx.size) * room) / 86_400
        late_lo = signup + 7.0 + 1.0 / 24
        late_idx, late = _poisson_points(
            rng, late_lo, np.maximum(end, late_lo), np.full(m, prof.LATE_INVITE_RATE / 7)
        )
        return np.concatenate([idx, late_idx]), np.concatenate([early, late])

    inv_user, inv_time = invites(first, first_end)
    accepted = rng.random(inv_user.size) < prof.INVITE_ACCEPTANCE
    join = inv_time + rng.exponential(0.5, inv_user.size) + 60 / 86_400
    acct_of_inv = inv_user  # first user i belongs to account i
    ok = accepted & (join < np.minimum(churn_day[acct_of_inv], span))
    t_acct, t_join = acct_of_inv[ok], join[ok]
    order = np.lexsort((t_join, t_acct))
    t_acct, t_join = t_acct[order], t_join[order]
    rank = _within(np.bincount(t_acct, minlength=n).astype(np.int64))
    keep = rank < prof.MAX_TEAMMATES
    t_acct, t_join = t_acct[keep], t_join[keep]
    mates = draw_users(t_join, channel[t_acct])

    # ---- all users, ordered by signup ------------------------------------------------------
    u_acct = np.concatenate([np.arange(n, dtype=np.int64), t_acct])
    users = {key: np.concatenate([first[key], mates[key]]) for key in first}
    is_first = np.concatenate([np.ones(n, bool), np.zeros(t_acct.size, bool)])
    order = np.argsort(users["signup"], kind="stable")
    u_acct, is_first = u_acct[order], is_first[order]
    users = {key: value[order] for key, value in users.items()}
    n_users = u_acct.size
    u_end = user_end(users, u_acct)
    u_signup = users["signup"]
    first_user_of = np.empty(n, dtype=np.int64)
    first_user_of[u_acct[is_first]] = np.flatnonzero(is_first)
    users_per_account = np.bincount(u_acct, minlength=n).astype(np.int64)

    # ---- activity segments: main life of every user + reactivated first users -------------
    ra = np.flatnonzero(react)
    seg_user = np.concatenate([np.arange(n_users, dtype=np.int64), first_user_of[ra]])
    seg_lo = np.concatenate([u_signup + 60 / 86_400, react_day[ra] + 60 / 86_400])
    seg_hi = np.concatenate([u_end, np.minimum(react_end_day[ra], span)])
    seg_decline = np.concatenate([churn_day[u_acct], react_end_day[ra]])
    seg_hi = np.maximum(seg_hi, seg_lo)
    seg_rate = users["level"][seg_user] / 7.0

    ev_user: list[IntArray] = []
    ev_time: list[FloatArray] = []
    ev_code: list[npt.NDArray[np.int8]] = []
    code = {name: i for i, name in enumerate(prof.EVENTS)}

    def add(name: str, user: IntArray, time: FloatArray) -> None:
        ev_user.append(user)
        ev_time.append(time)
        ev_code.append(np.full(user.size, code[name], dtype=np.int8))

    rhythm = _Rhythm(span, start.day_of_week)
    # work sessions, from their own random stream so that every other draw is unchanged
    srng = np.random.default_rng([seed, 0x5E55])
    work = _rhythmic_points(srng, rhythm, seg_lo, seg_hi, seg_rate * prof.SESSIONS_PER_WEEK)
    for name, rate in prof.ACTIVITY_RATES.items():
        idx, times = _rhythmic_points(rng, rhythm, seg_lo, seg_hi, seg_rate * rate)
        floor = prof.DECLINE_FLOOR.get(name)
        if floor is not None:  # the churn driver: use fades over the lead days before churn
            fade = np.clip((seg_decline[idx] - times) / prof.CHURN_LEAD_DAYS, 0.0, 1.0)
            keep = rng.random(idx.size) < floor + (1.0 - floor) * fade
            idx, times = idx[keep], times[keep]
        if name not in prof.UNSESSIONED:
            times = _into_sessions(srng, work, idx, times, lo=seg_lo, hi=seg_hi)
        add(name, seg_user[idx], times)

    # projects: activation right after signup, then more for activated users
    act = np.flatnonzero(users["activated"])
    first_project = u_signup[act] + np.minimum(
        rng.exponential(0.4, act.size) + 120 / 86_400, 0.9 * (u_end[act] - u_signup[act])
    )
    add("create_project", act, first_project)
    act_seg = users["activated"][seg_user]
    idx, times = _rhythmic_points(
        rng, rhythm, seg_lo[act_seg], seg_hi[act_seg], seg_rate[act_seg] * prof.PROJECT_RATE
    )
    add("create_project", seg_user[act_seg][idx], times)

    # invites: the first users' (already drawn) and the teammates'
    mate_pos = np.flatnonzero(~is_first)
    mate_inv, mate_time = invites(
        {"signup": u_signup[mate_pos], "k": users["k"][mate_pos]}, u_end[mate_pos]
    )
    inverse = np.empty(n_users, dtype=np.int64)
    inverse[order] = np.arange(n_users)
    add("invite_teammate", inverse[inv_user], inv_time)
    add("invite_teammate", mate_pos[mate_inv], mate_time)

    # retained users are seen in week 2 (a login), subscribe events, signups
    week2 = np.flatnonzero(users["retained"])
    w2_time = u_signup[week2] + 7.0 + rng.uniform(1.0 / 24, 7.0 - 1.0 / 24, week2.size)
    ok = w2_time < u_end[week2]
    add("login", week2[ok], w2_time[ok])
    payers = np.flatnonzero(pays)
    add("subscribe", first_user_of[payers], paid_day[payers])
    add("subscribe", first_user_of[ra], react_day[ra])
    add("signup", np.arange(n_users, dtype=np.int64), u_signup)

    e_days = np.concatenate(ev_time)
    inside = e_days < span
    e_user = np.concatenate(ev_user)[inside]
    e_code = np.concatenate(ev_code)[inside]
    e_sec = _to_seconds(e_days[inside])
    for parts in (ev_user, ev_time, ev_code):
        parts.clear()  # free the per-type pieces early (large builds)
    del e_days, inside
    u_signup_sec = _to_seconds(u_signup)
    # non-signup events strictly after the user's signup second (a safety net for rounding)
    is_signup = e_code == code["signup"]
    e_sec = np.where(is_signup, e_sec, np.maximum(e_sec, u_signup_sec[e_user] + 1))
    order_ev = _event_order(e_sec, e_user, ~is_signup, e_code)
    del is_signup
    e_user, e_sec, e_code = e_user[order_ev], e_sec[order_ev], e_code[order_ev]
    del order_ev
    e_ns = start_ns + e_sec * 10**9
    del e_sec
    e_acct = u_acct[e_user]

    # ---- subscriptions: rows per paying account --------------------------------------------
    subs = _subscriptions(
        rng,
        pays=pays,
        paid_ns=paid_ns,
        life_m=life_m,
        churned=churned,
        plan0=plan0,
        seats0=users_per_account,
        annual=annual,
        react=react,
        react_ns=react_ns,
        life2_m=life2_m,
        as_of_ns=int(as_of.value),
    )

    # plan of each event: the subscription row that covers it, else "free"
    ever_paid = np.zeros(n, dtype=bool)
    ever_paid[subs["acct"]] = True
    in_paid = np.flatnonzero(ever_paid[e_acct])
    plan_codes = np.zeros(e_acct.size, dtype=np.int64)
    plan_codes[in_paid] = _plan_at(subs, e_acct[in_paid], e_ns[in_paid])
    del in_paid

    account_ids = _labels("a", n, 5)
    user_ids = _labels("u", n_users, 6)
    events = pd.DataFrame(
        {
            "user_id": _take(user_ids, e_user),
            "account_id": _take(account_ids, e_acct),
            "timestamp": e_ns.astype("datetime64[ns]"),
            "event": _take(prof.EVENTS, e_code),
            "channel": _take(prof.CHANNELS, channel[e_acct]),
            "plan": _take(("free", *prof.PLANS), plan_codes),
            "device": _take(prof.DEVICES, users["device"][e_user]),
            "region": _take(prof.REGIONS, region[e_acct]),
        },
        copy=False,
    )
    del e_user, e_code, plan_codes

    last_plan = np.zeros(n, dtype=np.int64)
    last_seats = users_per_account.copy()
    is_last = np.append(subs["acct"][1:] != subs["acct"][:-1], True)[: subs["acct"].size]
    last_plan[subs["acct"][is_last]] = subs["plan"][is_last] + 1  # rows sorted by (acct, start)
    last_seats[subs["acct"][is_last]] = subs["seats"][is_last]
    accounts = pd.DataFrame(
        {
            "account_id": pd.Series(account_ids),
            "created_at": _to_ns(created, start_ns).astype("datetime64[ns]"),
            "channel": _take(prof.CHANNELS, channel),
            "plan": _take(("free", *prof.PLANS), last_plan),
            "region": _take(prof.REGIONS, region),
            "employees": employees,
            "seats": last_seats,
        }
    )

    end_col = pd.Series(subs["end"].astype("datetime64[ns]"))
    end_col[subs["open"]] = pd.NaT
    subscriptions = pd.DataFrame(
        {
            "customer_id": _take(account_ids, subs["acct"]),
            "start": subs["start"].astype("datetime64[ns]"),
            "end": end_col,
            "mrr": subs["mrr"],
            "plan": _take(prof.PLANS, subs["plan"]),
            "billing": _take(("monthly", "annual"), subs["annual"].astype(np.int64)),
            "currency": pd.Series(["USD"] * len(subs["acct"]), dtype="str"),
        }
    )

    inv = _invoices(subs, as_of_ns=int(as_of.value))
    invoices = pd.DataFrame(
        {
            "customer_id": _take(account_ids, inv["acct"]),
            "amount": inv["amount"],
            "period_start": inv["start"].astype("datetime64[ns]"),
            "period_end": inv["end"].astype("datetime64[ns]"),
            "currency": pd.Series(["USD"] * inv["acct"].size, dtype="str"),
        }
    )
    transactions = pd.DataFrame(
        {
            "customer_id": invoices["customer_id"],
            "timestamp": invoices["period_start"],
            "amount": invoices["amount"],
        }
    )

    first_rows = np.flatnonzero(subs["is_first"])
    conversions = pd.DataFrame(
        {
            "user_id": _take(user_ids, first_user_of[subs["acct"][first_rows]]),
            "account_id": _take(account_ids, subs["acct"][first_rows]),
            "timestamp": subs["start"][first_rows].astype("datetime64[ns]"),
            "value": np.round(12.0 * subs["mrr"][first_rows], 2),
        }
    ).sort_values(["timestamp", "account_id"], ignore_index=True)

    touchpoints, sessions, spend = _marketing(
        rng,
        channel=channel,
        signup_ns=start_ns + u_signup_sec[first_user_of] * 10**9,
        first_user_ids=user_ids.take(first_user_of),
        start_ns=start_ns,
        as_of_ns=int(as_of.value),
    )

    return SaasCompany(
        events=events,
        accounts=accounts,
        touchpoints=touchpoints,
        conversions=conversions,
        sessions=sessions,
        subscriptions=subscriptions,
        invoices=invoices,
        spend=spend,
        transactions=transactions,
        truths=_planted_truths(),
        seed=seed,
        n_accounts=n,
        start=start,
        as_of=as_of,
    )


# --------------------------------------------------------------------------- billing
def _mrr(plan: IntArray, seats: IntArray, annual: BoolArray) -> FloatArray:
    extra = np.maximum(seats - prof.PLAN_SEATS[plan], 0)
    monthly = prof.PLAN_BASE[plan] + prof.PLAN_EXTRA_SEAT[plan] * extra
    mrr: FloatArray = np.round(np.where(annual, monthly * (1 - prof.ANNUAL_DISCOUNT), monthly), 2)
    return mrr


def _subscriptions(
    rng: np.random.Generator,
    *,
    pays: BoolArray,
    paid_ns: IntArray,
    life_m: IntArray,
    churned: BoolArray,
    plan0: IntArray,
    seats0: IntArray,
    annual: BoolArray,
    react: BoolArray,
    react_ns: IntArray,
    life2_m: IntArray,
    as_of_ns: int,
) -> dict[str, Any]:
    """Subscription rows: first paid row, up to 3 plan/seat changes, and a reactivation row.

    Changes happen on monthly anniversaries of the first payment, so rows of one account tile
    its paying life; the reactivation row starts after a gap. Returns arrays sorted by
    (account, start); ``months_from``/``months_to`` count months from the row's anchor.
    """
    acct = np.flatnonzero(pays)
    m = acct.size
    slots = 4
    # month offsets of the row starts: 0, then increasing change months
    gaps = rng.geometric(1.0 / prof.CHANGE_EVERY_MONTHS, (m, slots - 1)).astype(np.int64)
    offs = np.concatenate([np.zeros((m, 1), np.int64), np.cumsum(gaps, axis=1)], axis=1)
    anchor = paid_ns[acct]
    life = life_m[acct]
    horizon = np.where(churned[acct], life, OPEN_MONTHS)
    start_ns = _add_months(np.repeat(anchor, slots), offs.ravel()).reshape(m, slots)
    valid = (offs < horizon[:, None]) & (start_ns < as_of_ns)
    valid[:, 0] = True

    plan = np.empty((m, slots), np.int64)
    seats = np.empty((m, slots), np.int64)
    plan[:, 0] = plan0[acct]
    seats[:, 0] = np.maximum(seats0[acct], 1)
    for j in range(1, slots):  # a handful of change slots, vectorized over accounts
        p, s = plan[:, j - 1].copy(), seats[:, j - 1].copy()
        expand = rng.random(m) < prof.EXPANSION_SHARE
        expand |= (p == 0) & (s == 1)  # nothing to shrink
        plan_move = rng.random(m) < 0.3
        step = 1 + rng.binomial(2, 0.3, m)
        up_plan = expand & plan_move & (p < 2)
        up_seat = expand & ~up_plan
        down_plan = ~expand & plan_move & (p > 0)
        down_seat = ~expand & ~down_plan
        p = p + up_plan - down_plan
        s = np.where(up_seat, s + step, s)
        s = np.where(down_seat, np.maximum(s - step, 1), s)
        # a shrink that cannot shrink seats drops a plan instead
        stuck = down_seat & (s == seats[:, j - 1]) & (p > 0)
        p = p - stuck
        plan[:, j], seats[:, j] = p, s

    last = valid.sum(axis=1) - 1
    end_off = np.empty((m, slots), np.int64)
    end_off[:, :-1] = offs[:, 1:]
    end_off[np.arange(m), last] = horizon
    end_ns = _add_months(np.repeat(anchor, slots), np.minimum(end_off, OPEN_MONTHS).ravel())
    end_ns = end_ns.reshape(m, slots)
    ann = np.repeat(annual[acct][:, None], slots, axis=1)

    rows_acct = np.repeat(acct[:, None], slots, axis=1)[valid]
    out: dict[str, Any] = {
        "acct": rows_acct,
        "start": start_ns[valid],
        "end": end_ns[valid],
        "plan": plan[valid],
        "seats": seats[valid],
        "annual": ann[valid],
        "anchor": np.repeat(anchor[:, None], slots, axis=1)[valid],
        "months_from": offs[valid],
        "months_to": end_off[valid],
        "is_first": np.repeat((np.arange(slots) == 0)[None, :], m, axis=0)[valid],
    }
    # reactivation rows: last plan and seats, after a gap
    r_pos = np.flatnonzero(react[acct])
    r_acct = acct[r_pos]
    r_life = life2_m[r_acct]
    r_end = _add_months(react_ns[r_acct], r_life)
    r_open = r_end >= as_of_ns
    react_rows = {
        "acct": r_acct,
        "start": react_ns[r_acct],
        "end": r_end,
        "plan": plan[r_pos, last[r_pos]],
        "seats": seats[r_pos, last[r_pos]],
        "annual": annual[r_acct],
        "anchor": react_ns[r_acct],
        "months_from": np.zeros(r_acct.size, np.int64),
        "months_to": np.where(r_open, OPEN_MONTHS, r_life),
        "is_first": np.zeros(r_acct.size, bool),
    }
    merged = {key: np.concatenate([out[key], react_rows[key]]) for key in out}
    order = np.lexsort((merged["start"], merged["acct"]))
    merged = {key: value[order] for key, value in merged.items()}
    merged["open"] = merged["end"] >= as_of_ns
    merged["mrr"] = _mrr(merged["plan"], merged["seats"], merged["annual"])
    return merged


def _plan_at(subs: dict[str, Any], acct: IntArray, t_ns: IntArray) -> IntArray:
    """Code of the plan whose row covers (account, time): 0 = free, 1.. = PLANS.

    Rows are sorted by (account, start) and an account has at most a handful, so each event
    walks its account's rows in a few vectorized passes (faster than a global searchsorted).
    """
    rows = subs["acct"].size
    if rows == 0:
        return np.zeros(acct.size, dtype=np.int64)
    n = int(max(subs["acct"].max(), acct.max(initial=0))) + 1
    counts = np.bincount(subs["acct"], minlength=n)
    first_row = np.cumsum(counts) - counts
    lo, count = first_row[acct], counts[acct]
    pos = np.full(acct.size, -1, dtype=np.int64)
    for j in range(int(counts.max())):  # at most a handful of rows per account
        cand = np.minimum(lo + j, rows - 1)
        hit = (j < count) & (subs["start"][cand] <= t_ns)
        pos = np.where(hit, cand, pos)
    safe = np.maximum(pos, 0)
    covered = (pos >= 0) & (subs["open"][safe] | (t_ns < subs["end"][safe]))
    return np.where(covered, subs["plan"][safe] + 1, 0)


def _invoices(subs: dict[str, Any], *, as_of_ns: int) -> dict[str, Any]:
    """One invoice per billing period of each row (monthly, or up to the next anniversary)."""
    lo, hi, annual = subs["months_from"], subs["months_to"], subs["annual"]
    # months to bill while the row runs before as_of (open rows bill until as_of)
    months_to_asof = (as_of_ns - subs["anchor"]) // (
        28 * DAY_NS
    ) + 2  # generous bound, trimmed below
    hi = np.where(annual, hi, np.minimum(hi, months_to_asof))  # annual: bill the whole year
    first_anniv = 12 * (lo // 12 + 1)
    n_monthly = np.maximum(hi - lo, 0)
    n_annual = np.where(hi > lo, 1 + np.maximum((hi - 1) // 12 - lo // 12, 0), 0)
    n_periods = np.where(annual, n_annual, n_monthly)
    row = np.repeat(np.arange(lo.size, dtype=np.int64), n_periods)
    pos = _within(n_periods.astype(np.int64))
    ann = annual[row]
    p_start = np.where(
        ann, np.where(pos == 0, lo[row], first_anniv[row] + 12 * (pos - 1)), lo[row] + pos
    )
    p_end = np.minimum(np.where(ann, 12 * (p_start // 12 + 1), p_start + 1), hi[row])
    start_ns = _add_months(subs["anchor"][row], p_start)
    end_ns = _add_months(subs["anchor"][row], p_end)
    keep = start_ns < as_of_ns
    months = (p_end - p_start)[keep]
    return {
        "acct": subs["acct"][row][keep],
        "start": start_ns[keep],
        "end": end_ns[keep],
        "amount": np.round(subs["mrr"][row][keep] * months, 2),
    }


# --------------------------------------------------------------------------- marketing
def _marketing(
    rng: np.random.Generator,
    *,
    channel: IntArray,
    signup_ns: IntArray,
    first_user_ids: pd.Index,
    start_ns: int,
    as_of_ns: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Touchpoints (= sessions) of signing-up users and of visitors, and the paid spend."""
    n = channel.size
    n_ch = len(prof.CHANNELS)
    # users: 1-6 touches, the last one in their channel just before signup
    n_touch = 1 + rng.binomial(5, 0.3, n)
    owner = np.repeat(np.arange(n, dtype=np.int64), n_touch)
    pos = _within(n_touch.astype(np.int64))
    is_last = pos == n_touch[owner] - 1
    ch = np.where(is_last, channel[owner], _choice(rng, prof.ASSIST_MIX, owner.size))
    before = np.where(
        is_last,
        rng.uniform(60.0, 2 * 3600.0, owner.size),
        rng.uniform(2 * 3600.0, 30 * 86_400.0, owner.size),
    )
    u_time = signup_ns[owner] - (before * 1e9).astype(np.int64)

    # visitors: enough extra touches per channel to hit each channel's visit -> signup rate
    signups = np.bincount(channel, minlength=n_ch)
    user_touches = np.bincount(ch, minlength=n_ch)
    need = np.maximum(np.round(signups / prof.VISIT_TO_SIGNUP).astype(np.int64) - user_touches, 0)
    v_ch = rng.permutation(np.repeat(np.arange(n_ch, dtype=np.int64), need))
    total = v_ch.size
    lengths = 1 + rng.binomial(5, 0.2, total + 1)  # enough journeys, each >= 1 touch
    ends = np.cumsum(lengths)
    n_vis = int(np.searchsorted(ends, total)) + 1 if total else 0
    lengths = lengths[:n_vis].astype(np.int64)
    if n_vis:
        lengths[-1] -= int(ends[n_vis - 1] - total)
    visitor = np.repeat(np.arange(n_vis, dtype=np.int64), lengths)
    span_ns = as_of_ns - start_ns + 30 * DAY_NS
    v_start = start_ns - 30 * DAY_NS + (rng.random(n_vis) * span_ns).astype(np.int64)
    v_time = v_start[visitor] + (rng.random(total) * 30 * DAY_NS).astype(np.int64)
    v_time = np.minimum(v_time, as_of_ns - 10**9) // 10**9 * 10**9
    u_time = u_time // 10**9 * 10**9

    # one table of touches: users first, then visitors
    t_ch = np.concatenate([ch, v_ch])
    t_time = np.concatenate([u_time, v_time])
    t_signup = np.concatenate([is_last, np.zeros(total, bool)])
    ids = pd.Index(first_user_ids).append(_labels("v", max(n_vis, 1), 6)[:n_vis])
    t_who = np.concatenate([owner, n + visitor])
    m = t_ch.size

    camp_ch = np.array([prof.CHANNELS.index(c[0]) for c in prof.CAMPAIGNS])
    camp_w = np.array([c[4] for c in prof.CAMPAIGNS])
    camp = np.zeros(m, dtype=np.int64)
    for c in range(n_ch):  # campaigns of each channel (a handful)
        rows = np.flatnonzero(t_ch == c)
        own = np.flatnonzero(camp_ch == c)
        camp[rows] = own[_choice(rng, camp_w[own], rows.size)]
    path = _choice(rng, np.full(len(prof.LANDING_PATHS), 1.0), m)

    # URLs: base + path (+ query for everything but direct), with optional content/term/click id
    names = [c[1] for c in prof.CAMPAIGNS]
    sources = [c[2] for c in prof.CAMPAIGNS]
    mediums = [c[3] for c in prof.CAMPAIGNS]
    queries = [
        ""
        if src == "(direct)"
        else f"?utm_source={src}&utm_medium={med}"
        + ("" if name.startswith("(") else f"&utm_campaign={name}")
        for name, src, med in zip(names, sources, mediums, strict=True)
    ]
    # per-campaign flags, gathered per touch
    paid_like = np.array([med in {"cpc", "paid_social", "display", "banner"} for med in mediums])
    is_cpc = np.array([med == "cpc" for med in mediums])
    google_cpc = np.array(
        [src == "google" and med == "cpc" for src, med in zip(sources, mediums, strict=True)]
    )
    facebook = np.array([src == "facebook" for src in sources])
    content = np.where(paid_like[camp] & (rng.random(m) < 0.5), rng.integers(0, 4, m) + 1, 0)
    term = np.where(is_cpc[camp], rng.integers(0, 5, m), 0)
    click = np.where(
        google_cpc[camp] & (rng.random(m) < 0.6),
        1,
        np.where(facebook[camp] & (rng.random(m) < 0.6), 2, 0),
    )
    # every (path, campaign, content, term) URL once, then click ids on the clicked touches
    contents = ("", *[f"&utm_content={c}" for c in prof.UTM_CONTENT])
    terms = ("", *[f"&utm_term={t}" for t in prof.UTM_TERM])
    combos = pd.Index(
        [
            f"https://www.acme-analytics.example{p}{q}{c}{t}"
            for p in prof.LANDING_PATHS
            for q in queries
            for c in contents
            for t in terms
        ],
        dtype="str",
    )
    combo = ((path * len(queries) + camp) * len(contents) + content) * len(terms) + term
    clicked = np.flatnonzero(click > 0)
    tokens = pd.Series(rng.integers(10**11, 10**12, clicked.size)).astype("str")
    with_click = (
        _take(combos, combo[clicked])
        + _take(("", "&gclid=Cj0", "&fbclid=IwAR"), click[clicked])
        + tokens
    )
    url_labels = combos.append(pd.Index(with_click, dtype="str"))
    url_code = combo.copy()
    url_code[clicked] = len(combos) + np.arange(clicked.size)

    order = _packed_order(t_time // 10**9, t_who)
    touchpoints = pd.DataFrame(
        {
            "user_id": _take(ids, t_who[order]),
            "timestamp": t_time[order].astype("datetime64[ns]"),
            "url": _take(url_labels, url_code[order]),
            "utm_source": _take(tuple(sources), camp[order]),
            "utm_medium": _take(tuple(mediums), camp[order]),
            "utm_campaign": _take(tuple(names), camp[order]),
            "channel": _take(prof.CHANNELS, t_ch[order]),
        },
        copy=False,
    )

    # sessions: one per touch; the signup visit never bounces
    bounce = (rng.random(m) < prof.BOUNCE_RATE[t_ch]) & ~t_signup
    pages = np.where(bounce, 1, 2 + rng.poisson(prof.EXTRA_PAGES[t_ch]) + 2 * t_signup)
    duration = np.where(
        bounce, 0, np.maximum(np.round(rng.gamma(2.0, 25.0, m) * (pages - 1)), 1)
    ).astype(np.int64)
    sessions = pd.DataFrame(
        {
            "session_id": pd.Series(_labels("s", m, 7)),
            "user_id": touchpoints["user_id"],
            "timestamp": touchpoints["timestamp"],
            "channel": touchpoints["channel"],
            "utm_campaign": touchpoints["utm_campaign"],
            "pageviews": pages[order].astype(np.int64),
            "duration_s": duration[order],
        },
        copy=True,  # its columns come from touchpoints: without copy-on-write they would alias
    )

    # spend: cost per visit of paid campaigns, by month, with +-10% noise
    month = t_time.astype("datetime64[ns]").astype("datetime64[M]")
    m0 = month.min()
    month_idx = (month - m0).astype(np.int64)
    n_months = int(month_idx.max()) + 1
    n_camp = len(prof.CAMPAIGNS)
    visits = np.bincount(month_idx * n_camp + camp, minlength=n_months * n_camp)
    cpv = prof.COST_PER_VISIT[camp_ch]
    amount = visits.reshape(n_months, n_camp) * cpv[None, :]
    amount = np.round(amount * rng.uniform(0.9, 1.1, amount.shape), 2)
    mi, ci = np.nonzero(amount > 0)
    spend = pd.DataFrame(
        {
            "date": (m0 + mi.astype("timedelta64[M]")).astype("datetime64[ns]"),
            "channel": _take(prof.CHANNELS, camp_ch[ci]),
            "campaign": _take(tuple(names), ci),
            "amount": amount[mi, ci],
        }
    )
    return touchpoints, sessions, spend
