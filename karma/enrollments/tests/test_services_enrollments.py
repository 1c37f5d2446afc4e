"""Enrolling one learner: the rules of SPEC section 5, as tables.

Self-enrollment needs a published, not archived, open course reached from
the catalog (public) or by its link (hidden), and completed prerequisites.
Staff enrollment skips the enrollment type and prerequisites with a warning
but never takes a draft, an archived course or a deactivated account.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from karma.accounts.tests.factories import LearnerFactory
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.models import CourseStatus, EnrollmentType, Visibility
from karma.courses.tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
from karma.enrollments.services.enrollments import (
    EnrollmentError,
    drop_enrollment,
    enroll_learner,
    reactivate_enrollment,
    remove_enrollment,
    self_enroll,
)
from karma.enrollments.tasks import send_enrollment_emails
from karma.learning.services.lessons import record_reached_end

STATES = {
    "draft": {"status": CourseStatus.DRAFT, "visibility": Visibility.PUBLIC},
    "public": {"status": CourseStatus.PUBLISHED, "visibility": Visibility.PUBLIC},
    "hidden": {"status": CourseStatus.PUBLISHED, "visibility": Visibility.HIDDEN},
    "archived": {"status": CourseStatus.PUBLISHED, "visibility": Visibility.ARCHIVED},
}
OPEN, INVITE = EnrollmentType.OPEN, EnrollmentType.INVITE_ONLY
NONE, MET, MISSING = "none", "met", "missing"


def _course(instructor, state: str, enrollment_type: str = OPEN, **fields):
    return CourseFactory(
        owner=instructor, enrollment_type=enrollment_type, **STATES[state], **fields
    )


def _complete(learner, course) -> Enrollment:
    return Enrollment.objects.create(
        learner=learner,
        course=course,
        source=EnrollmentSource.STAFF,
        status=EnrollmentStatus.COMPLETED,
        progress_percent=100,
        completed_at=timezone.now(),
    )


def _with_prerequisite(course, learner, prerequisites: str) -> None:
    if prerequisites == NONE:
        return
    first = PublishedCourseFactory(title="First aid basics", owner=course.owner)
    course.prerequisites.add(first)
    if prerequisites == MET:
        _complete(learner, first)


def _audit(kind: AuditKind) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("created_at", "id"))


# --- Self-enrollment ----------------------------------------------------------

# state, enrollment type, prerequisites, via direct link -> None when
# allowed, else a fragment of the reason the learner is shown.
SELF_ENROLL = [
    ("public", OPEN, NONE, False, None),
    ("public", OPEN, NONE, True, None),
    ("public", OPEN, MET, False, None),
    ("public", OPEN, MISSING, False, "Complete these courses first: “First aid"),
    ("public", INVITE, NONE, False, "invite-only"),
    ("public", INVITE, MET, True, "invite-only"),
    ("hidden", OPEN, NONE, True, None),
    ("hidden", OPEN, NONE, False, "not open for enrollment"),
    ("hidden", OPEN, MISSING, True, "First aid basics"),
    ("hidden", INVITE, NONE, True, "invite-only"),
    ("archived", OPEN, NONE, True, "archived"),
    ("archived", OPEN, MET, False, "archived"),
    ("archived", INVITE, NONE, True, "archived"),
    ("draft", OPEN, NONE, True, "draft"),
    ("draft", INVITE, MISSING, True, "draft"),
]


@pytest.mark.parametrize(
    ("state", "enrollment_type", "prerequisites", "via_link", "refusal"),
    SELF_ENROLL,
)
def test_self_enrollment_rules(
    instructor, learner, state, enrollment_type, prerequisites, via_link, refusal
):
    course = _course(instructor, state, enrollment_type)
    _with_prerequisite(course, learner, prerequisites)

    if refusal is None:
        result = self_enroll(learner=learner, course=course, via_direct_link=via_link)
        assert result.changed
        assert result.enrollment.status == EnrollmentStatus.ACTIVE
        assert result.enrollment.source == EnrollmentSource.SELF
    else:
        with pytest.raises(EnrollmentError) as refused:
            self_enroll(learner=learner, course=course, via_direct_link=via_link)
        assert refusal in refused.value.message
        assert not Enrollment.objects.filter(course=course, learner=learner).exists()


def test_names_every_missing_prerequisite(instructor, learner):
    course = _course(instructor, "public")
    done, first, second = (
        PublishedCourseFactory(title=title, owner=instructor)
        for title in ("Done already", "Ladders", "Fire wardens")
    )
    course.prerequisites.add(done, first, second)
    _complete(learner, done)

    with pytest.raises(EnrollmentError) as refused:
        self_enroll(learner=learner, course=course)

    assert refused.value.message == (
        "Complete these courses first: “Fire wardens”, “Ladders”."
    )


def test_self_enrolling_twice_makes_one_enrollment(instructor, learner):
    course = _course(instructor, "public")

    first = self_enroll(learner=learner, course=course)
    second = self_enroll(learner=learner, course=course)

    assert first.changed and not second.changed
    assert second.enrollment.pk == first.enrollment.pk
    assert Enrollment.objects.filter(course=course).count() == 1
    assert len(_audit(AuditKind.ENROLLMENT_CREATED)) == 1


def test_records_self_enrollment_with_the_learner_as_actor(instructor, learner):
    course = _course(instructor, "public")

    enrollment = self_enroll(learner=learner, course=course).enrollment

    (event,) = _audit(AuditKind.ENROLLMENT_CREATED)
    assert (event.actor, event.subject, event.target) == (
        learner,
        learner,
        enrollment.public_id,
    )
    assert event.details == {"course": course.public_id, "status": "active"}


# --- Staff enrollment ----------------------------------------------------------

# state, enrollment type, prerequisites -> the warnings staff are shown
# (fragments, in order), or the refusal.
STAFF_ENROLL = [
    ("public", OPEN, NONE, [], None),
    ("public", OPEN, MET, [], None),
    ("public", OPEN, MISSING, ["without the prerequisites “First aid basics”"], None),
    ("public", INVITE, NONE, ["invite-only"], None),
    (
        "public",
        INVITE,
        MISSING,
        ["invite-only", "without the prerequisites “First aid basics”"],
        None,
    ),
    ("hidden", OPEN, NONE, [], None),
    ("hidden", INVITE, MISSING, ["invite-only", "First aid basics"], None),
    ("draft", OPEN, NONE, [], "draft"),
    ("draft", INVITE, MISSING, [], "draft"),
    ("archived", OPEN, NONE, [], "archived"),
    ("archived", INVITE, MET, [], "archived"),
]


@pytest.mark.parametrize(
    ("state", "enrollment_type", "prerequisites", "warnings", "refusal"),
    STAFF_ENROLL,
)
def test_staff_enrollment_rules(
    instructor, learner, state, enrollment_type, prerequisites, warnings, refusal
):
    course = _course(instructor, state, enrollment_type)
    _with_prerequisite(course, learner, prerequisites)

    if refusal is not None:
        with pytest.raises(EnrollmentError) as refused:
            enroll_learner(course=course, learner=learner, enrolled_by=instructor)
        assert refusal in refused.value.message
        assert not Enrollment.objects.filter(course=course, learner=learner).exists()
        return

    result = enroll_learner(course=course, learner=learner, enrolled_by=instructor)
    assert result.changed
    assert result.enrollment.source == EnrollmentSource.STAFF
    assert result.enrollment.enrolled_by == instructor
    assert len(result.warnings) == len(warnings)
    for shown, expected in zip(result.warnings, warnings, strict=True):
        assert expected in shown


def test_refuses_to_enroll_a_deactivated_account(instructor):
    course = _course(instructor, "public")
    gone = LearnerFactory(is_active=False)

    with pytest.raises(EnrollmentError) as refused:
        enroll_learner(course=course, learner=gone, enrolled_by=instructor)

    assert refused.value.message == "This account is deactivated."
    assert refused.value.field == "learner"
    assert not Enrollment.objects.filter(learner=gone).exists()


def test_staff_enrolling_an_enrolled_learner_changes_nothing(instructor, learner):
    course = _course(instructor, "public", INVITE)
    first = enroll_learner(course=course, learner=learner, enrolled_by=instructor)

    again = enroll_learner(course=course, learner=learner, enrolled_by=instructor)

    assert not again.changed
    assert again.warnings == []
    assert again.enrollment.pk == first.enrollment.pk
    assert Enrollment.objects.filter(course=course).count() == 1


def test_records_staff_enrollment_with_actor_and_reason(admin, instructor, learner):
    course = _course(instructor, "public")

    enrollment = enroll_learner(
        course=course, learner=learner, enrolled_by=admin, reason="  New starter "
    ).enrollment

    (event,) = _audit(AuditKind.ENROLLMENT_CREATED)
    assert (event.actor, event.subject, event.reason) == (admin, learner, "New starter")
    assert event.target == enrollment.public_id


# --- Drop, reactivate, remove ------------------------------------------------------


@pytest.fixture
def course(instructor):
    return _course(instructor, "public")


@pytest.fixture
def enrollment(course, learner):
    return self_enroll(learner=learner, course=course).enrollment


def test_drop_keeps_the_record_and_its_progress(instructor, enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(progress_percent=40)

    drop_enrollment(enrollment=enrollment, dropped_by=instructor, reason="Left")

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.DROPPED
    assert enrollment.dropped_at is not None
    assert enrollment.progress_percent == 40
    (event,) = _audit(AuditKind.ENROLLMENT_DROPPED)
    assert (event.actor, event.reason) == (instructor, "Left")
    assert event.details["status"] == "dropped"


def test_reactivate_brings_back_the_same_record(instructor, enrollment):
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)

    reactivate_enrollment(
        enrollment=enrollment, reactivated_by=instructor, reason="Back from leave"
    )

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.dropped_at is None
    assert Enrollment.objects.count() == 1
    (event,) = _audit(AuditKind.ENROLLMENT_REACTIVATED)
    assert (event.actor, event.reason) == (instructor, "Back from leave")


@pytest.mark.parametrize("how", ["self", "staff"])
def test_enrolling_a_dropped_learner_reuses_the_record(
    instructor, learner, course, enrollment, how
):
    # One lesson of four read: the progress the learner comes back to.
    module = ModuleFactory(course=course)
    lessons = [LessonFactory(module=module) for _ in range(4)]
    record_reached_end(enrollment=enrollment, lesson=lessons[0])
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)

    if how == "self":
        result = self_enroll(learner=learner, course=course)
    else:
        result = enroll_learner(course=course, learner=learner, enrolled_by=instructor)

    assert result.changed
    assert result.enrollment.pk == enrollment.pk
    assert result.enrollment.status == EnrollmentStatus.ACTIVE
    assert Enrollment.objects.get().progress_percent == 25


def test_enrolling_after_completion_makes_a_new_record(instructor, learner, course):
    done = _complete(learner, course)

    again = self_enroll(learner=learner, course=course).enrollment

    assert again.pk != done.pk
    assert again.status == EnrollmentStatus.ACTIVE
    assert again.progress_percent == 0
    done.refresh_from_db()
    assert done.status == EnrollmentStatus.COMPLETED
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 2


# status the enrollment is in -> the action refused on it, and why.
REFUSED_TRANSITIONS = [
    (EnrollmentStatus.DROPPED, "drop", "Only an active enrollment can be dropped."),
    (EnrollmentStatus.COMPLETED, "drop", "Only an active enrollment can be dropped."),
    (
        EnrollmentStatus.ACTIVE,
        "reactivate",
        "Only a dropped enrollment can be reactivated.",
    ),
    (
        EnrollmentStatus.COMPLETED,
        "reactivate",
        "Only a dropped enrollment can be reactivated.",
    ),
]


@pytest.mark.parametrize(("status", "action", "message"), REFUSED_TRANSITIONS)
def test_refuses_transitions_from_the_wrong_status(
    instructor, enrollment, status, action, message
):
    Enrollment.objects.filter(pk=enrollment.pk).update(status=status)

    with pytest.raises(EnrollmentError) as refused:
        if action == "drop":
            drop_enrollment(enrollment=enrollment, dropped_by=instructor)
        else:
            reactivate_enrollment(enrollment=enrollment, reactivated_by=instructor)

    assert refused.value.message == message
    assert Enrollment.objects.get().status == status
    assert not AuditEvent.objects.exclude(kind=AuditKind.ENROLLMENT_CREATED).exists()


def test_refuses_reactivating_into_an_archived_course(instructor, course, enrollment):
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)
    course.visibility = Visibility.ARCHIVED
    course.save()

    with pytest.raises(EnrollmentError, match="archived"):
        reactivate_enrollment(enrollment=enrollment, reactivated_by=instructor)

    assert Enrollment.objects.get().status == EnrollmentStatus.DROPPED


def test_refuses_reactivating_a_deactivated_account(instructor, learner, enrollment):
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)
    learner.is_active = False
    learner.save()

    with pytest.raises(EnrollmentError, match="deactivated"):
        reactivate_enrollment(enrollment=enrollment, reactivated_by=instructor)

    assert Enrollment.objects.get().status == EnrollmentStatus.DROPPED


def test_remove_deletes_the_record_and_keeps_the_fact(admin, learner, enrollment):
    public_id = enrollment.public_id

    remove_enrollment(enrollment=enrollment, removed_by=admin, reason="Wrong person")

    assert not Enrollment.objects.exists()
    (event,) = _audit(AuditKind.ENROLLMENT_REMOVED)
    assert (event.actor, event.subject, event.target, event.reason) == (
        admin,
        learner,
        public_id,
        "Wrong person",
    )


# --- The enrollment email ------------------------------------------------------------


def test_emails_each_learner_once_after_commit_with_the_course_link(
    instructor, course, django_capture_on_commit_callbacks
):
    people = LearnerFactory.create_batch(3)

    with django_capture_on_commit_callbacks() as callbacks:
        enrollments = [
            enroll_learner(course=course, learner=person, enrolled_by=instructor)
            for person in people
        ]
        # Nothing leaves before the transaction that enrolled them commits.
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        person.email for person in people
    )
    link = f"{settings.SITE_URL}/courses/{course.public_id}/"
    for message in mail.outbox:
        assert link in message.body
        assert course.title in message.subject

    # A retried or duplicated task sends nothing again.
    ids = [result.enrollment.pk for result in enrollments]
    assert send_enrollment_emails(enrollment_ids=ids) == 0
    assert send_enrollment_emails(enrollment_ids=ids) == 0
    assert len(mail.outbox) == 3


def test_sends_no_email_when_the_enrollment_rolls_back(
    instructor, course, learner, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enroll_learner(course=course, learner=learner, enrolled_by=instructor)
        raise RuntimeError("something later failed")

    assert callbacks == []
    assert not Enrollment.objects.exists()
    assert mail.outbox == []


def test_reenrolling_an_enrolled_learner_sends_no_second_email(
    instructor, learner, course, run_on_commit
):
    with run_on_commit():
        self_enroll(learner=learner, course=course)
    with run_on_commit():
        self_enroll(learner=learner, course=course)
        enroll_learner(course=course, learner=learner, enrolled_by=instructor)

    assert [message.to for message in mail.outbox] == [[learner.email]]
