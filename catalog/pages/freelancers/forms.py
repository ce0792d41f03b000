"""The GET parameters of /browse-freelancers/, cleaned by a Form: a bad value is ignored, never an error.

Links to the list are shared and bookmarked; a parameter that does not clean (an unknown order,
an overlong city, a country that is not a code) drops that one filter and keeps the others.
"""

from functools import cache

from babel import Locale
from django import forms
from django.utils.translation import gettext_lazy as _

SEARCH_MAX_CHARS = 200  # catalog.selectors.search reads no more than this either

# Each order ends with `id` so that equal values (ratings, rates) page in a fixed order.
# Nulls (no rating yet, no rate given) go last on both engines: PostgreSQL puts them first in a
# descending order and SQLite first in an ascending one, unless told.
ORDERINGS = {
    "best": (_("Best rated"), ("-rating", "-review_count", "id")),
    "reviews": (_("Most reviews"), ("-review_count", "-rating", "id")),
    "rate_asc": (_("Hourly rate: low to high"), ("hourly_rate", "id")),
    "rate_desc": (_("Hourly rate: high to low"), ("-hourly_rate", "id")),
}
DEFAULT_ORDERING = "best"
# Regions Babel names that are no country a provider can be in.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})


@cache
def country_names() -> dict[str, str]:
    """{"DE": "Germany", ...}: ISO 3166 codes and their English names (no query: from Babel's CLDR data)."""
    names = {
        code: name
        for code, name in Locale("en").territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }
    return dict(sorted(names.items(), key=lambda item: item[1]))


class TextFilter(forms.CharField):
    """Text with its whitespace collapsed; cut to `limit` characters instead of refused."""

    def __init__(self, *, limit: int, **kwargs):
        self.limit = limit
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        return " ".join(super().to_python(value).split())[: self.limit]

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(self.limit)}


class CountryField(forms.ChoiceField):
    """An ISO 3166 code, in any case ("de" is DE)."""

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class ProviderFilters(forms.Form):
    q = TextFilter(
        limit=SEARCH_MAX_CHARS,
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Skills, name, city…")}),
    )
    category = TextFilter(
        limit=120,
        label=_("Category"),
        widget=forms.TextInput(attrs={"list": "categories", "placeholder": _("Any category")}),
    )
    city = TextFilter(
        limit=120, label=_("City"), widget=forms.TextInput(attrs={"placeholder": _("Any city")})
    )
    country = CountryField(label=_("Country"), required=False)
    verified = forms.BooleanField(label=_("Verified only"), required=False)
    available = forms.BooleanField(label=_("Accepting projects"), required=False)
    order = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(key, label) for key, (label, _fields) in ORDERINGS.items()],
    )

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["country"].choices = [("", _("Any country")), *country_names().items()]

    def clean_order(self):
        return self.cleaned_data["order"] or DEFAULT_ORDERING

    def filters(self) -> dict:
        """The values that cleaned (all of them blank/False for an unbound or empty form)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: cleaned.get(name) for name in self.fields}
        values["order"] = values["order"] or DEFAULT_ORDERING
        return values
