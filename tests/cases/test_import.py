"""Importing candidate lists through the pages: upload, mapping, preview, all-or-nothing commit."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cases import importing
from cases.models import Applicant, Household, StatusChange, search_key
from relocation.models import AuditEvent

from .builders import household, member

pytestmark = pytest.mark.django_db

HEADER = "Family ID;Registration number;Surname;First name;Date of birth;Sex;Nationality;Languages;Relationship;Site\n"


def family_rows(n_households: int, start: int = 0) -> list[str]:
    rows = []
    for i in range(start, start + n_households):
        rows += [
            f"F{i};GR-{i:06d}-1;Rahimi{i};Ali;1985-03-02;M;Afghan;fa,en;principal;Lesvos CCAC",
            f"F{i};GR-{i:06d}-2;Rahimi{i};Zahra;12/07/1990;F;AF;fa;wife;Lesvos CCAC",
            f"F{i};GR-{i:06d}-3;Rahimi{i};Omid;2015;M;Afghanistan;;son;Lesvos CCAC",
        ]
    return rows


def csv_file(lines, name="list.csv", encoding="utf-8"):
    return SimpleUploadedFile(
        name, (HEADER + "\n".join(lines) + "\n").encode(encoding), content_type="text/csv"
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def caseworker(people, client_for):
    return client_for(people["caseworker_gr"])


def upload(client, file, state="GR"):
    return client.post(reverse("cases:import_upload"), {"frontline_state": state, "file": file})


def run_to_preview(client, file):
    response = upload(client, file)
    assert response.status_code == 302, response.content.decode()[:2000]
    mapping_url = response["Location"]
    response = client.get(mapping_url)
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    response = client.post(mapping_url, data)
    assert response.status_code == 302, response.context["form"].errors
    return response["Location"]


def nothing_imported():
    return (
        not Household.objects.exists()
        and not Applicant.objects.exists()
        and not StatusChange.objects.exists()
    )


def test_a_clean_file_imports_every_household_in_one_go(caseworker, people):
    preview_url = run_to_preview(caseworker, csv_file(family_rows(3)))
    response = caseworker.get(preview_url)
    assert "Every row is correct." in response.content.decode()
    response = caseworker.post(preview_url, {"action": "import"})
    assert response.status_code == 302
    report = caseworker.get(response["Location"]).content.decode()
    assert "Households registered" in report
    assert Household.objects.count() == 3 and Applicant.objects.count() == 9
    h = Household.objects.order_by("case_number").first()
    assert (h.size, h.composition, h.site, h.status) == (
        3,
        "family_with_children",
        "Lesvos CCAC",
        "identified",
    )
    ali = h.members.get(given_name="Ali")
    assert ali.search_name == "ali rahimi0" and sorted(ali.languages.values_list("code", flat=True)) == [
        "en",
        "fa",
    ]
    assert h.members.get(given_name="Omid").dob_estimated
    event = AuditEvent.objects.get(action="cases.import")
    assert (event.details["households"], event.details["persons"], event.actor) == (
        3,
        9,
        people["caseworker_gr"],
    )
    assert AuditEvent.objects.filter(action="household.import").count() == 3
    # Each case's timeline shows where it came from.
    assert "Registered by import" in caseworker.get(reverse("cases:household", args=[h.pk])).content.decode()


def test_wrong_encoding_is_refused_at_upload(caseworker):
    lines = family_rows(1) + ["F9;GR-9;Müller;José;1980-01-01;M;SY;ar;principal;"]
    response = upload(caseworker, csv_file(lines, encoding="cp1252"))
    assert response.status_code == 200
    assert "not in UTF-8" in response.content.decode() and "line 5" in response.content.decode()
    assert nothing_imported()


def test_utf8_with_bom_and_greek_script_is_read(caseworker):
    header = HEADER.replace("Site\n", "Family name own script\n")
    data = "\ufeff" + header + "F1;GR-1;Papadopoulos;Ali;1985-03-02;M;SY;;principal;Παπαδόπουλος\n"
    preview_url = run_to_preview(caseworker, SimpleUploadedFile("l.csv", data.encode("utf-8")))
    caseworker.post(preview_url, {"action": "import"})
    assert Applicant.objects.get().family_name_native == "Παπαδόπουλος"
    assert Applicant.objects.get().search_name_native == search_key("παπαδοπουλος")


def test_missing_required_columns_are_refused_by_the_mapping(caseworker):
    data = b"Surname;First name\nRahimi;Ali\n"
    response = upload(caseworker, SimpleUploadedFile("l.csv", data))
    mapping_url = response["Location"]
    response = caseworker.post(mapping_url, {"family_name": "0", "given_name": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["date_of_birth"] == ["This field is required."]
    assert nothing_imported()


def test_the_user_can_change_the_guessed_mapping(caseworker):
    data = b"Grp;Num;A;B;Born;S;Citizen;Rel\nX;GR-1;Rahimi;Ali;1985-01-01;m;AF;head\n"
    response = upload(caseworker, SimpleUploadedFile("l.csv", data))
    mapping_url = response["Location"]
    mapping = {
        "household_reference": "0",
        "registration_number": "1",
        "family_name": "2",
        "given_name": "3",
        "date_of_birth": "4",
        "sex": "5",
        "nationality": "6",
        "relationship_to_principal": "7",
    }
    response = caseworker.post(mapping_url, {**mapping, "given_name": "2"})
    assert "already used for another field" in response.content.decode()
    response = caseworker.post(mapping_url, mapping)
    caseworker.post(response["Location"], {"action": "import"})
    assert Applicant.objects.get().given_name == "Ali"


def test_one_bad_row_lists_every_error_and_imports_nothing(caseworker, people):
    household(
        "GR",
        by=people["caseworker_gr"],
        members=[
            member(
                "Nour",
                "Haddad",
                nationality="SY",
                relationship="principal",
                registration_number="GR-DB-1",
                date_of_birth=__import__("datetime").date(1999, 4, 1),
            ),
        ],
    )
    existing = (Household.objects.count(), Applicant.objects.count())
    lines = family_rows(2) + [
        "F7;GR-X1;Doe;John;31/02/1990;M;Atlantis;;principal;",  # bad date, unknown nationality
        "F8;GR-000000-1;Roe;Jane;1990-01-01;F;SY;;principal;",  # duplicate registration number in the file
        "F9;GR-DB-1;Haddád;Nour;1999-04-01;F;Syria;;principal;",  # number and person already registered
    ]
    preview_url = run_to_preview(caseworker, csv_file(lines))
    content = caseworker.get(preview_url).content.decode()
    assert "3 rows have errors" not in content  # the duplicate is flagged on both lines
    assert "4 rows have errors" in content
    assert "Date of birth &quot;31/02/1990&quot; is not a date" in content
    assert "Unknown nationality &quot;Atlantis&quot;" in content
    assert "appears more than once in the file (lines 2, 9)" in content
    assert "GR-DB-1 is already registered in this frontline state" in content
    assert (
        "Likely duplicate: a person with this name, date of birth and nationality is already registered."
        in content
    )
    response = caseworker.post(preview_url, {"action": "import"})
    assert "Nothing was imported" in response.content.decode()
    assert (Household.objects.count(), Applicant.objects.count()) == existing
    assert not AuditEvent.objects.filter(action="cases.import").exists()


def test_a_clash_found_only_at_commit_rolls_everything_back(caseworker, people, monkeypatch):
    preview_url = run_to_preview(caseworker, csv_file(family_rows(3)))
    # Someone registers one of the numbers between the preview and the commit.
    household(
        "GR",
        by=people["caseworker_gr"],
        members=[member("Other", "Person", relationship="principal", registration_number="GR-000002-2")],
    )
    real = importing.lookups_for

    def blind(state, today=None):
        lookups = real(state, today)
        lookups.taken_registration_numbers = lambda numbers: set()
        return lookups

    monkeypatch.setattr(importing, "lookups_for", blind)
    response = caseworker.post(preview_url, {"action": "import"}, follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert Household.objects.count() == 1 and Applicant.objects.count() == 1


def test_xlsx_is_imported(caseworker):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(";"))
    for line in family_rows(2):
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview_url = run_to_preview(caseworker, SimpleUploadedFile("list.xlsx", buffer.getvalue()))
    caseworker.post(preview_url, {"action": "import"})
    assert Household.objects.count() == 2 and Applicant.objects.count() == 6


def test_other_roles_and_other_sessions_cannot_reach_an_import(caseworker, people, client_for):
    preview_url = run_to_preview(caseworker, csv_file(family_rows(1)))
    for who in ("officer_de", "commission", "iom_gr"):
        assert client_for(people[who]).get(preview_url).status_code == 404
    # Another caseworker's session does not hold this upload.
    from django.test import Client

    other = Client()
    other.force_login(people["caseworker_it"])
    assert other.get(preview_url).status_code == 404
    assert other.post(preview_url, {"action": "import"}).status_code == 404
    assert nothing_imported()


def test_a_caseworker_cannot_import_into_another_operation(caseworker):
    response = upload(caseworker, csv_file(family_rows(1)), state="IT")
    assert "Select a valid choice" in response.content.decode()


def test_cancel_deletes_the_uploaded_file(caseworker, tmp_path):
    preview_url = run_to_preview(caseworker, csv_file(family_rows(1)))
    assert list((tmp_path / "imports").iterdir())
    caseworker.post(preview_url, {"action": "cancel"})
    assert not list((tmp_path / "imports").iterdir())
    assert caseworker.get(preview_url).status_code == 404


def test_ten_thousand_rows_with_one_bad_row_import_nothing(caseworker):
    lines = family_rows(3334)[:9999] + ["F-last;GR-LAST;Doe;John;not a date;M;AF;;principal;"]
    assert len(lines) == 10_000
    started = time.monotonic()
    preview_url = run_to_preview(caseworker, csv_file(lines))
    response = caseworker.post(preview_url, {"action": "import"})
    assert "1 row has errors" in response.content.decode()
    assert nothing_imported()
    assert time.monotonic() - started < 60


def test_abandoned_uploads_are_deleted_after_a_day(caseworker, tmp_path):
    import os

    run_to_preview(caseworker, csv_file(family_rows(1)))
    (old,) = list((tmp_path / "imports").iterdir())
    os.utime(old, (time.time() - 25 * 3600, time.time() - 25 * 3600))
    upload(caseworker, csv_file(family_rows(1)))
    remaining = list((tmp_path / "imports").iterdir())
    assert old not in remaining and len(remaining) == 1


def test_the_template_imports_cleanly(caseworker, people, client_for):
    response = caseworker.get(reverse("cases:import_template"))
    data = b"".join(response.streaming_content)
    preview_url = run_to_preview(caseworker, SimpleUploadedFile("template.csv", data))
    caseworker.post(preview_url, {"action": "import"})
    household = Household.objects.get()
    assert household.size == 2 and household.members.get(given_name="Zahra").dob_estimated
    assert household.members.get(given_name="Ahmad").family_name_native == "حیدری"
    assert client_for(people["officer_de"]).get(reverse("cases:import_template")).status_code == 404
