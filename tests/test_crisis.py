"""Crisis detection: danger is flagged with evidence, figures of speech are not."""

import pytest

from empathic.perceive.crisis import scan

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
    "Can you hurry? My manager will have my head if this isn't sorted by Friday.",
]

# Ordinary support messages that share words with crisis phrases.
SUPPORT_LOOKALIKES = [
    "I've decided to go with another provider",
    "I won't be here for the delivery tomorrow, can you leave it with a neighbour?",
    "Today is my last day to return it",
    "My phone is going to die, please be quick",
    "I'll get my husband to call you",
    "They locked my account after three attempts",
    "I've been hit with a late fee",
    "The app won't let me see my orders",
    "I can't move my booking to Friday",
    "The tracking is not moving",
    "It took two weeks for the tablets to arrive",
    "I cut myself shaving with your razor, the guard seems loose",
    "The toy box has a choking hazard warning, is it OK for a 2 year old?",
    # A fire told as a story, and the slang.
    "My grandfathers prized Cadillac car caught fire the other day.",
    "this new playlist is fire",
]

CRISES = [
    ("I want to kill myself", "self_harm", "kill myself"),
    ("Please refund me. I won't be around to use it anyway, I'm going to end my life tonight.",
     "self_harm", "end my life"),
    ("My husband hits me when he's drunk and I'm scared to go home", "abuse", "hits me"),
    ("my son swallowed a battery and is crying", "medical_emergency", "swallowed a battery"),
    ("I have a gun and I'm going to shoot my boss tomorrow", "harm_to_others", None),
    ("My dad collapsed and he is not breathing", "medical_emergency", None),
    # A fire now (it got a listener's "Honestly, same, my temper would be wearing thin").
    ("my toaster caught fire this morning, the kitchen is full of smoke", "medical_emergency",
     "kitchen is full of smoke"),
]  # fmt: skip


@pytest.mark.parametrize("text", IDIOMS)
def test_idioms_do_not_raise_crisis(read, text):
    assert read(text).crisis is None


@pytest.mark.parametrize("text", SUPPORT_LOOKALIKES)
def test_support_lookalikes_do_not_raise_crisis(read, text):
    assert read(text).crisis is None


def test_emergency_outranks_other_kinds(read):
    signal = read("My dad collapsed and isn't breathing. I won't be here for the delivery.").crisis
    assert signal is not None and signal.kind == "medical_emergency"


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


# An ordinary long post (past sentence_always_words, so every sentence is read) with nothing
# about danger in it.
SOURDOUGH = (
    "I have been learning to bake sourdough since the spring and finally have a starter that rises "
    "properly. The first loaves were flat and dense, so I switched to a stronger flour and started "
    "feeding the starter twice a day. Last weekend I made two loaves for my sister's birthday "
    "picnic and everyone asked for the recipe, which felt great after months of bricks. Next I "
    "want to try a rye loaf, but I am not sure how long to proof it in a cold kitchen. "
)


def test_long_ordinary_post_stays_safe(read):
    assert read(SOURDOUGH).crisis is None


@pytest.mark.parametrize(
    "threat",
    [
        "The guy who hit my car keeps laughing about it online. Going round there tonight to "
        "make him bleed, already got mates coming.",
        "The neighbour keeps blocking my drive. Next time I see him I'm taking the crowbar to "
        "his head, not his car.",
        # No phrase rule: the run of the two sentences, read by the crisis head, finds it.
        "my son wont stop screaming and i just threw a plate at the wall right by his head. i "
        "need to get away from him before i do something worse",
    ],
)
def test_threat_told_over_two_sentences_at_the_end_of_a_long_post(read, threat):
    signal = read(SOURDOUGH + threat).crisis
    assert signal is not None and signal.kind == "harm_to_others", signal


