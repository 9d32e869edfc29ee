"""The evaluation report: report.json, report.md and valid PNG plots."""

import json

from empathic.evaluate.report import latest_report, latest_summary, score_table, write_report
from empathic.evaluate.suites import SuiteResult

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _systems():
    base = {"er": 0.8, "ip": 0.5, "ex": 0.4, "emotion_match": 0.7, "over_empathy_rate": 0.02,
            "under_empathy_rate": 0.1, "helpful": 0.9, "dist1": 0.1, "dist2": 0.4,
            "same_opening_share": 0.2, "er_levels": [5, 3, 2], "ip_levels": [6, 2, 2],
            "ex_levels": [7, 1, 2], "over_kinds": {"too_much_empathy": 1}, "under_kinds": {}}  # fmt: skip
    return {"composer": base, "human": base | {"er": 0.5, "over_kinds": {}}}


def fake_results():
    systems = _systems()
    ed = SuiteResult(
        "ed",
        summary={"conversations": 2, "listener_turns": 10, "systems": systems},
        details={
            "failure_examples": [
                {
                    "system": "composer",
                    "kind": "too_much_empathy",
                    "message": "hi",
                    "reply": "so sorry",
                }
            ]
        },  # fmt: skip
        plots={
            "levels": {
                s: {k: v[f"{k}_levels"] for k in ("er", "ip", "ex")} for s, v in systems.items()
            },
            "per_emotion": {
                "sad": {"n": 3, "top1": 0.3, "top3": 0.6},
                "joyful": {"n": 2, "top1": 0.5, "top3": 1.0},
            },  # fmt: skip
            "calibration": {s: v["over_kinds"] | v["under_kinds"] for s, v in systems.items()},
            "trajectories": {"ed-1": [-0.5, -0.2, 0.3], "ed-2": [0.1, -0.6]},
        },
    )
    esconv = SuiteResult(
        "esconv",
        summary={
            "samples": 4,
            "accuracy": 0.5,
            "macro_f1": 0.4,
            "published": {"paper": {"accuracy": 0.32, "macro_f1": 0.22}},
        },  # fmt: skip
        plots={"confusion": {"labels": ["Question", "Others"], "matrix": [[2, 1], [1, 0]]}},
    )
    return [ed, esconv]


def test_report_writes_json_markdown_and_valid_pngs(tmp_path):
    epitome = {m: (0.8, 0.7) for m in ("emotional_reactions", "interpretations", "explorations")}
    folder = write_report(fake_results(), tmp_path, "run1", "empathic eval ed esconv", epitome)
    data = json.loads((folder / "report.json").read_text())
    assert data["name"] == "run1"
    assert data["suites"]["ed"]["summary"]["systems"]["composer"]["er"] == 0.8
    assert data["suites"]["esconv"]["summary"]["accuracy"] == 0.5
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert pngs == sorted([
        "ed_score_distributions.png", "ed_per_emotion_accuracy.png",
        "ed_calibration_failures.png", "ed_worst_trajectories.png", "esconv_confusion_matrix.png",
    ])  # fmt: skip
    for png in folder.glob("*.png"):
        raw = png.read_bytes()
        assert raw.startswith(PNG_MAGIC) and len(raw) > 5_000
    markdown = (folder / "report.md").read_text()
    assert "| emotional reactions (0-2) | 0.80 | 0.50 |" in markdown
    assert "![ed_score_distributions](ed_score_distributions.png)" in markdown
    assert sorted(data["suites"]["ed"]["plots"]) == sorted(p for p in pngs if p.startswith("ed_"))
    assert latest_report(tmp_path) == folder


def test_latest_report_follows_the_newest(tmp_path):
    assert latest_report(tmp_path) is None
    write_report(fake_results()[1:], tmp_path, "a")
    second = write_report(fake_results()[1:], tmp_path, "b")
    assert latest_report(tmp_path) == second


def test_score_table_has_one_column_per_system():
    rows = score_table(_systems())
    assert rows[0] == ["score", "composer", "human"]
    assert ["over-empathy", "2.0%", "2.0%"] in rows


def test_latest_summary_for_the_dashboard(tmp_path):
    assert latest_summary(tmp_path) is None
    write_report(fake_results(), tmp_path, "run2")
    summary = latest_summary(tmp_path)
    assert summary["name"] == "run2"
    assert summary["headline"]["composer"]["er"] == 0.8
    assert summary["headline"]["esconv"]["accuracy"] == 0.5
    assert "report.md" in summary["files"] and "esconv_confusion_matrix.png" in summary["files"]
