"""Reading contact files: encodings, delimiters, line numbers, caps; and mapping their columns."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pytest

from concord.settings import SettingsError, load_settings
from consent.contacts.models import Contact, Identifier
from consent.contacts.services import CleanContact, ContactInput, clean
from consent.importing.checking import Accepted
from consent.importing.columns import ColumnMapping, guess_field
from consent.importing.merging import Draft
from consent.importing.reading import UnreadableFile, inspect, preview, rows
from consent.importing.report import neutralise

CAP = 1024 * 1024


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_delimiter_is_sniffed_and_a_bom_is_not_part_of_the_header(
    tmp_path: Path, delimiter: str, bom: bytes
) -> None:
    text = delimiter.join(["email", "given_name", "tags"]) + "\n"
    text += delimiter.join(["ada@example.org", "Ada", '"a, b; c"']) + "\n"
    path = write(tmp_path, bom + text.encode())
    facts = inspect(path, max_bytes=CAP)
    assert facts.delimiter == delimiter
    assert facts.header == ("email", "given_name", "tags")
    assert facts.rows == 1
    assert facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert list(rows(path, facts)) == [(2, ["ada@example.org", "Ada", "a, b; c"])]


def test_line_numbers_are_physical_lines(tmp_path: Path) -> None:
    content = (
        b"email,organisation\r\n"
        b"\r\n"
        b'a@example.org,"Two\r\nlines"\r\n'
        b",\r\n"
        b"b@example.org,One\r\n"
        b"   \r\n"
        b"c@example.org,Last"
    )
    path = write(tmp_path, content)
    facts = inspect(path, max_bytes=CAP)
    assert facts.rows == 3  # blank lines and rows of empty cells are skipped
    assert [line for line, _ in rows(path, facts)] == [3, 6, 8]
    assert [line for line, _ in rows(path, facts, after_line=3)] == [6, 8]
    assert preview(path, facts, 2) == [["a@example.org", "Two\r\nlines"], ["b@example.org", "One"]]


def test_other_encodings_when_named_and_utf16_by_its_bom(tmp_path: Path) -> None:
    latin = write(tmp_path, "email;given_name\nj@example.org;Jérôme\n".encode("latin-1"))
    with pytest.raises(UnreadableFile, match=r"not valid UTF-8 \(line 2\)"):
        inspect(latin, max_bytes=CAP)
    facts = inspect(latin, max_bytes=CAP, encoding="latin-1")
    assert list(rows(latin, facts)) == [(2, ["j@example.org", "Jérôme"])]
    with pytest.raises(UnreadableFile, match="unknown encoding"):
        inspect(latin, max_bytes=CAP, encoding="klingon")
    utf16 = write(tmp_path, "email\tgiven_name\r\nj@example.org\tJérôme\r\n".encode("utf-16"))
    facts = inspect(utf16, max_bytes=CAP)
    assert facts.delimiter == "\t"
    assert list(rows(utf16, facts)) == [(2, ["j@example.org", "Jérôme"])]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "only blank lines"),
        (b"email,phone\n", "no rows"),
        (b"PK\x03\x04rest of a workbook", "workbook"),
        (b"email\n" + b"x" * CAP, "more than the limit of 1.0 MB"),
        (b'email\n"' + b"x" * 200_000 + b'"\n', "field larger than field limit"),
    ],
)
def test_files_that_cannot_be_imported_say_why(
    tmp_path: Path, content: bytes, message: str
) -> None:
    with pytest.raises(UnreadableFile, match=message):
        inspect(write(tmp_path, content), max_bytes=CAP)


def test_a_folder_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="folder"):
        inspect(tmp_path, max_bytes=CAP)
    with pytest.raises(UnreadableFile, match="cannot be read"):
        inspect(tmp_path / "missing.csv", max_bytes=CAP)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("email", "email"),
        ("E-mail", "email"),
        ("Email address", "email"),
        ("E-Mail 2", "email"),
        ("Work email", "email"),
        ("phone", "phone"),
        ("Mobile", "phone"),
        ("Telephone", "phone"),
        ("Phone number", "phone"),
        ("given_name", "given_name"),
        ("First name", "given_name"),
        ("Prénom", "given_name"),
        ("family_name", "family_name"),
        ("Surname", "family_name"),
        ("Last name", "family_name"),
        ("organisation", "organisation"),
        ("Company", "organisation"),
        ("Organization", "organisation"),
        ("country", "country"),
        ("Country code", "country"),
        ("category", "category"),
        ("tags", "tags"),
        ("Name", ""),
        ("Notes", ""),
    ],
)
def test_common_headers_map_by_themselves(header: str, field: str) -> None:
    assert guess_field(header) == field


def test_several_email_columns_but_one_column_per_name_field() -> None:
    mapping = ColumnMapping.guess(["Email", "Private email", "First name", "Given name", "Notes"])
    assert mapping.fields == ("email", "email", "given_name", "", "")
    assert mapping.problems() == {}
    assert mapping.ignored(["Email", "Private email", "First name", "Given name", "Notes"]) == [
        "Given name",
        "Notes",
    ]
    assert "columns" in ColumnMapping(("given_name", "")).problems()
    assert "given_name" in ColumnMapping(("email", "given_name", "given_name")).problems()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+49 30 1234567", "'+49 30 1234567"),
        ("-1", "'-1"),
        ("@user", "'@user"),
        ("\t=1", "'\t=1"),
        ("Ada", "Ada"),
        ("", ""),
    ],
)
def test_report_cells_cannot_become_formulas(value: str, shown: str) -> None:
    assert neutralise(value) == shown


def test_search_columns_match_the_contact_model() -> None:
    entry = clean(
        ContactInput(
            given_name="Ada",
            family_name="Lovelace",
            organisation="Analytical Engines",
            emails=["Ada@Example.org", "a.l@example.org"],
            phones=["030 1234567"],
        ),
        "DE",
    )
    assert isinstance(entry, CleanContact)
    draft = Draft.new(2, Accepted.of(2, entry))
    contact = Contact(given_name="Ada", family_name="Lovelace", organisation="Analytical Engines")
    contact.identifiers = [Identifier(kind=k, value=v) for k, v in entry.identifiers]
    contact.refresh_search()
    assert draft.search_text() == contact.search_text
    assert draft.sort_key() == contact.sort_key
    nameless = Contact(given_name="", family_name="", organisation="")
    nameless.refresh_search()
    assert Draft(None, [""] * 6, 1).sort_key() == nameless.sort_key == "~"


@pytest.mark.parametrize("raw", ["0", "-5", "ten", "99999"])
def test_the_import_cap_setting_is_parsed_strictly(raw: str) -> None:
    with pytest.raises(SettingsError, match="CONCORD_IMPORT_MAX_MB"):
        load_settings({"CONCORD_IMPORT_MAX_MB": raw}, require_secret=False)


def test_the_import_cap_defaults_to_50_mb_and_is_set_in_megabytes() -> None:
    assert load_settings({}, require_secret=False).import_max_bytes == 50 * 1024 * 1024
    settings = load_settings({"CONCORD_IMPORT_MAX_MB": "200"}, require_secret=False)
    assert settings.import_max_bytes == 200 * 1024 * 1024
