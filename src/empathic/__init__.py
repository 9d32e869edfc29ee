"""empathic: an empathetic dialogue engine for customer-facing chatbots."""

from empathic.engine import Engine
from empathic.types import CrisisSignal, Cue, Reading, Span

__all__ = ["CrisisSignal", "Cue", "Engine", "Reading", "Span"]
__version__ = "0.1.0"
