"""Members as `email, role` rows."""

from django.core.exceptions import ValidationError
from import_export import fields, widgets

from people.models import (
    Membership,
    User,
)
from people.resources.base import TenantResource
from people.services import ensure_role_change_allowed


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
