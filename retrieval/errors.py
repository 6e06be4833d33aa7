"""The error family: :class:`NewsdeskError` is the base of every error a user can see.

Each such class keeps its home module (``CorpusError`` in :mod:`retrieval.corpus`,
``SettingsError`` in :mod:`bot.settings`...) and its former base too (``CorpusError`` is still
a ``ValueError``), so existing ``except`` clauses keep working. Each interface turns a
``NewsdeskError`` into one line in one place: the command line in :mod:`bot.cli_errors`,
Discord in :func:`bot.failures.error_message`.

Errors that never reach a user (converted into another error, or into a rebuild, first)
are plain exceptions; ``tests/test_errors.py`` lists them.
Imports nothing: every module may use it (retrieval/ knows nothing of bot/).
"""

from __future__ import annotations

__all__ = ["NewsdeskError"]


class NewsdeskError(Exception):
    """The base of every error a user can see; its message is one line that says how to fix it."""
