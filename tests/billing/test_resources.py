"""Billing imports and exports: customers (by e-mail, any case), plans (by name; currencies
billing supports) and subscriptions (by customer e-mail + plan name, with status and periods for a
migration). Each: the sample file imports after a clean dry run; a bad row is reported by row and
column and the file writes nothing; another tenant's rows are never found; CSV and XLSX read the
same; the admin imports through the admin's form with a preview first."""

import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook

from billing.models import Customer, Plan, Subscription, SubscriptionStatus
from billing.resources import CustomerResource, PlanResource, SubscriptionResource
from people.tenancy import tenant_context
from tests.billing.factories import CustomerFactory, PlanFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "fixtures" / "billing"
CUSTOMER_HEADERS = ("email", "name", "city", "country", "tax_id")
PLAN_HEADERS = ("name", "price", "currency", "interval", "trial_days", "active")
SUBSCRIPTION_HEADERS = (
    "customer_email",
    "plan",
    "status",
    "current_period_start",
    "current_period_end",
    "trial_end",
    "cancel_at_period_end",
)


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


def test_the_sample_files_import_into_an_empty_tenant(tenant_a):
    steps = [
        (CustomerResource, "customers.csv", Customer, 4),
        (PlanResource, "plans.csv", Plan, 5),
        (SubscriptionResource, "subscriptions.csv", Subscription, 5),
    ]
    for resource_class, file_name, model, rows in steps:
        preview = resource_class(tenant=tenant_a).import_data(sample(file_name), dry_run=True)
        assert_clean(preview)
        assert preview.totals["new"] == rows
        assert count_in(tenant_a, model) == 0, f"the dry run of {file_name} wrote rows"
        assert_clean(resource_class(tenant=tenant_a).import_data(sample(file_name)))
        assert count_in(tenant_a, model) == rows
    with tenant_context(tenant_a):
        radium = Customer.objects.get(name="Radium Labs SARL")
        assert (radium.country, radium.address_line2) == ("FR", "Bâtiment B")
        assert Customer.objects.get(name="Compilers & Co GmbH").email == "buchhaltung@compilers.example"
        us = Plan.objects.get(name="Team (US)")
        assert (us.currency, us.interval, us.trial_days, us.price) == ("USD", "month", 0, Decimal("109.00"))
        assert not Plan.objects.get(name="Legacy basic").active
        statuses = dict(Subscription.objects.values_list("plan__name", "status"))
        assert statuses["Team (US)"] == SubscriptionStatus.TRIALING
        trial = Subscription.objects.get(plan__name="Team (US)")
        assert trial.trial_end == trial.current_period_end == datetime.date(2026, 2, 3)
        past_due = Subscription.objects.get(plan__name="Team", customer__name__startswith="Compilers")
        assert past_due.status == SubscriptionStatus.PAST_DUE and past_due.past_due_since is not None
        assert Customer.history.count() == 4 and Subscription.history.count() == 5


def test_customers_match_their_email_in_any_case(tenant_a):
    with tenant_context(tenant_a):
        ann = CustomerFactory(email="ann@shop.example", name="Ann")
    result = CustomerResource(tenant=tenant_a).import_data(
        dataset(CUSTOMER_HEADERS, ["ANN@Shop.Example", "Ann Shop GmbH", "Berlin", "de", "DE1"])
    )
    assert_clean(result)
    assert result.totals["update"] == 1
    with tenant_context(tenant_a):
        ann.refresh_from_db()
    assert (ann.name, ann.country, ann.email) == ("Ann Shop GmbH", "DE", "ann@shop.example")
    assert count_in(tenant_a, Customer) == 1


