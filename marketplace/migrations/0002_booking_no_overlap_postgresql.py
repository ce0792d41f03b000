"""On PostgreSQL, refuse two overlapping confirmed bookings of one provider in the database.

Two simultaneous confirmations could both pass the application's overlap check; this exclusion
constraint makes the second one fail (marketplace.services.bookings turns the violation into the
same message as the check). Intervals are half-open ([start, end)): back-to-back bookings are
fine. SQLite (the embedded default) has no exclusion constraints: there the check in the service
is the only guard, and SQLite serialises writes anyway. Meta constraints cannot differ by
database, so the constraint lives here rather than on the model.
"""

from django.db import migrations

CONSTRAINT = "booking_no_overlapping_confirmed"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("marketplace", "Booking")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
        "tenant_id WITH =, provider_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&"
        ") WHERE (status = 'confirmed')"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("marketplace", "Booking")._meta.db_table
    schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
