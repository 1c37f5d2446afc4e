"""Erasure handlers of the registry: each one erases one model's rows.

Every handler takes the ErasureContext and returns how many rows it changed
or removed. They run in the order of HOLDINGS, inside the transaction of
karma.privacy.services.erase_learner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)

from karma.accounts.models import Invitation, User
from karma.assessments.models import Answer
from karma.assessments.services.attempts import settle_ungraded_answers
from karma.audit.models import AuditEvent
from karma.courses.models import CourseInstructor
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkEnrollmentRow,
    BulkJobStatus,
)
from karma.learning.models import Certificate
from karma.reports.models import ExportJob

ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "learner"
# What erased spreadsheet rows and texts say instead of the person.
ERASED_TEXT = "erased"
REDACTED = "[erased]"


def erased_email(user: User) -> str:
    """Return the address an erased account gets: unique, and undeliverable
    (the .invalid top-level domain is reserved for exactly this)."""
    return f"erased-{user.public_id}@invalid"


@dataclass(frozen=True)
class ErasureContext:
    """What erasure handlers need: the person as they were before it."""

    learner: User
    email: str
    first_name: str
    last_name: str
    now: datetime
    # Uploaded files to remove once the transaction commits.
    files_to_delete: list[str] = field(default_factory=list)

    @classmethod
    def before_erasing(cls, learner: User, *, now: datetime) -> ErasureContext:
        return cls(
            learner=learner,
            email=learner.email,
            first_name=learner.first_name,
            last_name=learner.last_name,
            now=now,
        )

    def redact(self, text: str) -> str:
        """Return `text` with the person's address and names replaced."""
        needles = {self.email, self.first_name, self.last_name}
        needles.add(f"{self.first_name} {self.last_name}".strip())
        # Longest first, so the full name goes before its parts; one-letter
        # names would blank every such letter, so they are left alone.
        wanted = sorted((n for n in needles if len(n) > 1), key=len, reverse=True)
        if not wanted or not text:
            return text
        alternatives = "|".join(re.escape(needle) for needle in wanted)
        # Lookarounds rather than \b: names may start or end with a symbol.
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return pattern.sub(REDACTED, text)


def sessions_of(user: User) -> QuerySet[Session]:
    # Session rows name their user only inside the signed payload, so each
    # one is decoded. Erasure is rare and sessions are few enough; with a
    # cache session engine the table is empty and the credentials
    # generation (bumped with the user row) ends those sessions instead.
    keys = [
        session.session_key
        for session in Session.objects.iterator(chunk_size=2000)
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    return Session.objects.filter(session_key__in=keys)


def delete_sessions(context: ErasureContext) -> int:
    deleted, _ = sessions_of(context.learner).delete()
    return deleted


def blacklist_tokens(context: ErasureContext) -> int:
    open_tokens = OutstandingToken.objects.filter(user=context.learner).exclude(
        blacklistedtoken__isnull=False
    )
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in open_tokens],
        ignore_conflicts=True,
    )
    return len(created)


def delete_invitations(context: ErasureContext) -> int:
    deleted, _ = Invitation.objects.filter(user=context.learner).delete()
    return deleted


def delete_export_jobs(context: ErasureContext) -> int:
    """Delete the exports the person asked for, files included: they hold
    other learners' data and only their requester may download them."""
    jobs = ExportJob.objects.filter(requested_by=context.learner)
    files = jobs.exclude(file="").values_list("file", flat=True)
    context.files_to_delete.extend(files)
    deleted, _ = jobs.delete()
    return deleted


def redact_audit_reasons(context: ErasureContext) -> int:
    """Replace the person's name and address in the reasons of entries
    about them or by them.

    The only change ever made to audit entries, and made through the
    queryset because AuditEvent.save() refuses updates: the entries stay as
    the legal record of what happened, but a reason typed by an admin
    ("at the request of ...") must not keep the name erasure removes.
    """
    changed = 0
    events = AuditEvent.objects.filter(
        Q(subject=context.learner) | Q(actor=context.learner)
    ).exclude(reason="")
    for pk, reason in events.values_list("pk", "reason"):
        redacted = context.redact(reason)
        if redacted != reason:
            AuditEvent.objects.filter(pk=pk).update(reason=redacted)
            changed += 1
    return changed


