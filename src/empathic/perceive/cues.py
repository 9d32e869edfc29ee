"""Surface cues a support agent notices before reading for meaning.

Rules, not a model: each cue is a visible property of the text (caps, "!!!", "third time") and
must come with the span that shows it, so an operator can see why a turn was marked.
"""

from __future__ import annotations

import re

from empathic.types import Cue, Span

_WORD = r"[A-Za-z']+"

# Each pattern is (cue kind, compiled regex). Order does not matter; overlaps are allowed.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("repeated_punctuation", re.compile(r"[!?]{2,}|\.{4,}")),
    (
        "repetition",
        re.compile(
            r"\b(?:(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)|umpteenth|again and again|"
            r"multiple|several|many|so many|countless)\s+(?:time|times|attempt|attempts|call|calls|"
            r"email|emails|request|requests)|"
            r"(?:yet\s+)?again|still\s+(?:not|no|hasn't|haven't|isn't|doesn't|don't|can't|waiting|"
            r"broken|nothing|wrong|missing|charged|having)|"
            r"(?:already|i've|i have)\s+(?:told|asked|called|explained|contacted|written|emailed|"
            r"wasted|been\s+waiting|spent\s+(?:hours|ages|all\s+day|half\s+an\s+hour|an\s+hour))|"
            r"keeps?\s+(?:happening|failing|crashing|breaking|charging)|"
            r"(?:for|over)\s+(?:weeks|months|days|ages)|every single time|once again)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "urgency",
        re.compile(
            r"\b(?:urgent(?:ly)?|asap|immediately|right now|right away|emergency|as soon as possible|"
            r"today|tonight|by tomorrow|deadline|time[- ]sensitive|hurry|quickly|now!|critical)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "profanity",
        re.compile(
            r"\b(?:f+u+c+k\w*|sh[i1]t\w*|bullshit|crap(?:py)?|damn(?:ed|it)?|goddamn\w*|hell|"
            r"bastards?|bitch\w*|ass(?:hole)?s?|wtf|ffs|stfu|pissed|screw(?:ed)? you|idiots?|"
            r"morons?|useless pieces? of \w+)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "negation",
        re.compile(
            r"\b(?:not|never|no longer|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|"
            r"can't|cannot|couldn't|hardly)\s+(?:(?:very|so|too|that|really|at all|even|the)\s+)?"
            r"(?:happy|good|great|bad|worst|best|satisfied|pleased|impressed|working|work|fine|"
            r"okay|ok|helpful|terrible|awful|sure|thrilled|upset|angry|worried|amazing|"
            r"acceptable|fair|right|correct)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "sarcasm_hint",
        re.compile(
            # "Sounds great! Just wanted to let you know" accepts an answer; "Great, just
            # what I needed" does not.
            r"(?:(?<!sounds\s)(?<!looks\s)\b(?:oh\s+)?(?:great|wonderful|fantastic|brilliant|"
            r"perfect|lovely|awesome|nice)[,.!]+\s+(?:(?:just(?!\s+(?:wanted|wanna|want|checking|"
            r"letting|to\s+let|in\s+case|making\s+sure))|another|now|so|and)\b|"
            r"(?:that's|thats|it's)\s+just)|"
            r"\b(?:thanks|thank you)\s+(?:a lot|so much)?\s*(?:for nothing|i guess)\b|"
            # Thanks for a harm ("thanks for losing my luggage"): on airline, TWCS and
            # GoEmotions *train* rows every match is a complaint. Cancelling and breaking are
            # left out: "thanks for cancelling my order" is often sincere.
            r"\b(?:thanks|thank you)(?:\s+\S+)?,?\s+for\s+(?:(?!not\b|never\b)\w+\s+)?"
            r"(?:ruining|losing|delaying|ignoring|wasting|overcharging|getting me sick|"
            r"making me (?:late|wait|sick|miss)|leaving me (?:stranded|waiting|stuck|on hold))\b|"
            r"\byeah,?\s+right\b|\bsure,?\s+(?:because|like)\b|\blove\s+that\s+for\s+me\b|"
            r"\byeah,?\s+(?:really|totally|just|so)\s+(?:loving|enjoying|love)\b|"
            r"\b(?:love|loving)\s+(?:how|that|waiting|being)\b.*\b(?:again|still|never|hours?|"
            r"days?|weeks?)\b|"
            r"\bwhat a (?:surprise|shock)\b|\bclearly\b.*\b(?:genius|brilliant)\b|"
            # Faces: eye roll, upside-down, unamused, expressionless. On SemEval and iSarcasm
            # *train* rows 😒 marks sarcasm in 29 of 35 tweets and 😑 in 12 of 15; no positive
            # airline train tweet has either.
            r"/s\b|🙄|🙃|😒|😑)",
            re.IGNORECASE,
        ),
    ),
]

_ALL_CAPS_RUN = re.compile(r"\b[A-Z][A-Z']{2,}(?:\s+[A-Z][A-Z']{1,})+\b|\b[A-Z]{5,}\b")
_ACRONYMS = {"ASAP", "HTTP", "HTTPS", "USA", "ETA", "FAQ", "NASA", "HTML", "JSON", "UTC", "GMT"}


def detect_cues(text: str) -> tuple[Cue, ...]:
    """All cues found in ``text``, in order of position."""
    cues = [
        Cue(kind, Span(m.start(), m.end(), m.group(0)))
        for kind, pattern in _PATTERNS
        for m in pattern.finditer(text)
    ]
    for m in _ALL_CAPS_RUN.finditer(text):
        if m.group(0) not in _ACRONYMS:
            cues.append(Cue("all_caps", Span(m.start(), m.end(), m.group(0))))
    return tuple(sorted(cues, key=lambda c: (c.span.start, c.kind)))


def shouting_ratio(text: str) -> float:
    """Share of letters in capitals, over words of 2+ letters (0 for short or mixed text)."""
    words = [w for w in re.findall(_WORD, text) if len(w) >= 2]
    if len(words) < 2:
        return 0.0
    upper = sum(1 for w in words if w.isupper())
    return upper / len(words)
