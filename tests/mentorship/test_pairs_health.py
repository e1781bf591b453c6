"""Check-ins, surveys with the level update, and the dashboard's figures against their data."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorship.core.audit import AuditEvent
from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mentorship.migrate import upgrade_database
from mentorship.pairs_health.checkins import check_in_prompts, pairs_health, record_check_in
from mentorship.pairs_health.dashboard import (
    FeedbackFacts,
    PairFacts,
    figures_csv,
    programme_figures,
    programme_health,
)
from mentorship.pairs_health.feedback import (
    feedback_due,
    skills_learnt,
    skills_worked_on,
    submit_feedback,
    survey_for,
)
from mentorship.pairs_health.models import CheckIn, Feedback
from mentorship.pairs_health.rule import Answer, Health
from mentorship.people.models import Person
from mentorship.profiles.models import ProfileSkill
from mentorship.profiles.operations import register_person
from mentorship.rounds.models import Match, MatchStatus, Round
from mentorship.rounds.operations import close_round, create_round, publish_round
from mentorship.rounds.pairs import accept_match
from mentorship.rounds.run import preview_round

PUBLISHED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

PEOPLE = {
    "mina": {"role": "mentor", "capacity": "2", "skills": "MARC 21=4; RDA=4",
             "teach": "MARC 21; RDA"},
    "eli": {"role": "mentee", "skills": "MARC 21=1", "learn": "MARC 21; RDA"},
    "sam": {"role": "mentee", "skills": "RDA=1", "learn": "RDA"},
    "cora": {"role": "both"},
}


def people(db, taxonomy) -> dict[str, Person]:
    made = {}
    for name, fields in PEOPLE.items():
        made[name] = register_person(db, None, {"email": f"{name}@lib.org",
                                                "name": name.title(), **fields}, taxonomy)
    made["cora"].is_coordinator = True
    db.flush()
    return made


@pytest.fixture
def pool(db, taxonomy):
    """Mina mentors Eli and Sam in the published round "Spring" (published 2 March 2026)."""
    who = people(db, taxonomy)
    spring = create_round(db, None, "Spring")
    preview_round(db, None, spring.id, taxonomy=taxonomy)
    publish_round(db, None, spring.id)
    db.get(Round, spring.id).published_at = PUBLISHED
    db.flush()
    pairs = {db.get(Person, m.mentee_id).email.split("@")[0]: m
             for m in db.get(Round, spring.id).matches}
    assert set(pairs) == {"eli", "sam"}
    return who, spring.id, pairs


def days(n: float) -> datetime:
    return PUBLISHED + timedelta(days=n)


def test_only_a_live_pairs_members_check_in_once_a_period(db, pool):
    who, _, pairs = pool
    eli = pairs["eli"]
    with pytest.raises(Conflict, match="only an accepted pair"):
        record_check_in(db, who["eli"], eli.id, {"answer": "met"}, now=days(3))
    accept_match(db, who["eli"], eli.id)
    with pytest.raises(PermissionDenied):
        record_check_in(db, who["sam"], eli.id, {"answer": "met"}, now=days(3))
    with pytest.raises(PermissionDenied):
        record_check_in(db, who["cora"], eli.id, {"answer": "met"}, now=days(3))
    first = record_check_in(db, who["eli"], eli.id, {"answer": "met", "note": " coffee "},
                            now=days(3))
    again = record_check_in(db, who["eli"], eli.id, {"answer": "need_help"}, now=days(20))
    assert first.created and not again.created
    assert again.check_in.id == first.check_in.id and again.check_in.answer == "met"
    assert first.check_in.period == 1 and first.check_in.note == "coffee"
    # Period 2 begins four weeks after publication (the default interval).
    later = record_check_in(db, who["eli"], eli.id, {"answer": "not_yet"}, now=days(28))
    assert later.created and later.check_in.period == 2
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 2
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "match.check_in")) == 2


def test_a_bad_check_in_says_which_field(db, pool):
    who, _, pairs = pool
    accept_match(db, who["eli"], pairs["eli"].id)
    with pytest.raises(InvalidInput) as caught:
        record_check_in(db, who["eli"], pairs["eli"].id,
                        {"answer": "maybe", "note": "x" * 2001}, now=days(3))
    assert {e.column for e in caught.value.errors} == {"answer", "note"}
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_prompts_appear_for_each_period_until_answered(db, pool, monkeypatch):
    who, _, pairs = pool
    assert check_in_prompts(db, who["mina"], now=days(3)) == []  # nothing accepted yet
    accept_match(db, who["eli"], pairs["eli"].id)
    [prompt] = check_in_prompts(db, who["mina"], now=days(3))
    assert prompt.match.id == pairs["eli"].id and [p.name for p in prompt.others] == ["Eli"]
    assert (prompt.period, prompt.begins, prompt.ends) == (1, PUBLISHED, days(28))
    record_check_in(db, who["mina"], pairs["eli"].id, {"answer": "met"}, now=days(3))
    assert check_in_prompts(db, who["mina"], now=days(27)) == []
    assert len(check_in_prompts(db, who["eli"], now=days(27))) == 1   # Eli has not answered
    assert check_in_prompts(db, who["mina"], now=days(29))[0].period == 2
    monkeypatch.setenv("MENTORSHIP_CHECK_IN_WEEKS", "1")
    assert check_in_prompts(db, who["mina"], now=days(29))[0].period == 5


def test_coordinators_see_health_and_a_digest_of_pairs_needing_attention(db, pool):
    who, _, pairs = pool
    for name in ("eli", "sam"):
        accept_match(db, who[name], pairs[name].id)
    record_check_in(db, who["eli"], pairs["eli"].id, {"answer": "met"}, now=days(2))
    record_check_in(db, who["sam"], pairs["sam"].id, {"answer": "need_help", "note": "stuck"},
                    now=days(2))
    with pytest.raises(PermissionDenied):
        pairs_health(db, who["eli"], now=days(3))
    health = {row.match.id: row.health for row in pairs_health(db, who["cora"], now=days(3))}
    assert health == {pairs["eli"].id: Health.ON_TRACK, pairs["sam"].id: Health.ASKED_FOR_HELP}
    [digest] = pairs_health(db, who["cora"], now=days(3), attention_only=True)
    assert digest.match.id == pairs["sam"].id and [c.note for c in digest.latest] == ["stuck"]
    # Three months on (period 4), nobody has met since period 1: Eli's pair has gone quiet.
    later = {row.match.id: row.health for row in pairs_health(db, None, now=days(90))}
    assert later[pairs["eli"].id] == Health.INACTIVE


def test_the_survey_opens_when_the_pair_ends_and_updates_levels_on_confirmation(
        db, pool, taxonomy):
    who, spring, pairs = pool
    eli_pair = pairs["eli"]
    assert skills_worked_on(eli_pair, who["eli"].id) == ["marc21", "rda"]
    assert skills_worked_on(eli_pair, who["mina"].id) == []
    # A pair whose reasons name no skill (stored before reasons were data): the learner's wants.
    eli_pair.reasons, reasons = [{"code": "text", "text": "Good fit"}], eli_pair.reasons
    assert skills_learnt(db, eli_pair, who["eli"].id) == ["marc21", "rda"]
    assert skills_learnt(db, eli_pair, who["mina"].id) == []
    eli_pair.reasons = reasons
    survey = survey_for(db, who["eli"], eli_pair.id)
    assert not survey.is_open and survey.skills == (("marc21", 1), ("rda", 0))
    with pytest.raises(Conflict, match="opens when it ends"):
        submit_feedback(db, who["eli"], eli_pair.id, {"rating": 5, "again": True})
    with pytest.raises(PermissionDenied):
        survey_for(db, who["cora"], eli_pair.id)
    accept_match(db, who["eli"], eli_pair.id)
    close_round(db, None, spring)
    assert {s.match.id for s in feedback_due(db, who["eli"])} == {eli_pair.id}

    with pytest.raises(InvalidInput) as caught:
        submit_feedback(db, who["eli"], eli_pair.id, {
            "rating": "6", "again": "perhaps", "levels": {"marc21": "9", "sparql": "2"}})
    assert {e.column for e in caught.value.errors} == {
        "rating", "again", "levels", "level-marc21", "level-rda"}
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0

    answer = submit_feedback(db, who["eli"], eli_pair.id, {
        "rating": "4", "worked": "Weekly catalogue reviews", "again": "yes",
        "levels": {"marc21": "3", "rda": "2"}, "apply_levels": True})
    assert answer.skill_levels == {"marc21": {"before": 1, "after": 3},
                                   "rda": {"before": 0, "after": 2}}
    assert answer.levels_applied and answer.side == "mentee"
    levels = dict(db.execute(select(ProfileSkill.skill_id, ProfileSkill.level).where(
        ProfileSkill.person_id == who["eli"].id)).all())
    assert levels["marc21"] == 3 and levels["rda"] == 2
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "profile.levels"))
    assert event.target_id == str(who["eli"].id)
    assert event.details == {"source": "feedback", "levels": {"marc21": [1, 3], "rda": [0, 2]}}
    assert feedback_due(db, who["eli"]) == []
    with pytest.raises(Conflict, match="already answered"):
        submit_feedback(db, who["eli"], eli_pair.id, {"rating": 1, "again": False})

    # Without the tick the levels are kept in the answer only; the mentor rates no skills.
    sam_pair = pairs["sam"]
    kept = submit_feedback(db, who["sam"], sam_pair.id, {
        "rating": 2, "again": False, "levels": {"rda": 3}})
    assert not kept.levels_applied
    assert db.scalar(select(ProfileSkill.level).where(
        ProfileSkill.person_id == who["sam"].id, ProfileSkill.skill_id == "rda")) == 1
    mentor = submit_feedback(db, who["mina"], eli_pair.id, {"rating": 5, "again": True})
    assert mentor.side == "mentor" and mentor.skill_levels == {}


def test_dashboard_figures_from_hand_built_facts():
    now = datetime(2026, 4, 1, tzinfo=UTC)             # period 5 of 1-week pairs
    start = datetime(2026, 3, 2, tzinfo=UTC)
    pairs = [
        # accepted after 1 day, both met in week 1 and one says so in week 5: on track
        PairFacts("accepted", start, start + timedelta(days=1), 2, 1, (
            Answer(1, 1, "met", start), Answer(2, 1, "met", start), Answer(1, 5, "met", now))),
        # accepted after 3 days, asked for help in week 5
        PairFacts("active", start, start + timedelta(days=3), 2, 1, (
            Answer(3, 5, "need_help", now),)),
        # accepted after 10 days, silent since: inactive
        PairFacts("accepted", start, start + timedelta(days=10), 2, 1, ()),
        # accepted after 2 days, ended; no longer checked in on
        PairFacts("ended", start, start + timedelta(days=2), 2, 1, ()),
        PairFacts("declined", start, None, 2, 1, ()),
        PairFacts("proposed", start, None, 2, 1, ()),   # waiting: out of the rate
        PairFacts("ended", start, None, 1, 1, ()),      # lapsed unanswered
    ]
    feedback = [
        FeedbackFacts("mentee", 5, True, {"marc21": {"before": 1, "after": 3},
                                          "rda": {"before": 2, "after": 2}}),
        FeedbackFacts("mentee", 3, False, {"marc21": {"before": 0, "after": 1}}),
        FeedbackFacts("mentor", 4, True),
    ]
    figures = programme_figures(pairs, feedback, now)
    assert (figures.pairs, figures.accepted, figures.declined, figures.waiting) == (7, 4, 1, 1)
    assert figures.acceptance_rate == pytest.approx(4 / 6)
    assert figures.median_days_to_accept == pytest.approx(2.5)     # of 1, 2, 3, 10
    # Three live pairs, two members, five periods each: 30 due; 3 distinct answers given.
    assert (figures.check_ins_due, figures.check_ins_given) == (30, 4)
    assert figures.check_in_rate == pytest.approx(4 / 30)
    assert figures.health == {"on_track": 1, "needs_check_in": 0, "inactive": 1,
                              "asked_for_help": 1}
    assert figures.at_risk == 2
    assert figures.responses == 3 and figures.mean_rating == pytest.approx(4.0)
    assert figures.would_again_share == pytest.approx(2 / 3)
    assert figures.by_side["mentee"] == {"responses": 2, "mean_rating": 4.0,
                                         "would_again_share": 0.5}
    assert figures.ratings == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert [(g.skill, g.rated, g.gained, g.levels_gained) for g in figures.skills] == [
        ("marc21", 2, 2, 3), ("rda", 1, 0, 0)]


def test_an_ended_pair_keeps_its_check_ins_and_its_call_for_help():
    now = datetime(2026, 4, 1, tzinfo=UTC)             # period 5 of 1-week pairs
    start = datetime(2026, 3, 2, tzinfo=UTC)
    pairs = [
        # ended in week 2, after one "met" each in week 1 and a call for help in week 2
        PairFacts("ended", start, start + timedelta(days=1), 2, 1, (
            Answer(1, 1, "met", start), Answer(2, 1, "met", start),
            Answer(2, 2, "need_help", start + timedelta(days=8))),
            ended_at=start + timedelta(days=10)),
        # ended in week 3 with a "met" after its call for help: not asking any more
        PairFacts("ended", start, start + timedelta(days=1), 2, 1, (
            Answer(3, 2, "need_help", start + timedelta(days=8)),
            Answer(3, 3, "met", start + timedelta(days=15))),
            ended_at=start + timedelta(days=16)),
        PairFacts("ended", start, None, 2, 1, ()),      # ended unanswered: owed nothing
    ]
    figures = programme_figures(pairs, [], now)
    # Two members owe one a week up to the week their pair ended: 2 * 2 + 2 * 3.
    assert (figures.check_ins_due, figures.check_ins_given) == (10, 5)
    assert figures.ended_asking_help == 1
    assert sum(figures.health.values()) == 0 and figures.at_risk == 0


def test_ending_a_pair_that_asked_for_help_keeps_it_in_the_figures(db, pool, taxonomy):
    from mentorship.rounds.lifecycle import end_pair

    who, _, pairs = pool
    accept_match(db, who["eli"], pairs["eli"].id)
    record_check_in(db, who["eli"], pairs["eli"].id, {"answer": "met"}, now=days(1))
    record_check_in(db, who["mina"], pairs["eli"].id, {"answer": "need_help"}, now=days(2))
    before = programme_health(db, who["cora"], now=days(3))
    assert (before.check_ins_due, before.check_ins_given) == (2, 2)
    assert before.at_risk == 1 and before.ended_asking_help == 0
    end_pair(db, who["mina"], pairs["eli"].id, note="We could not find the time.")
    db.scalar(select(AuditEvent).where(AuditEvent.action == "match.end")).at = days(3)
    db.flush()
    after = programme_health(db, who["cora"], now=days(60))
    assert (after.check_ins_due, after.check_ins_given) == (2, 2)
    assert after.at_risk == 0 and after.ended_asking_help == 1
    assert after.ended_asking_help_ids == (pairs["eli"].id,)
    assert "pairs ended asking for help,,1" in figures_csv(after, taxonomy)


def test_empty_figures_have_no_rates():
    figures = programme_figures([], [], datetime(2026, 4, 1, tzinfo=UTC))
    assert figures.acceptance_rate is None and figures.check_in_rate is None
    assert figures.median_days_to_accept is None and figures.mean_rating is None


def test_dashboard_figures_from_the_database_match_its_data(db, pool, taxonomy):
    who, spring, pairs = pool
    accept_match(db, who["eli"], pairs["eli"].id)
    # The acceptance happened two days after publication.
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "match.accept"))
    event.at = days(2)
    db.flush()
    record_check_in(db, who["eli"], pairs["eli"].id, {"answer": "met"}, now=days(3))
    record_check_in(db, who["mina"], pairs["eli"].id, {"answer": "met"}, now=days(3))
    figures = programme_health(db, who["cora"], now=days(30))      # period 2
    assert (figures.pairs, figures.accepted, figures.waiting) == (2, 1, 1)
    assert figures.acceptance_rate == 1.0
    assert figures.median_days_to_accept == pytest.approx(2.0)
    assert (figures.check_ins_due, figures.check_ins_given) == (4, 2)
    assert figures.health["on_track"] == 1 and figures.at_risk == 0
    with pytest.raises(PermissionDenied):
        programme_health(db, who["eli"])

    db.get(Match, pairs["sam"].id).status = MatchStatus.DECLINED
    close_round(db, None, spring)
    submit_feedback(db, who["eli"], pairs["eli"].id, {
        "rating": 4, "again": True, "levels": {"marc21": 3, "rda": 1}})
    figures = programme_health(db, None, now=days(30))
    assert (figures.accepted, figures.declined, figures.acceptance_rate) == (1, 1, 0.5)
    # The round closed after days(30): the ended pair's check-ins stay in the rate.
    assert (figures.check_ins_due, figures.check_ins_given) == (4, 2)
    assert figures.responses == 1
    assert [(g.skill, g.gained, g.levels_gained) for g in figures.skills] == [
        ("marc21", 1, 2), ("rda", 1, 1)]
    table = figures_csv(figures, taxonomy)
    assert table.splitlines()[0] == "figure,group,value"
    assert "acceptance rate,,0.500" in table and "skill levels gained,MARC 21,2" in table


@pytest.fixture
def committed(private_database, taxonomy):
    """A committed database with Mina's accepted pair with Eli (threads need commits)."""
    engine = make_engine(private_database)
    upgrade_database(engine)
    with Session(engine) as db, db.begin():
        who = people(db, taxonomy)
        spring = create_round(db, None, "Spring")
        preview_round(db, None, spring.id, taxonomy=taxonomy)
        publish_round(db, None, spring.id)
        match = next(m for m in db.get(Round, spring.id).matches if m.mentee_id == who["eli"].id)
        accept_match(db, who["eli"], match.id)
        ids = who["eli"].id, match.id
    yield engine, ids
    engine.dispose()


