"""The docs tell the truth about names: README.md and docs/*.md mention only `newsdesk`
subcommands and options that exist, link to and name only files the repository holds
(and headings that exist), and the module map of docs/how-it-works.md lists every module."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from bot.cli import main
from tests.paths import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MODULE_MAP = ROOT / "docs" / "how-it-works.md"
# The repository's top-level folders and files a path in the docs may start from.
TOP = ("benchmarks", "bot", "corpus", "docs", "retrieval", "tests", ".ci")
TOP_FILES = ("README.md", "pyproject.toml", ".env.example")
# Paths the docs name that the program makes at run time, not files of the repository.
MADE_AT_RUN_TIME = {"corpus/.removed/", "corpus/.index/"}
# Where a shell command line ends (a comment, a pipe, a redirection, the next command).
_COMMAND_END = re.compile(r"\s(?:#|\||>|&&|;|\()")
# A command starts a line of code (after a `$ ` prompt) or follows `&&`, `;` or `|`.
_COMMAND = re.compile(r"(?:^\s*(?:\$\s+)?|(?:&&|;|\|)\s*)(?:\.venv/bin/)?newsdesk(?=\s|$)")


def _read(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def _code(text: str) -> list[str]:
    """The inline code spans and the lines of the fenced code blocks of a Markdown text."""
    code: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced:
            code.append(line)
        else:
            code += re.findall(r"`([^`\n]+)`", line)
    return code


def _commands(text: str) -> list[str]:
    """Each `newsdesk ...` command line in the code of a Markdown text, without what follows it."""
    found = []
    for code in _code(text):
        for match in _COMMAND.finditer(code):
            rest = code[match.end():]
            end = _COMMAND_END.search(rest)
            found.append("newsdesk" + (rest[: end.start()] if end else rest).rstrip())
    return found


def _words(command: str) -> list[str]:
    try:
        words = shlex.split(command)
    except ValueError:  # an unclosed quote in a written example: split on spaces
        words = command.split()
    return [word.strip("[]") for word in words[1:]]


def _option(command: click.Command, name: str) -> click.Option | None:
    if name == "--help":
        return click.Option(["--help"], is_flag=True)
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _problems(line: str) -> list[str]:
    """What in one command line names no real subcommand or option of `newsdesk`."""
    command: click.Command = main
    path = ["newsdesk"]
    words = iter(_words(line))
    for word in words:
        if word in ("", "...") or word.endswith("..."):
            continue
        if word == "--":  # the rest are arguments
            break
        if word.startswith("-") and not re.match(r"-\d", word):
            name = word.split("=", 1)[0]
            option = _option(command, name)
            if option is None:
                return [f"`{' '.join(path)}` has no option {name} (in: {line})"]
            if not option.is_flag and not option.count and "=" not in word:
                next(words, None)  # its value
        elif isinstance(command, click.Group):
            sub = command.commands.get(word)
            if sub is None:
                known = ", ".join(sorted(command.commands))
                return [f"`{' '.join(path)}` has no subcommand {word!r} (it has {known}) (in: {line})"]
            command, path = sub, [*path, word]
    return []


def _all_commands() -> list[tuple[Path, str]]:
    return [(doc, line) for doc in DOCS for line in _commands(_read(doc))]


def test_the_docs_mention_many_commands() -> None:
    # The extraction works: the README's table and the guides' examples are found.
    commands = _all_commands()
    assert len(commands) > 40
    assert {doc.name for doc, _ in commands} >= {"README.md", "user-guide.md", "moderator-guide.md", "operator-guide.md"}


def test_every_newsdesk_command_in_the_docs_exists_with_its_options() -> None:
    problems = [f"{doc.relative_to(ROOT)}: {problem}" for doc, line in _all_commands() for problem in _problems(line)]
    assert problems == []


def test_a_wrong_subcommand_or_option_is_caught() -> None:
    assert _problems("newsdesk ask -n 5 --outlet DW --since 2014-06-01 Iran") == []
    assert _problems("newsdesk logs stats --since 30d --chart stats.png") == []
    assert _problems("newsdesk ask -- -5 degrees --nonsense") == []
    assert _problems("newsdesk ask --from 2014-01-01") == ["`newsdesk ask` has no option --from (in: newsdesk ask --from 2014-01-01)"]
    assert "no subcommand 'tail'" in _problems("newsdesk logs tail")[0]
    assert "no subcommand 'serve'" in _problems("newsdesk serve --port 8001")[0]
    assert _commands("run `newsdesk dashboard --port 8001` or\n```sh\nnewsdesk logs recent 5 | head  # newest\n```") == [
        "newsdesk dashboard --port 8001",
        "newsdesk logs recent 5",
    ]
    assert _commands("`cd /srv && .venv/bin/newsdesk logs purge --older-than 90d`, `journalctl -u newsdesk -f`") == [
        "newsdesk logs purge --older-than 90d"
    ]


# -- benchmark scripts -------------------------------------------------------------------------

_SCRIPT = re.compile(r"(?<![\w/])(benchmarks/[\w/]+\.py)\b")


def _script_problems(text: str) -> list[str]:
    """Options the docs give a benchmark script that its argument parser does not define."""
    problems = []
    for code in _code(text):
        for match in _SCRIPT.finditer(code):
            rest = code[match.end():]
            end = _COMMAND_END.search(rest)
            script = ROOT / match.group(1)
            source = script.read_text(encoding="utf-8") if script.is_file() else ""
            for word in (rest[: end.start()] if end else rest).split():
                name = word.strip("[]").split("=", 1)[0]
                if name.startswith("--") and name != "--help" and f'"{name}"' not in source:
                    problems.append(f"{match.group(1)} has no option {name} (in: {code.strip()})")
    return problems


def test_every_benchmark_option_in_the_docs_exists() -> None:
    problems = [f"{doc.relative_to(ROOT)}: {problem}" for doc in DOCS for problem in _script_problems(_read(doc))]
    assert problems == []
    assert _script_problems("`python benchmarks/quality.py --no-such-option`") == [
        "benchmarks/quality.py has no option --no-such-option (in: python benchmarks/quality.py --no-such-option)"
    ]


# -- files and headings --------------------------------------------------------------------


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", _read(doc), flags=re.MULTILINE | re.DOTALL)
    return {_slug(match) for match in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}


def _links(text: str) -> list[str]:
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def _named_paths(text: str) -> list[str]:
    """The repository paths written in code: `retrieval/archive.py`, benchmarks/quality.py ..."""
    paths = []
    for code in _code(text):
        for word in code.split():
            word = word.split("::")[0].rstrip(",.:;)").lstrip("(")
            if re.fullmatch(r"[\w.-]+(?:/[\w.-]*)*", word) and (word.split("/")[0] in TOP and "/" in word or word in TOP_FILES):
                paths.append(word)
    return paths


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_link_leads_to_a_file_and_heading_that_exist(doc: Path) -> None:
    missing = []
    for link in _links(_read(doc)):
        if re.match(r"[a-z]+:", link):  # https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        path = (doc.parent / target).resolve() if target else doc
        if not path.exists():
            missing.append(f"{link}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            missing.append(f"{link}: no heading #{anchor} in {path.relative_to(ROOT)}")
    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_file_the_docs_name_exists(doc: Path) -> None:
    named = [path for path in _named_paths(_read(doc)) if path not in MADE_AT_RUN_TIME]
    assert named, "no path found: the extraction is broken"
    assert [path for path in named if not (ROOT / path).exists()] == []


def test_the_module_map_lists_every_module() -> None:
    text = _read(MODULE_MAP)
    modules = sorted(
        path.relative_to(ROOT).as_posix()
        for package in ("retrieval", "bot")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    )
    assert len(modules) > 50
    unlisted = [module for module in modules if f"`{module}`" not in text]
    assert unlisted == [], f"add them to the module map in {MODULE_MAP.relative_to(ROOT)}"
