"""Evaluation benchmark: the EPITOME scorer, and the composer's replies on EmpatheticDialogues.

    python benchmarks/evaluate.py               # 300 ED test conversations (seeded), ~3 min
    python benchmarks/evaluate.py --limit 0     # every ED test conversation

* EPITOME: accuracy and macro-F1 per mechanism on the test split (20%, grouped by seeker post,
  seed 13) of EPITOME-Reddit, beside the replication figures and a majority baseline.
* ED test: the composer replies at each human listener's position; emotional reactions,
  interpretations and explorations (the EPITOME scorer), emotion match, over- and
  under-empathy, helpfulness and Dist-1/2, for the composer, the human listeners, a
  helpful-only baseline (no empathy) and an always-maximal-empathy baseline.

The last printed line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

from empathic.engine import Engine
from empathic.evaluate import suites as su
from empathic.evaluate.epitome import MECHANISMS, REPLICATION, SHORT, EpitomeScorer
from empathic.evaluate.report import score_table
from empathic.evaluate.run import epitome_figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="ED test conversations (0: all)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    started = time.perf_counter()
    scorer = EpitomeScorer()
    figures = epitome_figures(scorer)
    print(f"EPITOME scorer, test split ({figures['test_pairs']} pairs, grouped by seeker post)")
    print(f"  {'mechanism':<20} {'acc':>6} {'macroF1':>8}   replication   majority")
    result: dict = {}
    for m in MECHANISMS:
        acc, f1 = figures[m]
        ra, rf = REPLICATION[m]
        ma, mf = figures[f"{m}_majority"]
        print(f"  {m:<20} {acc:6.3f} {f1:8.3f}   {ra:.2f} / {rf:.2f}   {ma:.3f} / {mf:.3f}")
        result[f"epitome_{SHORT[m]}_acc"] = acc
        result[f"epitome_{SHORT[m]}_macro_f1"] = f1
        result[f"epitome_{SHORT[m]}_meets_replication"] = acc >= ra and f1 >= rf

    ed = su.ed_suite(Engine(), limit=args.limit, seed=args.seed, epitome=scorer)
    systems = ed.summary["systems"]
    print(
        f"\nEmpatheticDialogues test: {ed.summary['listener_turns']} listener turns of "
        f"{ed.summary['conversations']} conversations (seed {args.seed})"
    )
    rows = score_table(systems)
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    composer, human = systems["composer"], systems["human"]
    for system in ("composer", "human", "helpful_only", "max_empathy"):
        s = systems[system]
        prefix = f"ed_{system}"
        for key in ("er", "ip", "ex", "emotion_match", "helpful", "dist1", "dist2"):
            result[f"{prefix}_{key}"] = s.get(key)
        result[f"{prefix}_over_empathy_rate"] = s["over_empathy_rate"]
        result[f"{prefix}_under_empathy_rate"] = s["under_empathy_rate"]
        result[f"{prefix}_same_opening_share"] = s["same_opening_share"]
    result["ed_listener_turns"] = ed.summary["listener_turns"]
    sources = ed.summary["composer_reply_sources"]
    # Replies at listener positions that were the fixed crisis reply (a crisis signal was read).
    result["ed_composer_safety_replies"] = sources.get("safety", 0)
    print(f"  composer reply sources: {sources}")
    registers = ed.summary["composer_registers"]
    result["ed_composer_personal_share"] = registers.get("personal", 0) / max(
        sum(registers.values()), 1
    )
    print(f"  composer registers: {registers}")
    result["ed_composer_beats_human_er"] = composer["er"] > human["er"]
    result["ed_composer_beats_human_ex"] = composer["ex"] > human["ex"]
    result["ed_composer_over_empathy_below_5pct"] = composer["over_empathy_rate"] < 0.05
    result["ed_composer_dist2_at_least_human"] = composer["dist2"] >= human["dist2"]
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
