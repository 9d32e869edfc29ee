"""Which language a message is in: English, or one the models cannot read.

Every model of the pack was trained on English. A message in another language ("Ich habe KEINE
Rückerstattung erhalten!!") reads as noise: a German complaint about a refund came out as a
greeting. The planner answers such a message honestly instead (plan/rules.py,
``say_we_read_only_english``). py3langid (BSD-3, the model inside the package, ~0.1 ms a
message) makes the call; the numbers below were chosen on train rows and are measured on test
rows by ``benchmarks/language.py``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

ENGLISH = "en"
# Probability of English under which a message is another language. 0.01, on train rows: 0 of
# 1,839 English UMSAB tweets, 0 of 11,660 airline tweets, 2 of 2,745 complaint tweets and 29 of
# 12,019 TWCS tweets flagged (those are nearly all Spanish, Dutch, German, Portuguese, Arabic,
# Turkish, Tagalog, Thai or Japanese), against 80-99% of UMSAB's French, German, Spanish,
# Italian, Portuguese and Arabic tweets. (Hindi written in Latin letters mostly passes as
# English: 32%.)
ENGLISH_FLOOR = 0.01
# Words of two letters or more needed before a message is judged at all: "Danke", "Hola" or
# "Sonos Play:1" are too short to tell, and version strings are not a language.
MIN_WORDS = 4
# ... or letters of a script other than Latin (Japanese or Thai has no spaces between words).
MIN_OTHER_SCRIPT_LETTERS = 10
# Characters of a message judged (its opening).
JUDGED_CHARS = 400

_WORD = re.compile(r"[^\W\d_]{2,}")
# Links, handles, hashtag marks and app URIs ("spotify:track:15YI1C...") are not words of any
# language.
_NOT_LANGUAGE = re.compile(r"https?://\S+|www\.\S+|@\w+|#|\b\w+:\w+:\S+|\S+@\S+\.\w+")

# Words of English grammar: a message with three of them is English without asking the
# identifier, which most messages then skip (it cost ~0.9 ms at p95 on every message).
_ENGLISH_WORDS = frozenset((
    "the", "and", "my", "you", "your", "it's", "i'm", "i", "this", "that", "with", "have", "what",
    "for", "of", "to", "is", "are", "it", "not", "but", "me", "can't", "don't", "just", "was",
))  # fmt: skip
_identifier: Any = None
_lock = threading.Lock()


def _identify() -> Any:
    """The py3langid identifier, loaded once (about 0.6 s) on first use."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def warm_up() -> None:
    """Load the identifier now rather than on the first message."""
    _identify()


def _long_enough(text: str) -> bool:
    if len(_WORD.findall(text)) >= MIN_WORDS:
        return True
    other = sum(1 for ch in text if ch.isalpha() and "LATIN" not in unicodedata.name(ch, ""))
    return other >= MIN_OTHER_SCRIPT_LETTERS


def language_of(text: str, before: str | None = None) -> str:
    """``"en"``, or the ISO 639-1 code of the language ``text`` is confidently written in.
    ``before``: the person's previous message. After a message in another language, a short one
    ("no hablo inglés") is judged too: it is most likely in the same language, and read as
    English it was met with "I'm annoyed for you just hearing about it"."""
    # The opening says which language a message is in; reading all of a long post cost 1 ms
    # per 2,000 characters (customers.py: perception p95 5.6 -> 9.1 ms).
    text = _NOT_LANGUAGE.sub(" ", text[:JUDGED_CHARS])
    if not _long_enough(text) and (
        before is None or len(_WORD.findall(text)) < 2 or language_of(before) == ENGLISH
    ):
        return ENGLISH  # (one word, "ok", is anyone's)
    if len(_ENGLISH_WORDS.intersection(text.lower().split())) >= 3:
        return ENGLISH
    letters = [ch for ch in text if ch.isalpha()]
    if sum(ch.isupper() for ch in letters) > 0.6 * len(letters):
        # Shouting is read in lower case: capitals throw the identifier (train rows: airline
        # flags 1 -> 0, complaints 4 -> 2, Italian and Portuguese recall up 1-2 points).
        text = text.lower()
    ranked = _identify().rank(text)
    if dict(ranked).get(ENGLISH, 0.0) >= ENGLISH_FLOOR:
        return ENGLISH
    return str(ranked[0][0])
