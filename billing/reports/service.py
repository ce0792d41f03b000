"""Generate a financial report once per tenant, kind and period, keep it, and e-mail it once.

`generate_financial_report` is idempotent and safe under a crash:
1. the workbook is built into a temporary file (write-only openpyxl: rows go to disk as they are
   written, never the whole file in memory);
2. one transaction copies it into storage and inserts (or, with `regenerate`, updates) the
   FinancialReport row, unique per (tenant, kind, period_start). A concurrent run that inserted
   first wins and ours is dropped; a crash before the commit leaves no row, so a rerun builds it
   again (at worst an orphan file in storage, never a second report);
3. the e-mail to the finance users: `emailed_to` is written under a row lock and the message is
   sent after that commit, so a second run finds the recipients recorded and sends nothing. If the
   mail server refuses it, `emailed_to` is cleared again and the error raised, so a retry sends it.
   A process dying between the commit and the hand-over loses that e-mail rather than sending it
   twice (as the recruiters' digest does).
"""

from __future__ import annotations

import calendar
import logging
import tempfile
from datetime import date
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from billing import selectors
from billing.models import FinancialReport, ReportKind
from billing.reports.daily import build_daily_report
from billing.reports.monthly import build_monthly_report
from billing.services.errors import BillingError
from people.models import Membership
from people.reports import XLSX_CONTENT_TYPE
from people.roles import Role
from people.tenancy import current_tenant

logger = logging.getLogger("billing.reports")

ATTACHMENT_LIMIT = 5 * 1024 * 1024  # larger reports are sent as a link


def report_period(kind: str, period_start: date) -> tuple[date, date]:
    """(first, last day): the day itself, or the calendar month that contains `period_start`."""
    if kind == ReportKind.DAILY:
        return period_start, period_start
    first = period_start.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def generate_financial_report(*, kind: str, period_start: date, regenerate: bool = False) -> FinancialReport:
    """The active tenant's report of `kind` for the period starting `period_start` (a monthly
    report covers that date's calendar month): the stored one, or built now. `regenerate` builds
    it again and replaces the file (the e-mail is not sent again). E-mails it to the finance
    users once."""
    if kind not in ReportKind.values:
        raise BillingError(f"Unknown report {kind!r}; choose one of: {', '.join(ReportKind.values)}.")
    start, end = report_period(kind, period_start)
    if end >= selectors.tenant_today():
        raise BillingError(
            f"The period {start:%Y-%m-%d}–{end:%Y-%m-%d} has not ended yet; a report of it would miss "
            "its last payments. Generate it the day after."
        )
    report = FinancialReport.objects.filter(kind=kind, period_start=start).first()
    if report is None or regenerate:
        report = _build_and_store(kind, start, end, replace=regenerate)
    _email_finance(report)
    return report


def report_filename(kind: str, start: date) -> str:
    return f"{kind}-{start:%Y-%m-%d}.xlsx" if kind == ReportKind.DAILY else f"{kind}-{start:%Y-%m}.xlsx"


def _build_and_store(kind: str, start: date, end: date, *, replace: bool) -> FinancialReport:
    name = report_filename(kind, start)
    with tempfile.TemporaryDirectory(prefix="financial-report-") as folder:
        path = Path(folder) / name
        if kind == ReportKind.DAILY:
            row_counts = build_daily_report(path, day_of=start)
        else:
            row_counts = build_monthly_report(path, month_start=start, month_end=end)
        stored = None
        try:
            with transaction.atomic():
                report = (
                    FinancialReport.objects.select_for_update().filter(kind=kind, period_start=start).first()
                )
                if report is not None and not replace:
                    return report  # a concurrent run stored it while we were building
                report = report or FinancialReport(tenant=current_tenant(), kind=kind, period_start=start)
                old_name = report.file.name
                with path.open("rb") as content:
                    report.file.save(name, File(content), save=False)
                stored = report.file.name
                report.period_end, report.row_counts, report.generated_at = end, row_counts, timezone.now()
                report.save()
                if old_name and old_name != stored:
                    transaction.on_commit(partial(report.file.storage.delete, old_name))
        except IntegrityError:
            # Another run inserted this report between our check and our insert: keep theirs.
            if stored:
                FinancialReport.file.field.storage.delete(stored)
            return FinancialReport.objects.get(kind=kind, period_start=start)
        except BaseException:
            if stored:
                FinancialReport.file.field.storage.delete(stored)
            raise
    logger.info(
        "financial report generated",
        extra={
            "tenant_id": report.tenant_id,
            "kind": kind,
            "period_start": start.isoformat(),
            "rows": row_counts,
        },
    )
    return report


# --- e-mail ---------------------------------------------------------------------------------------
def finance_recipients() -> list[str]:
    """E-mail addresses of the active tenant's members with the finance role and an active account."""
    return list(
        Membership.objects.filter(role=Role.FINANCE, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )


def download_link(report: FinancialReport) -> str:
    """Where finance downloads the report in the console (absolute when the console's public
    origin is known from CSRF_TRUSTED_ORIGINS)."""
    for name in ("admin:billing_financialreport_download", "admin:billing_financialreport_change"):
        try:
            path = reverse(name, args=[report.pk])
            break
        except NoReverseMatch:
            continue
    else:
        path = report.file.url
    origins = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []))
    return (origins[0].rstrip("/") if origins else "") + path


def _message(report: FinancialReport, recipients: list[str]) -> EmailMessage:
    tenant = current_tenant()
    period = (
        f"{report.period_start:%Y-%m-%d}"
        if report.kind == ReportKind.DAILY
        else f"{report.period_start:%B %Y}"
    )
    title = f"{report.get_kind_display()} {period}"
    rows = ", ".join(f"{sheet}: {count}" for sheet, count in report.row_counts.items())
    size = report.file.size
    lines = ["Hello,", "", f"the {title.lower()} of {tenant.name} is ready."]
    if size > ATTACHMENT_LIMIT:
        lines.append(
            f"It is {size / 1024 / 1024:.1f} MB, too large to attach: download it at {download_link(report)}"
        )
    else:
        lines.append("It is attached.")
    lines += ["", f"Rows per sheet: {rows}."]
    message = EmailMessage(subject=f"[{tenant.name}] {title}", body="\n".join(lines) + "\n", to=recipients)
    if size <= ATTACHMENT_LIMIT:
        with report.file.open("rb") as content:
            message.attach(
                report_filename(report.kind, report.period_start), content.read(), XLSX_CONTENT_TYPE
            )
    return message


def _send_after_commit(report_id: int, message: EmailMessage) -> None:
    try:
        message.send(fail_silently=False)
    except Exception:
        # Not sent: forget the recipients so that the task's retry sends it.
        FinancialReport._base_manager.filter(pk=report_id).update(emailed_to=[])
        raise


def _email_finance(report: FinancialReport) -> None:
    if report.emailed_to:
        return
    recipients = finance_recipients()
    if not recipients:
        logger.warning("financial report not e-mailed: no finance users", extra={"report_id": report.pk})
        return
    message = _message(report, recipients)
    with transaction.atomic():
        locked = FinancialReport.objects.select_for_update().get(pk=report.pk)
        if not locked.emailed_to:  # else a concurrent run sent it
            locked.emailed_to = recipients
            locked.save(update_fields=["emailed_to", "updated_at"])
            transaction.on_commit(partial(_send_after_commit, report.pk, message))
    report.emailed_to = locked.emailed_to
