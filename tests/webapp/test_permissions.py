"""Who may do what: every route of the app, as every role; and CSRF on every state change.

ROUTES must name every rule of the app (a test fails when one is missing), so a new page or
endpoint cannot ship without saying who may use it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mentorship.core.audit import AuditEvent
from mentorship.core.db import make_engine, make_session_factory
from mentorship.mail import queue_mail
from mentorship.people.accounts import set_password, set_roles
from mentorship.people.models import Person
from mentorship.profiles.models import ImportJob, ImportStatus
from mentorship.profiles.operations import register_person
from mentorship.programmes.operations import assign_coordinator, create_programme
from mentorship.programmes.queries import default_programme
from mentorship.rounds.models import Match, MatchStatus, RoundStatus, Suggestion
from mentorship.rounds.operations import create_round
from mentorship.rounds.run import preview_round
from tests.conftest import AGREEMENT_END, AGREEMENT_START
from tests.webapp.conftest import PASSWORD, csrf_token, email, seed, sign_in

# "limited" is a coordinator given only the programme "Branches" (see `ids`): the seeded round,
# pair and people are of the default programme, so not theirs.
ROLES = ("anonymous", "staff", "mentor", "mentee", "coordinator", "limited", "admin")
SIGNED_IN = frozenset(ROLES[1:])
COORDINATORS = frozenset({"coordinator", "limited", "admin"})
# Coordinators of the default programme (the seeded round, pair and people).
DEFAULT_COORDINATORS = frozenset({"coordinator", "admin"})
ADMINS = frozenset({"admin"})
# A pair's own people, and coordinators; "staff" is then someone asking for another's record.
PAIR = frozenset({"mentor", "mentee", "coordinator", "admin"})
PAIR_MEMBERS = frozenset({"mentor", "mentee"})
EVERYONE = frozenset(ROLES)
# A choice round's suggestion is its mentee's to request; a request is its mentor's to answer.
MENTEE_ONLY = frozenset({"mentee"})
MENTOR_ONLY = frozenset({"mentor"})

AGREEMENT = {"goals": "Learn MARC 21", "frequency": "monthly", "meeting_format": "remote",
             "start_date": AGREEMENT_START.isoformat(),
             "end_date": AGREEMENT_END.isoformat()}

# (method, path, who may, body). Placeholders: {round} the published round, {match} its pair,
# {person} a person no role signs in as, {me} the asking person's own id, {mentor} the mentor's,
# {programme} the default programme; {branches}, {branch_round} and {branch_person} are the
# programme "Branches", its previewed round and one of its people; {newcomer} someone of the
# default programme who has not signed up.
# {nolink} an id no sign-up link or sign-up has (the role check comes first: then 404).
# {message} a mail in the outbox (the round's publication mailed the pair), {branch_message} a
# mail to a person of "Branches".
# {person} a person no role signs in as, {me} the asking person's own id, {mentor} the mentor's;
# {choice} an open choice round, {suggestion} the mentee's suggestion in it (the mentor), and
# {request} staff's request for the mentor there; {import} an import (done) of the default
# programme that the coordinator started.
# An allowed GET must answer 200; an allowed POST anything but 401/403 or a sign-in redirect
# (it may be 409 or 422: the permission check passed). Denied: 403; anonymous: a redirect to
# the sign-in page (pages) or 401 (API). The order matters where noted.
ROUTES = [
    ("GET", "/sign-in", EVERYONE, None),
    ("GET", "/", EVERYONE, None),
    ("GET", "/healthz", EVERYONE, None),
    ("GET", "/invite/not-a-token", EVERYONE, None),
    ("GET", "/forgot-password", EVERYONE, None),
    ("GET", "/sign-up/not-a-token", EVERYONE, None),
    ("GET", "/sign-up/verify/not-a-token", EVERYONE, None),
    ("GET", "/sign-up/waiting", EVERYONE, None),
    ("GET", "/coordinator/sign-up", COORDINATORS, None),
    ("GET", "/coordinator/sign-up/approvals", COORDINATORS, None),
    ("GET", "/profile", SIGNED_IN, None),
    ("GET", "/matches", SIGNED_IN, None),
    ("GET", "/matches/{match}/decline", PAIR, None),
    ("GET", "/matches/choose", SIGNED_IN, None),
    ("GET", "/matches/{match}", PAIR, None),
    ("GET", "/matches/{match}/end", PAIR, None),
    ("GET", "/matches/{match}/agreement", PAIR_MEMBERS, None),
    ("GET", "/coordinator/people", COORDINATORS, None),
    ("GET", "/coordinator/people/import", COORDINATORS, None),
    ("GET", "/coordinator/people/import/map/not-a-token", COORDINATORS, None),
    ("GET", "/coordinator/people/import/{import}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/people/export.csv", COORDINATORS, None),
    ("GET", "/coordinator/people/{person}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/people/{branch_person}", COORDINATORS, None),
    ("GET", "/coordinator/rounds", COORDINATORS, None),
    ("GET", "/coordinator/rounds/new", COORDINATORS, None),
    ("GET", "/coordinator/rounds/{round}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/rounds/{round}/status", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/rounds/{round}/publish", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/rounds/{round}/close", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/rounds/{round}/export.csv", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/rounds/{branch_round}", COORDINATORS, None),
    ("GET", "/coordinator/rounds?programme={programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/rounds/{branch_round}/export.csv", COORDINATORS, None),
    ("GET", "/coordinator/rounds/{choice}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/skills", COORDINATORS, None),
    ("GET", "/coordinator/skills?programme={programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/skills/budget.csv", COORDINATORS, None),
    ("GET", "/coordinator/health", COORDINATORS, None),
    ("GET", "/coordinator/health/export.csv", COORDINATORS, None),
    ("GET", "/coordinator/health?programme={programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/health?programme={branches}", COORDINATORS, None),
    ("GET", "/coordinator/health/export.csv?programme={programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/health/export.csv?programme={branches}", COORDINATORS, None),
    ("GET", "/matches/{match}/feedback", PAIR_MEMBERS, None),
    ("GET", "/coordinator/skills/budget.csv?round={round}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/people?programme={programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/people/export.csv?programme={programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/people/export.csv?programme={branches}", COORDINATORS, None),
    ("GET", "/coordinator/programmes", COORDINATORS, None),
    ("GET", "/coordinator/programmes/new", COORDINATORS, None),
    ("GET", "/coordinator/programmes/{programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/programmes/{branches}", COORDINATORS, None),
    ("GET", "/coordinator/programmes/{programme}/edit", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/outbox", COORDINATORS, None),
    ("GET", "/coordinator/outbox?status=failed", COORDINATORS, None),
    ("GET", "/coordinator/outbox/{message}", DEFAULT_COORDINATORS, None),
    ("GET", "/coordinator/outbox/{branch_message}", COORDINATORS, None),
    ("GET", "/admin/roles", ADMINS, None),
    ("GET", "/api/v1/openapi.json", EVERYONE, None),
    ("POST", "/sign-in", EVERYONE, {"email": "nobody@example.org", "password": "wrong"}),
    ("POST", "/invite/not-a-token", EVERYONE, {"password": "x", "confirm": "x"}),
    ("POST", "/forgot-password", EVERYONE, {"email": "nobody@example.org"}),
    ("POST", "/sign-up/not-a-token", EVERYONE, {"name": "N", "email": "n@example.org"}),
    ("POST", "/sign-up/verify/not-a-token", EVERYONE, {"password": "x", "confirm": "x"}),
    ("POST", "/coordinator/sign-up", COORDINATORS, {"mode": "secret"}),
    ("POST", "/coordinator/sign-up/{nolink}", COORDINATORS, {"mode": "open"}),
    ("POST", "/coordinator/sign-up/{nolink}/regenerate", COORDINATORS, None),
    ("POST", "/coordinator/sign-up/{nolink}/off", COORDINATORS, None),
    ("POST", "/coordinator/sign-up/{nolink}/on", COORDINATORS, None),
    ("POST", "/coordinator/sign-up/approvals/{nolink}/approve", COORDINATORS, None),
    ("POST", "/coordinator/sign-up/approvals/{nolink}/refuse", COORDINATORS, None),
    ("POST", "/profile", SIGNED_IN, {"role": "astronaut"}),
    ("POST", "/profile/mail", SIGNED_IN, {"reminders": "1"}),
    ("POST", "/matches/{match}/accept", PAIR_MEMBERS, None),
    ("POST", "/coordinator/outbox/{message}/retry", DEFAULT_COORDINATORS, None),  # 409: not failed
    ("POST", "/coordinator/outbox/{branch_message}/retry", COORDINATORS, None),
    # After the accept: the pair is live, so its members may check in.
    ("POST", "/matches/{match}/check-in", PAIR_MEMBERS, {"answer": "met"}),
    ("POST", "/matches/{match}/feedback", PAIR_MEMBERS, {"rating": "5", "again": "yes"}),
    ("POST", "/admin/people/{person}/roles", ADMINS, {}),
    ("POST", "/coordinator/people/import", COORDINATORS, {}),
    ("POST", "/coordinator/people/import/map/not-a-token", COORDINATORS, {}),
    ("POST", "/coordinator/people/import/{import}/retry", DEFAULT_COORDINATORS, None),  # 409
    ("POST", "/coordinator/people/invite", COORDINATORS, {}),
    ("POST", "/coordinator/people/{person}/deactivate", DEFAULT_COORDINATORS, None),
    ("POST", "/coordinator/people/{person}/activate", DEFAULT_COORDINATORS, None),
    ("POST", "/coordinator/rounds/new", COORDINATORS, {"name": ""}),
    ("POST", "/coordinator/rounds/new", DEFAULT_COORDINATORS,
     {"name": "Sneaky", "programme": "{programme}"}),
    ("POST", "/coordinator/programmes/new", COORDINATORS, {"name": ""}),
    ("POST", "/coordinator/programmes/{programme}/edit", DEFAULT_COORDINATORS, {"name": ""}),
    ("POST", "/coordinator/people/invite", DEFAULT_COORDINATORS, {"person_id": "{newcomer}"}),
    ("POST", "/coordinator/rounds/{round}/preview", DEFAULT_COORDINATORS, None),
    ("POST", "/coordinator/rounds/{round}/publish", DEFAULT_COORDINATORS, None),
    ("POST", "/coordinator/rounds/{round}/lock", DEFAULT_COORDINATORS,
     {"mentor": "mentor@example.org", "mentee": "mentee@example.org"}),
    ("POST", "/coordinator/rounds/{round}/unlock", DEFAULT_COORDINATORS,
     {"mentor": "mentor@example.org", "mentee": "mentee@example.org"}),
    ("POST", "/coordinator/rounds/{round}/remove", DEFAULT_COORDINATORS, {"match_id": "{match}"}),
    ("POST", "/coordinator/rounds/{round}/swap", DEFAULT_COORDINATORS,
     {"first": "{match}", "second": "{match}"}),
    ("GET", "/api/v1/session", SIGNED_IN, None),
    ("GET", "/api/v1/people", COORDINATORS, None),
    ("GET", "/api/v1/people/{person}", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/people/{branch_person}", COORDINATORS, None),
    ("GET", "/api/v1/people/{me}", SIGNED_IN, None),
    ("PUT", "/api/v1/people/{person}/roles", ADMINS, {"coordinator": False, "admin": False}),
    ("POST", "/api/v1/people/{person}/deactivate", DEFAULT_COORDINATORS, None),
    ("POST", "/api/v1/people/{person}/activate", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/profiles/{person}", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/profiles/{me}", SIGNED_IN, None),
    ("PUT", "/api/v1/profiles/{mentor}", frozenset({"mentor", "admin"}), {"role": "astronaut"}),
    ("GET", "/api/v1/rounds", COORDINATORS, None),
    ("GET", "/api/v1/rounds?programme={programme}", DEFAULT_COORDINATORS, None),
    ("POST", "/api/v1/rounds", COORDINATORS, {"name": ""}),
    ("POST", "/api/v1/rounds", DEFAULT_COORDINATORS, {"name": "", "programme_id": "{programme}"}),
    ("GET", "/api/v1/people?programme={programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/programmes", COORDINATORS, None),
    ("POST", "/api/v1/programmes", COORDINATORS, {"name": ""}),
    ("GET", "/api/v1/programmes/{programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/programmes/{branches}", COORDINATORS, None),
    ("PUT", "/api/v1/programmes/{programme}", DEFAULT_COORDINATORS, {"name": ""}),
    ("POST", "/api/v1/programmes/{programme}/enrol", DEFAULT_COORDINATORS, {"person_ids": []}),
    ("POST", "/api/v1/programmes/{programme}/unenrol", DEFAULT_COORDINATORS,
     {"person_ids": []}),
    ("POST", "/api/v1/programmes/{programme}/coordinators", ADMINS, {"person_id": 2_000_000}),
    ("DELETE", "/api/v1/programmes/{programme}/coordinators/{person}", ADMINS, None),
    ("GET", "/api/v1/rounds/{round}", DEFAULT_COORDINATORS, None),
    ("POST", "/api/v1/rounds/{round}/preview", DEFAULT_COORDINATORS, None),
    ("POST", "/api/v1/rounds/{round}/publish", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/rounds/{round}/matches", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/rounds/{choice}/choice", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/choices", SIGNED_IN, None),
    ("GET", "/api/v1/requests", SIGNED_IN, None),
    ("GET", "/api/v1/matches", SIGNED_IN, None),
    ("GET", "/api/v1/matches/{match}", PAIR, None),
    ("GET", "/api/v1/matches/{match}/history", PAIR, None),
    ("GET", "/api/v1/matches/{match}/agreement", PAIR, None),
    ("POST", "/api/v1/matches/{match}/accept", PAIR_MEMBERS, None),
    # Accepted: its members propose and confirm the agreement (the proposer's confirm is a 409),
    # which makes it active; then it is ended (and everyone after meets a 409).
    ("POST", "/matches/{match}/agreement", PAIR_MEMBERS, dict(AGREEMENT, version="0")),
    ("PUT", "/api/v1/matches/{match}/agreement", PAIR_MEMBERS, dict(AGREEMENT, version=1)),
    ("POST", "/matches/{match}/agreement/confirm", PAIR_MEMBERS, {"version": "2"}),
    ("POST", "/api/v1/matches/{match}/agreement/confirm", PAIR_MEMBERS, {"version": 2}),
    ("POST", "/matches/{match}/activate", PAIR, None),
    ("POST", "/api/v1/matches/{match}/activate", PAIR, None),
    ("POST", "/matches/{match}/end", PAIR, {"reason": "testing"}),
    ("POST", "/api/v1/matches/{match}/end", PAIR, {"reason": "testing"}),
    ("POST", "/api/v1/matches/{match}/check-in", PAIR_MEMBERS, {"answer": "not_yet"}),
    ("POST", "/api/v1/matches/{match}/feedback", PAIR_MEMBERS, {"rating": 5, "again": True}),
    ("GET", "/api/v1/health", COORDINATORS, None),
    ("GET", "/api/v1/health?programme={programme}", DEFAULT_COORDINATORS, None),
    ("GET", "/api/v1/health?programme={branches}", COORDINATORS, None),
    # Declining changes the pair: after the mentor declines, the others meet a 409.
    ("POST", "/matches/{match}/decline", PAIR, {"reason": "testing"}),
    ("POST", "/api/v1/matches/{match}/decline", PAIR, {"reason": "testing"}),
    ("POST", "/api/v1/rounds/{round}/close", DEFAULT_COORDINATORS, None),
    ("POST", "/coordinator/rounds/{round}/close", DEFAULT_COORDINATORS, None),
    # Choice rounds. The mentee's requests meet a 409 (they have a mentor already).
    ("POST", "/matches/suggestions/{suggestion}/request", MENTEE_ONLY, None),
    ("POST", "/api/v1/choices/{suggestion}/request", MENTEE_ONLY, None),
    ("POST", "/coordinator/rounds/{choice}/open-choice", DEFAULT_COORDINATORS, None),
    ("POST", "/api/v1/rounds/{choice}/choice/open", DEFAULT_COORDINATORS, None),
    # Once the mentor accepted, the later answers meet a 409.
    ("POST", "/matches/requests/{request}/accept", MENTOR_ONLY, None),
    ("POST", "/api/v1/requests/{request}/accept", MENTOR_ONLY, None),
    ("POST", "/matches/requests/{request}/decline", MENTOR_ONLY, {"reason": "testing"}),
    ("POST", "/api/v1/requests/{request}/decline", MENTOR_ONLY, {"reason": "testing"}),
    # Closing fills the round: after the first coordinator, a 409.
    ("POST", "/coordinator/rounds/{choice}/close-choice", DEFAULT_COORDINATORS, None),
    ("POST", "/api/v1/rounds/{choice}/choice/close", DEFAULT_COORDINATORS, None),
    # Last: signing out ends the person's sessions.
    ("POST", "/sign-out", SIGNED_IN, None),
]


def _fill(template: str, values: dict) -> str:
    return template.format(**values) if isinstance(template, str) else template


@pytest.fixture(scope="module")
def ids(web_database, taxonomy):
    """The seed of every web test, a programme "Branches" with two people, a previewed
    round and its own coordinator, "limited", and an open choice round."""
    ids = seed(web_database, taxonomy)
    engine = make_engine(web_database)
    with make_session_factory(engine)() as db:
        ids["programme"] = default_programme(db).id
        ids["newcomer"] = register_person(db, None, {"email": email("newcomer"),
                                                     "name": "Nell Newcomer"}, taxonomy).id
        branches = create_programme(db, None, {"name": "Branches"})
        ids["branches"] = branches.id
        for who, fields in (("branch_person", {"name": "Bea Branch", "role": "mentor",
                                               "skills": "DSpace=4"}),
                            ("branch_mentee", {"name": "Bo Branch", "role": "mentee",
                                               "learn": "DSpace"})):
            ids[who] = register_person(db, None, {"email": email(who), **fields}, taxonomy,
                                       programme_id=branches.id).id
        limited = register_person(db, None, {"email": email("limited"), "name": "Lim Ited"},
                                  taxonomy, programme_id=branches.id)
        set_password(db, None, limited.id, PASSWORD)
        set_roles(db, None, limited.id, coordinator=True, admin=False)
        assign_coordinator(db, None, branches.id, limited.id)
        ids["limited"] = limited.id
        branch_round = create_round(db, None, "Branch spring", programme_id=branches.id)
        preview_round(db, None, branch_round.id, taxonomy=taxonomy)
        ids["branch_round"] = branch_round.id
        ids["branch_message"] = queue_mail(
            db, to=db.get(Person, ids["branch_person"]), kind="programme_ending",
            context={"programme_name": "Branches", "ends_on": date(2027, 6, 30),
                     "link": "http://localhost/matches"}).id
        db.commit()
    # An open choice round: the mentee is suggested the mentor, and staff's request for the
    # mentor waits for an answer (written directly: the engine would suggest nothing to people
    # who have a mentor or want what nobody teaches).
    now = datetime.now(UTC)
    with make_session_factory(engine)() as db, db.begin():
        current = create_round(db, None, "Choosing", settings={"selection": "choice"})
        current.status, current.choice_opened_at = RoundStatus.CHOOSING, now
        suggestion = Suggestion(round_id=current.id, mentee_id=ids["mentee"],
                                mentor_id=ids["mentor"], rank=1, score=0.5, reasons=[])
        request = Match(round_id=current.id, mentor_id=ids["mentor"], mentee_id=ids["staff"],
                        score=0.5, reasons=[], alternatives=[], status=MatchStatus.REQUESTED,
                        requested_at=now, expires_at=now + timedelta(days=7))
        db.add_all([suggestion, request])
        db.flush()
        ids |= {"choice": current.id, "suggestion": suggestion.id, "request": request.id}
        done = ImportJob(owner_id=ids["coordinator"], programme_id=ids["programme"],
                         filename="staff.csv", status=ImportStatus.DONE, stage="done",
                         heartbeat_at=now, finished_at=now, result={"report": {
                             "created": 0, "updated": 0, "skipped": 0, "managers_added": 0,
                             "warnings": [], "skill_warnings": [], "enrolled": 0,
                             "programme_id": ids["programme"]}, "skipped": []})
        db.add(done)
        db.flush()
        ids["import"] = done.id
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def clients(app):
    """One signed-in client per role (and an anonymous one), kept for the whole module."""
    made = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert sign_in(client, role).status_code == 303
        made[role] = client
    return made


def _request(client, method, path, body, *, token=True, api=False):
    headers = {}
    if method != "GET":
        form = dict(body or {})
        if token:
            value = _token(client)
            if api:
                headers["X-CSRFToken"] = value
            else:
                form["csrf_token"] = value
        if api:
            return client.open(path, method=method, json=body or {}, headers=headers)
        return client.open(path, method=method, data=form)
    return client.open(path, method=method)


def _token(client) -> str:
    """The client's CSRF token, from a page that carries one (sign-in, or else the profile)."""
    signed_in = client.get("/sign-in").status_code != 200
    return csrf_token(client, "/profile" if signed_in else "/sign-in")


