"""The replaceable parts of the pipeline, as Protocols.

Pass any object with these methods to ``Engine`` to replace the built-in one; nothing needs to
inherit from anything. The built-in implementations, one file each:

=================== ============================================= ================================
Protocol            built-in                                      file
=================== ============================================= ================================
Perceiver           ``Perceiver`` (MiniLM encoder + heads + rules) ``perceive/perceiver.py``
Tracker             ``Tracker``                                   ``track/state.py``
Planner             ``RulePlanner`` (named rules + ESConv model)  ``plan/planner.py``
Responder           ``Composer`` (phrase bank) or ``LLMResponder`` ``respond/composer.py``,
                                                                  ``respond/llm_responder.py``
Critic              ``RuleCritic``                                ``check/critic.py``
LLMBackend          ``ChatClient`` (any OpenAI-compatible server)  ``respond/llm.py``
KnowledgeBase       ``KnowledgeBase`` (markdown / FAQ folder)     ``respond/knowledge.py``
ConversationStore   ``MemoryConversationStore``; the server's SQL  ``memory_store.py``,
                    store keeps them for good                     ``store/conversations.py``
=================== ============================================= ================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from empathic.conversation import Conversation
    from empathic.respond.knowledge import Hit
    from empathic.types import Draft, Plan, Reading, Reply, State


@runtime_checkable
class Perceiver(Protocol):
    """Reads a message: emotions, intent, cues and any crisis signal."""

    def read(self, text: str, history: Sequence[str] = ()) -> Reading:
        """The reading of ``text``; ``history`` is the person's earlier messages, oldest first."""
        ...

    def read_batch(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]] | None = None
    ) -> list[Reading]:
        """Readings of many messages at once (the ``analyze`` path)."""
        ...


@runtime_checkable
class Tracker(Protocol):
    """Follows the conversation over turns: smoothed feeling, escalation, the unresolved issue."""

    def track(self, conversation: Conversation, reading: Reading) -> State: ...


@runtime_checkable
class Planner(Protocol):
    """Decides how to answer: strategies, empathy level, tone, hand-off, safety override."""

    def plan(
        self, reading: Reading, conversation: Conversation, knowledge: Sequence[str] = ()
    ) -> Plan: ...


@runtime_checkable
class Responder(Protocol):
    """Writes the reply that carries out a plan."""

    def compose(self, plan: Plan, reading: Reading, conversation: Conversation) -> Draft: ...


@runtime_checkable
class Critic(Protocol):
    """Checks a draft against its plan; repairs what it can when ``repair`` is true."""

    def check(
        self, draft: Draft, plan: Plan, conversation: Conversation, repair: bool = True
    ) -> Reply: ...


@runtime_checkable
class LLMBackend(Protocol):
    """A chat model: OpenAI-style messages in, the assistant's text out. Raise
    ``empathic.respond.llm.UpstreamError`` on failure; the composer answers instead."""

    def complete(self, messages: list[dict[str, str]]) -> str: ...


@runtime_checkable
class KnowledgeBase(Protocol):
    """Answers to look up: the best ``k`` hits for a query, best first."""

    def search(self, query: str, k: int = 2) -> Sequence[Hit]: ...


@runtime_checkable
class ConversationStore(Protocol):
    """Keeps conversations between turns."""

    def load(self, conversation_id: str) -> Conversation | None: ...

    def save(self, conversation: Conversation) -> None: ...
