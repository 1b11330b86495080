"""`/privacy` and `/terms`: the pages the Teams app's manifest links, with what is kept, where, and how long.

The district may supply its own text (PRIVACY_FILE, TERMS_FILE: paragraphs separated by blank lines,
"# " for a heading, "- " for a list item); otherwise the default says what this deployment's settings do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import ConfigError, Settings
from bot.email_updates import UNCONFIRMED_DAYS
from bot.platforms.base import Runtime
from bot.public_page import SECURITY_HEADERS, PublicPages


@dataclass
class Block:
    """A heading and what follows it, in the file's order: paragraphs ("p", text) and lists ("ul", items)."""

    heading: str = ""
    parts: list[tuple[str, Any]] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    """Plain text as headings, paragraphs and lists, in order (shown escaped: the file is text, never markup)."""
    blocks: list[Block] = [Block()]
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        prose: list[str] = []
        for line in (line.strip() for line in chunk.strip().split("\n")):
            if not line:
                continue
            if line.startswith("# ") or line.startswith("- "):
                if prose:
                    blocks[-1].parts.append(("p", " ".join(prose)))
                    prose = []
                if line.startswith("# "):
                    blocks.append(Block(heading=line[2:].strip()))
                elif blocks[-1].parts and blocks[-1].parts[-1][0] == "ul":
                    blocks[-1].parts[-1][1].append(line[2:].strip())
                else:
                    blocks[-1].parts.append(("ul", [line[2:].strip()]))
            else:
                prose.append(line)
        if prose:
            blocks[-1].parts.append(("p", " ".join(prose)))
    return [b for b in blocks if b.heading or b.parts]


def _for(days: int, what: str) -> str:
    return f"{what}: {days} days, then deleted." if days else f"{what}: kept until the department deletes them."


def _model(settings: Settings) -> str:
    if not settings.llm.enabled:
        return ""
    where = urlsplit(settings.llm.base_url).hostname if settings.llm.base_url else "OpenAI"
    return (f" Questions the department's own answers do not cover are sent, with the passages that may answer "
            f"them, to the language model service the district chose ({where}), to word the answer; they are sent "
            f"without your name or id.")


def default_privacy(settings: Settings) -> str:
    days = settings.retention_days
    email = ("\n- The e-mail address a web-chat user gives for updates on their requests, and whether they let the "
             "department see it. It is used only after its owner confirms it through the link e-mailed to it, and "
             "every e-mail links to the page that stops them. An address never confirmed is deleted after "
             f"{UNCONFIRMED_DAYS} days." if settings.smtp_url else "")
    return f"""\
partnerbot is the School and Community Partnerships department's assistant in Slack, Microsoft Teams and the web chat.

# What is kept
- What you ask and the bot's answer (to improve its answers and to find questions it cannot answer yet).
- Where a conversation stands (an unfinished request), and reminders you asked for.
- Consultation requests (tickets): what you asked, who you are on the platform you used, and what the department did.
- Corrections you report, and the department staff's actions (an audit log).
- Your platform's user id and the name it gives; in the web chat, a random id kept in a cookie.{email}

# Where
In the district's partnerbot database, run by the district. Messages travel through Slack or Microsoft Teams as \
they do for any other app there. Nothing is sold.{_model(settings)}

# Cookies
- The web chat keeps a random id in a cookie, so your conversation and your requests stay yours (a year from your \
last visit).
- The department's desk keeps its staff's sign-in in a cookie for the length of a sign-in.
- The e-mail settings page keeps a cookie for an hour that protects its buttons from forged requests.

# How long
- {_for(days, "Conversations, the question log, answers and their feedback, notices, reminders and e-mail addresses")}
- {_for(settings.ticket_retention_days, "Resolved consultation requests and their history")}
- {_for(settings.audit_retention_days, "The audit log of staff actions")}

# Your data
The district is responsible for this data. Ask the department at {settings.department_email} for a copy of \
everything kept about you, or for it to be deleted: say which chat you use (Slack, Teams or the web chat) and, from \
the web chat, the number of a request you made there (such as C-1234) or the e-mail address you confirmed, so \
the department can find you. Deleting removes your conversations, questions, reminders, notices and e-mail \
address; your requests stay as the department's record, without your identity.
"""


def default_terms(settings: Settings) -> str:
    return f"""\
partnerbot answers questions about the district's school and community partnerships and passes requests to the \
School and Community Partnerships department.

# Its answers
Its answers come from the department's own guidance. They are help, not a decision: where an agreement, a \
background check or a contract matters, the department's word (and the signed agreement) is what counts. When \
it is unsure it says so and offers to ask the department.

# Using it
Use it for district work. Do not send students' personal information, health information or passwords in a chat.

# Contact
{settings.department_email}
"""


def _text(path: str, name: str) -> str | None:
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name} {path!r} cannot be read: {exc.__class__.__name__}") from None


def install(app: web.Application, runtime: Runtime) -> None:
    settings = runtime.settings
    pages = PublicPages()
    texts = {
        "/privacy": ("Privacy", _text(settings.privacy_file, "PRIVACY_FILE") or default_privacy(settings)),
        "/terms": ("Terms of use", _text(settings.terms_file, "TERMS_FILE") or default_terms(settings)),
    }
    rendered = {path: pages.render("policy.html", title=title, blocks=parse(text))
                for path, (title, text) in texts.items()}

    async def show(request: web.Request) -> web.Response:
        return web.Response(text=rendered[request.path], content_type="text/html", headers=SECURITY_HEADERS)

    for path in rendered:
        app.router.add_get(path, show)
