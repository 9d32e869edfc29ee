"""`empathic eval`, run as a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "support_transcripts.jsonl"


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "empathic", *args], capture_output=True,
                          timeout=600, cwd=cwd)  # fmt: skip


def test_eval_scenarios_and_transcripts_write_a_report(tmp_path):
    result = run("eval", "scenarios", "--transcripts", str(EXAMPLE), "--out", str(tmp_path),
                 "--name", "check")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "pass rate:" in out and "transcripts: 3 conversations" in out
    folder = tmp_path / "check"
    data = json.loads((folder / "report.json").read_text())
    assert set(data["suites"]) == {"scenarios", "transcripts"}
    assert data["suites"]["transcripts"]["summary"]["handoff_points"] >= 1
    assert (folder / "report.md").read_text().startswith("# empathic evaluation: check")
    for name in data["suites"]["transcripts"]["plots"]:
        assert (folder / name).read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "LATEST").read_text().strip() == "check"


def test_eval_rejects_an_unknown_suite_and_a_missing_transcripts_file(tmp_path):
    unknown = run("eval", "edd", "--out", str(tmp_path))
    assert unknown.returncode == 2 and b"unknown suite" in unknown.stderr
    missing = run("eval", "transcripts", "--out", str(tmp_path))
    assert missing.returncode == 2 and b"--transcripts FILE" in missing.stderr
    assert not list(tmp_path.iterdir())
