"""Reading quizzes and attempts for pages and the API, scoped to the viewer.

Nothing here hands a learner a correct answer before they submit: the
question views for taking a quiz are built from prompts and option texts
only, and the result views add answers only once the attempt is submitted
and the quiz allows review.

Attempts are closed lazily where they are loaded (close_expired), so an
attempt whose time ran out reads as submitted even where the periodic task
does not run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from karma.assessments.models import (
    Answer,
    Assessment,
    Attempt,
    AttemptStatus,
    Question,
    QuestionType,
)
from karma.assessments.permissions import can_build_assessment, can_take_assessment
from karma.assessments.services.attempts import close_expired, grace_seconds
from karma.assessments.services.authoring import assessment_for
from karma.assessments.services.scoring import takes_several_choices
from karma.courses.models import Lesson, LessonType
from karma.courses.permissions import can_manage_course, can_open_lessons
from karma.learning.services.lessons import learning_enrollment
from karma.lib.public_ids import has_prefix
from karma.lib.urls import url_by_public_id

SUBMITTED = (AttemptStatus.PENDING_REVIEW, AttemptStatus.FINAL)


# The quiz panel of the lesson player


def quiz_panel(*, learner, lesson: Lesson) -> dict:
    """The context of the quiz box inside the lesson player.

    Staff get a preview flag, the prompts without answers and no attempts;
    learners get the quiz rules in words, their attempts, their standing
    and what they may do next (start, resume, or why not).
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
        "preview_questions": [],
        "attempts": [],
        "standing": None,
        "open_attempt": None,
        "can_start": False,
        "start_url": start_url(lesson),
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
    limit = "None"
    if assessment.time_limit_minutes:
        limit = f"{assessment.time_limit_minutes} minutes, from when you start"
    attempts = "Unlimited"
    if assessment.attempt_limit:
        attempts = str(assessment.attempt_limit)
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


def _learner_panel(panel: dict, learner, assessment, question_count: int) -> dict:
    enrollment = learning_enrollment(learner=learner, course=assessment.lesson.course)
    attempts = close_expired(
        Attempt.objects.filter(assessment=assessment, learner=learner)
        .select_related("assessment__lesson", "enrollment")
        .order_by("number")
    )
    open_attempt = next((a for a in attempts if a.is_open), None)
    left = None
    if assessment.attempt_limit:
        left = max(0, assessment.attempt_limit - len(attempts))

    panel["attempts"] = [attempt_row(a) for a in attempts]
    if assessment.show_results:
        panel["standing"] = best_final(attempts)
    panel["attempts_used"] = len(attempts)
    panel["attempts_left"] = left
    if open_attempt is not None:
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
    """One line of a learner's attempts table."""
    shows_score = attempt.assessment.show_results
    return {
        "attempt": attempt,
        "id": attempt.public_id,
        "number": attempt.number,
        "status": attempt.status,
        "status_label": attempt.get_status_display(),
        "score_percent": attempt.score_percent if shows_score else None,
        "passed": attempt.passed if shows_score else None,
        "date": attempt.submitted_at or attempt.started_at,
        "url": attempt_url(attempt),
        "is_open": attempt.is_open,
    }


def best_final(attempts: Iterable[Attempt]) -> Attempt | None:
    """The highest-scoring final attempt, the earliest one on a tie (the
    same rule as services.attempts.standing, over a loaded list)."""
    finals = [
        a
        for a in attempts
        if a.status == AttemptStatus.FINAL and a.score_percent is not None
    ]
    if not finals:
        return None
    return min(finals, key=lambda a: (-a.score_percent, a.number))


def attempt_url(attempt: Attempt) -> str:
    return reverse("assessments:attempt", args=[attempt.public_id])


def start_url(lesson: Lesson) -> str:
    return reverse(
        "assessments:start_attempt", args=[lesson.course.public_id, lesson.public_id]
    )


