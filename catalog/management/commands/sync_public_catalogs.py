"""Sync the public job and provider catalogs from every tenant's data (or one tenant's).

    manage.py sync_public_catalogs [--catalog jobs|providers|all] [--tenant SLUG] [--dry-run] [--async]

Per tenant it prints what it did, then a summary (synced, skipped = already up to date, removed,
errors, duration). Writes are bulk upserts (catalog.sync.engine). A real run is recorded as a
CatalogSyncRun; --dry-run writes nothing; --async enqueues one task per tenant instead (each
task records its own run). An inactive tenant's entries are removed. Safe to run at any time.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from catalog.sync.operations import sync_all
from people.background import enqueue, enqueue_global
from people.models import Tenant
from people.tenancy import tenant_context

SCOPES = ("jobs", "providers", "all")


class Command(BaseCommand):
    help = "Sync the public job and provider catalogs from the tenants' jobs and providers."

    def add_arguments(self, parser):
        parser.add_argument("--catalog", choices=SCOPES, default="all", help="Which catalog (default: all).")
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant; default: every tenant.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument(
            "--async", action="store_true", dest="run_async", help="Enqueue a task per tenant."
        )

    def handle(self, *args, catalog="all", tenant=None, dry_run=False, run_async=False, **options):
        only = None
        if tenant:
            only = Tenant.objects.filter(slug=tenant).first()
            if only is None:
                raise CommandError(f"No tenant with slug {tenant!r}.")
        if run_async:
            if dry_run:
                raise CommandError("--dry-run and --async do not go together: a dry run reports here.")
            return self.enqueue(catalog, only)
        started = time.monotonic()
        result = sync_all(catalog, tenant=only, dry_run=dry_run, progress=self.progress)
        seconds = time.monotonic() - started
        prefix = "Dry run, nothing written: would have" if dry_run else "Done:"
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix} {result.synced} synced, {result.skipped} skipped (up to date), "
                f"{result.removed} removed, {result.errors} errors in {seconds:.2f} s."
            )
        )
        for sample in result.error_samples:
            self.stdout.write(
                self.style.WARNING(f"  {sample.get('catalog')} #{sample.get('id')} (tenant {sample.get('tenant')}): "
                                   f"{sample['error']}")
            )  # fmt: skip

    def progress(self, tenant, result):
        state = "" if tenant.is_active else " (inactive: entries removed)"
        self.stdout.write(f"{tenant.slug}{state}: {result.line()}")

    def enqueue(self, catalog, only):
        tenants = [only] if only else list(Tenant.objects.order_by("pk"))
        queued = 0
        for tenant in tenants:
            if not tenant.is_active:
                continue
            with tenant_context(tenant):
                enqueue("catalog.tasks.sync_tenant_catalogs", catalog, group="catalog")
            queued += 1
            self.stdout.write(f"{tenant.slug}: sync of {catalog} queued")
        if not only or not only.is_active:
            enqueue_global("catalog.tasks.remove_inactive_tenants_entries")
            self.stdout.write("inactive tenants: removal of their entries queued")
        self.stdout.write(self.style.SUCCESS(f"Queued {queued} tenant sync task(s)."))
