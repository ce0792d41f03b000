"""billing.selectors: the figures reports and dashboards share, against data made here — which
moment counts for each payment status, the tenant's day boundaries, currencies kept apart,
refunds, escrow, receivables aging, MRR — and tenant isolation."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing import selectors
from billing.models import EscrowKind, EscrowTransaction, Invoice, PaymentStatus, PaymentTransaction
from billing.models.choices import InvoiceStatus, RefundStatus, SubscriptionStatus
from people.tenancy import tenant_context
from tests.billing.factories import (
    EscrowHoldFactory,
    InvoiceFactory,
    PaymentFactory,
    PlanFactory,
    RefundFactory,
    SubscriptionFactory,
)
from tests.marketplace.factories import ContractFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
UTC = datetime.UTC
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: datetime.date, hour: int = 12, minute: int = 0, zone=UTC) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), zone)


def pay(amount, when, status=PaymentStatus.SUCCEEDED, currency="EUR", **kwargs) -> PaymentTransaction:
    """A payment that counts at `when` (succeeded_at, or its failed attempt, or its creation)."""
    if status in (PaymentStatus.FAILED, PaymentStatus.PENDING):
        kwargs.setdefault("succeeded_at", None)
    if status == PaymentStatus.FAILED:
        kwargs.setdefault("last_attempt_at", when)
    elif status != PaymentStatus.PENDING:
        kwargs.setdefault("succeeded_at", when)
    kwargs.setdefault("invoice__currency", currency)
    payment = PaymentFactory(amount=Decimal(amount), status=status, currency=currency, **kwargs)
    PaymentTransaction.objects.filter(pk=payment.pk).update(created_at=when)
    return payment


def refund(payment, amount, when, status=RefundStatus.SUCCEEDED):
    return RefundFactory(payment=payment, amount=Decimal(amount), status=status, processed_at=when)


def escrow(kind, amount, when, contract=None, currency="EUR") -> EscrowTransaction:
    entry = EscrowHoldFactory(
        kind=kind,
        amount=Decimal(amount),
        currency=currency,
        **({"contract": contract, "key": f"contract-{contract.pk}-{kind}"} if contract else {}),
    )
    EscrowTransaction.objects.filter(pk=entry.pk).update(created_at=when)
    return entry


@pytest.fixture
def day_of_payments(tenant_a, tenant_b):
    """On DAY in tenant A: EUR 100 succeeded, 50 partially refunded, 30 refunded (all collected),
    70 failed, 40 pending; USD 20 succeeded; the day before and after, EUR 1000 each. Refunds on
    DAY: EUR 10 succeeded (of an older payment), EUR 5 requested, USD 3 succeeded. Tenant B pays
    EUR 999 on DAY."""
    with tenant_context(tenant_b):
        pay("999.00", at(DAY))
        refund(pay("999.00", at(DAY - datetime.timedelta(days=5))), "99.00", at(DAY))
    with tenant_context(tenant_a):
        pay("100.00", at(DAY, 9))
        pay("50.00", at(DAY, 10), PaymentStatus.PARTIALLY_REFUNDED)
        pay("30.00", at(DAY, 11), PaymentStatus.REFUNDED)
        pay("70.00", at(DAY, 12), PaymentStatus.FAILED, failure_code="card_declined")
        pay("40.00", at(DAY, 13), PaymentStatus.PENDING)
        usd = pay("20.00", at(DAY, 14), currency="USD")
        pay("1000.00", at(DAY - datetime.timedelta(days=1), 23, 59))
        pay("1000.00", at(DAY + datetime.timedelta(days=1), 0, 0))
        old = pay("500.00", at(DAY - datetime.timedelta(days=20)))
        refund(old, "10.00", at(DAY, 15))
        refund(old, "5.00", at(DAY, 15), status=RefundStatus.REQUESTED)
        refund(old, "7.00", at(DAY + datetime.timedelta(days=1), 1))
        refund(usd, "3.00", at(DAY, 16))
        yield tenant_a


def test_revenue_is_collected_payments_minus_succeeded_refunds_per_currency(day_of_payments):
    assert selectors.revenue(start=DAY, end=DAY) == [
        selectors.Revenue(
            "EUR", Decimal("180.00"), Decimal("10.00"), Decimal("170.00"), payments=3, refunds=1
        ),
        selectors.Revenue("USD", Decimal("20.00"), Decimal("3.00"), Decimal("17.00"), payments=1, refunds=1),
    ]


def test_revenue_over_several_days_includes_the_edges(day_of_payments):
    eur = selectors.revenue(start=DAY - datetime.timedelta(days=1), end=DAY + datetime.timedelta(days=1))[0]
    assert (eur.collected, eur.refunded, eur.net) == (
        Decimal("2180.00"),
        Decimal("17.00"),
        Decimal("2163.00"),
    )


def test_payments_by_status_count_each_status_on_its_own_moment(day_of_payments):
    rows = selectors.payments_by_status(start=DAY, end=DAY)
    assert [(r.status, r.currency, r.count, r.amount) for r in rows] == [
        ("failed", "EUR", 1, Decimal("70.00")),
        ("partially_refunded", "EUR", 1, Decimal("50.00")),
        ("pending", "EUR", 1, Decimal("40.00")),
        ("refunded", "EUR", 1, Decimal("30.00")),
        ("succeeded", "EUR", 1, Decimal("100.00")),
        ("succeeded", "USD", 1, Decimal("20.00")),
    ]


def test_a_failed_payment_without_attempt_time_counts_on_its_creation(in_a):
    payment = pay("12.00", at(DAY), PaymentStatus.FAILED, last_attempt_at=None)
    PaymentTransaction.objects.filter(pk=payment.pk).update(created_at=at(DAY, 8))
    assert [(r.status, r.count) for r in selectors.payments_by_status(start=DAY, end=DAY)] == [("failed", 1)]
    assert [row[0] for row in selectors.failed_payment_rows(start=DAY, end=DAY)] == [at(DAY, 8)]


def test_payment_breakdown_sums_the_days_payments_per_status_purpose_gateway_and_currency(day_of_payments):
    pay("25.00", at(DAY, 17), gateway="stripe", amount_refunded=Decimal("5.00"), attempt_count=2)
    pay("15.00", at(DAY, 7), invoice=None, contract=ContractFactory(status="active"))  # escrow funding
    groups = selectors.payment_breakdown(start=DAY, end=DAY)
    assert [(g.status, g.for_invoices, g.gateway, g.currency, g.count, g.amount) for g in groups] == [
        ("failed", True, "manual", "EUR", 1, Decimal("70.00")),
        ("partially_refunded", True, "manual", "EUR", 1, Decimal("50.00")),
        ("pending", True, "manual", "EUR", 1, Decimal("40.00")),
        ("refunded", True, "manual", "EUR", 1, Decimal("30.00")),
        ("succeeded", True, "manual", "EUR", 1, Decimal("100.00")),
        ("succeeded", True, "manual", "USD", 1, Decimal("20.00")),
        ("succeeded", True, "stripe", "EUR", 1, Decimal("25.00")),
        ("succeeded", False, "manual", "EUR", 1, Decimal("15.00")),
    ]  # the day before and after, and tenant B, are not counted
    stripe = groups[6]
    assert (stripe.refunded, stripe.attempts, stripe.first_at, stripe.last_at) == (
        Decimal("5.00"), 2, at(DAY, 17), at(DAY, 17),
    )  # fmt: skip


def test_payment_breakdown_spans_each_groups_first_and_last_payment(in_a):
    pay("10.00", at(DAY, 9))
    pay("12.00", at(DAY, 18, 30))
    (group,) = selectors.payment_breakdown(start=DAY, end=DAY)
    assert (group.count, group.amount, group.first_at, group.last_at) == (
        2, Decimal("22.00"), at(DAY, 9), at(DAY, 18, 30),
    )  # fmt: skip


def test_failed_payments_are_listed_and_refunds_summed(day_of_payments):
    failed = list(selectors.failed_payment_rows(start=DAY, end=DAY))
    assert [(row[1], row[8]) for row in failed] == [(Decimal("70.00"), "card_declined")]
    assert selectors.refund_breakdown(start=DAY, end=DAY) == [
        selectors.RefundGroup("EUR", True, "manual", 1, Decimal("10.00"), at(DAY, 15), at(DAY, 15)),
        selectors.RefundGroup("USD", True, "manual", 1, Decimal("3.00"), at(DAY, 16), at(DAY, 16)),
    ]  # the requested refund and the next day's are not counted
    assert selectors.refunds_in_period(start=DAY, end=DAY) == [
        selectors.RefundTotal("EUR", 1, Decimal("10.00")),
        selectors.RefundTotal("USD", 1, Decimal("3.00")),
    ]


def test_days_are_the_tenants_days(tenant_a):
    tenant_a.timezone = "Europe/Berlin"
    tenant_a.save()
    with tenant_context(tenant_a):
        pay("1.00", at(DAY - datetime.timedelta(days=1), 23, 30))  # 00:30 on DAY in Berlin
        pay("2.00", at(DAY, 23, 30))  # 00:30 the next day in Berlin
        pay("4.00", at(DAY, 0, 30, zone=BERLIN))
        assert selectors.day_bounds(DAY, DAY) == (
            at(DAY, 0, zone=BERLIN),
            at(DAY + datetime.timedelta(days=1), 0, zone=BERLIN),
        )
        assert selectors.revenue(start=DAY, end=DAY)[0].collected == Decimal("5.00")
        days = selectors.revenue_by_day_and_plan(start=DAY, end=DAY + datetime.timedelta(days=1))
        assert [(row.day, row.amount) for row in days] == [
            (DAY, Decimal("5.00")),
            (DAY + datetime.timedelta(days=1), Decimal("2.00")),
        ]


def test_revenue_by_day_and_plan_follows_invoice_subscription_plan(in_a):
    basic, pro = PlanFactory(name="Basic"), PlanFactory(name="Pro", price=Decimal("99.00"))
    for plan, amount, hour in ((basic, "49.00", 9), (basic, "49.00", 10), (pro, "99.00", 11)):
        invoice = InvoiceFactory(subscription=SubscriptionFactory(plan=plan))
        pay(amount, at(DAY, hour), invoice=invoice)
    pay("15.00", at(DAY, 12))  # an invoice without a subscription
    pay(
        "80.00",
        at(DAY + datetime.timedelta(days=2)),
        invoice=InvoiceFactory(subscription=SubscriptionFactory(plan=pro)),
    )
    pay(
        "33.00",
        at(DAY, 13),
        PaymentStatus.FAILED,
        invoice=InvoiceFactory(subscription=SubscriptionFactory(plan=pro)),
    )
    rows = selectors.revenue_by_day_and_plan(start=DAY, end=DAY + datetime.timedelta(days=2))
    assert [(r.day, r.plan, r.currency, r.amount, r.payments) for r in rows] == [
        (DAY, "Basic", "EUR", Decimal("98.00"), 2),
        (DAY, "Pro", "EUR", Decimal("99.00"), 1),
        (DAY, "", "EUR", Decimal("15.00"), 1),  # no plan: last
        (DAY + datetime.timedelta(days=2), "Pro", "EUR", Decimal("80.00"), 1),
    ]
    assert rows[0].plan_id == basic.pk and rows[2].plan_id is None


def test_revenue_by_month_is_net_per_currency(in_a):
    pay("100.00", at(datetime.date(2026, 1, 31), 23))
    refund(pay("50.00", at(datetime.date(2026, 2, 1))), "20.00", at(datetime.date(2026, 2, 3)))
    pay("7.00", at(datetime.date(2026, 2, 3)), currency="USD")
    assert selectors.revenue_by_month(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 2, 28)) == [
        (datetime.date(2026, 1, 1), "EUR", Decimal("100.00")),
        (datetime.date(2026, 2, 1), "EUR", Decimal("30.00")),
        (datetime.date(2026, 2, 1), "USD", Decimal("7.00")),
    ]


def test_escrow_held_released_refunded_and_balance(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        escrow(EscrowKind.HOLD, "5000.00", at(DAY))
    with tenant_context(tenant_a):
        old = escrow(EscrowKind.HOLD, "1000.00", at(DAY - datetime.timedelta(days=30))).contract
        escrow(EscrowKind.RELEASE, "1000.00", at(DAY, 10), contract=old)
        new = escrow(EscrowKind.HOLD, "400.00", at(DAY, 11)).contract
        escrow(EscrowKind.FREEZE, "0.00", at(DAY, 12), contract=new)
        cancelled = escrow(EscrowKind.HOLD, "250.00", at(DAY - datetime.timedelta(days=3))).contract
        escrow(EscrowKind.REFUND, "250.00", at(DAY, 13), contract=cancelled)
        escrow(EscrowKind.HOLD, "77.00", at(DAY, 9), currency="USD")
        escrow(EscrowKind.HOLD, "600.00", at(DAY + datetime.timedelta(days=1)))  # after the period
        assert selectors.escrow_in_period(start=DAY, end=DAY) == [
            selectors.EscrowTotal(
                "EUR", Decimal("400.00"), Decimal("1000.00"), Decimal("250.00"), Decimal("400.00")
            ),
            selectors.EscrowTotal(
                "USD", Decimal("77.00"), Decimal("0.00"), Decimal("0.00"), Decimal("77.00")
            ),
        ]
        assert selectors.escrow_held() == {"EUR": Decimal("1000.00"), "USD": Decimal("77.00")}
        assert selectors.escrow_breakdown(start=DAY, end=DAY) == [
            selectors.EscrowGroup("freeze", "EUR", 1, 1, Decimal("0.00")),
            selectors.EscrowGroup("hold", "EUR", 1, 1, Decimal("400.00")),
            selectors.EscrowGroup("hold", "USD", 1, 1, Decimal("77.00")),
            selectors.EscrowGroup("refund", "EUR", 1, 1, Decimal("250.00")),
            selectors.EscrowGroup("release", "EUR", 1, 1, Decimal("1000.00")),
        ]


AS_OF = datetime.date(2026, 3, 31)


def _open(due: datetime.date | None, amount="100.00", currency="EUR", **kwargs) -> Invoice:
    return InvoiceFactory(
        issue_date=datetime.date(2025, 10, 1),
        due_date=due,
        subtotal=Decimal(amount),
        currency=currency,
        **kwargs,
    )


def test_receivables_aging_buckets_by_days_past_due(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        _open(datetime.date(2025, 11, 1), "9999.00")
    with tenant_context(tenant_a):
        days = datetime.timedelta
        for past_due, amount in (
            (-10, "1.00"), (0, "2.00"), (1, "4.00"), (30, "8.00"), (31, "16.00"), (60, "32.00"),
            (61, "64.00"), (90, "128.00"), (91, "256.00"), (400, "512.00"),
        ):  # fmt: skip
            _open(AS_OF - days(days=past_due), amount)
        _open(None, "1024.00")  # no due date: current
        _open(AS_OF - days(days=5), "50.00", amount_paid=Decimal("20.00"))  # partly paid: 30.00 due
        _open(AS_OF - days(days=45), "7.00", currency="USD")
        _open(AS_OF - days(days=45), "2048.00", status=InvoiceStatus.PAID)
        _open(AS_OF - days(days=45), "4096.00", status=InvoiceStatus.VOID)
        InvoiceFactory(issue_date=AS_OF + days(days=1), subtotal=Decimal("8192.00"))  # issued later
        aging = selectors.receivables_aging(as_of=AS_OF)
        assert aging == [
            selectors.Aging(
                "EUR",
                (Decimal("1027.00"), Decimal("42.00"), Decimal("48.00"), Decimal("192.00"), Decimal("768.00")),
                (3, 3, 2, 2, 2),
                Decimal("2077.00"),
            ),
            selectors.Aging(
                "USD", (Decimal("0.00"), Decimal("0.00"), Decimal("7.00"), Decimal("0.00"), Decimal("0.00")),
                (0, 0, 1, 0, 0), Decimal("7.00"),
            ),
        ]  # fmt: skip
        assert selectors.open_invoices(as_of=AS_OF) == [
            selectors.OpenInvoices("EUR", 12, Decimal("2077.00"), 9, Decimal("1050.00")),
            selectors.OpenInvoices("USD", 1, Decimal("7.00"), 1, Decimal("7.00")),
        ]
        listed = list(selectors.open_invoice_rows(as_of=AS_OF))
        assert len(listed) == 13 and listed[0][3] == AS_OF - days(days=400) and listed[-1][3] is None
        overdue = list(selectors.open_invoice_rows(as_of=AS_OF, overdue_only=True, limit=3))
        assert [row[5] for row in overdue] == [Decimal("512.00"), Decimal("256.00"), Decimal("128.00")]
        assert len(list(selectors.open_invoice_rows(as_of=AS_OF, overdue_only=True))) == 10


def test_mrr_counts_active_and_past_due_with_yearly_plans_as_a_twelfth(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        SubscriptionFactory(plan=PlanFactory(price=Decimal("500.00")))
    with tenant_context(tenant_a):
        monthly = PlanFactory(price=Decimal("49.00"))
        yearly = PlanFactory(price=Decimal("100.00"), interval="year")
        for status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
            SubscriptionFactory(plan=monthly, status=status)
        SubscriptionFactory(plan=yearly)
        SubscriptionFactory(plan=yearly)
        SubscriptionFactory(plan=monthly, status=SubscriptionStatus.CANCELED)
        SubscriptionFactory(plan=monthly, status=SubscriptionStatus.TRIALING)
        SubscriptionFactory(plan=PlanFactory(price=Decimal("30.00"), currency="USD"))
        assert selectors.monthly_recurring_revenue() == [
            selectors.Recurring("EUR", Decimal("163.67"), 5),  # 3 x 49 + 200 / 12
            selectors.Recurring("USD", Decimal("30.00"), 1),
        ]


def test_selectors_need_an_active_tenant(db):
    from people.tenancy import NoActiveTenant

    with pytest.raises(NoActiveTenant):
        selectors.revenue(start=DAY, end=DAY)
