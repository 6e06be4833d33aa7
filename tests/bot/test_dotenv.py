"""A ``.env`` that cannot be used is one line naming the file and the fix, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.settings import SettingsError, load_settings
from tests import unprivileged


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDESK_RESULTS", raising=False)
    return tmp_path


def _outlets() -> Result:
    # `outlets` reads the settings first, like every command; the bundled corpus is enough.
    return CliRunner().invoke(main, ["outlets"])


def _one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_dotenv_that_is_not_utf8_is_one_line(folder: Path) -> None:
    (folder / ".env").write_bytes("NEWSDESK_RESULTS=2\nNEWSDESK_CONTACT=Zürich desk\n".encode("latin-1"))
    line = _one_error_line(_outlets())
    assert ".env" in line and "UTF-8" in line


def test_a_dotenv_line_that_is_not_a_setting_names_its_line(folder: Path) -> None:
    (folder / ".env").write_text("NEWSDESK_RESULTS=2\nDISCORD_TOKEN abc.def\n")
    line = _one_error_line(_outlets())
    assert ".env line 2" in line and "NAME=value" in line
    assert "abc.def" not in line  # it may be a secret: the line number is enough


def test_a_good_dotenv_still_loads_with_comments_quotes_and_export(folder: Path) -> None:
    (folder / ".env").write_text(
        "# a comment\n\nexport NEWSDESK_RESULTS=2\nNEWSDESK_DASHBOARD_PASSWORD_HASH='pbkdf2_sha256$1$a$b'\n"
    )
    settings = load_settings()
    assert settings.results == 2 and settings.dashboard_password_hash == "pbkdf2_sha256$1$a$b"


def test_an_unreadable_dotenv_is_one_line() -> None:
    with unprivileged.shared_folder() as shared:
        dotenv = shared / ".env"
        dotenv.write_text("NEWSDESK_RESULTS=2\n")
        dotenv.chmod(0o000)
        done = unprivileged.run("-m", "bot.cli", "outlets", cwd=shared)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and ".env" in lines[0] and "ermission denied" in lines[0], done.stderr


def test_paths_in_dotenv_may_start_with_a_tilde(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A shell expands ~ in `export NEWSDESK_CORPUS=~/news`; .env files are not read by a shell.
    monkeypatch.setenv("HOME", str(folder))
    for name in ("NEWSDESK_CORPUS", "NEWSDESK_DB", "NEWSDESK_INDEX", "NEWSDESK_ALIASES"):
        monkeypatch.delenv(name, raising=False)
    (folder / "aliases.txt").write_text("ISIS, ISIL\n")
    (folder / ".env").write_text(
        "NEWSDESK_CORPUS=~/news\nNEWSDESK_DB=~/logs/newsdesk.db\nNEWSDESK_INDEX=~/index\nNEWSDESK_ALIASES=~/aliases.txt\n"
    )
    settings = load_settings()
    assert settings.corpus_dir == folder / "news" and settings.db_path == folder / "logs" / "newsdesk.db"
    assert settings.index_path == folder / "index" and settings.aliases_path == folder / "aliases.txt"
