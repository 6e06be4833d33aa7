"""``benchmarks/RESULTS.md`` holds one section per benchmark; each script rewrites only its own.

A section starts at a top-level heading (``# Title``) and runs to the next one.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.store.atomic import write_text_atomically  # noqa: E402


def replace_section(path: Path, text: str) -> None:
    """Put ``text`` (starting with ``# Title``) in ``path`` in place of the section of that title."""
    heading = text.splitlines()[0]
    sections: list[str] = []
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    for chunk in ("\n" + old).split("\n# ")[1:]:
        sections.append("# " + chunk.strip("\n"))
    titles = [s.splitlines()[0] for s in sections]
    if heading in titles:
        sections[titles.index(heading)] = text.strip("\n")
    else:
        sections.append(text.strip("\n"))
    write_text_atomically(path, "\n\n".join(sections) + "\n")
