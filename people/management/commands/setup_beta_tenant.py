from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from people.services import email_goes_to_console, ensure_tenant_with_member


class Command(BaseCommand):
    help = 'Create a beta customer tenant and its owner: setup_beta_tenant "ACME Corp" admin@acmecorp.com'

    def add_arguments(self, parser):
        parser.add_argument("name", help="Company name, e.g. 'ACME Corp' (the slug is generated from it).")
        parser.add_argument("owner_email", help="E-mail of the owner account; a password is e-mailed to it.")

    def handle(self, *args, name, owner_email, **options):
        name = name.strip()
        if not name:
            raise CommandError("The tenant name cannot be empty.")
        try:
            validate_email(owner_email)
        except ValidationError as exc:
            raise CommandError(f"{owner_email!r} is not a valid e-mail address.") from exc

        result = ensure_tenant_with_member(name=name, email=owner_email)
        tenant, user = result.tenant, result.user
        if not result.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Tenant {tenant.name} ({tenant.slug}) and owner {user.email} already exist; nothing changed."
                )
            )
            return
        self.stdout.write(
            f"Tenant {tenant.name} (slug {tenant.slug}) {'created' if result.created_tenant else 'already existed'}."
        )
        if result.created_user:
            send_mail(
                f"Your Ops Console account for {tenant.name}",
                f"Log in at /admin/ with {user.email} and this password: {result.password}\n"
                "Change it after your first login (Account > Change password).",
                None,
                [user.email],
            )
            self.stdout.write(f"Owner account {user.email} created; password e-mailed.")
            if email_goes_to_console():
                self.stdout.write(f"Password (e-mail goes to the console): {result.password}")
        elif result.created_membership:
            self.stdout.write(f"Existing user {user.email} is now owner of {tenant.name}.")
        self.stdout.write(self.style.SUCCESS("Done."))
