"""The `mentorship match` command: output formats, side files, rules and input errors.

The pool below is small enough to work the optimum out by hand (no goals or bios, so scores are
the skill value alone: a first want d levels up is worth (7 + d) / 8 / 2.0625):

    ben (MARC 21 aware) with ada (MARC 21 expert) 0.6061, with cal (MARC 21 proficient) 0.5455
    dee (RDA aware) with ada (RDA proficient) 0.5455; cal does not teach RDA
    eve wants Python, which nobody teaches

Ada takes one mentee, so the best total is ada-dee + cal-ben = 1.091 (ada-ben alone 0.6061).
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from mentorship.cli import cli

POOL = [
    {"email": "ada@lib.org", "name": "Ada", "role": "mentor", "capacity": "1",
     "skills": "marc21=4; rda=3"},
    {"email": "ben@lib.org", "name": "Ben", "role": "mentee", "skills": "marc21=1", "learn": "marc21"},
    {"email": "cal@lib.org", "name": "Cal", "role": "mentor", "capacity": "1", "skills": "marc21=3"},
    {"email": "dee@lib.org", "name": "Dee", "role": "mentee", "skills": "rda=1", "learn": "rda"},
    {"email": "eve@lib.org", "name": "Eve", "role": "mentee", "learn": "python"},
]
BEST_PAIRS = {("ada@lib.org", "dee@lib.org"), ("cal@lib.org", "ben@lib.org")}


def run(*args: object) -> Result:
    """Invoke `mentorship match` with the given arguments."""
    return CliRunner().invoke(cli, ["match", *map(str, args)])


def run_json(*args: object) -> dict:
    """Invoke `mentorship match --format json` and return the parsed result."""
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def mentor_pairs(data: dict) -> set[tuple[str, str]]:
    """Return the (mentor, mentee) pairs of a JSON result."""
    return {(pair["mentor"], pair["mentee"]) for pair in data["pairs"]}


def assert_input_error(result: Result) -> None:
    """Assert a clean exit 2: an `error:` line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: ")
    assert result.stdout == ""
    assert "Traceback" not in result.output


@pytest.fixture
def pool_csv(write_csv):
    """Return the path of the hand-worked pool described at the top of this module."""
    return write_csv(POOL)


@pytest.fixture
def pairs_file(tmp_path):
    """Return a function that writes an avoid or lock CSV of email pairs."""

    def write(rows: list[tuple[str, str]], *, name: str, header: bool = True):
        path = tmp_path / name
        lines = ["first,second"] if header else []
        path.write_text("\n".join([*lines, *(",".join(row) for row in rows)]) + "\n",
                        encoding="utf-8")
        return path

    return write


# --- output ------------------------------------------------------------------------------


def test_table_lists_pairs_with_reasons(pool_csv):
    result = run(pool_csv)

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Mentor mode: 2 of 3 mentees matched with 2 mentors"
    ben = next(line for line in lines if line.startswith("Ben "))
    assert "Cal " in ben
    assert "0.545" in ben  # MARC 21 is Ben's first want, two levels up: 1.125 / 2.0625
    assert "MARC 21 (want 1): mentor proficient (3), mentee aware (1)" in ben
    dee = next(line for line in lines if line.startswith("Dee "))
    assert "Ada " in dee
    assert "RDA (want 1): mentor proficient (3), mentee aware (1)" in dee
    assert "Mentees without a mentor (1):" in lines
    assert ("  Eve <eve@lib.org>: nobody taking mentees teaches what they want (Python) above their "
            "level") in lines
    assert ("    - nobody in the pool rates Python 3 or more above their level: look outside "
            "(training, another library)") in lines
    assert "Summary:" in lines


