"""The stored answer decision is the fit of its stored examples, and the examples are what the
code computes today: a change to the answering rules that moves the evidence fails here until
``benchmarks/calibrate.py --write`` is run again."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from retrieval.answer.answerability import COEFFICIENTS_FILE, FEATURES
from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import calibrate  # noqa: E402
import tuning  # noqa: E402


def test_the_stored_coefficients_are_the_fit_of_the_stored_examples() -> None:
    stored = json.loads(COEFFICIENTS_FILE.read_text(encoding="utf-8"))["models"]
    for name, rows in calibrate.stored_examples().items():
        features = [i for i, f in enumerate(FEATURES) if name == "semantic" or f != "similarity"]
        beta = calibrate.fit_rows(rows, features)
        model = stored[name]
        assert model["intercept"] == pytest.approx(beta[0], abs=2e-3), name
        for i, value in zip(features, beta[1:]):
            assert model["coefficients"][FEATURES[i]] == pytest.approx(value, abs=2e-3), (name, FEATURES[i])


def test_the_stored_examples_are_what_the_code_computes_now(tmp_path: Path) -> None:
    """The bundled corpus's typed set (tune half), asked again: the same evidence."""
    qset = next(s for s in tuning.SETS if s.name == "seed_typed")
    stored = [r for r in calibrate.stored_examples()["semantic"] if r[0] in {"seed_typed", "seed_typed off-topic"}]
    assert stored, "the stored examples hold no seed_typed rows; run benchmarks/calibrate.py --write"
    (trial,) = tuning.trials_of(qset, {"seed": ROOT / "corpus"}, tmp_path, "tune")
    archive = calibrate.load_or_build(trial.corpus_dir, tmp_path / "index")
    now = []
    for label in (1, 0):
        chosen = [q.text for q in trial.questions if q.answerable == bool(label)]
        now += calibrate.evidence_rows(archive, chosen, label, qset.name + ("" if label else " off-topic"))
    assert [(s, y) for s, y, _ in now] == [(s, y) for s, y, _ in stored]
    assert np.allclose([x for *_, x in now], [x for *_, x in stored], atol=1e-4)
