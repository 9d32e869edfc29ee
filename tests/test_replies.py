"""What a customer notices in a reply (issue 16): each failure a new user found has a test here,
written as conversation in, reply properties out. The deployment registers no action unless a
test says so, so nothing may be promised that nobody will do."""

from __future__ import annotations

import re

import pytest

from empathic import EmpathicConfig, Engine
from empathic.check.conduct import findings
from empathic.check.content import needed_actions
from empathic.check.critic import tag_sentences
from empathic.conversation import Conversation
from empathic.types import Draft

_QUESTION = re.compile(r"\?\s*$")
_SAFETY = re.compile(r"crisis line|988|116 123|emergency", re.I)
_PERSON = re.compile(r"\b(?:person|colleague|team|human)\b", re.I)


@pytest.fixture
def chat(engine):
    """A fresh conversation per test on the demo shop, sharing the loaded perceiver."""
    return Engine(engine.perceiver, knowledge="demo")


def _say(chat: Engine, conversation: str, *messages: str):
    return [chat.respond(conversation, m) for m in messages]


def test_a_bereavement_gets_condolence_not_irritation(chat):
    (turn,) = _say(chat, "grief", "My grandmother died and I need to move my flight")
    text = turn.reply.text.lower()
    assert re.search(r"sorry for your loss|so sorry|condolence|very sorry", text)
    assert not re.search(r"irritat|annoy|frustrat", text)
    assert "your flight carried" not in text  # no echo of the wrong part of the sentence


def test_a_second_request_for_a_person_is_never_answered_with_a_question(chat):
    first, second, third = _say(
        chat, "handoff",
        "My order is late",
        "I want to speak to a real person",
        "I want to speak to a real person",
    )  # fmt: skip
    assert second.handoff is not None
    for turn in (second, third):
        assert "?" not in turn.reply.text
        assert _PERSON.search(turn.reply.text)
    assert third.handoff is None  # already raised; honoured, not raised twice
    assert "handoff_status" in third.plan.strategies


def test_with_no_person_available_it_says_so_and_gives_the_contact_route(chat):
    (turn,) = _say(chat, "route", "Can I talk to a human please?")
    assert re.search(r"can't|cannot|isn't|not able|no one", turn.reply.text, re.I)
    assert "help@harborlane.example" in turn.reply.text  # the demo KB's contact route


def test_with_a_person_registered_the_hand_off_says_someone_is_coming(engine):
    config = EmpathicConfig.load(responding={"actions": ["handoff"], "knowledge_base": "demo"})
    chat = Engine(engine.perceiver, config=config)
    (turn,) = _say(chat, "registered", "Can I talk to a human please?")
    assert re.search(r"colleague|member of the team|someone", turn.reply.text, re.I)
    assert "can't bring a person" not in turn.reply.text


def test_nothing_is_promised_that_the_deployment_cannot_do(chat):
    turns = _say(
        chat, "promise",
        "My parcel is two weeks late and nobody answers!!",
        "Still nothing. This is ridiculous.",
        "Where is my refund for the broken blender?",
    )  # fmt: skip
    for turn in turns:
        promised = [s.text for s in turn.reply.sentences if needed_actions(s.text)]
        assert not promised, promised


def test_no_sentence_announces_something_that_never_comes(chat):
    for n, message in enumerate(
        ["I'm so fed up, nothing works today", "Ugh, this app logged me out again", "whatever"]
    ):
        (turn,) = _say(chat, f"dangling-{n}", message)
        assert "worth trying first." not in turn.reply.text
        assert {c.name: c.passed for c in turn.reply.checks}["no_dangling_sentence"]


def test_a_knowledge_base_passage_is_not_repeated_word_for_word(chat):
    first, second = _say(
        chat, "kb-repeat", "How do I reset my password?", "How do I reset my password??"
    )
    passage = next(s.text for s in first.reply.sentences if "account/reset" in s.text)
    assert passage not in second.reply.text
    assert "account/reset" in second.reply.text  # it refers back to what answers it


def test_an_order_number_given_is_used_and_never_asked_for_again(chat):
    first, second, third = _say(
        chat, "facts",
        "My order 4417 never arrived",
        "Still nothing. What do you need from me?",
        "Hello??",
    )  # fmt: skip
    assert chat.conversation("facts").facts["order_number"] == "4417"
    for turn in (second, third):
        assert not re.search(r"order number", turn.reply.text, re.I), turn.reply.text


def test_a_correction_replaces_the_number(chat):
    _say(chat, "fix", "My order 4417 is missing")
    (turn,) = _say(chat, "fix", "sorry, it's 4471 not 4417")
    assert chat.conversation("fix").facts["order_number"] == "4471"
    assert "4471" in turn.reply.text and "4417" not in turn.reply.text


def test_crisis_mode_sticks_until_an_operator_clears_it(chat):
    _say(chat, "crisis", "I was charged twice")
    crisis, later, thanks = _say(
        chat, "crisis",
        "I want to end my life",
        "ok. can you tell me about your discount codes?",
        "thanks",
    )  # fmt: skip
    assert crisis.reply.source == "safety"
    for turn in (later, thanks):
        assert _SAFETY.search(turn.reply.text), turn.reply.text
        assert "product talk" in turn.plan.must_avoid or turn.plan.strategies == (
            "thank_back",
            "resources",
        )
    conversation = chat.conversation("crisis")
    conversation.clear_crisis()
    chat.store.save(conversation)
    (after,) = _say(chat, "crisis", "What is your returns window?")
    assert not _SAFETY.search(after.reply.text)


def test_a_plain_question_gets_a_plain_answer(chat):
    (turn,) = _say(chat, "plain", "What are your opening hours?")
    first = turn.reply.sentences[0]
    assert first.strategy not in {"acknowledge", "validate", "apologize"}
    assert re.search(r"\d", turn.reply.text)


def test_a_question_the_knowledge_base_cannot_answer_is_not_guessed(chat):
    (turn,) = _say(chat, "unknown", "Can my dog come to your office?")
    assert re.search(r"don't have|can't find|not able to answer|isn't something", turn.reply.text)


def test_the_reply_stays_within_four_sentences(chat):
    (turn,) = _say(
        chat, "long",
        "My parcel is late, the app crashes, I was charged twice and nobody answers!!!",
    )  # fmt: skip
    assert len(turn.reply.sentences) <= 4


def test_no_template_is_said_twice_in_a_conversation(chat):
    turns = _say(
        chat, "variety",
        "My parcel is late.",
        "It's still late.",
        "Still not here, honestly.",
        "Any news on my parcel?",
    )  # fmt: skip
    seen: set[str] = set()
    for turn in turns:
        for sentence in turn.reply.sentences:
            if sentence.strategy == "recap":
                continue
            assert sentence.text not in seen, sentence.text
            seen.add(sentence.text)


@pytest.mark.parametrize(
    ("reply", "failure"),
    [
        ("I'll look into this now and get back to you shortly.", "no_unbacked_promise"),
        # Work told as about to start, by a bot that can do none of it (the composer said the
        # first to a customer whose order was cancelled).
        ("I have what I need to get moving on this.", "no_unbacked_promise"),
        ("You've done your part, and the rest is on me now.", "no_unbacked_promise"),
        ("Now that I know it's late, I can look into it properly.", "no_unbacked_promise"),
        ("This is one thing you can leave with me.", "no_unbacked_promise"),
        ("Here's something worth trying first.", "no_dangling_sentence"),
        ("What's your order number?", "no_known_fact_asked"),
        ("Great news! Congratulations!", "emotion_fits"),
    ],
)
def test_the_critic_catches_what_the_reply_does(engine, reply, failure):
    conversation = Conversation.start("critic")
    conversation.facts = {"order_number": "4417"}
    chat = Engine(engine.perceiver)
    reading = chat.analyze(["My order 4417 is late and I'm really upset"])[0]
    conversation.state = chat.pipeline.stages.tracker.track(conversation, reading)
    plan = chat.pipeline.plan(reading, conversation, (), None)
    found = {f.check for f in findings(Draft(tag_sentences(reply), "llm"), plan, conversation, ())}
    assert failure in found
    good = "That's a long wait, and it's fair to be upset. Order 4417 is noted here."
    assert not findings(Draft(tag_sentences(good), "llm"), plan, conversation, ())


def test_a_hand_off_request_answered_with_a_question_is_caught(engine):
    chat = Engine(engine.perceiver)
    chat.respond("critic-h", "My order is late")
    chat.respond("critic-h", "I want to speak to a real person")
    conversation = chat.conversation("critic-h")
    reading = chat.analyze(["I asked for a person!"])[0]
    conversation.state = chat.pipeline.stages.tracker.track(conversation, reading)
    plan = chat.pipeline.plan(reading, conversation, (), None)
    bad = Draft(tag_sentences("What seems to be the problem?"), "llm")
    assert "handoff_honoured" in {f.check for f in findings(bad, plan, conversation, ())}


@pytest.mark.parametrize(
    "message",
    [
        "Thanks a lot for nothing, brilliant service",
        "Great, another two hours on hold, love it",
        # Praise of a failure that keeps happening: the sarcasm head alone leans (0.29) but
        # does not reach its threshold, and the reply celebrated the delivery.
        "Wow, fantastic service as always. Third time my delivery has been 'rescheduled' this "
        "week. Really loving it.",
        # An unamused face turns the praise round; it was met with "You've made my day".
        "Wonderful customer service as always 😒",
        # Read as a glad personal story (the story head found no shop in it) and met with "Oh,
        # that's seriously impressive! It sounds like you've got a lot to look forward to."
        "Oh wonderful, the kettle broke AGAIN after two weeks. Just brilliant.",
    ],
)
def test_sarcasm_is_answered_as_frustration_not_celebrated(chat, message):
    (turn,) = _say(chat, "sarcasm", message)
    assert turn.plan.family == "frustration"
    assert "celebrate" not in turn.plan.strategies
    assert not re.search(r"wonderful|great news|joy|glad|celebrat", turn.reply.text, re.I)


def test_a_shouted_repeat_of_a_request_for_a_person_is_acknowledged(chat):
    *_, shouted = _say(
        chat, "shouted",
        "My order HL20931 never arrived.",
        "I want to speak to a real person.",
        "I said I want a PERSON. Now.",
    )  # fmt: skip
    assert shouted.reply.sentences[0].strategy == "acknowledge"
    assert "?" not in shouted.reply.text and _PERSON.search(shouted.reply.text)
    assert all(c.passed for c in shouted.reply.checks)


def test_a_short_follow_up_is_looked_up_with_the_message_before_it(chat):
    _say(chat, "follow-up", "Great, my refund STILL hasn't arrived. Love waiting three weeks.")
    (turn,) = _say(chat, "follow-up", "Thanks a lot for nothing.")
    assert "refund" in turn.reply.text.lower()
    assert "spam" not in turn.reply.text.lower()  # not the password-reset passage


# -- real customers' words (the tuning threads of benchmarks/data/replies) ------------------------

_EMPATHY_FIRST = {"acknowledge", "validate", "reassure", "support", "reflect", "apologize"}


def _first_strategy(turn) -> str:
    return turn.reply.sentences[0].strategy if turn.reply.sentences else ""


def test_a_list_of_versions_is_noted_without_a_feeling_read_into_it(chat):
    _, details = _say(
        chat, "details", "The app crashes when I open a playlist.", "iPhone 6s and version 11.1"
    )
    assert _first_strategy(details) not in _EMPATHY_FIRST, details.reply.text
    assert "iPhone 6s" in details.reply.text
    assert details.plan.empathy_level == "none"


def test_still_not_working_is_heard_with_the_device_named_not_taken_as_a_goodbye(chat):
    *_, still = _say(
        chat,
        "still-broken",
        "Spotify keeps stopping on my Nexus 6P",
        "I did both process and still stopping...",
    )
    assert still.plan.strategies[0] == "acknowledge", still.plan.strategies
    assert "farewell" not in still.plan.strategies
    assert "Nexus 6P" in still.reply.text
    assert any(c.name == "help_present" and c.passed for c in still.reply.checks)


