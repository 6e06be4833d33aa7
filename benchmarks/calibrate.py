"""Fit the answer decision (retrieval/answer/answerability.json) on data, offline.

Usage (from the repository root)::

    .venv/bin/python benchmarks/calibrate.py           # fit and print, change nothing
    .venv/bin/python benchmarks/calibrate.py --write   # also store the coefficients
    .venv/bin/python benchmarks/calibrate.py --write --results benchmarks/RESULTS.md

Examples, each a question asked of an archive, labelled answerable (1) or not (0):
- ``../shared/eval/dev_questions*.jsonl`` asked of the bundled corpus (``answered: false``
  marks the off-topic ones);
- ``benchmarks/offtopic_questions.txt`` (written for newsdesk, not from any eval set), all
  0, asked of the bundled corpus and of the SQuAD archive;
- a SQuAD 2.0 file (default ``../shared/eval/squad2-dev-two-articles.json``): the
  answerable questions asked of an archive of all its articles (1), and each article's
  questions asked of an archive of the other articles (0, leave one article out);
- sets written for newsdesk (``benchmarks/data``, not from any eval set):
  ``news_written.jsonl`` asked of its own corpus of ten real article pages, built by
  ``benchmarks/news_written_corpus.py`` (answerable 1, its off-topic questions 0, and
  ``offtopic_questions.txt`` asked of that corpus, 0; skipped when the pages in ../shared
  are absent), and ``squad_written.json`` treated like the SQuAD file (all articles 1,
  leave one article out 0).

The model is a logistic regression over the five features of
:class:`retrieval.answer.answerability.Evidence` (four without passage vectors), L2-regularised,
each set weighted equally whatever its size, so the large SQuAD sets do not drown the
news questions. To guard against fitting the dev sets, it also prints, per set, the
decisions of a model fitted without that set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from results import replace_section  # noqa: E402
from news_written_corpus import PAGES_DIR, QUESTIONS as NEWS_WRITTEN, build_corpus  # noqa: E402

from retrieval.answer.answerer import QuestionError, ask  # noqa: E402
from retrieval.archive import Archive  # noqa: E402
from retrieval.answer.answerability import COEFFICIENTS_FILE, FEATURES  # noqa: E402
from retrieval.store.atomic import write_text_atomically  # noqa: E402
from benchmarks.harness.evaluate import squad_articles, squad_trials  # noqa: E402
from retrieval.store.saved import load_or_build  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
OFFTOPIC = ROOT / "benchmarks" / "offtopic_questions.txt"
SQUAD_WRITTEN = ROOT / "benchmarks" / "data" / "squad_written.json"
L2 = 1.0
# Refusing a question the archive can answer costs this many times answering one it cannot:
# the ratio of the targets (at most 2% of answerable questions refused, at most 5%
# of off-topic ones answered). Answer when P(answerable) >= 1 / (1 + cost): the Bayes decision.
COST_OF_REFUSING_ANSWERABLE = 2.5
THRESHOLD = 1.0 / (1.0 + COST_OF_REFUSING_ANSWERABLE)


def read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def evidence_rows(archive: Archive, questions: list[str], label: int, name: str) -> list[tuple[str, int, list[float]]]:
    rows = []
    for question in questions:
        try:
            evidence = ask(archive, question).evidence
        except QuestionError:
            continue
        if evidence is not None:  # None: refused before the decision (no words, not English)
            rows.append((name, label, [evidence.as_dict()[f] for f in FEATURES]))
    return rows


def jsonl_rows(archive: Archive, path: Path, name: str) -> list[tuple[str, int, list[float]]]:
    """A JSONL question file asked of ``archive``: answerable 1, ``answered: false`` 0."""
    items = [json.loads(line) for line in read_lines(path)]
    rows = []
    for label in (1, 0):
        chosen = [q["question"] for q in items if (q.get("answered", True) is not False) == bool(label)]
        rows += evidence_rows(archive, chosen, label, name + ("" if label else " off-topic"))
    return rows


def squad_rows(
    path: Path, name: str, archive: Callable[[Path], Archive], tmp: Path, offtopic: list[str] | None = None
) -> list[tuple[str, int, list[float]]]:
    """A SQuAD file: all articles' questions 1 (and ``offtopic`` 0); each article left out, 0."""
    articles, questions, _ = squad_articles(json.loads(path.read_text(encoding="utf-8")), path)
    whole, *left_out = squad_trials(articles, questions, tmp / name)
    everything = archive(whole.corpus_dir)
    rows = evidence_rows(everything, [q.text for q in whole.questions], 1, name)
    if offtopic is not None:
        rows += evidence_rows(everything, offtopic, 0, f"offtopic/{name}")
    for trial in left_out:
        rows += evidence_rows(archive(trial.corpus_dir), [q.text for q in trial.questions], 0, f"{name} left out")
    return rows


