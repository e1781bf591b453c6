"""The commands with a column map: `mentorship map`, `import --map` and `match --map`."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from mentorship.cli import cli
from mentorship.people.models import Person

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXPORT = EXAMPLES / "forms_export.csv"
MAP = EXAMPLES / "forms_map.yaml"


def invoke(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def export_as_xlsx(tmp_path) -> Path:
    """The example export as a workbook whose first sheet is not the answers."""
    book = openpyxl.Workbook()
    book.active.title = "About"
    book.active.append(["This workbook holds the sign-up answers"])
    answers = book.create_sheet("Form Responses 1")
    with EXPORT.open(encoding="utf-8") as source:
        for row in csv.reader(source):
            answers.append([int(cell) if cell.isdigit() else cell for cell in row])
    path = tmp_path / "forms_export.xlsx"
    book.save(path)
    return path


def test_map_prints_a_guessed_map_to_edit():
    result = invoke("map", EXPORT)
    assert result.exit_code == 0, result.output
    guessed = yaml.safe_load(result.stdout)
    assert guessed["columns"] == yaml.safe_load(MAP.read_text(encoding="utf-8"))["columns"]
    assert guessed["timestamp"] == "Timestamp" and guessed["teach_level"] == 3
    assert guessed["values"]["role"] == {"I'd like a mentor": "mentee",
                                         "I'd like to mentor": "mentor"}


def test_map_reads_a_named_sheet(tmp_path):
    workbook = export_as_xlsx(tmp_path)
    result = invoke("map", workbook, "--sheet", "Form Responses 1")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["columns"]["email"] == "Email Address"
    first = invoke("map", workbook)  # the first sheet has no form's headers
    assert first.exit_code == 0 and "email" not in yaml.safe_load(first.stdout)["columns"]


def test_match_with_a_map_reads_the_forms_export():
    result = invoke("match", EXPORT, "--map", MAP)
    assert result.exit_code == 0, result.output
    assert "Jun Park    Amal Haddad" in result.stdout
    assert "row 2: replaced by the later answer on row 8 (the same email)" in result.stderr


def test_match_with_a_bad_map_fails_with_the_reason(tmp_path):
    bad = tmp_path / "map.yaml"
    bad.write_text("columns: {email: Email Address, name: Your name, department: Team}\n",
                   encoding="utf-8")
    result = invoke("match", EXPORT, "--map", bad)
    assert result.exit_code == 2
    assert "the column map does not fit the file" in result.stderr
    assert "the map's header 'Team' for department is not in the file" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("colums: {}\n", encoding="utf-8")
    result = invoke("match", EXPORT, "--map", broken)
    assert result.exit_code == 2 and "a 'columns' section" in result.stderr


def test_import_with_a_map_from_csv_then_xlsx(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = invoke("import", EXPORT, "--map", MAP)
    assert result.exit_code == 0, result.output
    assert "6 created, 0 updated" in result.stdout
    assert "manager dean@westbrook.edu is not in the file or the database" in result.stderr
    again = invoke("import", export_as_xlsx(tmp_path), "--map", MAP, "--sheet", "Form Responses 1")
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated" in again.stdout
    with create_engine(url).connect() as connection:
        people = dict(connection.execute(select(Person.email, Person.name)).all())
    assert len(people) == 8  # six in the file and two managers who take no part
    assert people["dean@westbrook.edu"] == "dean@westbrook.edu"


def test_import_with_an_unknown_sheet_names_the_sheets(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    result = invoke("import", export_as_xlsx(tmp_path), "--map", MAP, "--sheet", "Answers")
    assert result.exit_code == 2
    assert "its sheets are: About, Form Responses 1" in result.stderr
    assert "nothing was imported" in result.stderr


def test_map_lists_the_answers_that_name_no_skill_without_guessing():
    result = invoke("map", EXPORT)
    tail = result.stdout.split("nothing is guessed:", 1)[1]
    assert '"Cloud (AWS)": did you mean \'Amazon Web Services\'?' in tail
    assert '"Linked data (RDF, SPARQL)": did you mean' in tail
    assert "skills" not in yaml.safe_load(result.stdout).get("values", {})