def test_it_works_now_gets_gladness_about_the_fix(chat):
    *_, fixed = _say(
        chat, "fixed", "My app won't play any songs", "works like a charm now. thanks !"
    )
    assert "celebrate" in fixed.plan.strategies and "thank_back" in fixed.plan.strategies
    assert not re.search(r"\b(?:sorry|apolog)", fixed.reply.text, re.I)


@pytest.mark.parametrize(
    "message",
    ["I'll let you know if it works. Thanks.", "It still doesn't work, but thanks for trying."],
)
def test_a_fix_that_is_not_confirmed_is_not_celebrated(chat, message):
    (turn,) = _say(chat, f"not-fixed-{len(message)}", message)
    assert "celebrate" not in turn.plan.strategies, turn.reply.text


def test_thanks_around_a_new_problem_is_answered_as_the_problem(chat):
    (turn,) = _say(
        chat,
        "thanks-but",
        "Thanks JK. It's saying incorrect username and password. I've not changed my password.",
    )
    assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies
    assert turn.plan.strategies != ("thank_back",)


def test_a_request_for_help_is_not_a_request_for_a_person(chat):
    (turn,) = _say(chat, "help-me", "Hi! I need to return an item, can you help me with that?")
    assert turn.handoff is None
    assert "inform" in turn.plan.strategies
    assert _first_strategy(turn) not in _EMPATHY_FIRST


def test_can_someone_call_me_is_a_request_for_a_person(chat):
    (turn,) = _say(
        chat, "call-me", "The number I'm directed to is a dead end. Can someone call me?"
    )
    assert turn.handoff is not None
    assert _PERSON.search(turn.reply.text) and "?" not in turn.reply.text


def test_a_calm_request_gets_its_answer_first(chat):
    (turn,) = _say(chat, "plain-request", "i forgot my password, retrieve it")
    assert _first_strategy(turn) not in _EMPATHY_FIRST, turn.reply.text
    assert "inform" in turn.plan.strategies


def test_good_news_about_people_who_work_hard_is_not_a_fix(chat):
    (turn,) = _say(chat, "work-hard", "I'm promoting two staff members. They work hard.")
    assert turn.plan.family != "relief"
    assert "working" not in turn.reply.text and "fixed" not in turn.reply.text


def test_an_opening_question_about_us_is_support_not_a_story(chat):
    """ "Is someone using your name?" asks the company something, whatever the intent model calls
    it: not a listener's "where are you with it now?", but the help pages' nearest answer
    (hedged) or a person."""
    (turn,) = _say(
        chat,
        "spam",
        "I've been getting 2/3 calls a day from a telemarketer. Is someone using your name?",
    )
    assert not turn.plan.personal
    assert turn.plan.knowledge_tentative or _PERSON.search(turn.reply.text), turn.reply.text


@pytest.mark.parametrize(
    "message",
    [
        "Or maybe just fix the fact that no family invites work for anyone",
        "And I'm sure my concerns will be ignored, because you make more money than I ever will.",
    ],
)
def test_a_grievance_the_intent_model_reads_as_a_goodbye_is_acknowledged(chat, message):
    first, turn = _say(chat, "bitter", "Family invites on the website don't work for me.", message)
    assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies
    assert any(s.strategy == "acknowledge" for s in turn.reply.sentences), turn.reply.text


def test_a_restatement_says_what_was_understood(chat):
    """No "Let me play that back to you" with nothing played back: a restating sentence names
    something the customer said."""
    messages = [
        "Come on that's absurd SOMEONE can email me the list from last week.",
        "It's a FACT that many employees have access to that info so send it to me.",
        "My order 4471 arrived broken and nobody answers my emails",
    ]
    for number, message in enumerate(messages):
        (turn,) = _say(chat, f"restate-{number}", message)
        said = set(re.findall(r"[a-z0-9]{4,}", message.lower()))
        for sentence in turn.reply.sentences:
            if sentence.strategy == "restate":
                assert said & set(re.findall(r"[a-z0-9]{4,}", sentence.text.lower())), sentence


def test_a_bereavement_is_not_handed_a_guess_from_the_help_pages(chat):
    """The demo shop has nothing on a late husband's subscription; its nearest passage (cancelling
    an order within the hour) is not offered to a widow: condolence, then a person."""
    (turn,) = _say(
        chat, "widow", "My husband died last month and I need to cancel his subscription"
    )
    text = turn.reply.text
    assert re.search(r"sorry|condolence", text, re.I)
    assert not turn.plan.knowledge and "within 1 hour" not in text
    assert _PERSON.search(text), text


@pytest.mark.parametrize(
    "story",
    ["We had a pretty fun family vacation", "I'm going shopping tomorrow, it'll be so much fun"],
)
def test_a_glad_story_is_met_with_gladness_not_irritation(chat, story):
    """The tweet-trained sarcasm head reads some glad stories as irony; a story about someone's
    own life that the story-trained emotion head is sure is glad gets gladness."""
    (turn,) = _say(chat, "glad", story)
    assert turn.plan.family == "joy", (turn.plan.family, turn.reading.top_ed(1))
    assert "celebrate" in turn.plan.strategies
    assert not re.search(r"irritat|annoy|frustrat|sorry", turn.reply.text, re.I), turn.reply.text


def test_asking_again_about_a_problem_still_open_gets_a_word_for_it(chat):
    first, again = _say(
        chat,
        "premium",
        "I can't log in to my account anymore and I paid for premium yesterday, please help",
        "what about my premium? the one i paid for…?",
    )
    assert again.plan.strategies[0] == "acknowledge", again.plan.strategies
    calm = _say(chat, "calm", "i forgot my password, retrieve it", "how do I change my address?")
    assert calm[1].plan.strategies[0] != "acknowledge", calm[1].plan.strategies


def test_a_bereavement_the_help_pages_do_not_cover_is_offered_a_person(chat):
    """Nothing in the demo shop covers a late mother's account: condolence and a person who can
    sort it out (with the contact route), not a question the bot cannot act on."""
    (turn,) = _say(
        chat, "mother", "My mother passed away last week and I need to cancel her account."
    )
    assert re.search(r"sorry|condolence", turn.reply.text, re.I)
    assert "offer_person" in turn.plan.strategies, turn.plan.strategies
    assert _PERSON.search(turn.reply.text) and "help@harborlane.example" in turn.reply.text


def test_thanks_for_the_condolence_with_more_said_is_not_answered_as_a_sign_off(chat):
    """ "Thank you. I just don't know where to start" after a bereavement is the grief going on:
    no cheerful "happy to help", no celebration, gentle help again."""
    _, after = _say(
        chat,
        "mother-2",
        "My mother passed away last week and I need to cancel her account.",
        "Thank you. I just don't know where to start with all of this.",
    )
    assert after.plan.family == "sadness", after.plan
    assert "thank_back" not in after.plan.strategies, after.plan.strategies
    assert not re.search(r"happy to help|glad|great", after.reply.text, re.I), after.reply.text
    assert _PERSON.search(after.reply.text), after.reply.text


def test_no_question_offers_what_the_deployment_cannot_do(chat):
    """An offer is a promise ("Would it help if I handled the rest of this for you?"): with no
    action registered, no reply to a bereavement offers one."""
    for i, message in enumerate(
        [
            "My husband died in March and his subscription is still charging me.",
            "My dad passed away, how do I close his account?",
            "We lost our son last month. I can't face sorting out his orders.",
        ]
    ):
        for turn in _say(chat, f"offer-{i}", message, "Thank you. It's all a lot right now."):
            offered = [s.text for s in turn.reply.sentences if needed_actions(s.text)]
            assert not offered, offered


@pytest.mark.parametrize(
    "offer",
    [
        "Would you like me to pause your plan rather than cancel it?",
        "Would it help if I looked at other options for the order?",
        "Shall I check the tracking for you?",
        "Would it help if I handled the rest of this for you?",
        "Would you prefer a replacement, a refund, or something else?",
        "Once you've told me what you'd prefer, I'll get it moving.",
        "If there's a date you need this by, tell me and we'll work around it.",
        "Once I've checked, I'll tell you plainly what I've found.",
        "Give me a moment to check what's possible on my side.",
    ],
)
def test_an_offer_of_an_unregistered_action_counts_as_a_promise(offer):
    assert needed_actions(offer), offer
    assert not needed_actions("Would it help to take this one step at a time?")


@pytest.mark.parametrize(
    ("story", "follow_up"),
    [
        ("I got into the nursing program I applied for!", "Thank you! I have been studying like crazy for it."),
        ("My grandfather is in hospital again.", "thank you. i am having trouble getting over it."),
        ("We are throwing my son a surprise party on Saturday.", "Thanks! I have so many fun games planned."),
    ],
)  # fmt: skip
def test_thanks_inside_a_personal_story_keeps_the_story_going(chat, story, follow_up):
    """Thanking the listener and then saying more is the story going on, not a sign-off: no
    "thanks for the kind words" boilerplate glued to "you are having trouble getting over it"."""
    _, after = _say(chat, f"story-{story[:12]}", story, follow_up)
    assert after.plan.personal, after.plan
    assert "thank_back" not in after.plan.strategies, after.plan.strategies
    assert not re.search(r"kind words|thanks for saying|being so patient", after.reply.text, re.I)


def test_a_plain_thank_you_inside_a_story_still_gets_thanks_back(chat):
    _, after = _say(
        chat, "story-thanks", "I got into the nursing program I applied for!", "Thank you!"
    )
    assert after.plan.strategies == ("thank_back",) or "thank_back" in after.plan.strategies


@pytest.mark.parametrize(
    "story",
    [
        "next week I find out if i got the promotion at my job. I have my fingers crossed.",
        "Not sure, but I really need this job to support my kids.",
    ],
)
def test_a_promotion_at_work_or_supporting_a_family_is_a_life_not_a_help_desk(chat, story):
    (turn,) = _say(chat, f"life-{story[:10]}", story)
    assert turn.plan.personal, turn.plan
    assert not re.search(r"order|reference|account|email address", turn.reply.text, re.I)


def test_a_fix_that_did_not_help_is_not_met_as_grief(chat):
    """A sad face on "the problem persists" is a customer let down by a fix, not someone
    grieving: no "I hope the days ahead feel a little lighter", no "be gentle with yourself"."""
    (turn,) = _say(
        chat,
        "persists",
        "Hey! Did the things, even reinstalled the app, but the problem persists :(",
    )
    assert turn.plan.family != "sadness", turn.plan
    assert "still_broken" in turn.plan.strategies, turn.plan.strategies
    assert not re.search(r"gentle with yourself|days ahead|meaning for you|people around you",
                         turn.reply.text, re.I), turn.reply.text  # fmt: skip


@pytest.mark.parametrize(
    "message",
    [
        "i already did. both phones.",
        "I've reproduced it with a clean cache and in incognito. Please try reproducing it on your end next.",
    ],
)  # fmt: skip
def test_a_report_about_devices_or_browsers_is_support_not_a_life_story(chat, message):
    (turn,) = _say(chat, f"tech-{message[:8]}", message)
    assert not turn.plan.personal, turn.plan
    assert not re.search(r"cheer you up|carry it|helping you carry", turn.reply.text, re.I)


@pytest.mark.parametrize(
    "message",
    [
        "Tried that and still have the same problem.",
        "Ive tried that its still the same",
        "Tried, no results. The problem is also on my Phone. :(",
        "none of those allow pasting in response or in paint",
    ],
)
def test_an_opening_that_says_the_fix_failed_is_never_celebrated_or_mourned(chat, message):
    """Found on TWCS train tweets: "Tried that and still have the same problem." got "Yay, I'm
    thrilled to hear that!" and a sad face on a failed fix got "you're carrying a great deal"."""
    (turn,) = _say(chat, f"failed-{message[:10]}", message)
    assert not turn.plan.personal, turn.plan
    assert turn.plan.family in {"disappointment", "frustration"}, turn.plan.family
    assert "celebrate" not in turn.plan.strategies
    assert not re.search(r"thrilled|carrying a great deal|gentle with yourself", turn.reply.text)


