from django.db import migrations

# On PostgreSQL the database itself refuses to change or remove an audit row, whoever asks.
# (TRUNCATE is left to the database owner: test databases are flushed that way.)
FORWARD = """
CREATE OR REPLACE FUNCTION relocation_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER relocation_auditevent_append_only
  BEFORE UPDATE OR DELETE ON relocation_auditevent
  FOR EACH ROW EXECUTE FUNCTION relocation_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS relocation_auditevent_append_only ON relocation_auditevent;
DROP FUNCTION IF EXISTS relocation_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("relocation", "0002_reference_data")]
    operations = [migrations.RunPython(forward, backward)]
