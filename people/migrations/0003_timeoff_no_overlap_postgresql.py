"""On PostgreSQL, refuse overlapping pending/approved requests of one employee in the database.

Two simultaneous submissions could both pass the application's overlap check; this exclusion
constraint makes the second one fail. SQLite (the embedded default) has no exclusion constraints:
there the check in people.services.timeoff is the only guard, and SQLite serialises writes anyway.
"""

from django.db import migrations

CONSTRAINT = "timeoff_no_overlapping_active_requests"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("people", "TimeOffRequest")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
        "tenant_id WITH =, employee_id WITH =, daterange(start_date, end_date, '[]') WITH &&"
        ") WHERE (status IN ('pending', 'approved'))"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("people", "TimeOffRequest")._meta.db_table
    schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_hr_and_time_off")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
