"""Reading candidate lists sent by frontline asylum services (CSV or XLSX) and checking
every row before anything is written.

Three steps, each usable on its own:

1. ``read_table(data, filename)``: bytes in, a header row and text/date cells out. CSV must
   be UTF-8 (with or without a byte-order mark) or UTF-16 with a byte-order mark; a file
   in another encoding (Windows-1252, Latin-1, Windows-1253 ...) is refused with the line
   that cannot be read, rather than guessed, because a wrong guess silently garbles names.
2. ``guess_mapping(headers)``: which column holds which field, from the header names.
3. ``check_rows(table, mapping, lookups)``: one ``PersonRow`` per line with every error
   found on it (missing field, bad date, unknown nationality, duplicate registration number
   in the file or in the database, likely duplicate person), grouped into households by the
   household reference column.

This module imports nothing from the ORM: the database look-ups are handed in (``Lookups``),
so the checks can be tested and benchmarked on their own. Writing is ``cases.views`` calling
``commit_import`` in ``cases.import_commit``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ROWS = 20_000
MAX_FILE_BYTES = 15 * 1024 * 1024


class ImportFileError(ValueError):
    """The file cannot be read at all (encoding, format, no header, too large)."""


# -- reading ---------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    # Each row: (line number in the file, cells). Cells are str, or date from XLSX.
    rows: list[tuple[int, list]]


def read_table(data: bytes, filename: str) -> Table:
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 2**20})
    name = filename.lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        table = read_xlsx(data)
    elif name.endswith((".csv", ".txt", ".tsv")):
        table = read_csv(data)
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    if not any(h for h in table.headers):
        raise ImportFileError(_("The first line must hold the column names."))
    if not table.rows:
        raise ImportFileError(_("The file has a header line but no rows."))
    if len(table.rows) > MAX_ROWS:
        raise ImportFileError(_("The file has more than %(n)d rows; split it.") % {"n": MAX_ROWS})
    return table


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is refused with its first bad line."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The file says it is UTF-16 but cannot be read as such.")) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not in UTF-8: byte 0x%(byte)02X on line %(line)d cannot be read "
                "(the file was probably saved as Windows-1252 or Latin-1). Nothing was imported. "
                'Save it again as "CSV UTF-8" and upload it again.'
            )
            % {"byte": data[exc.start], "line": line}
        ) from exc


def read_csv(data: bytes) -> Table:
    text = decode_text(data)
    if "\x00" in text:
        raise ImportFileError(_("The file contains binary data; it is not a CSV file."))
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in most EU locales save with ";" because "," is the decimal mark.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader, [])]
        rows = []
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc
    return Table(headers=headers, rows=rows)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("The file is not a readable .xlsx workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        headers = [_cell_text(c) for c in next(lines, ())]
        rows = []
        for number, cells in enumerate(lines, start=2):
            values = [c if isinstance(c, dt.date) else _cell_text(c) for c in cells]
            if any(v for v in values):
                rows.append((number, values))
                if len(rows) > MAX_ROWS:
                    break
    finally:
        workbook.close()
    return Table(headers=headers, rows=rows)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- columns and mapping -----------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-insensitive form used to compare names and headers."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", stripped.casefold()).strip()


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS = [
    Column(
        "household_reference",
        gettext_lazy("Household reference"),
        True,
        (
            "household",
            "household ref",
            "family",
            "family reference",
            "family id",
            "household id",
            "group",
            "case",
            "case reference",
            "family number",
        ),
    ),
    Column(
        "registration_number",
        gettext_lazy("Registration number"),
        True,
        (
            "asylum registration number",
            "registration no",
            "reg no",
            "reg number",
            "asylum number",
            "case number national",
            "id number",
            "registration",
        ),
    ),
    Column(
        "family_name",
        gettext_lazy("Family name (Latin)"),
        True,
        ("family name", "surname", "last name", "lastname", "nom"),
    ),
    Column(
        "given_name",
        gettext_lazy("Given name (Latin)"),
        True,
        ("given name", "given names", "first name", "firstname", "forename", "prenom"),
    ),
    Column(
        "family_name_native",
        gettext_lazy("Family name (own script)"),
        False,
        (
            "family name own script",
            "surname own script",
            "family name original",
            "surname original",
            "family name native",
        ),
    ),
    Column(
        "given_name_native",
        gettext_lazy("Given name (own script)"),
        False,
        (
            "given name own script",
            "first name own script",
            "given name original",
            "first name original",
            "given name native",
        ),
    ),
    Column(
        "date_of_birth",
        gettext_lazy("Date of birth"),
        True,
        ("dob", "d o b", "birth date", "birthdate", "date of birth dd mm yyyy", "born"),
    ),
    Column(
        "dob_estimated",
        gettext_lazy("Date of birth estimated"),
        False,
        ("dob estimated", "estimated", "estimated dob", "age estimated"),
    ),
    Column("sex", gettext_lazy("Sex"), True, ("gender",)),
    Column("nationality", gettext_lazy("Nationality"), True, ("citizenship", "country of origin", "country")),
    Column("languages", gettext_lazy("Languages"), False, ("language", "spoken languages", "langs")),
    Column(
        "relationship_to_principal",
        gettext_lazy("Relationship to principal applicant"),
        True,
        ("relationship", "relation", "role in family", "family role", "relationship to head"),
    ),
    Column(
        "site",
        gettext_lazy("Site"),
        False,
        ("reception centre", "reception center", "centre", "center", "camp", "location", "accommodation"),
    ),
    # A caseworker who checked that two people with the same name, date of birth and
    # nationality are different persons (common with year-only dates) says so per row.
    Column(
        "not_duplicate",
        gettext_lazy("Checked: not a duplicate"),
        False,
        ("not duplicate", "not a duplicate", "checked not duplicate", "distinct person", "different person"),
    ),
]
COLUMN_KEYS = [c.key for c in COLUMNS]
REQUIRED_KEYS = [c.key for c in COLUMNS if c.required]


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """Field key -> column index, from header names (exact key, label or alias, folded)."""
    folded = [fold(h) for h in headers]
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for column in COLUMNS:
        names = {fold(column.key), fold(str(column.label)), *(fold(a) for a in column.aliases)}
        mapping[column.key] = None
        for index, header in enumerate(folded):
            if index not in taken and header in names:
                mapping[column.key] = index
                taken.add(index)
                break
    return mapping


def missing_required(mapping: dict[str, int | None]) -> list[str]:
    return [key for key in REQUIRED_KEYS if mapping.get(key) is None]


# -- checking rows ---------------------------------------------------------------------------


@dataclass
class Lookups:
    """What the checks need from the outside world, handed in by the caller."""

    nationalities: dict[str, str]  # folded code / name / demonym -> country code
    languages: dict[str, str]  # folded code / name -> language code
    sexes: dict[str, str]  # folded word -> stored value
    relationships: dict[str, str]  # folded word -> stored value
    principal: str  # stored value of the principal applicant's relationship
    # Given the registration numbers of the file, those already taken in the frontline state.
    taken_registration_numbers: Callable[[set[str]], set[str]] = lambda numbers: set()
    # Given (folded name, date of birth, nationality) keys, those matching people already registered.
    known_people: Callable[[set[tuple[str, dt.date, str]]], set[tuple[str, dt.date, str]]] = lambda keys: (
        set()
    )
    today: dt.date = field(default_factory=dt.date.today)


@dataclass
class PersonRow:
    line: int
    household_reference: str = ""
    registration_number: str = ""
    family_name: str = ""
    given_name: str = ""
    family_name_native: str = ""
    given_name_native: str = ""
    date_of_birth: dt.date | None = None
    dob_estimated: bool = False
    sex: str = ""
    nationality: str = ""
    languages: list[str] = field(default_factory=list)
    relationship_to_principal: str = ""
    site: str = ""
    not_duplicate: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def person_key(self) -> tuple[str, dt.date, str] | None:
        if not (self.family_name and self.given_name and self.date_of_birth and self.nationality):
            return None
        return (person_name_key(self.given_name, self.family_name), self.date_of_birth, self.nationality)


def person_name_key(*parts: str) -> str:
    """Folded name words in sorted order, so "Ali Rahimi" and "RAHIMI, Ali" compare equal."""
    return " ".join(sorted(fold(" ".join(parts)).replace(",", " ").split()))


@dataclass
class Preview:
    rows: list[PersonRow]
    households: dict[str, list[PersonRow]]

    @property
    def error_rows(self) -> list[PersonRow]:
        return [row for row in self.rows if row.errors]

    @property
    def error_count(self) -> int:
        return sum(len(row.errors) for row in self.rows)

    @property
    def ok(self) -> bool:
        return not self.error_rows


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y")
YES = {"yes", "y", "true", "1", "x", "oui", "ja", "si", "sì", "ναι", "estimated"}
NO = {"", "no", "n", "false", "0", "non", "nein", "οχι", "όχι"}


def parse_date(value) -> tuple[dt.date | None, bool]:
    """A date and whether it is only a year (then 1 January, estimated). Raises ValueError."""
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    text = str(value).strip()
    if re.fullmatch(r"(19|20)\d\d", text):
        return dt.date(int(text), 1, 1), True
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), False
        except ValueError:
            continue
    raise ValueError(text)


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;/|]", text) if part.strip()]


def check_rows(table: Table, mapping: dict[str, int | None], lookups: Lookups) -> Preview:
    missing = missing_required(mapping)
    if missing:
        labels = {c.key: str(c.label) for c in COLUMNS}
        raise ImportFileError(
            _("These required columns are not mapped: %(columns)s.")
            % {"columns": ", ".join(labels[k] for k in missing)}
        )
    rows = [_check_cells(line, cells, mapping, lookups) for line, cells in table.rows]
    households: dict[str, list[PersonRow]] = {}
    for row in rows:
        if row.household_reference:
            households.setdefault(row.household_reference, []).append(row)
    _check_households(households, lookups.principal)
    _check_duplicates(rows, lookups)
    return Preview(rows=rows, households=households)


def _check_cells(line: int, cells: list, mapping: dict[str, int | None], lookups: Lookups) -> PersonRow:
    row = PersonRow(line=line)

    def cell(key: str):
        index = mapping.get(key)
        if index is None or index >= len(cells):
            return ""
        value = cells[index]
        return value if isinstance(value, dt.date) else (value or "").strip()

    labels = {c.key: c.label for c in COLUMNS}
    for column in COLUMNS:
        if column.required and cell(column.key) in ("", None):
            row.errors.append(_("%(field)s is missing.") % {"field": labels[column.key]})

    for key, limit in (
        ("household_reference", 100),
        ("registration_number", 40),
        ("family_name", 100),
        ("given_name", 100),
        ("family_name_native", 100),
        ("given_name_native", 100),
        ("site", 200),
    ):
        value = cell(key)
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        if len(text) > limit:
            row.errors.append(
                _("%(field)s is longer than %(n)d characters.") % {"field": labels[key], "n": limit}
            )
            text = text[:limit]
        setattr(row, key, text)
    row.registration_number = row.registration_number.upper().replace(" ", "")

    raw_dob = cell("date_of_birth")
    if raw_dob not in ("", None):
        try:
            row.date_of_birth, year_only = parse_date(raw_dob)
        except ValueError:
            row.errors.append(
                _('Date of birth "%(value)s" is not a date (use YYYY-MM-DD or DD/MM/YYYY).')
                % {"value": raw_dob}
            )
        else:
            if row.date_of_birth > lookups.today:
                row.errors.append(
                    _("Date of birth %(value)s is in the future.") % {"value": row.date_of_birth}
                )
                row.date_of_birth = None
            elif row.date_of_birth.year < 1900:
                row.errors.append(_("Date of birth %(value)s is before 1900.") % {"value": row.date_of_birth})
                row.date_of_birth = None
            row.dob_estimated = year_only
    checked = fold(str(cell("not_duplicate")))
    if checked in YES:
        row.not_duplicate = True
    elif checked not in NO:
        row.errors.append(_('Checked: not a duplicate must be yes or no, not "%(value)s".') % {"value": checked})

    estimated = fold(str(cell("dob_estimated")))
    if estimated in YES:
        row.dob_estimated = True
    elif estimated not in NO:
        row.errors.append(
            _('Date of birth estimated must be yes or no, not "%(value)s".') % {"value": estimated}
        )

    sex = cell("sex")
    if sex:
        row.sex = lookups.sexes.get(fold(sex), "")
        if not row.sex:
            row.errors.append(_('Sex "%(value)s" is not recognised (use F, M or X).') % {"value": sex})

    nationality = cell("nationality")
    if nationality:
        row.nationality = lookups.nationalities.get(fold(nationality), "")
        if not row.nationality:
            row.errors.append(_('Unknown nationality "%(value)s".') % {"value": nationality})

    for language in _split_list(str(cell("languages"))):
        code = lookups.languages.get(fold(language))
        if code:
            if code not in row.languages:
                row.languages.append(code)
        else:
            row.errors.append(_('Unknown language "%(value)s".') % {"value": language})

    relationship = cell("relationship_to_principal")
    if relationship:
        row.relationship_to_principal = lookups.relationships.get(fold(relationship), "")
        if not row.relationship_to_principal:
            row.errors.append(
                _('Relationship "%(value)s" is not recognised (for example: principal, spouse, child).')
                % {"value": relationship}
            )
    return row


def _check_households(households: dict[str, list[PersonRow]], principal: str) -> None:
    for reference, members in households.items():
        principals = [m for m in members if m.relationship_to_principal == principal]
        known = [m for m in members if m.relationship_to_principal]
        if len(known) == len(members) and not principals:
            for member in members:
                member.errors.append(_("Household %(ref)s has no principal applicant.") % {"ref": reference})
        elif len(principals) > 1:
            lines = ", ".join(str(m.line) for m in principals)
            for member in principals:
                member.errors.append(
                    _("Household %(ref)s has more than one principal applicant (lines %(lines)s).")
                    % {"ref": reference, "lines": lines}
                )
        sites = {m.site for m in members if m.site}
        if len(sites) > 1:
            for member in members:
                member.errors.append(
                    _("Members of household %(ref)s are at different sites (%(sites)s).")
                    % {"ref": reference, "sites": ", ".join(sorted(sites))}
                )


NOT_DUPLICATE_HINT = gettext_lazy(
    'If you checked that they are different people, put "yes" in the column "Checked: not a duplicate".'
)


def _check_duplicates(rows: list[PersonRow], lookups: Lookups) -> None:
    by_number: dict[str, list[PersonRow]] = {}
    by_person: dict[tuple, list[PersonRow]] = {}
    for row in rows:
        if row.registration_number:
            by_number.setdefault(row.registration_number, []).append(row)
        key = row.person_key
        if key and not row.not_duplicate:
            by_person.setdefault(key, []).append(row)
    for number, same in by_number.items():
        if len(same) > 1:
            lines = ", ".join(str(r.line) for r in same)
            for row in same:
                row.errors.append(
                    _("Registration number %(number)s appears more than once in the file (lines %(lines)s).")
                    % {"number": number, "lines": lines}
                )
    for same in by_person.values():
        if len(same) > 1:
            lines = ", ".join(str(r.line) for r in same)
            for row in same:
                row.errors.append(
                    _(
                        "Likely the same person as on lines %(lines)s (same name, date of birth and nationality)."
                    )
                    % {"lines": lines}
                    + " "
                    + NOT_DUPLICATE_HINT
                )
    taken = lookups.taken_registration_numbers(set(by_number))
    for number in taken:
        for row in by_number[number]:
            row.errors.append(
                _("Registration number %(number)s is already registered in this frontline state.")
                % {"number": number}
            )
    for key in lookups.known_people(set(by_person)):
        for row in by_person[key]:
            row.errors.append(
                _(
                    "Likely duplicate: a person with this name, date of birth and nationality is already registered."
                )
                + " "
                + NOT_DUPLICATE_HINT
            )


def chunked(items: Iterable, size: int = 2000):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- look-ups from the database -----------------------------------------------------------------

# Names frontline lists commonly use for a nationality instead of the country's name.
DEMONYMS = {
    "afghan": "AF",
    "syrian": "SY",
    "iraqi": "IQ",
    "iranian": "IR",
    "eritrean": "ER",
    "somali": "SO",
    "sudanese": "SD",
    "south sudanese": "SS",
    "palestinian": "PS",
    "yemeni": "YE",
    "congolese": "CD",
    "cameroonian": "CM",
    "nigerian": "NG",
    "pakistani": "PK",
    "bangladeshi": "BD",
    "turkish": "TR",
    "venezuelan": "VE",
    "colombian": "CO",
    "ethiopian": "ET",
    "guinean": "GN",
    "malian": "ML",
    "ivorian": "CI",
    "egyptian": "EG",
    "libyan": "LY",
    "tunisian": "TN",
    "moroccan": "MA",
    "algerian": "DZ",
    "senegalese": "SN",
    "gambian": "GM",
    "ghanaian": "GH",
    "chadian": "TD",
    "ukrainian": "UA",
    "georgian": "GE",
    "stateless": "XX",
    "apatride": "XX",
    "staatenlos": "XX",
}
LANGUAGE_ALIASES = {
    "farsi": "fa",
    "dari": "fa",
    "pashto": "ps",
    "kurdish": "ku",
    "sorani": "ku",
    "kurmanji": "ku",
    "tigrinya": "ti",
    "arabic": "ar",
    "somali": "so",
    "urdu": "ur",
    "bengali": "bn",
    "bangla": "bn",
}
SEX_WORDS = {
    "female": ("f", "female", "woman", "w", "femme", "weiblich", "femmina", "γυναικα"),
    "male": ("m", "male", "man", "homme", "mannlich", "maschio", "ανδρας"),
    "other": ("x", "other", "diverse", "d", "autre"),
}
RELATIONSHIP_WORDS = {
    "principal": (
        "principal",
        "principal applicant",
        "pa",
        "self",
        "head",
        "head of household",
        "head of family",
        "main applicant",
        "applicant",
    ),
    "spouse": ("spouse", "wife", "husband", "partner", "spouse or partner"),
    "child": ("child", "son", "daughter", "stepchild", "stepson", "stepdaughter"),
    "parent": ("parent", "mother", "father"),
    "sibling": ("sibling", "brother", "sister"),
    "other": (
        "other",
        "other relative",
        "relative",
        "grandchild",
        "grandparent",
        "nephew",
        "niece",
        "cousin",
        "uncle",
        "aunt",
    ),
}


def lookups_for(frontline_state: str, today: dt.date | None = None) -> Lookups:
    """The look-ups for an import into ``frontline_state``, read from the database."""
    import pycountry

    from relocation.models import Country, Language

    from .models import Applicant, Relationship, Sex

    nationalities: dict[str, str] = {}
    known_codes = set()
    for code, name in Country.objects.values_list("code", "name"):
        known_codes.add(code)
        nationalities[fold(code)] = code
        nationalities[fold(name)] = code
    for country in pycountry.countries:
        if country.alpha_2 in known_codes:
            for name in (
                country.alpha_3,
                country.name,
                getattr(country, "common_name", None),
                getattr(country, "official_name", None),
            ):
                if name:
                    nationalities.setdefault(fold(name), country.alpha_2)
    for word, code in DEMONYMS.items():
        if code in known_codes:
            nationalities.setdefault(word, code)

    languages: dict[str, str] = {}
    for code, name in Language.objects.values_list("code", "name"):
        languages[fold(code)] = code
        languages[fold(name)] = code
    for word, code in LANGUAGE_ALIASES.items():
        if fold(code) in languages:
            languages.setdefault(word, code)

    sexes = {fold(word): value for value, words in SEX_WORDS.items() for word in words}
    sexes.update({fold(str(label)): value for value, label in Sex.choices})
    relationships = {fold(word): value for value, words in RELATIONSHIP_WORDS.items() for word in words}
    relationships.update({fold(str(label)): value for value, label in Relationship.choices})

    def taken(numbers: set[str]) -> set[str]:
        found: set[str] = set()
        for batch in chunked(sorted(numbers)):
            found.update(
                Applicant.objects.filter(
                    frontline_state_id=frontline_state, registration_number__in=batch
                ).values_list("registration_number", flat=True)
            )
        return found

    def known(keys: set[tuple[str, dt.date, str]]) -> set[tuple[str, dt.date, str]]:
        # Narrow by date of birth in the database, compare the folded names here.
        found = set()
        for batch in chunked(sorted({key[1] for key in keys})):
            for name, dob, nationality in Applicant.objects.filter(date_of_birth__in=batch).values_list(
                "search_name", "date_of_birth", "nationality_id"
            ):
                key = (person_name_key(name), dob, nationality)
                if key in keys:
                    found.add(key)
        return found

    return Lookups(
        nationalities=nationalities,
        languages=languages,
        sexes=sexes,
        relationships=relationships,
        principal=Relationship.PRINCIPAL.value,
        taken_registration_numbers=taken,
        known_people=known,
        today=today or dt.date.today(),
    )


# -- writing ----------------------------------------------------------------------------------------


def commit_import(*, preview: Preview, frontline_state: str, by, filename: str):
    """Write every household of a clean preview in one transaction, or nothing.

    Bulk inserts (thousands of rows in a few statements) with what ``cases.services``
    computes one by one: case numbers from the same counter, composition and size from the
    members, the search key, the first status change. One audit event describes the import
    (the report page renders it) and one per household lets each case's timeline show it.
    Returns the import's audit event.
    """
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction
    from django.utils import timezone

    from relocation import audit
    from relocation.access import access_of
    from relocation.models import AuditEvent, Organisation, Role

    from .models import Applicant, CaseStatus, Household, StatusChange, derive_composition
    from .services import allocate_case_numbers

    access = access_of(by)
    if not (access.has(Role.COORDINATOR) or frontline_state in access.states(Role.CASEWORKER)):
        raise PermissionDenied(_("Only EUAA caseworkers of this operation may import households here."))
    if not preview.ok:
        raise ValidationError(_("The file has errors; nothing was imported."))
    owner = (
        by.organisation
        if by.organisation and by.organisation.kind == Organisation.Kind.EUAA
        else (Organisation.objects.filter(kind=Organisation.Kind.EUAA).order_by("pk").first())
    )
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        numbers = allocate_case_numbers(frontline_state=frontline_state, count=len(preview.households))
        households = []
        for case_number, members in zip(numbers, preview.households.values(), strict=True):
            households.append(
                Household(
                    case_number=case_number,
                    frontline_state_id=frontline_state,
                    site=next((m.site for m in members if m.site), ""),
                    registered_on=today,
                    status=CaseStatus.IDENTIFIED,
                    status_changed_at=now,
                    owner=owner,
                    composition=derive_composition(members, on=today),
                    size=len(members),
                    created_at=now,
                )
            )
        Household.objects.bulk_create(households, batch_size=1000)
        applicants = []
        languages = []
        for household, members in zip(households, preview.households.values(), strict=True):
            for row in members:
                applicant = Applicant(
                    household=household,
                    frontline_state_id=frontline_state,
                    given_name=row.given_name,
                    family_name=row.family_name,
                    given_name_native=row.given_name_native,
                    family_name_native=row.family_name_native,
                    date_of_birth=row.date_of_birth,
                    dob_estimated=row.dob_estimated,
                    sex=row.sex,
                    nationality_id=row.nationality,
                    relationship_to_principal=row.relationship_to_principal,
                    registration_number=row.registration_number,
                    created_at=now,
                )
                applicant.set_search_names()
                applicants.append(applicant)
                languages.append(row.languages)
        Applicant.objects.bulk_create(applicants, batch_size=2000)
        Through = Applicant.languages.through
        Through.objects.bulk_create(
            [
                Through(applicant_id=a.pk, language_id=code)
                for a, codes in zip(applicants, languages, strict=True)
                for code in codes
            ],
            batch_size=5000,
        )
        reason = _("Imported from %(file)s") % {"file": filename}
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    household=h, from_status="", to_status=CaseStatus.IDENTIFIED, at=now, by=by, reason=reason
                )
                for h in households
            ],
            batch_size=2000,
        )
        event = audit.record(
            actor=by,
            action="cases.import",
            object_type="cases.household",
            object_repr=(_("Import of %(file)s") % {"file": filename})[:200],
            details={
                "file": filename,
                "frontline_state": frontline_state,
                "rows": len(preview.rows),
                "households": len(households),
                "persons": len(applicants),
                "case_numbers": [h.case_number for h in households],
            },
        )
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    at=now,
                    actor=by,
                    actor_username=by.get_username(),
                    actor_organisation_id=by.organisation_id,
                    action="household.import",
                    object_type="cases.household",
                    object_id=str(h.pk),
                    object_repr=h.case_number,
                    ip_address=audit.current_ip.get(),
                    details={"import": event.pk, "file": filename, "members": h.size},
                )
                for h in households
            ],
            batch_size=2000,
        )
    return event
