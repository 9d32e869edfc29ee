"""The service's settings are the ``serving`` section of ``empathic.config.EmpathicConfig``.

``Settings`` is that section under its old name, so ``create_app(Settings(db_url=...))`` keeps
working; new code passes a whole ``EmpathicConfig``.
"""

from __future__ import annotations

from empathic.config import ServingConfig

Settings = ServingConfig

__all__ = ["ServingConfig", "Settings"]
