from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, using, verbosity=1, **kwargs):
    from people.roles import sync_role_groups

    sync_role_groups(verbosity=0)


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # After every migrate, the role groups get the permissions of models added since. Not tied
        # to this app's signal: each app's permissions are created on its own post_migrate (by
        # django.contrib.auth, whose receiver runs first), so the last app's signal sees them all.
        post_migrate.connect(_sync_role_groups, dispatch_uid="people.sync_role_groups")
