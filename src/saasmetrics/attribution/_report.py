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
from saasmetrics._kernels.encoding import sort_order
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import (
    RowCheck,
    align_ids,
    check_choice,
    normalize_ids,
    parse_timestamps,
    require_columns,
)
from saasmetrics.attribution._ids import user_codes as _user_codes
from saasmetrics.exceptions import ParameterError, SchemaError
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
        ``roi``. Ratios with a zero denominator are NaN.
    by : tuple of str
        The grouping.
    credit : str
        How leads and customers were given to a channel (``"last"`` or ``"first"`` session).
    n_uncredited_leads, n_uncredited_customers : int
        Leads and customers credited to no channel because their person had no session at
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
    order = sort_order(s_user, s_ns)
    su, sn = s_user[order], s_ns[order]
    n = su.size
    first = np.searchsorted(su, e_user, side="left")
    has = first < n
    has[has] &= su[np.clip(first[has], 0, n - 1)] == e_user[has]
    if credit == "first":
        pick = first
    else:
        # last session at or before the event; else the user's first session
        _, rank = np.unique(np.concatenate([sn, e_ns]), return_inverse=True)
        n_rank = int(rank.max()) + 1
        s_key = su * n_rank + rank[:n]
        e_key = e_user * n_rank + rank[n:]
        pos = np.searchsorted(s_key, e_key, side="right") - 1
        ok = (pos >= 0) & (su[np.clip(pos, 0, max(n - 1, 0))] == e_user)
        pick = np.where(ok, pos, first)
    return np.where(has, order[np.clip(pick, 0, max(n - 1, 0))], -1)


