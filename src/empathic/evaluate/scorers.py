"""Reply scorers: emotion match, calibration, helpfulness and diversity.

They read plain reply text, so the composer, an LLM, a human listener and the baselines are
measured with one ruler. Sentences are classified by this module's own patterns (not the
critic's, so the composer is not graded by the ruler it was tuned against):

* empathy sentence: sympathy ("sorry to hear", "that must be hard"), acknowledgement of a
  feeling ("that sounds frustrating", "I can imagine"), celebration ("congratulations");
* apology: "sorry for the delay", "we apologize";
* help: an answer (an informative statement), a next step, or a question.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from empathic.types import Reading

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_FEELINGS = (
    r"frustrat\w*|annoy\w*|upset\w*|angry|anger|mad|furious|infuriat\w*|worr\w*|stress\w*|"
    r"anxious|anxiety|nervous|scar(?:y|ed|ing)|afraid|fear\w*|terrif\w*|frighten\w*|sad|sadness|"
    r"heartbreak\w*|heartbroken|devastat\w*|lonely|disappoint\w*|hurt\w*|painful|awful|terrible|"
    r"horrible|hard|tough|rough|difficult|unfair|exhausting|overwhelm\w*|confus\w*|embarrass\w*|"
    r"excit\w*|great|wonderful|amazing|awesome|fantastic|lovely|exciting|fun|nice|cool|"
    r"proud|happy|glad|thrilled|relie\w+|grateful|sweet|beautiful|incredible|shock\w*|"
    r"bother\w*|pleased|delighted|unsettl\w*|nasty|worrying|daunting|heavy|draining|unpleasant|"
    r"low|let\s+down"
)
_F = "(?:" + _FEELINGS + ")"
_INTENSIFIER = (
    r"(?:so\s+|really\s+|very\s+|such\s+|quite\s+|pretty\s+|incredibly\s+|a\s+bit\s+|a\s+)*"
)
# Sympathy, acknowledgement of a feeling, validation, support, reassurance, celebration.
_EMPATHY_PATTERNS = (
    r"sorry\s+(?:to\s+hear|for\s+your|you|that\s+(?:you|happened|this))|so\s+sorry",
    r"(?:that|this|it|which)(?:'s|\s+is|\s+was|\s+must\s+(?:be|have\s+been)|\s+sounds?|\s+seems?)\s+"
    + _INTENSIFIER
    + _F,
    r"sounds?\s+(?:like|so|really|very|" + _FEELINGS + r")|must\s+(?:be|feel|have\s+(?:been|felt))",
    r"i\s+(?:can|could)\s+(?:only\s+)?(?:imagine|see|understand|tell|hear)|i\s+understand",
    r"i\s+hear\s+you|i\s+get\s+(?:it|that|why)|makes?\s+(?:total\s+|complete\s+)?sense",
    r"understandable|no\s+wonder|of\s+course\s+you",
    r"you(?:'re|\s+are|\s+must\s+be|\s+seem|\s+sound|\s+feel|\s+felt|\s+were)\s+"
    + _INTENSIFIER
    + _F,
    r"your\s+feelings|feel(?:ing)?\s+(?:this|that)\s+way|not\s+alone|here\s+(?:for|with)\s+you",
    r"congrat\w*|great\s+news|happy\s+for\s+you|glad\s+(?:to\s+hear|you|that|it)|proud\s+of\s+you",
    r"good\s+for\s+you|well\s+done|how\s+" + _F + r"|what\s+a\s+" + _INTENSIFIER + _F,
    r"(?:natural|normal|understandable|reasonable|valid|sensible|fair|okay|ok|alright)\s+"
    r"(?:to\s+(?:be|feel)|response|reaction|that\s+you)",
    r"(?:is|are|was)\s+(?:completely\s+|totally\s+|perfectly\s+|very\s+|so\s+)?"
    r"(?:sensible|understandable|reasonable|natural|normal|valid)",
    r"to\s+(?:be|feel)\s+" + _INTENSIFIER + _F,
    r"very\s+human|anyone\s+would|right\s+to\s+(?:flag|feel|be|raise|ask|worry)",
    r"(?:be\s+gentle\s+with|take\s+care\s+of)\s+yourself",
    r"thank\s+you\s+for\s+(?:trusting|sharing|telling|opening)",
    r"carrying\s+(?:a\s+lot|so\s+much|a\s+great\s+deal)|(?:going|been|gone)\s+through",
    r"i\s+can\s+tell|it's\s+clear\s+(?:this|that|you)",
    r"i'm\s+" + _INTENSIFIER + r"(?:glad|happy|pleased|delighted|thrilled|sorry)",
    r"i\s+hope\s+(?:the\s+days|things\s+get|you\s+feel|you're\s+(?:ok|okay|doing))",
    r"a\s+lot\s+to\s+(?:hold|deal|handle|take)|handling\s+it",
    r"(?:don't|do\s+not)\s+(?:worry|blame\s+yourself)|nothing\s+to\s+(?:worry|be\s+ashamed)",
    r"in\s+good\s+hands|what\s+you're\s+(?:feeling|going)",
)
_EMPATHY = re.compile(r"\b(?:" + "|".join(_EMPATHY_PATTERNS) + r")\b", re.I)
_APOLOGY = re.compile(
    r"\b(?:apologi[sz]e\w*|apolog(?:y|ies)|sorry\s+(?:for|about)\s+(?:the|this|that|any|our|all)\b"
    r"(?!\s+loss)|sorry\s+again|i'm\s+sorry,?\s+(?:we|but))",
    re.I,
)
_ANY_SORRY = re.compile(r"\b(?:sorry|apologi[sz]e\w*|apolog(?:y|ies))\b", re.I)
_NEXT_STEP = re.compile(
    r"\b(?:i'll|i\s+will|we'll|we\s+will|let\s+me|let's|you\s+(?:can|could|might|may|should)\s+\w+|"
    r"try\s+(?:to|and|it|again|this|that)|next\s+step|"
    r"here(?:'s|\s+is)\s+(?:how|what)|how\s+about|why\s+not|maybe\s+(?:you|try)|"
    r"i\s+(?:would|'d)\s+(?:suggest|recommend)|i\s+suggest|consider|make\s+sure|reach\s+out|"
    r"contact|visit|click|call|email|refund|replace\w*|within\s+\d|in\s+the\s+meantime)\b",
    re.I,
)
_STOPWORDS = (
    "the a an and or but to of in on for with at by from is are was were be been it this that "
    "you your we our i my me they them their he she his her its as if so not no do does did can "
    "will would could should have has had there here what when where which who how than then "
    "about into out up down just also any all more most some such only very"
)
_STOP = frozenset(_STOPWORDS.split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class SentenceKinds:
    """A reply cut into sentences, and which of them are empathy, apology, question, help."""

    sentences: tuple[str, ...]
    empathy: tuple[str, ...]
    apologies: tuple[str, ...]
    questions: tuple[str, ...]
    next_steps: tuple[str, ...]
    answers: tuple[str, ...]


def classify(text: str) -> SentenceKinds:
    parts = sentences(text)
    empathy, apologies, questions, steps, answers = [], [], [], [], []
    for s in parts:
        is_apology = bool(_APOLOGY.search(s))
        is_empathy = bool(_EMPATHY.search(s)) and not is_apology
        if is_apology:
            apologies.append(s)
        if is_empathy:
            empathy.append(s)
        if s.endswith("?"):
            questions.append(s)
        elif _NEXT_STEP.search(s):
            steps.append(s)
        elif not is_empathy and not is_apology and len(words(s)) >= 5:
            answers.append(s)  # an informative statement: an answer, a fact, an experience
    return SentenceKinds(tuple(parts), tuple(empathy), tuple(apologies), tuple(questions),
                         tuple(steps), tuple(answers))  # fmt: skip


# -- emotion match -----------------------------------------------------------------------------

# Words that name or answer a family of feeling: an acknowledgement that fits the emotion.
_FAMILY_WORDS = {
    "frustration": r"frustrat\w*|annoy\w*|infuriat\w*|upset\w*|angry|mad|unacceptable|unfair|"
    r"ridiculous|awful|terrible|disgust\w*|gross|nasty|rude|not\s+ok\w*|hate",
    "sadness": r"sorry|sad|hard|tough|rough|difficult|loss|heartbreak\w*|heartbroken|painful|"
    r"miss\w*|lonely|hurt\w*|devastat\w*|disappoint\w*|bummer|awful|terrible|unfortunate\w*",
    "fear": r"worr\w*|scar\w*|afraid|fear\w*|frighten\w*|anxious|anxiety|nervous|stress\w*|"
    r"terrif\w*|uncertain\w*|unsettling|safe|careful|hope|sorry",
    "joy": r"congrat\w*|great|wonderful|amazing|awesome|fantastic|happy|glad|exciting|excited|"
    r"proud|fun|cool|nice|lovely|thrill\w*|good\s+for\s+you|well\s+done|lucky|blessing|sweet",
    "surprise": r"wow|surpris\w*|unexpected|shock\w*|crazy|incredible|unbelievable|no\s+way|"
    r"whoa|amazing|wild",
    "gratitude": r"welcome|glad|happy\s+to|pleasure|anytime|any\s+time|thank",
}
_FAMILY_RE = {k: re.compile(r"\b(?:" + v + r")\b", re.I) for k, v in _FAMILY_WORDS.items()}
_CELEBRATE = re.compile(r"\b(?:congrat\w*|great\s+news|happy\s+for\s+you|awesome|yay)\b", re.I)
_SYMPATHY = re.compile(r"\b(?:sorry\s+to\s+hear|so\s+sorry|sorry\s+for\s+your\s+loss)\b", re.I)


def emotion_family(reading: Reading) -> str:
    """The family of feeling the person expressed, for matching a reply against it."""
    if reading.intent == "thanks":
        return "gratitude"
    if reading.ekman in {"anger", "disgust"}:
        return "frustration"
    if reading.ekman in {"sadness", "fear", "joy"}:
        return reading.ekman
    if reading.ekman == "surprise":
        return "surprise" if reading.valence >= -0.1 else "fear"
    if reading.valence <= -0.3:
        return "sadness"
    if reading.valence >= 0.3:
        return "joy"
    return "neutral"


def needs_acknowledgement(reading: Reading) -> bool:
    """The person expressed a feeling a reply should address."""
    if reading.intent in {"greeting", "goodbye"}:
        return False
    return emotion_family(reading) != "neutral" and (
        reading.ekman != "neutral" or reading.intensity >= 0.45
    )


def emotion_match(reading: Reading, reply: str, reply_reading: Reading | None) -> bool | None:
    """Does ``reply`` address the emotion ``reading`` found? None when there is none to address.

    ``reply_reading`` is the perception models' reading of the reply's empathy sentences (None
    when it has none). A match is an empathy sentence in the person's family of feeling (by its
    words), or one whose own reading has the same polarity as the person's feeling; a reply that
    celebrates bad news or offers sympathy for good news does not match.
    """
    if not needs_acknowledgement(reading):
        return None
    family = emotion_family(reading)
    kinds = classify(reply)
    if not kinds.empathy and not (family == "gratitude" and _FAMILY_RE["gratitude"].search(reply)):
        return False
    empathic_text = " ".join(kinds.empathy) or reply
    negative = reading.valence < -0.1 or family in {"sadness", "fear", "frustration"}
    if negative and _CELEBRATE.search(empathic_text):
        return False
    if family in {"joy", "gratitude"} and _SYMPATHY.search(empathic_text):
        return False
    if _FAMILY_RE[family].search(empathic_text):
        return True
    if reply_reading is None:
        return False
    if negative:
        return reply_reading.ekman != "joy" and reply_reading.valence <= 0.2
    return reply_reading.valence >= -0.1


# -- calibration -------------------------------------------------------------------------------

# How many empathy sentences one reply may hold, by how much the moment needs.
ALLOWED_EMPATHY = {"none": 1, "light": 2, "moderate": 2, "high": 3}
OVER_KINDS = (
    "too_much_empathy",
    "apology_on_thanks",
    "apology_on_good_news",
    "repeated_acknowledgement",
    "several_apologies",
)
UNDER_KINDS = ("solution_without_acknowledgement", "distress_ignored")


def empathy_need(reading: Reading) -> str:
    """How much empathy the moment needs: none, light, moderate, high."""
    if reading.crisis is not None:
        return "high"
    if reading.intent in {"thanks", "greeting", "goodbye"}:
        return "none"
    if not needs_acknowledgement(reading):
        return "none"
    if strongly_upset(reading) or (reading.intensity >= 0.75 and reading.valence <= -0.3):
        return "high"
    return "light" if reading.intensity < 0.45 else "moderate"


def strongly_upset(reading: Reading) -> bool:
    return reading.crisis is not None or (
        reading.valence <= -0.35
        and reading.intensity >= 0.55
        and reading.ekman in {"anger", "disgust", "sadness", "fear"}
    )


def _norm(text: str) -> str:
    return " ".join(words(text))


def _similar(a: str, b: str) -> bool:
    wa, wb = set(words(a)), set(words(b))
    if not wa or not wb:
        return False
    return _norm(a) == _norm(b) or len(wa & wb) / len(wa | wb) >= 0.8


@dataclass(frozen=True)
class Calibration:
    over: tuple[str, ...] = ()
    under: tuple[str, ...] = ()
    need: str = "none"
    empathy_sentences: int = 0


def calibration(reading: Reading, reply: str, earlier_replies: Sequence[str] = ()) -> Calibration:
    """Over- and under-empathy problems of ``reply`` to the message ``reading`` read."""
    kinds = classify(reply)
    need = empathy_need(reading)
    over: list[str] = []
    under: list[str] = []
    if len(kinds.empathy) > ALLOWED_EMPATHY[need]:
        over.append("too_much_empathy")
    if _ANY_SORRY.search(reply) and reading.intent == "thanks":
        over.append("apology_on_thanks")
    if _ANY_SORRY.search(reply) and reading.intent == "good_news":
        over.append("apology_on_good_news")
    earlier = [s for r in earlier_replies for s in classify(r).empathy]
    mine = list(kinds.empathy)
    repeated = any(_similar(s, e) for s in mine for e in earlier) or any(
        _similar(mine[i], mine[j]) for i in range(len(mine)) for j in range(i)
    )
    if repeated:
        over.append("repeated_acknowledgement")
    if len(kinds.apologies) > 1:
        over.append("several_apologies")
    if strongly_upset(reading) and not kinds.empathy and not kinds.apologies:
        under.append(
            "solution_without_acknowledgement"
            if kinds.next_steps or kinds.answers
            else "distress_ignored"
        )
    return Calibration(tuple(over), tuple(under), need, len(kinds.empathy))


# -- helpfulness -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Helpfulness:
    answer: bool
    next_step: bool
    question: bool
    fact_used: bool | None = None  # None when no knowledge-base fact was retrieved

    @property
    def helpful(self) -> bool:
        return self.answer or self.next_step or self.question


def fact_used(fact: str, reply: str, threshold: float = 0.6) -> bool:
    """Did the retrieved fact make it into the reply? (its content words, mostly)"""
    content = {w for w in words(fact) if w not in _STOP and len(w) > 2}
    if not content:
        return False
    said = set(words(reply))
    return len(content & said) / len(content) >= threshold


def helpfulness(reply: str, facts: Sequence[str] = ()) -> Helpfulness:
    kinds = classify(reply)
    used = any(fact_used(f, reply) for f in facts) if facts else None
    return Helpfulness(bool(kinds.answers), bool(kinds.next_steps), bool(kinds.questions), used)


# -- diversity ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Diversity:
    dist1: float  # distinct unigrams / unigrams, over all replies
    dist2: float  # distinct bigrams / bigrams, over all replies
    same_opening_share: float  # share of replies whose first three words another reply shares
    top_opening_share: float  # share of replies that open with the most common three words
    top_opening: str
    openings: dict[str, int] = field(default_factory=dict)  # the five most common openings


def diversity(replies: Sequence[str], opening_words: int = 3) -> Diversity:
    unigrams: list[str] = []
    bigrams: list[tuple[str, str]] = []
    openings: Counter[str] = Counter()
    for reply in replies:
        tokens = words(reply)
        unigrams += tokens
        bigrams += list(zip(tokens, tokens[1:], strict=False))
        if tokens:
            openings[" ".join(tokens[:opening_words])] += 1
    top, count = openings.most_common(1)[0] if openings else ("", 0)
    return Diversity(
        len(set(unigrams)) / len(unigrams) if unigrams else 0.0,
        len(set(bigrams)) / len(bigrams) if bigrams else 0.0,
        sum(c for c in openings.values() if c > 1) / len(replies) if replies else 0.0,
        count / len(replies) if replies else 0.0,
        top,
        dict(openings.most_common(5)),
    )
