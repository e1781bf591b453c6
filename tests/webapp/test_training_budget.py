"""The training budget: the Skills page, its CSV download and the CLI show the same table.

Two databases of their own (no web seed): the hand-made pool of tests/matching/test_budget.py,
where every cause occurs (its counts worked out by hand there and below), and the demo's 150
synthetic staff with their published round.
"""

from __future__ import annotations

import csv
import html as html_module
import io
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mentorship.cli import cli
from mentorship.core.db import make_engine, make_session_factory
from mentorship.demo.seed import DEMO_COORDINATOR, seed_demo
from mentorship.demo.synthetic import CSV_COLUMNS, generate_staff
from mentorship.migrate import upgrade_database
from mentorship.people.accounts import set_password, set_roles
from mentorship.people.models import Person
from mentorship.profiles.operations import register_person
from mentorship.rounds.models import Match
from mentorship.rounds.operations import create_round, remove_pair
from mentorship.rounds.run import preview_round
from tests.conftest import own_database
from tests.webapp.conftest import PASSWORD, csrf_token, make_test_app

COORDINATOR = {"email": "coordinator@lib.org", "name": "Cora", "department": "Learning",
               "role": "both", "capacity": "0"}
# The pool of tests/matching/test_budget.py as profile rows (managers before their staff).
POOL = [
    {"email": "ada@lib.org", "name": "Ada", "department": "Cataloguing", "role": "mentor",
     "capacity": "1", "skills": "alma=4"},
    {"email": "ben@lib.org", "name": "Ben", "department": "Systems", "role": "mentee",
     "skills": "alma=2", "learn": "alma"},
    {"email": "cal@lib.org", "name": "Cal", "department": "Systems", "role": "mentee",
     "learn": "alma; python"},
    {"email": "dee@lib.org", "name": "Dee", "department": "Digital", "role": "mentor",
     "capacity": "2", "skills": "folio=4; dspace=4", "teach": "folio"},
    {"email": "eve@lib.org", "name": "Eve", "department": "Digital", "role": "mentee",
     "learn": "folio; sparql"},
    {"email": "fay@lib.org", "name": "Fay", "department": "Digital", "role": "mentor",
     "capacity": "1", "skills": "sparql=4"},
    {"email": "gus@lib.org", "name": "Gus", "department": "Systems", "role": "mentee",
     "learn": "dspace"},
    {"email": "hal@lib.org", "name": "Hal", "department": "Cataloguing", "role": "mentee",
     "skills": "dspace=3"},
    {"email": "jon@lib.org", "name": "Jon", "department": "Systems", "role": "mentor",
     "capacity": "1", "skills": "linux=4"},
    {"email": "ivy@lib.org", "name": "Ivy", "department": "Systems", "role": "mentee",
     "learn": "linux", "manager_email": "jon@lib.org"},
]
HEAD = ["Wants", "Demand", "Met", "Teachers full", "Free teacher", "Rules exclude",
        "Not offered", "Nobody has it"]
EXPECTED_SKILLS = [
    ["Skill", *HEAD, "Colleagues", "Main action"],
    ["Alma", "2", "2.00", "1.00", "1.00", "0.00", "0.00", "0.00", "0.00", "0",
     "recruit mentors or run a group session"],
    ["DSpace", "1", "1.00", "0.00", "0.00", "0.00", "0.00", "1.00", "0.00", "2",
     "ask the 2 colleagues who could teach it"],
    ["Linux administration", "1", "1.00", "0.00", "0.00", "0.00", "1.00", "0.00", "0.00", "0",
     "look in another team (the rules exclude every teacher)"],
    ["Python", "1", "0.50", "0.00", "0.00", "0.00", "0.00", "0.00", "0.50", "0", "buy training"],
    ["SPARQL", "1", "0.50", "0.00", "0.00", "0.50", "0.00", "0.00", "0.00", "0",
     "reassign (review the round)"],
    ["FOLIO", "1", "1.00", "1.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0", "none: met"],
]
EXPECTED_DEPARTMENTS = [
    ["Department", *HEAD, "Main action"],
    ["Systems", "5", "4.50", "1.00", "1.00", "0.00", "1.00", "1.00", "0.50",
     "recruit mentors or run a group session"],
    ["Digital", "2", "1.50", "1.00", "0.00", "0.50", "0.00", "0.00", "0.00",
     "reassign (review the round)"],
]


