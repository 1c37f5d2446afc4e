"""The learner file reader on delimited text that spreadsheets and people write."""

from __future__ import annotations

import codecs
import time

import pytest

from karma.lib.spreadsheets import (
    LearnerFile,
    SpreadsheetError,
    read_learner_file,
)

LIMIT = 5 * 1024 * 1024


def read(data: bytes, **options: object) -> LearnerFile:
    options.setdefault("max_bytes", LIMIT)
    return read_learner_file(data, **options)  # type: ignore[arg-type]


def lines_and_emails(learners: LearnerFile) -> list[tuple[int, str]]:
    return [(row.line, row.email) for row in learners.rows]


def names(learners: LearnerFile) -> list[tuple[str, str]]:
    return [(row.first_name, row.last_name) for row in learners.rows]


# --- Encodings ------------------------------------------------------------------

WESTERN = "email,first_name,last_name\r\njose@example.com,José,Müller\r\n"


@pytest.mark.parametrize(
    ("data", "encoding", "warned"),
    [
        (WESTERN.encode("utf-8"), "utf-8", False),
        (codecs.BOM_UTF8 + WESTERN.encode("utf-8"), "utf-8-sig", False),
        (codecs.BOM_UTF16_LE + WESTERN.encode("utf-16-le"), "utf-16-le", False),
        (codecs.BOM_UTF16_BE + WESTERN.encode("utf-16-be"), "utf-16-be", False),
        (codecs.BOM_UTF32_LE + WESTERN.encode("utf-32-le"), "utf-32-le", False),
        (WESTERN.encode("cp1252"), "cp1252", True),
        (WESTERN.encode("utf-16-le"), "utf-16-le", True),
    ],
    ids=["utf8", "utf8-bom", "utf16le", "utf16be", "utf32le", "cp1252", "utf16-no-bom"],
)
def test_decodes_what_spreadsheets_write(
    data: bytes, encoding: str, warned: bool
) -> None:
    learners = read(data)

    assert learners.encoding == encoding
    assert names(learners) == [("José", "Müller")]
    assert lines_and_emails(learners) == [(2, "jose@example.com")]
    assert bool(learners.warnings) is warned


def test_names_windows_1252_in_its_warning() -> None:
    learners = read(WESTERN.encode("cp1252"))

    assert len(learners.warnings) == 1
    assert "Windows-1252" in learners.warnings[0]


def test_prefers_windows_1252_for_short_western_files() -> None:
    text = "email,first_name,last_name\nrenee@example.com,Renée,O’Neil – “Zoë”\n"

    learners = read(text.encode("cp1252"))

    assert learners.encoding == "cp1252"
    assert names(learners) == [("Renée", "O’Neil – “Zoë”")]


def test_leaves_other_alphabets_to_the_encoding_detector() -> None:
    rows = "".join(
        f"user{i}@example.com,Пользователь,Иванов-Петров\r\n" for i in range(30)
    )
    data = ("email,имя,фамилия\r\n" + rows).encode("cp1251")

    learners = read(data)

    assert learners.encoding != "cp1252"
    assert learners.warnings
    assert len(learners.rows) == 30


def mixed(*lines: tuple[str, str], end: str = "\r\n") -> bytes:
    """Join lines each encoded in its own encoding, as pasted-together exports."""
    return b"".join(f"{text}{end}".encode(encoding) for text, encoding in lines)


def test_reads_each_line_of_a_file_mixing_utf8_and_windows_1252() -> None:
    # The detector took this for ISO 8859-10 and stored "JosÃĐ" "NÃšÃąez".
    data = mixed(
        ("email,first_name,last_name", "ascii"),
        ("mix1@example.com,José,Núñez", "utf-8"),
        ("mix2@example.com,Renée,Müller", "cp1252"),
    )

    learners = read(data)

    assert names(learners) == [("José", "Núñez"), ("Renée", "Müller")]
    assert learners.encoding == "utf-8+cp1252"
    assert learners.warnings == [
        "Line 3 is not UTF-8 and was read as Windows-1252; check that its accented "
        "names look right."
    ]