def test_every_rule_of_the_app_is_in_the_matrix(app):
    listed = {(method, path.split("?")[0]) for method, path, _, _ in ROUTES}
    shapes = {(m, _shape(p)) for m, p in listed}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, _shape(rule.rule)) not in shapes:
                missing.append(f"{method} {rule.rule}")
    assert missing == [], "add these to ROUTES in tests/webapp/test_permissions.py"


def _shape(path: str) -> str:
    """A path with every variable part replaced by '*', so rules and examples compare."""
    import re

    path = re.sub(r"<[^>]+>", "*", path)
    path = re.sub(r"\{[^}]+\}", "*", path)
    return re.sub(r"/not-a-token", "/*", path)


def _expected(method: str, path: str, role: str, allowed: frozenset, response) -> bool:
    status = response.status_code
    to_sign_in = status in (302, 303) and "/sign-in" in response.headers.get("Location", "")
    if path == "/sign-in" and method == "POST":
        return status == 401  # open to all; the body's password is wrong
    if path == "/sign-out":
        return to_sign_in  # signed out (test_auth checks the session dies), or never in
    if path == "/forgot-password" and method == "POST":
        return to_sign_in  # open to all: "a link is on its way", back to the sign-in page
    if role not in allowed:
        if role == "anonymous":
            return status == 401 if path.startswith("/api/") else to_sign_in
        return status == 403
    if path.startswith("/invite/") or (path.startswith("/sign-up/")
                                       and path != "/sign-up/waiting"):
        return status == 404  # public, and the token is not a real one
    if path.startswith("/coordinator/people/import/map/"):
        return status == 404  # allowed, and the upload's token is not a real one
    if path in ("/", "/sign-in") and method == "GET":
        return status in (200, 302)  # a signed-in person is sent on to their start page
    if method == "GET":
        return status == 200
    return status not in (401, 403) and status < 500 and not to_sign_in


