"""Domain errors of billing. They are ValidationErrors, so the admin and imports show their message
as they show a form error; the message says what to do instead."""

from django.core.exceptions import ValidationError


class BillingError(ValidationError):
    """A billing rule refused the action; the message says what to do instead."""


class TransitionNotAllowed(BillingError):
    """The record's status does not allow this step; the message names what it can do."""


class GatewayError(Exception):
    """The payment gateway could not be reached or answered with an error that is not a decline
    (a decline is a normal result: PaymentResult(succeeded=False))."""
