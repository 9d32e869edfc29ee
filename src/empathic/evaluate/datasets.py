"""Readers for the public data sets in ``../shared/data``.

They are read in place (never copied into the repo). The folder is the configuration's
``data_dir`` (``EMPATHIC_DATA``, see empathic.config) or, failing that, ``../shared/data`` beside
the repository checkout.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from empathic.config import EmpathicConfig
from empathic.errors import DataNotFoundError

ED_EMOTIONS: tuple[str, ...] = (
    "afraid", "angry", "annoyed", "anticipating", "anxious", "apprehensive", "ashamed", "caring",
    "confident", "content", "devastated", "disappointed", "disgusted", "embarrassed", "excited",
    "faithful", "furious", "grateful", "guilty", "hopeful", "impressed", "jealous", "joyful",
    "lonely", "nostalgic", "prepared", "proud", "sad", "sentimental", "surprised", "terrified",
    "trusting",
)  # fmt: skip

GOEMOTIONS_LABELS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism", "pride",
    "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip

# Separator between turns of a conversation when they are fed to the encoder as one text.
TURN_SEPARATOR = " [SEP] "


def have_data() -> bool:
    try:
        data_root()
    except DataNotFoundError:
        return False
    return True


def data_root() -> Path:
    """The folder holding the public data sets."""
    configured = EmpathicConfig.load().data_dir
    candidates = [configured] if configured else []
    repo = Path(__file__).resolve().parents[3]
    candidates += [repo.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise DataNotFoundError(
        "public data sets not found; set EMPATHIC_DATA to the folder that holds "
        "empathetic_dialogues/, goemotions/, ... (tried: " + ", ".join(map(str, candidates)) + ")"
    )


@dataclass(frozen=True)
class EDSample:
    """One listener turn of EmpatheticDialogues: the turns before it and the conversation's emotion."""

    conv_id: str
    context: tuple[str, ...]
    emotion: str
    situation: str

    @property
    def text(self) -> str:
        return TURN_SEPARATOR.join(self.context)


