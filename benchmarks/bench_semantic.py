"""What the semantic stage costs: build time, file size and answer latency, with and without it.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_semantic.py                    # 100k passages
    .venv/bin/python benchmarks/bench_semantic.py --passages 10000 --results benchmarks/RESULTS.md

One synthetic corpus (``benchmarks/synthetic.py``) is built and saved twice with
``retrieval.store.saved.load_or_build``, once with passage vectors (``semantic=True``, the
default) and once without; each is loaded back from its file, as the bot starts, and the
same questions are timed through ``ask(archive, question, 3)``. Beside it, the semantic
stage alone: the question's embedding and its similarity to BM25's 30 candidates.
"""

from __future__ import annotations

import argparse
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

from retrieval.answer.answerer import RERANK_DEPTH, ask  # noqa: E402
from retrieval.store.saved import load_or_build  # noqa: E402

WARM_UP = 5


def ms(seconds: list[float]) -> str:
    values = np.array(seconds) * 1000
    return f"{np.percentile(values, 50):.3f} / {np.percentile(values, 95):.3f}"


def measure(corpus: Path, index: Path, questions: list[str], semantic: bool) -> list[str]:
    started = time.perf_counter()
    load_or_build(corpus, index, semantic=semantic)
    build_s = time.perf_counter() - started
    archive = load_or_build(corpus, index, semantic=semantic)
    for question in questions[:WARM_UP]:
        ask(archive, question, 3)
    asks: list[float] = []
    for question in questions:
        started = time.perf_counter()
        ask(archive, question, 3)
        asks.append(time.perf_counter() - started)
    stage = "–"
    if semantic:
        times: list[float] = []
        for question in questions:
            ranked = archive.index.search_terms(archive.analyzer(question), RERANK_DEPTH)
            started = time.perf_counter()
            archive.index.similarities(question, [p for p, _ in ranked])
            times.append(time.perf_counter() - started)
        stage = ms(times)
    size_mb = index.stat().st_size / 2**20
    name = "BM25 + meaning (default)" if semantic else "BM25 alone (`NEWSDESK_SEMANTIC=off`)"
    return [name, f"{build_s:.1f}", f"{size_mb:.0f}", ms(asks), stage]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--results", type=Path, help="write the table as a section of this file")
    args = parser.parse_args()
    started = time.perf_counter()
    generator = Generator()
    questions = generator.questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, args.passages, generator)
        rows = [measure(corpus, Path(tmp) / f"{mode}.npz", questions, mode == "semantic") for mode in ("semantic", "bm25")]
    header = ["archive", "build + save s", "file MB", "`ask` p50 / p95 ms", "semantic stage p50 / p95 ms"]
    text = "\n".join(
        [
            "# Semantic stage cost",
            "",
            f"Command: `{' '.join(['python benchmarks/bench_semantic.py', *sys.argv[1:]])}`"
            + f" ({(time.perf_counter() - started) / 60:.1f} min in all)  ",
            f"Machine: Python {platform.python_version()}, {platform.machine()}; shared with other work, "
            "so timings are indicative.",
            "",
            f"{args.passages:,} synthetic passages, {len(questions)} questions, one at a time after {WARM_UP} warm-up ones.",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows),
            "",
            "- Semantic stage: the question's WordLlama embedding (64 dims) and its cosine with "
            f"BM25's {RERANK_DEPTH} candidates (`FusedScorer.similarities`); only the candidates' vectors are read.",
        ]
    )
    print(text)
    if args.results:
        replace_section(args.results, text)


if __name__ == "__main__":
    main()
