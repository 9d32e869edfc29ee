"""The strategy policy: calibration rules a support lead would sign, plus a learned suggestion.

Rules decide what must and must not happen (no apology for thanks, acknowledgement before the
fix, one apology at most and only for our own failure, more room for grief and fear, hand-off on
request, crisis first). The ESConv-trained model proposes the next supporter strategy; the policy
adds it when the rules leave room for it.
"""

from __future__ import annotations

import re

from empathic.track.state import ESCALATION_THRESHOLD
from empathic.types import EMPATHY_LEVELS, Plan, Reading, State

ALWAYS_AVOID = (
    "calm down",
    "i understand exactly how you feel",
    "i know exactly how you feel",
    "as per my last message",
    "it is what it is",
    "no worries",
)
# Strategies the learned model may add, by the ESConv label it predicts.
ESCONV_TO_STRATEGY = {
    "Question": "ask",
    "Restatement or Paraphrasing": "restate",
    "Reflection of feelings": "acknowledge",
    "Self-disclosure": "validate",
    "Affirmation and Reassurance": "reassure",
    "Providing Suggestions": "suggest",
    "Information": "inform",
    "Others": None,
}
# Words that put the fault on our side (a late parcel, a wrong charge): only then apologize.
_OUR_FAULT = (
    "order", "parcel", "package", "delivery", "deliver", "charge", "charged", "refund", "bill",
    "invoice", "broken", "damaged", "wrong", "missing", "late", "delay", "crash", "bug", "error",
    "app", "website", "site", "account", "locked", "cancel", "subscription", "support", "waiting",
    "hold", "agent", "nobody", "no one", "never arrived", "still", "again",
)  # fmt: skip

# Words that tie a conversation to a shop or service. A conversation in which none appears is
# someone telling us about their life (people do tell a support bot that their dog died), and
# gets a listener's reply, not a reference-number request.
_SERVICE = re.compile(
    r"\b(?:(?<!in\s)order(?:s|ed|ing)?|parcel|package|deliver\w*|courier|shipping|shipped|"
    r"tracking|refund\w*|account|subscri\w+|payment|invoice|billing|billed|charged|charges|"
    r"(?:credit|debit|bank|gift|sim)\s+card|password|log\s*in|login|sign\s+in|app|website|"
    r"online|checkout|basket|cart|item|product|replacement|warranty|receipt|voucher|coupon|"
    r"discount|promo\w*|membership|booking|upgrade|download|install\w*|bug|glitch|error|"
    r"device|customer\w*|complaint|support|agent|representative|technician|chat\s*bot|bot|"
    r"human|operator|your\s+(?:company|team|service|store|shop|staff|policy|site|system)|"
    r"you\s+guys|this\s+(?:company|service|shop|store))\b",
    re.IGNORECASE,
)
# In a personal conversation, "goodbye" and "request a human" must be said, not guessed: chat
# such as "Yeah me either" reads to the intent model like a sign-off.
_CLOSING = re.compile(
    r"\b(?:bye|goodbye|good\s*night|see\s+(?:you|ya)|take\s+care|talk\s+(?:to\s+you\s+)?"
    r"(?:later|soon)|ttyl|have\s+a\s+(?:good|nice|great|lovely)|that'?s\s+(?:all|it)|gotta\s+go|"
    r"got\s+to\s+go|i'?m\s+off|cheers|thanks|thank\s+you)\b",
    re.IGNORECASE,
)
_ASK_HUMAN = re.compile(
    r"\b(?:human|real\s+person|a\s+person|someone\s+real|agent|representative|operator|"
    r"manager|supervisor|staff|speak\s+to|talk\s+to)\b",
    re.IGNORECASE,
)

HANDOFF_ESCALATED_TURNS = 2
HANDOFF_UNRESOLVED = 3


def emotion_family(reading: Reading) -> str:
    """The family of feeling the wording should fit."""
    go = reading.goemotions
    if reading.intent == "thanks" or go.get("gratitude", 0) >= 0.5:
        return "gratitude"
    if go.get("confusion", 0) >= 0.35 and reading.valence > -0.45:
        return "confusion"
    if reading.ekman in {"anger", "disgust"}:
        return "frustration"
    if reading.ekman == "fear":
        return "fear"
    if reading.ekman == "sadness":
        grief = go.get("grief", 0) + go.get("sadness", 0) + reading.ed_probs.get("devastated", 0)
        return "sadness" if grief >= 0.5 else "disappointment"
    if reading.ekman == "joy" and reading.valence > 0.2:
        return "joy"
    if reading.intent == "complaint" or reading.has_cue("repetition"):
        # "Third time I'm asking. Still nothing." reads flat to the models; it is not.
        return "frustration" if reading.intensity >= 0.45 else "disappointment"
    return "neutral"


_OUR_FAULT_RE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in _OUR_FAULT) + r")\b", re.I)


def _our_fault(reading: Reading) -> bool:
    return reading.intent == "complaint" and _OUR_FAULT_RE.search(reading.text) is not None


