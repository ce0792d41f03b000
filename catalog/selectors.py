"""Reads the public pages share: search over an entry queryset, on both engines.

On PostgreSQL a search is full-text over SEARCH_DOCUMENT, the very expression migration 0002
indexes with GIN (change one, change the other); websearch syntax ("remote python -php"), no
stemming ('simple' configuration, entries are in every tenant's language). On SQLite (the
embedded default) it is an icontains of each word over search_text: no index, fine for a demo.
"""

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import F, Func, Q

SEARCH_CONFIG = "simple"


class SearchDocument(Func):
    """to_tsvector('simple'::regconfig, search_text) — exactly the indexed expression."""

    function = "to_tsvector"
    template = "%(function)s('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(F("search_text"))


def search(queryset, text: str):
    """Entries of `queryset` matching the words of `text` (all of them); `queryset` unchanged
    for blank text."""
    text = " ".join((text or "").split())[:200]
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.annotate(document=SearchDocument()).filter(document=query)
    words = Q()
    for word in text.split()[:10]:
        words &= Q(search_text__icontains=word)
    return queryset.filter(words)


def with_category(queryset, name: str):
    """Providers offering services in category `name` (GIN-indexed containment on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return queryset.filter(categories__contains=[name])
    import json

    # SQLite has no JSON containment: match the quoted name inside the stored JSON text.
    return queryset.filter(categories__icontains=json.dumps(name))
