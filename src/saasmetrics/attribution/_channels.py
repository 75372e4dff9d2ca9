"""UTM parsing and GA4 default channel groups, as pydantic rules a user can extend or replace."""

from __future__ import annotations

import os
import pathlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import unquote_plus

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from saasmetrics._frames import string_array
from saasmetrics.attribution._source_categories import GA4_SOURCE_CATEGORIES
from saasmetrics.exceptions import InputError, ParameterError

__all__ = (
    "CLICK_IDS",
    "DEFAULT_CHANNEL_RULES",
    "ChannelRule",
    "ChannelRules",
    "Condition",
    "channel_group",
    "parse_utm",
)

Field_ = Literal["source", "medium", "campaign", "source_category"]
Op = Literal["exact", "in", "regex", "contains", "startswith", "endswith"]

_PAID = r"^(.*cp.*|ppc|retargeting|paid.*)$"
_SHOP_CAMPAIGN = r"^(.*(([^a-df-z]|^)shop|shopping).*)$"
_EMAIL = ["email", "e-mail", "e_mail", "e mail"]


class Condition(BaseModel):
    """One test on one field of a session: ``medium in ("cpc", "ppc")``, ``source regex ...``.

    Values are compared in lower case (GA4 channel rules are case-insensitive), and a missing
    field never matches (except for ``negate=True``, which matches it).

    Attributes
    ----------
    field : {"source", "medium", "campaign", "source_category"}
        What to test. ``source_category`` is the GA4 category of the source
        (``"search"``, ``"social"``, ``"shopping"``, ``"video"`` or ``""``).
    op : {"exact", "in", "regex", "contains", "startswith", "endswith"}
        How to test it; ``regex`` uses :func:`re.search` (anchor with ``^...$`` for a full
        match, as GA4's rules do).
    value : str or list of str
        The value(s); ``in`` takes a list, every other operator a string.
    negate : bool, default False
        Match when the test fails.

    Examples
    --------
    >>> Condition(field="medium", op="in", value=["cpc", "ppc"]).model_dump()
    {'field': 'medium', 'op': 'in', 'value': ['cpc', 'ppc'], 'negate': False}
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: Field_
    op: Op
    value: str | list[str]
    negate: bool = False

    @field_validator("value")
    @classmethod
    def _lower(cls, value: str | list[str]) -> str | list[str]:
        return [v.lower() for v in value] if isinstance(value, list) else value.lower()

    @model_validator(mode="after")
    def _compiles(self) -> Condition:
        # a broken pattern fails when the rules are built or loaded, not mid-classification
        if self.op == "regex":
            pattern = self.value if isinstance(self.value, str) else "|".join(self.value)
            try:
                re.compile(pattern)
            except re.error as exc:
                msg = f"value {pattern!r} is not a valid regular expression: {exc}"
                raise ValueError(msg) from exc
        return self

    def evaluate(self, table: Mapping[str, pd.Series]) -> npt.NDArray[np.bool_]:
        """Evaluate on columns of lower-case strings (missing values never match).

        Parameters
        ----------
        table : mapping of str to pandas.Series
            ``source``, ``medium``, ``campaign`` and ``source_category`` columns.

        Returns
        -------
        numpy.ndarray of bool
            One entry per row.
        """
        column = table[self.field]
        present = column.notna().to_numpy()
        text = column.fillna("")
        if self.op == "in":
            values = self.value if isinstance(self.value, list) else [self.value]
            hit = text.isin(values).to_numpy()
        else:
            value = self.value if isinstance(self.value, str) else "|".join(self.value)
            if self.op == "exact":
                hit = (text == value).to_numpy()
            elif self.op == "regex":
                pattern = re.compile(value)
                hit = text.map(lambda t: pattern.search(t) is not None).to_numpy(dtype=bool)
            elif self.op == "contains":
                hit = text.str.contains(value, regex=False).to_numpy(dtype=bool)
            elif self.op == "startswith":
                hit = text.str.startswith(value).to_numpy(dtype=bool)
            else:
                hit = text.str.endswith(value).to_numpy(dtype=bool)
        hit = hit & present
        return ~hit if self.negate else hit


class ChannelRule(BaseModel):
    """A channel and when it applies: any of several groups of conditions that must all hold.

    ``when`` is a list of groups (OR); each group is a list of :class:`Condition` (AND). GA4's
    "(source is a shopping site OR campaign matches shop) AND medium is paid" is two groups.

    Attributes
    ----------
    channel : str
        The channel name this rule assigns, e.g. ``"Paid Search"``.
    when : list of list of Condition
        Groups of conditions; the rule matches when every condition of some group holds.

    Examples
    --------
    >>> rule = ChannelRule(
    ...     channel="Partners",
    ...     when=[[Condition(field="medium", op="exact", value="partner")]],
    ... )
    >>> rule.channel
    'Partners'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str = Field(min_length=1)
    when: list[list[Condition]] = Field(min_length=1)

    def evaluate(self, table: Mapping[str, pd.Series]) -> npt.NDArray[np.bool_]:
        """Whether the rule matches each row (see :meth:`Condition.evaluate`).

        Parameters
        ----------
        table : mapping of str to pandas.Series
            Lower-case ``source``, ``medium``, ``campaign`` and ``source_category`` columns.

        Returns
        -------
        numpy.ndarray of bool
            One entry per row.
        """
        n = len(table["source"])
        out = np.zeros(n, dtype=bool)
        for group in self.when:
            hit = np.ones(n, dtype=bool)
            for condition in group:
                hit &= condition.evaluate(table)
            out |= hit
        return out


