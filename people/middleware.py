"""Enter the session's tenant for every request of a logged-in user, and refuse a forged one."""

import logging

from django.core.exceptions import PermissionDenied

from people.models import Tenant
from people.tenancy import tenant_context

logger = logging.getLogger("people.tenancy")

SESSION_KEY = "active_tenant_id"


def tenants_for(user):
    """The tenants a user may enter: their active memberships, or every active tenant for superusers."""
    tenants = Tenant.objects.filter(is_active=True)
    if not user.is_superuser:
        tenants = tenants.filter(memberships__user=user)
    return tenants.order_by("name")


def allowed_tenant(user, tenant_id) -> Tenant | None:
    """The tenant `tenant_id` if `user` may enter it now, else None (bad ids included)."""
    try:
        return tenants_for(user).filter(pk=int(tenant_id)).first()
    except (TypeError, ValueError):
        return None


class ActiveTenantMiddleware:
    """Sets `request.tenant` and runs the rest of the request inside `tenant_context()`.

    The tenant id in the session is re-checked against the user's memberships on every request,
    so a forged or stale session (membership removed, tenant deactivated) gets a 403, never data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)

        tenant_id = request.session.get(SESSION_KEY)
        if tenant_id is None:
            tenant = tenants_for(user).first()
            if tenant is not None:
                request.session[SESSION_KEY] = tenant.pk
        else:
            tenant = allowed_tenant(user, tenant_id)
            if tenant is None:
                # Forget it so the next request falls back to a tenant the user does belong to.
                request.session.pop(SESSION_KEY, None)
                logger.warning(
                    "refused tenant not allowed for user", extra={"user_id": user.pk, "tenant_id": tenant_id}
                )
                raise PermissionDenied("You are not a member of that tenant.")

        if tenant is None:
            return self.get_response(request)
        request.tenant = tenant
        with tenant_context(tenant):
            response = self.get_response(request)
        if response.streaming:
            # Streaming bodies (large exports) are generated after this method returns.
            response.streaming_content = _iterate_in_tenant(tenant, response.streaming_content)
        return response


def _iterate_in_tenant(tenant, iterable):
    iterator = iter(iterable)
    while True:
        with tenant_context(tenant):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk
