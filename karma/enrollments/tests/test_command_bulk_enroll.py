"""`karma bulk-enroll COURSE FILE`: the same pipeline and report as the page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from karma.accounts.models import Invitation, Role, User
from karma.accounts.tests.factories import LearnerFactory
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkEnrollmentRow,
    BulkJobStatus,
    Enrollment,
    RowOutcome,
)
from karma.lib.spreadsheets import read_learner_file

CASES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "cases"
EXISTING, INVITE = "existing", "invite"

# Rows that add a learner, and the other outcomes by count, per the cases
# README. case-17's "existing" run gives only known.user an account.
CASE_FILES = {
    "case-01-utf8-bom.csv": (1, {}),
    "case-02-semicolon-delimiter.csv": (2, {}),
    "case-04-utf16le-tab.csv": (2, {}),
    "case-05-header-synonyms.csv": (2, {}),
    "case-07-duplicate-rows.csv": (2, {RowOutcome.DUPLICATE: 2}),
    "case-08-blank-lines.csv": (2, {}),
    "case-09-quoted-fields.csv": (3, {}),
    "case-11-mixed-line-endings.csv": (3, {}),
    "case-13-extra-columns.csv": (3, {}),
    "case-17-row-report.csv": (
        1,
        {RowOutcome.UNKNOWN: 1, RowOutcome.INVALID: 1, RowOutcome.DUPLICATE: 1},
    ),
    "case-18-formula-injection.csv": (3, {}),
}


def bulk_enroll(*args: str) -> str:
    out = io.StringIO()
    call_command("bulk_enroll", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def report(*args: str) -> dict:
    return json.loads(bulk_enroll(*args, "--json"))


def create_accounts_for(name: str) -> None:
    if name == "case-17-row-report.csv":
        LearnerFactory(email="known.user@example.com")
        return
    learner_file = read_learner_file((CASES / name).read_bytes(), max_bytes=10**7)
    emails = {row.email.lower() for row in learner_file.rows if row.is_valid}
    User.objects.bulk_create(
        [
            User(
                email=email,
                first_name="Known",
                last_name="Person",
                activated_at=timezone.now(),
                search_text=f"known person {email}",
            )
            for email in emails
        ]
    )


def added(counts: dict[str, int]) -> int:
    return counts[RowOutcome.ENROLLED] + counts[RowOutcome.INVITED]


@pytest.fixture
def course(db):
    return PublishedCourseFactory()


def run_twice(course, name: str, mode: str) -> tuple[dict, dict]:
    if mode == EXISTING:
        create_accounts_for(name)
    flags = ["--invite-unknown"] if mode == INVITE else []
    path = str(CASES / name)
    first = report(course.public_id, path, *flags)
    second = report(course.public_id, path, *flags)
    return first, second


def assert_second_run_changes_nothing(first: dict, second: dict) -> None:
    assert added(second["counts"]) == 0
    before = {row["line"]: row["outcome"] for row in first["rows"]}
    for row in second["rows"]:
        if before[row["line"]] in (RowOutcome.ENROLLED, RowOutcome.INVITED):
            assert row["outcome"] == RowOutcome.ALREADY_ENROLLED


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
@pytest.mark.parametrize("name", sorted(CASE_FILES))
def test_enrolls_every_case_file(name, mode, course):
    expected_added, others = CASE_FILES[name]
    if name == "case-17-row-report.csv" and mode == INVITE:
        # The unknown address is invited instead of skipped.
        expected_added, others = 2, {RowOutcome.INVALID: 1, RowOutcome.DUPLICATE: 1}

    first, second = run_twice(course, name, mode)

    good = RowOutcome.ENROLLED if mode == EXISTING else RowOutcome.INVITED
    assert first["status"] == BulkJobStatus.DONE
    assert first["counts"][good] == expected_added
    for outcome, count in others.items():
        assert first["counts"][outcome] == count
    assert Enrollment.objects.filter(course=course).count() == expected_added
    assert_second_run_changes_nothing(first, second)
    assert Enrollment.objects.filter(course=course).count() == expected_added


@pytest.mark.django_db
def test_enrolls_the_large_case_file(course):
    first, second = run_twice(course, "case-15-large-file.csv", EXISTING)

    assert first["counts"][RowOutcome.ENROLLED] == 9_999
    bad = [row for row in first["rows"] if row["outcome"] == RowOutcome.INVALID]
    assert [row["line"] for row in bad] == [7777]
    assert "learner07776.example.com" in bad[0]["message"]
    assert second["counts"][RowOutcome.ALREADY_ENROLLED] == 9_999


@pytest.mark.django_db
def test_json_reports_every_row_with_its_physical_line(course):
    create_accounts_for("case-08-blank-lines.csv")

    result = report(course.public_id, str(CASES / "case-08-blank-lines.csv"))

    assert result["course"] == course.public_id
    assert result["job"].startswith("blk_")
    assert [(row["line"], row["email"], row["outcome"]) for row in result["rows"]] == [
        (3, "ken.ito@example.com", RowOutcome.ENROLLED),
        (7, "rosa.diaz@example.com", RowOutcome.ENROLLED),
    ]
    for row in result["rows"]:
        assert set(row) == {"line", "email", "outcome", "message"}
        assert row["message"]


@pytest.mark.django_db
def test_json_keeps_names_and_addresses_unescaped(course):
    result = report(
        course.public_id,
        str(CASES / "case-18-formula-injection.csv"),
        "--invite-unknown",
    )

    assert "mallory@example.org" in {row["email"] for row in result["rows"]}
    assert User.objects.get(email="eve@example.org").first_name == "+SUM(1+1)"


@pytest.mark.django_db
def test_prints_a_one_line_summary(course):
    create_accounts_for("case-17-row-report.csv")

    output = bulk_enroll(course.public_id, str(CASES / "case-17-row-report.csv"))

    summary = output.strip().splitlines()[-1]
    assert summary.startswith("1 enrolled, 0 already enrolled")
    assert "1 invalid address" in summary
    assert "(4 rows, job blk_" in summary


@pytest.mark.django_db
def test_prints_the_notes_on_the_file(course):
    output = bulk_enroll(course.public_id, str(CASES / "case-13-extra-columns.csv"))

    assert "Note: Ignored columns:" in output


@pytest.mark.django_db
@pytest.mark.parametrize("flags", [[], ["--invite-unknown"]])
def test_dry_run_changes_nothing(course, flags):
    create_accounts_for("case-09-quoted-fields.csv")
    people = User.objects.count()

    result = report(
        course.public_id,
        str(CASES / "case-17-row-report.csv"),
        "--dry-run",
        *flags,
    )
    output = bulk_enroll(
        course.public_id, str(CASES / "case-09-quoted-fields.csv"), "--dry-run"
    )

    assert result["dry_run"] is True
    assert result["status"] == BulkJobStatus.DONE
    if flags:
        assert result["counts"][RowOutcome.INVITED] == 2
    assert output.strip().startswith("Dry run, nothing changed: would be 3 enrolled")
    assert not Enrollment.objects.exists()
    assert User.objects.count() == people
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_invite_unknown_creates_invited_learners(course):
    report(course.public_id, str(CASES / "case-04-utf16le-tab.csv"), "--invite-unknown")

    learners = User.objects.filter(role=Role.LEARNER)
    names = set(learners.values_list("first_name", "last_name"))
    assert names == {("Agnès", "Müller"), ("Kenji", "Satō")}
    assert all(learner.activated_at is None for learner in learners)
    assert Invitation.objects.count() == 2


@pytest.mark.django_db
def test_without_invite_unknown_addresses_are_skipped(course):
    result = report(course.public_id, str(CASES / "case-04-utf16le-tab.csv"))

    assert result["counts"][RowOutcome.UNKNOWN] == 2
    assert not User.objects.filter(role=Role.LEARNER).exists()
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_refuses_a_missing_course(db):
    with pytest.raises(CommandError, match="No course with id crs_nope"):
        bulk_enroll("crs_nope", str(CASES / "case-01-utf8-bom.csv"))


@pytest.mark.django_db
def test_refuses_a_missing_file(course, tmp_path):
    with pytest.raises(CommandError, match="No file at"):
        bulk_enroll(course.public_id, str(tmp_path / "nothing.csv"))
    with pytest.raises(CommandError, match="No file at"):
        bulk_enroll(course.public_id, str(tmp_path))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 40, "not a spreadsheet Karma can read"),
        (b"", "The file is empty"),
        (b"first,last\nAna,Silva\n", "No column holds email addresses"),
    ],
)
def test_refuses_an_unreadable_file_and_stores_nothing(
    course, tmp_path, content, message
):
    path = tmp_path / "learners.csv"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        bulk_enroll(course.public_id, str(path))

    assert not BulkEnrollmentJob.objects.exists()
    assert not BulkEnrollmentRow.objects.exists()


@pytest.mark.django_db
def test_refuses_a_file_over_the_limit_before_reading_it(
    course, tmp_path, settings, monkeypatch
):
    settings.KARMA_BULK_MAX_MB = 1
    path = tmp_path / "big.csv"
    path.write_bytes(b"email\n" + b"x" * (1024 * 1024))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read it"))

    with pytest.raises(CommandError, match="big.csv is over the limit of 1 MB"):
        bulk_enroll(course.public_id, str(path))

    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_a_file_it_may_not_read_gives_a_clear_error(course, tmp_path, monkeypatch):
    path = tmp_path / "locked.csv"
    path.write_bytes(b"email\nana@example.com\n")

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    # The suite may run as root, who reads anything; fake the refusal.
    monkeypatch.setattr(Path, "read_bytes", refuse)

    with pytest.raises(CommandError, match="Cannot read .*locked.csv: Permission"):
        bulk_enroll(course.public_id, str(path))

    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_refuses_a_draft_course(tmp_path):
    draft = CourseFactory()

    with pytest.raises(CommandError, match="Publish it before enrolling"):
        bulk_enroll(draft.public_id, str(CASES / "case-01-utf8-bom.csv"))

    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_command_sends_its_emails_before_exiting_in_thread_mode(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """The embedded default runs background work in threads, which a command's
    exit would kill; the command runs it inline instead."""
    from django.core import mail
    from django.core.management import call_command

    from karma.accounts.tests.factories import LearnerFactory
    from karma.courses.tests.factories import PublishedCourseFactory

    settings.KARMA_INPROCESS_TASKS = "thread"
    course = PublishedCourseFactory()
    LearnerFactory(email="known@example.com")
    csv = tmp_path / "people.csv"
    csv.write_text("email\nknown@example.com\nnew.person@example.com\n")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("bulk_enroll", course.public_id, str(csv), "--invite-unknown")

    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["known@example.com", "new.person@example.com"]


@pytest.mark.django_db(transaction=True)
def test_json_output_holds_only_the_report_when_mail_is_printed(
    course, settings, tmp_path, capsys
):
    # The embedded mail backend prints every message; a script reading the
    # report from standard output must still get JSON and nothing else.
    settings.EMAIL_BACKEND = "karma.web.mail.ConsoleAndFolderBackend"
    settings.KARMA_MAIL_DIR = tmp_path
    case = str(CASES / "case-01-utf8-bom.csv")

    call_command("bulk_enroll", course.public_id, case, "--invite-unknown", "--json")
    printed = capsys.readouterr()

    assert json.loads(printed.out)["rows"]
    assert list(tmp_path.glob("*.eml"))
    assert "Subject:" in printed.err