def test_match_pauses_the_garbage_collector_only_while_it_runs(pool_csv, monkeypatch):
    seen = []
    from mentorship.rounds import compute as round_compute

    compute = round_compute.compute_round

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return compute(*args, **kwargs)

    monkeypatch.setattr(round_compute, "compute_round", spy)
    assert gc.isenabled()
    assert run(pool_csv).exit_code == 0
    assert run("missing.csv").exit_code == 2  # and after an input error too
    assert seen == [False]
    assert gc.isenabled()


def test_json_result(pool_csv):
    data = run_json(pool_csv)

    assert set(data) == {"mode", "pairs", "unmatched", "summary", "skills"}
    assert data["mode"] == "mentor"
    assert mentor_pairs(data) == BEST_PAIRS
    ben = next(pair for pair in data["pairs"] if pair["mentee"] == "ben@lib.org")
    assert {"mentor", "mentee", "score", "reasons", "alternatives"} <= set(ben)
    assert ben["score"] == pytest.approx(0.5455)
    assert ben["reasons"] == [{"code": "skill", "skill": "marc21", "mentor_level": 3,
                               "mentee_level": 1, "rank": 1,
                               "text": "MARC 21 (want 1): mentor proficient (3), mentee aware (1)"}]
    assert ben["alternatives"] == [{"mentor": "ada@lib.org", "score": pytest.approx(0.6061)}]
    assert ben["locked"] is False
    eve = next(entry for entry in data["unmatched"] if entry["email"] == "eve@lib.org")
    assert eve == {
        "email": "eve@lib.org", "side": "mentee",
        "reason": {"code": "no_teacher", "wants": ["python"], "mode": "mentor",
                   "text": "nobody taking mentees teaches what they want (Python) above their "
                           "level"},
        "details": [{"code": "nobody_has", "skill": "python",
                     "text": "nobody in the pool rates Python 3 or more above their level: look "
                             "outside (training, another library)"}],
    }
    assert [e["side"] for e in data["unmatched"]].count("mentee") == 1
    assert data["summary"]["matched"] == 2
    assert data["summary"]["total_score"] == pytest.approx(1.091)
    assert all(set(entry) == {"skill", "demand", "supply", "met"} for entry in data["skills"])
    skills = {entry["skill"]: (entry["demand"], entry["supply"], entry["met"])
              for entry in data["skills"]}
    assert skills == {"marc21": (1, 2, 1), "rda": (1, 1, 1), "python": (1, 0, 0)}


def test_csv_result(pool_csv):
    result = run(pool_csv, "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["mentor_email", "mentor_name", "mentee_email", "mentee_name", "score",
                             "locked", "reasons", "alternatives", "reason_codes"]
    assert {(row["mentor_email"], row["mentee_email"]) for row in rows} == BEST_PAIRS
    ben = next(row for row in rows if row["mentee_email"] == "ben@lib.org")
    assert ben["mentor_name"] == "Cal"
    assert ben["mentee_name"] == "Ben"
    assert ben["score"] == "0.545"
    assert ben["reasons"] == "MARC 21 (want 1): mentor proficient (3), mentee aware (1)"
    assert json.loads(ben["reason_codes"]) == [{"code": "skill", "skill": "marc21",
                                                "mentor_level": 3, "mentee_level": 1, "rank": 1}]
    assert ben["alternatives"] == "ada@lib.org (0.606)"


def test_peer_mode_pairs_people_who_teach_each_other(write_csv):
    path = write_csv([
        {"email": "pat@lib.org", "name": "Pat", "skills": "marc21=4", "learn": "python"},
        {"email": "quinn@lib.org", "name": "Quinn", "skills": "python=4", "learn": "marc21"},
        {"email": "ros@lib.org", "name": "Ros", "skills": "rda=4", "learn": "python"},
    ])

    data = run_json(path, "--mode", "peer")

    assert data["mode"] == "peer"
    assert [pair["people"] for pair in data["pairs"]] == [["pat@lib.org", "quinn@lib.org"]]
    assert [r["text"] for r in data["pairs"][0]["reasons"]] == [
        "Quinn teaches Pat Python (want 1): expert (4) vs none (0)",
        "Pat teaches Quinn MARC 21 (want 1): expert (4) vs none (0)",
    ]
    assert data["pairs"][0]["reasons"][0]["teacher"] == "quinn@lib.org"
    assert [entry["email"] for entry in data["unmatched"]] == ["ros@lib.org"]


