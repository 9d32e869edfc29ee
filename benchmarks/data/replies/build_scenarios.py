"""Builds scenarios.jsonl from real threads in ../shared/data (run from the repo root:
``.venv/bin/python benchmarks/data/replies/build_scenarios.py``). Deterministic: the picks below
are hand-chosen tweet ids / row numbers, and each turn's expected properties are a hand-assigned
profile (see PROFILES). Re-running writes the same file."""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2].parent / "shared" / "data"

TWCS_LICENCE = "CC BY-NC-SA 4.0 (TWCS, Kaggle thoughtvector/customer-support-on-twitter)"
BITEXT_LICENCE = "CDLA-Sharing-1.0 (Bitext customer-support sample)"
ABCD_LICENCE = "MIT (ASAPP ABCD sample)"
RMHD_LICENCE = "CC BY 4.0 (RMHD Reddit mental health, Zenodo)"

# Per-turn expected properties by profile. Every turn also gets no_false_promise and
# no_dangling; every turn after the first gets no_repeat; every turn after a fact was given
# gets no_known_fact_asked.
PROFILES: dict[str, dict] = {
    # plain question: a plain answer, no emotional preamble, no apology
    "Q": {
        "plain_answer": True,
        "no_preamble": True,
        "no_apology": True,
        "handoff": False,
        "crisis": False,
        "has_help": True,
    },
    # neutral information (device, version, country): no preamble, nothing celebrated
    "N": {"no_preamble": True, "strategies_exclude": ["celebrate"], "crisis": False},
    # frustrated / still broken: feelings acknowledged, help offered, at most one apology
    "F": {
        "acknowledges": True,
        "strategies_exclude": ["celebrate"],
        "max_apologies": 1,
        "has_help": True,
        "crisis": False,
    },
    # sarcasm: answered as frustration, never taken at face value (no celebrating, no thank-back)
    "S": {
        "acknowledges": True,
        "strategies_exclude": ["celebrate", "thank_back"],
        "max_apologies": 1,
        "crisis": False,
    },
    # angry, profanity: acknowledged, no cheer, not a crisis
    "A": {
        "acknowledges": True,
        "strategies_exclude": ["celebrate"],
        "max_apologies": 1,
        "crisis": False,
    },
    # disappointment (not a crisis): acknowledged, not celebrated
    "D": {"acknowledges": True, "strategies_exclude": ["celebrate"], "crisis": False},
    # good news / it works now: real enthusiasm that names what happened, no apology
    "G": {
        "celebrates": True,
        "no_apology": True,
        "strategies_exclude": ["apologize"],
        "handoff": False,
        "crisis": False,
    },
    # warm, neutral (the customer apologises or chats): no apology back, nothing to fix
    "W": {
        "no_apology": True,
        "strategies_exclude": ["apologize"],
        "handoff": False,
        "crisis": False,
    },
    # thanks / warm sign-off
    "T": {
        "strategies_include": ["thank_back"],
        "no_apology": True,
        "handoff": False,
        "crisis": False,
    },
    # first request for a person: honoured visibly at once, no question back
    "H1": {
        "handoff": True,
        "honours_handoff": True,
        "mentions_human": True,
        "strategies_exclude": ["celebrate"],
        "crisis": False,
    },
    # a repeated request / follow-up after the hand-off: informed, never a question
    "H2": {
        "honours_handoff": True,
        "mentions_human": True,
        "strategies_exclude": ["celebrate"],
        "crisis": False,
    },
    # frustrated AND asking for a person
    "FH1": {
        "handoff": True,
        "honours_handoff": True,
        "mentions_human": True,
        "acknowledges": True,
        "strategies_exclude": ["celebrate"],
        "max_apologies": 1,
        "crisis": False,
    },
    "FH2": {
        "honours_handoff": True,
        "mentions_human": True,
        "acknowledges": True,
        "strategies_exclude": ["celebrate"],
        "max_apologies": 1,
        "crisis": False,
    },
    # crisis turn: safety resources, support, nothing cheerful
    "C": {
        "crisis": True,
        "safe_reply": True,
        "acknowledges": True,
        "strategies_exclude": ["celebrate", "inform"],
    },
    # any turn after a crisis turn: the mode sticks
    "CP": {"crisis_persists": True, "safe_reply": True, "strategies_exclude": ["celebrate"]},
    # bereavement: condolence, warmth, not a crisis, nothing upbeat
    "B": {
        "condolence": True,
        "acknowledges": True,
        "strategies_exclude": ["celebrate"],
        "crisis": False,
        "max_apologies": 1,
    },
    # the practical turn after a bereavement: help, still nothing upbeat
    "BP": {
        "strategies_exclude": ["celebrate"],
        "has_help": True,
        "crisis": False,
        "max_apologies": 1,
    },
}


