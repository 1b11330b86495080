"""The desk's knowledge page: the department's own answers (bot/department_answers.py), added, changed and
deleted in the browser; every running bot searches the change within seconds."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot import audit, department_answers
from bot.department_answers import AnswerError
from bot.models.base import utcnow
from bot.platforms.desk.kit import Kit
from bot.platforms.desk.sessions import SignedIn

FIELDS = ("title", "source", "questions", "answer")


def _shown(row: Any) -> dict[str, str]:
    return {"key": row.key, "title": row.title, "source": row.source, "questions": "\n".join(row.questions or ()),
            "answer": row.answer}


def install(app: web.Application, kit: Kit) -> None:
    async def listing(request: web.Request, person: SignedIn, *, form: dict[str, str] | None = None,
                      error: str = "", status: int = 200) -> web.StreamResponse:
        answers = await kit.db(department_answers.current)
        return kit.page("knowledge.html", status, title="Answers", person=person, answers=answers, error=error,
                        form=form or {}, done=request.query.get("done", ""))

    async def edit_page(request: web.Request, person: SignedIn, *, form: dict[str, str] | None = None,
                        error: str = "", status: int = 200) -> web.StreamResponse:
        key = request.match_info["key"][:100]
        row = await kit.db(lambda s: (lambda r: _shown(r) if r is not None else None)(department_answers.one(s, key)))
        if row is None:
            return kit.page("message.html", 404, title="No such answer", person=person,
                            text="That answer is not among the department's answers (it may have been deleted).")
        return kit.page("answer.html", status, title=row["title"], person=person, entry={**row, **(form or {})},
                        error=error, done=request.query.get("done", ""))

    async def save(request: web.Request, person: SignedIn) -> web.StreamResponse:
        key = request.match_info.get("key")
        form = {f: str(request["form"].get(f, ""))[:20_000] for f in FIELDS}

        def work(session: Session) -> str:
            row, before = department_answers.save(session, key, form["title"], form["source"], form["questions"],
                                                  form["answer"], kit.actor(person), utcnow())
            after = {"title": row.title, "source": row.source, "questions": list(row.questions), "answer": row.answer}
            audit.record(session, kit.actor(person), "answer.add" if before is None else "answer.change", row.key,
                         before=before, after=after)
            return row.key
        try:
            saved = await kit.db(work)
        except AnswerError as exc:
            if key:
                return await edit_page(request, person, form=form, error=str(exc), status=400)
            return await listing(request, person, form=form, error=str(exc), status=400)
        raise kit.see_other(f"/desk/knowledge/{saved}?done=saved")

    async def remove(request: web.Request, person: SignedIn) -> web.StreamResponse:
        key = request.match_info["key"][:100]

        def work(session: Session) -> bool:
            row = department_answers.delete(session, key, kit.actor(person), utcnow())
            if row is not None:
                audit.record(session, kit.actor(person), "answer.delete", key, before=_shown(row))
            return row is not None
        if not await kit.db(work):
            return kit.page("message.html", 404, title="No such answer", person=person, text="That answer is gone.")
        raise kit.see_other("/desk/knowledge?done=deleted")

    app.router.add_get("/desk/knowledge", kit.signed(listing))
    app.router.add_post("/desk/knowledge", kit.signed(save))
    app.router.add_get("/desk/knowledge/{key}", kit.signed(edit_page))
    app.router.add_post("/desk/knowledge/{key}", kit.signed(save))
    app.router.add_post("/desk/knowledge/{key}/delete", kit.signed(remove))
