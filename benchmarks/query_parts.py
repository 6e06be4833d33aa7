"""What each part of query understanding is worth: the quality figures with each part off.

Usage (from the repository root)::

    .venv/bin/python benchmarks/query_parts.py ../shared/eval/dev_questions.jsonl \\
        ../shared/eval/dev_questions_typed.jsonl ../shared/eval/squad2-dev-two-articles.json \\
        [--results benchmarks/RESULTS.md]

Each file is measured as ``benchmarks/quality.py`` measures newsdesk (``benchmarks.harness.evaluate``),
once with everything on, once with each part off, and once with all of them off. The parts:
Unicode normalisation, aliases (the analyzer's name groups), lemmas, lowercase acronyms,
alias phrases in questions, spelling, chat shorthand, names cut short (spelling's
completion) and the wording order of the excerpts shown. A part is switched off in this process only, by
replacing it with what was there before it (this script is an ablation harness, nothing
else uses these switches).

Two mechanical variants of the same questions measure what the dev sets barely contain:

- **other names**: the first name in a question that belongs to a group of the bundled
  aliases file is replaced by the next name of its group ("Islamic State" -> "Islamic State
  of Iraq and Syria", "US" -> "U.S."); only the questions that changed are kept;
- **zero-width**: a zero-width space inside the longest word (5+ letters) of each question.

Both are derived from the questions by rule, not written for them; they run with
everything on, with the part they probe off, and with all parts off.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from quality import default_corpus  # noqa: E402
from results import replace_section  # noqa: E402

import retrieval.text.analyzer as analyzer_module  # noqa: E402
import retrieval.answer.ordering as ordering  # noqa: E402
import retrieval.answer.weighting as weighting  # noqa: E402
import retrieval.archive as archive_module  # noqa: E402
import retrieval.index.bm25 as index_module  # noqa: E402
import retrieval.answer.query as query_module  # noqa: E402
import retrieval.text.spelling as spelling_module  # noqa: E402
import retrieval.store.saved as store_module  # noqa: E402
from retrieval.text.aliases import Aliases, bundled_aliases  # noqa: E402
from retrieval.corpus import load_corpus  # noqa: E402
from benchmarks.harness.evaluate import (  # noqa: E402
    FileReport,
    Result,
    evaluate_file,
    first_right,
    read_question_file,
    squad_articles,
)
from retrieval.index.bm25 import BM25Index  # noqa: E402
from retrieval.text.passages import corpus_passages  # noqa: E402

NOTES = [
    "- Each run measures newsdesk as `benchmarks/quality.py` does (SQuAD off-topic: leave one article out).",
    "- A part off: normalisation (old word pattern, no NFKC), aliases (no groups), lemmas (stemmer only),",
    "  acronyms (lowercase *us*/*is* stay stopwords), phrases (names of several words not merged),",
    "  spelling (no correction), shorthand (chat shorthand kept as typed), completion (a name cut",
    "  short left as typed), wording (excerpts in fused order), metadata (years, months and outlets",
    "  met by text only). *all off*: all ten.",
    "- Derived questions: *other names* swaps the first aliases-file name in a question for the next name",
    "  of its group (only changed questions kept); *zero-width* puts U+200B inside the longest word.",
]
PARTS = (
    "normalisation",
    "aliases",
    "lemmas",
    "acronyms",
    "phrases",
    "spelling",
    "shorthand",
    "completion",
    "wording",
    "metadata",
)
# The analyzer's word pattern before normalisation (zero-width characters split words).
_OLD_WORD_RE = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@contextlib.contextmanager
def parts_off(off: set[str]) -> Iterator[None]:
    """Run with the parts in ``off`` switched off (restored afterwards)."""
    saved: list[tuple[object, str, object]] = []

    def swap(owner: object, name: str, value: object) -> None:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    if "normalisation" in off:
        swap(analyzer_module, "normalize_word", lambda word: word)
        swap(analyzer_module, "_WORD_RE", _OLD_WORD_RE)
        swap(query_module, "_WORD_RE", _OLD_WORD_RE)
    settings = {"aliases": Aliases()} if "aliases" in off else {}
    if "lemmas" in off:
        settings["lemmas"] = False
    analyzer = analyzer_module.Analyzer(**settings)
    for module in (analyzer_module, archive_module, index_module, store_module):
        swap(module, "default_analyzer", lambda: analyzer)
    if "acronyms" in off:
        swap(query_module, "stopword_acronyms", lambda _analyzer: frozenset())
    if "phrases" in off:
        swap(query_module, "_merge_phrases", _words_only)
    if "spelling" in off:
        swap(archive_module.Archive, "speller", None)  # understand() then corrects nothing
    if "shorthand" in off:
        swap(query_module, "load_shorthand", lambda: {})
    if "completion" in off:
        swap(spelling_module.Speller, "_completion", lambda _self, _word: None)
    if "wording" in off:
        swap(ordering, "WORDING_WEIGHT", 0.0)
    if "metadata" in off:
        swap(weighting.TermWeights, "by_metadata", lambda _self, _query, _weights, _known: {})
    try:
        yield
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)


def _words_only(text: str, tokens: list, _analyzer: object) -> tuple[list[str], list[str], list[str]]:
    words = [query_module._surface(text, t.start, t.end) for t in tokens]
    return [t.term for t in tokens], words, words


# -- mechanical variants of the questions --------------------------------------------


def other_name(question: str) -> str | None:
    """``question`` with its first aliases-file name replaced by the next of its group."""
    names = sorted(((n, g) for g in bundled_aliases().groups for n in g), key=lambda x: -len(x[0]))
    for name, group in names:
        flags = 0 if name.isupper() and len(name) <= 3 else re.IGNORECASE
        match = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", question, flags)
        if match:
            other = group[(group.index(name) + 1) % len(group)]
            return question[: match.start()] + other + question[match.end() :]
    return None


def zero_width(question: str) -> str | None:
    words = re.findall(r"[^\W\d_]{5,}", question)
    if not words:
        return None
    word = max(words, key=len)
    return question.replace(word, word[:2] + "\u200b" + word[2:], 1)


def variant_file(path: Path, change: Callable[[str], str | None], folder: Path, label: str) -> Path | None:
    """A copy of a question file with each question changed; unchanged ones left out (None:
    no question changed)."""
    out = folder / f"{label}-{path.name}"
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        kept = []
        for row in rows:
            new = change(row["question"])
            if new and new != row["question"]:
                kept.append(json.dumps({**row, "question": new}))
        if not kept:
            return None
        out.write_text("\n".join(kept) + "\n", encoding="utf-8")
        return out
    data = json.loads(text)
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            changed = []
            for qa in paragraph["qas"]:
                new = change(qa["question"])
                if new and new != qa["question"] and not qa.get("is_impossible"):
                    changed.append({**qa, "question": new})
            paragraph["qas"] = changed
    if not any(p["qas"] for a in data["data"] for p in a["paragraphs"]):
        return None
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


# -- the first stage alone -------------------------------------------------------------


def first_stage(files: list[Path], corpus: Path, off: set[str]) -> list[str]:
    """BM25Index's own ranking of passages: is a passage holding the answer first / in the top 3?"""
    lines = []
    with parts_off(off):
        analyzer = analyzer_module.default_analyzer()
        for path in files:
            data = read_question_file(path)
            if isinstance(data, list):
                articles, questions = load_corpus(corpus).articles, [q for q in data if q.answerable]
            else:
                articles, grouped, _ = squad_articles(data, path)
                questions = [q for group in grouped for q in group]
            passages = corpus_passages(articles)
            index = BM25Index.build([p.text for p in passages], analyzer=analyzer)
            first = top3 = 0
            for question in questions:
                found = [
                    first_right(question, [Result(passages[i].article.published, passages[i].text)]) == 1
                    for i, _ in index.search(question.text, 3)
                ]
                first += bool(found[:1] == [True])
                top3 += any(found)
            lines.append(f"| {'all on' if not off else 'without ' + ', '.join(sorted(off))} | {path.name} | "
                         f"{first}/{len(questions)} | {top3}/{len(questions)} |")
    return lines


