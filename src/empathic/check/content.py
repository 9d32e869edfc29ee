"""What a reply's sentences do: promise, announce, ask for a fact. The checks behind "promise
only what the deployment can do", "no sentence that announces something that does not follow"
and "never ask for what the customer already gave".

The action registry (``responding.actions`` in config) names what a deployment can really do.
A sentence that commits us to a future action ("I'll check the tracking and get back to you")
is a promise; it is backed only when every action it needs is registered. The composer uses
the same test to leave such templates out, and the critic to catch them in any draft.
"""

from __future__ import annotations

import re
from collections.abc import Collection

# What a deployment may register, and what each lets a reply promise.
ACTIONS = ("lookup_order", "open_ticket", "handoff", "follow_up", "refund")

# A commitment of ours about the future (or a report of work we are supposedly doing now).
_COMMITMENT = re.compile(
    r"\b(?:i'll|i\s+will|i'm\s+going\s+to|i\s+am\s+going\s+to|we'll|we\s+will|we're\s+going\s+to|"
    r"let\s+me|my\s+next\s+step\s+is|i'm\s+(?:checking|pulling|looking|flagging|passing|sending|"
    r"escalating|transferring|bringing|connecting|sharing)|i've\s+(?:passed|shared|briefed|told|"
    r"asked|written|noted|flagged)|you'll\s+(?:hear|get|receive|be\s+speaking)|"
    r"(?:someone|a\s+colleague|a\s+specialist|a\s+member\s+of\s+(?:our|the)\s+team|my\s+colleague|"
    r"the\s+(?:team|person)[\w\s]{0,30}?)\s+will)\b",
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
        r"note\s+on|log\s+(?:this|it)|written\s+summary|written\s+up)\b",
        re.I,
    ),
    "refund": re.compile(
        r"\b(?:refund|replacement|set\s+up\s+a|what\s+we\s+can\s+offer|put\s+(?:it|this)\s+right|"
        r"sort\s+out\s+a\s+fix|make\s+this\s+right|make\s+the\s+change|take\s+care\s+of)\b",
        re.I,
    ),
}
_CLAUSE = re.compile(r"[^.!?;]+[.!?;]*")


def needed_actions(sentence: str) -> set[str]:
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
    return needed


def unbacked(sentence: str, actions: Collection[str]) -> set[str]:
    """The actions ``sentence`` promises that the deployment has not registered."""
    return needed_actions(sentence) - set(actions)


# A sentence that announces what follows ("Here's what I can tell you.", "My suggestion would be
# this.", anything ending in a colon): it dangles unless something follows it.
_ANNOUNCES = re.compile(
    r"(?:^(?:here's|here\s+is|this\s+is|there's|there\s+is)\s+(?:what|how|where|why|something|"
    r"the\s+(?:closest|nearest|short|current)|one\s+thing\s+worth|a\s+(?:quick|step|simple))|"
    r"^(?:let\s+me\s+explain|to\s+give\s+you\s+the\s+full\s+picture|a\s+quick\s+bit\s+of\s+background)|"
    r"\b(?:is|be|was)\s+this[.!]?$|:\s*$|^the\s+(?:short\s+)?answer\s+is\s+this|"
    r"^(?:one\s+thing|something)\s+that\s+(?:usually|tends\s+to)|\bhere's\s+what\s+i'?d?\s+(?:try|suggest)|"
    r"\bwhat\s+i'?d\s+(?:recommend|suggest)|^it\s+might\s+be\s+worth\s+trying\s+one\s+thing|"
    r"^there's\s+(?:a\s+quick\s+fix|an\s+option)|^this\s+might\s+be\s+what\s+you\s+need)",
    re.I,
)


def announces(sentence: str) -> bool:
    """Whether the sentence only announces content that must follow it."""
    return bool(_ANNOUNCES.search(sentence.strip()))


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
}
_REQUEST = re.compile(
    r"\?\s*$|\b(?:could|can|would)\s+you\s+(?:share|send|give|tell|confirm)|\bplease\s+(?:share|send)",
    re.I,
)


def asks_for(sentence: str) -> set[str]:
    """The facts a sentence asks the customer for."""
    if not _REQUEST.search(sentence):
        return set()
    return {name for name, pattern in _ASKS.items() if pattern.search(sentence)}
