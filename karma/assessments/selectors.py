"""Reading quizzes and attempts for pages and the API, scoped to the viewer.

Nothing here hands a learner a correct answer before they submit: the
question views for taking a quiz are built from prompts and option texts
only, and the result views add answers only when the quiz allows review.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from karma.assessments.models import Assessment, Attempt, AttemptStatus
from karma.assessments.permissions import can_build_assessment
from karma.assessments.services.authoring import assessment_for
from karma.courses.models import Lesson
from karma.learning.services.lessons import learning_enrollment

DEFAULT_GRACE_SECONDS = 30


def grace_seconds() -> int:
    """Seconds after the deadline during which answers are still taken, for
    the network and the browser's own submit to arrive."""
    return int(getattr(settings, "KARMA_QUIZ_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))


def quiz_panel(*, learner, lesson: Lesson) -> dict:
    """The context of the quiz box inside the lesson player.

    Staff get a preview flag and no attempts; learners get the quiz rules
    in words, their attempts, their standing and what they may do next.
    """
    assessment = assessment_for(lesson)
    question_count = assessment.questions.count()
    panel = {
        "assessment": assessment,
        "lesson": lesson,
        "question_count": question_count,
        "rules": quiz_rules(assessment),
        "is_staff_preview": can_build_assessment(learner, assessment),
        "builder_url": _builder_url(lesson),
        "attempts": [],
        "standing": None,
        "open_attempt": None,
        "can_start": False,
        "start_url": _start_url(lesson),
        "resume_url": None,
        "refusal": "",
        "attempts_used": 0,
        "attempts_left": None,
    }
    if panel["is_staff_preview"]:
        panel["preview_questions"] = preview_questions(assessment)
        return panel
    return _learner_panel(panel, learner, assessment, question_count)


def quiz_rules(assessment: Assessment) -> list[tuple[str, str]]:
    """The quiz settings a learner needs, as label and sentence."""
    if assessment.time_limit_minutes:
        limit = f"{assessment.time_limit_minutes} minutes, from when you start"
    else:
        limit = "None"
    if assessment.attempt_limit:
        attempts = str(assessment.attempt_limit)
    else:
        attempts = "Unlimited"
    return [
        ("Passing score", f"{assessment.passing_score}%"),
        ("Time limit", limit),
        ("Attempts allowed", attempts),
    ]


def preview_questions(assessment: Assessment) -> list[dict]:
    """What staff see in the player: prompts and types, no answers."""
    return [
        {"prompt": q.prompt, "type": q.get_type_display(), "points": q.points}
        for q in assessment.questions.all()
    ]


def _learner_panel(panel, learner, assessment, question_count) -> dict:
    enrollment = learning_enrollment(learner=learner, course=assessment.lesson.course)
    attempts = list(
        Attempt.objects.filter(assessment=assessment, learner=learner).order_by(
            "number"
        )
    )
    open_attempt = next((a for a in attempts if a.is_open), None)
    used = len(attempts)
    left = None
    if assessment.attempt_limit:
        left = max(0, assessment.attempt_limit - used)

    panel["attempts"] = [attempt_row(a) for a in attempts]
    panel["standing"] = best_final(attempts)
    panel["attempts_used"] = used
    panel["attempts_left"] = left
    if open_attempt and not attempt_expired(open_attempt):
        panel["open_attempt"] = open_attempt
        panel["resume_url"] = attempt_url(open_attempt)
        return panel
    panel["refusal"] = _refusal(enrollment, question_count, left)
    panel["can_start"] = not panel["refusal"]
    return panel


def _refusal(enrollment, question_count: int, left: int | None) -> str:
    if enrollment is None:
        return "Enroll in this course to take the quiz."
    if question_count == 0:
        return "This quiz has no questions yet."
    if left == 0:
        return "You have used all your attempts at this quiz."
    return ""


def attempt_row(attempt: Attempt) -> dict:
    """One line of an attempts table."""
    return {
        "attempt": attempt,
        "number": attempt.number,
        "status": attempt.status,
        "status_label": attempt.get_status_display(),
        "score_percent": attempt.score_percent,
        "passed": attempt.passed,
        "date": attempt.submitted_at or attempt.started_at,
        "url": attempt_url(attempt),
        "is_open": attempt.is_open,
    }


def best_final(attempts) -> Attempt | None:
    """The highest-scoring final attempt, the earliest one on a tie."""
    finals = [
        a
        for a in attempts
        if a.status == AttemptStatus.FINAL and a.score_percent is not None
    ]
    if not finals:
        return None
    return min(finals, key=lambda a: (-a.score_percent, a.number))


def attempt_expired(attempt: Attempt, now=None) -> bool:
    """True once an open attempt's deadline and its grace have passed."""
    if attempt.deadline_at is None:
        return False
    now = now or timezone.now()
    return now > attempt.deadline_at + timedelta(seconds=grace_seconds())


def attempt_url(attempt: Attempt) -> str:
    return reverse("assessments:attempt", args=[attempt.public_id])


def _start_url(lesson: Lesson) -> str:
    return reverse(
        "assessments:start_attempt", args=[lesson.course.public_id, lesson.public_id]
    )


def _builder_url(lesson: Lesson) -> str | None:
    # The quiz builder is another module's page and may not be routed yet.
    try:
        return reverse("assessments:builder", args=[lesson.public_id])
    except NoReverseMatch:
        return None
