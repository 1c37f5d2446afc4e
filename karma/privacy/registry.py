"""Every model that holds personal data, and how Karma exports and erases it.

SPEC section 9: a learner's data can be exported (everything held about
them) and erased (personal fields anonymised, aggregates kept consistent,
sessions and tokens ended). Each `Holding` below names one model, the rows
of it that concern a person, the fields the archive carries, and what
erasure does to those rows:

- anonymise: personal fields are overwritten in place, the rows stay;
- delete: the rows go (they are worth nothing without the person);
- keep: the rows stay as they are. They hold no personal field of their
  own, only a reference to the user row, which erasure anonymises; they are
  the figures courses and reports count (enrollments, progress, scores).

A test walks every installed model and fails when one with a user
reference or a personal-looking field is neither here nor in
`NOT_PERSONAL`; add the new model to one of them.

Erasure runs the holdings in the order listed, inside one transaction; the
user row comes last, so every handler before it still sees the person's
address and name (kept in ErasureContext too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import Q, QuerySet
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)

from karma.accounts.models import Invitation, User
from karma.assessments.models import Answer, Attempt
from karma.audit.models import AuditEvent
from karma.courses.models import Course, CourseInstructor
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkEnrollmentRow,
    BulkJobStatus,
    Enrollment,
)
from karma.learning.models import Certificate, LessonProgress

ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "learner"
# What erased spreadsheet rows and texts say instead of the person.
ERASED_TEXT = "erased"
REDACTED = "[erased]"


def erased_email(user: User) -> str:
    """Return the address an erased account gets: unique, and undeliverable
    (the .invalid top-level domain is reserved for exactly this)."""
    return f"erased-{user.public_id}@invalid"


class Erasure(StrEnum):
    ANONYMISE = "anonymise"
    DELETE = "delete"
    KEEP = "keep"


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


@dataclass(frozen=True)
class Holding:
    """How one model's personal data is exported and erased."""

    label: str
    erasure: Erasure
    # One or two sentences for the archive's README and for reviewers.
    explanation: str
    # The rows that concern the person.
    rows: Callable[[User], QuerySet]
    # ORM lookups exported for each row; empty when nothing is exported.
    fields: tuple[str, ...] = ()
    # Does the erasing; returns how many rows it changed or removed.
    erase: Callable[[ErasureContext], int] | None = None
    # True when every row is one person's record (an enrollment, an
    # attempt); models pointing at such rows must be registered too.
    belongs_to_person: bool = True

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def file_name(self) -> str:
        return f"data/{self.label}.json"


# --- Erasure handlers ------------------------------------------------------


def _sessions_of(user: User) -> QuerySet[Session]:
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


def _delete_sessions(context: ErasureContext) -> int:
    deleted, _ = _sessions_of(context.learner).delete()
    return deleted


def _blacklist_tokens(context: ErasureContext) -> int:
    open_tokens = OutstandingToken.objects.filter(user=context.learner).exclude(
        blacklistedtoken__isnull=False
    )
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in open_tokens],
        ignore_conflicts=True,
    )
    return len(created)


def _delete_invitations(context: ErasureContext) -> int:
    deleted, _ = Invitation.objects.filter(user=context.learner).delete()
    return deleted


def _redact_audit_reasons(context: ErasureContext) -> int:
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


def _remove_course_links(context: ErasureContext) -> int:
    deleted, _ = CourseInstructor.objects.filter(instructor=context.learner).delete()
    return deleted


def _bulk_rows_of(user: User) -> QuerySet[BulkEnrollmentRow]:
    # Rows that never matched an account (unknown or invalid outcomes)
    # name the person only by address.
    return BulkEnrollmentRow.objects.filter(
        Q(learner=user) | Q(email__iexact=user.email)
    )


def _anonymise_bulk_rows(context: ErasureContext) -> int:
    """Blank the person's address and names in every bulk job's report,
    cancel unconfirmed jobs that list them and drop those jobs' uploads."""
    rows = list(_bulk_rows_of(context.learner))
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


def _anonymise_certificates(context: ErasureContext) -> int:
    return Certificate.objects.filter(learner=context.learner).update(
        learner_name=f"{ERASED_FIRST_NAME} {ERASED_LAST_NAME}"
    )


def _blank_answer_texts(context: ErasureContext) -> int:
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


def _anonymise_user(context: ErasureContext) -> int:
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


