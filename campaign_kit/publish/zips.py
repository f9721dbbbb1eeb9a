"""Byte-reproducible ZIP files: sorted names, one fixed date, fixed permissions, DEFLATE.

Python's `zipfile` stamps every entry with the file's mtime (or `now`) and the host's file mode;
writing through `ZipInfo` with fixed values makes two builds of the same input identical.
"""

from __future__ import annotations

import io
import zipfile
from typing import Iterable, Mapping

# 1980-01-01 is the earliest date a ZIP can hold: the usual "no date" value of reproducible builds.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--, in the high 16 bits (Unix host)


def zip_bytes(entries: Mapping[str, bytes] | Iterable[tuple[str, bytes]], *,
              compresslevel: int = 9) -> bytes:
    """A ZIP holding `entries` (archive name -> content), identical for identical input."""
    items = sorted(dict(entries).items())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = _FILE_MODE
            info.create_system = 3  # Unix, whatever machine builds it
            archive.writestr(info, data, compresslevel=compresslevel)
    return buffer.getvalue()


def normalize_zip(data: bytes) -> bytes:
    """Rewrite an existing ZIP (a .docx or .xlsx) with fixed dates and modes.

    The entry order is kept: the libraries write it deterministically, and Office expects
    `[Content_Types].xml` first.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for old in source.infolist():
            info = zipfile.ZipInfo(old.filename, date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = _FILE_MODE
            info.create_system = 3
            archive.writestr(info, source.read(old.filename), compresslevel=9)
    return buffer.getvalue()
