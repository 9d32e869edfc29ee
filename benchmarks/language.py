"""English or not (perceive/language.py) on real tweets: how many messages in other languages are
caught, and how many English customer messages are wrongly set aside.

    python benchmarks/language.py

Test rows only: UMSAB's official test split (870 tweets per language), and the issue's sha1 rule
for airline_tweets, twcs_samples and complaints_twitter; banking77's official test split. The
thresholds in perceive/language.py were chosen on train rows.

* other_language_recall_<lang>: share of a language's UMSAB test tweets read as not English.
* english_flag_rate_<set>: share of English test messages read as another language. TWCS holds
  some tweets that really are in other languages; each TWCS flag is printed to be judged.
* The previous release read every message as English: recall 0 and flag rate 0 throughout.

The last printed line is one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "training"))

import customer_data as cd  # noqa: E402 - the shared split rule

from empathic.perceive.language import ENGLISH, language_of  # noqa: E402

UMSAB = cd.DATA / "umsab_multilingual_sentiment"
OTHER_LANGUAGES = ("arabic", "french", "german", "hindi", "italian", "portuguese", "spanish")


def umsab_test(language: str) -> list[str]:
    with open(UMSAB / f"{language}_test.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def english_sets() -> dict[str, list[str]]:
    return {
        "umsab_english": umsab_test("english"),
        "airline": [r["text"] for r in cd.airline() if r["split"] == "test"],
        "twcs": [r["text"] for r in cd.twcs() if r["split"] == "test"],
        "complaints": [r["text"] for r in cd.complaints() if r["split"] == "test"],
        "banking77": [r["text"] for r in cd.banking77() if r["split"] == "test"],
    }


def main() -> None:
    console = Console()
    results: dict[str, float | int] = {}
    table = Table("set", "messages", "read as not English")
    for language in OTHER_LANGUAGES:
        texts = umsab_test(language)
        caught = sum(language_of(t) != ENGLISH for t in texts)
        results[f"other_language_recall_{language}"] = round(caught / len(texts), 4)
        table.add_row(f"UMSAB {language} (recall)", str(len(texts)), f"{caught / len(texts):.3f}")
    flagged_twcs = []
    for name, texts in english_sets().items():
        flags = [t for t in texts if language_of(t) != ENGLISH]
        if name == "twcs":
            flagged_twcs = flags
        results[f"english_flag_rate_{name}"] = round(len(flags) / len(texts), 4)
        results[f"english_messages_{name}"] = len(texts)
        table.add_row(f"{name} (flag rate)", str(len(texts)), f"{len(flags) / len(texts):.4f}")
    console.print(table)
    console.print("previous release: every message read as English (recall 0, flag rate 0)")
    console.print(f"TWCS test tweets read as another language ({len(flagged_twcs)}):")
    for text in flagged_twcs:
        console.print(f"  [{language_of(text)}] {text[:100]!r}", markup=False, highlight=False)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