def test_a_double_click_from_two_threads_records_one_check_in(committed):
    engine, (eli, match) = committed
    barrier = threading.Barrier(4)
    outcomes = []

    def click():
        barrier.wait()
        with Session(engine) as db, db.begin():
            actor = db.get(Person, eli)
            outcomes.append(record_check_in(db, actor, match, {"answer": "met"}).created)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_prompts_and_the_digest_go_to_the_outbox_once(db, pool):
    from mentorship.mail.models import OutboxMessage
    from mentorship.pairs_health.reminders import send_reminders

    who, _, pairs = pool
    for name in ("eli", "sam"):
        accept_match(db, who[name], pairs[name].id)
    record_check_in(db, who["eli"], pairs["eli"].id, {"answer": "met"}, now=days(1))
    record_check_in(db, who["sam"], pairs["sam"].id, {"answer": "need_help", "note": "stuck"},
                    now=days(1))
    who["mina"].mail_reminders = False
    with pytest.raises(PermissionDenied):
        send_reminders(db, who["eli"], now=days(2))
    first = send_reminders(db, who["cora"], now=days(2))
    again = send_reminders(db, None, now=days(2) + timedelta(hours=3))
    assert (first.prompts, first.digests) == (0, 1)     # Eli and Sam answered; Mina opted out
    assert (again.prompts, again.digests) == (0, 0)
    nextperiod = send_reminders(db, None, now=days(29))
    assert (nextperiod.prompts, nextperiod.digests) == (2, 1)   # period 2; a new day
    mails = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    prompts = [m for m in mails if m.kind == "check_in_prompt"]
    assert sorted(m.email for m in prompts) == ["eli@lib.org", "sam@lib.org"]
    assert {m.dedupe_key for m in prompts} == {
        f"check-in:{pairs['eli'].id}:{who['eli'].id}:2",
        f"check-in:{pairs['sam'].id}:{who['sam'].id}:2"}
    assert "Check-in: how is it going with Mina?" in {m.subject for m in prompts}
    assert "/matches" in prompts[0].text_body
    digest = next(m for m in mails if m.kind == "health_digest")
    assert digest.email == "cora@lib.org" and digest.subject == "1 mentoring pair needs attention"
    assert "Mina and Sam (Spring): asked for help" in digest.text_body and "stuck" in digest.text_body
    assert ": we need help \"stuck\"" in digest.text_body
    assert ": we need help “stuck”" in digest.html_body


