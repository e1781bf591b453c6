"""Invite mail, sent only when SMTP_HOST is set; otherwise links are shown and logged."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app

from mentorship.people.models import Person

__all__ = ["send_invites"]


def send_invites(links: list[tuple[Person, str, datetime]]) -> tuple[bool, str]:
    """Mail each person their link; return whether it was mailed, and a sentence saying so.

    Without SMTP_HOST nothing is sent and the sentence is empty.
    """
    host = current_app.config["SMTP_HOST"]
    if not host:
        return False, ""
    try:
        _send(host, links)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("invite mail failed: %s", error)
        return False, f"The mail server refused the invites ({error}): pass the links on yourself."
    return True, f"Mailed {len(links)} invite{'s' if len(links) != 1 else ''}."


def _send(host: str, links: list[tuple[Person, str, datetime]]) -> None:
    with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=30) as smtp:
        for person, link, expires in links:
            message = EmailMessage()
            message["From"] = current_app.config["SMTP_SENDER"]
            message["To"] = person.email
            message["Subject"] = "Your library mentoring account"
            message.set_content(
                f"Hello {person.name},\n\nYou are invited to the library's peer-mentoring "
                f"programme. Set your password here (the link works once, until "
                f"{expires:%d %B %Y}):\n\n{link}\n"
            )
            smtp.send_message(message)
