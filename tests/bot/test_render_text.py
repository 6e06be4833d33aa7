"""`newsdesk ask` in a terminal: excerpts wrapped to its width under their number, words intact."""

from __future__ import annotations

import datetime as dt
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from bot.render_text import render_answer
from retrieval.answer.answerer import Answer, Excerpt
from tests.paths import FIXTURE_CORPUS, ROOT

TEXT = (
    "Engineers opened the spillway of the Orin dam on Thursday because the reservoir had risen to within a "
    "metre of the crest after record rain. Villages downstream along the Sella river were warned."
)
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def _answer(number_of_excerpts: int = 1) -> Answer:
    spans = tuple(m.span() for m in re.finditer(r"spillway|Orin dam|reservoir|crest", TEXT))
    excerpt = Excerpt(
        article_id="valley-post", passage_id="valley-post#1", title="Engineers open Orin dam spillway after record rain",
        source="Valley Post", published=dt.date(2021, 4, 15), url="https://valley-post.example/a-very-long-address/orin-dam-spillway",
        excerpt=TEXT, score=1.0, matched_terms=("spillway",), highlights=spans,
    )
    return Answer("Why was the spillway opened?", True, (excerpt,) * number_of_excerpts, passages_searched=21)


def _bold(text: str) -> str:
    return f"<{text}>"


def test_excerpts_and_citations_wrap_to_the_width_under_their_number() -> None:
    lines = render_answer(_answer(), width=60).splitlines()
    url = "https://valley-post.example/a-very-long-address/orin-dam-spillway"
    assert all(len(line) <= 60 for line in lines if url not in line and not line.startswith("(")), lines
    assert lines[0].startswith("1. Engineers opened")
    excerpt_lines = lines[: next(i for i, line in enumerate(lines) if "\u2014" in line)]
    assert len(excerpt_lines) > 2 and all(line.startswith("   ") and line[3] != " " for line in excerpt_lines[1:])
    # Broken at spaces only: the words read as before.
    assert " ".join(line.strip() for line in excerpt_lines)[3:] == TEXT
    assert f"   {url}" in lines  # an address is never broken


def test_wrapping_keeps_the_same_words_in_bold() -> None:
    plain = render_answer(_answer(), _bold)
    wrapped = render_answer(_answer(), _bold, width=50)
    bold_words = re.compile(r"<([^>]*)>")
    assert [" ".join(w.split()) for w in bold_words.findall(wrapped)] == bold_words.findall(plain)
    assert "<Orin dam>" in plain


def test_ten_excerpts_or_more_align_under_their_own_number() -> None:
    lines = render_answer(_answer(10), width=60).splitlines()
    tenth = lines.index(next(line for line in lines if line.startswith("10. ")))
    assert lines[tenth + 1].startswith("    ") and lines[tenth + 1][4] != " "


def test_the_footer_counts_in_words_not_with_a_parenthesised_s() -> None:
    assert render_answer(_answer(1)).splitlines()[-1] == "(1 excerpt from 21 passages searched)"
    assert render_answer(_answer(3)).splitlines()[-1] == "(3 excerpts from 21 passages searched)"
    one_passage = Answer("Why?", True, _answer(2).results, passages_searched=1)
    assert render_answer(one_passage).splitlines()[-1] == "(2 excerpts from 1 passage searched)"


def test_without_a_width_each_excerpt_stays_one_line() -> None:
    assert render_answer(_answer()).splitlines()[0] == f"1. {TEXT}"


def _env(tmp_path: Path, columns: int) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns), "NEWSDESK_CORPUS": str(FIXTURE_CORPUS),
            "NEWSDESK_INDEX": str(tmp_path / "index"), "NEWSDESK_SEMANTIC": "0", "NEWSDESK_DB": str(tmp_path / "log.db")}


def _in_a_terminal(env: dict[str, str], *args: str) -> str:
    """The command's output when its stdout is a terminal (``COLUMNS`` wide)."""
    leader, follower = pty.openpty()
    done = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    done.wait(timeout=120)
    os.close(leader)
    return ANSI_RE.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")


def test_the_command_wraps_to_the_terminal_width_and_stays_whole_in_a_pipe(tmp_path: Path) -> None:
    question = "Why did engineers open the spillway of the Orin dam?"
    shown = _in_a_terminal(_env(tmp_path, 64), "ask", question, "-n", "2")
    body = [line for line in shown.splitlines() if line and not line.startswith(("(", "   http"))]
    assert "1. " in shown and all(len(line) <= 64 for line in body), shown
    piped = subprocess.run([sys.executable, "-m", "bot.cli", "ask", question, "-n", "2"], capture_output=True,
                           text=True, timeout=120, env=_env(tmp_path, 64))
    assert max(len(line) for line in piped.stdout.splitlines()) > 64  # a script reads one line per excerpt


def test_control_characters_from_a_corpus_file_never_reach_the_terminal() -> None:
    # A file copied into the corpus by hand can hold terminal escapes: clear the screen, set
    # the window title, ring the bell. They show as "?", and the bold words stay the right ones.
    text = "The storm \x1b[2J damaged the Orin dam spillway.\x07"
    spans = tuple(m.span() for m in re.finditer("spillway", text))
    excerpt = Excerpt(
        article_id="a", passage_id="a#1", title="Storm \x1b]0;owned\x07 report", source="Wire \x1b[31m",
        published=dt.date(2021, 4, 15), url="https://wire.example/a\x1b[8m", excerpt=text, score=1.0,
        matched_terms=("spillway",), highlights=spans,
    )
    for width in (None, 40):
        shown = render_answer(Answer("q", True, (excerpt,), passages_searched=1), _bold, width=width)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "<spillway>" in shown and "?[2J" in shown


def test_a_refused_question_is_echoed_without_control_characters() -> None:
    shown = render_answer(Answer("Where is \x1b]52;c;aGk=\x07 Tokyo?", False, (), 1, reason="Nothing on: tokyo."))
    assert "\x1b" not in shown and "\x07" not in shown and "Tokyo?" in shown


def test_a_refused_question_with_line_breaks_is_echoed_on_one_line() -> None:
    shown = render_answer(Answer("What about\n\nTokyo?", False, (), 1, reason="The archive has nothing on: tokyo."))
    assert shown.splitlines()[0] == "No answer in the archive for: What about Tokyo?"
