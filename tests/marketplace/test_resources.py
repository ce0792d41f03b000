"""Marketplace imports and exports: categories (a tree), providers and services.

Each resource: the sample file imports after a clean dry run; a bad row is reported by row and
column and the file writes nothing; another tenant's names are never found; the workflow's fields
are exported, never imported; a CSV and an XLSX file read the same; lookups are cached.
"""

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook

from marketplace.models import ProviderKind, Service, ServiceCategory, ServiceProvider
from marketplace.resources import ServiceCategoryResource, ServiceProviderResource, ServiceResource
from people.tenancy import tenant_context
from tests.marketplace.factories import ServiceCategoryFactory, ServiceFactory, ServiceProviderFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "fixtures" / "marketplace"
PROVIDER_HEADERS = (
    "display_name",
    "legal_name",
    "kind",
    "skills",
    "hourly_rate",
    "currency",
    "city",
    "country",
    "latitude",
    "longitude",
    "is_active",
    "accepting_projects",
)
SERVICE_HEADERS = ("provider", "title", "category", "price", "currency", "duration_minutes", "is_active")


def dataset(headers, *rows):
    return tablib.Dataset(*rows, headers=list(headers))


def xlsx_dataset(headers, *rows):
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return XLSX().create_dataset(buffer.getvalue())


def sample(name):
    return CSV(encoding="utf-8").create_dataset((SAMPLES / name).read_text(encoding="utf-8"))


def errors_by_row(result):
    errors = {row.number: dict(row.error_dict) for row in result.invalid_rows}
    for number, row_errors in result.row_errors():
        errors.setdefault(number, {})["row"] = [str(error.error) for error in row_errors]
    return errors


def assert_clean(result):
    assert not result.has_errors(), [(n, [str(e.error) for e in errs]) for n, errs in result.row_errors()]
    assert not result.has_validation_errors(), errors_by_row(result)


def count_in(tenant, model):
    with tenant_context(tenant):
        return model.objects.count()


def provider_row(name, **values):
    base = {"display_name": name, "kind": "individual", "hourly_rate": "80", "is_active": "yes"}
    base.update(values)
    return [base.get(header, "") for header in PROVIDER_HEADERS]


def test_the_sample_files_import_into_an_empty_tenant(tenant_a):
    steps = [
        (ServiceCategoryResource, "categories.csv", ServiceCategory, 7),
        (ServiceProviderResource, "providers.csv", ServiceProvider, 4),
        (ServiceResource, "services.csv", Service, 5),
    ]
    for resource_class, file_name, model, rows in steps:
        preview = resource_class(tenant=tenant_a).import_data(sample(file_name), dry_run=True)
        assert_clean(preview)
        assert preview.totals["new"] == rows
        assert count_in(tenant_a, model) == 0, f"the dry run of {file_name} wrote rows"
        assert_clean(resource_class(tenant=tenant_a).import_data(sample(file_name)))
        assert count_in(tenant_a, model) == rows
    with tenant_context(tenant_a):
        assert ServiceCategory.objects.get(name="Web development").parent.name == "Software development"
        pixel = ServiceProvider.objects.get(display_name="Pixel & Co")
        assert (pixel.kind, pixel.country, pixel.currency) == (ProviderKind.COMPANY, "DE", "EUR")
        grace = ServiceProvider.objects.get(display_name="Grace Data")
        assert (grace.kind, grace.accepting_projects, grace.latitude, grace.legal_name) == (
            ProviderKind.INDIVIDUAL,
            False,
            None,
            "",
        )
        assert ServiceProvider.objects.get(
            display_name="Sparkle Cleaning"
        ).is_active  # empty keeps the default
        assert Service.objects.get(title="Database tuning session").price == Decimal("190.50")
        assert Service.objects.get(title="Logo and brand kit").currency == tenant_a.default_currency
        assert not Service.objects.get(title="Pipeline health check").is_active
        assert ServiceProvider.history.count() == 4  # history written for imported rows


def test_bad_provider_rows_are_reported_by_row_and_column_and_write_nothing(tenant_a):
    result = ServiceProviderResource(tenant=tenant_a).import_data(
        dataset(
            PROVIDER_HEADERS,
            provider_row("Good"),
            provider_row("Bad rate", hourly_rate="eighty"),
            provider_row("Half location", latitude="52.5"),
            provider_row("Far north", latitude="95", longitude="10"),
            provider_row("Odd kind", kind="robot"),
            provider_row("Maybe", is_active="perhaps"),
            provider_row("Good"),
            provider_row("Bad currency", currency="EURO"),
        ),
    )
    assert result.has_validation_errors()
    errors = errors_by_row(result)
    assert set(errors) == {2, 3, 4, 5, 6, 7, 8}
    assert errors[2] == {"hourly_rate": ["Column hourly_rate: 'eighty' is not an amount (e.g. 85 or 85.50)."]}
    assert errors[3] == {
        "longitude": ["Column longitude: Give both latitude and longitude, or leave both empty."]
    }
    assert list(errors[4]) == ["latitude"] and errors[4]["latitude"][0].startswith("Column latitude:")
    assert errors[5]["kind"][0].startswith("Column kind: 'robot' is not one of")
    assert errors[6] == {"is_active": ["Column is_active: 'perhaps' is not yes or no."]}
    assert errors[7] == {
        "display_name": [
            "Column display_name: Good is also on row 1 of this file; each may appear only once."
        ]
    }
    assert list(errors[8]) == ["currency"]
    assert count_in(tenant_a, ServiceProvider) == 0


