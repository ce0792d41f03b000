"""Service categories: a tree of names, unique per tenant."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.tenancy import TenantOwned

# Deep enough for any real catalogue; a longer chain means a cycle or corrupt data.
MAX_DEPTH = 50


class ServiceCategory(TenantOwned):
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The category this one belongs to; empty for a top-level category."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="service_category_name_unique_per_tenant")
        ]
        indexes = [models.Index(fields=["tenant", "parent"], name="service_category_parent")]

    def __str__(self):
        return self.name

    def ancestor_ids(self):
        """The ids above this category, nearest first (one query each); None ends a too-deep chain."""
        parent_id = self.parent_id
        for _depth in range(MAX_DEPTH):
            if parent_id is None:
                return
            yield parent_id
            parent_id = (
                ServiceCategory._base_manager.filter(pk=parent_id).values_list("parent_id", flat=True).first()
            )
        yield None

    def clean(self):
        super().clean()
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A category cannot be its own parent.")})
        if self.pk is not None and any(a in (self.pk, None) for a in self.ancestor_ids()):
            raise ValidationError(
                {"parent": _("That parent is inside this category: it would make a cycle.")}
            )