def test_peer_mode_table_and_csv(write_csv):
    path = write_csv([
        {"email": "pat@lib.org", "name": "Pat", "skills": "marc21=4", "learn": "python"},
        {"email": "quinn@lib.org", "name": "Quinn", "skills": "python=4", "learn": "marc21"},
    ])

    table = run(path, "--mode", "peer")
    spreadsheet = run(path, "--mode", "peer", "--format", "csv")

    assert table.exit_code == 0, table.output
    assert table.stdout.startswith("Peer mode: 1 pairs of 2 people\n")
    assert spreadsheet.exit_code == 0, spreadsheet.output
    [row] = csv.DictReader(io.StringIO(spreadsheet.stdout))
    assert (row["person_a_email"], row["person_b_email"]) == ("pat@lib.org", "quinn@lib.org")


def test_out_writes_the_file(pool_csv, tmp_path):
    out = tmp_path / "result.json"

    result = run(pool_csv, "--format", "json", "--out", out)

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote 2 pairs to {out}\n"
    assert mentor_pairs(json.loads(out.read_text(encoding="utf-8"))) == BEST_PAIRS


def test_extra_column_warns_on_stderr(write_csv):
    path = write_csv([{**row, "pronouns": ""} for row in POOL])

    result = run(path)

    assert result.exit_code == 0, result.output
    assert result.stderr == f"warning: {path}: ignored column(s) not in the format: pronouns\n"


# --- bad input ---------------------------------------------------------------------------


def test_bad_csv_reports_every_row_and_writes_nothing(write_csv, tmp_path):
    path = write_csv([
        *POOL,
        {"email": "fay@lib.org", "name": "Fay", "skills": "MARK 21=3"},
        {"email": "gus@lib.org", "name": "Gus", "capacity": "11"},
    ])
    out = tmp_path / "result.json"

    result = run(path, "--out", out, "--strict")

    assert_input_error(result)
    assert result.stderr.splitlines() == [
        f"error: {path}: 2 problem(s) in the profile file",
        "  row 7, column skills, value 'MARK 21=3': unknown skill 'MARK 21'; did you mean 'MARC 21'?",
        "  row 8, column capacity, value '11': must be a whole number 0-10",
    ]
    assert not out.exists()


def test_an_unknown_skill_is_a_warning_and_the_round_runs(write_csv):
    path = write_csv([
        *POOL,
        {"email": "fay@lib.org", "name": "Fay Secret", "role": "mentee", "skills": "MARK 21=1",
         "learn": "Pyhton; marc21", "goals": "private goals"},
    ])

    result = run(path, "--format", "json")

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {path}: 2 skill name(s) not taken as written; the rest of each row is kept "
        "(--strict refuses the file instead)",
        "  row 7, column skills, value 'MARK 21=1': unknown skill 'MARK 21', left out; did you "
        "mean 'MARC 21'?",
        "  row 7, column learn, value 'Pyhton': unknown skill 'Pyhton', wish left out; did you "
        "mean 'Python'?",
    ]
    data = json.loads(result.stdout)
    assert any(pair["mentee"] == "fay@lib.org" for pair in data["pairs"])  # her marc21 wish


def test_strict_refuses_what_the_default_warns_about(write_csv):
    path = write_csv([*POOL, {"email": "fay@lib.org", "name": "Fay", "learn": "ROR"}])

    assert run(path).exit_code == 0
    strict = run(path, "--strict")

    assert_input_error(strict)
    assert strict.stderr.splitlines() == [
        f"error: {path}: 1 problem(s) in the profile file",
        "  row 7, column learn, value 'ROR': 'ROR' could name 'Research Organization Registry' "
        "or 'Ruby on Rails'; write the one you mean",
    ]


