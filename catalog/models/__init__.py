"""Catalog models: the two public catalogs (global by design), their sync runs, and each tenant's
catalog settings (tenant-owned)."""

from catalog.models.entries import PublicJobCatalog, PublicProviderCatalog
from catalog.models.runs import CatalogSyncRun, SyncKind, SyncScope
from catalog.models.settings import CatalogSettings

__all__ = [
    "CatalogSettings",
    "CatalogSyncRun",
    "PublicJobCatalog",
    "PublicProviderCatalog",
    "SyncKind",
    "SyncScope",
]
