"""UTM parsing and GA4 default channel groups.

Rule vectors follow Google's published definitions of the GA4 default channel group
(Analytics Help, "[GA4] Default channel group", answer 9756891): one case per channel, plus
the order cases where two rules could match and the first must win.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from saasmetrics.attribution import (
    DEFAULT_CHANNEL_RULES,
    ChannelRule,
    ChannelRules,
    Condition,
    channel_group,
    parse_utm,
)
from saasmetrics.exceptions import InputError, ParameterError

GA4_VECTORS = [
    # (source, medium, campaign, expected) -- one per GA4 channel
    ("(direct)", "(none)", None, "Direct"),
    ("(direct)", "(not set)", None, "Direct"),
    (None, None, None, "Direct"),
    ("google", "cpc", "pmax cross-network q1", "Cross-network"),
    ("amazon", "cpc", None, "Paid Shopping"),
    ("newsletter", "paid", "summer-shopping", "Paid Shopping"),
    ("google", "cpc", None, "Paid Search"),
    ("bing", "ppc", None, "Paid Search"),
    ("duckduckgo", "paidsearch", None, "Paid Search"),
    ("facebook", "paid", None, "Paid Social"),
    ("linkedin.com", "cpc", None, "Paid Social"),
    ("facebook", "retargeting", None, "Paid Social"),
    ("youtube", "cpv", None, "Paid Video"),
    ("criteo", "display", None, "Display"),
    ("adnet", "cpm", None, "Display"),
    ("adnet", "banner", None, "Display"),
    ("adnet", "cpc", None, "Paid Other"),
    ("ebay", "referral", None, "Organic Shopping"),
    ("blog", "referral", "shop-launch", "Organic Shopping"),
    ("twitter", "referral", None, "Organic Social"),
    ("partner", "social-media", None, "Organic Social"),
    ("vimeo.com", "referral", None, "Organic Video"),
    ("acme", "video", None, "Organic Video"),
    ("google", "organic", None, "Organic Search"),
    ("anything", "organic", None, "Organic Search"),
    ("yandex.ru", "referral", None, "Organic Search"),
    ("techcrunch.com", "referral", None, "Referral"),
    ("partner", "app", None, "Referral"),
    ("partner", "link", None, "Referral"),
    ("newsletter", "email", None, "Email"),
    ("e-mail", "(not set)", None, "Email"),
    ("partnerstack", "affiliate", None, "Affiliates"),
    ("spotify", "audio", None, "Audio"),
    ("twilio", "sms", None, "SMS"),
    ("sms", "text", None, "SMS"),
    ("braze", "web-push", None, "Mobile Push Notifications"),
    ("braze", "mobile", None, "Mobile Push Notifications"),
    ("firebase", "inapp", None, "Mobile Push Notifications"),
    ("acme", "weird", None, "Unassigned"),
    ("acme", None, None, "Unassigned"),
]


@pytest.mark.parametrize(("source", "medium", "campaign", "expected"), GA4_VECTORS)
def test_ga4_rule_vectors(
    source: str | None, medium: str | None, campaign: str | None, expected: str
) -> None:
    assert channel_group(source, medium, campaign) == expected


def test_vectorized_equals_scalar_and_keeps_index() -> None:
    src = pd.Series([v[0] for v in GA4_VECTORS], index=np.arange(len(GA4_VECTORS)) * 10)
    med = [v[1] for v in GA4_VECTORS]
    camp = [v[2] for v in GA4_VECTORS]
    out = channel_group(src, med, camp)
    assert out.tolist() == [v[3] for v in GA4_VECTORS]
    assert out.index.tolist() == src.index.tolist()


def test_case_and_whitespace_do_not_matter() -> None:
    assert channel_group(" Google ", "CPC") == "Paid Search"
    assert channel_group("FaceBook", "Social") == "Organic Social"


def test_length_mismatch_is_clear() -> None:
    with pytest.raises(InputError, match="same length"):
        channel_group(["google", "bing"], ["cpc"])


def test_every_ga4_channel_is_named_as_ga4_spells_it() -> None:
    assert DEFAULT_CHANNEL_RULES.channels == (
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
        "Unassigned",
    )


def test_rules_round_trip_json_and_extend() -> None:
    text = DEFAULT_CHANNEL_RULES.model_dump_json()
    loaded = ChannelRules.from_json(text)
    assert loaded == DEFAULT_CHANNEL_RULES
    partner = ChannelRule(
        channel="Partners", when=[[Condition(field="source", op="exact", value="acme")]]
    )
    rules = loaded.extend([partner], before="Paid Search")
    assert channel_group("acme", "cpc", rules=rules) == "Partners"
    assert channel_group("acme", "cpc") == "Paid Other"  # the default is untouched
    with pytest.raises(ParameterError):
        loaded.extend([partner], before="Nope")


def test_rules_load_from_a_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(DEFAULT_CHANNEL_RULES.model_dump_json(indent=2), encoding="utf-8")
    assert ChannelRules.read_json(path) == DEFAULT_CHANNEL_RULES


def test_source_categories_can_be_added_from_googles_download() -> None:
    frame = pd.DataFrame(
        {"source": ["newsearch.example"], "source_category": ["SOURCE_CATEGORY_SEARCH"]}
    )
    rules = DEFAULT_CHANNEL_RULES.with_source_categories(frame)
    assert channel_group("newsearch.example", "cpc", rules=rules) == "Paid Search"
    assert channel_group("newsearch.example", "cpc") == "Paid Other"


def test_parse_utm_decoding_case_click_ids_and_referrers() -> None:
    urls = pd.Series(
        [
            (
                "https://acme.io/?UTM_Source=Google&utm_medium=CPC&utm_campaign=Brand%20Q1"
                "&utm_content=ad+1&utm_term=crm%2Bsoftware"
            ),
            "https://acme.io/pricing?gclid=abc",
            "https://acme.io/?fbclid=xyz",
            "https://acme.io/?msclkid=1",
            "https://acme.io/",
            "https://acme.io/blog",
            "https://acme.io/docs",
            None,
        ],
        index=list("abcdefgh"),
    )
    refs = [None, None, None, None, None, "https://www.google.co.uk/", "https://news.site/x", ""]
    out = parse_utm(urls, referrers=refs)
    assert out.index.tolist() == list("abcdefgh")
    assert out.loc["a", ["source", "medium", "campaign", "content", "term"]].tolist() == [
        "google",
        "cpc",
        "brand q1",
        "ad 1",
        "crm+software",
    ]
    assert out.loc["b", ["source", "medium", "click_id"]].tolist() == ["google", "cpc", "gclid"]
    assert out.loc["d", ["source", "medium"]].tolist() == ["bing", "cpc"]
    assert out.loc["e", ["source", "medium"]].tolist() == ["(direct)", "(none)"]
    assert out.loc["f", ["source", "medium"]].tolist() == ["google", "organic"]
    assert out.loc["g", ["source", "medium"]].tolist() == ["news.site", "referral"]
    assert out.loc["h", ["source", "medium"]].tolist() == ["(direct)", "(none)"]
    channels = channel_group(out["source"], out["medium"], out["campaign"]).tolist()
    assert channels == [
        "Paid Search",
        "Paid Search",
        "Organic Social",
        "Paid Search",
        "Direct",
        "Organic Search",
        "Referral",
        "Direct",
    ]


def test_parse_utm_keeps_case_when_asked_and_ignores_own_site() -> None:
    out = parse_utm(
        ["/?utm_source=x&utm_medium=y&utm_campaign=Big%20Sale", "/"],
        referrers=[None, "https://www.acme.io/pricing"],
        lowercase=False,
        site_hosts=["acme.io"],
    )
    assert out["campaign"].tolist()[0] == "Big Sale"
    assert out["source"].tolist()[1] == "(direct)"


sources = st.sampled_from(["google", "facebook", "newsletter", "acme", None, "(direct)"])
mediums = st.sampled_from(["cpc", "organic", "email", "referral", "display", None, "social"])


@given(st.lists(st.tuples(sources, mediums), min_size=1, max_size=30))
def test_vectorized_matches_row_by_row(pairs: list[tuple[str | None, str | None]]) -> None:
    out = channel_group([p[0] for p in pairs], [p[1] for p in pairs]).tolist()
    assert out == [channel_group(s, m) for s, m in pairs]


def test_a_broken_regex_fails_when_the_rule_is_built_or_loaded() -> None:
    # it used to be accepted and to fail with re.error inside channel_group
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        Condition(field="medium", op="regex", value="^(cpc")
    text = DEFAULT_CHANNEL_RULES.model_dump_json().replace('"^(.*cp.*|ppc', '"^((.*cp.*|ppc', 1)
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        ChannelRules.from_json(text)


def test_parse_utm_reads_one_site_host_string_as_one_host() -> None:
    # issue 14 item 10: "www.acme.io" was read as the set of its characters
    urls = ["/", "/"]
    refs = ["https://www.acme.io/pricing", "https://news.ycombinator.com/"]
    one = parse_utm(urls, referrers=refs, site_hosts="www.acme.io")
    listed = parse_utm(urls, referrers=refs, site_hosts=["www.acme.io"])
    pd.testing.assert_frame_equal(one, listed)
    assert one["source"].tolist() == ["(direct)", "news.ycombinator.com"]
    with pytest.raises(ParameterError, match="site_hosts"):
        parse_utm(urls, referrers=refs, site_hosts=[3])  # type: ignore[list-item]
