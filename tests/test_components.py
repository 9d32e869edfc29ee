"""Swap points: a user replaces one part of the pipeline by passing an object that follows its
Protocol; the rest of the pipeline keeps working around it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from empathic import (
    Conversation,
    ConversationStore,
    Critic,
    Draft,
    Engine,
    LLMBackend,
    Perceiver,
    Plan,
    Planner,
    Reading,
    Responder,
    Sentence,
    Tracker,
)
from empathic.check.critic import RuleCritic
from empathic.memory_store import MemoryConversationStore
from empathic.plan.planner import RulePlanner
from empathic.respond.composer import Composer
from empathic.respond.llm import UpstreamError
from empathic.track.state import Tracker as BuiltinTracker


class KeywordPerceiver:
    """A user's own perception: two keywords, nothing learned."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, tuple[str, ...]]] = []

    def read(self, text: str, history: Sequence[str] = ()) -> Reading:
        self.seen.append((text, tuple(history)))
        thanks = "thank" in text.lower()
        angry = "furious" in text.lower()
        return Reading(
            text=text, ed_emotion="grateful" if thanks else "furious" if angry else "content",
            ed_probs={}, goemotions={}, goemotions_labels=(),
            ekman="joy" if thanks else "anger" if angry else "neutral", ekman_probs={},
            valence=0.8 if thanks else -0.8 if angry else 0.0, arousal=0.5,
            intensity=0.9 if angry else 0.3,
            intent="thanks" if thanks else "complaint" if angry else "question", intent_probs={},
            meta={"perceiver": "keywords"},
        )  # fmt: skip

    def read_batch(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]] | None = None
    ) -> list[Reading]:
        return [self.read(t, h) for t, h in zip(texts, histories or [()] * len(texts), strict=True)]


class ScriptedResponder:
    """A user's own reply writer: one fixed sentence per strategy."""

    def compose(self, plan: Plan, reading: Reading, conversation: Conversation) -> Draft:
        lines = {
            "thank_back": "You're welcome, glad to help.",
            "acknowledge": "That sounds really frustrating.",
            "next_step": "Could you send me your order number?",
        }
        return Draft(
            tuple(Sentence(lines.get(s, "Tell me more."), s) for s in plan.strategies), "scripted"
        )


class EchoBackend:
    """An LLM backend that is just a Python object (no HTTP)."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[list[dict[str, str]]] = []

    def complete(self, messages: list[dict[str, str]]) -> str:
        self.calls.append(messages)
        if self.fail:
            raise UpstreamError("backend down")
        replies = [
            "That sounds frustrating. Could you tell me your order number?",
            "It is still not sorted and that is annoying. Is the parcel tracking link working?",
        ]
        return replies[(len(self.calls) - 1) % len(replies)]


def test_the_builtin_parts_follow_their_protocols(engine):
    assert isinstance(engine.perceiver, Perceiver)
    assert isinstance(BuiltinTracker(), Tracker)
    assert isinstance(RulePlanner(use_strategy_model=False), Planner)
    assert isinstance(Composer(), Responder)
    assert isinstance(RuleCritic(), Critic)
    assert isinstance(MemoryConversationStore(), ConversationStore)
    assert isinstance(EchoBackend(), LLMBackend)
    assert not isinstance(object(), Perceiver)


def test_a_custom_perceiver_drives_the_whole_turn():
    perceiver = KeywordPerceiver()
    engine = Engine(perceiver=perceiver)
    thanks = engine.respond("swap-p", "Thank you so much!")
    assert thanks.reading.meta == {"perceiver": "keywords"}
    assert thanks.plan.strategies == ("thank_back",)
    angry = engine.respond("swap-p", "I am furious, my order never came")
    assert angry.plan.strategies[0] == "acknowledge"
    # The perceiver is given the conversation so far.
    assert perceiver.seen[-1] == ("I am furious, my order never came", ("Thank you so much!",))
    assert engine.analyze(["thanks!"])[0].intent == "thanks"


def test_a_custom_responder_writes_the_reply_and_the_critic_still_checks_it(engine):
    custom = Engine(perceiver=engine.perceiver, responder=ScriptedResponder())
    turn = custom.respond("swap-r", "My parcel is two weeks late and nobody answers!!")
    assert turn.reply.source == "scripted"
    assert "That sounds really frustrating." in turn.reply.text
    assert {c.name for c in turn.reply.checks} >= {"feeling_acknowledged", "help_present"}


def test_a_custom_critic_sees_every_draft(engine):
    seen: list[str] = []

    class CountingCritic(RuleCritic):
        def check(self, draft, plan, conversation, repair=True):
            seen.append(draft.source)
            return super().check(draft, plan, conversation, repair)

    custom = Engine(perceiver=engine.perceiver, critic=CountingCritic())
    custom.respond("swap-c", "Where is my order?")
    assert seen == ["composer"]


def test_an_llm_backend_object_answers_and_a_failing_one_falls_back(engine):
    backend = EchoBackend()
    steered = Engine(perceiver=engine.perceiver, llm=backend)
    steered.respond("swap-l", "My parcel is late again.")
    turn = steered.respond("swap-l", "Still nothing, this is ridiculous.")
    assert turn.reply.source == "llm"
    system, *history, last = backend.calls[-1]
    assert system["role"] == "system" and "Do these, in order" in system["content"]
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert last == {"role": "user", "content": "Still nothing, this is ridiculous."}
    failing = Engine(perceiver=engine.perceiver, llm=EchoBackend(fail=True))
    fallback = failing.respond("swap-f", "Where is my order?")
    assert fallback.reply.source == "composer-fallback" and fallback.reply.text
    assert failing.events["upstream_errors"] == 1


def test_a_custom_store_keeps_the_conversations(engine):
    class DictStore:
        def __init__(self) -> None:
            self.saved: dict[str, str] = {}

        def load(self, conversation_id: str) -> Conversation | None:
            text = self.saved.get(conversation_id)
            return Conversation.from_json(text) if text else None

        def save(self, conversation: Conversation) -> None:
            self.saved[conversation.id] = conversation.to_json()

    store = DictStore()
    first = Engine(perceiver=engine.perceiver, store=store)
    first.respond("swap-s", "My order 4417 has not arrived.")
    # A second engine on the same store continues the conversation (the engine holds nothing).
    second = Engine(perceiver=engine.perceiver, store=store)
    turn = second.respond("swap-s", "Still nothing.")
    assert turn.index == 2
    assert [e.user for e in second.conversation("swap-s").exchanges] == [
        "My order 4417 has not arrived.",
        "Still nothing.",
    ]


def test_a_custom_planner_decides_the_strategies(engine):
    class AlwaysAsk:
        def plan(self, reading, conversation, knowledge=()):
            return Plan(("ask",), "none", "neutral", "neutral")

    turn = Engine(perceiver=engine.perceiver, planner=AlwaysAsk()).respond("swap-pl", "Hi there")
    assert turn.plan.strategies == ("ask",)
    assert turn.reply.text.rstrip().endswith("?")


@pytest.mark.parametrize("bad", ["", "   ", "\x00"])
def test_bad_input_is_refused_before_any_part_runs(bad):
    perceiver = KeywordPerceiver()
    engine = Engine(perceiver=perceiver)
    with pytest.raises(Exception, match="empty|control|text"):
        engine.respond("swap-bad", bad)
    assert perceiver.seen == []
    assert engine.conversation("swap-bad") is None
