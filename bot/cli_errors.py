"""The command line's one place for errors: a :class:`~retrieval.errors.NewsdeskError` raised by any
command ends as one ``Error: <message>`` line on stderr, exit status 1 (``click.ClickException``).

``newsdesk``, ``newsdesk logs`` and ``newsdesk dashboard`` are :class:`OneLineErrors` groups (the
last two also run on their own), so their commands need no ``try``/``except`` of their own for
that. A command still catches an error itself when it says something else: a usage error
(exit 2), a parameter's name, or more context. Free of discord.py imports.
"""

from __future__ import annotations

from typing import Any

import click

from retrieval.errors import NewsdeskError


class OneLineErrors(click.Group):
    """A click group whose commands' (and its own) NewsdeskErrors are one ``Error:`` line each."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsdeskError as exc:
            raise click.ClickException(str(exc)) from None
