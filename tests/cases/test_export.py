"""Exporting a filtered work queue to CSV and XLSX."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases import services
from cases.exporting import safe_cell
from relocation.models import AuditEvent

from .builders import household, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people):
    by = people["caseworker_gr"]
    family = household("GR", by=by)
    services.vulnerability_assess(
        applicant=family.members.first(), category="serious_illness", by=by, notes="SECRET medical detail"
    )
    single = household(
        "GR", by=by, members=[member('=HYPERLINK("x")', "Évora", nationality="SY", relationship="principal")]
    )
    italian = household("IT", by=people["caseworker_it"])
    return family, single, italian


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_csv_export_lists_one_row_per_person_of_the_filtered_list(people, client_for, world):
    family, single, italian = world
    client = client_for(people["caseworker_gr"])
    response = client.get(reverse("cases:export"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert {r["Case number"] for r in rows} == {family.case_number, single.case_number}
    assert len(rows) == 5
    ahmad = next(r for r in rows if r["Given name (Latin)"] == "Ahmad")
    assert ahmad["Vulnerabilities"] == "serious_illness"
    assert ahmad["Nationality"] == "AF" and ahmad["Date of birth"] == "1990-05-01"
    assert "SECRET" not in str(rows)  # restricted notes never leave the application
    # Filters apply: only the Syrian single person.
    rows = read_csv(client.get(reverse("cases:export"), {"format": "csv", "nationality": "SY"}))
    assert [r["Family name (Latin)"] for r in rows] == ["Évora"]
    # A name that looks like a formula is written as text.
    assert rows[0]["Given name (Latin)"].startswith("'=")


def test_export_is_audited_with_its_filters_and_counts(people, client_for, world):
    client_for(people["caseworker_gr"]).get(
        reverse("cases:export"), {"format": "csv", "composition": "family_with_children"}
    )
    event = AuditEvent.objects.get(action="cases.export")
    assert event.details["filters"] == {"composition": "family_with_children"}
    assert (event.details["households"], event.details["persons"]) == (1, 4)


def test_xlsx_export_opens_in_a_spreadsheet(people, client_for, world):
    response = client_for(people["coordinator"]).get(reverse("cases:export"), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Case number"
    assert len(rows) == 1 + 9  # the coordinator sees every operation
    assert {r[2] for r in rows[1:]} == {"GR", "IT"}


@pytest.mark.parametrize("who", ["officer_de", "iom_gr", "commission", "dublin_gr"])
def test_export_is_404_for_roles_without_the_queue(people, client_for, world, who):
    assert client_for(people[who]).get(reverse("cases:export"), {"format": "csv"}).status_code == 404


def test_unknown_format_is_404(people, client_for, world):
    assert (
        client_for(people["caseworker_gr"]).get(reverse("cases:export"), {"format": "pdf"}).status_code == 404
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+49 30", "'+49 30"),
        ("-x", "'-x"),
        ("@SUM", "'@SUM"),
        ("Ali", "Ali"),
        (None, ""),
        (True, "yes"),
        (["fa", "en"], "fa, en"),
    ],
)
def test_cells_are_made_safe_for_spreadsheets(value, expected):
    assert safe_cell(value) == expected
