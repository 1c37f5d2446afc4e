"""Benchmark: one lesson completion, as the player sends it.

Learners of the big course each finish their next text lesson: a POST of
{"type": "reached_end"} to the lesson's events URL, which stores the
completion, recounts the enrollment's progress under a row lock and
answers with the new figures. The raw baseline writes the same progress
row and the same enrollment figures in plain SQL. Both run inside a
transaction that is rolled back, so the site stays as seeded (and the
commit itself is not part of either figure).
"""

from __future__ import annotations

import json

import common


def candidates(course, count: int) -> list[tuple[object, object]]:
    """(enrollment, lesson) pairs: active learners and a text lesson each
    has not completed yet."""
    from karma.courses.models import LessonType
    from karma.enrollments.models import Enrollment, EnrollmentStatus

    lessons = list(course.lessons.filter(type=LessonType.TEXT).order_by("pk"))
    enrollments = (
        Enrollment.objects.filter(course=course, status=EnrollmentStatus.ACTIVE)
        .select_related("learner")
        .prefetch_related("lesson_progress")
        .order_by("pk")[: count * 4]
    )
    pairs = []
    for enrollment in enrollments:
        done = {p.lesson_id for p in enrollment.lesson_progress.all() if p.completed_at}
        todo = [lesson for lesson in lessons if lesson.pk not in done]
        if todo:
            pairs.append((enrollment, todo[0]))
        if len(pairs) == count:
            break
    return pairs


RAW = [
    "UPDATE enrollments_enrollment SET last_active_at = %(now)s WHERE id = %(e)s",
    "SELECT id FROM enrollments_enrollment WHERE id = %(e)s",
    "DELETE FROM learning_lessonprogress WHERE enrollment_id = %(e)s "
    "AND lesson_id = %(l)s",
    "INSERT INTO learning_lessonprogress (enrollment_id, lesson_id, "
    "first_opened_at, last_opened_at, completed_at, completion_reason, "
    "completion_evidence, time_spent_seconds, video_watched) VALUES "
    "(%(e)s, %(l)s, %(now)s, %(now)s, %(now)s, 'read_to_end', '{}', 0, '[]')",
    "SELECT COUNT(*) FROM learning_lessonprogress WHERE enrollment_id = %(e)s "
    "AND completed_at IS NOT NULL",
    "UPDATE enrollments_enrollment SET required_done = required_done + 1 "
    "WHERE id = %(e)s",
]


def run(site: common.Site, repeat: int = 30) -> list[dict]:
    from django.db import connection, transaction
    from django.utils import timezone

    pairs = candidates(site.big_course, repeat + 2)
    clients = [common.signed_in_client(e.learner) for e, _ in pairs]
    course_id = site.big_course.public_id
    body = json.dumps({"type": "reached_end"})

    def complete(i: int) -> None:
        enrollment, lesson = pairs[i % len(pairs)]
        url = f"/learn/{course_id}/lessons/{lesson.public_id}/events/"
        response = clients[i % len(pairs)].post(
            url, body, content_type="application/json"
        )
        assert response.status_code == 200, (response.status_code, response.content)

    def raw(i: int) -> None:
        enrollment, lesson = pairs[i % len(pairs)]
        params = {"e": enrollment.pk, "l": lesson.pk, "now": timezone.now()}
        with connection.cursor() as cursor:
            for sql in RAW:
                cursor.execute(sql, params)
                if cursor.description:
                    cursor.fetchall()

    try:
        with transaction.atomic():
            # The warm-up and the memory run use the spare pairs at the end.
            timing = common.measure(lambda i: complete(i % (repeat + 2)), repeat=repeat)
            baseline = common.measure(raw, repeat=repeat, memory=False)
            raise common.Rollback
    except common.Rollback:
        pass
    return [common.row("lesson completion (progress update) request", timing, baseline)]


if __name__ == "__main__":
    common.print_rows(run(common.setup_site()))
