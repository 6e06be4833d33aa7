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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
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
from retrieval.ingest.page_article import FEED_DATE, PAGE_DATE, Overrides, article_from, with_feed_hints
from retrieval.ingest.raw_page import REASON_TOO_LARGE, IngestError, RawPage, extract_page, read_file
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


class DuplicateArticleError(IngestError):
    """The article is already in the corpus; ``existing`` is the corpus file that has it."""

    def __init__(self, raw_path: Path | str, message: str, existing: Path, *, reason: str) -> None:
        super().__init__(raw_path, message, reason=reason)
        self.existing = existing


@dataclass(frozen=True)
class IngestResult:
    path: Path  # the corpus file written
    article: Article
    warnings: list[str] = field(default_factory=list)
    replaced: bool = False  # the same article (same URL, or same id and title) was overwritten
    doubts: tuple[str, ...] = ()  # why the extracted text looks wrong ("repeats"), each a note too

    @property
    def flags(self) -> list[str]:
        """What the batch summary counts about this article: undated, text to check."""
        undated = ["undated"] if self.article.published is None else []
        return undated + (["text to check"] if self.doubts else [])


@dataclass(frozen=True)
class IngestOutcome:
    """One page of a batch: either ``result`` or ``error`` is set."""

    raw_path: Path | str
    result: IngestResult | None = None
    error: IngestError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def skipped(self) -> bool:
        """Not added because the corpus already has it (not a failure)."""
        return isinstance(self.error, DuplicateArticleError)


def summarise(outcomes: Iterable[IngestOutcome]) -> str:
    """``N added, N skipped (why), N failed (why)``: the last line of every batch.

    Articles replaced (``--overwrite``) are counted apart, ``N replaced`` after the added,
    when there are any: the corpus did not grow by them. Among those written, the undated
    and those whose text looks wrong are counted in brackets after the added
    (``5 added (1 undated, 1 text to check)``): each has its own note above.
    """
    added = replaced = 0
    skipped: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    written: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.result is not None:
            written.update(outcome.result.flags)
        if outcome.result is not None and outcome.result.replaced:
            replaced += 1
        elif outcome.ok:
            added += 1
        elif outcome.error is not None:
            (skipped if outcome.skipped else failed)[outcome.error.reason] += 1

    def whys(count: Counter[str]) -> str:
        listed = ", ".join(f"{n} {why}" for why, n in count.most_common())
        return f" ({listed})" if listed else ""

    def part(count: Counter[str], label: str) -> str:
        return f"{sum(count.values())} {label}{whys(count)}"

    changed = f"{added} added" + (f", {replaced} replaced" if replaced else "") + whys(written)
    return f"{changed}, {part(skipped, 'skipped')}, {part(failed, 'failed')}"


@dataclass(frozen=True)
class Prepared:
    """An article read from a page and checked against the corpus, not yet written (a preview)."""

    name: Path | str  # the page, for messages
    article: Article
    warnings: list[str]
    replacing: Path | None  # the file of the same article, when overwriting
    doubts: tuple[str, ...] = ()  # why the extracted text looks wrong


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
    article, replacing = _place(name, article, corpus_dir, index, overwrite=options.overwrite)
    return Prepared(name, article, notes, replacing, doubts)


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
    old = same.article
    changed = [
        what
        for what, differs in (
            ("text", normalise_text(old.body) != normalise_text(article.body)),
            ("title", old.title != article.title),
            ("date", old.published != article.published),
            ("outlet", old.source != article.source),
            ("author", old.author != article.author),
        )
        if differs
    ]
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
    log.info("ingested %s as %s%s", prepared.name, written.path, " (replaced)" if replacing else "")
    path = written.path or Path(corpus_dir) / f"{written.id}{CORPUS_SUFFIX}"
    return IngestResult(
        path=path, article=written, warnings=prepared.warnings, replaced=bool(replacing), doubts=prepared.doubts
    )


def ingest_page(page: RawPage, corpus_dir: Path, index: CorpusIndex, options: Overrides) -> IngestResult:
    """Extract ``page`` and write it to ``corpus_dir/<id>.md``, keeping ``index`` up to date.

    The page is extracted first; then, holding the corpus's writer lock, the files other
    ingests wrote meanwhile are taken into ``index`` and the article is checked and written:
    two ingests of one article at once write it once.
    """
    article, notes, doubts = _read_article(page, options)
    corpus_dir = Path(corpus_dir)
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
    """Get and ingest each page in turn (files, downloads), yielding its outcome; errors do not stop the batch."""
    corpus_dir = Path(corpus_dir)
    index = open_index(corpus_dir)  # loaded once; updated as pages are added
    for get_page in pages:
        try:
            page = get_page()
            result = ingest_page(page, corpus_dir, index, options)
        except IngestError as exc:
            log.warning("not ingested: %s", exc)
            yield IngestOutcome(exc.raw_path, error=exc)
        else:
            yield IngestOutcome(page.name, result=result)
