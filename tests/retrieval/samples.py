"""Texts that exercise the analyzer's corners, shared by the analyzer and index tests."""

from __future__ import annotations

from retrieval.corpus import load_corpus
from retrieval.text.passages import corpus_passages
from tests.paths import ROOT, SEEDS_DIR

TRICKY_TEXTS = [
    "The U.S. and the UN said IS fighters entered Iraq's north; the US denied it.",
    "WHAT DID THE US SAY ABOUT IS?",
    "Al-Abadi's government, Iran’s leader and Tehran's allies: 1980 to 1988.",
    "e.g. U.S.A. troops, the E.U. and U.N. envoys met Mr. Smith at 3 p.m.",
    "IT IS 2014",
    "",
    "   ",
    "Ünïcödé wörds, naïve café, Straße and İstanbul; 東京 and الموصل.",
    "it's what we'd've done don't DON'T Don’t",
]


def sample_texts() -> list[str]:
    """The tricky texts, the bundled corpus's passages and the raw seed pages."""
    texts = list(TRICKY_TEXTS)
    loaded = load_corpus(ROOT / "corpus")
    texts += [p.text for p in corpus_passages(loaded.articles)]
    if SEEDS_DIR.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.iterdir()) if p.is_file()]
    return texts
