"""Three `newsdesk ingest` processes at once, over overlapping folders and addresses: one file per article."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from retrieval.corpus import load_corpus
from retrieval.ingest.writer_lock import corpus_lock
from tests.local_web import serve
from tests.pages import article_page
from tests.paths import ROOT

PAGES = 24
ADDRESSES = 4


def article(n: int) -> str:
    """A page of its own: title, canonical address and a sentence of the text differ."""
    return article_page(f"Harbour council story number {n} about the pier", f"https://ledger.example.org/n/{n}")


def test_three_ingests_at_once_of_overlapping_folders_and_addresses_leave_one_file_per_article(tmp_path: Path) -> None:
    folders = [tmp_path / name for name in ("monday", "tuesday", "wednesday")]
    for number, folder in enumerate(folders):
        folder.mkdir()
        for n in range(PAGES):
            if (n + number) % 3:  # every page is in two of the three folders
                (folder / f"page-{n}.html").write_text(article(n), encoding="utf-8")
    corpus = tmp_path / "corpus"
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "NEWSDESK_CORPUS": str(corpus), "NEWSDESK_DB": str(tmp_path / "log.db"),
        "NEWSDESK_READER": "off", "NEWSDESK_FETCH_PRIVATE": "1",  # the test site is on this machine
    }
    env.pop("NEWSDESK_INDEX", None)
    with serve() as web:
        urls = [web.add(f"/news/{n}", article(PAGES + n).encode()) for n in range(ADDRESSES)]
        with corpus_lock(corpus):  # all three start, then race for the corpus together
            runs = [
                subprocess.Popen(
                    [sys.executable, "-m", "bot.cli", "ingest", str(folder), *urls],
                    env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                )
                for folder in folders
            ]
        done = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, done):
        assert run.returncode == 0, err
    articles = load_corpus(corpus).articles
    assert len(list(corpus.glob("*.md"))) == len(articles) == PAGES + ADDRESSES
    assert Counter(a.url for a in articles) == Counter(f"https://ledger.example.org/n/{n}" for n in range(PAGES + ADDRESSES))
    summaries = [out.strip().splitlines()[-1] for out, _ in done]  # "N added, N skipped (...), 0 failed"
    added = sum(int(line.split(" added, ")[0]) for line in summaries)
    assert added == PAGES + ADDRESSES  # each article added by one of them, skipped as there by the others
