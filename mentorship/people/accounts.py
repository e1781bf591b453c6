"""Accounts: invites, passwords, sign-in checks, sessions, deactivation and roles."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from mentorship.core.audit import record_event
from mentorship.core.db import hold_lock
from mentorship.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RowError
from mentorship.core.permissions import require_admin, require_coordinator
from mentorship.core.settings import base_url
from mentorship.people.models import PEOPLE_LOCK, Invite, Person
from mentorship.programmes.access import people_in_view, require_people_in_view
from mentorship.programmes.operations import enrol_invited
from mentorship.rounds.pairs import PERSON_DEACTIVATED, end_live_pairs_of

__all__ = [
    "INVITE_LIFETIME",
    "MIN_PASSWORD_LENGTH",
    "RESET_LIFETIME",
    "IssuedInvite",
    "authenticate",
    "create_admin",
    "create_invites",
    "invite_for_token",
    "invite_link",
    "invite_uninvited",
    "person_for_session",
    "redeem_invite",
    "request_password_reset",
    "set_active",
    "set_password",
    "set_roles",
    "sign_out",
]

INVITE_LIFETIME = timedelta(days=14)
#: A link asked for with "Forgot your password?" works for less long than an invite: it hands
#: over an account that is in use.
RESET_LIFETIME = timedelta(hours=24)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MIN_PASSWORD_LENGTH = 12
#: The lowest zxcvbn score (0-4) a password may have: 3 is "safely unguessable" online.
MIN_PASSWORD_SCORE = 3
MAX_PASSWORD_LENGTH = 256
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so that a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class IssuedInvite:
    """An invite just made: the person and the one-time token (never stored in clear)."""

    person: Person
    token: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_link(token: str, base: str | None = None) -> str:
    """Return the link that redeems an invite token, on `base` (default: the configured
    base URL, never a request's Host header)."""
    return f"{(base or base_url()).rstrip('/')}/invite/{token}"


def create_invites(session: Session, actor: Person | None, person_ids: list[int], *,
                   programme_id: int | None = None,
                   lifetime: timedelta = INVITE_LIFETIME) -> list[IssuedInvite]:
    """Make one invite per active person, in the order given; inactive people are refused.

    The people are enrolled in the programme given; without one, those enrolled nowhere are
    enrolled in the one `programme_in_view` picks (the default).
    """
    require_coordinator(actor, "manage people")
    if not person_ids:
        return []
    require_people_in_view(session, actor, person_ids)
    # Locked: of two invites for one person at once, the second waits and replaces the first,
    # so exactly one link works.
    people = {p.id: p for p in session.scalars(
        select(Person).where(Person.id.in_(person_ids)).order_by(Person.id).with_for_update())}
    missing = [i for i in person_ids if i not in people]
    if missing:
        raise NotFound(f"no person with id {missing[0]}")
    inactive = [people[i].email for i in person_ids if not people[i].active]
    if inactive:
        raise Conflict(f"{inactive[0]} is deactivated: reactivate them before inviting")
    if actor is not None and not actor.is_admin:
        # A link sets the password: for someone already signed up, or someone with more rights
        # than staff, it would hand their account to whoever holds the link.
        for person_id in person_ids:
            person = people[person_id]
            if person.is_admin or person.is_coordinator:
                raise PermissionDenied(f"only admins invite coordinators and admins "
                                       f"({person.email})")
            if person.password_hash:
                raise PermissionDenied(f"{person.email} has signed up already: only admins "
                                       "reset a password")
    session.execute(delete(Invite).where(Invite.person_id.in_(person_ids), Invite.used_at.is_(None)))
    now = datetime.now(UTC)
    issued = []
    for person_id in dict.fromkeys(person_ids):
        token = secrets.token_urlsafe(32)
        session.add(Invite(person_id=person_id, token_hash=_token_hash(token),
                           created_by_id=actor.id if actor else None, created_at=now,
                           expires_at=now + lifetime))
        issued.append(IssuedInvite(people[person_id], token, now + lifetime))
    session.flush()
    record_event(session, actor, "person.invite", "person", "", people=list(dict.fromkeys(person_ids)))
    enrol_invited(session, actor, person_ids, programme_id)
    return issued


def invite_for_token(session: Session, token: str) -> Invite:
    """Return the usable invite a token stands for; NotFound if unknown, used or expired."""
    invite = session.scalar(select(Invite).where(Invite.token_hash == _token_hash(token)))
    if invite is None or invite.used_at is not None or invite.expires_at < datetime.now(UTC):
        raise NotFound("this link is not valid: it was used already, has expired or was "
                       "replaced by a newer one. Ask for a new one with \"Forgot your "
                       "password?\" on the sign-in page, or ask your coordinator.")
    return invite


def _check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("the password is not valid", [RowError(
            0, field, "", f"must be at least {MIN_PASSWORD_LENGTH} characters")])
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("the password is not valid", [RowError(
            0, field, "", f"must be at most {MAX_PASSWORD_LENGTH} characters")])
    # zxcvbn knows common passwords, names, dictionary words, dates, repeats and keyboard walks.
    strength = zxcvbn(password[:100])
    if strength["score"] < MIN_PASSWORD_SCORE:
        advice = strength["feedback"]["warning"] or "It is too easy to guess."
        raise InvalidInput("the password is not valid", [RowError(
            0, field, "", f"{advice.rstrip('.')}: try a few unrelated words, such as a line "
                          "only you would write")])


def redeem_invite(session: Session, token: str, password: str) -> Person:
    """Set the invited person's password and use the invite up (exactly once, even if raced)."""
    invite = invite_for_token(session, token)
    _check_password(password)
    used = session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=datetime.now(UTC)).execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise NotFound("this link was used already. Ask for a new one with \"Forgot your "
                       "password?\" on the sign-in page, or ask your coordinator.")
    person = session.get(Person, invite.person_id)
    if not person.active:
        raise PermissionDenied("this account is deactivated")
    _store_password(person, password)
    record_event(session, person, "person.set_password", "person", person.id, via="invite")
    session.flush()
    return person


