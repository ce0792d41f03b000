from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    """django.contrib.admin, with the console's unfold site as `admin.site`.

    Every `@admin.register` in the project (and in third-party apps) lands on this one site.
    """

    default_site = "config.admin_site.ConsoleAdminSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin module
        from config import checks, platform_admin  # noqa: F401  (system checks; q2 admins with unfold)
