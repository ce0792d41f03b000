"""Isolation factories of the catalog admins (see tests/isolation.py). The catalogs and sync runs
are global, superuser-only admins (tests/catalog/test_admin.py); only the settings are tenant-owned."""

from catalog.models import CatalogSettings
from tests.catalog.factories import CatalogSettingsFactory
from tests.isolation import isolation_factory


@isolation_factory(CatalogSettings, search_term=lambda settings: str(settings.pk))
def catalog_settings_for_isolation():
    return CatalogSettingsFactory(publish_salaries=True)
