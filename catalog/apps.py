from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Source changes enqueue their catalog sync (catalog/signals.py).
        from catalog import signals

        signals.connect()