def _level(index: int) -> str:
    return EMPATHY_LEVELS[max(0, min(index, len(EMPATHY_LEVELS) - 1))]


def uses_prediction(plan: Plan) -> bool:
    """Whether the learned strategy could change ``plan`` (planned without it): only at moderate
    empathy or more, and never over a hand-off or the safety reply."""
    return (
        EMPATHY_LEVELS.index(plan.empathy_level) >= 2
        and not plan.handoff
        and not plan.safety_override
    )


def personal_story(reading: Reading, state: State, knowledge: tuple[str, ...] = ()) -> bool:
    """Whether the person is telling us about their life: nothing in the conversation so far is
    about a shop or service and nothing was found in the knowledge base. A question opens a
    conversation as a support question; asked inside a personal one ("Do you like old family
    pictures?") it is part of the chat."""
    if knowledge or reading.intent in {"thanks", "greeting"}:
        return False
    if reading.intent == "question" and len(state.turns) < 2:
        return False
    texts = [reading.text, *(t.text for t in state.turns)]
    return not any(_SERVICE.search(t) for t in texts)


def _intent(reading: Reading, personal: bool) -> str:
    """The intent the plan answers: in a personal conversation a sign-off or a request for a
    human is taken only when it is said."""
    intent = reading.intent
    if personal and intent == "goodbye" and not _CLOSING.search(reading.text):
        return "other"
    if personal and intent == "request_human" and not _ASK_HUMAN.search(reading.text):
        return "other"
    return intent


def handoff_reason(reading: Reading, state: State, intent: str | None = None) -> str | None:
    if reading.crisis is not None:
        return f"crisis: {reading.crisis.kind}"
    if state.handoff == "raised":
        return None  # already with a human; do not raise it twice
    if (intent or reading.intent) == "request_human":
        return "asked for a human"
    if state.escalated_turns >= HANDOFF_ESCALATED_TURNS:
        return f"escalation above {ESCALATION_THRESHOLD} for {state.escalated_turns} turns"
    if state.unresolved >= HANDOFF_UNRESOLVED:
        return f"same issue unresolved {state.unresolved} times"
    return None


