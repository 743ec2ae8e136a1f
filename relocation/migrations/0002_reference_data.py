from django.db import migrations

from relocation import reference


def load(apps, schema_editor):
    reference.load(
        apps.get_model("relocation", "Country"),
        apps.get_model("relocation", "Language"),
        apps.get_model("relocation", "VulnerabilityCategory"),
    )


class Migration(migrations.Migration):
    dependencies = [("relocation", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
