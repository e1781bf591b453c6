"""Sign-up links: a programme's public link, the sign-ups made through it, and their approval.

A coordinator makes a programme's link (open to anyone, limited to email domains, or needing a
coordinator's approval). Someone who follows it gives a name and an email; a one-time link
mailed to that address proves it is theirs. Following that link they choose a password and
their account opens (or, with approval, waits for a coordinator). The answer to a sign-up never
says whether the address has an account already: the owner of an existing account is mailed a
link that only enrols them, never one that changes their password.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mentorship.core.audit import record_event
from mentorship.core.db import hold_lock
from mentorship.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RowError
from mentorship.core.permissions import require_coordinator
from mentorship.core.settings import base_url
from mentorship.mail.messages import queue_signup_verification
from mentorship.mail.outbox import link_to, queue_mail
from mentorship.people.accounts import _EMAIL, _check_password, _hasher, _token_hash
from mentorship.people.models import PEOPLE_LOCK, Person, SignupLink, SignupRequest
from mentorship.programmes.access import require_programme, visible_programme_ids
from mentorship.programmes.models import Programme
from mentorship.programmes.operations import enrol_people
from mentorship.programmes.queries import default_programme, find_programme

__all__ = [
    "MODES",
    "SIGNUP_LIFETIME",
    "IssuedSignup",
    "IssuedSignupLink",
    "SignupOutcome",
    "approve_signup",
    "create_signup_link",
    "needs_password",
    "parse_domains",
    "pending_signups",
    "refuse_signup",
    "regenerate_signup_link",
    "request_signup",
    "set_signup_link_active",
    "signup_for_token",
    "signup_link_for_token",
    "signup_links",
    "signup_url",
    "signup_verification_path",
    "update_signup_link",
    "verify_signup",
]

#: The kinds of link: anyone may sign up, only addresses at the listed domains, or anyone but
#: a coordinator approves each one.
MODES = ("open", "domains", "approval")
#: How long the mailed verification link works.
SIGNUP_LIFETIME = timedelta(hours=24)
#: At most this many domains on one link (a long list is a sign of a mistake).
MAX_DOMAINS = 50
_DOMAIN_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SIGNUP_LOCK = "mentorship.signup"
_NOT_VALID = ("this sign-up link is not valid: it was turned off or replaced by a new one. Ask "
              "the programme's coordinator for the current link.")
_VERIFY_NOT_VALID = ("this confirmation link does not work: it was used already, has expired "
                     "(it works for 24 hours) or was replaced by a newer one. Sign up again "
                     "through the programme's link to get a new one.")


@dataclass(frozen=True)
class IssuedSignupLink:
    """A sign-up link just made or regenerated: the token is shown once, never stored."""

    link: SignupLink
    token: str


@dataclass(frozen=True)
class IssuedSignup:
    """A sign-up to mail a verification link for: `existing` when the address has an account
    (the mail then says so, and the link only enrols)."""

    request: SignupRequest
    token: str
    existing: bool


@dataclass(frozen=True)
class SignupOutcome:
    """What a verified sign-up led to: the person now able to sign in (None while waiting for
    approval), and whether their new account needs a password set (False: an existing one)."""

    person: Person | None
    waiting: bool
    existing: bool


def signup_url(token: str, base: str | None = None) -> str:
    """Return a programme's sign-up link for a token, on `base` (default: the configured base
    URL, never a request's Host header)."""
    return f"{(base or base_url()).rstrip('/')}/sign-up/{token}"


def signup_verification_path(token: str) -> str:
    """Return the path of the mailed link that confirms a sign-up's address."""
    return f"/sign-up/verify/{token}"


def parse_domains(text: str) -> list[str]:
    """Return the email domains of a list typed by a coordinator ("@westbrook.edu, lib.org"),
    lower-cased without the @; InvalidInput naming the first that is not a domain."""
    domains = []
    for raw in re.split(r"[\s,;]+", text.strip()):
        if not raw:
            continue
        domain = raw.casefold().removeprefix("@").rstrip(".")
        if (len(domain) > 253 or "." not in domain
                or not re.fullmatch(rf"{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})+", domain)):
            raise InvalidInput("the domains are not valid", [RowError(
                0, "domains", raw[:80], "is not an email domain (write it as @westbrook.edu)")])
        domains.append(domain)
    domains = list(dict.fromkeys(domains))
    if len(domains) > MAX_DOMAINS:
        raise InvalidInput("the domains are not valid", [RowError(
            0, "domains", "", f"at most {MAX_DOMAINS} domains")])
    return domains


