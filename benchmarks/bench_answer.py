"""Answer-path benchmark: ``retrieval.answer.answerer.ask`` latency at 100k passages, and with one huge article.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_answer.py                 # 100k passages + a 4.5 MB article
    .venv/bin/python benchmarks/bench_answer.py --quick         # 10k passages + a 2 MB article
    .venv/bin/python benchmarks/bench_answer.py --results benchmarks/RESULTS.md

Two archives, each written as corpus files to a temporary folder, built and saved with
``retrieval.store.saved.load_or_build`` and loaded back from the saved file (as the bot does):

- **many articles**: N synthetic passages (``benchmarks/synthetic.py``) in articles of 5.
- **one huge article**: a single article of M MB of the same synthetic text (the corpus
  accepts articles up to 5 MB), so every question that matches it makes the answer layer
  work on that article.

For each, the same questions (dev questions first, then synthetic ones) are timed through
``ask(archive, question, 3)`` -- the whole answer path: analysis, BM25, refusal, excerpts --
and, beside it, the first stage alone (``archive.index.search_terms``, analysis included)
and rank_bm25 (``BM25Okapi.get_scores`` + sort on a sample of the questions). The huge
archive stops after ``--budget`` seconds of asking (the code before sentence terms took seconds
per question on a large article).
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402
from synthetic import Generator, write_corpus  # noqa: E402

from retrieval.store.saved import load_or_build  # noqa: E402
from retrieval.answer.answerer import ask  # noqa: E402

WARM_UP = 5


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.array(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def write_huge_article(directory: Path, megabytes: float, generator: Generator) -> int:
    """One corpus file of about ``megabytes`` MB of synthetic paragraphs; its passage count."""
    count = int(megabytes * 2**20 / 420)  # synthetic 45-75 word paragraphs average ~420 chars
    paragraphs = generator.passages(count, min_words=45, max_words=75)
    directory.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(paragraphs)
    header = "---\nid: huge\ntitle: One huge article\nsource: DW\npublished: 2014-10-21\nauthor:\nurl:\n---\n"
    (directory / "huge.md").write_text(header + body + "\n", encoding="utf-8")
    return count


def time_archive(corpus: Path, questions: list[str], budget_s: float, rank_sample: int) -> dict:
    started = time.perf_counter()
    load_or_build(corpus)
    out: dict = {"build_s": time.perf_counter() - started}
    gc.collect()
    archive = load_or_build(corpus)  # from the saved file, as the bot starts
    out["passages"] = len(archive.passages)
    if not archive.passages:
        raise SystemExit(f"{corpus}: no passages (is an article over the corpus size limit?)")
    index, analyzer = archive.index, archive.analyzer
    for question in questions[:WARM_UP]:
        index.search_terms(analyzer(question), 20)
    asks: list[float] = []
    cpu: list[float] = []
    answered = 0
    deadline = time.perf_counter() + budget_s
    for question in questions:
        started, started_cpu = time.perf_counter(), time.thread_time()
        answer = ask(archive, question, 3)
        asks.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
        answered += answer.answered
        if time.perf_counter() > deadline:
            break
    out["ask_questions"], out["answered"] = len(asks), answered
    out["ask_p50_ms"], out["ask_p95_ms"] = percentiles(asks)
    out["ask_cpu_p50_ms"], out["ask_cpu_p95_ms"] = percentiles(cpu)
    firsts: list[float] = []
    for question in questions:
        started = time.perf_counter()
        index.search_terms(analyzer(question), 20)
        firsts.append(time.perf_counter() - started)
    out["first_stage_p50_ms"], out["first_stage_p95_ms"] = percentiles(firsts)
    out.update(time_rank_bm25(archive, questions, rank_sample))
    return out


def time_rank_bm25(archive, questions: list[str], sample: int) -> dict:
    from rank_bm25 import BM25Okapi

    analyzer = archive.analyzer
    reference = BM25Okapi([analyzer(p.text) for p in archive.passages])
    chosen = np.linspace(0, len(questions) - 1, min(sample, len(questions))).round().astype(int).tolist()
    times: list[float] = []
    for i in chosen:
        started = time.perf_counter()
        scores = reference.get_scores(analyzer(questions[i]))
        np.argsort(-scores, kind="stable")[:3]
        times.append(time.perf_counter() - started)
    p50, p95 = percentiles(times)
    return {"rank_bm25_questions": len(times), "rank_bm25_p50_ms": p50, "rank_bm25_p95_ms": p95}


def report(rows: list[tuple[str, dict]], command: str, elapsed: float) -> str:
    lines = [
        "# Answer-path benchmark",
        "",
        f"Command: `{command}` ({elapsed / 60:.1f} min in all)  ",
        f"Machine: Python {platform.python_version()}, {platform.machine()}, numpy {np.__version__}; "
        "shared with other work, so timings are indicative.",
        "",
        "| archive | passages | build s | `ask` p50 / p95 ms (questions) | `ask` CPU p50 / p95 ms | "
        "first stage p50 / p95 ms | rank_bm25 p50 / p95 ms (questions) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['passages']:,} | {r['build_s']:.1f} | {r['ask_p50_ms']:.3f} / {r['ask_p95_ms']:.3f} "
            f"({r['ask_questions']}, {r['answered']} answered) | {r['ask_cpu_p50_ms']:.3f} / {r['ask_cpu_p95_ms']:.3f} "
            f"| {r['first_stage_p50_ms']:.3f} / "
            f"{r['first_stage_p95_ms']:.3f} | {r['rank_bm25_p50_ms']:.1f} / {r['rank_bm25_p95_ms']:.1f} "
            f"({r['rank_bm25_questions']}) |"
        )
    lines += [
        "",
        "- `ask`: `ask(load_or_build(corpus), question, 3)` on the archive loaded from its saved file: "
        "analysis, BM25, meaning (when the archive has vectors), the answer decision and excerpts, one "
        "question at a time after 5 warm-up searches. CPU: the thread's CPU time for the same calls "
        "(what the answer costs when the machine is not shared).",
        "- First stage: `index.search_terms(analyzer(question), 20)`, the BM25 candidates `ask` starts from.",
        "- rank_bm25: `BM25Okapi.get_scores` + stable sort over the same passages (the naive way).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000, help="passages of the many-articles archive")
    parser.add_argument("--huge-mb", type=float, default=4.5, help="size of the one huge article, under the 5 MB limit (0: skip)")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds of asking per archive at most")
    parser.add_argument("--rank-sample", type=int, default=30, help="questions timed on rank_bm25")
    parser.add_argument("--quick", action="store_true", help="10k passages, a 2 MB article, 100 questions")
    parser.add_argument("--results", type=Path, help="write the table as a section of this file")
    args = parser.parse_args()
    if args.quick:
        args.passages, args.huge_mb, args.questions = 10_000, 2.0, 100
    started = time.perf_counter()
    generator = Generator()
    questions = generator.questions(args.questions)
    rows: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.passages:
            corpus = Path(tmp) / "many"
            files = write_corpus(corpus, args.passages, generator)
            print(f"many articles: {files:,} files ...", file=sys.stderr, flush=True)
            rows.append((f"{files:,} articles", time_archive(corpus, questions, args.budget, args.rank_sample)))
            print(rows[-1], file=sys.stderr, flush=True)
        if args.huge_mb:
            corpus = Path(tmp) / "huge"
            write_huge_article(corpus, args.huge_mb, generator)
            print(f"one {args.huge_mb:g} MB article ...", file=sys.stderr, flush=True)
            rows.append((f"one {args.huge_mb:g} MB article", time_archive(corpus, questions, args.budget, args.rank_sample)))
            print(rows[-1], file=sys.stderr, flush=True)
    command = "python benchmarks/bench_answer.py " + " ".join(sys.argv[1:])
    text = report(rows, command.strip(), time.perf_counter() - started)
    print(text)
    if args.results:
        replace_section(args.results, text)


if __name__ == "__main__":
    main()