def test_unknown_profile_file(tmp_path):
    missing = tmp_path / "nowhere.csv"

    result = run(missing)

    assert_input_error(result)
    assert result.stderr.startswith(f"error: {missing}: unreadable\n")
    assert "cannot read the file: No such file or directory" in result.stderr


def test_avoid_file_with_unknown_email_names_the_row(pool_csv, pairs_file, tmp_path):
    avoid = pairs_file([("ada@lib.org", "dee@lib.org"), ("cal@lib.org", "zed@lib.org")],
                       name="avoid.csv")
    out = tmp_path / "result.csv"

    result = run(pool_csv, "--avoid", avoid, "--out", out)

    assert_input_error(result)
    assert result.stderr.splitlines() == [
        f"error: {avoid}: 1 problem(s) in the avoid list",
        "  row 3, column 2, value 'zed@lib.org': not a person in the profile file (avoid list)",
    ]
    assert not out.exists()


@pytest.mark.parametrize("header", [True, False])
def test_avoided_pair_is_never_proposed(pool_csv, pairs_file, header):
    avoid = pairs_file([("DEE@lib.org", "ada@lib.org")], name="avoid.csv", header=header)

    data = run_json(pool_csv, "--avoid", avoid)

    assert ("ada@lib.org", "dee@lib.org") not in mentor_pairs(data)
    assert mentor_pairs(data) == {("ada@lib.org", "ben@lib.org")}
    dee = next(entry for entry in data["unmatched"] if entry["email"] == "dee@lib.org")
    assert dee["reason"]["text"] == "all 1 eligible candidates excluded (avoid list 1)"
    assert dee["reason"]["rules"] == {"avoid": 1}


def test_avoid_previous_does_not_repeat_earlier_pairs(pool_csv, tmp_path):
    earlier = tmp_path / "round1.json"
    assert run(pool_csv, "--format", "json", "--out", earlier).exit_code == 0
    assert mentor_pairs(json.loads(earlier.read_text(encoding="utf-8"))) == BEST_PAIRS

    data = run_json(pool_csv, "--avoid-previous", earlier)

    assert mentor_pairs(data).isdisjoint(BEST_PAIRS)
    assert mentor_pairs(data) == {("ada@lib.org", "ben@lib.org")}


def test_avoid_previous_that_is_not_a_result(pool_csv, tmp_path):
    earlier = tmp_path / "round1.json"
    earlier.write_text('{"matches": []}', encoding="utf-8")

    result = run(pool_csv, "--avoid-previous", earlier)

    assert_input_error(result)
    assert result.stderr.startswith(f"error: {earlier}: not a result file\n")


def test_lock_keeps_the_locked_pair(pool_csv, pairs_file):
    lock = pairs_file([("ada@lib.org", "ben@lib.org")], name="lock.csv")

    data = run_json(pool_csv, "--lock", lock)

    # Without the lock the optimum pairs Ada with Dee; the lock overrides it.
    assert mentor_pairs(data) == {("ada@lib.org", "ben@lib.org")}
    [pair] = data["pairs"]
    assert pair["locked"] is True
    assert pair["reasons"][0] == {"code": "locked", "text": "locked by the coordinator"}
    assert data["summary"]["locked"] == 1


def test_lock_that_breaks_the_manager_rule_exits_2(write_csv, pairs_file):
    path = write_csv([
        {"email": "ada@lib.org", "name": "Ada", "role": "mentor", "skills": "marc21=4"},
        {"email": "ben@lib.org", "name": "Ben", "role": "mentee", "manager_email": "ada@lib.org",
         "skills": "marc21=1", "learn": "marc21"},
    ])
    lock = pairs_file([("ada@lib.org", "ben@lib.org")], name="lock.csv")

    result = run(path, "--lock", lock)

    assert_input_error(result)
    assert result.stderr.splitlines() == [
        f"error: {lock}: locked pairs break the rules",
        "  row 2, value 'ada@lib.org,ben@lib.org': ada@lib.org and ben@lib.org may not be paired "
        "(manager rule)",
    ]


