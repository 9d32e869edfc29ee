"""One configuration object for the whole engine: ``EmpathicConfig``.

Read it once (``EmpathicConfig.load()``) and pass its sections down; every threshold the engine
uses is named here with a line on what it trades off. Values come from, highest first:

1. keyword arguments (``EmpathicConfig(serving={"rate_limit": 5})``; the CLI passes its options
   this way);
2. ``EMPATHIC_*`` environment variables, sections joined by ``__``:
   ``EMPATHIC_SERVING__RATE_LIMIT=5``, ``EMPATHIC_PERCEPTION__SENTENCE_GATE=0.01``;
3. the flat names that predate this module, still honoured: ``EMPATHIC_DB_URL``
   (serving.db_url), ``EMPATHIC_LLM_URL`` (llm.url), ``EMPATHIC_LLM_MODEL`` (llm.model),
   ``EMPATHIC_LLM_API_KEY`` (llm.api_key), ``EMPATHIC_THREADS`` (threads) and ``EMPATHIC_DATA``
   (data_dir);
4. a TOML file: the ``path`` given to ``EmpathicConfig.load``, else ``EMPATHIC_CONFIG``; its
   tables are the sections (``[serving]``, ``[perception]``, ...), and an unknown key is an error;
5. the defaults below, which are the values the engine was tuned with.

This is the only module in ``empathic`` that reads the process environment.
"""

from __future__ import annotations

import json
import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from empathic.errors import EmpathicError

__all__ = [
    "ConfigError",
    "EmpathicConfig",
    "KnowledgeConfig",
    "LLMConfig",
    "PerceptionConfig",
    "PlanningConfig",
    "RespondingConfig",
    "ServingConfig",
    "TrackingConfig",
]

CONFIG_ENV = "EMPATHIC_CONFIG"  # path of a TOML file
WORKER_ENV = "EMPATHIC_WORKER_CONFIG"  # the whole config as JSON, for `serve --workers N`
# Flat environment names of earlier releases -> where they land in the nested config.
LEGACY_ENV: dict[str, tuple[str, ...]] = {
    "EMPATHIC_DB_URL": ("serving", "db_url"),
    "EMPATHIC_LLM_URL": ("llm", "url"),
    "EMPATHIC_LLM_MODEL": ("llm", "model"),
    "EMPATHIC_LLM_API_KEY": ("llm", "api_key"),
    "EMPATHIC_DATA": ("data_dir",),
}


class ConfigError(EmpathicError):
    """The configuration (a TOML file, an environment variable, an argument) is not valid."""


