"""Crisis detection: danger is flagged with evidence, figures of speech are not."""

import pytest

IDIOMS = [
    "this delay is killing me",
    "I'm dying to know when my parcel ships",
    "I could kill for a coffee right now",
    "my phone battery died again",
    "kill the process and restart the app",
    "you guys are killing it, great update!",
    "shoot me an email when it's back in stock",
    "I nearly killed myself laughing at your ad",
    "I'm dead tired of waiting on hold",
    "this dress is to die for",
    "I almost had a heart attack when I saw the bill",
    "my wife is going to kill me when she sees this order",
]

CRISES = [
    ("I want to kill myself", "self_harm", "kill myself"),
    ("Please refund me. I won't be around to use it anyway, I'm going to end my life tonight.",
     "self_harm", "end my life"),
    ("My husband hits me when he's drunk and I'm scared to go home", "abuse", "hits me"),
    ("my son swallowed a battery and is crying", "medical_emergency", "swallowed a battery"),
    ("I have a gun and I'm going to shoot my boss tomorrow", "harm_to_others", None),
    ("My dad collapsed and he is not breathing", "medical_emergency", None),
]  # fmt: skip


@pytest.mark.parametrize("text", IDIOMS)
def test_idioms_do_not_raise_crisis(read, text):
    assert read(text).crisis is None


@pytest.mark.parametrize(("text", "kind", "evidence"), CRISES)
def test_crisis_detected_with_evidence(read, text, kind, evidence):
    signal = read(text).crisis
    assert signal is not None
    assert signal.kind == kind
    assert 0 < signal.confidence <= 1
    for span in signal.evidence:
        assert text[span.start : span.end] == span.text
    if evidence:
        assert any(evidence in span.text.lower() for span in signal.evidence)


def test_crisis_hidden_in_billing_complaint(read):
    text = (
        "You charged me twice for March and nobody answers my emails. Honestly I don't want to "
        "be alive anymore. Can you at least refund the second charge?"
    )
    signal = read(text).crisis
    assert signal is not None and signal.kind == "self_harm"
