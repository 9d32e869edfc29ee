"""Heads for real customers' words (issue 15), read from models/customer_heads.npz (research
pack), models/customer_heads_commercial.npz (commercial pack) or models/customer_heads_tweets.npz
(tweets pack; perception.model_pack).

Each is linear over an embedding (the shared encoder's; for the tweets pack's sarcasm, sentiment
and complaint heads, the customer encoder's: CustomerHeads.encoder_heads) plus, when the pack
holds them, weights over the message's hashed word and character n-grams
(perceive/ngrams.py); numpy only at run time (trained by training/train_customer_heads.py):

* sarcasm: probability that the message means the opposite of its literal words;
* sentiment: negative / neutral / positive, trained on real customer tweets;
* complaint: probability the message reports a breach of expectation, whatever its intent;
* risk: probability the writer is in distress or at risk (the crisis gate's "concern" tier and
  the check on crisis-head flags that no phrase supports);
* story (models/register.npz, research and tweets packs): probability the message tells about
  the writer's own life rather than addressing a shop or service (the planner's register).

And the rules that turn them into a reading: the sarcasm flip, questions that are not surprise,
and the short follow-up read with the turn before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from empathic.perceive import ngrams
from empathic.perceive.encoder import artifact

PACKS = {
    "research": "customer_heads.npz",
    "commercial": "customer_heads_commercial.npz",
    "tweets": "customer_heads_tweets.npz",
}
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class CustomerHeads:
    sarcasm_w: np.ndarray
    sarcasm_b: np.ndarray
    sarcasm_threshold: float
    sentiment_w: np.ndarray
    sentiment_b: np.ndarray
    complaint_w: np.ndarray
    complaint_b: np.ndarray
    complaint_threshold: float
    risk_w: np.ndarray
    risk_b: np.ndarray
    risk_threshold: float
    pack: str = "research"
    # Per head, (ngrams.BUCKETS, k) weights over hashed n-grams (absent: embedding only).
    ngram_w: dict[str, np.ndarray] = field(default_factory=dict)
    # The artifact whose vectors ``encoder_heads`` read (the customer encoder, fine-tuned on
    # tweets); the other heads, and every head when it is None, read the shared encoder's.
    encoder: str | None = None
    encoder_heads: tuple[str, ...] = ()

    @classmethod
    def load(cls, pack: str = "research") -> CustomerHeads:
        with np.load(artifact(PACKS[pack]), allow_pickle=False) as data:
            a = {k: data[k] for k in data.files}
        return cls(
            sarcasm_w=a["sarcasm_w"], sarcasm_b=a["sarcasm_b"],
            sarcasm_threshold=float(a["sarcasm_threshold"]),
            sentiment_w=a["sentiment_w"], sentiment_b=a["sentiment_b"],
            complaint_w=a["complaint_w"], complaint_b=a["complaint_b"],
            complaint_threshold=float(a["complaint_threshold"]),
            risk_w=a["risk_w"], risk_b=a["risk_b"], risk_threshold=float(a["risk_threshold"]),
            pack=pack,
            ngram_w={k[: -len("_ngram_w")]: a[k] for k in a if k.endswith("_ngram_w")},
            encoder=str(a["encoder"]) if "encoder" in a else None,
            encoder_heads=tuple(str(a["encoder_heads"]).split(",")) if "encoder_heads" in a else (),
        )  # fmt: skip

    def _logits(
        self, name: str, x: np.ndarray, w: np.ndarray, b: np.ndarray, texts: Sequence[str] | None
    ) -> np.ndarray:
        out = x @ w + b
        weights = self.ngram_w.get(name)
        if weights is not None:
            if texts is None or len(texts) != len(x):
                raise ValueError(f"the {name} head reads the texts as well as their embeddings")
            out = out + ngrams.logits(list(texts), weights)
        return out

    def _binary(
        self, name: str, x: np.ndarray, w: np.ndarray, b: np.ndarray, texts: Sequence[str] | None
    ) -> np.ndarray:
        return _sigmoid(self._logits(name, x, w[:, -1:], b[-1:], texts)[:, 0])

    def sarcasm(self, x: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        return self._binary("sarcasm", x, self.sarcasm_w, self.sarcasm_b, texts)

    def complaint(self, x: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        return self._binary("complaint", x, self.complaint_w, self.complaint_b, texts)

    def risk(self, x: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        return self._binary("risk", x, self.risk_w, self.risk_b, texts)

    def sentiment(self, x: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        logits = self._logits("sentiment", x, self.sentiment_w, self.sentiment_b, texts)
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class StoryHead:
    """Whether a message tells about the writer's own life or is addressed to a shop or service
    (models/register.npz, trained by training/train_register_head.py; not in the commercial
    pack)."""

    weights: np.ndarray
    bias: float

    @classmethod
    def load(cls, pack: str = "research") -> StoryHead | None:
        """The head, or None for a pack that has none (its training data is non-commercial)."""
        if pack == "commercial":
            return None
        with np.load(artifact("register.npz"), allow_pickle=False) as data:
            return cls(data["story_w"], float(data["story_b"][0]))

    def probability(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(x @ self.weights + self.bias)


# Positive words a sarcastic message turns around; the first one is the span shown for sarcasm.
_POSITIVE_WORDS = re.compile(
    r"\b(?:great|love[sd]?|loving|thanks(?:\s+a\s+(?:lot|bunch|million))?|thank\s+you|wonderful|"
    r"perfect(?:ly)?|awesome|nice|best|fantastic|amazing|brilliant|lovely|happy|glad|yay|fun|"
    r"fabulous|excellent|superb|delighted|thrilled|cheers|sweet|cool|good\s+job|well\s+done|"
    r"impressive|genius|exactly\s+what\s+i\s+(?:wanted|needed))\b",
    re.IGNORECASE,
)
# A short positive follow-up that, after a failure, reads as sarcasm ("great, thanks a lot").
# Not a bare "cheers": every TWCS train follow-up that is only "Cheers" (nine) signs off with
# thanks, and read as sarcasm it got "Having to chase this up is frustrating".
_SARCASTIC_FOLLOW_UP = re.compile(
    r"\b(?:great|perfect|wonderful|fantastic|brilliant|awesome|lovely|amazing|nice\s+one|"
    r"thanks\s+(?:a\s+(?:lot|bunch|million)|for\s+nothing|so\s+much)|just\s+great|love\s+(?:it|that)|"
    r"cheers\s+for\s+(?:nothing|that)|super|well\s+done|good\s+job)\b",
    re.IGNORECASE,
)
# A follow-up that reports the problem solved is real thanks, whatever came before.
_RESOLVED = re.compile(
    r"\b(?:fixed|works?|worked|working\s+now|sorted|resolved|solved|arrived|got\s+it|received|"
    r"came\s+through|went\s+through|that\s+did\s+it|all\s+good|back\s+to\s+normal|appreciate)\b",
    re.IGNORECASE,
)
# A repetition cue that tells of a failure happening again ("third time", "still no", "yet
# again", "already called"), not one that only says "again" ("thanks again", "fly you again").
_FAILURE_AGAIN = re.compile(
    r"^(?:(?:second|third|fourth|fifth|\d+(?:nd|rd|th)|umpteenth)\s|still\s|yet\s+again|keeps?\s|"
    r"already\s|i've\s|i\s+have\s|every\s+single)",
    re.IGNORECASE,
)
_FINALLY = re.compile(r"\b(?:finally|at\s+last|in\s+the\s+end|ended\s+up)\b", re.IGNORECASE)
# A question reads as surprise only with a word of surprise in it.
_SURPRISE_WORDS = re.compile(
    r"\b(?:wow|whoa|omg|surpris\w*|shock\w*|can'?t\s+believe|no\s+way|unbelievable|really\?!|"
    r"what\?!|seriously\?|astonish\w*|wait\s+what)\b|\?!|!\?",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"\?|^\s*(?:hi|hello|hey)?[,!\s]*(?:how|what|when|where|why|who|which|can|could|would|will|"
    r"is|are|do|does|did|should|may|i\s+(?:need|want|would\s+like)|please)\b",
    re.IGNORECASE,
)


def has_positive_words(text: str) -> bool:
    return _POSITIVE_WORDS.search(text) is not None


def is_question(text: str) -> bool:
    return _QUESTION.search(text) is not None


def surprised(text: str) -> bool:
    return _SURPRISE_WORDS.search(text) is not None


def sarcasm_span(text: str, hint: tuple[int, int, str] | None) -> tuple[int, int, str]:
    """The words that carry the sarcasm: the sarcasm cue when there is one, else the first
    positive word the message turns around, else the whole message."""
    if hint is not None:
        return hint
    m = _POSITIVE_WORDS.search(text)
    if m is not None:
        return m.start(), m.end(), m.group(0)
    stripped = text.strip()
    start = text.index(stripped) if stripped else 0
    return start, start + len(stripped[:300]), stripped[:300]


def praises_a_repeated_failure(text: str, repetitions: Sequence[str]) -> bool:
    """Glad words about a failure that keeps happening, with nothing resolved ("Fantastic
    service as always. Third time my delivery has been 'rescheduled'. Really loving it.")."""
    return (
        has_positive_words(text)
        and any(_FAILURE_AGAIN.match(r) for r in repetitions)
        and _RESOLVED.search(text) is None
        and _FINALLY.search(text) is None
    )


# Faces people add to thanks they mean ("Brilliant thanks 😊"); an eye-roll is not among them.
_SINCERE_FACES = re.compile(
    "[\u263a\U0001f60a\U0001f642\U0001f44d\U0001f64f\u2764\U0001f495\U0001f493\U0001f60d\U0001f970\U0001f64c]"
)
# The customer apologising for their own part ("sorry for the trouble!!", "excuse my
# stupidity"): the tweet-trained sentiment head reads it as negative, but it is not sarcasm.
_OWN_APOLOGY = re.compile(
    r"\b(?:sorry\s+(?:for|about)\s+(?:the|any|all\s+the)\s+(?:trouble|hassle|bother|confusion)|"
    r"excuse\s+my|my\s+(?:bad|mistake|fault)|silly\s+me|i\s+(?:totally\s+)?overlooked)\b",
    re.IGNORECASE,
)


def sarcastic_follow_up(text: str) -> bool:
    """A short positive reply that reads as sarcasm after a failure (not one reporting a fix,
    nor one with a smile or a thumbs-up: "Brilliant thanks 😊")."""
    return (
        _SARCASTIC_FOLLOW_UP.search(text) is not None
        and _RESOLVED.search(text) is None
        and _SINCERE_FACES.search(text) is None
    )


# Praise of the service in so many words ("You guys customer service rocks."): on a message
# that goes on about something else, the sentiment head's negative reading is not irony.
_SERVICE_PRAISE = re.compile(
    r"\b(?:customer\s+)?(?:service|support)\s+(?:rocks|rules|is\s+(?:the\s+best|awesome|amazing))\b",
    re.IGNORECASE,
)


def plainly_sincere(text: str) -> bool:
    """A fix reported, an apology of the customer's own or praise of the service: the glad
    words mean what they say even when the sentiment head reads the message as negative ("oh
    its working now!!! sorry for the trouble!!")."""
    return any(p.search(text) is not None for p in (_RESOLVED, _OWN_APOLOGY, _SERVICE_PRAISE))