def _store_password(person: Person, password: str) -> None:
    person.password_hash = _hasher.hash(password)
    person.session_token = secrets.token_urlsafe(32)


def set_password(session: Session, actor: Person | None, person_id: int, password: str) -> Person:
    """Set a person's password (the command line, or an admin); their sessions end."""
    require_admin(actor, "set other people's passwords")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id}")
    _check_password(password)
    _store_password(person, password)
    record_event(session, actor, "person.set_password", "person", person.id)
    session.flush()
    return person


def authenticate(session: Session, email: str, password: str) -> Person | None:
    """Return the active person with this email and password, else None.

    A rehash to newer Argon2 parameters happens here, on the sign-in that proves the password.
    """
    person = session.scalar(select(Person).where(Person.email == email.strip().casefold()))
    stored = person.password_hash if person is not None and person.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        return None
    if person is None or not person.active or stored is _DUMMY_HASH:
        return None
    if _hasher.check_needs_rehash(stored):
        person.password_hash = _hasher.hash(password)
    if not person.session_token:
        person.session_token = secrets.token_urlsafe(32)
    session.flush()
    return person


def person_for_session(session: Session, person_id: int, session_token: str) -> Person | None:
    """Return the active person a session cookie names, if its token is still theirs."""
    person = session.get(Person, person_id)
    if (person is None or not person.active or not person.session_token
            or not secrets.compare_digest(person.session_token, session_token)):
        return None
    return person


def _keep_an_admin(session: Session) -> None:
    """Refuse a change that would leave no active admin.

    Under a lock of its own: two admins demoting each other at once cannot both succeed.
    """
    hold_lock(session, "mentorship.admins")
    admins = session.scalar(select(func.count()).select_from(Person).where(
        Person.is_admin.is_(True), Person.active.is_(True)))
    if admins <= 1:
        raise Conflict("this is the last admin: make someone else admin first")