def _delete_files_on_commit(context: ErasureContext) -> None:
    from django.core.files.storage import default_storage

    def delete() -> None:
        for name in context.files_to_delete:
            default_storage.delete(name)

    transaction.on_commit(delete, robust=True)


# --- The registry ------------------------------------------------------------

HOLDINGS: tuple[Holding, ...] = (
    Holding(
        label="sessions.Session",
        erasure=Erasure.DELETE,
        explanation="Signed-in browser sessions. Not exported: a session key "
        "is a credential. Erasure deletes them.",
        rows=_sessions_of,
        erase=_delete_sessions,
    ),
    Holding(
        label="token_blacklist.OutstandingToken",
        erasure=Erasure.ANONYMISE,
        explanation="API refresh tokens issued to the person: when each was "
        "issued, when it expires and when it was revoked (the tokens "
        "themselves are credentials and are not exported). Erasure revokes "
        "every one.",
        rows=lambda user: OutstandingToken.objects.filter(user=user),
        fields=("jti", "created_at", "expires_at", "blacklistedtoken__blacklisted_at"),
        erase=_blacklist_tokens,
    ),
    Holding(
        label="token_blacklist.BlacklistedToken",
        erasure=Erasure.KEEP,
        explanation="Revocations of the person's refresh tokens; exported "
        "with the tokens above.",
        rows=lambda user: BlacklistedToken.objects.filter(token__user=user),
    ),
    Holding(
        label="accounts.Invitation",
        erasure=Erasure.DELETE,
        explanation="Invitations sent to the person: when sent, when they "
        "expired, were accepted or revoked, and who sent them. Erasure "
        "deletes them.",
        rows=lambda user: Invitation.objects.filter(user=user),
        fields=(
            "public_id",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "invited_by__public_id",
        ),
        erase=_delete_invitations,
    ),
    Holding(
        label="audit.AuditEvent",
        erasure=Erasure.ANONYMISE,
        explanation="Audit log entries about the person or by them. Erasure "
        "keeps them as the record of what happened (their details never hold "
        "names or addresses) and replaces the person's name and address in "
        "their reasons.",
        rows=lambda user: AuditEvent.objects.filter(Q(subject=user) | Q(actor=user)),
        fields=(
            "public_id",
            "created_at",
            "kind",
            "actor__public_id",
            "subject__public_id",
            "target",
            "details",
            "reason",
        ),
        erase=_redact_audit_reasons,
        belongs_to_person=False,
    ),
    Holding(
        label="courses.Course",
        erasure=Erasure.KEEP,
        explanation="Courses the person owns. Someone who owns courses cannot "
        "be erased until they are given to another owner.",
        rows=lambda user: Course.objects.filter(owner=user),
        fields=("public_id", "title", "status", "created_at"),
        belongs_to_person=False,
    ),
    Holding(
        label="courses.CourseInstructor",
        erasure=Erasure.DELETE,
        explanation="Courses the person was added to as an instructor. "
        "Erasure removes them from those courses.",
        rows=lambda user: CourseInstructor.objects.filter(instructor=user),
        fields=("course__public_id", "course__title", "added_at"),
        erase=_remove_course_links,
    ),
    Holding(
        label="enrollments.Enrollment",
        erasure=Erasure.KEEP,
        explanation="Enrollments: course, status, progress and dates. Kept by "
        "erasure, under the anonymised account, so course figures hold.",
        rows=lambda user: Enrollment.objects.filter(learner=user),
        fields=(
            "public_id",
            "course__public_id",
            "course__title",
            "status",
            "source",
            "progress_percent",
            "required_done",
            "required_total",
            "enrolled_at",
            "completed_at",
            "dropped_at",
            "last_active_at",
            "completion_evidence",
        ),
    ),
    Holding(
        label="enrollments.BulkEnrollmentJob",
        erasure=Erasure.KEEP,
        explanation="Bulk enrollments the person ran as staff. Kept; they "
        "belong to their course.",
        rows=lambda user: BulkEnrollmentJob.objects.filter(created_by=user),
        fields=(
            "public_id",
            "course__public_id",
            "created_at",
            "source",
            "file_name",
            "status",
            "counts",
        ),
        belongs_to_person=False,
    ),
    Holding(
        label="enrollments.BulkEnrollmentRow",
        erasure=Erasure.ANONYMISE,
        explanation="Rows of bulk enrollment files that named the person. "
        "Erasure replaces the address and names, cancels jobs still waiting "
        "for confirmation that list them, and deletes those jobs' uploaded "
        "files.",
        rows=_bulk_rows_of,
        fields=(
            "job__public_id",
            "job__course__public_id",
            "line",
            "email",
            "first_name",
            "last_name",
            "outcome",
            "message",
        ),
        erase=_anonymise_bulk_rows,
        belongs_to_person=False,
    ),
    Holding(
        label="learning.LessonProgress",
        erasure=Erasure.KEEP,
        explanation="Progress in each lesson: when opened and completed, why "
        "it counts as complete, time spent. Kept by erasure.",
        rows=lambda user: LessonProgress.objects.filter(enrollment__learner=user),
        fields=(
            "enrollment__public_id",
            "lesson__public_id",
            "lesson__title",
            "first_opened_at",
            "last_opened_at",
            "completed_at",
            "completion_reason",
            "completion_evidence",
            "quiz_passed",
            "time_spent_seconds",
            "video_duration",
            "video_watched",
        ),
    ),
    Holding(
        label="learning.Certificate",
        erasure=Erasure.ANONYMISE,
        explanation="Certificates earned. Erasure replaces the name printed "
        "on them; the certificate and its verification code stay.",
        rows=lambda user: Certificate.objects.filter(learner=user),
        fields=(
            "public_id",
            "code",
            "course__public_id",
            "learner_name",
            "course_title",
            "issued_at",
        ),
        erase=_anonymise_certificates,
    ),
    Holding(
        label="assessments.Attempt",
        erasure=Erasure.KEEP,
        explanation="Quiz attempts: number, dates, score, pass or fail. Kept "
        "by erasure, so course results hold.",
        rows=lambda user: Attempt.objects.filter(learner=user),
        fields=(
            "public_id",
            "assessment__public_id",
            "enrollment__public_id",
            "number",
            "status",
            "started_at",
            "deadline_at",
            "submitted_at",
            "auto_submitted",
            "graded_at",
            "score_points",
            "max_points",
            "score_percent",
            "passed",
        ),
    ),
    Holding(
        label="assessments.Answer",
        erasure=Erasure.ANONYMISE,
        explanation="Answers given in quiz attempts, with points and a "
        "grader's feedback. Erasure blanks written answers and feedback and "
        "keeps the points.",
        rows=lambda user: Answer.objects.filter(attempt__learner=user),
        fields=(
            "attempt__public_id",
            "question__public_id",
            "question__prompt",
            "response",
            "saved_at",
            "points_awarded",
            "needs_review",
            "feedback",
            "graded_at",
        ),
        erase=_blank_answer_texts,
    ),
    Holding(
        label="accounts.User",
        erasure=Erasure.ANONYMISE,
        explanation="The account: name, address, role and dates. Erasure "
        "renames it “Erased learner”, gives it an undeliverable address, "
        "removes the password and deactivates it; its id stays, so the "
        "records above still add up.",
        rows=lambda user: User.objects.filter(pk=user.pk),
        fields=(
            "public_id",
            "first_name",
            "last_name",
            "email",
            "role",
            "is_active",
            "must_change_password",
            "created_at",
            "activated_at",
            "last_login",
            "last_active_at",
        ),
        erase=_anonymise_user,
    ),
)

# Models that a name-based scan flags but that hold no personal data,
# each with the reason, so the completeness test can tell "reviewed" from
# "forgotten".
NOT_PERSONAL: dict[str, str] = {
    "auth.Permission": "permission names are code",
    "auth.Group": "unused; Karma's users have roles, not groups",
    "courses.Module": "module names are course content",
    "courses.Lesson": "file_name names an uploaded lesson file: course content",
    "assessments.Choice": "option texts are course content",
    "assessments.MatchPair": "prompts and answers are course content",
}


def holding_for(label: str) -> Holding | None:
    return next((h for h in HOLDINGS if h.label == label), None)


def run_erasure(context: ErasureContext) -> dict[str, int]:
    """Run every holding's erasure in order; return rows changed per model.

    Call inside a transaction: uploaded files go only once it commits.
    """
    changed = {}
    for holding in HOLDINGS:
        if holding.erase is not None:
            changed[holding.label] = holding.erase(context)
    _delete_files_on_commit(context)
    return changed
