"""Slot values for the phrase bank, taken from what the person said.

{thing}: the object of the conversation ("your order"); {issue}: what went wrong, turned to the
second person ("your parcel still hasn't arrived"); {event}: the good news ("you got the job").
A slot is left empty when the words do not fit cleanly: a template without slots is better than a
garbled echo.
"""

from __future__ import annotations

import re

_THINGS = (
    "order", "parcel", "package", "delivery", "refund", "account", "subscription", "card",
    "payment", "password", "invoice", "bill", "booking", "flight", "phone", "plan", "laptop",
    "item", "return", "replacement", "money", "app", "login", "claim", "ticket",
)  # fmt: skip
_THING = re.compile(r"\b(?:my|our|the)\s+((?:new\s+)?(?:" + "|".join(_THINGS) + r"))\b", re.I)
_SWAP = {
    "i": "you", "i'm": "you're", "im": "you're", "i've": "you've", "ive": "you've", "i'd": "you'd",
    "i'll": "you'll", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "we": "you", "our": "your", "us": "you", "we're": "you're", "we've": "you've",
}  # fmt: skip
_SENTENCE = re.compile(r"[^.!?\n]+")
_OPENERS = re.compile(
    r"^(?:hi|hello|hey|ok|okay|so|well|ugh|omg|wow|yes|yeah|yep|yup|no|nope|oh|ah|lol|haha|"
    r"honestly|anyway|yay|guess what|great news|good news)"
    r"\b[,!.:\s-]*",
    re.I,
)


def thing(text: str) -> str | None:
    match = _THING.search(text)
    return f"your {match.group(1).lower()}" if match else None


def _second_person(clause: str) -> str:
    words = clause.split()
    out = []
    for i, word in enumerate(words):
        bare = word.lower().strip(",;:")
        if bare in {"was", "am"} and i and words[i - 1].lower() == "i":
            out.append("were" if bare == "was" else "are")
        elif bare in _SWAP:
            out.append(_SWAP[bare] + word[len(word.rstrip(",;:")) :])
        else:
            out.append(word)
    return " ".join(out)


def _clause(text: str, max_words: int = 14) -> str | None:
    for piece in _SENTENCE.findall(text):
        piece = _OPENERS.sub("", piece.strip()).strip(" ,-")
        words = piece.split()
        if (
            3 <= len(words) <= max_words
            and not piece.isupper()
            and re.match(r"(?i)(?:i|my|we|our|the|your|it)\b", piece)
        ):
            return piece
    return None


# Shouting and insults are how the person said it, not what went wrong: echoed back they read as
# mockery ("... that you've had ENOUGH of this stupid bot").
_SHOUTED = re.compile(r"\b[A-Z]{3,}\b")  # an acronym ("DHL") only costs the echo
_INSULT = re.compile(
    r"\b(?:stupid|useless|idiot\w*|pathetic|dumb|rubbish|crap\w*|bloody|damn\w*|f+u+c+k\w*|"
    r"sh[i1]t\w*|hell)\b",
    re.IGNORECASE,
)


# The template says the feeling; a clause that says it again doubles it ("Of course you're sad
# that you feel really sad because ...").
_OWN_FEELING = re.compile(
    r"\b(?:feel|feels|felt|feeling)\b|\b(?:i'?m|i\s+am|i\s+was|we're|we\s+are|we\s+were)\s+"
    r"(?:so\s+|really\s+|very\s+|just\s+|a\s+bit\s+)?(?:sad|happy|glad|upset|angry|mad|annoyed|"
    r"scared|afraid|worried|anxious|excited|proud|disappointed|frustrated|nervous|thrilled)\b",
    re.I,
)
# Words that carry no story of their own: a clause of nothing else ("I hope so", "I think so")
# says nothing to echo.
_LIGHT = frozenset((
    "i", "i'm", "im", "i've", "i'd", "i'll", "me", "my", "we", "our", "us", "it", "it's", "its",
    "the", "a", "an", "and", "or", "but", "so", "to", "of", "in", "on", "at", "for", "with", "that",
    "this", "is", "are", "was", "were", "be", "been", "am", "do", "did", "does", "have", "has",
    "had", "just", "really", "very", "not", "no", "think", "hope", "guess", "know", "suppose",
    "too", "also", "well", "yes", "yeah",
))  # fmt: skip


def _reads_cleanly(clause: str) -> bool:
    weighty = [w for w in re.findall(r"[a-z0-9']+", clause.lower()) if w not in _LIGHT]
    return bool(weighty) and not _OWN_FEELING.search(clause)


# An {issue} says what went wrong: a clause without a word of trouble is a detail or a request
# ("... that you have a Google Pixel XL", "... that you forgot your password, retrieve it").
_TROUBLE = re.compile(
    r"\b(?:not|no|never|nothing|n't|wrong|broke\w*|lost|late|delay\w*|cancel+ed|crash\w*|"
    r"fail\w*|error\w*|missing|stuck|charged|declined|locked|damaged|faulty|stopped|"
    r"disappeared|gone|postponed|overcharged|scar\w+|awful|terrible|horrible|bad|worse|worst|"
    r"hard|sad|hurt\w*|sick|ill|died|dead|passed|fell|fired|dumped|left|rude|ignored|cheated)\b|"
    r"n't\b",
    re.I,
)
# A request, a placeholder or a version string is not something to echo back.
_NOT_AN_ISSUE = re.compile(
    r"\b(?:please|pls|plz|retrieve|request|help|can\s+(?:i|you)|could\s+you|want|need|"
    r"already|tried|did\s+(?:that|this|both)|done\s+(?:that|this))\b|"
    r"__\w+__|\d+\.\d+|[:;]-?[\\/()|]",
    re.I,
)


def issue(text: str) -> str | None:
    """The problem as a second-person clause, or None when it would not read cleanly."""
    if "?" in text:
        return None
    clause = _clause(text.replace("\u2019", "'"))
    if clause is None or re.search(r"\b(?:you|your|you're)\b", clause, re.I):
        return None  # "you lost my parcel" would become "you lost your parcel": skip
    if not _TROUBLE.search(clause) or _NOT_AN_ISSUE.search(clause):
        return None
    if _SHOUTED.search(clause) or _INSULT.search(clause) or not _reads_cleanly(clause):
        return None
    swapped = _second_person(clause)
    return swapped[0].lower() + swapped[1:]


# "I'm so happy, I got the job": the feeling is said by the template, the event is the rest.
_FEELING_LEAD = re.compile(
    r"^(?:i'?m|i\s+am)\s+(?:so\s+|really\s+|very\s+|just\s+)?(?:happy|glad|excited|thrilled|"
    r"delighted|pleased|relieved)(?:\s+(?:that|because))?[,!:\s-]+(?=(?:i|my|we|our)\b)",
    re.I,
)


def event(text: str) -> str | None:
    clause = _clause(_FEELING_LEAD.sub("", _OPENERS.sub("", text.strip())))
    if clause is None or not re.match(r"(?i)(?:i|my|we|our)\b", clause):
        return None
    if not _reads_cleanly(clause):
        return None
    swapped = _second_person(clause)
    return swapped[0].lower() + swapped[1:]


def fill(text: str) -> dict[str, str]:
    values = {"thing": thing(text), "issue": issue(text), "event": event(text)}
    return {k: v for k, v in values.items() if v}
