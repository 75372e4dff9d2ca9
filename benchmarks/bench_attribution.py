"""Attribution benchmarks: heuristics, exact Markov (order 1 and 3) and Shapley against the peers.

Data: synthetic journeys over 12 channels (about 3% converting), aggregated to the path-string
format (path, conversions, nulls, value) that ChannelAttribution and marketing-attribution-models
read. Our timings include parsing the path strings (``Journeys.from_paths``), as theirs do.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics.attribution import (
    FirstTouch,
    Journeys,
    LastTouch,
    Linear,
    MarkovModel,
    ShapleyModel,
    attribute,
)

CHANNELS = np.array(
    [
        "Paid Search",
        "Organic Search",
        "Paid Social",
        "Organic Social",
        "Email",
        "Referral",
        "Direct",
        "Display",
        "Affiliates",
        "Paid Video",
        "SMS",
        "Audio",
    ]
)


def make_paths(n_journeys: int, seed: int = 0) -> pd.DataFrame:
    """Aggregated journeys: ``path``, ``conversions``, ``nulls``, ``value`` (about 3% convert)."""
    rng = np.random.default_rng(seed)
    k = CHANNELS.size
    popularity = rng.dirichlet(np.full(k, 2.0))
    effect = rng.normal(0.0, 0.6, k)
    lengths = np.minimum(rng.geometric(0.45, n_journeys), 6)
    total = int(lengths.sum())
    codes = rng.choice(k, size=total, p=popularity)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    journey = np.repeat(np.arange(n_journeys), lengths)
    # conversion odds grow with the distinct channels touched (each with its own effect)
    pair = np.unique(journey * k + codes)
    lift = np.bincount(pair // k, weights=effect[pair % k], minlength=n_journeys)
    p = 1.0 / (1.0 + np.exp(-(-4.2 + lift + 0.25 * lengths)))
    converted = rng.random(n_journeys) < p
    value = np.where(converted, rng.gamma(2.0, 600.0, n_journeys), 0.0)
    # encode each path as an integer (base k + 1, at most 6 touches) and aggregate
    position = np.arange(total) - np.repeat(starts, lengths)
    key = np.zeros(n_journeys, dtype=np.int64)
    np.add.at(key, journey, (codes + 1).astype(np.int64) * (k + 1) ** position)
    uniq, inverse = np.unique(key, return_inverse=True)
    conv = np.bincount(inverse, weights=converted, minlength=uniq.size)
    nulls = np.bincount(inverse, weights=~converted, minlength=uniq.size)
    val = np.bincount(inverse, weights=value, minlength=uniq.size)
    names = []
    for path_key in uniq.tolist():  # one string per distinct path (setup only)
        parts = []
        rest = path_key
        while rest:
            rest, digit = divmod(rest, k + 1)
            parts.append(str(CHANNELS[digit - 1]))
        names.append(" > ".join(parts))
    return pd.DataFrame({"path": names, "conversions": conv, "nulls": nulls, "value": val})


def _journeys(frame: pd.DataFrame) -> Journeys:
    return Journeys.from_paths(frame, value_col="value")


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def _ours_heuristics(frame: pd.DataFrame) -> pd.DataFrame:
    jrn = _journeys(frame)
    out = {}
    for name, model in (("first", FirstTouch()), ("last", LastTouch()), ("linear", Linear())):
        out[name] = attribute(jrn, model).to_frame().set_index("channel")["conversions"]
    return pd.DataFrame(out)


def _check_heuristics(ours: pd.DataFrame, name: str, theirs: Any) -> None:
    if name != "ChannelAttribution (C++)":
        return
    table = theirs.set_index("channel_name")
    for ours_col, their_col in (
        ("first", "first_touch_conversions"),
        ("last", "last_touch_conversions"),
        ("linear", "linear_touch_conversions"),
    ):
        diff = (ours[ours_col] - table[their_col].reindex(ours.index)).abs().max()
        if diff > 1e-6 * max(1.0, float(ours[ours_col].sum())):
            msg = f"{ours_col} differs from ChannelAttribution by {diff}"
            raise AssertionError(msg)


def _mam_frame(frame: pd.DataFrame) -> Any:
    import polars as pl

    conv = frame[frame["conversions"] > 0].assign(has_conv=True, occurrences=frame["conversions"])
    null = frame[frame["nulls"] > 0].assign(has_conv=False, occurrences=frame["nulls"])
    rows = pd.concat([conv, null], ignore_index=True)[["path", "occurrences", "has_conv"]]
    return pl.from_pandas(rows)


def _mam(frame: Any) -> Any:
    from mam import MAM

    return MAM(
        frame,
        format_type="grouped_journey",
        channels_colname="path",
        journey_with_conv_colname="has_conv",
        occurrences_colname="occurrences",
        path_separator=" > ",
    )


def cases(quick: bool) -> list[Case]:
    n = 20_000 if quick else 1_000_000
    size = f"{n / 1e6:g}M journeys"
    has_ca = have("ChannelAttribution")
    has_mam = have("mam")
    skip_ca = [] if has_ca else ["ChannelAttribution not installed: skipped"]
    skip_mam = [] if has_mam else ["marketing-attribution-models not installed: skipped"]
    data: dict[str, pd.DataFrame] = {}

    def setup() -> pd.DataFrame:
        if "paths" not in data:
            data["paths"] = make_paths(n)
        return data["paths"]

    def setup_mam() -> dict[str, Any]:
        frame = setup()
        return {"paths": frame, "mam": _mam_frame(frame) if has_mam else None}

    heuristics_alt: dict[str, Any] = {}
    if has_ca:
        import ChannelAttribution

        def ca_heuristics(frame: pd.DataFrame) -> Any:
            return _quiet(
                ChannelAttribution.heuristic_models,
                frame,
                "path",
                "conversions",
                var_value="value",
                flg_pro=False,
            )

        heuristics_alt["ChannelAttribution (C++)"] = ca_heuristics

        def ca_markov(order: int) -> Any:
            def run(frame: pd.DataFrame) -> Any:
                return _quiet(
                    ChannelAttribution.markov_model,
                    frame,
                    "path",
                    "conversions",
                    var_value="value",
                    var_null="nulls",
                    order=order,
                    verbose=False,
                    flg_pro=False,
                )

            return run

    def pandas_heuristics(frame: pd.DataFrame) -> pd.DataFrame:
        # the idiomatic pandas way: split, explode, group
        parts = frame.assign(ch=frame["path"].str.split(" > ")).explode("ch")
        parts["n"] = parts.groupby(level=0)["ch"].transform("size")
        first = parts.groupby(level=0).head(1).groupby("ch")["conversions"].sum()
        last = parts.groupby(level=0).tail(1).groupby("ch")["conversions"].sum()
        linear = (parts["conversions"] / parts["n"]).groupby(parts["ch"]).sum()
        return pd.DataFrame({"first": first, "last": last, "linear": linear})

    heuristics_alt["pandas explode+groupby"] = pandas_heuristics
    mam_notes = list(skip_mam)
    heuristic_case = Case(
        name="attribution/heuristics (first, last, linear)",
        size=size,
        setup=setup,
        ours=_ours_heuristics,
        alternatives=heuristics_alt,
        check=_check_heuristics,
        notes=[*skip_ca],
    )

    def markov_case(order: int) -> Case:
        alternatives = {}
        if has_ca and not quick:
            alternatives["ChannelAttribution (C++, simulated)"] = ca_markov(order)
        return Case(
            name=f"attribution/markov order {order} (exact)",
            size=size,
            setup=setup,
            ours=lambda frame: attribute(_journeys(frame), MarkovModel(order=order)),
            alternatives=alternatives,
            notes=[
                *skip_ca,
                (
                    "ChannelAttribution estimates removal effects by simulation (default "
                    "nsim_start=1e5, seed 0); ours solves the chain exactly"
                ),
            ],
            repeat=1 if not quick else 2,
        )

    shapley_alt: dict[str, Any] = {}
    if has_mam:
        shapley_alt["marketing-attribution-models (Shapley)"] = lambda d: _mam(
            d["mam"]
        ).run_shapley()
        mam_notes.append(
            "mam's Shapley uses its own per-journey coalition game (max_size=4); timed, "
            "not compared"
        )
    shapley_case = Case(
        name="attribution/shapley (simplified, exact)",
        size=size,
        setup=setup_mam,
        fork_data=False,  # polars' thread pool
        ours=lambda d: attribute(_journeys(d["paths"]), ShapleyModel()),
        alternatives=shapley_alt,
        notes=mam_notes,
        repeat=1 if not quick else 2,
    )
    shapley_rate_case = Case(
        name="attribution/shapley (conversion-rate game, exact 2^12)",
        size=size,
        setup=setup,
        ours=lambda frame: attribute(
            _journeys(frame), ShapleyModel(game="conversion_rate", negative="clip")
        ),
        alternatives={},
        notes=["no peer computes the exact conversion-rate Shapley game"],
    )
    mam_markov_alt: dict[str, Any] = {}
    if has_mam:
        mam_markov_alt["marketing-attribution-models (Markov)"] = lambda d: _mam(
            d["mam"]
        ).run_markov()
    mam_markov = Case(
        name="attribution/markov order 1 vs mam",
        size=size,
        setup=setup_mam,
        fork_data=False,  # polars' thread pool
        ours=lambda d: attribute(_journeys(d["paths"]), MarkovModel(order=1)),
        alternatives=mam_markov_alt,
        notes=list(skip_mam),
        repeat=1 if not quick else 2,
    )
    return [
        *extra_cases(quick),
        heuristic_case,
        markov_case(1),
        markov_case(3),
        mam_markov,
        shapley_case,
        shapley_rate_case,
    ]


# --------------------------------------------------------------------------- UTM and journeys
def _touch_data(n_rows: int, seed: int = 1) -> dict[str, Any]:
    from saasmetrics.datasets import make_saas_company

    company = make_saas_company(max(10, n_rows // 36), seed=seed)
    touches = company.touchpoints
    reps = max(1, -(-n_rows // len(touches)))
    urls = pd.concat([touches["url"]] * reps, ignore_index=True).iloc[:n_rows]
    return {"urls": urls, "touches": touches, "conversions": company.conversions}


def _pandas_utm_channels(urls: pd.Series) -> pd.Series:
    """What an analyst writes: str.extract per tag, then np.select over GA4's rules."""
    from urllib.parse import unquote_plus

    from saasmetrics.attribution._source_categories import GA4_SOURCE_CATEGORIES

    tags = {
        f: urls.str.extract(rf"(?i)[?&]utm_{f}=([^&#]*)", expand=False).map(
            lambda v: unquote_plus(v).strip().lower() if isinstance(v, str) else None
        )
        for f in ("source", "medium", "campaign")
    }
    gclid = urls.str.contains(r"[?&](?:gclid|gbraid|wbraid)=", regex=True)
    source = tags["source"].where(tags["source"].notna(), np.where(gclid, "google", None))
    medium = tags["medium"].where(
        tags["medium"].notna(), np.where(gclid & tags["source"].isna(), "cpc", None)
    )
    source = source.fillna("(direct)")
    medium = medium.where(medium.notna(), np.where(source == "(direct)", "(none)", "(not set)"))
    campaign = tags["campaign"].fillna("")
    category = source.map(GA4_SOURCE_CATEGORIES).fillna("")
    paid = medium.str.match(r"^(.*cp.*|ppc|retargeting|paid.*)$")
    shop_campaign = campaign.str.match(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
    email = ["email", "e-mail", "e_mail", "e mail"]
    social_media = [
        "social",
        "social-network",
        "social-media",
        "sm",
        "social network",
        "social media",
    ]
    conditions = [
        source.isin(["(direct)", "direct"]) & medium.isin(["(not set)", "(none)"]),
        campaign.str.contains("cross-network", regex=False),
        ((category == "shopping") | shop_campaign) & paid,
        (category == "search") & paid,
        (category == "social") & paid,
        (category == "video") & paid,
        medium.isin(["display", "banner", "expandable", "interstitial", "cpm"]),
        paid,
        (category == "shopping") | shop_campaign,
        (category == "social") | medium.isin(social_media),
        (category == "video") | medium.str.contains("video", regex=False),
        (category == "search") | (medium == "organic"),
        medium.isin(["referral", "app", "link"]),
        source.isin(email) | medium.isin(email),
        medium == "affiliate",
        medium == "audio",
        (source == "sms") | (medium == "sms"),
        medium.str.endswith("push")
        | medium.str.contains("mobile|notification", regex=True)
        | (source == "firebase"),
    ]
    names = [
        "Direct",
        "Cross-network",
        "Paid Shopping",
        "Paid Search",
        "Paid Social",
        "Paid Video",
        "Display",
        "Paid Other",
        "Organic Shopping",
        "Organic Social",
        "Organic Video",
        "Organic Search",
        "Referral",
        "Email",
        "Affiliates",
        "Audio",
        "SMS",
        "Mobile Push Notifications",
    ]
    return pd.Series(
        np.select([c.to_numpy(dtype=bool) for c in conditions], names, "Unassigned"),
        index=urls.index,
    )


def _ours_utm_channels(urls: pd.Series) -> pd.Series:
    from saasmetrics.attribution import channel_group, parse_utm

    tags = parse_utm(urls)
    return channel_group(tags["source"], tags["medium"], tags["campaign"])


def _check_channels(ours: pd.Series, name: str, theirs: Any) -> None:
    same = ours.to_numpy(dtype=object) == np.asarray(theirs, dtype=object)
    if not same.all():
        msg = f"{name} disagrees with saasmetrics on {int((~same).sum())} rows"
        raise AssertionError(msg)


def _pandas_journeys(d: dict[str, Any]) -> pd.DataFrame:
    """The same journeys the pandas way: conversions and non-converting journeys per path.

    merge_asof gives each touch its user's next conversion; touches within 30 days of it
    form the conversion's path (a conversion without one is a lone "Direct" touch); the
    touches after a user's last conversion (all of a user who never converts), within 30
    days of the user's last such touch, form one non-converting path per user.
    """
    lookback = pd.Timedelta("30D")
    touches = d["touches"].sort_values("timestamp", kind="stable")
    conv = d["conversions"].sort_values("timestamp", kind="stable")
    conv = conv.assign(conv_time=conv["timestamp"], conv_id=np.arange(len(conv)))
    merged = pd.merge_asof(
        touches,
        conv[["user_id", "timestamp", "conv_time", "conv_id"]],
        on="timestamp",
        by="user_id",
        direction="forward",
    )
    converting = merged[merged["conv_time"] - merged["timestamp"] <= lookback]
    paths = (
        converting.sort_values(["conv_id", "timestamp"], kind="stable")
        .groupby("conv_id")["channel"]
        .agg(" > ".join)
        .reindex(np.arange(len(conv)), fill_value="Direct")
    )
    after = merged[merged["conv_id"].isna()]
    last = after.groupby("user_id")["timestamp"].transform("max")
    null_paths = (
        after[last - after["timestamp"] <= lookback]
        .sort_values(["user_id", "timestamp"], kind="stable")
        .groupby("user_id")["channel"]
        .agg(" > ".join)
    )
    return pd.DataFrame(
        {"conversions": paths.value_counts(), "nulls": null_paths.value_counts()}
    ).fillna(0)


def _ours_journeys(d: dict[str, Any]) -> Any:
    from saasmetrics.attribution import journeys

    return journeys(d["touches"], d["conversions"], lookback="30D")


def _check_journeys(ours: Any, name: str, theirs: Any) -> None:
    mine = ours.to_frame().groupby("path")[["conversions", "nulls"]].sum()
    mine = mine[(mine > 0).any(axis=1)].sort_index()
    other = theirs.rename_axis("path").sort_index()
    if not (mine.index.equals(other.index) and (mine.to_numpy() == other.to_numpy()).all()):
        msg = f"{name}: journeys per path differ from saasmetrics'"
        raise AssertionError(msg)


# --------------------------------------------------------------------------- funnel per channel
def _funnel_data(n_accounts: int) -> dict[str, Any]:
    from saasmetrics.datasets import make_saas_company

    company = make_saas_company(n_accounts, seed=3)
    events = company.events
    signups = events.loc[events["event"] == "signup", ["user_id", "timestamp"]]
    return {
        "sessions": company.sessions[["user_id", "timestamp", "channel"]].assign(
            row=np.arange(len(company.sessions))
        ),
        "leads": signups.reset_index(drop=True),
        "conversions": company.conversions[["user_id", "timestamp"]],
    }


def _ours_channel_funnel(d: dict[str, Any]) -> pd.DataFrame:
    from saasmetrics.attribution import channel_funnel

    result = channel_funnel(d["sessions"], d["leads"], d["conversions"])
    return result.to_frame().pivot(index="channel", columns="step", values="users")


def _pandas_channel_funnel(d: dict[str, Any]) -> pd.DataFrame:
    # what a pandas user writes: last session at or before each lead / purchase (merge_asof),
    # visitors by their last session, counts per channel; no window and no step order
    sessions = d["sessions"].sort_values("timestamp", kind="stable")

    def credited(events: pd.DataFrame) -> pd.Series:
        hit = pd.merge_asof(
            events.sort_values("timestamp", kind="stable"),
            sessions,
            on="timestamp",
            by="user_id",
            direction="backward",
        )
        return hit.dropna(subset=["channel"]).groupby("channel").size()

    visitors = sessions.groupby("user_id")["channel"].last().value_counts()
    return pd.DataFrame(
        {"visit": visitors, "lead": credited(d["leads"]), "customer": credited(d["conversions"])}
    ).fillna(0)


def _duckdb_channel_funnel(d: dict[str, Any]) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    try:
        con.register("sessions", d["sessions"])
        con.register("leads", d["leads"])
        con.register("conversions", d["conversions"])
        frame = con.sql(
            """
            WITH visitors AS (  -- the last session; input order among equal times
                SELECT DISTINCT ON (user_id) channel FROM sessions
                ORDER BY user_id, timestamp DESC, row DESC
            ), lead_credit AS (
                SELECT s.channel FROM leads l ASOF JOIN sessions s
                ON l.user_id = s.user_id AND l.timestamp >= s.timestamp
            ), customer_credit AS (
                SELECT s.channel FROM conversions c ASOF JOIN sessions s
                ON c.user_id = s.user_id AND c.timestamp >= s.timestamp
            )
            SELECT v.channel, v.n AS visit, coalesce(l.n, 0) AS lead,
                   coalesce(c.n, 0) AS customer
            FROM (SELECT channel, count(*) AS n FROM visitors GROUP BY 1) v
            LEFT JOIN (SELECT channel, count(*) AS n FROM lead_credit GROUP BY 1) l USING (channel)
            LEFT JOIN (SELECT channel, count(*) AS n FROM customer_credit GROUP BY 1) c
                USING (channel)
            """
        ).df()
    finally:
        con.close()
    return frame.set_index("channel")


def _check_channel_funnel(ours: pd.DataFrame, name: str, theirs: Any) -> None:
    # leads and customers per channel must agree; the visit step too (no ties on this data)
    for step in ("visit", "lead", "customer"):
        mine = ours[step].astype(int).sort_index()
        other = theirs[step].astype(int).reindex(mine.index, fill_value=0)
        if not mine.equals(other):
            msg = f"{name}: {step} counts per channel differ from saasmetrics'"
            raise AssertionError(msg)


def extra_cases(quick: bool) -> list[Case]:
    n_urls = 20_000 if quick else 1_000_000
    utm_case = Case(
        name="attribution/parse_utm + channel_group",
        size=f"{n_urls / 1e6:g}M URLs",
        setup=lambda: _touch_data(n_urls)["urls"],
        ours=_ours_utm_channels,
        alternatives={"pandas str.extract + np.select": _pandas_utm_channels},
        check=_check_channels,
    )
    n_accounts = 300 if quick else 20_000
    journey_case = Case(
        name="attribution/journeys (30-day lookback)",
        size=f"{n_accounts:,} accounts",
        setup=lambda: _touch_data(n_accounts * 36, seed=2),
        ours=_ours_journeys,
        alternatives={"pandas merge_asof + groupby": _pandas_journeys},
        check=_check_journeys,
    )
    n_funnel = 300 if quick else 20_000
    funnel_alt: dict[str, Any] = {"pandas merge_asof + groupby": _pandas_channel_funnel}
    funnel_notes = [
        (
            "the alternatives count last-click credit without the funnel's window and step "
            "order; they agree on this data (checked)"
        )
    ]
    if have("duckdb"):
        funnel_alt["DuckDB ASOF JOIN"] = _duckdb_channel_funnel
    else:
        funnel_notes.append("duckdb not installed: skipped")
    funnel_case = Case(
        name="attribution/channel_funnel (last click)",
        size=f"{n_funnel:,} accounts",
        setup=lambda: _funnel_data(n_funnel),
        ours=_ours_channel_funnel,
        alternatives=funnel_alt,
        check=_check_channel_funnel,
        notes=funnel_notes,
    )
    return [utm_case, journey_case, funnel_case]
