"""Data that ships inside the package: the demo shop's knowledge base and the scenario suite.

Found through ``importlib.resources`` so they work from an installed wheel as well as from a
checkout; nothing in ``src/`` reaches into ``tests/`` or ``examples/`` by path.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# The name that means "the packaged demo knowledge base" wherever a knowledge path is accepted.
DEMO_KNOWLEDGE = "demo"


def _packaged(name: str) -> Path:
    resource = files(__name__) / name
    # A regular install (wheel or editable) unpacks to the file system; a zipped install would
    # need importlib.resources.as_file, which this project does not support.
    path = Path(str(resource))
    if not path.is_dir():
        raise FileNotFoundError(f"packaged data {name!r} is missing from {path.parent}")
    return path


def demo_knowledge() -> Path:
    """The folder of the demo shop's knowledge base (markdown, one topic per file)."""
    return _packaged("shop_kb")


def scenarios_dir() -> Path:
    """The folder of the multi-turn scenario suite (one TOML file per conversation)."""
    return _packaged("scenarios")


def resolve_knowledge(value: str | Path) -> Path:
    """A knowledge path as given by a user: ``demo`` is the packaged demo knowledge base."""
    return demo_knowledge() if str(value) == DEMO_KNOWLEDGE else Path(value)
