"""The engine's default ``ConversationStore``: conversations in this process's memory.

For a single process (the CLI, a notebook, tests). The HTTP service keeps conversations in its
SQL store instead (``empathic.store``), so a restart or a second worker loses nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from empathic.conversation import Conversation

# Conversations kept (least recently used go first): bounds memory for a long-running process.
DEFAULT_CAPACITY = 10_000


class MemoryConversationStore:
    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, conversation_id: str) -> Conversation | None:
        with self._lock:
            conversation = self._conversations.get(conversation_id)
            if conversation is not None:
                self._conversations.move_to_end(conversation_id)
            return conversation

    def save(self, conversation: Conversation) -> None:
        with self._lock:
            self._conversations[conversation.id] = conversation
            self._conversations.move_to_end(conversation.id)
            while len(self._conversations) > self.capacity:
                self._conversations.popitem(last=False)
