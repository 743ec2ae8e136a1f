"""Legal time limits of the transfer of responsibility, kept in one place.

Periods come from ../shared/domain.md. Those marked unverified there are defaults, not law:
a deployment overrides any of them with the ``TRANSFER_PERIODS`` setting (a dict merged
over ``DEFAULT_PERIODS``, e.g. ``{"ammr_relocation": {"reply": {"weeks": 4}}}``).

Every date here is computed by the functions below from a date passed in, so tests freeze
time by passing ``today`` and nothing reads the clock.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalBasis(models.TextChoices):
    DUBLIN_17_2 = "dublin_17_2", _("Dublin III Art. 17(2) (humanitarian clause)")
    DUBLIN_22 = "dublin_22", _("Dublin III Art. 22 (take charge)")
    DUBLIN_22_URGENT = "dublin_22_urgent", _("Dublin III Art. 22 urgent procedure")
    AMMR_RELOCATION = "ammr_relocation", _("Regulation (EU) 2024/1351 relocation procedure")


class Extension(models.TextChoices):
    NONE = "", _("None")
    IMPRISONMENT = "imprisonment", _("Imprisonment (Art. 29(2))")
    ABSCONDING = "absconding", _("Absconding (Art. 29(2))")


# A period is a dict of months / weeks / days. "reply": the requested state's reply period
# from the date the request was sent (DubliNet receipt).
DEFAULT_PERIODS: dict[str, dict[str, Any]] = {
    LegalBasis.DUBLIN_17_2: {"reply": {"months": 2}},
    LegalBasis.DUBLIN_22: {"reply": {"months": 2}},
    LegalBasis.DUBLIN_22_URGENT: {"reply": {"months": 1}},  # unverified
    LegalBasis.AMMR_RELOCATION: {"reply": {"months": 2}},  # unverified: configurable
    # Art. 29: transfer within 6 months of acceptance, 12 if imprisoned, 18 if absconded.
    "transfer": {
        Extension.NONE: {"months": 6},
        Extension.IMPRISONMENT: {"months": 12},
        Extension.ABSCONDING: {"months": 18},
    },
    # Reg. 1560/2003 Art. 5(2): re-examination requested within 3 weeks of a refusal,
    # answered within 2 weeks.
    "reexamination_request": {"weeks": 3},
    "reexamination_reply": {"weeks": 2},
    # The deadlines job flags what falls due within this many days.
    "warning_days": 7,
    # Not law, logistics: the fitness-to-travel check counts if at most this many days before departure.
    "fitness_check_days": 3,
}


def periods() -> dict[str, Any]:
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_PERIODS.items()}
    for key, value in getattr(settings, "TRANSFER_PERIODS", {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged


def add_period(day: dt.date, period: dict[str, int]) -> dt.date:
    """``day`` plus months (clamped to the month's last day, so 31 Dec + 2 months = 28/29 Feb),
    weeks and days."""
    months = int(period.get("months", 0))
    if months:
        index = day.month - 1 + months
        year, month = day.year + index // 12, index % 12 + 1
        day = day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
    return day + dt.timedelta(weeks=int(period.get("weeks", 0)), days=int(period.get("days", 0)))


def reply_due(legal_basis: str, sent_on: dt.date) -> dt.date:
    try:
        period = periods()[legal_basis]["reply"]
    except KeyError:
        raise ValueError(f"unknown legal basis: {legal_basis}") from None
    return add_period(sent_on, period)


def transfer_deadline(accepted_on: dt.date, extension: str = Extension.NONE) -> dt.date:
    return add_period(accepted_on, periods()["transfer"][extension or Extension.NONE])


def reexamination_request_due(refused_on: dt.date) -> dt.date:
    return add_period(refused_on, periods()["reexamination_request"])


def reexamination_reply_due(requested_on: dt.date) -> dt.date:
    return add_period(requested_on, periods()["reexamination_reply"])


def fitness_check_days() -> int:
    return int(periods()["fitness_check_days"])


def warning_days() -> int:
    return int(periods()["warning_days"])


def at_risk(due: dt.date | None, today: dt.date) -> str:
    """"passed", "soon" (within the warning days) or "" for a due date."""
    if due is None:
        return ""
    if due < today:
        return "passed"
    if (due - today).days <= warning_days():
        return "soon"
    return ""
