"""The API: the same access rules as the pages, refusals with clear messages, constant
query counts on list endpoints."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import CaseStatus
from missions import services
from missions.models import Decision, InterviewSlot
from relocation.models import AuditEvent

from .conftest import at
from .test_services import schedule

OUTSIDERS = ("officer_fr", "iom_gr", "commission", "dublin_de")


@pytest.fixture
def world(people, mission, interpreter, make_proposed):
    household = make_proposed("DE")
    past = schedule(mission, household, people["officer_de"], -2, interpreter=interpreter)
    interview = services.interview_record(slot=past, by=people["officer_de"], outcome="took_place",
                                          security_outcome="concern", notes="Check the dates")
    other = make_proposed("DE")
    return {"household": household, "other": other, "past": past, "interview": interview, "mission": mission}


def test_officer_endpoints_answer_404_to_everyone_else(api_for, people, world):
    for who in OUTSIDERS + ("caseworker_gr", "coordinator"):
        _only_404s(api_for(people[who]), world, who)


def _only_404s(api, world, who):
    h, m, s = world["household"].pk, world["mission"].pk, world["past"].pk
    gets = [f"/api/mission-candidates/{h}/", f"/api/mission-slots/{s}/",
            f"/api/mission-interviews/{world['interview'].pk}/"]
    if who != "officer_fr":
        gets += ["/api/mission-candidates/", "/api/mission-slots/", "/api/mission-interviews/"]
    for url in gets:
        assert api.get(url).status_code == 404, (who, url)
    posts = [
        ("/api/mission-slots/", {"mission": m, "household": world["other"].pk, "starts_at": at(1).isoformat(),
                                 "ends_at": at(2).isoformat(), "room": "Room 5", "language": "fa"}),
        (f"/api/mission-slots/{s}/cancel/", {"reason": "x"}),
        (f"/api/missions/{m}/interpreters/", {"name": "X", "languages": ["ar"]}),
        ("/api/mission-decisions/", {"household": world["other"].pk, "outcome": "accepted"}),
    ]
    for url, body in posts:
        response = api.post(url, body, format="json")
        assert response.status_code == 404, (who, url, response.status_code, response.content)
    assert not Decision.objects.exists()
    assert InterviewSlot.objects.count() == 1


def test_missions_and_decisions_answer_404_to_outsiders(api_for, people, world):
    services.decision_record(household=world["household"], by=people["officer_de"], outcome="accepted")
    decision = Decision.objects.get()
    for who in OUTSIDERS:
        _missions_404(api_for(people[who]), world, who, decision)


def _missions_404(api, world, who, decision):
    assert api.get(f"/api/missions/{world['mission'].pk}/").status_code == 404
    assert api.get(f"/api/mission-decisions/{decision.pk}/").status_code == 404
    if who != "officer_fr":
        assert api.get("/api/missions/").status_code == 404
        assert api.get("/api/mission-decisions/").status_code == 404
    else:
        assert api.get("/api/missions/").json()["results"] == []
        assert api.get("/api/mission-decisions/").json()["results"] == []


def test_euaa_reads_missions_and_decisions_but_not_interviews(api_for, people, world):
    services.decision_record(household=world["household"], by=people["officer_de"], outcome="accepted")
    api = api_for(people["coordinator"])
    missions = api.get("/api/missions/").json()["results"]
    assert [m["id"] for m in missions] == [world["mission"].pk]
    assert missions[0]["households_interviewed"] == 1 and missions[0]["accepted"] == 1
    assert api.get("/api/mission-decisions/").json()["results"][0]["outcome"] == "accepted"
    assert api.get("/api/mission-interviews/").status_code == 404
    assert api.post("/api/missions/", {}, format="json").status_code == 404


def test_the_candidate_file_has_categories_not_notes_and_is_audited(api_for, people, world):
    from cases.models import VulnerabilityAssessment

    ahmad = world["household"].members.order_by("id").first()
    VulnerabilityAssessment.objects.create(applicant=ahmad, category_id="torture_or_violence_victim", notes="SECRET")
    api = api_for(people["officer_de"])
    body = api.get(f"/api/mission-candidates/{world['household'].pk}/").json()
    assert body["members"][0]["vulnerabilities"] == ["torture_or_violence_victim"]
    assert "SECRET" not in str(body)
    assert body["members"][0]["consent"]["given"] is True
    assert AuditEvent.objects.filter(action="read.file", actor=people["officer_de"],
                                     object_id=str(world["household"].pk)).exists()


def test_the_officer_plans_and_decides_through_the_api(api_for, people, world):
    api = api_for(people["officer_de"])
    created = api.post("/api/missions/", {"pledging_state": "DE", "frontline_state": "GR", "site": "Lesvos",
                                          "mode": "remote", "starts_on": "2024-02-01", "ends_on": "2024-02-03"},
                       format="json")
    assert created.status_code == 201, created.content
    bad = api.post("/api/missions/", {"pledging_state": "DE", "frontline_state": "GR", "site": "Lesvos",
                                      "starts_on": "2024-02-05", "ends_on": "2024-02-03"}, format="json")
    assert bad.status_code == 400
    m = world["mission"].pk
    slot = api.post("/api/mission-slots/", {"mission": m, "household": world["other"].pk,
                                            "starts_at": at(1).isoformat(), "ends_at": at(2).isoformat(),
                                            "room": "Room 1", "language": "fa"}, format="json")
    assert slot.status_code == 201, slot.content
    clash = api.post("/api/mission-slots/", {"mission": m, "household": world["other"].pk,
                                             "starts_at": at(1.5).isoformat(), "ends_at": at(2).isoformat(),
                                             "room": "Room 2", "language": "fa"}, format="json")
    assert clash.status_code == 400 and "already booked" in str(clash.json())
    partial = api.post("/api/mission-decisions/", {
        "household": world["other"].pk, "outcome": "accepted",
        "member_ids": [world["other"].members.order_by("id").first().pk],
    }, format="json")
    assert partial.status_code == 400 and "split the household first" in str(partial.json())
    rejected = api.post("/api/mission-decisions/", {"household": world["other"].pk, "outcome": "rejected",
                                                    "reason": "public_security", "mission": m}, format="json")
    assert rejected.status_code == 201, rejected.content
    assert rejected.json()["returned_to_pool"] is True
    world["other"].refresh_from_db()
    assert world["other"].status == CaseStatus.AVAILABLE


@pytest.mark.parametrize("url,who", [
    ("/api/mission-candidates/", "officer_de"),
    ("/api/missions/", "coordinator"),
    ("/api/mission-slots/", "officer_de"),
    ("/api/mission-interviews/", "officer_de"),
    ("/api/mission-decisions/", "coordinator"),
])
def test_list_endpoints_run_a_constant_number_of_queries(api_for, people, world, make_proposed, url, who,
                                                         django_assert_max_num_queries, interpreter):
    api = api_for(people[who])

    def add(n):
        household = make_proposed("DE")
        slot = schedule(world["mission"], household, people["officer_de"], -3 + n * 0.25, room=f"R{n}")
        services.interview_record(slot=slot, by=people["officer_de"], outcome="no_show")
        services.decision_record(household=household, by=people["officer_de"], outcome="accepted")
        services.interpreter_add(mission=world["mission"], by=people["officer_de"], name=f"I{n}", languages=["ar"])

    add(0)
    with CaptureQueriesContext(connection) as one:
        assert api.get(url).status_code == 200
    for n in range(1, 4):
        add(n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = api.get(url)
    assert response.status_code == 200 and response.json()["count"] >= 1


def test_the_schema_lists_the_missions_endpoints(api_for, people):
    schema = api_for(people["officer_de"]).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/missions/", "/api/missions/{id}/team/", "/api/mission-slots/", "/api/mission-interviews/", "/api/mission-decisions/",
                 "/api/mission-candidates/"):
        assert path in schema


def test_the_team_changes_status_details_and_team_through_the_api(api_for, people, world, make_user):
    from relocation.models import Role

    m = world["mission"]
    colleague = make_user(Role.OFFICER, "DE", username="officer-de-colleague")
    api = api_for(people["officer_de"])
    url = f"/api/missions/{m.pk}/"

    moved = api.patch(url, {"status": "in_progress", "site": "Athens, Eleonas centre, hall B"}, format="json")
    assert moved.status_code == 200, moved.content
    assert (moved.json()["status"], moved.json()["site"]) == ("in_progress", "Athens, Eleonas centre, hall B")
    assert AuditEvent.objects.filter(action="mission.update", object_id=str(m.pk)).exists()
    # Refusals name the problem and change nothing.
    backwards = api.patch(url, {"status": "planned"}, format="json")
    assert backwards.status_code == 400 and "cannot become planned" in str(backwards.json())
    assert api.patch(url, {"status": "postponed"}, format="json").status_code == 400
    assert api.patch(url, {}, format="json").status_code == 400
    dates = api.patch(url, {"starts_on": "2020-01-01", "ends_on": "2020-01-02"}, format="json")
    assert dates.status_code == 400 and "outside the new dates" in str(dates.json())
    m.refresh_from_db()
    assert (m.status, m.site) == ("in_progress", "Athens, Eleonas centre, hall B") and m.ends_on.year > 2020

    team_url = f"/api/missions/{m.pk}/team/"
    assert api.get(team_url).json() == {"team": [people["officer_de"].username]}
    assert api.put(team_url, {"team": []}, format="json").status_code == 400
    stranger = api.put(team_url, {"team": [people["officer_fr"].username]}, format="json")
    assert stranger.status_code == 400 and people["officer_fr"].username in str(stranger.json())
    both = api.put(team_url, {"team": [people["officer_de"].username, colleague.username]}, format="json")
    assert both.status_code == 200 and set(both.json()["team"]) == {people["officer_de"].username, colleague.username}
    assert AuditEvent.objects.filter(action="mission.team", object_id=str(m.pk)).count() == 1
    # The colleague, now on the team, hands the mission over and leaves the first officer off it.
    handed = api_for(colleague).put(team_url, {"team": [colleague.username]}, format="json")
    assert handed.status_code == 200 and handed.json() == {"team": [colleague.username]}
    assert api.patch(url, {"status": "finished"}, format="json").status_code == 404
    assert api.get(team_url).status_code == 200  # an officer of the state still reads the team


def test_mission_changes_answer_404_off_the_team(api_for, people, world):
    m = world["mission"]
    for who in OUTSIDERS + ("caseworker_gr", "coordinator"):
        api = api_for(people[who])
        assert api.patch(f"/api/missions/{m.pk}/", {"status": "cancelled"}, format="json").status_code == 404, who
        assert api.put(f"/api/missions/{m.pk}/team/", {"team": [people[who].username]},
                       format="json").status_code == 404, who
        assert api.get(f"/api/missions/{m.pk}/team/").status_code == 404, who
    m.refresh_from_db()
    assert m.status == "planned"
    assert not AuditEvent.objects.filter(action__in=["mission.update", "mission.team"]).exists()
