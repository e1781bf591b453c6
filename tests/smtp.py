"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, with optional STARTTLS, TLS and login."""

from __future__ import annotations

import socket
import ssl
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "mailer", "s3cret-pass"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox(list):
    """The messages the server accepted, in order; `refuse` makes it answer DATA with an error."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: str = ""
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return self.refuse
        with self.arrived:
            self.append(message_from_bytes(envelope.content, policy=policy.default))
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 20.0) -> list[EmailMessage]:
        """Wait until `count` messages arrived; return them."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self) >= count, timeout=seconds)
        assert len(self) >= count, f"{len(self)} of {count} mails arrived"
        return list(self)


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(*, security: str = "none", login: bool = False, certificate=None):
    """Run a mail server; yield (inbox, settings for `mentorship.core.settings.mail_settings`).

    `certificate` (a trustme CA) is needed for starttls and tls; its CA file is in the settings.
    """
    inbox = Inbox()
    port = free_port()
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": security}
    options: dict = {}
    if security != "none":
        ca, ca_file = certificate
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        settings["SMTP_CA_FILE"] = ca_file
        if security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options["ssl_context"] = context
    if login:
        # Under implicit TLS aiosmtpd does not know its socket is encrypted: it must not ask
        # for STARTTLS before the login.
        options.update(authenticator=_authenticate, auth_required=True,
                       auth_require_tls=security == "starttls")
        settings.update(SMTP_USER=USER, SMTP_PASSWORD=PASSWORD)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, settings
    finally:
        controller.stop()
