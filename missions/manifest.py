"""A movement's manifest as CSV and PDF: what the journey needs and nothing else (names in
Latin script, date of birth, sex, nationality, travel document status, assistance needs).
Never notes of any kind, vulnerabilities or asylum claim details.

The PDF is written here (a plain PDF 1.4 with the standard Helvetica font, Latin-1 text,
A4 landscape pages): no dependency for a table of text.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .models import Assistance, Movement
from .transfer_selectors import manifest_rows

COLUMNS = [
    ("case_number", "Case"),
    ("family_name", "Family name"),
    ("given_name", "Given name"),
    ("date_of_birth", "Date of birth"),
    ("sex", "Sex"),
    ("nationality", "Nationality"),
    ("travel_document", "Travel document"),
    ("assistance", "Assistance"),
    ("departure", "Departure"),
]


def _rows(movement: Movement) -> list[dict]:
    labels = dict(Assistance.choices)
    rows = manifest_rows(movement)
    for row in rows:
        row["assistance"] = ", ".join(str(labels.get(a.strip(), a)) for a in row["assistance"].split(",") if a.strip())
    return rows


def heading(movement: Movement) -> str:
    return (
        f"{movement.frontline_state_id} -> {movement.receiving_state_id}  {movement.departs_on.isoformat()}  "
        f"{movement.departure_airport}-{movement.arrival_airport}  {movement.carrier} {movement.flight_number}  "
        f"escorts {movement.escorts}  capacity {movement.capacity}"
    )


def as_csv(movement: Movement) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(_(label)) for _key, label in COLUMNS])
    for row in _rows(movement):
        writer.writerow([row[key] for key, _label in COLUMNS])
    return out.getvalue()


# -- a minimal PDF -------------------------------------------------------------------------------

WIDTHS = [70, 110, 100, 70, 45, 95, 80, 150, 60]  # points, A4 landscape (842 wide, margins 30)
LINE = 14
TOP, BOTTOM, LEFT = 560, 40, 30


def _pdf_text(text: str) -> str:
    raw = str(text).encode("latin-1", "replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _fit(text: str, width: int, size: float) -> str:
    limit = max(1, int(width / (size * 0.5)))
    return text if len(text) <= limit else text[: limit - 1] + "."


def _page_stream(lines: list[tuple[float, float, float, str]]) -> bytes:
    parts = ["BT"]
    for x, y, size, text in lines:
        parts.append(f"/F1 {size} Tf 1 0 0 1 {x} {y} Tm ({_pdf_text(text)}) Tj")
    parts.append("ET")
    return "\n".join(parts).encode("latin-1")


def as_pdf(movement: Movement) -> bytes:
    rows = _rows(movement)
    title = f"Manifest - movement {movement.pk}"
    pages: list[list] = []
    current: list = []
    y = TOP

    def header():
        nonlocal y, current
        current = [(LEFT, TOP + 20, 13, title), (LEFT, TOP + 4, 9, heading(movement))]
        y = TOP - LINE
        x = LEFT
        for (_key, label), width in zip(COLUMNS, WIDTHS, strict=True):
            current.append((x, y, 8, _fit(str(label), width, 8)))
            x += width
        y -= LINE

    header()
    for row in rows:
        if y < BOTTOM:
            pages.append(current)
            header()
        x = LEFT
        for (key, _label), width in zip(COLUMNS, WIDTHS, strict=True):
            current.append((x, y, 8, _fit(str(row[key]), width, 8)))
            x += width
        y -= LINE
    current.append((LEFT, max(y - LINE, 20), 8, f"{len(rows)} persons"))
    pages.append(current)

    objects: list[bytes] = []
    kids = []
    font_id = 3
    next_id = 4
    page_objects = []
    for lines in pages:
        stream = _page_stream(lines)
        content_id, page_id = next_id, next_id + 1
        next_id += 2
        kids.append(page_id)
        page_objects.append((content_id, b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"))
        page_objects.append(
            (page_id, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 3 0 R >> >> "
             b"/Contents %d 0 R >>" % content_id)
        )
    objects = [
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)),
        (font_id, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
        *page_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    count = max(offsets) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
    for number in range(1, count):
        out.write(b"%010d 00000 n \n" % offsets[number])
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref))
    return out.getvalue()
