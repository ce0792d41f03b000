"""The Excel financial reports: figures read back from the workbooks, the monthly chart, sheet
formatting, tenant isolation, idempotent and crash-safe generation, the e-mail to finance, the
tasks, and query counts that do not grow with the data."""

import datetime
import os
import re
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from billing.models import EscrowKind, FinancialReport, PaymentStatus, ReportKind
from billing.models.choices import RefundStatus
from billing.reports import service
from billing.reports.daily import build_daily_report
from billing.reports.monthly import bucket_of, build_monthly_report
from billing.reports.tasks import generate_daily_financial_report, generate_monthly_revenue_report
from billing.services.errors import BillingError
from people.background import run_in_tenant
from people.roles import Role
from people.tenancy import tenant_context
from tests.billing.factories import CustomerFactory, InvoiceFactory, PlanFactory, SubscriptionFactory
from tests.billing.test_selectors import at, escrow, pay, refund
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
MONTH = datetime.date(2026, 3, 1)
EVIL = '=HYPERLINK("http://evil.example","x")'


def workbook(report: FinancialReport):
    with report.file.open("rb") as content:
        return load_workbook(BytesIO(content.read()))


def rows(book, title: str) -> list[tuple]:
    return list(book[title].iter_rows(values_only=True))


def generate(kind=ReportKind.DAILY, start=DAY, **kwargs) -> FinancialReport:
    return service.generate_financial_report(kind=kind, period_start=start, **kwargs)


@pytest.fixture
def books(tenant_a, tenant_b, finance):
    """Tenant A in March 2026 (two plans, EUR and USD, refunds, escrow, open invoices); tenant B
    with a customer and a payment of its own on DAY."""
    with tenant_context(tenant_b):
        pay("999.00", at(DAY), customer=CustomerFactory(name="Tenant B Customer"))
    with tenant_context(tenant_a):
        basic, pro = PlanFactory(name="Basic"), PlanFactory(name="Pro")
        usd = PlanFactory(name="US Starter", currency="USD")

        def sub_invoice(plan, currency="EUR"):
            return InvoiceFactory(subscription=SubscriptionFactory(plan=plan), currency=currency)

        pay("49.00", at(DAY, 9), invoice=sub_invoice(basic))
        pay("99.00", at(DAY, 10), PaymentStatus.PARTIALLY_REFUNDED, invoice=sub_invoice(pro))
        pay("20.00", at(DAY, 11), currency="USD", invoice=sub_invoice(usd, "USD"))
        pay("70.00", at(DAY, 12), PaymentStatus.FAILED, failure_message="Card declined",
            customer=CustomerFactory(name=EVIL))  # fmt: skip
        refund(pay("300.00", at(DAY - datetime.timedelta(days=5))), "30.00", at(DAY, 13))
        pay("49.00", at(datetime.date(2026, 3, 20)), invoice=sub_invoice(basic))
        pay("15.00", at(datetime.date(2026, 3, 20)))  # no plan
        pay("500.00", at(datetime.date(2026, 4, 1)), invoice=sub_invoice(basic))  # April
        hold = escrow(EscrowKind.HOLD, "1200.00", at(DAY, 14))
        escrow(EscrowKind.RELEASE, "1200.00", at(DAY, 15), contract=hold.contract)
        for due, amount in ((datetime.date(2026, 4, 10), "100.00"), (datetime.date(2026, 3, 1), "60.00"),
                            (datetime.date(2025, 12, 1), "40.00")):  # fmt: skip
            InvoiceFactory(issue_date=datetime.date(2025, 11, 1), due_date=due, subtotal=Decimal(amount))
    return tenant_a


