"""Members as `email, role` rows."""

from django.core.exceptions import ValidationError
from import_export import fields, widgets

from people.models import (
    Membership,
    User,
)
from people.resources.base import TenantResource
from people.resources.hr_base import KeyedLookupWidget, lower_text
from people.services import ensure_role_change_allowed
from people.tenancy import current_tenant


class UserByEmailWidget(widgets.ForeignKeyWidget):
    """Finds the staff account for an e-mail column (accounts are global; case does not matter)."""

    def __init__(self):
        super().__init__(User, field="email")

    def clean(self, value, row=None, **kwargs):
        email = (value or "").strip().lower()
        if not email:
            raise ValueError("Column email: an e-mail address is required.")
        try:
            return super().clean(email, row, **kwargs)
        except User.DoesNotExist as exc:
            raise ValueError(
                f"Column email: no account with e-mail {email}; invite them from the Members page first."
            ) from exc


class MemberByEmailWidget(KeyedLookupWidget):
    """A staff member of the active tenant by e-mail: accounts are global, so only the tenant's
    members are ever found (another tenant's staff read as unknown)."""

    def __init__(self, *, required=False):
        super().__init__(
            User,
            "email",
            missing="no member of this company has the e-mail {key!r}; invite them first.",
            required=required,
            normalise=lower_text,
        )

    def get_queryset(self, value, row, *args, **kwargs):
        return User.objects.filter(memberships__tenant=current_tenant()).distinct()


class MembershipResource(TenantResource):
    """Members as `email, role` rows: a known e-mail updates that member's role, a new one adds it."""

    user = fields.Field(attribute="user", column_name="email", widget=UserByEmailWidget())

    class Meta:
        model = Membership
        fields = ("user", "role")
        import_id_fields = ("user",)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk:
            # The same rule as the admin and the service: a tenant keeps at least one owner.
            stored = Membership.objects.get(pk=instance.pk)
            try:
                ensure_role_change_allowed(membership=stored, role=instance.role)
            except ValidationError as exc:
                raise ValidationError({"role": exc.messages}) from exc
