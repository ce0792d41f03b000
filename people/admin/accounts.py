from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from people import services
from people.admin_base import TenantOwnedAdmin
from people.models import Membership, Tenant, User
from people.resources import MembershipResource
from people.roles import Role


class PlatformOnlyAdmin(ModelAdmin):
    """Global models only platform staff (superusers) manage."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Tenant)
class TenantAdmin(SimpleHistoryAdmin, PlatformOnlyAdmin):
    list_display = ["name", "slug", "is_active", "default_currency", "timezone", "member_count", "created_at"]
    list_filter = ["is_active", "default_currency"]
    search_fields = ["name", "slug", "legal_name"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "default_currency", "timezone"]}),
        ("Company profile", {"fields": ["legal_name", "website", "logo"]}),
        ("Address", {"fields": ["address_line1", "address_line2", "postal_code", "city", "country"]}),
        ("Data retention", {"fields": ["history_retention_days"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin, PlatformOnlyAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Platform access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []


class MembershipInviteForm(forms.ModelForm):
    email = forms.EmailField(
        help_text="The person's work e-mail. A new account gets an e-mail to set a password."
    )

    class Meta:
        model = Membership
        fields = ["email", "role"]

    def clean_email(self):
        email = services.normalize_email(self.cleaned_data["email"])
        if Membership.objects.filter(user__email=email).exists():
            raise ValidationError("This person is already a member of this tenant.")
        return email


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]

    def clean_role(self):
        role = self.cleaned_data["role"]
        stored = Membership.objects.get(pk=self.instance.pk)
        try:
            services.ensure_role_change_allowed(membership=stored, role=role)
        except services.LastOwnerError as exc:
            raise ValidationError(exc.messages) from exc
        return role


@admin.register(Membership)
class MembershipAdmin(TenantOwnedAdmin):
    """Owners manage their own tenant's members: invite by e-mail, change role, remove."""

    resource_classes = [MembershipResource]
    list_display = ["user_email", "user_name", "role", "invited_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "invited_by"]
    ordering = ["user__email"]
    date_hierarchy = "created_at"

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = MembershipInviteForm if obj is None else MembershipRoleForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["email", "role"] if obj is None else ["user", "role"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    @admin.display(description="E-mail", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description="Name", ordering="user__last_name")
    def user_name(self, obj):
        return obj.user.get_full_name()

    def save_model(self, request, obj, form, change):
        if change:
            services.change_role(membership=obj, role=obj.role)
            return
        membership = services.invite_member(
            email=form.cleaned_data["email"],
            role=obj.role,
            invited_by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        obj.pk, obj.user, obj.tenant = membership.pk, membership.user, membership.tenant
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and obj.role == Role.OWNER
            and Membership.objects.filter(role=Role.OWNER).count() <= 1
        ):
            return False  # the last owner stays
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.remove_member(membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user"):
            try:
                services.remove_member(membership=membership)
            except services.LastOwnerError as exc:
                self.message_user(request, f"{membership.user}: {exc.message}", messages.ERROR)
