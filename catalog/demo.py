"""Demo data of the catalog (collected by `bootstrap_demo_tenant` through people.registry).

Runs after the recruiting and marketplace demo data (PROJECT_APPS order): the demo tenant
publishes its salaries, and its catalog entries are synced right away, so the public pages have
entries before any worker runs. A second run changes nothing."""

from catalog.models import CatalogSettings
from catalog.sync.operations import sync_active_tenant


def build_demo_data(*, tenant, stdout) -> bool:
    if CatalogSettings.objects.exists():
        return False
    CatalogSettings.objects.create(publish_salaries=True)
    result = sync_active_tenant("all")
    stdout.write(f"  catalog: salaries published, {result.synced} public entries synced")
    return True
