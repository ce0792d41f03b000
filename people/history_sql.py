"""History rows written by the database, for bulk writes: one INSERT … SELECT copies the rows just
written into their simple-history table, instead of building a historical model instance per row
in Python (which cost as much as the bulk write itself).

Writes the same columns simple-history writes (each tracked field, history_date, history_type,
history_user_id, no change reason); fields a model excludes from its history are skipped
because the historical table has no column for them.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}
CHUNK = 5000


def copy_rows_to_history(model, ids, *, history_type: str = "+", user=None, when=None) -> int:
    """Write one history row per id of `model` (history_type "+" created, "~" changed, "-" deleted
    before the delete runs). Returns how many were written."""
    ids = list(ids)
    if not ids:
        return 0
    history = model.history.model
    source_columns = {field.column for field in model._meta.concrete_fields}
    tracked = [
        field.column
        for field in history._meta.concrete_fields
        if field.column not in HISTORY_COLUMNS and field.column in source_columns
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in tracked)
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, history_type, "
                f"history_user_id, history_change_reason) "
                f"SELECT {columns}, %s, %s, %s, NULL FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({placeholders})",
                [when or timezone.now(), history_type, getattr(user, "pk", None), *chunk],
            )
            written += cursor.rowcount
    return written