def test_daily_report_figures(books, django_capture_on_commit_callbacks):
    with tenant_context(books), django_capture_on_commit_callbacks(execute=True):
        report = generate()
    book = workbook(report)
    assert book.sheetnames == ["Summary", "Payments by status", "Refunds", "Escrow", "Failed payments"]
    summary = rows(book, "Summary")
    assert summary[0] == ("Currency", "Collected", "Refunded", "Net revenue", "Payments", "Refunds")
    assert summary[1] == ("EUR", 148, 30, 118, 2, 1)
    assert summary[2] == ("USD", 20, 0, 20, 1, 0)  # currencies kept apart
    by_status = summary[summary.index(("Payments by status",) + (None,) * 5) + 2 :][:4]
    assert [row[:4] for row in by_status] == [
        ("Failed", "EUR", 1, 70),
        ("Partially refunded", "EUR", 1, 99),
        ("Succeeded", "EUR", 1, 49),
        ("Succeeded", "USD", 1, 20),
    ]
    escrow_header = summary.index(("Escrow",) + (None,) * 5)
    assert summary[escrow_header + 2][:5] == ("EUR", 1200, 1200, 0, 0)
    payments = rows(book, "Payments by status")
    assert payments[0][:6] == ("Status", "For", "Gateway", "Currency", "Payments", "Amount")
    assert [row[:6] for row in payments[1:]] == [
        ("Failed", "Invoices", "Manual (offline payments)", "EUR", 1, 70),
        ("Partially refunded", "Invoices", "Manual (offline payments)", "EUR", 1, 99),
        ("Succeeded", "Invoices", "Manual (offline payments)", "EUR", 1, 49),
        ("Succeeded", "Invoices", "Manual (offline payments)", "USD", 1, 20),
    ]
    assert payments[1][8:] == (datetime.datetime(2026, 3, 10, 12, 0),) * 2  # tenant's wall-clock time
    assert [row[:5] for row in rows(book, "Refunds")[1:]] == [
        ("EUR", "Invoices", "Manual (offline payments)", 1, 30)
    ]
    assert rows(book, "Escrow")[1:] == [
        ("Hold (contract funded)", "EUR", 1, 1, 1200),
        ("Release to provider", "EUR", 1, 1, 1200),
    ]
    failed = rows(book, "Failed payments")
    assert len(failed) == 2 and failed[1][1] == 70 and failed[1][9] == "Card declined"
    assert report.row_counts == {
        "Summary": 2 + 4 + 1 + 1, "Payments by status": 4, "Refunds": 1, "Escrow": 2, "Failed payments": 1,
    }  # fmt: skip
    assert (report.period_start, report.period_end) == (DAY, DAY)
    assert report.generated_at is not None


def test_daily_report_formatting_and_formula_escaping(books):
    with tenant_context(books):
        book = workbook(generate())
    for sheet in book:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet["A1"].font.b
        assert sheet.column_dimensions["A"].width > 8
    assert book["Summary"]["B2"].number_format == "#,##0.00"
    assert book["Summary"]["E2"].number_format == "#,##0"
    assert book["Payments by status"]["F2"].number_format == "#,##0.00"
    assert book["Payments by status"]["I2"].number_format == "yyyy-mm-dd hh:mm"
    customer = book["Failed payments"]["D2"]
    assert (customer.value, customer.data_type, customer.quotePrefix) == (EVIL, "s", True)


def test_other_tenants_payments_never_appear(books):
    with tenant_context(books):
        book = workbook(generate())
        monthly = workbook(generate(ReportKind.MONTHLY, MONTH))
    values = {
        value
        for b in (book, monthly)
        for sheet in b
        for row in sheet.iter_rows(values_only=True)
        for value in row
    }
    assert "Tenant B Customer" not in values
    assert 999 not in values


