from django.core.management.base import BaseCommand

from people.scheduling import sync_schedules


class Command(BaseCommand):
    help = "Upsert the schedules declared in each app's schedules.py into django-q2 (safe on every deploy)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change, change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        report = sync_schedules(dry_run=dry_run)
        prefix = "Would " if dry_run else ""
        for verb, names in (
            ("create", report.created),
            ("update", report.updated),
            ("remove", report.removed),
        ):
            for name in names:
                self.stdout.write(f"{prefix}{verb} {name}" if dry_run else f"{verb.capitalize()}d {name}")
        if not (report.created or report.updated or report.removed):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Schedules up to date ({len(report.unchanged)} declared); nothing changed."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{prefix}{len(report.created)} created, {len(report.updated)} updated, "
                    f"{len(report.removed)} removed, {len(report.unchanged)} unchanged."
                )
            )
