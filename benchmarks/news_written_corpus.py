"""Build the corpus that ``benchmarks/data/news_written.jsonl`` is asked of.

Usage (from the repository root)::

    .venv/bin/python benchmarks/news_written_corpus.py /tmp/news-written   # prints the folder
    .venv/bin/python benchmarks/quality.py --corpus /tmp/news-written benchmarks/data/news_written.jsonl

The questions in ``news_written.jsonl`` were written for newsdesk about ten real article
pages that are not the bundled corpus: pages of ``../shared/eval/extraction-dev/html``
(the extraction development set), named in ``PAGES``. This module puts those pages through
newsdesk's own ingest path (HTML through trafilatura, ``retrieval.ingest.pages.ingest_pages``)
into a corpus folder, so the questions' ``published`` dates and ``phrase`` texts are checked
against what newsdesk itself stores. Guarantees: the folder holds exactly the ``PAGES``
articles (it must be empty or absent; nothing else is written to it), and a page that
does not ingest is an error naming the page, not a silently smaller corpus.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval.ingest.pages import Overrides, RawPage, ingest_pages  # noqa: E402

log = logging.getLogger(__name__)

PAGES_DIR = ROOT.parent / "shared" / "eval" / "extraction-dev" / "html"
QUESTIONS = ROOT / "benchmarks" / "data" / "news_written.jsonl"
# The chosen pages (file names without .html.gz), one topic each; all have a date,
# an outlet and a title that newsdesk finds on the page.
PAGES = (
    "16c30add7e96315e9cc957d85aa876ccb6b70055f0ddab51547a586117cc1f56",  # Vox: Delhi air pollution
    "264dc3ae31249cb1f50c50986e0952a4708c2e705d18a2d8bf0e525da6e2b485",  # Twin Cities: Wild beat Sabres
    "374ac9a59a85196cdacc1679fb8993521a7b7d9d6533720f102300be1c7face4",  # CNBC: Emirates orders 787s
    "3cb22bfabed8de715c0813a7bb5052363c96bd71ccce3bb2dfb3ab9d1d7a9bbc",  # SlashGear: Audi e-tron Sportback
    "432362af0be43f6da757ea778bd7f2f000094a565bdebac5af7442987a5372f3",  # New York Post: bubonic plague
    "921019755f4a96ac4abf9dbcb4ef9d5ac202624a542d5ea70912330aa6fcc71f",  # Sky News: Mourinho to Tottenham
    "bc13ff87b2630ffbebc33bc37b11178b14f03109055e1d17bf644f804b63d98a",  # The Real Deal: WeWork lay-offs
    "db6b0816c612296c7f1f001c6df874214fcca0da0fc86fb3aea9358c7f681754",  # Houston Chronicle: Esper and China
    "f344ca5fb36e130f4344235fa22726f3367e09c211c120f21d9ae92effe902db",  # Hawaii News Now: water on Europa
    "776a1c046798b474e410f6edf3225d6a27fecd0de6aac22aef7b7f64fe87caaf",  # USA TODAY: "Meth. We're On It"
)


class CorpusBuildError(RuntimeError):
    """The news_written corpus cannot be built; the message says why and how to fix it."""


def _reader(page: Path):
    def read() -> RawPage:
        # Named as the saved page (.html): the ingest path picks the HTML extractor by name too.
        return RawPage(page.name.removesuffix(".gz"), gzip.decompress(page.read_bytes()))

    return read


def build_corpus(target: Path | str, pages_dir: Path | str = PAGES_DIR) -> Path:
    """Ingest the ``PAGES`` into ``target`` (an empty or new folder) and return it."""
    target, pages_dir = Path(target), Path(pages_dir)
    if target.exists() and any(target.iterdir()):
        raise CorpusBuildError(f"{target} is not empty; give a new or empty folder")
    missing = [name for name in PAGES if not (pages_dir / f"{name}.html.gz").is_file()]
    if missing:
        raise CorpusBuildError(f"{pages_dir} lacks {len(missing)} page(s), e.g. {missing[0]}.html.gz; "
                               "give --pages the extraction-dev/html folder")
    pages = [_reader(pages_dir / f"{name}.html.gz") for name in PAGES]
    failed = [o for o in ingest_pages(pages, target, Overrides()) if not o.ok]
    if failed:
        raise CorpusBuildError(f"{failed[0].raw_path} did not ingest: {failed[0].error}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="a new or empty folder for the corpus")
    parser.add_argument("--pages", type=Path, default=PAGES_DIR, help="the extraction-dev/html folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        print(build_corpus(args.target, args.pages))
    except CorpusBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
