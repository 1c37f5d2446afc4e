"""The reports and exports endpoints (SPEC section 8), role by role, with
the known course's hand-computed figures."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache

from karma.accounts.tests.factories import InstructorFactory
from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.models import CourseStatus
from karma.courses.tests.factories import PublishedCourseFactory
from karma.reports.models import ExportJob

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path


def _course_url(known, tail: str) -> str:
    return f"{API}/courses/{known.course.public_id}/{tail}"


def _people(known, request) -> dict:
    def other():
        teacher = InstructorFactory()
        PublishedCourseFactory(owner=teacher)
        return teacher

    return {
        "admin": lambda: request.getfixturevalue("admin"),
        "owner": lambda: request.getfixturevalue("instructor"),
        "co_instructor": lambda: known.co_instructor,
        "other_instructor": other,
        "enrolled_learner": lambda: known.enrollment("Ben").learner,
        "outsider": lambda: request.getfixturevalue("outsider"),
    }


COURSE_ENDPOINTS = [
    "reports/summary",
    "reports/matrix",
    "exports/progress?format=csv",
    "reports/learners/{ben}",
]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 200),
        ("owner", 200),
        ("co_instructor", 200),
        ("other_instructor", 403),
        ("enrolled_learner", 403),
        ("outsider", 403),
    ],
)
@pytest.mark.parametrize("tail", COURSE_ENDPOINTS)
def test_course_reports_are_for_the_course_staff(known, request, role, expected, tail):
    client = api_client(_people(known, request)[role]())
    url = _course_url(known, tail.format(ben=known.enrollments["Ben"].public_id))

    response = client.get(url)

    assert response.status_code == expected
    if expected == 403:
        assert error_of(response)["code"] == "FORBIDDEN"


@pytest.mark.parametrize("tail", COURSE_ENDPOINTS)
def test_outsiders_get_404_for_a_draft(known, outsider, tail):
    known.course.status = CourseStatus.DRAFT
    known.course.save()
    url = _course_url(known, tail.format(ben=known.enrollments["Ben"].public_id))

    response = api_client(outsider).get(url)

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


@pytest.mark.parametrize("tail", COURSE_ENDPOINTS)
def test_anonymous_calls_are_401(known, tail):
    url = _course_url(known, tail.format(ben=known.enrollments["Ben"].public_id))

    assert api_client().get(url).status_code == 401


def test_summary_holds_the_hand_computed_figures(known, instructor):
    response = api_client(instructor).get(_course_url(known, "reports/summary"))

    data = response.json()["data"]
    assert data["summary"] == {
        "enrolled": 6,
        "active": 5,
        "completed": 1,
        "dropped": 1,
        "not_started": 2,
        "in_progress": 3,
        "active_this_week": 2,
        "average_progress": 41.7,
        "completion_rate": 16.7,
        "at_risk": 4,
    }
    (quiz,) = data["quizzes"]
    assert quiz["title"] == "Check"
    assert quiz["learners"] == 2
    assert quiz["pass_rate"] == 50.0
    assert quiz["average"] == "70.0"
    assert quiz["waiting"] == 1
    counts = [band["count"] for band in quiz["distribution"]]
    assert counts == [0, 0, 0, 0, 0, 0, 1, 0, 1, 0]
    assert quiz["distribution"][9]["label"] == "90–100"


def test_matrix_pages_filters_and_sorts(known, instructor):
    url = _course_url(known, "reports/matrix?sort=-progress&per_page=2&page=1")

    body = api_client(instructor).get(url).json()

    assert body["meta"] == {"total": 7, "page": 1, "per_page": 2}
    ana, ben = body["data"]
    assert (ana["name"], ana["progress_percent"], ana["status"]) == (
        "Ana Known",
        100,
        "completed",
    )
    assert ana["time_spent_seconds"] == 1020
    assert [(m["name"], m["percent"]) for m in ben["modules"]] == [
        ("Basics", 100),
        ("Practice", 50),
        ("Extras", None),
    ]
    assert [risk["code"] for risk in ben["risks"]] == ["low_score"]


def test_matrix_filters_by_status_and_name(known, instructor):
    client = api_client(instructor)

    at_risk = client.get(_course_url(known, "reports/matrix?status=at_risk")).json()
    named = client.get(_course_url(known, "reports/matrix?search=GUS")).json()

    assert [row["name"] for row in at_risk["data"]] == [
        "Ben Known",
        "Cleo Known",
        "Dan Known",
        "Gus Known",
    ]
    assert [row["name"] for row in named["data"]] == ["Gus Known"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("sort=email", "sort"),
        ("per_page=1000", "per_page"),
        ("page=0", "page"),
    ],
)
def test_matrix_refuses_bad_input_with_422(known, instructor, query, field):
    response = api_client(instructor).get(_course_url(known, f"reports/matrix?{query}"))

    assert response.status_code in (400, 422)
    assert field in issues_of(response)


def test_learner_detail_is_audited(known, instructor):
    ben = known.enrollment("Ben")
    url = _course_url(known, f"reports/learners/{ben.public_id}")

    data = api_client(instructor).get(url).json()["data"]

    assert data["required_done"] == 3
    assert [(a["number"], a["score_percent"]) for a in data["attempts"]] == [
        (2, "60.00"),
        (1, "40.00"),
    ]
    assert [(line["title"], line["done"]) for line in data["lessons"]][:3] == [
        ("Read me", True),
        ("Then me", True),
        ("Aside", False),
    ]
    event = AuditEvent.objects.get(kind=AuditKind.PROFILE_VIEWED)
    assert (event.actor, event.subject) == (instructor, ben.learner)


@pytest.mark.parametrize("enrollment_id", ["enr_nope", "enr_0000000000000000"])
def test_learner_detail_of_unknown_enrollment_is_404(known, instructor, enrollment_id):
    url = _course_url(known, f"reports/learners/{enrollment_id}")

    response = api_client(instructor).get(url)

    assert response.status_code == 404


# --- Exports -------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_downloads_the_file_and_audits(known, instructor, file_format):
    url = _course_url(known, f"exports/progress?format={file_format}")

    response = api_client(instructor).get(url, headers={"Accept": "*/*"})
    raw = b"".join(response.streaming_content)

    assert response.status_code == 200
    if file_format == "csv":
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows) == 8
    else:
        assert raw.startswith(b"PK")
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT_DOWNLOADED)
    assert event.details == {
        "export": "course_progress",
        "format": file_format,
        "rows": 7,
    }


def test_export_refuses_an_unknown_format_with_422(known, instructor):
    response = api_client(instructor).get(
        _course_url(known, "exports/progress?format=pdf")
    )

    assert response.status_code == 422
    assert "format" in issues_of(response)
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT_DOWNLOADED).exists()


def test_export_of_an_unknown_kind_is_404(known, instructor):
    response = api_client(instructor).get(_course_url(known, "exports/secrets"))

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_export_job_runs_and_its_file_downloads(known, instructor, run_on_commit):
    client = api_client(instructor)
    with run_on_commit():
        response = client.post(
            _course_url(known, "export-jobs"),
            {"kind": "assessments", "format": "csv"},
            content_type="application/json",
        )

    assert response.status_code == 202
    job_id = response.json()["data"]["id"]
    job = client.get(f"{API}/export-jobs/{job_id}").json()["data"]
    assert job["status"] == "done"
    assert job["row_count"] == 4
    assert job["download_url"] == f"{API}/export-jobs/{job_id}/download"

    download = client.get(job["download_url"])
    raw = b"".join(download.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT_DOWNLOADED).count() == 1


def test_export_job_refuses_bad_input_with_422(known, instructor):
    response = api_client(instructor).post(
        _course_url(known, "export-jobs"),
        {"kind": "everything", "format": "pdf"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert set(issues_of(response)) == {"kind", "format"}
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("role", ["other_instructor", "enrolled_learner", "outsider"])
def test_export_jobs_are_refused_to_everyone_but_the_staff(known, request, role):
    client = api_client(_people(known, request)[role]())

    response = client.post(
        _course_url(known, "export-jobs"),
        {"kind": "progress", "format": "csv"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_someone_elses_export_job_is_404(known, instructor, admin, run_on_commit):
    with run_on_commit():
        response = api_client(instructor).post(
            _course_url(known, "export-jobs"),
            {"kind": "progress", "format": "csv"},
            content_type="application/json",
        )
    job_id = response.json()["data"]["id"]

    for tail in ("", "/download"):
        other = api_client(admin).get(f"{API}/export-jobs/{job_id}{tail}")
        assert other.status_code == 404


# --- Teaching, course list and platform ---------------------------------------


def test_teaching_report_covers_the_courses_taught(known, instructor):
    data = api_client(instructor).get(f"{API}/reports/teaching").json()["data"]

    assert data["totals"]["enrolled"] == 6
    assert data["totals"]["completion_rate"] == 16.7
    assert data["at_risk_total"] == 4
    assert [row["name"] for row in data["at_risk"]] == [
        "Dan Known",
        "Gus Known",
        "Ben Known",
        "Cleo Known",
    ]
    assert data["feed"][0]["kind"] == "completed"
    assert data["quizzes"][0]["title"] == "Check"


def test_teaching_report_of_another_instructor_is_empty(known):
    teacher = InstructorFactory()

    data = api_client(teacher).get(f"{API}/reports/teaching").json()["data"]

    assert data["totals"]["enrolled"] == 0
    assert data["at_risk"] == []
    assert data["feed"] == []


def test_course_list_gives_each_course_its_figures(known, instructor):
    body = api_client(instructor).get(f"{API}/reports/courses").json()

    (row,) = body["data"]
    # (100 + 75 + 25 + 0 + 0 + 50) / 6, unrounded.
    assert round(row.pop("average_progress"), 1) == 41.7
    assert row == {
        "course_id": known.course.public_id,
        "title": "Known course",
        "enrolled": 6,
        "active": 5,
        "completed": 1,
        "dropped": 1,
        "not_started": 2,
        "active_this_week": 2,
        "completion_rate": 16.7,
        "at_risk": 4,
    }


@pytest.mark.parametrize("path", ["reports/teaching", "reports/courses"])
def test_teaching_reports_refuse_learners(known, learner, path):
    response = api_client(learner).get(f"{API}/{path}")

    assert response.status_code == 403


def test_platform_report_is_for_admins(known, admin, instructor, learner):
    assert api_client(instructor).get(f"{API}/reports/platform").status_code == 403
    assert api_client(learner).get(f"{API}/reports/platform").status_code == 403

    data = api_client(admin).get(f"{API}/reports/platform").json()["data"]

    assert data["totals"]["enrolled"] == 6
    assert len(data["weeks"]) == 12
    assert sum(week["enrollments"] for week in data["weeks"]) == 7
    assert sum(week["completions"] for week in data["weeks"]) == 1
