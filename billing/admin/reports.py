"""Financial reports (Excel): kept by billing.reports.service, downloaded here through a view that
looks the report up in the active tenant (never a public media URL), and generated on demand with
"Generate now…" (a day or a month that has ended; the stored one unless "regenerate")."""

import logging
import os

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display

from billing.admin.common import RecordAdmin
from billing.models import FinancialReport, ReportKind
from billing.reports.service import generate_financial_report
from billing.services.common import tenant_today
from people.admin_fields import choice, day, switch
from people.admin_workflow import Step, StepForm, add_service_error
from people.reports import XLSX_CONTENT_TYPE
from people.resources import TenantResource

audit_log = logging.getLogger("audit")


class FinancialReportResource(TenantResource):
    """The list of reports (never the file or where it is stored)."""

    class Meta(TenantResource.Meta):
        model = FinancialReport
        fields = ("id", "kind", "period_start", "period_end", "generated_at", "row_counts", "emailed_to")


class GenerateForm(StepForm):
    kind = choice("Report", ReportKind.choices, initial=ReportKind.DAILY)
    period_start = day("Day", help_text="A daily report covers this day; a monthly one its calendar month.")
    regenerate = switch("Build it again", help_text="Replace a report already stored for this period.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_start"].initial = tenant_today().replace(day=1)


def _generate(obj, user, data):
    return generate_financial_report(
        kind=data["kind"], period_start=data["period_start"], regenerate=data["regenerate"]
    )


GENERATE = Step(
    "generate_report",
    "Generate",
    "Build a financial report for a day or a month that has ended (it is e-mailed to the finance users once).",
    _generate,
    GenerateForm,
)


@admin.register(FinancialReport)
class FinancialReportAdmin(RecordAdmin):
    resource_classes = [FinancialReportResource]
    list_display = ["__str__", "kind", "period_start", "period_end", "generated_at", "rows", "download_link"]
    list_filter = [("kind", ChoicesDropdownFilter)]
    list_filter_submit = True
    date_hierarchy = "period_start"
    ordering = ["-period_start", "kind"]
    fields = readonly_fields = [
        "kind",
        "period_start",
        "period_end",
        "generated_at",
        "row_counts",
        "emailed_to",
        "download_link",
    ]
    actions_list = ["generate_report"]
    actions_row = ["download"]
    actions_detail = ["download"]

    def allowed_step_names(self, request, obj):
        return {"download"}

    def has_generate_permission(self, request, obj=None):
        return request.user.has_perm("billing.add_financialreport")

    @display(description="Rows")
    def rows(self, obj):
        return sum(obj.row_counts.values()) if isinstance(obj.row_counts, dict) else "–"

    @display(description="File")
    def download_link(self, obj):
        url = reverse("admin:billing_financialreport_download", args=[obj.pk])
        return format_html(
            '<a href="{}" class="text-primary-600">{}</a>', url, os.path.basename(obj.file.name)
        )

    @action(description="Download", url_path="download", icon="download", permissions=["view"])
    def download(self, request, object_id):
        report = self._get_object_or_404(request, object_id)  # this tenant's reports only
        try:
            stored = report.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404("The report's file is missing; generate it again.") from None
        audit_log.info(
            "report download",
            extra={"user_id": request.user.pk, "tenant_id": request.tenant.pk, "report": str(report)},
        )
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=os.path.basename(report.file.name),
            content_type=XLSX_CONTENT_TYPE,
        )
        add_never_cache_headers(response)
        return response

    @action(description="Generate now…", url_path="generate", icon="note_add", permissions=["generate"])
    def generate_report(self, request):
        if not self.has_generate_permission(request):
            raise PermissionDenied
        back_url = self._back_url(request, reverse("admin:billing_financialreport_changelist"))
        form = GenerateForm(request.POST if request.method == "POST" else None, request=request)
        if request.method == "POST" and form.is_valid():
            try:
                report = _generate(None, request.user, form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                self.message_user(request, f"{report}: ready to download.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:billing_financialreport_change", args=[report.pk]))
        return self._step_page(request, GENERATE, form, [], back_url)