def test_never_asks_the_encoding_detector_about_a_mixed_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(data: bytes) -> None:
        raise AssertionError("a mixed file reached charset-normalizer")

    monkeypatch.setattr("karma.lib.spreadsheets.decoding.from_bytes", refuse)
    data = mixed(
        ("email,name", "ascii"),
        ("a@example.com,Ñandú Ærø", "utf-8"),
        ("b@example.com,Ñandú Ærø", "cp1252"),
        ("c@example.com,“Zoë” O’Neil–Ward", "utf-8"),
    )

    assert names(read(data)) == [
        ("Ñandú", "Ærø"),
        ("Ñandú", "Ærø"),
        ("“Zoë”", "O’Neil–Ward"),
    ]


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_numbers_mixed_lines_as_physical_lines(end: str) -> None:
    # Line 1 names the delimiter, line 4 continues a quoted cell of line 3 in
    # the other encoding, and line 6 is blank.
    data = mixed(
        ("sep=,", "ascii"),
        ("email,first_name,last_name", "ascii"),
        ('a@example.com,"Zoë', "utf-8"),
        ('Renée",Müller', "cp1252"),
        ("b@example.com,Åsa,Öberg", "cp1252"),
        ("", "ascii"),
        ("c@example.com,Jürgen,Groß", "utf-8"),
        end=end,
    )

    learners = read(data)

    assert lines_and_emails(learners) == [
        (3, "a@example.com"),
        (5, "b@example.com"),
        (7, "c@example.com"),
    ]
    assert names(learners) == [
        ("Zoë Renée", "Müller"),
        ("Åsa", "Öberg"),
        ("Jürgen", "Groß"),
    ]
    assert learners.warnings[0].startswith("Lines 4 and 5 are not UTF-8")


def test_lists_only_the_first_lines_read_as_windows_1252() -> None:
    rows = [("email,name", "ascii"), ("a@example.com,Zoë", "utf-8")]
    rows += [(f"l{i}@example.com,Renée", "cp1252") for i in range(25)]

    learners = read(mixed(*rows))

    assert len(learners.rows) == 26
    assert learners.warnings == [
        "Lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 15 more are not UTF-8 and were "
        "read as Windows-1252; check that their accented names look right."
    ]


@pytest.mark.parametrize(
    "line",
    [
        # Russian in Windows-1251 reads as a run of accented Latin letters.
        "Иванов-Петров,ivan@example.com".encode("cp1251"),
        # 0x81 is no character in Windows-1252.
        b"bad\x81@example.com",
        # UTF-8 and Windows-1252 within the one line: either reading garbles it.
        "José,".encode() + "Müller@example.com".encode("cp1252"),
    ],
    ids=["cyrillic", "undefined-byte", "mixed-within-line"],
)
def test_refuses_a_mixed_file_naming_a_line_that_reads_as_neither(
    line: bytes,
) -> None:
    data = mixed(("name,email", "ascii"), ("Zoë,zoe@example.com", "utf-8"))
    data += line + b"\r\n" + b"Bo,bo@example.com\r\n"

    with pytest.raises(SpreadsheetError) as caught:
        read(data)

    assert caught.value.message == (
        "Line 3 could not be read as UTF-8 or as Windows-1252, while other lines "
        "are UTF-8. Save the file again as CSV (UTF-8) and upload that."
    )


def test_refuses_a_utf8_file_whose_bytes_break_after_the_mark() -> None:
    data = codecs.BOM_UTF8 + b"email\r\nana@example.com\r\nbad\xff@example.com\r\n"

    with pytest.raises(SpreadsheetError, match="line 3"):
        read(data)


# --- Delimiters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("email,name\nana@example.com,Ana Silva\n", ","),
        ("email;name\nana@example.com;Ana Silva\n", ";"),
        ("email\tname\nana@example.com\tAna Silva\n", "\t"),
        ('"email";"name"\n"ana@example.com";"Ana Silva"\n', ";"),
        # Commas inside the quoted header cell must not count.
        ('"email, work";name\nana@example.com;Ana Silva\n', ";"),
        # A one-column header leaves the choice to the rows below it.
        ("email\nana@example.com;Ana Silva\n", ";"),
        ("email\nana@example.com\n", ","),
    ],
    ids=["comma", "semicolon", "tab", "quoted", "comma-in-quotes", "rows", "single"],
)
def test_tells_the_delimiter(text: str, delimiter: str) -> None:
    learners = read(text.encode())

    assert learners.delimiter == delimiter
    assert learners.rows[0].email == "ana@example.com"


