"""Reads the public pages share: search over an entry queryset, on both engines.

On PostgreSQL a search is full-text over the entry's stored `search_document` column
(to_tsvector('simple', search_text), filled by PostgreSQL when the row is written and GIN-indexed;
migration 0003): websearch syntax ("remote python -php"), no stemming ('simple' configuration,
entries are in every tenant's language). On SQLite (the embedded default) it is an icontains of
each word over search_text: no index, fine for a demo.
"""

from django.contrib.postgres.search import (
    SearchQuery,
    SearchQueryCombinable,
    SearchQueryField,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Expression, Q

SEARCH_CONFIG = "simple"
SEARCH_DOCUMENT_COLUMN = "search_document"  # PostgreSQL only, not a model field (migration 0003)


class SearchDocument(Expression):
    """The entry table's stored search_document column. Not a model field, so Django never
    selects or writes it: PostgreSQL computes it from search_text."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name(SEARCH_DOCUMENT_COLUMN)}", []


def filter_term(column: str, value: str) -> str:
    """The term a job entry's search document holds for its filter `column` (category, location,
    remote_policy, employment_type) having `value`: what migration 0006 makes in SQL."""
    return f"~{column}~{value}"


class ExactTerms(SearchQueryCombinable, Expression):
    """A tsquery of terms that must all be in the document, taken as they are: each is quoted
    (quotes and backslashes doubled, tsquery's own syntax) and the text cast to tsquery, where
    to_tsquery would split it into words."""

    output_field = SearchQueryField()

    def __init__(self, terms):
        super().__init__()
        self.terms = list(terms)

    def as_sql(self, compiler, connection):
        quoted = ("'{}'".format(term.replace("\\", "\\\\").replace("'", "''")) for term in self.terms)
        return "%s::tsquery", [" & ".join(quoted)]


def search(queryset, text: str, filter_terms=()):
    """Entries of `queryset` matching the words of `text` (all of them); `queryset` unchanged
    for blank text. On PostgreSQL, `filter_terms` (filter_term()s of the job catalog's filters,
    which the caller also filters on) join the words in the index lookup, so that the GIN index
    returns the entries matching both instead of every entry with the words."""
    text = " ".join((text or "").split())[:200]
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        # Text without a letter or digit makes an empty query, which matches nothing; ANDed
        # with the terms it would match every entry with those filters.
        if filter_terms and any(char.isalnum() for char in text):
            query &= ExactTerms(filter_terms)
        # alias(), not annotate(): the page's SELECT does not need the document.
        return queryset.alias(document=SearchDocument()).filter(document=query)
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