def _values(ids: dict, role: str) -> dict:
    return {"round": ids["round"], "match": ids["match"], "person": ids["other"],
            "mentor": ids["mentor"], "me": ids.get(role, 0), "programme": ids["programme"],
            "branches": ids["branches"], "branch_round": ids["branch_round"],
            "branch_person": ids["branch_person"], "newcomer": ids["newcomer"],
            "message": ids["message"], "branch_message": ids["branch_message"],
            "nolink": 2_000_000_000, "choice": ids["choice"],
            "suggestion": ids["suggestion"], "request": ids["request"], "import": ids["import"]}


def test_no_get_request_changes_anything(app, clients, ids):
    def events() -> int:
        with app.extensions["mentorship.sessions"]() as db:
            return db.scalar(select(func.count()).select_from(AuditEvent))

    before = events()
    for method, template, _, _ in ROUTES:
        if method == "GET":
            for role in ROLES:
                clients[role].get(template.format(**_values(ids, role)))
    assert events() == before


def test_every_route_as_every_role(clients, ids):
    failures = []
    for method, template, allowed, body in ROUTES:
        for role in ROLES:
            values = _values(ids, role)
            path = template.format(**values)
            form = None if body is None else {k: _fill(v, values) for k, v in body.items()}
            response = _request(clients[role], method, path, form, api=path.startswith("/api/"))
            if not _expected(method, path, role, allowed, response):
                failures.append(f"{method} {path} as {role}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def test_every_state_change_needs_a_valid_csrf_token(app, ids):
    values = _values(ids, "admin")
    client = app.test_client()
    assert sign_in(client, "admin").status_code == 303
    failures = []
    for method, template, _, body in ROUTES:
        if method == "GET":
            continue
        path = template.format(**values)
        api = path.startswith("/api/")
        missing = _request(client, method, path, body, token=False, api=api)
        if api:
            forged = client.open(path, method=method, json=body or {},
                                 headers={"X-CSRFToken": "forged"})
        else:
            forged = client.open(path, method=method, data={**(body or {}), "csrf_token": "forged"})
        for label, response in (("no token", missing), ("forged token", forged)):
            if response.status_code != 400:
                failures.append(f"{method} {path} with {label}: {response.status_code}")
    assert failures == [], "\n".join(failures)


# The attacks a coordinator limited to "Branches" tried on the default programme's people: each
# is refused and changes nothing. (After the matrix: nothing here changes what it relies on.)

@pytest.fixture
def signed(as_role):
    """Clients signed in afresh, by role (the matrix's last row signed its clients out)."""
    class Signed(dict):
        def __missing__(self, role):
            self[role] = as_role(role)
            return self[role]

    return Signed()


def _person(app, person_id: int) -> tuple:
    from mentorship.programmes.models import Enrolment

    with app.extensions["mentorship.sessions"]() as db:
        person = db.get(Person, person_id)
        return (person.name, person.department, person.active, sorted(db.scalars(
            select(Enrolment.programme_id).where(Enrolment.person_id == person_id))))


def test_a_limited_coordinator_reads_no_other_programmes_mail_nor_anyones_invite(
        app, signed, ids):
    import re

    from sqlalchemy import update

    from mentorship.mail import MailStatus, OutboxMessage

    invited = _request(signed["coordinator"], "POST", "/coordinator/people/invite",
                       {"person_id": str(ids["newcomer"])})
    assert invited.status_code == 200 and "/invite/" in invited.get_data(as_text=True)
    with app.extensions["mentorship.sessions"]() as db:
        invite = db.scalar(select(OutboxMessage.id).where(
            OutboxMessage.person_id == ids["newcomer"], OutboxMessage.kind == "invite")
            .order_by(OutboxMessage.id.desc()).limit(1))
    listing = signed["limited"].get("/coordinator/outbox").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'href="/coordinator/outbox/(\d+)"', listing)}
    assert shown == {ids["branch_message"]}
    assert email("newcomer") not in listing and email("mentor") not in listing
    assert signed["limited"].get(f"/coordinator/outbox/{invite}").status_code == 403
    # The link sets the newcomer's password: no coordinator reads it in the outbox, admins do.
    for role, readable in (("coordinator", False), ("admin", True)):
        page = signed[role].get(f"/coordinator/outbox/{invite}").get_data(as_text=True)
        assert ("/invite/" in page) is readable
        assert ("only an admin can read it" in page) is not readable

    sessions = app.extensions["mentorship.sessions"]
    with sessions() as db, db.begin():
        db.execute(update(OutboxMessage).where(OutboxMessage.id == ids["message"])
                   .values(status=MailStatus.FAILED, last_error="550 mailbox unavailable"))
    try:
        page = signed["limited"].get(f"/coordinator/outbox/{ids['message']}")
        assert page.status_code == 403 and "550" not in page.get_data(as_text=True)
        retried = _request(signed["limited"], "POST",
                           f"/coordinator/outbox/{ids['message']}/retry", None)
        assert retried.status_code == 403
        with sessions() as db:
            assert db.get(OutboxMessage, ids["message"]).status == MailStatus.FAILED
    finally:
        with sessions() as db, db.begin():
            db.execute(update(OutboxMessage).where(OutboxMessage.id == ids["message"])
                       .values(status=MailStatus.QUEUED, last_error=""))


