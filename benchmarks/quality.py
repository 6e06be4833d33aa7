"""Answer quality of newsdesk beside a naive rank_bm25 baseline, on question files.

Usage (from the repository root)::

    .venv/bin/python benchmarks/quality.py ../shared/eval/dev_questions.jsonl \\
        ../shared/eval/dev_questions_typed.jsonl ../shared/eval/squad2-dev-two-articles.json
    .venv/bin/python benchmarks/quality.py FILE... --corpus DIR --json --no-baseline --details

JSONL files are asked of ``--corpus`` (default: the configured corpus, ``NEWSDESK_CORPUS``
or the bundled ``corpus/``); SQuAD 2.0 files bring their own corpus.

The sets written for newsdesk (``benchmarks/data/README.md``): ``squad_written.json`` like
any SQuAD file; ``news_written.jsonl`` against the corpus of its own article pages, built
first (needs ``../shared/eval/extraction-dev``)::

    .venv/bin/python benchmarks/news_written_corpus.py /tmp/news-written
    .venv/bin/python benchmarks/quality.py --corpus /tmp/news-written benchmarks/data/news_written.jsonl
    .venv/bin/python benchmarks/quality.py benchmarks/data/squad_written.json What is measured and
how: :mod:`benchmarks.harness.evaluate`; the baseline: :mod:`benchmarks.harness.baseline`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402

from benchmarks.harness.evaluate import EvalError, FileReport, Summary, evaluate_file  # noqa: E402

COLUMNS = ("file", "system", "S@1", "S@3", "answerable refused", "off-topic answered", "p50 / p95 ms", "CPU p50 / p95 ms")


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "–"


def row(name: str, system: str, s: Summary) -> list[str]:
    return [
        name,
        system,
        _ratio(s.right_first, s.answerable),
        _ratio(s.right_top3, s.answerable),
        _ratio(s.answerable_refused, s.answerable),
        _ratio(s.off_topic_answered, s.off_topic),
        f"{s.p50_ms:.3f} / {s.p95_ms:.3f}",
        f"{s.cpu_p50_ms:.3f} / {s.cpu_p95_ms:.3f}",
    ]


def table(reports: list[FileReport]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for report in reports:
        for system, summary in report.systems.items():
            lines.append("| " + " | ".join(row(report.path.name, system, summary)) + " |")
    notes = [f"{r.path.name}: {r.skipped} is_impossible question(s) skipped" for r in reports if r.skipped]
    return "\n".join(lines + [""] + notes).rstrip()


def default_corpus() -> tuple[Path, Path | None]:
    # The benchmark may read the bot's settings (benchmarks/ is outside retrieval/).
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise SystemExit(f"error: {exc}") from None
    return settings.corpus_dir, settings.index_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="JSONL or SQuAD 2.0 JSON question files")
    parser.add_argument("--corpus", type=Path, help="corpus folder for JSONL files (default: the configured one)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--no-baseline", action="store_true", help="measure newsdesk only")
    parser.add_argument(
        "--without-semantic", action="store_true", help="also measure newsdesk with BM25 alone (newsdesk-bm25)"
    )
    parser.add_argument("--details", action="store_true", help="with --json: every question's outcome")
    parser.add_argument("--results", type=Path, help="also write the table as a section of this file")
    parser.add_argument("--title", default="Answer quality", help="the section's title (default: Answer quality)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    corpus, index = (args.corpus, None) if args.corpus else default_corpus()
    systems = ("newsdesk",) + (("newsdesk-bm25",) if args.without_semantic else ()) + (() if args.no_baseline else ("baseline",))
    reports: list[FileReport] = []
    try:
        for path in args.files:
            reports.append(evaluate_file(path, corpus, index, systems))
    except (EvalError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # The section is written before printing: a reader that stops early (``| head``) loses nothing.
    if args.results:
        replace_section(args.results, results_section(reports, argv, args.title))
    out = json.dumps({"corpus": str(corpus), "files": [r.to_json(args.details) for r in reports]}) if args.json else table(reports)
    return _print(out)


def _print(text: str) -> int:
    """Print ``text``; a reader that closed the pipe early (``| head``) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python's own flush of stdout at exit would fail again: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def results_section(reports: list[FileReport], argv: list[str] | None, title: str = "Answer quality") -> str:
    command = " ".join(["python benchmarks/quality.py", *(sys.argv[1:] if argv is None else argv)])
    return "\n".join([
        f"# {title}",
        "",
        f"Command: `{command}`  ",
        f"Run: {dt.date.today().isoformat()}, Python {platform.python_version()}, {platform.machine()}; "
        "latency is per question through `ask` (index loading excluded), wall and the thread's CPU "
        "time, on a shared machine.",
        "",
        table(reports),
        "",
        "- S@1 / S@3: a right excerpt first / in the top 3, over the answerable questions. JSONL: the "
        "article's date and the phrase in the excerpt; SQuAD: an answer text in the excerpt.",
        "- SQuAD off-topic: each article's answerable questions, asked of the corpus without that article.",
        "- baseline: rank_bm25 `BM25Okapi` over windows of whole sentences up to 400 characters, lowercase "
        "`\\w+` tokens, no refusal (`benchmarks/harness/baseline.py`).",
    ])


if __name__ == "__main__":
    sys.exit(main())
