"""Pages: who sees what (404 for everyone else), the file without restricted notes, audits,
query counts, the decision screens and the schedule exports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.models import CaseStatus
from missions import services
from missions.models import Decision
from relocation.models import AuditEvent

from .conftest import at
from .test_services import schedule

OUTSIDERS = ("officer_fr", "iom_gr", "commission", "dublin_de", "caseworker_it", "nobody")


@pytest.fixture
def world(people, mission, interpreter, make_proposed):
    household = make_proposed("DE")
    past = schedule(mission, household, people["officer_de"], -2, interpreter=interpreter)
    services.interview_record(slot=past, by=people["officer_de"], outcome="took_place", security_outcome="clear",
                              notes="Consistent account")
    other = make_proposed("DE")
    future = schedule(mission, other, people["officer_de"], 2, room="Room 2")
    return {"household": household, "other": other, "past": past, "future": future, "mission": mission}


def officer_urls(world) -> list[tuple[str, str]]:
    m, h = world["mission"].pk, world["household"].pk
    return [
        ("get", reverse("missions:queue")),
        ("get", reverse("missions:household_file", args=[h])),
        ("post", reverse("missions:household_decide", args=[h])),
        ("get", reverse("missions:mission_list")),
        ("get", reverse("missions:mission_create")),
        ("get", reverse("missions:mission_detail", args=[m])),
        ("post", reverse("missions:mission_status", args=[m])),
        ("post", reverse("missions:mission_team", args=[m])),
        ("post", reverse("missions:interpreter_add", args=[m])),
        ("post", reverse("missions:slot_add", args=[m])),
        ("post", reverse("missions:slot_cancel", args=[m, world["future"].pk])),
        ("get", reverse("missions:interview_record", args=[m, world["future"].pk])),
        ("get", reverse("missions:interview_detail", args=[m, world["past"].pk])),
        ("get", reverse("missions:mission_decisions", args=[m])),
    ]


def test_every_officer_page_answers_404_to_anyone_but_the_states_officers(client_for, people, world):
    for who in OUTSIDERS + ("coordinator", "caseworker_gr"):
        _only_404s(client_for(people[who]), world, who)


def _only_404s(client, world, who):
    own_lists = {reverse("missions:queue"), reverse("missions:mission_list"), reverse("missions:mission_create")}
    for method, url in officer_urls(world):
        response = getattr(client, method)(url)
        if who == "officer_fr" and url in own_lists:
            # Their own (empty) queue and missions: nothing of Germany's.
            assert response.status_code == 200
            assert world["household"].case_number not in response.content.decode()
            assert "Athens, Eleonas centre" not in response.content.decode()
            continue
        assert response.status_code == 404, (who, url, response.status_code)
    world["household"].refresh_from_db()
    assert world["household"].status == CaseStatus.INTERVIEW_SCHEDULED
    assert not Decision.objects.exists()


def test_exports_and_the_overview_answer_404_to_outsiders(client_for, people, world):
    m = world["mission"].pk
    for who in OUTSIDERS:
        client = client_for(people[who])
        urls = [reverse("missions:schedule_csv", args=[m]), reverse("missions:schedule_ics", args=[m])]
        if who != "caseworker_it":  # EUAA in Italy has an overview, of Italy's missions
            urls.append(reverse("missions:overview"))
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)


def test_the_officer_of_the_state_sees_every_page(client_for, people, world):
    client = client_for(people["officer_de"])
    for method, url in officer_urls(world):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_an_officer_of_the_state_off_the_team_reads_but_cannot_plan(client_for, people, world, make_user):
    colleague = make_user("officer", "DE")
    client = client_for(colleague)
    m = world["mission"].pk
    page = client.get(reverse("missions:mission_detail", args=[m]))
    assert page.status_code == 200 and "Schedule an interview" not in page.content.decode()
    assert client.post(reverse("missions:slot_add", args=[m])).status_code == 404
    assert client.get(reverse("missions:interview_record", args=[m, world["future"].pk])).status_code == 404


def test_the_officer_lands_on_the_queue(client_for, people, world):
    response = client_for(people["officer_de"]).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("missions:queue")


def test_the_file_shows_what_a_decision_needs_and_not_the_restricted_notes(client_for, people, world):
    household = world["household"]
    ahmad = household.members.order_by("id").first()
    # Assessments are EUAA's: recorded while the household was still in their hands is the
    # usual case, but the file must hide the notes whenever they exist.
    from cases.models import VulnerabilityAssessment

    VulnerabilityAssessment.objects.create(applicant=ahmad, category_id="mental_disorder", notes="RESTRICTED-NOTE")
    response = client_for(people["officer_de"]).get(reverse("missions:household_file", args=[household.pk]))
    text = response.content.decode()
    assert "Ahmad Haidari" in text and household.case_number in text
    assert "RESTRICTED-NOTE" not in text
    assert "Given" in text  # consent
    assert AuditEvent.objects.filter(
        action="read.file", object_id=str(household.pk), actor=people["officer_de"]
    ).count() == 1


def test_interview_notes_are_read_by_the_states_officers_only_and_audited(client_for, people, world):
    url = reverse("missions:interview_detail", args=[world["mission"].pk, world["past"].pk])
    assert "Consistent account" in client_for(people["officer_de"]).get(url).content.decode()
    assert AuditEvent.objects.filter(action="read.interview", actor=people["officer_de"]).exists()
    overview = client_for(people["coordinator"]).get(reverse("missions:overview")).content.decode()
    assert "Consistent account" not in overview


def test_the_queue_shows_only_households_proposed_to_the_state(client_for, people, world, make_proposed):
    fr = make_proposed("FR")
    text = client_for(people["officer_de"]).get(reverse("missions:queue")).content.decode()
    assert world["household"].case_number in text and fr.case_number not in text
    event = AuditEvent.objects.get(action="read.household_list", actor=people["officer_de"])
    assert set(event.details["households"]) == {world["household"].pk, world["other"].pk}


def test_the_queue_runs_a_constant_number_of_queries(client_for, people, world, make_proposed,
                                                     django_assert_max_num_queries):
    client = client_for(people["officer_de"])
    client.get(reverse("missions:queue"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("missions:queue"))
    for _ in range(4):
        make_proposed("DE")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("missions:queue"))
    assert response.content.decode().count("/missions/households/") == 6


def test_the_mission_list_and_overview_run_a_constant_number_of_queries(client_for, people, world,
                                                                        django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for who, name in (("officer_de", "missions:mission_list"), ("coordinator", "missions:overview")):
        client = client_for(people[who])
        with CaptureQueriesContext(connection) as one:
            client.get(reverse(name))
        import datetime as dt

        for n in range(3):
            services.mission_create(by=people["officer_de"], pledging_state="DE", frontline_state="IT",
                                    site=f"Rome {who} {n}", starts_on=dt.date(2024, 3, 1), ends_on=dt.date(2024, 3, 2))
        with django_assert_max_num_queries(len(one.captured_queries)):
            assert client.get(reverse(name)).status_code == 200


def test_a_rejection_on_the_file_page_needs_a_reason(client_for, people, world):
    client = client_for(people["officer_de"])
    url = reverse("missions:household_decide", args=[world["household"].pk])
    response = client.post(url, {"outcome": "rejected"})
    assert response.status_code == 400 and "Choose the reason for the rejection" in response.content.decode()
    assert not Decision.objects.exists()
    response = client.post(url, {"outcome": "rejected", "reason": "public_order"})
    assert response.status_code == 302
    world["household"].refresh_from_db()
    assert world["household"].status == CaseStatus.AVAILABLE


def test_planning_a_mission_and_booking_a_conflict_shows_the_reason(client_for, people, world, make_proposed):
    client = client_for(people["officer_de"])
    response = client.post(reverse("missions:mission_create"), {
        "pledging_state": "DE", "frontline_state": "GR", "site": "Lesvos", "mode": "on_site",
        "starts_on": "2024-02-20", "ends_on": "2024-02-10",
    })
    assert response.status_code == 400 and "ends before it starts" in response.content.decode()
    m = world["mission"]
    fmt = "%Y-%m-%dT%H:%M"
    from django.utils import timezone

    response = client.post(reverse("missions:slot_add", args=[m.pk]), {
        "household": world["other"].pk, "starts_at": timezone.localtime(at(2)).strftime(fmt),
        "ends_at": timezone.localtime(at(3)).strftime(fmt), "room": "Room 2", "language": "fa",
    })
    assert response.status_code == 400
    assert "already booked" in response.content.decode()


def test_the_mission_decision_screen_records_several_decisions_at_once(client_for, people, world):
    client = client_for(people["officer_de"])
    url = reverse("missions:mission_decisions", args=[world["mission"].pk])
    page = client.get(url)
    rows = page.context["rows"]
    assert len(rows) == 2
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2"}
    for i, (_form, household) in enumerate(rows):
        data[f"form-{i}-household_id"] = household.pk
    data["form-0-outcome"] = "accepted"
    data["form-1-outcome"] = "rejected"
    bad = client.post(url, data)
    assert bad.status_code == 400 and not Decision.objects.exists()
    data["form-1-reason"] = "exclusion_grounds"
    assert client.post(url, data).status_code == 302
    assert Decision.objects.filter(mission=world["mission"]).count() == 2


def test_the_schedule_exports_as_csv_and_icalendar(client_for, people, world):
    client = client_for(people["coordinator"])
    csv_text = client.get(reverse("missions:schedule_csv", args=[world["mission"].pk])).content.decode()
    lines = csv_text.strip().split("\r\n")
    assert lines[0].startswith("starts_at,ends_at,case_number") and len(lines) == 3
    assert world["household"].case_number in csv_text
    ics = client.get(reverse("missions:schedule_ics", args=[world["mission"].pk])).content.decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 2
    assert "Ahmad Haidari" not in ics and "Haidari," not in ics  # case numbers only in calendars
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert f"DTSTART:{world['past'].starts_at.astimezone(__import__('datetime').UTC):%Y%m%dT%H%M%SZ}" in ics


def test_ics_text_is_escaped_and_folded():
    from missions.exports import ics_escape, ics_fold

    assert ics_escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = ics_fold("DESCRIPTION:" + "é" * 60)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "DESCRIPTION:" + "é" * 60


def test_euaa_sees_missions_progress_and_decisions_per_state(client_for, people, world):
    services.decision_record(household=world["household"], by=people["officer_de"], outcome="accepted")
    text = client_for(people["coordinator"]).get(reverse("missions:overview")).content.decode()
    assert "Athens, Eleonas centre" in text and world["household"].case_number in text
    assert client_for(people["caseworker_gr"]).get(reverse("missions:overview")).status_code == 200
    it = client_for(people["caseworker_it"]).get(reverse("missions:overview"))
    assert it.status_code == 200 and "Athens, Eleonas centre" not in it.content.decode()


def test_a_household_split_after_rejection_keeps_the_exclusion(people, world):
    # The household is back in the pool; EUAA may split it, and both parts stay excluded from DE.
    services.decision_record(household=world["household"], by=people["officer_de"], outcome="rejected",
                             reason="criteria_not_met")
    household = world["household"]
    household.refresh_from_db()
    zahra = household.members.order_by("id")[1]
    new = case_services.split_household(household=household, members=[zahra], by=people["caseworker_gr"],
                                        reason="Separate claims")
    assert set(new.excluded_states.values_list("pk", flat=True)) == {"DE"}


def test_the_team_puts_a_colleague_on_the_mission(client_for, people, world, make_user):
    colleague = make_user("officer", "DE")
    client = client_for(people["officer_de"])
    m = world["mission"].pk
    assert client.post(reverse("missions:mission_team", args=[m]), {"team": [people["officer_fr"].pk]}).status_code == 302
    from missions.selectors import team_of

    assert team_of(world["mission"]) == [people["officer_de"]]  # an officer of France cannot join
    client.post(reverse("missions:mission_team", args=[m]), {"team": [people["officer_de"].pk, colleague.pk]})
    assert set(team_of(world["mission"])) == {people["officer_de"], colleague}
    page = client_for(colleague).get(reverse("missions:mission_detail", args=[m])).content.decode()
    assert "Schedule an interview" in page
    assert AuditEvent.objects.filter(action="mission.team", object_id=str(m)).count() == 1


def test_cancelling_an_interview_on_the_plan_page(client_for, people, world):
    client = client_for(people["officer_de"])
    url = reverse("missions:slot_cancel", args=[world["mission"].pk, world["future"].pk])
    page = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "Say why the interview is cancelled." in page
    page = client.post(url, {"reason": "The family asked for another day"}, follow=True).content.decode()
    assert "Interview cancelled." in page
    world["other"].refresh_from_db()
    assert world["other"].status == CaseStatus.PROPOSED