def _builder_url(lesson: Lesson) -> str | None:
    # The quiz builder is another module's page and may not be routed yet.
    try:
        return reverse(
            "assessments:quiz_builder", args=[lesson.course.public_id, lesson.public_id]
        )
    except NoReverseMatch:
        return None


# Loaders


def get_assessment_for_user_or_404(user, public_id: str) -> Assessment:
    """An assessment whose lesson `user` may open (learner or staff)."""
    if not has_prefix(public_id, "asmnt"):
        raise Http404("No such quiz")
    assessment = (
        Assessment.objects.select_related("lesson__course")
        .filter(public_id=public_id)
        .first()
    )
    if assessment is None or not can_open_lessons(user, assessment.lesson.course):
        raise Http404("No such quiz")
    return assessment


def get_quiz_lesson_for_taker(user, course_id: str, lesson_id: str) -> Assessment:
    """The assessment of a quiz lesson `user` may take.

    Raises Http404 for anyone who may not open the lesson (strangers,
    learners not enrolled), PermissionDenied for the course's staff, who
    may open the quiz but never take it.
    """
    if not has_prefix(course_id, "crs") or not has_prefix(lesson_id, "les"):
        raise Http404("No such quiz")
    lesson = (
        Lesson.objects.select_related("course")
        .filter(public_id=lesson_id, course__public_id=course_id, type=LessonType.QUIZ)
        .first()
    )
    if lesson is None or not can_open_lessons(user, lesson.course):
        raise Http404("No such quiz")
    assessment = assessment_for(lesson)
    assessment.lesson = lesson
    if not can_take_assessment(user, assessment):
        raise PermissionDenied("Course staff preview quizzes but do not take them.")
    return assessment


