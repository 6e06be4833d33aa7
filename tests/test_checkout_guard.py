"""The run fails, naming the files and the test, when a test writes the checkout's own data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest

pytest_plugins = ("pytester",)

# A session of its own, with this suite's guard (tests/conftest.py) watching a stand-in checkout.
GUARD = """
from tests.conftest import pytest_runtest_teardown, pytest_sessionfinish, pytest_sessionstart, pytest_terminal_summary
"""
# The inner sessions need neither a cache nor asyncio (whose settings are in pyproject.toml, not read there).
QUIET = ("-p", "no:cacheprovider", "-p", "no:asyncio")


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> Path:
    root = tmp_path / "checkout"
    (root / "corpus").mkdir(parents=True)
    (root / "corpus" / "article.md").write_text("an article\n", encoding="utf-8")
    monkeypatch.setattr(conftest, "ROOT", root)
    pytester.makeconftest(GUARD)
    return root


def test_a_test_that_writes_the_query_log_or_the_corpus_index_fails_the_run(checkout: Path, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_writes=f"""
        from pathlib import Path

        def test_keeps_to_itself(tmp_path):
            (tmp_path / "newsdesk.db").write_text("rows")

        def test_writes_the_checkout():
            Path({str(checkout)!r}, "newsdesk.db").write_text("rows")
            Path({str(checkout)!r}, "corpus", ".index").mkdir()
            Path({str(checkout)!r}, "corpus", ".index", "archive.npz").write_text("index")
        """
    )
    result = pytester.runpytest_inprocess(*QUIET)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*the checkout's files changed*",
            "*  corpus/.index/archive.npz (added)",
            "*  newsdesk.db (added)",
            "Seen first after:",
            "  test_writes.py::test_writes_the_checkout: *",
        ]
    )
    assert "test_keeps_to_itself" not in result.stdout.str().split("the checkout's files changed")[1]


def test_a_changed_corpus_file_of_the_same_size_and_time_is_still_seen(checkout: Path, pytester: pytest.Pytester) -> None:
    article = checkout / "corpus" / "article.md"
    pytester.makepyfile(
        test_rewrites=f"""
        import os
        from pathlib import Path

        def test_rewrites_an_article():
            article = Path({str(article)!r})
            stamp = article.stat()
            article.write_text("AN ARTICLE\\n", encoding="utf-8")
            os.utime(article, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        """
    )
    result = pytester.runpytest_inprocess(*QUIET)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*  corpus/article.md (changed)"])


def test_a_run_that_leaves_the_checkout_alone_passes(checkout: Path, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_reads="def test_reads():\n    assert True\n")
    result = pytester.runpytest_inprocess(*QUIET)
    assert result.ret == pytest.ExitCode.OK
    assert "the checkout's files changed" not in result.stdout.str()


def test_each_test_runs_away_from_the_checkout(_away_from_the_checkout: Path) -> None:
    import os

    home = _away_from_the_checkout
    assert Path.cwd() == home
    assert os.environ["NEWSDESK_DB"] == str(home / "newsdesk.db")
    assert os.environ["NEWSDESK_INDEX"] == str(home / "index")
    corpus = Path(os.environ["NEWSDESK_CORPUS"])
    assert corpus.parent == home
    assert sorted(p.name for p in corpus.glob("*.md")) == sorted(p.name for p in (conftest.ROOT / "corpus").glob("*.md"))
