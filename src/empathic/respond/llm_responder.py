"""Respond with an LLM: the plan becomes a system prompt, the backend writes the reply.

Any ``LLMBackend`` works (an OpenAI-compatible server through ``ChatClient``, a local GGUF, your
own object). A backend failure raises ``UpstreamError`` and the pipeline answers with the
composer instead.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from empathic.check.critic import tag_sentences
from empathic.components import LLMBackend
from empathic.conversation import Conversation
from empathic.respond.prompt import PLAIN_PROMPT, system_prompt
from empathic.types import Check, Draft, Plan, Reading, Sentence

# Earlier exchanges sent with each request: enough for context, short enough for a small model.
HISTORY_EXCHANGES = 4
# Phrases already said that the prompt asks the model not to repeat.
AVOID_RECENT_PHRASES = 6
# A sentence cut off mid-way ends in a word or a comma; a finished one ends in a mark, a
# closing quote or bracket, a smiley or an emoji.
_CUT_OFF = re.compile(r"[\w,;:–-]$")


class LLMResponder:
    """The ``Responder`` for an LLM backend. ``steer=False`` sends a plain system prompt (the
    baseline the evaluation compares against) and the pipeline leaves its draft unrepaired."""

    def __init__(self, backend: LLMBackend, steer: bool = True, actions: Collection[str] = ()):
        self.backend = backend
        self.steer = steer
        self.actions = frozenset(actions)

    def compose(self, plan: Plan, reading: Reading, conversation: Conversation) -> Draft:
        return self._ask(self._messages(plan, reading, conversation))

    def revise(
        self, plan: Plan, reading: Reading, conversation: Conversation, failing: Sequence[Check]
    ) -> Draft:
        """One more draft, with what the critic found wrong with the first added to the prompt."""
        note = (
            "Your previous draft had problems: "
            + "; ".join(f"{c.name.replace('_', ' ')} ({c.detail})" for c in failing)
            + ". Write it again, fixing them."
        )
        messages = self._messages(plan, reading, conversation)
        messages[0] = {"role": "system", "content": messages[0]["content"] + "\n" + note}
        return self._ask(messages)

    def _messages(
        self, plan: Plan, reading: Reading, conversation: Conversation
    ) -> list[dict[str, str]]:
        if self.steer:
            recent = tuple(conversation.state.used_phrases[-AVOID_RECENT_PHRASES:])
            prompt = system_prompt(
                plan, reading, recent, conversation.facts, self.actions, conversation.mode
            )
        else:
            prompt = PLAIN_PROMPT
        # The conversation handed in is the one before this turn: its exchanges are history.
        return [
            {"role": "system", "content": prompt},
            *conversation.chat_history(HISTORY_EXCHANGES),
            {"role": "user", "content": reading.text},
        ]

    def _ask(self, messages: list[dict[str, str]]) -> Draft:
        return Draft(without_unfinished_tail(tag_sentences(self.backend.complete(messages))), "llm")


def without_unfinished_tail(sentences: tuple[Sentence, ...]) -> tuple[Sentence, ...]:
    """The draft less a last sentence cut off mid-way (the model hit its token limit), so a
    customer never reads "Please find the details of your parcel" trailing off. A draft that is
    one unfinished sentence is kept: the critic and the guard judge it whole."""
    if len(sentences) > 1 and _CUT_OFF.search(sentences[-1].text):
        return sentences[:-1]
    return sentences