def test_a_limited_coordinator_cannot_enrol_other_programmes_people_into_theirs(
        app, signed, ids):
    before = {who: _person(app, ids[who]) for who in ("mentor", "other")}
    response = _request(signed["limited"], "POST", f"/api/v1/programmes/{ids['branches']}/enrol",
                        {"person_ids": [ids["mentor"], ids["other"]]}, api=True)
    assert response.status_code == 403
    assert response.get_json()["message"] == "someone named here is in none of your programmes"
    assert {who: _person(app, ids[who]) for who in before} == before
    assert signed["limited"].get(f"/api/v1/people/{ids['mentor']}").status_code == 403
    assert _request(signed["limited"], "POST",
                    f"/coordinator/people/{ids['other']}/deactivate", None).status_code == 403


def _upload(client, csv: bytes, **form):
    from io import BytesIO

    return client.post("/coordinator/people/import", content_type="multipart/form-data", data={
        "csrf_token": _token(client), "file": (BytesIO(csv), "people.csv"), **form})


FOREIGN_ROWS = ("email,name,department\n" + "".join(
    f"{email(who)},Hacked {who},X\n" for who in ("admin", "coordinator", "mentor", "mentee"))
    + "brand.new@example.org,Brand New,Y\n").encode()


@pytest.mark.parametrize("programme", ["{branches}", ""])
def test_a_limited_coordinators_import_naming_other_programmes_people_is_refused_whole(
        app, signed, ids, programme):
    people = ("admin", "coordinator", "mentor", "mentee")
    before = {who: _person(app, ids[who]) for who in people}
    form = {"programme": programme.format(**ids)} if programme else {}
    response = _upload(signed["limited"], FOREIGN_ROWS, **form)
    assert response.status_code == 403
    assert "someone named here is in none of your programmes" in response.get_data(as_text=True)
    assert {who: _person(app, ids[who]) for who in people} == before
    with app.extensions["mentorship.sessions"]() as db:
        assert db.scalar(select(Person.id).where(Person.email == "brand.new@example.org")) is None


