"""The catalog entries' source references lose their database foreign key constraint.

PostgreSQL checks such a constraint by locking the referenced source row for every entry written,
and that lock is written to the source row's page (WAL, a full page image after each checkpoint):
the bulk sync dirtied the tenant's whole jobs table. Django still cascades a source's deletion to
its entries; the sync and the integrity schedule remove entries whose source is gone
(catalog.models.entries). The columns and their indexes stay.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_job_document_filter_terms"),
        ("marketplace", "0002_booking_no_overlap_postgresql"),
        ("recruiting", "0004_private_files"),
    ]

    operations = [
        migrations.AlterField(
            model_name="publicjobcatalog",
            name="source_job",
            field=models.ForeignKey(
                db_constraint=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="recruiting.jobposting",
            ),
        ),
        migrations.AlterField(
            model_name="publicprovidercatalog",
            name="source_provider",
            field=models.ForeignKey(
                db_constraint=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="marketplace.serviceprovider",
            ),
        ),
    ]
