"""Escrow of marketplace contracts: an append-only ledger per contract.

A contract's balance is derived from its entries (holds minus releases and refunds); a freeze
entry (dispute) stops release and refund until an unfreeze. `key` makes every entry idempotent:
`contract-<id>-hold`, `contract-<id>-release`, `contract-<id>-refund`, `contract-<id>-freeze-<n>`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.choices import MONEY, STATUS_LENGTH, EscrowKind
from billing.models.payments import PaymentTransaction
from billing.money import validate_currency
from people.tenancy import TenantOwned


class EscrowTransaction(TenantOwned):
    contract = models.ForeignKey(
        "marketplace.Contract", on_delete=models.PROTECT, related_name="escrow_entries"
    )
    kind = models.CharField(max_length=STATUS_LENGTH, choices=EscrowKind.choices)
    amount = models.DecimalField(**MONEY, help_text=_("Zero for freeze and unfreeze entries."))
    currency = models.CharField(max_length=3, validators=[validate_currency])
    payment = models.ForeignKey(
        PaymentTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="escrow_entries"
    )
    key = models.CharField(max_length=100, editable=False)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["contract", "created_at", "pk"]
        verbose_name = _("escrow entry")
        verbose_name_plural = _("escrow entries")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="billing_escrow_key_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="billing_escrow_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["tenant", "contract"], name="billing_escrow_contract"),
            models.Index(fields=["tenant", "kind", "created_at"], name="billing_escrow_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency}"
