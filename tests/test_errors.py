"""One error family: every exception class of retrieval/ and bot/ that reaches a user is a
``NewsdeskError``, and each interface turns one into one line, in one place.

The command line's place is ``bot.cli_errors.OneLineErrors`` (``newsdesk``, ``newsdesk logs``,
``newsdesk dashboard``); Discord's is ``bot.failures.error_message``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from retrieval.errors import NewsdeskError
from tests.paths import ROOT

# Exception classes that never reach a user, each with what becomes of it first. Every other
# exception class defined in retrieval/ or bot/ must be a NewsdeskError.
INTERNAL = {
    # A refused address inside a fetch: the fetch raises AddressError (an IngestError) naming the page.
    "retrieval.ingest.web_address.NotPublic": "becomes AddressError",
    # A body newsdesk cannot unpack: the fetch raises FetchError (an IngestError) naming the page.
    "retrieval.ingest.fetch_body.UnreadableEncoding": "becomes FetchError",
    # A saved index whose arrays disagree: logged, and the index is rebuilt.
    "retrieval.store.verify.InconsistentArchive": "the saved index is rebuilt",
    # An answer that could not be posted: the cog logs it and answers privately instead.
    "bot.cogs.ask.posting.NotPosted": "the cog answers privately",
    # /querylog's file over Discord's size limit: the cog sends a shorter one or says so.
    "bot.cogs.querylog_commands._TooLarge": "the cog sends less",
    # A malformed Basic header at the dashboard: the login answers 401 saying so (a web reply).
    "bot.dashboard_auth.MalformedCredentials": "a 401 response",
}

# Modules of the optional extras (the README's Quick start installs none).
OPTIONAL = {"datasette", "datasette_auth_passwords"}


def _modules_with_classes() -> list[str]:
    found = []
    for package in ("retrieval", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            if any(isinstance(node, ast.ClassDef) for node in tree.body):
                parts = list(path.relative_to(ROOT).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                found.append(".".join(parts))
    return found


MODULES = _modules_with_classes()


def _exception_classes(module_name: str) -> dict[str, type[BaseException]]:
    """The exception classes ``module_name`` defines (not those it imports), by dotted name."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in OPTIONAL:
            pytest.skip(f"{module_name} needs {exc.name} (an optional extra)")
        raise
    return {
        f"{module_name}.{name}": value
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module_name
    }


def test_the_finder_sees_the_modules_that_define_errors() -> None:
    assert {"retrieval.corpus", "retrieval.ingest.fetch", "bot.settings", "bot.querylog.schema"} <= set(MODULES)


@pytest.mark.parametrize("module_name", MODULES)
def test_every_error_a_user_can_see_is_a_newsdesk_error(module_name: str) -> None:
    outside = [
        name
        for name, cls in _exception_classes(module_name).items()
        if not issubclass(cls, NewsdeskError) and name not in INTERNAL
    ]
    assert not outside, (
        f"{outside} are not NewsdeskErrors: add NewsdeskError to their bases (keeping the old base), "
        "or list them in INTERNAL with what becomes of them before a user sees anything"
    )


@pytest.mark.parametrize("name", sorted(INTERNAL))
def test_the_internal_errors_exist_and_stay_outside_the_family(name: str) -> None:
    module_name, _, class_name = name.rpartition(".")
    cls = _exception_classes(module_name)[name]  # skips when the module needs an optional extra
    assert issubclass(cls, BaseException) and not issubclass(cls, NewsdeskError)


def test_the_family_keeps_the_old_bases() -> None:
    from bot.settings import SettingsError
    from retrieval.corpus import CorpusError, CorpusFolderError
    from retrieval.ingest.fetch import FetchError

    assert issubclass(CorpusError, ValueError) and issubclass(SettingsError, ValueError)
    assert issubclass(CorpusFolderError, FileNotFoundError)
    assert issubclass(FetchError, NewsdeskError)


# -- the command line: one line, exit 1 ------------------------------------------------

PROBLEM = "the archive is on fire; put it out with NEWSDESK_HOSE"


def _raise(*args: object, **kwargs: object) -> None:
    raise NewsdeskError(PROBLEM)


def test_an_unexpected_newsdesk_error_from_a_command_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli

    monkeypatch.setattr(bot.cli, "_open_desk", _raise)
    result = CliRunner().invoke(bot.cli.main, ["outlets"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr == f"Error: {PROBLEM}\n" and result.stdout == ""


def test_a_subclass_from_a_subcommand_module_is_one_line_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli
    import bot.ingest_cli
    from retrieval.ingest.raw_page import IngestError

    def broken(*args: object, **kwargs: object) -> None:
        raise IngestError("page.html", PROBLEM)

    monkeypatch.setattr(bot.ingest_cli, "library_for", broken)
    result = CliRunner().invoke(bot.cli.main, ["ingest", "page.html"])
    assert (result.exit_code, result.stderr, result.stdout) == (1, f"Error: {PROBLEM}\n", "")


@pytest.mark.parametrize("group", ["logs", "dashboard"])
def test_the_groups_that_also_run_alone_turn_it_into_one_line(group: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.dashboard
    import bot.logs_access
    import bot.logs_cli

    monkeypatch.setattr(bot.logs_access, "load_settings", _raise)  # what both load when run alone
    command = bot.logs_cli.logs if group == "logs" else bot.dashboard.dashboard
    args = ["recent"] if group == "logs" else ["--print-metadata"]
    result = CliRunner().invoke(command, args)
    assert (result.exit_code, result.stderr) == (1, f"Error: {PROBLEM}\n")


def test_a_usage_error_keeps_its_own_form_and_exit_status() -> None:
    """The one place handles NewsdeskErrors only: a command's own usage error is as before."""
    import bot.cli

    result = CliRunner().invoke(bot.cli.main, ["ask", "--since", "yesterday-ish", "what happened"])
    assert result.exit_code == 2 and "Usage:" in result.stderr


# -- Discord: one private line ---------------------------------------------------------


def test_discord_shows_any_other_newsdesk_error_as_one_escaped_line(caplog: pytest.LogCaptureFixture) -> None:
    from bot.failures import APOLOGY, error_message
    from retrieval.corpus import CorpusError

    with caplog.at_level(logging.ERROR):
        text = error_message(CorpusError("one.md", "the *title*\nis missing; add a title: line"), "command 'x'")
    assert text != APOLOGY and "\n" not in text
    assert text == "one.md: the \\*title\\* is missing; add a title: line"
    assert [r.exc_info for r in caplog.records] == [None]  # logged, without a traceback


def test_discord_names_no_server_folder(tmp_path: Path) -> None:
    from bot.failures import error_message
    from bot.settings import load_settings
    from retrieval.corpus import CorpusFolderError

    settings = load_settings()
    text = error_message(CorpusFolderError(f"corpus folder {settings.corpus_dir.absolute()} does not exist"), settings=settings)
    assert str(settings.corpus_dir.absolute()) not in text and "the corpus folder" in text