def _build_pool(url: str, taxonomy) -> None:
    engine = make_engine(url)
    upgrade_database(engine)
    with make_session_factory(engine)() as db:
        for row in POOL:
            register_person(db, None, row, taxonomy)
        _coordinator(db, register_person(db, None, COORDINATOR, taxonomy).id)
        budget_round = create_round(db, None, "Budget")
        preview_round(db, None, budget_round.id, taxonomy=taxonomy)
        db.commit()
    engine.dispose()


def _build_demo(url: str, taxonomy) -> None:
    engine = make_engine(url)
    upgrade_database(engine)
    with make_session_factory(engine)() as db:
        seed_demo(db, taxonomy)  # the demo's coordinator is coordinator and admin already
        set_password(db, None, db.scalar(select(Person.id).where(
            Person.email == DEMO_COORDINATOR["email"])), PASSWORD)
        db.commit()
    engine.dispose()


def _coordinator(db, person_id: int) -> None:
    set_roles(db, None, person_id, coordinator=True, admin=False)
    set_password(db, None, person_id, PASSWORD)
    db.commit()


@pytest.fixture(scope="module", params=["pool", "demo"])
def pool(request, database_url, tmp_path_factory, taxonomy):
    """(kind, database url, profile CSV of the same people, coordinator email, match options)."""
    folder = tmp_path_factory.mktemp(f"budget-{request.param}")
    with own_database(database_url, folder, f"budget_{request.param}") as url:
        if request.param == "pool":
            _build_pool(url, taxonomy)
            rows, coordinator, options = [*POOL, COORDINATOR], COORDINATOR["email"], []
        else:
            _build_demo(url, taxonomy)
            rows = [*generate_staff(150, seed=2026), DEMO_COORDINATOR]
            coordinator, options = DEMO_COORDINATOR["email"], ["--min-score", "0.1"]
        path = folder / "people.csv"
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows({column: row.get(column, "") for column in CSV_COLUMNS}
                             for row in rows)
        app = make_test_app(url, folder)
        yield request.param, url, path, coordinator, options, app
        app.extensions["mentorship.engine"].dispose()


def _signed_in(app, address: str):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": address, "password": PASSWORD,
                                             "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    return client