def remove_course_links(context: ErasureContext) -> int:
    deleted, _ = CourseInstructor.objects.filter(instructor=context.learner).delete()
    return deleted


def bulk_rows_of(user: User) -> QuerySet[BulkEnrollmentRow]:
    # Rows that never matched an account (unknown or invalid outcomes)
    # name the person only by address.
    return BulkEnrollmentRow.objects.filter(
        Q(learner=user) | Q(email__iexact=user.email)
    )


def anonymise_bulk_rows(context: ErasureContext) -> int:
    """Blank the person's address and names in every bulk job's report,
    cancel unconfirmed jobs that list them and drop those jobs' uploads."""
    rows = list(bulk_rows_of(context.learner))
    for row in rows:
        row.email = ERASED_TEXT
        row.first_name = ""
        row.last_name = ""
        row.message = context.redact(row.message)[:500]
    BulkEnrollmentRow.objects.bulk_update(
        rows, ["email", "first_name", "last_name", "message"], batch_size=500
    )

    job_ids = {row.job_id for row in rows}
    # A confirmed job would read "erased" as an address to act on.
    BulkEnrollmentJob.objects.filter(pk__in=job_ids, status=BulkJobStatus.READY).update(
        status=BulkJobStatus.CANCELLED, finished_at=context.now
    )
    # The uploaded file holds the address too; the review no longer needs
    # it once the rows are stored (they are, or the rows would not be here).
    with_files = BulkEnrollmentJob.objects.filter(pk__in=job_ids).exclude(upload="")
    context.files_to_delete.extend(with_files.values_list("upload", flat=True))
    with_files.update(upload="")
    return len(rows)


def settle_awaiting_grading(context: ErasureContext) -> int:
    """Give the person's short answers still waiting for a grader 0 points
    and settle their attempts (docs/decisions.md, Data rights).

    Runs before certificates are renamed: a settled attempt can complete
    the course and issue one.
    """
    return settle_ungraded_answers(learner=context.learner)


def anonymise_certificates(context: ErasureContext) -> int:
    return Certificate.objects.filter(learner=context.learner).update(
        learner_name=f"{ERASED_FIRST_NAME} {ERASED_LAST_NAME}"
    )


def blank_answer_texts(context: ErasureContext) -> int:
    """Blank short-answer texts and graders' feedback; points stay, so
    scores and course figures do not move."""
    answers = list(
        Answer.objects.filter(attempt__learner=context.learner).exclude(
            Q(feedback="") & ~Q(response__has_key="text")
        )
    )
    for answer in answers:
        if isinstance(answer.response, dict) and "text" in answer.response:
            answer.response = {**answer.response, "text": ""}
        answer.feedback = ""
    Answer.objects.bulk_update(answers, ["response", "feedback"], batch_size=500)
    return len(answers)


def anonymise_user(context: ErasureContext) -> int:
    user = context.learner
    user.first_name = ERASED_FIRST_NAME
    user.last_name = ERASED_LAST_NAME
    user.email = erased_email(user)
    user.set_unusable_password()
    user.is_active = False
    user.must_change_password = False
    # Ends every session and API token minted before, at once.
    user.credentials_generation += 1
    user.save(
        update_fields=[
            "first_name",
            "last_name",
            "email",
            "password",
            "is_active",
            "must_change_password",
            "credentials_generation",
        ]
    )
    return 1


def delete_mail_copies_on_commit(context: ErasureContext) -> None:
    """Delete the copies the embedded mail backend kept of messages to the
    person (KARMA_MAIL_DIR, used when no SMTP server is configured)."""
    folder = Path(settings.KARMA_MAIL_DIR)
    address = context.email.lower().encode()

    def delete() -> None:
        if not folder.is_dir():
            return
        for copy in folder.glob("*.eml"):
            if address in copy.read_bytes().lower():
                copy.unlink(missing_ok=True)

    transaction.on_commit(delete, robust=True)


def delete_files_on_commit(context: ErasureContext) -> None:
    def delete() -> None:
        for name in context.files_to_delete:
            default_storage.delete(name)

    transaction.on_commit(delete, robust=True)
