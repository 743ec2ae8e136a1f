from django.db import migrations, models

# Name search also compares against the name in the person's own script (Arabic, Tigrinya,
# Dari...), folded like the Latin one; a trigram index answers its "LIKE '%…%'" on PostgreSQL
# as migration 0002 does for the Latin name.
INDEX = (
    "CREATE INDEX IF NOT EXISTS cases_applicant_search_name_native_trgm "
    "ON cases_applicant USING gin (search_name_native gin_trgm_ops)"
)
DROP_INDEX = "DROP INDEX IF EXISTS cases_applicant_search_name_native_trgm"


def fill(apps, schema_editor):
    from cases.models import search_key  # a plain function: safe to use from a migration

    if schema_editor.connection.vendor == "postgresql":
        # Before the updates: PostgreSQL refuses CREATE INDEX on a table with deferred
        # (foreign-key) trigger events pending in the same transaction.
        schema_editor.execute(INDEX)
    Applicant = apps.get_model("cases", "Applicant")
    named = Applicant.objects.exclude(given_name_native="", family_name_native="").only(
        "pk", "given_name_native", "family_name_native"
    )
    batch = []
    for applicant in named.iterator(chunk_size=2000):
        applicant.search_name_native = search_key(applicant.given_name_native, applicant.family_name_native)
        batch.append(applicant)
        if len(batch) == 2000:
            Applicant.objects.bulk_update(batch, ["search_name_native"])
            batch = []
    Applicant.objects.bulk_update(batch, ["search_name_native"])


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_household_derived_flags")]

    operations = [
        migrations.AddField(
            model_name="applicant",
            name="search_name_native",
            field=models.CharField(blank=True, editable=False, max_length=210),
        ),
        migrations.RunPython(fill, unfill),
    ]