def test_bad_customer_rows_are_reported_by_row_and_column_and_write_nothing(tenant_a):
    result = CustomerResource(tenant=tenant_a).import_data(
        dataset(
            CUSTOMER_HEADERS,
            ["good@shop.example", "Good", "", "", ""],
            ["not-an-email", "Bad mail", "", "", ""],
            ["GOOD@shop.example", "Twice", "", "", ""],
            ["nameless@shop.example", "", "", "", ""],
            ["land@shop.example", "Land", "", "Germany", ""],
        )
    )
    errors = errors_by_row(result)
    assert set(errors) == {2, 3, 4, 5}
    assert list(errors[2]) == ["email"] and errors[2]["email"][0].startswith("Column email:")
    assert "also on row 1 of this file" in errors[3]["email"][0]
    assert errors[4] == {"name": ["Column name: This field cannot be blank."]}
    assert list(errors[5]) == ["country"]
    assert count_in(tenant_a, Customer) == 0


def test_plans_refuse_unknown_and_three_decimal_currencies_and_extra_decimals(tenant_a):
    result = PlanResource(tenant=tenant_a).import_data(
        dataset(
            PLAN_HEADERS,
            ["Fine", "10", "EUR", "month", "0", "yes"],
            ["Dinar", "10", "BHD", "month", "0", "yes"],
            ["Euro-ish", "10", "EURO", "month", "0", "yes"],
            ["Yen", "1500.50", "JPY", "month", "0", "yes"],
            ["Nothing", "10", "", "month", "0", "yes"],
            ["Weekly", "10", "EUR", "week", "0", "yes"],
            ["Cheap", "ten", "EUR", "month", "0", "yes"],
        )
    )
    errors = errors_by_row(result)
    assert set(errors) == {2, 3, 4, 5, 6, 7}
    assert "BHD has three decimal places, which billing does not support" in errors[2]["currency"][0]
    assert "'EURO' is not a currency code" in errors[3]["currency"][0]
    assert errors[4] == {"price": ["Column price: JPY has no decimal places; write the price like 1501."]}
    assert "a currency is required" in errors[5]["currency"][0]
    assert errors[6]["interval"][0].startswith("Column interval: 'week' is not one of")
    assert errors[7] == {"price": ["Column price: 'ten' is not an amount (e.g. 52000 or 52000.50)."]}
    assert count_in(tenant_a, Plan) == 0


def test_plans_update_by_name(tenant_a):
    with tenant_context(tenant_a):
        plan = PlanFactory(name="Team", price=Decimal("99.00"))
    assert_clean(
        PlanResource(tenant=tenant_a).import_data(dataset(PLAN_HEADERS, ["Team", "109", "EUR", "", "", "no"]))
    )
    with tenant_context(tenant_a):
        plan.refresh_from_db()
    assert (plan.price, plan.interval, plan.active) == (Decimal("109.00"), "month", False)