def _checked_settings(mode: str, domains: list[str]) -> tuple[str, list[str]]:
    if mode not in MODES:
        raise InvalidInput("the sign-up link is not valid", [RowError(
            0, "mode", mode[:20], "must be one of " + ", ".join(MODES))])
    if mode == "domains" and not domains:
        raise InvalidInput("the sign-up link is not valid", [RowError(
            0, "domains", "", "name at least one domain, such as @westbrook.edu")])
    return mode, domains


def signup_links(session: Session, actor: Person | None
                 ) -> list[tuple[Programme, SignupLink | None]]:
    """Return each programme the actor coordinates with its sign-up link (None: it has none),
    by name (coordinators only)."""
    require_coordinator(actor, "manage sign-up links")
    query = (select(Programme, SignupLink).outerjoin(SignupLink,
                                                     SignupLink.programme_id == Programme.id)
             .order_by(Programme.name, Programme.id))
    visible = visible_programme_ids(session, actor)
    if visible is not None:
        query = query.where(Programme.id.in_(sorted(visible)))
    return [(programme, link) for programme, link in session.execute(query)]


def create_signup_link(session: Session, actor: Person | None, *, programme_id: int | None,
                       mode: str, domains: list[str]) -> IssuedSignupLink:
    """Make a programme's sign-up link (None: the default programme's); Conflict if it has one
    already."""
    require_coordinator(actor, "manage sign-up links")
    mode, domains = _checked_settings(mode, domains)
    programme = (default_programme(session) if programme_id is None
                 else find_programme(session, programme_id))
    require_programme(session, actor, programme.id)
    programme_id = programme.id
    # Locked: two coordinators making the link at once get one link, and the other a Conflict.
    hold_lock(session, _SIGNUP_LOCK)
    taken = session.scalar(select(SignupLink.id).where(SignupLink.programme_id == programme_id))
    if taken is not None:
        raise Conflict("this programme has a sign-up link already: regenerate it for a new one")
    token = secrets.token_urlsafe(32)
    link = SignupLink(programme_id=programme_id, token_hash=_token_hash(token), mode=mode,
                      domains=domains, active=True, created_by_id=actor.id if actor else None)
    session.add(link)
    session.flush()
    record_event(session, actor, "signup_link.create", "signup_link", link.id, mode=mode,
                 domains=domains)
    return IssuedSignupLink(link, token)


def _link(session: Session, actor: Person | None, link_id: int) -> SignupLink:
    link = session.get(SignupLink, link_id, with_for_update=True)
    if link is None:
        raise NotFound(f"no sign-up link {link_id}")
    require_programme(session, actor, link.programme_id)
    return link


def update_signup_link(session: Session, actor: Person | None, link_id: int, *, mode: str,
                       domains: list[str]) -> SignupLink:
    """Change who may sign up through a link; the link itself stays the same."""
    require_coordinator(actor, "manage sign-up links")
    mode, domains = _checked_settings(mode, domains)
    link = _link(session, actor, link_id)
    link.mode, link.domains = mode, domains
    record_event(session, actor, "signup_link.update", "signup_link", link.id, mode=mode,
                 domains=domains)
    session.flush()
    return link


def regenerate_signup_link(session: Session, actor: Person | None,
                           link_id: int) -> IssuedSignupLink:
    """Give a link a new token: the old one stops working at once (pending sign-ups stay)."""
    require_coordinator(actor, "manage sign-up links")
    link = _link(session, actor, link_id)
    token = secrets.token_urlsafe(32)
    link.token_hash = _token_hash(token)
    record_event(session, actor, "signup_link.regenerate", "signup_link", link.id)
    session.flush()
    return IssuedSignupLink(link, token)


def set_signup_link_active(session: Session, actor: Person | None, link_id: int,
                           active: bool) -> SignupLink:
    """Turn a link off (nobody can sign up or confirm through it) or on again."""
    require_coordinator(actor, "manage sign-up links")
    link = _link(session, actor, link_id)
    link.active = active
    record_event(session, actor, "signup_link.on" if active else "signup_link.off",
                 "signup_link", link.id)
    session.flush()
    return link


def signup_link_for_token(session: Session, token: str) -> SignupLink:
    """Return the working link a token stands for; NotFound if unknown, turned off, or outside
    the programme's sign-up dates."""
    link = session.scalar(select(SignupLink).where(SignupLink.token_hash == _token_hash(token)))
    if link is None or not link.active:
        raise NotFound(_NOT_VALID)
    _check_dates(link.programme)
    return link