# Phrase rules alone (no encoder): wording the rules must catch, with the words they cite.
RULE_CRISES = [
    ("I don't see the point of living anymore", "self_harm", "see the point of living"),
    ("Everyone would be better off if I was gone", "self_harm", "better off if i was gone"),
    ("I've been stockpiling my sleeping pills", "self_harm", "stockpiling my sleeping pills"),
    ("Been giving away all my stuff this week", "self_harm", "giving away all my stuff"),
    ("honestly I won't be around much longer", "self_harm", "won't be around much longer"),
    ("The courier just collapsed on my doorstep!!", "medical_emergency", "courier just collapsed"),
    ("her lips are turning blue", "medical_emergency", "lips are turning blue"),
    ("He shoved me against the wall again last night", "abuse", "shoved me against"),
    ("I don't feel safe at home anymore", "abuse", "feel safe at home"),
    ("I got slapped by my stepdad again", "abuse", "slapped by my stepdad"),
    ("I've got a gun and I'm ready to use it on your staff", "harm_to_others", "use it"),
    ("I keep thinking about hurting my neighbour", "harm_to_others", "hurting my neighbour"),
    ("honestly what is the point in carrying on", "self_harm", "point in carrying on"),
    ("i dont intend to be alive by christmas", "self_harm", "intend to be alive"),
    ("My dad has been vomiting up blood since this morning", "medical_emergency", "vomiting up blood"),
    ("He said he'd break my fingers if I tell anyone", "abuse", "break my fingers"),
    ("She locks me in the basement when she drinks", "abuse", "locks me in the basement"),
    ("I'm scared I'll hurt my daughter, I can't cope", "harm_to_others", "hurt my daughter"),
    ("Dad can't move the right side of his face", "medical_emergency", "right side of his face"),
    # Real Reddit sentences set into support threads (benchmarks/data/replies): an adverb before
    # "want" does not soften the wish.
    ("I either want to die or I feel really good.", "self_harm", "want to die"),
    ("And I so want to die, but I feel I'm not even allowed that.", "self_harm", "want to die"),
    ("I actually really deeply want to die.", "self_harm", "want to die"),  # several adverbs
    ("going round there tonight to make him bleed", "harm_to_others", "make him bleed"),
    ("next time I'm taking a bat to his head", "harm_to_others", "bat to his head"),
    # An attempt told (C-SSRS's highest level; wordings of r/SuicideWatch train posts).
    ("Ive attempted Suicide before-- and it wasnt unsuccessful by much.", "self_harm",
     "ive attempted suicide"),
    ("Back in April I sat in the kitchen with a knife to my throat for hours", "self_harm",
     "knife to my throat"),
    ("birthdays hurt because of a suicide attempt I made on my 15th", "self_harm",
     "suicide attempt i made"),
]  # fmt: skip

RULE_LOOKALIKES = [
    "I won't be around by the time the parcel arrives, leave it with a neighbour",
    "We're ending things with our old supplier",
    "I'm thinking about ending my subscription",
    "The shelf collapsed and the vase broke",
    "I volunteer at a domestic abuse shelter, do you offer charity discounts?",
    "I used to self-harm as a teenager. I'm 30 now and doing great.",
    "I'm giving away my old phone, how do I wipe it?",
    "I know where you live is on the form, but the address changed",
    "My sister beat me at Scrabble again",
    "I thought I was gonna pass out in that heat yesterday lol",
    "What's the point of life insurance if it doesn't cover this?",
    "We want to end things with our courier and switch to yours",
    "I'll be checking out for good at 11, can I leave my bags at reception?",
    "I so want to die of embarrassment after that call",
    "the hold music on your line makes my ears bleed",
    "my son took the hammer to his piggy bank to pay for the game",
    "I have attempted to contact support three times now",
    "My first attempt at the form failed so I tried to reset it",
    "My boyfriend is the reason I've never attempted anything, and I resent him",
]


