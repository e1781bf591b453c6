"""Reading the profile CSV: defaults, layout tolerance, and every kind of bad input located."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import LEVEL_NAMES, Profile, Role
from mentorship.core.errors import InvalidInput, RowError
from mentorship.profiles.csv_io import read_profiles_csv

GOOD_ROWS = [
    {
        "email": "Ada.Lovelace@Lib.org",
        "name": "Ada Lovelace",
        "department": "Cataloguing",
        "manager_email": "",
        "role": "mentor",
        "capacity": "",
        "skills": "MARC 21=expert; RDA Toolkit=3",
        "learn": "",
        "teach": "",
        "goals": "",
        "bio": "Cataloguing librarian",
    },
    {
        "email": "ben@lib.org",
        "name": "Ben Okafor",
        "department": "Systems",
        "manager_email": "ADA.LOVELACE@lib.org",
        "role": "mentee",
        "capacity": "",
        "skills": "marc21=aware",
        "learn": "marc21; Python 3; sql",
        "teach": "",
        "goals": "Learn to catalogue",
        "bio": "",
    },
    {
        "email": "cal@lib.org",
        "name": "Cal Reyes",
        "department": "",
        "manager_email": "",
        "role": "",
        "capacity": "",
        "skills": "python=4",
        "learn": "rda",
        "teach": "Python",
        "goals": "",
        "bio": "",
    },
]

EXPECTED_PROFILES = [
    Profile(
        id="ada.lovelace@lib.org",
        levels={"marc21": 4, "rda": 3},
        learn=(),
        teach=None,
        role=Role.MENTOR,
        capacity=1,
        manager=None,
        goals="",
        bio="Cataloguing librarian",
        department="Cataloguing",
    ),
    Profile(
        id="ben@lib.org",
        levels={"marc21": 1},
        learn=("marc21", "python", "sql"),
        teach=None,
        role=Role.MENTEE,
        capacity=0,
        manager="ada.lovelace@lib.org",
        goals="Learn to catalogue",
        bio="",
        department="Systems",
    ),
    Profile(
        id="cal@lib.org",
        levels={"python": 4},
        learn=("rda",),
        teach=("python",),
        role=Role.BOTH,
        capacity=1,
        manager=None,
    ),
]

GOOD_ROW = {"email": "good@lib.org", "name": "Good Row"}


def errors_of(path, taxonomy) -> list[RowError]:
    """Return the problems reported for a file that must not load with --strict."""
    with pytest.raises(InvalidInput) as caught:
        read_profiles_csv(path, taxonomy, strict=True)
    return caught.value.errors


def level_message(name: str, level: str) -> str:
    """Return the reason given for a level that is neither 0-4 nor a level word."""
    return (f"{name}: level {level!r} is not one of 0-4 or a level word (0 none, "
            "1 aware/beginner/novice/basic, 2 working knowledge/working/intermediate, "
            "3 proficient/advanced/fluent, 4 expert)")


# --- files that load ---------------------------------------------------------------------


def test_good_file_loads_with_defaults(write_csv, taxonomy):
    table = read_profiles_csv(write_csv(GOOD_ROWS), taxonomy)

    assert table.profiles() == EXPECTED_PROFILES
    assert table.rows == {"ada.lovelace@lib.org": 2, "ben@lib.org": 3, "cal@lib.org": 4}
    assert table.records["ben@lib.org"]["name"] == "Ben Okafor"
    assert table.warnings == []


def test_path_given_as_text_loads(write_csv, taxonomy):
    table = read_profiles_csv(str(write_csv(GOOD_ROWS)), taxonomy)

    assert table.profiles() == EXPECTED_PROFILES


def test_columns_in_any_order(write_csv, taxonomy):
    shuffled = ["bio", "skills", "name", "teach", "capacity", "email", "goals", "learn", "role",
                "manager_email", "department"]

    table = read_profiles_csv(write_csv(GOOD_ROWS, columns=shuffled), taxonomy)

    assert table.profiles() == EXPECTED_PROFILES


def test_header_case_and_spacing_do_not_matter(write_text, taxonomy):
    path = write_text(" Email ,NAME,Role\nada@lib.org,Ada,Mentor\n")

    table = read_profiles_csv(path, taxonomy)

    assert table.profiles() == [Profile(id="ada@lib.org", role=Role.MENTOR, capacity=1)]


def test_only_required_columns_is_enough(write_csv, taxonomy):
    table = read_profiles_csv(write_csv([{"email": "ada@lib.org", "name": "Ada"}]), taxonomy)

    assert table.profiles() == [Profile(id="ada@lib.org", role=Role.BOTH, capacity=1)]


def test_extra_column_warns_and_is_ignored(write_csv, taxonomy):
    rows = [{**row, "favourite_colour": "teal"} for row in GOOD_ROWS]

    table = read_profiles_csv(write_csv(rows), taxonomy)

    assert table.warnings == ["ignored column(s) not in the format: favourite_colour"]
    assert table.profiles() == EXPECTED_PROFILES
    assert all("favourite_colour" not in record for record in table.records.values())


def test_utf8_byte_order_mark_is_accepted(write_text, taxonomy):
    path = write_text("\ufeffemail,name,bio\nada@lib.org,Zoë Ada,Catalogueuse née à Montréal\n"
                      .encode())

    table = read_profiles_csv(path, taxonomy)

    assert list(table.records) == ["ada@lib.org"]
    assert table.records["ada@lib.org"]["name"] == "Zoë Ada"
    assert table.warnings == []


@pytest.mark.parametrize("tail", ["\n\n\n", ",,\n,,\n", "\r\n\r\n", " , , \n"])
def test_blank_trailing_lines_are_ignored(write_text, taxonomy, tail):
    path = write_text("email,name,role\nada@lib.org,Ada,mentor\nben@lib.org,Ben,mentee\n" + tail)

    table = read_profiles_csv(path, taxonomy)

    assert list(table.records) == ["ada@lib.org", "ben@lib.org"]


def test_quoted_cells_with_commas_and_newlines(write_text, taxonomy):
    path = write_text('email,name,skills,bio\nada@lib.org,"Lovelace, Ada","marc21=4; rda=3",'
                      '"line one\nline two"\nben@lib.org,Ben,,\n')

    table = read_profiles_csv(path, taxonomy)

    assert table.records["ada@lib.org"]["name"] == "Lovelace, Ada"
    assert table.records["ada@lib.org"]["skills"] == {"marc21": 4, "rda": 3}
    # One spreadsheet row per record, however many lines a cell spans.
    assert table.rows == {"ada@lib.org": 2, "ben@lib.org": 3}


def test_skills_accept_id_name_and_alias_in_any_case(write_csv, taxonomy):
    rows = [{"email": "ada@lib.org", "name": "Ada",
             "skills": "MARC=4; resource description and access=2; DUBLIN_CORE=1; python: 3",
             "learn": "Library of Congress Subject Headings; lcsh; BF2"}]

    record = read_profiles_csv(write_csv(rows), taxonomy).records["ada@lib.org"]

    assert record["skills"] == {"marc21": 4, "rda": 2, "dublin_core": 1, "python": 3}
    assert record["learn"] == ("lcsh", "bibframe")  # repeats dropped, order kept


# --- bad cells: one problem, located -------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("skills", "MARK 21=3", "unknown skill 'MARK 21'; did you mean 'MARC 21'?"),
        ("skills", "marc21=7", level_message("marc21", "7")),
        ("skills", "marc21=great", level_message("marc21", "great")),
        ("skills", "marc21", "'marc21' has no level: write skill=level, e.g. 'MARC 21=3'"),
        ("skills", "marc21=3; MARC=4", "MARC: MARC 21 is given two levels"),
        ("learn", "Pyhton", "unknown skill 'Pyhton'; did you mean 'Python'?"),
        ("teach", "rda; zzqx", "unknown skill 'zzqx'; see the taxonomy ({source}) for the skill names"),
        ("capacity", "11", "must be a whole number 0-10"),
        ("capacity", "-1", "must be a whole number 0-10"),
        ("capacity", "two", "must be a whole number 0-10"),
        ("capacity", "1.5", "must be a whole number 0-10"),
        ("role", "boss", "must be mentor, mentee or both"),
        ("email", "", "required, but empty"),
        ("email", "   ", "required, but empty"),
        ("name", "", "required, but empty"),
        ("email", "ada.lib.org", "not a valid email address"),
        ("email", "ada@", "not a valid email address"),
        ("manager_email", "the boss", "not a valid email address"),
    ],
)
def test_bad_cell_is_reported_with_row_column_and_value(write_csv, taxonomy, column, value, reason):
    bad = {"email": "bad@lib.org", "name": "Bad Row", column: value}
    path = write_csv([GOOD_ROW, bad], columns=["email", "name", "manager_email", "role", "capacity",
                                              "skills", "learn", "teach"])

    [error] = errors_of(path, taxonomy)

    assert (error.row, error.column, error.value) == (3, column, value)
    assert error.reason == reason.format(source=taxonomy.source)


def test_unknown_skill_suggestion_names_the_closest_skill(write_csv, taxonomy):
    path = write_csv([{"email": "ada@lib.org", "name": "Ada", "skills": "MARK 21=3"}])

    [error] = errors_of(path, taxonomy)

    assert error == RowError(2, "skills", "MARK 21=3",
                             "unknown skill 'MARK 21'; did you mean 'MARC 21'?")
    assert "did you mean 'MARC 21'" in str(error)


def test_every_bad_part_of_one_cell_is_reported(write_csv, taxonomy):
    path = write_csv([{"email": "ada@lib.org", "name": "Ada", "skills": "MARK 21=3; rda=7"}])

    errors = errors_of(path, taxonomy)

    assert [(e.row, e.column, e.value) for e in errors] == [(2, "skills", "MARK 21=3; rda=7")] * 2
    assert sorted(e.reason for e in errors) == sorted([
        "unknown skill 'MARK 21'; did you mean 'MARC 21'?", level_message("rda", "7"),
    ])


def test_row_with_more_cells_than_the_header(write_text, taxonomy):
    path = write_text("email,name\nada@lib.org,Ada\nben@lib.org,Ben,extra,cells\n")

    assert errors_of(path, taxonomy) == [
        RowError(3, "", "extra,cells", "more cells than the 2 columns of the header"),
    ]


# --- rules across rows ---------------------------------------------------------------------


def test_duplicate_email_is_reported_on_the_later_row(write_csv, taxonomy):
    rows = [{"email": "ada@lib.org", "name": "Ada"}, GOOD_ROW,
            {"email": "ADA@Lib.org", "name": "Ada again"}]

    assert errors_of(write_csv(rows), taxonomy) == [
        RowError(4, "email", "ADA@Lib.org", "duplicate email; first used on row 2"),
    ]


def test_a_manager_not_in_the_file_is_accepted_and_takes_no_part(write_csv, taxonomy):
    rows = [GOOD_ROW, {"email": "ben@lib.org", "name": "Ben", "manager_email": "Zed@lib.org"}]

    table = read_profiles_csv(write_csv(rows), taxonomy, strict=True)

    assert table.records["ben@lib.org"]["manager_email"] == "zed@lib.org"
    assert table.outside_managers() == (("zed@lib.org", None),)
    assert "zed@lib.org" not in {profile.id for profile in table.profiles()}


def test_manager_may_appear_later_in_the_file(write_csv, taxonomy):
    rows = [{"email": "ben@lib.org", "name": "Ben", "manager_email": "ADA@lib.org"},
            {"email": "ada@lib.org", "name": "Ada"}]

    table = read_profiles_csv(write_csv(rows), taxonomy)

    assert table.records["ben@lib.org"]["manager_email"] == "ada@lib.org"


def test_self_manager(write_csv, taxonomy):
    rows = [GOOD_ROW, {"email": "ada@lib.org", "name": "Ada", "manager_email": "ADA@lib.org"}]

    assert errors_of(write_csv(rows), taxonomy) == [
        RowError(3, "manager_email", "ADA@lib.org", "a person cannot be their own manager"),
    ]


def test_manager_cycle_reports_every_row_in_it(write_csv, taxonomy):
    rows = [
        {"email": "a@lib.org", "name": "A", "manager_email": "b@lib.org"},
        GOOD_ROW,
        {"email": "b@lib.org", "name": "B", "manager_email": "A@lib.org"},
    ]

    assert errors_of(write_csv(rows), taxonomy) == [
        RowError(2, "manager_email", "b@lib.org", "manager cycle: a@lib.org -> b@lib.org -> a@lib.org"),
        RowError(4, "manager_email", "A@lib.org", "manager cycle: a@lib.org -> b@lib.org -> a@lib.org"),
    ]


def test_longer_manager_cycle_is_reported_once_per_row(write_csv, taxonomy):
    rows = [
        {"email": "a@lib.org", "name": "A", "manager_email": "b@lib.org"},
        {"email": "b@lib.org", "name": "B", "manager_email": "c@lib.org"},
        {"email": "c@lib.org", "name": "C", "manager_email": "a@lib.org"},
        {"email": "d@lib.org", "name": "D (reports into the cycle)", "manager_email": "a@lib.org"},
    ]

    errors = errors_of(write_csv(rows), taxonomy)

    assert [(e.row, e.column) for e in errors] == [(2, "manager_email"), (3, "manager_email"),
                                                  (4, "manager_email")]
    assert {e.reason for e in errors} == {"manager cycle: a@lib.org -> b@lib.org -> c@lib.org -> a@lib.org"}


# --- bad files -----------------------------------------------------------------------------


def test_missing_required_column_is_reported_on_row_1(write_csv, taxonomy):
    path = write_csv([{"email": "ada@lib.org", "skills": "marc21=4"}])

    assert errors_of(path, taxonomy) == [RowError(1, "name", "", "required column is missing")]


def test_every_missing_required_column_is_reported(write_csv, taxonomy):
    path = write_csv([{"department": "Systems", "skills": "marc21=4"}])

    assert errors_of(path, taxonomy) == [
        RowError(1, "email", "", "required column is missing"),
        RowError(1, "name", "", "required column is missing"),
    ]


def test_repeated_column_is_reported_on_row_1(write_text, taxonomy):
    path = write_text("email,name,Email\nada@lib.org,Ada,ben@lib.org\n")

    assert errors_of(path, taxonomy) == [RowError(1, "email", "", "column appears more than once")]


def test_file_not_utf8(write_text, taxonomy):
    path = write_text("email,name\nada@lib.org,Zoë\n".encode("latin-1"))

    [error] = errors_of(path, taxonomy)

    assert (error.row, error.column) == (0, "")
    assert error.reason.startswith("the file is not UTF-8 text")
    assert "save it as CSV UTF-8" in error.reason


@pytest.mark.parametrize("content", ["", "\n", "\n\n\n"])
def test_empty_file(write_text, taxonomy, content):
    assert errors_of(write_text(content), taxonomy) == [
        RowError(0, "", "", "the file is empty: expected a header row"),
    ]


@pytest.mark.parametrize("content", ["email,name\n", "email,name", "email,name\n\n,\n"])
def test_header_only(write_text, taxonomy, content):
    assert errors_of(write_text(content), taxonomy) == [
        RowError(0, "", "", "the file has a header but no rows"),
    ]


def test_unreadable_path(tmp_path, taxonomy):
    missing = tmp_path / "nowhere.csv"

    [error] = errors_of(missing, taxonomy)

    assert error.value == str(missing)
    assert error.reason.startswith("cannot read the file")


def test_several_bad_rows_are_all_reported_at_once(write_csv, taxonomy):
    rows = [
        {"email": "ada@lib.org", "name": "Ada", "skills": "marc21=4"},  # row 2: good
        {"email": "ben@lib.org", "name": "Ben", "skills": "MARK 21=3"},  # row 3
        {"email": "cal@lib.org", "name": "Cal", "role": "boss", "capacity": "11"},  # row 4: two
        {"email": "dee@lib.org", "name": "Dee", "learn": "rda"},  # row 5: good
        {"email": "Ada@lib.org", "name": "Ada twice"},  # row 6
        {"email": "eve@lib.org", "name": ""},  # row 7
        {"email": "fay@lib.org", "name": "Fay", "manager_email": "zed@"},  # row 8: a bad address
        {"email": "gus", "name": "Gus", "skills": "marc21"},  # row 9: two
        {"email": "hal@lib.org", "name": "Hal", "manager_email": "hal@lib.org"},  # row 10
    ]

    with pytest.raises(InvalidInput) as caught:
        read_profiles_csv(write_csv(rows), taxonomy, strict=True)

    assert str(caught.value) == "9 problem(s) in the profile file"
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (3, "skills"),
        (4, "capacity"),
        (4, "role"),
        (6, "email"),
        (7, "name"),
        (8, "manager_email"),
        (9, "email"),
        (9, "skills"),
        (10, "manager_email"),
    ]


# --- fixed bugs ----------------------------------------------------------------------------


def test_row_numbers_count_a_blank_line_in_the_middle(write_text, taxonomy):
    # A spreadsheet opening this file shows the blank line as row 3 and the bad email on row 4.
    path = write_text("email,name\nada@lib.org,Ada\n\nnot-an-email,Ben\n")

    assert errors_of(path, taxonomy) == [
        RowError(4, "email", "not-an-email", "not a valid email address"),
    ]


def test_bad_row_does_not_make_its_reports_look_managerless(write_csv, taxonomy):
    rows = [
        {"email": "ada@lib.org", "name": "Ada", "capacity": "11"},
        {"email": "ben@lib.org", "name": "Ben", "manager_email": "ada@lib.org"},
    ]

    assert errors_of(write_csv(rows), taxonomy) == [
        RowError(2, "capacity", "11", "must be a whole number 0-10"),
    ]


@pytest.mark.parametrize("level", ["-1", "-4"])
def test_negative_level_is_rejected(write_csv, taxonomy, level):
    path = write_csv([{"email": "ada@lib.org", "name": "Ada", "skills": f"marc21={level}"}])

    assert errors_of(path, taxonomy) == [
        RowError(2, "skills", f"marc21={level}", level_message("marc21", level)),
    ]


# --- properties ----------------------------------------------------------------------------


def any_case(text: str) -> st.SearchStrategy[str]:
    """Return a strategy of `text` with each letter upper- or lower-cased at random."""
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(c.upper() if up else c.lower() for c, up in zip(text, flips, strict=True))
    )


def load_one(skills: str, taxonomy) -> Profile:
    """Return the profile of a one-row file (in memory: Hypothesis runs it many times)."""
    text = io.StringIO()
    csv.writer(text).writerows([["email", "name", "skills"], ["ada@lib.org", "Ada", skills]])
    text.seek(0)
    [profile] = read_profiles_csv(text, taxonomy).profiles()
    return profile


@given(level=st.integers(0, 4), data=st.data())
def test_level_as_number_or_name_gives_the_same_profile(taxonomy, level, data):
    name = data.draw(any_case(LEVEL_NAMES[level]), label="level name")

    by_number = load_one(f"marc21={level}", taxonomy)
    by_name = load_one(f"marc21={name}", taxonomy)

    assert by_name == by_number
    assert by_name.levels == {"marc21": level}


@given(data=st.data())
def test_skill_by_id_name_or_alias_in_any_case_gives_the_same_profile(taxonomy, data):
    skill = taxonomy.skills[data.draw(st.sampled_from(taxonomy.skill_ids), label="skill id")]
    spelling = data.draw(st.sampled_from([skill.id, skill.name, *skill.aliases]), label="spelling")
    cased = data.draw(any_case(spelling), label="cased")

    assert load_one(f"{cased}=3", taxonomy).levels == {skill.id: 3}


def test_a_nul_character_in_a_cell_is_a_row_error(write_text, taxonomy):
    path = write_text("email,name,goals\nana@example.org,Ana,learn\x00more\n")
    with pytest.raises(InvalidInput) as raised:
        read_profiles_csv(path, taxonomy)
    assert [(e.row, e.column) for e in raised.value.errors] == [(2, "goals")]
    assert "NUL" in raised.value.errors[0].reason


def test_an_upload_with_cr_line_endings_reads_as_the_file_does(write_text, taxonomy):
    from mentorship.core.spreadsheet import decode_upload

    text = "email,name\rana@example.org,Ana\rbo@example.org,Bo\r"
    uploaded = read_profiles_csv(decode_upload(text.encode()), taxonomy)
    from_disk = read_profiles_csv(write_text(text), taxonomy)
    assert list(uploaded.records) == list(from_disk.records) == ["ana@example.org", "bo@example.org"]


def test_a_file_over_the_row_limit_is_refused_before_it_is_read_whole(write_text, taxonomy,
                                                                    monkeypatch):
    monkeypatch.setenv("MENTORSHIP_IMPORT_ROW_LIMIT", "3")
    rows = "".join(f"p{i}@example.org,P {i}\n" for i in range(5))
    with pytest.raises(InvalidInput, match="too long") as raised:
        read_profiles_csv(write_text("email,name\n" + rows), taxonomy)
    assert raised.value.errors[0].row == 5 and "more than 3 rows" in raised.value.errors[0].reason
    three = "".join(rows.splitlines(keepends=True)[:3])
    assert len(read_profiles_csv(write_text("email,name\n" + three), taxonomy).records) == 3


# --- skill names not taken as written: warnings, unless strict ------------------------------


def test_an_unknown_skill_is_a_warning_and_the_rest_of_the_row_is_kept(write_csv, taxonomy):
    path = write_csv([{"email": "ada@lib.org", "name": "Ada Lovelace", "role": "mentee",
                       "skills": "MARK 21=3; rda=2", "learn": "Pyhton; sql; zzqx",
                       "teach": "rda; GIS mapping", "goals": "Private goals"}])

    table = read_profiles_csv(path, taxonomy)

    record = table.records["ada@lib.org"]
    assert record["skills"] == {"rda": 2}
    assert record["learn"] == ("sql",)
    assert record["teach"] == ("rda",)
    assert table.skill_warnings == [
        RowError(2, "skills", "MARK 21=3", "unknown skill 'MARK 21', left out; did you mean 'MARC 21'?"),
        RowError(2, "learn", "Pyhton", "unknown skill 'Pyhton', wish left out; did you mean 'Python'?"),
        RowError(2, "learn", "zzqx", "unknown skill 'zzqx', wish left out; see the taxonomy "
                                     f"({taxonomy.source}) for the skill names"),
        RowError(2, "teach", "GIS mapping", "unknown skill 'GIS mapping', left out; did you mean "
                                            "'GIS' or 'Metadata crosswalks' or 'Born-digital processing'?"),
    ]


def test_skill_warnings_quote_the_cell_and_no_other_personal_data(write_csv, taxonomy):
    path = write_csv([{"email": "ada.secret@lib.org", "name": "Ada Secret", "department": "Hidden",
                       "skills": "MARK 21=3", "learn": "Pyhton", "goals": "confidential goals",
                       "bio": "private bio"}])

    text = "\n".join(str(w) for w in read_profiles_csv(path, taxonomy).skill_warnings)

    for personal in ("ada.secret", "Ada Secret", "Hidden", "confidential", "private"):
        assert personal not in text
    assert "MARK 21=3" in text and "Pyhton" in text


def test_an_ambiguous_spelling_is_read_as_its_usual_meaning_with_a_warning(write_csv, taxonomy):
    path = write_csv([{"email": "ada@lib.org", "name": "Ada", "skills": "ROR=3; DC=2"}])

    table = read_profiles_csv(path, taxonomy)

    assert table.records["ada@lib.org"]["skills"] == {"ror_registry": 3, "dublin_core": 2}
    assert [w.reason for w in table.skill_warnings] == [
        "'ROR' could name 'Research Organization Registry' or 'Ruby on Rails'; read as "
        "'Research Organization Registry'",
        "'DC' could name 'Dublin Core' or 'Digital Commons'; read as 'Dublin Core'",
    ]


def test_an_ambiguous_spelling_without_a_usual_meaning_is_left_out(write_csv, taxonomy):
    path = write_csv([{"email": "ada@lib.org", "name": "Ada", "skills": "classification=4",
                       "learn": "call numbers; rda"}])

    table = read_profiles_csv(path, taxonomy)

    assert table.records["ada@lib.org"]["skills"] == {}
    assert table.records["ada@lib.org"]["learn"] == ("rda",)
    assert table.skill_warnings == [
        RowError(2, "skills", "classification=4", "'classification' could name 'LC Classification' "
                 "or 'Dewey Decimal Classification'; left out: write the one you mean"),
        RowError(2, "learn", "call numbers", "'call numbers' could name 'LC Classification' or "
                 "'Dewey Decimal Classification'; wish left out: write the one you mean"),
    ]


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("skills", "ROR=3", "'ROR' could name 'Research Organization Registry' or 'Ruby on Rails'; "
                        "write the one you mean"),
    ("learn", "Pyhton", "unknown skill 'Pyhton'; did you mean 'Python'?"),
])
def test_strict_refuses_unknown_and_ambiguous_skills(write_csv, taxonomy, column, value, reason):
    path = write_csv([{"email": "ada@lib.org", "name": "Ada", column: value}])

    assert errors_of(path, taxonomy) == [RowError(2, column, value, reason)]


def test_a_partial_read_drops_the_warnings_of_the_rows_it_leaves_out(write_csv, taxonomy):
    path = write_csv([
        {"email": "ada@lib.org", "name": "Ada", "learn": "Pyhton"},
        {"email": "ben@lib.org", "name": "Ben", "learn": "Pyhton", "capacity": "11"},
    ])

    table = read_profiles_csv(path, taxonomy, partial=True)

    assert [(e.row, e.column) for e in table.errors] == [(3, "capacity")]
    assert [(w.row, w.column) for w in table.skill_warnings] == [(2, "learn")]


def test_level_words_and_hyphenated_ids(write_csv, taxonomy):
    path = write_csv([{"email": "ada@lib.org", "name": "Ada",
                       "skills": "marc21=intermediate; rda=Fluent; python=beginner; "
                                 "dublin-core=advanced; sql=basic; ils-migration=expert"}])

    table = read_profiles_csv(path, taxonomy)

    assert table.records["ada@lib.org"]["skills"] == {
        "marc21": 2, "rda": 3, "python": 1, "dublin_core": 3, "sql": 1, "ils_migration": 4}
    assert table.skill_warnings == []
