"""Ingesting broken or hostile pages: what reaches the corpus is clean, every refusal says how to fix it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from retrieval.ingest.pages import IngestError, ingest_file

PAGE = "{title}\n\n{date}\n\nThe talks about the nuclear programme resumed in Vienna on Wednesday.\n\nThey are expected to last three days.\n"


def _raw(tmp_path: Path, text: str, name: str = "raw.txt") -> Path:
    raw = tmp_path / name
    raw.write_text(text, encoding="utf-8")
    return raw


def test_control_characters_never_reach_the_corpus(tmp_path: Path) -> None:
    title = "Talks \x1b[31mresume\x1b[0m in\x07 Vienna"
    page = PAGE.format(title=title, date="August 20, 2014").replace("Wednesday.", "Wednes\x1bday.")
    result = ingest_file(_raw(tmp_path, page), tmp_path / "corpus", source="Reuters\x1b")

    (article,) = load_corpus(tmp_path / "corpus").articles
    text = result.path.read_text(encoding="utf-8")
    assert not any(ord(c) < 32 and c not in "\n" for c in text)
    assert article.title == "Talks [31mresume[0m in Vienna" and article.source == "Reuters"
    assert "Wednesday." in article.body


@pytest.mark.parametrize(
    ("page_date", "given", "expected"),
    [
        ("August 20, 2099", None, "the page's publication date 2099-08-20 is in the future; pass --published YYYY-MM-DD"),
        ("August 20, 2014", dt.date(2999, 1, 1), "--published 2999-01-01 is in the future; pass the real date"),
    ],
)
def test_a_date_in_the_future_is_refused_with_the_fix(
    tmp_path: Path, page_date: str, given: dt.date | None, expected: str
) -> None:
    raw = _raw(tmp_path, PAGE.format(title="Talks resume in Vienna", date=page_date))
    with pytest.raises(IngestError, match=expected) as info:
        ingest_file(raw, tmp_path / "corpus", source="Reuters", published=given)
    assert info.value.reason == "date in the future"
    assert not (tmp_path / "corpus").exists() or not list((tmp_path / "corpus").glob("*.md"))


def test_a_date_in_the_future_is_accepted_once_corrected(tmp_path: Path) -> None:
    raw = _raw(tmp_path, PAGE.format(title="Talks resume in Vienna", date="August 20, 2099"))
    result = ingest_file(raw, tmp_path / "corpus", source="Reuters", published=dt.date(2014, 8, 20))
    assert result.article.published == dt.date(2014, 8, 20)


def test_a_page_without_text_does_not_ask_for_options_that_would_not_help(tmp_path: Path) -> None:
    raw = _raw(tmp_path, "<html><head></head><body><script>var a = 1;</script></body></html>", "page.html")
    with pytest.raises(IngestError) as info:
        ingest_file(raw, tmp_path / "corpus")
    assert "no article text found" in str(info.value)
    assert "--published" not in str(info.value) and "--source" not in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_text_file_saved_as_utf16_with_its_mark_is_read(tmp_path: Path, encoding: str) -> None:
    text = PAGE.format(title="Talks resume in Vienna", date="August 20, 2014")
    raw = tmp_path / "raw.txt"
    mark = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    raw.write_bytes((mark + text).encode(encoding))
    result = ingest_file(raw, tmp_path / "corpus", source="Reuters")
    assert result.article.title == "Talks resume in Vienna"
    assert result.article.published == dt.date(2014, 8, 20)


def test_an_outlet_of_control_characters_only_is_missing_and_no_file_is_written(tmp_path: Path) -> None:
    raw = _raw(tmp_path, PAGE.format(title="Talks resume in Vienna", date="August 20, 2014"))
    with pytest.raises(IngestError, match='no outlet found .*; pass --source "Outlet Name"'):
        ingest_file(raw, tmp_path / "corpus", source="\x1b")
    assert not (tmp_path / "corpus").exists() or not list((tmp_path / "corpus").glob("*.md"))


def test_a_title_of_control_characters_only_is_no_title_given(tmp_path: Path) -> None:
    raw = _raw(tmp_path, PAGE.format(title="Talks resume in Vienna", date="August 20, 2014"))
    ingest_file(raw, tmp_path / "corpus", source="Reuters", title="\x1b\x07")
    (article,) = load_corpus(tmp_path / "corpus").articles  # written whole, and it loads
    assert article.title == "Talks resume in Vienna"


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    import os

    pipe = tmp_path / "page.txt"
    os.mkfifo(pipe)  # reading it would wait for a writer that never comes
    with pytest.raises(IngestError, match=r"page\.txt is not a regular file") as caught:
        ingest_file(pipe, tmp_path / "corpus")
    assert "\n" not in str(caught.value) and caught.value.reason == "not a regular file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused_not_read_without_end(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"/dev/zero is not a regular file"):
        ingest_file(Path("/dev/zero"), tmp_path / "corpus")
