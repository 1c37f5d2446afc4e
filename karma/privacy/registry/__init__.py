"""Every model that holds personal data, and how Karma exports and erases it.

SPEC section 9: a learner's data can be exported (everything held about
them) and erased (personal fields anonymised, aggregates kept consistent,
sessions and tokens ended). Each `Holding` below names one model, the rows
of it that concern a person, the fields the archive carries, and what
erasure does to those rows:

- anonymise: personal fields are overwritten in place, the rows stay;
- delete: the rows go (they are worth nothing without the person);
- keep: the rows stay. They hold no personal field of their own, only a
  reference to the user row, which erasure anonymises; they are the
  figures courses and reports count (enrollments, progress, scores).
  Attempts waiting for a grader are settled first, since nobody can grade
  the blanked answers.

A test walks every installed model and fails when one with a user
reference or a personal-looking field is neither here nor in
`NOT_PERSONAL`; add the new model to one of them.

Erasure runs the holdings in the order listed, inside one transaction; the
user row comes last, so every handler before it still sees the person's
address and name (kept in ErasureContext too). The handlers live in
handlers.py beside this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)

from karma.accounts.models import Invitation, User
from karma.assessments.models import Answer, Attempt
from karma.audit.models import AuditEvent
from karma.courses.models import Course, CourseInstructor
from karma.enrollments.models import BulkEnrollmentJob, Enrollment
from karma.learning.models import Certificate, LessonProgress
from karma.privacy.registry import handlers
from karma.privacy.registry.handlers import (
    ERASED_FIRST_NAME,
    ERASED_LAST_NAME,
    REDACTED,
    ErasureContext,
    erased_email,
)
from karma.reports.models import ExportJob

__all__ = [
    "ERASED_FIRST_NAME",
    "ERASED_LAST_NAME",
    "HOLDINGS",
    "NOT_PERSONAL",
    "REDACTED",
    "Erasure",
    "ErasureContext",
    "Holding",
    "erased_email",
    "holding_for",
    "run_erasure",
]


class Erasure(StrEnum):
    ANONYMISE = "anonymise"
    DELETE = "delete"
    KEEP = "keep"


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
    # Names that number in the audit entry of an erasure.
    count_key: str = ""
    # True when every row is one person's record (an enrollment, an
    # attempt); models pointing at such rows must be registered too.
    belongs_to_person: bool = True

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def file_name(self) -> str:
        return f"data/{self.label}.json"


# --- The registry ------------------------------------------------------------

HOLDINGS: tuple[Holding, ...] = (
    Holding(
        label="sessions.Session",
        erasure=Erasure.DELETE,
        explanation="Signed-in browser sessions. Not exported: a session key "
        "is a credential. Erasure deletes them.",
        rows=handlers.sessions_of,
        erase=handlers.delete_sessions,
        count_key="sessions_ended",
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
        erase=handlers.blacklist_tokens,
        count_key="tokens_revoked",
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
        erase=handlers.delete_invitations,
        count_key="invitations_deleted",
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
        erase=handlers.redact_audit_reasons,
        count_key="audit_reasons_redacted",
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
        erase=handlers.remove_course_links,
        count_key="course_links_removed",
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
        rows=handlers.bulk_rows_of,
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
        erase=handlers.anonymise_bulk_rows,
        count_key="bulk_rows_anonymised",
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
        label="assessments.Attempt",
        erasure=Erasure.KEEP,
        explanation="Quiz attempts: number, dates, score, pass or fail. Kept "
        "by erasure, so course results hold. Short answers still waiting for "
        "a grader get 0 points, since erasure blanks them, and their attempts "
        "are settled.",
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
        erase=handlers.settle_awaiting_grading,
        count_key="answers_settled",
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
        erase=handlers.anonymise_certificates,
        count_key="certificates_renamed",
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
        erase=handlers.blank_answer_texts,
        count_key="answers_blanked",
    ),
    Holding(
        label="reports.ExportJob",
        erasure=Erasure.DELETE,
        explanation="Exports of course reports the person asked for (staff "
        "only): which course, what kind and when. Erasure deletes them and "
        "their files.",
        rows=lambda user: ExportJob.objects.filter(requested_by=user),
        fields=(
            "public_id",
            "course__public_id",
            "kind",
            "file_format",
            "status",
            "created_at",
            "finished_at",
        ),
        erase=handlers.delete_export_jobs,
        count_key="export_jobs_deleted",
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
        erase=handlers.anonymise_user,
        count_key="accounts_anonymised",
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
    """Run every holding's erasure in order; return rows changed, by the
    holdings' count keys.

    Call inside a transaction: uploaded files go only once it commits.
    """
    changed = {}
    for holding in HOLDINGS:
        if holding.erase is not None:
            changed[holding.count_key] = holding.erase(context)
    handlers.delete_files_on_commit(context)
    handlers.delete_mail_copies_on_commit(context)
    return changed
