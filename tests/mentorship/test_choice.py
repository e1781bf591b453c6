"""Choice rounds: suggestions, requests that hold a place under concurrency, expiry, and the fill
around the accepted pairs equal to the engine's own optimum with those pairs locked."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict, InvalidInput, PermissionDenied
from mentorship.mail import OutboxMessage
from mentorship.migrate import upgrade_database
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.operations import import_profiles, register_person
from mentorship.rounds.choice import (
    accept_request,
    choice_window,
    close_choice,
    decline_request,
    expire_requests,
    mentor_requests,
    my_choices,
    open_choice,
    request_mentor,
)
from mentorship.rounds.models import Match, MatchStatus, PairRule, Round, RoundStatus, Suggestion
from mentorship.rounds.operations import create_round, publish_round, unlock_pair
from mentorship.rounds.run import compute_round, preview_round, read_round_inputs
from tests.conftest import run_at_once

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"
CHOICE = {"selection": "choice", "suggestions": 3, "accept_days": 7}


def person(db, taxonomy, who, **fields):
    return register_person(db, None, {"email": f"{who}@x.org", "name": who.title(), **fields},
                           taxonomy)


def mentor(db, taxonomy, who, capacity=1, **fields):
    return person(db, taxonomy, who, role="mentor", capacity=str(capacity),
                  skills="MARC 21=4; RDA=4", teach="MARC 21; RDA", goals=f"{who} goals", **fields)


def mentee(db, taxonomy, who, **fields):
    return person(db, taxonomy, who, role="mentee", skills="MARC 21=0", learn="MARC 21",
                  goals="Learn cataloguing", **fields)


def suggestion_of(db, round_id, mentee_id, mentor_id):
    return db.scalar(select(Suggestion.id).where(
        Suggestion.round_id == round_id, Suggestion.mentee_id == mentee_id,
        Suggestion.mentor_id == mentor_id))


@pytest.fixture
def small(db, taxonomy):
    """Two mentors (capacity 1 and 2) and four mentees who all want MARC 21; the round open."""
    people = {name: mentor(db, taxonomy, name, capacity)
              for name, capacity in (("mina", 1), ("mo", 2))}
    people |= {name: mentee(db, taxonomy, name) for name in ("ann", "bob", "cy", "dee")}
    current = create_round(db, None, "Choice", settings=CHOICE)
    open_choice(db, None, current.id, taxonomy=taxonomy)
    return db, current.id, {name: p.id for name, p in people.items()}


def test_settings_default_to_coordinator_led_and_are_checked(db):
    assert "selection" not in create_round(db, None, "Plain").settings
    with pytest.raises(InvalidInput) as error:
        create_round(db, None, "Bad", settings={"selection": "lottery", "suggestions": 9,
                                                "accept_days": 0})
    assert {e.column for e in error.value.errors} == {"selection", "suggestions", "accept_days"}
    with pytest.raises(InvalidInput, match="not valid"):
        create_round(db, None, "Peer", mode="peer", settings={"selection": "choice"})


def test_opening_suggests_eligible_mentors_best_first_with_reasons(small, taxonomy):
    db, round_id, ids = small
    assert db.get(Round, round_id).status == RoundStatus.CHOOSING
    ann = db.get(Person, ids["ann"])
    [choice] = my_choices(db, ann, taxonomy=taxonomy)
    assert {s.mentor.id for s in choice.suggestions} == {ids["mina"], ids["mo"]}
    scores = [s.suggestion.score for s in choice.suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(s.reasons and s.reasons[0]["text"] for s in choice.suggestions)
    assert choice.request is None
    # A coordinator-led round has no window to open; an open one cannot be previewed.
    with pytest.raises(Conflict, match="not a choice round"):
        open_choice(db, None, create_round(db, None, "Plain").id, taxonomy=taxonomy)
    with pytest.raises(Conflict):
        preview_round(db, None, round_id, taxonomy=taxonomy)


def test_a_request_holds_the_place_and_one_per_mentee(small, taxonomy):
    db, round_id, ids = small
    ann, bob = db.get(Person, ids["ann"]), db.get(Person, ids["bob"])
    request = request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mina"]))
    assert request.status == MatchStatus.REQUESTED
    assert request.expires_at - request.requested_at == timedelta(days=7)
    [mail] = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "choice_request")).all()
    assert mail.email == "mina@x.org" and "Ann chose you" in mail.text_body
    with pytest.raises(Conflict, match="one at a time"):
        request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mo"]))
    with pytest.raises(Conflict, match="no place left"):
        request_mentor(db, bob, suggestion_of(db, round_id, ids["bob"], ids["mina"]))
    [shown] = my_choices(db, bob, taxonomy=taxonomy)
    assert {s.mentor.id: s.full for s in shown.suggestions} == {ids["mina"]: True,
                                                                ids["mo"]: False}
    with pytest.raises(PermissionDenied):
        request_mentor(db, bob, suggestion_of(db, round_id, ids["ann"], ids["mo"]))
    # The mentor sees it; only they may answer.
    mina = db.get(Person, ids["mina"])
    assert [r.mentee.id for r in mentor_requests(db, mina, taxonomy=taxonomy)] == [ids["ann"]]
    with pytest.raises(PermissionDenied):
        accept_request(db, ann, request.id)
    assert accept_request(db, mina, request.id).status == MatchStatus.ACCEPTED
    with pytest.raises(Conflict, match="accepted"):
        decline_request(db, mina, request.id)
    with pytest.raises(Conflict, match="one at a time"):  # accepted counts as well
        request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mo"]))


def test_a_declined_mentee_chooses_again_but_not_the_same_mentor(small, taxonomy):
    db, round_id, ids = small
    ann, mina = db.get(Person, ids["ann"]), db.get(Person, ids["mina"])
    request = request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mina"]))
    declined = decline_request(db, mina, request.id, reason="full this term")
    assert declined.status == MatchStatus.DECLINED and declined.decline_reason == "full this term"
    with pytest.raises(Conflict, match="declined your request"):
        request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mina"]))
    again = request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mo"]))
    assert again.status == MatchStatus.REQUESTED
    [choice] = my_choices(db, ann, taxonomy=taxonomy)
    assert choice.request.id == again.id and [s for _, _, s in choice.ended] == ["declined"]
    window = choice_window(db, None, round_id)
    assert (window.pending, window.accepted, window.declined, window.expired) == (1, 0, 1, 0)


def test_an_unanswered_request_expires_frees_the_place_and_expiry_is_idempotent(small, taxonomy):
    db, round_id, ids = small
    ann, bob, mina = (db.get(Person, ids[n]) for n in ("ann", "bob", "mina"))
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    request = request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mina"]),
                             now=start)
    almost = start + timedelta(days=7) - timedelta(seconds=1)
    assert expire_requests(db, almost) == 0
    with pytest.raises(Conflict, match="no place left"):
        request_mentor(db, bob, suggestion_of(db, round_id, ids["bob"], ids["mina"]), now=almost)
    later = start + timedelta(days=7)
    # Before anyone marks it, a lapsed request already holds nothing and cannot be accepted.
    assert mentor_requests(db, mina, now=later) == []
    assert choice_window(db, None, round_id, now=later).expired == 1
    with pytest.raises(Conflict, match="expired"):
        accept_request(db, mina, request.id, now=later)
    assert expire_requests(db, later) == 0  # the refused answer marked it already
    db.refresh(request)
    assert request.status == MatchStatus.DECLINED and request.end_reason == "request_expired"
    # The mentee may choose again, the same mentor too (nobody said no).
    again = request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mina"]),
                           now=later)
    assert again.status == MatchStatus.REQUESTED
    assert expire_requests(db, later + timedelta(days=8)) == 1
    assert expire_requests(db, later + timedelta(days=8)) == 0


def test_the_fill_is_the_engines_optimum_with_the_accepted_pairs_locked(db, taxonomy):
    import_profiles(db, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
    current = create_round(db, None, "Choice", settings={**CHOICE, "min_score": 0.05})
    open_choice(db, None, current.id, taxonomy=taxonomy)
    # Five mentees request their last suggestion (not the engine's first pick); four mentors
    # accept, one request is left unanswered when the window closes.
    picks = db.execute(select(Suggestion).where(Suggestion.round_id == current.id)
                       .order_by(Suggestion.mentee_id, Suggestion.rank.desc())).scalars().all()
    chosen, seen, mentors = [], set(), set()
    for s in picks:
        if s.mentee_id not in seen and s.mentor_id not in mentors and len(chosen) < 5:
            chosen.append(s)
            mentors.add(s.mentor_id)
        seen.add(s.mentee_id)
    assert len(chosen) == 5
    requests = [request_mentor(db, db.get(Person, s.mentee_id), s.id) for s in chosen]
    for request in requests[:4]:
        accept_request(db, db.get(Person, request.mentor_id), request.id)
    accepted = sorted((r.mentor_id, r.mentee_id) for r in requests[:4])

    close_choice(db, None, current.id, taxonomy=taxonomy)
    filled = db.get(Round, current.id)
    assert filled.status == RoundStatus.PREVIEWED and filled.choice_closed_at is not None
    assert db.get(Match, requests[4].id).end_reason == "window_closed"
    locks = sorted(db.execute(select(PairRule.first_id, PairRule.second_id).where(
        PairRule.round_id == current.id, PairRule.kind == "lock")).all())
    assert locks == accepted
    stored = sorted(db.execute(select(Match.mentor_id, Match.mentee_id, Match.score).where(
        Match.round_id == current.id,
        Match.status.in_([MatchStatus.PROPOSED, MatchStatus.ACCEPTED]))).all())
    # The accepted pairs stand as accepted; each mentee has one pair.
    assert {(m, e) for m, e, _ in stored} >= set(accepted)
    assert len({e for _, e, _ in stored}) == len(stored)

    # A direct run of the engine on the same inputs with the same locks.
    inputs = read_round_inputs(db, filled)
    assert sorted(inputs.settings.locks) == sorted(
        (db.get(Person, m).email, db.get(Person, e).email) for m, e in accepted)
    direct = compute_round(inputs.profiles, inputs.settings, taxonomy)
    email = {v: k for k, v in inputs.person_id.items()}
    assert sorted((email[m], email[e]) for m, e, _ in stored) == sorted(
        (p.mentor, p.mentee) for p in direct.pairs)
    assert sum(score for *_, score in stored) == pytest.approx(sum(p.score for p in direct.pairs))

    # Reviewed and published as today: the accepted pairs stay accepted and cannot be unlocked.
    mentor_id, mentee_id = accepted[0]
    with pytest.raises(Conflict, match="accepted in the choice window"):
        unlock_pair(db, None, current.id, db.get(Person, mentor_id).email,
                    db.get(Person, mentee_id).email)
    publish_round(db, None, current.id)
    assert db.scalar(select(func.count()).select_from(Match).where(
        Match.round_id == current.id, Match.status == MatchStatus.ACCEPTED)) == 4


def test_another_round_cannot_publish_over_a_held_place(small, taxonomy):
    db, round_id, ids = small
    other = create_round(db, None, "Coordinator-led")
    preview_round(db, None, other.id, taxonomy=taxonomy)
    assert ids["mina"] in {m.mentor_id for m in db.get(Round, other.id).matches}
    ann = db.get(Person, ids["ann"])
    request_mentor(db, ann, suggestion_of(db, round_id, ids["ann"], ids["mina"]))
    with pytest.raises(Conflict, match="more live mentees than their capacity"):
        publish_round(db, None, other.id)
    # Run again, the preview counts the held place (and leaves the requesting mentee out).
    preview_round(db, None, other.id, taxonomy=taxonomy)
    again = db.get(Round, other.id).matches
    assert ids["mina"] not in {m.mentor_id for m in again}
    assert ids["ann"] not in {m.mentee_id for m in again}
    publish_round(db, None, other.id)
    # Published, that round's pairs count against the choice round's places in turn.
    paired = again[0].mentee_id
    with pytest.raises(Conflict, match="mentor already"):
        request_mentor(db, db.get(Person, paired), suggestion_of(db, round_id, paired, ids["mo"]))


@pytest.fixture
def engine(private_database):
    engine = make_engine(private_database)
    upgrade_database(engine)
    yield engine
    engine.dispose()


def test_many_mentees_requesting_the_last_place_at_once_exactly_one_wins(engine, taxonomy):
    with Session(engine) as db, db.begin():
        place = mentor(db, taxonomy, "mina", 1)
        people = [mentee(db, taxonomy, f"mentee{i}") for i in range(6)]
        current = create_round(db, None, "Choice", settings=CHOICE)
        open_choice(db, None, current.id, taxonomy=taxonomy)
        jobs = [(p.id, suggestion_of(db, current.id, p.id, place.id)) for p in people]
        round_id, mentor_id = current.id, place.id
    assert all(suggestion for _, suggestion in jobs)

    def request(person_id, suggestion_id):
        with Session(engine) as db, db.begin():
            return request_mentor(db, db.get(Person, person_id), suggestion_id).id

    outcomes = run_at_once(*[lambda p=p, s=s: request(p, s) for p, s in jobs])
    won = [o for o in outcomes if isinstance(o, int)]
    lost = [o for o in outcomes if not isinstance(o, int)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, Conflict) and "no place left" in str(o) for o in lost), outcomes
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Match).where(
            Match.round_id == round_id, Match.mentor_id == mentor_id)) == 1


def test_one_mentee_requesting_two_mentors_at_once_gets_one(engine, taxonomy):
    with Session(engine) as db, db.begin():
        mentors = [mentor(db, taxonomy, name, 1) for name in ("mina", "mo")]
        ann = mentee(db, taxonomy, "ann")
        current = create_round(db, None, "Choice", settings=CHOICE)
        open_choice(db, None, current.id, taxonomy=taxonomy)
        jobs = [suggestion_of(db, current.id, ann.id, m.id) for m in mentors]
        ann_id = ann.id

    def request(suggestion_id):
        with Session(engine) as db, db.begin():
            return request_mentor(db, db.get(Person, ann_id), suggestion_id).id

    for _ in range(3):
        outcomes = run_at_once(*[lambda s=s: request(s) for s in jobs])
        assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
        assert any(isinstance(o, Conflict) and "one at a time" in str(o) for o in outcomes)
        with Session(engine) as db, db.begin():
            assert db.scalar(select(func.count()).select_from(Match).where(
                Match.mentee_id == ann_id, Match.status == MatchStatus.REQUESTED)) == 1
            for match in db.scalars(select(Match).where(Match.mentee_id == ann_id)):
                db.delete(match)


def test_the_command_line_opens_closes_and_expires(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from mentorship.cli import cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, [str(a) for a in args])

    assert run("import", EXAMPLE).exit_code == 0
    created = run("round", "create", "Choice", "--choice", "--accept-days", "3")
    assert created.exit_code == 0, created.output
    assert run("round", "preview", 1).exit_code == 2  # a choice round opens its window instead
    opened = run("round", "open-choice", 1)
    assert opened.exit_code == 0 and "window is open" in opened.stdout
    assert run("round", "expire-requests").stdout == "0 requests expired\n"
    closed = run("round", "close-choice", 1)
    assert closed.exit_code == 0, closed.output
    report = json.loads(run("round", "export", 1).stdout)
    assert report["status"] == "previewed" and report["pairs"]
    assert report["settings"] == {**report["settings"], "selection": "choice", "accept_days": 3}
    again = run("round", "close-choice", 1)
    assert again.exit_code == 2 and "not open" in again.stderr
