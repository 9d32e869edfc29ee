"""Batch analysis (empathic.batch): the single-process path (JSONL, CSV, Parquet in and out) and,
when Ray is installed (`pip install -e '.[ray]'`), the same run over Ray Data on a local Ray
instance with 20,000 messages: the same bytes, in input order, bad rows reported by line."""

import json
import subprocess
import sys

import pytest

from empathic.batch import analyze_file, read_output

pytest.importorskip("pyarrow")

SHORT = [
    "Where is my parcel?",
    "This is the third time it's late!!",
    "Thanks, that fixed it.",
    "I want a refund now.",
    "Can I talk to a human?",
    "The app crashes when I pay.",
    "Great service, thank you!",
    "Nobody answers my emails.",
]


def _messages(path, count: int, bad: dict[int, str] | None = None) -> dict[int, str]:
    """``count`` short messages as JSONL (a few conversations), with bad lines at the given
    1-based line numbers; returns {line: why} for those."""
    bad = bad or {}
    lines = []
    for i in range(count):
        if len(lines) + 1 in bad:
            lines.append(bad[len(lines) + 1])
        record = {"id": f"m{i}", "conversation_id": f"c{i % 97}", "text": f"{SHORT[i % 8]} #{i}"}
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return bad


BAD = {
    3: "{not json",
    500: json.dumps({"id": "nothing here"}),
    12_345: json.dumps({"text": "x" * 50_000}),  # over the message limit
}


def test_single_process_writes_jsonl_csv_and_parquet_alike(tmp_path):
    source = tmp_path / "in.jsonl"
    _messages(source, 300, {3: "{not json", 7: json.dumps({"text": "x" * 50_000})})
    seen = []
    result = analyze_file(source, tmp_path / "out.jsonl", on_error=seen.append)
    assert result.written == 300 and [e.line for e in result.errors] == [3, 7] == [
        e.line for e in seen
    ]
    parquet = analyze_file(source, tmp_path / "out.parquet")
    assert parquet.written == 300
    records = read_output(tmp_path / "out.jsonl")
    assert read_output(tmp_path / "out.parquet") == records
    lines = [r["line"] for r in records]
    assert lines == sorted(lines) and 3 not in lines and 7 not in lines
    assert records[0]["context_turns"] == 0 and records[97]["context_turns"] == 1
    analyze_file(source, tmp_path / "o.csv")
    csv_rows = read_output(tmp_path / "o.csv")
    assert [r["text"] for r in csv_rows] == [r["text"] for r in records]
    # Parquet in: the rows of the Parquet output (its "text" column) read again
    again = analyze_file(tmp_path / "out.parquet", tmp_path / "again.jsonl", context=False)
    assert again.written == 300 and not again.errors


try:
    import ray
except ImportError:  # the ray tests are skipped; the rest runs
    ray = None
needs_ray = pytest.mark.skipif(ray is None, reason="no ray: pip install -e '.[ray]'")


@needs_ray
def test_cli_engine_ray_writes_parquet(tmp_path):
    source = tmp_path / "in.jsonl"
    _messages(source, 600, {5: "{oops"})
    result = subprocess.run(
        [sys.executable, "-m", "empathic", "analyze", "--engine", "ray", "--workers", "2",
         str(source), str(tmp_path / "out.parquet")],
        capture_output=True, timeout=600,
    )  # fmt: skip
    # its own local Ray instance (none is running yet in this module)
    assert result.returncode == 1, result.stderr  # one bad line, the rest written
    assert "line 5" in result.stderr.decode()
    analyze_file(source, tmp_path / "single.parquet")
    assert read_output(tmp_path / "out.parquet") == read_output(tmp_path / "single.parquet")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@needs_ray
def test_ray_gives_the_single_process_output_on_20000_messages(tmp_path, local_ray):
    source = tmp_path / "in.jsonl"
    _messages(source, 20_000, dict(BAD))
    single = analyze_file(source, tmp_path / "single.jsonl")
    on_ray = analyze_file(source, tmp_path / "ray.jsonl", engine="ray", workers=2)
    assert single.written == on_ray.written == 20_000
    assert on_ray.workers == 2
    assert [(e.line, e.message) for e in on_ray.errors] == [
        (e.line, e.message) for e in single.errors
    ]
    assert [e.line for e in on_ray.errors] == sorted(BAD)
    # identical, byte for byte, hence in input order too
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "single.jsonl").read_bytes()
    lines = [json.loads(x)["line"] for x in (tmp_path / "ray.jsonl").read_text().splitlines()]
    assert lines == sorted(lines) and len(lines) == 20_000


def test_cli_engine_ray_needs_files(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "empathic", "analyze", "--engine", "ray", "-"],
        input=b"hello\n", capture_output=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2 and "INPUT and OUTPUT" in result.stderr.decode()
