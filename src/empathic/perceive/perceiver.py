"""Perceiver: text (+ previous turns) -> Reading. One encoder pass feeds every head; a second
reads the sentences of a long message one by one when the crisis head is not sure of it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from empathic.config import EmpathicConfig, PerceptionConfig
from empathic.errors import InputError
from empathic.perceive.affect import affect
from empathic.perceive.crisis import detect_crisis, scan, sentences
from empathic.perceive.cues import detect_cues
from empathic.perceive.encoder import Encoder
from empathic.perceive.heads import Heads
from empathic.perceive.intent import UPSET_CUES, resolve_intent
from empathic.types import Reading, Span

# The defaults of the perception settings (empathic.config); the names stay for callers.
_DEFAULTS = PerceptionConfig()
MAX_MESSAGE_CHARS = _DEFAULTS.max_message_chars
# The ED-32 head reads a conversation through its opening message and the latest one (the
# emotion of a conversation is set early): a weighted mean of their two embeddings. On 2,000 ED
# valid turns that read 0.481 accuracy against 0.489 for the first 64 tokens of the whole context
# (about 0.46 for the opening alone, 0.35 for the latest message alone), and it needs no encoder row
# of its own when the caller keeps the opening's embedding from its turn (the engine does): the
# context row was a turn's costliest.
OPENING_WEIGHT = _DEFAULTS.opening_weight  # perception.opening_weight
# A message whose crisis danger as a whole is below this has its sentences left unread by the
# crisis head. On the labelled crisis set, the crisis messages found only through one sentence
# read at least 0.019 as a whole; 73% of multi-sentence EmpatheticDialogues messages and 23 of the
# 32 multi-sentence scenario messages read below 0.003 (their sentences were the costliest rows).
SENTENCE_GATE = _DEFAULTS.sentence_gate  # perception.sentence_gate


def validate_message(text: object, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The message as a clean string, or an InputError that says what is wrong (a message over
    ``max_chars`` characters is refused)."""
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
    if len(text) > max_chars:
        raise InputError(
            f"the message is {len(text):,} characters; the limit is {max_chars:,} "
            "(split long transcripts into messages)"
        )
    return text


class Perceiver:
    """Reads messages. Loading takes about a second; reuse one instance.

    ``config`` holds the thresholds (default: ``EmpathicConfig.load().perception``, so the
    environment and ``EMPATHIC_CONFIG`` apply).
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        heads: Heads | None = None,
        *,
        config: PerceptionConfig | None = None,
    ):
        self.config = config or EmpathicConfig.load().perception
        self.encoder = encoder or Encoder()
        self.heads = heads or Heads.load()

    def validate(self, text: object) -> str:
        """``validate_message`` with this perceiver's ``max_message_chars``."""
        return validate_message(text, self.config.max_message_chars)

    def read(self, text: str, history: Sequence[str] = ()) -> Reading:
        """The reading of one message, optionally with the turns that came before it."""
        return self.read_batch([text], [history])[0]

    def read_embedded(
        self, text: str, history: Sequence[str] = (), opening: np.ndarray | None = None
    ) -> tuple[Reading, np.ndarray, np.ndarray]:
        """The reading, the message's embedding (for later stages that read it too) and the
        embedding of the conversation's opening message, to keep for its next turns.

        ``opening`` is the embedding of ``history[0]`` when the caller kept it; without it, it is
        computed here (in the same encoder call). With no history the message is the opening.
        """
        readings, messages, openings = self._read_batch([text], [history], [opening])
        return readings[0], messages[0], openings[0]

    def read_batch(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]] | None = None
    ) -> list[Reading]:
        """Readings for many messages in one batched encoder pass."""
        return self._read_batch(texts, histories)[0]

    def _read_batch(
        self,
        texts: Sequence[str],
        histories: Sequence[Sequence[str]] | None,
        openings: Sequence[np.ndarray | None] | None = None,
    ) -> tuple[list[Reading], np.ndarray, list[np.ndarray]]:
        texts = [self.validate(t) for t in texts]
        histories = histories or [()] * len(texts)
        if len(histories) != len(texts):
            raise InputError("histories must have one entry per text")
        given: list[np.ndarray | None] = list(openings or [None] * len(texts))
        # One encoder call: the messages, and the opening messages of their conversations that
        # the caller did not keep (for the ED head).
        missing = [i for i, h in enumerate(histories) if h and given[i] is None]
        embeddings = self.encoder.embed([*texts, *(histories[i][0] for i in missing)])
        messages = embeddings[: len(texts)]
        for row, i in enumerate(missing, start=len(texts)):
            given[i] = embeddings[row]
        # With no history the message is its conversation's opening.
        kept = [messages[i] if o is None or not histories[i] else o for i, o in enumerate(given)]
        ed_inputs = messages.copy()
        weight = self.config.opening_weight
        for i, opening in enumerate(kept):
            if histories[i]:
                ed_inputs[i] = weight * opening + (1 - weight) * messages[i]
        scans = [scan(t) for t in texts]
        parts = self._crisis_sentences(texts, messages, scans)
        pieces = self.encoder.embed([span.text for spans in parts for span in spans])
        crisis_rows, row = [], 0
        for i, spans in enumerate(parts):
            crisis_rows.append(np.vstack([messages[i : i + 1], pieces[row : row + len(spans)]]))
            row += len(spans)
        readings = self._readings(texts, histories, messages, ed_inputs, parts, crisis_rows, scans)
        return readings, messages, kept

    def _crisis_sentences(
        self, texts: Sequence[str], messages: np.ndarray, scans: list
    ) -> list[list[Span]]:
        """The sentences of each message that the crisis head reads one by one, so a crisis
        sentence inside a long complaint is not diluted; none for a message the head reads as
        plainly safe as a whole, or that a crisis phrase already flags (a second encoder call
        is paid only when some message needs it)."""
        danger = 1.0 - self.heads.crisis.probabilities(messages)[:, -1]
        return [
            sentences(t, self.config) if d >= self.config.sentence_gate and not rules else []
            for t, d, (_, rules) in zip(texts, danger, scans, strict=True)
        ]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.embed([self.validate(t) for t in texts])

    def _readings(
        self, texts, histories, messages, ed_inputs, parts, crisis_rows, scans
    ) -> list[Reading]:
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
            valence, arousal, intensity = affect(h.go_labels, go[i], cues, self.config)
            intent, intent_probs = resolve_intent(
                text,
                h.intent_labels,
                intents[i].tolist(),
                sarcastic=any(c.kind == "sarcasm_hint" for c in cues),
                valence=valence,
                upset=any(c.kind in UPSET_CUES for c in cues),
                afraid_or_sad=ekman_label in {"fear", "sadness"},
                config=self.config,
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
                    crisis=detect_crisis(
                        text, crisis_rows[i], h.crisis, parts[i], scans[i], self.config
                    ),
                    context_turns=len(histories[i]),
                )
            )
        return readings
