"""Demo data of billing, added by `manage.py bootstrap_demo_tenant` (see people/registry.py).

Five plans (one with a trial, one yearly, one in USD, one retired), eight customers and their
subscriptions in every status (trialing, active, active but ending at its period's end, past due,
canceled) with five months of invoices and payments: most paid by bank transfer, the past-due
customer's card declined, one invoice refunded in full and voided, one refunded in part and the
rest written off, a refund waiting for approval, a draft and an open one-off invoice; and the
escrow of the marketplace demo's contracts (held, released, refunded, frozen).

Writes go through the billing services as finance would (finance@demo.localhost asks, the owner
approves refunds). Three things cannot happen through them in one run, and are written directly:
the issue and due dates of past periods (issuing months of invoices today would date them all
today), the declined card payments (the demo tenant records payments manually), and the funding
of contracts the marketplace demo already moved past funding (done as they were when active).
Idempotent: a tenant that already has plans gets nothing new.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.models import (
    BillingSettings,
    Customer,
    Invoice,
    InvoiceStatus,
    PaymentStatus,
    PaymentTransaction,
    Plan,
)
from billing.services import escrow, invoices, refunds, subscriptions
from billing.services.common import add_months, tenant_today
from marketplace.models import Contract, ContractStatus
from people.models import Membership

OWNER_EMAIL = "admin@demo.localhost"
FINANCE_EMAIL = "finance@demo.localhost"

# name, price, currency, interval, trial days
PLANS = [
    ("Starter", "29.00", "EUR", "month", 14),
    ("Team", "99.00", "EUR", "month", 0),
    ("Business (yearly)", "990.00", "EUR", "year", 0),
    ("Team (US)", "109.00", "USD", "month", 0),
    ("Legacy basic", "19.00", "EUR", "month", 0),
]
# name, e-mail, street, postal code, city, country, tax id, plan, start (months ago or -days), story
CUSTOMERS = [
    ("Analytical Engines Ltd", "accounts@analytical-engines.example", "12 Babbage Row", "EC1A 1BB", "London", "GB",
     "GB123456789", "Team", 5, "active"),
    ("Radium Labs SARL", "compta@radium-labs.example", "1 Rue Curie", "75005", "Paris", "FR", "FR40303265045",
     "Business (yearly)", 4, "active"),
    ("Orbit Analytics Inc", "ap@orbit-analytics.example", "500 Launch Blvd", "77058", "Houston", "US", "",
     "Team (US)", 3, "active"),
    ("Compilers & Co GmbH", "buchhaltung@compilers.example", "Hopperstraße 9", "10115", "Berlin", "DE",
     "DE811907980", "Team", 4, "past_due"),
    ("Smalltalk Systems", "billing@smalltalk.example", "80 Xerox Way", "94304", "Palo Alto", "US", "",
     "Legacy basic", 5, "canceled"),
    ("Fruit Stand BV", "finance@fruitstand.example", "Appelweg 3", "1012 AB", "Amsterdam", "NL", "NL001234567B01",
     "Starter", -5, "trialing"),
    ("Kernel Works Oy", "laskut@kernelworks.example", "Linuksenkatu 1", "00100", "Helsinki", "FI", "FI12345678",
     "Team", 2, "ending"),
    ("Clu Consulting", "office@clu-consulting.example", "Liskovweg 4", "80331", "Munich", "DE", "DE129273398",
     "Starter", 3, "active"),
]  # fmt: skip
C = ContractStatus
MONTHS_OF_HISTORY = 5


def _users():
    members = Membership.objects.select_related("user").filter(user__email__in=[OWNER_EMAIL, FINANCE_EMAIL])
    users = {m.user.email: m.user for m in members}
    finance = users.get(FINANCE_EMAIL) or users.get(OWNER_EMAIL)
    return finance, users.get(OWNER_EMAIL)


def _moment(day):
    return timezone.make_aware(datetime.combine(day, time(10)))


@transaction.atomic
def build_demo_data(*, tenant, stdout) -> bool:
    if Plan.objects.exists():
        return False
    finance, owner = _users()
    today = tenant_today()
    settings = BillingSettings.current()
    settings.tax_rate, settings.payment_terms_days = Decimal("19"), 14
    settings.save()

    plans = {
        name: Plan.objects.create(
            name=name, price=Decimal(price), currency=currency, interval=interval, trial_days=trial
        )
        for name, price, currency, interval, trial in PLANS
    }
    # Month by month, as it happened: renewals due by then, then that month's new subscriptions,
    # so invoice numbers follow the issue dates. Smalltalk Systems left two months ago.
    starts = []
    for name, email, street, postal, city, country, tax_id, plan, start, story in CUSTOMERS:
        customer = Customer.objects.create(
            name=name,
            email=email,
            address_line1=street,
            postal_code=postal,
            city=city,
            country=country,
            tax_id=tax_id,
        )
        start_date = add_months(today, -start) if start > 0 else today + timedelta(days=start)
        starts.append((start_date, customer, plans[plan], story if story != "active" else name))
    stories = {}
    for months_ago in range(MONTHS_OF_HISTORY, -1, -1):
        day = add_months(today, -months_ago)
        subscriptions.generate_monthly_invoices(today=day, by=finance)
        for start_date, customer, plan, story in starts:
            if story not in stories and start_date <= day:
                stories[story] = subscriptions.start_subscription(
                    customer_id=customer.pk, plan_id=plan.pk, start_date=start_date, by=finance
                )
        if months_ago == 2:
            subscriptions.cancel_subscription(
                subscription_id=stories["canceled"].pk,
                at_period_end=False,
                reason="Moved to another tool.",
                by=finance,
            )
    subscriptions.cancel_subscription(
        subscription_id=stories["ending"].pk,
        at_period_end=True,
        reason="Budget cut next quarter.",
        by=finance,
    )
    plans["Legacy basic"].active = False
    plans["Legacy basic"].save()
    _date_past_periods(settings.payment_terms_days)

    # Paid by bank transfer a few days after issue, except this period's invoices (not due yet)
    # and the past-due customer's last two, whose card was declined.
    past_due = stories["past_due"]
    due_before_today = Invoice.objects.filter(subscription=past_due, due_date__lt=today)
    unpaid = list(due_before_today.order_by("-period_start")[:2])
    paid = 0
    for invoice in Invoice.objects.filter(status=InvoiceStatus.OPEN).order_by("issue_date", "pk"):
        if invoice in unpaid or invoice.issue_date > today - timedelta(days=10):
            continue
        invoices.mark_invoice_paid(
            invoice_id=invoice.pk,
            reference=f"SEPA-{invoice.number}",
            paid_on=min(invoice.issue_date + timedelta(days=3 + invoice.pk % 8), today),
            by=finance,
        )
        paid += 1
    _declined_card_payments(unpaid, today)
    subscriptions.mark_past_due(subscription_id=past_due.pk, by=finance)

    one_off = _one_off_invoices(stories, plans, finance, owner, today)
    entries = _escrow(finance, owner)
    _backdate_payments()
    stdout.write(
        f"  billing: {len(plans)} plans, {len(CUSTOMERS)} customers and subscriptions, "
        f"{Invoice.objects.count()} invoices ({paid} paid by transfer, {one_off} one-off), "
        f"{PaymentTransaction.objects.count()} payments, {entries} escrow entries"
    )
    return True


def _date_past_periods(terms_days: int) -> None:
    """Renewals run now for months gone by: date each period's invoice as it was issued then."""
    for invoice in Invoice.objects.filter(subscription__isnull=False, period_start__isnull=False):
        Invoice.objects.filter(pk=invoice.pk).update(
            issue_date=invoice.period_start, due_date=invoice.period_start + timedelta(days=terms_days)
        )


