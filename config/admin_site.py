"""The console's one admin site (unfold), with tenant-aware access and the tenant switcher."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from unfold.sites import UnfoldAdminSite

from config.platform_page import platform_urls
from people.middleware import SESSION_KEY, allowed_tenant, tenants_for
from people.registry import collect


class ConsoleAdminSite(UnfoldAdminSite):
    site_header = "Ops Console"
    site_title = "Ops Console"
    index_title = "Dashboard"

    def has_permission(self, request):
        """Platform staff, or a member of the tenant active for this request."""
        user = request.user
        return user.is_active and (user.is_superuser or getattr(request, "tenant", None) is not None)

    def get_urls(self):
        # Apps add admin pages that are not a model's changelist (org chart, calendars, ...) by
        # defining `admin_urls(site)` in `<app>/admin_views.py`.
        app_pages = [url for _app, build in collect("admin_views", "admin_urls") for url in build(self)]
        return [
            path("switch-tenant/", self.admin_view(require_POST(self.switch_tenant)), name="switch_tenant"),
            *platform_urls(self),  # superusers only: schedules, failed tasks, queue, tenant health
            *app_pages,
            *super().get_urls(),
        ]

    def switch_tenant(self, request):
        """Make another of the user's tenants the active one (403 for a tenant they don't belong to)."""
        tenant = allowed_tenant(request.user, request.POST.get("tenant"))
        if tenant is None:
            raise PermissionDenied("You are not a member of that tenant.")
        request.session[SESSION_KEY] = tenant.pk
        messages.success(request, f"You are now working in {tenant.name}.")
        # Stay on the same kind of page, but never on another tenant's object.
        next_url = request.POST.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index")
        return HttpResponseRedirect(_changelist_or_index(next_url))


def _changelist_or_index(url: str) -> str:
    """/admin/app/model/42/change/ -> /admin/app/model/ (the object belongs to the old tenant)."""
    admin_root = reverse("admin:index")
    parts = url[len(admin_root) :].split("?")[0].strip("/").split("/") if url.startswith(admin_root) else []
    if len(parts) >= 2:
        return f"{admin_root}{parts[0]}/{parts[1]}/"
    return admin_root


def tenant_switcher_context(request):
    """unfold GLOBAL_CALLBACK: the active tenant and the others the user may switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "active_tenant": getattr(request, "tenant", None),
        "switchable_tenants": list(tenants_for(user).only("pk", "name")),
    }


def environment_badge(request):
    """unfold ENVIRONMENT: label shown in the header so nobody mistakes the demo for production."""
    if settings.IS_PRODUCTION:
        return None
    return ["Embedded demo" if settings.DEBUG else "Staging", "warning"]
