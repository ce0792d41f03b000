"""Writes to tenants and memberships. Admin actions, commands and tests call these."""

import secrets

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from people.models import Membership, Tenant, User
from people.roles import Role
from people.tenancy import current_tenant, tenant_context


class LastOwnerError(ValidationError):
    """A tenant must keep at least one owner."""


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "tenant"
    slug, n = base, 2
    while Tenant.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def normalize_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def _password_setup_link(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def invite_member(*, email: str, role: str, invited_by: User | None, base_url: str = "") -> Membership:
    """Give the person with `email` a role in the active tenant, creating their account if needed.

    A new account gets no usable password; the invitation e-mail carries a link to set one.
    """
    tenant = current_tenant()
    email = normalize_email(email)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."})
    user, created = User.objects.get_or_create(email=email, defaults={"is_staff": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if Membership.objects.filter(user=user).exists():
        raise ValidationError({"email": f"{email} is already a member of {tenant.name}."})
    membership = Membership.objects.create(user=user, role=role, invited_by=invited_by)
    lines = [f"You have been given the role {Role(role).label} in {tenant.name} on the Ops Console."]
    if created and base_url:
        lines.append(f"Choose your password here: {_password_setup_link(user, base_url)}")
    elif not created:
        lines.append("Log in with your existing account and pick the tenant in the header.")
    transaction.on_commit(
        lambda: send_mail(f"Welcome to {tenant.name}", "\n\n".join(lines), None, [email], fail_silently=False)
    )
    return membership


def _owner_count() -> int:
    return Membership.objects.filter(role=Role.OWNER).count()


def ensure_role_change_allowed(*, membership: Membership, role: str) -> None:
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count() <= 1:
        raise LastOwnerError("This is the tenant's last owner: make someone else owner first.")


@transaction.atomic
def change_role(*, membership: Membership, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    ensure_role_change_allowed(membership=membership, role=role)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER and _owner_count() <= 1:
        raise LastOwnerError("This is the tenant's last owner and cannot be removed.")
    membership.delete()


class SetupResult:
    def __init__(self, tenant, user, created_tenant, created_user, created_membership, password):
        self.tenant = tenant
        self.user = user
        self.created_tenant = created_tenant
        self.created_user = created_user
        self.created_membership = created_membership
        self.password = password  # set only when this call created the user or was told to set it

    @property
    def changed(self) -> bool:
        return self.created_tenant or self.created_user or self.created_membership or bool(self.password)


@transaction.atomic
def ensure_tenant_with_member(
    *, name: str, email: str, role: str = Role.OWNER, slug: str | None = None, password: str | None = None
) -> SetupResult:
    """Get or create the tenant called `name` and give `email` the `role` there. Idempotent.

    A user created here gets `password`, or a generated one; an existing user's password is only
    replaced when `password` is given and differs. The result says what changed.
    """
    tenant = Tenant.objects.filter(name__iexact=name.strip()).first()
    created_tenant = tenant is None
    if created_tenant:
        tenant = Tenant.objects.create(name=name.strip(), slug=slug or unique_slug(name))
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    created_user = user is None
    new_password = None
    if created_user:
        new_password = password or generate_password()
        user = User.objects.create_user(email=email, password=new_password, is_staff=True)
    elif password and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
        new_password = password
    with tenant_context(tenant):
        membership, created_membership = Membership.objects.get_or_create(user=user, defaults={"role": role})
    return SetupResult(tenant, user, created_tenant, created_user, created_membership, new_password)


def email_goes_to_console() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
