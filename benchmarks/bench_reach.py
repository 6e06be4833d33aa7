"""What a window's reach costs: ``retrieval.answer.answerer.ask`` with each ``retrieval.answer.windows.REACH``, in one process.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_reach.py                  # 100k passages, reach 1 vs 2
    .venv/bin/python benchmarks/bench_reach.py --passages 10000 --reach 1 2 3

One synthetic archive (``benchmarks/synthetic.py``, as ``bench_answer.py`` builds it), saved
and loaded back. The same questions are asked in interleaved rounds, one round per reach
value in turn, so that a busy machine slows every value alike. For each value: the median
over rounds of the per-round p50 and p95 of the whole answer path, and of the sentence-windows
stage alone (``Answerer._windows``, timed by wrapping it), with the ratio to the first value.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from synthetic import Generator, dev_questions, write_corpus  # noqa: E402

import retrieval.answer.windows as windows  # noqa: E402
from retrieval.answer.answerer import Answerer, ask  # noqa: E402
from retrieval.store.saved import load_or_build  # noqa: E402


def p50_p95(seconds: list[float]) -> tuple[float, float]:
    ms = np.array(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def timed_windows(stage: list[float]) -> Callable[[], None]:
    """Wrap ``Answerer._windows`` so each call's time goes to ``stage``; returns the undo."""
    original = Answerer._windows

    def wrapper(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            stage.append(time.perf_counter() - start)

    Answerer._windows = wrapper

    def undo() -> None:
        Answerer._windows = original

    return undo


def measure(archive, questions: list[str], reaches: list[int], rounds: int) -> dict[int, dict[str, list[float]]]:
    found: dict[int, dict[str, list[float]]] = {r: {"p50": [], "p95": [], "win50": []} for r in reaches}
    stage: list[float] = []
    undo = timed_windows(stage)
    kept = windows.REACH
    try:
        for _ in range(rounds):
            for reach in reaches:
                windows.REACH = reach
                stage.clear()
                seconds = []
                for question in questions:
                    start = time.perf_counter()
                    ask(archive, question, 3)
                    seconds.append(time.perf_counter() - start)
                p50, p95 = p50_p95(seconds)
                found[reach]["p50"].append(p50)
                found[reach]["p95"].append(p95)
                found[reach]["win50"].append(p50_p95(stage)[0])
    finally:
        windows.REACH = kept
        undo()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reach", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    generator = Generator()
    questions = dev_questions() + generator.questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, args.passages, generator)
        archive = load_or_build(corpus)
        for question in questions[:30]:  # warm up: lemma tables, speller, model
            ask(archive, question, 3)
        found = measure(archive, questions, args.reach, args.rounds)
    first = args.reach[0]
    base = {key: statistics.median(values) for key, values in found[first].items()}
    print(f"{args.passages} passages, {len(questions)} questions, {args.rounds} interleaved rounds; medians over rounds, ms")
    print("| reach | ask p50 | ask p95 | windows stage p50 | ask p50 ratio |")
    print("|---|---|---|---|---|")
    for reach in args.reach:
        row = {key: statistics.median(values) for key, values in found[reach].items()}
        print(
            f"| {reach} | {row['p50']:.3f} | {row['p95']:.3f} | {row['win50']:.3f} | {row['p50'] / base['p50']:.3f} |"
        )


if __name__ == "__main__":
    main()
