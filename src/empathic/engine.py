"""Engine: the façade users start from. Wires the default parts into a ``Pipeline`` and keeps
conversations in a ``ConversationStore``; holds no conversation state of its own.

    engine = Engine(knowledge="demo")
    turn = engine.respond("conv-42", "My parcel is two weeks late!")

Pass any part to replace the built-in one (see ``empathic.components`` for the Protocols):
``Engine(perceiver=..., tracker=..., planner=..., responder=..., critic=..., llm=...,
knowledge=..., store=...)``.
"""

from __future__ import annotations

import threading
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from empathic.check.critic import RuleCritic
from empathic.components import (
    ConversationStore,
    Critic,
    KnowledgeBase,
    LLMBackend,
    Perceiver,
    Planner,
    Responder,
    Tracker,
)
from empathic.config import EmpathicConfig
from empathic.conversation import Conversation
from empathic.data import resolve_knowledge
from empathic.errors import InputError
from empathic.memory_store import MemoryConversationStore
from empathic.perceive.encoder import Encoder
from empathic.perceive.perceiver import Perceiver as BuiltinPerceiver
from empathic.perceive.perceiver import validate_message
from empathic.pipeline import Pipeline, Stages
from empathic.plan.planner import RulePlanner
from empathic.respond.composer import Composer, banned_phrases
from empathic.respond.knowledge import KnowledgeBase as BuiltinKnowledgeBase
from empathic.respond.llm_responder import LLMResponder
from empathic.track.state import Tracker as BuiltinTracker
from empathic.types import Reading, Turn

# Turns of one conversation run one at a time; a fixed set of locks, shared out by hashing the
# id, so the engine keeps no per-conversation lock (or anything else) as conversations come.
_LOCK_STRIPES = 256


class Engine:
    """``analyze`` for readings, ``respond`` for a whole turn, ``conversation`` for its state."""

    def __init__(
        self,
        perceiver: Perceiver | None = None,
        knowledge: KnowledgeBase | str | Path | None = None,
        llm: LLMBackend | None = None,
        locale: str | None = None,
        steer: bool | None = None,
        *,
        config: EmpathicConfig | None = None,
        tracker: Tracker | None = None,
        planner: Planner | None = None,
        responder: Responder | None = None,
        critic: Critic | None = None,
        store: ConversationStore | None = None,
    ):
        self.config = config or EmpathicConfig.load()
        responding = self.config.responding
        self.perceiver = perceiver or _builtin_perceiver(self.config)
        self.knowledge = _knowledge_base(knowledge or responding.knowledge_base, self.config)
        self.llm = llm
        self.composer = Composer(
            actions=responding.actions,
            locale=locale or responding.locale,
            max_sentences=responding.max_sentences,
        )
        steered = responding.steer if steer is None else steer
        if responder is None:
            responder = (
                LLMResponder(llm, steered, responding.actions) if llm is not None else self.composer
            )
        self.store: ConversationStore = store or MemoryConversationStore()
        self.pipeline = Pipeline(
            Stages(
                perceiver=self.perceiver,
                tracker=tracker or BuiltinTracker(self.config.tracking),
                planner=planner
                or RulePlanner(
                    self.config.planning,
                    self.config.tracking,
                    knowledge_base=self.knowledge is not None,
                ),
                responder=responder,
                critic=critic or RuleCritic(banned_phrases(), self.composer, responding.actions),
                fallback=self.composer,
                knowledge=self.knowledge,
                knowledge_config=responding.knowledge,
                locale=locale or responding.locale,
                max_message_chars=self.config.perception.max_message_chars,
                actions=frozenset(responding.actions),
                context_words=self.config.perception.context_max_words,
            )
        )
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    @property
    def events(self) -> Counter[str]:
        """Counts of what happened across turns: turns, hand-offs, repairs, upstream errors."""
        return self.pipeline.events

    # -- perceive only -------------------------------------------------------------------------

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
        limit = self.config.perception.max_message_chars
        for i, text in enumerate(texts):
            try:
                validate_message(text, limit)
            except InputError as exc:
                errors[i] = exc
        keep = [i for i in range(len(texts)) if i not in errors]
        readings = self.perceiver.read_batch([texts[i] for i in keep], [histories[i] for i in keep])
        return errors, readings

    # -- a whole turn --------------------------------------------------------------------------

    def respond(self, conversation_id: str, text: str) -> Turn:
        """Perceive, track, plan, respond and check one user message; the conversation is
        loaded from and saved to the engine's store.

        Turns of one conversation run one at a time (a double-send waits for the first);
        different conversations run in parallel.
        """
        with self._locks[zlib.crc32(conversation_id.encode()) % _LOCK_STRIPES]:
            conversation = self.store.load(conversation_id) or Conversation.start(conversation_id)
            turn, after = self.pipeline.run(conversation, text)
            self.store.save(after)
            return turn

    def take_turn(self, conversation: Conversation, text: str) -> tuple[Turn, Conversation]:
        """One turn on a conversation the caller keeps (the HTTP service keeps it in its
        database): the turn and the conversation after it. The engine's store is not used."""
        return self.pipeline.run(conversation, text)

    def conversation(self, conversation_id: str) -> Conversation | None:
        """The conversation as the engine's store has it, or None."""
        return self.store.load(conversation_id)


def _builtin_perceiver(config: EmpathicConfig) -> BuiltinPerceiver:
    """The built-in perceiver, its encoder on the configured threads (default: one, which
    keeps a turn's latency low after idle)."""
    encoder = Encoder(threads=1 if config.threads is None else config.threads)
    return BuiltinPerceiver(encoder, config=config.perception)


def _knowledge_base(
    knowledge: KnowledgeBase | str | Path | None, config: EmpathicConfig
) -> KnowledgeBase | None:
    """A knowledge base from an object, a folder path, or ``demo`` (the packaged demo shop)."""
    if knowledge is None or not isinstance(knowledge, str | Path):
        return knowledge
    return BuiltinKnowledgeBase.from_path(
        resolve_knowledge(knowledge), config=config.responding.knowledge
    )
