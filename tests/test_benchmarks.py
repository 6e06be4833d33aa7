"""The benchmarks measure fairly and run on a bare clone (their figures are not tested here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_retrieval import TOP, top_positions  # noqa: E402
from synthetic import SEEDS_DIR  # noqa: E402


def test_the_baseline_top_10_is_a_stable_sorts_top_10() -> None:
    rng = np.random.default_rng(3)
    for _ in range(500):
        scores = rng.integers(0, 5, size=int(rng.integers(1, 80))).astype(float)  # many ties
        assert top_positions(scores).tolist() == np.argsort(-scores, kind="stable")[:TOP].tolist()


def test_the_vocabulary_comes_from_files_the_repository_ships() -> None:
    assert SEEDS_DIR.is_relative_to(ROOT) and sorted(SEEDS_DIR.glob("*.txt"))


def test_the_retrieval_benchmark_runs_on_a_bare_clone(tmp_path: Path) -> None:
    clone = tmp_path / "newsdesk"  # no ../shared beside it
    for part in ("benchmarks", "retrieval", "corpus", "tests/fixtures/seeds"):
        shutil.copytree(ROOT / part, clone / part, ignore=shutil.ignore_patterns(".index", "__pycache__"))
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_retrieval.py", "--sizes", "400", "--questions", "8", "--archive", "0",
         "--no-bm25s", "--results", str(out)],
        cwd=clone, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| 400 |" in out.read_text() and "8 / 8" in out.read_text()  # every top 10 identical


def test_the_reach_benchmark_times_every_value_and_leaves_the_answer_path_as_it_was(tmp_path: Path) -> None:
    from bench_reach import measure
    from synthetic import Generator, write_corpus

    import retrieval.answer.windows as windows
    from retrieval.answer.answerer import Answerer
    from retrieval.store.saved import load_or_build

    generator = Generator()
    write_corpus(tmp_path / "corpus", 60, generator)
    archive = load_or_build(tmp_path / "corpus")
    kept, stage = windows.REACH, Answerer._windows
    found = measure(archive, generator.questions(5), [1, 3], rounds=2)
    assert windows.REACH == kept and Answerer._windows is stage
    for reach in (1, 3):
        assert len(found[reach]["p50"]) == 2 and all(ms > 0 for ms in found[reach]["win50"])


def test_the_burst_benchmark_measures_both_phases_in_one_process() -> None:
    # Its figures depend on the machine's load and are not tested; that it runs is.
    import asyncio

    from bench_burst import measure, table

    baseline, burst = asyncio.run(measure(burst=6, baseline=2))
    assert len(baseline.acks) == 2 and len(burst.acks) == 6 and burst.lags
    assert "| burst: 6 at once | 6 |" in table([baseline, burst])


def test_the_login_flood_benchmark_measures_both_phases_against_the_real_dashboard() -> None:
    import pytest

    pytest.importorskip("datasette", reason="pip install -e '.[dashboard]'")
    from bench_login_flood import measure, table

    baseline, flood = measure(attempts=8, seconds=1.0, idle=0.5)
    assert baseline.seconds and flood.seconds and not baseline.statuses
    # Every wrong login was answered: hashed and refused (401) or refused before hashing (429).
    assert sum(flood.statuses.values()) == 8 and set(flood.statuses) <= {401, 429}
    assert "wrong logins in 1 s" in table([(baseline, flood)], 8, 1.0)
