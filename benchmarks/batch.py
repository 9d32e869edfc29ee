"""Batch analysis benchmark: one process against Ray Data on this machine, same input.

    python benchmarks/batch.py                 # 20,000 short messages (about 3 minutes on 2 cores)
    python benchmarks/batch.py --rows 5000     # quicker

Writes the messages as JSONL, runs ``empathic.batch.analyze_file`` on one process and then over
Ray Data (one Engine per actor, one actor per CPU unless --workers), both to JSONL, and checks
the two outputs are the same bytes. Rows/s count every input row over the whole run (reading,
perceiving, writing); Ray's start-up (``ray.init``) is timed apart and left out of its figure.

Projection: each Ray actor's measured rate (rows/s on Ray / actors) times N actors, on the
assumption that the driver (which reads the input and writes the output) keeps up; on 2 cores the
actors share the machine with the driver, so the per-actor figure is a lower bound.

Needs ``pip install -e '.[ray]'``. The last printed line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from empathic.batch import analyze_file

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


def write_input(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(rows):
            record = {
                "id": f"m{i}",
                "conversation_id": f"c{i % 97}",
                "text": f"{SHORT[i % 8]} #{i}",
            }
            out.write(json.dumps(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=None, help="Ray actors (default: CPUs)")
    parser.add_argument("--project", type=int, nargs="*", default=[4, 16, 64])
    args = parser.parse_args()
    try:
        import ray
    except ImportError:
        sys.exit("needs Ray: pip install -e '.[ray]'")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "in.jsonl"
        write_input(source, args.rows)
        single = analyze_file(source, work / "single.jsonl")
        print(f"single process: {single.rows_per_s:.0f} rows/s ({single.seconds:.1f} s)")
        start = time.perf_counter()
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        ray_start = time.perf_counter() - start
        on_ray = analyze_file(source, work / "ray.jsonl", engine="ray", workers=args.workers)
        ray.shutdown()
        print(f"ray, {on_ray.workers} actors: {on_ray.rows_per_s:.0f} rows/s "
              f"({on_ray.seconds:.1f} s, plus {ray_start:.1f} s to start Ray)")  # fmt: skip
        identical = (work / "single.jsonl").read_bytes() == (work / "ray.jsonl").read_bytes()
    per_actor = on_ray.rows_per_s / on_ray.workers
    figures = {
        "rows": args.rows,
        "cpus": os.cpu_count(),
        "rows_per_s_single": round(single.rows_per_s, 1),
        "rows_per_s_ray": round(on_ray.rows_per_s, 1),
        "ray_workers": on_ray.workers,
        "ray_start_s": round(ray_start, 2),
        "ray_overhead_ratio": round(single.rows_per_s / on_ray.rows_per_s, 3),
        "identical_outputs": identical,
        "rows_per_s_per_actor": round(per_actor, 1),
        "projected_rows_per_s": {str(n): round(per_actor * n) for n in args.project},
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
