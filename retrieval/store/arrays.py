"""Named numpy arrays on disk: one uncompressed ``.npz`` file, written atomically, read mapped.

Guarantees: :func:`save_npz` goes through :func:`retrieval.store.atomic.atomic_writer`, so a reader
sees the old file or the new one, never half of one. :func:`read_npz` maps the arrays of an
uncompressed file read-only instead of reading them, so loading costs milliseconds and only
the pages a search touches are read. Text is stored as UTF-8 bytes (:func:`text_array`),
never as pickled objects.
"""

from __future__ import annotations

import logging
import math
import zipfile
from array import array
from pathlib import Path
from typing import BinaryIO

import numpy as np

from retrieval.store.atomic import atomic_writer

log = logging.getLogger(__name__)


def text_array(text: str) -> np.ndarray:
    """``text`` as an array of UTF-8 bytes (what :func:`array_text` reads back)."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def array_text(data: np.ndarray) -> str:
    """The text stored by :func:`text_array`."""
    # Straight from the (mapped) buffer: no intermediate bytes copy.
    return str(memoryview(np.ascontiguousarray(data)), "utf-8")


def packed_term_ids(ids: array, lengths: array) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated term ids (int32) and per-text term counts (int64) as numpy arrays."""
    return (
        np.frombuffer(ids, dtype=np.int32) if ids else np.zeros(0, dtype=np.int32),
        np.frombuffer(lengths, dtype=np.int64) if lengths else np.zeros(0, dtype=np.int64),
    )


def save_npz(path: Path | str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` as one uncompressed ``.npz``, atomically.

    Uncompressed, so :func:`read_npz` can map it and read nothing up front. Raises OSError
    when it cannot be written; the previous file, if any, is then left as it was.
    """
    with atomic_writer(path, "wb") as handle:
        np.savez(handle, **arrays)


def read_npz(path: Path | str) -> dict[str, np.ndarray]:
    """The arrays of an uncompressed ``.npz`` file, memory-mapped read-only.

    ``np.load`` reads every array of an ``.npz`` into memory; the members of an
    uncompressed one are plain ``.npy`` files at known offsets, so they can be mapped
    instead. Compressed members are read as usual. Raises OSError, ValueError or
    zipfile.BadZipFile for a damaged file.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[: -len(".npy")]
            if info.compress_type != zipfile.ZIP_STORED:
                with archive.open(info) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                continue
            arrays[name] = _map_member(path, handle, info, name)
    return arrays


def _map_member(path: Path, handle: BinaryIO, info: zipfile.ZipInfo, name: str) -> np.ndarray:
    """Map one stored (uncompressed) ``.npy`` member of the zip file at ``path``."""
    # Local file header: 30 fixed bytes, then the name and an extra field.
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ValueError(f"{path}: bad zip member header for {info.filename}")
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    if dtype.hasobject:
        raise ValueError(f"{path}: {name} holds Python objects")
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype=dtype)
    mapped = np.memmap(path, dtype=dtype, mode="r", offset=handle.tell(), shape=shape, order="F" if fortran else "C")
    # A plain ndarray view of the map: np.memmap's Python-level slicing costs more than a
    # whole small search.
    return mapped.view(np.ndarray)
