from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, using, verbosity=1, **kwargs):
    from people.roles import sync_role_groups

    sync_role_groups(verbosity=verbosity)


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # After every migrate, the role groups get the permissions of models added since.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="people.sync_role_groups")
