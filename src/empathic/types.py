"""The value objects that travel between stages. All immutable."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Intent = Literal[
    "complaint",
    "question",
    "request_human",
    "thanks",
    "good_news",
    "venting",
    "greeting",
    "goodbye",
    "other",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]

CrisisKind = Literal["self_harm", "harm_to_others", "abuse", "medical_emergency"]
CRISIS_KINDS: tuple[str, ...] = CrisisKind.__args__  # type: ignore[attr-defined]
CrisisTier = Literal["concern", "crisis"]
CRISIS_TIERS: tuple[str, ...] = CrisisTier.__args__  # type: ignore[attr-defined]

EKMAN: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")


@dataclass(frozen=True)
class Span:
    """A piece of the message, by character offsets, that supports a finding."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Cue:
    """A surface signal in the message: all caps, repeated punctuation, urgency, ..."""

    kind: str
    span: Span


@dataclass(frozen=True)
class CrisisSignal:
    """A person may be in danger. ``evidence`` names the words that raised it."""

    kind: CrisisKind
    confidence: float
    evidence: tuple[Span, ...]
    # "concern": distress, hopelessness, possible risk (the reply offers support and resources);
    # "crisis": explicit intent, plan, attempt, harm to others, abuse, medical emergency (the
    # reply puts safety first).
    tier: CrisisTier = "crisis"


@dataclass(frozen=True)
class Reading:
    """How one message reads: emotions, intent, cues and any crisis signal."""

    text: str
    ed_emotion: str
    ed_probs: dict[str, float]
    goemotions: dict[str, float]
    goemotions_labels: tuple[str, ...]
    ekman: str
    ekman_probs: dict[str, float]
    valence: float
    arousal: float
    intensity: float
    intent: str
    intent_probs: dict[str, float]
    cues: tuple[Cue, ...] = ()
    crisis: CrisisSignal | None = None
    context_turns: int = 0
    meta: dict[str, str] = field(default_factory=dict)
    # Probability that the message means the opposite of its literal words, and the words that
    # carry it (None below the sarcasm threshold). A sarcastic reading has its literal joy
    # turned around: negative valence, frustration, never joy or thanks.
    sarcasm: float = 0.0
    sarcasm_span: Span | None = None
    # Probability the message reports a breach of expectation (a complaint), whatever its intent.
    complaint: float = 0.0
    # negative / neutral / positive probabilities of the customer-sentiment head (after sarcasm
    # and the previous turn are taken into account); empty when no such head is loaded.
    sentiment: dict[str, float] = field(default_factory=dict)
    # Probability the message tells about the writer's own life rather than addressing a shop or
    # service (None when the model pack has no story head).
    story: float | None = None
    # "en", or the ISO 639-1 code of the language the message is confidently written in (the
    # models read English only; perceive/language.py).
    language: str = "en"

    def top_ed(self, n: int = 3) -> list[tuple[str, float]]:
        return sorted(self.ed_probs.items(), key=lambda kv: -kv[1])[:n]

    def has_cue(self, kind: str) -> bool:
        return any(c.kind == kind for c in self.cues)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (rounded probabilities).

        Built field by field: ``asdict``'s deep copy cost more than reading the message did in
        the server's /v1/analyze path."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("ed_probs", "goemotions", "ekman_probs", "intent_probs"):
            data[key] = {k: round(v, 4) for k, v in data[key].items()}
        data["sentiment"] = {k: round(v, 4) for k, v in self.sentiment.items()}
        for key in ("valence", "arousal", "intensity", "sarcasm", "complaint"):
            data[key] = round(data[key], 4)
        data["goemotions_labels"] = list(self.goemotions_labels)
        data["cues"] = [
            {
                "kind": c.kind,
                "span": {"start": c.span.start, "end": c.span.end, "text": c.span.text},
            }
            for c in self.cues
        ]
        data["crisis"] = asdict(self.crisis) if self.crisis else None
        data["sarcasm_span"] = asdict(self.sarcasm_span) if self.sarcasm_span else None
        data["meta"] = dict(self.meta)
        return data


# --- track -> plan -> respond -> check -------------------------------------------------------

