"""Unicode normalisation of words, the same for questions and for indexed text.

Guarantees:

- :func:`normalize_word` returns the NFKC form of a word with every format character
  (Unicode category Cf: zero-width space and joiners, soft hyphen, byte-order mark,
  direction marks) removed, so "Bag\\u200bhdad" and "ｂａｇｈｄａｄ" are the word "baghdad" is.
- Plain ASCII words are returned unchanged without any work (almost every word).
- :data:`JOINERS` lists the characters a word may contain without being split there
  (format characters and combining marks); the analyzer's word pattern uses it, so a word
  with a zero-width character inside is one word whose span covers the whole of it.
"""

from __future__ import annotations

import re
import unicodedata

# Format characters live in these blocks (Unicode 15: U+00AD ... U+E007F); scanning
# only them keeps import fast. A test checks the result against a scan of every code point.
_SCAN = (range(0x0000, 0x20000), range(0xE0000, 0xE0080))


def _ranges(codes: list[int]) -> str:
    """A regex character-class body for sorted code points, as escaped ranges."""
    parts: list[str] = []
    start = prev = codes[0]
    for code in codes[1:] + [-1]:
        if code == prev + 1:
            prev = code
            continue
        parts.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = code
    return "".join(parts)


FORMAT_CODES: tuple[int, ...] = tuple(
    c for block in _SCAN for c in block if unicodedata.category(chr(c)) == "Cf"
)
_FORMAT_CLASS = _ranges(list(FORMAT_CODES))
_FORMAT_RE = re.compile(f"[{_FORMAT_CLASS}]")
# Inside a word: format characters and combining diacritical marks (which the regex
# module's \w does not match, so "cafe\u0301" would otherwise lose its accent's letter).
JOINERS = _FORMAT_CLASS + "\u0300-\u036f"


def normalize_word(word: str) -> str:
    """``word`` in NFKC with format characters removed (ASCII words as they are)."""
    if word.isascii():
        return word
    return unicodedata.normalize("NFKC", _FORMAT_RE.sub("", word))


def normalize_text(text: str) -> str:
    """A whole text normalised like its words (for display and for the spelling vocabulary)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", _FORMAT_RE.sub("", text))
