from django.core.management.base import BaseCommand

from karma.assessments.services.attempts import submit_overdue_attempts


class Command(BaseCommand):
    help = (
        "Submit every quiz attempt whose time limit and grace period have run "
        "out, with the answers saved before the limit, and grade it. Safe to "
        "run at any time and as often as wanted: an attempt is submitted once."
    )

    def handle(self, *args, **options):
        count = submit_overdue_attempts()
        self.stdout.write(f"Submitted {count} overdue attempt{'s' * (count != 1)}.")
