"""Bulk enrollment: from a file, pasted addresses or chosen users to a report.

Three steps, the same for the page, the API and `karma bulk-enroll`:

1. `start_job` reads the input at once, so a bad file is refused with its
   reason before anything is stored, then queues the review.
2. `review_job` (background) works out what would happen to every row and
   stores the rows; nothing is enrolled. A dry run ends here.
3. `confirm_job` queues `apply_job` (background), which works the rows out
   again against the database as it is then and applies them in one
   transaction under the course's row lock: the whole confirm lands or
   nothing does, and two overlapping jobs never enroll anyone twice.

Every database step is set-based: a fixed number of queries per chunk of
rows, never one per row.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, FilteredRelation, OuterRef, Q, Subquery
from django.utils import timezone

from karma.accounts.invitations import Invitee, invite_learners_in_bulk
from karma.accounts.models import Role, User
from karma.audit.models import AuditEvent, AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course, EnrollmentType
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkEnrollmentRow,
    BulkJobStatus,
    BulkSource,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    RowOutcome,
    UnknownEmailPolicy,
)
from karma.enrollments.notifications import notify_enrolled_after_commit
from karma.enrollments.services.bulk_writes import insert_rows, update_rows
from karma.enrollments.services.enrollments import (
    EnrollmentError,
    staff_enrollment_problem,
)
from karma.learning.services.progress import course_rule, recompute_enrollment
from karma.lib.public_ids import new_public_id
from karma.lib.spreadsheets import (
    MAX_ROWS,
    ROW_PROBLEMS,
    LearnerRow,
    SpreadsheetError,
    read_learner_file,
    read_pasted_addresses,
)
from karma.lib.spreadsheets.decoding import decode_text
from karma.lib.spreadsheets.workbook import ZIP_SIGNATURE
from karma.web.background import start_after_commit

logger = logging.getLogger(__name__)

# Rows per database round trip: below SQLite's limit on query parameters
# and large enough that 100,000 rows take about a hundred queries a step.
CHUNK = 900
# Files of more lines than this are read whole only in the background.
READ_AT_ONCE_LINES = 2_000
PROBE_LINES = 200
NAME_LIMIT = 150
PROGRESS_TTL = 60 * 60
# Learners in one job, whatever the input: the reader's cap for a file.
MAX_LEARNERS = MAX_ROWS
# The error of a chosen user id that names nobody; the report says so in
# its own words rather than as an address that is not valid.
NO_SUCH_USER = "no such user"


class BulkEnrollmentError(EnrollmentError):
    """The job cannot start or go on; the message says why."""


@dataclass(frozen=True)
class PlannedRow:
    line: int
    email: str
    first_name: str
    last_name: str
    outcome: str
    message: str
    learner_id: int | None = None
    # What applying does: "create", "reopen", "invite" or "" for nothing.
    action: str = ""


# --- 1. Start -------------------------------------------------------------------


def start_job(
    *,
    course: Course,
    started_by: User | None,
    source: str,
    data: bytes = b"",
    file_name: str = "",
    text: str = "",
    user_ids: Sequence[str] = (),
    unknown_policy: str = UnknownEmailPolicy.SKIP,
    dry_run: bool = False,
    background: bool = True,
) -> BulkEnrollmentJob:
    """Check the input and create a job whose review runs in the background.

    Raises BulkEnrollmentError, with a message for the person, when the
    course takes no enrollments, the policy is not theirs to choose or the
    input cannot be read. Nothing is stored then. With `background=False`
    the caller runs `review_job` itself (the command line does).
    """
    _check_can_start(
        course=course, started_by=started_by, unknown_policy=unknown_policy
    )
    payload, name = _payload(source=source, data=data, text=text, user_ids=user_ids)
    if source == BulkSource.FILE and payload.count(b"\n") > READ_AT_ONCE_LINES:
        # A large file is only probed here, so the request answers at once;
        # the review reads it whole in the background, and a problem found
        # there fails the job with its reason, changing nothing.
        rows, notes = _probe(payload, file_name)
    else:
        rows, notes = _read(source=source, payload=payload, file_name=file_name)

    job = BulkEnrollmentJob(
        course=course,
        created_by=started_by,
        source=source,
        file_name=(file_name or "")[:255],
        unknown_policy=unknown_policy,
        dry_run=dry_run,
        total_rows=len(rows),
        notes=notes,
    )
    with transaction.atomic():
        job.upload.save(name, ContentFile(payload), save=False)
        job.save()
        if background:
            from karma.enrollments.tasks import review_bulk_job

            start_after_commit(review_bulk_job, job_id=job.pk)

    logger.info(
        "bulk enrollment started",
        extra={
            "job_id": job.public_id,
            "course_id": course.public_id,
            "rows": len(rows),
        },
    )
    return job


def _check_can_start(
    *, course: Course, started_by: User | None, unknown_policy: str
) -> None:
    problem = staff_enrollment_problem(course)
    if problem is not None:
        raise BulkEnrollmentError(problem)
    if unknown_policy not in UnknownEmailPolicy.values:
        raise BulkEnrollmentError(
            "Choose skip or invite for unknown emails.", field="unknown_emails"
        )
    _check_can_invite(unknown_policy, started_by)


def _check_can_invite(unknown_policy: str, user: User | None) -> None:
    # Inviting creates accounts, which is an admin's call (SPEC 2); the
    # command line runs as the operator (no user) and may invite too.
    if (
        unknown_policy == UnknownEmailPolicy.INVITE
        and user is not None
        and user.role != Role.ADMIN
    ):
        raise BulkEnrollmentError(
            "Only admins can invite people who have no account yet.",
            field="unknown_emails",
        )


def _payload(
    *, source: str, data: bytes, text: str, user_ids: Sequence[str]
) -> tuple[bytes, str]:
    if source == BulkSource.FILE:
        return data, "upload.bin"
    if source == BulkSource.PASTE:
        return (text or "").encode("utf-8"), "pasted.txt"
    if source == BulkSource.USERS:
        return json.dumps(list(user_ids)).encode(), "users.json"
    raise BulkEnrollmentError("Upload a file, paste addresses or choose users.")


def _read(
    *, source: str, payload: bytes, file_name: str = ""
) -> tuple[list[LearnerRow], list[str]]:
    try:
        if source == BulkSource.FILE:
            learner_file = read_learner_file(
                payload,
                filename=file_name,
                max_bytes=settings.KARMA_BULK_MAX_MB * 1024 * 1024,
                max_rows=MAX_LEARNERS,
            )
        elif source == BulkSource.PASTE:
            learner_file = read_pasted_addresses(
                payload.decode("utf-8"), max_rows=MAX_LEARNERS
            )
        else:
            return _rows_for_users(json.loads(payload)), []
    except SpreadsheetError as error:
        raise BulkEnrollmentError(error.message, field="file") from error

    notes = list(learner_file.warnings)
    if learner_file.ignored_columns:
        notes.append(
            "Ignored columns: " + ", ".join(learner_file.ignored_columns) + "."
        )
    return learner_file.rows, notes


def _too_long_list() -> str:
    return (
        f"The list has more than {MAX_LEARNERS:,} learners. Split it into "
        f"lists of at most {MAX_LEARNERS:,}."
    )


def _probe(payload: bytes, file_name: str) -> tuple[list[LearnerRow], list[str]]:
    """Check a large file's size, encoding and columns on its first lines.

    Returns placeholder rows, one per line after the first, so the job can
    show a total while the review reads the file for real.
    """
    limit = settings.KARMA_BULK_MAX_MB * 1024 * 1024
    if len(payload) > limit:
        _read(source=BulkSource.FILE, payload=payload, file_name=file_name)
    if payload.startswith(ZIP_SIGNATURE):
        return [], []
    try:
        text = decode_text(payload).text
    except SpreadsheetError as error:
        raise BulkEnrollmentError(error.message, field="file") from error

    lines = text.splitlines()
    head = "\n".join(lines[:PROBE_LINES]).encode("utf-8")
    _, notes = _read(source=BulkSource.FILE, payload=head, file_name=file_name)
    estimate = max(len(lines) - 1, 0)
    return [LearnerRow(n, "", "", None) for n in range(estimate)], notes


def _rows_for_users(public_ids: Sequence[str]) -> list[LearnerRow]:
    """Turn chosen users into rows, numbered from 1 in the order chosen."""
    if not public_ids:
        raise BulkEnrollmentError("Choose at least one person.", field="user_ids")
    if len(public_ids) > MAX_LEARNERS:
        raise BulkEnrollmentError(_too_long_list(), field="user_ids")
    users = {}
    for start in range(0, len(public_ids), CHUNK):
        chunk = public_ids[start : start + CHUNK]
        users.update(
            {
                u.public_id: u
                for u in User.objects.filter(public_id__in=chunk).only(
                    "public_id", "email"
                )
            }
        )

    rows = []
    for number, public_id in enumerate(public_ids, start=1):
        user = users.get(public_id)
        if user is None:
            rows.append(LearnerRow(number, public_id, "", NO_SUCH_USER))
        else:
            rows.append(LearnerRow(number, user.email, user.email, None))
    return rows


# --- 2. Review -------------------------------------------------------------------


def review_job(*, job_id: int, progress=None) -> BulkEnrollmentJob:
    """Work out and store what would happen to every row of the job.

    `progress`, when given, is called with the number of rows done so far.
    """
    job = BulkEnrollmentJob.objects.select_related("course").get(pk=job_id)
    if job.status != BulkJobStatus.REVIEWING:
        return job

    try:
        rows, notes = _read(
            source=job.source, payload=_stored_payload(job), file_name=job.file_name
        )
        job.notes = notes
        planned = plan_rows(
            course=job.course,
            rows=rows,
            unknown_policy=job.unknown_policy,
            progress=lambda done: _report_progress(job, done, progress),
        )
        _store_review(job, planned)
    except Exception as error:
        _fail(job, error)
        raise

    logger.info("bulk enrollment reviewed", extra={"job_id": job.public_id})
    return job


def _stored_payload(job: BulkEnrollmentJob) -> bytes:
    with job.upload.open("rb") as handle:
        return handle.read()


def _store_review(job: BulkEnrollmentJob, planned: list[PlannedRow]) -> None:
    with transaction.atomic():
        # Cancelled while the rows were checked: it stays cancelled.
        if not _still_in(job, BulkJobStatus.REVIEWING):
            return
        job.rows.all().delete()
        _insert_review_rows(job, planned)
        job.counts = count_outcomes(planned)
        job.total_rows = len(planned)
        job.processed_rows = len(planned)
        job.status = BulkJobStatus.DONE if job.dry_run else BulkJobStatus.READY
        if job.dry_run:
            job.finished_at = timezone.now()
        job.save(
            update_fields=[
                "counts",
                "notes",
                "total_rows",
                "processed_rows",
                "status",
                "finished_at",
            ]
        )


def _still_in(job: BulkEnrollmentJob, status: str) -> bool:
    """Lock the job's row and tell whether it is still in `status`."""
    return (
        BulkEnrollmentJob.objects.select_for_update()
        .filter(pk=job.pk, status=status)
        .exists()
    )


