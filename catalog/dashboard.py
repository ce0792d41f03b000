"""Dashboard card of the catalog (collected through people.registry, see config/dashboard.py):
for platform staff, the size of both public catalogs and how the last sync went. Three small
queries; the dashboard caches the card with the rest."""

from django.utils.timesince import timesince

from catalog.models import CatalogSyncRun, PublicJobCatalog, PublicProviderCatalog, SyncKind


def catalog_card(request):
    if not request.user.is_superuser:
        return None
    jobs, providers = PublicJobCatalog.objects.count(), PublicProviderCatalog.objects.count()
    last = CatalogSyncRun.objects.filter(kind__in=[SyncKind.SYNC, SyncKind.INTEGRITY]).first()
    status = "no sync yet" if last is None else f"last sync {last.status}, {timesince(last.started_at)} ago"
    return {
        "kind": "kpi",
        "title": "Public catalogs",
        "value": jobs + providers,
        "footer": f"{jobs} jobs · {providers} providers · {status}",
    }


WIDGETS = [catalog_card]
