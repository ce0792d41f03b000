"""/browse-freelancers/: the public provider catalog, its search and filters, and provider profiles.

Anonymous and cacheable: the pages read PublicProviderCatalog only (never a tenant's tables),
load only the columns they show (no coordinates, no bookkeeping), write nothing, and touch
neither the session nor CSRF (the filter form is a GET form). A list page runs the same queries
whatever the data size: the capped count and the page (catalog.pages.common.page_of), plus the
category suggestions once every few minutes (Django's cache).
"""

from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django.core.cache import cache
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView, View

from catalog.models import PublicProviderCatalog
from catalog.pages.common import cached_view, entry_cache, list_cache, page_of, query_without_page
from catalog.pages.freelancers.forms import ORDERINGS, ProviderFilters, country_names
from catalog.selectors import search, with_category

# What the pages show, and so all they load: a column that is not here cannot reach the HTML.
SHOWN_FIELDS = (
    "public_id", "slug", "display_name", "avatar", "bio_excerpt", "skills", "categories", "city",
    "country", "hourly_rate", "currency", "rating", "review_count", "completed_contracts",
    "is_verified", "accepting_projects",
)  # fmt: skip
CARD_SKILLS = 5
CARD_CATEGORIES = 3

# Category suggestions for the filter: read from at most CATEGORY_SAMPLE entries (a bounded query
# whatever the catalog's size) and cached; any category can still be typed in.
CATEGORY_CACHE_KEY = "catalog:freelancers:categories:v1"
CATEGORY_CACHE_SECONDS = 5 * 60
CATEGORY_SAMPLE = 5000
CATEGORY_MAX = 200


def category_suggestions() -> list[str]:
    names = cache.get(CATEGORY_CACHE_KEY)
    if names is None:
        found: dict[str, str] = {}
        rows = PublicProviderCatalog.objects.order_by().values_list("categories", flat=True)
        for categories in rows[:CATEGORY_SAMPLE]:
            for name in categories if isinstance(categories, list) else ():
                if isinstance(name, str) and name.strip():
                    found.setdefault(name.casefold(), name)
        names = sorted(found.values(), key=str.casefold)[:CATEGORY_MAX]
        cache.set(CATEGORY_CACHE_KEY, names, CATEGORY_CACHE_SECONDS)
    return names


NULLABLE = frozenset({"rating", "hourly_rate"})


def ordering(key: str) -> list:
    """The order `key`, with the nullable columns' nulls last on both engines (see forms.ORDERINGS)."""
    fields = []
    for name in ORDERINGS[key][1]:
        column = name.lstrip("-")
        if column not in NULLABLE:
            fields.append(name)
        elif name.startswith("-"):
            fields.append(F(column).desc(nulls_last=True))
        else:
            fields.append(F(column).asc(nulls_last=True))
    return fields


def money(amount: Decimal | None, currency: str) -> str:
    """'€80' for a whole amount, '€80.50' otherwise; the bare number without a currency."""
    if amount is None:
        return ""
    whole = amount == amount.to_integral_value()
    if not currency:
        return format_decimal(amount, format="#,##0" if whole else "#,##0.00", locale="en")
    if whole:
        return format_currency(amount, currency, format="¤#,##0", currency_digits=False, locale="en")
    return format_currency(amount, currency, locale="en")


class Provider:
    """What a template shows of an entry, formatted once; the entry's own fields pass through."""

    def __init__(self, entry: PublicProviderCatalog):
        self.entry = entry

    def __getattr__(self, name):
        # Only the shown fields pass through: a template cannot reach the tenant or the source row.
        if name in SHOWN_FIELDS:
            return getattr(self.entry, name)
        raise AttributeError(name)

    @cached_property
    def url(self) -> str:
        return reverse("freelancers:detail", args=[self.entry.public_id, self.entry.slug])

    @cached_property
    def avatar_url(self) -> str:
        return self.entry.avatar.url if self.entry.avatar else ""

    @cached_property
    def initials(self) -> str:
        words = [word for word in self.entry.display_name.split() if word[:1].isalnum()]
        return "".join(word[0] for word in words[:2]).upper() or "?"

    @cached_property
    def country_name(self) -> str:
        return country_names().get(self.entry.country, self.entry.country)

    @cached_property
    def place(self) -> str:
        return ", ".join(part for part in (self.entry.city, self.country_name) if part)

    @cached_property
    def rate(self) -> str:
        amount = money(self.entry.hourly_rate, self.entry.currency)
        return _("%(amount)s / hour") % {"amount": amount} if amount else ""

    @cached_property
    def rating_text(self) -> str:
        """'★ 4.8 (23 reviews)', or 'No reviews yet'."""
        if self.entry.rating is None or not self.entry.review_count:
            return _("No reviews yet")
        reviews = ngettext("%(count)d review", "%(count)d reviews", self.entry.review_count) % {
            "count": self.entry.review_count
        }
        return f"★ {self.entry.rating:.1f} ({reviews})"

    @cached_property
    def contracts_text(self) -> str:
        count = self.entry.completed_contracts
        if not count:
            return ""
        return ngettext("%(count)d completed contract", "%(count)d completed contracts", count) % {
            "count": count
        }

    @cached_property
    def card_skills(self) -> list[str]:
        return list(self.entry.skills or [])[:CARD_SKILLS]

    @cached_property
    def more_skills(self) -> int:
        return max(len(self.entry.skills or []) - CARD_SKILLS, 0)

    @cached_property
    def card_categories(self) -> list[str]:
        return list(self.entry.categories or [])[:CARD_CATEGORIES]


def shown_entries():
    return PublicProviderCatalog.objects.only(*SHOWN_FIELDS)


@cached_view(list_cache)
class ProviderList(TemplateView):
    template_name = "catalog/freelancers/list.html"

    def get_context_data(self, **kwargs):
        form = ProviderFilters(self.request.GET)
        filters = form.filters()
        entries = shown_entries()
        if filters["category"]:
            entries = with_category(entries, filters["category"])
        if filters["city"]:
            # Matched exactly (the city index serves it), as typed or in title case ("berlin").
            entries = entries.filter(city__in=dict.fromkeys([filters["city"], filters["city"].title()]))
        if filters["country"]:
            entries = entries.filter(country=filters["country"])
        if filters["verified"]:
            entries = entries.filter(is_verified=True)
        if filters["available"]:
            entries = entries.filter(accepting_projects=True)
        entries = search(entries, filters["q"]).order_by(*ordering(filters["order"]))
        page = page_of(self.request, entries)
        page.object_list = [Provider(entry) for entry in page.object_list]
        filtered = any(
            filters[name] for name in ("q", "category", "city", "country", "verified", "available")
        )
        return super().get_context_data(
            section="freelancers",
            form=form,
            filters=filters,
            filtered=filtered,
            page=page,
            providers=page.object_list,
            query=query_without_page(self.request),
            categories=category_suggestions(),
            **kwargs,
        )


@cached_view(entry_cache)
class ProviderDetail(View):
    """A provider's profile, found by its public UUID; any other slug redirects to the canonical URL."""

    template_name = "catalog/freelancers/detail.html"

    def get(self, request, public_id, slug=None):
        entry = get_object_or_404(shown_entries(), public_id=public_id)
        provider = Provider(entry)
        if slug != entry.slug:
            return redirect(provider.url, permanent=True)
        context = {
            "section": "freelancers",
            "provider": provider,
            "canonical_url": request.build_absolute_uri(provider.url),
        }
        return render(request, self.template_name, context)