def test_a_programmes_setting_sets_the_check_in_interval(db, pool):
    from mentorship.programmes.models import Programme
    from mentorship.programmes.schemas import load_programme

    who, spring, pairs = pool
    accept_match(db, who["eli"], pairs["eli"].id)
    programme = db.get(Programme, db.get(Round, spring).programme_id)
    programme.settings = {"check_in_weeks": 2}
    db.flush()
    assert check_in_prompts(db, who["eli"], now=days(15))[0].period == 2
    programme.settings = {"check_in_weeks": 0}   # not a valid interval: the default holds
    db.flush()
    assert check_in_prompts(db, who["eli"], now=days(15))[0].period == 1
    with pytest.raises(InvalidInput) as caught:
        load_programme({"name": "Autumn", "settings": {"check_in_weeks": "often"}})
    assert [e.column for e in caught.value.errors] == ["settings.check_in_weeks"]
    assert load_programme({"name": "Autumn", "settings": {"check_in_weeks": 6}})["settings"] == {
        "check_in_weeks": 6}


def test_a_coordinator_of_another_programme_sees_none_of_these_pairs(db, pool):
    from mentorship.programmes.access import forget_visible_programmes
    from mentorship.programmes.models import Programme, ProgrammeCoordinator

    who, spring, pairs = pool
    accept_match(db, who["eli"], pairs["eli"].id)
    record_check_in(db, who["eli"], pairs["eli"].id, {"answer": "need_help"}, now=days(1))
    other = Programme(name="Archives exchange", is_default=False)
    db.add(other)
    db.flush()
    db.add(ProgrammeCoordinator(programme_id=other.id, person_id=who["cora"].id))
    db.flush()
    assert programme_health(db, who["cora"], now=days(2)).pairs == 0
    assert pairs_health(db, who["cora"], now=days(2)) == []
    spring_programme = db.get(Round, spring).programme_id
    with pytest.raises(PermissionDenied):
        programme_health(db, who["cora"], programme_id=spring_programme)
    with pytest.raises(NotFound):
        programme_health(db, who["cora"], programme_id=other.id + 1000)
    assert programme_health(db, who["cora"], programme_id=other.id).pairs == 0
    db.add(ProgrammeCoordinator(programme_id=db.get(Round, spring).programme_id,
                                person_id=who["cora"].id))
    db.flush()
    forget_visible_programmes(db)   # assignments are read once a session
    assert programme_health(db, who["cora"], now=days(2)).pairs == 2
    assert programme_health(db, who["cora"], now=days(2), programme_id=other.id).pairs == 0
    assert programme_health(db, who["cora"], now=days(2),
                            programme_id=spring_programme).pairs == 2
    assert [row.health for row in pairs_health(db, who["cora"], now=days(2))] == [
        Health.ASKED_FOR_HELP]


