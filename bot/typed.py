"""What a person typed on the command line: text that is not UTF-8 is named, never a traceback.

A terminal set to another encoding (Latin-1's "ü") hands Python bytes it cannot decode as
lone surrogates (``surrogateescape``); neither the tokenizer, nor SQLite, nor a corpus file
accepts them. :func:`not_utf8` says what is wrong; :func:`utf8_text` is the click callback
that refuses such an option or argument with one usage line. Free of discord.py.
"""

from __future__ import annotations

import logging

import click

log = logging.getLogger(__name__)

FIX = "set your terminal to UTF-8 (e.g. LANG=C.UTF-8)"


def not_utf8(typed: str) -> str | None:
    """What in ``typed`` is not UTF-8 text ("byte 0xfc"), or None when all of it is."""
    try:
        typed.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(typed[exc.start])
        byte = code - 0xDC00  # surrogateescape: U+DC80..U+DCFF for bytes 0x80..0xFF
        return f"byte 0x{byte:02x}" if 0x80 <= byte <= 0xFF else f"character U+{code:04X}"
    return None


def utf8_text(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """click callback: ``value`` unchanged, or a usage error naming what is not UTF-8."""
    what = not_utf8(value) if value is not None else None
    if what:
        raise click.BadParameter(f"not UTF-8 text ({what}): {FIX}")
    return value