# -- running and reporting ------------------------------------------------------------


def measure(files: list[Path], corpus: Path, index: Path | None, off: set[str]) -> list[FileReport]:
    with parts_off(off), tempfile.TemporaryDirectory(prefix="newsdesk-parts-") as scratch:
        # A scratch index for the corpus: each switch set builds its own, the real one is untouched.
        scratch_index = Path(scratch) / "archive.npz"
        return [evaluate_file(path, corpus, scratch_index, ("newsdesk",)) for path in files]


def _cell(part: int, whole: int) -> str:
    return f"{part}/{whole}" if whole else "–"


def rows(label: str, reports: list[FileReport]) -> list[str]:
    lines = []
    for report in reports:
        s = report.systems["newsdesk"]
        cells = [
            label,
            report.path.name,
            _cell(s.right_first, s.answerable),
            _cell(s.right_top3, s.answerable),
            _cell(s.answerable_refused, s.answerable),
            _cell(s.off_topic_answered, s.off_topic),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--corpus", type=Path, help="corpus folder for JSONL files (default: the configured one)")
    parser.add_argument("--results", type=Path, help="write the tables as a section of this file")
    parser.add_argument("--title", default="Query understanding", help="the section's title (default: Query understanding)")
    args = parser.parse_args(argv)
    corpus, index = (args.corpus, None) if args.corpus else default_corpus()
    header = ["| parts | file | S@1 | S@3 | answerable refused | off-topic answered |", "|---|---|---|---|---|---|"]
    lines = list(header)
    runs = [("all on", set())] + [(f"without {p}", {p}) for p in PARTS] + [("all off", set(PARTS))]
    for label, off in runs:
        lines += rows(label, measure(args.files, corpus, index, off))
        print("\n".join(lines[-len(args.files):]), flush=True)
    variants = [
        ("other names", other_name, "aliases"),
        ("zero-width", zero_width, "normalisation"),
    ]
    with tempfile.TemporaryDirectory(prefix="newsdesk-variants-") as folder:
        for name, change, part in variants:
            made = (variant_file(p, change, Path(folder), name.replace(" ", "-")) for p in args.files)
            files = [f for f in made if f is not None]
            if not files:
                continue
            lines += ["", f"**{name}** (derived questions):", ""] + header
            for label, off in (("all on", set()), (f"without {part}", {part}), ("all off", set(PARTS))):
                lines += rows(label, measure(files, corpus, index, off))
                print("\n".join(lines[-len(files):]), flush=True)
    lines += ["", "**BM25Index alone** (passages ranked by the first stage; a passage holding the answer):", ""]
    lines += ["| analyzer | file | S@1 | S@3 |", "|---|---|---|---|"]
    for off in (set(), {"aliases"}, {"lemmas"}, {"normalisation"}, {"aliases", "lemmas", "normalisation"}):
        lines += first_stage(args.files, corpus, off)
        print("\n".join(lines[-len(args.files):]), flush=True)
    lines += ["", *NOTES]
    if args.results:
        command = " ".join(["python benchmarks/query_parts.py", *(sys.argv[1:] if argv is None else argv)])
        replace_section(args.results, "\n".join([f"# {args.title}", "", f"Command: `{command}`", ""] + lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