def _insert_review_rows(job: BulkEnrollmentJob, planned: list[PlannedRow]) -> None:
    # Cut to the columns' lengths, as the form of each value allows.
    insert_rows(
        BulkEnrollmentRow,
        {
            "line": [row.line for row in planned],
            "email": [row.email[:320] for row in planned],
            "first_name": [row.first_name[:150] for row in planned],
            "last_name": [row.last_name[:150] for row in planned],
            "outcome": [row.outcome for row in planned],
            "message": [row.message[:500] for row in planned],
            "learner": [row.learner_id for row in planned],
        },
        {"job": job.pk},
    )


# --- 3. Confirm and apply ------------------------------------------------------------


def confirm_job(
    *, job: BulkEnrollmentJob, confirmed_by: User | None, background: bool = True
) -> BulkEnrollmentJob:
    """Queue a reviewed job for applying. Confirming twice changes nothing.

    With `background=False` the caller runs `apply_job` itself.
    """
    from karma.enrollments.tasks import apply_bulk_job

    with transaction.atomic():
        job = BulkEnrollmentJob.objects.select_for_update().get(pk=job.pk)
        already_confirmed = job.status == BulkJobStatus.RUNNING or (
            job.status == BulkJobStatus.DONE and not job.dry_run
        )
        if already_confirmed:
            return job
        if job.status != BulkJobStatus.READY:
            raise BulkEnrollmentError("This job cannot be confirmed in its state.")
        if job.counts.get(RowOutcome.INVITED):
            _check_can_invite(job.unknown_policy, confirmed_by)
        job.status = BulkJobStatus.RUNNING
        job.processed_rows = 0
        job.confirmed_at = timezone.now()
        job.save(update_fields=["status", "processed_rows", "confirmed_at"])
        # The review left its final count in the cache; the apply step
        # counts from zero again.
        cache.delete(_progress_key(job))
        if background:
            start_after_commit(apply_bulk_job, job_id=job.pk)
    return job


