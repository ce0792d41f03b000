"""Change capture: a change to a source row enqueues the sync of that row, in the same transaction.

With the ORM broker (the default) `enqueue()` writes the task row in the caller's transaction, so
the task exists exactly when the change committed: no change is lost, and a rolled-back change
leaves no task. The task reads the row's state when it runs, so one task per change is enough
and repeats are harmless. Not seen here: queryset.update() and bulk writes (no signals), renamed
service categories; the daily integrity check (catalog.schedules) repairs those.

- job or provider saved: sync that row (a brand-new row that cannot be listed is skipped: there
  is no entry to update and no earlier task to race with);
- job or provider deleted: nothing to enqueue, the entry's foreign key CASCADEs in the same
  transaction;
- a provider's service saved or deleted: sync the provider (its categories);
- catalog settings saved: sync the tenant's jobs (salaries shown or hidden);
- tenant deactivated: its entries are deleted right here, in the deactivation's transaction (its
  tasks would be skipped by the trampoline, which refuses inactive tenants); tenant reactivated,
  renamed or given a new logo: sync the tenant.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from catalog.sync.rows import could_be_listed_job, could_be_listed_provider
from people.background import enqueue
from people.models import Tenant
from people.tenancy import active_tenant_or_none, tenant_context

TENANT_FIELDS = ("is_active", "name", "logo")


def enqueue_in(tenant_id: int, func: str, *args) -> None:
    """enqueue() inside the row's tenant (the saver's own, or entered for cross-tenant code)."""
    active = active_tenant_or_none()
    if active is not None and active.pk == tenant_id:
        enqueue(func, *args, group="catalog")
        return
    with tenant_context(Tenant.objects.get(pk=tenant_id)):
        enqueue(func, *args, group="catalog")


def job_saved(sender, instance, created, raw=False, **kwargs):
    if raw or (created and not could_be_listed_job(instance)):
        return
    enqueue_in(instance.tenant_id, "catalog.tasks.sync_job", instance.pk)


def provider_saved(sender, instance, created, raw=False, **kwargs):
    if raw or (created and not could_be_listed_provider(instance)):
        return
    enqueue_in(instance.tenant_id, "catalog.tasks.sync_provider", instance.pk)


def service_changed(sender, instance, raw=False, origin=None, **kwargs):
    if raw or _deleting_providers(origin):
        return  # the provider goes too: its entry CASCADEs
    if _provider_listed(instance):
        enqueue_in(instance.tenant_id, "catalog.tasks.sync_provider", instance.provider_id)


def _provider_listed(service) -> bool:
    """Is the service's provider on the marketplace? From the provider the caller already loaded
    (imports and forms have it: no query per row), else one query."""
    from marketplace.models import ServiceProvider

    field = type(service)._meta.get_field("provider")
    if field.is_cached(service) and field.get_cached_value(service) is not None:
        return could_be_listed_provider(field.get_cached_value(service))
    return ServiceProvider._base_manager.filter(
        pk=service.provider_id, marketplace_enabled=True, is_active=True
    ).exists()


def _deleting_providers(origin) -> bool:
    from marketplace.models import ServiceProvider

    model = getattr(origin, "model", type(origin))  # a queryset or an instance
    return isinstance(model, type) and issubclass(model, ServiceProvider)


def settings_saved(sender, instance, created, raw=False, **kwargs):
    if raw or (created and not instance.publish_salaries):
        return
    enqueue_in(instance.tenant_id, "catalog.tasks.sync_tenant_catalogs", "jobs")


def _tenant_facts(tenant) -> dict:
    return {"is_active": tenant.is_active, "name": tenant.name, "logo": tenant.logo.name or ""}


def tenant_before_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    before = Tenant.objects.filter(pk=instance.pk).values(*TENANT_FIELDS).first()
    if before is not None:
        instance._catalog_before = {**before, "logo": before["logo"] or ""}


def tenant_saved(sender, instance, created, raw=False, **kwargs):
    from catalog.sync.engine import remove_tenant_entries

    before = instance.__dict__.pop("_catalog_before", None)
    now = _tenant_facts(instance)
    if raw or created or before is None or before == now:
        return
    if not instance.is_active:
        if before["is_active"]:
            remove_tenant_entries(instance.pk)
        return
    scope = "all" if not before["is_active"] else "jobs"  # providers show no company name or logo
    with tenant_context(instance):
        enqueue("catalog.tasks.sync_tenant_catalogs", scope, group="catalog")


def connect() -> None:
    from catalog.models import CatalogSettings
    from marketplace.models import Service, ServiceProvider
    from recruiting.models import JobPosting

    post_save.connect(job_saved, sender=JobPosting, dispatch_uid="catalog.job_saved")
    post_save.connect(provider_saved, sender=ServiceProvider, dispatch_uid="catalog.provider_saved")
    post_save.connect(service_changed, sender=Service, dispatch_uid="catalog.service_saved")
    post_delete.connect(service_changed, sender=Service, dispatch_uid="catalog.service_deleted")
    post_save.connect(settings_saved, sender=CatalogSettings, dispatch_uid="catalog.settings_saved")
    pre_save.connect(tenant_before_save, sender=Tenant, dispatch_uid="catalog.tenant_before_save")
    post_save.connect(tenant_saved, sender=Tenant, dispatch_uid="catalog.tenant_saved")
