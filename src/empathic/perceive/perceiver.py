"""Perceiver: text (+ previous turns) -> Reading. One encoder pass feeds every head; a second
reads the sentences of a long message one by one when the crisis head is not sure of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from empathic.config import EmpathicConfig, PerceptionConfig
from empathic.errors import InputError
from empathic.perceive.affect import affect
from empathic.perceive.crisis import detect_crisis, scan, sentences
from empathic.perceive.cues import detect_cues
from empathic.perceive.customer import (
    SENTIMENTS,
    CustomerHeads,
    StoryHead,
    has_positive_words,
    is_question,
    plainly_sincere,
    praises_a_repeated_failure,
    sarcasm_span,
    sarcastic_follow_up,
    surprised,
)
from empathic.perceive.encoder import Encoder, artifact
from empathic.perceive.heads import Heads
from empathic.perceive.intent import UPSET_CUES, resolve_intent
from empathic.perceive.language import language_of, warm_up
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


# GoEmotions labels a sarcastic message's literal words raise; dropped from its reading.
_POSITIVE_GO = frozenset(
    {"admiration", "amusement", "approval", "excitement", "gratitude", "joy", "love", "optimism",
     "pride", "relief", "caring"}
)  # fmt: skip


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
        customer: CustomerHeads | None = None,
    ):
        self.config = config or EmpathicConfig.load().perception
        self.encoder = encoder or Encoder()
        self.heads = heads or Heads.load()
        self.customer = customer or CustomerHeads.load(self.config.model_pack)
        # The customer heads' own encoder, when their pack was fitted on one (the tweets pack).
        self.customer_encoder = (
            Encoder(model=artifact(self.customer.encoder)) if self.customer.encoder else None
        )
        self.story = StoryHead.load(self.config.model_pack)
        warm_up()  # the language identifier, so the first message does not wait for it

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
        # A short message is read with the person's previous one ("still nothing").
        limit = self.config.context_max_words
        short = [i for i, h in enumerate(histories) if h and len(texts[i].split()) <= limit]
        # Only the sentiment head reads the previous turn: the encoder under it embeds it.
        shared_short = [] if "sentiment" in self.customer.encoder_heads else short
        embeddings = self.encoder.embed(
            [*texts, *(histories[i][0] for i in missing), *(histories[i][-1] for i in shared_short)]
        )
        messages = embeddings[: len(texts)]
        for row, i in enumerate(missing, start=len(texts)):
            given[i] = embeddings[row]
        previous: dict[int, np.ndarray] = {
            i: embeddings[row]
            for row, i in enumerate(shared_short, start=len(texts) + len(missing))
        }
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
        readings = self._readings(
            texts, histories, messages, ed_inputs, parts, crisis_rows, scans, short, previous
        )
        return readings, messages, kept

    def _crisis_sentences(
        self, texts: Sequence[str], messages: np.ndarray, scans: list
    ) -> list[list[Span]]:
        """The sentences of each message that the crisis head reads one by one, so a crisis
        sentence inside a long complaint is not diluted; none for a message the head reads as
        plainly safe as a whole, or that a crisis phrase already flags (a second encoder call
        is paid only when some message needs it)."""
        danger = 1.0 - self.heads.crisis.probabilities(messages)[:, -1]
        always = self.config.sentence_always_words
        return [
            sentences(t, self.config)
            if (d >= self.config.sentence_gate or len(t.split()) >= always) and not rules
            else []
            for t, d, (_, rules) in zip(texts, danger, scans, strict=True)
        ]

    def _customer_inputs(
        self,
        texts,
        histories,
        messages: np.ndarray,
        short: list[int],
        previous: dict[int, np.ndarray],
    ) -> tuple[dict[str, np.ndarray], dict[int, np.ndarray]]:
        """Per customer head, the vectors it reads, and those of the previous turns of the short
        follow-ups (``short``) for the sentiment head: the shared encoder's (``previous``), or
        for the heads the pack fitted on an encoder of its own, that encoder's (one call; the
        previous turns the shared encoder left out are the ones its sentiment head reads)."""
        heads = ("sarcasm", "sentiment", "complaint")
        if self.customer_encoder is None:
            return dict.fromkeys(heads, messages), previous
        own = self.customer.encoder_heads
        earlier = [i for i in short if i not in previous]
        vectors = self.customer_encoder.embed([*texts, *(histories[i][-1] for i in earlier)])
        said = vectors[: len(texts)]
        if earlier:
            previous = dict(zip(earlier, vectors[len(texts) :], strict=True))
        return {h: said if h in own else messages for h in heads}, previous

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.embed([self.validate(t) for t in texts])

    def risk_scores(self, texts: Sequence[str]) -> np.ndarray:
        """The risk head's probability (distress / at risk) of each whole message."""
        return self.customer.risk(self.embed(texts), texts)

    def _readings(
        self, texts, histories, messages, ed_inputs, parts, crisis_rows, scans, short, previous
    ) -> list[Reading]:
        h, c, config = self.heads, self.customer, self.config
        ed = h.ed(ed_inputs)
        go = h.goemotions(messages)
        ekman = h.ekman(go)
        intents = h.intent(messages)
        x, before = self._customer_inputs(texts, histories, messages, short, previous)
        sarcasm = c.sarcasm(x["sarcasm"], texts)
        sentiment = c.sentiment(x["sentiment"], texts)
        complaint = c.complaint(x["complaint"], texts)
        story = None if self.story is None else self.story.probability(messages)
        sarcasm_threshold = (
            c.sarcasm_threshold if config.sarcasm_threshold is None else config.sarcasm_threshold
        )
        prior = {i: c.sentiment(v[None, :], [histories[i][-1]])[0] for i, v in before.items()}
        readings = []
        for i, text in enumerate(texts):
            cues = detect_cues(text)
            go_labels = tuple(
                label
                for label, p, t in zip(h.go_labels, go[i], h.go_thresholds, strict=True)
                if p >= t
            ) or ("neutral",)
            ekman_probs = ekman[i].copy()
            ratio = ekman_probs / h.ekman_thresholds
            surprise = h.ekman_labels.index("surprise")
            if ratio.argmax() == surprise and is_question(text) and not surprised(text):
                # A question is not surprise ("where is my order?") unless it says so.
                ratio[surprise] = -1.0
            valence, arousal, intensity = affect(h.go_labels, go[i], cues, config)
            probs = sentiment[i].copy()
            hint = next((cue.span for cue in cues if cue.kind == "sarcasm_hint"), None)
            p_sarcasm = float(sarcasm[i])
            meta: dict[str, str] = {}
            if i in prior:
                before = prior[i]
                negative_before = before[0] >= 0.5 and before[0] > before[2]
                if negative_before and probs.argmax() == 2 and sarcastic_follow_up(text):
                    # "great, thanks a lot" right after a failure.
                    p_sarcasm = max(p_sarcasm, 0.9)
                    meta["context"] = "sarcastic follow-up to a negative message"
                elif negative_before and probs.argmax() != 2:
                    # "still nothing": the feeling carries over from the message before.
                    probs = 0.5 * probs + 0.5 * before
                    meta["context"] = "read with the previous message"
            # Good news or thanks as the support-trained intent head reads them: the tweet-trained
            # sentiment head alone does not turn them around ("the parcel I thought was lost
            # turned up").
            by_intent = dict(zip(h.intent_labels, intents[i].tolist(), strict=True))
            glad = max(by_intent.get("good_news", 0.0), by_intent.get("thanks", 0.0)) >= 0.5
            if (
                p_sarcasm < sarcasm_threshold
                and not glad
                and probs[0] >= config.contrast_negative
                and set(go_labels) & _POSITIVE_GO
                and has_positive_words(text)
                and not plainly_sincere(text)
            ):
                # Polarity contrast: the words are glad (GoEmotions) but the customer-sentiment
                # head, trained on real tweets, reads the message as negative.
                p_sarcasm = max(p_sarcasm, sarcasm_threshold)
                meta["sarcasm"] = "positive words, negative message"
            elif (
                config.repeat_sarcasm_lean <= p_sarcasm < sarcasm_threshold
                and (glad or probs.argmax() == 2)
                and praises_a_repeated_failure(
                    text, [cue.span.text for cue in cues if cue.kind == "repetition"]
                )
            ):
                p_sarcasm = sarcasm_threshold
                meta["sarcasm"] = "praise of a failure that keeps happening"
            is_sarcastic = p_sarcasm >= sarcasm_threshold or hint is not None
            span = None
            if is_sarcastic:
                where = sarcasm_span(text, (hint.start, hint.end, hint.text) if hint else None)
                span = Span(*where)
                # The literal joy is turned around: negative, frustration, not joy or thanks.
                if probs[2] > probs[0]:
                    probs = probs[::-1].copy()
                probs = np.array([max(probs[0], 0.6), probs[1], min(probs[2], 0.1)])
                probs = probs / probs.sum()
            p_neg, p_pos = float(probs[0]), float(probs[2])
            w = config.sentiment_weight
            if glad and not is_sarcastic and probs[0] > probs[2]:
                w = 0.0
            valence = float(np.clip(w * (p_pos - p_neg) + (1 - w) * valence, -1, 1))
            if is_sarcastic:
                valence = min(valence, -0.4)
            negative = probs.argmax() == 0 and not (glad and not is_sarcastic)
            joy = h.ekman_labels.index("joy")
            if ratio.argmax() == joy and (negative or is_sarcastic):
                # Joy that the customer-sentiment head reads as negative is not joy. (The
                # GoEmotions and Ekman probabilities stay the literal reading.)
                ratio[joy] = -1.0
                # Sarcasm is frustration; otherwise the strongest of the negative groups (a
                # ruined birthday is sadness).
                negatives = [
                    h.ekman_labels.index(g) for g in ("anger", "disgust", "fear", "sadness")
                ]
                best = negatives[0] if is_sarcastic else max(negatives, key=lambda g: ratio[g])
                if is_sarcastic or ratio.max() < 1.0:
                    ratio[best] = max(ratio[best], ratio.max() + 1e-3)
            ekman_label = h.ekman_labels[int(np.argmax(ratio))]
            intent, intent_probs = resolve_intent(
                text,
                h.intent_labels,
                intents[i].tolist(),
                sarcastic=is_sarcastic,
                valence=valence,
                upset=any(cue.kind in UPSET_CUES for cue in cues),
                afraid_or_sad=ekman_label in {"fear", "sadness"},
                config=config,
            )
            if (
                intent in {"other", "thanks", "good_news"}
                and complaint[i] >= c.complaint_threshold
                and negative
            ):
                intent = "complaint"
            readings.append(
                _felt_in_crisis(
                    Reading(
                        text=text,
                        ed_emotion=h.ed_labels[int(np.argmax(ed[i]))],
                        ed_probs=dict(zip(h.ed_labels, ed[i].tolist(), strict=True)),
                        goemotions=dict(zip(h.go_labels, go[i].tolist(), strict=True)),
                        goemotions_labels=go_labels,
                        ekman=ekman_label,
                        ekman_probs=dict(zip(h.ekman_labels, ekman_probs.tolist(), strict=True)),
                        valence=valence,
                        arousal=arousal,
                        intensity=intensity,
                        intent=intent,
                        intent_probs=intent_probs,
                        cues=cues,
                        crisis=detect_crisis(
                            text,
                            crisis_rows[i],
                            h.crisis,
                            parts[i],
                            scans[i],
                            config,
                            risk=c.risk(crisis_rows[i], [text, *(s.text for s in parts[i])]),
                            risk_threshold=c.risk_threshold,
                        ),
                        context_turns=len(histories[i]),
                        meta=meta,
                        sarcasm=round(p_sarcasm, 4),
                        sarcasm_span=span,
                        complaint=float(complaint[i]),
                        sentiment=dict(zip(SENTIMENTS, probs.tolist(), strict=True)),
                        story=None if story is None else round(float(story[i]), 4),
                        language=language_of(text, histories[i][-1] if histories[i] else None),
                    )
                )  # fmt: skip
            )
        return readings


def _felt_in_crisis(reading: Reading) -> Reading:
    """A message that raises a crisis or concern is not read as joy, surprise or calm: "I want to
    end my life" can look glad to the emotion heads (its words are calm), and an operator's
    queue that showed it as joy would mislead. Self-harm reads as sadness (unless already fear),
    the rest as fear."""
    crisis = reading.crisis
    if crisis is None:
        return reading
    if crisis.kind == "self_harm":
        # Nor as anger: "I want to end my life tonight" had its literal joy turned to anger
        # once the sentiment head read it as negative.
        if reading.ekman in {"sadness", "fear"}:
            return reading
        return replace(reading, ekman="sadness", valence=min(reading.valence, -0.5))
    if reading.ekman not in {"joy", "surprise", "neutral"}:
        return reading
    return replace(reading, ekman="fear", valence=min(reading.valence, -0.5))