def test_monthly_report_revenue_by_day_by_plan_and_aging(books):
    with tenant_context(books):
        report = generate(ReportKind.MONTHLY, datetime.date(2026, 3, 17))  # any day of the month
    assert (report.period_start, report.period_end) == (MONTH, datetime.date(2026, 3, 31))
    book = workbook(report)
    assert book.sheetnames == ["Summary", "Revenue by day", "Receivables aging", "Most overdue invoices"]
    summary = rows(book, "Summary")
    assert summary[1][:5] == ("EUR", 512, 30, 482, 5)  # 49 + 99 + 300 + 49 + 15, minus the refund
    assert summary[2][:5] == ("USD", 20, 0, 20, 1)
    by_day = rows(book, "Revenue by day")
    assert by_day[0] == (
        "Day",
        "Basic (EUR)",
        "Pro (EUR)",
        "Other (EUR)",
        "Total EUR",
        "US Starter (USD)",
        "Total USD",
    )
    assert len(by_day) == 1 + 31
    assert by_day[5] == (datetime.datetime(2026, 3, 5), 0, 0, 300, 300, 0, 0)
    assert by_day[10] == (datetime.datetime(2026, 3, 10), 49, 99, 0, 148, 20, 20)
    assert by_day[20] == (datetime.datetime(2026, 3, 20), 49, 0, 15, 64, 0, 0)
    assert by_day[1][1:] == (0, 0, 0, 0, 0, 0)
    sheet = book["Revenue by day"]
    assert sheet["A2"].number_format == "yyyy-mm-dd" and sheet["B2"].number_format == "#,##0.00"
    aging = rows(book, "Receivables aging")
    assert aging[0] == (
        "Currency",
        "Current",
        "1–30 days",
        "31–60 days",
        "61–90 days",
        "Over 90 days",
        "Total",
    )
    # Open on 31 March: due 10 April (current), 1 March (30 days), 1 December (120 days); the
    # other open invoices were issued after the month.
    assert aging[1] == ("EUR", 100, 60, 0, 0, 40, 200)
    assert aging[5] == ("EUR", 1, 1, 0, 0, 1, 3)  # invoice counts
    overdue = rows(book, "Most overdue invoices")
    assert [row[4:8] for row in overdue[1:]] == [(120, "Over 90 days", 40, 40), (30, "1–30 days", 60, 60)]
    assert report.row_counts["Revenue by day"] == 31


def test_most_overdue_invoices_are_bounded(books, monkeypatch):
    monkeypatch.setattr("billing.reports.monthly.MOST_OVERDUE", 1)
    with tenant_context(books):
        report = generate(ReportKind.MONTHLY, MONTH)
    assert [row[4] for row in rows(workbook(report), "Most overdue invoices")[1:]] == [120]
    assert report.row_counts["Most overdue invoices"] == 1


def test_monthly_report_has_a_native_chart_per_currency(books):
    with tenant_context(books):
        report = generate(ReportKind.MONTHLY, MONTH)
    with report.file.open("rb") as content, zipfile.ZipFile(BytesIO(content.read())) as package:
        charts = sorted(name for name in package.namelist() if re.match(r"xl/charts/chart\d+\.xml$", name))
        xml = [package.read(name).decode() for name in charts]
        drawings = [name for name in package.namelist() if name.startswith("xl/drawings/drawing")]
    assert len(charts) == 2 and drawings
    assert "<barChart>" in xml[0] and '<grouping val="stacked"' in xml[0]
    assert "Revenue per day by plan (EUR)" in xml[0] and "Revenue per day by plan (USD)" in xml[1]
    # EUR: Basic, Pro and Other as series (not the total in column E), the days as categories.
    for column in "BCD":
        assert f"'Revenue by day'!${column}$2:${column}$32" in xml[0]
    assert "'Revenue by day'!$E$" not in xml[0]
    assert "'Revenue by day'!$A$2:$A$32" in xml[0]
    assert "'Revenue by day'!$F$2:$F$32" in xml[1] and "$G$" not in xml[1]  # the USD plan


def test_a_month_without_revenue_still_has_its_chart(in_a):
    report = generate(ReportKind.MONTHLY, MONTH)
    with report.file.open("rb") as content, zipfile.ZipFile(BytesIO(content.read())) as package:
        assert any(name.startswith("xl/charts/chart") for name in package.namelist())
    assert rows(workbook(report), "Revenue by day")[0] == ("Day", "Total EUR")


