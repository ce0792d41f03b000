"""The payment gateway interface: what billing asks of a gateway, and the answers it expects.

A decline is a normal answer (`ChargeResult(succeeded=False, failure_code=...)`); a gateway that
cannot be reached, or answers with a server error, raises billing.services.errors.GatewayError,
because then nobody knows whether money moved: the caller keeps the attempt's idempotency key and
tries again later with the same key, which the gateway answers without charging twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import Customer, PaymentTransaction, RefundRequest


@dataclass(frozen=True)
class ChargeResult:
    """The outcome of one charge attempt (or what the gateway says about it now)."""

    succeeded: bool = False
    reference: str = ""
    failure_code: str = ""
    failure_message: str = ""
    pending: bool = False  # the gateway has not decided yet (or, manual: nothing to do)

    @classmethod
    def paid(cls, reference: str) -> ChargeResult:
        return cls(succeeded=True, reference=reference)

    @classmethod
    def waiting(cls, reference: str = "") -> ChargeResult:
        return cls(pending=True, reference=reference)

    @classmethod
    def declined(cls, code: str, message: str, reference: str = "") -> ChargeResult:
        return cls(failure_code=code or "declined", failure_message=message, reference=reference)

    @property
    def failed(self) -> bool:
        return not (self.succeeded or self.pending)


@dataclass(frozen=True)
class RefundResult:
    """The outcome of one refund attempt (or of a later gateway event about it)."""

    succeeded: bool = False
    reference: str = ""
    failure_code: str = ""
    failure_message: str = ""
    pending: bool = False

    @property
    def failed(self) -> bool:
        return not (self.succeeded or self.pending)


class PaymentGateway:
    """One backend (billing.gateways.get_gateway). Methods never write to the database: the
    services record what they return, under the row locks they hold."""

    name: str = ""
    charges_automatically: bool = False

    def ensure_customer(self, customer: Customer) -> str:
        """The gateway's id of `customer` (created there the first time); "" if it keeps none."""
        raise NotImplementedError

    def charge(self, payment: PaymentTransaction) -> ChargeResult:
        """Attempt to collect `payment` with `payment.attempt_key` as the idempotency key."""
        raise NotImplementedError

    def retrieve(self, payment: PaymentTransaction) -> ChargeResult:
        """What the gateway says now about the payment's latest attempt (`gateway_reference`)."""
        raise NotImplementedError

    def refund(self, refund: RefundRequest) -> RefundResult:
        """Return `refund.amount` of its payment, with `refund.attempt_key` as the idempotency key."""
        raise NotImplementedError
