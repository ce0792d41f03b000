"""Delivery log of the recruiters' daily digest e-mail."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from people.models import User
from people.tenancy import TenantOwned


class DigestDelivery(TenantOwned):
    """One recruiter's daily digest, sent (or being sent) on one day in one tenant.

    The unique (tenant, recipient, day) row is what makes `recruiting.digest.send_recruiter_digests`
    idempotent: the row is inserted in the same transaction that queues the e-mail for after the
    commit, so a second run the same day finds the row and sends nothing. It is a delivery log,
    written only by the digest task and never edited by people, so it has no admin (and therefore
    no isolation factory for the admin isolation kit); it keeps history like every model.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        ordering = ["-day", "recipient_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "recipient", "day"], name="digest_once_per_recipient_per_day"
            )
        ]

    def __str__(self):
        return f"Digest to {self.recipient} on {self.day:%Y-%m-%d}"