def _declined_card_payments(unpaid: list[Invoice], today) -> None:
    """What the card gateway recorded for the past-due customer: four declines per invoice, the
    last one 11 days after the invoice was issued (1, 3 and 7 days apart)."""
    for invoice in unpaid:
        last = min(invoice.issue_date + timedelta(days=11), today)
        PaymentTransaction.objects.create(
            invoice=invoice,
            customer=invoice.customer,
            amount=invoice.amount_due,
            currency=invoice.currency,
            status=PaymentStatus.FAILED,
            gateway="stripe",
            gateway_reference=f"pi_demo_{invoice.pk:06d}",
            idempotency_key=invoices.charge_key(invoice.pk),
            attempt_count=4,
            last_attempt_at=_moment(last),
            failure_code="card_declined",
            failure_message="Your card has insufficient funds.",
        )


def _one_off_invoices(stories, plans, finance, owner, today) -> int:
    customers = {c.name: c for c in Customer.objects.all()}
    # Refunded in full, then voided: the workshop was cancelled.
    workshop = invoices.create_invoice(
        customer_id=customers["Analytical Engines Ltd"].pk,
        currency="EUR",
        lines=[
            {"description": "Onboarding workshop (2 days)", "quantity": 2, "unit_price": "850.00"},
            {"description": "Travel expenses", "quantity": 1, "unit_price": "240.00"},
        ],
        issue=True,
        by=finance,
    )
    invoices.mark_invoice_paid(invoice_id=workshop.pk, reference="SEPA-WORKSHOP", by=finance)
    _refund(workshop, None, "The workshop was cancelled.", finance, owner)
    invoices.void_invoice(
        invoice_id=workshop.pk, reason="Workshop cancelled; the money was returned.", by=finance
    )
    # Refunded in part (a credit for unused seats); the invoice stays paid.
    kernel = Invoice.objects.filter(subscription=stories["ending"], status=InvoiceStatus.PAID).first()
    if kernel is not None:
        _refund(kernel, Decimal("30.00"), "Credit for two unused seats.", finance, owner)
    # Never paid by a customer who left: written off.
    lost = invoices.create_invoice(
        customer_id=stories["canceled"].customer_id,
        currency="EUR",
        lines=[{"description": "Data migration (one-off)", "quantity": 1, "unit_price": "390.00"}],
        issue=True,
        by=finance,
    )
    invoices.mark_uncollectible(invoice_id=lost.pk, by=finance)
    # Waiting for the owner's approval.
    latest = (
        PaymentTransaction.objects.filter(
            status=PaymentStatus.SUCCEEDED, invoice__customer__name="Radium Labs SARL"
        )
        .order_by("-pk")
        .first()
    )
    if latest is not None:
        refunds.request_refund(
            payment_id=latest.pk, amount="150.00", reason="Storage outage in March.", by=finance
        )
    # An open one-off invoice, and a draft with a discount line.
    invoices.create_invoice(
        customer_id=customers["Radium Labs SARL"].pk,
        currency="EUR",
        lines=[{"description": "Extra storage, 500 GB", "quantity": 1, "unit_price": "120.00"}],
        issue=True,
        by=finance,
    )
    invoices.create_invoice(
        customer_id=customers["Clu Consulting"].pk,
        currency="EUR",
        lines=[
            {"description": "Custom integration (estimate)", "quantity": 12, "unit_price": "95.00"},
            {"description": "Partner discount", "quantity": 1, "unit_price": "-114.00"},
        ],
        notes="Estimate: issued once the scope is signed.",
        by=finance,
    )
    return 4