def collect(semantic: bool, squad_file: Path, tmp: Path) -> list[tuple[str, int, list[float]]]:
    def archive(corpus: Path) -> Archive:
        return load_or_build(corpus, tmp / f"{corpus.parent.name}-{corpus.name}-{semantic}.npz", semantic=semantic)

    news = archive(ROOT / "corpus")
    rows = []
    for path in sorted(EVAL.glob("dev_questions*.jsonl")):
        rows += jsonl_rows(news, path, path.stem)
    offtopic = read_lines(OFFTOPIC)
    rows += evidence_rows(news, offtopic, 0, "offtopic/news")
    if squad_file.exists():
        rows += squad_rows(squad_file, "squad", archive, tmp, offtopic)
    if PAGES_DIR.is_dir():
        written = archive(build_corpus(tmp / "news_written" / "corpus"))
        rows += jsonl_rows(written, NEWS_WRITTEN, "news_written")
        rows += evidence_rows(written, offtopic, 0, "offtopic/news_written")
    rows += squad_rows(SQUAD_WRITTEN, "squad_written", archive, tmp)
    return rows


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = L2) -> np.ndarray:
    """Weighted L2-regularised logistic regression by Newton's method; [intercept, coefs...]."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ (weight * (p - y)) + penalty @ beta
        hessian = design.T @ (design * (weight * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta


def fit_rows(rows: list[tuple[str, int, list[float]]], features: list[int]) -> np.ndarray:
    sets = [r[0] for r in rows]
    counts = Counter(sets)
    weight = np.array([1.0 / counts[s] for s in sets])
    weight *= len(weight) / weight.sum()
    x = np.array([[r[2][i] for i in features] for r in rows])
    y = np.array([r[1] for r in rows], dtype=float)
    return fit(x, y, weight)


def report(rows: list[tuple[str, int, list[float]]], features: list[int], beta: np.ndarray) -> list[str]:
    """A markdown table: per set, the share answered by the model and by one fitted without the set."""
    lines = ["| set | questions | should be | answered | answered, set left out of the fit |", "|---|---|---|---|---|"]
    for name in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == name]
        held = fit_rows([r for r in rows if r[0] != name], features)
        x = np.array([[r[2][i] for i in features] for r in mine])
        cut = np.log(THRESHOLD / (1 - THRESHOLD))
        fitted = np.mean(beta[0] + x @ beta[1:] >= cut)
        without = np.mean(held[0] + x @ held[1:] >= cut)
        wanted = "answered" if mine[0][1] else "refused"
        lines.append(f"| {name} | {len(mine)} | {wanted} | {fitted:.1%} | {without:.1%} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=EVAL / "squad2-dev-two-articles.json")
    parser.add_argument("--write", action="store_true", help=f"store the coefficients in {COEFFICIENTS_FILE}")
    parser.add_argument("--results", type=Path, help="also write the tables as the 'Answer decision' section of this file")
    args = parser.parse_args()
    models = {}
    text = [
        "# Answer decision",
        "",
        f"Command: `python benchmarks/calibrate.py {' '.join(sys.argv[1:])}`  ",
        f"Fitted {dt.date.today().isoformat()}: L2-regularised logistic regression (l2 = {L2}), each set "
        f"weighing the same; features as in `retrieval/answer/answerability.py`; answered when P >= {THRESHOLD:.2f} "
        f"(refusing an answerable question costs {COST_OF_REFUSING_ANSWERABLE:g}x answering an off-topic one). "
        "'Set left out of the fit': "
        "a model fitted on the other sets only, a guard against fitting the dev sets.",
    ]
    for name, semantic in (("semantic", True), ("lexical", False)):
        with tempfile.TemporaryDirectory() as tmp:
            rows = collect(semantic, args.squad, Path(tmp))
        features = [i for i, f in enumerate(FEATURES) if semantic or f != "similarity"]
        beta = fit_rows(rows, features)
        coefficients = {FEATURES[i]: round(float(b), 4) for i, b in zip(features, beta[1:])}
        terms = ", ".join(f"{value:+.3f} × {feature}" for feature, value in coefficients.items())
        text += ["", f"**{name}** (`NEWSDESK_SEMANTIC={'on' if semantic else 'off'}`): logit = {beta[0]:+.3f}, {terms}", ""]
        text += report(rows, features, beta)
        models[name] = {
            "intercept": round(float(beta[0]), 4),
            "coefficients": coefficients,
            "threshold": round(THRESHOLD, 4),
            "examples": dict(Counter(r[0] for r in rows)),
        }
    print("\n".join(text))
    if args.write:
        data = {
            "about": "Answer decision: P(answerable) = sigmoid(intercept + sum(coef * feature)); "
            "answered when >= threshold. Written by benchmarks/calibrate.py; see its docstring.",
            "fitted": dt.date.today().isoformat(),
            "l2": L2,
            "models": models,
        }
        write_text_atomically(COEFFICIENTS_FILE, json.dumps(data, indent=2) + "\n")
        print(f"\nwrote {COEFFICIENTS_FILE}")
    if args.results:
        replace_section(args.results, "\n".join(text))


if __name__ == "__main__":
    main()
