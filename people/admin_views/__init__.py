"""Admin pages of the people app that are not a model's changelist: the org chart, the time-off
calendar and the time-off requests waiting for the current user's decision.

`config.admin_site` mounts `admin_urls(site)` under /admin/ and `config.navigation` lists
`NAVIGATION` in the sidebar. Every page checks its permission itself (403 without it), reads
through the scoped managers only (another tenant's id is a 404), and runs a constant number of
queries whatever the size of the tenant: trees and the month grid are built in Python from a few
flat queries, and rendered by one flat template loop (no recursive include).
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from people.admin_views.calendar import tenant_today, time_off_calendar
from people.admin_views.common import VIEW_EMPLOYEE, VIEW_TIME_OFF, flatten_tree
from people.admin_views.org_chart import org_chart
from people.admin_views.pending import approve_time_off, pending_time_off, reject_time_off
from people.admin_views.reports import headcount_report_view, time_off_usage_report_view

__all__ = ["NAVIGATION", "admin_urls", "flatten_tree", "tenant_today"]

NAVIGATION = [
    {
        "title": "Org chart",
        "icon": "account_tree",
        "url_name": "admin:people_org_chart",
        "permission": VIEW_EMPLOYEE,
    },
    {
        "title": "Time-off calendar",
        "icon": "calendar_month",
        "url_name": "admin:people_time_off_calendar",
        "permission": VIEW_TIME_OFF,
    },
    {
        "title": "Pending approvals",
        "icon": "pending_actions",
        "url_name": "admin:people_pending_time_off",
        "permission": VIEW_TIME_OFF,
    },
    {
        "title": "Headcount report (Excel)",
        "icon": "download",
        "url_name": "admin:people_headcount_report",
        "permission": VIEW_EMPLOYEE,
    },
    {
        "title": "Time-off usage (Excel)",
        "icon": "download",
        "url_name": "admin:people_time_off_usage_report",
        "permission": "people.view_timeoffledgerentry",
    },
]


def admin_urls(site):
    def page(view, permission, *, methods=("GET",)):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                raise PermissionDenied(f"Your role does not include {permission}.")
            if getattr(request, "tenant", None) is None:  # platform staff before any tenant exists
                messages.info(request, "Pick a tenant in the header first.")
                return HttpResponseRedirect(reverse("admin:index"))
            return view(request, site, *args, **kwargs)

        return site.admin_view(require_http_methods(list(methods))(guarded))

    return [
        path("people/org-chart/", page(org_chart, VIEW_EMPLOYEE), name="people_org_chart"),
        path(
            "people/time-off-calendar/",
            page(time_off_calendar, VIEW_TIME_OFF),
            name="people_time_off_calendar",
        ),
        path(
            "people/pending-time-off/", page(pending_time_off, VIEW_TIME_OFF), name="people_pending_time_off"
        ),
        path(
            "people/pending-time-off/<int:request_id>/approve/",
            page(approve_time_off, VIEW_TIME_OFF, methods=("POST",)),
            name="people_pending_time_off_approve",
        ),
        path(
            "people/pending-time-off/<int:request_id>/reject/",
            page(reject_time_off, VIEW_TIME_OFF, methods=("GET", "POST")),
            name="people_pending_time_off_reject",
        ),
        # The report views check their own permission and answer 400 on bad parameters.
        path(
            "people/reports/headcount/",
            site.admin_view(headcount_report_view),
            name="people_headcount_report",
        ),
        path(
            "people/reports/time-off-usage/",
            site.admin_view(time_off_usage_report_view),
            name="people_time_off_usage_report",
        ),
    ]
