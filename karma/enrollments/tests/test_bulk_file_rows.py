"""Bulk enrollment of files whose trouble is on one line, or in their shape.

Every data row of a file comes back in the report on its own line: a row
the reader cannot use is reported invalid with the reader's reason, never
dropped, and notes about the file stay short however large it is.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from karma.accounts.models import Role, User
from karma.accounts.tests.factories import LearnerFactory
from karma.courses.tests.factories import PublishedCourseFactory
from karma.enrollments.models import (
    Enrollment,
    RowOutcome,
    UnknownEmailPolicy,
)
from karma.enrollments.tests.bulk_runs import run_bulk_file


def run_bytes(data, name, *, policy=UnknownEmailPolicy.SKIP):
    return run_bulk_file(PublishedCourseFactory(), data, name, policy=policy)


def report(job):
    return {row.line: (row.outcome, row.email, row.message) for row in job.rows.all()}


def learners():
    return User.objects.filter(role=Role.LEARNER)


def workbook_bytes(cells):
    workbook = Workbook()
    for ref, value in cells.items():
        workbook.active[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_reports_an_email_formula_saved_without_its_value_as_invalid():
    for email in ("ana@example.com", "bo@example.com", "dee@example.com"):
        LearnerFactory(email=email)
    data = workbook_bytes(
        {
            "A1": "Name",
            "B1": "Email",
            "A2": "Ana Silva",
            "B2": "ana@example.com",
            "A3": "Bo Li",
            "B3": "bo@example.com",
            # openpyxl saves a formula without its result, so row 5 used to
            # read as blank and vanish from the report.
            "B5": '=LOWER("XL4@EXAMPLE.COM")',
            "A6": "Dee Dee",
            "B6": "dee@example.com",
        }
    )

    job = run_bytes(data, "learners.xlsx")

    rows = report(job)
    assert sorted(rows) == [2, 3, 5, 6]
    assert rows[5] == (
        RowOutcome.INVALID,
        "",
        "The email cell holds a formula whose value was not saved: open the file "
        "in a spreadsheet program and save it, or paste values",
    )
    assert job.counts[RowOutcome.ENROLLED] == 3
    assert job.counts[RowOutcome.INVALID] == 1


@pytest.mark.django_db
def test_reports_a_line_of_two_addresses_and_invites_neither():
    data = b"email\r\nuser@example.com;other@example.com\r\nok@example.com\r\n"

    job = run_bytes(data, "learners.csv", policy=UnknownEmailPolicy.INVITE)

    assert report(job)[2] == (
        RowOutcome.INVALID,
        "user@example.com, other@example.com",
        "This line holds more than one email address: put each learner on their "
        "own line",
    )
    assert report(job)[3][0] == RowOutcome.INVITED
    assert set(learners().values_list("email", flat=True)) == {"ok@example.com"}


@pytest.mark.django_db
def test_stores_names_of_a_file_mixing_utf8_and_windows_1252_lines():
    data = (
        b"email,first_name,last_name\r\n"
        + "mix1@example.com,José,Núñez\r\n".encode()
        + "mix2@example.com,Renée,Müller\r\n".encode("cp1252")
    )

    job = run_bytes(data, "learners.csv", policy=UnknownEmailPolicy.INVITE)

    stored = {u.email: (u.first_name, u.last_name) for u in learners()}
    assert stored == {
        "mix1@example.com": ("José", "Núñez"),
        "mix2@example.com": ("Renée", "Müller"),
    }
    assert job.notes == [
        "Line 3 is not UTF-8 and was read as Windows-1252; check that its accented "
        "names look right."
    ]


@pytest.mark.django_db
def test_keeps_the_note_on_ignored_columns_short_for_a_very_wide_file():
    LearnerFactory(email="ana@example.com")
    header = "email," + ",".join(f"extra {i}" for i in range(1, 20_000))
    data = f"{header}\r\nana@example.com\r\n".encode()

    job = run_bytes(data, "wide.csv")

    assert Enrollment.objects.filter(learner__email="ana@example.com").exists()
    (note,) = [note for note in job.notes if note.startswith("Ignored columns")]
    assert note.endswith("extra 9, extra 10, and 19,989 more.")
    assert len(note) < 200