def test_second_run_returns_the_stored_report_and_sends_one_email(books, django_capture_on_commit_callbacks):
    make_member(books, Role.FINANCE, email="cfo@tenant-a.test")
    make_member(books, Role.FINANCE, email="gone@tenant-a.test", is_active=False)
    make_member(books, Role.VIEWER, email="viewer@tenant-a.test")
    with tenant_context(books), django_capture_on_commit_callbacks(execute=True):
        first = generate()
        second = generate()
        assert FinancialReport.objects.count() == 1
    assert second.pk == first.pk and second.file.name == first.file.name
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["cfo@tenant-a.test", "finance@tenant-a.test"]
    assert message.subject == "[Tenant A] Daily financial report 2026-03-10"
    ((name, content, mimetype),) = message.attachments
    assert name == "daily-2026-03-10.xlsx" and load_workbook(BytesIO(content)).sheetnames[0] == "Summary"
    assert sorted(second.emailed_to) == sorted(message.to)


def test_regenerate_replaces_the_file_and_does_not_email_again(books, django_capture_on_commit_callbacks):
    with tenant_context(books), django_capture_on_commit_callbacks(execute=True):
        first = generate()
        old_name, storage = first.file.name, first.file.storage
        pay("1.00", at(DAY, 20))
        again = generate(regenerate=True)
        assert FinancialReport.objects.count() == 1
    assert again.pk == first.pk and again.file.name != old_name
    assert not storage.exists(old_name) and storage.exists(again.file.name)
    assert rows(workbook(again), "Summary")[1][1] == 149
    assert len(mail.outbox) == 1


