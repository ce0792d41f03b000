"""Background tasks of the recruiting app. Task functions take ids, never model instances; the
trampoline (people.background.run_in_tenant) enters the tenant before calling them."""


def expire_overdue_offers() -> int:
    """Per tenant: expire sent offers past their expiry (idempotent). Returns how many."""
    from recruiting.services.offers import expire_overdue_offers as expire

    return expire()


def anonymise_expired_candidates() -> dict[str, int]:
    """Per tenant: anonymise candidates past their retention date in no open process (idempotent)."""
    from recruiting.services.retention import anonymise_expired_candidates as anonymise

    return anonymise()


def send_recruiter_digests() -> int:
    """Per tenant: today's digest e-mail to each recruiter with something to report, at most once
    per recruiter per day (recruiting.digest). Returns how many were sent."""
    from recruiting.digest import send_recruiter_digests as send

    return send()
