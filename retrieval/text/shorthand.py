"""Chat shorthand: what people type in a channel ("ppl", "govt", "w/", "rn"), in words.

The table is data (bundled: ``retrieval/text/data/shorthand.txt``): one ``shorthand = words``
entry per line, ``#`` comments; an entry with nothing after ``=`` drops a filler that
names no topic ("rn", "atm").

Guarantees:

- Only whole words written in lowercase are expanded, so acronyms in capitals ("US",
  "IS") and names are never touched; everything else in the question stays as typed.
- :func:`load_shorthand` checks the file; a problem raises :class:`ShorthandError` naming
  the file, the line and the fix. The bundled table is read once.
- :func:`expand` is pure: the same question and table give the same text.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

BUNDLED_SHORTHAND = Path(__file__).resolve().parent / "data" / "shorthand.txt"
# A "word" for shorthand: letters and digits, with an inner slash ("w/o", "b/c") or a
# final one ("w/").
_WORD_RE = re.compile(r"(?<![\w/])[a-z0-9]+(?:/[a-z0-9]*)?(?![\w/])")
_ENTRY_RE = re.compile(r"^([a-z0-9]+(?:/[a-z0-9]*)?)\s*=\s*([a-z' ]*)$")


class ShorthandError(NewsdeskError, ValueError):
    """A shorthand file that cannot be used; the message names the file, line and fix."""


def parse_shorthand(text: str, source: str = "<text>") -> dict[str, str]:
    """The table of ``text`` (``shorthand = words`` lines)."""
    table: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _ENTRY_RE.match(line)
        if match is None:
            raise ShorthandError(
                f"{source}, line {number}: {line!r} is not 'shorthand = words' "
                "(lowercase letters, digits and '/' before '=', lowercase words after it)"
            )
        short, words = match.group(1), " ".join(match.group(2).split())
        if short in table:
            raise ShorthandError(f"{source}, line {number}: {short!r} is listed twice; keep one entry")
        table[short] = words
    return table


@functools.lru_cache(maxsize=4)
def load_shorthand(path: Path = BUNDLED_SHORTHAND) -> Mapping[str, str]:
    """The table in ``path`` (the bundled one by default), read once."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ShorthandError(f"{path}: cannot be read ({exc}); reinstall newsdesk or fix the file") from None
    return parse_shorthand(text, str(path))


def expand(question: str, table: Mapping[str, str]) -> str:
    """``question`` with each lowercase shorthand word replaced by its words (spaces kept tidy)."""
    if not table:
        return question
    expanded = _WORD_RE.sub(lambda m: table.get(m.group(), m.group()), question)
    return " ".join(expanded.split()) if expanded != question else question
