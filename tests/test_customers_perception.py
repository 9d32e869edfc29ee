"""Perception on real customers' words (issue 15), read the way a customer would write them:
sarcasm flips the literal reading, a question is not surprise, a short follow-up carries the
feeling of the message before, and the crisis gate reads long messages and slang while it leaves
grief and anger at a company alone."""

import pytest

# --- sarcasm ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Great, another two hours on hold, love it",
        "Oh wonderful, my flight got cancelled again. Thanks so much.",
        "Love how my parcel is 'out for delivery' for the fifth day in a row",
        # An unamused or expressionless face after thanks turns them around.
        "Wonderful customer service as always 😒",
        "Thanks for the update 😑",
        # Thanks for a harm: both were read as joy and thanks.
        "Thanks again for delaying my order for the third time",
        "Thanks for wasting an hour of my life",
    ],
)
def test_sarcasm_is_not_joy(read, text):
    r = read(text)
    assert r.ekman != "joy"
    assert r.valence < 0
    assert r.intent not in {"thanks", "good_news"}
    assert r.sarcasm_span is not None
    assert text[r.sarcasm_span.start : r.sarcasm_span.end] == r.sarcasm_span.text
    assert r.sentiment["negative"] > r.sentiment["positive"]


def test_sincere_praise_stays_joy(read):
    r = read("The new update is fantastic, the app is so much faster now. Thank you!")
    assert r.valence > 0.2
    assert r.sarcasm_span is None


@pytest.mark.parametrize(
    "text",
    [
        "After my second call an amazing rep fixed it in five minutes!",
        "Third time I have ordered from you and it is always perfect, love it!",
    ],
)
def test_praise_after_a_repeat_that_ended_well_stays_glad(read, text):
    r = read(text)
    assert r.ekman == "joy" and r.sarcasm_span is None


@pytest.fixture(scope="module")
def read_tweets():
    """The tweets pack: sarcasm, sentiment and complaint heads on an encoder fine-tuned on tweets."""
    from empathic.config import PerceptionConfig
    from empathic.perceive import Perceiver

    return Perceiver(config=PerceptionConfig(model_pack="tweets")).read


@pytest.mark.parametrize(
    "text",
    [
        # Glad words about a plain let-down, with no cue word: the default pack reads both as
        # joy and good news.
        "So glad I paid extra for priority boarding, we all boarded at once anyway",
        "Love sitting on the tarmac for three hours with no air con. Best airline ever.",
    ],
)
def test_the_tweets_pack_reads_sarcasm_without_a_cue_word(read_tweets, text):
    r = read_tweets(text)
    assert r.sarcasm_span is not None
    assert r.ekman != "joy" and r.valence < 0
    assert r.intent not in {"thanks", "good_news"}


def test_the_tweets_pack_keeps_sincere_praise_and_crisis(read_tweets):
    glad = read_tweets("Clearing the cache worked. Thanks!")
    assert glad.sarcasm_span is None and glad.valence > 0.2
    assert glad.intent not in {"complaint", "request_human"}
    crisis = read_tweets("I want to end my life tonight")
    assert crisis.crisis is not None and crisis.crisis.tier == "crisis"
    assert crisis.ekman in {"sadness", "fear"}


def test_reading_to_dict_carries_the_new_fields(read):
    data = read("Great, another two hours on hold, love it").to_dict()
    assert 0 <= data["sarcasm"] <= 1
    assert set(data["sarcasm_span"]) == {"start", "end", "text"}
    assert set(data["sentiment"]) == {"negative", "neutral", "positive"}
    assert 0 <= data["complaint"] <= 1


# --- questions are not surprise ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Where is my order?",
        "How do I change my PIN?",
        "Why was I charged a fee for my transfer?",
        "Can I get a refund if the card never arrived?",
        "what is the exchange rate you use?",
    ],
)
def test_questions_are_not_surprise(read, text):
    assert read(text).ekman != "surprise"


def test_surprise_that_says_so_stays_surprise(read):
    r = read("Wow, really?! You upgraded me to first class for free?")
    assert r.ekman in {"surprise", "joy"}


# --- complaints ----------------------------------------------------------------------------


def test_complaint_probability(read):
    assert read("@airline lost my bag AGAIN and nobody at the desk will help").complaint >= 0.5
    assert read("Happy birthday to my favourite airline crew!").complaint < 0.5


# --- context -------------------------------------------------------------------------------

FAILURE = "My order never arrived and your chat bot closed my ticket without a refund."


