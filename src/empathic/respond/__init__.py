"""Respond: Plan + history + knowledge -> Draft (built-in composer or a steered LLM)."""
