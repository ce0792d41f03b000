from django.core.management.base import BaseCommand

from people.roles import sync_role_groups


class Command(BaseCommand):
    help = "Create or update the permission group of every role (also runs after each migrate)."

    def handle(self, *args, **options):
        changes = sync_role_groups(verbosity=options["verbosity"], stdout=self.stdout)
        added = sum(a for a, _ in changes.values())
        removed = sum(r for _, r in changes.values())
        if added or removed:
            self.stdout.write(self.style.SUCCESS(f"Role groups updated: +{added} -{removed} permissions."))
        else:
            self.stdout.write(self.style.SUCCESS("Role groups up to date; nothing changed."))