def test_the_workflows_fields_are_exported_but_never_imported(tenant_a):
    with tenant_context(tenant_a):
        ServiceProviderFactory(display_name="Ada", marketplace_enabled=True, rating_average=Decimal("4.50"))
    exported = ServiceProviderResource(tenant=tenant_a).export()
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert (row["marketplace_enabled"], row["rating_average"], row["is_verified"]) == ("yes", "4.50", "no")
    # Re-importing the export changes nothing; forging the workflow's columns changes nothing either.
    result = ServiceProviderResource(tenant=tenant_a).import_data(exported)
    assert_clean(result)
    assert result.totals["skip"] == 1
    forged = tablib.Dataset(headers=exported.headers)
    forged.append(
        [
            {"is_verified": "yes", "rating_average": "1.00", "review_count": "99"}.get(h, v)
            for h, v in row.items()
        ]
    )
    assert_clean(ServiceProviderResource(tenant=tenant_a).import_data(forged))
    with tenant_context(tenant_a):
        ada = ServiceProvider.objects.get()
    assert (ada.is_verified, ada.rating_average, ada.review_count) == (False, Decimal("4.50"), 0)


def test_a_provider_of_another_tenant_is_never_found_by_a_service_row(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        ServiceProviderFactory(display_name="B only")
        ServiceCategoryFactory(name="B category")
    with tenant_context(tenant_a):
        ServiceCategoryFactory(name="Mine")
        ServiceProviderFactory(display_name="Mine too")
    result = ServiceResource(tenant=tenant_a).import_data(
        dataset(
            SERVICE_HEADERS,
            ["B only", "Audit", "Mine", "100", "", "60", ""],
            ["Mine too", "Audit", "B category", "100", "", "60", ""],
            ["", "Audit", "Mine", "100", "", "60", ""],
            ["Mine too", "Review", "Mine", "100", "", "an hour", ""],
        )
    )
    errors = errors_by_row(result)
    assert errors[1] == {
        "provider": [
            "Column provider: no provider named 'B only' in this company; import the providers first."
        ]
    }
    assert errors[2] == {
        "category": [
            "Column category: no category named 'B category' in this company; import the categories first."
        ]
    }
    assert errors[3] == {"provider": ["Column provider: a value is required."]}
    assert errors[4] == {
        "duration_minutes": ["Column duration_minutes: 'an hour' is not a number of minutes (e.g. 60)."]
    }
    assert count_in(tenant_a, Service) == 0


def test_services_update_by_provider_and_title(tenant_a):
    with tenant_context(tenant_a):
        service = ServiceFactory(title="Audit", price=Decimal("100"))
        provider, category = service.provider.display_name, service.category.name
    result = ServiceResource(tenant=tenant_a).import_data(
        dataset(SERVICE_HEADERS, [provider, "Audit", category, "150", "", "90", "no"])
    )
    assert_clean(result)
    assert result.totals["update"] == 1
    with tenant_context(tenant_a):
        service.refresh_from_db()
    assert (service.price, service.duration_minutes, service.is_active) == (Decimal("150"), 90, False)


def test_category_parents_later_in_the_file_and_cycles(tenant_a):
    assert_clean(
        ServiceCategoryResource(tenant=tenant_a).import_data(
            dataset(("name", "parent"), ["Child", "Parent"], ["Parent", ""])
        )
    )
    with tenant_context(tenant_a):
        assert ServiceCategory.objects.get(name="Child").parent.name == "Parent"
    result = ServiceCategoryResource(tenant=tenant_a).import_data(
        dataset(("name", "parent"), ["Parent", "Child"])
    )
    assert "cycle" in errors_by_row(result)[1]["parent"][0]
    with tenant_context(tenant_a):
        assert ServiceCategory.objects.get(name="Parent").parent is None


def test_an_xlsx_file_reads_like_the_csv(tenant_a):
    result = ServiceProviderResource(tenant=tenant_a).import_data(
        xlsx_dataset(
            PROVIDER_HEADERS,
            provider_row("Ada", hourly_rate=95.5, latitude=52.52, longitude=13.4, is_active=True),
        )
    )
    assert_clean(result)
    with tenant_context(tenant_a):
        ada = ServiceProvider.objects.get()
    assert (ada.hourly_rate, ada.latitude, ada.longitude) == (
        Decimal("95.50"),
        Decimal("52.52"),
        Decimal("13.4"),
    )


def test_service_lookups_are_cached_per_file(tenant_a):
    with tenant_context(tenant_a):
        categories = [ServiceCategoryFactory() for _ in range(3)]
        providers = [ServiceProviderFactory() for _ in range(3)]

    def queries(rows):
        file = dataset(
            SERVICE_HEADERS,
            *[
                [providers[i % 3].display_name, f"Service {i}", categories[i % 3].name, "10", "", "60", ""]
                for i in range(rows)
            ],
        )
        with CaptureQueriesContext(connection) as captured:
            assert_clean(ServiceResource(tenant=tenant_a).import_data(file, dry_run=True))
        return len(
            [
                q
                for q in captured.captured_queries
                if "marketplace_servicep" in q["sql"] or "marketplace_servicec" in q["sql"]
            ]
        )

    assert queries(3) == queries(30)


def test_the_admins_import_with_the_marketplace_resources(ops_client):
    for model, resource in [
        ("servicecategory", ServiceCategoryResource),
        ("serviceprovider", ServiceProviderResource),
        ("service", ServiceResource),
    ]:
        response = ops_client.get(f"/admin/marketplace/{model}/import/")
        assert response.status_code == 200, model
        choices = [label for _index, label in response.context["form"].fields["resource"].choices]
        assert choices == [resource.get_display_name()], (model, choices)
    for model in ("booking", "contract", "review"):  # statuses come from the workflow, never a file
        assert ops_client.get(f"/admin/marketplace/{model}/import/").status_code == 403