def test_thanks_a_lot_after_a_failure_is_not_gratitude(read):
    alone = read("great, thanks a lot")
    after = read("great, thanks a lot", [FAILURE])
    assert after.intent != "thanks"
    assert after.ekman != "joy"
    assert after.valence < 0 < alone.valence or after.valence < alone.valence - 0.3
    assert after.sarcasm_span is not None


def test_thanks_after_a_fix_stays_thanks(read):
    r = read("thanks a lot, it works now", [FAILURE])
    assert r.valence > 0
    assert r.ekman != "anger"


def test_still_nothing_carries_the_complaint(read):
    alone = read("still nothing")
    after = read("still nothing", [FAILURE])
    assert after.valence < alone.valence
    assert after.sentiment["negative"] > after.sentiment["positive"]


# --- crisis: two tiers, long messages, slang -----------------------------------------------

LONG_POST = (
    "I have been renting this flat for three years and the landlord has never once fixed the "
    "boiler on time. Last winter we went six weeks without heating, and every email I sent was "
    "answered with a promise that someone would come round on Monday. Nobody ever came. I kept "
    "the receipts for the electric heaters and the bills, which doubled. My neighbour says the "
    "same thing happened to her. The letting agent keeps telling me to be patient. I asked the "
    "council about it and they said to put everything in writing, so I did. Now the agent says "
    "the rent goes up in March. I don't know whether I can afford to stay or to move. "
) * 3


@pytest.mark.parametrize(
    "ending",
    [
        "I've decided to end my life this weekend.",
        "I have the pills saved up and tonight I'm going to take them all.",
        "Honestly I want to kill myself.",
    ],
)
def test_crisis_sentence_at_the_end_of_a_long_message(read, ending):
    text = LONG_POST + ending
    signal = read(text).crisis
    assert signal is not None
    assert signal.tier == "crisis"
    assert signal.evidence
    assert any(span.start >= len(LONG_POST) - 1 for span in signal.evidence)
    for span in signal.evidence:
        assert text[span.start : span.end] == span.text


@pytest.mark.parametrize(
    "text",
    [
        "kms honestly",
        "i wanna unalive myself",
        "i want to k i l l myself",
        "gonna k1ll mys3lf tonight",
        "sewerslide is looking real good rn",
        "thinking about self deleting",
        "kys",
    ],
)
def test_slang_and_obfuscation_flag(read, text):
    signal = read(text).crisis
    assert signal is not None
    assert signal.evidence and all(text[s.start : s.end] == s.text for s in signal.evidence)


def test_explicit_intent_is_crisis_tier(read):
    signal = read("I want to kill myself tonight, I have the rope ready").crisis
    assert signal is not None and signal.tier == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "Some days I wish I was never born",
        # hopelessness in so many words (real r/SuicideWatch wording, train rows)
        "I have nothing to live for.",
        "and I just cant go on living.",
        "Im slowly giving up on life I just wish that i could be happy for once",
    ],
)
def test_passive_wish_and_hopelessness_are_concern_tier(read, text):
    signal = read(text).crisis
    assert signal is not None and signal.tier == "concern"


def test_giving_up_on_life_insurance_is_not_a_concern(read):
    assert read("I'm giving up on life insurance, the premiums are too expensive").crisis is None


@pytest.mark.parametrize(
    "text",
    [
        "Let me speak to a manager.",
        "Let me speak to a manager right now, this is the third time you've cancelled my flight!",
        "I'm thinking about the refund tonight, can you confirm it went through?",
        "My dad died in March; how do I close his account?",
        "My grandmother passed away last week and I need to cancel her phone contract.",
        "We lost our son last year and the reminders you keep sending for his subscription hurt.",
        "This is the worst service I've ever had, I'm furious. Cancel everything.",
        "Spotify is not responding on my phone again.",
        "I shut off my computer and it still won't update.",
    ],
)
def test_grief_and_anger_at_a_company_are_not_crisis(read, text):
    assert read(text).crisis is None


# --- hashed n-grams (perceive/ngrams.py) ----------------------------------------------------