def change_unknown_policy(
    *,
    job: BulkEnrollmentJob,
    unknown_policy: str,
    changed_by: User | None,
    background: bool = True,
) -> BulkEnrollmentJob:
    """Review a job waiting for confirmation again under another policy.

    Raises BulkEnrollmentError when the job is no longer waiting or the
    policy is not the person's to choose. The rows are planned again from
    the stored input, in the background like the first review.
    """
    from karma.enrollments.tasks import review_bulk_job

    if unknown_policy not in UnknownEmailPolicy.values:
        raise BulkEnrollmentError(
            "Choose skip or invite for unknown emails.", field="unknown_emails"
        )
    _check_can_invite(unknown_policy, changed_by)
    with transaction.atomic():
        job = BulkEnrollmentJob.objects.select_for_update().get(pk=job.pk)
        if job.status != BulkJobStatus.READY:
            raise BulkEnrollmentError(
                "Only a job waiting for confirmation can change its policy."
            )
        if job.unknown_policy == unknown_policy:
            return job
        job.unknown_policy = unknown_policy
        job.status = BulkJobStatus.REVIEWING
        job.processed_rows = 0
        job.save(update_fields=["unknown_policy", "status", "processed_rows"])
        cache.delete(_progress_key(job))
        if background:
            start_after_commit(review_bulk_job, job_id=job.pk)
    return job