def test_subscription_rules(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        CustomerFactory(email="b@only.example")
        PlanFactory(name="B plan")
    with tenant_context(tenant_a):
        CustomerFactory(email="a@shop.example")
        CustomerFactory(email="z@shop.example")
        PlanFactory(name="Team")
        PlanFactory(name="Retired", active=False)
    rows = [
        ["b@only.example", "Team", "active", "2026-01-01", "2026-02-01", "", ""],
        ["a@shop.example", "B plan", "active", "2026-01-01", "2026-02-01", "", ""],
        ["a@shop.example", "Team", "active", "2026-02-01", "2026-01-01", "", ""],
        ["a@shop.example", "Retired", "active", "2026-01-01", "2026-02-01", "", ""],
        ["z@shop.example", "Team", "sleeping", "01/01/2026", "2026-02-01", "", ""],
    ]
    errors = errors_by_row(
        SubscriptionResource(tenant=tenant_a).import_data(dataset(SUBSCRIPTION_HEADERS, *rows))
    )
    assert errors[1] == {
        "customer_email": [
            "Column customer_email: no customer with the e-mail 'b@only.example' in this company; "
            "import the customers first."
        ]
    }
    assert "no plan named 'B plan' in this company" in errors[2]["plan"][0]
    assert "the period must end after it starts" in errors[3]["current_period_end"][0]
    assert "Retired takes no new subscribers" in errors[4]["plan"][0]
    assert "'sleeping' is not one of" in errors[5]["status"][0]
    assert "'01/01/2026' is not a date" in errors[5]["current_period_start"][0]
    assert count_in(tenant_a, Subscription) == 0


def test_a_canceled_subscription_is_not_revived_and_the_live_one_is_updated(tenant_a):
    with tenant_context(tenant_a):
        old = SubscriptionFactory(status=SubscriptionStatus.CANCELED, customer__email="c@shop.example",
                                  plan__name="Team")  # fmt: skip
        live = SubscriptionFactory(customer=old.customer, plan=old.plan)
    row = ["c@shop.example", "Team", "past_due", "2026-03-01", "2026-04-01", "", "yes"]
    result = SubscriptionResource(tenant=tenant_a).import_data(dataset(SUBSCRIPTION_HEADERS, row))
    assert_clean(result)
    with tenant_context(tenant_a):
        live.refresh_from_db()
        old.refresh_from_db()
    assert (live.status, live.current_period_start, live.cancel_at_period_end) == (
        SubscriptionStatus.PAST_DUE,
        datetime.date(2026, 3, 1),
        True,
    )
    assert old.status == SubscriptionStatus.CANCELED
    with tenant_context(tenant_a):
        Subscription.objects.filter(pk=live.pk).update(status=SubscriptionStatus.CANCELED)
    errors = errors_by_row(
        SubscriptionResource(tenant=tenant_a).import_data(dataset(SUBSCRIPTION_HEADERS, row))
    )
    assert "cannot be revived by a file" in errors[1]["status"][0]


def test_an_xlsx_file_reads_like_the_csv(tenant_a):
    result = PlanResource(tenant=tenant_a).import_data(
        xlsx_dataset(PLAN_HEADERS, ["Team", 99.5, "EUR", "month", 7, True])
    )
    assert_clean(result)
    with tenant_context(tenant_a):
        plan = Plan.objects.get()
    assert (plan.price, plan.trial_days, plan.active) == (Decimal("99.50"), 7, True)
    with tenant_context(tenant_a):
        CustomerFactory(email="x@shop.example")
    result = SubscriptionResource(tenant=tenant_a).import_data(
        xlsx_dataset(
            SUBSCRIPTION_HEADERS,
            [
                "x@shop.example",
                "Team",
                "active",
                datetime.datetime(2026, 1, 1),
                datetime.datetime(2026, 2, 1),
                "",
                "",
            ],
        )
    )
    assert_clean(result)


def test_exports_carry_no_other_tenants_rows(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        SubscriptionFactory(customer__email="mine@shop.example")
    with tenant_context(tenant_b):
        SubscriptionFactory(customer__email="theirs@shop.example")
    exported = SubscriptionResource(tenant=tenant_a).export()
    assert exported.headers[:2] == ["customer_email", "plan"]
    assert [row[0] for row in exported] == ["mine@shop.example"]
    assert_clean(SubscriptionResource(tenant=tenant_a).import_data(exported))  # an export imports back


def test_the_admins_import_with_the_billing_resources(finance_client, tenant_a):
    for model, resource in [
        ("customer", CustomerResource),
        ("plan", PlanResource),
        ("subscription", SubscriptionResource),
    ]:
        response = finance_client.get(f"/admin/billing/{model}/import/")
        assert response.status_code == 200, model
        choices = [label for _index, label in response.context["form"].fields["resource"].choices]
        assert choices == [resource.get_display_name()], (model, choices)
    for model in ("invoice", "paymenttransaction", "refundrequest", "escrowtransaction", "billingsettings"):
        assert finance_client.get(f"/admin/billing/{model}/import/").status_code == 403, model
    # Preview first, then confirm.
    upload = (SAMPLES / "plans.csv").open("rb")
    preview = finance_client.post(
        "/admin/billing/plan/import/", {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert preview.status_code == 200 and "confirm_form" in preview.context
    assert count_in(tenant_a, Plan) == 0
    confirm = preview.context["confirm_form"]
    data = {name: field.initial for name, field in confirm.fields.items()}
    data.update(confirm.initial)
    assert finance_client.post("/admin/billing/plan/process_import/", data).status_code == 302
    assert count_in(tenant_a, Plan) == 5