def test_a_limited_coordinators_mapped_import_of_other_programmes_people_is_refused(
        app, signed, ids):
    import re

    before = _person(app, ids["mentor"])
    data = (b"Timestamp,Email address,Your name,Department\n"
            b"2026-01-01,mentor@example.org,Hacked Via Map,Z\n")
    uploaded = _upload(signed["limited"], data, format="map", programme=str(ids["branches"]))
    assert uploaded.status_code == 303
    token = re.search(r"/map/([^?]+)", uploaded.headers["Location"]).group(1)
    response = _request(signed["limited"], "POST",
                        f"/coordinator/people/import/map/{token}?programme={ids['branches']}",
                        {"column-email": "1", "column-name": "2", "column-department": "3",
                         "action": "import", "programme": str(ids["branches"])})
    assert response.status_code == 403
    assert _person(app, ids["mentor"]) == before


def test_a_limited_coordinator_imports_new_people_and_their_own(app, signed, ids):
    response = _upload(signed["limited"], (
        "email,name,department\n"
        f"{email('branch_mentee')},Bo Branch,Branch Office\n"
        "nia.new@example.org,Nia New,Branch Office\n").encode(),
        programme=str(ids["branches"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _person(app, ids["branch_mentee"])[1] == "Branch Office"


def test_a_limited_coordinator_invites_everyone_not_signed_up_of_their_programmes(
        signed, ids):
    response = _request(signed["limited"], "POST", "/coordinator/people/invite",
                        {"scope": "uninvited"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert email("branch_person") in page and email("branch_mentee") in page
    assert f">{email('newcomer')}<" not in page  # of the default programme, not signed up
    assert "nia.new@example.org" in page  # the one they imported