SAME_MANAGER_POOL = [
    {"email": "boss@lib.org", "name": "Boss", "role": "mentor", "capacity": "0"},
    {"email": "ada@lib.org", "name": "Ada", "role": "mentor", "manager_email": "boss@lib.org",
     "skills": "marc21=4"},
    {"email": "ben@lib.org", "name": "Ben", "role": "mentee", "manager_email": "boss@lib.org",
     "skills": "marc21=1", "learn": "marc21"},
]


def test_same_manager_pair_is_excluded_by_default(write_csv):
    data = run_json(write_csv(SAME_MANAGER_POOL))

    assert data["pairs"] == []
    ben = next(entry for entry in data["unmatched"] if entry["email"] == "ben@lib.org")
    assert ben["reason"]["text"] == "all 1 eligible candidates excluded (same-manager rule 1)"


def test_allow_same_manager_allows_the_pair(write_csv):
    data = run_json(write_csv(SAME_MANAGER_POOL), "--allow-same-manager")

    assert mentor_pairs(data) == {("ada@lib.org", "ben@lib.org")}


def test_min_score_drops_pairs_below_it(pool_csv):
    data = run_json(pool_csv, "--min-score", "0.6")

    assert mentor_pairs(data) == {("ada@lib.org", "ben@lib.org")}
    assert all(pair["score"] >= 0.6 for pair in data["pairs"])
    dee = next(entry for entry in data["unmatched"] if entry["email"] == "dee@lib.org")
    assert dee["reason"]["text"] == "all 1 candidates score below the threshold 0.6 (best 0.545)"


@pytest.mark.parametrize("value", ["1.5", "-0.1", "high"])
def test_min_score_out_of_range_is_a_usage_error(pool_csv, value):
    result = run(pool_csv, "--min-score", value)

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "--min-score" in result.stderr


def test_fair_in_peer_mode_exits_2(pool_csv):
    result = run(pool_csv, "--fair", "--mode", "peer")

    assert_input_error(result)
    assert result.stderr == "error: --fair applies to mentor mode only\n"


def test_fair_in_mentor_mode_runs(pool_csv):
    data = run_json(pool_csv, "--fair")

    assert data["summary"]["fair_threshold"] is not None
    assert data["summary"]["matched"] >= 1


def test_missing_taxonomy_file_exits_2(pool_csv, tmp_path):
    missing = tmp_path / "no-such-skills.yaml"

    result = run(pool_csv, "--taxonomy", missing)

    assert_input_error(result)
    assert result.stderr == f"error: cannot read taxonomy {missing}: No such file or directory\n"


def test_malformed_taxonomy_exits_2(pool_csv, tmp_path):
    broken = tmp_path / "skills.yaml"
    broken.write_text("skills: [marc21]\n", encoding="utf-8")

    result = run(pool_csv, "--taxonomy", broken)

    assert_input_error(result)
    assert result.stderr == f"error: {broken}: expected a mapping with a 'categories' list\n"


def test_custom_taxonomy(write_csv, tmp_path):
    taxonomy = tmp_path / "skills.yaml"
    taxonomy.write_text(yaml.safe_dump({"categories": [{
        "id": "makerspace",
        "name": "Makerspace",
        "skills": [
            {"id": "printing_3d", "name": "3D printing", "aliases": ["3D printers"]},
            {"id": "laser_cutting", "name": "Laser cutting"},
        ],
    }]}), encoding="utf-8")
    path = write_csv([
        {"email": "ada@lib.org", "name": "Ada", "role": "mentor", "skills": "3D Printers=expert"},
        {"email": "ben@lib.org", "name": "Ben", "role": "mentee", "learn": "printing_3d"},
    ])

    data = run_json(path, "--taxonomy", taxonomy)

    assert mentor_pairs(data) == {("ada@lib.org", "ben@lib.org")}
    assert [r["text"] for r in data["pairs"][0]["reasons"]] == [
        "3D printing (want 1): mentor expert (4), mentee none (0)"]
    assert data["skills"] == [{"skill": "printing_3d", "demand": 1, "supply": 1, "met": 1}]


