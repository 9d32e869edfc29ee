"""Track: Reading + Conversation -> State."""

from empathic.track.state import Tracker, track

__all__ = ["Tracker", "track"]
