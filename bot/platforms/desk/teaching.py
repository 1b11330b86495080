"""The desk's teaching page: this month's questions the bot could not answer (or was unsure of), each with
Teach (filed as a taught example, which every running bot learns within a minute, as from chat), and the
feedback people gave on answers drawn from the department's knowledge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.insights import build_report, month_window
from bot.models import GroundedAnswer, TaughtExample
from bot.models.base import utcnow
from bot.platforms.desk.kit import Kit, local_time
from bot.text import normalise
from bot.platforms.desk.sessions import SignedIn
from bot.understanding.learning import teach, teachable_intents
from knowledge import intent_summaries

SHOWN = 100
FEEDBACK_SHOWN = 50


def _view(session: Session, kit: Kit) -> dict[str, Any]:
    start, end = month_window(utcnow().astimezone(kit.settings.tz))
    report = build_report(session, start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc), kit.settings.llm)
    feedback = session.scalars(select(GroundedAnswer).where(GroundedAnswer.helpful.is_not(None))
                               .order_by(GroundedAnswer.feedback_at.desc()).limit(FEEDBACK_SHOWN))
    summaries = intent_summaries()
    taught = {normalise(t) for t in session.scalars(select(TaughtExample.text))}
    waiting = [item for item in report.unanswered if normalise(str(item["text"])) not in taught]
    return {
        "unanswered": waiting[:SHOWN], "total_unanswered": len(waiting),
        "intents": [(name, summaries.get(name, name)) for name in teachable_intents()],
        "helpful": report.grounded_helpful, "not_helpful": report.grounded_not_helpful,
        "answers": report.grounded_answers,
        "feedback": [{"when": local_time(g.feedback_at, kit.settings), "helpful": g.helpful, "mode": g.mode,
                      "sources": ", ".join(str(s.get("key", "")) for s in (g.sources or []) if isinstance(s, dict))}
                     for g in feedback],
    }


def install(app: web.Application, kit: Kit) -> None:
    async def page(request: web.Request, person: SignedIn, *, error: str = "", status: int = 200) -> web.StreamResponse:
        shown = await kit.db(lambda s: _view(s, kit))
        taught = request.query.get("taught", "")
        return kit.page("teach.html", status, title="Teach", person=person, error=error,
                        taught=taught if taught in teachable_intents() else "",
                        again=request.query.get("again") == "1", **shown)

    async def file(request: web.Request, person: SignedIn) -> web.StreamResponse:
        form = request["form"]
        text, intent = " ".join(str(form.get("text", "")).split())[:2000], str(form.get("intent", ""))
        if not text or intent not in teachable_intents():
            return await page(request, person, error="Choose a topic for the question.", status=400)

        def work(session: Session) -> bool:
            added = teach(session, text, intent, kit.actor(person), utcnow())
            if added:
                audit.record(session, kit.actor(person), "teach", text[:300], after={"intent": intent})
            return added
        added = await kit.db(work)
        raise kit.see_other(f"/desk/teach?taught={intent}" + ("" if added else "&again=1"))

    app.router.add_get("/desk/teach", kit.signed(page))
    app.router.add_post("/desk/teach", kit.signed(file))
