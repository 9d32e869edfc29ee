"""The built-in composer: a reply assembled from the project's phrase bank, no LLM needed.

One sentence per planned strategy, picked from many variants for the plan's emotion family,
slot-filled with the person's own words where they fit, never a phrase this conversation has
already heard. Facts from the knowledge base follow an "inform" lead-in. A personal story (the
plan's personal register) is answered from the listener's tables of the bank instead, with short
reactions keyed by the reading's EmpatheticDialogues emotion when it is sure of one.
"""

from __future__ import annotations

import hashlib
import random
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Collection
from functools import cache
from pathlib import Path

from empathic.check.content import announces, asks_for, unbacked
from empathic.conversation import Conversation
from empathic.plan.policy import says_tried
from empathic.respond import slots
from empathic.respond.safety import RESOURCES
from empathic.types import Draft, Plan, Reading, Sentence, State

PHRASES = Path(__file__).with_name("phrases.toml")
_SLOT = re.compile(r"\{(\w+)\}")
# Where a strategy has no wording for the plan's family, the nearest family that has one.
_FALLBACK = {
    "frustration": ("disappointment", "neutral"),
    "disappointment": ("frustration", "neutral"),
    "sadness": ("disappointment", "fear", "neutral"),
    "fear": ("sadness", "confusion", "neutral"),
    "confusion": ("neutral",),
    "joy": ("gratitude", "neutral"),
    "relief": ("joy", "gratitude", "neutral"),
    "delight": ("gratitude", "joy", "neutral"),
    "gratitude": ("joy", "neutral"),
    "neutral": ("disappointment", "confusion"),
}


# A personal story has a listener's wording of its own: the phrase-bank table used for each
# strategy instead of the support one (celebrating reads the joy key of the acknowledgements: the
# listener's own gladness).
_PERSONAL_TABLES = {
    "acknowledge": "personal_acknowledge",
    "celebrate": "personal_acknowledge",
    "reflect": "personal_reflect",
    "ask": "personal_ask",
    "inform": "personal_inform",
}
# A reaction to the reading's top EmpatheticDialogues emotion is used only this sure of it, and
# only inside the plan's family (a "proud" reaction to a story planned as disappointment reads
# as a misreading).
REACTION_CONFIDENCE = 0.4
_JOYFUL = (
    "joyful", "excited", "proud", "impressed", "confident", "content", "grateful", "hopeful",
    "anticipating", "caring", "faithful", "trusting", "prepared",
)  # fmt: skip
_ED_FAMILIES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("sad", "devastated", "lonely"), ("sadness", "disappointment")),
    **dict.fromkeys(("afraid", "terrified", "anxious", "apprehensive"), ("fear",)),
    **dict.fromkeys(("angry", "furious", "annoyed", "disgusted", "jealous"), ("frustration",)),
    **dict.fromkeys(("disappointed", "ashamed", "embarrassed", "guilty"), ("disappointment",)),
    **dict.fromkeys(_JOYFUL, ("joy",)),
    **dict.fromkeys(("nostalgic", "sentimental"), ("joy", "sadness", "neutral")),
    "surprised": ("joy", "neutral", "fear"),
}


def _feeling_agrees(family: str, valence: float) -> bool:
    """Whether the message's valence fits the feeling the wording will name."""
    if family in {"joy", "gratitude"}:
        return valence >= 0.1
    if family in {"sadness", "fear", "frustration", "disappointment"}:
        return valence <= -0.1
    return True


# The listener's tables (personal_*) live in their own file: a different register, written and
# grown apart from the support wording.
LISTENER_PHRASES = Path(__file__).with_name("listener.toml")


@cache
def phrase_bank() -> dict:
    bank: dict = {}
    for path in (PHRASES, LISTENER_PHRASES):
        with path.open("rb") as handle:
            tables = tomllib.load(handle)
        if clash := bank.keys() & tables.keys():
            raise ValueError(f"{path.name} repeats tables of the phrase bank: {sorted(clash)}")
        bank.update(tables)
    return bank


def banned_phrases() -> tuple[str, ...]:
    return tuple(phrase_bank().get("banned", ()))


