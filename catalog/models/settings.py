"""A tenant's choices about what its catalog entries show."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.tenancy import TenantOwned

# How long a careers applicant's data is kept when the tenant has not chosen (a year: one hiring
# round and the next, for a "we keep you in mind").
DEFAULT_APPLICANT_RETENTION_DAYS = 365


class CatalogSettings(TenantOwned):
    publish_salaries = models.BooleanField(
        _("publish salaries"),
        default=False,
        help_text=_("Show the salary range of jobs on the public careers page."),
    )
    applicant_retention_days = models.PositiveIntegerField(
        _("keep careers applicants for (days)"),
        default=DEFAULT_APPLICANT_RETENTION_DAYS,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
        help_text=_(
            "A candidate who applies on the careers page gets a retention date this many days after "
            "their application; after it, the retention schedule anonymises them (unless they are "
            "still in an open process). The apply form tells the visitor. Between 30 and 3650."
        ),
    )

    class Meta:
        verbose_name = _("catalog settings")
        verbose_name_plural = _("catalog settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="catalog_settings_one_per_tenant")]

    def __str__(self):
        return str(_("Catalog settings"))