def plan_turn(
    reading: Reading,
    state: State,
    predicted_strategy: str | None = None,
    knowledge: tuple[str, ...] = (),
) -> Plan:
    """The plan for answering ``reading`` given the conversation ``state``."""
    family = emotion_family(reading)
    avoid = list(ALWAYS_AVOID)
    personal = (
        reading.crisis is None and not state.crisis and personal_story(reading, state, knowledge)
    )
    intent = _intent(reading, personal)
    reason = handoff_reason(reading, state, intent)

    if reading.crisis is not None:
        return Plan(
            strategies=("support", "handoff"),
            empathy_level="high",
            tone="calm, warm, direct",
            family="sadness" if reading.crisis.kind == "self_harm" else "fear",
            must_include=("safety resources",),
            must_avoid=(*avoid, "jokes", "product talk", "upselling"),
            handoff=True,
            handoff_reason=reason,
            safety_override=True,
            predicted_strategy=predicted_strategy,
        )

    strategies: list[str]
    level = 0
    max_apologies = 0
    tone = "friendly, clear"
    if personal and intent not in {"goodbye", "request_human"}:
        strategies, family, level, tone, max_apologies = _listen(reading, intent, family)
        if max_apologies == 0:
            avoid.append("apology")
        avoid += ["product talk", "upselling"]
    elif intent == "greeting":
        strategies = ["greet"]
    elif intent == "goodbye":
        strategies = ["farewell"]
        family = "gratitude" if family == "gratitude" else "neutral"
    elif intent == "thanks":
        strategies = ["thank_back"]
        family, level = "gratitude", 1
        avoid.append("apology")
    elif intent == "good_news":
        strategies = ["celebrate"] + (["inform"] if knowledge else [])
        family, level = "joy", 2
        tone = "warm, glad"
        avoid.append("apology")
    elif intent == "venting" or (family in {"sadness", "fear"} and intent != "question"):
        # Grief and fear get room: feelings first, a gentle question, help only if asked.
        strategies = [
            "acknowledge",
            "validate",
            "support" if family in {"sadness", "fear"} else "reassure",
            "ask",
        ]
        level = 3 if family in {"sadness", "fear"} or reading.intensity >= 0.6 else 2
        tone = "gentle, unhurried"
        if family == "neutral":  # venting is never met with a neutral "got it"
            family = "disappointment"
        if knowledge:
            strategies.insert(3, "inform")
    elif intent == "complaint" or (intent == "request_human" and reading.valence < -0.2):
        level = 2 if reading.intensity < 0.7 else 3
        strategies = ["acknowledge"]
        if _our_fault(reading) and state.apologies == 0:
            strategies.append("apologize")
            max_apologies = 1
        if reading.intensity >= 0.7 or state.escalation >= ESCALATION_THRESHOLD:
            strategies.append("validate")
        if knowledge:
            strategies.append("inform")
        elif state.issue and len(state.turns) == 1:
            strategies.append("restate")
        strategies.append("next_step")
        tone = "steady, solution-focused"
        if family not in {"frustration", "disappointment"}:
            family = "frustration" if reading.intensity >= 0.45 else "disappointment"
    elif intent == "question":
        # A question gets its answer first. Only a clearly upset asker gets a short
        # acknowledgement before it (a strongly negative reading, shouting, swearing, saying it
        # again, or a conversation already escalated); confusion is met by a clear answer, not
        # by a preamble.
        upset = (
            (reading.valence <= -0.35 and reading.intensity >= 0.5)
            or any(c.kind in {"all_caps", "profanity", "repetition"} for c in reading.cues)
            or state.escalation >= ESCALATION_THRESHOLD
        )
        if upset:
            strategies, level = ["acknowledge", "inform" if knowledge else "ask", "next_step"], 1
        else:
            strategies, family = ["inform" if knowledge else "ask", "next_step"], "neutral"
            avoid.append("empathy preamble")
    else:  # other, and a calm request for a human
        strategies, family = ["ask"], "neutral" if family not in {"joy", "gratitude"} else family

    if state.crisis and intent not in {"thanks", "goodbye"}:
        # After a crisis the conversation stays warm whatever it turns to: the feeling first,
        # support, and the practical matter left to the person already taking over.
        strategies = ["acknowledge", "support", "next_step"]
        level, tone = max(level, 2), "calm, warm, direct"
        if family not in {"sadness", "fear"}:
            family = "sadness"
        avoid += ["product talk", "upselling"]

    if reason:
        # Hand-off keeps the acknowledgement but replaces fixing it ourselves. Someone handed off
        # after escalating or repeating themselves is upset: acknowledge that first.
        strategies = [s for s in strategies if s not in {"next_step", "ask", "restate"}]
        strategies.append("handoff")
        heated = (
            reading.valence < -0.25
            or any(
                c.kind in {"all_caps", "profanity", "repeated_punctuation"} for c in reading.cues
            )
            or not reason.startswith("asked")
        )
        if heated and "acknowledge" not in strategies:
            strategies.insert(0, "acknowledge")
            if family not in {"frustration", "disappointment", "fear", "sadness"}:
                family = "frustration"
        level = max(level, 2 if heated else 1)

    suggestion = ESCONV_TO_STRATEGY.get(predicted_strategy or "")
    if (
        not personal
        and suggestion
        and suggestion not in strategies
        and level >= 2
        and not reason
        and suggestion in {"ask", "reassure", "suggest", "restate"}
        and (suggestion != "suggest" or intent == "venting")
    ):
        strategies.insert(
            len(strategies) - 1 if strategies[-1] in {"next_step", "ask"} else len(strategies),
            suggestion,
        )

    if state.apologies:
        avoid.append("second apology")
    return Plan(
        strategies=tuple(dict.fromkeys(strategies)),
        empathy_level=_level(level),
        tone=tone,
        family=family,
        must_include=("acknowledge the feeling before the fix",)
        if level >= 2 and "inform" in strategies
        else (),
        must_avoid=tuple(dict.fromkeys(avoid)),
        handoff=reason is not None,
        handoff_reason=reason,
        max_apologies=max_apologies,
        predicted_strategy=predicted_strategy,
        knowledge=knowledge,
        personal=personal,
    )


def _listen(reading: Reading, intent: str, family: str) -> tuple[list[str], str, int, str, int]:
    """Strategies, family, empathy level, tone and apology allowance for a story from the
    person's life: react to the feeling, show what we understood, ask about it. Nothing to fix,
    so no next step; the one "sorry" allowed to a hard story is sympathy ("I'm so sorry you went
    through that"), not an apology for the shop."""
    if intent == "question":
        # Asked about ourselves: say plainly we have no life of our own to tell, and turn it back.
        return ["inform", "ask"], "neutral", 0, "warm, curious", 0
    if intent == "good_news" or family in {"joy", "gratitude"}:
        return ["celebrate", "reflect", "ask"], "joy", 2, "warm, glad", 0
    if family in {"sadness", "fear"}:
        strategies = ["acknowledge", "reflect", "ask"]
        if family == "sadness" and reading.intensity >= 0.6:
            # Grief gets a line of comfort too ("Please be gentle with yourself"); the fear lines
            # of the support bank are about waiting for news and would not fit a story.
            strategies.insert(2, "support")
        return strategies, family, 3, "gentle, unhurried", 1
    if family == "neutral" and intent not in {"venting", "complaint"}:
        return ["acknowledge", "ask"], "neutral", 1, "warm, curious", 0
    if family not in {"frustration", "disappointment", "confusion"}:
        family = "disappointment"
    return (
        ["acknowledge", "reflect", "ask"],
        family,
        2,
        "warm, attentive",
        int(family != "confusion"),
    )