def get_attempt_for_user_or_404(user, public_id: str) -> Attempt:
    """An attempt `user` may read: their own, or any in a course they
    manage. Closes it first if its time ran out."""
    if not has_prefix(public_id, "att"):
        raise Http404("No such attempt")
    attempt = (
        Attempt.objects.select_related(
            "assessment__lesson__course", "enrollment", "learner"
        )
        .filter(public_id=public_id)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt")
    if attempt.learner_id != user.pk and not can_manage_course(
        user, attempt.assessment.lesson.course
    ):
        raise Http404("No such attempt")
    return close_expired([attempt])[0]


def get_own_attempt_or_404(user, public_id: str) -> Attempt:
    """An attempt of `user` themselves, for saving and submitting.

    Raises Http404 for strangers, PermissionDenied for the course's staff,
    who may read the attempt but not answer it.
    """
    attempt = get_attempt_for_user_or_404(user, public_id)
    if attempt.learner_id != user.pk:
        raise PermissionDenied("Only the learner who made this attempt can answer it.")
    return attempt


# Questions and answers


def attempt_questions(attempt: Attempt) -> list[Question]:
    """The attempt's questions that still exist, in the attempt's order,
    with their options, pairs and this attempt's answer (`.answer`)."""
    questions = {
        q.public_id: q
        for q in Question.objects.filter(
            assessment_id=attempt.assessment_id, public_id__in=attempt.question_order
        ).prefetch_related(
            "choices",
            "pairs",
            Prefetch(
                "answers",
                queryset=Answer.objects.filter(attempt=attempt),
                to_attr="attempt_answers",
            ),
        )
    }
    ordered = [questions[i] for i in attempt.question_order if i in questions]
    for question in ordered:
        question.answer = next(iter(question.attempt_answers), None)
    return ordered


def question_for_learner(question: Question, number: int) -> dict:
    """A question as a learner may see it while taking the quiz: no
    correctness flags, no grading guidance, no pairing of matches."""
    view = {
        "id": question.public_id,
        "number": number,
        "type": question.type,
        "type_label": question.get_type_display(),
        "prompt": question.prompt,
        "points": question.points,
    }
    if question.type == QuestionType.CHOICE:
        choices = list(question.choices.all())
        # Radio buttons or check boxes: the form has to say whether more
        # than one option may be right, which is all it says. Saving holds
        # a question with radio buttons to one option.
        view["multiple"] = takes_several_choices(question)
        view["options"] = [{"id": c.public_id, "text": c.text} for c in choices]
    elif question.type == QuestionType.MATCHING:
        pairs = list(question.pairs.all())
        view["prompts"] = [{"id": p.public_id, "prompt": p.prompt} for p in pairs]
        # Sorted, so the list's order says nothing about which belongs where.
        view["answers"] = sorted({p.answer for p in pairs}, key=str.casefold)
    return view


def questions_for_learner(attempt: Attempt) -> list[dict]:
    """The attempt's questions for the take page and the API, each with
    the learner's saved `response`."""
    views = []
    for number, question in enumerate(attempt_questions(attempt), start=1):
        view = question_for_learner(question, number)
        response = question.answer.response if question.answer else {}
        if not isinstance(response, dict):
            response = {}
        view["response"] = response
        _mark_picked(view, response)
        views.append(view)
    return views


def _mark_picked(view: dict, response: dict) -> None:
    """Note the learner's saved picks on the options and prompts, so the
    form shows them again."""
    chosen = response.get("choices") or []
    for option in view.get("options", []):
        option["checked"] = option["id"] in chosen
    matches = response.get("matches") or {}
    for item in view.get("prompts", []):
        item["picked"] = matches.get(item["id"], "")


def assessment_questions_for_learner(assessment: Assessment) -> list[dict]:
    """The quiz's questions in authoring order, without answers."""
    questions = assessment.questions.prefetch_related("choices", "pairs")
    return [question_for_learner(q, n) for n, q in enumerate(questions, start=1)]


# Results


def attempt_result(attempt: Attempt, *, viewer) -> dict:
    """What the result page and the API show of a submitted attempt.

    The score shows when the quiz shows results; answers, correct answers
    and explanations only when it also allows review. The course's staff
    see everything.
    """
    assessment = attempt.assessment
    staff = can_manage_course(viewer, assessment.lesson.course)
    submitted = attempt.status in SUBMITTED
    show_score = submitted and (staff or assessment.show_results)
    show_review = submitted and (staff or assessment.allow_review)
    result = {
        "attempt": attempt,
        "submitted": submitted,
        "pending_review": attempt.status == AttemptStatus.PENDING_REVIEW,
        "auto_submitted": attempt.auto_submitted,
        "show_score": show_score,
        "score_points": attempt.score_points if show_score else None,
        "max_points": attempt.max_points if show_score else None,
        "score_percent": attempt.score_percent if show_score else None,
        "passed": attempt.passed if show_score else None,
        "passing_score": assessment.passing_score,
        "show_review": show_review,
        "questions": [],
    }
    if show_review:
        result["questions"] = [
            _reviewed(question, number, show_score)
            for number, question in enumerate(attempt_questions(attempt), start=1)
        ]
    return result


def _reviewed(question: Question, number: int, show_score: bool) -> dict:
    view = question_for_learner(question, number)
    answer = question.answer
    response = answer.response if answer else {}
    view.update(
        {
            "response": response,
            "your_answer": _answer_in_words(question, response),
            "correct_answer": _correct_in_words(question),
            "explanation": question.explanation,
            "feedback": answer.feedback if answer else "",
            "needs_review": bool(answer and answer.needs_review),
            "points_awarded": answer.points_awarded if answer and show_score else None,
        }
    )
    return view


def _answer_in_words(question: Question, response: dict) -> list[str]:
    if not isinstance(response, dict):
        return []
    if question.type == QuestionType.CHOICE:
        chosen = response.get("choices") or []
        return [c.text for c in question.choices.all() if c.public_id in chosen]
    if question.type == QuestionType.TRUE_FALSE:
        value = response.get("value")
        return [] if not isinstance(value, bool) else ["True" if value else "False"]
    if question.type == QuestionType.SHORT_ANSWER:
        text = response.get("text")
        return [text] if isinstance(text, str) and text.strip() else []
    matches = response.get("matches") or {}
    return [
        f"{p.prompt} → {matches[p.public_id]}"
        for p in question.pairs.all()
        if isinstance(matches, dict) and matches.get(p.public_id)
    ]


def _correct_in_words(question: Question) -> list[str]:
    # Short answers have no single right text; the grader's guidance is
    # for graders only, so learners see the explanation and feedback.
    if question.type == QuestionType.CHOICE:
        return [c.text for c in question.choices.all() if c.is_correct]
    if question.type == QuestionType.TRUE_FALSE:
        if question.correct_true is None:
            return []
        return ["True" if question.correct_true else "False"]
    if question.type == QuestionType.MATCHING:
        return [f"{p.prompt} → {p.answer}" for p in question.pairs.all()]
    return []


# Lists


def attempts_for_viewer(
    *, assessment: Assessment, viewer, user_id: str | None = None
) -> QuerySet[Attempt]:
    """The attempts at `assessment` `viewer` may list: their own as a
    learner; everyone's (optionally one learner's, by usr_ id) as staff."""
    attempts = Attempt.objects.filter(assessment=assessment).select_related(
        "assessment__lesson", "learner", "enrollment"
    )
    if not can_manage_course(viewer, assessment.lesson.course):
        attempts = attempts.filter(learner=viewer)
    elif user_id:
        attempts = attempts.filter(learner__public_id=user_id)
    _close_open(attempts)
    return attempts.order_by("learner_id", "number")


def attempt_history(*, learner, course_ids: Iterable[int] | None = None) -> list[dict]:
    """Every submitted attempt of `learner` (final or pending review),
    newest first, for the learner profile and My Learning.

    `course_ids` narrows to those courses (Course primary keys, or a
    values_list queryset of them), e.g. the courses an instructor teaches.
    Rows carry `results_hidden`: the quiz keeps scores from its learners,
    so a page showing a learner their own history should hide the score.
    """
    _close_open(Attempt.objects.filter(learner=learner))
    attempts = Attempt.objects.filter(learner=learner, status__in=SUBMITTED).order_by(
        "-submitted_at", "-id"
    )
    if course_ids is not None:
        attempts = attempts.filter(assessment__lesson__course_id__in=course_ids)
    # Only the columns a row shows: a learner with hundreds of attempts
    # would otherwise pull every lesson body and course description along.
    rows = attempts.values_list(
        "public_id",
        "assessment__lesson__course__public_id",
        "assessment__lesson__course__title",
        "assessment__lesson__public_id",
        "assessment__lesson__title",
        "number",
        "status",
        "score_percent",
        "passed",
        "submitted_at",
        "assessment__show_results",
    )
    # One reverse() for all rows, not one per row.
    url = url_by_public_id("assessments:attempt")
    labels = dict(AttemptStatus.choices)
    return [
        {
            "attempt_id": attempt_id,
            "course_id": course_id,
            "course_title": course_title,
            "lesson_id": lesson_id,
            "lesson_title": lesson_title,
            "number": number,
            "status": status,
            "status_label": labels.get(status, status),
            "score_percent": score_percent,
            "passed": passed,
            "submitted_at": submitted_at,
            "results_hidden": not show_results,
            "url": url(attempt_id),
        }
        for (
            attempt_id,
            course_id,
            course_title,
            lesson_id,
            lesson_title,
            number,
            status,
            score_percent,
            passed,
            submitted_at,
            show_results,
        ) in rows
    ]


def _close_open(attempts: QuerySet[Attempt]) -> None:
    """Close the expired open attempts among `attempts` (one query when
    there are none, which is nearly always)."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds())
    candidates = attempts.filter(
        status=AttemptStatus.IN_PROGRESS, deadline_at__lt=cutoff
    ).select_related("assessment__lesson", "enrollment")
    close_expired(candidates)


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int | None:
    """Whole seconds until the deadline (never negative); None: no limit."""
    if attempt.deadline_at is None:
        return None
    now = now or timezone.now()
    return max(0, int((attempt.deadline_at - now).total_seconds()))
