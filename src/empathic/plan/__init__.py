"""Plan: State + Reading -> Plan."""

from empathic.plan.policy import plan_turn

__all__ = ["plan_turn"]
