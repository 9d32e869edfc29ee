"""Known messages give known readings."""

import numpy as np
import pytest

from empathic.errors import InputError
from empathic.perceive.perceiver import MAX_MESSAGE_CHARS


def test_angry_complaint(read):
    r = read("I am furious, you charged me twice and nobody answers my emails!!!")
    assert r.ekman == "anger"
    assert r.valence < -0.2
    assert r.intensity > 0.5
    assert r.intent == "complaint"
    assert r.has_cue("repeated_punctuation")


def test_good_news(read):
    r = read("I got the job!!! I'm so happy, the new laptop arrived just in time for my first day")
    assert r.ekman == "joy"
    assert r.valence > 0.3
    assert r.intent == "good_news"


def test_thanks(read):
    r = read("Thank you so much, that fixed it!")
    assert r.intent == "thanks"
    assert "gratitude" in r.goemotions_labels
    assert r.valence > 0.3


def test_fear(read):
    r = read("I'm really scared, my surgery is tomorrow and I can't stop shaking")
    assert r.ekman == "fear"
    assert r.valence < 0


def test_neutral_question(read):
    r = read("What are your opening hours on Saturday?")
    assert r.intent == "question"
    assert r.intensity < 0.5
    assert r.crisis is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Hi there!", "greeting"),
        ("Can I talk to a real person please", "request_human"),
        ("Get me a manager NOW", "request_human"),
        ("ok bye, have a nice day", "goodbye"),
    ],
)
def test_intents(read, text, intent):
    assert read(text).intent == intent


def test_grief_reads_as_sad_in_ed_labels(read):
    r = read("My dog died yesterday and the house feels so empty")
    top = [label for label, _ in r.top_ed(3)]
    assert {"sad", "devastated", "lonely"} & set(top)
    assert r.ekman == "sadness"


def test_history_is_used_for_ed_emotion(read):
    history = ["My grandmother passed away last week.", "I'm so sorry to hear that."]
    with_history = read("Thanks. I keep thinking about her.", history)
    assert with_history.context_turns == 2
    assert {"sad", "devastated", "lonely", "nostalgic", "sentimental"} & {
        label for label, _ in with_history.top_ed(3)
    }


def test_probabilities_are_distributions(read):
    r = read("where is my parcel")
    assert abs(sum(r.ed_probs.values()) - 1) < 1e-4
    assert abs(sum(r.intent_probs.values()) - 1) < 1e-4
    assert len(r.ed_probs) == 32 and len(r.goemotions) == 28 and len(r.ekman_probs) == 7
    assert -1 <= r.valence <= 1 and 0 <= r.arousal <= 1 and 0 <= r.intensity <= 1


def test_batch_equals_single(engine, read):
    texts = ["Thank you so much for your help!", "my order is late again", "hello"]
    batch = engine.analyze(texts)
    for text, reading in zip(texts, batch, strict=True):
        single = read(text)
        assert reading.intent == single.intent
        assert abs(reading.valence - single.valence) < 0.1


@pytest.mark.parametrize(
    ("bad", "message"),
    [("", "empty"), ("   \n", "empty"), ("abc\x00def", "binary"),
     ("x" * (MAX_MESSAGE_CHARS + 1), "limit"), (b"bytes", "must be text")],
)  # fmt: skip
def test_bad_messages_get_clear_errors(engine, bad, message):
    with pytest.raises(InputError, match=message):
        engine.analyze([bad])


def test_to_dict_is_json_ready(read):
    import json

    data = read("This is the THIRD time I ask!!!").to_dict()
    assert json.loads(json.dumps(data))["intent"] == data["intent"]
    assert any(c["kind"] == "repetition" for c in data["cues"])


def test_encoder_keeps_only_the_first_max_tokens(engine):
    encoder = engine.perceiver.encoder
    words = "my parcel was late and the box was broken when it finally came"
    first_five = " ".join(words.split()[:5])  # one word piece per word: [CLS] + 5 + [SEP] = 7
    cut, short, full = encoder.embed([words, first_five, words], max_tokens=[7, 128, 128])
    assert np.allclose(cut, short, atol=0.05)
    assert not np.allclose(cut, full, atol=0.05)


def test_length_batches_side_by_side_match_one_at_a_time(engine):
    encoder = engine.perceiver.encoder
    texts = ["hi", "where is my order " * 12, "thanks a lot", "refund please " * 30]
    together = encoder.embed(texts)  # several length batches, run on the encoder's pool
    alone = np.vstack([encoder.embed([text]) for text in texts])
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    cosine = unit(together) @ unit(alone).T
    # int8 activations are quantized per batch, so rows move a little with their batch-mates;
    # each row must still be its own text's, not a neighbour's.
    assert (np.diag(cosine) > 0.97).all()
    assert (cosine.argmax(axis=1) == np.arange(len(texts))).all()
