"""Count a status's length exactly as a Mastodon 4.5 server does, and say where not to cut.

The server rejects a status (422) when ``StatusLengthValidator`` finds
``grapheme_count(spoiler_text + countable_text(text)) > max_characters``. ``countable_text``
runs Mastodon's ``Extractor`` (twitter-text 3.1.0 with Mastodon's regex overrides) and
replaces each URL *with a scheme* by ``'x' * 23`` and each mention ``@user@domain`` by
``@user``. Any counter that approximates this ("a URL costs 23") is wrong in both
directions, so this module ports the upstream expressions one to one. Sources:

* mastodon/mastodon ``app/validators/status_length_validator.rb`` (the rewrite, the
  ``each_grapheme_cluster`` count, ``remove_overlapping_entities``);
* mastodon/mastodon ``app/lib/extractor.rb`` (mentions, ``MAX_DOMAIN_LENGTH = 253``);
* mastodon/mastodon ``config/initializers/twitter_regex.rb`` (schemes, path, query);
* mastodon/mastodon ``app/models/account.rb`` (``MENTION_RE``, ``USERNAME_RE``);
* mastodon/mastodon ``app/models/status.rb`` (``prepare_contents``: text and CW are
  ``strip``-ped before validation);
* twitter/twitter-text ``rb/lib/twitter-text/regex.rb`` and ``extractor.rb``
  (preceding chars, domains, TLD lists of 3.1.0, ``is_valid_domain``:
  ``IDN::Idna.toASCII`` must succeed and the URL must be <= 4096 code points, which is
  how mastodon/mastodon#17908 stops very long URLs from counting as 23).

Where an upstream detail could not be pinned down, the code counts more, never less,
and says so in a comment: an over-long status costs a 422, a slightly short one nothing.
"""

from __future__ import annotations

import re
import stringprep
import unicodedata
from collections.abc import Iterator
from encodings import idna as _idna
from functools import lru_cache

import regex

__all__ = [
    "URL_LENGTH",
    "cluster_joins",
    "find_entities",
    "find_mentions",
    "find_urls",
    "grapheme_boundaries",
    "mastodon_length",
    "protected_spans",
]

URL_LENGTH = 23  # StatusLengthValidator::URL_PLACEHOLDER_CHARS (characters_reserved_per_url)

_MAX_URL_LENGTH = 4096  # Twitter::TwitterText::Extractor::MAX_URL_LENGTH
_MAX_TCO_SLUG_LENGTH = 40  # Twitter::TwitterText::Extractor::MAX_TCO_SLUG_LENGTH
_MAX_DOMAIN_LENGTH = 253  # Extractor::MAX_DOMAIN_LENGTH (mentions)

# --------------------------------------------------------------------------------------
# Top-level domains: twitter-text 3.1.0 (conformance/tld_lib.yml), in file order, which
# is also the order of the regex alternation. A URL under any other TLD is plain text on
# the server (e.g. http://localhost, http://127.0.0.1, http://example.test).
# --------------------------------------------------------------------------------------
_COUNTRY_TLDS = """
한국 香港 澳門 新加坡 台灣 台湾 中國 中国 გე ລາວ ไทย ලංකා ഭാരതം ಭಾರತ భారత్ சிங்கப்பூர் இலங்கை
இந்தியா ଭାରତ ભારત ਭਾਰਤ ভাৰত ভারত বাংলা भारोत भारतम् भारत ڀارت پاکستان موريتانيا مليسيا مصر
قطر فلسطين عمان عراق سورية سودان تونس بھارت بارت ایران امارات المغرب السعودية الجزائر البحرين
الاردن հայ қаз укр срб рф мон мкд ею бел бг ευ ελ zw zm za yt ye ws wf vu vn vi vg ve vc va uz
uy us um uk ug ua tz tw tv tt tr tp to tn tm tl tk tj th tg tf td tc sz sy sx sv su st ss sr so
sn sm sl sk sj si sh sg se sd sc sb sa rw ru rs ro re qa py pw pt ps pr pn pm pl pk ph pg pf pe
pa om nz nu nr np no nl ni ng nf ne nc na mz my mx mw mv mu mt ms mr mq mp mo mn mm ml mk mh mg
mf me md mc ma ly lv lu lt ls lr lk li lc lb la kz ky kw kr kp kn km ki kh kg ke jp jo jm je it
is ir iq io in im il ie id hu ht hr hn hm hk gy gw gu gt gs gr gq gp gn gm gl gi gh gg gf ge gd
gb ga fr fo fm fk fj fi eu et es er eh eg ee ec dz do dm dk dj de cz cy cx cw cv cu cr co cn cm
cl ck ci ch cg cf cd cc ca bz by bw bv bt bs br bq bo bn bm bl bj bi bh bg bf be bd bb ba az ax
aw au at as ar aq ao an am al ai ag af ae ad ac
"""

