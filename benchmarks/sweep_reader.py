"""Choose the reader stage's weights and depths on the TUNE halves only.

Usage (from the repository root)::

    .venv/bin/python benchmarks/sweep_reader.py            # prints one line per setting, best last

Every set's tune half (:mod:`benchmarks.tuning`) is asked of its corpus (archives with
reader vectors, built once into ``--work``) under each setting of the grid below; the
setting with the most right-first answers on the pooled tune halves (ties: most in the top
3, then fewest off-topic answers) is what :mod:`retrieval.answer.answerer` holds. Test
halves are never read here.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness.evaluate import Summary, first_right  # noqa: E402
from benchmarks.tuning import SETS, available, corpora, half_of, offtopic, trials_of  # noqa: E402
from retrieval.answer import answerer, ordering  # noqa: E402
from retrieval.answer.answerer import QuestionError  # noqa: E402
from retrieval.index.scoring import FusionWeights  # noqa: E402
from retrieval.store.saved import load_or_build  # noqa: E402
from benchmarks.harness.evaluate import Outcome, Result  # noqa: E402

log = logging.getLogger(__name__)


class Remembering:
    """An embedder that remembers question vectors (the sweep asks each question many times)."""

    def __init__(self, embedder) -> None:
        self.embedder, self.seen = embedder, {}
        self.dim, self.name = embedder.dim, embedder.name

    def embed(self, texts):
        return self.embedder.embed(texts)

    def embed_one(self, text):
        if text not in self.seen:
            self.seen[text] = self.embedder.embed_one(text)
        return self.seen[text]


def tune_trials(work: Path):
    folders = corpora(work)
    trials = []
    for qset in SETS:
        if available(qset, folders):
            trials.extend(trials_of(qset, folders, work, "tune"))
    for corpus, folder in folders.items():
        questions = tuple(q for q in offtopic(corpus) if half_of("offtopic", q.text) == "tune")
        from benchmarks.harness.evaluate import Trial

        trials.append(Trial(folder, questions, work / f"index-{corpus}"))
    return trials


def outcomes(archives, trials) -> list[Outcome]:
    found = []
    for archive, trial in zip(archives, trials):
        rules = answerer.Answerer(archive)
        for q in trial.questions:
            try:
                a = rules.ask(q.text, 3)
            except QuestionError:
                found.append(Outcome(q, False, None, 0.0))
                continue
            results = tuple(Result(r.published, r.excerpt) for r in a.results)
            rank = first_right(q, results) if a.answered and q.answerable else None
            found.append(Outcome(q, a.answered, rank, 0.0))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "newsdesk-tuning")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    trials = tune_trials(args.work)
    archives = [load_or_build(t.corpus_dir, t.index_path) for t in trials]
    for archive in archives:  # every setting asks the same questions: embed each once
        archive.index.embedder = Remembering(archive.index.embedder)
    grid = itertools.product(
        (0.1, 0.2, 0.3),  # bm25
        (0.5, 0.8, 1.2),  # meaning
        (0.1, 0.2),  # context
        (0.1, 0.2),  # window
        (0.2, 0.45),  # wording
    )
    rows = []
    for bm25, meaning, context, window, wording in grid:
        answerer.SEMANTIC_FUSION = FusionWeights(bm25=bm25, meaning=meaning, context=context, window=window)
        ordering.WORDING_WEIGHT = wording
        s = Summary.of(outcomes(archives, trials))
        key = (s.right_first, s.right_top3, -s.off_topic_answered)
        rows.append((key, (bm25, meaning, context, window, wording), s))
        print(f"bm25 {bm25} meaning {meaning} context {context} window {window} wording {wording}: "
              f"first {s.right_first}/{s.answerable} top3 {s.right_top3} refused {s.answerable_refused} "
              f"off-topic {s.off_topic_answered}/{s.off_topic}", flush=True)
    best = max(rows, key=lambda r: r[0])
    print("best:", best[1], best[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
