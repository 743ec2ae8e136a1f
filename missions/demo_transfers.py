"""The demo world's transfers of responsibility, IOM work and movements.

* History (relative to the demo day): the 31 people relocated from Greece on 5 February 2024
  (seed-news-2024-02-09.md). The cases demo relocated exactly those households that day, to
  several states, so the day's movement is recorded as one movement per receiving state from
  Athens (boarded, arrived; their transfers accepted and closed), consistent with the case files.
* Now (relative to TODAY, so the deadlines page and the daily job behave as they would in
  service): Greek households accepted by a pledging state get transfers at every step:
  awaiting a reply, a reply due within days (the deadline about to pass), a tacit acceptance
  recorded by the job, refused, refused with a re-examination requested, accepted with the
  deadline extended, accepted and prepared by IOM (ready for a movement).

Everything "now" goes through the services; the history is bulk-inserted like the cases demo.
Skipped when any movement or transfer exists already.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone

from cases.models import CaseStatus, Household, StatusChange

from . import deadlines, journey, transfers
from .models import (
    HealthAssessment,
    Movement,
    MovementHousehold,
    Passenger,
    PreDepartureOrientation,
    TransferOfResponsibility,
    TravelDocument,
)

ATHENS = ZoneInfo("Europe/Athens")
MOVEMENT_DAY = dt.date(2024, 2, 5)
MOVEMENT_PERSONS = 31
FLIGHT = "IOM0205-"


AIRPORTS = {"DE": "HAJ", "FR": "CDG", "PT": "LIS", "IE": "DUB", "NL": "AMS", "BE": "BRU", "CH": "ZRH", "NO": "OSL",
            "LT": "VNO", "HR": "ZAG", "LU": "LUX", "RO": "OTP", "BG": "SOF", "SI": "LJU", "CZ": "PRG"}


def _historic_movements(world) -> str:
    """One movement per receiving state on 5 February 2024, carrying exactly the households the
    cases demo relocated from Greece that day (31 persons in the demo world)."""
    start = dt.datetime.combine(MOVEMENT_DAY, dt.time(0), ATHENS)
    arrived = StatusChange.objects.filter(
        to_status=CaseStatus.RELOCATED, at__gte=start, at__lt=start + dt.timedelta(days=1),
        household__frontline_state_id="GR", household__status=CaseStatus.RELOCATED,
    )
    ids = set(arrived.values_list("household_id", flat=True))
    households = list(
        Household.objects.filter(pk__in=ids, size__gt=0, destination_state__isnull=False)
        .prefetch_related("members").order_by("destination_state_id", "case_number")
    )
    if not households:
        return "no household relocated from Greece on 5 February 2024: no historic movement"
    per_state: dict[str, list[Household]] = {}
    for h in households:
        per_state.setdefault(h.destination_state_id, []).append(h)
    at = dt.datetime.combine(MOVEMENT_DAY, dt.time(7, 30), ATHENS)
    arrival = at + dt.timedelta(hours=5)
    members = []
    for n, (state, group) in enumerate(sorted(per_state.items())):
        persons = sum(h.size for h in group)
        movement = Movement.objects.create(
            frontline_state_id="GR", receiving_state_id=state, departs_on=MOVEMENT_DAY, departure_airport="ATH",
            arrival_airport=AIRPORTS.get(state, "BRU"), carrier="IOM charter", flight_number=f"{FLIGHT}{n + 1}",
            escorts=1, capacity=persons, status=Movement.Status.ARRIVED,
        )
        rows = MovementHousehold.objects.bulk_create(
            [
                MovementHousehold(
                    movement=movement, household=h, persons=h.size, departure="boarded", departure_confirmed_at=at,
                    arrival="arrived", arrival_confirmed_at=arrival, added_at=at - dt.timedelta(days=7),
                )
                for h in group
            ]
        )
        members += [(row, m) for row, h in zip(rows, group, strict=True) for m in h.members.all()]
    Passenger.objects.bulk_create([Passenger(movement_household=row, applicant=m, boarded=True) for row, m in members])
    TravelDocument.objects.bulk_create(
        [TravelDocument(applicant=m, status="issued", number=f"GR-LP-{m.pk:07d}", updated_at=at - dt.timedelta(days=10))
         for _row, m in members],
        ignore_conflicts=True,
    )
    HealthAssessment.objects.bulk_create(
        [HealthAssessment(applicant=m, assessed_on=MOVEMENT_DAY - dt.timedelta(days=12), outcome="fit") for _r, m in members]
    )
    PreDepartureOrientation.objects.bulk_create(
        [PreDepartureOrientation(applicant=m, held_on=MOVEMENT_DAY - dt.timedelta(days=9), language_id="en")
         for _r, m in members]
    )
    sent = MOVEMENT_DAY - dt.timedelta(days=75)
    replied = sent + dt.timedelta(days=21)
    TransferOfResponsibility.objects.bulk_create(
        [
            TransferOfResponsibility(
                household=h, requesting_state_id="GR", requested_state_id=h.destination_state_id,
                legal_basis=deadlines.LegalBasis.DUBLIN_17_2, dublinet_reference=f"GR-17-2-{h.pk:06d}",
                sent_on=sent, reply_due=deadlines.reply_due(deadlines.LegalBasis.DUBLIN_17_2, sent),
                reply="accepted", replied_on=replied, transfer_deadline=deadlines.transfer_deadline(replied),
                closed_at=arrival,
            )
            for h in households
        ],
    )
    return (
        f"{len(members)} persons moved from Greece on 5 February 2024 "
        f"({len(per_state)} movement{'' if len(per_state) == 1 else 's'}, {len(households)} households)"
    )


def _current(world) -> list[str]:
    users = world.users
    dublin_gr, dublin_de, iom = users.get("dublin.gr"), users.get("dublin.de"), users.get("iom.gr")
    if dublin_gr is None or iom is None:
        return ["no demo Dublin or IOM users"]
    today = timezone.localdate()
    candidates = list(
        Household.objects.filter(frontline_state_id="GR", status=CaseStatus.ACCEPTED, size__gt=0)
        .exclude(Exists(TransferOfResponsibility.objects.filter(household=OuterRef("pk"), closed_at__isnull=True)))
        .annotate(not_de=ExpressionWrapper(~Q(destination_state_id="DE"), output_field=BooleanField()))
        .order_by("not_de", "case_number")[:8]
    )
    done = []

    def replier(h):
        return dublin_de if h.destination_state_id == "DE" and dublin_de is not None else None

    def request(h, sent_on, basis=deadlines.LegalBasis.DUBLIN_17_2):
        return transfers.transfer_request(
            household=h, by=dublin_gr, legal_basis=basis, sent_on=sent_on,
            dublinet_reference=f"GR-{basis.replace('dublin_', '')}-{h.pk:06d}",
        )

    steps = ["prepared", "about_to_pass", "tacit", "awaiting", "refused", "reexamination", "extended"]
    for step, h in zip(steps, candidates, strict=False):
        if step == "awaiting":
            request(h, today - dt.timedelta(days=10))
        elif step == "about_to_pass":
            # The reply is due in 3 days: on the deadlines page, and flagged by the job.
            sent = deadlines.add_period(today + dt.timedelta(days=3), {"months": -2})
            request(h, sent, deadlines.LegalBasis.DUBLIN_22)
        elif step == "tacit":
            request(h, today - dt.timedelta(days=70), deadlines.LegalBasis.DUBLIN_22)
        elif step in ("refused", "reexamination"):
            t = request(h, today - dt.timedelta(days=40))
            transfers.transfer_reply(
                transfer=t, by=replier(h), accepted=False, replied_on=today - dt.timedelta(days=12),
                refusal_reasons="No family or cultural ties with the requested state were established.",
            )
            if step == "reexamination":
                transfers.transfer_request_reexamination(transfer=t, by=dublin_gr, requested_on=today - dt.timedelta(days=2))
        else:
            t = request(h, today - dt.timedelta(days=30))
            t = transfers.transfer_reply(transfer=t, by=replier(h), accepted=True, replied_on=today - dt.timedelta(days=9))
            if step == "extended":
                transfers.transfer_extend_deadline(
                    transfer=t, by=dublin_gr, extension="absconding",
                    reason="Left the accommodation site without notice; whereabouts unknown.",
                )
            else:
                for person in h.members.all():
                    journey.health_assess(
                        applicant=person, by=iom, assessed_on=today - dt.timedelta(days=5), outcome="fit",
                        assistance=[] if person.is_adult() else ["infant_care"] if person.age() < 2 else [],
                    )
                    journey.orientation_record(applicant=person, by=iom, held_on=today - dt.timedelta(days=4), language="en")
                    journey.travel_document_set(applicant=person, by=iom, status="issued", number=f"GR-LP-{person.pk:07d}")
                    journey.fitness_check(applicant=person, by=iom, checked_on=today, fit=True)
                # Booked on tomorrow's planned movement, for IOM to confirm the departure.
                planned = journey.movement_create(
                    by=iom, frontline_state="GR", receiving_state=h.destination_state_id,
                    departs_on=today + dt.timedelta(days=1), departure_airport="ATH",
                    arrival_airport=AIRPORTS.get(h.destination_state_id, "BRU"), carrier="Aegean Airlines",
                    flight_number="A3 820", escorts=1, capacity=30,
                )
                journey.movement_add_household(movement=planned, household=h, by=iom)
        done.append(step)
    tacit = transfers.record_tacit_acceptances()
    flags = transfers.flag_deadlines()
    return [f"transfers now: {', '.join(done) or 'none'} ({len(tacit)} tacit acceptance, {len(flags)} deadline flags)"]


def seed_transfers(world) -> None:
    if Movement.objects.exists() or TransferOfResponsibility.objects.exists():
        world.log.append("Transfers and movements: already there.")
        return
    parts = [_historic_movements(world), *_current(world)]
    world.log.append("Transfers and movements: " + "; ".join(parts) + ".")