class _Section(BaseModel):
    # A misspelt key must not be ignored silently: it is the threshold the user thinks they set.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class PerceptionConfig(_Section):
    """Perceive: text -> Reading (encoder, heads, crisis detection, cues, intent rules)."""

    # Longest message accepted; longer ones are refused (memory and latency vs whole transcripts).
    max_message_chars: int = Field(default=20_000, gt=0)
    # ED-32 head's weight on the conversation's opening message vs the latest (0.481 acc at 0.6).
    opening_weight: float = Field(default=0.6, ge=0.0, le=1.0)
    # Whole-message crisis danger below which sentences are not read one by one (cost vs recall).
    sentence_gate: float = Field(default=0.003, ge=0.0)
    # Crisis head's danger threshold; None = the one trained into heads.npz (misses vs alarms).
    crisis_threshold: float | None = Field(default=None, ge=0.0)
    # Head threshold when a figure of speech is present ("will have my head"): alarms vs misses.
    idiom_model_threshold: float = Field(default=0.995, ge=0.0)
    # Fewest words for the crisis head to flag alone ("get me a manager" is too short to read).
    min_words_for_model: int = Field(default=4, ge=0)
    # Fewest words before a message is also read sentence by sentence (encoder cost vs dilution).
    min_words_for_sentences: int = Field(default=16, ge=0)
    # Most sentences read one by one per message (encoder cost vs recall in very long messages).
    max_sentences: int = Field(default=24, ge=1)
    # Neighbouring sentences also read together, up to this many (1 = each sentence alone), in
    # a message of sentence_always_words or more: a crisis told over two or three short
    # sentences ("I've got my dad's rifle and I know when she finishes. She'll regret
    # leaving.") at the end of a long post reads as one only when they are read together.
    sentence_window: int = Field(default=3, ge=1, le=4)
    # Confidence floor reported for a phrase-rule crisis match (rules are explicit wording).
    crisis_rule_confidence: float = Field(default=0.9, ge=0.0, le=1.0)
    # Arousal/intensity added per cue kind (shouting reads hotter vs over-reading style).
    cue_boost: dict[str, float] = Field(
        default_factory=lambda: {
            "all_caps": 0.15,
            "repeated_punctuation": 0.1,
            "profanity": 0.15,
            "urgency": 0.05,
        }
    )
    # Share of intensity removed by a fully neutral reading (calm text vs muted real feeling).
    neutral_damping: float = Field(default=0.5, ge=0.0, le=1.0)
    # Valence below which "thanks"/"good news" reads as a complaint (sarcasm vs real thanks).
    sarcasm_valence: float = Field(default=-0.3, ge=-1.0, le=1.0)
    # Valence above which a question about a problem counts as calm (answer vs apologise first).
    calm_valence: float = Field(default=-0.3, ge=-1.0, le=1.0)
    # Customer heads (sarcasm, sentiment, complaint, risk): "research" (trained on every set,
    # some non-commercial), "commercial" (commercially usable data only) or "tweets" (research
    # data; sarcasm, sentiment and complaint read a second encoder fine-tuned on tweets: better
    # on public tweets, a second encoder run per message; MODEL_CARD.md).
    model_pack: str = Field(default="research", pattern="^(research|commercial|tweets)$")
    # Sarcasm probability that turns the literal reading around; None = the trained threshold.
    sarcasm_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # Share of valence from the customer-sentiment head vs the GoEmotions anchors (real
    # customers' words vs the Reddit-trained emotion head).
    sentiment_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    # A message of at most this many words is read with the person's previous message ("still
    # nothing", "great, thanks a lot" after a failure); 0 turns it off (one more encoder row).
    context_max_words: int = Field(default=8, ge=0)
    # Risk-head probability below which a crisis-head flag with no phrase behind it is dropped
    # (real posts about law, divorce or money read as danger to that head alone).
    risk_veto: float = Field(default=0.5, ge=0.0, le=1.0)
    # Crisis-head danger at which a run of neighbouring sentences read as a threat, abuse or an
    # emergency flags without the risk head's support (1.0: never). 0.999: on crisis train and
    # dev rows at the end of long RMHD control train posts, recall 0.947 -> 0.967, and control
    # train posts flagged (any tier) 0.097 -> 0.101, the crisis tier unchanged.
    window_danger: float = Field(default=0.999, ge=0.0, le=1.0)
    # Fewest words for that check (and for the risk head's own concern): the crisis head was
    # trained on short messages and is kept as it was for them; long posts are where it errs.
    risk_veto_min_words: int = Field(default=40, ge=0)
    # Risk-head probability of a whole message that raises a "concern" on its own, for messages
    # of at least concern_min_words words (None = the trained one). 0.8: on RMHD train rows
    # 1.6% of control-subreddit posts and 76% of r/SuicideWatch + r/depression posts reach it.
    risk_threshold: float | None = Field(default=0.8, ge=0.0, le=1.0)
    # A message of at least this many words has every sentence read by the crisis head,
    # whatever the whole message reads (below it, only when sentence_gate is reached).
    sentence_always_words: int = Field(default=60, ge=0)
    # Crisis-head danger at which a sentence of another kind than self-harm (abuse, harm to
    # others, emergency) flags without the risk head's support.
    sentence_danger: float = Field(default=0.9, ge=0.0, le=1.0)
    # ... and at which a self-harm sentence flags (as a concern) without it.
    sentence_danger_alone: float = Field(default=0.99, ge=0.0, le=1.0)
    concern_min_words: int = Field(default=40, ge=0)
    # Negative probability (customer-sentiment head) at which glad words read as sarcasm
    # ("Oh wonderful, cancelled again"): turned-around praise vs missed jibes.
    contrast_negative: float = Field(default=0.6, ge=0.0, le=1.0)
    # Sarcasm-head probability at which praise of a failure that keeps happening ("fantastic
    # service as always; third time it's been rescheduled") reads as sarcasm. 0.25: on SemEval,
    # iSarcasm and airline train rows read glad with such a cue, the two that reach it are
    # sarcastic or negative and none is sincere (the sincere ones sit at 0.01-0.19).
    repeat_sarcasm_lean: float = Field(default=0.25, ge=0.0, le=1.0)


