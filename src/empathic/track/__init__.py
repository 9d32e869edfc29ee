"""Track: Reading + prior State -> State."""

from empathic.track.state import ESCALATION_THRESHOLD, track

__all__ = ["ESCALATION_THRESHOLD", "track"]
