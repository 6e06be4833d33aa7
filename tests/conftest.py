"""Test-wide fixtures, and the guard that keeps the tests away from the checkout's own files."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import retrieval.archive
from retrieval.ingest.fetch import ROBOTS
from retrieval.text.spelling import Speller
from tests.paths import ROOT

# What the bot writes when nothing says otherwise (bot/settings.py, retrieval/store/saved.py):
# the query log ./newsdesk.db (and SQLite's side files), the bundled corpus/ with its saved
# index corpus/.index/ (feeds.json too), and a .index/ or .env beside them; plus the test
# corpora, whose .index/ a load without an index folder would write. None may change in a run.
WATCHED = (
    "newsdesk.db",
    "newsdesk.db-journal",
    "newsdesk.db-wal",
    "newsdesk.db-shm",
    ".env",
    ".index",
    "corpus",
    "tests/fixtures",
)
# Settings a developer may have exported in the shell that runs the tests: a test sees none.
_FROM_THE_SHELL = ("DISCORD_TOKEN",)

_SNAPSHOT = pytest.StashKey[dict[str, tuple[int, int, str]]]()
_LAST_SEEN = pytest.StashKey[dict[str, tuple[int, int, str]]]()
_CHANGED_BY = pytest.StashKey[list[str]]()
_REPORT = pytest.StashKey[list[str]]()


def _files(top: Path) -> Iterator[Path]:
    if top.is_symlink() or top.is_file():
        yield top
    elif top.is_dir():
        for folder, dirs, names in os.walk(top):
            dirs[:] = [name for name in dirs if name != "__pycache__"]
            for name in (*names, *(d for d in dirs if Path(folder, d).is_symlink())):
                yield Path(folder, name)


def _snapshot(hashes: bool) -> dict[str, tuple[int, int, str]]:
    """Each watched file in the checkout: its size, modification time and (with ``hashes``) SHA-256."""
    seen: dict[str, tuple[int, int, str]] = {}
    for watched in WATCHED:
        for path in _files(ROOT / watched):
            try:
                info = path.lstat()
                digest = hashlib.sha256(path.read_bytes()).hexdigest() if hashes and path.is_file() else ""
            except OSError:  # gone while we looked, or unreadable: its stamp alone
                info, digest = None, ""
            seen[path.relative_to(ROOT).as_posix()] = (info.st_size, info.st_mtime_ns, digest) if info else (-1, -1, "")
    return seen


def _differences(before: dict[str, tuple[int, int, str]], after: dict[str, tuple[int, int, str]]) -> list[str]:
    lines = [f"{name} (added)" for name in sorted(after.keys() - before.keys())]
    lines += [f"{name} (removed)" for name in sorted(before.keys() - after.keys())]
    lines += [
        f"{name} (changed)"
        for name in sorted(before.keys() & after.keys())
        if before[name][:2] != after[name][:2] or (before[name][2] and after[name][2] and before[name][2] != after[name][2])
    ]
    return lines


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_SNAPSHOT] = _snapshot(hashes=True)
    session.config.stash[_LAST_SEEN] = _snapshot(hashes=False)
    session.config.stash[_CHANGED_BY] = []


@pytest.hookimpl(trylast=True)  # after the test's fixtures are torn down
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Note the first tests after which a watched file looks different (sizes and times only: cheap)."""
    stash = item.config.stash
    if _LAST_SEEN not in stash:
        return
    now = _snapshot(hashes=False)
    changed = _differences(stash[_LAST_SEEN], now)
    if changed:
        stash[_CHANGED_BY].append(f"{item.nodeid}: {', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''}")
        stash[_LAST_SEEN] = now


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run when the checkout's query log, corpus or index changed while it ran."""
    stash = session.config.stash
    if _SNAPSHOT not in stash:
        return
    changed = _differences(stash[_SNAPSHOT], _snapshot(hashes=True))
    if not changed:
        return
    lines = [
        f"The tests changed files of the checkout {ROOT} (they must use the temporary folders of "
        "tests/conftest.py::_away_from_the_checkout):",
        *(f"  {line}" for line in changed),
    ]
    culprits = stash[_CHANGED_BY]
    if culprits:
        lines += ["Seen first after:", *(f"  {line}" for line in culprits[:10])]
    lines.append("(A bot or `newsdesk` command run from this checkout while the tests ran would also do this.)")
    stash[_REPORT] = lines
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        print("\n".join(lines), file=sys.stderr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(_REPORT, None)
    if lines:
        terminalreporter.section("the checkout's files changed", sep="=", red=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line, red=True)


@pytest.fixture(autouse=True)
def _away_from_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test runs in a folder of its own, with the query log, corpus and index there too.

    NEWSDESK_CORPUS is a copy of the bundled corpus (what a test that sets no corpus expects),
    NEWSDESK_DB and NEWSDESK_INDEX are in the folder, which is the working directory (so no
    stray .env is read); no NEWSDESK_ setting or token from the developer's shell is seen.
    A private MonkeyPatch: a test's ``monkeypatch.undo()`` leaves these in place.
    """
    home = tmp_path_factory.mktemp("home")
    corpus = home / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("NEWSDESK_") or name in _FROM_THE_SHELL]:
            patch.delenv(name)
        patch.setenv("NEWSDESK_CORPUS", str(corpus))
        patch.setenv("NEWSDESK_DB", str(home / "newsdesk.db"))
        patch.setenv("NEWSDESK_INDEX", str(home / "index"))
        # The reader reads about 15 passages a second: through the settings (CLI, bot) tests
        # run the lexical path unless they ask for the reader (the ``reader_on`` fixture);
        # tests/retrieval/test_reader.py and the reader_on tests cover the reader's path.
        patch.setenv("NEWSDESK_READER", "off")
        patch.chdir(home)
        yield home


@pytest.fixture
def reader_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI and the bot with the reader stage on, as users run them."""
    monkeypatch.setenv("NEWSDESK_READER", "on")


@pytest.fixture(autouse=True)
def _fresh_robots_cache() -> Iterator[None]:
    """Each test starts with no remembered robots.txt: a local test server's port may be reused."""
    ROBOTS.clear()
    yield
    ROBOTS.clear()


@pytest.fixture
def spellers_made(monkeypatch: pytest.MonkeyPatch) -> list[Speller]:
    """Every speller an archive makes from now on (how often a question or a warm-up built one)."""
    made: list[Speller] = []

    class CountedSpeller(Speller):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(retrieval.archive, "Speller", CountedSpeller)
    return made
