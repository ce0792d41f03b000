"""On PostgreSQL, GIN indexes for the public pages' search and the provider category filter.

- Full-text search: a GIN index on to_tsvector('simple', search_text) of both catalogs. The
  expression must be the one catalog.selectors.search() queries (SEARCH_DOCUMENT); the 'simple'
  configuration (no stemming, no stop words) because entries come in every tenant's language.
- Provider categories: a GIN (jsonb_path_ops) index for `categories @> '["Design"]'`.
The tsvector is computed from search_text, which the sync writes in the same bulk upsert, so the
index is always current. SQLite (the embedded default) has neither: there search is an icontains
over search_text and the category filter a contains over the JSON text. Meta indexes cannot
differ by database, so these live here rather than on the models.
"""

from django.db import migrations

INDEXES = [
    ("publicjobcatalog", "catalog_job_search", "gin (to_tsvector('simple'::regconfig, search_text))"),
    ("publicprovidercatalog", "catalog_provider_search", "gin (to_tsvector('simple'::regconfig, search_text))"),
    ("publicprovidercatalog", "catalog_provider_categories", "gin (categories jsonb_path_ops)"),
]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, name, using in INDEXES:
        table = apps.get_model("catalog", model)._meta.db_table
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {using}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _model, name, _using in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(add_indexes, drop_indexes)]
