"""The column map: reading form exports (CSV and XLSX) through it, and every error it reports."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import yaml

from mentorship.core.errors import InvalidInput, RowError
from mentorship.profiles.column_map import (
    FIELDS,
    ColumnMap,
    column_map_from_choices,
    column_map_from_data,
    dump_column_map,
    guess_column_map,
    load_column_map,
    parse_timestamp,
    save_column_map,
    saved_column_map,
)
from mentorship.profiles.csv_io import read_profiles, read_profiles_csv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# The map of the issue, exactly as written there.
ISSUE_MAP = """\
columns:            # our field: the file's header, exactly as the export writes it
  email: Email Address
  name: Your name
  department: Department
  manager_email: Your manager's email
  role: Would you like to mentor, be mentored, or both?
  capacity: How many colleagues could you mentor at once?
  learn: What would you like to learn? (most important first)
  teach: What could you help a colleague learn?
  goals: What do you hope to get out of the programme?
  bio: Tell us about your work
values:             # answers to read as our values, per field (skills too: "Cloud (AWS)": aws)
  role: {"I'd like a mentor": mentee, "I'd like to mentor": mentor, Both: both}
teach_level: 3      # the level of a taught skill the form did not rate (default 3, proficient)
timestamp: Timestamp   # optional: a later answer from the same email replaces an earlier one
"""
HEADER = ["Timestamp", "Email Address", "Your name", "Department", "Your manager's email",
          "Would you like to mentor, be mentored, or both?",
          "How many colleagues could you mentor at once?",
          "What would you like to learn? (most important first)",
          "What could you help a colleague learn?",
          "What do you hope to get out of the programme?", "Tell us about your work"]


def form_row(email, name, role="Both", capacity="", learn="", teach="", *, stamp="3/2/2026 9:00:00",
             manager="", department="Systems"):
    return [stamp, email, name, department, manager, role, capacity, learn, teach, "", ""]


def write_form(tmp_path, rows, *, header=HEADER, delimiter=",", name="form.csv") -> Path:
    import csv

    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def issue_map(tmp_path) -> ColumnMap:
    path = tmp_path / "map.yaml"
    path.write_text(ISSUE_MAP, encoding="utf-8")
    return load_column_map(path)


def map_error(tmp_path, text: str) -> str:
    path = tmp_path / "bad-map.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_column_map(path)
    [error] = caught.value.errors
    return error.reason


# --- the map file -------------------------------------------------------------------------


def test_the_issue_map_loads_as_written(issue_map):
    assert issue_map.columns["role"] == "Would you like to mentor, be mentored, or both?"
    assert issue_map.values["role"]["I'd like a mentor"] == "mentee"
    assert issue_map.teach_level == 3 and issue_map.timestamp == "Timestamp"


@pytest.mark.parametrize(("text", "message"), [
    ("columns: [unclosed", "the column map is not valid YAML (line 1)"),
    ("- a list\n", "the column map must be a mapping with a 'columns' section"),
    ("columns: {email: E}\nsheet: x\n", "unknown section(s) sheet; a column map has columns, "
                                        "values, teach_level, timestamp"),
    ("columns: {mail: E}\n", "columns: unknown field 'mail'; the fields are email, name,"),
    ("columns: [email]\n", "'columns' must map our fields to the file's headers"),
    ("columns: {email: [a, b]}\n", "columns: the header of email must be text"),
    ("columns: {email: E}\nvalues: {role: mentee}\n", "values: role must map answers to values"),
    ("columns: {email: E}\nvalues: {colour: {a: b}}\n", "values: unknown field 'colour'"),
    ("columns: {email: E}\nteach_level: 7\n", "teach_level must be a level 1-4 (3 is proficient), "
                                             "not 7"),
    ("columns: {email: E}\nteach_level: expert\n", "teach_level must be a level 1-4"),
    ("columns: {email: E}\ntimestamp: [a]\n", "timestamp must be the header of the file's "
                                             "timestamp column"),
    # Hostile YAML: refused before it costs CPU or stack, never a RecursionError or ValueError.
    ("columns: &c {email: E}\nvalues: {role: *c}\n", "the column map is refused: anchors (&c) "
                                                     "are not allowed"),
    ("columns: {email: E}\nvalues: {role: " + "[" * 3000 + "]" * 3000 + "}\n",
     "the column map is refused: it nests deeper than 10 levels"),
    ("columns: {email: E}\nteach_level: " + "9" * 5000 + "\n", "the column map is not valid YAML"),
    ("columns: {email: E}\nteach_level: " + "9" * 500 + "\n", "teach_level must be a level 1-4 "
                                                           "(3 is proficient), not 99999"),
])
def test_a_bad_map_says_what_is_wrong(tmp_path, text, message):
    assert map_error(tmp_path, text).startswith(message)


def test_a_missing_map_file_is_an_input_error(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        load_column_map(tmp_path / "nowhere.yaml")
    assert "cannot read the column map" in caught.value.errors[0].reason


def test_every_field_of_the_csv_can_be_mapped(tmp_path, taxonomy):
    columns = {name: f"Q {name}" for name in FIELDS}
    column_map = column_map_from_data({"columns": columns})
    cells = {"email": "ada@lib.org", "name": "Ada", "department": "Metadata",
             "manager_email": "", "role": "mentor", "capacity": "2", "skills": "MARC 21=4",
             "learn": "", "teach": "MARC 21", "goals": "Share", "bio": "Cataloguer",
             "format_preference": "virtual", "years_experience": "12",
             "institution": "Westbrook", "location": "Main", "time_zone": "europe/london"}
    path = write_form(tmp_path, [[cells[name] for name in FIELDS]],
                      header=[columns[name] for name in FIELDS])
    record = read_profiles(path, taxonomy, column_map=column_map, strict=True).records["ada@lib.org"]
    assert record["skills"] == {"marc21": 4} and record["teach"] == ("marc21",)
    assert (record["format_preference"], record["years_experience"], record["time_zone"],
            record["institution"], record["location"]) == ("remote", 12, "Europe/London",
                                                           "Westbrook", "Main")


def test_unmapped_fields_keep_their_defaults(tmp_path, taxonomy):
    column_map = column_map_from_data({"columns": {"email": "Email Address", "name": "Your name"}})
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada", role="I'd like to mentor")])
    record = read_profiles(path, taxonomy, column_map=column_map).records["ada@lib.org"]
    assert (record["role"], record["capacity"], record["learn"]) == ("both", 1, ())


# --- the map against a file ---------------------------------------------------------------


def test_a_header_the_map_names_but_the_file_lacks_is_named(tmp_path, taxonomy, issue_map):
    header = [h for h in HEADER if h != "Department"]
    path = write_form(tmp_path, [], header=header)
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, column_map=issue_map)
    assert caught.value.errors == [RowError(1, "department", "Department",
                                            "the map's header 'Department' for department is "
                                            "not in the file")]


def test_a_missing_timestamp_header_is_named_too(tmp_path, taxonomy, issue_map):
    path = write_form(tmp_path, [], header=HEADER[1:])
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, column_map=issue_map)
    assert [(e.column, e.value) for e in caught.value.errors] == [("timestamp", "Timestamp")]


def test_unmapped_required_fields_list_the_headers_found(tmp_path, taxonomy):
    column_map = column_map_from_data({"columns": {"department": "Department"}})
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada")])
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, column_map=column_map)
    found = "; ".join(HEADER)
    assert caught.value.errors == [
        RowError(1, "email", "", f"required field email is not mapped to a header; the file's "
                                 f"headers are: {found}"),
        RowError(1, "name", "", f"required field name is not mapped to a header; the file's "
                                f"headers are: {found}"),
    ]


def test_answers_read_through_the_values(tmp_path, taxonomy, issue_map):
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada", role="I'd like a mentor"),
                                 form_row("ben@lib.org", "Ben", role="i'd LIKE to mentor",
                                          capacity="2")])
    table = read_profiles(path, taxonomy, column_map=issue_map)
    assert table.records["ada@lib.org"]["role"] == "mentee"
    assert (table.records["ben@lib.org"]["role"], table.records["ben@lib.org"]["capacity"]) == (
        "mentor", 2)


def test_an_answer_the_values_do_not_know_is_a_row_error(tmp_path, taxonomy, issue_map):
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada", role="Maybe later")])
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, column_map=issue_map)
    assert caught.value.errors == [RowError(2, "role", "Maybe later",
                                            "must be mentor, mentee or both")]


# --- skill lists --------------------------------------------------------------------------


def skill_map(**values) -> ColumnMap:
    return column_map_from_data({"columns": {"email": "Email Address", "name": "Your name",
                                             "learn": HEADER[7], "teach": HEADER[8]},
                                 "values": values})


def test_list_cells_split_on_comma_space_or_semicolon(tmp_path, taxonomy):
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada", learn="MARC 21, BIBFRAME; RDA",
                                          teach="Alma;FOLIO")])
    record = read_profiles(path, taxonomy, column_map=skill_map(), strict=True).records[
        "ada@lib.org"]
    assert record["learn"] == ("marc21", "bibframe", "rda")
    assert record["teach"] == ("alma", "folio")


def test_the_longest_known_label_is_taken_first_so_a_comma_inside_a_name_resolves(
        tmp_path, taxonomy):
    column_map = skill_map(skills={"Linked data (RDF, SPARQL)": "rdf", "Cloud (AWS)": "aws"})
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada",
                                          learn="Linked data (RDF, SPARQL), Cloud (AWS), Python")])
    record = read_profiles(path, taxonomy, column_map=column_map, strict=True).records[
        "ada@lib.org"]
    assert record["learn"] == ("rdf", "aws", "python")


def test_skills_resolve_by_id_name_alias_then_values(tmp_path, taxonomy):
    # "Digital preservation" is an alias; the values are read after the taxonomy's spellings,
    # so a value cannot redirect a real skill name.
    column_map = skill_map(learn={"Cataloguing 101": "cataloging", "Alma": "folio"})
    path = write_form(tmp_path, [form_row(
        "ada@lib.org", "Ada", learn="marc21, BIBFRAME, Digital preservation, Cataloguing 101, Alma")])
    record = read_profiles(path, taxonomy, column_map=column_map, strict=True).records[
        "ada@lib.org"]
    assert record["learn"] == ("marc21", "bibframe", "preservation_planning", "cataloging", "alma")


def test_an_unknown_label_is_reported_with_did_you_mean_never_guessed(tmp_path, taxonomy):
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada", learn="MARK 21, RDA")])
    table = read_profiles(path, taxonomy, column_map=skill_map())
    assert table.records["ada@lib.org"]["learn"] == ("rda",)
    assert table.skill_warnings == [RowError(
        2, "learn", "MARK 21", "unknown skill 'MARK 21', wish left out; did you mean 'MARC 21'?")]
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, column_map=skill_map(), strict=True)
    assert caught.value.errors[0].reason == "unknown skill 'MARK 21'; did you mean 'MARC 21'?"


def test_taught_skills_the_form_did_not_rate_get_the_teach_level(tmp_path, taxonomy):
    column_map = column_map_from_data({**skill_map().as_data(), "teach_level": 4,
                                       "columns": {**skill_map().columns, "skills": "Levels"}})
    header = [*HEADER, "Levels"]
    path = write_form(tmp_path, [[*form_row("ada@lib.org", "Ada", teach="Alma, MARC 21"),
                                  "MARC 21=2"]], header=header)
    record = read_profiles(path, taxonomy, column_map=column_map).records["ada@lib.org"]
    assert record["skills"] == {"alma": 4, "marc21": 2}  # a rated skill keeps its level
    default = read_profiles(path, taxonomy, column_map=skill_map()).records["ada@lib.org"]
    assert default["skills"] == {"alma": 3, "marc21": 3}


# --- duplicates and timestamps ------------------------------------------------------------


def test_a_later_answer_from_the_same_email_replaces_the_earlier(tmp_path, taxonomy, issue_map):
    path = write_form(tmp_path, [
        form_row("ada@lib.org", "Ada", learn="MARC 21", stamp="3/4/2026 16:31:05"),
        form_row("ben@lib.org", "Ben"),
        form_row("ADA@lib.org", "Ada early", learn="RDA", stamp="3/2/2026 9:14:03"),
        form_row("ben@lib.org", "Ben later", stamp="2026-03-05T08:00:00"),
    ])
    table = read_profiles(path, taxonomy, column_map=issue_map)
    assert table.records["ada@lib.org"]["name"] == "Ada" and table.rows["ada@lib.org"] == 2
    assert table.records["ben@lib.org"]["name"] == "Ben later" and table.rows["ben@lib.org"] == 5
    assert table.warnings == [
        "row 4: replaced by the later answer on row 2 (the same email)",
        "row 3: replaced by the later answer on row 5 (the same email)",
    ]


def test_without_a_timestamp_a_duplicate_email_stays_an_error(tmp_path, taxonomy):
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada"), form_row("ada@lib.org", "Ada")])
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, column_map=skill_map())
    assert caught.value.errors == [RowError(3, "email", "ada@lib.org",
                                            "duplicate email; first used on row 2")]


def test_a_timestamp_that_is_not_a_date_is_a_row_error(tmp_path, taxonomy, issue_map):
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada", stamp="yesterday")])
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, column_map=issue_map)
    assert caught.value.errors == [RowError(2, "timestamp", "yesterday",
                                            "not a date and time (e.g. 2026-03-15 10:32:11)")]


@pytest.mark.parametrize(("text", "expected"), [
    ("3/15/2026 10:32:11", datetime(2026, 3, 15, 10, 32, 11)),
    ("2026/03/15 10:32:11 AM GMT-4", datetime(2026, 3, 15, 10, 32, 11)),
    ("2026-03-15 22:32", datetime(2026, 3, 15, 22, 32)),
    (datetime(2026, 3, 15, 10, 32), datetime(2026, 3, 15, 10, 32)),
    ("soon", None),
])
def test_timestamps_in_the_export_spellings(text, expected):
    assert parse_timestamp(text) == expected


# --- delimiters and XLSX ------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_delimited_file_is_sniffed(tmp_path, taxonomy, issue_map, delimiter):
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada", learn="MARC 21, RDA")],
                      delimiter=delimiter)
    assert read_profiles(path, taxonomy, column_map=issue_map).records["ada@lib.org"][
        "learn"] == ("marc21", "rda")
    ours = tmp_path / "ours.csv"
    ours.write_text(f"email{delimiter}name{delimiter}learn\nben@lib.org{delimiter}Ben, Jr."
                    f"{delimiter}rda\n", encoding="utf-8")
    assert read_profiles_csv(ours, taxonomy).records["ben@lib.org"]["name"] == "Ben, Jr."


def write_xlsx(tmp_path, sheets: dict[str, list[list]], name="form.xlsx") -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_xlsx_reads_the_first_sheet_with_numbers_and_dates_as_the_cells_hold_them(
        tmp_path, taxonomy, issue_map):
    rows = [HEADER,
            [datetime(2026, 3, 2, 9, 0), "ada@lib.org", "Ada", "Systems", None,
             "I'd like to mentor", 2, None, "Alma, MARC 21", "Share", None],
            [datetime(2026, 3, 1, 9, 0), "ada@lib.org", "Ada older", "Systems", None,
             "I'd like to mentor", 1.0, None, "Alma", "", None],
            [datetime(2026, 3, 2, 9, 0), "ben@lib.org", "Ben", "Systems", None, "Both", 3.0,
             "MARC 21", None, None, None]]
    path = write_xlsx(tmp_path, {"Form responses 1": rows, "Notes": [["ignored"]]})
    table = read_profiles(path, taxonomy, column_map=issue_map)
    assert table.records["ada@lib.org"]["capacity"] == 2
    assert table.records["ada@lib.org"]["skills"] == {"alma": 3, "marc21": 3}
    assert table.records["ben@lib.org"]["capacity"] == 3
    assert table.warnings == ["row 3: replaced by the later answer on row 2 (the same email)"]
    # The same bytes, as an upload.
    uploaded = read_profiles(path.read_bytes(), taxonomy, column_map=issue_map)
    assert set(uploaded.records) == {"ada@lib.org", "ben@lib.org"}


def test_xlsx_sheet_by_name_and_an_unknown_sheet(tmp_path, taxonomy):
    path = write_xlsx(tmp_path, {"Notes": [["nothing"]],
                                 "People": [["email", "name"], ["ada@lib.org", "Ada"]]})
    assert list(read_profiles(path, taxonomy, sheet="People").records) == ["ada@lib.org"]
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, sheet="Staff")
    assert caught.value.errors == [RowError(0, "sheet", "Staff", "the workbook has no sheet of "
                                            "that name; its sheets are: Notes, People")]


def test_a_file_named_xlsx_that_is_not_a_workbook(tmp_path, taxonomy):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"email,name\n")
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy)
    assert caught.value.errors[0].reason == "the file is not a readable XLSX workbook"


def test_sheet_is_refused_for_a_csv(tmp_path, taxonomy):
    path = write_form(tmp_path, [])
    with pytest.raises(InvalidInput) as caught:
        read_profiles(path, taxonomy, sheet="People")
    assert caught.value.errors[0].reason == "a sheet name is only for XLSX files; this file is CSV"


# --- guessing, the example, choices -------------------------------------------------------


def test_a_map_is_guessed_from_the_headers_of_a_forms_export():
    rows = [form_row("a@x.org", "A", role="I'd like a mentor"),
            form_row("b@x.org", "B", role="I'd like to mentor"), form_row("c@x.org", "C")]
    guessed = guess_column_map(HEADER, rows)
    expected = yaml.safe_load(ISSUE_MAP)
    assert dict(guessed.columns) == expected["columns"]
    assert guessed.timestamp == "Timestamp"
    assert dict(guessed.values["role"]) == {"I'd like a mentor": "mentee",
                                            "I'd like to mentor": "mentor"}
    text = dump_column_map(guessed, HEADER)
    assert column_map_from_data(yaml.safe_load(text)) == guessed


def test_a_guess_takes_whole_words_and_microsoft_forms_headers():
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Your library's website",
              "What would you like to get out of this opportunity?", "What is your capacity?"]
    guessed = guess_column_map(header)
    assert guessed.timestamp == "Completion time"
    assert dict(guessed.columns) == {
        "email": "Email", "name": "Name", "capacity": "What is your capacity?",
        "goals": "What would you like to get out of this opportunity?",
        "institution": "Your library's website"}


def test_our_own_headers_guess_themselves():
    guessed = guess_column_map(["email", "name", "manager_email", "learn"])
    assert dict(guessed.columns) == {"email": "email", "name": "name",
                                     "manager_email": "manager_email", "learn": "learn"}


def test_the_example_export_reads_through_its_map(taxonomy):
    column_map = load_column_map(EXAMPLES / "forms_map.yaml")
    table = read_profiles(EXAMPLES / "forms_export.csv", taxonomy, column_map=column_map,
                          strict=True)
    assert len(table.records) == 6
    assert table.records["priya.shah@westbrook.edu"]["learn"] == ("rdf", "bibframe", "python")
    assert table.records["tomas.reyes@westbrook.edu"]["skills"]["aws"] == 3
    assert ("dean@westbrook.edu", None) in table.outside_managers()


def test_choices_on_the_mapping_page_make_a_map():
    column_map = column_map_from_choices(
        HEADER, {"email": "1", "name": "2", "role": "5"},
        values_text="role: {Both: both}", teach_level="2", timestamp="0")
    assert dict(column_map.columns) == {"email": HEADER[1], "name": HEADER[2], "role": HEADER[5]}
    assert (column_map.teach_level, column_map.timestamp) == (2, "Timestamp")
    with pytest.raises(InvalidInput) as caught:
        column_map_from_choices(HEADER, {"email": "99"})
    assert caught.value.errors[0].reason == "choose one of the file's headers"
    with pytest.raises(InvalidInput) as caught:
        column_map_from_choices(HEADER, {"email": "1"}, values_text="role: [")
    assert caught.value.errors[0].column == "values"


# --- the saved map ------------------------------------------------------------------------


def test_a_saved_map_comes_back_by_scope_and_is_replaced(db, issue_map):
    assert saved_column_map(db, "default") is None
    save_column_map(db, None, "default", issue_map)
    assert saved_column_map(db, "default") == issue_map
    smaller = column_map_from_data({"columns": {"email": "E", "name": "N"}})
    save_column_map(db, None, "default", smaller)
    save_column_map(db, None, "programme-2", issue_map)
    assert saved_column_map(db, "default") == smaller
    assert saved_column_map(db, "programme-2") == issue_map


def test_only_coordinators_save_a_map(db, issue_map):
    from mentorship.core.errors import PermissionDenied
    from mentorship.people.models import Person

    staff = Person(email="sam@lib.org", name="Sam")
    db.add(staff)
    db.flush()
    with pytest.raises(PermissionDenied):
        save_column_map(db, staff, "default", issue_map)


def test_reading_text_from_an_upload(taxonomy, issue_map):
    buffer = io.StringIO()
    import csv

    csv.writer(buffer).writerows([HEADER, form_row("ada@lib.org", "Ada")])
    table = read_profiles(buffer.getvalue().encode(), taxonomy, column_map=issue_map)
    assert list(table.records) == ["ada@lib.org"]


def test_the_modules_examples_run():
    import doctest

    import mentorship.profiles.column_map as module

    result = doctest.testmod(module)
    assert result.attempted >= 3 and result.failed == 0


def test_an_unknown_label_with_a_comma_inside_brackets_is_reported_whole(tmp_path, taxonomy):
    path = write_form(tmp_path, [form_row("ada@lib.org", "Ada",
                                          learn="Linked data (RDF, SPARQL), RDA")])
    table = read_profiles(path, taxonomy, column_map=skill_map())
    assert table.records["ada@lib.org"]["learn"] == ("rda",)
    assert [w.value for w in table.skill_warnings] == ["Linked data (RDF, SPARQL)"]
