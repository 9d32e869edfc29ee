"""Crisis detection: self-harm, harm to others, abuse, medical emergency.

Two detectors, either can raise the signal:

* phrase rules, written for high recall on first-person statements, each with idiom guards
  ("this delay is killing me", "I'm dying to know", "I could kill for a coffee"); they give the
  evidence spans;
* a logistic-regression head on the shared embedding, trained on training/data/crisis.jsonl, for
  indirect wording the rules miss ("everyone would be better off without me").

A false alarm costs an awkward reply and a hand-off; a miss can cost a life. Thresholds are set
for recall first, and the idiom guards keep the false-positive rate down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from empathic.types import CRISIS_KINDS, CrisisSignal, Span

_I = r"(?:i|i'm|im|i am|i've|ive|i have|i'll|ill|i will|i'd|id|i was|me|my|myself)"

_PERSON = (
    r"(?:him|her|them|his|everyone|everybody|people|someone|somebody|anyone|anybody|my\s+(?:\w+\s+)?(?:ex|wife|husband|partner|"
    r"boyfriend|girlfriend|boss|manager|mother|mom|mum|father|dad|stepdad|stepmom|brother|sister|"
    r"neighbou?r|coworker|co-worker|colleague|landlord|roommate|teacher|son|daughter|kids?|baby|rep|"
    r"family|child)|the\s+(?:guy|man|woman|kid|driver|technician|neighbou?r|people)|that\s+(?:guy|"
    r"man|woman|kid|driver|idiot|bastard|bitch)|(?:the|that|this|your)\s+(?:\w+\s+){0,2}\w+\s+who\b)"
)
_WEAPON = r"(?:gun|guns|rifle|pistol|shotgun|knife|knives|blade|machete|bat|crowbar|hammer|axe|poison|petrol|gasoline)"

_RULES: dict[str, list[str]] = {
    "self_harm": [
        r"\b(?:decided|going|want|ready|planning|plan)\s+to\s+end\s+it\b",
        r"\blast\s+message\s+to\s+(?:anyone|everyone|you\s+all|the\s+world)\b",
        r"\buntil\s+(?:it|i)\s+bleeds?\b",
        r"\bkill(?:ing)?\s+my\s*self\b",
        r"\b(?:end|ending|take|taking)\s+(?:it\s+all|my\s+(?:own\s+)?life)\b",
        r"\b(?:let(?:ting)?|make|making)\s+it\s+all\s+(?:end|stop)\b",
        r"\bsuicid(?:e|al)\b(?!\s+(?:doors?|squeeze|prevention\s+(?:week|month|day|training)|rates?|squad))",
        r"\b(?:want|wanna|wish|going|planning|ready|decided|deserve)\s+(?:to\s+)?die\b",
        r"\bwish\s+i\s+(?:was|were|could\s+be)\s+(?:dead|never\s+born|gone)\b",
        r"\b(?:ways?|how)\s+to\s+(?:die|end\s+(?:it|my\s+life)|kill\s+myself)\b",
        r"\b(?:don'?t|do\s+not|no\s+longer)\s+(?:want|deserve)\s+to\s+(?:live|be\s+alive|be\s+here|exist|"
        r"wake\s+up|go\s+on)\b",
        r"\b(?:not|never)\s+(?:going\s+to\s+)?(?:be\s+)?(?:alive|wake\s+up)\s+(?:when|by|tomorrow|"
        r"anymore|again)\b",
        r"\b(?:life|living)\s+(?:isn'?t|is\s+not|ain'?t)\s+worth\b",
        r"\b(?:just\s+)?not\s+(?:to\s+)?exist\b",
        r"\b(?:fall\s+asleep|sleep)\s+(?:forever|and\s+never\s+wake)\b",
        r"\bwant\s+(?:the|this|my)\s+pain\s+to\s+(?:stop|end)\s+(?:for\s+good|forever|permanently)\b",
        r"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|burned|burnt|hit|hitting|starve|"
        r"starving)\s+my\s*self\b(?!\s+(?:shaving|cooking|by\s+accident|accidentally|on\s+the|"
        r"with\s+(?:the|your)\s+(?:knife|razor|blade|iron|pan)))",
        r"\b(?:on\s+purpose|because\s+i\s+deserve\s+it)\b.*\b(?:bleed|bleeds|cut|burn|hurt|pills|"
        r"tablets|overdose)|\b(?:bleed|bleeds|cut|burn|hurt|pills|tablets)\b.*\bon\s+purpose\b",
        r"\bself[-\s]?harm\w*",
        r"\bbetter\s+off\s+(?:dead|without\s+me|if\s+i\s+(?:was|were)\s+(?:gone|dead))\b",
        r"\b(?:happier|easier)\s+(?:if|when)\s+i\s+(?:just\s+)?(?:disappeared|was\s+gone|were\s+gone|"
        r"wasn'?t\s+(?:here|around)|died)\b",
        r"\bno\s+(?:reason|point)\s+(?:to|in|of)\s+(?:live|living|going\s+on|being\s+alive|"
        r"carrying\s+on)\b|\bpoint\s+of\s+(?:going|carrying)\s+on\b",
        r"\b(?:can'?t|cannot)\s+(?:go\s+on|do\s+this\s+anymore|keep\s+going)\s*(?:anymore|like\s+this)?"
        r"\s*(?:[.!]|$)",
        r"\b(?:took|swallowed|taken|take|swallow)\s+(?:a\s+(?:whole\s+)?bottle|all\s+(?:of\s+)?(?:my|the)|"
        r"too\s+many|a\s+(?:bunch|handful)\s+of|\d+\s+of\s+my)\b.*\b(?:pills|tablets|meds|medication|"
        r"sleeping|painkillers|antidepressants|paracetamol|tylenol)\b",
        r"\b(?:i|i've|i\s+have|i'm\s+going\s+to|i'll)\s+(?:\w+\s+)?overdos\w*",
        r"\b(?:won'?t|will\s+not)\s+be\s+(?:around|here|alive)\s+(?:to|for|much|after|when|by|"
        r"tomorrow|anymore|next)\b",
        r"\bmy\s+last\s+(?:day|night|goodbye|note)\b|\bthis\s+is\s+goodbye\b",
        r"\blast\s+time\s+you'?ll\s+(?:hear|see)\s+(?:from\s+)?me\b",
        r"\b(?:goodbye|good\s+bye)\s+(?:everyone|forever|world)\b",
        r"\b(?:going\s+to|gonna|about\s+to|want\s+to)\s+jump\b|\b(?:jump|jumping)\s+(?:off|from|in\s+"
        r"front\s+of)\s+(?:a|the|this|my)\s+(?:bridge|roof|building|train|balcony|cliff|car|bus)\b",
        r"\b(?:on|at)\s+the\s+(?:edge|ledge|bridge|roof)\b.*\b(?:jump|end\s+it|goodbye)\b",
        r"\bhang(?:ing)?\s+my\s*self\b|\b(?:rope|pills|gun)\b.*\bon\s+myself\b",
        r"\bnot\s+(?:be|being)\s+here\s+(?:anymore|much\s+longer|tomorrow)\b",
        r"\bdisappear(?:ed)?\s+(?:forever|for\s+good)\b",
        r"\b(?:i'?m|i\s+am)\s+a\s+burden\b",
        r"\b(?:written|wrote|writing)\s+(?:my\s+will|(?:a\s+)?(?:suicide\s+)?notes?|letters?\s+to\s+my)\b",
        r"\b(?:crash|crashing|drive|driving)\s+(?:my\s+car\s+)?(?:into|off)\b.*\bon\s+purpose\b|"
        r"\bcrash(?:ing)?\s+my\s+car\s+on\s+purpose\b",
        r"\bwalk(?:ing)?\s+into\s+(?:traffic|the\s+sea|the\s+river)\b",
        r"\b(?:ready|decided)\s+to\s+go\b|\bbefore\s+i\s+go\b.*\b(?:won'?t|never|ever)\b",
    ],
    "harm_to_others": [
        r"\b(?:break|smash)\s+(?:his|her|their)\s+(?:legs|arms|face|neck|jaw|skull|knees)\b",
        r"\bi\s+know\s+where\s+(?:he|she|they|you|your\s+\w+)\s+(?:lives?|parks?|works?|is|sleeps?)\b",
        r"\b(?:i'?m|i\s+am|i'?ll|i\s+will|i'?m\s+going\s+to|going\s+to|gonna|want\s+to|wanna|about\s+to|"
        r"plan\s+to|planning\s+to|thinking\s+(?:about|of))\s+(?:\w+\s+){0,2}(?:kill|killing|murder|"
        r"shoot|stab|stabbing|strangle|choke|choking|poison|poisoning|beat|attack|run|burn|slash|"
        r"break|end|hurt|hit|get)\s+(?:\w+\s+){0,2}"
        + _PERSON
        + r"\b(?!\s+(?:when\s+(?:she|he)\s+sees|"
        r"if\s+(?:she|he)\s+(?:finds|sees)))",
        r"\b(?:make|making)\s+(?:them|him|her|you|everyone|my\s+\w+)\s+(?:all\s+)?(?:pay|suffer|bleed)\b",
        r"\b(?:see|watch|make\s+sure)\s+(?:\w+\s+){0,3}(?:bleed|bleeds|suffer|dies?)\b",
        r"\b(?:i\s+have|i'?ve\s+got|bought|loaded|bringing|bring|brought|with)\s+(?:a|my|the)?\s*"
        r"(?:[\w']+\s+){0,2}(?:"
        + _WEAPON[3:-1]
        + r")\b.*\b(?:office|work|school|them|him|her|tonight|"
        r"tomorrow|ready|pay|see|place|house|waiting)\b",
        r"\b(?:outside|waiting\s+(?:for|outside))\b.*\bwith\s+(?:a|my)\s+" + _WEAPON + r"\b",
        r"\b(?:shoot|bomb|blow\s+up|set\s+fire\s+to|burn\s+down)\s+(?:up\s+)?(?:the|your|this|my|her|"
        r"his|their)\s+(?:\w+\s+)?(?:office|store|shop|school|place|building|headquarters|work|house|"
        r"home|apartment|flat|car)\b",
        r"\bput\s+(?:him|her|them)\s+in\s+(?:the\s+)?(?:hospital|ground|grave)\b",
        r"\b(?:lock|locking)\s+(?:my\s+)?(?:\w+\s+){0,2}(?:father|mother|dad|mom|kid|child|wife|"
        r"husband)\b.*\bwithout\s+(?:food|water)\b",
        r"\b(?:poison|rat\s+poison)\b.*\b(?:dinner|food|drink|coffee)\b",
        r"\burges?\s+to\s+(?:hurt|harm|kill|shake)\b|\bafraid\s+i(?:'m|\s+am)?\s+(?:going\s+to|gonna)\s+"
        r"(?:hurt|shake|harm|kill)\b",
        r"\b(?:get|getting)\s+every\s+(?:one|last\s+one)\s+of\s+them\b",
    ],
    "abuse": [
        r"\b(?:he|she|they)(?:'s|\s+is|\s+are|'re)\s+(?:going\s+to|gonna)\s+(?:kill|hurt|beat)\s+me\b",
        r"\b(?:he|she|they)(?:'s|\s+has|'ve|\s+have)\s+(?:\w+\s+){0,2}(?:locked|hit|beaten|choked|hurt|threatened)\s+me\b",
        r"\b(?:being|been|getting)\s+(?:hurt|beaten|hit)\b",
        r"\b(?:he|she|they|my\s+(?:\w+\s+)?(?:husband|wife|partner|boyfriend|girlfriend|dad|father|mom|"
        r"mother|mum|stepdad|stepfather|step\s+mom|stepmom|ex|son|daughter|brother|sister|boss|uncle|"
        r"teacher|coach|caregiver|carer|roommate|parents))\s+(?:\w+\s+){0,6}"
        r"(?:hits?|hitting|beats?|beating|chokes?|choked|choking|hurts?|hurting|kicks?|"
        r"kicked|slapped|slaps|punched|punches|threatens?|threatened|threatening|raped|touches|"
        r"touching|touched|locks?|locked|strangled|pushed|shoved|forces?|forced|throws\s+things\s+at|"
        r"controls|monitors|harass\w*|stalk\w*)\s+(?:me|us|my|the\s+kids|him|her)\b",
        r"\b(?:said|says|told\s+me|threatened)\s+(?:that\s+)?(?:he|she|they)(?:'d|\s+would|'ll|\s+will)\s+"
        r"(?:\w+\s+)?(?:hurt|kill|beat|harm|hit|post|find)\b",
        r"\b(?:scared|afraid|terrified)\s+(?:to\s+go\s+(?:back\s+)?home|to\s+go\s+back|of\s+(?:my|him|"
        r"her)\b)",
        r"\b(?:domestic\s+(?:violence|abuse)|abusive\s+(?:husband|wife|partner|boyfriend|girlfriend|"
        r"relationship|parent|dad|mom)|(?:being|been|getting)\s+(?:abused|assaulted|raped|molested|"
        r"stalked|harassed|trafficked|followed|groomed)|sexually\s+(?:assaulted|abused))\b",
        r"\bthreat(?:en|ened|ening|s)\s+(?:to\s+(?:kill|hurt|harm|beat|stab|shoot)\s+)?(?:me|my\s+family)\b",
        r"\b(?:know|knows)\s+where\s+i\s+live\b|\bcoming\s+(?:for|after)\s+me\b",
        r"\b(?:won'?t|doesn'?t|does\s+not|don'?t)\s+let\s+me\s+(?:leave|go\s+out|see\s+my|eat)\b",
        r"\b(?:keeps?|kept)\s+(?:following|watching|messaging|showing\s+up|touching|threatening)\b.*"
        r"\b(?:me|my)\b",
        r"\bfollowing\s+me\s+home\b|\bwatch\s+my\s+house\b",
        r"\bforced\s+to\s+(?:work|have\s+sex|do)\b|\bforces?\s+me\s+to\b|\btook\s+my\s+(?:passport|documents)\b",
        r"\binappropriate\s+(?:messages|photos|touching)\b|\bsend\s+(?:him|her|them)\s+photos\b|"
        r"\bkeep\s+it\s+(?:a\s+)?secret\b",
        r"\b(?:post|share|leak)\s+my\s+(?:photos|pictures|nudes)\b",
        r"\bhiding\s+(?:in|from)\b.*\b(?:he|she|him|her|boyfriend|husband|partner)\b",
        r"\bbruises?\b.*\b(?:he|she|him|her|husband|boyfriend|partner|dad|mom)\b",
    ],
    "medical_emergency": [
        r"\b(?:can'?t|cannot|can\s+not|struggling\s+to|hard\s+to|barely)\s+(?:breathe?|talk|move)\b"
        r"(?!\s+(?:when|because)\s+i\s+(?:laugh|see))",
        r"\bchest\s+(?:pain|hurts|tight\w*|pressure)\b",
        r"\b(?:unconscious|not\s+conscious|isn'?t\s+conscious|not\s+breathing|stopped\s+breathing|"
        r"unresponsive|passed\s+out|collapsed|seizure|having\s+a\s+(?:stroke|fit)|heart\s+attack|"
        r"anaphyla\w+|not\s+moving|won'?t\s+wake\s+up|can'?t\s+wake\s+(?:him|her|them)|electrocuted|"
        r"drowning|overdosed|overdosing|choking\s+on)\b",
        r"\b(?:swallowed|drank|ate|eaten|drunk|took)\s+(?:\w+\s+){0,5}(?:bleach|battery|batteries|pills|"
        r"poison|detergent|chemicals?|medicine|medication|magnets?|cleaning|tablets)\b",
        r"\b(?:bleeding|blood)\s+(?:a\s+lot|heavily|badly|everywhere|won'?t\s+stop|non[-\s]?stop)\b|"
        r"\b(?:heavy|severe)\s+bleeding\b|\bwon'?t\s+stop\s+bleeding\b|\b(?:a\s+lot|lots)\s+of\s+blood\b|"
        r"\b(?:is|are)\s+bleeding\b|\btrapped\b",
        r"\b(?:face|lips|tongue|throat)\s+(?:is\s+|are\s+)?(?:swelling|swollen|drooping|closing)\b",
        r"\b(?:call|need|send)\s+(?:an\s+)?(?:ambulance|911|999|112|paramedics)\b",
        r"\bturning\s+(?:blue|grey|gray)\b",
        r"\b(?:hit|banged)\s+(?:his|her|my|their)\s+head\b",
        r"\b(?:fell|fallen)\b.*\b(?:can'?t\s+get\s+up|isn'?t\s+conscious|not\s+moving|unconscious|"
        r"hit\s+(?:his|her|my)\s+head|all\s+night)\b",
        r"\bbone\s+(?:is\s+)?sticking\s+out\b|\bcan'?t\s+feel\s+(?:his|her|my)\s+(?:legs|arms|face)\b",
        r"\b(?:worst\s+headache\s+of\s+my\s+life|(?:smell|smells)\s+(?:of\s+)?gas)\b",
        r"\bburns\s+on\s+(?:his|her|my|their)\b|\b(?:very\s+)?floppy\b",
        r"\b(?:confused|vomiting|dizzy)\b.*\b(?:head|gas|fell|pills|tablets)\b|"
        r"\b(?:head|gas|fell|pills|tablets)\b.*\b(?:confused|vomiting|throwing\s+up|dizzy)\b",
    ],
}

# Figures of speech that contain crisis words. A rule match inside one of these is dropped.
_IDIOMS = re.compile(
    r"\b(?:(?:is|are|was|it's|its|this|that|these|you're|you\s+are|they're)\s+(?:\w+\s+){0,3}"
    r"killing\s+(?:me|it|us)|dying\s+(?:to|for|of\s+(?:laughter|embarrassment|boredom|curiosity))|"
    r"(?:could|would)\s+(?:kill|die)\s+for|to\s+die\s+for|killed\s+(?:myself|me)\s+laughing|"
    r"(?:kill|killing)\s+(?:myself|me)\s+(?:laughing|over\s+(?:this|a|the)\s+\w+)|"
    r"kill\s+me\s+(?:when|if)\s+(?:she|he|they)\s+(?:sees?|finds?)|"
    r"kill\s+(?:the|this|that|a)\s+(?:process|task|app|session|job|tab|bug|deal|vibe|mood|time)|"
    r"(?:battery|phone|laptop|link|computer|car|plant|screen)\s+(?:\w+\s+)?(?:died|dead|is\s+dying)|"
    r"dead\s+(?:tired|link|battery|end|serious|on)|drop[-\s]dead|dying\s+of\s+\w+|"
    r"shoot\s+(?:me|us)\s+(?:an?\s+)?(?:email|message|text|line|dm|note)|"
    r"(?:heart\s+attack|stroke)\s+when\s+(?:i|we)\s+saw|nearly\s+had\s+a\s+heart\s+attack|"
    r"almost\s+had\s+a\s+heart\s+attack|gave\s+me\s+a\s+heart\s+attack|"
    r"execute\s+(?:the|this|a)\s+\w+|cut\s+(?:the|your|prices?|costs?)\b|"
    r"(?:studying|research\w*|essay|article|documentary|lecture|class|course|podcast)\s+"
    r"(?:about|on|in|into)?\s*(?:\w+\s+){0,3}(?:domestic\s+(?:abuse|violence)|suicide|self[- ]harm|"
    r"overdoses?|abuse)|(?:years|months|a\s+long\s+time)\s+ago\b[^.!?]{0,80}|"
    r"(?:character|book|movie|film|show|episode|game|novel|series|song)\b.{0,60}"
    r"\b(?:kills?|dies|died|suicide)|for\s+a\s+(?:school|class|college|research)\s+project)\b",
    re.IGNORECASE,
)

_COMPILED = {
    kind: [re.compile(p, re.IGNORECASE) for p in patterns] for kind, patterns in _RULES.items()
}


@dataclass(frozen=True)
class CrisisHead:
    """Logistic-regression head over the shared embedding (one-vs-rest, kinds + none)."""

    weights: np.ndarray  # (dim, len(CRISIS_KINDS) + 1), last column = none
    bias: np.ndarray
    threshold: float

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = embeddings @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


def rule_matches(text: str) -> dict[str, list[Span]]:
    """Crisis phrases in ``text`` by kind, with figures of speech removed."""
    idioms = [(m.start(), m.end()) for m in _IDIOMS.finditer(text)]
    found: dict[str, list[Span]] = {}
    for kind, patterns in _COMPILED.items():
        for pattern in patterns:
            for m in pattern.finditer(text):
                if any(s <= m.start() < e or s < m.end() <= e for s, e in idioms):
                    continue
                found.setdefault(kind, []).append(Span(m.start(), m.end(), m.group(0)))
    return found


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def sentences(text: str) -> list[Span]:
    """Sentences of three or more words; a crisis is often one sentence inside a complaint."""
    spans = []
    for m in _SENTENCE.finditer(text):
        piece = m.group(0).strip()
        if len(piece.split()) >= 3:
            start = text.index(piece, m.start())
            spans.append(Span(start, start + len(piece), piece))
    return spans if len(spans) >= 2 else []


def detect_crisis(
    text: str,
    embeddings: np.ndarray | None,
    head: CrisisHead | None,
    parts: list[Span] | None = None,
) -> CrisisSignal | None:
    """The crisis signal for one message, or None.

    ``embeddings`` holds the message's vector first, then one per span in ``parts`` (its
    sentences, when it has several), so a crisis sentence inside a long message is not diluted.
    """
    rules = rule_matches(text)
    probs = None
    if head is not None and embeddings is not None:
        probs = head.probabilities(np.atleast_2d(embeddings))
    if rules:
        # With several kinds matched, self-harm and medical danger come first: they need the
        # fastest, most specific response.
        priority = ("self_harm", "medical_emergency", "abuse", "harm_to_others")
        kind = next(k for k in priority if k in rules)
        confidence = (
            0.9 if probs is None else max(0.9, float(probs[:, CRISIS_KINDS.index(kind)].max()))
        )
        return CrisisSignal(kind, round(confidence, 4), tuple(rules[kind]))  # type: ignore[arg-type]
    if probs is not None and head is not None:
        danger = 1.0 - probs[:, -1]
        row = int(np.argmax(danger))
        if danger[row] >= head.threshold:
            kind = CRISIS_KINDS[int(np.argmax(probs[row, :-1]))]
            spans = [Span(0, len(text), text.strip()[:300])] + list(parts or [])
            evidence = spans[row] if row < len(spans) else spans[0]
            return CrisisSignal(kind, round(float(danger[row]), 4), (evidence,))  # type: ignore[arg-type]
    return None
