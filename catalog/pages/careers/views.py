"""The careers pages. Anonymous; they read PublicJobCatalog only, and the apply form writes into
the job's tenant through catalog.pages.careers.apply.

The list, a job's page and the confirmation page are the same for every visitor: they touch
neither the session nor the CSRF token, so they carry public cache headers. The apply page has a
form (a CSRF token), so it is never cached.
"""

import hashlib
import logging

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from catalog.models import PublicJobCatalog
from catalog.pages.careers import listing
from catalog.pages.careers.apply import (
    AlreadyApplied,
    ApplyRefused,
    JobNoLongerOpen,
    apply_to_job,
    is_closed,
    retention_days_for,
)
from catalog.pages.careers.forms import ApplyForm, JobFilterForm
from catalog.pages.careers.ratelimit import RateLimit, client_ip
from catalog.pages.careers.uploads import FileSizeLimit
from catalog.pages.common import entry_cache, form_cache, list_cache, page_of, query_without_page
from people.models import EmploymentType
from recruiting import validators
from recruiting.models import RemotePolicy

logger = logging.getLogger("catalog.careers")

SECTION = "careers"
# Every POST of the apply form counts (a failed upload too: each one costs a parse of up to 10 MB).
APPLY_LIMIT_DEFAULT = 10
APPLY_WINDOW_DEFAULT = 60 * 60
RATE_LIMITED = "Too many applications were sent from your network in the last hour. Please try again later."
# Typed values kept when the form is shown again without being processed (rate limit).
RETYPED_FIELDS = ("first_name", "last_name", "email", "phone", "cover_letter")


@require_safe
@list_cache
def job_list(request):
    filters = JobFilterForm(request.GET).filters()
    page = page_of(request, listing.matching(filters))
    count = page.paginator.count
    options = listing.filter_options()
    shown = dict.fromkeys(JobFilterForm.base_fields, "") | filters  # every filter, blank when unset
    categories = _with_current(options["categories"], shown["category"])
    locations = _with_current(options["locations"], shown["location"])
    context = {
        "section": SECTION,
        "filters": shown,
        "filtered": bool(filters),
        "categories": categories,
        "locations": locations,
        "options": {
            "category": listing.select_options([(name, name) for name in categories], shown["category"]),
            "location": listing.select_options([(name, name) for name in locations], shown["location"]),
            "remote": listing.select_options(RemotePolicy.choices, shown["remote"]),
            "type": listing.select_options(EmploymentType.choices, shown["type"]),
        },
        "page": page,
        "jobs": listing.cards(page.object_list) if count else [],
        "count_label": f"{page.paginator.cap:,}+" if page.paginator.capped else f"{count:,}",
        "query": query_without_page(request),
    }
    return render(request, "catalog/careers/list.html", context)


def _with_current(options: list[str], current: str | None) -> list[str]:
    """The dropdown's options, plus the chosen value if the cached list lacks it."""
    return [*options, current] if current and current not in options else options


def _entry(public_id, *defer):
    return get_object_or_404(PublicJobCatalog.objects.defer("search_text", *defer), public_id=public_id)


@require_safe
@entry_cache
def job_detail(request, public_id, slug):
    entry = _entry(public_id)
    if slug != entry.slug:
        return HttpResponsePermanentRedirect(listing.entry_url(entry))
    listing.decorate(entry)
    context = {"section": SECTION, "entry": entry, "closed": is_closed(entry)}
    return render(request, "catalog/careers/detail.html", context)


@require_safe
@entry_cache
def job_short_link(request, public_id):
    entry = get_object_or_404(PublicJobCatalog.objects.only("public_id", "slug"), public_id=public_id)
    return HttpResponsePermanentRedirect(listing.entry_url(entry))


@require_safe
@entry_cache
def applied(request, public_id):
    entry = get_object_or_404(
        PublicJobCatalog.objects.only("public_id", "slug", "title", "company_name"), public_id=public_id
    )
    entry.url = listing.entry_url(entry)
    return render(request, "catalog/careers/applied.html", {"section": SECTION, "entry": entry})


@csrf_exempt  # checked by csrf_protect below, once the size limit is installed
@form_cache
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request, public_id):
    # Upload handlers can only change before the body is read, and the CSRF check is the first
    # to read it: install the size limit, then check the token.
    size_limit = FileSizeLimit(request, validators.CV_MAX_BYTES)
    request.upload_handlers.insert(0, size_limit)
    return _apply(request, public_id, size_limit)


@csrf_protect
def _apply(request, public_id, size_limit):
    entry = _entry(public_id, "description", "requirements")
    entry.url = listing.entry_url(entry)
    context = {"section": SECTION, "entry": entry}
    if is_closed(entry):
        return _refused(request, context, JobNoLongerOpen.message, status=410)
    about = {"company": entry.company_name, "retention_days": retention_days_for(entry)}
    if request.method != "POST":
        return _form(request, context, ApplyForm(**about))

    limit = RateLimit(
        "careers-apply",
        limit=getattr(settings, "CAREERS_APPLY_LIMIT", APPLY_LIMIT_DEFAULT),
        window=getattr(settings, "CAREERS_APPLY_WINDOW", APPLY_WINDOW_DEFAULT),
    )
    if not limit.hit(client_ip(request)):
        form = ApplyForm(initial={name: request.POST.get(name, "") for name in RETYPED_FIELDS}, **about)
        return _form(request, context | {"error": RATE_LIMITED}, form, status=429)

    form = ApplyForm(request.POST, request.FILES, **about)
    if form.honeypot_filled:
        # A bot: answer as if it worked (so it learns nothing), write nothing.
        logger.warning(
            "careers honeypot filled",
            extra={"entry": str(entry.public_id), "client": _client_digest(request)},
        )
        return redirect("careers:applied", public_id=entry.public_id)
    if form.is_valid():
        try:
            apply_to_job(entry, data=form.cleaned_data, cv=form.cleaned_data["cv"])
        except AlreadyApplied as refusal:
            return _refused(request, context, refusal.message, status=200, already=True)
        except JobNoLongerOpen as refusal:
            return _refused(request, context, refusal.message, status=410)
        except ApplyRefused as refusal:
            form.add_error(None, refusal.message)
            return _form(request, context, form, status=400)
        return redirect("careers:applied", public_id=entry.public_id)
    if size_limit.refused:
        form.cv_too_large()
    return _form(request, context, form, status=400)


def _form(request, context, form, status=200):
    return render(request, "catalog/careers/apply.html", context | {"form": form}, status=status)


def _refused(request, context, message, *, status, already=False):
    """The apply page without a form: the job is closed, or this visitor already applied."""
    context = context | {"refusal": message, "already": already}
    return render(request, "catalog/careers/apply.html", context, status=status)


def _client_digest(request) -> str:
    """A short digest of the client's address for logs (correlates repeats, stores no IP)."""
    day = timezone.localdate().isoformat()
    return hashlib.sha256(f"{day}:{client_ip(request)}".encode()).hexdigest()[:12]
