"""Replies benchmark (issue 16): what the replies do in real customer conversations.

    python benchmarks/replies.py            # everything (a few minutes on 2 cores; SmolLM2 on CPU)
    python benchmarks/replies.py --quick    # under a minute: 40 conversations, 60 ED, no LLM

Data (benchmarks/data/replies/, see its README): 172 conversations built from real support
threads (TWCS, ABCD, Bitext) with expected reply properties per turn, split by a fixed rule
(sha1(id) % 5 == 0 is sealed: never looked at while tuning); 302 good and bad replies to real
customer turns, bad ones labelled with their failure; 239 real customer questions with the
knowledge-base passage that answers them (29 have none), against a knowledge base written for
them.

* conduct rates over every scenario turn that expects the property: false promises, sentences
  repeated from an earlier reply, dangling announcements, known facts asked again; hand-off
  requests honoured (first and repeated), crisis mode kept;
* whole-conversation pass rates, tuning and sealed, and the project's own 44 scenarios;
* critic recall and precision on the labelled replies (a reply is flagged bad when any conduct
  check fails; the row's action registry and mode are the deployment's);
* knowledge-base accuracy: the top passage is the expected one (and for a question the KB cannot
  answer, nothing scores above the floor, so the reply says so);
* EmpatheticDialogues test (seeded sample): Dist-2 and the EPITOME mechanisms of composer replies,
  over-empathy;
* composer turn p95 and, with SmolLM2 on 127.0.0.1, what empathic adds to an LLM turn.
* peers in the same run: the previous release (commit e958f67, when a worktree of it is given
  with --previous) on the text-only properties, and the human listeners on ED.

The last printed line is one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib.util
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from empathic.check.conduct import conduct_checks, findings
from empathic.check.critic import tag_sentences
from empathic.config import KnowledgeConfig
from empathic.conversation import Conversation, Exchange, Handoff
from empathic.engine import Engine
from empathic.evaluate import replies_data as rd
from empathic.evaluate import suites as su
from empathic.evaluate.datasets import data_root
from empathic.evaluate.epitome import EpitomeScorer
from empathic.evaluate.scenarios import load_scenarios, pass_rate, run_conversation, run_scenarios
from empathic.perceive import Perceiver
from empathic.respond.knowledge import KnowledgeBase, load_entries
from empathic.track import facts as fact_rules
from empathic.types import Draft

DATA = Path(__file__).resolve().parent / "data" / "replies"
# Expectation key -> the benchmark figure it feeds, and whether the figure counts failures.
RATES = {
    "no_false_promise": ("false_promise_rate", True),
    "no_repeat": ("repeat_rate", True),
    "no_dangling": ("dangling_rate", True),
    "no_known_fact_asked": ("asks_known_fact_rate", True),
    "honours_handoff": ("handoff_honoured_rate", False),
    "crisis_persists": ("crisis_persistence_rate", False),
}
# The data's spelling of an action, where it differs from the registry's.
ACTION_NAMES = {"look_up_order": "lookup_order"}
# The Wrenfield deployment's retrieval: past customer phrasings per passage (EXAMPLES_PER_PASSAGE,
# from training rows), a blend and a floor chosen on the tuning questions only (grid over
# 10/20/30/40 examples, weights 0.6-0.8, floors 0.22-0.4; docs/benchmarks.md).
EXAMPLES_PER_PASSAGE = 20
WRENFIELD_RETRIEVAL = KnowledgeConfig(cosine_weight=0.7, min_score=0.35)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _kb_builder():
    spec = importlib.util.spec_from_file_location("build_kb", DATA / "build_kb_questions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def wrenfield_kb() -> KnowledgeBase:
    """The benchmark deployment's knowledge base: the passages written for the questions, with
    past customer phrasings attached the way a support team would from its own tickets
    (Banking77 train rows and Bitext rows that are not benchmark questions), and its retrieval
    settings."""
    entries = load_entries(rd.kb_dir(DATA))
    questions = [json.loads(line) for line in (DATA / "kb_questions.jsonl").open(encoding="utf-8")]
    phrasings = _kb_builder().example_questions(data_root(), questions, EXAMPLES_PER_PASSAGE)
    entries = [
        dataclasses.replace(e, examples=tuple(phrasings.get(e.question, ()))) for e in entries
    ]
    return KnowledgeBase(entries, config=WRENFIELD_RETRIEVAL)


def scenario_figures(perceiver: Perceiver, conversations: list[rd.Conversation]) -> dict:
    """Conduct rates and pass rates of the composer over the real-thread conversations."""
    kb = wrenfield_kb()
    engine = Engine(perceiver, knowledge=kb)
    by_key: dict[str, list[bool]] = defaultdict(list)
    passed: dict[str, list[bool]] = defaultdict(list)
    failures: list[str] = []
    times: list[float] = []
    for conversation in conversations:
        turns = [(t.user, t.expect) for t in conversation.turns]
        start = time.perf_counter()
        outcomes = run_conversation(engine, f"replies-{conversation.id}", conversation.id, turns)
        times.append((time.perf_counter() - start) * 1000 / len(turns))
        for outcome in outcomes:
            by_key[outcome.expectation].append(outcome.passed)
            if not outcome.passed and len(failures) < 400:
                failures.append(
                    f"{conversation.id} turn {outcome.turn} {outcome.expectation}: {outcome.detail}"
                )
        passed[conversation.split].append(all(o.passed for o in outcomes))
    out: dict = {}
    for key, (figure, counts_failures) in RATES.items():
        results = by_key.get(key, [])
        rate = (sum(not r for r in results) if counts_failures else sum(results)) / max(
            len(results), 1
        )
        out[figure] = round(rate, 4)
        out[f"{figure}_turns"] = len(results)
    for split in ("tuning", "sealed"):
        out[f"scenario_pass_rate_{split}"] = (
            round(np.mean(passed[split]), 4) if passed[split] else None
        )
        out[f"scenario_conversations_{split}"] = len(passed[split])
    out["property_pass_rate_all"] = round(
        sum(sum(v) for v in by_key.values()) / max(sum(len(v) for v in by_key.values()), 1), 4
    )
    out["per_key_pass_rate"] = {k: round(np.mean(v), 3) for k, v in sorted(by_key.items())}
    out["_failures"] = failures
    out["_turn_ms"] = times
    return out


def _critic_conversation(row: rd.CriticRow, engine: Engine) -> tuple[Conversation, object]:
    """The conversation a critic row describes, and the plan the pipeline makes for its last
    customer turn (what the critic checks a reply against in production)."""
    conversation = Conversation.start(f"critic-{row.id}")
    pending_user: str | None = None
    for turn in row.context:
        if turn.role == "customer":
            if pending_user is not None:
                conversation.exchanges.append(Exchange(pending_user, "", "composer", ()))
            pending_user = turn.text
        elif pending_user is not None:
            conversation.exchanges.append(Exchange(pending_user, turn.text, "composer", ()))
            pending_user = None
    last = pending_user or row.context[-1].text
    # Every customer turn through the tracker, as the pipeline would have seen them.
    working = Conversation.start(conversation.id)
    users = [e.user for e in conversation.exchanges] + [last]
    readings = engine.analyze(users, [users[:i] for i in range(len(users))])
    for reading in readings:
        working.state = engine.pipeline.stages.tracker.track(working, reading)
    working.exchanges = list(conversation.exchanges)
    state = working.state
    for e in conversation.exchanges:
        working.facts = fact_rules.update(working.facts, e.user)
    working.facts = fact_rules.update(working.facts, last) | dict(row.facts)
    if row.mode == "crisis":
        working.mode = "crisis"
        working.state = type(state)(**{**state.__dict__, "crisis": True})
    if row.mode == "handoff":
        working.state = type(state)(**{**state.__dict__, "handoff": "raised"})
        working.handoff = Handoff("asked for a human", "", len(users) - 1)
    plan = engine.pipeline.plan(reading, working, (), None)
    return working, plan


def critic_figures(perceiver: Perceiver, rows: list[rd.CriticRow]) -> dict:
    """Recall and precision of the conduct checks on labelled good and bad replies."""
    engine = Engine(perceiver)
    tp = fp = fn = tn = 0
    per_failure: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        conversation, plan = _critic_conversation(row, engine)
        actions = [ACTION_NAMES.get(a, a) for a in (row.actions or ())]
        draft = Draft(tag_sentences(row.reply), "llm")
        verdicts = conduct_checks(findings(draft, plan, conversation, actions))  # type: ignore[arg-type]
        flagged = not all(v.passed for v in verdicts)
        bad = row.label == "bad"
        tp += flagged and bad
        fp += flagged and not bad
        fn += bad and not flagged
        tn += not bad and not flagged
        if bad:
            per_failure[row.failure or "?"].append(flagged)
    return {
        "critic_recall": round(tp / max(tp + fn, 1), 4),
        "critic_precision": round(tp / max(tp + fp, 1), 4),
        "critic_rows": len(rows),
        "critic_recall_by_failure": {
            k: round(np.mean(v), 3) for k, v in sorted(per_failure.items())
        },
    }


def _right_passage(kb: KnowledgeBase, q: rd.KBQuestion) -> bool:
    """The top hit is the expected passage, or nothing is found for a question without one."""
    hits = kb.search(q.question, 1)
    return not hits if q.expected is None else bool(hits) and hits[0].entry.question == q.expected


def kb_figures(questions: list[rd.KBQuestion]) -> dict:
    """The top passage is the expected one; an unanswerable question finds nothing. Also per
    split (the conversations' rule on the question's id) and per source: retrieval settings are
    tuned on the tuning questions only. The same passages without examples, at the default
    settings, are the peer."""
    kb = wrenfield_kb()
    right: dict[str, list[bool]] = defaultdict(list)  # "answered" / "unanswerable" / split
    for q in questions:
        ok = _right_passage(kb, q)
        right["unanswerable" if q.expected is None else "answered"].append(ok)
        right[rd.split(q.id)].append(ok)
        right[q.source.split("/")[0]].append(ok)
        right["all"].append(ok)
    bare = KnowledgeBase([dataclasses.replace(e, examples=()) for e in kb.entries], kb.encoder)
    passages_only = [_right_passage(bare, q) for q in questions]

    def share(key: str) -> float:
        return round(sum(right[key]) / max(len(right[key]), 1), 4)

    return {
        "kb_answer_accuracy": share("all"),
        "kb_answer_accuracy_tuning": share("tuning"),
        "kb_answer_accuracy_sealed": share("sealed"),
        "kb_answer_accuracy_by_source": {
            s: share(s) for s in ("banking77", "bitext_customer_support", "twcs_samples")
        },
        "kb_answered_accuracy": share("answered"),
        "kb_unanswerable_recognised": share("unanswerable"),
        "kb_answer_accuracy_passages_only": round(float(np.mean(passages_only)), 4),
        "kb_questions": len(questions),
    }


def ed_figures(limit: int) -> dict:
    scorer = EpitomeScorer()
    ed = su.ed_suite(Engine(), limit=limit, seed=13, epitome=scorer)
    systems = ed.summary["systems"]
    composer, human = systems["composer"], systems["human"]
    return {
        "dist2_ed": composer.get("dist2"),
        "epitome_er": composer.get("er"),
        "epitome_ip": composer.get("ip"),
        "epitome_ex": composer.get("ex"),
        "over_empathy_rate": composer.get("over_empathy_rate"),
        "human_dist2_ed": human.get("dist2"),
        "human_epitome_ip": human.get("ip"),
        "ed_listener_turns": ed.summary["listener_turns"],
    }


def llm_overhead(perceiver: Perceiver, conversations: list[rd.Conversation]) -> dict:
    """What empathic adds to a turn answered by SmolLM2 (upstream time subtracted), with the
    same conduct checks on its replies."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from respond import TimedClient  # the respond benchmark's timing client

    from empathic.respond.local_llm import LocalLlamaServer, smollm2_gguf

    path = smollm2_gguf()
    if path is None:
        return {"llm_overhead_p95_ms": None}
    kb = wrenfield_kb()
    with LocalLlamaServer(path) as server:
        client = TimedClient(server.url, max_tokens=60, timeout=120)
        engine = Engine(perceiver, knowledge=kb, llm=client)
        times, outcomes = [], []
        for conversation in conversations:
            for user, expect in [(t.user, t.expect) for t in conversation.turns]:
                before = client.upstream_seconds
                start = time.perf_counter()
                outcomes += run_conversation(
                    engine, f"llm-{conversation.id}", conversation.id, [(user, expect)]
                )
                times.append(
                    (time.perf_counter() - start - (client.upstream_seconds - before)) * 1000
                )
    conduct = [o for o in outcomes if o.expectation in RATES]
    return {
        "llm_overhead_p95_ms": round(float(np.percentile(times, 95)), 1),
        "llm_conduct_pass_rate": round(np.mean([o.passed for o in conduct]), 4)
        if conduct
        else None,
        "llm_sources": dict(engine.events),
    }


