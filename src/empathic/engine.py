"""Engine: wires perceive -> track -> plan -> respond -> check. Nothing else lives here."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from empathic.check.critic import critique, repair, tag_sentences
from empathic.data import resolve_knowledge
from empathic.errors import InputError, ModelArtifactError
from empathic.perceive import Perceiver
from empathic.perceive.perceiver import validate_message
from empathic.plan.policy import plan_turn, uses_prediction
from empathic.plan.strategy_model import POSITION_SCALE, StrategyModel
from empathic.respond.composer import Composer, banned_phrases
from empathic.respond.knowledge import CONFIDENT_MATCH, KnowledgeBase
from empathic.respond.llm import ChatClient, UpstreamError
from empathic.respond.prompt import PLAIN_PROMPT, system_prompt
from empathic.respond.safety import crisis_response
from empathic.track.state import raise_handoff, remember_reply, track
from empathic.types import (
    EMPATHY_STRATEGIES,
    Draft,
    HandoffEvent,
    Plan,
    Reading,
    Reply,
    State,
    Turn,
)

# Checks worth one regeneration of an LLM draft when editing cannot fix them.
_REGENERATE_ON = {"feeling_acknowledged", "help_present", "no_banned_phrases", "length_ok"}
# Conversations kept in memory (least recently used go first); the store keeps them for good.
MAX_CONVERSATIONS = 10_000
MAX_LLM_HISTORY = 16


@dataclass
class _Conversation:
    state: State
    messages: list[dict] = field(default_factory=list)  # chat history for an LLM backend
    strategies: list[str] = field(default_factory=list)  # ESConv labels of our earlier turns
    # Embedding of the person's first message: perception reads every later turn beside it.
    opening: np.ndarray | None = None


class Engine:
    """The one public entry point: ``analyze`` for readings, ``respond`` for a whole turn."""

    def __init__(
        self,
        perceiver: Perceiver | None = None,
        knowledge: KnowledgeBase | str | Path | None = None,
        llm: ChatClient | None = None,
        locale: str = "default",
        steer: bool = True,
    ):
        self.perceiver = perceiver or Perceiver()
        self.composer = Composer()
        self.banned = banned_phrases()
        try:
            self.strategy_model: StrategyModel | None = StrategyModel.load()
        except ModelArtifactError:
            self.strategy_model = None
        if knowledge is not None and not isinstance(knowledge, KnowledgeBase):
            knowledge = KnowledgeBase.from_path(resolve_knowledge(knowledge))
        self.knowledge = knowledge
        self.llm = llm
        self.locale = locale
        self.steer = steer
        self.events: Counter[str] = Counter()
        self._conversations: OrderedDict[str, _Conversation] = OrderedDict()
        self._turn_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        # The knowledge-base query runs on its own encoder beside perception (onnxruntime
        # releases the GIL), so a turn waits for the slower of the two, not their sum.
        self._searches = ThreadPoolExecutor(max_workers=4, thread_name_prefix="empathic-kb")

    # -- perceive only ---------------------------------------------------------------------

    def analyze(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]] | None = None
    ) -> list[Reading]:
        """Readings for a batch of messages; raises InputError on the first bad one."""
        return self.perceiver.read_batch(texts, histories)

    def analyze_messages(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]]
    ) -> tuple[dict[int, InputError], list[Reading]]:
        """Like analyze, but bad messages are returned as errors by index instead of raised."""
        errors: dict[int, InputError] = {}
        for i, text in enumerate(texts):
            try:
                validate_message(text)
            except InputError as exc:
                errors[i] = exc
        keep = [i for i in range(len(texts)) if i not in errors]
        readings = self.perceiver.read_batch([texts[i] for i in keep], [histories[i] for i in keep])
        return errors, readings

    # -- a whole turn ----------------------------------------------------------------------

    def state(self, conversation_id: str) -> State | None:
        conversation = self._conversations.get(conversation_id)
        return conversation.state if conversation else None

    def snapshot(self, conversation_id: str) -> dict | None:
        """JSON-ready copy of what the engine remembers of a conversation, for a store to keep."""
        with self._lock:
            conversation = self._conversations.get(conversation_id)
        if conversation is None:
            return None
        return {
            "version": 1,
            "state": conversation.state.to_dict(),
            "messages": list(conversation.messages),
            "strategies": list(conversation.strategies),
        }

    def restore(self, conversation_id: str, snapshot: dict) -> None:
        """Put back a conversation saved with ``snapshot`` (after a restart, or from another
        worker), replacing what is in memory for that id."""
        state = State.from_dict(snapshot["state"])
        if state.conversation_id != conversation_id:
            raise InputError(
                f"snapshot is of conversation {state.conversation_id!r}, not {conversation_id!r}"
            )
        conversation = _Conversation(
            state, list(snapshot.get("messages", ()))[-MAX_LLM_HISTORY:],
            list(snapshot.get("strategies", ())),
        )  # fmt: skip
        with self._lock:
            self._conversations[conversation_id] = conversation
            self._conversations.move_to_end(conversation_id)

    def forget(self, conversation_id: str) -> None:
        """Drop a conversation from memory (the next turn starts fresh unless restored)."""
        with self._lock:
            self._conversations.pop(conversation_id, None)

    def respond(self, conversation_id: str, text: str) -> Turn:
        """Perceive, track, plan, respond and check one user message.

        Turns of one conversation run one at a time (a double-send waits for the first);
        different conversations run in parallel.
        """
        with self._lock:
            turn_lock = self._turn_locks.setdefault(conversation_id, threading.Lock())
        with turn_lock:
            return self._respond(conversation_id, text)

    def _respond(self, conversation_id: str, text: str) -> Turn:
        with self._lock:
            conversation = self._conversations.get(conversation_id) or _Conversation(
                State(conversation_id=conversation_id)
            )
        history = [t.text for t in conversation.state.turns]
        search = None
        if self.knowledge is not None:
            search = self._searches.submit(self.knowledge.search, validate_message(text), 2)
        # The opening's embedding is kept from the first turn (rebuilt in the same encoder call
        # for a conversation restored from a snapshot).
        reading, embedding, conversation.opening = self.perceiver.read_embedded(
            text, history, conversation.opening
        )
        state = track(conversation.state, reading, conversation_id)
        knowledge, tentative = self._knowledge_for(reading, search)
        plan = plan_turn(reading, state, None, knowledge)
        if self.strategy_model is not None and uses_prediction(plan):
            predicted = self.strategy_model.predict(embedding, conversation.strategies)
            plan = plan_turn(reading, state, predicted, knowledge)
        if tentative and plan.knowledge:
            plan = replace(plan, knowledge_tentative=True)
        reply = self._reply(plan, reading, state, conversation)

        handoff = None
        if plan.handoff and (state.handoff != "raised" or reading.crisis is not None):
            handoff = self._handoff_event(plan, reading, state)
            state = raise_handoff(state)
            self.events["handoffs"] += 1
        said = tuple(
            s.text
            for s in reply.sentences
            if (s.strategy in EMPATHY_STRATEGIES or s.strategy == "apologize")
            and reply.source != "safety"  # the safe reply is fixed; it may be said again
        )
        apologies = sum(1 for s in reply.sentences if s.strategy == "apologize")
        state = remember_reply(state, said, apologies, "+".join(plan.strategies))
        conversation.state = state
        label = _esconv_label(plan)
        if label is not None:
            conversation.strategies = [*conversation.strategies, label][-POSITION_SCALE:]
        conversation.messages = [
            *conversation.messages,
            {"role": "user", "content": text},
            {"role": "assistant", "content": reply.text},
        ][-MAX_LLM_HISTORY:]
        with self._lock:
            self._conversations[conversation_id] = conversation
            self._conversations.move_to_end(conversation_id)
            while len(self._conversations) > MAX_CONVERSATIONS:
                evicted, _ = self._conversations.popitem(last=False)
                self._turn_locks.pop(evicted, None)
        self.events["turns"] += 1
        if reply.repairs:
            for repair_kind in reply.repairs:
                self.events[f"repair:{repair_kind}"] += 1
        return Turn(conversation_id, len(state.turns), reading, state, plan, reply, handoff)

    # -- internals ---------------------------------------------------------------------------

    def _knowledge_for(
        self, reading: Reading, search: Future | None
    ) -> tuple[tuple[str, ...], bool]:
        """The answers of the knowledge-base ``search`` started for this message, when the
        reading says it wants one, and whether the best of them is only a weak match."""
        if search is None:
            return (), False
        if reading.crisis is not None or reading.intent not in {
            "question",
            "complaint",
            "request_human",
            "other",
            "good_news",
        }:
            search.cancel()  # a no-op when it is already running; its result is dropped
            return (), False
        hits = search.result()
        if not hits:
            return (), False
        # A second answer joins only when it scores close to the first (a two-topic message).
        answers = tuple(h.entry.answer for h in hits if h.score >= 0.9 * hits[0].score)
        return answers, hits[0].score < CONFIDENT_MATCH

    def _reply(
        self, plan: Plan, reading: Reading, state: State, conversation: _Conversation
    ) -> Reply:
        if plan.safety_override and reading.crisis is not None:
            draft = crisis_response(reading.crisis, self.locale)
            return self._checked(draft, plan, state)
        if self.llm is None:
            return self._checked(self.composer.compose(plan, reading, state), plan, state)
        try:
            return self._llm_reply(plan, reading, state, conversation)
        except UpstreamError:
            self.events["upstream_errors"] += 1
            reply = self._checked(self.composer.compose(plan, reading, state), plan, state)
            return Reply(
                reply.text,
                "composer-fallback",
                reply.checks,
                reply.repairs,
                sentences=reply.sentences,
            )

    def _checked(self, draft: Draft, plan: Plan, state: State) -> Reply:
        checks = critique(draft, plan, state, self.banned)
        repairs: tuple[str, ...] = ()
        if not all(c.passed for c in checks) and draft.source != "safety":
            draft, repairs = repair(
                draft, plan, state, lambda s: self.composer.alternative(s, plan, state), self.banned
            )
            checks = critique(draft, plan, state, self.banned)
        return Reply(draft.text, draft.source, checks, repairs, sentences=draft.sentences)

    def _llm_reply(
        self, plan: Plan, reading: Reading, state: State, conversation: _Conversation
    ) -> Reply:
        assert self.llm is not None
        history = conversation.messages[-8:]
        if not self.steer:
            text = self.llm.complete([{"role": "system", "content": PLAIN_PROMPT}, *history,
                                      {"role": "user", "content": reading.text}])  # fmt: skip
            draft = Draft(tag_sentences(text), "llm")
            return Reply(
                draft.text,
                "llm",
                critique(draft, plan, state, self.banned),
                sentences=draft.sentences,
            )
        prompt = system_prompt(plan, reading, tuple(state.used_phrases[-6:]))
        messages = [
            {"role": "system", "content": prompt},
            *history,
            {"role": "user", "content": reading.text},
        ]
        draft = Draft(tag_sentences(self.llm.complete(messages)), "llm")
        checks = critique(draft, plan, state, self.banned)
        repairs: tuple[str, ...] = ()
        regenerated = False
        if not all(c.passed for c in checks):
            draft, repairs = repair(draft, plan, state, lambda s: None, self.banned)
            checks = critique(draft, plan, state, self.banned)
        failing = [c for c in checks if not c.passed and c.name in _REGENERATE_ON]
        if failing:
            critique_note = (
                "Your previous draft had problems: "
                + "; ".join(f"{c.name.replace('_', ' ')} ({c.detail})" for c in failing)
                + ". Write it again, fixing them."
            )
            retry = [{"role": "system", "content": prompt + "\n" + critique_note}, *messages[1:]]
            draft = Draft(tag_sentences(self.llm.complete(retry)), "llm")
            draft, more = repair(draft, plan, state, lambda s: None, self.banned)
            repairs += more
            checks = critique(draft, plan, state, self.banned)
            regenerated = True
            self.events["regenerations"] += 1
        if not draft.sentences:
            raise UpstreamError("the LLM draft was empty after the critic's repairs")
        return Reply(draft.text, "llm", checks, repairs, regenerated, draft.sentences)

    def _handoff_event(self, plan: Plan, reading: Reading, state: State) -> HandoffEvent:
        trajectory = tuple(t.valence for t in state.turns)
        start, end = trajectory[0], trajectory[-1]
        mood = "worsening" if end < start - 0.2 else "improving" if end > start + 0.2 else "steady"
        peak = max((t.escalation for t in state.turns), default=0.0)
        tried = tuple(dict.fromkeys(state.tried))
        summary = (
            f"Reason: {plan.handoff_reason}. Issue: {state.issue or reading.text[:200]}. "
            f"Feeling: {reading.ekman} now, {mood} over {len(trajectory)} turn(s) "
            f"(valence {start:+.2f} -> {end:+.2f}, peak escalation {peak:.2f}). "
            f"Tried: {', '.join(tried) if tried else 'nothing yet'}."
        )
        return HandoffEvent(
            state.conversation_id, plan.handoff_reason or "", summary, state.issue, trajectory,
            tried, reading.crisis,
        )  # fmt: skip


def _esconv_label(plan: Plan) -> str | None:
    """The ESConv strategy closest to what we just did, fed back to the strategy model."""
    order = {
        "ask": "Question", "restate": "Restatement or Paraphrasing",
        "acknowledge": "Reflection of feelings", "validate": "Reflection of feelings",
        "reflect": "Reflection of feelings",
        "reassure": "Affirmation and Reassurance", "support": "Affirmation and Reassurance",
        "suggest": "Providing Suggestions", "inform": "Information",
    }  # fmt: skip
    for strategy in reversed(plan.strategies):
        if strategy in order:
            return order[strategy]
    return "Others"