def test_breaks_a_tie_by_the_rows_below() -> None:
    text = "email;name, title\na@example.com;Ana Silva, Jr.\nb@example.com;Bo Li\n"

    learners = read(text.encode())

    assert learners.delimiter == ";"
    assert [row.email for row in learners.rows] == ["a@example.com", "b@example.com"]


def test_follows_an_excel_separator_line_and_counts_it_as_a_line() -> None:
    text = "sep=;\r\nemail;name\r\nana@example.com;Ana, Silva\r\n"

    learners = read(text.encode())

    assert learners.delimiter == ";"
    assert lines_and_emails(learners) == [(3, "ana@example.com")]
    assert names(learners) == [("Silva", "Ana")]


def test_reads_a_quoted_cell_after_a_space() -> None:
    text = 'email, first_name, last_name\nana@example.com, "Ana", "Silva, Jr."\n'

    learners = read(text.encode())

    assert names(learners) == [("Ana", "Silva, Jr.")]


# --- Line ends and line numbers ----------------------------------------------------


@pytest.mark.parametrize(
    "end",
    ["\r\n", "\n", "\r"],
    ids=["crlf", "lf", "cr"],
)
def test_numbers_physical_lines_for_every_line_end(end: str) -> None:
    text = end.join(
        [
            "email,first_name",
            "a@example.com,Ana",
            "",
            'b@example.com,"Bo',
            'Li"',
            "c@example.com,Cy",
        ]
    )

    learners = read(text.encode())

    assert lines_and_emails(learners) == [
        (2, "a@example.com"),
        (4, "b@example.com"),
        (6, "c@example.com"),
    ]
    assert names(learners) == [("Ana", ""), ("Bo Li", ""), ("Cy", "")]


def test_counts_a_cr_lf_pair_as_one_line_end_and_lone_ones_each() -> None:
    text = "email\r\na@example.com\rb@example.com\nc@example.com\r\n\r\nd@example.com"

    learners = read(text.encode())

    assert [row.line for row in learners.rows] == [2, 3, 4, 6]


def test_collapses_several_line_breaks_in_a_name_to_one_space() -> None:
    text = (
        'email,first_name\r\na@example.com,"Ana \r\n\r\n  Maria"\r\n'
        "b@example.com,Bo\r\n"
    )

    learners = read(text.encode())

    assert names(learners) == [("Ana Maria", ""), ("Bo", "")]
    assert [row.line for row in learners.rows] == [2, 5]


def test_warns_when_a_quote_left_open_swallows_rows() -> None:
    text = 'email,first_name\na@example.com,"Ana\nb@example.com,Bo\nc@example.com,"Cy\n'

    learners = read(text.encode())

    assert any("Lines 2–4" in warning for warning in learners.warnings)


TOO_LONG = (
    "Line {} has a cell longer than 128 KB. A quote may be missing its closing "
    "quote, or the file is not a list of learners."
)


def test_refuses_a_quote_that_runs_past_the_cell_size_limit() -> None:
    text = 'email,notes\na@example.com,"' + "x" * 200_000 + "\n"

    with pytest.raises(SpreadsheetError) as caught:
        read(text.encode())

    assert caught.value.message == TOO_LONG.format(2)


def test_refuses_an_unquoted_cell_over_the_size_limit_in_plain_words() -> None:
    text = "email,notes\na@example.com,x\nb@example.com," + "y" * 2_000_000 + "\n"

    with pytest.raises(SpreadsheetError) as caught:
        read(text.encode())

    assert caught.value.message == TOO_LONG.format(3)
    assert "field" not in caught.value.message


