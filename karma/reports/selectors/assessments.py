"""Assessment results for staff: per quiz, how learners stand (SPEC 6, 7).

A learner's standing in a quiz is their best final attempt; attempts
waiting for a grader do not count until graded. So the figures here are
per learner, not per attempt: a learner who failed twice and then passed
counts once, as passed.

- learners: learners (enrollments) with a final attempt;
- pass rate: the share of them whose best score reaches the quiz's
  current passing score;
- average: the mean of their best scores;
- distribution: their best scores in ten bands of ten points (the last
  band holds 90 to 100);
- waiting: attempts pending review.

Three queries for any number of quizzes and learners. The database counts
the learners by best score, so what comes back grows with the number of
distinct scores, not with the class.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Count, Max, QuerySet

from karma.assessments.models import Assessment, Attempt, AttemptStatus
from karma.courses.models import Course
from karma.reports.formatting import rate

BANDS = 10
BAND_WIDTH = 100 // BANDS


def band_labels() -> list[str]:
    """ "0–9", "10–19", ... "90–100"."""
    labels = [f"{start}–{start + BAND_WIDTH - 1}" for start in range(0, 100, 10)]
    labels[-1] = f"{100 - BAND_WIDTH}–100"
    return labels


def band_of(score: Decimal) -> int:
    return min(int(score) // BAND_WIDTH, BANDS - 1)


@dataclass(frozen=True)
class Band:
    label: str
    count: int
    height: int


@dataclass
class QuizResult:
    assessment: Assessment
    learners: int = 0
    passed: int = 0
    total_best: Decimal = Decimal(0)
    waiting: int = 0
    distribution: list[int] = field(default_factory=lambda: [0] * BANDS)

    @property
    def title(self) -> str:
        return self.assessment.lesson.title

    @property
    def course(self) -> Course:
        return self.assessment.lesson.course

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.learners)

    @property
    def average(self) -> Decimal | None:
        if not self.learners:
            return None
        return (self.total_best / self.learners).quantize(Decimal("0.1"))

    @property
    def bands(self) -> list[Band]:
        """The distribution with labels, and each bar's height in tenths
        of the tallest."""
        tallest = max(self.distribution) or 1
        return [
            Band(label, count, math.ceil(count * 10 / tallest))
            for label, count in zip(band_labels(), self.distribution, strict=True)
        ]

    def add(self, best: Decimal, learners: int = 1) -> None:
        """Count `learners` whose best score is `best`."""
        self.learners += learners
        self.total_best += best * learners
        if best >= self.assessment.passing_score:
            self.passed += learners
        self.distribution[band_of(best)] += learners


def quiz_results(courses: QuerySet[Course] | Iterable[Course]) -> list[QuizResult]:
    """The results of every quiz of `courses`, by course title then in
    course order."""
    assessments = list(
        Assessment.objects.filter(lesson__course__in=courses)
        .select_related("lesson__course", "lesson__module")
        .order_by(
            "lesson__course__title",
            "lesson__course_id",
            "lesson__module__position",
            "lesson__position",
            "id",
        )
    )
    results = {a.pk: QuizResult(a) for a in assessments}
    if not results:
        return []

    for assessment_id, best, learners in _best_scores(list(results)):
        results[assessment_id].add(best, learners)
    for assessment_id, waiting in _waiting(list(results)):
        results[assessment_id].waiting = waiting
    return list(results.values())


# Around the ORM's query of each learner's standing (its SQL, no input).
STANDINGS_BY_SCORE = """
    SELECT "assessment_id", CAST(ROUND("best" * 100) AS INTEGER), COUNT(*)
    FROM ({standings}) AS "standing"
    GROUP BY 1, 2
"""


def _best_scores(assessment_ids: list[int]) -> list[tuple[int, Decimal, int]]:
    """(assessment id, best final score, learners whose standing it is).

    Each learner's standing is grouped in a subquery and the standings
    counted by score around it: the ORM cannot group over a grouping, so
    the outer query is SQL around the ORM's own. Scores have two decimals
    and travel as whole hundredths, exact on SQLite too (which has no
    decimal type).
    """
    standings = (
        Attempt.objects.filter(
            assessment_id__in=assessment_ids,
            status=AttemptStatus.FINAL,
            score_percent__isnull=False,
        )
        .order_by()
        .values("assessment_id", "enrollment_id")
        .annotate(best=Max("score_percent"))
    )
    inner, params = standings.query.sql_with_params()
    with connections[standings.db].cursor() as cursor:
        cursor.execute(STANDINGS_BY_SCORE.format(standings=inner), params)
        return [
            (assessment_id, Decimal(hundredths).scaleb(-2), learners)
            for assessment_id, hundredths, learners in cursor.fetchall()
        ]


def _waiting(assessment_ids: list[int]) -> Iterable[tuple[int, int]]:
    return (
        Attempt.objects.filter(
            assessment_id__in=assessment_ids, status=AttemptStatus.PENDING_REVIEW
        )
        .order_by()
        .values("assessment_id")
        .annotate(waiting=Count("id"))
        .values_list("assessment_id", "waiting")
    )