def _events(  # noqa: PLR0917 - private helper, called twice
    frame: FrameLike | None,
    name: str,
    user_col: str,
    time_col: str,
    value_col: str | None,
    on_invalid: OnInvalid,
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
    rows.finish()
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
) -> ChannelReport:
    """Channel quality: visits, engagement, leads, customers, cost, CAC and ROI per channel.

    Each lead and each conversion is credited to one session of the same user: the last
    session at or before it (``credit="last"``, last click; an event before the user's first
    session goes to that first session) or the user's first session (``credit="first"``);
    users with no session are not credited to any channel (they are counted in
    ``n_uncredited_leads`` and ``n_uncredited_customers``).

    Parameters
    ----------
    sessions : DataFrame-like
        One row per web visit: user, time, channel, ``pageviews`` (a bounce is one page) and
        ``duration_s``; ``utm_campaign`` for a per-campaign report.
    conversions : DataFrame-like, optional
        Customers: user, time and (optionally) ``value`` (revenue).
    spend : DataFrame-like, optional
        Cost lines: ``channel``, ``amount`` (and ``campaign`` for ``by`` with campaign).
    leads : DataFrame-like, optional
        Lead events (e.g. signups): user and time. Without it, leads and lead rates are NaN
        and the conversion rate is customers per user.
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
    frame = to_pandas(sessions, name="sessions")
    group_cols = {"channel": channel_col, "campaign": campaign_col}
    require_columns(
        frame,
        {
            "user_col": user_col,
            "time_col": time_col,
            "channel_col": channel_col,
            "pageviews_col": pageviews_col,
            "duration_col": duration_col,
            "campaign_col": campaign_col if "campaign" in by else None,
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
    rows.finish()
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
    groups = pd.MultiIndex.from_frame(labels)
    n_groups = len(groups)
    user_ids = normalize_ids(frame[user_col], column=user_col, table="sessions")
    user_ids = user_ids.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    users = user_ids.to_numpy(dtype=object)
    s_ns = times.ns[keep]
    pages, duration = pages[keep], duration[keep]

    visits = np.bincount(codes, minlength=n_groups).astype(np.float64)
    pair = pd.DataFrame({"g": codes, "u": users}).drop_duplicates()
    users_per = np.bincount(pair["g"].to_numpy(), minlength=n_groups).astype(np.float64)
    bounces = np.bincount(codes, weights=(pages == 1).astype(np.float64), minlength=n_groups)
    page_sum = np.bincount(codes, weights=pages, minlength=n_groups)
    dur_sum = np.bincount(codes, weights=duration, minlength=n_groups)

    lead_events = _events(leads, "leads", user_col, time_col, None, on_invalid)
    conv_events = _events(conversions, "conversions", user_col, time_col, value_col, on_invalid)
    zones = {"sessions": times.tz}
    for name, ev in (("leads", lead_events), ("conversions", conv_events)):
        if ev is not None and ev[0].size:
            zones[name] = ev[3]
    aware = sorted(name for name, tz in zones.items() if tz is not None)
    if aware and len(aware) != len(zones):
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

    def credited(ev: tuple[Any, Any, Any, Any] | None, role: str) -> tuple[Any, Any]:
        nonlocal offset
        if ev is None:
            return None, None
        e_user = user_codes[offset : offset + ev[0].size].astype(np.int64)
        offset += ev[0].size
        session = _credit_sessions(s_user, s_ns, e_user, ev[1], credit)
        ok = session >= 0
        uncredited[role] = int(ok.size - np.count_nonzero(ok))
        count = np.bincount(codes[session[ok]], minlength=n_groups).astype(np.float64)
        value = np.bincount(codes[session[ok]], weights=ev[2][ok], minlength=n_groups)
        return count, value

    lead_count, _ = credited(lead_events, "leads")
    cust_count, revenue = credited(conv_events, "customers")

    cost = np.zeros(n_groups)
    extra: pd.DataFrame | None = None
    if spend is not None:
        sp_frame = to_pandas(spend, name="spend", allow_empty=True)
        require_columns(
            sp_frame,
            {
                "channel_col": channel_col,
                "spend_amount_col": spend_amount_col,
                "spend_campaign_col": spend_campaign_col if "campaign" in by else None,
            },
            optional=() if "campaign" in by else ("spend_campaign_col",),
        )
        spend_keys = pd.DataFrame(
            {
                item: normalize_ids(
                    sp_frame[column := channel_col if item == "channel" else spend_campaign_col],
                    column=column,
                    table="spend",
                ).to_numpy(dtype=object)
                for item in by
            }
        )
        for item in by:  # a channel 1 in sessions is the channel "1" in spend (one id rule)
            aligned = align_ids({"sessions": labels[item], "spend": spend_keys[item]})
            if aligned["sessions"] is not labels[item]:
                labels[item] = aligned["sessions"].to_numpy(dtype=object)
                groups = pd.MultiIndex.from_frame(labels)
            spend_keys[item] = aligned["spend"].to_numpy(dtype=object)
        amount = pd.to_numeric(sp_frame[spend_amount_col], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        srows = RowCheck(sp_frame, on_invalid=on_invalid, name="spend")
        srows.flag(sp_frame[channel_col].isna().to_numpy(), channel_col, "null channels")
        srows.flag(np.isnan(amount), spend_amount_col, "missing or non-numeric amounts")
        srows.flag(np.isinf(amount), spend_amount_col, "infinite amounts")
        srows.flag(np.nan_to_num(amount) < 0, spend_amount_col, "negative amounts")
        srows.finish()
        skeep = srows.keep
        spend_keys = spend_keys[skeep].reset_index(drop=True)
        if "campaign" in by:  # as for sessions: no campaign is "(not set)"
            spend_keys = spend_keys.fillna({"campaign": "(not set)"})
        amount = amount[skeep]
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

    raw = labels.copy()
    raw["visits"] = visits
    raw["users"] = users_per
    raw["_bounces"] = bounces
    raw["_pages"] = page_sum
    raw["_duration"] = dur_sum
    raw["leads"] = lead_count if lead_count is not None else np.nan
    raw["customers"] = cust_count if cust_count is not None else np.nan
    raw["revenue"] = revenue if revenue is not None else np.nan
    raw["cost"] = cost
    if extra is not None:
        add = extra.copy()
        for column in ("visits", "users", "_bounces", "_pages", "_duration"):
            add[column] = 0.0
        for column, present in (
            ("leads", lead_count is not None),
            ("customers", cust_count is not None),
            ("revenue", revenue is not None),
        ):
            add[column] = 0.0 if present else np.nan
        both = pd.concat([raw, add], ignore_index=True)
        raw = both.sort_values(list(by), ignore_index=True)
    return ChannelReport(
        table=_finish(raw, by, has_leads=lead_count is not None),
        by=by,
        credit=credit,
        n_uncredited_leads=uncredited["leads"],
        n_uncredited_customers=uncredited["customers"],
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
    table["conversion_rate"] = _ratio(raw["customers"], raw["leads"] if has_leads else raw["users"])
    table["cost"] = raw["cost"]
    table["cost_per_lead"] = _ratio(raw["cost"], raw["leads"])
    table["cac"] = _ratio(raw["cost"], raw["customers"])
    table["revenue"] = raw["revenue"]
    table["roi"] = _ratio(raw["revenue"] - raw["cost"], raw["cost"])
    for column in ("leads", "customers"):
        if not table[column].isna().any():
            table[column] = table[column].astype(np.int64)
    return table