class ChannelRules(BaseModel):
    """An ordered list of channel rules (the first match wins) plus source categories.

    Attributes
    ----------
    rules : list of ChannelRule
        Checked in order; a session gets the channel of the first rule it matches.
    source_categories : dict of str to str
        Source (lower case) to category (``"search"``, ``"social"``, ``"shopping"``,
        ``"video"``), used by conditions on ``source_category``.
    default : str, default "Unassigned"
        The channel of sessions no rule matches.

    Examples
    --------
    >>> partner = ChannelRule(
    ...     channel="Partners", when=[[Condition(field="medium", op="exact", value="partner")]]
    ... )
    >>> rules = DEFAULT_CHANNEL_RULES.extend([partner], before="Referral")
    >>> channel_group(["acme", "acme"], ["partner", "referral"], rules=rules).tolist()
    ['Partners', 'Referral']
    >>> ChannelRules.model_validate_json(rules.model_dump_json()) == rules
    True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[ChannelRule]
    source_categories: dict[str, str] = Field(default_factory=dict)
    default: str = "Unassigned"

    @property
    def channels(self) -> tuple[str, ...]:
        """The channel names, in rule order, then the default."""
        names = [rule.channel for rule in self.rules]
        return tuple(dict.fromkeys([*names, self.default]))

    def extend(self, rules: Iterable[ChannelRule], *, before: str | None = None) -> ChannelRules:
        """Return a copy with ``rules`` added before the rule of channel ``before`` (or last).

        Parameters
        ----------
        rules : iterable of ChannelRule
            The rules to add, in order.
        before : str, optional
            The channel whose (first) rule the new ones go in front of; default: at the end.

        Returns
        -------
        ChannelRules
            A new rule set; this one is unchanged.

        Raises
        ------
        ParameterError
            If ``before`` names no rule.
        """
        new = list(rules)
        current = list(self.rules)
        if before is None:
            position = len(current)
        else:
            names = [rule.channel for rule in current]
            if before not in names:
                raise ParameterError.not_one_of("before", before, names)
            position = names.index(before)
        return self.model_copy(update={"rules": [*current[:position], *new, *current[position:]]})

    def with_source_categories(
        self, categories: Mapping[str, str] | pd.DataFrame, *, replace: bool = False
    ) -> ChannelRules:
        """Return a copy with more (or other) source categories.

        Parameters
        ----------
        categories : mapping or pandas.DataFrame
            Source to category; a frame needs columns ``source`` and ``source_category``
            (Google's download uses values like ``SOURCE_CATEGORY_SEARCH``, which are accepted).
        replace : bool, default False
            Replace the current categories instead of adding to them.

        Returns
        -------
        ChannelRules
            A new rule set.
        """
        if isinstance(categories, pd.DataFrame):
            pairs = dict(zip(categories["source"], categories["source_category"], strict=True))
        else:
            pairs = dict(categories)
        cleaned = {
            str(k).strip().lower(): str(v).strip().lower().removeprefix("source_category_")
            for k, v in pairs.items()
        }
        merged = cleaned if replace else {**self.source_categories, **cleaned}
        return self.model_copy(update={"source_categories": merged})

    @classmethod
    def from_json(cls, text: str) -> ChannelRules:
        """Load rules from JSON text (what ``model_dump_json()`` writes).

        Parameters
        ----------
        text : str
            JSON text.

        Returns
        -------
        ChannelRules
            The validated rules.
        """
        return cls.model_validate_json(text)

    @classmethod
    def read_json(cls, path: str | os.PathLike[str]) -> ChannelRules:
        """Load rules from a JSON file (what ``model_dump_json()`` wrote).

        Parameters
        ----------
        path : str or path-like
            The file.

        Returns
        -------
        ChannelRules
            The validated rules.
        """
        return cls.model_validate_json(pathlib.Path(path).read_text(encoding="utf-8"))

    def assign(
        self, source: pd.Series, medium: pd.Series, campaign: pd.Series
    ) -> npt.NDArray[np.object_]:
        """Channel per row of (already normalised, lower-case) source, medium, campaign.

        Parameters
        ----------
        source, medium, campaign : pandas.Series
            Lower-case strings (missing values allowed), aligned.

        Returns
        -------
        numpy.ndarray of object
            The channel name of each row.
        """
        category = source.map(self.source_categories)
        table = {
            "source": source.reset_index(drop=True),
            "medium": medium.reset_index(drop=True),
            "campaign": campaign.reset_index(drop=True),
            "source_category": category.reset_index(drop=True),
        }
        out = np.full(len(source), self.default, dtype=object)
        todo = np.ones(len(source), dtype=bool)
        for rule in self.rules:
            if not todo.any():
                break
            hit = rule.evaluate(table) & todo
            out[hit] = rule.channel
            todo &= ~hit
        return out


def _c(field: Field_, op: Op, value: str | list[str], *, negate: bool = False) -> Condition:
    return Condition(field=field, op=op, value=value, negate=negate)


def _ga4_rules() -> list[ChannelRule]:
    paid = _c("medium", "regex", _PAID)
    shopping_source = _c("source_category", "exact", "shopping")
    shopping_campaign = _c("campaign", "regex", _SHOP_CAMPAIGN)
    return [
        ChannelRule(
            channel="Direct",
            when=[
                [
                    _c("source", "in", ["(direct)", "direct"]),
                    _c("medium", "in", ["(not set)", "(none)"]),
                ]
            ],
        ),
        ChannelRule(channel="Cross-network", when=[[_c("campaign", "contains", "cross-network")]]),
        ChannelRule(
            channel="Paid Shopping", when=[[shopping_source, paid], [shopping_campaign, paid]]
        ),
        ChannelRule(channel="Paid Search", when=[[_c("source_category", "exact", "search"), paid]]),
        ChannelRule(channel="Paid Social", when=[[_c("source_category", "exact", "social"), paid]]),
        ChannelRule(channel="Paid Video", when=[[_c("source_category", "exact", "video"), paid]]),
        ChannelRule(
            channel="Display",
            when=[[_c("medium", "in", ["display", "banner", "expandable", "interstitial", "cpm"])]],
        ),
        ChannelRule(channel="Paid Other", when=[[paid]]),
        ChannelRule(channel="Organic Shopping", when=[[shopping_source], [shopping_campaign]]),
        ChannelRule(
            channel="Organic Social",
            when=[
                [_c("source_category", "exact", "social")],
                [
                    _c(
                        "medium",
                        "in",
                        [
                            "social",
                            "social-network",
                            "social-media",
                            "sm",
                            "social network",
                            "social media",
                        ],
                    )
                ],
            ],
        ),
        ChannelRule(
            channel="Organic Video",
            when=[
                [_c("source_category", "exact", "video")],
                [_c("medium", "regex", "^(.*video.*)$")],
            ],
        ),
        ChannelRule(
            channel="Organic Search",
            when=[[_c("source_category", "exact", "search")], [_c("medium", "exact", "organic")]],
        ),
        ChannelRule(channel="Referral", when=[[_c("medium", "in", ["referral", "app", "link"])]]),
        ChannelRule(
            channel="Email", when=[[_c("source", "in", _EMAIL)], [_c("medium", "in", _EMAIL)]]
        ),
        ChannelRule(channel="Affiliates", when=[[_c("medium", "exact", "affiliate")]]),
        ChannelRule(channel="Audio", when=[[_c("medium", "exact", "audio")]]),
        ChannelRule(
            channel="SMS", when=[[_c("source", "exact", "sms")], [_c("medium", "exact", "sms")]]
        ),
        ChannelRule(
            channel="Mobile Push Notifications",
            when=[
                [_c("medium", "endswith", "push")],
                [_c("medium", "contains", "mobile")],
                [_c("medium", "contains", "notification")],
                [_c("source", "exact", "firebase")],
            ],
        ),
    ]


DEFAULT_CHANNEL_RULES = ChannelRules(rules=_ga4_rules(), source_categories=GA4_SOURCE_CATEGORIES)
"""Google Analytics 4's default channel group, in GA4's order (first match wins).

Direct, Cross-network, Paid Shopping, Paid Search, Paid Social, Paid Video, Display,
Paid Other, Organic Shopping, Organic Social, Organic Video, Organic Search, Referral, Email,
Affiliates, Audio, SMS, Mobile Push Notifications; anything else is Unassigned. Rules that GA4
bases on Google Ads data (ad network type) are not expressible from UTM tags and are left out;
auto-tagged clicks (``gclid``) become ``google / cpc`` in :func:`parse_utm` instead, which GA4
also reports as Paid Search.
"""


# --------------------------------------------------------------------------- normalisation
def _as_series(values: Any, name: str, n: int | None = None) -> pd.Series:
    if values is None:
        return pd.Series([None] * (n or 0), dtype=object, name=name)
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).rename(name)
    if isinstance(values, str) or np.isscalar(values):
        return pd.Series([values] * (n or 1), dtype=object, name=name)
    return pd.Series(list(values), dtype=object, name=name)


def _clean(series: pd.Series) -> pd.Series:
    """Lower-case, strip, and turn empty strings into missing values."""
    text = series.astype(object).where(series.notna(), None)
    out = text.map(lambda v: None if v is None else (str(v).strip().lower() or None))
    return out.astype(object)


def channel_group(
    source: Any,
    medium: Any,
    campaign: Any = None,
    *,
    rules: ChannelRules = DEFAULT_CHANNEL_RULES,
) -> Any:
    """Assign each (source, medium, campaign) to a channel by GA4's default channel rules.

    Values are compared case-insensitively. A missing source with a missing medium is
    ``(direct) / (none)``; a missing medium with a source is ``(not set)``. Each distinct
    (source, medium, campaign) is classified once, so millions of rows cost little more than
    the few thousand distinct tag combinations they hold.

    Parameters
    ----------
    source, medium : str or array-like of str
        UTM source and medium (e.g. the output of :func:`parse_utm`).
    campaign : str or array-like of str, optional
        UTM campaign; GA4 uses it for Cross-network and Shopping.
    rules : ChannelRules, default DEFAULT_CHANNEL_RULES
        The rules; extend or replace them to fit your tagging.

    Returns
    -------
    str or pandas.Series
        A channel name for scalar input, else a Series of channel names (index of ``source``
        when it is a Series).

    Raises
    ------
    InputError
        If the inputs have different lengths.

    Examples
    --------
    >>> channel_group("google", "cpc")
    'Paid Search'
    >>> channel_group(["Google", "linkedin.com", None, "newsletter"],
    ...               ["organic", "paid", None, "email"]).tolist()
    ['Organic Search', 'Paid Social', 'Direct', 'Email']
    >>> channel_group("google", "cpc", "summer cross-network")
    'Cross-network'
    """
    scalar = (source is None or isinstance(source, str)) and (
        medium is None or isinstance(medium, str)
    )
    index = source.index if isinstance(source, pd.Series) else None
    if scalar:
        n = 1
    else:
        array_like = source if source is not None and not isinstance(source, str) else medium
        if not hasattr(array_like, "__len__"):
            raise ParameterError(
                f"source and medium must be strings or array-likes of strings; got "
                f"{type(array_like).__name__}.",
            )
        n = len(array_like)
    src = _as_series(source, "source", n)
    med = _as_series(medium, "medium", n)
    camp = _as_series(campaign, "campaign", n)
    if not (len(src) == len(med) == len(camp)):
        raise InputError(
            f"source, medium and campaign must have the same length; got {len(src)}, "
            f"{len(med)} and {len(camp)}.",
            hint="pass aligned columns, e.g. from parse_utm(...).",
        )
    # factorize each column (a hash pass), clean only the distinct values, then classify
    # each distinct (source, medium, campaign) once
    parts = []
    for column in (src, med, camp):
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        cleaned = _clean(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
        table = np.asarray([*cleaned.tolist(), None], dtype=object)  # code -1 -> missing
        parts.append((codes, table))
    sizes = [t.size for _, t in parts]
    key = (
        (parts[0][0] % sizes[0]) * (sizes[1] * sizes[2])
        + (parts[1][0] % sizes[1]) * sizes[2]
        + (parts[2][0] % sizes[2])
    )
    combos, inverse = np.unique(key, return_inverse=True)
    s_u = parts[0][1][combos // (sizes[1] * sizes[2])]
    m_u = parts[1][1][(combos // sizes[2]) % sizes[1]]
    c_u = parts[2][1][combos % sizes[2]]
    unique = pd.DataFrame({"source": s_u, "medium": m_u, "campaign": c_u}, dtype=object)
    no_source = unique["source"].isna()
    unique.loc[no_source & unique["medium"].isna(), "medium"] = "(none)"
    unique.loc[no_source, "source"] = "(direct)"
    unique.loc[unique["medium"].isna(), "medium"] = "(not set)"
    channels = rules.assign(unique["source"], unique["medium"], unique["campaign"])
    result = pd.array(list(channels), dtype="str").take(inverse.ravel())
    if scalar:
        return str(result[0])
    return pd.Series(result, index=index, name="channel")


# --------------------------------------------------------------------------- UTM parsing
CLICK_IDS: dict[str, tuple[str, str]] = {
    "gclid": ("google", "cpc"),
    "gbraid": ("google", "cpc"),
    "wbraid": ("google", "cpc"),
    "dclid": ("dv360", "cpm"),
    "msclkid": ("bing", "cpc"),
    "fbclid": ("facebook.com", "referral"),
    "ttclid": ("tiktok", "cpc"),
    "li_fat_id": ("linkedin", "cpc"),
    "twclid": ("twitter", "cpc"),
}
"""Click-id parameter to the (source, medium) it implies when a URL has no ``utm_source``.

Google Ads auto-tagging (``gclid``, ``gbraid``, ``wbraid``) and Microsoft Ads (``msclkid``)
mark paid clicks. ``fbclid`` marks every click out of Facebook, paid or organic, so it only
implies a Facebook referral (which GA4's rules file under Organic Social).
"""

_UTM_FIELDS = ("source", "medium", "campaign", "content", "term")


def parse_utm(
    urls: Any,
    *,
    referrers: Any = None,
    lowercase: bool = True,
    site_hosts: str | Sequence[str] = (),
) -> pd.DataFrame:
    """Parse UTM tags (and click ids, and the referrer as a fallback) from landing-page URLs.

    Parameter names are matched case-insensitively and values are URL-decoded (``%20`` and
    ``+`` become spaces). Source and medium are lower-cased (GA4 compares them so);
    ``lowercase=True`` also lower-cases campaign, content and term. Without ``utm_source``:
    a click id (see :data:`CLICK_IDS`) gives its network, e.g. ``gclid`` gives
    ``google / cpc``; else the referrer's host gives the source, with medium ``organic`` for
    search engines and ``referral`` otherwise; else the visit is ``(direct) / (none)``.
    Referrers from ``site_hosts`` (your own site) count as no referrer.

    Parameters
    ----------
    urls : str or array-like of str
        Landing-page URLs (relative URLs with a query string work too).
    referrers : array-like of str, optional
        The referring URL of each visit, aligned with ``urls``.
    lowercase : bool, default True
        Lower-case campaign, content and term as well.
    site_hosts : str or sequence of str, default ()
        Your own hosts, whose referrals are internal navigation (one string is one host).

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``medium``, ``campaign``, ``content``, ``term`` and ``click_id``
        (the click-id parameter found, if any); one row per URL, index of ``urls`` if it is
        a Series.

    Examples
    --------
    >>> parse_utm([
    ...     "https://acme.io/?utm_source=Google&utm_medium=CPC&utm_campaign=Brand%20Q1",
    ...     "https://acme.io/pricing?gclid=abc123",
    ...     "https://acme.io/",
    ... ])[["source", "medium", "campaign", "click_id"]].fillna("-")
         source  medium  campaign click_id
    0    google     cpc  brand q1        -
    1    google     cpc         -    gclid
    2  (direct)  (none)         -        -
    >>> parse_utm(["/blog"], referrers=["https://www.bing.com/search?q=x"])["medium"].tolist()
    ['organic']
    """
    index = urls.index if isinstance(urls, pd.Series) else None
    series = _as_series([urls] if isinstance(urls, str) else urls, "url")
    n = len(series)
    raw_codes, raw_uniques = pd.factorize(series, use_na_sentinel=True)
    # Click-id values are unique per click: blank them so identical tags share one parse.
    normal = [_CLICK_VALUE.sub(r"\1=", str(u)) for u in raw_uniques]  # per distinct URL
    norm_codes, norm_uniques = pd.factorize(np.asarray([*normal, ""], dtype=object))
    codes = np.asarray(norm_codes[raw_codes], dtype=np.int64)  # missing URL -> trailing ""
    # every field is resolved per distinct (normalised URL, referrer), then gathered
    parsed = [_resolve_click(_parse_query(str(u), lowercase)) for u in norm_uniques]
    if referrers is not None:
        ref = _as_series(referrers, "referrer", n)
        if len(ref) != n:
            raise InputError(
                f"referrers has {len(ref)} values for {n} urls.", hint="pass aligned columns."
            )
        ref_codes, ref_uniques = pd.factorize(ref, use_na_sentinel=True)
        hosts_given = [site_hosts] if isinstance(site_hosts, str) else list(site_hosts)
        if not all(isinstance(h, str) for h in hosts_given):
            raise ParameterError(
                f"site_hosts must be host names (strings); got {hosts_given!r}.",
                hint='e.g. site_hosts=["acme.io", "app.acme.io"].',
            )
        own = {h.lower().removeprefix("www.") for h in hosts_given}
        hosts = [*(_referrer_host(str(u), own) for u in ref_uniques), (None, None)]
        pair = codes * len(hosts) + (np.asarray(ref_codes, dtype=np.int64) % len(hosts))
        combos, codes = np.unique(pair, return_inverse=True)
        rows = []
        for combo in combos.tolist():  # per distinct (URL, referrer) pair
            fields = list(parsed[combo // len(hosts)])
            ref_source, ref_medium = hosts[combo % len(hosts)]
            if fields[0] is None and ref_source is not None:
                fields[0], fields[1] = ref_source, ref_medium
            rows.append(tuple(fields))
        parsed = rows
    parsed = [_fill_direct(fields) for fields in parsed]
    take = codes.ravel()
    frame = pd.DataFrame(
        {
            field: string_array(p[i] for p in parsed).take(take)
            for i, field in enumerate((*_UTM_FIELDS, "click_id"))
        }
    )
    if index is not None:
        frame.index = index
    return frame


def _resolve_click(fields: tuple[str | None, ...]) -> tuple[str | None, ...]:
    """Without ``utm_source``, a click id implies its network's source (and medium)."""
    source, medium, *rest, click = fields
    if source is None and click is not None:
        source, implied = CLICK_IDS[click]
        medium = medium if medium is not None else implied
    return (source, medium, *rest, click)


def _fill_direct(fields: tuple[str | None, ...]) -> tuple[str | None, ...]:
    source, medium, *rest = fields
    if source is None:
        return ("(direct)", medium if medium is not None else "(none)", *rest)
    return (source, medium if medium is not None else "(not set)", *rest)


_CLICK_VALUE = re.compile(r"(?i)([?&;#](?:" + "|".join(CLICK_IDS) + r"))=[^&#;]*")


def _parse_query(url: str, lowercase: bool) -> tuple[str | None, ...]:
    """UTM fields and the first click id of one URL (``None`` when absent)."""
    query = url.split("?", 1)[1] if "?" in url else ""
    if "#" in url:  # tags after the fragment (single-page apps) count too
        query = query.split("#", 1)[0] + "&" + url.split("#", 1)[1]
    values: dict[str, str] = {}
    click: str | None = None
    for part in re.split(r"[&;]", query):
        key, _, value = part.partition("=")
        key = key.strip().lower()
        if key.startswith("utm_") and key[4:] in _UTM_FIELDS and key[4:] not in values:
            values[key[4:]] = unquote_plus(value).strip()
        elif key in CLICK_IDS and click is None:
            click = key
    out: list[str | None] = []
    for field in _UTM_FIELDS:
        value = values.get(field) or None
        if value is not None and (field in ("source", "medium") or lowercase):
            value = value.lower()
        out.append(value)
    out.append(click)
    return tuple(out)


def _referrer_host(url: str, own: set[str]) -> tuple[str | None, str | None]:
    match = re.match(r"(?i)^(?:[a-z][a-z0-9+.-]*:)?//([^/?#:]+)", url.strip())
    if not match:
        return None, None
    host = match.group(1).lower().removeprefix("www.")
    if host in own:
        return None, None
    return _short_source(host), "organic" if _search_site(host) else "referral"


def _search_site(host: str) -> bool:
    return GA4_SOURCE_CATEGORIES.get(host) == "search" or (
        GA4_SOURCE_CATEGORIES.get(_short_source(host)) == "search"
    )


def _short_source(host: str) -> str:
    """``www.google.co.uk`` -> ``google``-style source names for the big search engines."""
    if host in GA4_SOURCE_CATEGORIES:
        return host
    parts = host.split(".")
    for part in parts:
        if GA4_SOURCE_CATEGORIES.get(part) == "search":
            return part
    return host
