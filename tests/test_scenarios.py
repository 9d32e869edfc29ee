"""The multi-turn scenario suite runs against the built-in composer: every expectation holds."""

import pytest

from empathic.data import demo_knowledge
from empathic.engine import Engine
from empathic.evaluate.scenarios import load_scenarios, run_scenarios

SCENARIOS = load_scenarios()
KB = demo_knowledge()


def test_there_are_enough_scenarios():
    assert len(SCENARIOS) >= 40


@pytest.fixture(scope="module")
def engines(engine):
    return {True: Engine(engine.perceiver, knowledge=KB), False: Engine(engine.perceiver)}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.path.stem for s in SCENARIOS])
def test_scenario(engines, scenario):
    failures = [o for o in run_scenarios(lambda kb: engines[kb], [scenario]) if not o.passed]
    assert not failures, "\n".join(f"turn {o.turn} {o.expectation}: {o.detail}" for o in failures)
