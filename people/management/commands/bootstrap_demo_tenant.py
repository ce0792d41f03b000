from django.core.management.base import BaseCommand
from django.db import transaction

from people.registry import collect
from people.roles import Role
from people.services import ensure_tenant_with_member
from people.tenancy import tenant_context

DEMO_NAME = "Demo"
DEMO_SLUG = "demo"
OWNER_EMAIL = "admin@demo.localhost"


def role_email(role: str) -> str:
    return f"{role.replace('_', '-')}@demo.localhost"


class Command(BaseCommand):
    help = (
        "Create the Demo tenant (slug demo), its owner admin@demo.localhost and one user per role, "
        "then each app's demo data. Idempotent: a second run changes nothing and says so."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for the demo accounts (default: a generated one, printed once when created).",
        )

    @transaction.atomic
    def handle(self, *args, password=None, **options):
        accounts = [(OWNER_EMAIL, Role.OWNER)] + [(role_email(r), r) for r in Role.values if r != Role.OWNER]
        changed = False
        owner = None
        for email, role in accounts:
            result = ensure_tenant_with_member(
                name=DEMO_NAME, slug=DEMO_SLUG, email=email, role=role, password=password
            )
            owner = owner or result
            if result.changed:
                changed = True
                self.stdout.write(
                    f"  {email:32} {Role(role).label:15} "
                    f"{'password: ' + result.password if result.password else 'ok'}"
                )
        tenant = owner.tenant

        # Each app adds its demo data through people.registry: `<app>/demo.py` defines
        # build_demo_data(tenant, stdout) -> bool (True when it created anything).
        with tenant_context(tenant):
            for app_label, build in collect("demo", "build_demo_data"):
                if build(tenant=tenant, stdout=self.stdout):
                    changed = True
                    self.stdout.write(f"  demo data added: {app_label}")

        if changed:
            self.stdout.write(self.style.SUCCESS(f"Demo tenant ready: {tenant.name} (slug {tenant.slug})."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo tenant already set up; nothing changed."))
        self.stdout.write(f"Owner login: {OWNER_EMAIL}")
