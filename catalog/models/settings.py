"""A tenant's choices about what its catalog entries show."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from people.tenancy import TenantOwned


class CatalogSettings(TenantOwned):
    publish_salaries = models.BooleanField(
        _("publish salaries"),
        default=False,
        help_text=_("Show the salary range of jobs on the public careers page."),
    )

    class Meta:
        verbose_name = _("catalog settings")
        verbose_name_plural = _("catalog settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="catalog_settings_one_per_tenant")]

    def __str__(self):
        return str(_("Catalog settings"))
