"""Background tasks of the people app. Task functions take ids, never model instances."""

from django.core.management import call_command


def clear_expired_sessions() -> None:
    """Global job: delete expired login sessions (Django's clearsessions)."""
    call_command("clearsessions")


def post_monthly_accruals(period: str | None = None) -> int:
    """Per tenant: this month's accruals (idempotent per employee, type and month)."""
    from people.services.timeoff import post_monthly_accruals as post

    return post(period)


def close_time_off_year(year: int | None = None) -> dict[str, int]:
    """Per tenant: last year's expiry and carry-over, this year's upfront allowances (idempotent)."""
    from people.services.timeoff import close_year

    return close_year(year)