def _check_dates(programme: Programme) -> None:
    today = datetime.now(UTC).date()
    if programme.signup_opens is not None and today < programme.signup_opens:
        raise NotFound(f"sign-up for {programme.name} opens on "
                       f"{programme.signup_opens:%d %B %Y}: come back then.")
    if programme.signup_closes is not None and today > programme.signup_closes:
        raise NotFound(f"sign-up for {programme.name} closed on "
                       f"{programme.signup_closes:%d %B %Y}. Ask its coordinator if you still "
                       "want to join.")


def _check_address(link: SignupLink, address: str) -> None:
    if link.mode == "domains" and address.rpartition("@")[2] not in link.domains:
        allowed = " or ".join(f"@{domain}" for domain in link.domains)
        raise InvalidInput("this address cannot sign up here", [RowError(
            0, "email", "", f"this sign-up is for addresses ending {allowed}: use your address "
                            "there")])


def request_signup(session: Session, token: str, name: str, email: str) -> IssuedSignup | None:
    """Sign up through a link and queue the mail with the link that confirms the address (to
    the owner of an account with this address: one that only enrols them); return it, or None
    when nothing is sent (a deactivated account). The caller answers the same in every case.

    InvalidInput for a missing name, an address that is not one, or a domain the link refuses:
    each says so beside its field, and none depends on whether the address has an account.
    """
    link = signup_link_for_token(session, token)
    name, address = " ".join(name.split()), email.strip().casefold()
    problems = []
    if not name:
        problems.append(RowError(0, "name", "", "required"))
    elif len(name) > 200:
        problems.append(RowError(0, "name", "", "at most 200 characters"))
    if not _EMAIL.fullmatch(address) or len(address) > 254:
        problems.append(RowError(0, "email", "", "must be an email address, like you@library.org"))
    if problems:
        raise InvalidInput("the sign-up is not valid", problems)
    _check_address(link, address)
    # Locked: of two sign-ups for one address at once, the later replaces the earlier, so only
    # the newest mailed link works.
    hold_lock(session, _SIGNUP_LOCK)
    now = datetime.now(UTC)
    session.execute(delete(SignupRequest).where(
        SignupRequest.status == "unverified",
        (SignupRequest.email == address) | (SignupRequest.expires_at < now - SIGNUP_LIFETIME)))
    person = session.scalar(select(Person).where(Person.email == address))
    if person is not None and not person.active:
        return None
    existing = person is not None and bool(person.password_hash)
    secret = secrets.token_urlsafe(32)
    request = SignupRequest(link_id=link.id, email=address, name=name,
                            token_hash=_token_hash(secret), status="unverified",
                            person_id=person.id if person is not None else None,
                            created_at=now, expires_at=now + SIGNUP_LIFETIME)
    session.add(request)
    session.flush()
    record_event(session, None, "signup.request", "signup_link", link.id, request=request.id)
    mailed_link = link_to(session, signup_verification_path(secret))
    if existing:
        queue_mail(session, to=person, kind="signup_existing", one_time_link=True, context={
            "link": mailed_link, "expires": request.expires_at,
            "programme": link.programme.name, "reset": link_to(session, "/forgot-password")})
    else:
        queue_signup_verification(session, person or address, mailed_link, request.expires_at)
    return IssuedSignup(request, secret, existing)


def signup_for_token(session: Session, token: str) -> SignupRequest:
    """Return the unconfirmed sign-up a verification token stands for; NotFound if unknown,
    used, expired, or its link is turned off."""
    request = session.scalar(select(SignupRequest).where(
        SignupRequest.token_hash == _token_hash(token)))
    if (request is None or request.status != "unverified"
            or request.expires_at < datetime.now(UTC)):
        raise NotFound(_VERIFY_NOT_VALID)
    if not request.link.active:
        raise NotFound(_NOT_VALID)
    _check_dates(request.link.programme)
    return request


def needs_password(session: Session, request: SignupRequest) -> bool:
    """Whether confirming this sign-up sets a password (not for an account that has one)."""
    person = session.get(Person, request.person_id) if request.person_id else None
    return person is None or not person.password_hash