# --- Header and columns ---------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "email",
        "EMAIL",
        "E-mail",
        "e_mail",
        "e.mail",
        "Email Address",
        "E-Mail-Adresse",
        "mail",
        "Courriel",
        "Adresse électronique",
        "Correo electrónico",
        "Work Email",
        " Email ",
    ],
)
def test_recognises_email_header_synonyms(label: str) -> None:
    text = f"Department,{label},Phone\nSales,ana@example.com,555\n"

    learners = read(text.encode())

    assert learners.has_header
    assert learners.email_column == 1
    assert learners.ignored_columns == ["Department", "Phone"]


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        ("Given name,Surname,Email", "Ana,Silva,a@example.com", ("Ana", "Silva")),
        ("Prénom,Nom,Courriel", "Ana,Silva,a@example.com", ("Ana", "Silva")),
        ("FIRST NAME,LAST NAME,E-MAIL", "Ana,Silva,a@example.com", ("Ana", "Silva")),
        ("Forename,Family name,mail", "Ana,Silva,a@example.com", ("Ana", "Silva")),
        ("Full name,email", "Ana Maria Silva,a@example.com", ("Ana Maria", "Silva")),
        ("Name,email", '"Silva, Ana",a@example.com', ("Ana", "Silva")),
        ("Name,email", "Cher,a@example.com", ("Cher", "")),
        # Beside a last-name column, a plain "Name" is the given name.
        (
            "Name,Surname,E-Mail",
            "Ana Maria,Silva,a@example.com",
            ("Ana Maria", "Silva"),
        ),
        ("email,Last name,NAME", "a@example.com,Silva,Ana", ("Ana", "Silva")),
        (
            "Naam,Achternaam,e-mail",
            "Anouk,de Vries,a@example.com",
            ("Anouk", "de Vries"),
        ),
        ("email,first_name", "a@example.com,  Ana  ", ("Ana", "")),
        ("email,first_name", "a@example.com,\u00a0Ana\u200b", ("Ana", "")),
    ],
)
def test_reads_names_from_their_columns(
    header: str, row: str, expected: tuple[str, str]
) -> None:
    learners = read(f"{header}\n{row}\n".encode())

    assert names(learners) == [expected]


def test_prefers_first_and_last_name_columns_over_a_full_name() -> None:
    text = "Name,First name,Last name,email\nA. Silva,Ana,Silva,a@example.com\n"

    learners = read(text.encode())

    assert names(learners) == [("Ana", "Silva")]
    assert learners.ignored_columns == ["Name"]


def test_takes_name_as_the_given_name_only_beside_a_last_name_column() -> None:
    beside = read(b"Name,Surname,E-Mail\nAna,Silva,a@example.com\n")
    alone = read(b"Name,E-Mail\nAna Maria Silva,a@example.com\n")
    with_first = read(
        b"Name,First name,Surname,E-Mail\nA. Silva,Ana,Silva,a@example.com\n"
    )

    assert (names(beside), beside.ignored_columns) == ([("Ana", "Silva")], [])
    assert (names(alone), alone.ignored_columns) == ([("Ana Maria", "Silva")], [])
    assert (names(with_first), with_first.ignored_columns) == (
        [("Ana", "Silva")],
        ["Name"],
    )


def test_names_each_ignored_column_once() -> None:
    text = (
        "email,Notes,,Notes,Phone,\n"
        "a@example.com,x,,y,555,\n"
        "b@example.com,,kept,,,,extra\n"
    )

    learners = read(text.encode())

    assert learners.ignored_columns == [
        "Notes",
        "Phone",
        "column 3 (no header)",
        "column 7 (no header)",
    ]


def test_names_only_the_first_ten_of_many_ignored_columns() -> None:
    header = "email," + ",".join(f"extra {i}" for i in range(1, 20_000))
    row = "a@example.com," + ",".join("x" for _ in range(1, 20_000))

    learners = read(f"{header}\n{row}\n{row.replace('a@', 'b@')}\n".encode())

    assert learners.ignored_columns == [
        *(f"extra {i}" for i in range(1, 11)),
        "and 19,989 more",
    ]
    assert len(learners.rows) == 2


def test_reads_a_file_of_very_many_columns_in_linear_time() -> None:
    # Naming 60,000 columns once each used to compare every name with every
    # earlier one, which took 18 seconds; reading the file takes under one.
    header = "email," + ",".join(f"extra {i}" for i in range(60_000))
    data = f"{header}\na@example.com\n".encode()

    started = time.perf_counter()
    read(data)

    assert time.perf_counter() - started < 5


def test_names_only_the_first_columns_seen_when_none_holds_addresses() -> None:
    header = ",".join(f"Field {i}" for i in range(1, 31))

    with pytest.raises(SpreadsheetError) as caught:
        read(f"{header}\n{header.lower()}\n".encode())

    assert "“Field 10”, and 20 more; head the column" in caught.value.message


def test_takes_the_address_column_when_no_header_names_it() -> None:
    text = "Login,Team\nana@example.com,Sales\nbo@example.com,Support\n"

    learners = read(text.encode())

    assert learners.has_header
    assert learners.email_column == 0
    assert len(learners.rows) == 2
    assert "“Login”" in learners.warnings[0]


