"""The fixed safe response for a person in crisis, with resources per locale.

Written once, reviewed, never generated: no jokes, no product talk, a clear path to help now.
Teams override the resources for their market with ``SafetyResources``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from empathic.types import CrisisSignal, Draft, Sentence


@dataclass(frozen=True)
class SafetyResources:
    emergency: str
    crisis_line: str
    abuse_line: str


RESOURCES: dict[str, SafetyResources] = {
    "en-GB": SafetyResources(
        emergency="999",
        crisis_line="Samaritans on 116 123 (free, any time)",
        abuse_line="the National Domestic Abuse Helpline on 0808 2000 247",
    ),
    "en-US": SafetyResources(
        emergency="911",
        crisis_line="the 988 Suicide & Crisis Lifeline (call or text 988)",
        abuse_line="the National Domestic Violence Hotline on 1-800-799-7233",
    ),
    "en-IE": SafetyResources(
        emergency="112 or 999",
        crisis_line="Samaritans on 116 123",
        abuse_line="Women's Aid on 1800 341 900",
    ),
    "default": SafetyResources(
        emergency="your local emergency number (112 in the EU)",
        crisis_line="a local crisis line (findahelpline.com lists one for every country)",
        abuse_line="a local domestic abuse helpline",
    ),
}

_OPENING = {
    "self_harm": "I'm really glad you told me, and I'm taking what you said seriously.",
    "harm_to_others": "What you've described sounds serious, and I want to make sure nobody gets hurt.",
    "abuse": "I'm really sorry this is happening to you. You don't deserve to be hurt or threatened.",
    "medical_emergency": "This sounds like an emergency.",
}


# A fire or smoke named in the evidence of an emergency: get out, not "stay with the person".
_FIRE = re.compile(r"\b(?:fire|smoke|flames)\b", re.I)


def crisis_response(
    signal: CrisisSignal, locale: str = "default", person_available: bool = False
) -> Draft:
    """The safe reply for ``signal``. It says a member of the team is joining only when the
    deployment can really hand over to a person (the "handoff" action)."""
    r = RESOURCES.get(locale, RESOURCES["default"])
    kind = signal.kind
    lines = [Sentence(_OPENING[kind], "support")]
    if kind == "medical_emergency" and any(_FIRE.search(span.text) for span in signal.evidence):
        lines += [
            Sentence(
                f"If there is any fire or smoke still, get everyone out and call {r.emergency} "
                "now.",
                "next_step",
            ),
            Sentence(
                "Don't go back in for the appliance; it can wait until it's safe.", "next_step"
            ),
        ]
    elif kind == "medical_emergency":
        lines += [
            Sentence(
                f"Please call {r.emergency} now, or ask someone near you to call.", "next_step"
            ),
            Sentence(
                "Stay with the person if you can, and follow what the call handler tells you.",
                "next_step",
            ),
        ]
    elif kind == "abuse":
        lines += [
            Sentence(f"If you are in danger right now, please call {r.emergency}.", "next_step"),
            Sentence(f"You can also talk to {r.abuse_line}, confidentially.", "next_step"),
        ]
    elif kind == "harm_to_others":
        lines += [
            Sentence(f"If anyone is in immediate danger, please call {r.emergency}.", "next_step"),
            Sentence(
                f"If you feel you might act on this, please talk to {r.crisis_line} now.",
                "next_step",
            ),
        ]
    else:
        lines += [
            Sentence("You don't have to go through this alone.", "support"),
            Sentence(
                f"Please reach out to {r.crisis_line}; they are there to listen right now.",
                "next_step",
            ),
            Sentence(f"If you are in immediate danger, please call {r.emergency}.", "next_step"),
        ]
    if person_available:
        lines.append(
            Sentence(
                "I'm bringing in a member of our team now, and I'm here with you while they join.",
                "handoff",
            )
        )
    else:
        lines.append(Sentence("I'm here with you, and you can keep talking to me.", "support"))
    return Draft(tuple(lines), "safety")
