"""`newsdesk ingest FOLDER` reads the folder's own page files only: what is not one is one line each, never opened."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from retrieval.corpus import load_corpus
from tests.pages import article_page as page


@pytest.fixture
def corpus(empty_corpus: Path) -> Path:
    return empty_corpus


def test_links_out_of_the_folder_and_special_files_are_one_line_each_and_never_read(corpus: Path, tmp_path: Path) -> None:
    secret = tmp_path / "private" / "salaries.html"
    secret.parent.mkdir()
    secret.write_text(page("Board salaries for next year, confidential", "https://intranet.example/salaries"), encoding="utf-8")
    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    (folder / "pier.html").write_text(page("Pier rebuild approved", "https://ledger.example.org/pier"), encoding="utf-8")
    (folder / "sub" / "ferry.html").write_text(page("Ferry returns to the harbour", "https://ledger.example.org/ferry"), encoding="utf-8")
    (folder / "ferry.html").symlink_to(folder / "sub" / "ferry.html")  # a link within the folder: followed
    (folder / "salaries.html").symlink_to(secret)  # a link out of it: not followed
    (folder / "gone.html").symlink_to(tmp_path / "nowhere.html")
    os.mkfifo(folder / "pipe.html")  # reading it would wait for ever
    (folder / "notes.md").mkdir()

    result = CliRunner().invoke(main, ["ingest", str(folder)])

    assert result.exit_code == 1
    errors = sorted(line for line in result.stderr.splitlines() if line.startswith("error: "))
    assert errors == [
        f"error: {folder / 'gone.html'} is a link to {tmp_path / 'nowhere.html'}, which does not exist; not read",
        f"error: {folder / 'notes.md'} is a folder, not a page; give it by name to ingest the pages in it",
        f"error: {folder / 'pipe.html'} is a FIFO (named pipe), not a page file; not read",
        f"error: {folder / 'salaries.html'} is a link to {secret}, outside {folder}; not followed "
        "(copy the file into the folder to ingest it)",
    ]
    assert result.stderr.rstrip().endswith(
        "2 added, 0 skipped, 4 failed (1 dangling link, 1 a folder, 1 not a regular file, 1 link out of the folder)"
    )
    assert sorted(a.title for a in load_corpus(corpus).articles) == ["Ferry returns to the harbour", "Pier rebuild approved"]
    asked = json.loads(CliRunner().invoke(main, ["ask", "What are the board salaries for next year?", "--json", "--no-log"]).stdout)
    assert not asked["answered"] and asked["results"] == []  # the secret page is not searchable