def _refund(invoice, amount, reason, asked_by, approved_by):
    payment = invoice.payments.filter(status=PaymentStatus.SUCCEEDED).first()
    refund = refunds.request_refund(payment_id=payment.pk, amount=amount, reason=reason, by=asked_by)
    refunds.approve_refund(refund_id=refund.pk, by=approved_by, reference=f"SEPA-BACK-{refund.pk}")
    return refunds.process_refund(refund_id=refund.pk, by=approved_by)


def _escrow(finance, owner) -> int:
    """Escrow of the marketplace demo's contracts: active and delivered ones funded (held),
    completed ones funded and released, the disputed one frozen, the cancelled one refunded;
    drafts wait for funding."""
    contracts = list(Contract.objects.exclude(status=C.DRAFT).order_by("pk"))
    for contract in contracts:
        reference = f"WIRE-{contract.pk:05d}"
        if contract.status in escrow.FUNDABLE:
            escrow.fund_contract(contract_id=contract.pk, reference=reference, by=finance)
            continue
        # The marketplace demo moved this contract on before billing's demo runs: fund it as it
        # was when active (the status change is not kept; update() writes no history).
        Contract.objects.filter(pk=contract.pk).update(status=C.ACTIVE)
        escrow.fund_contract(contract_id=contract.pk, reference=reference, by=finance)
        Contract.objects.filter(pk=contract.pk).update(status=contract.status)
        if contract.status == C.COMPLETED:
            escrow.release_escrow(contract_id=contract.pk, by=finance, note="Work accepted by the client.")
        elif contract.status == C.DISPUTED:
            escrow.freeze_escrow(contract_id=contract.pk, by=finance, note=contract.dispute_reason[:300])
        elif contract.status == C.CANCELLED:
            escrow.refund_escrow(
                contract_id=contract.pk, reason="Contract cancelled before work started.", by=finance
            )
            refund = contract.payments.get().refunds.get()
            refunds.process_refund(refund_id=refund.pk, by=owner)
    from billing.models import EscrowTransaction

    return EscrowTransaction.objects.count()


def _backdate_payments() -> None:
    """A payment's row was created when it was recorded: the day it was received or attempted."""
    for payment in PaymentTransaction.objects.filter(invoice__isnull=False).exclude(
        succeeded_at__isnull=True
    ):
        PaymentTransaction.objects.filter(pk=payment.pk).update(
            created_at=payment.succeeded_at, last_attempt_at=payment.succeeded_at
        )
    for payment in PaymentTransaction.objects.filter(status=PaymentStatus.FAILED):
        PaymentTransaction.objects.filter(pk=payment.pk).update(created_at=payment.last_attempt_at)
