"""The outbox: every mail the service sent or will send, its status, and a retry for failures."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from mentorship.core.settings import mail_settings
from mentorship.mail import MailStatus, get_outbox_message, list_outbox, retry_message
from mentorship.mail.outbox import body_readable_by
from webapp.auth import actor, coordinator_required
from webapp.database import get_db

bp = Blueprint("outbox", __name__, url_prefix="/coordinator/outbox")


@bp.get("")
@coordinator_required
def index():
    """The outbox, newest first, optionally one status."""
    status = request.args.get("status", "")
    page, counts = list_outbox(get_db(), actor(), status=status,
                               page=request.args.get("page", 1, type=int))
    return render_template("outbox/index.html", page=page, counts=counts, status=status,
                           statuses=[s.value for s in MailStatus],
                           mailing=bool(mail_settings(current_app.config).host))


@bp.get("/<int:message_id>")
@coordinator_required
def message(message_id: int):
    """One mail in full: headers, plain text and HTML, and its sending history."""
    found = get_outbox_message(get_db(), actor(), message_id)
    return render_template("outbox/message.html", message=found,
                           readable=body_readable_by(actor(), found),
                           mailing=bool(mail_settings(current_app.config).host))


@bp.post("/<int:message_id>/retry")
@coordinator_required
def retry(message_id: int):
    """Queue a failed mail again; it is sent once this request commits."""
    retry_message(get_db(), actor(), message_id)
    flash("The mail is queued again: it is sent in a moment.")
    return redirect(url_for("outbox.message", message_id=message_id), code=303)