def invite_uninvited(session: Session, actor: Person | None) -> list[IssuedInvite]:
    """Make invites for every active person who has not signed up yet (staff only), of those
    in the actor's view (a coordinator limited to some programmes: their people)."""
    require_coordinator(actor, "manage people")
    query = select(Person.id).where(
        Person.active.is_(True), Person.password_hash == "", Person.is_admin.is_(False),
        Person.is_coordinator.is_(False))
    in_view = people_in_view(session, actor, Person.id)
    if in_view is not None:
        query = query.where(in_view)
    waiting = session.scalars(query.order_by(Person.name, Person.id)).all()
    return create_invites(session, actor, list(waiting))


def sign_out(session: Session, person: Person) -> None:
    """End every session of the person: cookies signed with the old token stop working."""
    person.session_token = secrets.token_urlsafe(32)
    session.flush()


def set_active(session: Session, actor: Person | None, person_id: int, active: bool) -> Person:
    """Deactivate (their sessions end, they are left out of rounds) or reactivate a person."""
    require_coordinator(actor, "manage people")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id}")
    require_people_in_view(session, actor, [person_id])
    if actor is not None and actor.id == person.id and not active:
        raise Conflict("you cannot deactivate your own account")
    if actor is not None and not actor.is_admin and (person.is_admin or person.is_coordinator):
        raise PermissionDenied("only admins deactivate or reactivate coordinators and admins")
    if person.is_admin and not active:
        _keep_an_admin(session)
    person.active = active
    ended = 0
    if not active:
        person.session_token = secrets.token_urlsafe(32)
        ended = end_live_pairs_of(session, person.id, reason=PERSON_DEACTIVATED, actor=actor)
    record_event(session, actor, "person.activate" if active else "person.deactivate", "person",
                 person.id, **({"ended_pairs": ended} if not active else {}))
    session.flush()
    return person


def set_roles(session: Session, actor: Person | None, person_id: int, *, coordinator: bool,
              admin: bool) -> Person:
    """Grant or withdraw the coordinator and admin roles (admins only; one admin always stays)."""
    require_admin(actor, "change roles")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id}")
    if person.is_admin and person.active and not admin:
        _keep_an_admin(session)
    before = {"coordinator": person.is_coordinator, "admin": person.is_admin}
    person.is_coordinator, person.is_admin = coordinator, admin
    record_event(session, actor, "person.roles", "person", person.id, before=before,
                 after={"coordinator": coordinator, "admin": admin})
    session.flush()
    return person


def create_admin(session: Session, email: str, name: str = "") -> IssuedInvite:
    """Make the person with this email an active admin (creating them if need be) and return a
    one-time link to set their password: the way into a new installation (command line only).
    """
    address = email.strip().casefold()
    if not _EMAIL.fullmatch(address) or len(address) > 254:
        raise InvalidInput("not an email address", [RowError(0, "email", email[:80],
                                                             "must be an email address")])
    hold_lock(session, PEOPLE_LOCK)
    person = session.scalar(select(Person).where(Person.email == address))
    if person is None:
        if not name.strip():
            raise InvalidInput("a new admin needs a name", [
                RowError(0, "name", "", "required for someone new: --name 'Their Name'")])
        person = Person(email=address, name=name.strip()[:200])
        session.add(person)
    elif name.strip():
        person.name = name.strip()[:200]
    person.is_admin, person.active = True, True
    session.flush()
    record_event(session, None, "person.admin", "person", person.id)
    return create_invites(session, None, [person.id])[0]


def request_password_reset(session: Session, email: str) -> IssuedInvite | None:
    """Make a one-time link to set a new password for the active, signed-up person with this
    email; None when there is none (the caller answers the same either way)."""
    address = email.strip().casefold()[:254]
    person = session.scalar(select(Person).where(Person.email == address,
                                                 Person.active.is_(True),
                                                 Person.password_hash != ""))
    if person is None:
        return None
    [issued] = create_invites(session, None, [person.id], lifetime=RESET_LIFETIME)
    record_event(session, None, "person.password_reset", "person", person.id)
    return issued
