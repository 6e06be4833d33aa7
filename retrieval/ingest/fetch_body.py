"""A response body decoded (gzip, deflate) a small piece at a time, so a size limit holds.

httpx decodes a compressed body one network chunk at a time: a 64 KB chunk of a gzip bomb
(zeros compress about 1000 to 1) becomes some 64 MB in memory before any size check can see
it. Here the raw bytes are decompressed with :data:`PIECE` as the most output one call may
produce, and each piece is handed on before the next is made, so the caller's size check runs
every :data:`PIECE` bytes whatever the compression ratio.

Guarantees: only the encodings in :data:`ACCEPT_ENCODING` (what newsdesk asks for) and
identity are decoded; any other (``br``, ``zstd``, several stacked) raises
:class:`UnreadableEncoding`, as does a body that is not valid for its encoding. A gzip body
of several members is read whole, as browsers do.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

ACCEPT_ENCODING = "gzip, deflate"  # sent with every request: the encodings decoded here
PIECE = 64 * 1024  # the most bytes one decompression step may produce


class UnreadableEncoding(ValueError):
    """A body in an encoding newsdesk does not decode, or broken for its encoding."""


def _decompressor(encoding: str, raw_deflate: bool = False) -> zlib._Decompress:
    if encoding == "gzip":
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)


def decoded(chunks: Iterable[bytes], content_encoding: str) -> Iterator[bytes]:
    """The body of ``chunks`` (the raw bytes received) decoded, in pieces of at most :data:`PIECE` bytes."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in ("", "identity")]
    if not codings:
        for chunk in chunks:
            for start in range(0, len(chunk), PIECE):
                yield chunk[start : start + PIECE]
        return
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise UnreadableEncoding(f"the page is sent as {content_encoding!r}, which newsdesk does not decode")
    encoding = "gzip" if codings[0] in ("gzip", "x-gzip") else "deflate"
    yield from _inflated(chunks, encoding)


def _inflated(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    engine = _decompressor(encoding)
    started = False  # deflate: some servers send raw deflate, without the zlib header
    for chunk in chunks:
        pending = chunk
        while True:
            try:
                piece = engine.decompress(pending, PIECE)
            except zlib.error as exc:
                if encoding == "deflate" and not started:
                    engine, started = _decompressor(encoding, raw_deflate=True), True
                    continue
                raise UnreadableEncoding(f"the page's {encoding} data is damaged ({exc})") from None
            started = True
            if piece:
                yield piece
            if engine.unconsumed_tail:  # input left over: the piece was full
                pending = engine.unconsumed_tail
            elif engine.eof and engine.unused_data and encoding == "gzip":
                pending, engine = engine.unused_data, _decompressor(encoding)  # the next gzip member
            elif len(piece) == PIECE:  # all input taken, but output may still be waiting
                pending = b""
            else:
                break