def verify_signup(session: Session, token: str, password: str | None) -> SignupOutcome:
    """Confirm a sign-up's address (exactly once, even if raced) and, when the account is new
    or has no password yet, set the password chosen; the person is enrolled and may sign in,
    unless the link needs approval (then a coordinator decides)."""
    request = signup_for_token(session, token)
    link = request.link
    _check_address(link, request.email)  # the link's domains may have changed since
    setting = needs_password(session, request)
    if setting:
        _check_password(password or "")
    now = datetime.now(UTC)
    waiting = link.mode == "approval"
    used = session.execute(
        update(SignupRequest).where(SignupRequest.id == request.id,
                                    SignupRequest.status == "unverified")
        .values(status="waiting" if waiting else "done", verified_at=now,
                password_hash=_hasher.hash(password) if setting else "")
        .execution_options(synchronize_session=False)).rowcount
    if used != 1:
        raise NotFound(_VERIFY_NOT_VALID)
    session.refresh(request)
    record_event(session, None, "signup.verify", "signup_link", link.id, request=request.id)
    if waiting:
        _tell(session, request, "signup_waiting")
        session.flush()
        return SignupOutcome(None, True, not setting)
    person = _open_account(session, request)
    return SignupOutcome(person, False, not setting)


def _open_account(session: Session, request: SignupRequest) -> Person:
    """The account of a confirmed (and, where needed, approved) sign-up: made, or found by its
    email (someone imported in the meantime keeps their record), with the password chosen if it
    has none; then enrolled in the link's programme."""
    hold_lock(session, PEOPLE_LOCK)
    person = session.scalar(select(Person).where(Person.email == request.email)
                            .with_for_update())
    if person is None:
        person = Person(email=request.email, name=request.name)
        session.add(person)
        session.flush()
        record_event(session, None, "person.register", "person", person.id, via="signup")
    elif not person.active:
        raise PermissionDenied("this account is deactivated")
    if request.password_hash and not person.password_hash:
        person.password_hash = request.password_hash
        person.session_token = secrets.token_urlsafe(32)
        record_event(session, person, "person.set_password", "person", person.id, via="signup")
    request.password_hash = ""  # the account has it now (or had one already)
    request.person_id = person.id
    _enrol(session, person, request.link)
    session.flush()
    return person


def _enrol(session: Session, person: Person, link: SignupLink) -> None:
    """Enrol the person in the link's programme (once: they may be in it already)."""
    enrol_people(session, None, link.programme_id, [person.id])


def _tell(session: Session, request: SignupRequest, kind: str, **context) -> None:
    """Mail the person of a sign-up where it stands (waiting, approved, refused)."""
    person = session.get(Person, request.person_id) if request.person_id else None
    queue_mail(session, to=person or request.email, kind=kind, context={
        "name": person.name if person else request.name,
        "programme": request.link.programme.name, **context})


def pending_signups(session: Session, actor: Person | None) -> list[SignupRequest]:
    """Return the confirmed sign-ups waiting for a coordinator's approval, oldest first."""
    require_coordinator(actor, "approve sign-ups")
    query = (select(SignupRequest).join(SignupLink).where(SignupRequest.status == "waiting")
             .order_by(SignupRequest.verified_at, SignupRequest.id))
    visible = visible_programme_ids(session, actor)
    if visible is not None:
        query = query.where(SignupLink.programme_id.in_(sorted(visible)))
    return list(session.scalars(query))


def _decide(session: Session, actor: Person | None, request_id: int, status: str) -> SignupRequest:
    require_coordinator(actor, "approve sign-ups")
    request = session.get(SignupRequest, request_id)
    if request is None:
        raise NotFound(f"no sign-up {request_id}")
    require_programme(session, actor, request.link.programme_id)
    # Conditional: of two coordinators deciding at once, one decides and the other is told.
    decided = session.execute(
        update(SignupRequest).where(SignupRequest.id == request_id,
                                    SignupRequest.status == "waiting")
        .values(status=status, decided_by_id=actor.id if actor else None,
                decided_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)).rowcount
    if decided != 1:
        raise Conflict("this sign-up was decided already (or is not confirmed yet)")
    session.refresh(request)
    return request


def approve_signup(session: Session, actor: Person | None, request_id: int) -> SignupRequest:
    """Approve a waiting sign-up: the account opens (with the password its owner chose) and
    joins the programme."""
    request = _decide(session, actor, request_id, "approved")
    _open_account(session, request)
    record_event(session, actor, "signup.approve", "person", request.person_id,
                 request=request.id)
    _tell(session, request, "signup_approved", sign_in=link_to(session, "/sign-in"))
    session.flush()
    return request


def refuse_signup(session: Session, actor: Person | None, request_id: int) -> SignupRequest:
    """Refuse a waiting sign-up: no account is made, and the password chosen is forgotten."""
    request = _decide(session, actor, request_id, "refused")
    request.password_hash = ""
    record_event(session, actor, "signup.refuse", "signup_link", request.link_id,
                 request=request.id)
    _tell(session, request, "signup_refused")
    session.flush()
    return request