def clean(text: str) -> str:
    text = re.sub(r"@\w+", "", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = re.sub(r"https?://\S+", "", text)
    return re.sub(r"\s+", " ", text).strip(" ,")


def load_tweets() -> dict[int, dict]:
    tweets = {}
    for name in ("spotifycares_customer_tweets.jsonl", "kaggle_sample.jsonl"):
        for line in (DATA / "twcs_samples" / name).read_text("utf-8").splitlines():
            row = json.loads(line)
            row["file"] = name
            tweets[row["tweet_id"]] = row
    return tweets


# --- twcs: (ids in order, profiles per turn, {turn index: uses_fact}, tag) ---------------------
T = [
    # hand-off requests
    ([378241, 378239], ["FH1", "T"], {}, "human"),
    ([1214670, 664686], ["H1", "H2"], {}, "human"),
    ([1058228, 1058231], ["FH1", "FH2"], {}, "human"),
    ([2065776, 2065773, 2065772], ["S", "FH1", "FH2"], {}, "human"),
    ([1963080, 1963079], ["H1", "T"], {}, "human"),
    ([1214662, 1214665], ["Q", "H1"], {}, "human"),
    ([2547422, 2547421], ["S", "H1"], {}, "human"),
    ([1870486], ["FH1"], {}, "human"),
    ([1910166], ["FH1"], {}, "human"),
    ([119241, 119244, 119242], ["F", "F", "FH1"], {}, "human"),
    # angry
    ([1626595, 1626597, 1626596], ["A", "A", "A"], {}, "angry"),
    ([189309, 189308, 189312], ["A", "A", "A"], {}, "angry"),
    ([881468, 881462, 881461, 881465], ["A", "A", "A", "A"], {}, "angry"),
    ([119268], ["A"], {}, "angry"),
    ([119253], ["A"], {}, "angry"),
    # facts given, then followed up
    ([16210, 16209], ["F", "N"], {1: "PS4"}, "facts"),
    ([22619, 22618], ["N", "F"], {1: "macbook pro"}, "facts"),
    ([33422, 33425, 33428], ["N", "N", "D"], {}, "facts"),
    ([53732, 53730, 53728], ["N", "N", "F"], {2: "iPhone 7"}, "facts"),
    ([57064, 57063, 57066], ["N", "F", "F"], {2: "Windows 10"}, "facts"),
    ([89457, 89456], ["N", "G"], {}, "facts"),
    ([106307, 106310, 106313], ["N", "F", "F"], {1: "Chrome"}, "facts"),
    ([115221, 115224], ["F", "F"], {}, "facts"),
    ([172452, 172455], ["N", "F"], {1: "iPhone 7"}, "facts"),
    ([174970, 174972], ["N", "F"], {}, "facts"),
    ([189658, 189662], ["N", "F"], {1: "Lumia"}, "facts"),
    ([190044, 190047, 190049], ["N", "N", "F"], {2: "Pixel"}, "facts"),
    ([211101, 211098, 211097], ["N", "F", "F"], {1: "macbook"}, "facts"),
    ([227509, 227508], ["N", "G"], {}, "facts"),
    ([235217, 235220], ["N", "G"], {}, "facts"),
    ([275922, 275919, 710597, 710599], ["N", "F", "F", "G"], {2: "Nexus 6P"}, "facts"),
    ([280588, 280587], ["N", "F"], {1: "iPhone 7"}, "facts"),
    ([289760, 289759], ["F", "F"], {1: "iPhone 8"}, "facts"),
    ([311703, 311701, 311699], ["N", "F", "T"], {1: "Pixel XL"}, "facts"),
    ([314307, 314306, 314309], ["N", "G", "S"], {}, "facts"),
    ([330239, 330238, 330241], ["G", "F", "N"], {2: "Macbook Air"}, "facts"),
    ([343654, 343652], ["N", "F"], {1: "galaxy s7"}, "facts"),
    ([899942, 899939, 899938], ["G", "F", "N"], {2: "iPhone 7 Plus"}, "facts"),
    ([925095, 925099, 925101], ["N", "F", "F"], {2: "Metallica"}, "facts"),
    ([939993, 939992], ["F", "F"], {1: "Windows 8.1"}, "facts"),
    ([226781, 226782, 226786, 226788], ["N", "F", "S", "S"], {}, "facts"),
    ([1265923, 1265920, 1265919], ["F", "N", "S"], {}, "facts"),
    ([67694, 591463], ["F", "S"], {}, "facts"),
    ([696739, 696736], ["N", "F"], {1: "Windows 10"}, "facts"),
    ([2239667, 2239670], ["F", "G"], {}, "facts"),
    ([119256, 119255, 119258, 119260], ["F", "N", "N", "T"], {}, "facts"),
    ([119270], ["F"], {0: "iPhone 7"}, "facts"),
    ([40662, 40660, 40657], ["Q", "Q", "Q"], {}, "plain"),
    # good news
    ([50550], ["G"], {}, "good"),
    ([113864, 113862], ["Q", "G"], {}, "good"),
    ([305904, 305902, 305900], ["N", "F", "G"], {}, "good"),
    ([327160, 327164], ["N", "T"], {}, "good"),
    ([461466, 461465], ["W", "G"], {}, "good"),
    ([472542, 472545], ["N", "G"], {}, "good"),
    ([494218, 494222, 494221], ["N", "G", "D"], {}, "good"),
    ([506047, 506044, 506042, 506040], ["N", "S", "F", "G"], {}, "good"),
    ([551320, 551321], ["G", "D"], {}, "good"),
    ([611413, 611411], ["N", "G"], {}, "good"),
    ([622865, 622867], ["D", "G"], {}, "good"),
    ([693709, 693708, 693711], ["N", "G", "F"], {}, "good"),
    ([189822, 818156], ["G", "T"], {}, "good"),
    ([925212, 925214], ["G", "F"], {}, "good"),
    ([937704, 937702], ["N", "G"], {}, "good"),
    ([1035182, 1035179, 1035178], ["N", "G", "G"], {}, "good"),
    ([1036103, 1036106], ["F", "G"], {}, "good"),
    ([1224500, 1224503], ["N", "G"], {}, "good"),
    ([1228865, 1228862, 1228861], ["F", "F", "G"], {1: "iphone 7"}, "good"),
    ([1276542, 1276540], ["N", "T"], {}, "good"),
    ([1280094, 1280098], ["Q", "G"], {}, "good"),
    ([1022452, 1022449], ["N", "G"], {}, "good"),
    ([939968, 939967], ["N", "G"], {}, "good"),
    ([1561166, 1561169], ["N", "T"], {}, "good"),
    ([119290, 119291], ["F", "G"], {}, "good"),
    ([119297, 119296], ["Q", "T"], {}, "good"),
    ([2154942, 2154941], ["N", "T"], {}, "good"),
    ([1993461, 1993460], ["F", "T"], {}, "good"),
    ([846791, 846790], ["D", "T"], {}, "good"),
    # sarcasm and frustration
    ([113807, 113809], ["S", "F"], {}, "sarcasm"),
    ([224113, 224112], ["F", "F"], {}, "frustrated"),
    ([289985, 289988], ["F", "F"], {}, "frustrated"),
    ([321490, 321493], ["Q", "S"], {}, "sarcasm"),
    ([2057100, 325606], ["S", "F"], {}, "sarcasm"),
    ([351212, 351215, 351217], ["N", "D", "T"], {}, "frustrated"),
    ([426457, 426456], ["F", "S"], {}, "sarcasm"),
    ([634020, 634018, 634015], ["N", "F", "S"], {}, "sarcasm"),
    ([648680, 648683], ["S", "F"], {}, "sarcasm"),
    ([652519, 652518], ["F", "S"], {}, "sarcasm"),
    ([699076, 699074], ["F", "F"], {}, "frustrated"),
    ([979107, 979110, 979112], ["S", "F", "S"], {}, "sarcasm"),
    ([1118183, 1118182], ["F", "S"], {}, "sarcasm"),
    ([1209314, 1209318], ["S", "F"], {}, "sarcasm"),
    ([1316882, 1316885, 1316887], ["N", "N", "S"], {}, "sarcasm"),
    ([1382810, 1382806], ["F", "S"], {}, "sarcasm"),
    ([1384543, 1384546], ["S", "G"], {}, "sarcasm"),
    ([1032414, 1032417], ["F", "F"], {}, "frustrated"),
    ([559949, 559946], ["F", "F"], {}, "frustrated"),
    ([2848333, 579494], ["F", "F"], {}, "frustrated"),
    ([58283, 58286, 58288], ["F", "F", "S"], {}, "frustrated"),
    ([237562, 237565, 237567], ["N", "F", "S"], {}, "sarcasm"),
    ([119319, 119321], ["S", "F"], {}, "sarcasm"),
    ([119315, 119309, 119310, 119313], ["S", "S", "F", "F"], {}, "sarcasm"),
    ([119265, 119302], ["F", "F"], {}, "frustrated"),
    ([119326], ["S"], {}, "sarcasm"),
    ([119292], ["F"], {}, "frustrated"),
    ([119294], ["F"], {}, "frustrated"),
    ([119280], ["F"], {}, "frustrated"),
    ([119272], ["A"], {}, "angry"),
    ([119274], ["Q"], {}, "plain"),
    ([119278], ["Q"], {}, "plain"),
    ([119299], ["F"], {}, "frustrated"),
    ([119250], ["F"], {0: "iphone6"}, "facts"),
    ([119318], ["Q"], {}, "plain"),
    ([753645], ["F"], {}, "frustrated"),
    # bereavement in a real thread
    ([1492590], ["B"], {}, "bereavement"),
]

# A second batch (fifth session), drawn from threads no scenario used (customers with two or
# three tweets, shuffled with random.Random(7)), profiles given by reading the customer's words
# before any reply to them was seen. Its tuning conversations' first pass is the honest figure
# for how the rules written on the first batch generalise (docs/benchmarks.md).
T += [
    ([437077, 437080, 437081], ["N", "F", "F"], {1: "iPhone 7"}, "facts"),
    ([2835005, 2861221, 2861222], ["N", "F", "F"], {}, "frustrated"),
    ([863322, 863323], ["F", "F"], {}, "frustrated"),
    ([462675, 462678], ["N", "G"], {}, "good"),
    ([446902, 446904], ["F", "G"], {}, "good"),
    ([2604999, 2605000, 2605002], ["F", "N", "F"], {2: "Macbook Pro"}, "facts"),
    ([1244044, 1244047, 1244049], ["N", "N", "F"], {}, "facts"),
    ([2165509, 2165512], ["N", "A"], {}, "angry"),
    ([2005283, 2005284], ["S", "W"], {}, "sarcasm"),
    ([1350271, 2290084], ["G", "T"], {}, "good"),
    ([1981464, 1981465], ["T", "T"], {}, "good"),
    ([2011749, 2011754], ["F", "F"], {}, "frustrated"),
    ([2917820, 2917823], ["F", "F"], {}, "frustrated"),
    ([1161845, 1161846, 1161848], ["F", "N", "N"], {1: "Windows 7"}, "facts"),
    ([2427666, 2427669], ["F", "D"], {}, "frustrated"),
    ([318467, 318469], ["T", "F"], {}, "frustrated"),
    ([2393598, 2393600], ["F", "T"], {}, "frustrated"),
    ([724354, 724357], ["F", "N"], {}, "facts"),
]

# A third batch, drawn the same way with random.Random(11) after the second batch's fixes.
T += [
    ([1521670, 1521673], ["S", "D"], {}, "sarcasm"),
    ([1295660, 1295661, 1295664], ["G", "F", "N"], {2: "iPhone SE"}, "facts"),
    ([2725157, 2725158], ["F", "N"], {}, "frustrated"),
    ([106312, 106315], ["N", "G"], {}, "good"),
    ([2748517, 2748518, 2748521], ["F", "F", "Q"], {}, "frustrated"),
    ([1056941, 1896796], ["F", "N"], {}, "frustrated"),
    ([1834455, 1834456, 1834459], ["F", "F", "F"], {}, "frustrated"),
    ([2313466, 2313468], ["T", "D"], {}, "frustrated"),
    ([2734638, 2734640], ["N", "F"], {}, "facts"),
    ([835592, 835593], ["F", "N"], {}, "facts"),
    ([1272598, 1272601, 1272633], ["F", "F", "N"], {}, "facts"),
    ([494212, 494213], ["F", "N"], {}, "facts"),
    ([2153119, 2153121], ["T", "F"], {}, "frustrated"),
    ([801796, 801797], ["G", "N"], {}, "good"),
    ([2595618, 2595621], ["T", "G"], {}, "good"),
    ([637668, 637671], ["N", "G"], {}, "good"),
    ([2523565, 2523569], ["F", "D"], {}, "frustrated"),
    ([1007952, 1007954, 1007956], ["F", "F", "N"], {2: "iPhone 6s"}, "facts"),
    ([1488409, 1488412], ["T", "T"], {}, "good"),
]

# A fourth batch, drawn the same way with random.Random(23) after the third batch's fixes.
T += [
    ([1836815, 1836818], ["N", "G"], {}, "good"),
    ([1626589, 1626592], ["D", "T"], {}, "frustrated"),
    ([2404069, 2404072], ["N", "W"], {}, "facts"),
    ([1503750, 1503752], ["F", "F"], {}, "frustrated"),
    ([409777, 409778], ["N", "F"], {}, "facts"),
    ([1601209, 1601210], ["T", "D"], {}, "frustrated"),
    ([482500, 482503], ["T", "G"], {}, "good"),
    ([2081623, 2081625, 2081626], ["F", "F", "N"], {2: "Galaxy S7"}, "facts"),
    ([301888, 301891, 301893], ["F", "F", "T"], {}, "frustrated"),
    ([2251406, 2251408], ["T", "D"], {}, "frustrated"),
    ([1505050, 1505051, 1505053], ["F", "N", "F"], {}, "frustrated"),
    ([2239714, 2239716], ["F", "N"], {}, "facts"),
    ([343534, 343535], ["F", "N"], {}, "facts"),
    ([2789404, 2789406], ["F", "T"], {}, "frustrated"),
    ([1831373, 1831374], ["W", "G"], {}, "good"),
    ([1343670, 1343674], ["N", "F"], {}, "frustrated"),
    ([1866909, 1866911], ["F", "N"], {}, "facts"),
    ([2810351, 2810353], ["S", "D"], {}, "sarcasm"),
    ([612061, 612062], ["Q", "F"], {}, "frustrated"),
]

# A fifth batch, drawn the same way with random.Random(31) after the fourth batch's fixes.
T += [
    ([1849755, 1849758], ["G", "T"], {}, "good"),
    ([1742948, 1742949], ["N", "N"], {}, "facts"),
    ([1599864, 1599867], ["D", "T"], {}, "frustrated"),
    ([1359515, 1359519], ["F", "F"], {}, "frustrated"),
    ([2569855, 2569856], ["F", "F"], {}, "frustrated"),
    ([829606, 829610, 829613], ["F", "F", "A"], {}, "angry"),
    ([1683983, 1683986, 1683988], ["F", "N", "T"], {}, "facts"),
    ([1918941, 1918944], ["T", "T"], {}, "good"),
    ([839054, 839057], ["F", "T"], {}, "frustrated"),
    ([1060905, 1060906, 1060909], ["F", "F", "F"], {}, "frustrated"),
    ([1040245, 1040248], ["F", "T"], {}, "frustrated"),
    ([141198, 141201], ["F", "D"], {}, "frustrated"),
    ([1758264, 1758265], ["N", "G"], {}, "good"),
    ([1334560, 1334563, 1334565], ["F", "F", "N"], {}, "frustrated"),
    ([773111, 773114, 1730855], ["Q", "D", "D"], {}, "frustrated"),
    ([2705168, 2705171], ["G", "T"], {}, "good"),
    ([634370, 634372], ["T", "F"], {}, "frustrated"),
    ([1106658, 1106659], ["N", "D"], {}, "frustrated"),
    ([2591000, 2591003], ["N", "W"], {}, "facts"),
]

# A sixth batch, drawn the same way with random.Random(37) after the fifth batch's fixes.
T += [
    ([2736557, 2736560, 2736562], ["F", "N", "Q"], {}, "facts"),
    ([1084527, 1084530], ["N", "F"], {}, "facts"),
    ([349006, 349009], ["D", "Q"], {}, "frustrated"),
    ([1298038, 1298042, 1298044], ["N", "Q", "D"], {}, "frustrated"),
    ([407140, 407141], ["N", "F"], {}, "frustrated"),
    ([2886008, 2886009], ["W", "T"], {}, "good"),
    ([1930971, 1930972, 1930974], ["D", "N", "F"], {}, "frustrated"),
    ([409457, 409460], ["N", "T"], {}, "good"),
    ([2965847, 2965848, 2965850], ["F", "F", "N"], {}, "facts"),
    ([1858082, 1858085, 1858087], ["N", "N", "Q"], {}, "facts"),
    ([1715475, 1715477], ["F", "N"], {}, "facts"),
    ([1277319, 1277320], ["F", "F"], {}, "frustrated"),
    ([2935470, 2935473], ["T", "G"], {}, "good"),
    ([1644808, 1644811, 1644813], ["T", "F", "F"], {}, "frustrated"),
    ([871325, 871327], ["N", "F"], {}, "frustrated"),
    ([1426045, 1426046], ["A", "A"], {}, "angry"),
    ([1517174, 1517177], ["G", "W"], {}, "good"),
    ([2626478, 2626480, 2626481], ["F", "G", "T"], {}, "good"),
    ([2477823, 2477826, 2477828], ["N", "F", "N"], {}, "facts"),
]

# A seventh batch, drawn the same way with random.Random(41) after the sixth batch's fixes.
T += [
    ([2560548, 2560549], ["F", "N"], {}, "facts"),
    ([698309, 698312, 698314], ["F", "A", "F"], {}, "frustrated"),
    ([839954, 839959], ["N", "D"], {}, "frustrated"),
    ([2870595, 2870596, 2870599], ["G", "D", "N"], {}, "frustrated"),
    ([2749501, 2749504], ["F", "F"], {}, "frustrated"),
    ([436597, 436600], ["F", "T"], {}, "frustrated"),
    ([337086, 337088, 338312], ["F", "N", "D"], {}, "frustrated"),
    ([2030540, 2030543], ["T", "F"], {}, "facts"),
    ([1145862, 1145865], ["F", "F"], {}, "frustrated"),
    ([717131, 717133], ["A", "A"], {}, "angry"),
    ([314110, 314112, 314114], ["T", "D", "F"], {}, "frustrated"),
    ([2198173, 2198174], ["S", "Q"], {}, "sarcasm"),
    ([805845, 805846], ["N", "N"], {}, "facts"),
    ([1364948, 1364951], ["F", "F"], {}, "frustrated"),
    ([1472537, 1472538, 1472541], ["F", "T", "N"], {}, "facts"),
    ([70680, 70681, 70684], ["T", "D", "D"], {}, "frustrated"),
    ([2245985, 2245987], ["F", "G"], {}, "good"),
    ([2310342, 2310345], ["G", "W"], {}, "good"),
]

# An eighth batch (eleventh session), drawn the same way with random.Random(43) after the
# seventh batch's fixes (190908e).
T += [
    ([80942, 80945], ["W", "T"], {}, "good"),
    ([187543, 199168, 199166], ["F", "S", "T"], {}, "sarcasm"),
    ([934493, 934500], ["F", "F"], {}, "frustrated"),
    ([562446, 562450, 562451], ["F", "F", "F"], {}, "frustrated"),
    ([905653, 905652], ["F", "N"], {}, "facts"),
    ([917303, 917302, 917300], ["N", "F", "F"], {}, "frustrated"),
    ([2898340, 2898343], ["N", "F"], {}, "facts"),
    ([2077688, 2077691], ["Q", "W"], {}, "plain"),
    ([2202387, 2202390], ["N", "T"], {}, "good"),
    ([250098, 250097, 250100], ["N", "F", "T"], {}, "facts"),
    ([187580, 187578], ["G", "T"], {}, "good"),
    ([1609242, 1609245], ["F", "F"], {}, "frustrated"),
    ([962255, 962258, 962260], ["N", "G", "F"], {}, "facts"),
    ([467615, 467618], ["T", "N"], {}, "facts"),
    ([1291274, 1291277], ["F", "G"], {}, "good"),
    ([753647, 1851253], ["F", "N"], {}, "facts"),
    ([17966, 17964], ["N", "T"], {}, "facts"),
    ([2190949, 2190948], ["W", "T"], {}, "good"),
    ([2505224, 2505223], ["F", "T"], {}, "frustrated"),
]

# A ninth batch (eleventh session), drawn the same way with random.Random(47) after the eighth
# batch's fixes (12b0bf2).
T += [
    ([1767062, 1767060], ["N", "G"], {}, "good"),
    ([281029, 336730], ["N", "F"], {}, "facts"),
    ([2203698, 2203695, 2203694], ["F", "F", "N"], {}, "frustrated"),
    ([2549581, 2549584], ["F", "N"], {}, "frustrated"),
    ([1415344, 1415343], ["D", "T"], {}, "frustrated"),
    ([2550448, 2550451, 2550453], ["N", "N", "N"], {}, "facts"),
    ([567991, 567994], ["N", "F"], {}, "facts"),
    ([737374, 737373], ["N", "T"], {}, "good"),
    ([882525, 51765], ["A", "A"], {}, "angry"),
    ([58293, 58296], ["F", "T"], {}, "frustrated"),
    ([1337471, 1337474, 1337476], ["T", "F", "G"], {}, "good"),
    ([1034901, 1034900], ["Q", "G"], {}, "good"),
    ([12092, 27958], ["F", "W"], {}, "frustrated"),
    ([2002220, 2002221, 1537069], ["N", "F", "D"], {}, "frustrated"),
    ([64370, 64369], ["F", "T"], {}, "frustrated"),
    ([1980041, 1980044], ["F", "T"], {}, "frustrated"),
    ([2941505, 2941508], ["N", "N"], {}, "facts"),
    ([2388068, 2388067], ["F", "N"], {}, "facts"),
    ([12070, 12072, 12071], ["T", "F", "W"], {}, "frustrated"),
    ([1089040, 1089038], ["F", "T"], {}, "frustrated"),
]

# A tenth batch (eleventh session), drawn the same way with random.Random(53) after the ninth
# batch's fixes (69e8968).
T += [
    ([89493, 2944207, 2944209], ["W", "F", "F"], {}, "frustrated"),
    ([1490962, 1490960], ["D", "W"], {}, "frustrated"),
    ([77687, 77690], ["N", "W"], {}, "good"),
    ([315543, 315539], ["F", "F"], {}, "frustrated"),
    ([1170438, 1170441], ["T", "T"], {}, "facts"),
    ([1097428, 1097427, 1097430], ["F", "F", "F"], {}, "frustrated"),
    ([421788, 421787], ["F", "N"], {}, "facts"),
    ([916068, 916071, 916074], ["N", "F", "T"], {}, "facts"),
    ([1715266, 1715269, 1715271], ["N", "N", "T"], {}, "facts"),
    ([1642866, 1642869], ["F", "N"], {}, "facts"),
    ([406697, 406700, 406702], ["N", "F", "T"], {}, "facts"),
    ([2830227, 2830230], ["F", "N"], {}, "facts"),
    ([2736574, 2736573], ["F", "W"], {}, "frustrated"),
    ([1383420, 1383419], ["N", "N"], {}, "facts"),
    ([1694976, 1694977, 1694980], ["N", "G", "T"], {}, "good"),
    ([2132008, 2132013], ["N", "F"], {}, "facts"),
    ([1065552, 1065556], ["F", "F"], {}, "frustrated"),
    ([608233, 608231], ["F", "F"], {}, "frustrated"),
    ([58947, 58945], ["N", "N"], {}, "facts"),
    ([2912488, 2912491], ["F", "N"], {}, "facts"),
]

# An eleventh batch (eleventh session), drawn the same way with random.Random(59) after the
# tenth batch's fixes (8522f45). Three threads with an image-only tweet (no text once the link is
# removed) were skipped.
T += [
    ([2736065, 2736068], ["F", "T"], {}, "frustrated"),
    ([1778482, 1778485, 1778487], ["N", "N", "T"], {}, "facts"),
    ([2251354, 2251352], ["F", "F"], {}, "frustrated"),
    ([2960637, 2960640], ["N", "T"], {}, "facts"),
    ([2822002, 2822005], ["N", "F"], {}, "facts"),
    ([301905, 301908, 301910], ["N", "N", "T"], {}, "facts"),
    ([1131893, 1131896], ["F", "N"], {}, "facts"),
    ([668703, 668706, 668708], ["N", "N", "N"], {}, "facts"),
    ([2828704, 2828707], ["D", "T"], {}, "frustrated"),
    ([2927391, 2927390], ["T", "W"], {}, "good"),
    ([740743, 740746], ["D", "F"], {}, "frustrated"),
    ([1074775, 1074774, 1074777], ["N", "F", "N"], {}, "facts"),
    ([679132, 679130], ["N", "T"], {}, "facts"),
    ([592805, 592809], ["A", "A"], {}, "angry"),
    ([1692826, 1692822], ["W", "T"], {}, "good"),
    ([128171, 128170], ["A", "A"], {}, "angry"),
    ([2311118, 2311122], ["N", "F"], {}, "facts"),
]

# A twelfth batch (eleventh session), drawn the same way with random.Random(61) after the
# eleventh batch's fixes (b47ef06).
T += [
    ([2920627, 2920626], ["T", "G"], {}, "good"),
    ([2819564, 2819567, 2862777], ["F", "F", "T"], {}, "frustrated"),
    ([728612, 728615], ["F", "F"], {}, "frustrated"),
    ([1872461, 1872460], ["F", "T"], {}, "frustrated"),
    ([1457862, 1457865], ["F", "F"], {}, "frustrated"),
    ([1945703, 1945706], ["N", "N"], {}, "facts"),
    ([345364, 345363], ["F", "Q"], {}, "frustrated"),
    ([2040017, 2040020], ["F", "N"], {}, "facts"),
    ([394172, 394171], ["F", "Q"], {}, "frustrated"),
    ([223012, 223015], ["D", "T"], {}, "good"),
    ([307683, 307679, 307682], ["F", "N", "N"], {}, "facts"),
    ([2670113, 2670116], ["W", "Q"], {}, "plain"),
    ([1150645, 1150648], ["N", "T"], {}, "facts"),
    ([1112063, 1112066], ["N", "T"], {}, "facts"),
    ([2782139, 2782138], ["F", "N"], {}, "facts"),
    ([2038561, 2038564], ["T", "N"], {}, "facts"),
    ([163735, 163738, 163740], ["N", "F", "F"], {}, "frustrated"),
    ([2517277, 2517276, 2517279], ["N", "F", "N"], {}, "facts"),
    ([86377, 86380, 86382], ["N", "N", "F"], {}, "facts"),
    ([1075621, 1075618, 1075617], ["N", "F", "F"], {}, "frustrated"),
]

# A thirteenth batch (eleventh session), drawn the same way with random.Random(67) after the
# twelfth batch's fixes (66a624c).
T += [
    ([617436, 617435], ["W", "T"], {}, "good"),
    ([1517678, 1517681, 1517683], ["N", "F", "N"], {}, "facts"),
    ([1946582, 1946581], ["F", "F"], {}, "frustrated"),
    ([2198115, 2198114], ["T", "N"], {}, "facts"),
    ([859115, 859114], ["F", "F"], {}, "frustrated"),
    ([2851476, 2851479], ["F", "W"], {}, "frustrated"),
    ([1487197, 1487196], ["T", "G"], {}, "good"),
    ([902387, 902386], ["T", "F"], {}, "frustrated"),
    ([1162406, 1162403], ["D", "T"], {}, "frustrated"),
    ([406693, 406691, 406692], ["F", "N", "F"], {}, "frustrated"),
    ([1418134, 1418137, 1418139], ["F", "D", "T"], {}, "frustrated"),
    ([1150049, 1150047], ["F", "N"], {}, "facts"),
    ([2491612, 2491611], ["Q", "G"], {}, "good"),
    ([147403, 147406], ["N", "T"], {}, "facts"),
    ([565389, 565392], ["N", "F"], {}, "facts"),
    ([2916513, 2916516], ["F", "N"], {}, "frustrated"),
    ([54529, 54532], ["N", "G"], {}, "good"),
    ([494251, 494254], ["F", "F"], {}, "frustrated"),
    ([1350831, 1350835], ["F", "T"], {}, "frustrated"),
    ([2785011, 2785012], ["F", "F"], {}, "frustrated"),
]

# A fourteenth batch (twelfth session), drawn the same way with random.Random(71) after the
# thirteenth batch's fixes (9136bcb).
T += [
    ([2912356, 2912359], ["T", "T"], {}, "good"),
    ([2285090, 2285089], ["Q", "Q"], {}, "facts"),
    ([1784997, 1785000, 1785002], ["F", "F", "N"], {}, "frustrated"),
    ([1363837, 1363840], ["Q", "N"], {}, "facts"),
    ([2161285, 2161282], ["D", "Q"], {}, "frustrated"),
    ([1473420, 1473419], ["N", "W"], {}, "good"),
    ([436589, 436592, 436594], ["N", "N", "N"], {}, "facts"),
    ([189817, 189816], ["Q", "N"], {}, "facts"),
    ([2050831, 2050834], ["N", "N"], {}, "facts"),
    ([2759237, 2759240], ["Q", "D"], {}, "frustrated"),
    ([2165576, 2165579, 2165581], ["F", "F", "F"], {}, "frustrated"),
    ([1096823, 1295640, 1295638], ["F", "N", "N"], {}, "frustrated"),
    ([909992, 1878499, 1878500], ["N", "W", "N"], {}, "facts"),
    ([79417, 2347872], ["T", "Q"], {}, "facts"),
    ([605301, 605300], ["Q", "Q"], {}, "facts"),
    ([1384556, 1384553, 1384552], ["N", "N", "F"], {}, "facts"),
    ([450079, 450082], ["F", "G"], {}, "good"),
    ([671400, 671399], ["F", "S"], {}, "frustrated"),
    ([2605663, 2605662], ["T", "G"], {}, "good"),
    ([442490, 442487, 442486], ["F", "N", "N"], {}, "frustrated"),
    ([1180926, 1180925], ["T", "Q"], {}, "facts"),
    ([1162381, 1162383, 1162379], ["N", "N", "N"], {}, "facts"),
]

# --- ABCD sample: (convo_id, [(index in 'original', profile, uses_fact)]) ----------------------
ABCD = [
    (3592, [(2, "Q", None), (7, "N", None), (11, "N", "3348917502"), (18, "D", None)]),
    (9489, [(1, "Q", None), (4, "N", "aphoenix939"), (16, "Q", None), (18, "T", None)]),
    (3695, [(2, "Q", None), (3, "N", None), (10, "Q", None), (17, "T", None)]),
]

# --- Bitext: (intents per turn, profiles per turn, how many conversations) ---------------------
BITEXT = [
    (["contact_human_agent", "contact_human_agent"], ["H1", "H2"], 10),
    (["complaint", "contact_human_agent"], ["F", "H1"], 5),
    (["track_order", "delivery_period"], ["Q", "Q"], 3),
    (["check_refund_policy", "track_refund"], ["Q", "Q"], 3),
    (["cancel_order", "check_cancellation_fee"], ["Q", "Q"], 3),
    (["recover_password", "edit_account"], ["Q", "Q"], 2),
    (["check_payment_methods", "get_invoice"], ["Q", "Q"], 2),
    (["change_shipping_address", "delivery_options"], ["Q", "Q"], 2),
    (["payment_issue", "get_refund"], ["F", "Q"], 2),
    (["contact_customer_service"], ["Q"], 2),
    (["delete_account", "contact_human_agent"], ["Q", "H1"], 2),
]
# a request for a person must name one; other intents must not ask for an agent
HUMAN_WORDS = re.compile(r"\b(human|person|someone|agent|somebody)\b", re.I)
# complaint-flavoured bitext turns read as frustration only when they say so
BITEXT_SKIP = re.compile(r"\{\{|\bfuck|\bshit", re.I)

# --- crisis: a real service turn, a real crisis sentence (RMHD line, sentence), then the service
# thread goes on; every later turn keeps the crisis mode.
CRISIS_SENTENCES = [
    "I literally just want to die.",
    "I want to kill myself.",
    "I don't want to die but I don't know if I can keep on living this way.",
    "I'm beyond hope and if nothing improves by 2020 I am going to end my life within the year...",
    "I've decided to end my life while I have some semblance of dignity.",
    "I want to die so badly.",
    "I just want to curl in a ball and honestly, sometimes I want to die.",
    "I can't wait till I finally just get to the point when I kill myself without thought.",
    "Hello can I disappear now Holy heck I want to die.",
    "I either want to die or I feel really good.",
    "I feel nothing, like an empty void, but at the same time I have an overwhelming urge to hurt myself and even kill myself.",
    "And I so want to die, but I feel I'm not even allowed that.",
]
CRISIS_TWCS = [  # (before, after) real customer tweets around the crisis turn
    (1698938, 1698937),
    (1764683, 1764682),
    (1592981, 1592983),
    (1463014, 1463012),
    (2240462, 2240465),
    (1244061, 1244058),
    (1358959, 1358956),
    (1764653, 1764647),
    (1316882, 1316885),
    (1032414, 1032417),
    (289985, 289988),
    (426457, 426456),
]
# crisis threads that go on for two more customer turns after the crisis turn
CRISIS_MORE = {1316882: 1316887, 1032414: 1032417, 289985: 289988}
# --- bereavement: a real sentence about a death (RMHD line), then a real account request (Bitext)
GRIEF_SENTENCES = [
    ("My father passed away in a car accident in Connecticut on June 20th.", "delete_account"),
    ("Tomorrow will be one year since my mom died.", "delete_account"),
    ("My mom passed away back in 2014, and had been sick since 2009.", "delete_account"),
    (
        "My grandpa who has basically my dad died this year after a five year battle with advanced dementia.",
        "delete_account",
    ),
    (
        "My father passed away before vet school when I was 22 and left his small retirement to me to pay for most of vet school.",
        "edit_account",
    ),
    (
        "My best friend basically my sister died yesterday from an overdose on my 18th birthday.",
        "check_cancellation_fee",
    ),
    (
        "my father passed away 2 years ago and i feel like i haven't fully grieved.",
        "delete_account",
    ),
]


def expectation(profile: str, index: int, facts_before: bool, uses_fact: str | None) -> dict:
    expect = dict(PROFILES[profile])
    expect["no_false_promise"] = True
    expect["no_dangling"] = True
    if index > 0:
        expect["no_repeat"] = True
    if facts_before:
        expect["no_known_fact_asked"] = True
    if uses_fact:
        expect["uses_fact"] = uses_fact
    return expect


def conversation(cid, source, rows, licence, turns, tag):
    return {
        "id": cid,
        "source": source,
        "source_row": rows,
        "licence": licence,
        "tag": tag,
        "turns": turns,
    }


def build() -> list[dict]:  # noqa: C901 - one pass per source, kept together
    tweets = load_tweets()
    out = []
    for ids, profiles, facts, tag in T:
        assert len(ids) == len(profiles), ids
        # the customer has given a fact from the first turn that carries one of the facts a
        # reply must use, or (in a "facts" thread) from the first neutral information turn
        given = [
            i
            for i, tid in enumerate(ids)
            if any(f.lower() in clean(tweets[tid]["text"]).lower() for f in facts.values())
        ]
        if tag == "facts" and "N" in profiles:
            given.append(profiles.index("N"))
        first_fact = min(given) if given else None
        turns = []
        for i, (tid, profile) in enumerate(zip(ids, profiles, strict=True)):
            text = clean(tweets[tid]["text"])
            fact = facts.get(i)
            if fact:
                seen = " ".join(clean(tweets[t]["text"]) for t in ids[: i + 1]).lower()
                assert fact.lower() in seen, (tid, fact)
            known = first_fact is not None and i > first_fact
            turns.append({"user": text, "expect": expectation(profile, i, known, fact)})
        file = tweets[ids[0]]["file"]
        brand = "spotifycares" if file.startswith("spotify") else "kaggle"
        out.append(
            conversation(
                f"twcs-{brand}-{ids[0]}", f"twcs_samples/{file}", ids, TWCS_LICENCE, turns, tag
            )
        )

    abcd = {
        c["convo_id"]: c
        for c in json.loads((DATA / "abcd_sample" / "abcd_sample.json").read_text())
    }
    for convo_id, picks in ABCD:
        original = abcd[convo_id]["original"]
        turns, fact_at = [], None
        for i, (index, profile, fact) in enumerate(picks):
            assert original[index][0] == "customer"
            turns.append(
                {
                    "user": original[index][1],
                    "expect": expectation(profile, i, fact_at is not None, fact),
                }
            )
            if fact:
                fact_at = i
        out.append(
            conversation(
                f"abcd-{convo_id}",
                "abcd_sample/abcd_sample.json",
                [f"{convo_id}:{index}" for index, _, _ in picks],
                ABCD_LICENCE,
                turns,
                "facts",
            )
        )

    bitext = [
        json.loads(line)
        for line in (DATA / "bitext_customer_support" / "train.jsonl")
        .read_text("utf-8")
        .splitlines()
    ]
    by_intent: dict[str, list[int]] = {}
    for number, row in enumerate(bitext, 1):
        wants_human = bool(HUMAN_WORDS.search(row["utterance"]))
        if row["intent"] == "contact_human_agent" and not wants_human:
            continue
        if row["intent"] != "contact_human_agent" and (
            wants_human or "changed my mind" in row["utterance"]
        ):
            continue
        if not BITEXT_SKIP.search(row["utterance"]):
            by_intent.setdefault(row["intent"], []).append(number)
    used: set[int] = set()

    def take(intent: str, k: int) -> int:
        pool = by_intent[intent]
        # a fixed stride through the intent's rows, skipping ones already used
        start = (k * 37 + len(used) * 11) % len(pool)
        for step in range(len(pool)):
            number = pool[(start + step * 7) % len(pool)]
            text = bitext[number - 1]["utterance"].strip().lower()
            if number not in used and all(
                bitext[u - 1]["utterance"].strip().lower() != text for u in used
            ):
                used.add(number)
                return number
        raise LookupError(intent)

    for intents, profiles, count in BITEXT:
        for k in range(count):
            rows = [take(intent, k) for intent in intents]
            turns = [
                {
                    "user": bitext[n - 1]["utterance"].strip(),
                    "expect": expectation(p, i, False, None),
                }
                for i, (n, p) in enumerate(zip(rows, profiles, strict=True))
            ]
            tag = "human" if "H1" in profiles else "plain"
            out.append(
                conversation(
                    f"bitext-{'-'.join(intents)}-{rows[0]}",
                    "bitext_customer_support/train.jsonl",
                    rows,
                    BITEXT_LICENCE,
                    turns,
                    tag,
                )
            )

    rmhd = (DATA / "rmhd_reddit_mental_health" / "posts.jsonl").read_text("utf-8").splitlines()

    def rmhd_line(sentence: str) -> int:
        for number, line in enumerate(rmhd, 1):
            if sentence in json.loads(line)["post"].replace("\u2019", "'"):
                return number
        raise LookupError(sentence)

    for sentence, (before, after) in zip(CRISIS_SENTENCES, CRISIS_TWCS, strict=True):
        line = rmhd_line(sentence)
        turns = [
            {"user": clean(tweets[before]["text"]), "expect": expectation("F", 0, False, None)},
            {"user": sentence, "expect": expectation("C", 1, False, None)},
            {"user": clean(tweets[after]["text"]), "expect": expectation("CP", 2, False, None)},
        ]
        rows = [before, f"rmhd:{line}", after]
        more = CRISIS_MORE.get(before)
        if more and more != after:
            turns.append(
                {"user": clean(tweets[more]["text"]), "expect": expectation("CP", 3, False, None)}
            )
            rows.append(more)
        out.append(
            conversation(
                f"mixed-crisis-{before}",
                "twcs_samples/spotifycares_customer_tweets.jsonl + rmhd_reddit_mental_health/posts.jsonl",
                rows,
                f"{TWCS_LICENCE}; {RMHD_LICENCE}",
                turns,
                "crisis",
            )
        )

    for sentence, intent in GRIEF_SENTENCES:
        line = rmhd_line(sentence)
        number = take(intent, 0)
        turns = [
            {"user": sentence, "expect": expectation("B", 0, False, None)},
            {
                "user": bitext[number - 1]["utterance"].strip(),
                "expect": expectation("BP", 1, False, None),
            },
        ]
        out.append(
            conversation(
                f"mixed-grief-{line}",
                "rmhd_reddit_mental_health/posts.jsonl + bitext_customer_support/train.jsonl",
                [f"rmhd:{line}", number],
                f"{RMHD_LICENCE}; {BITEXT_LICENCE}",
                turns,
                "bereavement",
            )
        )
    ids = [c["id"] for c in out]
    assert len(ids) == len(set(ids)), "duplicate ids"
    return out


def main() -> None:
    conversations = build()
    with (HERE / "scenarios.jsonl").open("w", encoding="utf-8") as handle:
        for c in conversations:
            handle.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(len(conversations), "conversations")


if __name__ == "__main__":
    main()
