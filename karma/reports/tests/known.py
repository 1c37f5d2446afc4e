"""A small course with known progress, built through the learning services,
so every report figure can be checked against numbers worked out by hand.

"Known course" (owned by the cast's instructor, co-taught by Cora):

- Basics: Read me (required), Then me (required), Aside (optional)
- Practice: Try it (required), Check (required quiz, passing 70%)
- Extras: Bonus (optional), so nothing in it is required

Four required lessons. The learners, relative to NOW:

| learner | done (required)   | quiz best       | last active | enrolled | state     |
|---------|-------------------|-----------------|-------------|----------|-----------|
| Ana     | all 4             | 80 (pass)       | 3 days ago  | 30 days  | completed |
| Ben     | Read, Then, Check | 40, then 60     | 5 days ago  | 20 days  | 75%       |
| Cleo    | Read              |                 | 10 days ago | 20 days  | 25%       |
| Dan     | nothing           |                 | never       | 9 days   | 0%        |
| Eve     | Read, dropped     |                 | 20 days ago | 25 days  | dropped   |
| Finn    | nothing           |                 | never       | 2 days   | 0%        |
| Gus     | Read, Check       | pending review  | 17 days ago | 30 days  | 50%       |

A submitted quiz counts as done (the quiz does not require passing), even
while it waits for a grader; submitting is not "activity" in the course.
Class average (active and completed): (100+75+25+0+0+50) / 6 = 41.7.
At risk: Ben (low score), Cleo (inactive 10 days), Dan (not started 9 days,
and 0 is more than 30 below 41.7), Gus (inactive 17 days). Finn joined two
days ago: not yet at risk. Eve dropped: never at risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from karma.accounts.models import User
from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.assessments.models import Attempt, AttemptStatus
from karma.assessments.services.authoring import assessment_for
from karma.courses.models import Course, CourseInstructor, Lesson, LessonType
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import Enrollment, EnrollmentSource
from karma.enrollments.services.enrollments import drop_enrollment
from karma.learning.models import LessonProgress
from karma.learning.services.lessons import record_quiz_outcome, record_reached_end
from karma.learning.services.progress import recompute_enrollment


@dataclass
class KnownCourse:
    course: Course
    now: datetime
    lessons: dict[str, Lesson]
    enrollments: dict[str, Enrollment]
    co_instructor: User

    def enrollment(self, name: str) -> Enrollment:
        return Enrollment.objects.get(pk=self.enrollments[name].pk)


def _ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def _enroll(course: Course, name: str, enrolled_days: float, now) -> Enrollment:
    learner = LearnerFactory(
        first_name=name, last_name="Known", email=f"{name.lower()}@example.com"
    )
    enrollment = Enrollment.objects.create(
        course=course,
        learner=learner,
        source=EnrollmentSource.STAFF,
        enrolled_at=_ago(now, enrolled_days),
    )
    return recompute_enrollment(enrollment=enrollment)


def _read(enrollment: Enrollment, lesson: Lesson, at: datetime, seconds: int = 0):
    record_reached_end(enrollment=enrollment, lesson=lesson, now=at)
    if seconds:
        LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).update(
            time_spent_seconds=seconds
        )


def _attempt(
    enrollment: Enrollment, quiz: Lesson, number: int, score: int | None, at
) -> Attempt:
    assessment = assessment_for(quiz)
    final = score is not None
    attempt = Attempt.objects.create(
        assessment=assessment,
        enrollment=enrollment,
        learner=enrollment.learner,
        number=number,
        status=AttemptStatus.FINAL if final else AttemptStatus.PENDING_REVIEW,
        started_at=at - timedelta(minutes=10),
        submitted_at=at,
        score_percent=Decimal(score) if final else None,
        passed=(score >= assessment.passing_score) if final else None,
    )
    best = (
        Attempt.objects.filter(
            enrollment=enrollment, status=AttemptStatus.FINAL, assessment=assessment
        )
        .order_by("-score_percent")
        .first()
    )
    record_quiz_outcome(
        enrollment=enrollment,
        lesson=quiz,
        attempt_id=attempt.public_id,
        passed=best.passed if best else None,
        now=at,
    )
    return attempt


def build_course_structure(owner: User, title: str = "Known course") -> tuple:
    course = PublishedCourseFactory(owner=owner, title=title)
    basics = ModuleFactory(course=course, name="Basics", position=1)
    practice = ModuleFactory(course=course, name="Practice", position=2)
    extras = ModuleFactory(course=course, name="Extras", position=3)
    lessons = {
        "read": LessonFactory(module=basics, title="Read me", position=1),
        "then": LessonFactory(module=basics, title="Then me", position=2),
        "aside": LessonFactory(
            module=basics, title="Aside", position=3, required=False
        ),
        "try": LessonFactory(module=practice, title="Try it", position=1),
        "check": LessonFactory(
            module=practice, title="Check", position=2, type=LessonType.QUIZ, body=""
        ),
        "bonus": LessonFactory(
            module=extras, title="Bonus", position=1, required=False
        ),
    }
    assessment_for(lessons["check"])
    return course, lessons


def build_known_course(instructor: User) -> KnownCourse:
    """Build the course of this module's table, owned by `instructor`."""
    now = timezone.now()
    course, lessons = build_course_structure(instructor)
    co = InstructorFactory(first_name="Cora", last_name="Co", email="cora@example.com")
    CourseInstructor.objects.create(course=course, instructor=co)
    check = lessons["check"]

    people = {
        name: _enroll(course, name, days, now)
        for name, days in [
            ("Ana", 30),
            ("Ben", 20),
            ("Cleo", 20),
            ("Dan", 9),
            ("Eve", 25),
            ("Finn", 2),
            ("Gus", 30),
        ]
    }

    ana = people["Ana"]
    _read(ana, lessons["read"], _ago(now, 5), seconds=600)
    _read(ana, lessons["then"], _ago(now, 4), seconds=300)
    _read(ana, lessons["try"], _ago(now, 3), seconds=120)
    _attempt(ana, check, 1, 80, _ago(now, 1))

    ben = people["Ben"]
    _read(ben, lessons["read"], _ago(now, 6))
    _read(ben, lessons["then"], _ago(now, 5))
    _attempt(ben, check, 1, 40, _ago(now, 4))
    _attempt(ben, check, 2, 60, _ago(now, 3))

    _read(people["Cleo"], lessons["read"], _ago(now, 10))

    _read(people["Eve"], lessons["read"], _ago(now, 20))
    drop_enrollment(enrollment=people["Eve"], dropped_by=instructor)

    gus = people["Gus"]
    _read(gus, lessons["read"], _ago(now, 17))
    _attempt(gus, check, 1, None, _ago(now, 16))

    return KnownCourse(course, now, lessons, people, co)