def _page_table(page: str, table_id: str) -> list[list[str]]:
    """The cells of a table of the page, head row first."""
    table = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', page, re.S).group(1)
    return [[html_module.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def _csv_tables(text: str) -> tuple[list[list[str]], list[list[str]]]:
    """The skill and department rows of the budget CSV, as the page's tables."""
    head, *rows = list(csv.reader(io.StringIO(text)))
    assert head[:2] == ["scope", "name"]
    skills = [["Skill", *head[2:]]] + [row[1:] for row in rows if row[0] == "skill"]
    departments = [["Department", *head[2:-2], head[-1]]] + [
        row[1:-2] + row[-1:] for row in rows if row[0] == "department"]
    return skills, departments


def _text_tables(output: str) -> tuple[list[list[str]], list[list[str]]]:
    """The skill and department tables of the CLI's text (columns apart by 2+ spaces)."""
    lines = output[output.index("Training budget ("):].splitlines()
    tables, current = [], None
    for line in lines[1:]:
        if set(line.strip()) <= {"-", " "} and line.strip():
            continue  # the rule under a head row
        if line.startswith("  ") and not line.startswith("  …") and re.search(r"\S  +\S", line):
            if current is None:
                current = []
                tables.append(current)
            current.append(re.split(r"  +", line.strip()))
        else:
            current = None
    return tables[0], tables[1]


def test_page_csv_and_cli_show_the_same_table(pool, monkeypatch, tmp_path):
    kind, url, people_csv, coordinator, options, app = pool
    client = _signed_in(app, coordinator)
    page = client.get("/coordinator/skills").get_data(as_text=True)
    page_skills = _page_table(page, "budget-skills")
    page_departments = _page_table(page, "budget-departments")
    download = client.get("/coordinator/skills/budget.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert _csv_tables(download.get_data(as_text=True)) == (page_skills, page_departments)

    monkeypatch.setenv("DATABASE_URL", url)
    round_id = re.search(r'href="/coordinator/skills/budget.csv\?round=(\d+)"', page).group(1)
    stored = CliRunner().invoke(cli, ["round", "budget", round_id])
    assert stored.exit_code == 0, stored.output
    assert _text_tables(stored.stdout) == (page_skills, page_departments)
    stored_csv = CliRunner().invoke(cli, ["round", "budget", round_id, "--format", "csv"])
    assert stored_csv.stdout == download.get_data(as_text=True)

    # The offline engine on a profile file of the same people: the same table again.
    budget_file = tmp_path / "budget.csv"
    offline = CliRunner().invoke(cli, ["match", str(people_csv), *options,
                                       "--budget-csv", str(budget_file)])
    assert offline.exit_code == 0, offline.output
    assert budget_file.read_text(encoding="utf-8") == download.get_data(as_text=True)
    skills, departments = _text_tables(offline.stdout)
    assert skills == page_skills[:13] and departments == page_departments
    if kind == "pool":
        assert page_skills == EXPECTED_SKILLS
        assert page_departments == EXPECTED_DEPARTMENTS
    else:  # the demo: a budget with more than one cause, and a chart of the table's numbers
        causes = {cell for row in page_skills[1:] for cell in row[-1:]}
        assert len(causes) >= 3
    chart = re.search(r'<svg role="img" aria-labelledby="budget-chart-title.*?</svg>', page, re.S)
    assert chart and 'class="bar budget-met"' in chart.group(0)
    assert not re.search(r"\sstyle=|<script", page)


def test_a_round_is_chosen_by_id_and_an_unknown_one_is_404(pool):
    _, _, _, coordinator, _, app = pool
    client = _signed_in(app, coordinator)
    page = client.get("/coordinator/skills").get_data(as_text=True)
    round_id = re.search(r'href="/coordinator/skills/budget.csv\?round=(\d+)"', page).group(1)
    assert client.get(f"/coordinator/skills?round={round_id}").status_code == 200
    assert client.get("/coordinator/skills?round=99999").status_code == 404
    assert client.get("/coordinator/skills?round=abc").status_code == 404
    assert client.get("/coordinator/skills/budget.csv?round=99999").status_code == 404


def test_the_cli_names_a_round_without_a_budget(pool, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", pool[1])
    missing = CliRunner().invoke(cli, ["round", "budget", "99999"])
    assert missing.exit_code == 2
    assert missing.stderr == "error: no round 99999 with computed pairs\n"


def test_the_page_follows_a_new_preview_and_says_when_there_is_no_round(private_database,
                                                                        tmp_path, taxonomy):
    engine = make_engine(private_database)
    upgrade_database(engine)
    with make_session_factory(engine)() as db:
        for row in POOL:
            register_person(db, None, row, taxonomy)
        _coordinator(db, register_person(db, None, COORDINATOR, taxonomy).id)
    app = make_test_app(private_database, tmp_path)
    try:
        client = _signed_in(app, COORDINATOR["email"])
        page = client.get("/coordinator/skills").get_data(as_text=True)
        assert "No round has pairs yet." in page and 'id="budget-skills"' not in page
        assert client.get("/coordinator/skills/budget.csv").status_code == 404

        with make_session_factory(engine)() as db:
            budget_round = create_round(db, None, "Budget")
            preview_round(db, None, budget_round.id, taxonomy=taxonomy)
            db.commit()
        alma = {row[0]: row for row in _page_table(
            client.get("/coordinator/skills").get_data(as_text=True), "budget-skills")}["Alma"]
        assert alma[1:4] == ["2", "2.00", "1.00"] and alma[4] == "1.00"  # Ben: Ada is full

        # Remove Ada and Cal's pair and compute again: Ada teaches Ben, the avoid rule keeps
        # her from Cal, and nobody else teaches Alma.
        with make_session_factory(engine)() as db:
            match = db.scalar(select(Match).where(Match.round_id == budget_round.id,
                                                  Match.mentor_id == _id(db, "ada@lib.org")))
            assert match.mentee_id == _id(db, "cal@lib.org")
            remove_pair(db, None, budget_round.id, match.id)
            preview_round(db, None, budget_round.id, taxonomy=taxonomy)
            db.commit()
        alma = {row[0]: row for row in _page_table(
            client.get("/coordinator/skills").get_data(as_text=True), "budget-skills")}["Alma"]
        assert alma[1:] == ["2", "2.00", "1.00", "0.00", "0.00", "1.00", "0.00", "0.00", "0",
                            "look in another team (the rules exclude every teacher)"]
    finally:
        app.extensions["mentorship.engine"].dispose()
        engine.dispose()


def _id(db, address: str) -> int:
    return db.scalar(select(Person.id).where(Person.email == address))
