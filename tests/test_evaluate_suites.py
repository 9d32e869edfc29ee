"""The eval suites on small inputs: transcripts, ED replies, scenarios."""

import json

import numpy as np
import pytest

from empathic.errors import DataNotFoundError
from empathic.evaluate import datasets as ds
from empathic.evaluate import suites as su

try:
    ds.data_root()
    HAVE_DATA = True
except DataNotFoundError:
    HAVE_DATA = False

needs_data = pytest.mark.skipif(not HAVE_DATA, reason="../shared/data not present")


def test_read_transcripts_jsonl_and_csv(tmp_path):
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "conversation_id": "a",
                        "role": "customer",
                        "text": "My card was charged twice",
                    }
                ),
                "{broken",
                json.dumps(
                    {"conversation_id": "a", "role": "agent", "message": "I've refunded it."}
                ),
                json.dumps({"conversation_id": "a", "role": "robot", "text": "?"}),
                json.dumps({"conversation_id": "b", "text": "no role means the person"}),
            ]
        ),  # fmt: skip
        "utf-8",
    )
    lines, errors = su.read_transcripts(jsonl)
    assert [(x.conversation, x.role) for x in lines] == [
        ("a", "user"),
        ("a", "agent"),
        ("b", "user"),
    ]
    assert errors == ["line 2: malformed JSON", "line 4: unknown role 'robot'"]
    csv_file = tmp_path / "t.csv"
    csv_file.write_text(
        'conversation_id,role,text\nx,user,"Hello,\nthere"\nx,assistant,Hi!\n', "utf-8"
    )
    lines, errors = su.read_transcripts(csv_file)
    assert [x.text for x in lines] == ["Hello,\nthere", "Hi!"] and not errors


def test_transcripts_suite_finds_escalation_handoff_and_calibration_problems(engine):
    path = su.Path(__file__).resolve().parents[1] / "examples" / "support_transcripts.jsonl"
    result = su.transcripts_suite(engine, path)
    by_id = {c["conversation"]: c for c in result.details["conversations"]}
    assert result.summary["conversations"] == 3 and result.summary["agent_replies"] == 6
    angry = by_id["c1"]
    assert angry["handoff"] is not None and angry["handoff"]["turn"] <= 3
    assert angry["peak_escalation"] > by_id["c2"]["peak_escalation"]
    assert angry["final_valence"] < 0 < by_id["c2"]["final_valence"]
    kinds = {p["kind"] for p in by_id["c2"]["calibration_problems"]}
    assert "apology_on_thanks" in kinds
    assert by_id["c3"]["calibration_problems"] == []
    assert "c1" in result.plots["trajectories"]


@needs_data
def test_ed_suite_replies_beside_the_human_listener(engine):
    result = su.ed_suite(engine, limit=3, seed=1)
    systems = result.summary["systems"]
    assert set(systems) == {"composer", "human", "helpful_only", "max_empathy"}
    turns = result.summary["listener_turns"]
    assert turns >= 3 and all(s["replies"] == turns for s in systems.values())
    assert systems["helpful_only"]["empathy_sentences"] == 0
    assert systems["max_empathy"]["empathy_sentences"] >= 3
    assert systems["max_empathy"]["over_empathy_rate"] > systems["composer"]["over_empathy_rate"]


def test_scenarios_suite_matches_the_scenario_runner(engine):
    result = su.scenarios_suite(lambda knowledge: engine)
    assert result.summary["scenarios"] == len(result.details["table"]) > 0
    assert 0 <= result.summary["pass_rate"] <= 1


@needs_data
def test_esconv_suite_reports_accuracy_macro_f1_and_a_confusion_matrix(engine):
    result = su.esconv_suite(engine.perceiver)
    s = result.summary
    matrix = np.array(result.plots["confusion"]["matrix"])
    assert matrix.sum() == s["samples"] == len(ds.esconv("test"))
    assert s["accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum(), abs=1e-4)
    assert 0.2 < s["accuracy"] < 0.6 and 0.1 < s["macro_f1"] < 0.6
    assert "ESConv (Liu et al. 2021), BlenderBot-Joint" in s["published"]