class TrackingConfig(_Section):
    """Track: the conversation's smoothed feeling and escalation (read by track/state.py)."""

    # Smoothed escalation at which a turn counts as escalated (early hand-off vs patience).
    escalation_threshold: float = Field(default=0.55, ge=0.0, le=1.0)
    # Weight of the newest turn in smoothed values (reacting fast vs one-message noise).
    smoothing: float = Field(default=0.6, ge=0.0, le=1.0)
    # Peak escalation a conversation must have reached to be read as calming down.
    deescalation_peak: float = Field(default=0.35, ge=0.0, le=1.0)
    # Rise in valence from the last turn that counts as calming down (quick credit vs relapse).
    deescalation_valence_rise: float = Field(default=0.25, ge=0.0, le=2.0)


class PlanningConfig(_Section):
    """Plan: the strategy rules (read by plan/policy.py)."""

    # Escalated turns in a row before a hand-off (a person sooner vs the bot keeps trying).
    handoff_escalated_turns: int = Field(default=2, ge=1)
    # Times the same issue comes back unresolved before a hand-off (same trade-off).
    handoff_unresolved: int = Field(default=3, ge=1)
    # GoEmotions gratitude at which the wording fits thanks (warmth vs missing the complaint).
    gratitude_family: float = Field(default=0.5, ge=0.0, le=1.0)
    # GoEmotions confusion at which the wording fits confusion (clarity vs missing upset).
    confusion_family: float = Field(default=0.35, ge=0.0, le=1.0)
    # Valence below which confusion is read as upset instead (how negative confusion may be).
    confusion_max_negative: float = Field(default=-0.45, ge=-1.0, le=1.0)
    # Grief + sadness + devastated at which sadness is grief, not disappointment.
    grief_family: float = Field(default=0.5, ge=0.0)
    # Valence above which joy is taken as joy (celebrating vs missing sarcasm).
    joy_min_valence: float = Field(default=0.2, ge=-1.0, le=1.0)
    # In a personal story read as sarcastic, the EmpatheticDialogues probability of the glad
    # emotions together at which the story is taken as glad after all (gladness vs missed
    # irony). 0.6: on ED valid openings read as sarcastic, 174 of 241 glad stories and 33 others.
    glad_story: float = Field(default=0.6, ge=0.0, le=1.0)
    # The story head's probability below which a message (and the conversation's opening) reads
    # as addressed to a shop or service, not a personal story. 0.1: 2.2% of ED valid speaker
    # turns and 81% of held-out customer rows read as service (training/train_register_head.py
    # prints both); at 0.26 (5% of ED) the ED valid replies' EPITOME IP and EX fell.
    # None: the word rules alone.
    story_min: float | None = Field(default=0.1, ge=0.0, le=1.0)
    # Intensity at which a complaint reads as frustration, not disappointment.
    frustration_intensity: float = Field(default=0.45, ge=0.0, le=1.0)
    # Intensity that raises a complaint to high empathy and validation (warmth vs over-empathy).
    high_intensity: float = Field(default=0.7, ge=0.0, le=1.0)
    # Intensity at which venting gets high empathy.
    venting_intensity: float = Field(default=0.6, ge=0.0, le=1.0)
    # Valence and intensity at which a question is upset enough to acknowledge first.
    upset_question_valence: float = Field(default=-0.35, ge=-1.0, le=1.0)
    upset_question_intensity: float = Field(default=0.5, ge=0.0, le=1.0)
    # Or: the customer-sentiment head reads the question this negative ("What is the point of
    # following an artist then?"). On the reply benchmark's tuning threads the questions that
    # expect an acknowledgement read 0.43 and up, the plain ones up to 0.38; the shop's calm
    # "How fast do you usually reply to emails?" reads 0.44, so the line is drawn at 0.5.
    upset_question_negative: float = Field(default=0.5, ge=0.0, le=1.0)
    # Valence below which a request for a person is treated as a complaint.
    angry_request_valence: float = Field(default=-0.2, ge=-1.0, le=1.0)
    # Valence below which a hand-off starts with an acknowledgement.
    heated_valence: float = Field(default=-0.25, ge=-1.0, le=1.0)
    # Intensity at which a sad personal story also gets a line of comfort.
    listen_grief_intensity: float = Field(default=0.6, ge=0.0, le=1.0)


