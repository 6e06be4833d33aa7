"""Article extraction benchmark: how well ``newsdesk ingest`` reads real article pages.

Usage (from the repository root)::

    .venv/bin/python benchmarks/extraction.py                # score and print
    .venv/bin/python benchmarks/extraction.py --record       # also update benchmarks/RESULTS.md

Pages and people's marked bodies come from ``../shared/eval/extraction-dev`` (``--data``):
``html/<key>.html.gz`` and ``ground-truth.json`` (``articleBody`` per key). Each page goes
through ``retrieval.ingest.pages.extract_page``, the function ``newsdesk ingest`` reads files with,
and is scored with the benchmark's measure: shingles of 4 consecutive tokens (tokens: ``\\w+``
and single non-space characters), counted with multiplicity, true positives, extracted and
marked shingles summed over pages, then precision, recall and F1. Also reported: how often
title, date and outlet are found with no option given (the target is 80% of pages), and the
same score for the text cleaner ingest used on HTML before (the issue's 0.08).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402

from retrieval.ingest.cleaning import clean_raw_article  # noqa: E402
from retrieval.ingest.pages import RawPage, extract_page  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "extraction-dev"
PUBLISHED = [  # F1 on the benchmark's full 181-page set, as published with it
    ("trafilatura 2.0", 0.958),
    ("newspaper4k", 0.949),
    ("readability-lxml", 0.922),
    ("justext", 0.804),
    ("plain html-to-text", 0.665),
]
BEFORE_IN_ISSUE = 0.08  # newsdesk ingest before this work, as measured in issue 10
TARGET_F1 = 0.95
TARGET_FOUND = 0.80
_TOKEN = re.compile(r"\w+|[^\w\s]")


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if 0 < len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


@dataclass
class Score:
    true_positive: int = 0
    extracted: int = 0
    marked: int = 0

    def add(self, extracted: str, marked: str) -> None:
        got, want = shingles(extracted), shingles(marked)
        self.true_positive += sum((got & want).values())
        self.extracted += sum(got.values())
        self.marked += sum(want.values())

    @property
    def precision(self) -> float:
        return self.true_positive / self.extracted if self.extracted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.marked if self.marked else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def run(data: Path) -> dict:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    ingest, before = Score(), Score()
    found: Counter[str] = Counter()
    started = time.perf_counter()
    for key, item in sorted(truth.items()):
        page = gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes())
        result = extract_page(RawPage(f"{key}.html", page))
        ingest.add(result.body, item["articleBody"])
        before.add(clean_raw_article(page.decode("utf-8", "replace")).body, item["articleBody"])
        found.update(
            name
            for name, value in (
                ("title", result.title),
                ("date", result.published),
                ("outlet", result.source),
                ("author", result.author),
                ("canonical URL", result.url),
            )
            if value
        )
    return {
        "pages": len(truth),
        "ingest": ingest,
        "before": before,
        "found": found,
        "seconds": time.perf_counter() - started,
    }


def report(figures: dict) -> str:
    pages, ingest, before = figures["pages"], figures["ingest"], figures["before"]
    lines = [
        f"{pages} pages of `extraction-dev`; shingle measure of the benchmark (summed over pages).",
        "",
        "| extractor | F1 | precision | recall |",
        "|---|---|---|---|",
        f"| **newsdesk ingest (trafilatura)** | **{ingest.f1:.3f}** | {ingest.precision:.3f} | {ingest.recall:.3f} |",
        f"| text cleaner on the same pages, measured | {before.f1:.3f} | {before.precision:.3f} | {before.recall:.3f} |",
        f"| text cleaner on HTML, as measured in issue 10 | {BEFORE_IN_ISSUE:.2f} | | |",
        *(f"| {name} (published, full 181-page set) | {f1:.3f} | | |" for name, f1 in PUBLISHED),
        "",
        f"Target F1 >= {TARGET_F1}: {'met' if ingest.f1 >= TARGET_F1 else 'NOT met'}.",
        "",
        "| found with no option | pages | share |",
        "|---|---|---|",
    ]
    for name in ("title", "date", "outlet", "author", "canonical URL"):
        count = figures["found"][name]
        target = f" (target {TARGET_FOUND:.0%})" if name in ("title", "date", "outlet") else ""
        lines.append(f"| {name}{target} | {count} / {pages} | {count / pages:.0%} |")
    lines += ["", f"Time: {figures['seconds']:.1f} s for both extractors over {pages} pages."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with html/ and ground-truth.json")
    parser.add_argument("--record", action="store_true", help="update the section in benchmarks/RESULTS.md")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").is_file():
        print(f"no extraction pages at {args.data} (pass --data FOLDER)", file=sys.stderr)
        return 2
    text = report(run(args.data))
    print(text)
    if args.record:
        replace_section(HERE / "RESULTS.md", f"# Article extraction\n\nCommand: `python benchmarks/extraction.py --record`\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