def test_polite_thanks_before_an_objection_is_not_answered_with_cheer(chat):
    (turn,) = _say(
        chat, "although",
        "I appreciate the response, although none of these troubleshooting suggestions apply to me.",
    )  # fmt: skip
    assert "thank_back" not in turn.plan.strategies, turn.plan.strategies
    assert turn.plan.family not in {"joy", "gratitude"}, turn.plan.family
    assert "none of these troubleshooting" not in turn.reply.text  # no echo of the objection


def test_a_device_is_named_once_per_reply(chat):
    (turn,) = _say(
        chat, "roku",
        "No. And again this was on two different networks with two different roku's, it's not the network.",
    )  # fmt: skip
    assert len(re.findall(r"\broku\b", turn.reply.text, re.I)) <= 1, turn.reply.text


def test_a_chromecast_is_not_taken_for_chrome(chat):
    (turn,) = _say(chat, "cast", "Just an example but the problem is specific to #Chromecast")
    assert "your Chrome." not in turn.reply.text and "your Chrome " not in turn.reply.text


@pytest.mark.parametrize(
    "message",
    [
        "I'm delayed in TYS, likely gonna miss my connection in CLT to CUN. Gotta get there today. Can you help me?",
        "#PHL why does it take an hour to offload bags, especially after taking 30+ min to get a jetway?",
        "sitting on Tarmac in #PIT for 30 min. No announcement. Just sitting.",
        "ur specialist said they would talk to the stewardess about it, REALLY how does that help",
    ],
)  # fmt: skip
def test_a_traveller_complaining_to_the_airline_is_not_asked_about_their_feelings(chat, message):
    """Found on airline train tweets: "Can you help me?" about a missed connection got "That was
    really interesting to hear about. What's next on the list?"."""
    (turn,) = _say(chat, f"air-{message[:10]}", message)
    assert not turn.plan.personal, turn.plan
    assert not re.search(r"interesting to hear|same for me|vent to anyone|someone to talk",
                         turn.reply.text, re.I), turn.reply.text  # fmt: skip


def test_a_sad_answer_from_a_company_is_disappointment_not_grief(chat):
    (turn,) = _say(
        chat, "sad-answer",
        "Sorry that is a sad answer, a fully refundable fare and no response in 6 weeks! No more flights with you!",
    )  # fmt: skip
    assert turn.plan.family != "sadness", turn.plan.family
    assert not re.search(r"gentle with yourself|hard thing to be going through", turn.reply.text)


def test_thanks_with_a_question_gets_the_question_answered(chat):
    (turn,) = _say(
        chat, "thanks-q",
        "Great thank you, lets hope so! Could you please notify me if flight 2302 leaves JFK?",
    )  # fmt: skip
    assert turn.plan.strategies != ("thank_back",), turn.plan.strategies
    assert not needed_actions(turn.reply.text), turn.reply.text  # no notification promised


def test_thanks_before_trying_is_not_told_it_worked(chat):
    """Found on a TWCS thread: "I have not. I'll try that now. Thanks." got "It's good to know
    that made a difference."."""
    _, after = _say(
        chat, "will-try",
        "I've been getting this message for quite a few artists now. The music won't play.",
        "I have not. I'll try that now. Thanks.",
    )  # fmt: skip
    assert "thank_back" in after.plan.strategies, after.plan.strategies
    assert not re.search(r"helped|sorted|made a difference|got there|back on track|behaving",
                         after.reply.text, re.I), after.reply.text  # fmt: skip


def test_thanks_with_details_notes_the_details(chat):
    (turn,) = _say(
        chat,
        "thanks-details",
        "Thanks. It's a Samsung galaxy S6. Spotify is the most recent version",
    )
    assert "thank_back" not in turn.plan.strategies, turn.plan.strategies
    assert "Galaxy S6" in turn.reply.text and not re.search(
        r"glad that helped", turn.reply.text, re.I
    )


def test_a_device_named_in_every_sentence_is_named_once(chat):
    turns = _say(
        chat, "s6",
        "Thanks. It's a Samsung galaxy S6. Spotify is the most recent version",
        "I know and I've uninstalled and reinstalled Spotify twice and nothing has solved the problem",
        "It's over both Wi-Fi and mobile data and I have 50g unlimited.",
    )  # fmt: skip
    for turn in turns:
        assert turn.reply.text.count("Galaxy S6") <= 1, turn.reply.text


def test_a_fix_made_by_someone_else_is_celebrated(chat):
    (turn,) = _say(
        chat, "jerry",
        "i actually got one of the people from your team to fix it. Jerry S. on the live chat was such a help! Thanks for the help anyways!",
    )  # fmt: skip
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies


def test_a_failed_fix_said_twice_is_never_celebrated(chat):
    """Found on a TWCS thread: "Yep it's still the same. Here's a screenshot for reference" got
    "That's such happy news, I'm smiling ear to ear! So it's still the same, which is lovely"."""
    _, again = _say(
        chat, "same-twice",
        "nope, its still the same, every family member is just labeled as 'Active' I can't see who is who",
        "Yep it's still the same. Here's a screenshot for reference",
    )  # fmt: skip
    assert not again.plan.personal and again.plan.family not in {"joy", "gratitude"}, again.plan
    assert "celebrate" not in again.plan.strategies
    assert not re.search(r"happy news|lovely|smiling", again.reply.text, re.I), again.reply.text


def test_never_mind_it_works_again_is_a_fix(chat):
    (turn,) = _say(
        chat, "never-mind",
        "Spotify was refusing to work for a long time, but never mind it works again. Thanks",
    )  # fmt: skip
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies


@pytest.mark.parametrize(
    "message",
    [
        "imported a video file into premiere pro, but it has no sound????",
        "i need your help, i am in desperation .",
        "i have an issue when trying to pay and i wanna inform of it",
    ],
)
def test_a_problem_in_words_no_rule_knows_is_support_not_a_story(chat, message):
    """The word rules cannot list every product; the story head reads the message instead.
    ("imported a video file ... no sound????" got "Is there another chance coming up?")"""
    (turn,) = _say(chat, f"tail-{message[:8]}", message)
    assert not turn.plan.personal, (turn.plan, turn.reading.story)
    assert not re.search(r"another chance|nice to hear|see it going", turn.reply.text, re.I)


def test_a_life_story_stays_a_story_for_the_story_head(chat):
    for i, story in enumerate(
        [
            "I planted a whole bunch of flower bushes this year. I cannot wait until spring.",
            "I got a phone call from a friend that I haven't heard from in a really long time.",
        ]
    ):
        (turn,) = _say(chat, f"life-{i}", story)
        assert turn.reading.story is not None and turn.reading.story > 0.5, turn.reading.story
        assert turn.plan.personal, turn.plan


def test_the_commercial_pack_has_no_story_head_and_still_answers():
    """The story head's data are non-commercial: the commercial pack reads without it and the
    planner falls back on its word rules."""
    config = EmpathicConfig.load(
        perception={"model_pack": "commercial"}, responding={"knowledge_base": "demo"}
    )
    chat = Engine(config=config)
    story, support = (
        _say(chat, "commercial", "We had a pretty fun family vacation"),
        _say(chat, "commercial-2", "My parcel never arrived and the tracking shows nothing"),
    )
    assert story[0].reading.story is None and story[0].plan.personal
    assert not support[0].plan.personal


@pytest.mark.parametrize(
    "message",
    [
        "oh its working now!!! i guess it was just a momentary glitch. sorry for the trouble!!",
        "Wow, I totally overlooked that button in the corner. Thank you very much for the quick support and excuse my stupidity! 👍",
    ],
)  # fmt: skip
def test_a_customer_apologising_for_their_own_part_is_not_read_as_sarcastic(chat, message):
    """The tweet-trained sentiment head reads "sorry for the trouble" as negative; with glad
    words beside it that once made the message sarcastic, and the fix got "That's a lot of back
    and forth" and an apology."""
    (turn,) = _say(chat, f"own-{message[:8]}", message)
    assert turn.reading.sarcasm_span is None, turn.reading.sarcasm
    assert "apologize" not in turn.plan.strategies, turn.plan.strategies
    assert set(turn.plan.strategies) & {"celebrate", "thank_back"}, turn.plan.strategies


def test_thanks_with_a_smile_after_a_partial_fix_is_thanks(chat):
    *_, thanks = _say(
        chat, "smile",
        "Please help! Spotify Premium skipping through songs constantly on my tablet. Tried everything!",
        "No, but I've moved the speaker closer and it's not skipping at the mo. Fingers crossed!",
        "Brilliant thanks 😊",
    )  # fmt: skip
    assert thanks.reading.sarcasm_span is None, thanks.reading.meta
    assert "thank_back" in thanks.plan.strategies, thanks.plan.strategies


def test_yeah_it_works_is_a_fix_celebrated_without_a_question(chat):
    """The tweet-trained sarcasm head reads "Yeah it works" as irony; with no glad word to turn
    around, the words win. It once got "Could you share your order number?"."""
    _, fixed = _say(
        chat, "yeah-works",
        "When I try to play a song in the app it says it can't play at the moment",
        "Yeah it works",
    )  # fmt: skip
    assert "celebrate" in fixed.plan.strategies, fixed.plan.strategies
    assert "?" not in fixed.reply.text, fixed.reply.text
    _, ironic = _say(
        chat, "ironic-works",
        "When I try to play a song in the app it says it can't play at the moment",
        "Oh great, it works now. For five minutes.",
    )  # fmt: skip
    assert "celebrate" not in ironic.plan.strategies


def test_thanks_in_hope_is_not_told_it_worked(chat):
    (turn,) = _say(chat, "hope", "Thanks for the response, hope India will be soon in your list.")
    assert "thank_back" in turn.plan.strategies
    assert not re.search(r"helped|sorted|got there|made a difference|worked it out",
                         turn.reply.text, re.I), turn.reply.text  # fmt: skip


def test_that_solves_my_problem_is_a_fix_not_a_complaint(chat):
    """Found on a TWCS thread: "Yes, that solves my problem. Thanks!!" got "Your frustration is
    completely reasonable here. What's the one thing you'd most like fixed today?"."""
    (turn,) = _say(chat, "solves", "Yes, that solves my problem. Thanks!!")
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies
    assert not re.search(r"frustrat|fixed today", turn.reply.text, re.I), turn.reply.text


def test_delighted_thanks_get_no_question_after_them(chat):
    (turn,) = _say(chat, "kiss", "Thanks 😘")
    assert "thank_back" in turn.plan.strategies
    assert "?" not in turn.reply.text, turn.reply.text


@pytest.mark.parametrize(
    "message",
    [
        "When you play a song the background is from the NEXT song, not the one playing.",
        "I really care about children hearing this ad during the Christmas season.",
    ],
)
def test_shouting_or_a_holiday_is_not_noted_as_a_product(chat, message):
    """ "Thanks, NEXT is noted." and "Thanks, Christmas is noted." were said back to customers."""
    (turn,) = _say(chat, f"noted-{message[:6]}", message)
    assert not re.search(r"\b(?:NEXT|Christmas) is noted", turn.reply.text), turn.reply.text
    assert "product" not in chat.conversation(f"noted-{message[:6]}").facts


def test_an_impatient_hello_while_waiting_for_a_person_is_not_greeted(chat):
    """Tried in the web chat: after two requests for a person, "Hello?? Is anyone coming?" got
    "Hi, how can I help today?" between the acknowledgement and the hand-off status."""
    *_, hello = _say(
        chat, "anyone-coming",
        "My refund never came and I want to talk to a real person.",
        "I said I want a real person, not a bot!",
        "Hello?? Is anyone coming?",
    )  # fmt: skip
    assert "greet" not in hello.plan.strategies, hello.plan.strategies
    assert not re.search(r"how can I help", hello.reply.text, re.I), hello.reply.text
    assert _PERSON.search(hello.reply.text), hello.reply.text


_ORDER_ASK = re.compile(r"order\s+(?:number|no|id)", re.I)


def test_a_bare_still_after_device_details_is_a_failed_fix_not_a_new_topic(chat):
    """Found on a fresh TWCS thread: "iPhone 8+, iOS latest update" then "Still." got "Could you
    share your order number?", and "Still..." got the knowledge base's card-dispute steps."""
    details, still, again = _say(
        chat, "still",
        "iPhone 8+, iOS latest update, and the latest app version",
        "Still.",
        "Still...",
    )  # fmt: skip
    for turn in (details, still, again):
        assert not _ORDER_ASK.search(turn.reply.text), turn.reply.text  # nothing was bought
    for turn in (still, again):
        assert "still_broken" in turn.plan.strategies, turn.plan.strategies
        assert not turn.plan.knowledge, turn.plan.knowledge  # "still" names no topic


