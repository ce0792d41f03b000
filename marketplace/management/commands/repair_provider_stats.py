"""Recompute every provider's rating average, review count and completed contracts count.

The marketplace services keep these figures as they change them; this command is the safety net
after a data fix, a restore or a bug: per tenant it reads the figures from the reviews and
contracts (two grouped queries), compares them with the stored ones in batches and saves only the
providers that differ (each fix is a history row with the reason "repair_provider_stats").
Idempotent: a second run finds nothing to fix. `--dry-run` reports without writing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from marketplace import selectors
from marketplace.models import ServiceProvider
from marketplace.services.stats import STAT_FIELDS, apply_stats
from people.models import Tenant
from people.tenancy import tenant_context

BATCH = 500
REASON = "repair_provider_stats"


class Command(BaseCommand):
    help = "Recompute the providers' rating average, review count and completed contracts count."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this tenant (its slug); default: every active tenant.")
        parser.add_argument("--dry-run", action="store_true", help="Report what differs without writing.")

    def handle(self, *args, tenant=None, dry_run=False, **options):
        tenants = Tenant.objects.filter(is_active=True).order_by("pk")
        if tenant:
            tenants = Tenant.objects.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"No tenant with slug {tenant!r}.")
        totals = {"tenants": 0, "providers": 0, "fixed": 0}
        for current in tenants:
            with tenant_context(current):
                checked, fixed = self.repair_tenant(current, dry_run=dry_run)
            totals["tenants"] += 1
            totals["providers"] += checked
            totals["fixed"] += fixed
        verb = "would fix" if dry_run else "fixed"
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {totals['providers']} providers in {totals['tenants']} tenants; "
                f"{verb} {totals['fixed']}."
            )
        )

    def repair_tenant(self, tenant, *, dry_run: bool) -> tuple[int, int]:
        total = ServiceProvider.objects.count()
        self.stdout.write(f"{tenant.name} ({tenant.slug}): {total} providers")
        truth = selectors.provider_stats()
        ids = list(ServiceProvider.objects.order_by("pk").values_list("pk", flat=True))
        checked = fixed = 0
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            with transaction.atomic():
                # Locked in pk order, so a concurrent review or completion waits (or is waited for).
                rows = ServiceProvider.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
                if not dry_run:
                    # Recompute under the locks: the figures read above may predate a change.
                    truth.update(selectors.provider_stats(chunk))
                for provider in rows:
                    wanted = truth.get(provider.pk, selectors.NO_STATS)
                    stored = selectors.ProviderStats(*(getattr(provider, name) for name in STAT_FIELDS))
                    if stored != wanted:
                        fixed += 1
                        self.stdout.write(
                            f"  {provider.display_name}: rating {stored.rating_average} → {wanted.rating_average}, "
                            f"reviews {stored.review_count} → {wanted.review_count}, completed contracts "
                            f"{stored.completed_contracts_count} → {wanted.completed_contracts_count}"
                        )
                        if not dry_run:
                            apply_stats(provider, wanted, reason=REASON)
                    checked += 1
            self.stdout.write(f"  {checked}/{total} checked, {fixed} to fix so far")
        return checked, fixed