def test_an_attempt_told_reads_at_crisis_tier(read):
    """A disclosed attempt is C-SSRS's highest level: the reply puts safety first."""
    signal = read("Ive attempted Suicide before-- and it wasnt unsuccessful by much.").crisis
    assert signal is not None and signal.tier == "crisis", signal


@pytest.mark.parametrize(("text", "kind", "evidence"), RULE_CRISES)
def test_rules_catch_explicit_wording(text, kind, evidence):
    from empathic.perceive.crisis import rule_matches

    found = rule_matches(text)
    assert kind in found, found
    assert any(evidence in span.text.lower() for span in found[kind])


@pytest.mark.parametrize("text", RULE_LOOKALIKES)
def test_rules_leave_lookalikes_alone(text):
    from empathic.perceive.crisis import rule_matches

    assert rule_matches(text) == {}


def test_crisis_set_is_split_cleanly():
    """The labelled crisis set: big enough, half negatives, no message in two splits, and the
    blind rows (written without sight of rules, model or set) only ever in the test split."""
    import json
    from collections import Counter
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "training" / "data" / "crisis.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300
    assert {r["split"] for r in rows} <= {"train", "dev", "test"}
    assert {r["label"] for r in rows} <= {"none", "self_harm", "harm_to_others", "abuse",
                                          "medical_emergency"}  # fmt: skip
    assert Counter(r["label"] == "none" for r in rows)[True] >= len(rows) * 0.4
    splits_of: dict[str, set[str]] = {}
    for r in rows:
        splits_of.setdefault(r["text"].strip().lower(), set()).add(r["split"])
    assert all(len(s) == 1 for s in splits_of.values())
    assert all(r["split"] == "test" for r in rows if r.get("blind"))


def test_later_blind_writers_stay_out_of_training():
    """crisis_writers.jsonl is a blind test set: every row test and blind, none also in the
    crisis set or the extra training rows, and no training script reads it."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    data = root / "training" / "data"

    def texts(name: str) -> set[str]:
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        return {json.loads(line)["text"].strip().lower() for line in lines}

    rows = [json.loads(line) for line in
            (data / "crisis_writers.jsonl").read_text(encoding="utf-8").splitlines()]  # fmt: skip
    assert len(rows) >= 1000
    assert all(r["split"] == "test" and r.get("blind") for r in rows)
    assert not texts("crisis_writers.jsonl") & (texts("crisis.jsonl") | texts("crisis_extra.jsonl"))
    for script in (root / "training").glob("*.py"):
        assert "crisis_writers" not in script.read_text(encoding="utf-8"), script.name


def test_sentences_are_read_one_by_one_only_when_the_message_is_not_plainly_safe(engine):
    perceiver = engine.perceiver
    safe = (
        "My parcel arrived two days late again and the box was soaking wet. The mug inside was "
        "fine, luckily. Can you tell the courier to leave it in the porch next time?"
    )
    unsure = (
        "The refund is late again and I'm so tired of everything lately. Nothing feels worth it "
        "anymore. Just cancel the order."
    )
    flagged = (  # a crisis phrase already flags it: its sentences add nothing
        "You charged me twice for March and nobody answers my emails. Honestly I don't want to "
        "be alive anymore. Can you at least refund the second charge?"
    )
    texts = [safe, unsure, flagged]
    parts = perceiver._crisis_sentences(texts, perceiver.embed(texts), [scan(t) for t in texts])
    assert parts[0] == [] and parts[2] == []  # no second encoder call for these
    assert [s.text for s in parts[1]][1] == "Nothing feels worth it anymore."


@pytest.mark.parametrize(
    "message", ["I can't go on anymore, I want to end my life.", "I want to end my life tonight"]
)
def test_a_crisis_message_never_reads_as_joy(read, message):
    """The operator queue shows each conversation's feeling: a crisis must not show as joy."""
    reading = read(message)
    assert reading.crisis is not None
    assert reading.ekman in {"sadness", "fear"} and reading.valence <= -0.5