def test_praise_of_the_service_is_thanked_not_read_as_sarcasm(chat):
    """ "You guys customer service rocks. I'm not really in need of the Roku ... but I've got the
    PS4!" read as sarcastic and got "Noted: this is happening on your Roku. Have you tried
    anything so far?"."""
    (turn,) = _say(
        chat, "praise",
        "You guys customer service rocks. I don't really need it on the Roku, it would be nice "
        "for the bedroom, but I've got the PS4 in the living room!",
    )  # fmt: skip
    assert turn.reading.sarcasm_span is None
    assert "thank_back" in turn.plan.strategies, turn.plan.strategies
    assert "happening on your" not in turn.reply.text


def test_thanks_after_a_but_close_the_message(chat):
    """ "would do but I'm in the car on my data, I'll try soon though, thank you for your help"
    got "Can you tell me a little more about what happened?"; and nothing is sorted yet."""
    _, turn = _say(
        chat, "in-the-car",
        "The app keeps skipping songs on my phone.",
        "would do but currently in the car using my data, i\u2019ll try and do it soon though, "
        "thank you for your help \u2764\ufe0f",
    )  # fmt: skip
    assert turn.plan.strategies == ("thank_back",), turn.plan.strategies
    assert not re.search(r"sorted|helped|working again|glad", turn.reply.text, re.I), (
        turn.reply.text
    )


def test_lip_service_is_a_complaint_not_a_thank_you(chat):
    """ "Here's a post from 2 years ago saying you'll consider it. Now it's the future, same lip
    service paid." is a grievance, whatever thanks come first."""
    (turn,) = _say(
        chat, "lip-service",
        "Thanks for the quick reply! But it's just the same lip service as last year.",
    )  # fmt: skip
    assert "acknowledge" in turn.plan.strategies, turn.plan.strategies


def test_steps_tried_and_still_stalling_are_acknowledged(chat):
    """ "Logged out, cleared cache, restarted Chrome, logged back in. Song took 2 minutes to
    start playing, stalled after 10 seconds" got a note of the browser and a question."""
    (turn,) = _say(
        chat, "stalled",
        "Logged out, cleared the cache, restarted Firefox and logged back in. The song took two "
        "minutes to start and stalled after ten seconds",
    )  # fmt: skip
    assert "acknowledge" in turn.plan.strategies, turn.plan.strategies


def test_a_typed_sad_face_is_a_problem_acknowledged(chat):
    """ "no :( my phone works fine, its just my Mac" got "Can you confirm the name your phone is
    under?"."""
    _, turn = _say(
        chat, "typed-face",
        "still can't play anything on my Mac, what's happening",
        "no :( my phone works fine, it's just my Mac",
    )  # fmt: skip
    assert "acknowledge" in turn.plan.strategies, turn.plan.strategies


def test_it_appears_to_be_working_is_celebrated(chat):
    (turn,) = _say(chat, "appears", "update, it appears to be working. thanks so much!")
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies


def test_the_details_asked_for_are_taken_not_handed_off(chat):
    """After two upset turns, the customer's device and version got "No one from the team can
    join this chat"; the customer was answering our question."""
    turns = _say(
        chat, "details-after",
        "I'm able to pull up the app and start playing music, but then it will freeze mid-song. "
        "And I'm on WiFi.",
        "Nope! It just freezes then quits. I can't tell if it's my phone or the app, but it "
        "doesn't seem to happen with any other app.",
        "I'm using my iPhone 6s with iOS 11.0.3 and app version 8.4.22.515",
    )  # fmt: skip
    assert turns[-1].handoff is None
    assert not {"handoff", "offer_person"} & set(turns[-1].plan.strategies), turns[-1].plan
    for turn in turns:
        assert not _ORDER_ASK.search(turn.reply.text), turn.reply.text  # an app, nothing bought


def test_bare_build_numbers_are_details_taken_without_a_feeling(chat):
    """ "Windows: 1.0.65.320.gac7a8e02 App: 8.4.22.857armV7" got "You expected better than this,
    and fairly so."; an IP address or a date is no build number."""
    _, details = _say(
        chat, "builds",
        "No matter what song I try to play I get 'song is not available'.",
        "Windows: 1.0.65.320.gac7a8e02 App: 8.4.22.857armV7",
    )  # fmt: skip
    assert _first_strategy(details) not in _EMPATHY_FIRST, details.reply.text
    assert chat.conversation("builds").facts.get("app_version") == "1.0.65.320.gac7a8e02"
    _say(chat, "not-builds", "The embed keeps calling 127.0.0.1 since 12.10.2017, why?")
    assert "app_version" not in chat.conversation("not-builds").facts


def test_back_to_normal_my_fault_is_a_fix_celebrated(chat):
    """ "Everything is back to NORMAL!! My fault not updating.. whoops. Thankssssss" got "It's
    disappointing that your fault not updating."."""
    _, turn = _say(
        chat, "normal",
        "The app keeps misbehaving since the last update.",
        "Everything is back to NORMAL!! My fault not updating.. whoops. Thankssssss \U0001f62c",
    )  # fmt: skip
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies
    assert not re.search(r"disappoint|let down|sorry", turn.reply.text, re.I), turn.reply.text


def test_thanks_while_waiting_on_someone_else_are_thanked(chat):
    _, turn = _say(
        chat, "alexa",
        "Asking Alexa for a playlist works fine, but not a specific artist.",
        "Thanks, I tried that before tweeting. I've opened a ticket with the Amazon Alexa support "
        "team so I'll see what they come back with.",
    )  # fmt: skip
    assert "thank_back" in turn.plan.strategies, turn.plan.strategies


def test_tyvm_before_trying_is_thanks_not_a_celebration(chat):
    """ "Will try that in a bit. Can't reboot at the moment. :) tyvm" got "How are you going to
    celebrate?"."""
    _, turn = _say(
        chat, "tyvm",
        "It doesn't work on the desktop app either.",
        "Will try that in a bit. Can't reboot at the moment. :) tyvm",
    )  # fmt: skip
    assert "thank_back" in turn.plan.strategies, turn.plan.strategies
    assert "celebrate" not in turn.plan.strategies


def test_a_yes_to_our_question_is_not_good_news(chat):
    (turn,) = _say(chat, "yep", "yep it's the default on both !")
    assert "celebrate" not in turn.plan.strategies, turn.plan.strategies
    assert not re.search(r"happy for you|walking on air|congrat", turn.reply.text, re.I)


def test_no_option_to_do_it_is_a_problem_acknowledged(chat):
    (turn,) = _say(
        chat,
        "no-option",
        "Galaxy S7. There isn't even an option to remove liked songs from my list",
    )
    assert "acknowledge" in turn.plan.strategies, turn.plan.strategies


def test_an_iphone_x_is_named_whole(chat):
    _say(chat, "iphone-x", "iPhone X, running 8.4.25.906, and the app keeps stopping")
    facts = chat.conversation("iphone-x").facts
    assert facts.get("device") == "iPhone X" and facts.get("app_version") == "8.4.25.906", facts


_SORTED = re.compile(
    r"it'?s sorted|got there|that helped|working again|glad|great to hear|relief", re.I
)


@pytest.mark.parametrize(
    "message",
    [
        "Well, looks like it works properly for a few pages and for many pages it doesn't. "
        "Thanks anyway.",
        "In the web app it works right. I opened the desktop app after a long time & I am "
        "shocked. Its BAD.",
    ],
)
def test_a_fix_that_half_works_is_not_celebrated(chat, message):
    _, turn = _say(chat, "half", "Playlists stop loading after the first page.", message)
    assert "celebrate" not in turn.plan.strategies, turn.plan.strategies
    assert not _SORTED.search(turn.reply.text), turn.reply.text


def test_found_a_fix_myself_is_celebrated(chat):
    _, turn = _say(
        chat, "found",
        "The sound is so quiet on my TV app.",
        "I actually just found a fix. In the Guide the volume slider was set to the lowest.",
    )  # fmt: skip
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies


def test_a_shame_and_a_move_to_a_rival_are_acknowledged(chat):
    (turn,) = _say(
        chat, "shame",
        "Shame, will switch to Tidal for the Hi Fi element then, it's pretty noticeable on my "
        "new player your service has been great otherwise!",
    )  # fmt: skip
    assert "acknowledge" in turn.plan.strategies, turn.plan.strategies


def test_thanks_in_advance_are_a_request_not_a_farewell(chat):
    """ "...my name should be there. Thanks in advance! Hope you can help me" got "Good luck with
    your account, and get in touch if you need us."; "Hi, thanks. Just sent you what you asked"
    got "I'm really glad we got there in the end."."""
    sent, turn = _say(
        chat, "in-advance",
        "Hi, thanks. Just sent you what you asked",
        "She was part of my family group but not now, I'm the owner of the account so my name "
        "should be there. Thanks in advance! Hope you can help me",
    )  # fmt: skip
    assert "thank_back" in sent.plan.strategies and not _SORTED.search(sent.reply.text)
    assert "farewell" not in turn.plan.strategies, turn.plan.strategies
    assert "acknowledge" in turn.plan.strategies, turn.plan.strategies


def test_a_change_of_plan_is_not_a_grievance(chat):
    (turn,) = _say(chat, "switch-plan", "I'd like to switch to the annual plan please")
    assert "acknowledge" not in turn.plan.strategies, turn.plan.strategies


def test_it_doesnt_let_me_in_lol_is_not_good_news(engine):
    """ "Doesn\u2019t let me access it lol" got "Lovely, I'm genuinely glad to hear it!" (with the
    reply benchmark's knowledge base, which has nothing on it)."""
    from pathlib import Path

    kb = Path(__file__).parents[1] / "benchmarks" / "data" / "replies" / "kb"
    chat = Engine(engine.perceiver, knowledge=str(kb))
    (turn,) = _say(chat, "no-access", "Doesn\u2019t let me access it lol")
    assert "celebrate" not in turn.plan.strategies, turn.plan.strategies


def test_a_problem_said_like_a_sign_off_is_acknowledged(chat):
    _, turn = _say(
        chat, "restart-10",
        "I'm using premium on my phone and sadly it's happening there too",
        "Well, some songs can't be played so I need to restart the app about 10 times till I "
        "can keep listening \U0001f605",
    )  # fmt: skip
    assert "acknowledge" in turn.plan.strategies, turn.plan.strategies


@pytest.mark.parametrize(
    "message",
    [
        "Thanks, I've done what you suggested and it seems alright for now. Will update you guys "
        "again if anything goes wrong.",
        "Cancer went into remission when I restarted my phone. No longer need assistance. Sorry "
        "I was petty and rated you 1 star.",
    ],
)
def test_it_seems_alright_now_is_a_fix_not_a_grievance(chat, message):
    _, turn = _say(chat, "alright", "The search bar won't appear in the app.", message)
    assert "acknowledge" not in turn.plan.strategies, turn.plan.strategies
    assert not re.search(r"frustrat|annoy|let down|disappoint", turn.reply.text, re.I)


def test_still_no_parcel_after_our_answer_gets_a_person_not_thanks_for_trying(chat):
    """Found in the web chat: after a sarcastic complaint answered from the help pages, "Seriously?
    That's it? Still no parcel." got "Thanks for trying that; I won't ask you to repeat it." when
    nothing had been suggested, and no way on."""
    _, still = _say(
        chat, "still-parcel",
        "Wow, fantastic service as always. Third time my delivery has been 'rescheduled' this "
        "week. Really loving it.",
        "Seriously? That's it? Still no parcel.",
    )  # fmt: skip
    assert not re.search(r"trying that|those steps|the steps", still.reply.text, re.I)
    assert "offer_person" in still.plan.strategies, still.plan.strategies
    assert "help@harborlane.example" in still.reply.text  # the contact route
    assert "?" not in still.reply.text


