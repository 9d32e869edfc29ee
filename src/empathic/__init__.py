"""empathic: an empathetic dialogue engine for customer-facing chatbots.

Start from ``Engine``; replace any part with an object that follows its Protocol in
``empathic.components``; configure with ``EmpathicConfig`` (a TOML file or ``EMPATHIC_*``
environment variables).
"""

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
from empathic.config import ConfigError, EmpathicConfig
from empathic.conversation import Conversation, Exchange, Handoff
from empathic.engine import Engine
from empathic.errors import EmpathicError, InputError
from empathic.pipeline import Pipeline, Stages
from empathic.types import (
    CrisisSignal,
    Cue,
    Draft,
    HandoffEvent,
    Plan,
    Reading,
    Reply,
    Sentence,
    Span,
    State,
    Turn,
)

__all__ = [
    "ConfigError",
    "Conversation",
    "ConversationStore",
    "CrisisSignal",
    "Critic",
    "Cue",
    "Draft",
    "EmpathicConfig",
    "EmpathicError",
    "Engine",
    "Exchange",
    "Handoff",
    "HandoffEvent",
    "InputError",
    "KnowledgeBase",
    "LLMBackend",
    "Perceiver",
    "Pipeline",
    "Planner",
    "Plan",
    "Reading",
    "Reply",
    "Responder",
    "Sentence",
    "Span",
    "Stages",
    "State",
    "Tracker",
    "Turn",
]
__version__ = "0.1.0"
