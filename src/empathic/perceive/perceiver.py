"""Perceiver: text (+ previous turns) -> Reading. One encoder pass feeds every head; a second
reads the sentences of a long message one by one when the crisis head is not sure of it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from empathic.errors import InputError
from empathic.evaluate.datasets import TURN_SEPARATOR
from empathic.perceive.affect import affect
from empathic.perceive.crisis import detect_crisis, sentences
from empathic.perceive.cues import detect_cues
from empathic.perceive.encoder import Encoder
from empathic.perceive.heads import Heads
from empathic.perceive.intent import UPSET_CUES, resolve_intent
from empathic.types import Reading, Span

MAX_MESSAGE_CHARS = 20_000
# How many previous turns feed the ED-32 head, and how many of their first tokens it reads: the
# emotion of a conversation shows early. The context is the costliest row of a turn; on 2,500 ED
# test turns 64 tokens read 0.488 accuracy against 0.495 for 128, at half the time.
CONTEXT_TURNS = 8
CONTEXT_TOKENS = 64
# A message whose crisis danger as a whole is below this has its sentences left unread by the
# crisis head. On the labelled crisis set, the crisis messages found only through one sentence
# read at least 0.019 as a whole; 73% of multi-sentence EmpatheticDialogues messages and 23 of the
# 32 multi-sentence scenario messages read below 0.003 (their sentences were the costliest rows).
SENTENCE_GATE = 0.003


def validate_message(text: object) -> str:
    """The message as a clean string, or an InputError that says what is wrong."""
    if not isinstance(text, str):
        raise InputError(f"a message must be text, got {type(text).__name__}")
    if "\x00" in text:
        raise InputError("the message contains NUL bytes; it looks like binary data, not text")
    if not text.strip():
        raise InputError("the message is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"the message is not valid Unicode (lone surrogate at character {exc.start + 1})"
        ) from exc
    if len(text) > MAX_MESSAGE_CHARS:
        raise InputError(
            f"the message is {len(text):,} characters; the limit is {MAX_MESSAGE_CHARS:,} "
            "(split long transcripts into messages)"
        )
    return text


class Perceiver:
    """Reads messages. Loading takes about a second; reuse one instance."""

    def __init__(self, encoder: Encoder | None = None, heads: Heads | None = None):
        self.encoder = encoder or Encoder()
        self.heads = heads or Heads.load()

    def read(self, text: str, history: Sequence[str] = ()) -> Reading:
        """The reading of one message, optionally with the turns that came before it."""
        return self.read_batch([text], [history])[0]

    def read_embedded(self, text: str, history: Sequence[str] = ()) -> tuple[Reading, np.ndarray]:
        """The reading and the message's embedding, for later stages that read it too."""
        readings, messages = self._read_batch([text], [history])
        return readings[0], messages[0]

    def read_batch(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]] | None = None
    ) -> list[Reading]:
        """Readings for many messages in one batched encoder pass."""
        return self._read_batch(texts, histories)[0]

    def _read_batch(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]] | None
    ) -> tuple[list[Reading], np.ndarray]:
        texts = [validate_message(t) for t in texts]
        histories = histories or [()] * len(texts)
        if len(histories) != len(texts):
            raise InputError("histories must have one entry per text")
        contexts = [
            TURN_SEPARATOR.join([*h[-CONTEXT_TURNS:], t]) if h else None
            for t, h in zip(texts, histories, strict=True)
        ]
        full = self.encoder.MAX_TOKENS
        # One encoder call for the messages and the conversation contexts (for the ED head).
        given = [c for c in contexts if c is not None]
        embeddings = self.encoder.embed(
            [*texts, *given], max_tokens=[full] * len(texts) + [CONTEXT_TOKENS] * len(given)
        )
        messages = embeddings[: len(texts)]
        ed_inputs = messages.copy()
        row = len(texts)
        for i, context in enumerate(contexts):
            if context is not None:
                ed_inputs[i] = embeddings[row]
                row += 1
        parts = self._crisis_sentences(texts, messages)
        pieces = self.encoder.embed([span.text for spans in parts for span in spans])
        crisis_rows, row = [], 0
        for i, spans in enumerate(parts):
            crisis_rows.append(np.vstack([messages[i : i + 1], pieces[row : row + len(spans)]]))
            row += len(spans)
        readings = self._readings(texts, histories, messages, ed_inputs, parts, crisis_rows)
        return readings, messages

    def _crisis_sentences(self, texts: Sequence[str], messages: np.ndarray) -> list[list[Span]]:
        """The sentences of each message that the crisis head reads one by one, so a crisis
        sentence inside a long complaint is not diluted; none for a message the head reads as
        plainly safe as a whole (it costs a second encoder call only when some message needs it).
        """
        danger = 1.0 - self.heads.crisis.probabilities(messages)[:, -1]
        return [
            sentences(t) if d >= SENTENCE_GATE else [] for t, d in zip(texts, danger, strict=True)
        ]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.embed([validate_message(t) for t in texts])

    def _readings(self, texts, histories, messages, ed_inputs, parts, crisis_rows) -> list[Reading]:
        h = self.heads
        ed = h.ed(ed_inputs)
        go = h.goemotions(messages)
        ekman = h.ekman(go)
        intents = h.intent(messages)
        readings = []
        for i, text in enumerate(texts):
            cues = detect_cues(text)
            go_labels = tuple(
                label
                for label, p, t in zip(h.go_labels, go[i], h.go_thresholds, strict=True)
                if p >= t
            ) or ("neutral",)
            # The Ekman label is the group furthest above its tuned threshold.
            ekman_label = h.ekman_labels[int(np.argmax(ekman[i] / h.ekman_thresholds))]
            valence, arousal, intensity = affect(h.go_labels, go[i], cues)
            intent, intent_probs = resolve_intent(
                text,
                h.intent_labels,
                intents[i].tolist(),
                sarcastic=any(c.kind == "sarcasm_hint" for c in cues),
                valence=valence,
                upset=any(c.kind in UPSET_CUES for c in cues),
                afraid_or_sad=ekman_label in {"fear", "sadness"},
            )
            readings.append(
                Reading(
                    text=text,
                    ed_emotion=h.ed_labels[int(np.argmax(ed[i]))],
                    ed_probs=dict(zip(h.ed_labels, ed[i].tolist(), strict=True)),
                    goemotions=dict(zip(h.go_labels, go[i].tolist(), strict=True)),
                    goemotions_labels=go_labels,
                    ekman=ekman_label,
                    ekman_probs=dict(zip(h.ekman_labels, ekman[i].tolist(), strict=True)),
                    valence=valence,
                    arousal=arousal,
                    intensity=intensity,
                    intent=intent,
                    intent_probs=intent_probs,
                    cues=cues,
                    crisis=detect_crisis(text, crisis_rows[i], h.crisis, parts[i]),
                    context_turns=len(histories[i]),
                )
            )
        return readings
