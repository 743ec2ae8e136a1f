"""Writing a filtered list to CSV or XLSX, streamed so a large list never sits in memory.

``csv_stream`` yields encoded lines for a ``StreamingHttpResponse``; ``xlsx_file`` writes a
workbook in openpyxl's write-only mode to a temporary file served by ``FileResponse``.
Cells that a spreadsheet would run as a formula (starting with = + - @) are prefixed with an
apostrophe: a name typed by someone else must never execute in a caseworker's Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportColumn:
    header: object  # a lazy translation
    value: Callable[[object], object]


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_stream(columns: list[ExportColumn], rows: Iterable) -> Iterator[str]:
    """UTF-8 with a byte-order mark so Excel opens accents and Greek or Arabic names correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(c.header) for c in columns])
    for row in rows:
        yield writer.writerow([safe_cell(c.value(row)) for c in columns])


def xlsx_file(columns: list[ExportColumn], rows: Iterable, title: str = "Export"):
    """A temporary file holding the workbook, positioned at its start (deleted when closed)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(c.header) for c in columns])
    for row in rows:
        sheet.append([_xlsx_cell(c.value(row)) for c in columns])
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle


def _xlsx_cell(value):
    if isinstance(value, dt.datetime):
        # Excel has no time zones: write the local wall-clock time without tzinfo.
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date) or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return safe_cell(value)