def cancel_job(*, job: BulkEnrollmentJob) -> BulkEnrollmentJob:
    """Drop a reviewed job that was never confirmed."""
    updated = BulkEnrollmentJob.objects.filter(
        pk=job.pk, status__in=[BulkJobStatus.READY, BulkJobStatus.REVIEWING]
    ).update(status=BulkJobStatus.CANCELLED, finished_at=timezone.now())
    if not updated:
        raise BulkEnrollmentError(
            "Only a job that is not yet confirmed can be cancelled."
        )
    job.refresh_from_db()
    return job


def apply_job(*, job_id: int, progress=None) -> BulkEnrollmentJob:
    """Enroll (and invite) the job's rows in one transaction."""
    job = BulkEnrollmentJob.objects.select_related("course", "created_by").get(
        pk=job_id
    )
    if job.status != BulkJobStatus.RUNNING:
        return job

    try:
        with transaction.atomic():
            # One job per course at a time: the second of two overlapping
            # jobs sees the first one's enrollments as already there.
            Course.objects.select_for_update().filter(pk=job.course_id).first()
            if not _still_running(job):
                return job
            problem = staff_enrollment_problem(job.course)
            if problem is not None:
                raise BulkEnrollmentError(problem)
            outcome = _apply(job, progress)
    except Exception as error:
        _fail(job, error)
        raise

    logger.info(
        "bulk enrollment applied",
        extra={
            "job_id": job.public_id,
            "enrolled": outcome.get(RowOutcome.ENROLLED, 0),
        },
    )
    return job


def _still_running(job: BulkEnrollmentJob) -> bool:
    return BulkEnrollmentJob.objects.filter(
        pk=job.pk, status=BulkJobStatus.RUNNING
    ).exists()