def test_skips_title_lines_above_a_named_header() -> None:
    text = "Spring intake\nCourse: Safety\nemail,first_name\nana@example.com,Ana\n"

    learners = read(text.encode())

    assert lines_and_emails(learners) == [(4, "ana@example.com")]
    assert learners.warnings == ["Skipped the lines above the header row (1, 2)."]


@pytest.mark.parametrize(
    ("text", "column", "emails"),
    [
        ("ana@example.com\nbo@example.com\n", 0, ["ana@example.com", "bo@example.com"]),
        (
            "Ana,ana@example.com\nBo,BO@Example.com\n",
            1,
            ["ana@example.com", "bo@example.com"],
        ),
        # An invalid address on the first line is still data, not a header.
        (
            "ana@@example.com\nbo@example.com\n",
            0,
            ["ana@@example.com", "bo@example.com"],
        ),
    ],
    ids=["single-column", "second-column", "bad-first-address"],
)
def test_reads_files_without_a_header(
    text: str, column: int, emails: list[str]
) -> None:
    learners = read(text.encode())

    assert not learners.has_header
    assert learners.email_column == column
    assert [row.email for row in learners.rows] == emails
    assert [row.line for row in learners.rows] == [1, 2]


def test_describes_unused_columns_of_a_headerless_file() -> None:
    learners = read(b"Ana,ana@example.com,,x\nBo,bo@example.com\n")

    assert learners.ignored_columns == [
        "column 1 (no header)",
        "column 4 (no header)",
    ]


def test_skips_blank_rows_of_every_kind() -> None:
    text = "email,name\n\n   \n,,\n\t\n , \nana@example.com,Ana\n\u00a0,\u200b\n"

    learners = read(text.encode())

    assert lines_and_emails(learners) == [(7, "ana@example.com")]


def test_keeps_rows_of_different_lengths() -> None:
    text = "first_name,last_name,email,notes\nAna,Silva,a@example.com,x,y,z\nBo\n"

    learners = read(text.encode())

    assert [(row.line, row.email, row.email_error) for row in learners.rows] == [
        (2, "a@example.com", None),
        (3, "", "There is no email address."),
    ]
    assert names(learners) == [("Ana", "Silva"), ("Bo", "")]


# --- Addresses ------------------------------------------------------------------

SEVERAL = (
    "This line holds more than one email address: put each learner on their own line."
)


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        # One column: the semicolon between the addresses is read as a delimiter.
        (
            "email\nuser@example.com;other@example.com\n",
            "user@example.com, other@example.com",
        ),
        (
            "email,name\nuser@example.com,Ana,other@example.com\n",
            "user@example.com, other@example.com",
        ),
        (
            "email,,name\nuser@example.com,other@example.com,Ana\n",
            "user@example.com, other@example.com",
        ),
        (
            'email,name\n"user@example.com; other@example.com",Ana\n',
            "user@example.com, other@example.com",
        ),
        (
            "email\nuser@example.com other@example.com\n",
            "user@example.com, other@example.com",
        ),
    ],
    ids=[
        "sniffed-semicolon",
        "past-the-header",
        "blank-header",
        "in-one-cell",
        "spaced",
    ],
)
def test_refuses_a_line_holding_more_than_one_address(text: str, raw: str) -> None:
    learners = read(f"{text}ok@example.com\n".encode())

    first = learners.rows[0]
    assert (first.line, first.email, first.raw_email) == (2, "", raw)
    assert first.email_error == SEVERAL
    assert learners.rows[1].is_valid


def test_refuses_each_line_of_a_headerless_file_with_two_address_columns() -> None:
    learners = read(b"ana@example.com,boss@example.com\nbo@example.com,\n")

    assert [(row.line, row.email_error) for row in learners.rows] == [
        (1, SEVERAL),
        (2, None),
    ]


def test_leaves_addresses_in_columns_with_a_header_of_their_own() -> None:
    text = "email,Manager email,Notes\nana@example.com,boss@example.com,x@y.org\n"

    learners = read(text.encode())

    assert learners.rows[0].is_valid
    assert learners.ignored_columns == ["Manager email", "Notes"]


def test_reports_a_lone_address_beside_an_empty_email_cell_as_missing() -> None:
    learners = read(b"email,name\n,Ana,ana@example.com\nbo@example.com,Bo\n")

    assert learners.rows[0].email_error == "There is no email address."
    assert learners.rows[1].is_valid


