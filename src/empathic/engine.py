"""Engine: wires the stages. Today it runs perceive; later stages plug in here."""

from __future__ import annotations

from collections.abc import Sequence

from empathic.errors import InputError
from empathic.perceive import Perceiver
from empathic.perceive.perceiver import validate_message
from empathic.types import Reading


class Engine:
    """The one public entry point."""

    def __init__(self, perceiver: Perceiver | None = None):
        self.perceiver = perceiver or Perceiver()

    def analyze(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]] | None = None
    ) -> list[Reading]:
        """Readings for a batch of messages; raises InputError on the first bad one."""
        return self.perceiver.read_batch(texts, histories)

    def analyze_messages(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]]
    ) -> tuple[dict[int, InputError], list[Reading]]:
        """Like analyze, but bad messages are returned as errors by index instead of raised."""
        errors: dict[int, InputError] = {}
        for i, text in enumerate(texts):
            try:
                validate_message(text)
            except InputError as exc:
                errors[i] = exc
        keep = [i for i in range(len(texts)) if i not in errors]
        readings = self.perceiver.read_batch([texts[i] for i in keep], [histories[i] for i in keep])
        return errors, readings