Strategy = Literal[
    "acknowledge", "validate", "apologize", "reassure", "celebrate", "ask", "restate", "inform",
    "suggest", "next_step", "handoff", "support", "thank_back", "greet", "farewell", "reflect",
    "condolence", "resources", "handoff_status", "no_answer", "offer_person", "contact",
    "refer_back", "confirm_fact", "note_fact", "still_broken", "other_language", "disclose",
]  # fmt: skip
STRATEGIES: tuple[str, ...] = Strategy.__args__  # type: ignore[attr-defined]
# Strategies whose sentences are about the person's feelings: they spend the empathy budget.
EMPATHY_STRATEGIES = frozenset(
    {"acknowledge", "validate", "reassure", "support", "celebrate", "reflect", "condolence"}
)

EmpathyLevel = Literal["none", "light", "moderate", "high"]
EMPATHY_LEVELS: tuple[str, ...] = EmpathyLevel.__args__  # type: ignore[attr-defined]
# How many feeling-focused sentences each level allows in one reply.
EMPATHY_BUDGET = {"none": 0, "light": 1, "moderate": 2, "high": 3}


@dataclass(frozen=True)
class TurnSummary:
    """What the tracker keeps of one user turn."""

    text: str
    intent: str
    ekman: str
    valence: float
    intensity: float
    escalation: float
    story: float | None = None  # Reading.story


@dataclass(frozen=True)
class State:
    """The conversation so far, as the planner needs it."""

    conversation_id: str
    turns: tuple[TurnSummary, ...] = ()
    valence: float = 0.0  # smoothed
    intensity: float = 0.0  # smoothed
    escalation: float = 0.0  # 0 calm .. 1 boiling over
    escalation_trend: float = 0.0  # change since the previous turn
    escalated_turns: int = 0  # consecutive turns above the escalation threshold
    peak_escalation: float = 0.0
    deescalating: bool = False  # valence recovering after our reply
    unresolved: int = 0  # consecutive turns about the same unresolved problem
    issue: str | None = None  # the problem as the person first put it
    used_phrases: tuple[str, ...] = ()  # empathy and apology sentences already said
    apologies: int = 0
    handoff: Literal["none", "raised"] = "none"
    crisis: bool = False
    tried: tuple[str, ...] = ()  # what our replies did so far (strategies / facts given)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, complete: ``State.from_dict`` gives back an equal State."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        fields = dict(data)
        fields["turns"] = tuple(TurnSummary(**t) for t in fields.get("turns", ()))
        for key in ("used_phrases", "tried"):
            fields[key] = tuple(fields.get(key, ()))
        return cls(**fields)


@dataclass(frozen=True)
class Plan:
    """How to answer this turn."""

    strategies: tuple[str, ...]
    empathy_level: str
    tone: str
    family: str  # emotion family the wording should fit
    must_include: tuple[str, ...] = ()
    must_avoid: tuple[str, ...] = ()
    handoff: bool = False
    handoff_reason: str | None = None
    safety_override: bool = False
    max_apologies: int = 0
    predicted_strategy: str | None = None  # from the ESConv-trained model, before the rules
    knowledge: tuple[str, ...] = ()  # facts retrieved for this turn
    # The best match was weak: the facts are offered as possibly not what was asked.
    knowledge_tentative: bool = False
    # The person is telling us about their life, not about our service: a listener's wording,
    # no service talk (no reference numbers, next steps or apologies on the shop's behalf).
    personal: bool = False
    # Sentences of passages already given in this conversation that answer this message: said
    # again as a short recap ("refer_back"), never the whole passage again.
    recap: tuple[str, ...] = ()
    # How to reach a person, from the knowledge base, when nobody can take over in this chat.
    contact_route: str | None = None


@dataclass(frozen=True)
class Sentence:
    text: str
    strategy: str


@dataclass(frozen=True)
class Draft:
    sentences: tuple[Sentence, ...]
    source: str  # "composer", "llm", "safety"

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class Check:
    """One critic verdict."""

    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Reply:
    text: str
    source: str
    checks: tuple[Check, ...]
    repairs: tuple[str, ...] = ()
    regenerated: bool = False
    sentences: tuple[Sentence, ...] = ()  # the reply cut into sentences, each with its strategy

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


@dataclass(frozen=True)
class HandoffEvent:
    """Raised when a human should take over, with what they need to know."""

    conversation_id: str
    reason: str
    summary: str
    issue: str | None
    trajectory: tuple[float, ...]  # valence per user turn
    tried: tuple[str, ...]
    crisis: CrisisSignal | None = None


@dataclass(frozen=True)
class Turn:
    conversation_id: str
    index: int
    reading: Reading
    state: State
    plan: Plan
    reply: Reply
    handoff: HandoffEvent | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reading"] = self.reading.to_dict()
        data["state"].pop("turns", None)
        return data
