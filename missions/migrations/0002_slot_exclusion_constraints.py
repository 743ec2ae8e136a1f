"""No double booking, refused by PostgreSQL itself (the service checks first, under row
locks, to give a clear message; these catch anything that slips past it).

* one interpreter is never in two overlapping slots;
* one room of a mission is never used by two overlapping slots;
* one person is never booked twice at overlapping times (per-person slots), and one
  household never has two overlapping household-wide slots.

A household-wide slot overlapping a slot of one of its members is refused by the service
(it is not expressible as a single exclusion constraint). SQLite has no ranges: skipped.
"""

from django.db import migrations

CONSTRAINTS = [
    ("slot_interpreter_no_overlap", "interpreter_id WITH =", "interpreter_id IS NOT NULL"),
    ("slot_room_no_overlap", "mission_id WITH =, room WITH =", "room <> ''"),
    ("slot_person_no_overlap", "applicant_id WITH =", "applicant_id IS NOT NULL"),
    ("slot_household_no_overlap", "household_id WITH =", "applicant_id IS NULL"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, columns, where in CONSTRAINTS:
        schema_editor.execute(
            f"ALTER TABLE missions_interviewslot ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({columns}, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE ({where})"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _columns, _where in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE missions_interviewslot DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("missions", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
