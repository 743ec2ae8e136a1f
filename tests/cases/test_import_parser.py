"""The import parser on its own: encodings, formats, column mapping and per-row checks."""

import codecs
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from cases.importing import (
    ImportFileError,
    Lookups,
    check_rows,
    guess_mapping,
    missing_required,
    person_name_key,
    read_table,
)

HEADER = "Household,Registration number,Surname,First name,Date of birth,Sex,Nationality,Languages,Relationship,Site\n"
GOOD = [
    "H1,GR-1001,Rahimi,Ali,1985-03-02,M,Afghan,fa;en,principal,Lesvos CCAC",
    "H1,GR-1002,Rahimi,Zahra,12/07/1990,F,AF,fa,wife,Lesvos CCAC",
    "H2,GR-1003,Haddad,Nour,1999,F,Syria,ar,self,",
]


def lookups(**extra):
    values = dict(
        nationalities={"af": "AF", "afghan": "AF", "sy": "SY", "syria": "SY", "xx": "XX"},
        languages={"fa": "fa", "en": "en", "ar": "ar", "persian": "fa"},
        sexes={"m": "male", "f": "female", "x": "other"},
        relationships={"principal": "principal", "self": "principal", "wife": "spouse", "child": "child"},
        principal="principal",
        today=dt.date(2024, 2, 9),
    )
    values.update(extra)
    return Lookups(**values)


def csv_bytes(lines, encoding="utf-8", header=HEADER):
    return (header + "\n".join(lines) + "\n").encode(encoding)


def preview_of(data, filename="list.csv", **extra):
    table = read_table(data, filename)
    return check_rows(table, guess_mapping(table.headers), lookups(**extra))


def test_a_clean_file_has_no_errors_and_groups_households():
    preview = preview_of(csv_bytes(GOOD))
    assert preview.ok, [r.errors for r in preview.rows]
    assert list(preview.households) == ["H1", "H2"]
    zahra = preview.rows[1]
    assert (zahra.date_of_birth, zahra.sex, zahra.relationship_to_principal) == (
        dt.date(1990, 7, 12),
        "female",
        "spouse",
    )
    assert preview.rows[0].languages == ["fa", "en"]
    nour = preview.rows[2]
    assert nour.date_of_birth == dt.date(1999, 1, 1) and nour.dob_estimated


def test_utf8_with_byte_order_mark_and_semicolons_is_read():
    data = codecs.BOM_UTF8 + csv_bytes(
        [line.replace(",", ";") for line in GOOD], header=HEADER.replace(",", ";")
    )
    table = read_table(data, "list.csv")
    assert table.headers[0] == "Household"
    assert len(table.rows) == 3


def test_utf16_with_byte_order_mark_is_read():
    table = read_table(csv_bytes(GOOD, encoding="utf-16"), "list.csv")
    assert table.rows[0][1][2] == "Rahimi"


def test_windows_1252_is_refused_naming_the_line():
    lines = GOOD + ["H3,GR-1004,Müller,José,1980-01-01,M,SY,ar,principal,"]
    with pytest.raises(ImportFileError, match=r"not in UTF-8.*line 5"):
        read_table(csv_bytes(lines, encoding="cp1252"), "list.csv")


def test_binary_or_unknown_files_are_refused():
    with pytest.raises(ImportFileError):
        read_table(b"\x00\x01\x02", "list.pdf")
    with pytest.raises(ImportFileError, match="xlsx"):
        read_table(b"PK\x03\x04 not really a zip", "list.xlsx")
    with pytest.raises(ImportFileError, match="no rows"):
        read_table(HEADER.encode(), "list.csv")


def test_missing_required_columns_are_named():
    table = read_table(b"Household,Surname\nH1,Rahimi\n", "list.csv")
    mapping = guess_mapping(table.headers)
    assert "date_of_birth" in missing_required(mapping)
    with pytest.raises(ImportFileError, match="Date of birth"):
        check_rows(table, mapping, lookups())


