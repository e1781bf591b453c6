"""Mail templates: each kind is `templates/<kind>.txt` (plain text, which sets `subject`) and
`templates/<kind>.html` (the HTML part), rendered with Jinja2 from the same context."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, select_autoescape

from mentorship.core.errors import InvalidInput

__all__ = ["RenderedMail", "render_mail"]


@dataclass(frozen=True)
class RenderedMail:
    """A mail as it will be sent: subject, plain-text part, HTML part."""

    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    # StrictUndefined: a context missing a name fails when the mail is queued, not in a body.
    return Environment(loader=PackageLoader("mentorship.mail", "templates"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def render_mail(kind: str, context: dict) -> RenderedMail:
    """Render the subject, plain text and HTML of the mail `kind` with `context`."""
    environment = _environment()
    try:
        text_template = environment.get_template(f"{kind}.txt")
        html_template = environment.get_template(f"{kind}.html")
    except TemplateNotFound:
        raise InvalidInput(f"there is no mail template {kind!r}") from None
    text = text_template.make_module(vars=context)
    subject = " ".join(str(getattr(text, "subject", "")).split())
    if not subject:
        raise InvalidInput(f"the mail template {kind}.txt sets no subject")
    return RenderedMail(subject=subject[:300], text=str(text).strip() + "\n",
                        html=html_template.render(context, subject=subject))
