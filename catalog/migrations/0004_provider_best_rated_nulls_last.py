"""Best rated first, unrated providers last, on both engines.

PostgreSQL sorts NULL first in a descending order, so "-rating" put every provider without a
rating at the top of /browse-freelancers/. The default ordering is now rating DESC NULLS LAST, and
on PostgreSQL the three indexes that end with the rating are rebuilt in that order so they still
serve the page (the models declare them without NULLS LAST, which SQLite cannot index and does not
need: it sorts NULL last in a descending order already).
"""

from django.db import migrations, models

INDEXES = [
    ("catalog_provider_best", '"rating" DESC{nulls}, "review_count" DESC, "id"'),
    ("catalog_provider_verified", '"is_verified", "rating" DESC{nulls}'),
    ("catalog_provider_accepting", '"accepting_projects", "rating" DESC{nulls}'),
]


def rebuild(nulls: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model("catalog", "PublicProviderCatalog")._meta.db_table
        for name, columns in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
            schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ({columns.format(nulls=nulls)})')

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_document_postgresql")]

    operations = [
        migrations.AlterModelOptions(
            name="publicprovidercatalog",
            options={
                "ordering": [models.OrderBy(models.F("rating"), descending=True, nulls_last=True), "-review_count", "id"],
                "verbose_name": "public provider",
                "verbose_name_plural": "public provider catalog",
            },
        ),
        migrations.RunPython(rebuild(" NULLS LAST"), rebuild("")),
    ]
