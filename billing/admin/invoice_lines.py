"""The lines of a draft invoice, edited inline on its page and written through the invoice
services: a new line is billing.services.invoices.add_invoice_line (which prices it in the
invoice's currency, refuses a plan in another currency and a negative total, and recomputes the
totals); a changed line is removed and added again at its place; a removed line is deleted and the
totals recomputed. An issued invoice's lines never change here.

The formset first applies the changes inside a savepoint that is always rolled back, so a refusal
lands on the line it concerns and the page shows it with nothing written; saving applies them for
real in the page's transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from unfold.admin import TabularInline

from billing.admin.common import money
from billing.models import InvoiceLine, InvoiceStatus
from billing.services import invoices
from billing.services.errors import BillingError


class _DryRun(Exception):
    pass


def apply_line_changes(*, invoice_id: int, formset, by) -> tuple[list, list]:
    """Write the formset's new, changed and removed lines and return (lines added, lines removed);
    a refusal is raised with `.form` set to the form it concerns (None: it concerns the invoice)."""
    invoice = invoices.locked_invoice(invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise BillingError(
            f"Invoice {invoice} is {invoice.get_status_display().lower()}; its lines no longer change."
        )
    to_add, added, removed_lines = [], [], []
    for form in formset.forms:
        line = form.instance if form.instance.pk else None
        removed = bool(form.cleaned_data.get("DELETE"))
        if line is not None and (removed or form.has_changed()):
            stored = InvoiceLine.objects.get(pk=line.pk)  # the form's instance stays as it is
            stored._history_user = by
            stored.delete()
            removed_lines.append(line)
        if not removed and form.has_changed():
            to_add.append((form, line.position if line is not None else None))
    # Lines that add up first: a discount line never takes the total below zero on the way.
    to_add.sort(
        key=lambda item: item[0].cleaned_data["quantity"] * item[0].cleaned_data["unit_price"], reverse=True
    )
    for form, position in to_add:
        data = form.cleaned_data
        try:
            line = invoices.add_invoice_line(
                invoice_id=invoice.pk,
                description=data["description"],
                unit_price=data["unit_price"],
                quantity=data["quantity"],
                plan_id=data["plan"].pk if data.get("plan") else None,
                by=by,
            )
        except ValidationError as exc:
            exc.form = form
            raise
        if position is not None:  # a changed line keeps its place
            InvoiceLine.objects.filter(pk=line.pk).update(position=position)
        added.append(line)
    invoice = invoices.locked_invoice(invoice.pk)
    invoices.recompute_totals(invoice)
    invoice._history_user = by
    invoice.save(update_fields=["subtotal", "tax", "total", "amount_due", "updated_at"])
    return added, removed_lines


class InvoiceLineFormSet(BaseInlineFormSet):
    by = None  # the requesting user, set by the inline

    def clean(self):
        super().clean()
        if any(self.errors) or not self.has_changed():
            return
        try:
            with transaction.atomic():
                apply_line_changes(invoice_id=self.instance.pk, formset=self, by=self.by)
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as exc:
            form = getattr(exc, "form", None)
            if form is None:
                raise ValidationError(exc.messages) from None
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)


class InvoiceLineInline(TabularInline):
    """Editable while the invoice is a draft; read-only afterwards."""

    model = InvoiceLine
    formset = InvoiceLineFormSet
    extra = 0
    fields = ["description", "quantity", "unit_price", "plan", "amount_text"]
    readonly_fields = ["amount_text"]
    autocomplete_fields = ["plan"]
    ordering = ["position", "pk"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"by": request.user})

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invoice", "plan")

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is not None and obj.status == InvoiceStatus.DRAFT and not obj.lines.exists() else 0

    def _editable(self, request, obj):
        return (
            obj is not None
            and obj.status == InvoiceStatus.DRAFT
            and request.user.has_perm("billing.change_invoice")
        )

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)

    def amount_text(self, obj):
        return money(obj.amount, obj.invoice.currency) if obj.pk else "–"

    amount_text.short_description = "Amount"