def test_thanks_for_trying_is_said_when_they_tried(chat):
    _, tried = _say(
        chat, "tried-it",
        "The app crashes every time I open my basket.",
        "I reinstalled it like you said, still crashes.",
    )  # fmt: skip
    assert "still_broken" in tried.plan.strategies, tried.plan.strategies
    heard = [s.text for s in tried.reply.sentences if s.strategy == "still_broken"]
    assert heard and re.search(r"trying that|steps|didn't fix|even after", heard[0]), heard


def test_a_second_passage_comes_only_as_a_confident_match(chat):
    """ "Great, just great. My order arrived broken. Again." got the damaged-item passage and,
    beside it, how to tell that an order went through (a weak match close to the first)."""
    (turn,) = _say(chat, "broken-again", "Great, just great. My order arrived broken. Again.")
    assert "damaged item" in turn.reply.text
    assert "order confirmation" not in turn.reply.text


@pytest.mark.parametrize(
    "message",
    [
        # A real TWCS tweet: it read as a greeting and got "Hello, thanks for getting in touch."
        "Guten Morgen,Und wo haben sie da geantwortet..Ich habe KEINE Rückerstattung erhalten!!"
        "Oder Feedback darüber..BIN immer noch Student.mfg",
        "Mi pedido no ha llegado todavía y nadie me responde, qué pasa?",
    ],
)
def test_a_message_in_another_language_is_told_plainly_that_the_chat_reads_english(chat, message):
    (turn,) = _say(chat, f"lang-{message[:8]}", message)
    assert turn.reading.language != "en"
    assert re.search(r"\bEnglish\b", turn.reply.text), turn.reply.text
    assert "help@harborlane.example" in turn.reply.text  # the way to a person who may read it
    assert not re.search(r"hello|thanks for getting in touch", turn.reply.text, re.I)


def test_panic_over_and_logged_in_is_a_fix_not_a_new_case(chat):
    """A TWCS train tweet: it was asked "Is there a reference number I can use to find this?"."""
    (turn,) = _say(
        chat, "panic-over",
        "Thank you for your quick reply but panic over!! I'm logged in and enjoying the tunes "
        "once again 😎",
    )  # fmt: skip
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies
    assert "?" not in turn.reply.text
    assert "😎," not in turn.reply.text  # an echo does not carry the face into mid-sentence


def test_a_message_we_cannot_read_always_gets_the_emergency_number(chat):
    """The crisis detector reads English only: "I don't want to live any more, I will kill myself
    tonight" in German raised nothing. What we cannot read we cannot know to be safe."""
    (turn,) = _say(
        chat, "lang-crisis", "Ich will nicht mehr leben, ich werde mich heute Nacht umbringen"
    )
    assert turn.reading.language == "de"
    assert "112" in turn.reply.text, turn.reply.text  # the default locale's emergency number


def test_i_even_tried_that_is_a_failed_fix_not_a_story(chat):
    """A TWCS train tweet: "I even tried that." got "How have the people around you found it?"."""
    (turn,) = _say(chat, "even-tried", "I even tried that.")
    assert not turn.plan.personal
    assert "still_broken" in turn.plan.strategies, turn.plan.strategies
    assert not re.search(r"people around you", turn.reply.text, re.I), turn.reply.text


def test_tried_our_answer_and_it_did_not_help_gets_a_person_not_the_answer_again(chat):
    """Found in the web chat: "My parcel is late", then "I even tried that." got "Thanks for
    trying that" and "Could you tell me a bit more about what went wrong?"."""
    late, tried = _say(chat, "tried-ours", "My parcel is late", "I even tried that.")
    assert "inform" in late.plan.strategies, late.plan.strategies
    assert "offer_person" in tried.plan.strategies, tried.plan.strategies
    assert "help@harborlane.example" in tried.reply.text
    assert "?" not in tried.reply.text


def test_a_sarcastic_opening_about_a_late_refund_gets_help_and_then_a_person(chat):
    """ "Oh brilliant, my refund has been 'processing' for three weeks now. Still no money." got
    no passage ("still" read as a failed fix, though nothing had been suggested) and "let's not
    go over the same ground" on an opening message; "Yeah right. Still nothing." was then asked
    for a reference number, with no person offered."""
    opening, still = _say(
        chat, "sarcastic-refund",
        "Oh brilliant, my refund has been 'processing' for three weeks now. Still no money. "
        "Love that for me.",
        "Yeah right. Still nothing.",
    )  # fmt: skip
    assert "inform" in opening.plan.strategies and opening.plan.knowledge, opening.plan
    assert "refund" in opening.reply.text.lower()
    assert not re.search(r"same ground|from the beginning|trying that", opening.reply.text, re.I)
    assert not re.search(r"celebrat|glad|great news", opening.reply.text, re.I)
    assert "offer_person" in still.plan.strategies, still.plan.strategies
    assert "help@harborlane.example" in still.reply.text


def test_an_opening_that_says_everything_was_tried_is_not_handed_a_guess(chat):
    """ "Still no money" on an opening is waiting; "I've done it all" is a failed fix, and a
    weak match from the help pages is a guess at what they already did."""
    (turn,) = _say(
        chat, "done-it-all",
        "I've done it all, multiple times. It resets temporarily but then reverts right back.",
    )  # fmt: skip
    assert not turn.plan.knowledge, turn.plan.knowledge
    assert "reset link" not in turn.reply.text


@pytest.mark.parametrize(
    "message",
    [
        "While I appreciate you getting back to me so quickly, your suggestions weren't really "
        "that helpful. I already use Release Radar.",
        "That wasn't much help, thanks anyway.",
    ],
)
def test_polite_thanks_around_help_that_did_not_help_is_not_a_sign_off(chat, message):
    """It was answered "Glad to hear you already use Release Radar, and thanks for the kind
    words." (a TWCS train tweet)."""
    (turn,) = _say(chat, "not-helpful", message)
    assert turn.plan.strategies != ("thank_back",), turn.plan.strategies
    assert not re.search(r"kind words|my pleasure|glad to hear", turn.reply.text, re.I)


def test_a_phone_named_by_its_maker_is_not_asked_for_again(chat):
    """ "samsung cell phone. latest updated version from the play store." was asked "Which device
    or browser are you using?" (a TWCS train tweet)."""
    (turn,) = _say(
        chat, "samsung", "samsung cell phone. latest updated version from the play store."
    )
    assert not re.search(r"which device|what device|which phone", turn.reply.text, re.I)
    assert "samsung cell phone" in turn.reply.text.lower()


def test_a_device_noted_leaves_room_for_the_way_on(chat):
    """ "not only have I reinstalled the app I have done a iPhone factory reset. Still the same
    issue." got "It's noted that this is on your iPhone, so you won't be asked again." and
    nothing else after the acknowledgement: every sentence had picked a template naming the
    iPhone, and all but one were dropped as repeats (a TWCS train tweet)."""
    (turn,) = _say(
        chat, "iphone-reset",
        "not only have I reinstalled the app I have done a iPhone factory reset. Still the same "
        "issue.",
    )  # fmt: skip
    assert turn.reply.text.count("iPhone") == 1, turn.reply.text
    assert len(turn.reply.sentences) >= 3, turn.reply.text
    assert {"still_broken", "ask", "next_step"} & {s.strategy for s in turn.reply.sentences}


def test_a_fix_told_with_the_trouble_it_replaced_is_celebrated_cleanly(chat):
    """ "Ok I don't know what I did but it's working now. It was saying that the music wasn't
    available." was read as a complaint ("don't know" read as negating the fix) and handed a
    passage about parcels (a TWCS train tweet)."""
    (turn,) = _say(
        chat, "fixed-itself",
        "Ok I don\u2019t know what I did but it\u2019s working now. It was saying that the music "
        "wasn\u2019t available.",
    )  # fmt: skip
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies
    assert "inform" not in {s.strategy for s in turn.reply.sentences}, turn.reply.text
    assert all(c.passed for c in turn.reply.checks), turn.reply.checks


def test_a_failed_fix_of_their_own_is_not_handed_a_guess(chat):
    """ "I reinstall but still the problem" got a weak match about deleting an account."""
    (turn,) = _say(chat, "reinstall", "I reinstall but still the problem \U0001f614")
    assert not turn.plan.knowledge, turn.plan.knowledge


@pytest.mark.parametrize(
    "message", ["Thank you and have a great day!!", "Y'all are awesome, thank you!"]
)
def test_delighted_thanks_get_gladness_not_congratulations(chat, message):
    """ "Thank you and have a great day!!" got "That's a great outcome, and thanks for letting us
    know." (a TWCS train tweet): no outcome had been told."""
    (turn,) = _say(chat, "delighted", message)
    assert turn.plan.strategies[:2] == ("celebrate", "thank_back"), turn.plan.strategies
    glad = [s.text for s in turn.reply.sentences if s.strategy == "celebrate"]
    assert glad, turn.reply.text
    assert not re.search(r"congratulat|outcome|news|celebrat|deserv|enjoy|for you", glad[0], re.I)
    assert "?" not in turn.reply.text


# Wordings that assume the customer waited or had to repeat themselves.
_PRESUMED = re.compile(
    r"waiting this long|left waiting|patient|repeat yourself|chase|back and forth|by now|"
    r"the wait\b|wait for something|delay in getting back|slow reply|earlier contact|"
    r"sticking with this",
    re.I,
)


def test_a_first_complaint_is_not_told_it_waited_or_repeated_itself(chat):
    """ "Thanks for wasting an hour of my life" got "Being asked to repeat yourself would test
    anyone's patience"; a first message that says nothing of waiting must not hear "after
    waiting this long". The composer rotates its wordings, so many conversations are tried."""
    messages = (
        "The app crashes whenever I open my basket and I'm furious.",
        "This is ridiculous, the discount code doesn't work at checkout.",
        "Your website is a joke, the payment page is broken.",
        # A day named is not a wait.
        "Remember this day, it's the day you ripped off the wrong customer.",
        # The app repeating itself is not the customer repeating themselves.
        "My app keeps crashing",
    )
    for i in range(50):
        (turn,) = _say(chat, f"presume-{i}", messages[i % len(messages)])
        assert turn.plan.family in {"frustration", "disappointment"}, turn.plan.family
        assert not _PRESUMED.search(turn.reply.text), turn.reply.text


def test_a_reply_asks_the_customer_for_one_thing_at_most(chat):
    """ "What have you already tried, so I don't ask you to repeat it? Tell me the one thing you
    most need sorted, and we'll start there.": two requests leave the customer choosing which to
    answer."""
    requests = re.compile(r"\?|\btell me\b|\bjust say so\b|\badd it here\b", re.I)
    for i in range(30):
        (turn,) = _say(chat, f"one-ask-{i}", "Thanks for wasting an hour of my life")
        asked = [s.text for s in turn.reply.sentences if requests.search(s.text)]
        assert len(asked) <= 1, turn.reply.text


def test_thanks_with_anything_but_is_thanks_not_a_question(chat):
    """ "anything but" is "except", not a contrast: the thanks had got "When did you first
    notice that you definitely didn't do anything but update iOS?"."""
    (turn,) = _say(
        chat, "anything-but",
        "Much, much appreciated! I definitely didn't do anything but update iOS. So thanks.",
    )  # fmt: skip
    assert "thank_back" in turn.plan.strategies, turn.plan.strategies
    assert "?" not in turn.reply.text, turn.reply.text


def test_tears_of_relief_with_thanks_are_not_a_new_problem(chat):
    """ "ITS OKAY THANK YOU I HAVE IT NOW 😭😭" had got "Your frustration is completely
    reasonable here. Could you share your order number?"."""
    *_, turn = _say(
        chat, "tears", "My app keeps crashing", "ITS OKAY THANK YOU I HAVE IT NOW 😭😭"
    )  # fmt: skip
    assert {"celebrate", "thank_back"} & set(turn.plan.strategies), turn.plan.strategies
    assert "?" not in turn.reply.text and "frustrat" not in turn.reply.text, turn.reply.text


def test_a_browser_is_named_as_its_maker_spells_it(chat):
    """ "chrome is up to date and it still happens" got "Noted: you're using your chrome."."""
    (turn,) = _say(chat, "chrome", "chrome is up to date and it still happens")
    assert "Chrome browser" in turn.reply.text and "chrome" not in turn.reply.text, turn.reply.text


