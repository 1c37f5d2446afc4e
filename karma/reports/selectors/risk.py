"""At-risk learners: who may need a word from their instructor, and why.

The rules are a table (RISK_RULES). Each rule is one SQL condition on an
enrollment annotated by `with_risk_facts`, plus the sentence shown to staff.
The same condition serves three uses, so they can never disagree: finding
the learners at risk, counting them, and naming each learner's reasons.

Only active enrollments are at risk: completed learners are done and
dropped ones have left. The thresholds, and why they were chosen:

- NOT_STARTED_DAYS (7): a week after enrolling without opening a lesson.
  Most people who mean to start do so within their first week.
- INACTIVE_DAYS (7) and LONG_INACTIVE_DAYS (14): a week without activity
  is a warning; two weeks is the stronger signal. A learner gets only the
  stronger of the two.
- Low score: the learner's standing in a quiz (the best final attempt,
  SPEC section 7) is below that quiz's passing score. Attempts waiting for
  a grader do not count yet.
- BEHIND_POINTS (30): progress more than 30 percentage points below the
  class average (active and completed enrollments of the course). It
  applies only after the first NOT_STARTED_DAYS, so someone who joined
  yesterday is not "behind" a class that started a month ago.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast

from karma.assessments.models import Attempt, AttemptStatus
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.reports.formatting import score_text

NOT_STARTED_DAYS = 7
INACTIVE_DAYS = 7
LONG_INACTIVE_DAYS = 14
BEHIND_POINTS = 30

# Course ids: a list, or a query of course primary keys.
CourseIds = Iterable[int] | QuerySet


@dataclass(frozen=True)
class RiskRule:
    """One reason a learner may be at risk.

    `condition(now)` selects, among enrollments annotated by
    `with_risk_facts`, those the rule applies to; `reason(enrollment, now)`
    says why in words for one of them, `label` in a few. A higher
    `severity` sorts first.
    """

    code: str
    severity: int
    condition: Callable[[datetime], Q]
    reason: Callable[[Enrollment, datetime], str]
    # A few words for narrow places (the matrix); `reason` says the rest.
    label: str = ""


def _days_since(moment: datetime | None, now: datetime) -> int:
    return (now - moment).days if moment else 0


def _not_started(now: datetime) -> Q:
    return Q(
        last_active_at__isnull=True,
        enrolled_at__lte=now - timedelta(days=NOT_STARTED_DAYS),
    )


def _long_inactive(now: datetime) -> Q:
    return Q(last_active_at__lte=now - timedelta(days=LONG_INACTIVE_DAYS))


def _inactive(now: datetime) -> Q:
    return Q(
        last_active_at__lte=now - timedelta(days=INACTIVE_DAYS),
        last_active_at__gt=now - timedelta(days=LONG_INACTIVE_DAYS),
    )


def _low_score(now: datetime) -> Q:
    return Q(risk_failing_quiz=True)


def _behind(now: datetime) -> Q:
    return Q(
        progress_percent__lt=F("risk_class_average") - BEHIND_POINTS,
        enrolled_at__lte=now - timedelta(days=NOT_STARTED_DAYS),
    )


RISK_RULES: tuple[RiskRule, ...] = (
    RiskRule(
        "not_started",
        4,
        _not_started,
        lambda e, now: (
            f"Not started {_days_since(e.enrolled_at, now)} days after enrolling"
        ),
        "Not started",
    ),
    RiskRule(
        "inactive_two_weeks",
        3,
        _long_inactive,
        lambda e, now: (
            f"No activity for {_days_since(e.last_active_at, now)} days "
            "(two weeks or more)"
        ),
        "Inactive 2+ weeks",
    ),
    RiskRule(
        "low_score",
        2,
        _low_score,
        lambda e, now: _low_score_reason(e),
        "Low quiz score",
    ),
    RiskRule(
        "inactive_week",
        1,
        _inactive,
        lambda e, now: f"No activity for {_days_since(e.last_active_at, now)} days",
        "Inactive 1+ week",
    ),
    RiskRule(
        "behind_class",
        1,
        _behind,
        lambda e, now: (
            f"At {e.progress_percent}%, more than {BEHIND_POINTS} points behind "
            f"the class average of {round(e.risk_class_average)}%"
        ),
        "Behind the class",
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in RISK_RULES}


def _low_score_reason(enrollment: Enrollment) -> str:
    failing = getattr(enrollment, "failing_quizzes", None)
    if not failing:
        return "Best score below the passing score in a quiz"
    parts = [
        f"{score_text(q.best)}% in \u201c{q.title}\u201d (passing {q.passing}%)"
        for q in failing
    ]
    return "Best score below passing: " + "; ".join(parts)


def risk_severity(now: datetime) -> Case:
    """The severity of the worst rule that applies, 0 when none does; for
    ordering the most urgent learners first in SQL."""
    whens = [
        When(rule.condition(now), then=Value(rule.severity))
        for rule in sorted(RISK_RULES, key=lambda rule: -rule.severity)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def read_class_averages(courses: CourseIds) -> dict[int, float]:
    """Map each of `courses` to its average stored progress over its active
    and completed enrollments, in one grouped query; a course with none of
    them is left out."""
    taking = [EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED]
    return dict(
        Enrollment.objects.filter(course_id__in=courses, status__in=taking)
        .order_by()
        .values("course_id")
        .annotate(average=Avg(Cast("progress_percent", FloatField())))
        .values_list("course_id", "average")
    )


def class_averages(
    courses: CourseIds, known: Mapping[int, float | None] | None = None
) -> Case | Value:
    """The average stored progress of each of `courses`, over its active
    and completed enrollments, as an expression on an enrollment's course.

    The averages are read first, in one grouped query, and written into
    the SQL as constants: a correlated subquery would average the whole
    class again for every row, which for a class of ten thousand is a
    hundred million reads on SQLite. `known` maps course id to an average
    the caller has already read (`read_class_averages`, or the Progress
    tab's figures), and spares that query.
    """
    if known is None:
        known = read_class_averages(courses)
    whens = [
        When(course_id=course_id, then=Value(average))
        for course_id, average in known.items()
        if average is not None
    ]
    if not whens:
        return Value(None, output_field=FloatField())
    return Case(*whens, default=Value(None), output_field=FloatField())


def failing_quiz(courses: CourseIds) -> Exists:
    """True when, in some quiz of `courses`, the enrollment's best final
    score is below passing: a final attempt below it, and none at or above.

    Written as EXISTS without grouping so that PostgreSQL may run it either
    way: once per row, when a page walks a few learners in name order, or
    once for the whole class into a hashed set, when a filter or a sort
    reads them all. Restricted to the quizzes of `courses` so that set is
    the class's, not the site's. An attempt belongs to an enrollment in its
    quiz's course.
    """
    passed = Attempt.objects.filter(
        enrollment_id=OuterRef("enrollment_id"),
        assessment_id=OuterRef("assessment_id"),
        status=AttemptStatus.FINAL,
        score_percent__gte=OuterRef("assessment__passing_score"),
    )
    below = Attempt.objects.filter(
        enrollment=OuterRef("pk"),
        assessment__lesson__course_id__in=courses,
        status=AttemptStatus.FINAL,
        score_percent__lt=F("assessment__passing_score"),
    ).filter(~Exists(passed))
    return Exists(below)


def failing_enrollments(courses: CourseIds) -> QuerySet[Attempt]:
    """The ids of the enrollments of `courses` for which `failing_quiz`
    holds, as one grouped subquery over the attempts at their quizzes.

    For counting a whole class: the database reads it once (PostgreSQL as
    a hashed set, SQLite as a temporary index). Asked per enrollment, the
    condition also made PostgreSQL price the count high enough to compile
    it (JIT), which alone took longer than the rest of the page.
    """
    return (
        Attempt.objects.filter(
            assessment__lesson__course_id__in=courses,
            status=AttemptStatus.FINAL,
            score_percent__isnull=False,
        )
        .order_by()
        .values("enrollment_id", "assessment_id", "assessment__passing_score")
        .annotate(best=Max("score_percent"))
        .filter(best__lt=F("assessment__passing_score"))
        .values("enrollment_id")
    )


def _with_inputs(
    enrollments: QuerySet[Enrollment],
    courses: CourseIds,
    averages: Mapping[int, float | None] | None,
    failing: Exists | ExpressionWrapper,
) -> QuerySet[Enrollment]:
    return enrollments.annotate(
        risk_class_average=class_averages(courses, averages)
    ).alias(risk_failing_quiz=failing)


def with_risk_inputs(
    enrollments: QuerySet[Enrollment],
    *,
    courses: CourseIds,
    averages: Mapping[int, float | None] | None = None,
) -> QuerySet[Enrollment]:
    """Annotate the facts the rules read beyond the enrollment's own
    fields: enough for `at_risk_filter`, for counting. `courses` holds the
    courses of `enrollments` (ids, or a query of them); their class
    averages cost one query now, unless given as `averages` (course id ->
    average). The quiz standings are read for the whole class at once
    (`failing_enrollments`)."""
    failing = ExpressionWrapper(
        Q(pk__in=failing_enrollments(courses)), output_field=BooleanField()
    )
    return _with_inputs(enrollments, courses, averages, failing)


def with_risk_facts(
    enrollments: QuerySet[Enrollment],
    now: datetime,
    *,
    courses: CourseIds,
    averages: Mapping[int, float | None] | None = None,
) -> QuerySet[Enrollment]:
    """Annotate what the rules read, and one boolean `risk_<code>` per rule,
    for listing learners (see `with_risk_inputs` for counting them).

    Everything but the class averages is computed by the database in the
    same query, so a page of learners costs the same whatever the size of
    the class; the quiz standings are asked per learner (`failing_quiz`).
    """
    annotated = _with_inputs(enrollments, courses, averages, failing_quiz(courses))
    flags = {
        f"risk_{rule.code}": Case(
            When(rule.condition(now) & Q(status=EnrollmentStatus.ACTIVE), then=True),
            default=Value(False),
            output_field=BooleanField(),
        )
        for rule in RISK_RULES
    }
    return annotated.annotate(**flags)


def at_risk_filter(now: datetime) -> Q:
    """Active enrollments that at least one rule applies to (after
    `with_risk_inputs` or `with_risk_facts`)."""
    any_rule = Q()
    for rule in RISK_RULES:
        any_rule |= rule.condition(now)
    return Q(status=EnrollmentStatus.ACTIVE) & any_rule


@dataclass(frozen=True)
class Risk:
    code: str
    severity: int
    reason: str
    label: str


def risks_of(enrollment: Enrollment, now: datetime) -> list[Risk]:
    """The rules that apply to `enrollment` (annotated by `with_risk_facts`),
    most severe first, each with its reason in words."""
    found = [
        Risk(rule.code, rule.severity, rule.reason(enrollment, now), rule.label)
        for rule in RISK_RULES
        if getattr(enrollment, f"risk_{rule.code}", False)
    ]
    return sorted(found, key=lambda risk: -risk.severity)


@dataclass(frozen=True)
class FailingQuiz:
    title: str
    best: Decimal
    passing: int


def attach_risks(enrollments: Iterable[Enrollment], now: datetime) -> None:
    """Set `risks` (see `risks_of`) on each of `enrollments`, naming the
    failed quizzes of those with a low score: one query for all of them."""
    enrollments = list(enrollments)
    # Asked for every row, not only the flagged ones, so the page costs
    # the same queries whoever is on it.
    failing = failing_quizzes([e.pk for e in enrollments])
    for enrollment in enrollments:
        enrollment.failing_quizzes = failing.get(enrollment.pk, [])
        enrollment.risks = risks_of(enrollment, now)


def failing_quizzes(enrollment_ids: list[int]) -> dict[int, list[FailingQuiz]]:
    """Map each of `enrollment_ids` to the quizzes whose best final score
    is below passing, in course order."""
    if not enrollment_ids:
        return {}
    rows = (
        Attempt.objects.filter(
            enrollment_id__in=enrollment_ids,
            status=AttemptStatus.FINAL,
            score_percent__isnull=False,
        )
        .order_by()
        .values(
            "enrollment_id",
            "assessment_id",
            "assessment__passing_score",
            "assessment__lesson__title",
            "assessment__lesson__module__position",
            "assessment__lesson__position",
        )
        .annotate(best=Max("score_percent"))
        .filter(best__lt=F("assessment__passing_score"))
        .order_by(
            "assessment__lesson__module__position", "assessment__lesson__position"
        )
    )
    found: dict[int, list[FailingQuiz]] = {}
    for row in rows:
        quiz = FailingQuiz(
            row["assessment__lesson__title"],
            row["best"],
            row["assessment__passing_score"],
        )
        found.setdefault(row["enrollment_id"], []).append(quiz)
    return found