# A knowledge-base answer that opens with its own "We're sorry about that." would make the critic
# drop the whole fact as a surplus apology: whether to apologise is the plan's call.
_LEADING_APOLOGY = re.compile(
    r"^\s*(?:(?:we're|we\s+are|i'm|i\s+am)\s+(?:so\s+|very\s+|really\s+)?sorry|apologies|"
    r"our\s+apologies)\b[^.!?]*[.!?]\s*",
    re.IGNORECASE,
)


def _without_apology(fact: str) -> str:
    return _LEADING_APOLOGY.sub("", fact) or fact


def _norm(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


# Words of something bought: only then is an order number worth asking for.
_ORDER_WORDS = re.compile(
    r"\b(?:order\w*|parcel|package|deliver\w*|ship\w*|bought|purchas\w*|refund\w*|"
    r"return\w*|item|invoice|receipt|charged?|payment|basket|checkout)\b",
    re.I,
)


# Words of an app, a device or an account: a problem with one has no order number.
_SOFTWARE_WORDS = re.compile(
    r"\b(?:apps?|software|music|songs?|tracks?|playlists?|mix(?:es)?|podcasts?|stream\w*|"
    r"log\s*(?:in|out)|logged|sign\s*in|account|wifi|wi-fi|bluetooth|version|update\w*|"
    r"download\w*|browser|desktop|laptop|phone|crash\w*|freez\w*|"
    # "Spotify keeps pausing every few seconds on my Android" was asked for its order number.
    r"android|ios|iphone|ipad|tablet|mac|windows|pausing|buffer\w*|skipp\w*|shuffle|spotify)\b",
    re.I,
)


def _beside_the_point(conversation: Conversation, text: str) -> set[str]:
    """Facts not worth asking for: an order number, when the customer is telling us about a
    device or an app ("iPhone 8+, iOS latest update" then "Still.") and nothing bought."""
    said = (*conversation.user_messages, text)
    software = conversation.facts.keys() & {"device", "os", "app_version"} or any(
        _SOFTWARE_WORDS.search(m) for m in said
    )
    if not software or any(_ORDER_WORDS.search(m) for m in said):
        return set()
    return {"order_number"}


class Composer:
    """Plan + Reading + Conversation -> Draft.

    ``actions`` is the deployment's action registry: a template that promises anything else is
    never said. ``locale`` picks the crisis resources; ``max_sentences`` bounds a reply."""

    def __init__(
        self,
        bank: dict | None = None,
        actions: Collection[str] = (),
        locale: str = "default",
        max_sentences: int = 4,
    ):
        self.bank = bank or phrase_bank()
        self.actions = frozenset(actions)
        self.max_sentences = max_sentences
        resources = RESOURCES.get(locale, RESOURCES["default"])
        # Fixed values any template may use, never cleared like an echo of the person's words.
        self._fixed = {"crisis_line": resources.crisis_line, "emergency": resources.emergency}
        # How often each template was said, over every conversation of this composer: each pick
        # goes to the least used of the fitting ones, so two conversations rarely read alike.
        # (Updated without a lock: a lost count under concurrent turns only weakens the spread.)
        self._said: Counter[str] = Counter()

    def _pick(self, options: list[tuple[str, str]], rng: random.Random) -> str:
        """The text of one of ``options`` (template, text), least said first, ties by ``rng``."""
        fewest = min(self._said[template] for template, _ in options)
        template, text = rng.choice([o for o in options if self._said[o[0]] == fewest])
        self._said[template] += 1
        return text

    def _may_say(self, text: str, strategy: str, known: Collection[str]) -> bool:
        if unbacked(text, self.actions) or asks_for(text) & set(known):
            return False
        return strategy in _LEADS or not announces(text)

    def templates(self, strategy: str, family: str, personal: bool = False) -> list[str]:
        if personal and strategy in _PERSONAL_TABLES:
            strategy = _PERSONAL_TABLES[strategy]
        table = self.bank.get(strategy, {})
        for candidate in (family, *_FALLBACK.get(family, ("neutral",))):
            if table.get(candidate):
                return list(table[candidate])
        return [t for values in table.values() if isinstance(values, list) for t in values]

    def sentence(
        self,
        strategy: str,
        family: str,
        values: dict[str, str],
        avoid: set[str],
        rng: random.Random,
        personal: bool = False,
        known: Collection[str] = (),
        untold: Collection[str] = (),
        asked: bool = False,
    ) -> Sentence | None:
        """One sentence for ``strategy``: slot-filled variants first, never one in ``avoid``,
        never a promise the action registry does not back, never a request for a fact in
        ``known``, never an announcement with nothing after it, never a wording ruled out by
        ``untold`` (one assuming what they have not said, ``_PRESUMES``, or asking again what
        they have, ``_ASKS_AGAIN``); once the reply has ``asked`` something, only a
        note of a fact they gave (a second request, or the one filler left when every other
        next step is a request, would crowd the question)."""
        table = _TABLE_BY_ACTION.get(strategy, {}).get("handoff" in self.actions, strategy)
        values = {**self._fixed, **values}
        options = []
        for template in self.templates(table, family, personal):
            names = set(_SLOT.findall(template))
            if not names <= values.keys():
                continue
            text = template.format(**{n: values[n] for n in names})
            if (
                _norm(text) not in avoid
                and self._may_say(text, strategy, known)
                and not _presumes(text, untold)
                and not (asked and (_REQUEST.search(text) or not names & set(_FACT_SLOTS)))
            ):
                options.append((len(names - self._fixed.keys()), template, text))
        if not options:
            return None
        # A template naming a fact the customer gave comes first: it shows we listened. The most
        # telling fact first: their order, then their device, over the version they are on.
        for fact in _FACT_SLOTS:
            with_fact = [(t, x) for _, t, x in options if fact in _SLOT.findall(t)]
            if with_fact:
                return Sentence(self._pick(with_fact, rng), strategy)
        # Prefer a template that uses the person's words half of the time: echoing every turn
        # sounds like a form letter.
        with_slots = [(t, x) for n, t, x in options if n]
        pool = with_slots if with_slots and rng.random() < 0.5 else [(t, x) for _, t, x in options]
        return Sentence(self._pick(pool, rng), strategy)

    def compose(self, plan: Plan, reading: Reading, conversation: Conversation) -> Draft:
        """The built-in ``Responder``: the plan's strategies in order, each a phrase-bank
        sentence slot-filled with the person's words; the knowledge base's answers for
        ``inform``."""
        state = conversation.state
        seed = hashlib.sha256(f"{state.conversation_id}:{len(state.turns)}".encode()).digest()
        rng = random.Random(int.from_bytes(seed[:8], "big"))
        values = slots.fill(reading.text)
        # A personal story is answered about what was just said; an earlier turn's clause echoed
        # under a new feeling reads like not listening.
        if state.issue and "issue" not in values and not plan.personal:
            issue = slots.issue(state.issue)
            if issue:
                values["issue"] = issue
        if plan.personal and not _feeling_agrees(plan.family, reading.valence):
            # "I'm so sorry that you did get it done in the end": the plan's feeling was misread,
            # and echoing their words under it would show it.
            values = {}
        # Nothing said earlier in this conversation is said again, word for word.
        avoid = {_norm(p) for p in (*state.used_phrases, *conversation.said_before())}
        known = _known(conversation, reading.text)
        untold = _untold(reading.text, conversation)
        out: list[Sentence] = []
        given = _fact_values(conversation.facts)
        values.update(given)
        for strategy in plan.strategies:
            if strategy == "contact":  # the knowledge base's contact route, as it is
                out += [Sentence(plan.contact_route, "contact")] if plan.contact_route else []
                continue
            if strategy == "refer_back" and plan.recap:
                lead = self.sentence("refer_back", "neutral", {}, avoid, rng)
                # A recap quotes what was said before on purpose: it is not a repetition.
                out += [lead] if lead else []
                out += [Sentence(_without_apology(fact), "recap") for fact in plan.recap]
                continue
            if strategy == "inform" and plan.knowledge:
                table = "inform_tentative" if plan.knowledge_tentative else "inform"
                lead = self.sentence(table, "neutral", {}, avoid, rng)
                if lead:
                    out.append(lead)
                out += [Sentence(_without_apology(fact), "inform") for fact in plan.knowledge[:2]]
                continue
            sentence = None
            if (
                plan.personal
                and strategy in {"acknowledge", "celebrate"}
                and not _condolence(plan, strategy)  # a death gets condolence, not "how awful"
                # Three times in four: short, keyed by the fine emotion, they repeat less than
                # the family's acknowledgements (ED valid Dist-2 up, ER/IP held).
                and rng.random() < 0.75
            ):
                sentence = self.reaction(reading, plan.family, avoid, rng)
            if sentence is None:
                table = "condolence" if _condolence(plan, strategy) else strategy
                if strategy == "still_broken" and not _fix_was_tried(reading.text, conversation):
                    table = "still_open"
                # One request per reply: "What have you tried?" then "Tell me the one thing
                # you most need sorted" leaves the customer choosing which to answer.
                asked = strategy == "next_step" and any(
                    s.strategy == "ask" or _REQUEST.search(s.text) for s in out
                )
                sentence = self.sentence(
                    table,
                    plan.family,
                    _said_now(values, given, reading.text) if strategy == "note_fact" else values,
                    avoid,
                    rng,
                    plan.personal,
                    known,
                    untold,
                    asked,
                )
            if sentence is not None:
                out.append(sentence)
                avoid.add(_norm(sentence.text))
                if any(values[k] in sentence.text for k in _ECHOES & values.keys()):
                    # Echo the person's words once per reply, not in every sentence.
                    values = {k: v for k, v in values.items() if k not in _ECHOES}
                if strategy not in _DROP_FIRST:
                    # A fact named in a sentence the length budget keeps is named once per
                    # reply: later sentences pick templates that do not name it ("Thanks, iPhone
                    # noted." then "Thanks for trying that on your iPhone" and "So this is
                    # happening on your iPhone" left no room for help).
                    values = {
                        k: v for k, v in values.items() if not (k in given and v in sentence.text)
                    }
        out = _named_once(_fit(out, self.max_sentences), given)
        return Draft(tuple(out), "composer")

    def reaction(
        self, reading: Reading, family: str, avoid: set[str], rng: random.Random
    ) -> Sentence | None:
        """A short reaction to the fine emotion of a personal story ("That sounds terrifying."),
        when the reading is confident of it and it belongs to the plan's family."""
        top = reading.top_ed(1)
        if not top:
            return None
        emotion, probability = top[0]
        if probability < REACTION_CONFIDENCE or family not in _ED_FAMILIES.get(emotion, ()):
            return None
        options = [
            (t, t)
            for t in self.bank.get("personal_react", {}).get(emotion, [])
            if _norm(t) not in avoid
        ]
        if not options:
            return None
        return Sentence(self._pick(options, rng), "celebrate" if family == "joy" else "acknowledge")

    def alternative(
        self,
        sentence: Sentence,
        plan: Plan,
        state: State,
        avoid: Collection[str] = (),
        known: Collection[str] = (),
    ) -> Sentence | None:
        """Another wording for the same strategy, not said yet in this conversation (nor in
        ``avoid``), asking for nothing in ``known`` and assuming nothing (``_PRESUMES``)."""
        avoided = {_norm(p) for p in (*state.used_phrases, *avoid)} | {_norm(sentence.text)}
        rng = random.Random(len(state.used_phrases))
        return self.sentence(
            sentence.strategy, plan.family, {}, avoided, rng, plan.personal, known, _PRESUMES
        )


# Slots that echo the person's words (slots.py), as against the facts they gave.
_ECHOES = frozenset({"thing", "issue", "event", "story"})
# Facts a template may name; a template that names one is preferred (it shows we listened).
# Most telling first.
_FACT_SLOTS = ("order_number", "reference", "address", "device", "product", "os", "name")
# A strategy whose wording depends on whether a person can take over (the "handoff" action).
_TABLE_BY_ACTION = {
    "handoff": {True: "handoff", False: "handoff_unavailable"},
    "handoff_status": {True: "handoff_status", False: "handoff_status_unavailable"},
    "offer_person": {True: "offer_person", False: "offer_person_unavailable"},
}
# Tables whose sentences lead into the knowledge base's answer, which always follows them.
_LEADS = frozenset({"inform", "inform_tentative", "refer_back"})
# Sentences dropped first when a reply is over its length budget, in this order: fillers and
# extra feeling before the answer, the next step, the hand-off or the safety resources.
_DROP_FIRST = (
    "lead", "restate", "reflect", "validate", "reassure", "suggest", "next_step_after_fact",
    "ask", "second_fact", "recap", "support", "thank_back", "apologize",
)  # fmt: skip
# Never dropped for length: the answer, where the person stands with a hand-off, the safety line.
_KEEP = frozenset(
    {"inform", "recap", "handoff", "handoff_status", "contact", "resources", "confirm_fact",
     "no_answer", "offer_person"}
)  # fmt: skip


# Something still awaited ("still no parcel", "still waiting on my refund"): nothing was tried.
_AWAITED = re.compile(
    r"\bstill\s+(?:no\b|nothing|waiting|not\s+(?:here|arrived|received|delivered|refunded)|"
    r"(?:haven'?t|hasn'?t|have\s+not|has\s+not)\s+(?:got|received|heard|arrived|come|been))|"
    r"\bno\s+sign\s+of\b",
    re.IGNORECASE,
)


# Wordings that assume something the customer may not have told us, and the words that tell it.
# "Anyone would be frustrated after waiting this long" to "the app crashes when I open it", or
# "Being asked to repeat yourself would test anyone's patience" on a first message, shows we did
# not listen. Such a wording is said only when their words (or earlier turns) back it.
_PRESUMES = {
    "waited": (
        re.compile(
            r"waiting this long|left waiting|patient with this|worn your patience|the wait\b|"
            r"to wait for|delay in getting back|slow reply|being so patient|answer by now",
            re.IGNORECASE,
        ),
        # A length of time ("three weeks", "an hour", "for days"), not any day ("the day you
        # ripped me off").
        re.compile(
            r"\b(?:wait\w*|(?:\d+|an?|few|several|many|two|three|four|five|six|seven|eight|nine|"
            r"ten|couple\s+of)\s+(?:more\s+|whole\s+|full\s+)?(?:min(?:ute)?s?|hours?|hrs?|days?|"
            r"weeks?|months?)|(?:all|whole)\s+(?:day|week|morning|afternoon|evening|night)|"
            r"(?:for|in)\s+(?:days|weeks|months|ages)|ages|forever|still|yet|delay\w*|late|"
            r"since|on hold|so long|no (?:reply|answer|response)|never (?:heard|got|came))\b",
            re.IGNORECASE,
        ),
    ),
    # Contact with us before: "the app keeps crashing" is the app repeating itself, not them.
    "repeated": (
        re.compile(
            r"\bchase\b|repeat yourself|back and forth|earlier contact|sticking with this", re.I
        ),
        re.compile(
            # "Again" of their contact ("asking again"), not of what happened to them: "will I
            # be charged again this month" got "That's a lot of back and forth".
            r"\b(?:i(?:'?m|'?ve|\s+am|\s+have)?\s+(?:\w+\s+){0,2}?(?:ask|contact|writ|tell|call|"
            r"messag|explain|email|tweet)\w*\s+(?:\w+\s+){0,3}?again|again\s+and\s+again|"
            r"repeat\w*|chas\w*|"
            r"(?:second|third|fourth|fifth|\d+(?:nd|rd|th)) time|"
            r"times|already|contacted|called|emailed|messaged|told you|asked)\b",
            re.IGNORECASE,
        ),
    ),
    # Something practical to sort out: "My dog died yesterday. I can't stop crying." got
    # "losing someone is hard enough without having to sort out practical things too".
    "practical": (
        re.compile(r"practical things|keep this as simple", re.I),
        re.compile(
            r"\?|\b(?:need|cancel\w*|close|account|order\w*|refund\w*|change|book\w*|flight|"
            r"subscription|bill\w*|pay\w*|deliver\w*|return\w*|help|how)\b",
            re.IGNORECASE,
        ),
    ),
    # Something on a screen: "Which device or browser are you using?" was asked about a parcel
    # thrown over a fence.
    "online": (
        re.compile(r"device or browser|screenshot|the screen or message says", re.I),
        re.compile(
            r"\b(?:apps?|website|site|web|online|browser|page|log\s*(?:in|out)|login|sign\s*(?:in|up)|"
            r"password|account|crash\w*|errors?|load\w*|screen\w*|device|phone|laptop|computer|pc|"
            r"mac|iphone|android|tablet|stream\w*|play\w*|songs?|download\w*|update\w*|checkout|"
            r"codes?|links?|emails?|click\w*|button|payment|card)\b",
            re.IGNORECASE,
        ),
    ),
}


# Questions about what the customer has already said, asked only while nothing in the
# conversation says it: "What have you already tried, so I don't ask you to repeat it?" came
# after "Ive deleted my account, tried a tablet" (a TWCS train tweet).
_ASKS_AGAIN: dict[str, tuple[re.Pattern[str], Callable[[str], object]]] = {
    "tried": (
        re.compile(r"\balready\s+tried\b|\btried\s+anything\b|\bwhat\s+have\s+you\s+tried\b", re.I),
        says_tried,
    ),
    # "When did you first notice the problem?" after "which only started happening 2 days ago"
    # (a TWCS train tweet).
    "since": (
        re.compile(
            r"\bhow long has (?:this|it) been happening\b|\bwhen did you (?:first )?notice\b|"
            r"\bwhen did (?:this|it) (?:start|begin)\b",
            re.I,
        ),
        re.compile(
            r"\b(?:started|began|ago|since|yesterday|this\s+morning|last\s+(?:night|week|month)|"
            r"for\s+(?:\d+|a|an|two|three|a\s+few|several)\s+(?:hours?|days?|weeks?|months?))\b",
            re.I,
        ).search,
    ),
}
# Per kind of _PRESUMES or _ASKS_AGAIN, the wordings it rules out.
_WORDING = {kind: wording for kind, (wording, _) in (_PRESUMES | _ASKS_AGAIN).items()}


# A sentence that asks the customer for something: a question, or "tell me ...", "just say so".
_REQUEST = re.compile(r"\?|\btell me\b|\bjust (?:say so|ask)\b|\badd it here\b", re.IGNORECASE)


def _untold(text: str, conversation: Conversation) -> frozenset[str]:
    """The kinds of wording this reply may not use: what the customer has not told us
    (``_PRESUMES``: a wording assuming it is not said; two earlier exchanges count as having
    gone back and forth) and what they have (``_ASKS_AGAIN``: a question about it is not asked)."""
    said = (*conversation.user_messages, text)
    untold = {
        kind
        for kind, (_, evidence) in _PRESUMES.items()
        if not any(evidence.search(message) for message in said)
    }
    if len(conversation.exchanges) >= 2:
        # Two replies of ours before this one are back and forth; one is an answer (after a
        # single exchange, "Thanks for explaining. Just find it odd ..." got "That's a lot of
        # back and forth ... Being asked to repeat yourself would test anyone's patience").
        untold.discard("repeated")
    untold |= {kind for kind, (_, told) in _ASKS_AGAIN.items() if any(map(told, said))}
    return frozenset(untold)


def _presumes(text: str, untold: Collection[str]) -> bool:
    return any(_WORDING[kind].search(text) for kind in untold)


def _fix_was_tried(text: str, conversation: Conversation) -> bool:
    """Whether "thanks for trying that" is true: they say they tried something, or our last
    reply gave steps and what they report is not a thing still awaited."""
    if says_tried(text):
        return True
    last = conversation.exchanges[-1].strategies if conversation.exchanges else ()
    return not _AWAITED.search(text) and bool({"inform", "suggest"} & set(last))


def _known(conversation: Conversation, text: str) -> set[str]:
    """The facts not to ask for: those given, those beside the point, and a reference once the
    order number is given (it is the reference they have: "Thanks, I've noted order HL55981. Is
    there a reference number I can use to find this?" asked for it again)."""
    known = set(conversation.facts) | _beside_the_point(conversation, text)
    return known | {"reference"} if "order_number" in known else known


def _said_now(values: dict[str, str], given: dict[str, str], text: str) -> dict[str, str]:
    """The slot values with, of the customer's facts, those said in this message when there are
    any: a note names the address just given, not the order number given two turns ago."""
    fresh = {k for k, v in given.items() if v.lower() in text.lower()}
    if not fresh:
        return values
    return {k: v for k, v in values.items() if k not in given or k in fresh}


def _fact_values(facts: dict[str, str]) -> dict[str, str]:
    """Slot values from the facts the customer gave ({order_number}, {product}, ...)."""
    return {k: v for k, v in facts.items() if k in _FACT_SLOTS}


def _condolence(plan: Plan, strategy: str) -> bool:
    """The acknowledgement of a bereavement is worded as condolence."""
    return strategy == "acknowledge" and "condolence" in plan.must_include


def _fit(sentences: list[Sentence], budget: int) -> list[Sentence]:
    """At most ``budget`` sentences of ours, dropping the least needed first (see
    ``_DROP_FIRST``); what must stay (the answer, the hand-off and contact route, the safety
    resources) stays even over budget. The contact route is quoted from the knowledge base, as
    it is, and does not count against the budget."""
    out = list(sentences)
    budget += sum(s.strategy == "contact" for s in out)
    for kind in _DROP_FIRST:
        while len(out) > budget:
            index = _droppable(out, kind)
            if index is None:
                break
            del out[index]
    while len(out) > budget:
        spare = [i for i, s in enumerate(out) if s.strategy not in _KEEP]
        if not spare:
            break
        del out[spare[-1]]
    # A lead whose passage or recap was dropped would announce nothing.
    return [
        s
        for i, s in enumerate(out)
        if not (
            s.strategy in {"inform", "refer_back"}
            and announces(s.text)
            and (i + 1 == len(out) or out[i + 1].strategy not in {"inform", "recap"})
        )
    ]


def _named_once(sentences: list[Sentence], facts: dict[str, str]) -> list[Sentence]:
    """A fact they gave is named once per reply: "Noted that this is on your Galaxy S6." then
    "I've noted it's happening on your Galaxy S6" says it twice. The later sentence goes,
    unless it is one that must stay. (Done after the length budget, so the fact survives in
    whichever sentence the budget kept.)"""
    out: list[Sentence] = []
    for sentence in sentences:
        here = {v for v in facts.values() if v and v in sentence.text}
        earlier = [i for i, s in enumerate(out) if here and any(v in s.text for v in here)]
        if not earlier or sentence.strategy in _KEEP:
            out.append(sentence)
            continue
        first = out[earlier[0]]
        if sentence.strategy in _HELPFUL and first.strategy not in _HELPFUL | _KEEP:
            # The help stays (a reply needs one); the note or restatement before it goes.
            del out[earlier[0]]
            out.append(sentence)
    return out


def _droppable(sentences: list[Sentence], kind: str) -> int | None:
    """The last sentence of ``kind`` (a "lead" is an inform sentence before a fact)."""
    for i in range(len(sentences) - 1, -1, -1):
        s = sentences[i]
        if kind == "next_step_after_fact":
            has_fact = any(
                x.strategy in {"inform", "recap"} and not announces(x.text) for x in sentences
            )
            steps = [j for j, x in enumerate(sentences) if x.strategy == "next_step"]
            return steps[-1] if has_fact and steps else None
        if kind == "second_fact":
            facts = [
                j
                for j, x in enumerate(sentences)
                if x.strategy == "inform" and not announces(x.text)
            ]
            if len(facts) > 1:
                return facts[-1]
            return None
        if kind == "lead":
            if (
                s.strategy == "inform"
                and i + 1 < len(sentences)
                and sentences[i + 1].strategy in {"inform", "recap"}
                and announces(s.text)
            ):
                return i
        elif s.strategy == kind:
            if kind == "ask" and not any(
                x.strategy in _HELPFUL for j, x in enumerate(sentences) if j != i
            ):
                continue  # the question is the only help left
            return i
    return None


_HELPFUL = frozenset({"inform", "next_step", "ask", "handoff", "handoff_status"})
