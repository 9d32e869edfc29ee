"""HTTP service: JSON API, OpenAI-compatible endpoint, web chat and operator dashboard."""

from empathic.serve.app import create_app
from empathic.serve.settings import Settings

__all__ = ["Settings", "create_app"]