def test_nothing_happens_is_a_problem_not_a_list_of_details(chat):
    """ "Spotify version I use is 8.4.22.515 ... just tap on any Queen track and nothing happens"
    was read as an answer giving details and got only "What's the email address on your
    account?"."""
    (turn,) = _say(
        chat, "nothing-happens",
        "Spotify version I use is 8.4.22.515. With 4G or WiFi connection, just tap on any Queen "
        "track and nothing happens",
    )  # fmt: skip
    assert "acknowledge" in turn.plan.strategies, turn.plan.strategies
    assert "email address" not in turn.reply.text, turn.reply.text


def test_an_explanation_is_never_promised_with_nothing_after_it(chat):
    """ "I'm new at this how do i DELETE and what's dm" got the passage and then "First I'll
    explain what you're seeing, then what to do about it.", an explanation that never came."""
    promise = re.compile(
        r"^(?:first |next,? )?(?:i'll|let me|let's) (?:walk you through|lay out|explain|break|"
        r"go through|take you through)",
        re.I,
    )
    messages = (
        "I'm new at this how do i DELETE and what's dm",
        "I don't understand these charges on my statement at all",
        "I'm so confused, the instructions make no sense to me",
    )
    for i in range(30):
        (turn,) = _say(chat, f"explain-{i}", messages[i % len(messages)])
        last = turn.reply.sentences[-1].text
        assert not promise.search(last), turn.reply.text


def test_what_follows_but_is_not_echoed_as_the_problem(chat):
    """ "I can't remove the battery, but let me try it." was said back as "you can't remove the
    battery, but let you try it"."""
    for i in range(12):
        (turn,) = _say(chat, f"but-{i}", "I can't remove the battery, but let me try it.")
        assert "let you try" not in turn.reply.text, turn.reply.text


def test_nothing_but_is_echoed_whole(chat):
    """ "nothing but" means "except": cut at its "but", "I get nothing but errors when I log
    in" would be said back as "you get nothing"."""
    for i in range(12):
        (turn,) = _say(chat, f"nothing-but-{i}", "I get nothing but errors when I log in")
        assert not re.search(r"you get nothing(?! but)", turn.reply.text), turn.reply.text


def test_it_seems_to_be_ok_now_is_a_fix(chat):
    """ "It seems to be ok now. I turned off large Text and turned it back on." got "Noted:
    you're using your iPhone 7. What would you like the outcome to be?"."""
    *_, turn = _say(
        chat, "seems-ok",
        "Spotify keeps crashing on my iPhone 7",
        "It seems to be ok now. I turned off large Text and turned it back on. Note the reset "
        "procedure you specified is not correct for iPhone 7! Regards.",
    )  # fmt: skip
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies
    assert "outcome" not in turn.reply.text, turn.reply.text


def test_a_crash_report_is_not_answered_with_account_deletion(chat):
    """ "My app keeps crashing" got how to delete an account: "keeps" matched "we keep order and
    invoice records" in that passage, and nothing else did."""
    (turn,) = _say(chat, "keeps-crashing", "My app keeps crashing")
    assert "Delete account" not in turn.reply.text, turn.reply.text


def test_a_fix_that_solved_the_problem_is_thanks_not_frustration(chat):
    """ "Thank you, switching to an incognito window seems to have solved the problem." (a TWCS
    train tweet) got "It's clear this has taken up far more of your time than it should ... Is
    there a deadline I should be working to?"."""
    *_, turn = _say(
        chat, "solved-incognito",
        "The web player won't load my playlists",
        "Thank you, switching to an incognito window seems to have solved the problem.",
    )  # fmt: skip
    assert "celebrate" in turn.plan.strategies, turn.plan.strategies
    assert "acknowledge" not in turn.plan.strategies, turn.reply.text
    assert "?" not in turn.reply.text, turn.reply.text


def test_a_concession_is_not_echoed_as_the_problem(chat):
    """ "I know it's not possible. ... Glad to know this company acts fast. 🙄" got "It's
    understandably irritating that you know it's not possible"."""
    for i in range(12):
        (turn,) = _say(
            chat, f"concede-{i}",
            "I know it's not possible. Seems this idea was shared on the community page in 2015. "
            "Glad to know this company acts fast. 🙄",
        )  # fmt: skip
        assert "you know it's not possible" not in turn.reply.text, turn.reply.text


def test_thanks_then_a_criticism_is_not_answered_as_a_job_done(chat):
    """ "Thanks for explaining. Just find it odd you list release date when it will be
    unavailable." (a TWCS train tweet) got "It was genuinely my pleasure to sort this out"."""
    (turn,) = _say(
        chat, "thanks-but-odd",
        "Thanks for explaining. Just find it odd you list release date when it will be "
        "unavailable. Think most would assume it means you'll have it.",
    )  # fmt: skip
    assert "thank_back" not in turn.plan.strategies, turn.reply.text
    assert not re.search(r"pleasure|sorted|got there|glad", turn.reply.text, re.I), turn.reply.text
    plain = _say(chat, "thanks-plain", "Thanks for explaining, that makes sense now.")[0]
    assert "thank_back" in plain.plan.strategies, plain.reply.text
    fixed = _say(
        chat, "thanks-weird-fixed", "Thanks so much, weird glitch but it's working fine now"
    )
    assert "acknowledge" not in fixed[0].plan.strategies, fixed[0].reply.text


def test_a_connection_that_cuts_in_and_out_is_a_problem_and_what_was_tried_is_not_asked(chat):
    """ "Samsung galaxy s8+ it will click in an out, when i choose a different song. Ends up
    disconnecting. Ive deleted my account, tried a tablet," (a TWCS train tweet) got "Thanks,
    Samsung Galaxy S8 noted. Let me know if anything else comes up."; once read as a problem, it
    got "What have you already tried, so I don't ask you to repeat it?"."""
    message = (
        "Samsung galaxy s8+ it will click in an out, when i choose a different song. Ends up "
        "disconnecting. Ive deleted my account, tried a tablet,"
    )
    for i in range(12):
        (turn,) = _say(chat, f"cuts-out-{i}", message)
        assert "acknowledge" in turn.plan.strategies, turn.reply.text
        assert not re.search(r"already tried|tried anything", turn.reply.text), turn.reply.text


def test_you_dont_care_is_acknowledged_not_met_with_a_bare_question(chat):
    """ "No they aren't. They don't care and neither do you" (a TWCS train tweet) got only "Is
    there a reference number I can use to find this?"."""
    for i in range(6):
        (turn,) = _say(
            chat, f"dont-care-{i}", "No they aren\u2019t. They don\u2019t care and neither do you"
        )
        assert "acknowledge" in turn.plan.strategies, turn.reply.text


def test_being_charged_again_is_not_the_customer_chasing_us(chat):
    """ "will I be charged again this month ... it ask for payment again" (a TWCS train tweet)
    is about the bill, not about contacting us again: it got "That's a lot of back and forth" and
    "Having to chase this up"."""
    message = (
        "I did it will I be charged again this month for switching to student? I paid for "
        "premium this month $9.99 and it ask for payment again $4.99"
    )
    for i in range(12):
        (turn,) = _say(chat, f"charged-again-{i}", message)
        assert not re.search(r"back and forth|chase|earlier contact", turn.reply.text), (
            turn.reply.text
        )
    (asked,) = _say(chat, "asking-again", "I am asking again, where is my refund for order 4417")
    assert asked.plan.strategies[0] == "acknowledge", asked.plan.strategies


def test_one_exchange_is_not_back_and_forth(chat):
    """After one reply of ours, "Thanks for explaining. Just find it odd you list release date
    when it will be unavailable." got "That's a lot of back and forth ... Being asked to repeat
    yourself would test anyone's patience" (the web chat)."""
    presumes = re.compile(r"back and forth|repeat yourself|chase|earlier contact|sticking with")
    for i in range(12):
        _, second = _say(
            chat, f"one-exchange-{i}",
            "My app won't play my playlists",
            "Thanks for explaining. Just find it odd you list release date when it will be "
            "unavailable.",
        )  # fmt: skip
        assert not presumes.search(second.reply.text), second.reply.text


def test_a_bare_cheers_after_a_problem_is_thanks(chat):
    """ "cheers" after the customer's own problem report (a TWCS train tweet) read as sarcasm
    and got "Having to chase this up is frustrating"; "cheers for nothing" stays sarcasm."""
    problem = "It stops playing half way through the song. You can't skip forward or back then the app crashes"
    _, cheers = _say(chat, "cheers", problem, "cheers")
    assert cheers.reading.sarcasm_span is None
    assert "thank_back" in cheers.plan.strategies, cheers.plan.strategies
    assert not re.search(r"frustrat|annoy|chase|sorry", cheers.reply.text, re.I), cheers.reply.text
    _, sneer = _say(chat, "cheers-for-nothing", problem, "cheers for nothing")
    assert "thank_back" not in sneer.plan.strategies, sneer.plan.strategies


def test_thanks_with_a_painful_verdict_is_a_complaint(chat):
    """ "Thank you. This is very painful for your biggest users." (a TWCS train tweet, after a
    refused request) got "Happy to help with this any time"."""
    _, verdict = _say(
        chat, "painful",
        "Without increasing this playlist limit it'll be very hard to use your service.",
        "Thank you. This is very painful for your biggest users.",
    )  # fmt: skip
    assert "thank_back" not in verdict.plan.strategies, verdict.plan.strategies
    assert verdict.plan.strategies[0] == "acknowledge", verdict.plan.strategies
    assert not re.search(r"happy to help|pleasure|glad", verdict.reply.text, re.I)


def test_a_fault_that_started_days_ago_is_acknowledged_and_not_asked_when(chat):
    """ "everytime i try to open the program is gives me this, which only started happening 2
    days ago ... i have to reinstall everytime" (a TWCS train tweet) got no word for it, and
    then "When did you first notice the problem?"."""
    message = (
        "i'm using windows 7 on desktop, and everytime i try to open the program is gives me "
        "this, which only started happening 2 days ago. i do reinstall it like it says but i "
        "have to reinstall everytime i want to turn on my computer"
    )
    for i in range(8):
        (turn,) = _say(chat, f"started-{i}", message)
        assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies
        assert not re.search(r"when did|how long has|notice", turn.reply.text, re.I), (
            turn.reply.text
        )


def test_still_this_after_trying_is_a_failed_fix(chat):
    """ "Turned off my antivirus, reinstalled, and still this." (a TWCS train tweet) got only "I've
    noted you're on Windows 7, so you won't be asked for that again."."""
    _, after = _say(
        chat, "still-this",
        "Latest version of Spotify. When the updates come in, that message pops up. I'm using Windows 7.",
        "Turned off my antivirus, reinstalled, and still this. Whenever I close the program to let "
        "the latest update take hold, this happens.",
    )  # fmt: skip
    assert after.plan.strategies[0] == "acknowledge", after.plan.strategies
    assert "still_broken" in after.plan.strategies, after.plan.strategies


def test_giving_up_on_the_app_is_acknowledged(chat):
    """ "Ok I guess I don't want this app then" (a TWCS train tweet) got "Is there a reference
    number I can use to find this?"."""
    *_, leaving = _say(
        chat, "give-up",
        "My playlists won't load on my phone",
        "I have not received a response",
        "Ok I guess I don't want this app then",
    )  # fmt: skip
    assert leaving.plan.strategies[0] == "acknowledge", leaving.plan.strategies


def test_a_desktop_pc_reinstalled_but_no_is_acknowledged_and_not_asked_for_the_device(chat):
    """ "It's a desktop PC, windows 10. I just reinstalled Spotify app to see if that helped, but
    no." (a TWCS train tweet) got "Noted that you're on windows 10. Which device or browser are
    you using?"."""
    message = (
        "It's a desktop PC, windows 10. I just reinstalled Spotify app to see if that helped, but "
        "no. I click on a playlist, it seems to cycle 1/2"
    )
    for i in range(8):
        (turn,) = _say(chat, f"desktop-{i}", message)
        assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies
        assert not re.search(r"which device|what device", turn.reply.text, re.I), turn.reply.text