def test_ngram_buckets_are_stable_across_processes():
    """The buckets come from zlib.crc32, not hash(): training and run time agree whatever the
    process (PYTHONHASHSEED)."""
    import subprocess
    import sys

    from empathic.perceive import ngrams

    code = (
        "from empathic.perceive import ngrams;"
        "print(sorted(ngrams.features('Great, another 2 hours on hold @united')[0].tolist()))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    here = str(sorted(ngrams.features("Great, another 2 hours on hold @united")[0].tolist()))
    assert runs == {here + "\n"}
    idx, val = ngrams.features("Great, another 2 hours on hold @united")
    assert idx.min() >= 0 and idx.max() < ngrams.BUCKETS
    assert len(idx) == len(val) and (val > 0).all()
    # Handles and numbers are folded: another handle or number gives the same features.
    assert sorted(ngrams.features("@delta hold for 45 hours")[0].tolist()) == sorted(
        ngrams.features("@united hold for 2 hours")[0].tolist()
    )


def test_customer_heads_read_the_words_too():
    """A head that ships n-gram weights reads the text with the embedding (and says so when it
    is given the embedding alone)."""
    import numpy as np

    from empathic.perceive.customer import CustomerHeads

    heads = CustomerHeads.load()
    assert "complaint" in heads.ngram_w
    x = np.zeros((1, heads.complaint_w.shape[0]), dtype=np.float32)
    with pytest.raises(ValueError):
        heads.complaint(x)
    worse = heads.complaint(x, ["lost my bag AGAIN, delayed 5 hours, worst airline ever"])[0]
    better = heads.complaint(x, ["thank you so much, lovely crew, great flight"])[0]
    assert worse > better


# Wording from RMHD control-subreddit train posts (divorce, legal advice, personal finance) that
# the rules used to read as a crisis happening now.
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("She kicked me out of my own home with lies and false accusations.", "abuse"),
        ("About 4 weeks ago it got bad and she kicked me out.", "abuse"),
        ("Since then he threw me out of the house and kept the kids.", "abuse"),
        ("I cut myself off, I isolated myself and I put up a wall.", "self_harm"),
        ("I'm drowning in credit card and personal loan debt with no end in sight.",
         "medical_emergency"),
        ("Are my feelings enough reason to end things? He treats me well.", "self_harm"),
        ("The night before, my mother was choking my brother.", "medical_emergency"),
    ],
)  # fmt: skip
def test_eviction_debt_and_breakups_are_not_read_as_a_crisis_kind(text, kind):
    from empathic.perceive.crisis import rule_matches

    assert kind not in rule_matches(text)


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # Passive ideation is a concern (C-SSRS's first level) until a time or a means is near.
        ("My depression comes and goes and I always feel she's better off without me.", "concern"),
        ("They'd all be better off without me. The pills are in the drawer.", "crisis"),
        # Self-harm named, not said of oneself, is a concern; said of oneself, a crisis.
        ("Our teacher found out she self harmed because of her family.", "concern"),
        ("I've started self harming again and I can't stop.", "crisis"),
        ("The song asks if it would be called suicide, murder, or self-harm.", "concern"),
        # Said of someone else, a worry about them (a concern) until a time or a means is near;
        # said by the person, a crisis whoever else is in the sentence.
        ("My ex kept saying he was going to end it all whenever I tried to leave.", "concern"),
        ("My brother says he is going to end it all tonight, he has pills.", "crisis"),
        ("He says I'm dramatic but I want to end it all.", "crisis"),
    ],
)
def test_passive_and_named_self_harm_are_a_concern(read, text, tier):
    signal = read(text).crisis
    assert signal is not None and signal.tier == tier, signal


@pytest.mark.parametrize(
    "ending",
    [
        "I bought a rifle last week. I know when he leaves the gym. He won't laugh at me again.",
        "I wrote letters to my kids. The car is in the garage with a hose. Nobody will find me "
        "till Monday.",
        "My sister has the spare key now. I've said my goodbyes. This is my last message.",
    ],
)
def test_a_crisis_told_over_several_sentences_at_the_end_of_a_long_message(read, ending):
    """No one sentence says it; read together (perception.sentence_window), they do."""
    text = LONG_POST + ending
    signal = read(text).crisis
    assert signal is not None
    assert any(span.end > len(LONG_POST) for span in signal.evidence)
    assert all(text[s.start : s.end] == s.text for s in signal.evidence)


# --- language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Samsung S6 Android 7.0 Spotify version 8.4.28.875",  # a TWCS reply: details, not French
        "Danke",  # too short to tell
        "spotify:track:15YI1CVxbA2HOYV3kvaFRf doesn't play",
        "Order 4471 hasnt arrived yet and its been two weeks",
    ],
)
def test_english_and_details_are_read_as_english(read, text):
    assert read(text).language == "en"


def test_a_message_in_another_language_is_named(read):
    assert read("Misleidende reclame in Nederlandse taal, antwoord in Engels").language == "nl"
    assert read("わざわざありがとうございます、確認しました。早送りは一時間に６曲").language == "ja"
