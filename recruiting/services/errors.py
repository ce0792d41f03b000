"""Domain errors of the recruiting workflows. Both are ValidationErrors, so the admin and imports
show their message as they show a form error; the message says what to do instead."""

from django.core.exceptions import ValidationError


class RecruitingError(ValidationError):
    """A recruiting rule refused the action; the message says what to do instead."""


class TransitionNotAllowed(RecruitingError):
    """The object's current status does not allow this step; the message names the allowed ones."""