def test_thanks_but_still_waiting_is_a_complaint(chat):
    """ "thanks, but from that it seems like you have looked into it for three years now and still
    have status 'not right now'" (a TWCS train tweet) got only "Could you share your order
    number?"."""
    (turn,) = _say(
        chat, "but-still",
        'thanks, but from that it seems like you have looked into it for three years now and '
        'still have status "not right now"',
    )  # fmt: skip
    assert "thank_back" not in turn.plan.strategies, turn.plan.strategies
    assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies


def test_seems_to_working_correctly_is_a_fix(chat):
    """ "I'm home now and it seems to working correctly. I'm not sure what happened." (a TWCS
    train tweet) got "Your frustration is completely reasonable here"."""
    _, fixed = _say(
        chat, "working-correctly",
        "iOS 10.3.3 version 8.4.25.906",
        "I'm home now and it seems to working correctly. I'm not sure what happened.",
    )  # fmt: skip
    assert "celebrate" in fixed.plan.strategies, fixed.plan.strategies
    assert not re.search(r"frustrat|sorry|annoy", fixed.reply.text, re.I), fixed.reply.text


def test_works_on_one_device_but_not_another_is_a_problem(chat):
    """ "Works on iPhone but not on desktop or web player!" (a TWCS train tweet) got "Thanks,
    iPhone noted. Is there a reference number I can use to find this?"."""
    (turn,) = _say(chat, "works-but-not", "Works on iPhone but not on desktop or web player!")
    assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies


def test_thanks_after_the_details_are_returned_before_the_details_are_noted(chat):
    """ "iPhone SE IOS 11.1 Version 8.4.25.906 Thanks!" (a TWCS train tweet) got "Thanks, iPhone
    SE noted." with their thanks left unanswered; thanks said first ("Thanks. It's a Samsung
    galaxy S6.") thank us for asking and the details are the message."""
    for i in range(6):
        (turn,) = _say(chat, f"details-thanks-{i}", "iPhone SE IOS 11.1 Version 8.4.25.906 Thanks!")
        assert turn.plan.strategies[:2] == ("thank_back", "note_fact"), turn.plan.strategies
        text = turn.reply.text
        assert text.count("iPhone SE") == 1 and len(re.findall(r"\bthanks\b", text, re.I)) == 0
        assert not re.search(r"helped|sorted|glad|sorry", text, re.I), text


def test_a_user_of_the_service_is_not_telling_a_life_story(chat):
    """ "yep it's the default on both !" got "That's good to know, thanks. How have the people
    around you found it?"; "I've actually been a user since I did initially use the deal from last
    year, so I wouldn't qualify :(" got "What a loyal thing to do ... Was there a moment when you
    knew it was yours?" (TWCS train tweets)."""
    for i, message in enumerate(
        [
            "yep it's the default on both !",
            "I've actually been a user since I did initially use the deal from last year, so I "
            "wouldn't qualify :( I have loved my experience and told my brother about the deal, "
            "at least!",
        ]
    ):
        (turn,) = _say(chat, f"user-{i}", message)
        assert not turn.plan.personal, turn.reply.text
        assert "celebrate" not in turn.plan.strategies, turn.plan.strategies


def test_no_error_messages_is_an_answer_not_a_grievance(chat):
    """ "No, I do not get any error messages." (a TWCS train tweet, answering our question) got
    "I can see how frustrating it is that you do not get any error messages" and an apology."""
    for i in range(6):
        _, answer = _say(
            chat, f"no-error-{i}",
            "My playlists stopped syncing to my phone",
            "No, I do not get any error messages.",
        )  # fmt: skip
        assert "acknowledge" not in answer.plan.strategies, answer.plan.strategies
        assert not re.search(r"error|sorry|apolog|frustrat", answer.reply.text, re.I), (
            answer.reply.text
        )


def test_functioning_as_expected_is_good_news_with_thanks_returned(chat):
    """ "Thanks NQ! 'Radio' wasn't working, but 'Daily Mix' is functioning as expected. Thanks fir
    the follow up." (a TWCS train tweet) got "How long has this been happening?"."""
    (turn,) = _say(
        chat, "as-expected",
        "Thanks NQ! 'Radio' wasn't working, but 'Daily Mix' is functioning as expected. Thanks "
        "fir the follow up.",
    )  # fmt: skip
    assert "thank_back" in turn.plan.strategies, turn.plan.strategies
    assert not re.search(r"how long|when did|sorry", turn.reply.text, re.I), turn.reply.text


def test_nothing_resolved_yet_is_not_celebrated(chat):
    """ "Thank you, very much needed nothing's resolved as of yet lol ." (a TWCS train tweet) got
    "That's wonderful to hear, and a relief it's working again!"."""
    _, later = _say(
        chat, "nothing-resolved",
        "My premium isn't showing on my account",
        "Thank you, very much needed nothing's resolved as of yet lol .",
    )  # fmt: skip
    assert "celebrate" not in later.plan.strategies, later.plan.strategies
    assert "thank_back" not in later.plan.strategies, later.plan.strategies
    assert later.plan.strategies[0] == "acknowledge", later.plan.strategies


def test_it_didnt_solve_is_a_failed_fix(chat):
    """ "It didn't solve, but also my iOS device isn't playing Pearl Jam too." (a TWCS train tweet)
    got "Thanks, iOS is noted. When did you first notice that it didn't solve?"."""
    _, later = _say(
        chat, "didnt-solve",
        "All artists are working, only Pearl Jam not",
        "It didn't solve, but also my iOS device isn't playing Pearl Jam too. They are one of my "
        "favorite bands, so please look into that.",
    )  # fmt: skip
    assert later.plan.strategies[0] == "acknowledge", later.plan.strategies
    assert "didn't solve" not in later.reply.text, later.reply.text


def test_on_mobile_is_not_a_life_story(chat):
    """ "I'm getting this too..." then "On mobile." got "I'm glad to hear a bit of your story.
    Which part takes up most of your time?" (a TWCS train tweet)."""
    _, later = _say(chat, "on-mobile", "I'm getting this too...", "On mobile.")
    assert not later.plan.personal, later.reply.text
    assert "story" not in later.reply.text, later.reply.text


def test_that_did_work_is_celebrated(chat):
    """ "That did work, thank you so much!" (a TWCS train tweet) got only "It was genuinely my
    pleasure to sort this out"."""
    _, fixed = _say(
        chat, "did-work",
        "iPhone 6s Plus, iOS 10.3.2, and the most recently updated version of Spotify",
        "That did work, thank you so much!",
    )  # fmt: skip
    assert fixed.plan.strategies[:2] == ("celebrate", "thank_back"), fixed.plan.strategies


def test_thanks_then_a_horrible_ad_is_a_complaint(chat):
    """ "Thank you! It's a horrible Viceland [ad] as that should not be on family playlists."
    (a TWCS train tweet) got "Aw, that's lovely to hear! Thanks for the kind words"."""
    (turn,) = _say(
        chat, "horrible-ad",
        "Thank you! It's a horrible Viceland ad as that should not be on family playlists. Super "
        "heavy rotation.",
    )  # fmt: skip
    assert "celebrate" not in turn.plan.strategies, turn.plan.strategies
    assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies
    assert not re.search(r"lovely|kind words|pleasure", turn.reply.text, re.I), turn.reply.text


def test_a_complaint_about_commercials_is_not_a_life_story(chat):
    """After "it's just a bummer to listen to the same commercial over and over again ... and you
    PAY.. :(", "thanks! I've liked all your other improvements tho!" (TWCS train tweets) got "My
    heart lifted when I read that you've liked all your other improvements"."""
    _, later = _say(
        chat, "commercial",
        "it's just a bummer to listen to the same commercial over and over again when you're just "
        "trying to get the news and you PAY.. :(",
        "thanks! I've liked all your other improvements tho!",
    )  # fmt: skip
    assert not later.plan.personal, later.reply.text
    assert "thank_back" in later.plan.strategies, later.plan.strategies


def test_cheers_after_a_complaint_gets_no_thanks_for_kind_words(chat):
    """In the web chat, "cheers" after "Thanks a lot for nothing, seriously." got "Thanks for the
    kind words, they're much appreciated."; after a complaint nothing was sorted to be glad of."""
    for i in range(6):
        *_, cheers = _say(
            chat, f"cheers-after-{i}",
            "Oh great, my refund 'processed' three weeks ago and still nothing. Love waiting.",
            "Thanks a lot for nothing, seriously.",
            "cheers",
        )  # fmt: skip
        assert not re.search(r"kind words|glad|pleasure|sorted|made a difference", cheers.reply.text,
                             re.I), cheers.reply.text  # fmt: skip


def test_thnx_bye_gets_the_thanks_returned(chat):
    """ "Make it happen thnx bye" (a TWCS train tweet) got a sign-off with no thanks returned."""
    (turn,) = _say(chat, "thnx-bye", "Make it happen thnx bye")
    assert turn.plan.strategies[:2] == ("thank_back", "farewell"), turn.plan.strategies


def test_seemed_to_do_the_trick_is_celebrated(chat):
    """ "Cool that seemed to do the trick for now. Whole song, no skip. Thank you!" (a TWCS train
    tweet) got "That sounds genuinely frustrating": "no skip" says the fault is gone."""
    _, fixed = _say(
        chat, "did-the-trick",
        "Songs keep skipping halfway through on Android.",
        "Cool that seemed to do the trick for now. Whole song, no skip. Thank you! Zee",
    )  # fmt: skip
    assert fixed.plan.strategies[:2] == ("celebrate", "thank_back"), fixed.plan.strategies
    assert not re.search(r"\b(?:sorry|apolog|frustrat)", fixed.reply.text, re.I), fixed.reply.text


def test_an_eye_roll_after_a_complaint_is_the_complaint_going_on(chat):
    """ "Oh, I'm so sure 🙄" (a TWCS train tweet) after a complaint about deals got "How long has
    this been happening?"."""
    _, rolled = _say(
        chat, "eye-roll",
        "Hey you guys keep saying that every time people complain about pre-existing customers "
        "not getting any deals. Yet y'all still haven't come out with any deals to thank your long "
        "term customers",
        "Oh, I’m so sure 🙄",
    )  # fmt: skip
    assert rolled.plan.strategies[0] == "acknowledge", rolled.plan.strategies
    assert not {"celebrate", "thank_back"} & set(rolled.plan.strategies)


def test_no_avail_is_a_failed_fix(chat):
    """ "... Have also de/re-installed the app. No avail." (a TWCS train tweet) got "I can't find
    an answer to that" with no word for it."""
    (turn,) = _say(
        chat, "no-avail",
        "Thanks for getting bck. Yes its the most recent available vrsn via Google play. Previous "
        "also did the same for short period. But seem to resolve. With recent update its bck with "
        "vengeance. Have also de/re-installed the app. No avail.",
    )  # fmt: skip
    assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies
    assert "still_broken" in turn.plan.strategies, turn.plan.strategies


def test_a_smart_speaker_named_is_noted_without_a_guess_from_the_help_pages(chat):
    """ "It's set up on Google Home. The app is also on my smartphone, but a rarely open it." (a
    TWCS train tweet) answers which device: it got an apology and the shop's accessibility
    passage."""
    _, details = _say(
        chat, "google-home",
        "Link provided does not help. Want other songs to play after requesting a specific song, "
        "currently it plays the requested song and stops.",
        "It's set up on Google Home. The app is also on my smartphone, but a rarely open it.",
    )  # fmt: skip
    assert "Google Home" in details.reply.text, details.reply.text
    assert not details.plan.knowledge, details.reply.text
    assert not re.search(r"\b(?:sorry|apolog)", details.reply.text, re.I), details.reply.text


