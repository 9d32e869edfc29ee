"""The reply benchmark's data (issue 16): it loads, meets the minimum sizes, uses only the
agreed expectation keys, splits by the documented rule, and every expected KB passage exists."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from empathic.evaluate import replies_data as rd
from empathic.respond.knowledge import load_entries

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "replies"

ALLOWED = {
    "strategies_include",
    "strategies_exclude",
    "handoff",
    "crisis",
    "acknowledges",
    "no_apology",
    "max_apologies",
    "no_preamble",
    "has_help",
    "mentions_human",
    "safe_reply",
    "no_false_promise",
    "no_repeat",
    "no_dangling",
    "no_known_fact_asked",
    "uses_fact",
    "honours_handoff",
    "crisis_persists",
    "celebrates",
    "condolence",
    "plain_answer",
}


def test_expectation_keys_are_the_agreed_ones():
    assert rd.EXPECTATION_KEYS == ALLOWED


def test_conversations_load_and_meet_the_minimums():
    conversations = rd.load_conversations(DATA)
    assert len(conversations) >= 150
    assert len({c.id for c in conversations}) == len(conversations)
    for c in conversations:
        assert 1 <= len(c.turns) <= 4, c.id
        assert c.source and c.licence and c.source_row, c.id
        for turn in c.turns:
            assert turn.user.strip() and not re.search(r"@\w", turn.user), c.id  # handles removed
            assert set(turn.expect) <= ALLOWED, c.id


def test_raw_scenario_keys_are_only_the_documented_ones():
    path = DATA / "scenarios.jsonl"
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        assert set(row) <= {"id", "source", "source_row", "licence", "tag", "turns"}
        for turn in row["turns"]:
            assert set(turn) == {"user", "expect"}
            assert set(turn["expect"]) <= ALLOWED


def test_uses_fact_was_given_by_the_customer():
    for c in rd.load_conversations(DATA):
        said = ""
        for turn in c.turns:
            said += " " + turn.user.lower()
            fact = turn.expect.get("uses_fact")
            if fact is not None:
                assert isinstance(fact, str) and fact.lower() in said, (c.id, fact)


def test_every_new_property_is_measured_somewhere():
    seen = Counter(k for c in rd.load_conversations(DATA) for t in c.turns for k in t.expect)
    for key in rd.NEW_KEYS:
        assert seen[key] >= 3, key


def test_split_rule_is_sha1_mod_5_and_documented():
    conversations = rd.load_conversations(DATA)
    for c in conversations:
        sealed = int(hashlib.sha1(c.id.encode("utf-8")).hexdigest(), 16) % 5 == 0
        assert rd.split(c.id) == ("sealed" if sealed else "tuning")
    sealed = rd.load_conversations(DATA, which="sealed")
    tuning = rd.load_conversations(DATA, which="tuning")
    assert len(sealed) >= 30 and len(sealed) + len(tuning) == len(conversations)
    assert 0.12 <= len(sealed) / len(conversations) <= 0.28
    readme = (DATA / "README.md").read_text("utf-8")
    assert "sha1(conversation id) % 5 == 0" in readme


def test_critic_rows_half_bad_covering_every_failure():
    rows = rd.load_critic_rows(DATA)
    assert len(rows) >= 300
    bad = [r for r in rows if r.label == "bad"]
    assert abs(len(bad) - len(rows) / 2) <= len(rows) * 0.05
    kinds = Counter(r.failure for r in bad)
    assert set(kinds) == set(rd.FAILURE_KINDS)
    assert min(kinds.values()) >= 15
    assert len({r.reply for r in rows}) == len(rows)
    for r in rows:
        assert r.context and r.context[-1].role == "customer", r.id
        if r.failure == "asks_known_fact":
            assert r.facts, r.id
        if r.failure == "unbacked_promise":
            assert r.actions is not None, r.id
        if r.failure in ("crisis_dropped",):
            assert r.mode == "crisis", r.id


def test_kb_questions_point_at_passages_that_exist():
    questions = rd.load_kb_questions(DATA)
    assert len(questions) >= 200
    headings = {entry.question for entry in load_entries(rd.kb_dir(DATA))}
    unanswered = [q for q in questions if q.expected is None]
    assert 0.05 <= len(unanswered) / len(questions) <= 0.2
    for q in questions:
        assert q.question.strip(), q.id
        assert q.expected is None or q.expected in headings, (q.id, q.expected)
    # the knowledge base covers the areas the issue names, each answered at least once
    used = Counter(q.expected for q in questions if q.expected)
    assert len(used) >= 35


def test_kb_headings_are_unique():
    entries = load_entries(rd.kb_dir(DATA))
    assert len(entries) >= 40
    assert len({e.question for e in entries}) == len(entries)


def _sentences(text: str) -> set[str]:
    return {s.strip().lower() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()}


_RESOURCES = re.compile(r"\b(?:988|116 123|999|911)\b")


def test_critic_labels_agree_with_what_the_reply_does():
    """Mechanical sanity of the hand labels: a repeated-content reply repeats a bot sentence
    verbatim and no other reply does; crisis-mode good replies keep the resources and crisis
    -dropped ones lose them; replies to a hand-off ask no question when good; a reply that asks
    for a known fact asks a question."""
    for r in rd.load_critic_rows(DATA):
        bot = set().union(*(_sentences(t.text) for t in r.context if t.role == "bot"))
        repeats = bool(_sentences(r.reply) & bot)
        assert repeats == (r.failure == "repeated_content"), r.id
        if r.mode == "crisis":
            assert bool(_RESOURCES.search(r.reply)) == (r.label == "good"), r.id
        if r.id.startswith("handoff_not_honoured"):
            assert ("?" in r.reply) == (r.label == "bad"), r.id
        if r.failure == "asks_known_fact":
            assert "?" in r.reply, r.id