def test_a_crash_while_storing_leaves_nothing_and_a_rerun_makes_one_report(books, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    with tenant_context(books):
        monkeypatch.setattr(FinancialReport, "save", crash)
        with pytest.raises(RuntimeError):
            generate()
        monkeypatch.undo()
        assert not FinancialReport.objects.exists()
        report = generate()
        assert FinancialReport.objects.count() == 1
    folder = os.path.dirname(report.file.path)
    assert os.listdir(folder) == [report.file.name.rsplit("/", 1)[1]]  # the crashed run's file is gone


def test_a_refused_email_is_sent_by_the_retry(books, django_capture_on_commit_callbacks, monkeypatch):
    from django.core.mail import EmailMessage

    original = EmailMessage.send
    monkeypatch.setattr(EmailMessage, "send", lambda self, **kw: (_ for _ in ()).throw(OSError("SMTP down")))
    with tenant_context(books):
        with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
            generate()
        assert FinancialReport.objects.get().emailed_to == []
        monkeypatch.setattr(EmailMessage, "send", original)
        with django_capture_on_commit_callbacks(execute=True):
            generate()
            generate()
    assert len(mail.outbox) == 1


def test_a_large_report_is_sent_as_a_link(books, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(service, "ATTACHMENT_LIMIT", 100)
    with tenant_context(books), django_capture_on_commit_callbacks(execute=True):
        report = generate()
    message = mail.outbox[0]
    assert message.attachments == []
    assert "too large to attach" in message.body and service.download_link(report) in message.body


def test_periods_not_ended_and_unknown_kinds_are_refused(in_a):
    from billing.selectors import tenant_today

    with pytest.raises(BillingError, match="has not ended"):
        generate(start=tenant_today())
    with pytest.raises(BillingError, match="has not ended"):
        generate(ReportKind.MONTHLY, tenant_today())
    with pytest.raises(BillingError, match="Unknown report"):
        generate("weekly")


def test_tasks_default_to_yesterday_and_last_month_in_the_tenants_time_zone(tenant_a, finance):
    from billing.selectors import tenant_today

    daily_id = run_in_tenant(tenant_a.pk, "billing.reports.tasks.generate_daily_financial_report")
    monthly_id = run_in_tenant(tenant_a.pk, "billing.reports.tasks.generate_monthly_revenue_report")
    with tenant_context(tenant_a):
        today = tenant_today()
        daily, monthly = FinancialReport.objects.get(pk=daily_id), FinancialReport.objects.get(pk=monthly_id)
        assert daily.period_start == today - datetime.timedelta(days=1)
        assert monthly.period_start == (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        assert generate_daily_financial_report("2026-03-10") == generate_daily_financial_report("2026-03-10")
        assert FinancialReport.objects.get(
            pk=generate_monthly_revenue_report("2026-02")
        ).period_start == datetime.date(2026, 2, 1)
        assert FinancialReport.objects.count() == 4


def test_bucket_labels():
    assert [bucket_of(d) for d in (None, -3, 0, 1, 30, 31, 60, 61, 90, 91, 1000)] == [
        "Current", "Current", "Current", "1–30 days", "1–30 days", "31–60 days", "31–60 days",
        "61–90 days", "61–90 days", "Over 90 days", "Over 90 days",
    ]  # fmt: skip


# --- query counts do not grow with the data ---------------------------------------------------
def _more_of_everything(n: int):
    plans = [PlanFactory(name=f"Bulk plan {i}") for i in range(3)]
    for i in range(n):
        invoice = InvoiceFactory(
            subscription=SubscriptionFactory(plan=plans[i % 3]), due_date=datetime.date(2026, 2, 1)
        )
        payment = pay(f"{10 + i}.00", at(DAY, i % 24), invoice=invoice)
        pay("5.00", at(DAY, i % 24), PaymentStatus.FAILED)
        refund(payment, "1.00", at(DAY, 23), status=RefundStatus.SUCCEEDED)
        escrow(EscrowKind.HOLD, "100.00", at(DAY, 8))


@pytest.mark.parametrize(
    ("build", "period"),
    [
        (build_daily_report, {"day_of": DAY}),
        (build_monthly_report, {"month_start": MONTH, "month_end": datetime.date(2026, 3, 31)}),
    ],
)
def test_report_builders_run_a_constant_number_of_queries(
    books, tmp_path, build, period, django_assert_max_num_queries
):
    with tenant_context(books):
        with CaptureQueriesContext(connection) as small:
            build(tmp_path / "small.xlsx", **period)
        _more_of_everything(15)
        with django_assert_max_num_queries(len(small.captured_queries)):
            counts = build(tmp_path / "large.xlsx", **period)
    assert sum(counts.values()) > 15


def test_the_daily_task_catches_up_the_days_missed_since_the_last_report(in_a, finance):
    from billing.reports.tasks import CATCH_UP_DAYS
    from billing.selectors import tenant_today

    yesterday = tenant_today() - datetime.timedelta(days=1)
    daily = FinancialReport.objects.filter(kind=ReportKind.DAILY)
    generate_daily_financial_report()  # a tenant's first run: yesterday only
    assert list(daily.values_list("period_start", flat=True)) == [yesterday]
    daily.delete()
    generate_daily_financial_report((yesterday - datetime.timedelta(days=4)).isoformat())
    generate_daily_financial_report()
    days = sorted(daily.values_list("period_start", flat=True))
    assert days == [yesterday - datetime.timedelta(days=n) for n in (4, 3, 2, 1, 0)]
    generate_daily_financial_report()
    assert daily.count() == 5  # a second run makes nothing more
    daily.delete()
    generate_daily_financial_report((yesterday - datetime.timedelta(days=40)).isoformat())
    generate_daily_financial_report()
    assert daily.count() == 1 + CATCH_UP_DAYS + 1  # the old one, at most a week missed, yesterday


def test_a_missed_day_that_cannot_be_built_holds_up_no_other_report(in_a, finance, monkeypatch):
    from billing.selectors import tenant_today

    yesterday = tenant_today() - datetime.timedelta(days=1)
    broken = yesterday - datetime.timedelta(days=2)
    generate_daily_financial_report((yesterday - datetime.timedelta(days=4)).isoformat())
    real = service.generate_financial_report

    def failing_on_one_day(*, kind, period_start, **kwargs):
        if period_start == broken:
            raise RuntimeError("a day that cannot be built")
        return real(kind=kind, period_start=period_start, **kwargs)

    monkeypatch.setattr(service, "generate_financial_report", failing_on_one_day)
    generate_daily_financial_report()
    made = set(FinancialReport.objects.filter(kind=ReportKind.DAILY).values_list("period_start", flat=True))
    assert made == {yesterday - datetime.timedelta(days=n) for n in (4, 3, 1, 0)}
    monkeypatch.setattr(service, "generate_financial_report", real)
    generate_daily_financial_report()  # the next run makes the day it missed
    assert FinancialReport.objects.filter(kind=ReportKind.DAILY, period_start=broken).exists()