class KnowledgeConfig(_Section):
    """Knowledge-base retrieval (respond/knowledge.py)."""

    # Share of a match's score from the embeddings; the rest is word overlap (meaning vs terms).
    cosine_weight: float = Field(default=0.6, ge=0.0, le=1.0)
    # Best score below which an answer is offered as tentative (honesty vs hedging right answers).
    confident_match: float = Field(default=0.4, ge=0.0)
    # Lowest score returned at all (offering something vs offering a wrong answer).
    min_score: float = Field(default=0.22, ge=0.0)
    # Answers returned per query (context for the reply vs noise).
    top_k: int = Field(default=2, ge=1)


class RespondingConfig(_Section):
    """Respond: composer, critic and knowledge."""

    # Knowledge base to answer from: a markdown/FAQ folder or file, or "demo" (the packaged shop).
    knowledge_base: str | None = None
    locale: str = "default"  # crisis resources (helplines, emergency number) for this locale
    steer: bool = True  # steer an LLM with the plan and the critic (False: a plain system prompt)
    knowledge: KnowledgeConfig = Field(default_factory=lambda: KnowledgeConfig())
    # What this deployment can really do (empathic.check.content reads promises against it):
    # lookup_order, open_ticket, handoff (a person can take over), follow_up (we contact them
    # later), refund.
    # Replies promise only these; empty by default, so nothing is promised that nobody does.
    actions: list[Literal["lookup_order", "open_ticket", "handoff", "follow_up", "refund"]] = Field(
        default_factory=list
    )
    # Most sentences in one reply, safe replies excepted (room to help vs a wall of text).
    max_sentences: int = Field(default=4, ge=1, le=12)


class LLMConfig(_Section):
    """An OpenAI-compatible LLM to steer (respond/llm.py); none by default (the composer)."""

    url: str | None = None  # base URL of the upstream; None = the built-in composer
    local_model: str | None = None  # a GGUF file served by llama.cpp on 127.0.0.1 instead
    model: str = "default"  # model name sent upstream
    api_key: SecretStr | None = None
    # Seconds for one reply, retries included (a better reply vs a person left waiting).
    timeout: float = Field(default=20.0, gt=0.0)
    # Retries of a transient failure (fewer composer fallbacks vs latency).
    retries: int = Field(default=1, ge=0)
    # Pause before the n-th retry is n times this many seconds (upstream relief vs latency).
    retry_pause: float = Field(default=0.2, ge=0.0)
    # A retry is made only while this share of the timeout is left (a chance vs a late fallback).
    retry_min_left: float = Field(default=0.25, ge=0.0, le=1.0)
    # Longest reply in tokens (room to answer vs rambling and latency).
    max_tokens: int = Field(default=160, ge=1)
    # Sampling temperature (variety vs staying on the plan).
    temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    # Longest LLM reply passed on, in characters (check/guard.py; longer ones are cut to whole
    # sentences or replaced by the composer's reply).
    max_reply_chars: int = Field(default=1200, ge=80)
    # Upstream calls in flight at once; a turn over it gets the composer's reply at once
    # (hung upstreams cannot take every worker thread).
    max_concurrent: int = Field(default=32, ge=1)


