"""Benchmark: the learner profile of a learner with 50 enrollments and 200
quiz attempts, as an admin opens it.

The page (through the test client) shows personal information, every
enrollment with its progress, every attempt and the certificates. The raw
baseline fetches the same rows in four plain queries.
"""

from __future__ import annotations

import common

RAW = [
    "SELECT id, public_id, email, first_name, last_name, role, created_at, "
    "last_active_at FROM accounts_user WHERE id = %s",
    "SELECT e.public_id, e.status, e.progress_percent, e.enrolled_at, "
    "e.completed_at, c.public_id, c.title FROM enrollments_enrollment e "
    "JOIN courses_course c ON c.id = e.course_id WHERE e.learner_id = %s "
    "ORDER BY e.enrolled_at DESC",
    "SELECT a.public_id, a.number, a.score_percent, a.passed, a.submitted_at, "
    "l.title, c.title FROM assessments_attempt a "
    "JOIN assessments_assessment s ON s.id = a.assessment_id "
    "JOIN courses_lesson l ON l.id = s.lesson_id "
    "JOIN courses_course c ON c.id = l.course_id "
    "WHERE a.learner_id = %s ORDER BY a.started_at DESC",
    "SELECT public_id, code, course_title, issued_at FROM learning_certificate "
    "WHERE learner_id = %s ORDER BY issued_at DESC",
]


def run(site: common.Site, repeat: int = 20) -> list[dict]:
    from karma.assessments.models import Attempt

    learner = site.profile_learner
    client = common.signed_in_client(site.admin)
    url = f"/users/{learner.public_id}/"

    def page(_: int) -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    enrollments = learner.enrollments.count()
    attempts = Attempt.objects.filter(learner=learner).count()
    timing = common.measure(page, repeat=repeat)
    raw = common.measure(
        common.raw_sql([(sql, [learner.pk]) for sql in RAW]),
        repeat=repeat,
        memory=False,
    )
    return [
        common.row(
            f"learner profile ({enrollments} enrollments, {attempts} attempts)",
            timing,
            raw,
        )
    ]


if __name__ == "__main__":
    common.print_rows(run(common.setup_site()))