def test_the_remind_command_queues_the_prompts_once(private_database, taxonomy, monkeypatch):
    from click.testing import CliRunner

    from mentorship.cli import cli
    from mentorship.mail.models import OutboxMessage

    engine = make_engine(private_database)
    upgrade_database(engine)
    with Session(engine) as db, db.begin():
        people(db, taxonomy)
        spring = create_round(db, None, "Spring")
        preview_round(db, None, spring.id, taxonomy=taxonomy)
        publish_round(db, None, spring.id)
        for match in db.get(Round, spring.id).matches:
            accept_match(db, None, match.id)
    monkeypatch.setenv("DATABASE_URL", private_database)
    monkeypatch.delenv("MENTORSHIP_DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(cli, ["health", "remind"])
    assert first.exit_code == 0, first.output
    assert "queued 4 check-in prompt(s) and 0 digest(s)" in first.output   # Mina twice
    second = runner.invoke(cli, ["health", "remind"])
    assert "queued 0 check-in prompt(s)" in second.output
    with Session(engine) as db:
        # (Publishing mailed the pairs too: only the prompts are counted here.)
        assert sorted(db.scalars(select(OutboxMessage.email).where(
            OutboxMessage.kind == "check_in_prompt")).all()) == [
            "eli@lib.org", "mina@lib.org", "mina@lib.org", "sam@lib.org"]
    engine.dispose()


def test_the_pairs_list_is_paged_and_filtered_by_health(db, pool):
    from mentorship.pairs_health.checkins import pairs_health_pages

    who, _, pairs = pool
    for name in ("eli", "sam"):
        accept_match(db, who[name], pairs[name].id)
    record_check_in(db, who["sam"], pairs["sam"].id, {"answer": "need_help"}, now=days(1))
    attention, first = pairs_health_pages(db, who["cora"], now=days(2), size=1)
    assert (attention.total, [r.match.id for r in attention.items]) == (1, [pairs["sam"].id])
    assert (first.total, first.pages, [r.match.id for r in first.items]) == (
        2, 2, [pairs["sam"].id])
    _, second = pairs_health_pages(db, who["cora"], now=days(2), size=1, page=2)
    assert [r.match.id for r in second.items] == [pairs["eli"].id]
    _, waiting = pairs_health_pages(db, who["cora"], now=days(2), state=Health.NEEDS_CHECK_IN)
    assert [r.health for r in waiting.items] == [Health.NEEDS_CHECK_IN]
