"""Background tasks of the billing app. Task functions take ids, never model instances; the
trampoline (people.background.run_in_tenant) enters the tenant before calling them, and the
schedules (billing/schedules.py) fan the per-tenant ones out to every active tenant."""


def retry_failed_payments() -> dict[str, int]:
    """Per tenant: attempt every payment whose (dunning) retry is due, once (idempotent)."""
    from billing.services.payments import retry_failed_payments as retry

    return retry()


def sync_gateway_payments() -> dict[str, int]:
    """Per tenant: record the gateway's answer for payments still pending there (idempotent)."""
    from billing.services.payments import sync_gateway_payments as sync

    return sync()


def process_pending_refunds() -> dict[str, int]:
    """Per tenant: return the money of every approved refund, once (idempotent)."""
    from billing.services.refunds import process_pending_refunds as process

    return process()


def charge_payment(payment_id: int) -> str:
    """One payment, now, instead of at the next hourly retry_failed_payments run (which attempts
    the payments queued when invoices are issued). A payment no longer pending or failed is left
    alone, so a task delivered twice charges once."""
    from billing.models import PaymentTransaction
    from billing.services.errors import GatewayError, TransitionNotAllowed
    from billing.services.payments import charge_payment as charge

    try:
        return charge(payment_id=payment_id).status
    except (TransitionNotAllowed, PaymentTransaction.DoesNotExist):
        return "skipped"
    except GatewayError:
        return "gateway_error"  # recorded on the payment; retry_failed_payments tries again


def process_refund(refund_id: int) -> str:
    """One approved refund, now, instead of at the next process_pending_refunds run (every 15
    minutes). Idempotent like the schedule."""
    from billing.models import RefundRequest
    from billing.services.errors import BillingError
    from billing.services.refunds import process_refund as process

    try:
        return process(refund_id=refund_id).status
    except (BillingError, RefundRequest.DoesNotExist):
        return "skipped"


def generate_monthly_invoices() -> int:
    """Per tenant: renew due subscriptions and issue their period's invoice (idempotent)."""
    from billing.services.subscriptions import generate_monthly_invoices as generate

    return generate()


def update_subscription_status() -> dict[str, int]:
    """Per tenant: cancel subscriptions past their grace period or their period's end (idempotent)."""
    from billing.services.subscriptions import update_subscription_status as update

    return update()


def process_escrow_transactions() -> dict[str, int]:
    """Per tenant: release escrow whose hold period is over (idempotent)."""
    from billing.services.escrow import process_escrow_transactions as process

    return process()


def generate_daily_financial_report(day_iso: str | None = None) -> int:
    """Per tenant: yesterday's financial report, once (billing.reports.tasks)."""
    from billing.reports.tasks import generate_daily_financial_report as generate

    return generate(day_iso)


def generate_monthly_revenue_report(month_iso: str | None = None) -> int:
    """Per tenant: the previous month's revenue report, once (billing.reports.tasks)."""
    from billing.reports.tasks import generate_monthly_revenue_report as generate

    return generate(month_iso)
