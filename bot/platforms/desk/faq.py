"""The desk's FAQ pages: each topic's words (title, overview, source) and its entries (the questions each
answers, its cues and its answer), changed, added and deleted in the browser (bot/faq_entries.py). Every
running bot answers from the change within seconds; a question added to an entry is also taught to the
classifier as that topic's, so questions worded like it reach the topic at all."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot import audit, faq_entries
from bot.faq_entries import FaqError
from bot.models.base import utcnow
from bot.platforms.desk.kit import Kit
from bot.platforms.desk.sessions import SignedIn
from bot.understanding.learning import teach

TOPIC_FIELDS = ("title", "overview", "source")
ENTRY_FIELDS = ("questions", "cues", "answer")


def _entry_shown(row: Any) -> dict[str, str]:
    return {"key": row.key, "slug": row.key.split("/", 1)[1], "questions": "\n".join(row.questions or ()),
            "cues": ", ".join(row.cues or ()), "answer": row.answer}


def _topic_view(session: Session, name: str) -> dict[str, Any] | None:
    topic = faq_entries.load(session).get(name)
    if topic is None or not faq_entries.topic_stored(session, name):
        return None
    return {"name": topic.name, "title": topic.title, "overview": topic.overview, "source": topic.source,
            "entries": [{"slug": e.key.split("/", 1)[1], "question": e.questions[0] if e.questions else "",
                         "questions": len(e.questions)} for e in topic.entries]}


def install(app: web.Application, kit: Kit) -> None:
    async def listing(request: web.Request, person: SignedIn) -> web.StreamResponse:
        topics = await kit.db(lambda s: [t for name, t in faq_entries.load(s).items() if faq_entries.topic_stored(s, name)])
        return kit.page("faq.html", title="FAQ", person=person, topics=topics)

    async def topic_page(request: web.Request, person: SignedIn, *, form: dict[str, str] | None = None,
                         entry_form: dict[str, str] | None = None, error: str = "", status: int = 200) -> web.StreamResponse:
        name = request.match_info["topic"][:60]
        topic = await kit.db(lambda s: _topic_view(s, name))
        if topic is None:
            return kit.page("message.html", 404, title="No such FAQ topic", person=person,
                            text="That topic is not among the FAQ's topics.")
        return kit.page("faq_topic.html", status, title=topic["title"], person=person, topic={**topic, **(form or {})},
                        entry=entry_form or {}, error=error, done=request.query.get("done", ""))

    async def save_topic(request: web.Request, person: SignedIn) -> web.StreamResponse:
        name = request.match_info["topic"][:60]
        form = {f: str(request["form"].get(f, ""))[:20_000] for f in TOPIC_FIELDS}

        def work(session: Session) -> None:
            row, before = faq_entries.save_topic(session, name, form["title"], form["overview"], form["source"],
                                                 kit.actor(person), utcnow())
            audit.record(session, kit.actor(person), "faq.topic.change", name, before=before,
                         after={"title": row.title, "overview": row.overview, "source": row.source})
        try:
            await kit.db(work)
        except FaqError as exc:
            return await topic_page(request, person, form=form, error=str(exc), status=400)
        raise kit.see_other(f"/desk/faq/{name}?done=saved")

    async def entry_page(request: web.Request, person: SignedIn, *, form: dict[str, str] | None = None,
                         error: str = "", status: int = 200) -> web.StreamResponse:
        name, slug = request.match_info["topic"][:60], request.match_info["slug"][:100]
        row = await kit.db(lambda s: (lambda r: _entry_shown(r) if r is not None and r.topic == name else None)(
            faq_entries.entry(s, f"{name}/{slug}")))
        if row is None:
            return kit.page("message.html", 404, title="No such FAQ entry", person=person,
                            text="That entry is not in this FAQ topic (it may have been deleted).")
        return kit.page("faq_entry.html", status, title="FAQ entry", person=person, topic=name,
                        entry={**row, **(form or {})}, error=error, done=request.query.get("done", ""))

    async def save_entry(request: web.Request, person: SignedIn) -> web.StreamResponse:
        name = request.match_info["topic"][:60]
        slug = request.match_info.get("slug")
        form = {f: str(request["form"].get(f, ""))[:20_000] for f in ENTRY_FIELDS}

        def work(session: Session) -> str:
            now, by = utcnow(), kit.actor(person)
            row, before = faq_entries.save_entry(session, name, f"{name}/{slug[:100]}" if slug else None, form["cues"],
                                                 form["questions"], form["answer"], by, now)
            known = set(before["questions"]) if before else set()  # type: ignore[arg-type]
            for question in row.questions:
                if question not in known:
                    teach(session, question, name, by, now)
            audit.record(session, by, "faq.entry.add" if before is None else "faq.entry.change", row.key, before=before,
                         after={"cues": list(row.cues), "questions": list(row.questions), "answer": row.answer})
            return row.key
        try:
            saved = await kit.db(work)
        except FaqError as exc:
            if slug:
                return await entry_page(request, person, form=form, error=str(exc), status=400)
            return await topic_page(request, person, entry_form=form, error=str(exc), status=400)
        raise kit.see_other(f"/desk/faq/{saved}?done=saved")

    async def remove_entry(request: web.Request, person: SignedIn) -> web.StreamResponse:
        name, slug = request.match_info["topic"][:60], request.match_info["slug"][:100]

        def work(session: Session) -> bool:
            row = faq_entries.entry(session, f"{name}/{slug}")
            if row is None or row.topic != name:
                return False
            faq_entries.delete_entry(session, row.key, kit.actor(person), utcnow())
            audit.record(session, kit.actor(person), "faq.entry.delete", row.key, before=_entry_shown(row))
            return True
        if not await kit.db(work):
            return kit.page("message.html", 404, title="No such FAQ entry", person=person, text="That entry is gone.")
        raise kit.see_other(f"/desk/faq/{name}?done=deleted")

    app.router.add_get("/desk/faq", kit.signed(listing))
    app.router.add_get("/desk/faq/{topic}", kit.signed(topic_page))
    app.router.add_post("/desk/faq/{topic}", kit.signed(save_topic))
    app.router.add_post("/desk/faq/{topic}/entries", kit.signed(save_entry))
    app.router.add_get("/desk/faq/{topic}/{slug}", kit.signed(entry_page))
    app.router.add_post("/desk/faq/{topic}/{slug}", kit.signed(save_entry))
    app.router.add_post("/desk/faq/{topic}/{slug}/delete", kit.signed(remove_entry))
