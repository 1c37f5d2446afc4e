import json

from django.conf import settings
from django.core.management.base import BaseCommand

from karma.privacy.services import purge_expired


class Command(BaseCommand):
    help = (
        "Delete what Karma no longer keeps: invitations never accepted, "
        f"{settings.KARMA_RETENTION_INVITATION_DAYS} days after they expired or "
        "were revoked (KARMA_RETENTION_INVITATION_DAYS); bulk-enrollment uploads "
        f"{settings.KARMA_RETENTION_UPLOAD_DAYS} days after the job started "
        "(KARMA_RETENTION_UPLOAD_DAYS; the job and its report stay); files under "
        f"MEDIA_ROOT/exports/ {settings.KARMA_RETENTION_EXPORT_DAYS} days after "
        "they were written (KARMA_RETENTION_EXPORT_DAYS). Accounts are never "
        "deleted. The scheduled task runs the same daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="print the counts as JSON"
        )

    def handle(self, *args, **options):
        counts = purge_expired()
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            return
        self.stdout.write(
            f"Deleted {counts['invitations']} expired invitation(s), "
            f"{counts['uploads']} uploaded file(s) and "
            f"{counts['exports']} generated export(s)."
        )
