"""Domain errors of the marketplace workflows. Both are ValidationErrors, so the admin and imports
show their message as they show a form error; the message says what to do instead."""

from django.core.exceptions import ValidationError


class MarketplaceError(ValidationError):
    """A marketplace rule refused the action; the message says what to do instead."""


class TransitionNotAllowed(MarketplaceError):
    """The record's current status does not allow this step; the message names the allowed ones."""
