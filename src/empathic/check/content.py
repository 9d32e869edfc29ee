"""What a reply's sentences do: promise, announce, ask for a fact. The checks behind "promise
only what the deployment can do", "no sentence that announces something that does not follow"
and "never ask for what the customer already gave".

The action registry (``responding.actions`` in config: lookup_order, open_ticket, handoff,
follow_up, refund) names what a deployment can really do.
A sentence that commits us to a future action ("I'll check the tracking and get back to you")
is a promise; it is backed only when every action it needs is registered. The composer uses
the same test to leave such templates out, and the critic to catch them in any draft.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

# A commitment of ours about the future (or a report of work we are supposedly doing now).
_COMMITMENT = re.compile(
    r"\b(?:i'll|i\s+will|i'm\s+going\s+to|i\s+am\s+going\s+to|we'll|we\s+will|we're\s+going\s+to|"
    r"let\s+me|my\s+next\s+step\s+is|i'm\s+(?:checking|pulling|looking|flagging|passing|sending|"
    r"escalating|transferring|bringing|connecting|sharing)|i've\s+(?:passed|shared|briefed|told|"
    r"asked|written|noted|flagged)|you'll\s+(?:hear|get|receive|be\s+speaking)|"
    r"(?:someone|a\s+colleague|a\s+specialist|a\s+member\s+of\s+(?:our|the)\s+team|my\s+colleague|"
    r"the\s+(?:\w+\s+)?(?:team|person)[\w\s]{0,30}?)\s+will|they'll|they\s+will|"
    r"i'm\s+(?:locking|fixing|restoring|unlocking|refunding|resetting|cancell?ing|changing)|"
    r"i've\s+asked|"
    # An offer is a promise too ("Would it help if I looked at other options?", "Shall I?").
    r"would\s+(?:it\s+(?:help|be\s+easier)|you\s+(?:like|prefer|want))\s+(?:if\s+|for\s+)?(?:i|me)|"
    r"shall\s+i|(?:want|like)\s+me\s+to|once\s+i'?ve\s+(?:checked|looked)|"
    r"give\s+me\s+a\s+(?:moment|minute|sec\w*)|"
    # Work of ours told as under way or about to start: "I have what I need to get moving on
    # this", "the rest is on me now", "Now that I know that, I can look into it properly".
    r"i\s+have\s+what\s+i\s+need|the\s+rest\s+is\s+on\s+me|leave\s+with\s+me|"
    r"i\s+can\s+(?:start\s+)?look\w*\s+into|what\s+i'?m\s+focused\s+on|"
    # Remedies laid out to choose from are offered ("a replacement, a refund, or something else?").
    r"(?:a|or)\s+(?:replacement|refund)\s*(?:,|or\b|\?))",
    re.I,
)
_NEEDS: dict[str, re.Pattern[str]] = {
    "handoff": re.compile(
        r"\b(?:colleague|specialist|member\s+of\s+(?:our|the)\s+team|someone\s+(?:from|with|who)|"
        r"transfer\w*|bring\w*\s+in|hand\s+(?:this|it)\s+(?:over|to)|senior|security\s+team|"
        r"team\s+(?:that|responsible|handling)|person\s+taking\s+over|next\s+person|connect\w*\s+you)\b",
        re.I,
    ),
    "follow_up": re.compile(
        r"\b(?:get\s+back|come\s+(?:straight\s+)?back\s+to\s+you|follow\s+up|update\s+you|"
        r"keep\s+you\s+(?:posted|updated)|be\s+in\s+touch|hear\s+back|report\s+back|send\s+you|"
        r"let\s+you\s+know|an\s+email|confirmation|confirm\s+once|you\s+have\s+it\s+on\s+record)\b",
        re.I,
    ),
    # Looking at something outside this chat (an order, an account, what happened); checking
    # that we understood the person, or going through an answer with them, is not a promise.
    "lookup_order": re.compile(
        r"\b(?:check\w*(?!\s+(?:i\b|i've|i'm|that\s+i|we've))|look\w*\s+(?:into|at|up)|"
        r"pull\w*\s+up|review\w*|dig\s+into|confirm\s+(?:the|why|whether)|"
        r"find\s+(?:out|the\s+cause)|investigat\w*|secure|take\s+a\s+look|"
        r"make\s+sure(?!\s+(?:i\b|i've|i'm|i'd)))\b",
        re.I,
    ),
    "open_ticket": re.compile(
        r"\b(?:flag\w*|escalat\w*|raise\w*|pass\w*\s+(?:your|this)?\s*feedback|make\s+a\s+note|"
        r"note\s+on|log\s+(?:this|it)|written\s+summary|written\s+up|"
        # Acting on the case, vaguely put, is still acting on it.
        r"get\s+(?:it|this|things)\s+moving|take\s+it\s+from\s+here|handle\s+the\s+details|"
        r"work\s+around\s+it|stay\s+on\s+this|stay\s+with\s+this\s+until|get\s+moving|"
        r"the\s+rest\s+is\s+on\s+me|leave\s+with\s+me|look\s+after|back\s+on\s+track)\b",
        re.I,
    ),
    # A change to the product or the account that no chat can make happen: never backed.
    "product_change": re.compile(
        r"\b(?:fix\w*|restor\w*|chang\w*|push\w*|patch\w*|unlock\w*|lock\w*|reset\w*|"
        r"(?:next|coming)\s+update|call\s+you\s+back|credit\w*|waive\w*|by\s+the\s+end\s+of|"
        r"within\s+the\s+hour|later\s+this\s+week|today|tomorrow|pause|cancel\w*|"
        r"on\s+your\s+behalf|handl\w*\s+(?:the\s+rest|it\s+all|everything))\b",
        re.I,
    ),
    "refund": re.compile(
        r"\b(?:refund|replacement|set\s+up\s+a|what\s+we\s+can\s+offer|put\s+(?:it|this)\s+right|"
        r"sort\s+out\s+a\s+fix|make\s+this\s+right|make\s+the\s+change|take\s+care\s+of)\b",
        re.I,
    ),
}
_CLAUSE = re.compile(r"[^.!?;]+[.!?;]*")


# The composer asks these of every template it considers and the critic of every sentence it
# reads; the same sentences come round turn after turn, so answers are kept (the functions are
# pure, and their results frozen so a caller cannot change a kept answer).
_KEPT = 16_384


@functools.lru_cache(maxsize=_KEPT)
def needed_actions(sentence: str) -> frozenset[str]:
    """The registered actions a sentence's commitments need (empty when it promises nothing).

    Each clause is read on its own, so "I'll check the tracking and get back to you" needs
    both looking up the order and following up."""
    needed: set[str] = set()
    for clause in _CLAUSE.findall(sentence):
        commitment = _COMMITMENT.search(clause)
        if commitment is None:
            continue
        promised = clause[commitment.start() :]
        needed |= {action for action, pattern in _NEEDS.items() if pattern.search(promised)}
    return frozenset(needed)


def unbacked(sentence: str, actions: Collection[str]) -> frozenset[str]:
    """The actions ``sentence`` promises that the deployment has not registered."""
    return needed_actions(sentence).difference(actions)


# A sentence that announces what follows ("Here's what I can tell you.", "My suggestion would be
# this.", anything ending in a colon): it dangles unless something follows it.
_ANNOUNCES = re.compile(
    r"(?:^(?:here's|here\s+is|this\s+is|there's|there\s+is)\s+(?:what|how|where|why|something|"
    r"the\s+(?:closest|nearest|short|current)|one\s+thing\s+worth|a\s+(?:quick|step|simple))|"
    r"^(?:let\s+me\s+explain|to\s+give\s+you\s+the\s+full\s+picture|a\s+quick\s+bit\s+of\s+background)|"
    r"\b(?:is|be|was)\s+this[.!]?$|:\s*$|^the\s+(?:short\s+)?answer\s+is\s+this|"
    r"^(?:one\s+thing|something)\s+that\s+(?:usually|tends\s+to)|\bhere's\s+what\s+i'?d?\s+(?:try|suggest)|"
    r"\bwhat\s+i'?d\s+(?:recommend|suggest)|^it\s+might\s+be\s+worth\s+trying\s+one\s+thing|"
    r"^there's\s+(?:a\s+quick\s+fix|an\s+option)|^this\s+might\s+be\s+what\s+you\s+need|"
    # An explanation promised ("I'll walk you through it one step at a time", "First I'll
    # explain what you're seeing"): the steps must follow.
    r"^(?:first\s+|next,?\s+)?(?:i'?ll|i\s+will|let\s+me|let's)\s+(?:walk\s+you\s+through|"
    r"lay\s+out|explain|break\s+(?:\S+\s+){0,3}?down|go\s+through|take\s+you\s+through))",
    re.I,
)


_POINTS_AHEAD = re.compile(
    r"(?:\bas\s+follows|\bbelow|\bhere\s+it\s+is|\bfor\s+example|\bwhich\s+is|\bthe\s+first\s+is|"
    r"\bin\s+(?:two|three|a\s+few)\s+ways|\b(?:one|a\s+few)\s+of\s+(?:two|three|several)\s+\w+|"
    r"\bthere\s+are\s+(?:a\s+few|two|three|several)\s+(?:reasons|ways|options|things)\b[^.]*)[.:]?$",
    re.I,
)
# A sentence cut off mid-way (a draft that stops on "for example" or "which is").
_UNFINISHED = re.compile(
    r"\b(?:is|are|was|the|a|an|to|and|or|of|for\s+example|which|like|with)$", re.I
)


@functools.lru_cache(maxsize=_KEPT)
def announces(sentence: str) -> bool:
    """Whether the sentence only announces content that must follow it (text after a colon in
    the same sentence is that content)."""
    text = sentence.strip()
    head, colon, rest = text.partition(":")
    if colon and len(rest.split()) >= 3:
        return False
    return bool(
        _ANNOUNCES.search(text)
        or _POINTS_AHEAD.search(text)
        or _UNFINISHED.search(text.rstrip(".!?"))
        and not text.endswith((".", "!", "?"))
    )


# Requests for a fact, by the fact's name in ``empathic.track.facts``.
_ASKS: dict[str, re.Pattern[str]] = {
    "order_number": re.compile(r"\border\s+(?:number|no\.?|id)\b", re.I),
    "reference": re.compile(r"\b(?:reference(?:\s+number)?|ticket\s+number|case\s+number)\b", re.I),
    "email": re.compile(r"\bemail\s+address\b", re.I),
    "tried": re.compile(
        r"\b(?:what\s+have\s+you\s+(?:already\s+)?tried|have\s+you\s+tried|tried\s+anything)\b",
        re.I,
    ),
    "name": re.compile(r"\byour\s+(?:full\s+)?name\b", re.I),
    "date": re.compile(r"\b(?:when\s+did\s+(?:you|it|this)|what\s+date|roughly\s+when)\b", re.I),
    "amount": re.compile(r"\bhow\s+much\s+(?:was|were|did)\b", re.I),
    "device": re.compile(
        r"\b(?:which|what)\s+(?:device|phone|iphone|mac|tablet|model|console|laptop)|"
        r"\bdevice\s+model\b|\bphone\s+or\s+(?:a\s+)?tablet\b|\bmac\s+or\s+(?:a\s+)?pc\b|"
        r"\bwhat\s+(?:are\s+you|you're)\s+(?:using|listening\s+on)\b|\b(?:which|what)\s+\w+\s+(?:do|are)\s+you\s+(?:have|on|using)",
        re.I,
    ),
    "os": re.compile(
        r"\b(?:operating\s+system|os\s+version|(?:ios|android|macos|windows)\s+version|"
        r"version\s+of\s+(?:ios|android|macos|windows))\b",
        re.I,
    ),
    "app_version": re.compile(
        r"\b(?:app\s+version|version\s+of\s+the\s+app|which\s+version)\b", re.I
    ),
}
_REQUEST = re.compile(
    r"\?\s*$|\b(?:could|can|would)\s+you\s+(?:share|send|give|tell|confirm)|\bplease\s+(?:share|send)",
    re.I,
)


@functools.lru_cache(maxsize=_KEPT)
def asks_for(sentence: str) -> frozenset[str]:
    """The facts a sentence asks the customer for."""
    if not _REQUEST.search(sentence):
        return frozenset()
    return frozenset(name for name, pattern in _ASKS.items() if pattern.search(sentence))


# The customer asks for a person or a way to reach one ("is there a phone number?", "help me
# speak with a person"), whatever the intent head made of it.
_ASKS_PERSON = re.compile(
    r"\b(?:speak|talk|chat)\w*\s+(?:to|with)\s+(?:a\s+|an\s+|some)?(?:real\s+|live\s+)?"
    r"(?:person|human|someone|one|agent|representative|manager|supervisor)|"
    r"\b(?:contact|reach|call)\w*\s+(?:a\s+|an\s+)?(?:person|human|someone|agent|you)|"
    r"\bphone\s+(?:number|#|no)|\bnumber\s+to\s+(?:call|contact)|\bemail\s+address\s+to\s+contact|"
    r"\b(?:human|real\s+person|live\s+agent)\b|"
    r"\b(?:can|could|will|would)\s+(?:someone|somebody|you)\s+(?:please\s+)?(?:call|ring|phone)\s+me|"
    r"\bcall\s+me\s+back\b",
    re.I,
)


def asks_for_person(message: str) -> bool:
    """Whether the customer's message asks for a person or a way to reach one."""
    return bool(_ASKS_PERSON.search(message))


_KIN = (
    r"(?:mum|mom|mother|dad|father|grand\w+|granny|nan|wife|husband|partner|son|daughter|"
    r"brother|sister|aunt|uncle|cousin|friend|baby|child|dog|cat|pet)"
)
# Someone has died: a person or a pet, not a phone that "died on me".
_BEREAVEMENT = re.compile(
    rf"\b(?:passed\s+away|funeral|bereave\w*|lost\s+(?:my|our)\s+(?:\w+\s+)?{_KIN}|"
    rf"{_KIN}\s+(?:has\s+|had\s+|just\s+|recently\s+)?died|"
    rf"since\s+(?:my\s+(?:\w+\s+)?{_KIN}|she|he)\s+died)\b",
    re.I,
)


def mentions_bereavement(message: str) -> bool:
    """Whether the message tells of a death (a person or a pet)."""
    return bool(_BEREAVEMENT.search(message))
