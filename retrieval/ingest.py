"""Add raw news pages to the corpus: clean, check for duplicates, write ``<id>.md``.

The command-line wrapper lives in ``bot/cli.py``; error messages here name the raw file and
the CLI option that fixes the problem, so the wrapper can show them as they are.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.atomic import write_text_atomically
from retrieval.cleaning import (
    PROBLEM_NO_BODY,
    PROBLEM_NO_DATE,
    PROBLEM_NO_SOURCE,
    PROBLEM_NO_TITLE,
    CleanResult,
    clean_raw_article,
    make_article_id,
)
from retrieval.corpus import CORPUS_SUFFIX, Article, format_article, load_corpus, parse_article
from retrieval.extract_html import decode_html, extract_html, looks_like_html

log = logging.getLogger(__name__)

# How to fix each problem the cleaner can report, as CLI options.
_FIXES = {
    PROBLEM_NO_DATE: "--published YYYY-MM-DD",
    PROBLEM_NO_SOURCE: '--source "Outlet Name"',
    PROBLEM_NO_TITLE: '--title "Article title"',
}


class IngestError(Exception):
    """A raw file that cannot be added; the message names the file and how to fix it."""

    def __init__(self, raw_path: Path | str, message: str) -> None:
        super().__init__(message)
        self.raw_path = Path(raw_path)


class DuplicateArticleError(IngestError):
    """The article is already in the corpus; ``existing`` is the corpus file that has it."""

    def __init__(self, raw_path: Path | str, message: str, existing: Path) -> None:
        super().__init__(raw_path, message)
        self.existing = existing


@dataclass(frozen=True)
class IngestResult:
    path: Path  # the corpus file written
    article: Article
    warnings: list[str] = field(default_factory=list)
    replaced: bool = False  # an existing file with the same id was overwritten


@dataclass(frozen=True)
class IngestOutcome:
    """One file of a batch: either ``result`` or ``error`` is set."""

    raw_path: Path
    result: IngestResult | None = None
    error: IngestError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _normalise_text(text: str) -> str:
    # Same article copied twice may differ in quote style, case and spacing only.
    text = text.translate(str.maketrans("‘’“”", "''\"\""))
    return " ".join(text.casefold().split())


def _title_key(title: str, published: dt.date | None) -> tuple[str, dt.date | None]:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split()), published


class _CorpusIndex:
    """What is already in the corpus folder, to refuse duplicates; kept up to date in a batch."""

    def __init__(self, corpus_dir: Path) -> None:
        self.by_id: dict[str, Path] = {}
        self.by_body: dict[str, Path] = {}
        self.by_title: dict[tuple[str, dt.date | None], Path] = {}
        if corpus_dir.is_dir():  # a missing folder is created on the first write
            for article in load_corpus(corpus_dir).articles:
                if article.path is not None:
                    self.add(article, article.path)

    def add(self, article: Article, path: Path) -> None:
        self.by_id[article.id] = path
        self.by_body[_normalise_text(article.body)] = path
        self.by_title[_title_key(article.title, article.published)] = path

    def discard(self, path: Path) -> None:
        self.by_id = {k: p for k, p in self.by_id.items() if p != path}
        self.by_body = {k: p for k, p in self.by_body.items() if p != path}
        self.by_title = {k: p for k, p in self.by_title.items() if p != path}

    def same_content(self, article: Article) -> tuple[Path, str] | None:
        """The corpus file with the same text or the same title and date, and which."""
        other = self.by_body.get(_normalise_text(article.body))
        if other is not None:
            return other, "the same text"
        other = self.by_title.get(_title_key(article.title, article.published))
        if other is not None:
            return other, "the same title and date"
        return None


HTML_SUFFIXES = (".html", ".htm")


def _read_bytes(raw_path: Path) -> bytes:
    try:
        return raw_path.read_bytes()
    except OSError as exc:
        raise IngestError(raw_path, f"cannot read {raw_path}: {exc.strerror or exc}") from None


def _decode_text(raw_path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            raw_path, f"{raw_path} is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8 and retry"
        ) from None
    if "\x00" in text:
        raise IngestError(raw_path, f"{raw_path} looks like a binary file, not the text of a news page")
    return text


def extract_page(raw_path: Path | str, data: bytes, *, url: str | None = None, charset: str | None = None) -> CleanResult:
    """Article parts of one page: HTML (by name or content) through trafilatura, text through the cleaner.

    ``raw_path`` names the page in messages; ``url`` and ``charset`` are what a web server said.
    """
    raw_path = Path(raw_path)
    if not data.strip():
        raise IngestError(raw_path, f"{raw_path} is empty")
    if raw_path.suffix.lower() in HTML_SUFFIXES or looks_like_html(data):
        return extract_html(decode_html(data, charset), url=url)
    return clean_raw_article(_decode_text(raw_path, data))


def _override_warning(what: str, option: str, detected: object, given: object) -> str | None:
    if not detected:
        return f"no {what} found; used {option} {given}"
    if detected != given:
        return f"detected {what} {detected} replaced by {option} {given}"
    return None


def _ingest(
    raw_path: Path,
    corpus_dir: Path,
    index: _CorpusIndex,
    *,
    published: dt.date | None,
    source: str | None,
    title: str | None,
    overwrite: bool,
) -> IngestResult:
    raw_path = Path(raw_path)
    cleaned = extract_page(raw_path, _read_bytes(raw_path))
    article, warnings = _article_from(raw_path, cleaned, published=published, source=source, title=title)
    target = corpus_dir / f"{article.id}{CORPUS_SUFFIX}"
    existing = index.by_id.get(article.id) or (target if target.exists() else None)
    if existing is not None and not overwrite:
        raise DuplicateArticleError(
            raw_path,
            f"{raw_path} is already in the corpus as {existing} (same id {article.id}); "
            "pass --overwrite to replace it",
            existing,
        )
    _refuse_same_content(raw_path, index, article, replacing=(existing, target) if existing else ())
    text = format_article(article)
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
        if existing is not None and existing != target:
            existing.unlink(missing_ok=True)  # same id under another file name
        write_text_atomically(target, text)  # a reader never sees half a file
    except OSError as exc:
        raise IngestError(raw_path, f"cannot write {target}: {exc.strerror or exc}") from None

    written = parse_article(text, target)  # what load_corpus will read back
    if existing is not None:
        index.discard(existing)
    index.add(written, target)
    log.info("ingested %s as %s%s", raw_path, target, " (replaced)" if existing else "")
    return IngestResult(path=target, article=written, warnings=warnings, replaced=existing is not None)


def _article_from(
    raw_path: Path, cleaned: CleanResult, *, published: dt.date | None, source: str | None, title: str | None
) -> tuple[Article, list[str]]:
    """The article to write: detected metadata, overridden by the options given; and warnings."""
    if isinstance(published, dt.datetime):
        published = published.date()
    source = (source or "").strip() or None
    title = " ".join((title or "").split()) or None

    warnings: list[str] = []
    for what, option, detected, given in (
        ("publication date", "--published", cleaned.published, published),
        ("outlet", "--source", cleaned.source, source),
        ("title", "--title", cleaned.title, title),
    ):
        if given is not None and (warning := _override_warning(what, option, detected, given)):
            warnings.append(warning)

    final_date = published or cleaned.published
    final_source = source or cleaned.source
    final_title = title or cleaned.title

    unresolved = [
        problem
        for problem, missing in (
            (PROBLEM_NO_DATE, final_date is None),
            (PROBLEM_NO_SOURCE, not final_source),
            (PROBLEM_NO_TITLE, not final_title),
        )
        if missing
    ]
    if unresolved:
        fixes = " and ".join(_FIXES[p] for p in unresolved)
        raise IngestError(raw_path, f"{' and '.join(unresolved)} in {raw_path}; pass {fixes}")
    if PROBLEM_NO_BODY in cleaned.problems:
        raise IngestError(raw_path, f"{PROBLEM_NO_BODY} in {raw_path} (only a title or site boilerplate)")
    article = Article(
        id=make_article_id(final_source, final_date, final_title),
        title=final_title,
        source=final_source,
        published=final_date,
        body=cleaned.body,
        author=cleaned.author,
        url=cleaned.url,
    )
    return article, warnings


def _refuse_same_content(raw_path: Path, index: _CorpusIndex, article: Article, *, replacing: tuple[Path, ...]) -> None:
    """Raise DuplicateArticleError when another corpus file has the same text or title and date."""
    # The file being replaced does not count as a duplicate of its new version.
    if replacing:
        index = copy.copy(index)
        for path in replacing:
            index.discard(path)
    duplicate = index.same_content(article)
    if duplicate is not None:
        other, what = duplicate
        raise DuplicateArticleError(
            raw_path, f"{raw_path} duplicates {other} ({what}); remove that file first to replace it", other
        )


def _open_index(corpus_dir: Path) -> _CorpusIndex:
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise IngestError(corpus_dir, f"corpus folder {corpus_dir} is not a folder")
    return _CorpusIndex(corpus_dir)


def ingest_file(
    raw_path: Path,
    corpus_dir: Path,
    *,
    published: dt.date | None = None,
    source: str | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> IngestResult:
    """Clean ``raw_path`` and write it to ``corpus_dir/<id>.md``.

    ``published``, ``source`` and ``title`` override what the cleaner detects. Raises
    DuplicateArticleError if the corpus already has the article (same id, text, or title
    and date) and IngestError if the file cannot be read or its date/outlet/title is
    missing with no override.
    """
    corpus_dir = Path(corpus_dir)
    return _ingest(
        Path(raw_path),
        corpus_dir,
        _open_index(corpus_dir),
        published=published,
        source=source,
        title=title,
        overwrite=overwrite,
    )


def ingest_many(
    paths: Iterable[Path],
    corpus_dir: Path,
    *,
    published: dt.date | None = None,
    source: str | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> Iterator[IngestOutcome]:
    """Ingest each file in turn, yielding its outcome; a bad file does not stop the batch."""
    corpus_dir = Path(corpus_dir)
    index = _open_index(corpus_dir)  # loaded once; updated as files are added
    for raw_path in paths:
        raw_path = Path(raw_path)
        try:
            result = _ingest(
                raw_path,
                corpus_dir,
                index,
                published=published,
                source=source,
                title=title,
                overwrite=overwrite,
            )
        except IngestError as exc:
            log.warning("not ingested: %s", exc)
            yield IngestOutcome(raw_path, error=exc)
        else:
            yield IngestOutcome(raw_path, result=result)