def test_headers_are_matched_ignoring_case_accents_and_punctuation():
    mapping = guess_mapping(["FAMILY_NAME", "Prénom", "D.O.B", "Citizenship", "Household ID", "Reg. No"])
    assert mapping["family_name"] == 0
    assert mapping["given_name"] == 1
    assert mapping["nationality"] == 3
    assert mapping["household_reference"] == 4
    assert mapping["registration_number"] == 5


def test_every_error_of_a_row_is_listed():
    preview = preview_of(csv_bytes(["H1,,Rahimi,,31/02/1985,Q,Atlantis,klingon,principal,"]))
    errors = " | ".join(preview.rows[0].errors)
    assert "Registration number is missing" in errors
    assert "Given name (Latin) is missing" in errors
    assert 'Date of birth "31/02/1985" is not a date' in errors
    assert 'Sex "Q"' in errors
    assert 'Unknown nationality "Atlantis"' in errors
    assert 'Unknown language "klingon"' in errors
    assert not preview.ok


def test_future_dates_are_refused():
    preview = preview_of(csv_bytes(["H1,GR-1,Rahimi,Ali,2030-01-01,M,AF,,principal,"]))
    assert "in the future" in preview.rows[0].errors[0]


def test_duplicate_registration_numbers_in_the_file_are_flagged_on_every_line():
    lines = [GOOD[0], GOOD[1].replace("GR-1002", "GR-1001")]
    preview = preview_of(csv_bytes(lines))
    for row in preview.rows:
        assert any("appears more than once in the file (lines 2, 3)" in e for e in row.errors)


def test_registration_numbers_already_in_the_database_are_flagged():
    preview = preview_of(csv_bytes(GOOD), taken_registration_numbers=lambda numbers: {"GR-1003"} & numbers)
    assert preview.rows[2].errors == [
        "Registration number GR-1003 is already registered in this frontline state."
    ]
    assert preview.rows[0].errors == []


def test_likely_duplicate_people_by_name_birth_date_and_nationality():
    twin = "H3,GR-2000,RAHIMI,Alí,1985-03-02,M,AF,,principal,"
    preview = preview_of(csv_bytes(GOOD + [twin]))
    assert any("Likely the same person" in e for e in preview.rows[3].errors)
    known = {(person_name_key("Nour Haddad"), dt.date(1999, 1, 1), "SY")}
    preview = preview_of(csv_bytes(GOOD), known_people=lambda keys: known & keys)
    assert any("already registered" in e for e in preview.rows[2].errors)


def test_a_household_needs_exactly_one_principal():
    lines = [GOOD[0], GOOD[1].replace("wife", "principal")]
    preview = preview_of(csv_bytes(lines))
    assert all("more than one principal" in " ".join(r.errors) for r in preview.rows)
    preview = preview_of(csv_bytes([GOOD[1]]))
    assert "has no principal applicant" in preview.rows[0].errors[0]


def test_xlsx_dates_and_numbers_are_read():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Family",
            "Registration number",
            "Family name",
            "Given name",
            "DOB",
            "Gender",
            "Nationality",
            "Relationship",
        ]
    )
    sheet.append([17, 12345, "Rahimi", "Ali", dt.datetime(1985, 3, 2), "m", "Afghan", "Head of household"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = preview_of(buffer.getvalue(), "list.xlsx", relationships={"head of household": "principal"})
    row = preview.rows[0]
    assert row.errors == []
    assert (row.household_reference, row.registration_number, row.date_of_birth) == (
        "17",
        "12345",
        dt.date(1985, 3, 2),
    )


def test_a_checked_row_is_not_flagged_as_a_likely_duplicate():
    header = HEADER.replace("Site\n", "Site,Checked: not a duplicate\n")
    lines = [
        "H1,GR-1,Ahmed,Mohammed,1990,M,SY,,principal,,",
        "H2,GR-2,Ahmed,Mohammed,1990,M,SY,,principal,,yes",
        "H3,GR-3,Ahmed,Mohammed,1990,M,SY,,principal,,maybe",
    ]
    preview = preview_of(csv_bytes(lines, header=header), known_people=lambda keys: keys)
    assert any("Likely duplicate" in e and "Checked: not a duplicate" in e for e in preview.rows[0].errors)
    assert preview.rows[1].errors == []
    assert any("must be yes or no" in e for e in preview.rows[2].errors)
