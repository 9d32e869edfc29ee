"""Plan: the rule planner. Applies the rules of ``rules.py`` in order, then lets the ESConv-trained
next-strategy model add its suggestion where the rules leave room for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from empathic.config import PlanningConfig, TrackingConfig
from empathic.conversation import Conversation
from empathic.errors import ModelArtifactError
from empathic.plan.policy import (
    emotion_family,
    handoff_reason,
    intent_said,
    personal_story,
    uses_prediction,
)
from empathic.plan.rules import ADJUSTMENTS, ANSWER_RULES, Situation, Sketch, crisis_first
from empathic.plan.strategy_model import StrategyModel
from empathic.types import EMPATHY_LEVELS, Plan, Reading, State


def plan_turn(
    reading: Reading,
    state: State,
    predicted_strategy: str | None = None,
    knowledge: tuple[str, ...] = (),
    planning: PlanningConfig | None = None,
    tracking: TrackingConfig | None = None,
    *,
    waiting_for_person: bool = False,
    knowledge_base: bool = False,
    known: frozenset[str] = frozenset(),
) -> Plan:
    """The plan for answering ``reading`` given the conversation ``state``: the rules, in order.
    ``waiting_for_person``: a hand-off is open; ``knowledge_base``: one is configured;
    ``known``: the names of the facts the customer has given (device, order_number, ...)."""
    situation = replace(
        _situation(
            reading, state, predicted_strategy, knowledge,
            planning or PlanningConfig(), tracking or TrackingConfig(),
        ),
        waiting_for_person=waiting_for_person,
        knowledge_base=knowledge_base,
        known=known,
    )  # fmt: skip
    sketch = Sketch(family=emotion_family(reading, situation.planning, situation.personal))
    if crisis_first(situation, sketch):
        return _freeze(sketch, replace(situation, knowledge=(), personal=False))
    next(rule for rule in ANSWER_RULES if rule(situation, sketch))
    for adjustment in ADJUSTMENTS:
        adjustment(situation, sketch)
    return _freeze(sketch, situation)


def _situation(
    reading: Reading,
    state: State,
    predicted: str | None,
    knowledge: tuple[str, ...],
    planning: PlanningConfig,
    tracking: TrackingConfig,
) -> Situation:
    personal = (
        reading.crisis is None
        and not state.crisis
        and personal_story(reading, state, knowledge, planning.story_min)
    )
    intent = intent_said(reading, personal)
    reason = handoff_reason(reading, state, intent, planning, tracking)
    return Situation(
        reading, state, knowledge, predicted, intent, personal, reason, planning, tracking
    )


def _freeze(p: Sketch, s: Situation) -> Plan:
    level = EMPATHY_LEVELS[max(0, min(p.level, len(EMPATHY_LEVELS) - 1))]
    must_include = p.must_include + (
        ("acknowledge the feeling before the fix",)
        if p.level >= 2 and "inform" in p.strategies and not p.safety_override
        else ()
    )
    return Plan(
        strategies=tuple(dict.fromkeys(p.strategies)),
        empathy_level=level,
        tone=p.tone,
        family=p.family,
        must_include=must_include,
        must_avoid=tuple(dict.fromkeys(p.avoid)),
        handoff=s.handoff_reason is not None or p.safety_override,
        handoff_reason=s.handoff_reason,
        safety_override=p.safety_override,
        max_apologies=p.max_apologies,
        predicted_strategy=s.predicted_strategy,
        knowledge=s.knowledge,
        personal=s.personal,
    )


class RulePlanner:
    """The built-in ``Planner``: the named rules, plus the learned next strategy when they leave
    room for it (a second pass, only then: the model needs the message's embedding)."""

    def __init__(
        self,
        planning: PlanningConfig | None = None,
        tracking: TrackingConfig | None = None,
        strategy_model: StrategyModel | None = None,
        use_strategy_model: bool = True,
        knowledge_base: bool = False,
    ):
        self.planning = planning or PlanningConfig()
        # Whether the deployment has a knowledge base: a question it has no answer to is then
        # told so plainly, instead of being asked about.
        self.knowledge_base = knowledge_base
        self.tracking = tracking or TrackingConfig()
        if strategy_model is None and use_strategy_model:
            try:
                strategy_model = StrategyModel.load()
            except ModelArtifactError:
                strategy_model = None  # the rules alone still make a whole plan
        self.strategy_model = strategy_model

    def plan(
        self,
        reading: Reading,
        conversation: Conversation,
        knowledge: Sequence[str] = (),
        embedding: np.ndarray | None = None,
    ) -> Plan:
        facts = tuple(knowledge)
        state = conversation.state

        def planned(predicted: str | None) -> Plan:
            return plan_turn(
                reading, state, predicted, facts, self.planning, self.tracking,
                waiting_for_person=conversation.waiting_for_person,
                knowledge_base=self.knowledge_base,
                known=frozenset(conversation.facts),
            )  # fmt: skip

        plan = planned(None)
        if self.strategy_model is not None and embedding is not None and uses_prediction(plan):
            plan = planned(self.strategy_model.predict(embedding, conversation.esconv_labels))
        return plan
