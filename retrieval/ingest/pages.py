"""Add raw news pages to the corpus: clean, check for duplicates, write ``<id>.md``.

A page is read by :mod:`retrieval.ingest.raw_page` and made into an article by
:mod:`retrieval.ingest.page_article` (whose :class:`Overrides` is importable from here as before);
this module checks the article against the corpus and writes it.

The command-line wrapper lives in ``bot/cli.py``; error messages here name the raw file and
the CLI option that fixes the problem, so the wrapper can show them as they are.
"""

from __future__ import annotations

import datetime as dt
import logging
import functools
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.store.atomic import write_text_atomically
from retrieval.ingest.cleaning import make_article_id, with_hash
from retrieval.corpus import (
    CORPUS_SUFFIX,
    MAX_ARTICLE_BYTES,
    Article,
    CorpusError,
    format_article,
    parse_article,
    too_large,
)
from retrieval.ingest.catalog import CorpusIndex, Match, normalise_text
from retrieval.ingest.outcomes import DuplicateArticleError, IngestOutcome, IngestResult, summarise
from retrieval.ingest.page_article import FEED_DATE, PAGE_DATE, Overrides, article_from, with_feed_hints
from retrieval.ingest.raw_page import REASON_TOO_LARGE, IngestError, RawPage, extract_page, read_file
from retrieval.ingest.read_ahead import read_in_order, workers_for
from retrieval.ingest.writer_lock import corpus_lock

