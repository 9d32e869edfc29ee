"""Check: score a draft against its plan, repair it, or ask for one regeneration."""

from empathic.check.critic import RuleCritic, critique, repair

__all__ = ["RuleCritic", "critique", "repair"]
