from django.db import migrations

# Name search matches any part of the accent-stripped Latin name ("LIKE %...%"); on PostgreSQL a
# trigram GIN index answers that without scanning every applicant. SQLite simply scans.
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS cases_applicant_search_name_trgm "
    "ON cases_applicant USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS cases_applicant_registration_trgm "
    "ON cases_applicant USING gin (registration_number gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS cases_household_case_number_trgm "
    "ON cases_household USING gin (case_number gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS cases_applicant_search_name_trgm",
    "DROP INDEX IF EXISTS cases_applicant_registration_trgm",
    "DROP INDEX IF EXISTS cases_household_case_number_trgm",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