class ServingConfig(_Section):
    """The HTTP service (``empathic serve``)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)  # processes, each with its own engine, sharing the store
    db_url: str = "sqlite:///empathic.db"  # sqlite:///PATH or postgresql://USER@HOST/DB
    # Without API keys every caller is the default tenant's admin ("open"), and only on a loopback
    # host (127.0.0.1, ::1, localhost). True: open (`empathic serve --open`); False: keys always
    # required; None: open only while the store has never had a key (a fresh machine), so the
    # first `empathic serve` works. Creating a key closes it for good: revoking never reopens.
    open: bool | None = None
    # Deprecated (use ``open``): False means open=True, True means open=False.
    require_keys: bool | None = None
    # Largest request head (request line and headers) in bytes; bigger gets 431 unread.
    max_header_bytes: int = Field(default=16_384, ge=1024)
    # Characters over all messages (and their histories) of one /v1/analyze request (413).
    max_analyze_chars: int = Field(default=200_000, ge=1000)
    # Proxies (IP addresses) whose X-Forwarded-For / X-Forwarded-Proto are believed; none by
    # default, so a client cannot pick the address its rate limit is counted under.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Seconds a resent request (same transcript, or same Idempotency-Key) returns the turn it
    # stored instead of taking another (retries after a timeout vs a person repeating themself).
    retry_window_s: float = Field(default=600.0, ge=0.0)
    # Requests per minute per key (per address without keys); 0 = off (abuse vs bursts).
    rate_limit: int = Field(default=600, ge=0)
    # Largest request body accepted, in bytes (memory per request vs big batches).
    max_body_bytes: int = Field(default=256_000, gt=0)
    # Messages per /v1/analyze request (latency of one request vs round trips).
    max_batch: int = Field(default=256, ge=1)
    # Threads reading /v1/analyze batches, each runs the encoder (throughput vs turn latency).
    analyze_threads: int = Field(default=1, ge=1)
    # Encoder threads per run; 1 leaves a core to HTTP (2x /v1/analyze on 2 cores); 0 = all.
    encoder_threads: int = Field(default=1, ge=0)
    # Retries of the upstream LLM per turn (a person is waiting; the composer answers instead).
    upstream_retries: int = Field(default=0, ge=0)
    # Seconds a looked-up API key is cached (one query per request vs revocation delay).
    key_cache_seconds: float = Field(default=30.0, ge=0.0)
    cors_origins: list[str] = Field(default_factory=list)  # browser origins allowed to call
    reports_dir: str = "reports"  # where `empathic eval` writes; the dashboard shows the newest


class _LegacyEnvSource(PydanticBaseSettingsSource):
    """The flat ``EMPATHIC_*`` names of earlier releases (``LEGACY_ENV``), as nested values."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ builds the whole dict

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, path in LEGACY_ENV.items():
            value = os.environ.get(name)
            if value is None or value == "":
                continue
            node = found
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value
        return found


_explicit_file: ContextVar[Path | None] = ContextVar("empathic_config_file", default=None)


def _config_file() -> Path | None:
    """The TOML file to read: the one given to ``load``, else ``EMPATHIC_CONFIG``, else none."""
    explicit = _explicit_file.get()
    if explicit is not None:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else None


