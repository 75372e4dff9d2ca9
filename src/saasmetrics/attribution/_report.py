"""Channel quality: traffic, engagement, leads, customers, cost and return per channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.attribution import credited_sessions
from saasmetrics._kernels.encoding import sort_order
from saasmetrics._kernels.segments import segment_offsets
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import (
    RowCheck,
    ValidationReport,
    align_ids,
    check_choice,
    normalize_ids,
    parse_timestamps,
    require_columns,
)
from saasmetrics.attribution._ids import user_codes as _user_codes
from saasmetrics.exceptions import EmptyDataError, InputError, ParameterError, SchemaError
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, OnInvalid

__all__ = ("ChannelReport", "channel_report")

_METRICS = (
    "visits",
    "users",
    "bounce_rate",
    "pages_per_session",
    "avg_duration_s",
    "leads",
    "lead_rate",
    "customers",
    "conversion_rate",
    "cost",
    "cost_per_lead",
    "cac",
    "revenue",
    "roi",
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class ChannelReport(ResultMixin):
    """Traffic, engagement, leads, customers, cost and return per channel (or campaign).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (the ``by`` columns first), then ``visits``, ``users``,
        ``bounce_rate``, ``pages_per_session``, ``avg_duration_s``, ``leads``, ``lead_rate``,
        ``customers``, ``conversion_rate``, ``cost``, ``cost_per_lead``, ``cac``, ``revenue``,
        ``roi``. ``leads`` and ``customers`` count people (each at their first lead or
        purchase); ``lead_rate`` is leads / users, ``conversion_rate`` the share of the group's
        leads who became customers (customers / users without leads), so every rate is in
        [0, 1]. Ratios with a zero denominator are NaN.
    by : tuple of str
        The grouping.
    credit : str
        How leads and customers were given to a channel (``"last"`` or ``"first"`` session).
    n_uncredited_leads, n_uncredited_customers : int
        Leads and customers (people) credited to no channel because their person had no session at
        all. They are in no row of the table.

    Examples
    --------
    >>> import pandas as pd
    >>> sessions = pd.DataFrame({
    ...     "session_id": [1, 2, 3, 4], "user_id": ["a", "a", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-02"]),
    ...     "channel": ["Paid Search", "Email", "Paid Search", "Organic Search"],
    ...     "pageviews": [1, 4, 2, 1], "duration_s": [0, 300, 60, 0]})
    >>> convs = pd.DataFrame({"user_id": ["a"], "timestamp": pd.to_datetime(["2024-01-04"]),
    ...                       "value": [1200.0]})
    >>> spend = pd.DataFrame({"date": pd.to_datetime(["2024-01-01"]), "channel": ["Paid Search"],
    ...                       "amount": [500.0]})
    >>> report = channel_report(sessions, conversions=convs, spend=spend)
    >>> report.to_frame()[["channel", "visits", "bounce_rate", "customers", "cost", "revenue"]]
              channel  visits  bounce_rate  customers   cost  revenue
    0           Email       1          0.0          1    0.0   1200.0
    1  Organic Search       1          1.0          0    0.0      0.0
    2     Paid Search       2          0.5          0  500.0      0.0
    """

    table: pd.DataFrame
    by: tuple[str, ...]
    credit: str
    n_uncredited_leads: int = 0
    n_uncredited_customers: int = 0

    def to_frame(self) -> pd.DataFrame:
        """The report table (a copy).

        Returns
        -------
        pandas.DataFrame
            One row per group.
        """
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {"groups": len(self.table), "by": self.by, "credit": self.credit}
        if self.n_uncredited_leads:
            summary["uncredited_leads"] = self.n_uncredited_leads
        if self.n_uncredited_customers:
            summary["uncredited_customers"] = self.n_uncredited_customers
        return summary

    def plot(self, ax: Any = None, *, metric: str = "cac", **kwargs: Any) -> Any:
        """Horizontal bars of one metric per group.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        metric : str, default "cac"
            A column of the table.
        **kwargs
            Passed to ``ax.barh``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        check_choice("metric", metric, _METRICS)
        ax = get_axes(ax)
        labels = self.table[list(self.by)].astype(str).agg(" / ".join, axis=1)
        values = self.table[metric].to_numpy(dtype=np.float64)
        order = np.argsort(np.nan_to_num(values, nan=-np.inf))
        ax.barh(labels.to_numpy()[order], values[order], color=PALETTE[0], **kwargs)
        ax.set_xlabel(metric.replace("_", " "))
        ax.grid(visible=False, axis="y")
        ax.grid(visible=True, axis="x", alpha=0.3)
        return ax


def _credit_sessions(
    s_user: npt.NDArray[np.int64],
    s_ns: npt.NDArray[np.int64],
    e_user: npt.NDArray[np.int64],
    e_ns: npt.NDArray[np.int64],
    credit: str,
) -> npt.NDArray[np.int64]:
    """Index of the session credited with each event (-1 when the user has no session)."""
    if s_user.size == 0:  # a chunk without sessions (or none at all): nothing is credited
        return np.full(e_user.size, -1, dtype=np.int64)
    order = sort_order(s_user, s_ns)
    n_people = int(max(s_user.max(), e_user.max(initial=-1))) + 1
    offsets = segment_offsets(s_user[order], n_people)
    session, _ = credited_sessions(offsets, s_ns[order], e_user, e_ns, credit)
    return np.where(session >= 0, order[np.maximum(session, 0)], -1)


def _events(  # noqa: PLR0917 - private helper, called twice
    frame: FrameLike | None,
    name: str,
    user_col: str,
    time_col: str,
    value_col: str | None,
    on_invalid: OnInvalid,
    reports: dict[str, ValidationReport],
) -> tuple[pd.Series, npt.NDArray[np.int64], npt.NDArray[np.float64], tzinfo | None] | None:
    if frame is None:
        return None
    data = to_pandas(frame, name=name, allow_empty=True)
    require_columns(data, {"user_col": user_col, "time_col": time_col})
    use_value = value_col is not None and value_col in data.columns
    rows = RowCheck(data, on_invalid=on_invalid, name=name)
    rows.flag(data[user_col].isna().to_numpy(), user_col, "null user ids")
    values = (
        pd.to_numeric(data[value_col], errors="coerce").to_numpy(dtype=np.float64)
        if use_value and value_col is not None
        else np.zeros(len(data))
    )
    if use_value and value_col is not None:
        rows.flag(np.isnan(values), value_col, "missing or non-numeric values")
        rows.flag(np.isinf(values), value_col, "infinite values")
    times = parse_timestamps(data[time_col], rows=rows) if len(data) else None
    reports[name] = rows.finish(warn=False)
    keep = rows.keep
    ns = times.ns[keep] if times is not None else np.zeros(0, dtype=np.int64)
    tz = times.tz if times is not None else None
    ids = normalize_ids(data[user_col], column=user_col, table=name)
    ids = ids.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    return ids, ns, values[keep], tz


def channel_report(
    sessions: FrameLike,
    conversions: FrameLike | None = None,
    spend: FrameLike | None = None,
    *,
    leads: FrameLike | None = None,
    by: Sequence[str] = ("channel",),
    credit: Literal["last", "first"] = "last",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    channel_col: str = "channel",
    campaign_col: str = "utm_campaign",
    pageviews_col: str = "pageviews",
    duration_col: str = "duration_s",
    value_col: str | None = "value",
    spend_amount_col: str = "amount",
    spend_campaign_col: str = "campaign",
    on_invalid: OnInvalid = "raise",
    partitioned_by: str | None = None,
) -> ChannelReport:
    """Channel quality: visits, engagement, leads, customers, cost, CAC and ROI per channel.

    A person is one lead and one customer, however many lead or purchase rows they have: their
    first lead and their first purchase (earliest; ties in input order) are each credited to
    one session of the same user: the last session at or before it (``credit="last"``, last
    click; an event before the user's first session goes to that first session) or the
    user's first session (``credit="first"``); users with no session are not credited to any
    channel (they are counted in
    ``n_uncredited_leads`` and ``n_uncredited_customers``). Revenue is the value of every
    conversion row, each credited to its own session; a negative value is a refund, which
    lowers revenue and makes no customer.

    Each rate is a share of the population it is defined on: ``bounce_rate`` of the group's
    visits, ``lead_rate`` of its users (visitors), ``conversion_rate`` of its leads (those who
    became customers, wherever the purchase was credited) or, without ``leads``, of its users.

    Parameters
    ----------
    sessions : DataFrame-like or dask DataFrame
        One row per web visit: user, time, channel, ``pageviews`` (a bounce is one page) and
        ``duration_s``; ``utm_campaign`` for a per-campaign report.
    conversions : DataFrame-like or dask DataFrame, optional
        Customers: user, time and (optionally) ``value`` (revenue). With dask ``sessions``,
        ``conversions`` and ``leads`` are dask DataFrames too: the three are shuffled by user
        into the same partitions, and only the sums per group travel.
    spend : DataFrame-like, optional
        Cost lines: ``channel``, ``amount`` (and ``campaign`` for ``by`` with campaign). Not
        keyed by user: with dask input it goes whole to every partition (a dask frame is
        computed first; spend per channel and day is small).
    leads : DataFrame-like or dask DataFrame, optional
        Lead events (e.g. signups): user and time. Without it, leads and lead rates are NaN
        and the conversion rate is the share of users who became customers.
    by : sequence of {"channel", "campaign"}, default ("channel",)
        Grouping: per channel, or per channel and campaign (a single name is fine too).
    credit : {"last", "first"}, default "last"
        Which session gets a lead or customer.
    user_col, time_col, channel_col, campaign_col, pageviews_col, duration_col : str
        Session (and lead / conversion) column roles.
    value_col : str or None, default "value"
        Conversion revenue column (0 when absent).
    spend_amount_col, spend_campaign_col : str
        Spend column roles; spend's channel column is ``channel_col``.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with invalid rows.
    partitioned_by : str, optional
        For a dask ``sessions`` frame alone (no conversions or leads) whose partitions
        already hold whole users: the user column (the shuffle is skipped).

    Returns
    -------
    ChannelReport
        ``.to_frame()`` has one row per group; ``cac`` is cost per customer, ``roi`` is
        ``(revenue - cost) / cost``.

    Raises
    ------
    ParameterError
        For an unknown or repeated ``by`` entry, or an unknown ``credit``.
    MissingColumnError
        For a missing column.
    InputError
        For invalid rows (with ``on_invalid="raise"``): null users, channels or times, page
        views below 1, negative durations, missing or infinite revenue, and spend lines with
        no channel or a missing, infinite or negative amount.
    SchemaError
        If some tables have time-zone-aware timestamps and others naive ones.

    Examples
    --------
    See :class:`ChannelReport`.
    """
    plan = _channel_report_builder(
        by=by,
        credit=credit,
        user_col=user_col,
        time_col=time_col,
        channel_col=channel_col,
        campaign_col=campaign_col,
        pageviews_col=pageviews_col,
        duration_col=duration_col,
        value_col=value_col,
        spend_amount_col=spend_amount_col,
        spend_campaign_col=spend_campaign_col,
        on_invalid=on_invalid,
    )
    return run(plan, sessions, conversions, leads, spend, partitioned_by=partitioned_by)


@dataclass(frozen=True, slots=True)
class _Settings:
    by: tuple[str, ...]
    credit: str
    user_col: str
    time_col: str
    channel_col: str
    campaign_col: str
    pageviews_col: str
    duration_col: str
    value_col: str | None
    spend_amount_col: str
    spend_campaign_col: str
    on_invalid: OnInvalid


@dataclass(frozen=True, slots=True)
class _ReportPartial:
    """What a chunk of whole users contributes: sums per group, and figures of the whole data.

    ``sums`` has the ``by`` columns (sorted groups), then per group ``visits``, distinct
    ``users`` (chunks hold disjoint users, so they add), bounces, pages, duration and, when
    the tables are given, credited ``leads``, ``customers`` and ``revenue``. ``spend`` is the
    validated spend lines (every chunk receives the whole, small, spend table: merge keeps
    one copy); ``reports`` the rows dropped per table, ``session_rows`` / ``session_columns``
    for the empty-table check.
    """

    sums: pd.DataFrame
    has_leads: bool
    has_customers: bool
    uncredited_leads: int
    uncredited_customers: int
    spend: tuple[pd.DataFrame, npt.NDArray[np.float64]] | None
    reports: dict[str, ValidationReport]
    session_rows: int
    session_columns: tuple[Any, ...]


@register(channel_report)
def _channel_report_builder(
    *,
    by: Sequence[str] = ("channel",),
    credit: Literal["last", "first"] = "last",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    channel_col: str = "channel",
    campaign_col: str = "utm_campaign",
    pageviews_col: str = "pageviews",
    duration_col: str = "duration_s",
    value_col: str | None = "value",
    spend_amount_col: str = "amount",
    spend_campaign_col: str = "campaign",
    on_invalid: OnInvalid = "raise",
) -> Analysis[_ReportPartial, ChannelReport]:
    """channel_report as partial / merge / finalize over (sessions, conversions, leads, spend).

    Sessions, conversions and leads are partitioned by user; spend (by channel, not by user)
    goes whole to every chunk.
    """
    check_choice("credit", credit, ("last", "first"))
    by = (by,) if isinstance(by, str) else tuple(by)
    for item in by:
        check_choice("by", item, ("channel", "campaign"))
    if len(set(by)) != len(by):
        raise ParameterError(
            f"by={by!r} names a grouping twice.", hint="e.g. by=('channel', 'campaign')."
        )
    if "channel" not in by:
        raise ParameterError("by must include 'channel'.", hint="e.g. by=('channel', 'campaign').")
    settings = _Settings(
        by=by,
        credit=credit,
        user_col=user_col,
        time_col=time_col,
        channel_col=channel_col,
        campaign_col=campaign_col,
        pageviews_col=pageviews_col,
        duration_col=duration_col,
        value_col=value_col,
        spend_amount_col=spend_amount_col,
        spend_campaign_col=spend_campaign_col,
        on_invalid=on_invalid,
    )
    return Analysis(
        name="channel_report",
        keys=(user_col, user_col, user_col, None),
        prepare=lambda sessions, conversions, leads, spend: (sessions, conversions, leads, spend),
        partial=lambda tables, _context: _report_partial(tables, settings),
        merge=_merge_reports,
        finalize=lambda part, _context: _finalize_report(part, settings),
    )


def _report_partial(tables: tuple[Any, Any, Any, Any], s: _Settings) -> _ReportPartial:
    """Sums per group of one chunk of whole users (the in-memory path is the one-chunk case).

    ``tables`` are the chunk's sessions, conversions, leads and spend (``None`` if not given).
    """
    sessions, conversions, leads, spend = tables
    by, user_col, time_col, channel_col = s.by, s.user_col, s.time_col, s.channel_col
    pageviews_col, duration_col, on_invalid = s.pageviews_col, s.duration_col, s.on_invalid
    # an empty sessions table is an error of the whole data, decided in finalize
    frame = to_pandas(sessions, name="sessions", allow_empty=True)
    group_cols = {"channel": channel_col, "campaign": s.campaign_col}
    require_columns(
        frame,
        {
            "user_col": user_col,
            "time_col": time_col,
            "channel_col": channel_col,
            "pageviews_col": pageviews_col,
            "duration_col": duration_col,
            "campaign_col": s.campaign_col if "campaign" in by else None,
        },
        optional=() if "campaign" in by else ("campaign_col",),
    )
    rows = RowCheck(frame, on_invalid=on_invalid, name="sessions")
    rows.flag(frame[user_col].isna().to_numpy(), user_col, "null user ids")
    rows.flag(frame[channel_col].isna().to_numpy(), channel_col, "null channels")
    pages = pd.to_numeric(frame[pageviews_col], errors="coerce").to_numpy(dtype=np.float64)
    duration = pd.to_numeric(frame[duration_col], errors="coerce").to_numpy(dtype=np.float64)
    rows.flag(~(pages >= 1), pageviews_col, "page views below 1 or missing")
    rows.flag(~(duration >= 0), duration_col, "negative or missing durations")
    times = parse_timestamps(frame[time_col], rows=rows)
    reports = {"sessions": rows.finish(warn=False)}
    keep = rows.keep

    labels_in = {
        item: normalize_ids(frame[group_cols[item]], column=group_cols[item], table="sessions")
        for item in by
    }
    keys = pd.DataFrame({item: labels_in[item].to_numpy(dtype=object)[keep] for item in by})
    keys = keys.fillna({"campaign": "(not set)"}) if "campaign" in by else keys
    codes = keys.groupby(list(by), sort=True, dropna=False).ngroup().to_numpy(dtype=np.int64)
    labels = (keys.assign(_g=codes).drop_duplicates("_g").sort_values("_g")[list(by)]).reset_index(
        drop=True
    )
    n_groups = len(labels)
    user_ids = normalize_ids(frame[user_col], column=user_col, table="sessions")
    user_ids = user_ids.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    users = user_ids.to_numpy(dtype=object)
    s_ns = times.ns[keep]
    pages, duration = pages[keep], duration[keep]

    sums = labels.copy()
    sums["visits"] = np.bincount(codes, minlength=n_groups).astype(np.float64)
    pair = pd.DataFrame({"g": codes, "u": users}).drop_duplicates()
    sums["users"] = np.bincount(pair["g"].to_numpy(), minlength=n_groups).astype(np.float64)
    bounce = (pages == 1).astype(np.float64)
    sums["_bounces"] = np.bincount(codes, weights=bounce, minlength=n_groups)
    sums["_pages"] = np.bincount(codes, weights=pages, minlength=n_groups)
    sums["_duration"] = np.bincount(codes, weights=duration, minlength=n_groups)

    lead_events = _events(leads, "leads", user_col, time_col, None, on_invalid, reports)
    conv_events = _events(
        conversions, "conversions", user_col, time_col, s.value_col, on_invalid, reports
    )
    zones = {"sessions": times.tz}
    for name, ev in (("leads", lead_events), ("conversions", conv_events)):
        if ev is not None and ev[0].size:
            zones[name] = ev[3]
    aware = sorted(name for name, tz in zones.items() if tz is not None)
    if aware and len(aware) != len(zones) and users.size:
        naive = sorted(set(zones) - set(aware))
        raise SchemaError(
            f"{aware} have tz-aware timestamps but {naive} naive ones; comparing them would "
            "silently treat the naive ones as UTC.",
            hint="localize all the tables to the same zone (Series.dt.tz_localize).",
        )
    all_users = [user_ids, *(ev[0] for ev in (lead_events, conv_events) if ev is not None)]
    user_codes = _user_codes(all_users)
    s_user = user_codes[: users.size].astype(np.int64)
    offset = users.size

    uncredited = {"leads": 0, "customers": 0}

    def credited(ev: tuple[Any, Any, Any, Any] | None, role: str) -> tuple[Any, Any, Any, Any]:
        """Per group: people counted once (at their first event), and the value of all events.

        Also returns each counted person's code and group, so leads can be matched to
        customers. A negative value (a refund) adds to the value but makes no person.
        """
        nonlocal offset
        if ev is None:
            return None, None, None, None
        e_user = user_codes[offset : offset + ev[0].size].astype(np.int64)
        offset += ev[0].size
        session = _credit_sessions(s_user, s_ns, e_user, ev[1], s.credit)
        ok = session >= 0
        value = np.bincount(codes[session[ok]], weights=ev[2][ok], minlength=n_groups)
        counts = ev[2] >= 0  # refunds (negative values) make no customer
        order = sort_order(e_user, ev[1])
        order = order[counts[order]]
        _, first = np.unique(e_user[order], return_index=True)
        firsts = order[first]  # each person's first event (ties: input order)
        people_ok = session[firsts] >= 0
        uncredited[role] = int(firsts.size - np.count_nonzero(people_ok))
        person_group = codes[session[firsts[people_ok]]]
        count = np.bincount(person_group, minlength=n_groups).astype(np.float64)
        return count, value, e_user[firsts[people_ok]], person_group

    lead_count, _, lead_people, lead_group = credited(lead_events, "leads")
    cust_count, revenue, cust_people, _ = credited(conv_events, "customers")
    if lead_count is not None:
        sums["leads"] = lead_count
    if cust_count is not None:
        sums["customers"] = cust_count
        sums["revenue"] = revenue
    if lead_count is not None and cust_count is not None:
        # leads of a group who became customers (wherever the purchase was credited); a person
        # is in one chunk only, so these counts add up across chunks
        sums["_converted_leads"] = np.bincount(
            lead_group[np.isin(lead_people, cust_people)], minlength=n_groups
        ).astype(np.float64)
    return _ReportPartial(
        sums=sums,
        has_leads=lead_count is not None,
        has_customers=cust_count is not None,
        uncredited_leads=uncredited["leads"],
        uncredited_customers=uncredited["customers"],
        spend=None if spend is None else _spend_lines(spend, s, reports),
        reports=reports,
        session_rows=len(frame),
        session_columns=tuple(frame.columns),
    )


def _spend_lines(
    spend: FrameLike, s: _Settings, reports: dict[str, ValidationReport]
) -> tuple[pd.DataFrame, npt.NDArray[np.float64]]:
    """The valid spend lines: their group keys and amounts."""
    by, channel_col = s.by, s.channel_col
    sp_frame = to_pandas(spend, name="spend", allow_empty=True)
    require_columns(
        sp_frame,
        {
            "channel_col": channel_col,
            "spend_amount_col": s.spend_amount_col,
            "spend_campaign_col": s.spend_campaign_col if "campaign" in by else None,
        },
        optional=() if "campaign" in by else ("spend_campaign_col",),
    )
    spend_keys = pd.DataFrame(
        {
            item: normalize_ids(
                sp_frame[column := channel_col if item == "channel" else s.spend_campaign_col],
                column=column,
                table="spend",
            ).to_numpy(dtype=object)
            for item in by
        }
    )
    amount = pd.to_numeric(sp_frame[s.spend_amount_col], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    srows = RowCheck(sp_frame, on_invalid=s.on_invalid, name="spend")
    srows.flag(sp_frame[channel_col].isna().to_numpy(), channel_col, "null channels")
    srows.flag(np.isnan(amount), s.spend_amount_col, "missing or non-numeric amounts")
    srows.flag(np.isinf(amount), s.spend_amount_col, "infinite amounts")
    srows.flag(np.nan_to_num(amount) < 0, s.spend_amount_col, "negative amounts")
    reports["spend"] = srows.finish(warn=False)
    skeep = srows.keep
    spend_keys = spend_keys[skeep].reset_index(drop=True)
    if "campaign" in by:  # as for sessions: no campaign is "(not set)"
        spend_keys = spend_keys.fillna({"campaign": "(not set)"})
    return spend_keys, amount[skeep]


def _merge_reports(a: _ReportPartial, b: _ReportPartial) -> _ReportPartial:
    by = [c for c in a.sums.columns if not c.startswith("_") and c not in _SUMMED]
    # a chunk without sessions has untyped (object) empty label columns: leave it out
    sums = pd.concat([t for t in (a.sums, b.sums) if len(t)] or [a.sums], ignore_index=True)
    sums = sums.groupby(by, sort=True, dropna=False, as_index=False).sum()
    reports = dict(a.reports)
    for name, report in b.reports.items():
        # spend is the same whole table in every chunk: counted once
        if name != "spend":
            reports[name] = reports[name] + report if name in reports else report
    return _ReportPartial(
        sums=sums,
        has_leads=a.has_leads,
        has_customers=a.has_customers,
        uncredited_leads=a.uncredited_leads + b.uncredited_leads,
        uncredited_customers=a.uncredited_customers + b.uncredited_customers,
        spend=a.spend,
        reports=reports,
        session_rows=a.session_rows + b.session_rows,
        session_columns=a.session_columns,
    )


_SUMMED = ("visits", "users", "leads", "customers", "revenue", "_converted_leads")


def _finalize_report(part: _ReportPartial, s: _Settings) -> ChannelReport:
    """Cost per group from the spend lines, then the rates, on the merged sums."""
    if part.session_rows == 0:
        raise EmptyDataError(
            f"sessions has no rows (columns: {list(part.session_columns)!r}).",
            hint="pass a table with at least one row.",
        )
    for name in ("sessions", "leads", "conversions", "spend"):
        if name in part.reports:
            part.reports[name].warn_dropped(name, stacklevel=6)
    by = s.by
    raw = part.sums.reset_index(drop=True)
    groups = pd.MultiIndex.from_frame(raw[list(by)])
    n_groups = len(groups)
    cost = np.zeros(n_groups)
    extra: pd.DataFrame | None = None
    if part.spend is not None:
        spend_keys, amount = part.spend
        spend_keys = spend_keys.copy()
        for item in by:  # a channel 1 in sessions is the channel "1" in spend (one id rule)
            aligned = align_ids({"sessions": raw[item], "spend": spend_keys[item]})
            if aligned["sessions"] is not raw[item]:
                raw[item] = aligned["sessions"].to_numpy(dtype=object)
                groups = pd.MultiIndex.from_frame(raw[list(by)])
            spend_keys[item] = aligned["spend"].to_numpy(dtype=object)
        position = groups.get_indexer(pd.MultiIndex.from_frame(spend_keys))
        matched = position >= 0
        cost = np.bincount(position[matched], weights=amount[matched], minlength=n_groups).astype(
            np.float64
        )
        # spend on groups without sessions still counts: add them as rows
        if (~matched).any():
            unmatched = spend_keys[~matched].assign(cost=amount[~matched])
            extra = pd.DataFrame(
                unmatched.groupby(list(by), sort=True, as_index=False)["cost"].sum()
            )
    if not part.has_leads:
        raw["leads"] = np.nan
    if not part.has_customers:
        raw["customers"] = np.nan
        raw["revenue"] = np.nan
    if "_converted_leads" not in raw:
        raw["_converted_leads"] = np.nan
    for what, sums in (("revenue", raw["revenue"].to_numpy()), ("cost", cost)):
        if (part.has_customers or what == "cost") and not np.isfinite(
            np.asarray(sums, dtype=np.float64)
        ).all():
            raise InputError(
                f"The {what} of a group does not fit in a float (the sum overflows past "
                f"{np.finfo(np.float64).max:.3g}), though every amount is finite.",
                hint="check the unit of the amounts (a currency unit, not e.g. a scaled id).",
            )
    raw = raw[[*by, "visits", "users", "_bounces", "_pages", "_duration", "leads", "customers",
               "_converted_leads", "revenue"]]  # fmt: skip
    raw["cost"] = cost
    if extra is not None:
        add = extra.copy()
        for column in ("visits", "users", "_bounces", "_pages", "_duration", "_converted_leads"):
            add[column] = 0.0
        for column, present in (
            ("leads", part.has_leads),
            ("customers", part.has_customers),
            ("revenue", part.has_customers),
        ):
            add[column] = 0.0 if present else np.nan
        both = pd.concat([raw, add], ignore_index=True)
        raw = both.sort_values(list(by), ignore_index=True)
    return ChannelReport(
        table=_finish(raw, by, has_leads=part.has_leads),
        by=by,
        credit=s.credit,
        n_uncredited_leads=part.uncredited_leads,
        n_uncredited_customers=part.uncredited_customers,
    )


def _ratio(a: Any, b: Any) -> npt.NDArray[np.float64]:
    num = np.asarray(a, dtype=np.float64)
    den = np.asarray(b, dtype=np.float64)
    out: npt.NDArray[np.float64] = np.divide(
        num, den, out=np.full(num.shape, np.nan), where=den > 0
    )
    return out


def _finish(raw: pd.DataFrame, by: tuple[str, ...], *, has_leads: bool) -> pd.DataFrame:
    table = raw[list(by)].copy()
    visits = raw["visits"]
    table["visits"] = visits.astype(np.int64)
    table["users"] = raw["users"].astype(np.int64)
    table["bounce_rate"] = _ratio(raw["_bounces"], visits)
    table["pages_per_session"] = _ratio(raw["_pages"], visits)
    table["avg_duration_s"] = _ratio(raw["_duration"], visits)
    table["leads"] = raw["leads"]
    table["lead_rate"] = _ratio(raw["leads"], raw["users"])
    table["customers"] = raw["customers"]
    table["conversion_rate"] = (
        _ratio(raw["_converted_leads"], raw["leads"])
        if has_leads
        else _ratio(raw["customers"], raw["users"])
    )
    table["cost"] = raw["cost"]
    table["cost_per_lead"] = _ratio(raw["cost"], raw["leads"])
    table["cac"] = _ratio(raw["cost"], raw["customers"])
    table["revenue"] = raw["revenue"]
    table["roi"] = _ratio(raw["revenue"] - raw["cost"], raw["cost"])
    for column in ("leads", "customers"):
        if not table[column].isna().any():
            table[column] = table[column].astype(np.int64)
    return table
