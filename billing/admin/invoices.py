"""The invoices admin: "Add" drafts an invoice through billing.services.invoices; a draft's lines
are edited inline (billing/admin/invoice_lines.py), its due date and notes on its page; once
issued an invoice changes only through its steps: issue (numbered from the tenant's gap-free
sequence), mark paid (a manual payment with its bank reference), write off (uncollectible) and
void (with a reason). Payments are listed on the page, read-only; "Print" opens the printable
invoice (HTML styled for paper, no PDF)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from billing.admin.common import ServiceForm, ServiceFormAdminMixin, WorkflowAdmin, money
from billing.admin.invoice_lines import InvoiceLineInline, apply_line_changes
from billing.admin.invoice_steps import (
    ISSUE,
    MARK_PAID,
    STEPS_BY_STATUS,
    VOID,
    WRITE_OFF,
    OverdueFilter,
    printable_invoice,
)
from billing.models import Invoice, InvoiceLine, InvoiceStatus, PaymentTransaction
from billing.services import invoices
from people.admin_workflow import ReadOnlyInline

I = InvoiceStatus  # noqa: E741
STATUS_COLOURS = {
    I.DRAFT: "info",
    I.OPEN: "primary",
    I.PAID: "success",
    I.VOID: "danger",
    I.UNCOLLECTIBLE: "warning",
}
PRINT = "print_invoice"


class DraftInvoiceForm(ServiceForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "currency" in self.fields and self.instance.pk is None:
            from people.tenancy import current_tenant

            self.fields["currency"].initial = current_tenant().default_currency
            self.fields["currency"].help_text = "Every line of the invoice is in this currency."
        if "due_date" in self.fields:
            self.fields[
                "due_date"
            ].help_text = "Empty: the payment terms of the billing settings, from the issue date."

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def create(self, by):
        data = self.cleaned_data
        return invoices.create_invoice(
            customer_id=data["customer"].pk,
            currency=data["currency"],
            due_date=data.get("due_date"),
            notes=data.get("notes", ""),
            by=by,
        )


class PaymentInline(ReadOnlyInline):
    model = PaymentTransaction
    fk_name = "invoice"
    fields = readonly_fields = [
        "created_at",
        "amount_text",
        "status",
        "gateway",
        "gateway_reference",
        "succeeded_at",
    ]
    verbose_name_plural = "Payments"
    ordering = ["created_at", "pk"]

    @display(description="Amount")
    def amount_text(self, obj):
        return money(obj.amount, obj.currency)


@admin.register(Invoice)
class InvoiceAdmin(ServiceFormAdminMixin, WorkflowAdmin):
    form = DraftInvoiceForm
    list_display = ["invoice", "customer", "status_label", "issue_date", "due_date", "total_text", "due_text"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("customer", AutocompleteSelectFilter),
        OverdueFilter,
        "currency",
    ]
    list_filter_submit = True
    search_fields = ["number", "customer__name", "customer__email"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "issue_date"
    ordering = ["-issue_date", "-pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    fields = ["customer", "currency", "due_date", "notes"]
    record_fields = [
        "number",
        "status",
        "customer",
        "subscription",
        "currency",
        ("issue_date", "due_date"),
        ("period_start", "period_end"),
        ("subtotal_text", "tax_text", "total_text"),
        ("paid_text", "due_text"),
        ("paid_at", "voided_at"),
        "void_reason",
        "notes",
    ]
    computed = ["subtotal_text", "tax_text", "total_text", "paid_text", "due_text"]
    inlines = [InvoiceLineInline, PaymentInline]
    workflow_steps = (ISSUE, MARK_PAID, WRITE_OFF, VOID)
    actions = ["issue_selected", "write_off_selected", "void_selected"]
    actions_row = [PRINT, *[step.name for step in workflow_steps]]
    actions_detail = actions_row

    # --- the page -----------------------------------------------------------------------------
    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.record_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = {"due_date", "notes"} if obj.status == I.DRAFT else set()
        flat = [
            name for entry in self.record_fields for name in (entry if isinstance(entry, tuple) else (entry,))
        ]
        return [name for name in flat if name not in editable]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # lines are added on the draft's page

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != I.DRAFT:
            return False  # issued: only the steps change it
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != I.DRAFT:
            return False  # a number is never given back: void it instead
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a numbered invoice is never deleted: drafts from their page
        return actions

    def has_import_permission(self, request):
        return False  # invoices are made and numbered by the services, never by a file

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, f"{obj} drafted: add its lines, then issue it.")
        return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[obj.pk]))

    def save_formset(self, request, form, formset, change):
        if formset.model is not InvoiceLine:
            return super().save_formset(request, form, formset, change)
        # What Django's change message reads: set here, as formset.save() is not called.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not formset.has_changed():
            return None
        try:
            added, removed = apply_line_changes(invoice_id=form.instance.pk, formset=formset, by=request.user)
        except ValidationError as exc:  # changed since the page was checked: nothing is kept
            transaction.set_rollback(True)
            request._billing_refusal = " ".join(exc.messages)
        else:
            formset.new_objects, formset.deleted_objects = added, removed
        return None

    def response_change(self, request, obj):
        refusal = getattr(request, "_billing_refusal", None)
        if refusal:
            messages.error(request, f"Nothing was saved: {refusal}")
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)

    def allowed_step_names(self, request, obj):
        return STEPS_BY_STATUS.get(obj.status, set()) | {PRINT}

    # --- columns ------------------------------------------------------------------------------
    @display(description="Invoice", ordering="number")
    def invoice(self, obj):
        return str(obj)

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="Subtotal")
    def subtotal_text(self, obj):
        return money(obj.subtotal, obj.currency)

    @display(description="Tax")
    def tax_text(self, obj):
        return f"{money(obj.tax, obj.currency)} ({obj.tax_rate.normalize():f} %)"

    @display(description="Total", ordering="total")
    def total_text(self, obj):
        return money(obj.total, obj.currency)

    @display(description="Paid")
    def paid_text(self, obj):
        return money(obj.amount_paid, obj.currency)

    @display(description="Amount due", ordering="amount_due")
    def due_text(self, obj):
        return money(obj.amount_due, obj.currency)

    # --- steps and print ------------------------------------------------------------------------
    @action(description="Print", url_path="print", icon="print", permissions=["view"])
    def print_invoice(self, request, object_id):
        invoice = self._get_object_or_404(request, object_id)
        return TemplateResponse(
            request, "billing/invoice_print.html", printable_invoice(invoice, request.tenant)
        )

    @action(description="Issue", url_path="issue", icon="send", permissions=["workflow"])
    def issue_invoice(self, request, object_id):
        return self._step_view(request, object_id, ISSUE)

    @action(description="Mark paid…", url_path="mark-paid", icon="paid", permissions=["workflow"])
    def mark_invoice_paid(self, request, object_id):
        return self._step_view(request, object_id, MARK_PAID)

    @action(description="Write off", url_path="write-off", icon="money_off", permissions=["workflow"])
    def write_off_invoice(self, request, object_id):
        return self._step_view(request, object_id, WRITE_OFF)

    @action(description="Void…", url_path="void", icon="block", permissions=["workflow"])
    def void_invoice(self, request, object_id):
        return self._step_view(request, object_id, VOID)

    @admin.action(description="Issue selected invoices", permissions=["workflow"])
    def issue_selected(self, request, queryset):
        return self._bulk_step(request, queryset, ISSUE, "issue_selected")

    @admin.action(description="Write off selected invoices", permissions=["workflow"])
    def write_off_selected(self, request, queryset):
        return self._bulk_step(request, queryset, WRITE_OFF, "write_off_selected")

    @admin.action(description="Void selected invoices…", permissions=["workflow"])
    def void_selected(self, request, queryset):
        return self._bulk_step(request, queryset, VOID, "void_selected")