class EmpathicConfig(BaseSettings):
    """Everything the engine and the service can be told; see the module docstring for where
    values come from. Sections: perception, tracking, planning, responding, llm, serving."""

    model_config = SettingsConfigDict(
        env_prefix="EMPATHIC_",
        env_nested_delimiter="__",
        case_sensitive=False,
        extra="forbid",
        validate_assignment=True,
    )

    perception: PerceptionConfig = Field(default_factory=lambda: PerceptionConfig())
    tracking: TrackingConfig = Field(default_factory=lambda: TrackingConfig())
    planning: PlanningConfig = Field(default_factory=lambda: PlanningConfig())
    responding: RespondingConfig = Field(default_factory=lambda: RespondingConfig())
    llm: LLMConfig = Field(default_factory=lambda: LLMConfig())
    serving: ServingConfig = Field(default_factory=lambda: ServingConfig())
    # Threads per ONNX run outside the service (CLI, evaluation); None = each model's default
    # (1 for the encoder: latency after idle; all cores for the EPITOME scorer: batch speed).
    threads: int | None = Field(default=None, ge=0)
    # Folder holding the public data sets (empathetic_dialogues/, ...); None = ../shared/data.
    data_dir: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            env_settings,
            _LegacyEnvSource(settings_cls),
        ]
        path = _config_file()
        if path is not None:
            if not path.is_file():
                raise ConfigError(
                    f"config file {path} does not exist (set by {CONFIG_ENV} or --config)"
                )
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: Any) -> EmpathicConfig:
        """The configuration from ``overrides`` > environment > TOML file > defaults.

        ``path`` names the TOML file; without it ``EMPATHIC_CONFIG`` may. Any problem (a missing
        file, bad TOML, an unknown key, a value of the wrong type) raises ``ConfigError`` with
        the place and the reason.
        """
        token = _explicit_file.set(Path(path) if path is not None else None)
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise ConfigError(_describe(exc, path)) from None
        except ValueError as exc:  # tomllib.TOMLDecodeError and friends
            where = path or os.environ.get(CONFIG_ENV)
            raise ConfigError(f"cannot read config file {where}: {exc}") from exc
        finally:
            _explicit_file.reset(token)

    def to_json(self) -> str:
        """The whole configuration as JSON, secrets included (for worker processes only)."""
        data = self.model_dump(mode="json")
        key = self.llm.api_key
        data["llm"]["api_key"] = key.get_secret_value() if key is not None else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> EmpathicConfig:
        """The configuration ``to_json`` wrote, exactly (no environment or file is read)."""
        try:
            return cls.model_validate(json.loads(text))
        except (ValidationError, ValueError) as exc:
            raise ConfigError(f"invalid configuration JSON: {exc}") from exc


def _describe(exc: ValidationError, path: str | Path | None) -> str:
    """One line per problem: the dotted key, what is wrong, and the value given."""
    where = path or os.environ.get(CONFIG_ENV)
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(root)"
        env = "EMPATHIC_" + "__".join(str(part) for part in error["loc"]).upper()
        if error["type"] == "extra_forbidden":
            lines.append(f"{key}: unknown setting (misspelt? see empathic/config.py for the names)")
        else:
            lines.append(f"{key} (env {env}): {error['msg']} (got {error.get('input')!r})")
    source = f" (file {where}, environment or arguments)" if where else ""
    return f"invalid configuration{source}: " + "; ".join(lines)


def worker_config() -> EmpathicConfig:
    """The configuration handed to ``empathic serve --workers N`` processes in ``WORKER_ENV``;
    without it, ``EmpathicConfig.load()``."""
    text = os.environ.get(WORKER_ENV)
    return EmpathicConfig.from_json(text) if text else EmpathicConfig.load()


def multiprocess_metrics_dir() -> str | None:
    """``PROMETHEUS_MULTIPROC_DIR``, set by ``empathic serve --workers N`` for its workers (the
    metrics of all workers are added up from the files there); None with one process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
