"""A mission's schedule as CSV (for the people who call applicants in) and as an iCalendar
file (RFC 5545, written here: it is a few lines of text, no dependency needed).

The calendar carries case numbers, never names: calendar files end up synchronised to
phones and shared calendars.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import InterviewSlot, SelectionMission

CSV_HEADER = [
    "starts_at", "ends_at", "case_number", "person", "language", "interpreter", "room", "video_link", "outcome",
]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet must never read a cell as a formula.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def _person(slot: InterviewSlot) -> str:
    if slot.applicant_id:
        return str(slot.applicant)
    principals = getattr(slot.household, "principals", None)
    name = str(principals[0]) if principals else ""
    return _("%(name)s and household") % {"name": name} if name else _("whole household")


def schedule_csv(mission: SelectionMission, slots: Iterable[InterviewSlot]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for slot in slots:
        interview = getattr(slot, "interview", None)
        writer.writerow(
            [
                _cell(timezone.localtime(slot.starts_at).isoformat(timespec="minutes")),
                _cell(timezone.localtime(slot.ends_at).isoformat(timespec="minutes")),
                _cell(slot.household.case_number),
                _cell(_person(slot)),
                _cell(slot.language_id),
                _cell(slot.interpreter.name if slot.interpreter_id else ""),
                _cell(slot.room),
                _cell(slot.video_link),
                _cell(interview.outcome if interview else ""),
            ]
        )
    return out.getvalue()


# -- iCalendar ---------------------------------------------------------------------------------


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    while raw:
        cut = min(limit, len(raw))
        # Step back to a character boundary (continuation bytes are 10xxxxxx).
        while cut < len(raw) and (raw[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(raw[:cut].decode("utf-8"))
        raw = raw[cut:]
        limit = 74  # continuation lines start with one space
    return "\r\n ".join(parts)


def schedule_ics(mission: SelectionMission, slots: Iterable[InterviewSlot], *, host: str = "relocation") -> str:
    stamp = utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//EU relocation//Selection missions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + ics_escape(str(mission)),
    ]
    host = host.split(":")[0] or "relocation"
    for slot in slots:
        summary = _("Selection interview %(case)s (%(lang)s)") % {
            "case": slot.household.case_number, "lang": slot.language_id
        }
        description = [_("Mission: %(m)s") % {"m": mission}]
        if slot.interpreter_id:
            description.append(_("Interpreter: %(name)s") % {"name": slot.interpreter.name})
        if slot.video_link:
            description.append(_("Video link: %(url)s") % {"url": slot.video_link})
        if slot.applicant_id:
            description.append(_("One member of the household"))
        lines += [
            "BEGIN:VEVENT",
            f"UID:slot-{slot.pk}-mission-{mission.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc(slot.starts_at)}",
            f"DTEND:{utc(slot.ends_at)}",
            "SUMMARY:" + ics_escape(summary),
            "LOCATION:" + ics_escape(slot.room or slot.video_link),
            "DESCRIPTION:" + ics_escape("\n".join(description)),
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)
