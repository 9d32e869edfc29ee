"""The planner's rules, in the order they apply. Each is a small function with a docstring that
says when it fires and why.

A rule reads the ``Situation`` (the reading, the conversation so far, what the knowledge base
found) and writes the ``Sketch`` of the plan. Three kinds, applied in this order:

1. ``crisis_first``: a person who may be in danger gets the safety plan and nothing else.
2. ``ANSWER_RULES``: what kind of answer this is; the first rule that fires decides.
3. ``ADJUSTMENTS``: every one that fires changes the answer (stay warm after a crisis, honour a
   hand-off, add the learned strategy, never a second apology).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from empathic.check.content import mentions_bereavement
from empathic.config import PlanningConfig, TrackingConfig
from empathic.plan.policy import (
    ALWAYS_AVOID,
    ESCONV_TO_STRATEGY,
    asks_if_bot,
    gives_details,
    nothing_sorted_yet,
    our_fault,
    reports_problem,
    resolved,
    says_more_than_thanks,
    says_thanks,
    still_broken,
    thanks_last,
    told_of_a_death,
)
from empathic.types import Reading, State


@dataclass(frozen=True)
class Situation:
    """What the rules read. ``intent`` is the reading's, except that in a personal conversation
    a sign-off or a request for a person counts only when it is said."""

    reading: Reading
    state: State
    knowledge: tuple[str, ...]
    predicted_strategy: str | None
    intent: str
    personal: bool
    handoff_reason: str | None
    planning: PlanningConfig
    tracking: TrackingConfig
    # From the conversation and the deployment (defaults: a conversation without them).
    waiting_for_person: bool = False
    knowledge_base: bool = False  # a knowledge base is configured (so "no answer" means none)
    known: frozenset[str] = frozenset()  # names of the facts the customer has given so far


@dataclass
class Sketch:
    """The plan as the rules build it; ``planner.py`` freezes it into a ``Plan``."""

    family: str
    strategies: list[str] = field(default_factory=list)
    level: int = 0  # index into EMPATHY_LEVELS
    tone: str = "friendly, clear"
    max_apologies: int = 0
    avoid: list[str] = field(default_factory=lambda: list(ALWAYS_AVOID))
    must_include: tuple[str, ...] = ()
    safety_override: bool = False


Rule = Callable[[Situation, Sketch], bool]

# Valence below which someone asking for a person is acknowledged first (a polite request reads
# near zero; a fed-up one, "I just want to talk to someone", a little below).
UNHAPPY_VALENCE = -0.15


# -- 1. crisis first ----------------------------------------------------------------------------


def crisis_first(s: Situation, p: Sketch) -> bool:
    """A crisis signal in this message: support and a hand-off, the fixed safe reply, no product
    talk. Nothing else in the plan matters when someone may be in danger."""
    crisis = s.reading.crisis
    if crisis is None or _tier(s) != "crisis":
        return False
    p.strategies = ["support", "handoff"]
    p.level, p.tone = 3, "calm, warm, direct"
    p.family = "sadness" if crisis.kind == "self_harm" else "fear"
    p.must_include = ("safety resources",)
    p.avoid += ["jokes", "product talk", "upselling"]
    p.safety_override = True
    return True


def _tier(s: Situation) -> str:
    """ "crisis" (explicit intent, plan, attempt, harm, abuse, emergency) or "concern"
    (distress, hopelessness, possible risk); a signal without a tier is a crisis."""
    return s.reading.crisis.tier if s.reading.crisis else "crisis"


# -- 2. what kind of answer ---------------------------------------------------------------------


def support_someone_at_risk(s: Situation, p: Sketch) -> bool:
    """A concern signal (distress, hopelessness, possible risk, short of explicit intent): the
    feeling first, support, and a way to get help now; no troubleshooting, no product talk."""
    if s.reading.crisis is None or _tier(s) != "concern":
        return False
    p.strategies = ["acknowledge", "support", "resources"]
    p.level, p.tone = 3, "calm, warm, direct"
    p.family = "fear" if p.family == "fear" else "sadness"
    p.avoid += ["jokes", "product talk", "upselling"]
    return True


def listen_to_a_personal_story(s: Situation, p: Sketch) -> bool:
    """Nothing in the conversation is about a shop or service: someone is telling us about their
    life. React to the feeling, show what we understood, ask about it; no next step, no
    reference numbers, and the one "sorry" a hard story may get is sympathy, not an apology."""
    if not s.personal or s.intent in {"goodbye", "request_human", "thanks"}:
        return False  # thanks, a sign-off or a request for a person get their own answer
    family = p.family
    if family in {"neutral", "joy", "gratitude"} and _bereaved(s):
        # "he was 14" after "My dog died yesterday" got "What's been the biggest surprise so
        # far?": the grief told before is what the conversation is about.
        family = "sadness"
    p.strategies, p.family, p.level, p.tone, p.max_apologies = _listen(s, family)
    if p.max_apologies == 0:
        p.avoid.append("apology")
    p.avoid += ["product talk", "upselling"]
    return True


def _listen(s: Situation, family: str) -> tuple[list[str], str, int, str, int]:
    """Strategies, family, empathy level, tone and apology allowance for a personal story."""
    if (
        s.intent == "question"
        and "?" in s.reading.text
        and re.search(r"\byou\b", s.reading.text, re.I)
    ):
        # Asked about ourselves: say plainly we have no life of our own to tell, and turn it back.
        return ["inform", "ask"], "neutral", 0, "warm, curious", 0
    if s.intent == "good_news" or family in {"joy", "gratitude"}:
        return ["celebrate", "reflect", "ask"], "joy", 2, "warm, glad", 0
    if family in {"sadness", "fear"}:
        strategies = ["acknowledge", "reflect", "ask"]
        if family == "sadness" and s.reading.intensity >= s.planning.listen_grief_intensity:
            # Grief gets a line of comfort too ("Please be gentle with yourself"); the fear lines
            # of the support bank are about waiting for news and would not fit a story.
            strategies.insert(2, "support")
        return strategies, family, 3, "gentle, unhurried", 1
    if family == "neutral" and s.intent not in {"venting", "complaint"}:
        return ["acknowledge", "ask"], "neutral", 1, "warm, curious", 0
    if family not in {"frustration", "disappointment", "confusion"}:
        family = "disappointment"
    apologies = int(family != "confusion")
    return ["acknowledge", "reflect", "ask"], family, 2, "warm, attentive", apologies


def greet(s: Situation, p: Sketch) -> bool:
    """A hello gets a hello, nothing more."""
    if s.intent != "greeting":
        return False
    if len(s.state.turns) > 1 and _NUDGE.search(s.reading.text):
        # "hello??? anyone there?" after our reply is a nudge, not a hello: it got "Hello, thanks
        # for getting in touch."
        p.strategies, p.family, p.level = ["acknowledge", "next_step"], "frustration", 1
        return True
    p.strategies = ["greet"]
    return True


_NUDGE = re.compile(r"\?{2,}|anyone\s+(?:there|here|around)|hello\s*\?", re.I)


def say_goodbye(s: Situation, p: Sketch) -> bool:
    """A sign-off gets a sign-off; warm if they were thanking us, plain otherwise."""
    if s.intent != "goodbye":
        return False
    # "Make it happen thnx bye" (a TWCS train tweet) got a sign-off with no thanks returned.
    p.strategies = ["thank_back", "farewell"] if says_thanks(s.reading.text) else ["farewell"]
    p.family = "gratitude" if p.family == "gratitude" else "neutral"
    return True


# Thanks this warm are good news too ("Awesome, thank you so much!", "Y'all are awesome").
_DELIGHT = re.compile(
    r"\b(?:awesome|amazing|brilliant|fantastic|perfect|excellent|superb?|legends?|mvps?|"
    r"love\s+(?:you|it|this)|you\s+rock|best)\b|!{2,}|[\U0001F389\U0001F600-\U0001F64F\U0001F64C]",
    re.I,
)


def celebrate_a_fix(s: Situation, p: Sketch) -> bool:
    """It works now ("Now works, thanks!", "problem solved"): real gladness that it is fixed,
    and thanks returned when they thanked us. Never an apology, never a question about it."""
    if s.intent in {"request_human", "question"} or not resolved(s.reading.text):
        return False
    span = s.reading.sarcasm_span
    if span is not None and span.text.strip() != s.reading.text.strip()[:300]:
        return False  # "Oh great, it works now. For five minutes."
    # (A sarcasm reading with no glad word to turn around spans the whole message: the tweet-
    # trained head alone, which reads "Yeah it works" as irony, does not outweigh the words.)
    p.strategies = ["celebrate"]
    if says_thanks(s.reading.text):
        p.strategies.append("thank_back")
    elif s.intent == "goodbye":
        p.strategies.append("farewell")
    p.family, p.level, p.tone = "relief", 2, "warm, glad"
    p.avoid.append("apology")
    return True


def thank_back(s: Situation, p: Sketch) -> bool:
    """Thanks are returned, lightly, and never met with an apology; delighted thanks ("Y'all are
    awesome, thank you!") get real gladness first."""
    if s.intent != "thanks":
        return False
    delighted = (
        _DELIGHT.search(s.reading.text)
        and s.reading.valence > 0
        and not reports_problem(s.reading.text)
        and s.reading.sarcasm_span is None
    )
    p.strategies = ["celebrate", "thank_back"] if delighted else ["thank_back"]
    # "delight": gladness at their warmth, not congratulations on news they never gave ("Thank
    # you and have a great day!!" got "That's a great outcome").
    p.family, p.level = ("delight", 2) if delighted else ("gratitude", 1)
    if not delighted and (nothing_sorted_yet(s.reading.text) or _after_a_complaint(s)):
        # Thanks before trying or in hope, or a bare "cheers" right after a complaint ("Thanks a
        # lot for nothing, seriously." then "cheers" got "Thanks for the kind words"): no "glad
        # that helped", no "kind words".
        p.family = "neutral"
    p.avoid.append("apology")
    return True


def _after_a_complaint(s: Situation) -> bool:
    """The customer's message before this one was a complaint (the turn being read is the
    state's last)."""
    return len(s.state.turns) >= 2 and s.state.turns[-2].intent == "complaint"


def share_good_news(s: Situation, p: Sketch) -> bool:
    """Good news gets real enthusiasm, and the answer too when they also asked something."""
    if s.intent != "good_news":
        return False
    p.strategies = ["celebrate"] + (["inform"] if s.knowledge else [])
    if says_thanks(s.reading.text):
        p.strategies.append("thank_back")
    p.family, p.level, p.tone = "joy", 2, "warm, glad"
    p.avoid.append("apology")
    return True


def let_an_ok_rest(s: Situation, p: Sketch) -> bool:
    """A bare "ok" (they have read our answer) is not asked something new ("ok" after the
    shipping costs got "How long has this been happening?"): a short word that we are here if
    they need more."""
    if not _JUST_OK.match(s.reading.text) or s.intent in {"request_human", "thanks", "goodbye"}:
        return False
    p.strategies, p.family, p.level = ["next_step"], "neutral", 0
    p.avoid.append("empathy preamble")
    return True


_JUST_OK = re.compile(
    r"^\W*(?:ok(?:ay)?|k|kk|alright|all\s+right|got\s+it|i\s+see|right|sure|understood|noted)"
    r"(?:\s+then)?\W*$",
    re.I,
)


def take_in_the_details(s: Situation, p: Sketch) -> bool:
    """The customer answers "which phone, which version, which order?" ("iPhone 6s and version
    11.1"): the detail is noted and the conversation moves on, with no feeling read into a list
    of version numbers."""
    if s.intent in {"request_human", "good_news", "thanks"} or not gives_details(s.reading.text):
        return False
    if _raised_voice(s):
        return False
    p.strategies = ["inform" if s.knowledge else "ask"]
    p.family, p.level = "neutral", 0
    p.avoid.append("empathy preamble")
    if thanks_last(s.reading.text):
        # "Macbook Air running Sierra 10.12.6; Spotify version 1.0.64. Thanks!": their thanks
        # are returned in a word before the detail is noted (the "details" wording: "You're
        # welcome!", not "glad that helped", and no second "Thanks" in the note).
        p.strategies.insert(0, "thank_back")
        p.family = "details"
    return True


def say_we_read_only_english(s: Situation, p: Sketch) -> bool:
    """A message in another language ("Ich habe KEINE Rückerstattung erhalten!!") is read by
    models that know only English: no feeling or intent guessed from it (it read as a
    greeting), but a plain word that this chat works in English and a person who may read it
    (with the contact route, when nobody can join the chat)."""
    if s.reading.language == "en":
        return False
    p.strategies, p.family, p.level = ["other_language", "offer_person"], "neutral", 0
    p.tone = "plain, courteous"
    return True


def say_what_we_are(s: Situation, p: Sketch) -> bool:
    """ "Are you a bot?" gets the honest answer first ("are you a bot?" got "I'm not able to
    answer that one reliably from here"): an automated assistant, not a person, and then what it
    can do; a request for a person in the same breath is honoured after it."""
    if not asks_if_bot(s.reading.text):
        return False
    p.strategies = ["disclose", "inform" if s.knowledge else "next_step"]
    p.family, p.level, p.tone = "neutral", 0, "plain, courteous"
    p.avoid.append("empathy preamble")
    return True


def comfort_a_bereavement(s: Situation, p: Sketch) -> bool:
    """Someone tells us a person died (often while asking for something practical: moving a
    flight, closing an account): condolence first, in plain words, then the practical help,
    gently. Never irritation, never a cheerful "happy to help"; and thanks for the condolence
    with more said ("Thank you. I just don't know where to start with all of this.") is the
    same grief going on, not a sign-off."""
    goes_on = s.intent == "thanks" and says_more_than_thanks(s.reading.text) and _bereaved(s)
    if not (mentions_bereavement(s.reading.text) or goes_on):
        return False
    # The acknowledgement is a condolence (the composer words it from its condolence table).
    # With a knowledge base that has nothing on it, a person who can sort it out is offered (as
    # _answer offers one), not a question the bot cannot act on.
    practical = s.knowledge or _REQUEST.search(s.reading.text)
    if practical or goes_on or s.intent in {"question", "complaint"}:
        p.strategies = ["acknowledge", _gentle_help(s)]
    else:
        # Grief told with nothing asked ("My dog died yesterday. I can't stop crying.") got
        # condolence, then "The team can answer this one directly" and the contact route. A
        # listener asks gently about it; a help desk's questions (an order number) would jar.
        p.strategies = ["acknowledge", "support", *(["ask"] if s.personal else [])]
    p.must_include = ("condolence",)
    p.family, p.level, p.tone = "sadness", 2, "gentle, unhurried"
    p.max_apologies = 1  # "I'm so sorry for your loss" is sympathy, not an apology

    p.avoid += ["jokes", "upselling"]
    return True


def help_gently_after_a_bereavement(s: Situation, p: Sketch) -> bool:
    """The practical turns after someone told us a person died ("he had an order pending too,
    number HL55012" got "I can tell this has been a real hassle from start to finish. That
    should not have happened, and I'm sorry.") get the help in the same gentle voice: no
    irritation, no apology for a fault, nothing upbeat."""
    if s.intent in {"request_human", "thanks", "goodbye", "greeting"}:
        return False
    if not _bereaved(s):
        return False
    p.strategies, p.family, p.level = [_gentle_help(s)], "sadness", 1
    p.tone = "gentle, unhurried"
    p.avoid += ["jokes", "upselling", "apology"]
    return True


def _bereaved(s: Situation) -> bool:
    """A death was told earlier in this conversation."""
    return told_of_a_death(s.state.turns[:-1])


def _gentle_help(s: Situation) -> str:
    """The help for someone who told us of a death: the answer we have, else a person who can
    sort it out (with a knowledge base, which says how to reach one), else a question."""
    return "inform" if s.knowledge else "offer_person" if s.knowledge_base else "ask"


def give_room_to_grief_and_fear(s: Situation, p: Sketch) -> bool:
    """Venting, grief and fear get room: feelings first, a gentle question, help only if they
    asked for it. Venting is never met with a neutral "got it"."""
    sad_or_afraid = p.family in {"sadness", "fear"}
    if s.intent != "venting" and not (sad_or_afraid and s.intent != "question"):
        return False
    p.strategies = ["acknowledge", "validate", "support" if sad_or_afraid else "reassure", "ask"]
    strong = sad_or_afraid or s.reading.intensity >= s.planning.venting_intensity
    p.level, p.tone = (3 if strong else 2), "gentle, unhurried"
    if p.family == "neutral":
        p.family = "disappointment"
    if s.knowledge:
        p.strategies.insert(3, "inform")
    return True


def answer_a_plain_request(s: Situation, p: Sketch) -> bool:
    """A request that only says what it wants ("I forgot my password, retrieve it", "the show
    was postponed, can I get a refund"), calmly, gets the answer first: the complaint head reads
    the want as a grievance, but nothing went wrong that needs acknowledging."""
    if s.intent != "complaint" or _upset(s, by_words=False) or _PRESSED.search(s.reading.text):
        return False
    # "I want to put this song first but I can't ... is there an option to move just 1 or 2
    # songs around?" (a TWCS train tweet) names what they cannot do to ask how: asked calmly,
    # it is a how-to question, not a fault to be sorry about.
    how_to = _HOW_TO.search(s.reading.text) is not None and not _upset(s)
    if (reports_problem(s.reading.text) and not how_to) or still_broken(s.reading.text):
        return False
    if not _REQUEST.search(s.reading.text):
        return False
    return _answer(s, p, upset=False, problem=not how_to)


# "??": "Where is my order?? It's been 2 weeks!!" is not asked calmly. ("!!" alone is as often
# playful: "Please hurry ... I thought Post Malone was a USPS mascot!!", a TWCS tweet.)
_PRESSED = re.compile(r"\?{2,}")
_HOW_TO = re.compile(r"\bis\s+there\s+(?:a|an|any)\s+(?:option|way|setting|feature)\b.*\?", re.I)
_REQUEST = re.compile(
    r"\?|\b(?:can|could|may)\s+(?:i|you|we)\b|\bhow\s+(?:do|can|to)\b|\b(?:i\s+(?:want|need|"
    r"would\s+like)|please|pls|retrieve|request|cancel|change|update|reset|recover)\b",
    re.I,
)


def understand_before_solving(s: Situation, p: Sketch) -> bool:
    """A complaint (or an angry request for a person) is acknowledged before the fix; one
    apology, only when the fault is ours and we have not apologised yet; validation when it runs
    hot; then the facts and a next step."""
    angry_request = (
        s.intent == "request_human" and s.reading.valence < s.planning.angry_request_valence
    )
    if s.intent != "complaint" and not angry_request:
        return False
    hot = s.reading.intensity >= s.planning.high_intensity
    p.level, p.strategies = (3 if hot else 2), ["acknowledge"]
    if "device" in s.known and len(s.state.turns) > 1 and not still_broken(s.reading.text):
        p.strategies.append("restate")  # "So the app crashes on your Pixel XL."
    if our_fault(s.reading) and s.state.apologies == 0:
        p.strategies.append("apologize")
        p.max_apologies = 1
    if hot or s.state.escalation >= s.tracking.escalation_threshold:
        p.strategies.append("validate")
    if s.knowledge:
        p.strategies.append("inform")
    elif s.state.issue and len(s.state.turns) == 1 and "restate" not in p.strategies:
        p.strategies.append("restate")
    p.strategies.append("next_step")
    p.tone = "steady, solution-focused"
    if p.family not in {"frustration", "disappointment"}:
        frustrated = s.reading.intensity >= s.planning.frustration_intensity
        p.family = "frustration" if frustrated else "disappointment"
    return True


def answer_a_plain_question(s: Situation, p: Sketch) -> bool:
    """A question gets its answer first. Only a clearly upset asker (strongly negative, shouting,
    swearing, saying it again, or already escalated) gets a short acknowledgement before it;
    confusion is met by a clear answer, not by a preamble."""
    if s.intent != "question":
        return False
    # Asking about the same problem again while it is still open ("what about my premium? the
    # one i paid for...?") is asked by someone still without a fix; a new calm question after
    # an old complaint is not.
    still_open = s.state.unresolved > 1
    return _answer(s, p, upset=_upset(s) or still_open)


def _answer(s: Situation, p: Sketch, upset: bool, problem: bool = True) -> bool:
    """The answer (or a plain "I don't know" and who does), after a word for the feeling when
    the asker is upset or (``problem``: unless the problem is only what a how-to question is
    about) reports a problem."""
    # With a knowledge base that has nothing on it, say so plainly instead of asking around it.
    answer = "inform" if s.knowledge else "no_answer" if s.knowledge_base else "ask"
    after = "offer_person" if answer == "no_answer" else "next_step"
    if upset or (problem and reports_problem(s.reading.text)):
        # A problem asked about ("I get no sound, what do I do?") gets a word for it first.
        p.strategies, p.level = ["acknowledge", answer, after], 1
        if p.family in {"neutral", "joy", "gratitude"}:
            p.family = "disappointment"
    else:
        p.strategies, p.family = [answer, after], "neutral"
        p.avoid.append("empathy preamble")
    return True


def _upset(s: Situation, by_words: bool = True) -> bool:
    """Clearly upset: shouting, swearing, saying it again, already escalated, or (``by_words``)
    a negative reading. A calm request is read by its cues alone: "I forgot my password" and
    "the show was postponed" read negative for what they name, not for how the person feels."""
    reading, planning = s.reading, s.planning
    if _raised_voice(s):
        return True
    if s.state.escalation >= s.tracking.escalation_threshold:
        return True
    return by_words and (
        (
            reading.valence <= planning.upset_question_valence
            and reading.intensity >= planning.upset_question_intensity
        )
        or reading.sentiment.get("negative", 0.0) >= planning.upset_question_negative
    )


def ask_what_they_need(s: Situation, p: Sketch) -> bool:
    """Anything else (and a calm request for a person, which the hand-off rule completes): ask
    what they need, in a neutral voice unless they sound glad or grateful."""
    p.strategies = ["ask"]
    # Gladness is kept only when they are glad or thanking us: "I appreciate the response,
    # although none of these apply to me" is not asked "What are you looking forward to?".
    if p.family not in {"joy", "gratitude"} or (p.family == "gratitude" and s.intent != "thanks"):
        p.family = "neutral"
    return True


ANSWER_RULES: tuple[Rule, ...] = (
    support_someone_at_risk,
    say_we_read_only_english,
    say_what_we_are,
    comfort_a_bereavement,
    listen_to_a_personal_story,
    greet,
    celebrate_a_fix,
    say_goodbye,
    let_an_ok_rest,
    take_in_the_details,
    thank_back,
    share_good_news,
    help_gently_after_a_bereavement,
    give_room_to_grief_and_fear,
    answer_a_plain_request,
    understand_before_solving,
    answer_a_plain_question,
    ask_what_they_need,
)


# -- 3. adjustments -----------------------------------------------------------------------------


def stay_safe_in_crisis_mode(s: Situation, p: Sketch) -> bool:
    """After a crisis or concern signal the conversation stays in that mode until an operator
    clears it: the feeling first, support, and the safety resources in every reply; never back
    to cheerful troubleshooting, sales or jokes. Thanks and goodbyes keep their answer, with
    the resources."""
    if not s.state.crisis or s.reading.crisis is not None:
        return False
    if s.intent in {"thanks", "goodbye"}:
        p.strategies = [*p.strategies, "resources"]
    else:
        p.strategies = ["acknowledge", "support", "resources"]
        p.level = max(p.level, 2)
    p.tone = "calm, warm, direct"
    if p.family not in {"sadness", "fear", "gratitude"}:
        p.family = "sadness"
    p.avoid += ["jokes", "product talk", "upselling"]
    return True


def keep_them_informed_while_waiting(s: Situation, p: Sketch) -> bool:
    """Once a person has been asked for, the bot stops trying to solve: it tells the customer
    where the hand-over stands (never a question, however often they ask), answers a plain
    question it has the answer to, and acknowledges frustration."""
    if not s.waiting_for_person or s.handoff_reason or s.state.crisis:
        return False
    kept = {"thank_back", "farewell", "greet", "acknowledge", "validate"}
    p.strategies = [x for x in p.strategies if x in kept]
    if s.knowledge and (s.intent == "question" or _REQUEST.search(s.reading.text)):
        # "ok can you help me track my order" while waiting got only "Reaching a person still
        # has to go through the contact route": what we can answer, we answer.
        p.strategies.append("inform")
    asked_again = s.intent == "request_human"
    upset = _shouting(s) or s.reading.valence < s.planning.heated_valence
    upset = upset or (asked_again and s.reading.valence < 0)
    if upset:
        # "Hello?? Is anyone coming?" calls for attention: a cheerful "Hi, how can I help
        # today?" in the middle of the wait answers the hello, not the person.
        p.strategies = [x for x in p.strategies if x != "greet"]
    if upset and "acknowledge" not in p.strategies:
        p.strategies.insert(0, "acknowledge")
        # Room for the acknowledgement in the empathy budget, in the wording of frustration.
        p.level = max(p.level, 1)
        if p.family not in {"frustration", "disappointment", "fear", "sadness"}:
            p.family = "frustration"
    p.strategies.append("handoff_status")
    return True


def _raised_voice(s: Situation) -> bool:
    """Capitals, swearing or saying it again: upset, however calm the words' reading."""
    return any(c.kind in {"all_caps", "profanity", "repetition"} for c in s.reading.cues)


def _shouting(s: Situation) -> bool:
    """Capitals, swearing or "!!!": the person is upset whatever the valence says."""
    return any(c.kind in {"all_caps", "profanity", "repeated_punctuation"} for c in s.reading.cues)


def honour_a_handoff(s: Situation, p: Sketch) -> bool:
    """A hand-off (asked for, or after escalation or the same problem coming back) replaces
    fixing it ourselves but keeps the acknowledgement; someone handed off after escalating or
    repeating themselves is upset, so that is acknowledged first."""
    reason = s.handoff_reason
    if not reason:
        return False
    p.strategies = [x for x in p.strategies if x not in {"next_step", "ask", "restate"}]
    p.strategies.append("handoff")
    # Someone asking again, or asking while unhappy, has their feeling acknowledged first.
    unhappy = reason.startswith("asked") and s.reading.valence < UNHAPPY_VALENCE
    heated = (
        unhappy
        or s.reading.valence < s.planning.heated_valence
        or _shouting(s)
        or not reason.startswith("asked")
    )
    if heated and "acknowledge" not in p.strategies and "disclose" not in p.strategies:
        # (Asked whether we are a person, the honest answer comes first, with no preamble.)
        p.strategies.insert(0, "acknowledge")
        if p.family not in {"frustration", "disappointment", "fear", "sadness"}:
            p.family = "frustration"
    p.level = max(p.level, 2 if heated else 1)
    return True


def add_the_learned_strategy(s: Situation, p: Sketch) -> bool:
    """The ESConv-trained model's next strategy joins when the rules leave room: a support
    conversation at moderate empathy or more, no hand-off, and only a question, reassurance, a
    restatement, or (to someone venting) a suggestion."""
    suggestion = ESCONV_TO_STRATEGY.get(s.predicted_strategy or "")
    if (
        s.personal
        or s.waiting_for_person
        or s.state.crisis
        or not suggestion
        or suggestion in p.strategies
        or p.level < 2
        or s.handoff_reason
        or "offer_person" in p.strategies  # a person is the help; a question adds nothing
        or p.family == "relief"  # a fix celebrated gets no question about it
        or "thank_back" in p.strategies  # thanks returned need no question after them
        or suggestion not in {"ask", "reassure", "suggest", "restate"}
        or (suggestion == "suggest" and s.intent != "venting")
    ):
        return False
    at = len(p.strategies) - 1 if p.strategies[-1] in {"next_step", "ask"} else len(p.strategies)
    p.strategies.insert(at, suggestion)
    return True


def say_we_heard_it_still_fails(s: Situation, p: Sketch) -> bool:
    """ "Did that, still not working": said back after the acknowledgement, with what we know of
    their setup ("So it's still not working on your iPhone 7"), so they see we are not starting
    over. Not in crisis mode or a personal story, where the fix is not the point."""
    if s.personal or s.state.crisis or p.safety_override or not still_broken(s.reading.text):
        return False
    if "still_broken" in p.strategies:
        return False
    feeling = [i for i, x in enumerate(p.strategies) if x in {"acknowledge", "apologize"}]
    p.strategies.insert(feeling[-1] + 1 if feeling else 0, "still_broken")
    return True


def offer_a_person_when_our_answer_did_not_help(s: Situation, p: Sketch) -> bool:
    """ "Seriously? That's it? Still no parcel." after we answered from the help pages, with
    nothing new in them: they have done what they can, so a person (and the way to reach one)
    is offered instead of one more question. (A weak match dropped later, in the pipeline, is
    handled there with ``person_instead_of_more_steps``.)"""
    if s.personal or s.state.crisis or p.safety_override or not s.knowledge_base:
        return False
    if "inform" in p.strategies:
        return False
    offered = person_instead_of_more_steps(tuple(p.strategies), s.state.tried)
    if offered == tuple(p.strategies):
        return False
    p.strategies = list(offered)
    return True


def person_instead_of_more_steps(
    strategies: tuple[str, ...], tried: tuple[str, ...]
) -> tuple[str, ...]:
    """``strategies`` with a person offered in place of the next step or question, when they
    say we heard it still fails and an earlier reply of ours gave an answer or steps."""
    if "still_broken" not in strategies or {"offer_person", "handoff", "handoff_status"} & set(
        strategies
    ):
        return strategies
    if not any({"inform", "suggest"} & set(done.split("+")) for done in tried):
        return strategies
    return (*(x for x in strategies if x not in {"next_step", "ask"}), "offer_person")


def one_apology_only(s: Situation, p: Sketch) -> bool:
    """Once we have apologised in this conversation, never again: a second "sorry" reads as a
    script."""
    if not s.state.apologies:
        return False
    p.avoid.append("second apology")
    return True


ADJUSTMENTS: tuple[Rule, ...] = (
    stay_safe_in_crisis_mode,
    keep_them_informed_while_waiting,
    honour_a_handoff,
    add_the_learned_strategy,
    say_we_heard_it_still_fails,
    offer_a_person_when_our_answer_did_not_help,
    one_apology_only,
)
