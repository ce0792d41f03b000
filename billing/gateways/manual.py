"""The manual gateway (the embedded default): money moves offline, finance records it.

- `charge` attempts nothing and answers "pending": finance records the money received with
  billing.services.invoices.mark_invoice_paid (bank transfer, cheque), which creates its own
  succeeded payment. Automatic collection is never queued for a manual tenant.
- `refund` succeeds at once: finance returned the money offline. Its reference is the one the
  approver gave (RefundRequest.gateway_reference, e.g. the bank transfer's), else
  `offline-refund-<id>`.
"""

from __future__ import annotations

from billing.gateways.base import ChargeResult, PaymentGateway, RefundResult


class ManualGateway(PaymentGateway):
    name = "manual"
    charges_automatically = False

    def ensure_customer(self, customer) -> str:
        return ""

    def charge(self, payment) -> ChargeResult:
        return ChargeResult.waiting(payment.gateway_reference)

    def retrieve(self, payment) -> ChargeResult:
        return ChargeResult.waiting(payment.gateway_reference)

    def refund(self, refund) -> RefundResult:
        return RefundResult(
            succeeded=True, reference=refund.gateway_reference or f"offline-refund-{refund.pk}"
        )
