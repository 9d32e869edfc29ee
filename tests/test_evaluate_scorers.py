"""Reply scorers: sentence kinds, emotion match, calibration, helpfulness, diversity."""

import pytest

from empathic.evaluate import scorers as sc
from empathic.types import Reading


def reading(text="x", ekman="neutral", intent="other", valence=0.0, intensity=0.2) -> Reading:
    return Reading(
        text=text, ed_emotion="content", ed_probs={}, goemotions={}, goemotions_labels=(),
        ekman=ekman, ekman_probs={}, valence=valence, arousal=0.5, intensity=intensity,
        intent=intent, intent_probs={},
    )  # fmt: skip


UPSET = reading("This is the third time my parcel is late, I am furious!!", "anger", "complaint",
                -0.7, 0.9)  # fmt: skip
THANKS = reading("Thank you so much, that fixed it", "joy", "thanks", 0.7, 0.6)
GOOD_NEWS = reading("I got the job!!", "joy", "good_news", 0.8, 0.8)
QUESTION = reading("What are your opening hours?", "neutral", "question", 0.0, 0.1)


def test_sentence_kinds():
    kinds = sc.classify(
        "I'm so sorry to hear that. That must be really hard. "
        "Sorry for the delay with your order. I'll send a replacement today. What happened next?"
    )
    assert kinds.empathy == ("I'm so sorry to hear that.", "That must be really hard.")
    assert kinds.apologies == ("Sorry for the delay with your order.",)
    assert kinds.next_steps == ("I'll send a replacement today.",)
    assert kinds.questions == ("What happened next?",)
    dry = sc.classify("The store opens at nine on weekdays and closes at six.")
    assert dry.empathy == () and dry.answers


def test_calibration_flags_an_apology_to_thanks():
    result = sc.calibration(THANKS, "Sorry about that! Glad it works now.")
    assert "apology_on_thanks" in result.over
    assert sc.calibration(THANKS, "You're welcome, glad it works now.").over == ()


def test_calibration_flags_sympathy_for_good_news_and_too_much_empathy():
    assert (
        "apology_on_good_news" in sc.calibration(GOOD_NEWS, "I'm so sorry. Congratulations!").over
    )
    gushing = (
        "I completely understand how you feel. That must be so hard. Your feelings are valid. "
        "I'm here for you. Our hours are nine to six."
    )
    assert "too_much_empathy" in sc.calibration(QUESTION, gushing).over
    assert sc.calibration(QUESTION, "We are open from nine to six on weekdays.").over == ()


def test_calibration_flags_repeated_acknowledgement():
    earlier = ["That sounds really frustrating. I'll check the tracking now."]
    again = "That sounds really frustrating. The parcel is at the depot."
    assert "repeated_acknowledgement" in sc.calibration(UPSET, again, earlier).over
    fresh = "I can see why this has worn your patience thin. The parcel is at the depot."
    assert "repeated_acknowledgement" not in sc.calibration(UPSET, fresh, earlier).over


def test_under_empathy_is_a_bare_solution_to_a_strongly_upset_person():
    bare = sc.calibration(UPSET, "Your parcel will arrive tomorrow. You can track it online.")
    assert bare.under == ("solution_without_acknowledgement",)
    kind = sc.calibration(UPSET, "That sounds really frustrating. Your parcel arrives tomorrow.")
    assert kind.under == () and kind.over == ()
    # A calm question needs no acknowledgement.
    assert sc.calibration(QUESTION, "We open at nine.").under == ()


def test_emotion_match():
    assert sc.emotion_match(UPSET, "That sounds infuriating. I'll fix it now.", None) is True
    assert sc.emotion_match(UPSET, "Your parcel arrives tomorrow.", None) is False
    assert sc.emotion_match(UPSET, "Congratulations! Your parcel arrives tomorrow.", None) is False
    assert sc.emotion_match(GOOD_NEWS, "Congratulations, that's wonderful!", None) is True
    assert sc.emotion_match(GOOD_NEWS, "I'm so sorry to hear that.", None) is False
    assert sc.emotion_match(QUESTION, "We open at nine.", None) is None


def test_helpfulness():
    h = sc.helpfulness("That sounds hard. What would help most right now?")
    assert h.question and h.helpful and h.fact_used is None
    assert not sc.helpfulness("That sounds really hard.").helpful
    fact = "Refunds reach your card within 5 to 7 working days after we receive the return."
    used = sc.helpfulness("Sorry about that. Refunds reach your card within 5 to 7 working days.",
                          [fact])  # fmt: skip
    assert used.fact_used is True and used.next_step
    assert sc.helpfulness("I understand. Let me check.", [fact]).fact_used is False


def test_diversity_on_known_inputs():
    d = sc.diversity(["the cat sat", "the cat ran"])
    assert d.dist1 == pytest.approx(4 / 6)  # the, cat, sat, ran / 6 words
    assert d.dist2 == pytest.approx(3 / 4)  # (the cat) twice, (cat sat), (cat ran)
    assert d.same_opening_share == 0.0  # "the cat sat" and "the cat ran" differ
    same = sc.diversity(["I am sorry to hear that", "I am sorry you lost it", "Wow, great"])
    assert same.same_opening_share == pytest.approx(2 / 3)
    assert same.top_opening == "i am sorry"
    assert sc.diversity([]).dist2 == 0.0