def test_custom_taxonomy_replaces_the_default(pool_csv, tmp_path):
    taxonomy = tmp_path / "skills.yaml"
    taxonomy.write_text(yaml.safe_dump({"categories": [{
        "id": "makerspace", "name": "Makerspace",
        "skills": [{"id": "printing_3d", "name": "3D printing"}],
    }]}), encoding="utf-8")

    result = run(pool_csv, "--taxonomy", taxonomy, "--strict")

    assert_input_error(result)
    assert "  row 2, column skills, value 'marc21=4; rda=3': unknown skill 'marc21'" in result.stderr


@pytest.mark.parametrize("option", ["--text-weight", "--min-score"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_numbers_are_input_errors(pool_csv, option, value):
    result = run(pool_csv, option, value)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert option in result.stderr


def test_oversized_cell_is_an_input_error(write_text):
    path = write_text("email,name,bio\nada@lib.org,Ada," + "x" * 200_000 + "\n")
    result = run(path)
    assert result.exit_code == 2
    assert "not readable as CSV" in result.stderr


def test_the_readmes_bad_file_example_is_what_the_command_prints(monkeypatch):
    """The README shows the errors for examples/bad.csv: they are the command's own words."""
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    result = run("examples/bad.csv", "--strict")
    assert result.exit_code == 2
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = readme.split("error: examples/bad.csv:", 1)[1].split("```", 1)[0]
    assert result.stderr == "error: examples/bad.csv:" + shown


def test_the_readmes_warning_example_is_what_the_command_prints(monkeypatch, tmp_path):
    """Without --strict, the unknown skill of examples/bad.csv is the README's warning."""
    root = Path(__file__).resolve().parents[2]
    fixed = tmp_path / "bad.csv"  # the file with its other problem (row 7's manager) mended
    fixed.write_text((root / "examples" / "bad.csv").read_text(encoding="utf-8")
                     .replace("fay.nguyen@,", ","), encoding="utf-8")
    result = run(fixed)
    assert result.exit_code == 0, result.output
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = readme.split("warning: examples/bad.csv:", 1)[1].split("```", 1)[0]
    assert result.stderr == f"warning: {fixed}:" + shown


FACTOR_POOL = [
    {"email": "ada@lib.org", "name": "Ada", "department": "Systems", "role": "mentor",
     "skills": "marc21=4", "time_zone": "Europe/Berlin", "years_experience": "3"},
    {"email": "ben@lib.org", "name": "Ben", "department": "Systems", "role": "mentee",
     "skills": "marc21=1", "learn": "marc21", "time_zone": "America/New_York",
     "years_experience": "12"},
]


def test_factor_flags_reach_the_engine(write_csv):
    path = write_csv(FACTOR_POOL)
    default = run_json(path)
    assert mentor_pairs(default) == {("ada@lib.org", "ben@lib.org")}
    assert ("reverse mentoring: the mentor has fewer years of experience (3) than the mentee (12)"
            in [r["text"] for r in default["pairs"][0]["reasons"]])
    refused = run_json(path, "--department", "require", "--max-time-zone-hours", "2")
    ben = next(entry for entry in refused["unmatched"] if entry["email"] == "ben@lib.org")
    assert ben["reason"]["text"] == ("all 1 eligible candidates excluded "
                                     "(same-department rule 1, time-zone rule 1)")
    assert not run_json(path, "--experience", "ignore")["pairs"][0]["reasons"][1:]


@pytest.mark.parametrize("args", [("--department", "always"), ("--max-time-zone-hours", "13"),
                                  ("--preference-weight", "-1"), ("--preference-weight", "5"),
                                  ("--management-chain", "skip")])
def test_bad_factor_flags_are_usage_errors(pool_csv, args):
    result = run(pool_csv, *args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert args[0] in result.output


def loaded_by(statement: str, modules: tuple[str, ...]) -> list[str]:
    """Return which of `modules` a fresh Python has loaded after running `statement`."""
    code = f"import sys; {statement}; print(' '.join(m for m in {modules!r} if m in sys.modules))"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    return done.stdout.split()


def test_the_command_line_starts_without_the_heavy_libraries():
    """`mentorship --help` and every command's start-up load none of the numerical, web or
    database libraries (about a second together); a command imports what it uses."""
    heavy = ("numpy", "scipy", "sklearn", "pandas", "flask", "sqlalchemy")
    assert loaded_by("import webapp.cli", heavy) == []


def test_match_runs_without_the_database_or_web_libraries(pool_csv):
    """What `mentorship match` imports (the file, the engine, the reports) leaves out
    SQLAlchemy and Flask: a third of a second of its start-up."""
    statement = ("from mentorship.cli import cli; from click.testing import CliRunner; "
                 f"assert CliRunner().invoke(cli, ['match', {str(pool_csv)!r}]).exit_code == 0")
    assert loaded_by(statement, ("sqlalchemy", "flask")) == []


# --- run as the program: the file read in a forked copy, the end without teardown --------


def as_program(*args: object, before: str = "") -> subprocess.CompletedProcess:
    """Run `mentorship ARGS` as its own process, the way the installed command starts, after
    the Python statements `before`."""
    root = Path(__file__).resolve().parents[2]
    code = f"{before}\nimport sys; from webapp.cli import main; sys.argv[0] = 'mentorship'; main()"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, check=False, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})


@pytest.mark.parametrize("output", ["table", "json", "csv"])
def test_the_program_prints_what_the_command_prints_in_process(pool_csv, output):
    done = as_program("match", pool_csv, "--format", output)
    assert done.returncode == 0, done.stderr
    assert done.stdout == run(pool_csv, "--format", output).stdout
    assert done.stdout  # flushed before the process ended


def test_the_program_writes_the_whole_out_file(pool_csv, tmp_path):
    out = tmp_path / "pairs.json"
    done = as_program("match", pool_csv, "--format", "json", "--out", out)
    assert done.returncode == 0, done.stderr
    assert mentor_pairs(json.loads(out.read_text(encoding="utf-8"))) == BEST_PAIRS
    assert done.stderr == f"wrote 2 pairs to {out}\n"


def test_the_program_reports_every_bad_row_read_in_its_copy(write_csv):
    path = write_csv([*POOL, {"email": "not-an-email", "name": "X", "role": "mentee"},
                      {"email": "ann@lib.org", "name": "Ann", "role": "mentor",
                       "capacity": "lots"}])
    done = as_program("match", path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == run(path).stderr
    assert "row 7, column email" in done.stderr and "row 8, column capacity" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_program_reads_in_a_copy_and_ends_without_teardown(pool_csv):
    """The two things that make the program faster than the command in a test's process."""
    before = "\n".join([
        "import atexit, os, sys",
        "import mentorship.core.forked",
        "from mentorship.core.forked import ForkedCall",
        "class Seen(ForkedCall):",
        "    def result(self):",
        "        table = super().result()",
        "        print(f'read in {self._process.pid != os.getpid()}', file=sys.stderr)",
        "        return table",
        "mentorship.core.forked.ForkedCall = Seen",
        "atexit.register(lambda: print('torn down', file=sys.stderr))",
    ])
    done = as_program("match", pool_csv, "--format", "json", before=before)
    assert done.returncode == 0, done.stderr
    assert mentor_pairs(json.loads(done.stdout)) == BEST_PAIRS
    assert done.stderr == "read in True\n"  # and the exit handlers never ran
