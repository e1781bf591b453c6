"""Mail with a one-time link (an invite, a password reset), sent only when SMTP_HOST is set."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app

from mentorship.people.models import Person

__all__ = ["send_invites", "send_password_reset"]


def send_invites(links: list[tuple[Person, str, datetime]]) -> tuple[bool, str]:
    """Mail each person their link; return whether it was mailed, and a sentence saying so.

    Without SMTP_HOST nothing is sent and the sentence is empty.
    """
    host = current_app.config["SMTP_HOST"]
    if not host:
        return False, ""
    try:
        _send(host, [_invitation(*link) for link in links])
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("invite mail failed: %s", error)
        return False, f"The mail server refused the invites ({error}): pass the links on yourself."
    return True, f"Mailed {len(links)} invite{'s' if len(links) != 1 else ''}."


def send_password_reset(person: Person, link: str, expires: datetime) -> bool:
    """Mail a person the link that sets a new password; return whether it was sent."""
    host = current_app.config["SMTP_HOST"]
    if not host:
        return False
    body = (f"Hello {person.name},\n\nSomeone (we hope you) asked to set a new password for "
            f"your library mentoring account. Set it here (the link works once, until "
            f"{expires:%d %B %Y}):\n\n{link}\n\nIf it was not you, ignore this mail: your "
            f"password stays as it is.\n")
    try:
        _send(host, [(person, "Set a new password for library mentoring", body)])
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("password reset mail failed: %s", error)
        return False
    return True


def _invitation(person: Person, link: str, expires: datetime) -> tuple[Person, str, str]:
    return (person, "Your library mentoring account",
            f"Hello {person.name},\n\nYou are invited to the library's peer-mentoring "
            f"programme. Set your password here (the link works once, until "
            f"{expires:%d %B %Y}):\n\n{link}\n")


def _send(host: str, messages: list[tuple[Person, str, str]]) -> None:
    """Send each (person, subject, body) over one SMTP connection."""
    with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=30) as smtp:
        for person, subject, body in messages:
            message = EmailMessage()
            message["From"] = current_app.config["SMTP_SENDER"]
            message["To"] = person.email
            message["Subject"] = subject
            message.set_content(body)
            smtp.send_message(message)
