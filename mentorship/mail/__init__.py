"""Mail people receive: rendered from templates into the outbox, sent by a background job.

Queue with `queue_mail` (or one of the functions in `mentorship.mail.messages`) inside the
caller's transaction; once it commits, a sender (a thread, or RQ when REDIS_URL is set) sends
it over SMTP with retries. A new kind of mail is two files in `mentorship/mail/templates/`:
`<kind>.txt` (which sets ``subject``) and `<kind>.html`.
"""

from mentorship.mail.models import MailStatus, OutboxMessage
from mentorship.mail.outbox import (
    OutboxCounts,
    get_outbox_message,
    list_outbox,
    queue_mail,
    retry_message,
)
from mentorship.mail.render import RenderedMail, render_mail

__all__ = [
    "MailStatus",
    "OutboxCounts",
    "OutboxMessage",
    "RenderedMail",
    "get_outbox_message",
    "list_outbox",
    "queue_mail",
    "render_mail",
    "retry_message",
]