_GENERIC_TLDS = """
삼성 닷컴 닷넷 香格里拉 餐厅 食品 飞利浦 電訊盈科 集团 通販 购物 谷歌 诺基亚 联通 网络 网站 网店 网址
组织机构 移动 珠宝 点看 游戏 淡马锡 机构 書籍 时尚 新闻 政府 政务 招聘 手表 手机 我爱你 慈善 微博 广东
工行 家電 娱乐 天主教 大拿 大众汽车 在线 嘉里大酒店 嘉里 商标 商店 商城 公益 公司 八卦 健康 信息 佛山
企业 中文网 中信 世界 ポイント ファッション セール ストア コム グーグル クラウド みんな คอม संगठन
नेट कॉम همراه موقع موبايلي كوم كاثوليك عرب شبكة بيتك بازار العليان ارامكو اتصالات ابوظبي קום
сайт рус орг онлайн москва ком католик дети zuerich zone zippo zip zero zara zappos yun youtube
you yokohama yoga yodobashi yandex yamaxun yahoo yachts xyz xxx xperia xin xihuan xfinity xerox
xbox wtf wtc wow world works work woodside wolterskluwer wme winners wine windows win
williamhill wiki wien whoswho weir weibo wedding wed website weber webcam weatherchannel weather
watches watch warman wanggou wang walter walmart wales vuelos voyage voto voting vote volvo
volkswagen vodka vlaanderen vivo viva vistaprint vista vision visa virgin vip vin villas viking
vig video viajes vet versicherung vermögensberatung vermögensberater verisign ventures vegas
vanguard vana vacations ups uol uno university unicom uconnect ubs ubank tvs tushu tunes tui
tube trv trust travelersinsurance travelers travelchannel travel training trading trade toys
toyota town tours total toshiba toray top tools tokyo today tmall tkmaxx tjx tjmaxx tirol tires
tips tiffany tienda tickets tiaa theatre theater thd teva tennis temasek telefonica telecity tel
technology tech team tdk tci taxi tax tattoo tatar tatamotors target taobao talk taipei tab
systems symantec sydney swiss swiftcover swatch suzuki surgery surf support supply supplies
sucks style study studio stream store storage stockholm stcgroup stc statoil statefarm
statebank starhub star staples stada srt srl spreadbetting spot sport spiegel space soy sony
song solutions solar sohu software softbank social soccer sncf smile smart sling skype sky skin
ski site singles sina silk shriram showtime show shouji shopping shop shoes shiksha shia shell
shaw sharp shangrila sfr sexy sex sew seven ses services sener select seek security secure seat
search scot scor scjohnson science schwarz schule school scholarships schmidt schaeffler scb
sca sbs sbi saxo save sas sarl sapo sap sanofi sandvikcoromant sandvik samsung samsclub salon
sale sakura safety safe saarland ryukyu rwe run ruhr rugby rsvp room rogers rodeo rocks rocher
rmit rip rio ril rightathome ricoh richardli rich rexroth reviews review restaurant rest
republican report repair rentals rent ren reliance reit reisen reise rehab redumbrella redstone
red recipes realty realtor realestate read raid radio racing qvc quest quebec qpon pwc pub
prudential pru protection property properties promo progressive prof productions prod pro
prime press praxi pramerica post porn politie poker pohl pnc plus plumbing playstation play
place pizza pioneer pink ping pin pid pictures pictet pics piaget physio photos photography
photo phone philips phd pharmacy pfizer pet pccw pay passagens party parts partners pars paris
panerai panasonic pamperedchef page ovh ott otsuka osaka origins orientexpress organic org
orange oracle open ooo onyourside online onl ong one omega ollo oldnavy olayangroup olayan
okinawa office off observer obi nyc ntt nrw nra nowtv nowruz now norton northwesternmutual
nokia nissay nissan ninja nikon nike nico nhk ngo nfl nexus nextdirect next news newholland new
neustar network netflix netbank net nec nba navy natura nationwide name nagoya nadex nab
mutuelle mutual museum mtr mtpc mtn msd movistar movie mov motorcycles moto moscow mortgage
mormon mopar montblanc monster money monash mom moi moe moda mobily mobile mobi mma mls mlb
mitsubishi mit mint mini mil microsoft miami metlife merckmsd meo menu men memorial meme
melbourne meet media med mckinsey mcdonalds mcd mba mattel maserati marshalls marriott markets
marketing market map mango management man makeup maison maif madrid macys luxury luxe lupin
lundbeck ltda ltd lplfinancial lpl love lotto lotte london lol loft locus locker loans loan llp
llc lixil living live lipsy link linde lincoln limo limited lilly like lighting lifestyle
lifeinsurance life lidl liaison lgbt lexus lego legal lefrak leclerc lease lds lawyer law
latrobe latino lat lasalle lanxess landrover land lancome lancia lancaster lamer lamborghini
ladbrokes lacaixa kyoto kuokgroup kred krd kpn kpmg kosher komatsu koeln kiwi kitchen kindle
kinder kim kia kfh kerryproperties kerrylogistics kerryhotels kddi kaufen juniper juegos jprs
jpmorgan joy jot joburg jobs jnj jmp jll jlc jio jewelry jetzt jeep jcp jcb java jaguar iwc
iveco itv itau istanbul ist ismaili iselect irish ipiranga investments intuit international
intel int insure insurance institute ink ing info infiniti industries inc immobilien immo imdb
imamat ikano iinet ifm ieee icu ice icbc ibm hyundai hyatt hughes htc hsbc how house hotmail
hotels hoteles hot hosting host hospital horse honeywell honda homesense homes homegoods
homedepot holiday holdings hockey hkt hiv hitachi hisamitsu hiphop hgtv hermes here helsinki
help healthcare health hdfcbank hdfc hbo haus hangout hamburg hair guru guitars guide guge
gucci guardian group grocery gripe green gratis graphics grainger gov got gop google goog
goodyear goodhands goo golf goldpoint gold godaddy gmx gmo gmbh gmail globo global gle glass
glade giving gives gifts gift ggee george genting gent gea gdn gbiz gay garden gap games game
gallup gallo gallery gal fyi futbol furniture fund fun fujixerox fujitsu ftr frontier
frontdoor frogans frl fresenius free fox foundation forum forsale forex ford football
foodnetwork food foo fly flsmidth flowers florist flir flights flickr fitness fit fishing fish
firmdale firestone fire financial finance final film fido fidelity fiat ferrero ferrari
feedback fedex fast fashion farmers farm fans fan family faith fairwinds fail fage extraspace
express exposed expert exchange everbank events eus eurovision etisalat esurance estate esq
erni ericsson equipment epson epost enterprises engineering engineer energy emerck email
education edu edeka eco eat earth dvr dvag durban dupont duns dunlop duck dubai dtv drive
download dot doosan domains doha dog dodge doctor docs dnp diy dish discover discount directory
direct digital diet diamonds dhl dev design desi dentist dental democrat delta deloitte dell
delivery degree deals dealer deal dds dclk day datsun dating date data dance dad dabur cyou
cymru cuisinella csc cruises cruise crs crown cricket creditunion creditcard credit cpa courses
coupons coupon country corsica coop cool cookingchannel cooking contractors contact consulting
construction condos comsec computer compare company community commbank comcast com cologne
college coffee codes coach clubmed club cloud clothing clinique clinic click cleaning claims
cityeats city citic citi citadel cisco circle cipriani church chrysler chrome christmas chloe
chintai cheap chat chase charity channel chanel cfd cfa cern ceo center ceb cbs cbre cbn cba
catholic catering cat casino cash caseih case casa cartier cars careers career care cards
caravan car capitalone capital capetown canon cancerresearch camp camera cam calvinklein call
cal cafe cab bzh buzz buy business builders build bugatti budapest brussels brother broker
broadway bridgestone bradesco box boutique bot boston bostik bosch boots booking book boo bond
bom bofa boehringer boats bnpparibas bnl bmw bms blue bloomberg blog blockbuster blanco
blackfriday black biz bio bingo bing bike bid bible bharti bet bestbuy best berlin bentley beer
beauty beats bcn bcg bbva bbt bbc bayern bauhaus basketball baseball bargains barefoot barclays
barclaycard barcelona bar bank band bananarepublic banamex baidu baby azure axa aws avianca
autos auto author auspost audio audible audi auction attorney athleta associates asia asda arte
art arpa army archi aramco arab aquarelle apple app apartments aol anz anquan android analytics
amsterdam amica amfam amex americanfamily americanexpress alstom alsace ally allstate allfinanz
alipay alibaba alfaromeo akdn airtel airforce airbus aigo aig agency agakhan africa afl
afamilycompany aetna aero aeg adult ads adac actor active aco accountants accountant accenture
academy abudhabi abogado able abc abbvie abbott abb abarth aarp aaa onion
"""


