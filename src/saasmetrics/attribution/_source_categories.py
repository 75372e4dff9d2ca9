"""The GA4 source categories (search, social, shopping, video) of the common traffic sources.

Google Analytics 4 decides several default channels ("Organic Search", "Paid Social", ...) by
whether the session's source is on one of its internal lists of search, social, shopping and
video sites. Google publishes those lists as a spreadsheet of about 800 rows (the "source
categories" download linked from the GA4 help article on default channel groups). This module
ships the sources that carry almost all real traffic; load the full list (or your own) with
:meth:`saasmetrics.attribution.ChannelRules.with_source_categories`.
"""

from __future__ import annotations

__all__ = ("GA4_SOURCE_CATEGORIES",)

_SEARCH = """
360.cn alice aol ar.search.yahoo.com ask at.search.yahoo.com au.search.yahoo.com auone avg babylon
baidu biglobe biglobe.co.jp biglobe.ne.jp bing br.search.yahoo.com ca.search.yahoo.com centrum.cz
ch.search.yahoo.com cl.search.yahoo.com cn.bing.com cnn co.search.yahoo.com comcast conduit
cse.google.com daum daum.net de.search.yahoo.com dk.search.yahoo.com dogpile dogpile.com duckduckgo
ecosia.org email.seznam.cz eniro es.search.yahoo.com espanol.search.yahoo.com exalead.com
excite.com fi.search.yahoo.com firmy.cz fr.search.yahoo.com globo go.mail.ru google google-play
google.com googlemybusiness hk.search.yahoo.com id.search.yahoo.com in.search.yahoo.com incredimail
it.search.yahoo.com kvasir lite.qwant.com lycos m.baidu.com m.naver.com m.search.naver.com
m.sogou.com mail.google.com mail.rambler.ru mail.yandex.ru malaysia.search.yahoo.com msn msn.com
mx.search.yahoo.com najdi naver naver.com news.google.com nl.search.yahoo.com no.search.yahoo.com
ntp.msn.com nz.search.yahoo.com onet onet.pl pe.search.yahoo.com ph.search.yahoo.com
pl.search.yahoo.com qwant qwant.com rakuten rakuten.co.jp rambler rambler.ru se.search.yahoo.com
search-results search.aol.co.uk search.aol.com search.google.com search.smt.docomo.ne.jp
search.ukr.net secureurl.ukr.net seznam seznam.cz sg.search.yahoo.com so.com sogou sogou.com
sp-web.search.auone.jp startsiden startsiden.no suche.aol.de terra th.search.yahoo.com
tr.search.yahoo.com tut.by tw.search.yahoo.com uk.search.yahoo.com ukr us.search.yahoo.com virgilio
vn.search.yahoo.com wap.sogou.com webmaster.yandex.ru websearch.rakuten.co.jp yahoo yahoo.co.jp
yahoo.com yandex yandex.by yandex.com yandex.com.tr yandex.fr yandex.kz yandex.ru yandex.ua
yandex.uz zen.yandex.ru
"""

_SOCIAL = """
43things 43things.com 51.com 5ch.net academia.edu addthis addthis.com amp.reddit.com
answers.yahoo.com apps.facebook.com away.vk.com b.hatena.ne.jp badoo badoo.com bebo bebo.com bit.ly
blog.naver.com blogger blogger.com blogspot blogspot.com business.facebook.com buzzfeed
buzzfeed.com cafe.naver.com chat.zalo.me deviantart deviantart.com digg digg.com disqus disqus.com
facebook facebook.com fb fb.me flickr flickr.com flipboard flipboard.com foursquare foursquare.com
free.facebook.com getpocket.com glassdoor glassdoor.com goo.gl goodreads goodreads.com google+
googlegroups.com groups.google.com hootsuite hootsuite.com houzz houzz.com hubpages.com ig
instagram instagram.com is.gd kakao kakao.com l.facebook.com l.instagram.com l.messenger.com line
line.me linkedin linkedin.com livejournal livejournal.com lm.facebook.com lnkd.in m.facebook.com
m.vk.com m.yelp.com medium.com meetup meetup.com messenger messenger.com mix.com mixi.jp
mobile.facebook.com myspace myspace.com news.ycombinator.com odnoklassniki.ru old.reddit.com
out.reddit.com pinterest pinterest.ca pinterest.co.uk pinterest.com pinterest.com.au pinterest.de
pinterest.fr pinterest.it pinterest.jp pixiv.net plus.google.com quora quora.com qzone.qq.com
reddit reddit.com researchgate.net scoop.it scribd scribd.com sharethis sharethis.com
sites.google.com skype slashdot.org slideshare.net smartnews.com snapchat snapchat.com
stackexchange stackexchange.com stackoverflow stackoverflow.com t.co t.me tiktok tiktok.com tinyurl
tinyurl.com touch.facebook.com tripadvisor tripadvisor.com tumblr tumblr.com tweetdeck twitter
twitter.com vk.com vkontakte.ru web.facebook.com wechat wechat.com weibo weibo.com whatsapp
whatsapp.com wikihow.com wordpress wordpress.com wordpress.org xing xing.com yammer yammer.com yelp
yelp.com zalo
"""

_SHOPPING = """
Google Shopping IGShopping aax-us-east.amazon-adsystem.com aax.amazon-adsystem.com alibaba
alibaba.com amazon amazon.co.uk amazon.com apps.shopify.com checkout.shopify.com
checkout.stripe.com ebay ebay.co.uk ebay.com ebay.com.au ebay.de etsy etsy.com m.alibaba.com
m.shopping.naver.com mercadolibre mercadolibre.com mercadolibre.com.ar mercadolibre.com.mx shop.app
shopify shopify.com shopping.naver.com shopping.yahoo.co.jp shopping.yahoo.com shopzilla
shopzilla.com stripe stripe.com walmart walmart.com
"""

_VIDEO = """
blog.twitch.tv crackle crackle.com curiositystream curiositystream.com d.tube dailymotion
dailymotion.com dashboard.twitch.tv disneyplus disneyplus.com fast.wistia.net hulu hulu.com iqiyi
iqiyi.com m.twitch.tv m.youtube.com music.youtube.com netflix netflix.com player.twitch.tv
player.vimeo.com ted ted.com twitch twitch.tv vimeo vimeo.com wistia wistia.com youku youku.com
youtube youtube.com
"""


def _build() -> dict[str, str]:
    categories: dict[str, str] = {}
    for name, block in (
        ("search", _SEARCH),
        ("social", _SOCIAL),
        ("shopping", _SHOPPING),
        ("video", _VIDEO),
    ):
        # "Google Shopping" is the one source name with a space.
        text = block.replace("Google Shopping", "Google_Shopping")
        for source in text.split():
            categories[source.replace("Google_Shopping", "Google Shopping").lower()] = name
    return categories


GA4_SOURCE_CATEGORIES: dict[str, str] = _build()
"""Source (lower case) to GA4 source category: ``"search"``, ``"social"``, ``"shopping"`` or
``"video"``."""
