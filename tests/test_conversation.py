"""The Conversation state: everything of one conversation in one JSON-ready object, so a
conversation saved mid-hand-off or mid-crisis carries on exactly where it stopped."""

from __future__ import annotations

import json

import numpy as np
import pytest

from empathic import Conversation, Engine


def _saved_and_loaded(engine: Engine, conversation_id: str) -> Engine:
    """A second engine that knows the conversation only from its JSON."""
    text = engine.conversation(conversation_id).to_json()
    fresh = Engine(perceiver=engine.perceiver, knowledge=engine.knowledge)
    fresh.store.save(Conversation.from_json(text))
    return fresh


def test_round_trip_is_exact(engine):
    chat = Engine(perceiver=engine.perceiver, knowledge="demo")
    chat.respond("rt", "My parcel is two weeks late and nobody answers!!")
    chat.respond("rt", "Can I get a refund instead?")
    original = chat.conversation("rt")
    loaded = Conversation.from_json(original.to_json())
    assert loaded == original
    assert loaded.state == original.state
    assert np.array_equal(loaded.opening, original.opening)
    assert json.loads(loaded.to_json()) == json.loads(original.to_json())
    assert [e.user for e in loaded.exchanges] == [
        "My parcel is two weeks late and nobody answers!!",
        "Can I get a refund instead?",
    ]
    assert len(loaded.state.turns) == 2 and loaded.state.turns[0].valence < 0


def test_restored_mid_handoff_does_not_hand_off_twice(engine):
    chat = Engine(perceiver=engine.perceiver)
    chat.respond("mid-h", "My order never arrived.")
    first = chat.respond("mid-h", "I want to speak to a real person.")
    assert first.handoff is not None and first.handoff.reason == "asked for a human"
    restored = _saved_and_loaded(chat, "mid-h")
    conversation = restored.conversation("mid-h")
    assert conversation.handoff is not None and conversation.handoff.status == "waiting"
    assert conversation.waiting_for_person
    again = restored.respond("mid-h", "Hello? I asked for a person.")
    assert again.handoff is None  # already with a person: not raised a second time
    assert restored.conversation("mid-h").handoff.raised_at_turn == 2


def test_a_resolved_handoff_can_be_raised_again(engine):
    chat = Engine(perceiver=engine.perceiver)
    chat.respond("res-h", "I want to speak to a real person.")
    conversation = chat.conversation("res-h")
    conversation.claim_handoff()
    assert conversation.handoff.status == "claimed"
    conversation.resolve_handoff()
    chat.store.save(conversation)
    restored = _saved_and_loaded(chat, "res-h")
    assert restored.conversation("res-h").handoff.status == "resolved"
    turn = restored.respond("res-h", "Sorry, I need a human again please.")
    assert turn.handoff is not None


def test_restored_mid_crisis_stays_in_crisis_mode(engine):
    chat = Engine(perceiver=engine.perceiver, knowledge="demo")
    chat.respond("mid-c", "I was charged twice for my order.")
    crisis = chat.respond("mid-c", "honestly I just want to kill myself")
    assert crisis.reading.crisis is not None and crisis.reply.source == "safety"
    restored = _saved_and_loaded(chat, "mid-c")
    assert restored.conversation("mid-c").mode == "crisis"
    later = restored.respond("mid-c", "What is your returns policy?")
    assert later.plan.strategies[:2] == ("acknowledge", "support")
    assert {"product talk", "upselling"} <= set(later.plan.must_avoid)
    assert later.plan.tone == "calm, warm, direct"


def test_an_operator_clears_crisis_mode(engine):
    chat = Engine(perceiver=engine.perceiver, knowledge="demo")
    chat.respond("clear-c", "I want to kill myself")
    conversation = chat.conversation("clear-c")
    conversation.clear_crisis()
    chat.store.save(conversation)
    after = chat.respond("clear-c", "What is your returns policy?")
    assert "support" not in after.plan.strategies
    assert chat.conversation("clear-c").mode == "normal"


@pytest.mark.parametrize(
    "broken",
    [
        "{}",
        '{"version": 1, "state": {}}',
        '{"version": 2, "id": "a", "state": {"conversation_id": "b"}}',
        '{"version": 2, "id": "a"}',
    ],
)
def test_a_broken_saved_conversation_is_refused_clearly(broken):
    with pytest.raises(ValueError, match="version|saved conversation|state is of"):
        Conversation.from_json(broken)
