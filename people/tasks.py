"""Background tasks of the people app. Task functions take ids, never model instances."""

from django.core.management import call_command


def clear_expired_sessions() -> None:
    """Global job: delete expired login sessions (Django's clearsessions)."""
    call_command("clearsessions")
