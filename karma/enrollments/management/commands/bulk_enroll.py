import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from karma.courses.models import Course
from karma.enrollments.models import BulkSource, RowOutcome, UnknownEmailPolicy
from karma.enrollments.services.bulk import (
    BulkEnrollmentError,
    apply_job,
    confirm_job,
    review_job,
    start_job,
)
from karma.web.background import tasks_inline


class Command(BaseCommand):
    help = (
        "Enroll the learners listed in a CSV or .xlsx FILE into COURSE (its crs_ id), "
        "with the same reader, rules and per-row report as the Bulk Enroll page. "
        "Unknown addresses are skipped unless --invite-unknown; already enrolled "
        "learners are left alone, so running a file twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("course", help="the course's id, e.g. crs_…")
        parser.add_argument("file", help="a CSV or .xlsx file of email addresses")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would happen; change nothing",
        )
        parser.add_argument(
            "--invite-unknown",
            action="store_true",
            help="invite addresses without an account as learners and enroll them",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the full per-row report as JSON"
        )

    def handle(self, *args, **options):
        # Emails must leave before the command exits: run them here.
        with tasks_inline():
            self._enroll(options)

    def _enroll(self, options):
        course = Course.objects.filter(public_id=options["course"]).first()
        if course is None:
            raise CommandError(f"No course with id {options['course']}.")
        path = Path(options["file"])
        data = self._read(path)

        try:
            job = start_job(
                course=course,
                started_by=None,
                source=BulkSource.FILE,
                data=data,
                file_name=path.name,
                unknown_policy=UnknownEmailPolicy.INVITE
                if options["invite_unknown"]
                else UnknownEmailPolicy.SKIP,
                dry_run=options["dry_run"],
                background=False,
            )
            job = review_job(job_id=job.pk, progress=self._progress("Checking", job))
            if not options["dry_run"]:
                confirm_job(job=job, confirmed_by=None, background=False)
                job = apply_job(
                    job_id=job.pk, progress=self._progress("Enrolling", job)
                )
        except BulkEnrollmentError as error:
            raise CommandError(error.message) from error

        job.refresh_from_db()
        if options["json"]:
            self.stdout.write(
                json.dumps(self._report(job), ensure_ascii=False, indent=2)
            )
        else:
            for note in job.notes:
                self.stdout.write(f"Note: {note}")
            self.stdout.write(self._summary(job))

    def _read(self, path):
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        limit_mb = settings.KARMA_BULK_MAX_MB
        try:
            # Checked before reading, so a huge file never fills memory.
            if path.stat().st_size > limit_mb * 1024 * 1024:
                raise CommandError(
                    f"{path.name} is over the limit of {limit_mb} MB "
                    "(KARMA_BULK_MAX_MB). Split it into smaller files."
                )
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error

    def _progress(self, stage, job):
        # A bar only on a terminal: piped output and --json stay clean.
        if not sys.stderr.isatty():
            return None
        total = max(job.total_rows, 1)

        def show(done):
            filled = 30 * min(done, total) // total
            sys.stderr.write(
                f"\r{stage} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}"
            )
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

        return show

    def _summary(self, job):
        counts = job.counts
        prefix = "Dry run, nothing changed: would be " if job.dry_run else ""
        parts = [
            f"{counts.get(value, 0)} {label.lower()}"
            for value, label in RowOutcome.choices
        ]
        return (
            f"{prefix}{', '.join(parts)} ({job.total_rows} rows, job {job.public_id})."
        )

    def _report(self, job):
        return {
            "job": job.public_id,
            "course": job.course.public_id,
            "dry_run": job.dry_run,
            "status": job.status,
            "counts": job.counts,
            "notes": job.notes,
            "rows": [
                {
                    "line": r.line,
                    "email": r.email,
                    "outcome": r.outcome,
                    "message": r.message,
                }
                for r in job.rows.all()
            ],
        }
