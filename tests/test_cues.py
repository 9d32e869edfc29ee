import pytest

from empathic.perceive.cues import detect_cues


def kinds(text: str) -> set[str]:
    return {c.kind for c in detect_cues(text)}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("WHERE IS MY ORDER", "all_caps"),
        ("where is my order???", "repeated_punctuation"),
        ("this is the third time I'm writing", "repetition"),
        ("it is still not working", "repetition"),
        ("I need this fixed asap", "urgency"),
        ("this is bullshit", "profanity"),
        ("I'm not happy with the service", "negation"),
        ("well it's not the worst", "negation"),
        ("oh great, another delay", "sarcasm_hint"),
        ("thanks for nothing", "sarcasm_hint"),
        ("Yeah, really loving this shopping experience.", "sarcasm_hint"),
        ("Logged out again. Love that for me.", "sarcasm_hint"),
    ],
)
def test_cue_found(text, kind):
    assert kind in kinds(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Where is my order?", "all_caps"),
        ("I sent it via HTTP to the USA", "all_caps"),
        ("Where is my order?", "repeated_punctuation"),
        ("I'm happy with the service", "negation"),
        ("thank you so much", "sarcasm_hint"),
        ("Yeah I love it, thank you", "sarcasm_hint"),
        ("can you help me with my account", "profanity"),
    ],
)
def test_cue_absent(text, kind):
    assert kind not in kinds(text)


def test_cue_span_points_at_the_text():
    text = "Hello. This is the THIRD TIME I ask!!!"
    for cue in detect_cues(text):
        assert text[cue.span.start : cue.span.end] == cue.span.text


def test_accepting_an_answer_is_not_a_sarcasm_hint():
    """ "Sounds great! Just wanted to bring it to someone's attention" read as "Great, just what
    I needed" and the customer's thanks became a complaint."""
    kinds = [
        c.kind for c in detect_cues("Sounds great! Just wanted to bring it to someone's attention.")
    ]
    assert "sarcasm_hint" not in kinds
    assert "sarcasm_hint" in [c.kind for c in detect_cues("Oh great, just what I needed.")]