def _apply(job: BulkEnrollmentJob, progress=None) -> dict[str, int]:
    reviewed = [
        StoredRow(*values)
        for values in job.rows.values_list(
            "pk", "line", "email", "first_name", "last_name", "outcome", "message"
        )
    ]
    rows = [
        LearnerRow(
            r.line, r.email, r.email, _stored_error(r), r.first_name, r.last_name
        )
        for r in reviewed
    ]
    planned = plan_rows(
        course=job.course,
        rows=rows,
        unknown_policy=job.unknown_policy,
        progress=lambda done: _report_progress(job, done * 2 // 5, progress),
        keep_messages={
            index: r.message
            for index, r in enumerate(reviewed)
            if r.outcome == RowOutcome.INVALID
        },
    )

    # Shares of the bar: planning 40%, inviting 40%, enrolling the rest.
    total = len(reviewed)
    planned = _invite_unknown(
        job,
        planned,
        progress=lambda share: _report_progress(
            job, total * 2 // 5 + int(total * 2 // 5 * share), progress
        ),
    )
    _report_progress(job, total * 4 // 5, progress)
    created, reopened = _enroll_rows(job, planned)
    _count_progress(job, [enrollment.pk for enrollment in reopened])
    final = _final_rows(planned, {enrollment.learner_id for enrollment in created})
    _report_progress(job, len(final), progress)

    _store_results(job, reviewed, final)

    _record_enrollments(job, created + reopened)
    # Invited learners get their invitation email, which is their way in.
    invited = {row.learner_id for row in final if row.outcome == RowOutcome.INVITED}
    notify_enrolled_after_commit(
        sorted(
            enrollment.pk
            for enrollment in created + reopened
            if enrollment.learner_id not in invited
        )
    )

    counts = count_outcomes(final)
    job.counts = counts
    job.processed_rows = len(final)
    job.status = BulkJobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["counts", "processed_rows", "status", "finished_at"])
    record_event(
        kind=AuditKind.BULK_ENROLLMENT_RUN,
        actor=job.created_by,
        target=job.public_id,
        details={"course": job.course.public_id, "counts": counts},
    )
    return counts


def _store_results(
    job: BulkEnrollmentJob, reviewed: list[StoredRow], final: list[PlannedRow]
) -> None:
    """Write the result of each row whose result changed since the review.

    Rows are matched by position, not line: pasted addresses share a line.
    """
    changed = [
        (stored.pk, row.outcome, row.message[:500])
        for stored, row in zip(reviewed, final, strict=True)
        if (stored.outcome, stored.message) != (row.outcome, row.message[:500])
    ]
    update_rows(
        BulkEnrollmentRow,
        [pk for pk, _, _ in changed],
        {
            "outcome": [outcome for _, outcome, _ in changed],
            "message": [message for _, _, message in changed],
        },
    )
    # Invited rows learn their new account only now.
    job.rows.filter(learner__isnull=True).exclude(email="").update(
        learner=Subquery(User.objects.filter(email=OuterRef("email")).values("pk")[:1])
    )


def _stored_error(row: StoredRow) -> str | None:
    return "invalid" if row.outcome == RowOutcome.INVALID else None


def _invite_unknown(
    job: BulkEnrollmentJob, planned: list[PlannedRow], progress=None
) -> list[PlannedRow]:
    """Invite the rows planned for it; `progress` gets the share done (0 to 1).

    Invitations go a chunk at a time, so a large file shows progress while
    their emails are prepared, the slowest part of applying it.
    """
    to_invite = [row for row in planned if row.action == "invite"]
    if not to_invite:
        return planned

    accounts: dict[str, User] = {}
    for start in range(0, len(to_invite), CHUNK):
        chunk = to_invite[start : start + CHUNK]
        accounts |= invite_learners_in_bulk(
            invitees=[
                Invitee(row.email, row.first_name, row.last_name) for row in chunk
            ],
            invited_by=job.created_by,
            course_title=job.course.title,
        )
        if progress is not None:
            progress((start + len(chunk)) / len(to_invite))
    result = []
    for row in planned:
        if row.action == "invite":
            account = accounts[row.email]
            row = replace(row, learner_id=account.pk)
        result.append(row)
    return result


@dataclass(frozen=True)
class StoredRow:
    """A row as the review stored it."""

    pk: int
    line: int
    email: str
    first_name: str
    last_name: str
    outcome: str
    message: str


@dataclass(frozen=True)
class Touched:
    """An enrollment the job created or reopened."""

    pk: int
    learner_id: int
    public_id: str


def _enroll_rows(
    job: BulkEnrollmentJob, planned: list[PlannedRow]
) -> tuple[list[Touched], list[Touched]]:
    """Create and reopen enrollments; return those created and those reopened."""
    reopen = [row.learner_id for row in planned if row.action == "reopen"]
    create = [row.learner_id for row in planned if row.action in ("create", "invite")]

    reopened: list[Touched] = []
    for start in range(0, len(reopen), CHUNK):
        chunk = reopen[start : start + CHUNK]
        dropped = Enrollment.objects.filter(
            course=job.course, learner_id__in=chunk, status=EnrollmentStatus.DROPPED
        )
        reopened += [
            Touched(*values)
            for values in dropped.values_list("pk", "learner_id", "public_id")
        ]
        dropped.update(status=EnrollmentStatus.ACTIVE, dropped_at=None)

    # A conflicting insert means a learner got an open enrollment meanwhile;
    # it is skipped here and reported as already enrolled later. New records
    # have done nothing yet: each starts with the course's count of required
    # lessons to do.
    insert_rows(
        Enrollment,
        {
            "public_id": [new_public_id("enr") for _ in create],
            "learner": create,
        },
        {
            "course": job.course_id,
            "status": EnrollmentStatus.ACTIVE,
            "source": EnrollmentSource.BULK,
            "enrolled_by": job.created_by_id,
            "enrolled_at": timezone.now(),
            "bulk_job": job.pk,
            "required_total": course_rule(job.course).total,
        },
        ignore_conflicts=True,
    )
    created = [
        Touched(*values)
        for values in job.enrollments.order_by("pk").values_list(
            "pk", "learner_id", "public_id"
        )
    ]
    return created, reopened


def _count_progress(job: BulkEnrollmentJob, reopened_ids: list[int]) -> None:
    """Complete the reopened enrollments that already reach every required lesson.

    Reopened records kept figures that the progress service maintained
    while they were dropped; the few that reach every required lesson
    complete now, like a single reactivation. (New records get the course's
    count of required lessons as they are inserted.)
    """
    for start in range(0, len(reopened_ids), CHUNK):
        finished = Enrollment.objects.filter(
            pk__in=reopened_ids[start : start + CHUNK],
            required_total__gt=0,
            required_done__gte=F("required_total"),
        )
        for enrollment in finished:
            recompute_enrollment(enrollment=enrollment)


def _final_rows(planned: list[PlannedRow], mine: set[int]) -> list[PlannedRow]:
    """Turn the plan into results, reporting lost insert races honestly.

    `mine` holds the learners whose enrollment this job created.
    """
    result = []
    for row in planned:
        if row.action in ("create", "invite") and row.learner_id not in mine:
            row = replace(
                row, outcome=RowOutcome.ALREADY_ENROLLED, message="Already enrolled"
            )
        elif row.action == "invite":
            row = replace(row, message="Invited as a learner and enrolled")
        elif row.action == "create":
            row = replace(
                row, message=row.message.replace("Will be enrolled", "Enrolled")
            )
        elif row.action == "reopen":
            row = replace(
                row, message=row.message.replace("Will be re-enrolled", "Re-enrolled")
            )
        result.append(row)
    return result


def _record_enrollments(job: BulkEnrollmentJob, enrollments: list[Touched]) -> None:
    insert_rows(
        AuditEvent,
        {
            "public_id": [new_public_id("aud") for _ in enrollments],
            "subject": [enrollment.learner_id for enrollment in enrollments],
            "target": [enrollment.public_id for enrollment in enrollments],
        },
        {
            "kind": AuditKind.ENROLLMENT_CREATED,
            "actor": job.created_by_id,
            "created_at": timezone.now(),
            "details": {"course": job.course.public_id, "bulk_job": job.public_id},
        },
    )


def _fail(job: BulkEnrollmentJob, error: Exception) -> None:
    message = (
        error.message
        if isinstance(error, EnrollmentError)
        else "The job stopped on an unexpected error. Nothing was changed; try again."
    )
    BulkEnrollmentJob.objects.filter(pk=job.pk).update(
        status=BulkJobStatus.FAILED, error=message, finished_at=timezone.now()
    )
    logger.error(
        "bulk enrollment failed", exc_info=error, extra={"job_id": job.public_id}
    )


# --- Planning: what happens to each row ----------------------------------------------


def plan_rows(
    *,
    course: Course,
    rows: Sequence[LearnerRow],
    unknown_policy: str,
    progress=None,
    keep_messages: dict[int, str] | None = None,
) -> list[PlannedRow]:
    """Decide the outcome of every row against the database as it is now.

    Rows keep file order. Invalid, duplicate, unknown, deactivated and
    already-enrolled rows change nothing when applied. `keep_messages`
    gives invalid rows their earlier message, by position in `rows`.
    """
    firsts, planned = _screen_rows(rows, keep_messages or {})
    emails = [row.email for row in firsts]
    accounts: dict[str, Account] = {}
    enrollments: dict[int, list[tuple[str, object]]] = {}
    missing_prereqs: dict[int, list[str]] = {}
    prerequisites = dict(course.prerequisites.values_list("pk", "title"))

    for start in range(0, len(emails), CHUNK):
        chunk = emails[start : start + CHUNK]
        found, history = _accounts(course, chunk)
        accounts.update(found)
        enrollments.update(history)
        missing_prereqs.update(
            _missing_prerequisites(prerequisites, [user.pk for user in found.values()])
        )
        if progress is not None:
            progress(min(len(rows), start + len(chunk)))

    # In the order of `firsts`, which is their order in `planned`; not by
    # line, since several pasted addresses share one.
    decided = iter(
        [
            _decide(
                row,
                accounts.get(row.email),
                enrollments,
                missing_prereqs,
                unknown_policy=unknown_policy,
            )
            for row in firsts
        ]
    )
    return [next(decided) if isinstance(row, LearnerRow) else row for row in planned]


def _screen_rows(
    rows: Sequence[LearnerRow], keep_messages: dict[int, str]
) -> tuple[list[LearnerRow], list[PlannedRow | LearnerRow]]:
    """Settle invalid and duplicate rows; return the first occurrences to look up."""
    seen: dict[str, int] = {}
    firsts: list[LearnerRow] = []
    planned: list[PlannedRow | LearnerRow] = []
    for index, row in enumerate(rows):
        if row.email_error is not None or not row.email:
            message = keep_messages.get(index) or _invalid_message(row)
            planned.append(_settled(row, RowOutcome.INVALID, message))
        elif row.email in seen:
            planned.append(
                _settled(
                    row, RowOutcome.DUPLICATE, f"Duplicate of line {seen[row.email]}"
                )
            )
        else:
            seen[row.email] = row.line
            firsts.append(row)
            planned.append(row)
    return firsts, planned


def _invalid_message(row: LearnerRow) -> str:
    if row.email_error == NO_SUCH_USER:
        return f"No user with id {row.raw_email}"
    # The reader's word on the row itself (an unsaved formula, two learners
    # on one line) says all there is; it is about no address as written.
    if row.email_error in ROW_PROBLEMS:
        return row.email_error.removesuffix(".")
    if not row.raw_email.strip():
        return "No email address in this row"
    return f"Not a valid email address: “{row.raw_email.strip()}” ({row.email_error})"


def _settled(row: LearnerRow, outcome: str, message: str) -> PlannedRow:
    return PlannedRow(
        line=row.line,
        email=row.email or row.raw_email.strip(),
        first_name=row.first_name,
        last_name=row.last_name,
        outcome=outcome,
        message=message,
    )


@dataclass(frozen=True)
class Account:
    """What planning needs to know of an account."""

    pk: int
    is_active: bool


def _accounts(
    course: Course, emails: Sequence[str]
) -> tuple[dict[str, Account], dict[int, list[tuple[str, object]]]]:
    """Find the accounts of `emails` and their enrollments in `course`.

    One query: each account comes once per enrollment in the course, or
    once with no enrollment.
    """
    found = (
        User.objects.filter(email__in=emails)
        .annotate(
            here=FilteredRelation(
                "enrollments", condition=Q(enrollments__course=course)
            )
        )
        .order_by()
        .values_list("email", "pk", "is_active", "here__status", "here__completed_at")
    )
    accounts: dict[str, Account] = {}
    history: dict[int, list[tuple[str, object]]] = {}
    for email, pk, is_active, status, completed_at in found:
        accounts[email] = Account(pk, is_active)
        if status is not None:
            history.setdefault(pk, []).append((status, completed_at))
    return accounts, history


def _missing_prerequisites(
    prerequisites: dict[int, str], learner_ids: Sequence[int]
) -> dict[int, list[str]]:
    if not prerequisites or not learner_ids:
        return {}
    done: dict[int, set[int]] = {}
    completed = (
        Enrollment.objects.filter(
            course_id__in=prerequisites,
            learner_id__in=learner_ids,
            status=EnrollmentStatus.COMPLETED,
        )
        .order_by()
        .values_list("learner_id", "course_id")
    )
    for learner_id, course_id in completed:
        done.setdefault(learner_id, set()).add(course_id)
    return {
        learner_id: [
            title
            for pk, title in prerequisites.items()
            if pk not in done.get(learner_id, set())
        ]
        for learner_id in learner_ids
    }


def _shortened_name_note(row: LearnerRow) -> str:
    # Names are kept to 150 characters (the account's limit); say so rather
    # than cut them silently.
    if len(row.first_name) > NAME_LIMIT or len(row.last_name) > NAME_LIMIT:
        return f"; the name is longer than {NAME_LIMIT} characters and will be cut"
    return ""


def _decide(
    row: LearnerRow,
    user: Account | None,
    enrollments: dict[int, list[tuple[str, object]]],
    missing_prereqs: dict[int, list[str]],
    *,
    unknown_policy: str,
) -> PlannedRow:
    def planned(outcome: str, message: str, action: str = "") -> PlannedRow:
        return PlannedRow(
            row.line,
            row.email,
            row.first_name,
            row.last_name,
            outcome,
            message,
            user.pk if user is not None else None,
            action,
        )

    if user is None:
        if unknown_policy == UnknownEmailPolicy.INVITE:
            return planned(
                RowOutcome.INVITED,
                "No account yet: will be invited as a learner and enrolled"
                + _shortened_name_note(row),
                "invite",
            )
        return planned(RowOutcome.UNKNOWN, "No account with this address; skipped")
    if not user.is_active:
        return planned(RowOutcome.DEACTIVATED, "This account is deactivated")

    history = enrollments.get(user.pk, [])
    statuses = {status for status, _ in history}
    if EnrollmentStatus.ACTIVE in statuses:
        return planned(RowOutcome.ALREADY_ENROLLED, "Already enrolled")
    if (
        EnrollmentStatus.DROPPED not in statuses
        and EnrollmentStatus.COMPLETED in statuses
    ):
        # Re-running a file must change nothing, also for those who finished.
        done = max(
            when for status, when in history if status == EnrollmentStatus.COMPLETED
        )
        when = f" on {done:%Y-%m-%d}" if done else ""
        return planned(
            RowOutcome.ALREADY_ENROLLED, f"Already completed this course{when}"
        )

    warning = ""
    if missing_prereqs.get(user.pk):
        warning = "; prerequisites not completed: " + ", ".join(
            missing_prereqs[user.pk]
        )
    if EnrollmentStatus.DROPPED in statuses:
        return planned(
            RowOutcome.ENROLLED, "Will be re-enrolled (had dropped)" + warning, "reopen"
        )
    return planned(RowOutcome.ENROLLED, "Will be enrolled" + warning, "create")


# --- Reporting ---------------------------------------------------------------------


def count_outcomes(rows: Iterable[PlannedRow]) -> dict[str, int]:
    counts = {outcome: 0 for outcome in RowOutcome.values}
    for row in rows:
        counts[row.outcome] += 1
    return counts


def job_notes(job: BulkEnrollmentJob) -> list[str]:
    """Facts the review page shows above the rows."""
    notes = list(job.notes)
    if job.course.enrollment_type == EnrollmentType.INVITE_ONLY:
        notes.append("The course is invite-only; staff enrollment skips that.")
    return notes


def progress_of(job: BulkEnrollmentJob) -> int:
    """Rows processed so far, from the cache while the job's transaction is open."""
    if job.is_finished or job.status == BulkJobStatus.READY:
        return job.total_rows
    return int(cache.get(_progress_key(job), job.processed_rows))


def _report_progress(job: BulkEnrollmentJob, done: int, listener=None) -> None:
    # The apply step runs in one transaction, so its progress would be
    # invisible in the database until the end; the cache shows it live.
    cache.set(_progress_key(job), done, PROGRESS_TTL)
    if listener is not None:
        listener(done)


def _progress_key(job: BulkEnrollmentJob) -> str:
    return f"karma:bulk:{job.public_id}:progress"