def _ed_conversation_rows(split: str) -> dict[str, list[dict[str, str]]]:
    """The rows of each EmpatheticDialogues conversation in ``split``, in utterance order."""
    path = data_root() / "empathetic_dialogues" / f"{split}.csv"
    conversations: dict[str, list[dict[str, str]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            conversations.setdefault(row["conv_id"], []).append(row)
    for rows in conversations.values():
        rows.sort(key=lambda r: int(r["utterance_idx"]))
    return conversations


def empathetic_dialogues(split: str) -> list[EDSample]:
    """Every listener turn of every conversation in ``split`` (train, valid, test).

    This is the protocol of the published dialogue models (MoEL, CEM, CASE, ...): the input is all
    turns before the listener turn, the label is the conversation's emotion.
    """
    samples = []
    for conv_id, rows in _ed_conversation_rows(split).items():
        for i, row in enumerate(rows):
            if row["speaker_role"] == "listener" and i > 0:
                context = tuple(r["utterance"] for r in rows[:i])
                samples.append(EDSample(conv_id, context, row["emotion"], row["situation"]))
    return samples


@dataclass(frozen=True)
class GoEmotionsSample:
    text: str
    labels: tuple[str, ...]


def goemotions(split: str) -> list[GoEmotionsSample]:
    """GoEmotions ``split`` (train, dev, test): Reddit comments with one or more of 28 labels."""
    path = data_root() / "goemotions" / f"{split}.tsv"
    samples = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            text, ids, _ = line.rstrip("\n").split("\t")
            labels = tuple(GOEMOTIONS_LABELS[int(i)] for i in ids.split(","))
            samples.append(GoEmotionsSample(text, labels))
    return samples


def goemotions_ekman_map() -> dict[str, str]:
    """GoEmotions label -> Ekman group (neutral stays neutral)."""
    groups = json.loads((data_root() / "goemotions" / "ekman_mapping.json").read_text())
    mapping = {label: group for group, labels in groups.items() for label in labels}
    mapping["neutral"] = "neutral"
    return mapping


def iter_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


ESCONV_STRATEGIES: tuple[str, ...] = (
    "Question", "Restatement or Paraphrasing", "Reflection of feelings", "Self-disclosure",
    "Affirmation and Reassurance", "Providing Suggestions", "Information", "Others",
)  # fmt: skip


@dataclass(frozen=True)
class ESConvSample:
    """One supporter turn of ESConv: the turns before it, the previous strategy, the label."""

    context: tuple[str, ...]  # "seeker: ..." / "supporter: ..." lines, oldest first
    history: tuple[str, ...]  # strategies of the supporter's earlier turns, oldest first
    strategy: str

    @property
    def previous_strategy(self) -> str | None:
        return self.history[-1] if self.history else None


def esconv(split: str) -> list[ESConvSample]:
    """Every supporter turn with a strategy in ESConv ``split`` (train, valid, test)."""
    samples = []
    for conversation in iter_jsonl(data_root() / "esconv" / f"{split}.jsonl"):
        context: list[str] = []
        history: list[str] = []
        for turn in conversation["dialog"]:
            role = "supporter" if turn["speaker"] == "sys" else "seeker"
            strategy = turn.get("strategy")
            if role == "supporter" and strategy in ESCONV_STRATEGIES and context:
                samples.append(ESConvSample(tuple(context), tuple(history), strategy))
            if role == "supporter" and strategy in ESCONV_STRATEGIES:
                history.append(strategy)
            context.append(f"{role}: {turn['text']}")
    return samples


EPITOME_MECHANISMS: tuple[str, ...] = ("emotional_reactions", "interpretations", "explorations")
_EPITOME_FILES = {
    "emotional_reactions": "emotional-reactions-reddit.csv",
    "interpretations": "interpretations-reddit.csv",
    "explorations": "explorations-reddit.csv",
}


@dataclass(frozen=True)
class EpitomePair:
    """One (seeker post, response) pair of EPITOME-Reddit with its three levels (0, 1, 2)."""

    sp_id: str
    rp_id: str
    seeker: str
    response: str
    levels: tuple[int, int, int]  # emotional reactions, interpretations, explorations


def epitome() -> list[EpitomePair]:
    """The 3,084 EPITOME-Reddit pairs; the three files hold the same pairs in the same order."""
    columns = []
    for mechanism in EPITOME_MECHANISMS:
        path = data_root() / "epitome" / _EPITOME_FILES[mechanism]
        with path.open(newline="", encoding="utf-8") as handle:
            columns.append(list(csv.DictReader(handle)))
    pairs = []
    for er, ip, ex in zip(*columns, strict=True):
        if (
            not er["sp_id"] == ip["sp_id"] == ex["sp_id"]
            or not er["rp_id"] == ip["rp_id"] == ex["rp_id"]
        ):
            raise ValueError("EPITOME files are not row-aligned; re-copy them from the source repo")
        levels = (int(er["level"]), int(ip["level"]), int(ex["level"]))
        pairs.append(
            EpitomePair(er["sp_id"], er["rp_id"], er["seeker_post"], er["response_post"], levels)
        )
    return pairs


def epitome_split(
    pairs: list[EpitomePair], seed: int = 13, shares: tuple[float, float] = (0.75, 0.05)
) -> dict[str, list[EpitomePair]]:
    """Train / dev / test (75 / 5 / 20) grouped by seeker post, so no post is on two sides."""
    import random

    seekers = sorted({p.sp_id for p in pairs})
    random.Random(seed).shuffle(seekers)
    train_end = round(shares[0] * len(seekers))
    dev_end = train_end + round(shares[1] * len(seekers))
    side = {sp: "train" for sp in seekers[:train_end]}
    side |= {sp: "dev" for sp in seekers[train_end:dev_end]}
    side |= {sp: "test" for sp in seekers[dev_end:]}
    split: dict[str, list[EpitomePair]] = {"train": [], "dev": [], "test": []}
    for pair in pairs:
        split[side[pair.sp_id]].append(pair)
    return split


@dataclass(frozen=True)
class EDConversation:
    """One whole EmpatheticDialogues conversation: (role, utterance) turns, speaker first."""

    conv_id: str
    emotion: str
    situation: str
    turns: tuple[tuple[str, str], ...]


def empathetic_dialogue_conversations(split: str) -> list[EDConversation]:
    """Every conversation of ``split`` (train, valid, test), turns in order."""
    out = []
    for conv_id, rows in _ed_conversation_rows(split).items():
        turns = tuple((r["speaker_role"], r["utterance"]) for r in rows)
        out.append(EDConversation(conv_id, rows[0]["emotion"], rows[0]["situation"], turns))
    return out
