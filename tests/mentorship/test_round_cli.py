"""The database commands of the CLI: rounds and a person's data, with clear errors."""

import json
from pathlib import Path

from click.testing import CliRunner

from mentorship.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"


def test_round_lifecycle_and_person_data(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, [str(a) for a in args])

    assert run("import", EXAMPLE).exit_code == 0
    created = run("round", "create", "Spring term", "--min-score", "0.1")
    assert created.exit_code == 0 and "round 1 created" in created.stdout
    previewed = run("round", "preview", 1)
    assert previewed.exit_code == 0 and "round 1 previewed" in previewed.stdout
    assert run("round", "publish", 1).exit_code == 0
    again = run("round", "publish", 1)
    assert again.exit_code == 2
    assert "round 1 is published, not previewed" in again.stderr
    assert "Traceback" not in again.output

    exported = json.loads(run("round", "export", 1).stdout)
    assert exported["status"] == "published" and exported["pairs"]
    assert all(pair["score"] >= 0.1 for pair in exported["pairs"])
    mentee = exported["pairs"][0]["mentee"]

    person = json.loads(run("person", "export", mentee).stdout)
    assert person["person"]["email"] == mentee and person["matches"]
    assert run("person", "delete", "--yes", mentee).exit_code == 0
    after = json.loads(run("round", "export", 1).stdout)
    assert mentee not in json.dumps(after)
    assert len(after["pairs"]) == len(exported["pairs"])

    assert run("round", "close", 1).exit_code == 0
    missing = run("round", "show", 99)
    assert missing.exit_code == 2 and "no round 99" in missing.stderr
    bad = run("round", "create", "X", "--min-score", "nan")
    assert bad.exit_code == 2


def test_queue_and_worker_need_redis(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("REDIS_URL", raising=False)
    runner = CliRunner()
    queued = runner.invoke(cli, ["round", "preview", "1", "--queue"])
    assert queued.exit_code == 2 and "needs REDIS_URL" in queued.stderr
    worker = runner.invoke(cli, ["worker", "--burst"])
    assert worker.exit_code == 2 and "REDIS_URL is not set" in worker.stderr


def test_a_failed_preview_is_one_clear_error_and_can_run_again(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text("categories:\n  - id: a\n    name: A\n    skills:\n"
                    "      - id: marc21\n        name: MARC 21\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(EXAMPLE)]).exit_code == 0
    assert runner.invoke(cli, ["round", "create", "X"]).exit_code == 0
    failed = runner.invoke(cli, ["round", "preview", "1", "--taxonomy", str(tiny)])
    assert failed.exit_code == 2
    assert "round 1 failed: the pool does not fit the taxonomy" in failed.stderr
    assert "Traceback" not in failed.output
    shown = runner.invoke(cli, ["round", "show", "1"])
    assert "failed" in shown.stdout and "unknown skill" in shown.stdout
    again = runner.invoke(cli, ["round", "preview", "1"])
    assert again.exit_code == 0 and "round 1 previewed" in again.stdout
