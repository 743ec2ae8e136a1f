from django.db import migrations

from pledges import reference


def load(apps, schema_editor):
    reference.load(apps.get_model("pledges", "StateReferenceFigure"))


class Migration(migrations.Migration):
    dependencies = [("pledges", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