@pytest.mark.parametrize(
    ("cell", "email"),
    [
        ("Ana.Silva@Example.COM", "ana.silva@example.com"),
        ("  ana@example.com  ", "ana@example.com"),
        ("\u00a0ana@example.com\u00a0", "ana@example.com"),
        ("\u200bana@example.com\u200b", "ana@example.com"),
        ("ana\u200b@example.com", "ana@example.com"),
        ("\ufeffana@example.com", "ana@example.com"),
        ("\u202fana@example.com\u2060", "ana@example.com"),
        ('"ana@example.com "', "ana@example.com"),
    ],
)
def test_trims_and_lowers_addresses_but_reports_them_as_written(
    cell: str, email: str
) -> None:
    learners = read(f"email,x\n{cell},1\n".encode())

    row = learners.rows[0]
    assert row.email == email
    assert row.email_error is None
    # The csv module drops the spaces before a cell (so that `, "x"` reads as
    # a quoted cell); everything else is reported as written.
    assert row.raw_email == cell.strip('"').lstrip(" ")


@pytest.mark.parametrize(
    "cell",
    ["ana", "ana@", "@example.com", "ana@example", "ana smith@example.com", "a@@b.com"],
)
def test_gives_the_validators_reason_for_a_bad_address(cell: str) -> None:
    learners = read(f"email\nok@example.com\n{cell}\n".encode())

    row = learners.rows[1]
    assert row.line == 3
    assert row.raw_email == cell
    assert row.email_error
    assert row.email_error.endswith(".")


# --- Refusals -------------------------------------------------------------------

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001") + bytes(range(256))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n  \r\n,,\r\n", "The file holds no rows, only blank lines."),
        (codecs.BOM_UTF8, "The file holds no rows, only blank lines."),
        (b"email,first_name,last_name\r\n", "a header row but no learners"),
        (b"email\r\n\r\n,\r\n", "a header row but no learners"),
        (PNG, "not a spreadsheet"),
        (bytes(range(256)) * 8, "not a spreadsheet"),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\x00\x01\x02>>",
            "not a spreadsheet",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old Excel workbook"),
    ],
    ids=[
        "zero-bytes",
        "blank-lines",
        "bom-only",
        "header-only",
        "header-and-blanks",
        "png",
        "random",
        "pdf",
        "xls",
    ],
)
def test_refuses_files_with_nothing_to_read(data: bytes, message: str) -> None:
    with pytest.raises(SpreadsheetError, match=message):
        read(data)


def test_lists_the_headers_it_saw_when_no_column_holds_addresses() -> None:
    text = "Name,Phone,,Team\nAna Silva,555-0100,,Sales\n"

    with pytest.raises(SpreadsheetError) as caught:
        read(text.encode())

    assert caught.value.message == (
        "No column holds email addresses. The columns found are “Name”, “Phone”, "
        "“Team”; head the column of addresses “email”."
    )


def test_refuses_a_file_over_the_size_limit_naming_the_limit() -> None:
    data = b"email\n" + b"a@example.com\n" * 80_000

    with pytest.raises(SpreadsheetError) as caught:
        read(data, max_bytes=1024 * 1024)

    assert caught.value.message == (
        "The file is 1.1 MB, over the limit of 1 MB. Split it into smaller files."
    )


def test_accepts_a_file_exactly_at_the_size_limit() -> None:
    data = b"email\na@example.com\n"

    assert read(data, max_bytes=len(data)).rows


@pytest.mark.parametrize(("count", "refused"), [(50, False), (51, True)])
def test_refuses_more_rows_than_the_limit(count: int, refused: bool) -> None:
    data = b"email\n" + b"".join(b"a%d@example.com\n" % i for i in range(count))

    if refused:
        with pytest.raises(SpreadsheetError, match="more than 50 learners"):
            read(data, max_rows=50)
    else:
        assert len(read(data, max_rows=50).rows) == count


def test_stops_reading_early_when_a_file_has_far_too_many_rows() -> None:
    data = b"email\n" + b"a@example.com\n" * 200_000

    with pytest.raises(SpreadsheetError, match="more than 10 learners"):
        read(data, max_rows=10)


def test_drops_control_characters_from_names_but_keeps_tabs():
    from karma.lib.spreadsheets.cells import clean_name

    assert clean_name("Œuvre \x13 quoted\x1d") == "Œuvre  quoted"
    assert clean_name("\t=1+1") == "\t=1+1"