def test_a_calm_how_to_question_naming_what_they_cannot_do_gets_a_plain_answer(chat):
    """ "I want to put "tick tick boom" under "the way you used to do" but I can't cause the
    playlist is already set....is there a option to move just 1 or 2 songs around?" (a TWCS train
    tweet) got "I can see this isn't what you were hoping for" and a request for a screenshot."""
    (turn,) = _say(
        chat, "how-to",
        'Ok so this playlist is already set...but I want to put "tick tick boom" under "the way '
        "you used to do\" but I can't cause the playlist is already set....is there a option to "
        "move just 1 or 2 songs around?",
    )  # fmt: skip
    assert _first_strategy(turn) not in _EMPATHY_FIRST, turn.reply.text
    assert "screenshot" not in turn.reply.text, turn.reply.text


def test_the_practical_turn_after_a_bereavement_is_helped_gently(chat):
    """In the web chat, "he had an order pending too, number HL55012" after "My dad passed away
    last month and I need to close his account" got "I can tell this has been a real hassle from
    start to finish. That should not have happened, and I'm sorry." and the guest-checkout
    passage; the order number was not taken in."""
    _, later = _say(
        chat, "bereaved-order",
        "My dad passed away last month and I need to close his account",
        "he had an order pending too, number HL55012",
    )  # fmt: skip
    assert "HL55012" in later.reply.text, later.reply.text
    assert not re.search(
        r"hassle|frustrat|annoy|should not have happened|apolog|guest", later.reply.text, re.I
    ), later.reply.text
    assert "celebrate" not in later.plan.strategies


def test_an_order_number_given_alone_after_we_asked_for_it_is_taken_in(chat):
    """Asked "Could you share your order number?", a customer answers with the number alone;
    it was not noted, and could be asked for again."""
    asked = 0
    for i in range(10):  # the question asked varies with the conversation
        (first,) = _say(chat, f"bare-order-{i}", "I was charged twice")
        if not re.search(r"order number[^.!?]*\?", first.reply.text):
            continue
        asked += 1
        given, later = _say(chat, f"bare-order-{i}", "HL33312", "it still shows both payments")
        assert "HL33312" in given.reply.text, given.reply.text
        assert not re.search(r"order number", later.reply.text, re.I), later.reply.text
    assert asked, "the order number was never asked for"


@pytest.mark.parametrize(
    "message", ["are you a bot?", "am I talking to a real person?", "is this automated"]
)
def test_asked_whether_it_is_a_bot_it_says_so_first(chat, message):
    """In the web chat, "are you a bot?" got "I'm not able to answer that one reliably from
    here"; a customer asking what they are talking to gets the honest answer first."""
    (turn,) = _say(chat, f"bot-{len(message)}", message)
    first = turn.reply.sentences[0]
    assert first.strategy == "disclose", turn.reply.text
    assert re.search(r"automated assistant|\bbot\b", first.text) and "not" in first.text
    assert "reliably" not in turn.reply.text


def test_while_no_person_can_join_a_request_we_can_answer_is_answered(chat):
    """After a hand-off nobody can take (no operator registered), "ok then please help me
    cancel my order" got only "I still can't connect you to a person from here"."""
    _, later = _say(
        chat, "help-while-waiting",
        "I want to speak to a human",
        "ok then please help me cancel my order",
    )  # fmt: skip
    assert "inform" in later.plan.strategies, later.plan.strategies
    assert "cancel" in later.reply.text.lower(), later.reply.text
    assert "handoff_status" in later.plan.strategies


def test_a_short_message_after_one_in_another_language_is_not_read_as_english(chat):
    """ "no hablo inglés" after "Hola, necesito ayuda con mi pedido" was read as English and met
    with "I'm annoyed for you just hearing about it"; "ok thanks" is still English."""
    _, short = _say(chat, "spanish", "Hola, necesito ayuda con mi pedido", "no hablo inglés")
    assert short.plan.strategies[0] == "other_language", short.plan.strategies
    assert not re.search(r"annoy|frustrat|sorry", short.reply.text, re.I), short.reply.text
    _, thanks = _say(
        chat, "spanish-then-english", "Hola, necesito ayuda con mi pedido", "ok thanks"
    )
    assert thanks.reading.language == "en"


def test_a_fire_happening_now_gets_safety_first(chat):
    """ "my toaster caught fire this morning, the kitchen is full of smoke" got "I'm sorry, what a
    draining thing to go through. Honestly, same, my temper would be wearing thin."."""
    (turn,) = _say(
        chat, "fire", "my toaster caught fire this morning, the kitchen is full of smoke"
    )
    assert turn.reply.source == "safety"
    assert re.search(r"get everyone out", turn.reply.text) and "112" in turn.reply.text
    assert "Stay with the person" not in turn.reply.text


def test_a_step_already_checked_is_a_failed_fix_not_asked_about_again(chat):
    """ "I checked with neighbours already", after the delivered-but-missing passage told them
    to, got "Have you tried anything so far?"."""
    _, checked = _say(
        chat, "checked-already",
        "my package says delivered but it's not here",
        "I checked with neighbours already",
    )  # fmt: skip
    assert checked.plan.strategies[0] == "acknowledge", checked.plan.strategies
    assert not re.search(
        r"tried anything|what have you (?:already )?tried", checked.reply.text, re.I
    )


def test_the_third_time_it_happened_is_a_complaint_not_a_goodbye(chat):
    """ "This is the third time this happened." (a TWCS train tweet) read as a sign-off and got
    "What's the email address on your account?"."""
    _, turn = _say(
        chat, "third-time",
        "my package says delivered but it's not here",
        "this is the third time this happens",
    )  # fmt: skip
    assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies
    assert "farewell" not in turn.plan.strategies


def test_a_bare_ok_is_not_asked_something_new(chat):
    """ "ok" after the shipping costs got "How long has this been happening?"."""
    _, ok = _say(chat, "bare-ok", "How much does shipping cost to the UK?", "ok")
    assert ok.plan.strategies == ("next_step",), ok.plan.strategies
    assert "?" not in ok.reply.text, ok.reply.text


def test_a_new_address_is_noted_not_the_order_given_before(chat):
    """ "it's 12 Rose Street, Dublin" (the new delivery address) got "Order HL44120 is noted here.
    Can you tell me a little more about what happened?"."""
    *_, address = _say(
        chat, "address",
        "I need to change my delivery address",
        "order HL44120",
        "it's 12 Rose Street, Dublin",
    )  # fmt: skip
    assert "12 Rose Street" in address.reply.text, address.reply.text
    assert "HL44120" not in address.reply.text
    assert chat.conversation("address").facts["address"] == "12 Rose Street, Dublin"


def test_gladness_at_good_news_is_never_worded_as_a_question(chat):
    """ "I got engaged last night!!" got "What's changed the most since then?" as its
    celebration: 32 questions had been filed under the glad acknowledgements."""
    for i in range(60):  # the wording varies with the conversation
        (turn,) = _say(chat, f"engaged-{i}", "I got engaged last night!!")
        glad = [s for s in turn.reply.sentences if s.strategy == "celebrate"]
        assert glad and not any(s.text.rstrip().endswith("?") for s in glad), turn.reply.text


def test_a_complaint_about_our_driver_is_support_not_a_life_story(chat):
    """ "Your delivery driver threw my parcel over the fence and broke it" (read as a story at
    0.99) got "What did the others make of it?", then "I have photos" got "For what it's worth,
    I'd have felt the same" and "what now" got "Which device or browser are you using?"."""
    thrown, photos, now = _say(
        chat, "driver",
        "Your delivery driver threw my parcel over the fence and broke it",
        "I have photos",
        "what now",
    )  # fmt: skip
    assert not thrown.plan.personal, thrown.reply.text
    for turn in (photos, now):
        assert not turn.plan.personal, turn.reply.text
        assert not re.search(r"device or browser|screenshot|felt the same", turn.reply.text)


def test_an_order_number_sent_on_its_own_is_never_asked_for(chat):
    """ "HL55981" sent on its own got "Could you share your order number?"."""
    _, number, later = _say(
        chat, "id-alone",
        "I ordered a coffee grinder last week and it still hasn't arrived",
        "HL55981",
        "ok thanks for nothing",
    )  # fmt: skip
    assert "HL55981" in number.reply.text, number.reply.text
    for turn in (number, later):
        assert not re.search(r"order number\?|reference number", turn.reply.text), turn.reply.text


def test_an_order_id_in_a_request_is_noted(chat):
    """ "Can you cancel my order please? HL22010" did not take the order number in."""
    (turn,) = _say(chat, "cancel-id", "Can you cancel my order please? HL22010")
    assert chat.conversation("cancel-id").facts.get("order_number") == "HL22010"
    assert "HL22010" in turn.reply.text, turn.reply.text


def test_a_conversation_opened_with_a_question_to_us_stays_support(chat):
    """ "The blender is too loud, is that normal?" then "it's the Harbor 500 model" got "It's
    always nice to hear how things are going. How has it been going so far?"."""
    _, model = _say(
        chat, "loud", "The blender is too loud, is that normal?", "it's the Harbor 500 model"
    )
    assert not model.plan.personal, model.reply.text
    assert "Harbor 500" in model.reply.text, model.reply.text
    assert not re.search(r"nice to hear|how has it been going", model.reply.text, re.I)


def test_wanting_the_money_back_is_support_not_a_life_story(chat):
    """ "honestly just want my money back at this point" got "What did the people close to you
    say?"."""
    (turn,) = _say(chat, "money-back", "honestly just want my money back at this point")
    assert not turn.plan.personal, turn.reply.text
    assert not re.search(r"people close to you|sulk", turn.reply.text, re.I), turn.reply.text


def test_an_amount_is_echoed_whole(chat):
    """ "I was charged €12.99 but I cancelled last month" was echoed as "you were charged €12."."""
    for i in range(8):  # the wording varies with the conversation
        (turn,) = _say(chat, f"amount-{i}", "I was charged €12.99 but I cancelled last month")
        assert not re.search(r"€12(?!\.99)", turn.reply.text), turn.reply.text


def test_grief_told_with_nothing_asked_gets_no_help_desk(chat):
    """ "My dog died yesterday. I can't stop crying." got condolence, then "The team can answer
    this one directly" and the shop's contact route; "he was 14" then got "What's been the
    biggest surprise so far?"."""
    grief, age = _say(chat, "dog", "My dog died yesterday. I can't stop crying.", "he was 14")
    assert "condolence" in grief.plan.must_include
    assert not re.search(r"team can answer|help@|\+44|practical", grief.reply.text), (
        grief.reply.text
    )
    assert age.plan.family == "sadness", age.plan.family
    assert not re.search(r"surprise|glad|great|exciting", age.reply.text, re.I), age.reply.text


def test_an_app_fault_is_not_asked_for_an_order_number(chat):
    """ "Spotify keeps pausing every few seconds on my Android, super annoying" got "Could you
    share your order number, so it's all in one place?"."""
    for i in range(10):  # the question asked varies with the conversation
        (turn,) = _say(
            chat,
            f"pausing-{i}",
            "Spotify keeps pausing every few seconds on my Android, super annoying",
        )
        assert "order number" not in turn.reply.text, turn.reply.text


def test_still_pausing_is_a_failed_fix(chat):
    """ "nope still pausing" after the steps were tried got "How long has this been happening?"."""
    *_, still = _say(
        chat, "still-pausing",
        "Spotify keeps pausing every few seconds on my Android",
        "I already cleared the cache and reinstalled",
        "nope still pausing",
    )  # fmt: skip
    assert still.plan.strategies[0] == "acknowledge", still.plan.strategies
    assert "still_broken" in still.plan.strategies, still.plan.strategies


def test_an_impatient_where_is_my_order_is_acknowledged(chat):
    """ "Where is my order?? It's been 2 weeks!!" was answered as a calm request, with no word for
    the wait."""
    (turn,) = _say(chat, "where-order", "Where is my order?? It's been 2 weeks!!")
    assert turn.plan.strategies[0] == "acknowledge", turn.plan.strategies


def test_a_nudge_after_our_reply_is_not_greeted_as_a_hello(chat):
    """ "hello??? anyone there?" after our reply got "Hello, thanks for getting in touch."."""
    *_, nudge = _say(
        chat,
        "nudge",
        "Where is my order?? It's been 2 weeks!!",
        "HL66120",
        "hello??? anyone there?",
    )
    assert "greet" not in nudge.plan.strategies, nudge.plan.strategies
    assert nudge.plan.strategies[0] == "acknowledge", nudge.plan.strategies
