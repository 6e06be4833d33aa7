"""Name variants kept as data: groups of names for the same thing ("ISIS, ISIL, Daesh").

The file (bundled: ``retrieval/text/data/aliases.txt``; a team's own via ``NEWSDESK_ALIASES``)
has one group per line, names separated by commas, the first name being the group's own;
``#`` starts a comment line. See the bundled file for the rules a team needs.

Guarantees:

- :func:`load_aliases` reads and checks a file; a problem raises :class:`AliasError`
  naming the file, the line and the fix. Nothing is guessed.
- :class:`Aliases` is a plain value (its groups, as written); its :attr:`Aliases.groups`
  are part of the analyzer's settings, so editing the file changes a saved index's
  identity and the index is rebuilt.
- :meth:`Aliases.compile` turns the groups into term maps with the analyzer's own word
  analysis: every one-word name's term maps to the group's term (in articles and
  questions alike), and a name of several words maps, as a phrase of terms, to the group's
  term (questions only: see :mod:`retrieval.answer.query`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

BUNDLED_ALIASES = Path(__file__).resolve().parent / "data" / "aliases.txt"
MAX_ALIAS_FILE_BYTES = 1_000_000

# The analyzer's term for one written word of a name (None when it is a stopword).
WordTerms = Callable[[str], list[str]]


class AliasError(NewsdeskError, ValueError):
    """An aliases file that cannot be used; the message names the file, line and fix."""


@dataclass(frozen=True)
class CompiledAliases:
    """Term maps: one-word names (term -> group term), phrases (terms -> group term)."""

    words: dict[str, str]
    phrases: dict[tuple[str, ...], str]
    longest_phrase: int


@dataclass(frozen=True)
class Aliases:
    """Groups of names for the same thing, as written; the first name of each is its own."""

    groups: tuple[tuple[str, ...], ...] = ()
    source: str = "<none>"

    def compile(self, terms_of: WordTerms) -> CompiledAliases:
        """Term maps for an analyzer whose terms (without aliases) ``terms_of`` gives."""
        words: dict[str, str] = {}
        owners: dict[str, int] = {}
        phrase_terms: list[tuple[tuple[str, ...], int]] = []
        canonical: list[str] = []
        for number, group in enumerate(self.groups):
            analysed = [(name, tuple(terms_of(name))) for name in group]
            singles = [terms[0] for _, terms in analysed if len(terms) == 1]
            if not singles:
                raise AliasError(
                    f"{self.source}: the group {', '.join(group)!r} has no one-word name; "
                    "add one (an acronym will do) so articles can be matched by it"
                )
            canonical.append(singles[0])
            for name, terms in analysed:
                if not terms:
                    raise AliasError(f"{self.source}: {name!r} has no searchable word; remove it from its group")
                if len(terms) > 1:
                    phrase_terms.append((terms, number))
                    continue
                previous = owners.setdefault(terms[0], number)
                if previous != number:
                    raise AliasError(
                        f"{self.source}: {name!r} is in two groups ({', '.join(self.groups[previous])!r} "
                        f"and {', '.join(group)!r}); a name may belong to one group only"
                    )
                words[terms[0]] = canonical[number]
        # A phrase is matched on the terms questions get, one-word names already mapped.
        phrases = {tuple(words.get(t, t) for t in terms): canonical[n] for terms, n in phrase_terms}
        return CompiledAliases(words, phrases, max((len(p) for p in phrases), default=0))


def parse_aliases(text: str, source: str = "<text>") -> Aliases:
    """Groups from the file format; raises AliasError for a line that is not a group."""
    groups: list[tuple[str, ...]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names = tuple(" ".join(name.split()) for name in line.split(","))
        if any(not name for name in names) or len(names) < 2:
            raise AliasError(
                f"{source}, line {number}: {line[:60]!r} is not a group; write two or more names "
                "separated by commas, e.g. 'defence, defense'"
            )
        groups.append(names)
    return Aliases(tuple(groups), source)


def load_aliases(path: Path | str | None = None) -> Aliases:
    """The aliases in ``path`` (default: the bundled file); AliasError if unusable."""
    path = Path(path) if path is not None else BUNDLED_ALIASES
    try:
        if path.stat().st_size > MAX_ALIAS_FILE_BYTES:
            raise AliasError(f"{path}: over {MAX_ALIAS_FILE_BYTES} bytes; an aliases file holds name groups only")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AliasError(f"{path}: no such aliases file; fix NEWSDESK_ALIASES or create the file") from None
    except UnicodeDecodeError:
        raise AliasError(f"{path}: not UTF-8 text; save the aliases file as UTF-8") from None
    except OSError as exc:
        raise AliasError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    return parse_aliases(text, str(path))


def group_settings(aliases: Aliases) -> list[list[str]]:
    """The groups as JSON-ready lists (what an index's saved analyzer settings hold)."""
    return [list(group) for group in aliases.groups]


def from_settings(groups: Sequence[Sequence[str]], source: str = "saved index") -> Aliases:
    return Aliases(tuple(tuple(group) for group in groups), source)


_bundled: Aliases | None = None


def bundled_aliases() -> Aliases:
    """The bundled aliases file, read once."""
    global _bundled
    if _bundled is None:
        _bundled = load_aliases(BUNDLED_ALIASES)
    return _bundled
