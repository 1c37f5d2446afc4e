"""The archive: everything about the person, readable, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from karma.audit.models import AuditEvent, AuditKind
from karma.privacy.registry import HOLDINGS
from karma.privacy.services import erase_learner, export_learner_data
from karma.privacy.tests.builders import EMAIL

CSV_FILES = {
    "profile.csv",
    "enrollments.csv",
    "lesson_progress.csv",
    "attempts.csv",
    "audit_events.csv",
}


def open_archive(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive


def read_json(archive: zipfile.ZipFile, name: str):
    return json.loads(archive.read(name).decode("utf-8"))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_holds_a_readme_the_profile_and_a_file_per_holding(world, admin):
    archive = open_archive(export_learner_data(learner=world.learner, actor=admin))

    names = set(archive.namelist())
    exported = {h.file_name for h in HOLDINGS if h.fields} - {"data/accounts.User.json"}
    assert {"README.txt", "profile.json", *exported, *CSV_FILES} == names
    readme = archive.read("README.txt").decode()
    assert all(name in readme for name in names - {"README.txt"})


def test_profile_and_records_describe_the_person(world, admin):
    archive = open_archive(export_learner_data(learner=world.learner, actor=admin))

    profile = read_json(archive, "profile.json")
    assert (profile["email"], profile["status"]) == (EMAIL, "active")
    enrollments = read_json(archive, "data/enrollments.Enrollment.json")
    assert [e["public_id"] for e in enrollments] == [world.enrollment.public_id]
    answers = read_json(archive, "data/assessments.Answer.json")
    assert answers[0]["response"] == {"text": "I am Zyxwvu Vutsrq."}
    attempts = read_csv(archive, "attempts.csv")
    assert [(a["attempt_id"], a["passed"]) for a in attempts] == [
        (world.attempt.public_id, "yes")
    ]
    assert len(read_json(archive, "data/enrollments.BulkEnrollmentRow.json")) == 2


def test_holds_nothing_of_other_learners(world, admin, outsider):
    archive = open_archive(export_learner_data(learner=world.learner, actor=admin))

    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"otto" not in everything.lower()
    assert outsider.public_id.encode() not in everything


def test_writes_csv_with_bom_and_crlf(world, admin):
    archive = open_archive(export_learner_data(learner=world.learner, actor=admin))

    for name in CSV_FILES:
        data = archive.read(name)
        assert data.startswith(b"\xef\xbb\xbf"), name
        assert data.count(b"\r\n") == data.count(b"\n"), name


def test_neutralises_formula_cells(learner, admin):
    learner.first_name = "=cmd()"
    learner.last_name = "+sum(A1)"
    learner.save()

    archive = open_archive(export_learner_data(learner=learner, actor=admin))

    row = read_csv(archive, "profile.csv")[0]
    assert (row["first_name"], row["last_name"]) == ("'=cmd()", "'+sum(A1)")
    assert read_json(archive, "profile.json")["first_name"] == "=cmd()"


def test_records_the_export_in_the_audit_log(learner, admin):
    export_learner_data(learner=learner, actor=admin)

    event = AuditEvent.objects.get(kind=AuditKind.DATA_EXPORTED)
    assert (event.actor, event.subject) == (admin, learner)


def test_exports_an_erased_learner_without_their_old_name(world, admin):
    erase_learner(learner=world.learner, actor=admin, reason="Asked")
    world.learner.refresh_from_db()

    data = export_learner_data(learner=world.learner, actor=admin)

    assert b"zyxwvu" not in b"".join(
        open_archive(data).read(name).lower() for name in open_archive(data).namelist()
    )
    profile = read_json(open_archive(data), "profile.json")
    assert (profile["first_name"], profile["last_name"]) == ("Erased", "learner")
