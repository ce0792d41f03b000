"""Generated financial reports (Excel files), kept so finance can download them again."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.choices import STATUS_LENGTH, ReportKind
from people.private_files import private_storage
from people.tenancy import TenantOwned


def report_path(report, filename: str) -> str:
    """billing/reports/tenant-<id>/<random>/<name>: never guessable from a date."""
    return f"billing/reports/tenant-{report.tenant_id}/{uuid.uuid4().hex}/{filename}"


class FinancialReport(TenantOwned):
    kind = models.CharField(max_length=STATUS_LENGTH, choices=ReportKind.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text=_("Last day included."))
    file = models.FileField(upload_to=report_path, storage=private_storage, max_length=300)
    generated_at = models.DateTimeField()
    row_counts = models.JSONField(default=dict, help_text=_("Rows written per sheet."))
    emailed_to = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-period_start", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "period_start"], name="billing_report_once_per_period"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start:%Y-%m-%d}"
