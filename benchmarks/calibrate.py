"""Fit the answer decision (retrieval/answer/answerability.json) on the TUNE halves, offline.

Usage (from the repository root)::

    .venv/bin/python benchmarks/calibrate.py           # fit and print, change nothing
    .venv/bin/python benchmarks/calibrate.py --write   # also store the coefficients and the examples
    .venv/bin/python benchmarks/calibrate.py --write --results benchmarks/RESULTS.md

Examples, each a question asked of an archive, labelled answerable (1) or not (0), all from
the tune halves of :mod:`benchmarks.tuning` (test halves are never read here):
- every set's answerable questions asked of its corpus (1), and its off-topic ones (0);
- the generic off-topic questions (``benchmarks/data/offtopic_typed.txt``, written for
  newsdesk, holding no evaluation question) asked of every corpus (0);
- a SQuAD file's questions asked of an archive of its other articles (0, leave one article out).

The model is a logistic regression over the features of
:class:`retrieval.answer.answerability.Evidence` (without ``similarity`` when there is no
reader), L2-regularised, each set weighted equally whatever its size. ``--write`` also
stores every example's features in ``benchmarks/data/calibration_examples.json``, so a
test can refit them and fail when the stored coefficients drift from the fit.
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
from tuning import SETS, available, corpora, half_of, offtopic, trials_of  # noqa: E402

from retrieval.answer.answerer import QuestionError, ask  # noqa: E402
from retrieval.archive import Archive  # noqa: E402
from retrieval.answer.answerability import COEFFICIENTS_FILE, FEATURES  # noqa: E402
from retrieval.store.atomic import write_text_atomically  # noqa: E402
from benchmarks.harness.evaluate import Trial, squad_articles  # noqa: E402
from retrieval.store.saved import load_or_build  # noqa: E402

EXAMPLES_FILE = ROOT / "benchmarks" / "data" / "calibration_examples.json"
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


def collect(semantic: bool, work: Path) -> list[tuple[str, int, list[float]]]:
    """Every tune-half example with its features, asked of archives with (or without) the reader."""
    folders = corpora(work)
    suffix = "" if semantic else "-lexical"

    def archive(trial: Trial) -> Archive:
        return load_or_build(trial.corpus_dir, Path(f"{trial.index_path}{suffix}"), semantic=semantic)

    rows: list[tuple[str, int, list[float]]] = []
    for qset in SETS:
        if not available(qset, folders):
            continue
        for trial in trials_of(qset, folders, work, "tune"):
            asked = archive(trial)
            for label in (1, 0):
                chosen = [q.text for q in trial.questions if q.answerable == bool(label)]
                rows += evidence_rows(asked, chosen, label, qset.name + ("" if label else " off-topic"))
        if qset.corpus == "own":
            rows += left_out_rows(qset, work, archive)
    for corpus in folders:
        trial = Trial(folders[corpus], (), work / f"index-{corpus}")
        chosen = [q.text for q in offtopic(corpus) if half_of("offtopic", q.text) == "tune"]
        rows += evidence_rows(archive(trial), chosen, 0, f"offtopic@{corpus}")
    return rows


def left_out_rows(qset, work: Path, archive: Callable[[Trial], Archive]) -> list[tuple[str, int, list[float]]]:
    """A SQuAD file's tune-half questions, each asked of an archive without its article (0)."""
    articles, questions, _ = squad_articles(json.loads(qset.path.read_text(encoding="utf-8")), qset.path)
    rows = []
    for left, (article, asked) in enumerate(zip(articles, questions)):
        folder = work / f"without-{qset.name}-{article.id}"
        if not folder.exists():
            from benchmarks.harness.evaluate import _write_corpus

            _write_corpus(folder, [a for n, a in enumerate(articles) if n != left])
        chosen = [q.text for q in asked if half_of(qset.name, q.id or q.text) == "tune"]
        rows += evidence_rows(archive(Trial(folder, (), work / f"index-without-{qset.name}-{article.id}")), chosen, 0,
                              f"{qset.name} left out")
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
    # The penalty is applied to standardised features, so a feature with a narrow range (a
    # contextual model's cosines sit within ~0.2) is not shrunk more than a wide one; the
    # coefficients are then put back in the features' own units.
    mean, spread = x.mean(axis=0), x.std(axis=0)
    spread[spread == 0] = 1.0
    beta = fit((x - mean) / spread, y, weight)
    coefficients = beta[1:] / spread
    return np.concatenate(([beta[0] - float(coefficients @ mean)], coefficients))


def stored_examples(path: Path = EXAMPLES_FILE) -> dict[str, list[tuple[str, int, list[float]]]]:
    """The examples ``--write`` stored, by model name (what a refit reads)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: [(s, int(y), list(map(float, x))) for s, y, x in rows] for name, rows in data["examples"].items()}


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
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "newsdesk-tuning")
    parser.add_argument("--from-examples", action="store_true", help=f"refit the examples stored in {EXAMPLES_FILE.name}")
    parser.add_argument("--write", action="store_true", help=f"store the coefficients in {COEFFICIENTS_FILE}")
    parser.add_argument("--results", type=Path, help="also write the tables as the 'Answer decision' section of this file")
    args = parser.parse_args()
    models = {}
    examples: dict[str, list] = {}
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
        args.work.mkdir(parents=True, exist_ok=True)
        rows = stored_examples()[name] if args.from_examples else collect(semantic, args.work)
        features = [i for i, f in enumerate(FEATURES) if semantic or f != "similarity"]
        beta = fit_rows(rows, features)
        examples[name] = rows
        coefficients = {FEATURES[i]: round(float(b), 4) for i, b in zip(features, beta[1:])}
        terms = ", ".join(f"{value:+.3f} × {feature}" for feature, value in coefficients.items())
        text += ["", f"**{name}** (`NEWSDESK_READER={'on' if semantic else 'off'}`): logit = {beta[0]:+.3f}, {terms}", ""]
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
        stored = {name: [[s, y, [round(v, 6) for v in x]] for s, y, x in rows] for name, rows in examples.items()}
        write_text_atomically(EXAMPLES_FILE, json.dumps({"features": list(FEATURES), "examples": stored}) + "\n")
        print(f"\nwrote {COEFFICIENTS_FILE} and {EXAMPLES_FILE}")
    if args.results:
        replace_section(args.results, "\n".join(text))


if __name__ == "__main__":
    main()
