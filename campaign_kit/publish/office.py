"""Reproducible .docx and .xlsx: fixed core-property dates and fixed ZIP entry stamps.

python-docx and openpyxl both write "now" into `docProps/core.xml` (openpyxl's `save()` even
overwrites `modified` right before writing) and stamp every ZIP entry with the current time.
We set the dates to the date of the directive the document follows and rewrite the ZIP.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import TYPE_CHECKING

from .zips import normalize_zip

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from openpyxl import Workbook

DEFAULT_DATE = dt.date(2020, 1, 1)


def _stamp(day: dt.date | None) -> dt.datetime:
    return dt.datetime.combine(day or DEFAULT_DATE, dt.time(0, 0))


def docx_bytes(document: DocxDocument, *, title: str, day: dt.date | None, author: str) -> bytes:
    """The document as .docx bytes, identical for identical content."""
    props = document.core_properties
    stamp = _stamp(day)
    props.title = title
    props.author = author
    props.last_modified_by = author
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def xlsx_bytes(workbook: Workbook, *, title: str, day: dt.date | None, author: str) -> bytes:
    """The workbook as .xlsx bytes, identical for identical content."""
    from openpyxl.writer.excel import ExcelWriter

    props = workbook.properties
    stamp = _stamp(day)
    props.title = title
    props.creator = author
    props.lastModifiedBy = author
    props.created = stamp
    props.modified = stamp
    buffer = io.BytesIO()
    # Not `workbook.save()`: it resets `modified` to the current time before writing.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return normalize_zip(buffer.getvalue())
