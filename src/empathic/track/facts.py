"""Facts the customer gives: order and reference numbers, amounts, dates, the product, their
name and email, what they already tried. Kept in the conversation, used in replies, never asked
for again; a correction ("sorry, it's 4471 not 4417") replaces the old value.

Rules, not a model: these are the spans a support agent copies into a ticket, and a wrong guess
(an amount read as an order number) would be worse than none.
"""

from __future__ import annotations

import re

# The facts kept, by name (replies and the critic use the same names): order_number, reference,
# amount, date, product, device, os, app_version, name, email, address, tried.
_ID = r"#?[A-Z]{0,4}-?\d[\dA-Z-]{2,19}"
_ORDER = re.compile(
    rf"\b(?:order|purchase|parcel|package|tracking)\s*(?:number|no\.?|num|id|#|code)?\s*"
    rf"(?:is|was|:|=)?\s*({_ID})\b|"
    # "he had an order pending too, number HL55012": the number said a few words on.
    rf"\border\b[^.?!\d]{{0,30}}?\bnumber\s*(?:is|was|:|=)?\s*({_ID})\b",
    re.I,
)
# An id said on its own ("it's HL77421"), read as the fact we had just asked for: five or more
# letters and digits with a digit in them, not a version ("8.4.25") or an amount ("49.99").
_BARE_ID = re.compile(r"(?<![\w#.,:/-])(#?[A-Z]{0,4}-?\d[\dA-Z-]{4,19})(?![\w/-]|[.,]\d)", re.I)
_ID_ALONE = re.compile(r"^\W*(?:it'?s\s+|order\s+)?(#?[A-Z]{1,4}-?\d{4,19}|#?\d{5,19})\W*$", re.I)
# Letters then digits ("HL22010") in a message about an order: the shape of an order id.
_ID_WITH_ORDER = re.compile(r"(?=.*\border\b).*?\b([A-Z]{1,4}-?\d{4,19})\b", re.I | re.S)
_ASKED = {"order_number": re.compile(r"\border\s+(?:number|no\b|id)[^.!?]*\?", re.I)}
_HASH_ID = re.compile(r"(?<![\w#])#(\d{4,12})\b")
_REFERENCE = re.compile(
    rf"\b(?:reference|ref|ticket|case|claim|booking|confirmation)\s*(?:number|no\.?|#|id|code)?"
    rf"\s*(?:is|was|:|=)?\s*({_ID})\b",
    re.I,
)
_AMOUNT = re.compile(
    r"(?:[$£€]\s?\d[\d,]*(?:\.\d{1,2})?|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:dollars|pounds|euros|usd|gbp|eur)\b)",
    re.I,
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|"
    r"(?:last|this|next)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|"
    r"month)|yesterday|the\s+day\s+before\s+yesterday)\b",
    re.I,
)
_MODEL = r"(?:\s?\d{1,2}[a-z]?(?:\s?(?:plus|pro|max|xl|mini|ultra|se))*\b|\s(?:xs|xr|x|se)(?:\s?max)?\b)?"
_DEVICE = re.compile(
    r"\b(?:iphone|ipad(?:\s+(?:pro|air|mini))?|macbook(?:\s+(?:pro|air))?|imac|mac\s+mini|"
    r"(?:google\s+)?pixel(?:\s+xl)?|(?:google\s+|lg\s+|huawei\s+)?nexus\s?\d+\w*|oneplus\s?\d+\w*|"
    r"(?:huawei|xiaomi|motorola|moto|sony\s+xperia|nokia|lg)\s+[a-z]*\d+\w*|(?:samsung\s+)?galaxy(?:\s+(?:tab\s+)?[a-z]?\d+\w*)?|"
    r"samsung\s+[a-z]\d+\w*|lumia\s+\w+|ps[345]|playstation\s?\d?|xbox(?:\s+(?:one|series\s+[xs]))?|"
    r"nintendo\s+switch|chromebook|kindle|fire\s+tv|roku|apple\s+(?:tv|watch)|airpods|sonos\s+\w+|"
    r"android\s+(?:phone|tablet)|(?:samsung|huawei|xiaomi|motorola|nokia|lg|sony)\s+(?:cell\s+|mobile\s+|smart\s?)?(?:phone|tablet|tv)|"
    r"windows\s+phone|chromecast|chrome(?:book)?|firefox|safari|"
    # "It's a desktop PC, windows 10" (a TWCS train tweet) was then asked "Which device or
    # browser are you using?".
    r"microsoft\s+edge|(?:work|home|office|gaming|desktop)\s+(?:pc|laptop|computer)|"
    # Smart speakers: "It's set up on Google Home.", "Echo dot, 2months old" (TWCS train tweets).
    r"google\s+home(?:\s+(?:mini|max|hub))?|google\s+nest(?:\s+(?:mini|hub|audio))?|"
    r"amazon\s+echo(?:\s+(?:dot|show|plus|studio))?|echo\s+(?:dot|show|studio))"
    + _MODEL
    + r"(?!\w)",  # "Chromecast" is not "Chrome"
    re.I,
)
_OS = re.compile(
    r"\b(?:(?:ios|android|windows(?:\s+10\s+mobile)?|macos|mac\s+os|os\s+x)\s?(?:version\s)?"
    r"\d+(?:\.\d+)*|high\s+sierra|mojave|catalina|big\s+sur|monterey|ventura|sonoma|yosemite|"
    r"el\s+capitan|sierra)\b",
    re.I,
)
_APP_VERSION = re.compile(
    r"\b(?:version|ver|v)\.?\s?(\d+\.\d+(?:\.\d+)*)|"
    # A build number said bare ("Windows: 1.0.65.320.gac7a8e02 App: 8.4.22.857armV7"), not an
    # IP address nor a date ("12.10.2017").
    r"(?<![\w.])(?!(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.]))(?!\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})(?![\w.]))"
    r"(\d+\.\d+\.\d+(?:\.[0-9a-z]+)*)",
    re.I,
)
# A street address ("it's 12 Rose Street, Dublin"), with the town after it when one follows.
_ADDRESS = re.compile(
    r"\b\d{1,5}[a-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Way|"
    r"Drive|Dr|Close|Place|Pl|Court|Ct|Boulevard|Blvd|Square|Sq|Terrace|Crescent|Gardens|Row|"
    r"Walk|Hill|Strasse|Straße|Straat|Rue)\b(?:,\s*[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)?"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NAME = re.compile(r"\b(?i:my name is|this is|name's)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b")
# A brand-like name after "my"/"the": a word with a capital in it (iPhone, MacBook, Galaxy)
# and up to two more capitalised words or model numbers ("Galaxy S21 Ultra").
_PRODUCT = re.compile(
    r"\b(?:my|the|our)\s+(?:new\s+)?([a-z]*[A-Z][\w+-]*(?:\s+(?:[A-Z][\w+-]*|\d+\w*)){0,2})"
)
_TRIED = re.compile(
    r"\b(?:i(?:'ve| have)?\s+(?:already\s+)?(?:tried|attempted)|i\s+(?:already\s+)?"
    r"(?:restarted|reinstalled|reset|cleared|rebooted|updated|called|emailed|contacted|checked))\s+"
    r"([^.!?\n]{3,80})",
    re.I,
)
# "it's 4471 not 4417", "4471, not 4417": the value before "not" is the right one.
_CORRECTION = re.compile(rf"({_ID})\s*,?\s*(?:and\s+)?not\s+({_ID})", re.I)
_WRONG_FIRST = re.compile(rf"\bnot\s+({_ID})\s*,?\s*(?:but|it'?s|it\s+is)\s+({_ID})", re.I)


# Capitalised words after "the" that are not products: the calendar ("the Christmas season").
_NOT_PRODUCTS = frozenset(
    [
        "christmas",
        "easter",
        "halloween",
        "thanksgiving",
        "xmas",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def _a_product(name: str) -> bool:
    """Not shouting ("the NEXT song"), an acronym ("the UK", "my DM") or a calendar word: a word
    in capitals is a product only with a model number beside it ("the PS5")."""
    first = name.split()[0]
    if first.lower() in _NOT_PRODUCTS:
        return False
    return not (first.isupper() and not any(c.isdigit() for c in name))


# Brand spellings, so a reply says "your iPhone" and "Chrome", not "your iphone" and "chrome".
_BRAND_SPELLINGS = (
    "iPhone", "iPad", "iMac", "MacBook", "Pixel", "Nexus", "OnePlus", "Huawei", "Xiaomi",
    "Motorola", "Moto", "Sony", "Xperia", "Nokia", "LG", "Samsung", "Galaxy", "Tab", "Lumia",
    "PlayStation", "Xbox", "Nintendo", "Switch", "Chromebook", "Kindle", "Fire", "TV", "Roku",
    "Apple", "Watch", "AirPods", "Sonos", "Android", "Windows", "Chromecast", "Chrome", "Firefox",
    "Safari", "Microsoft", "Edge", "PC", "Pro", "Air", "Mini", "Max", "Plus", "Ultra", "XL", "SE",
    "XS", "XR", "One", "Series",
)  # fmt: skip
_BRANDS = {w.lower(): w for w in _BRAND_SPELLINGS}
_BROWSERS = frozenset({"Chrome", "Firefox", "Safari", "Microsoft Edge"})


def device_name(value: str) -> str:
    """A device as a reply names it: brands spelled as their makers do, model codes in capitals
    ("s7" -> "S7"), a browser called a browser ("your Chrome browser")."""
    words = []
    for word in value.split():
        lower = word.lower()
        if lower in _BRANDS:
            word = _BRANDS[lower]
        elif re.fullmatch(r"(?:ps|[a-z])\d+\w*", lower):  # a model code: S7, G930F, PS4
            word = word.upper()
        words.append(word)
    name = " ".join(words)
    return f"{name} browser" if name in _BROWSERS else name


def extract(text: str) -> dict[str, str]:
    """The facts stated in one message (only those it states)."""
    found: dict[str, str] = {}
    order = _ORDER.search(text)
    if order:
        found["order_number"] = (order.group(1) or order.group(2)).lstrip("#")
    elif hashed := _HASH_ID.search(text):
        found["order_number"] = hashed.group(1)
    reference = _REFERENCE.search(text)
    if reference and reference.group(1).lstrip("#") != found.get("order_number"):
        found["reference"] = reference.group(1).lstrip("#")
    for name, pattern in (
        ("amount", _AMOUNT), ("date", _DATE), ("email", _EMAIL), ("address", _ADDRESS)
    ):  # fmt: skip
        match = pattern.search(text)
        if match:
            found[name] = match.group(0).strip()
    for name, pattern in (("device", _DEVICE), ("os", _OS)):
        match = pattern.search(text)
        if match:
            found[name] = match.group(0).strip()
    if "device" in found:
        found["device"] = device_name(found["device"])
    for version in _APP_VERSION.finditer(text):
        value = version.group(1) or version.group(2)
        if value not in found.get("os", ""):  # "MacOS 10.11.6" is the system's version
            found["app_version"] = value
            break
    name_match = _NAME.search(text)
    if name_match:
        found["name"] = name_match.group(1)
    product = _PRODUCT.search(text)
    if product and _a_product(product.group(1)):
        found["product"] = product.group(1).strip()
    tried = _TRIED.search(text)
    if tried:
        found["tried"] = tried.group(0).strip().rstrip(",;")
    return found


def correction(text: str) -> tuple[str, str] | None:
    """(right, wrong) when the message corrects a number it or an earlier one gave."""
    match = _CORRECTION.search(text)
    if match:
        return match.group(1).lstrip("#"), match.group(2).lstrip("#")
    match = _WRONG_FIRST.search(text)
    if match:
        return match.group(2).lstrip("#"), match.group(1).lstrip("#")
    return None


def asked_for(reply: str) -> str | None:
    """The fact a reply of ours asked for ("Could you share your order number?"), if any."""
    return next((name for name, asks in _ASKED.items() if asks.search(reply)), None)


def update(facts: dict[str, str], text: str, asked: str | None = None) -> dict[str, str]:
    """The facts after this message: new ones added, a corrected value replaced, a later value
    of the same kind taking the place of the earlier one; what they tried accumulates. An id
    said on its own answers ``asked`` (the fact our last reply asked for)."""
    merged = dict(facts)
    found = extract(text)
    bare = _BARE_ID.search(text) if asked and asked not in found else None
    if bare:
        merged[asked] = bare.group(1).lstrip("#")  # type: ignore[index]
    elif "order_number" not in found and (in_request := _ID_WITH_ORDER.search(text)):
        # "Can you cancel my order please? HL22010": the id beside the word "order".
        merged["order_number"] = in_request.group(1)
    elif not found and (alone := _ID_ALONE.match(text)):
        # A message that is only an id ("HL55981") was asked for again right after it was
        # given: in a support chat it is the order.
        merged["order_number"] = alone.group(1).lstrip("#")
    fixed = correction(text)
    if fixed is not None:
        right, wrong = fixed
        replaced = [k for k, v in merged.items() if v == wrong]
        for key in replaced or ["order_number"]:
            merged[key] = right
    for key, value in found.items():
        if fixed is not None and value == fixed[1]:
            continue  # the wrong value named in the correction itself
        if key == "tried" and merged.get("tried") and value not in merged["tried"]:
            merged["tried"] = f"{merged['tried']}; {value}"
        else:
            merged[key] = value
    return merged
