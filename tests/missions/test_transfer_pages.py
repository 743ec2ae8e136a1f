"""Pages and endpoints of transfers, IOM's work and movements: who gets what (404 for the
wrong role or state), restricted fields that must never reach IOM or a manifest, and lists
whose query count does not grow with the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import CaseStatus
from missions import journey, manifest
from missions.models import Interview, InterviewSlot, Movement, TransferOfResponsibility
from pledges.models import Placement
from relocation.models import Role

from .conftest import MARKER, MEDICAL


@pytest.fixture
def outsiders(make_user):
    return {
        "dublin_fr": make_user(Role.DUBLIN_OFFICER, "FR"),
        "iom_it": make_user(Role.IOM_OFFICER, "IT"),
    }


@pytest.fixture
def booked(people, make_ready, mission):
    """A ready DE household with restricted notes of every kind, booked on a GR->DE movement."""
    household = make_ready()
    person = household.members.first()
    case_services.vulnerability_assess(applicant=person, category="elderly", by=people["caseworker_gr"], notes=f"{MARKER} v")
    now = timezone.now()
    slot = InterviewSlot.objects.create(
        mission=mission, household=household, starts_at=now - dt.timedelta(hours=2),
        ends_at=now - dt.timedelta(hours=1), room="R1", language_id="fa",
    )
    Interview.objects.create(slot=slot, outcome="took_place", security_outcome="clear", notes=f"{MARKER} i")
    movement = journey.movement_create(
        by=people["iom_gr"], frontline_state="GR", receiving_state="DE", departs_on=timezone.localdate(),
        departure_airport="ATH", arrival_airport="FRA", carrier="Aegean", flight_number="A3 820", escorts=2, capacity=31,
    )
    row = journey.movement_add_household(movement=movement, household=household, by=people["iom_gr"])
    return household, movement, row


def get(client_for, user, url):
    return client_for(user).get(url)


def test_dublin_units_see_only_transfers_of_their_state(people, outsiders, client_for, make_responsible):
    household = make_responsible()
    transfer = TransferOfResponsibility.objects.get(household=household)
    detail = reverse("missions:transfer_detail", args=[transfer.pk])
    for who in ("dublin_gr", "dublin_de"):
        user = people[who]
        assert get(client_for, user, detail).status_code == 200
        assert household.case_number in get(client_for, user, reverse("missions:transfer_list")).content.decode()
    assert get(client_for, outsiders["dublin_fr"], detail).status_code == 404
    assert household.case_number not in get(client_for, outsiders["dublin_fr"], reverse("missions:transfer_list")).content.decode()
    for who in ("officer_de", "iom_gr", "caseworker_gr", "commission", "nobody"):
        for url in (detail, reverse("missions:transfer_list"), reverse("missions:deadlines"), reverse("missions:transfer_create")):
            assert get(client_for, people[who], url).status_code == 404, (who, url)


def test_only_the_requested_state_may_post_a_reply(people, outsiders, client_for, make_accepted):
    household = make_accepted()
    client = client_for(people["dublin_gr"])
    response = client.post(
        reverse("missions:transfer_create"),
        {"household": household.pk, "legal_basis": "dublin_17_2", "sent_on": timezone.localdate().isoformat(),
         "dublinet_reference": "GR-1"},
    )
    transfer = TransferOfResponsibility.objects.get(household=household)
    assert response.status_code == 302
    url = reverse("missions:transfer_action", args=[transfer.pk, "reply"])
    data = {"reply": "accept", "replied_on": timezone.localdate().isoformat()}
    for user in (people["dublin_gr"], outsiders["dublin_fr"], people["officer_de"]):
        assert client_for(user).post(url, data).status_code == 404
    response = client_for(people["dublin_de"]).post(url, {"reply": "refuse", "replied_on": data["replied_on"]})
    assert response.status_code == 400 and "state its reasons" in response.content.decode()
    assert client_for(people["dublin_de"]).post(url, data).status_code == 302
    transfer.refresh_from_db()
    assert transfer.reply == "accepted"


def test_the_deadlines_page_lists_what_is_at_risk_soonest_first(people, client_for, make_accepted):
    from missions import transfers

    today = timezone.localdate()
    later = transfers.transfer_request(household=make_accepted(), by=people["dublin_gr"], legal_basis="dublin_22", sent_on=today)
    sooner = transfers.transfer_request(household=make_accepted(), by=people["dublin_gr"], legal_basis="dublin_22", sent_on=today)
    TransferOfResponsibility.objects.filter(pk=later.pk).update(reply_due=today + dt.timedelta(days=6))
    TransferOfResponsibility.objects.filter(pk=sooner.pk).update(reply_due=today + dt.timedelta(days=2))
    content = get(client_for, people["dublin_de"], reverse("missions:deadlines")).content.decode()
    assert content.index(sooner.household.case_number) < content.index(later.household.case_number)


def test_iom_pages_and_the_manifest_never_show_restricted_notes(people, client_for, booked):
    household, movement, row = booked
    iom = client_for(people["iom_gr"])
    pages = [
        reverse("missions:iom_queue"), reverse("missions:iom_household", args=[household.pk]),
        reverse("missions:movement_list"), reverse("missions:movement_detail", args=[movement.pk]),
        reverse("missions:manifest_csv", args=[movement.pk]),
    ]
    for url in pages:
        response = iom.get(url)
        assert response.status_code == 200, url
        assert MARKER not in response.content.decode(), url
    # IOM reads its own medical notes on the journey page, never on a manifest.
    journey_page = iom.get(pages[1]).content.decode()
    assert MEDICAL in journey_page and "Wheelchair" in journey_page
    # The Dublin Units never read medical notes.
    transfer = TransferOfResponsibility.objects.get(household=household)
    from django.test import Client

    dublin = Client()
    dublin.force_login(people["dublin_de"])
    assert MEDICAL not in dublin.get(reverse("missions:transfer_detail", args=[transfer.pk])).content.decode()
    csv_text = manifest.as_csv(movement)
    pdf = manifest.as_pdf(movement)
    api_manifest = iom.get(f"/api/movements/{movement.pk}/manifest/").content.decode()
    for text in (csv_text, pdf.decode("latin-1"), api_manifest):
        assert MARKER not in text and MEDICAL not in text
        registration = household.members.first().registration_number
        assert not registration or registration not in text
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert household.members.first().family_name in csv_text
    assert "Wheelchair" in csv_text


def test_movements_are_404_for_the_wrong_role_or_state(people, outsiders, client_for, booked):
    household, movement, row = booked
    urls = [
        reverse("missions:movement_detail", args=[movement.pk]),
        reverse("missions:manifest_csv", args=[movement.pk]),
        reverse("missions:manifest_pdf", args=[movement.pk]),
    ]
    for user in (outsiders["iom_it"], people["officer_fr"], people["dublin_gr"], people["caseworker_gr"], people["commission"]):
        for url in urls:
            assert get(client_for, user, url).status_code == 404, (user, url)
        assert get(client_for, user, reverse("missions:iom_household", args=[household.pk])).status_code == 404
    assert get(client_for, people["officer_de"], urls[0]).status_code == 200
    # Only IOM of the operation confirms departure; only the receiving state confirms arrival.
    departure = reverse("missions:movement_departure", args=[movement.pk, row.pk])
    arrival = reverse("missions:movement_arrival", args=[movement.pk, row.pk])
    assert client_for(people["officer_de"]).post(departure, {}).status_code == 404
    assert client_for(outsiders["iom_it"]).post(departure, {}).status_code == 404
    assert client_for(people["iom_gr"]).post(arrival, {"arrival": "arrived"}).status_code == 404
    for api_url in (f"/api/movements/{movement.pk}/", f"/api/movements/{movement.pk}/manifest/"):
        for user in (outsiders["iom_it"], people["officer_fr"], people["dublin_gr"]):
            from rest_framework.test import APIClient

            api = APIClient()
            api.force_authenticate(user)
            assert api.get(api_url).status_code == 404, (user, api_url)


def test_the_journey_through_the_pages_relocates_and_counts_the_household(people, client_for, booked):
    household, movement, row = booked
    members = list(household.members.values_list("pk", flat=True))
    iom = client_for(people["iom_gr"])
    response = iom.post(
        reverse("missions:movement_departure", args=[movement.pk, row.pk]), {f"boarded_{members[0]}": "on"}
    )
    assert response.status_code == 400 and "travels whole" in response.content.decode()
    response = iom.post(
        reverse("missions:movement_departure", args=[movement.pk, row.pk]), {f"boarded_{m}": "on" for m in members}
    )
    assert response.status_code == 302
    officer = client_for(people["officer_de"])
    response = officer.post(reverse("missions:movement_arrival", args=[movement.pk, row.pk]), {"arrival": "arrived"})
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == CaseStatus.RELOCATED
    assert Placement.objects.get(household=household).stage == "relocated"


def test_a_household_not_ready_is_refused_on_the_page_with_the_reason(people, client_for, make_responsible):
    household = make_responsible()
    movement = journey.movement_create(
        by=people["iom_gr"], frontline_state="GR", receiving_state="DE", departs_on=timezone.localdate(),
        departure_airport="ATH", arrival_airport="FRA", carrier="Aegean", capacity=31,
    )
    response = client_for(people["iom_gr"]).post(reverse("missions:movement_add", args=[movement.pk]), {"household": household.pk})
    assert response.status_code == 400
    assert "not ready to travel" in response.content.decode()
    assert not movement.households.exists()


def test_api_transfers_follow_the_same_rules(people, outsiders, api_for, make_accepted):
    household = make_accepted()
    payload = {"household": household.pk, "legal_basis": "dublin_22", "sent_on": timezone.localdate().isoformat()}
    assert api_for(people["dublin_de"]).post("/api/transfers/", payload, format="json").status_code == 404
    assert api_for(people["iom_gr"]).post("/api/transfers/", payload, format="json").status_code in (403, 404)
    created = api_for(people["dublin_gr"]).post("/api/transfers/", payload, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api_for(outsiders["dublin_fr"]).get(f"/api/transfers/{pk}/").status_code == 404
    reply = {"accepted": False, "replied_on": timezone.localdate().isoformat()}
    assert api_for(people["dublin_gr"]).post(f"/api/transfers/{pk}/reply/", reply, format="json").status_code == 404
    assert api_for(people["dublin_de"]).post(f"/api/transfers/{pk}/reply/", reply, format="json").status_code == 400
    reply["accepted"] = True
    response = api_for(people["dublin_de"]).post(f"/api/transfers/{pk}/reply/", reply, format="json")
    assert response.status_code == 200 and response.json()["responsibility_accepted"] is True


def test_api_health_assessments_hide_from_other_states(people, outsiders, api_for, make_ready):
    household = make_ready()
    assert len(api_for(people["iom_gr"]).get("/api/health-assessments/").json()["results"]) == household.size
    assert len(api_for(people["officer_de"]).get("/api/health-assessments/").json()["results"]) == household.size
    for user in (outsiders["iom_it"], people["officer_fr"]):
        assert api_for(user).get("/api/health-assessments/").json()["results"] == []
    assert api_for(people["dublin_gr"]).get("/api/health-assessments/").status_code in (403, 404)
    person = household.members.first()
    payload = {"applicant": person.pk, "assessed_on": timezone.localdate().isoformat(), "outcome": "fit"}
    assert api_for(outsiders["iom_it"]).post("/api/health-assessments/", payload, format="json").status_code == 404


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_keep_their_query_count_whatever_the_number_of_rows(people, client_for, make_ready):
    make_ready()
    dublin, iom = people["dublin_gr"], people["iom_gr"]
    urls = [(dublin, reverse("missions:transfer_list")), (iom, reverse("missions:iom_queue")),
            (iom, reverse("missions:movement_list")), (iom, "/api/movements/"), (dublin, "/api/transfers/")]
    journey.movement_create(
        by=people["iom_gr"], frontline_state="GR", receiving_state="DE", departs_on=timezone.localdate(),
        departure_airport="ATH", arrival_airport="FRA", carrier="Aegean", capacity=31,
    )
    before = [_count(client_for(who), u) for who, u in urls]
    make_ready()
    make_ready()
    Movement.objects.create(
        frontline_state_id="GR", receiving_state_id="DE", departs_on=timezone.localdate(), departure_airport="ATH",
        arrival_airport="MUC", carrier="Aegean", capacity=20,
    )
    after = [_count(client_for(who), u) for who, u in urls]
    assert before == after


def test_iom_writes_and_movement_endpoints_are_404_for_another_operation(people, outsiders, client_for, api_for, booked):
    household, movement, row = booked
    person = household.members.first()
    url = reverse("missions:iom_record", args=[household.pk, "fitness"])
    data = {"fitness-applicants": [person.pk], "fitness-checked_on": timezone.localdate().isoformat(), "fitness-fit": "on"}
    for user in (outsiders["iom_it"], people["officer_de"], people["dublin_gr"]):
        assert client_for(user).post(url, data).status_code == 404
    assert client_for(people["iom_gr"]).post(url, data).status_code == 302
    other = api_for(outsiders["iom_it"])
    assert other.post(f"/api/movements/{movement.pk}/add-household/", {"household": household.pk}, format="json").status_code == 404
    assert other.post(
        f"/api/movements/{movement.pk}/departure/", {"household": household.pk, "boarded": []}, format="json"
    ).status_code == 404
    assert api_for(people["officer_fr"]).post(
        f"/api/movements/{movement.pk}/arrival/", {"household": household.pk, "arrived": True}, format="json"
    ).status_code == 404
    created = api_for(outsiders["iom_it"]).post(
        "/api/movements/", {"frontline_state": "GR", "receiving_state": "DE", "departs_on": "2026-12-01",
                            "departure_airport": "ATH", "arrival_airport": "FRA", "carrier": "X", "capacity": 5},
        format="json",
    )
    assert created.status_code == 404


def test_api_departure_and_arrival_relocate_the_household(people, api_for, booked):
    household, movement, row = booked
    members = list(household.members.values_list("pk", flat=True))
    iom = api_for(people["iom_gr"])
    partial = iom.post(f"/api/movements/{movement.pk}/departure/", {"household": household.pk, "boarded": members[:1]}, format="json")
    assert partial.status_code == 400 and "travels whole" in str(partial.json())
    assert iom.post(
        f"/api/movements/{movement.pk}/departure/", {"household": household.pk, "boarded": members}, format="json"
    ).status_code == 200
    response = api_for(people["officer_de"]).post(
        f"/api/movements/{movement.pk}/arrival/", {"household": household.pk, "arrived": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "arrived"
    household.refresh_from_db()
    assert household.status == CaseStatus.RELOCATED


def test_every_page_and_list_endpoint_is_404_for_roles_without_a_part(people, outsiders, client_for, api_for, booked):
    household, movement, row = booked
    transfer = TransferOfResponsibility.objects.get(household=household)
    pages = {
        # Lists: every user of the role gets the page, with their own state's rows only.
        reverse("missions:transfer_list"): ("dublin_gr", "dublin_de", "dublin_fr"),
        reverse("missions:transfer_create"): ("dublin_gr", "dublin_de", "dublin_fr"),
        reverse("missions:deadlines"): ("dublin_gr", "dublin_de", "dublin_fr"),
        reverse("missions:transfer_detail", args=[transfer.pk]): ("dublin_gr", "dublin_de"),
        reverse("missions:iom_queue"): ("iom_gr", "iom_it"),
        reverse("missions:iom_household", args=[household.pk]): ("iom_gr",),
        reverse("missions:movement_list"): ("iom_gr", "iom_it", "officer_de", "officer_fr"),
        reverse("missions:movement_create"): ("iom_gr", "iom_it"),
        reverse("missions:movement_detail", args=[movement.pk]): ("iom_gr", "officer_de"),
        reverse("missions:manifest_csv", args=[movement.pk]): ("iom_gr", "officer_de"),
        reverse("missions:manifest_pdf", args=[movement.pk]): ("iom_gr", "officer_de"),
    }
    everyone = {**people, **outsiders}
    everyone.pop("administrator")
    for url, allowed in pages.items():
        for name, user in everyone.items():
            expected = 200 if name in allowed else 404
            assert client_for(user).get(url).status_code == expected, (name, url)
    endpoints = {
        "/api/transfers/": ("dublin_gr", "dublin_de", "dublin_fr", "coordinator"),
        f"/api/transfers/{transfer.pk}/": ("dublin_gr", "dublin_de", "coordinator"),
        "/api/health-assessments/": ("iom_gr", "iom_it", "officer_de", "officer_fr"),
        "/api/movements/": ("iom_gr", "iom_it", "officer_de", "officer_fr", "coordinator"),
        f"/api/movements/{movement.pk}/": ("iom_gr", "officer_de", "coordinator"),
        f"/api/movements/{movement.pk}/manifest/": ("iom_gr", "officer_de", "coordinator"),
    }
    for url, allowed in endpoints.items():
        for name, user in everyone.items():
            expected = 200 if name in allowed else 404
            assert api_for(user).get(url).status_code == expected, (name, url)