PREVIOUS_SCRIPT = r"""
import json, sys
from empathic.engine import Engine
from empathic.respond.knowledge import KnowledgeBase
kb = KnowledgeBase.from_path(sys.argv[1])
engine = Engine(knowledge=kb)
out = {}
for line in sys.stdin:
    c = json.loads(line)
    out[c["id"]] = [engine.respond("prev-" + c["id"], t).reply.text for t in c["turns"]]
print(json.dumps(out))
"""


def previous_release(previous: Path, conversations: list[rd.Conversation]) -> dict:
    """The previous release's replies to the same conversations, checked on the properties
    that need only the text (promises, repeats, dangling, known facts, hand-off, crisis)."""
    payload = "".join(
        json.dumps({"id": c.id, "turns": [t.user for t in c.turns]}) + "\n" for c in conversations
    )
    env = {"PYTHONPATH": str(previous / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", PREVIOUS_SCRIPT, str(rd.kb_dir(DATA))],
        input=payload, capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    replies = json.loads(done.stdout.strip().splitlines()[-1])
    from empathic.evaluate.scenarios import EXPECTATIONS, Earlier

    text_only = set(RATES)
    by_key: dict[str, list[bool]] = defaultdict(list)
    for conversation in conversations:
        given: dict[str, str] = {}
        earlier: list[str] = []
        for turn, reply in zip(conversation.turns, replies[conversation.id], strict=True):
            given = fact_rules.update(given, turn.user)
            fake = _text_turn(reply)
            for key, want in turn.expect.items():
                if key in text_only:
                    ok, _ = EXPECTATIONS[key](fake, want, Earlier(tuple(earlier), dict(given)))
                    by_key[key].append(ok)
            earlier.append(reply)
    out = {}
    for key, (figure, counts_failures) in RATES.items():
        results = by_key.get(key, [])
        rate = (sum(not r for r in results) if counts_failures else sum(results)) / max(
            len(results), 1
        )
        out[f"previous_{figure}"] = round(rate, 4)
    return out


def _text_turn(reply: str):
    """A stand-in Turn carrying only the reply text (for the text-only checks)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        reply=SimpleNamespace(text=reply, sentences=tag_sentences(reply), checks=())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 conversations, 60 ED, no LLM")
    parser.add_argument(
        "--previous", type=Path, help="a checkout of the previous release (e958f67)"
    )
    parser.add_argument("--show-failures", action="store_true", help="tuning-set failures only")
    args = parser.parse_args()

    perceiver = Perceiver()
    conversations = rd.load_conversations(DATA)
    if args.quick:
        conversations = conversations[:40]
    log(f"scenarios: {len(conversations)} real-thread conversations ...")
    results = scenario_figures(perceiver, conversations)
    failures = results.pop("_failures")
    turn_ms = results.pop("_turn_ms")
    results["composer_p95_ms"] = round(float(np.percentile(turn_ms, 95)), 1)
    if args.show_failures:
        sealed = {c.id for c in conversations if c.split == "sealed"}
        for line in failures:
            if line.split(" ", 1)[0] not in sealed:
                print("  " + line[:300])
    own = load_scenarios()
    engines = {True: Engine(perceiver, knowledge="demo"), False: Engine(perceiver)}
    results["project_scenarios_pass_rate"] = round(
        pass_rate(run_scenarios(lambda kb: engines[kb], own)), 4
    )
    log("critic ...")
    results.update(critic_figures(perceiver, rd.load_critic_rows(DATA)))
    log("knowledge base ...")
    results.update(kb_figures(rd.load_kb_questions(DATA)))
    log("EmpatheticDialogues ...")
    results.update(ed_figures(60 if args.quick else 300))
    if not args.quick:
        log("SmolLM2 ...")
        results.update(llm_overhead(perceiver, conversations[:30]))
    if args.previous:
        log("previous release ...")
        results.update(previous_release(args.previous, conversations))

    for key, value in results.items():
        if not isinstance(value, dict):
            print(f"{key:<36} {value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