def _alternation(words: str) -> str:
    """The TLDs as a prefix tree: the same language as ``a|b|c...`` in list order.

    Two TLDs can both match at one position only if one is a prefix of the other and
    the next character is not an ASCII letter or digit (valid_gTLD's lookahead); in the
    lists that happens only where the longer one comes first ("嘉里大酒店" before "嘉里",
    "भारतम्" before "भारत"), so trying longer continuations before stopping keeps
    twitter-text's choice. A plain 1,500-way alternation is slow to compile and to run.
    """
    trie: dict[str, dict] = {}
    for word in words.split():
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in node.items() if ch]
        if "" in node:
            alts.append("")
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return build(trie)


# --------------------------------------------------------------------------------------
# twitter-text character classes (rb/lib/twitter-text/regex.rb), verbatim.
# --------------------------------------------------------------------------------------
_LATIN_ACCENTS = (
    r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253-\u0254\u0256-\u0257"
    r"\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_DIRECTIONAL = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVALID = r"\ufffe\ufeff\uffff"
_UNICODE_SPACES = r"\t-\r\x20\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CTRL = r"\x00-\x1f\x7f"
_WHITE_SPACE = r"\t-\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # \p{White_Space}
# PUNCTUATION_CHARS minus "-" and "_", which the domain patterns allow in some places.
# (Ruby's literal keeps its backslashes, so "\" itself is NOT excluded: it is a valid
# domain character upstream, oddly, and so it is here.)
_PUNCT_NO_DASH = r"""!"#$%&'()*+,./:;<=>?@\[\]^`{|}~"""
_NOT_DOMAIN = _DIRECTIONAL + _PUNCT_NO_DASH + _CTRL + _INVALID + _UNICODE_SPACES
_DOMAIN_CHAR = rf"[^{_NOT_DOMAIN}\-_]"  # DOMAIN_VALID_CHARS
# "(?:[_-]|DOMAIN_VALID_CHARS)" and "(?:[-]|DOMAIN_VALID_CHARS)" as one class each: the
# alternatives are single disjoint characters, so this is the same language and the same
# backtracking, only faster.
_DOMAIN_CHAR_OR_DASH_US = rf"[^{_NOT_DOMAIN}]"
_DOMAIN_CHAR_OR_DASH = rf"[^{_NOT_DOMAIN}_]"

_PRECEDING = rf"(?:[^A-Z0-9@＠$#＃{_INVALID}]|[{_DIRECTIONAL}]|^)"  # valid_url_preceding_chars
_SUBDOMAIN = rf"(?:(?:{_DOMAIN_CHAR}{_DOMAIN_CHAR_OR_DASH_US}*)?{_DOMAIN_CHAR}\.)"
_DOMAIN_NAME = rf"(?:(?:{_DOMAIN_CHAR}{_DOMAIN_CHAR_OR_DASH}*)?{_DOMAIN_CHAR}\.)"
_TLD_END = r"(?=[^0-9a-z@+\-]|$)"
_GTLD = rf"(?:(?:{_alternation(_GENERIC_TLDS)}){_TLD_END})"
_CCTLD = rf"(?:(?:{_alternation(_COUNTRY_TLDS)}){_TLD_END})"
_PUNYCODE = r"(?:xn--[0-9a-z]+)"
_DOMAIN = rf"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}(?:{_GTLD}|{_CCTLD}|{_PUNYCODE}))"

# twitter-text's own path classes. Mastodon's initializer builds its
# valid_url_path_ending_chars while valid_url_balanced_parens still holds this original
# definition (it is reassigned on the next line), so the ending alternative keeps it.
_TT_PATH_CHAR = rf"[a-z\p{{Cyrillic}}0-9!*';:=+,.$/%#\[\]\p{{Pd}}_~&|@{_LATIN_ACCENTS}]"
_TT_BALANCED = rf"\((?:{_TT_PATH_CHAR}+|(?:{_TT_PATH_CHAR}*\({_TT_PATH_CHAR}+\){_TT_PATH_CHAR}*))\)"

# Mastodon's config/initializers/twitter_regex.rb.
_PATH_CHAR = rf"[^{_WHITE_SPACE}<>()?]"  # valid_general_url_path_chars
_BALANCED = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_END = rf"""(?:[^{_WHITE_SPACE}()?!*"'「」<>;:=,.$%\[\]~&|@]|{_TT_BALANCED})"""
_PATH = rf"(?:(?:{_PATH_CHAR}*(?:{_BALANCED}{_PATH_CHAR}*)*{_PATH_END})|(?:{_PATH_CHAR}+/))"
_UCHARS = (
    r"\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    r"\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    r"\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    r"\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    r"\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_QUERY_CHAR = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@\^{_UCHARS}]"
_QUERY_END = rf"[a-z0-9_&=#/\-{_UCHARS}]"
_SCHEMES = r"(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"

# REGEXEN[:valid_url]. All parts are /i in Ruby; Ruby's ^ and $ are line anchors. It runs
# on the stdlib re engine (3-4x faster here than regex), with the two Unicode properties
# it needs spelled out as ranges; compiled on first use (~40 ms).
_VALID_URL_PATTERN = (
    rf"(?P<before>{_PRECEDING})"
    rf"(?P<url>(?P<protocol>{_SCHEMES})?"
    rf"(?P<domain>{_DOMAIN})"
    r"(?::(?P<port>[0-9]+))?"
    rf"(?P<path>/{_PATH}*)?"
    rf"(?P<query>\?{_QUERY_CHAR}*{_QUERY_END})?)"
)


@lru_cache(maxsize=1)
def _valid_url() -> re.Pattern[str]:
    pattern = _VALID_URL_PATTERN
    for prop in (r"\p{Cyrillic}", r"\p{Pd}"):
        pattern = pattern.replace(prop, _ranges(prop))
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)


# No part of a URL match can contain ASCII whitespace or U+0085 (the query admits other
# Unicode spaces), so a match lies inside one such token, plus the one preceding
# character it consumes. Only tokens holding "://" can yield a URL with a protocol, and
# scanning each of them from the character before it gives the same matches as Ruby's
# scan over the whole text, at a fraction of the cost.
_TOKEN_SEPARATORS = "\t\n\x0b\x0c\r \x85"
_SEPARATOR = re.compile(f"[{_TOKEN_SEPARATORS}]")
_VALID_TCO_URL = re.compile(r"https?://t\.co/([a-z0-9]+)", re.IGNORECASE)

# [[:word:]] as Onigmo defines it for Unicode strings (Alpha | Mark | Digit |
# Connector_Punctuation). regex's own \w / [[:word:]] also admits U+200C/U+200D.
_WORD = r"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}"
# Account::MENTION_RE: only USERNAME_RE is case-insensitive.
_MENTION = regex.compile(rf"(?<![=/{_WORD}])@((?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[{_WORD}]+(?:[.-]+[{_WORD}]+)*)?)")
# twitter-text end_mention_match, applied to the text after a candidate mention.
_END_MENTION = regex.compile(rf"[@＠]|[{_LATIN_ACCENTS}]|://", regex.IGNORECASE)

# For protected_spans only (these count literally): Tag::HASHTAG_RE, widened to any
# word run so a shortener never cuts a tag-like run; CustomEmoji::SCAN_RE.
_HASHTAG = regex.compile(rf"(?<![=/)\w])[#＃][{_WORD}\u00b7\u30fb\u200c]+")
_SHORTCODE_CANDIDATE = re.compile(r":[a-zA-Z0-9_]{2,}:")  # a cheap test before the full pattern
_SHORTCODE = regex.compile(r"(?<![\p{Alphabetic}\p{Nd}:]):[a-zA-Z0-9_]{2,}:(?![\p{Alphabetic}\p{Nd}:])")

# --------------------------------------------------------------------------------------
# Grapheme clusters as Ruby 3.4 splits them (Mastodon 4.5 pins Ruby 3.4.x, which
# implements UAX #29 of Unicode 15.0). regex's \X follows a newer Unicode with rule GB9c
# (Indic conjuncts: "क्ष" is one cluster there, two in Ruby) and even over-applies it
# ("a्ष" is one cluster in regex): it would under-count. So the 15.0 rules are applied
# here directly: an offset is *inside* a cluster iff one of the "×" rules holds there
# (and GB4/GB5 do not), and the count is len(text) minus those offsets. Rule classes come
# from regex's Grapheme_Cluster_Break tables, minus characters this Python's
# unicodedata does not know: those newer than Ruby's 15.0 are "unassigned", i.e.
# "Other", in Ruby too (and any added in 15.0 itself then count one more, never less).
# --------------------------------------------------------------------------------------
_CHUNK = 64  # joins() skips pure-ASCII chunks of this many characters
_HANGUL_SYLLABLES = (0xAC00, 0xD7A3)  # GCB=LV when (cp - 0xAC00) % 28 == 0, else LVT
_BMP_SIZE = 0xD800 + 0x2000  # the BMP part of _every()


@lru_cache(maxsize=1)
def _every() -> str:
    """Every code point of planes 0 and 1 and of U+E0000-E0FFF, surrogates excluded.

    All characters with a grapheme-break property other than "Other", and all of
    Cyrillic and Pd, live there.
    """
    planes = ((0x0, 0xD7FF), (0xE000, 0x1FFFF), (0xE0000, 0xE0FFF))
    return "".join("".join(map(chr, range(lo, hi + 1))) for lo, hi in planes)


def _ranges(prop: str, *, bmp_only: bool = False) -> str:
    """A regex property as explicit code-point ranges, for the stdlib re engine."""
    every = _every()[:_BMP_SIZE] if bmp_only else _every()
    return "".join(
        f"\\U{ord(m.group()[0]):08x}-\\U{ord(m.group()[-1]):08x}" for m in regex.finditer(rf"[{prop}]+", every)
    )


class _Gcb:
    """UAX #29 (Unicode 15.0) break rules, applied around the few characters that join.

    Finding those characters is one scan with regex's property tables; each rule is then
    checked in Python on the neighbours. Built on first use (~40 ms).
    """

    def __init__(self) -> None:
        every = _every()

        def chars(prop: str, *, assigned: bool = True) -> frozenset[str]:
            found = "".join(regex.findall(rf"[{prop}]+", every))
            if assigned:  # see the comment above _HANGUL_SYLLABLES
                found = "".join(c for c in found if unicodedata.category(c) != "Cn")
            return frozenset(found)

        self.ctrl = chars(r"\p{GCB=Control}\p{GCB=CR}\p{GCB=LF}", assigned=False)
        self.extend = chars(r"\p{GCB=Extend}")
        self.post = self.extend | chars(r"\p{GCB=ZWJ}\p{GCB=SpacingMark}")
        self.prepend = chars(r"\p{GCB=Prepend}")
        self.pict = chars(r"\p{ExtPict}", assigned=False)  # reserved emoji slots included
        self.ri = chars(r"\p{GCB=RI}")
        self.jamo_l = chars(r"\p{GCB=L}")
        self.jamo_v = chars(r"\p{GCB=V}")
        self.jamo_t = chars(r"\p{GCB=T}")
        # Without one of these, every code point is its own cluster (CR LF aside). The
        # class is a superset of the sets above (every astral code point is a candidate;
        # extra hits change nothing): a BMP-only set plus one range lets the stdlib re
        # engine test each character in constant time, ~10x faster than regex here.
        bmp = _ranges(
            r"\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}"
            r"\p{GCB=L}\p{GCB=V}\p{GCB=T}",
            bmp_only=True,
        )
        self.hit = re.compile(f"[{bmp}\\U00010000-\\U0010ffff]")

    def _hangul(self, c: str) -> str:
        if c in self.jamo_l:
            return "L"
        if c in self.jamo_v:
            return "V"
        if c in self.jamo_t:
            return "T"
        cp = ord(c)
        if _HANGUL_SYLLABLES[0] <= cp <= _HANGUL_SYLLABLES[1]:
            return "LVT" if (cp - 0xAC00) % 28 else "LV"
        return ""

    def _hangul_joins(self, prev: str, cur: str) -> bool:
        a, b = self._hangul(prev), self._hangul(cur)
        return (
            (a == "L" and b in ("L", "V", "LV", "LVT"))  # GB6
            or (a in ("LV", "V") and b in ("V", "T"))  # GB7
            or (a in ("LVT", "T") and b == "T")  # GB8
        )

    def _hits(self, s: str) -> Iterator[int]:
        """Offsets of the characters that may join a neighbour, in order.

        Text is mostly ASCII even when it is not all ASCII (an accent, a dash, an emoji):
        chunks that are pure ASCII are skipped with one C call each instead of being
        scanned character by character.
        """
        n = len(s)
        for lo in range(0, n, _CHUNK):
            if not s[lo : lo + _CHUNK].isascii():
                for m in self.hit.finditer(s, lo, min(n, lo + _CHUNK)):
                    yield m.start()

    def joins(self, s: str) -> set[int]:
        """Offsets that do not start a cluster (GB3, GB6-GB9b, GB11-GB13)."""
        out: set[int] = set()
        i = s.find("\r\n")
        while i >= 0:  # GB3
            out.add(i + 1)
            i = s.find("\r\n", i + 2)
        n = len(s)
        ri_run_end = -1
        for i in self._hits(s):
            c = s[i]
            if c in self.post:
                if i and s[i - 1] not in self.ctrl:  # GB9, GB9a (GB4 wins after controls)
                    out.add(i)
                if c == "\u200d" and i + 1 < n and s[i + 1] in self.pict:  # GB11
                    j = i - 1
                    while j >= 0 and s[j] in self.extend:
                        j -= 1
                    if j >= 0 and s[j] in self.pict:
                        out.add(i + 1)
            elif c in self.prepend:
                if i + 1 < n and s[i + 1] not in self.ctrl:  # GB9b (GB5 wins before controls)
                    out.add(i + 1)
            elif c in self.ri:
                if i < ri_run_end:
                    continue
                j = i
                while j < n and s[j] in self.ri:
                    j += 1
                ri_run_end = j
                out.update(range(i + 1, j, 2))  # GB12, GB13: pairs from the run's start
            elif self._hangul(c):  # a conjoining jamo: it joins its neighbours only
                if i and self._hangul_joins(s[i - 1], c):
                    out.add(i)
                if i + 1 < n and self._hangul_joins(c, s[i + 1]):
                    out.add(i + 1)
        return out


@lru_cache(maxsize=1)
def _gcb() -> _Gcb:
    return _Gcb()


def _count(s: str) -> int:
    """Grapheme clusters in ``s``, as Ruby's ``each_grapheme_cluster.size``."""
    if s.isascii():
        return len(s) - s.count("\r\n")
    return len(s) - len(_gcb().joins(s))


def _joins(text: str) -> set[int]:
    if text.isascii():
        if "\r\n" not in text:
            return set()
        return {i + 1 for i in range(len(text) - 1) if text[i : i + 2] == "\r\n"}
    return _gcb().joins(text)


def cluster_joins(text: str) -> set[int]:
    """Offsets that do not start a grapheme cluster (empty for plain ASCII text)."""
    return _joins(text)


def grapheme_boundaries(text: str) -> list[int]:
    """Offsets where a grapheme cluster starts, plus ``len(text)``.

    Cutting only at these offsets never splits an emoji, a flag or a letter from its
    accent; the clusters are the ones the server counts.
    """
    inside = _joins(text)
    if not inside:
        return list(range(len(text) + 1))
    return [i for i in range(len(text) + 1) if i not in inside]


# --------------------------------------------------------------------------------------
# IDN::Idna.toASCII (libidn, IDNA2003, flags 0: unassigned code points refused).
# --------------------------------------------------------------------------------------
_IDN_DOTS = re.compile("[.\u3002\uff0e\uff61]")


@lru_cache(maxsize=1024)
def _idna_ascii_length(domain: str) -> int | None:
    """Length of libidn's ``toASCII(domain)``, or None where libidn raises.

    twitter-text drops a URL whose domain libidn refuses (a label over 63 characters, a
    prohibited or, in Unicode 3.2, unassigned code point, a bidi violation, ...).
    """
    total = 0
    labels = _IDN_DOTS.split(domain)
    for label in labels:
        if label.isascii():
            if not 0 < len(label) < 64:
                return None
            total += len(label)
            continue
        try:
            prepped = _idna.nameprep(label)
        except UnicodeError:
            return None
        if any(stringprep.in_table_a1(c) for c in prepped):
            return None  # Python's codec allows unassigned code points; libidn does not
        if prepped.isascii():
            if not 0 < len(prepped) < 64:
                return None
            total += len(prepped)
            continue
        if prepped.startswith("xn--"):
            return None
        try:
            encoded = b"xn--" + prepped.encode("punycode")
        except UnicodeError:
            return None
        if len(encoded) >= 64:
            return None
        total += len(encoded)
    return total + len(labels) - 1


def _is_valid_domain(url_length: int, domain: str) -> bool:
    """twitter-text ``is_valid_domain`` for a URL with a protocol."""
    if domain.isascii():
        if any(not 0 < len(label) < 64 for label in domain.split(".")):
            return False
        return url_length <= _MAX_URL_LENGTH
    ascii_length = _idna_ascii_length(domain)
    if ascii_length is None:
        return False
    return url_length + max(0, ascii_length - len(domain)) <= _MAX_URL_LENGTH


# --------------------------------------------------------------------------------------
# Extraction.
# --------------------------------------------------------------------------------------
def _extract_urls(text: str) -> list[tuple[int, int]]:
    """``extract_urls_with_indices(text, extract_url_without_protocol: false)``.

    The scan must also consume URLs *without* a scheme, exactly like Ruby's
    ``String#scan``: in ``example.com/https://x.org`` the scheme-less match swallows
    the second URL, which is therefore not counted as 23.
    """
    if "://" not in text:
        return []  # no match can have a protocol
    urls: list[tuple[int, int]] = []
    n = len(text)
    end = 0
    i = text.find("://")
    while i >= 0:
        # From the separator before the token, or 0; walking back over the token only
        # (tokens are short) reads far less of a long text than searching for each separator.
        start = i
        while start > 0 and text[start - 1] not in _TOKEN_SEPARATORS:
            start -= 1
        start = max(start - 1, 0)
        sep = _SEPARATOR.search(text, i)
        end = sep.start() if sep else n
        urls.extend((start + s, start + e) for s, e in _scan_token(text[start:end]))
        i = text.find("://", end)
    return urls


# A plain link as most posts and abstracts carry it ("https://github.com/org/repo-1.2"):
# host labels of 1-63 letters, digits and inner hyphens, a path of [a-z0-9_/.-] not ending in
# "." (which twitter-text leaves out), no port, query, fragment or parenthesis. For such a
# token the full scan always finds exactly the whole link, provided its last label is a
# known TLD and the host is not t.co (tests check the equivalence on generated tokens);
# anything else takes the full scan.
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?"  # 1-63 characters, no hyphen at either end
_PLAIN_LINK = re.compile(
    rf"[\t\n\x0b\x0c\r \x85]?[hH][tT][tT][pP][sS]?://((?:{_LABEL}\.)+([a-zA-Z]+))"
    r"(?:/[a-zA-Z0-9_/.\-]*[a-zA-Z0-9_/\-])?/?"
)


@lru_cache(maxsize=1)
def _tlds() -> frozenset[str]:
    return frozenset((_GENERIC_TLDS + _COUNTRY_TLDS).split())


def _plain_link(token: str) -> tuple[tuple[int, int], ...] | None:
    """The scan's result for a plain link, without the scan; None when the token is not one."""
    m = _PLAIN_LINK.fullmatch(token)
    if m is None or len(token) > _MAX_URL_LENGTH or m.group(2).lower() not in _tlds() or m.group(1).lower() == "t.co":
        return None
    start = 1 if token[0] in _TOKEN_SEPARATORS else 0
    return ((start, len(token)),)


@lru_cache(maxsize=4096)
def _scan_token(token: str) -> tuple[tuple[int, int], ...]:
    """Ruby's scan of valid_url over one token (with the separator before it, if any).

    The match depends on nothing outside the token: the pattern has no look-behind, and
    the separator it may consume is included. Cached, because the same link is counted
    in every variant of a post and again in the digest.
    """
    plain = _plain_link(token)
    return plain if plain is not None else _full_scan(token)


def _full_scan(token: str) -> tuple[tuple[int, int], ...]:
    found = []
    for m in _valid_url().finditer(token):
        if m.group("protocol") is None:
            continue
        start, end = m.span("url")
        url = m.group("url")
        tco = _VALID_TCO_URL.match(url)
        if tco:
            if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                continue
            end = start + tco.end()
            url = tco.group(0)
        if _is_valid_domain(len(url), m.group("domain")):
            found.append((start, end))
    return tuple(found)


def _extract_mentions(text: str) -> list[tuple[int, int, str]]:
    """``Extractor.extract_mentions_or_lists_with_indices``: (start, end, username)."""
    if "@" not in text:
        return []
    mentions = []
    # Every match starts with "@": trying the pattern at each "@" (scan order, no overlap)
    # finds what a scan of the whole text finds, without running the regex over all of it.
    at = text.find("@")
    while at >= 0:
        m = _MENTION.match(text, at)
        if m is None:
            at = text.find("@", at + 1)
            continue
        at = text.find("@", m.end())
        if _END_MENTION.match(text, m.end()):
            continue
        username, _, domain = m.group(1).partition("@")
        if len(domain) > _MAX_DOMAIN_LENGTH:
            continue
        mentions.append((m.start(), m.end(), username))
    return mentions


def _entities(text: str) -> list[tuple[int, int, str | None]]:
    """URLs (username None) and mentions after ``remove_overlapping_entities``.

    Sorted by start; an entity starting inside the previous kept one is dropped, so a
    mention inside a URL is not rewritten.
    """
    found: list[tuple[int, int, str | None]] = [(s, e, None) for s, e in _extract_urls(text)]
    found.extend(_extract_mentions(text))
    if len(found) < 2:
        return found
    found.sort(key=lambda ent: ent[0])
    kept: list[tuple[int, int, str | None]] = []
    for ent in found:
        if kept and kept[-1][1] > ent[0]:
            continue
        kept.append(ent)
    return kept


# Ruby's String#strip: ASCII whitespace and NUL at both ends. Status#prepare_contents
# strips text and spoiler_text before validation. (String#blank? is fast_blank's
# "strip.empty?", so after the strip a text is blank only when it is empty.)
_RUBY_STRIP = "\x00\t\n\x0b\x0c\r "


def _countable_text(text: str, url_length: int) -> str:
    """``StatusLengthValidator#countable_text`` on an already stripped text."""
    if "://" not in text and "@" not in text:
        return text
    entities = _entities(text)
    if not entities:
        return text
    parts = []
    pos = 0
    placeholder = "x" * url_length
    for start, end, username in entities:
        parts.append(text[pos:start])
        parts.append(placeholder if username is None else "@" + username)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def mastodon_length(text: str, spoiler_text: str = "", *, url_length: int = URL_LENGTH) -> int:
    """The length Mastodon checks against ``max_characters`` for this status.

    Text and CW are stripped of ASCII whitespace first (the server does that before
    validating), URLs with a scheme count ``url_length``, ``@user@domain`` counts as
    ``@user``, and the CW counts in full. The result is compared with ``>``: a status of
    exactly ``max_characters`` is accepted.
    """
    text = text.strip(_RUBY_STRIP)
    spoiler_text = spoiler_text.strip(_RUBY_STRIP)
    return _count(spoiler_text + _countable_text(text, url_length))


def find_entities(text: str, *, url_length: int = URL_LENGTH) -> list[tuple[int, int, int]]:
    """(start, end, counted_length) of every URL and mention, in one scan."""
    return [(s, e, url_length if username is None else _count("@" + username)) for s, e, username in _entities(text)]


def find_urls(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point offsets of the URLs the server counts as ``url_length``."""
    return [(s, e) for s, e, username in _entities(text) if username is None]


def find_mentions(text: str) -> list[tuple[int, int, int]]:
    """(start, end, counted_length) of each mention; it counts as ``@user`` only."""
    return [(s, e, _count("@" + username)) for s, e, username in _entities(text) if username is not None]


def protected_spans(
    text: str, *, entities: list[tuple[int, int]] | None = None, joins: set[int] | None = None
) -> list[tuple[int, int]]:
    """Sorted, merged spans a shortener must not cut inside.

    URLs (cutting one changes both the link and the count), mentions, hashtags and
    ``:shortcode:`` emoji, each widened to whole grapheme clusters. A caller that already
    has the text's entities (URL and mention spans) and cluster joins passes them in.
    """
    spans = [(s, e) for s, e, _ in _entities(text)] if entities is None else list(entities)
    if "#" in text or "＃" in text:
        spans.extend(m.span() for m in _HASHTAG.finditer(text))
    if ":" in text and _SHORTCODE_CANDIDATE.search(text):
        spans.extend(m.span() for m in _SHORTCODE.finditer(text))
    if not spans:
        return []
    spans.sort()
    inside = _joins(text) if joins is None else joins
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        while start in inside:
            start -= 1
        while end in inside:
            end += 1
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
            continue
        merged.append((start, end))
    return merged
