"""Marketplace imports and exports (CSV and XLSX): categories, providers and services.

Built on the HR import base (people.resources.hr_base.HRResource): the tenant comes from the
importing user, a dry run previews, a file with any bad row writes nothing, errors are reported by
row and column, and foreign keys are natural keys looked up once per file through the scoped
managers (another tenant's names are never found):

- categories by name; `parent` is a category's name, in the database or anywhere in the file;
- providers by display name (unique per tenant). Verification, the marketplace listing and the
  rating figures are exported but never imported: they change only through the workflow;
- services by (provider, title): `provider` is a provider's display name, `category` a
  category's name.
"""

from decimal import Decimal, InvalidOperation

from import_export import fields, widgets

from marketplace.models import ProviderKind, Service, ServiceCategory, ServiceProvider
from people.resources.hr_base import (
    ChoiceWidget,
    HRResource,
    KeyedLookupWidget,
    TextWidget,
    YesNoWidget,
    as_text,
    column,
)


class NumberWidget(widgets.DecimalWidget):
    """A decimal number (an amount, a coordinate): 120, 120.5 or 120,5. Empty: none."""

    def __init__(self, what: str, example: str):
        super().__init__()
        self.what, self.example = what, example

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(f"{as_text(value)!r} is not {self.what} (e.g. {self.example}).")
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value:f}"


class MinutesWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(f"{text!r} is not a number of minutes (e.g. 60).")
        return int(text)


class CodeWidget(TextWidget):
    """A code in capitals (currency EUR, country DE); empty keeps the current value (or the
    default for a new row): pair with saves_null_values=False."""

    def clean(self, value, row=None, **kwargs):
        return as_text(value).upper() or None


def exported(name, widget=None) -> fields.Field:
    """A column that is exported but never imported (the workflow owns it)."""
    return fields.Field(attribute=name, column_name=name, widget=widget or TextWidget(), readonly=True)


class ServiceCategoryResource(HRResource):
    """Categories as `name, parent, description` rows; a known name updates that category."""

    name = column("name")
    parent = column(
        "parent",
        KeyedLookupWidget(
            ServiceCategory, "name", missing="no category named {key!r} in this company or file."
        ),
    )
    description = column("description")

    self_reference = "parent"

    class Meta(HRResource.Meta):
        model = ServiceCategory
        fields = ("name", "parent", "description")
        import_id_fields = ("name",)
        name = "Service categories"


class ServiceProviderResource(HRResource):
    """Providers by display name: a known name updates that provider, a new one adds it."""

    display_name = column("display_name")
    legal_name = column("legal_name")
    kind = column("kind", ChoiceWidget(ProviderKind), saves_null_values=False)
    bio = column("bio")
    skills = column("skills")
    hourly_rate = column("hourly_rate", NumberWidget("an amount", "85 or 85.50"))
    currency = column("currency", CodeWidget(), saves_null_values=False)
    city = column("city")
    country = column("country", CodeWidget(), saves_null_values=False)
    latitude = column("latitude", NumberWidget("a latitude", "52.520008"))
    longitude = column("longitude", NumberWidget("a longitude", "13.404954"))
    is_active = column("is_active", YesNoWidget(), saves_null_values=False)
    accepting_projects = column("accepting_projects", YesNoWidget(), saves_null_values=False)
    is_verified = exported("is_verified", YesNoWidget())
    marketplace_enabled = exported("marketplace_enabled", YesNoWidget())
    rating_average = exported("rating_average", NumberWidget("a rating", "4.5"))
    review_count = exported("review_count")
    completed_contracts_count = exported("completed_contracts_count")

    class Meta(HRResource.Meta):
        model = ServiceProvider
        fields = (
            "display_name",
            "legal_name",
            "kind",
            "bio",
            "skills",
            "hourly_rate",
            "currency",
            "city",
            "country",
            "latitude",
            "longitude",
            "is_active",
            "accepting_projects",
            "is_verified",
            "marketplace_enabled",
            "rating_average",
            "review_count",
            "completed_contracts_count",
        )
        import_id_fields = ("display_name",)
        name = "Service providers"


class ServiceResource(HRResource):
    """Services by (provider, title): a known pair updates that service, a new one adds it."""

    provider = column(
        "provider",
        KeyedLookupWidget(
            ServiceProvider,
            "display_name",
            required=True,
            missing="no provider named {key!r} in this company; import the providers first.",
        ),
    )
    title = column("title")
    category = column(
        "category",
        KeyedLookupWidget(
            ServiceCategory,
            "name",
            required=True,
            missing="no category named {key!r} in this company; import the categories first.",
        ),
    )
    description = column("description")
    price = column("price", NumberWidget("an amount", "120 or 120.50"))
    currency = column("currency", CodeWidget(), saves_null_values=False)
    duration_minutes = column("duration_minutes", MinutesWidget(), saves_null_values=False)
    is_active = column("is_active", YesNoWidget(), saves_null_values=False)

    class Meta(HRResource.Meta):
        model = Service
        fields = (
            "provider",
            "title",
            "category",
            "description",
            "price",
            "currency",
            "duration_minutes",
            "is_active",
        )
        import_id_fields = ("provider", "title")
        name = "Services"