__all__ = [
    "DuplicateArticleError",
    "IngestError",
    "IngestOutcome",
    "IngestResult",
    "Overrides",
    "Prepared",
    "RawPage",
    "commit",
    "extract_page",
    "ingest_file",
    "ingest_many",
    "ingest_pages",
    "open_index",
    "prepare_page",
    "summarise",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """An article read from a page and checked against the corpus, not yet written (a preview)."""

    name: Path | str  # the page, for messages
    article: Article
    warnings: list[str]
    replacing: Path | None  # the file of the same article, when overwriting or re-dating
    doubts: tuple[str, ...] = ()  # why the extracted text looks wrong
    redated: bool = False  # only the stored article's date changes (``--published``)


def prepare_page(page: RawPage, corpus_dir: Path, index: CorpusIndex, options: Overrides) -> Prepared:
    """Extract ``page`` and check it against the corpus; raise what ingesting it would raise."""
    article, notes, doubts = _read_article(page, options)
    return _checked(page.name, article, notes, Path(corpus_dir), index, options, doubts)


def _read_article(page: RawPage, options: Overrides) -> tuple[Article, list[str], tuple[str, ...]]:
    """The article a page gives (with the options), notes about it, and why its text looks wrong;
    the corpus is not looked at."""
    extracted = extract_page(page)
    cleaned, notes = with_feed_hints(extracted, page)
    dated_by = FEED_DATE if extracted.published is None and cleaned.published is not None else PAGE_DATE
    article, warnings = article_from(page.name, cleaned, options, dated_by=dated_by)
    if extracted.doubts:
        warnings.append(f"the extracted text looks wrong ({'; '.join(extracted.doubts)}): check the article file")
    return article, notes + warnings, tuple(extracted.doubts)


def _checked(
    name: Path | str,
    article: Article,
    notes: list[str],
    corpus_dir: Path,
    index: CorpusIndex,
    options: Overrides,
    doubts: tuple[str, ...] = (),
) -> Prepared:
    redating = _stored_with_other_date(name, article, index, options)
    if redating is not None:  # the same article, stored undated (or --overwrite): it takes the date
        return Prepared(name, replace(article, id=redating.article.id), notes, redating.path, doubts, redated=True)
    article, replacing = _place(name, article, corpus_dir, index, overwrite=options.overwrite)
    return Prepared(name, article, notes, replacing, doubts)


def _stored_with_other_date(name: Path | str, article: Article, index: CorpusIndex, options: Overrides) -> Match | None:
    """The stored version of ``article`` to give the date ``--published`` names: the same article
    (same URL, id and title, or text) with nothing else changed, stored undated, or dated
    otherwise with ``--overwrite``. A version dated otherwise without ``--overwrite`` is refused
    in one line saying how to change its date, one already so dated as unchanged. None when
    ``--published`` is not what dates it, or something else changed too."""
    if options.published is None or article.published != options.published:
        return None
    stored = index.same_article(article) or index.same_content(article)
    if stored is None:
        return None
    changes = _changes(stored.article, article)
    if not changes:  # re-dated before (its id kept): it is what the corpus has
        raise _already_there(name, article, stored)
    if changes != ["date"]:
        return None
    if stored.article.published is None or options.overwrite:
        return stored
    message = (
        f"{name} is already in the corpus as {_named(stored)}, dated {stored.article.published.isoformat()}, "
        f"not {article.published.isoformat()}: pass --overwrite with --published to change its date"
    )
    raise DuplicateArticleError(name, message, stored.path, reason="dated otherwise")


def _changes(old: Article, new: Article) -> list[str]:
    """What differs between two versions of one article, as messages name it."""
    return [
        what
        for what, differs in (
            ("text", normalise_text(old.body) != normalise_text(new.body)),
            ("title", old.title != new.title),
            ("date", old.published != new.published),
            ("outlet", old.source != new.source),
            ("author", old.author != new.author),
        )
        if differs
    ]


def _place(
    name: Path | str, article: Article, corpus_dir: Path, index: CorpusIndex, *, overwrite: bool
) -> tuple[Article, Path | None]:
    """The article with its id in the corpus, and the file it replaces; duplicates are refused."""
    same = index.same_article(article)
    if same is not None and not overwrite:
        raise _already_there(name, article, same)
    if same is None and not overwrite and (removed := index.removed_copy(article)) is not None:
        kept = f"{removed.parent.name}/{removed.name}"
        message = f"{name} was removed from the archive (kept as {kept}); pass --overwrite to add it again"
        raise DuplicateArticleError(name, message, removed, reason="removed from the archive")
    if same is not None:
        article = replace(article, id=same.article.id)  # a new version keeps its id
    else:
        article = replace(article, id=_free_id(article, index, corpus_dir))
    replacing = same.path if same is not None else None
    duplicate = index.same_content(article, ignoring=replacing)
    if duplicate is not None:
        raise DuplicateArticleError(
            name,
            f"{name} duplicates {_named(duplicate)}; remove that file first to replace it",
            duplicate.path,
            reason=f"{duplicate.why.removeprefix('the ')} as a corpus article",
        )
    return article, replacing


def _already_there(name: Path | str, article: Article, same: Match) -> DuplicateArticleError:
    """The refusal of a new version of a corpus article, saying whether (and what) it changed."""
    changed = _changes(same.article, article)
    message = f"{name} is already in the corpus as {_named(same)}"
    if not changed:
        return DuplicateArticleError(name, f"{message}, unchanged", same.path, reason="already in the corpus")
    whats = " and ".join(changed)
    message += f"; its {whats} {'has' if len(changed) == 1 else 'have'} changed since: pass --overwrite to replace it"
    return DuplicateArticleError(name, message, same.path, reason="changed since it was added")


def _named(match: Match) -> str:
    """The corpus article a message refers to: its file, its title, and why it matches."""
    return f'{match.path}, "{match.article.title}" ({match.why})'


def commit(prepared: Prepared, corpus_dir: Path, index: CorpusIndex) -> IngestResult:
    """Write a prepared article to ``corpus_dir/<id>.md``, keeping ``index`` up to date.

    A new article's file is created, never replaced: when another ingest created that file
    since the id was chosen, that article joins ``index`` and this one is checked again, as
    if the other had finished first (a duplicate is refused, a different article gets the
    next free id).
    """
    corpus_dir = Path(corpus_dir)
    replacing = prepared.replacing
    for _ in range(_CREATE_TRIES):
        target = corpus_dir / f"{prepared.article.id}{CORPUS_SUFFIX}"
        try:
            written = _write(prepared.name, corpus_dir, prepared.article, replacing)
            break
        except FileExistsError:  # only a new article's file is created exclusively
            log.info("%s was created by another ingest meanwhile; checking again", target)
            index.add_file(target)
            article, _ = _place(prepared.name, _with_own_id(prepared.article), corpus_dir, index, overwrite=False)
            prepared = replace(prepared, article=article)
    else:
        message = f"cannot write {target}: other ingests keep taking its name; try again"
        raise IngestError(prepared.name, message, reason="cannot write")
    if replacing is not None:
        index.discard(replacing)
    index.add(written)
    how = " (re-dated)" if prepared.redated else " (replaced)" if replacing else ""
    log.info("ingested %s as %s%s", prepared.name, written.path, how)
    path = written.path or Path(corpus_dir) / f"{written.id}{CORPUS_SUFFIX}"
    return IngestResult(
        path=path, article=written, warnings=prepared.warnings, replaced=bool(replacing), doubts=prepared.doubts,
        redated=prepared.redated,
    )


def ingest_page(page: RawPage, corpus_dir: Path, index: CorpusIndex, options: Overrides) -> IngestResult:
    """Extract ``page`` and write it to ``corpus_dir/<id>.md``, keeping ``index`` up to date.

    The page is extracted first; then, holding the corpus's writer lock, the files other
    ingests wrote meanwhile are taken into ``index`` and the article is checked and written:
    two ingests of one article at once write it once.
    """
    return _write_read(page, _read_article(page, options), Path(corpus_dir), index, options)


def _write_read(
    page: RawPage, read: tuple[Article, list[str], tuple[str, ...]], corpus_dir: Path, index: CorpusIndex,
    options: Overrides,
) -> IngestResult:
    """The article read from ``page`` (with its notes and doubts) checked and written, under the writer lock."""
    article, notes, doubts = read
    with corpus_lock(corpus_dir):
        index.catch_up()
        return commit(_checked(page.name, article, notes, corpus_dir, index, options, doubts), corpus_dir, index)


_CREATE_TRIES = 3  # a new file whose name other ingests keep taking: give up after this many


def _with_own_id(article: Article) -> Article:
    """The article under the id its outlet, date and title give (before any hash was added)."""
    return replace(article, id=make_article_id(article.source, article.published, article.title))


def _free_id(article: Article, index: CorpusIndex, corpus_dir: Path) -> str:
    """The article's id, or, when a different article has it, the id with a short hash."""
    taken = article.id in index.by_id or (corpus_dir / f"{article.id}{CORPUS_SUFFIX}").exists()
    if not taken:
        return article.id
    unique = with_hash(article.id, article.url or f"{article.title}\n{article.body}")
    log.info("id %s is another article's; using %s", article.id, unique)
    return unique


def _write(name: Path | str, corpus_dir: Path, article: Article, replacing: Path | None) -> Article:
    """Write the corpus file (atomically) and return the article as load_corpus will read it."""
    target = corpus_dir / f"{article.id}{CORPUS_SUFFIX}"
    text = format_article(article)
    if (size := len(text.encode("utf-8"))) > MAX_ARTICLE_BYTES:
        raise IngestError(name, f"{name}: the article {too_large(size)}", reason=REASON_TOO_LARGE)
    try:
        written = parse_article(text, target)  # what load_corpus will read; checked before anything is written
    except CorpusError as exc:
        raise IngestError(name, f"{name}: {exc.problem}; pass --title, --source or --published", reason="unusable page") from None
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
        # A reader never sees half a file; a new article never replaces another's file.
        write_text_atomically(target, text, exclusive=replacing is None)
        if replacing is not None and replacing != target:
            replacing.unlink(missing_ok=True)  # the same article under another file name
    except FileExistsError:
        raise  # another ingest took the name: commit() chooses again
    except OSError as exc:
        raise IngestError(name, f"cannot write {target}: {exc.strerror or exc}", reason="cannot write") from None
    return written


def open_index(corpus_dir: Path) -> CorpusIndex:
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise IngestError(corpus_dir, f"corpus folder {corpus_dir} is not a folder", reason="bad corpus folder")
    return CorpusIndex(corpus_dir)


def ingest_file(
    raw_path: Path,
    corpus_dir: Path,
    *,
    published: dt.date | None = None,
    source: str | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> IngestResult:
    """Read ``raw_path`` and write it to ``corpus_dir/<id>.md``.

    ``published``, ``source`` and ``title`` override what is detected. Raises
    DuplicateArticleError if the corpus already has the article (same URL or id and title:
    ``overwrite`` replaces it; same text, or same title and date under another id: never)
    and IngestError if the page cannot be read, is too large, or its date/outlet/title is
    missing with no override.
    """
    corpus_dir = Path(corpus_dir)
    options = Overrides(published=published, source=source, title=title, overwrite=overwrite)
    return ingest_page(read_file(Path(raw_path)), corpus_dir, open_index(corpus_dir), options)


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
    options = Overrides(published=published, source=source, title=title, overwrite=overwrite)
    return ingest_pages((lambda p=Path(p): read_file(p) for p in paths), corpus_dir, options)


def ingest_pages(
    pages: Iterable[Callable[[], RawPage]], corpus_dir: Path, options: Overrides
) -> Iterator[IngestOutcome]:
    """Get and ingest each page in turn (files, downloads), yielding its outcome; errors do not stop the batch.

    With many pages, worker processes read (extract) the next pages while this one is
    written (:mod:`retrieval.ingest.read_ahead`): the same files, in the same order."""
    corpus_dir = Path(corpus_dir)
    index = open_index(corpus_dir)  # loaded once; updated as pages are added
    workers = workers_for(len(pages)) if isinstance(pages, Sized) else 1
    for take in read_in_order(pages, functools.partial(_read_article, options=options), workers):
        try:
            page, read = take()
            result = _write_read(page, read, corpus_dir, index, options)
        except IngestError as exc:
            log.warning("not ingested: %s", exc)
            yield IngestOutcome(exc.raw_path, error=exc)
        else:
            yield IngestOutcome(page.name, result=result)
