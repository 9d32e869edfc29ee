"""Plan: Reading + Conversation -> Plan (named rules, plus a learned next strategy)."""

from empathic.plan.planner import RulePlanner, plan_turn

__all__ = ["RulePlanner", "plan_turn"]
