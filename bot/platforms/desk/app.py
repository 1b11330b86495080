"""The department's desk at /desk: sign-in, the ticket queue, staff (admins) and the audit log (admins).

Pages are Jinja2 templates (autoescaped: user text is always escaped); every state-changing request is a
POST carrying the session's CSRF token; the database work runs off the event loop (runtime.run)."""

from __future__ import annotations

import csv
import io
import logging
import secrets
from importlib import resources
from typing import Any, Awaitable, Callable
from urllib.parse import quote, urlsplit

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit, email_updates
from bot.config import Settings
from bot.directory import editing
from bot.directory.importer import spreadsheet_safe
from bot.models import StaffMember, StaffPerson, Ticket
from bot.models.base import utcnow
from bot.models.desk import ROLES
from bot.platforms.desk import contacts as contacts_pages
from bot.platforms.desk import district as district_pages
from bot.platforms.desk import faq as faq_pages
from bot.platforms.desk import knowledge as knowledge_pages
from bot.platforms.desk import partners as partners_pages
from bot.platforms.desk import sessions
from bot.platforms.desk import teaching as teaching_pages
from bot.platforms.desk import trainings as trainings_pages
from bot.platforms.desk.kit import Kit, local_time
from bot.platforms.desk.oidc import Issuer, SignInRefused
from bot.platforms.web.identity import is_https
from bot.tickets import service as tickets
from bot.tickets.service import DESK, Actor, TicketError
from bot.web_requests import from_this_machine, same_secret

log = logging.getLogger("partnerbot.desk")
COOKIE = "partnerbot_desk"
PRE_COOKIE = "partnerbot_desk_pre"
"""Before sign-in: a random value the development sign-in form must echo (a forged cross-site post cannot)."""
STATUSES = ("open", "unclaimed", "claimed", "resolved", "cancelled", "all")
ACTIONS = ("claim", "resolve", "reopen", "note", "assign")
STATIC = {"desk.css": "text/css", "desk.js": "text/javascript", "favicon.svg": "image/svg+xml"}
FORM_LIMIT = 20_000


def _headers(settings: Settings) -> dict[str, str]:
    issuer = f" {settings.oidc_issuer}" if settings.oidc_issuer else ""
    return {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                        f"script-src 'self'; frame-ancestors 'none'; form-action 'self'{issuer}")}


def _local_path(value: str | None) -> str:
    """Where to go after sign-in: a path on the desk only (never another site)."""
    if not value:
        return "/desk"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/desk") or "\\" in value:
        return "/desk"
    return value[:300]


def install(app: web.Application, runtime: Any) -> None:
    settings: Settings = runtime.settings
    headers = _headers(settings)
    templates = Environment(loader=PackageLoader("bot.platforms.desk", "templates"),
                            autoescape=select_autoescape(default=True, default_for_string=True))
    issuer = (Issuer(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret.reveal())
              if settings.oidc_issuer and settings.oidc_client_id else None)

    def page(name: str, code: int = 200, **values: Any) -> web.Response:
        html = templates.get_template(name).render(issuer=issuer is not None, **values)
        return web.Response(text=html, status=code, content_type="text/html", headers=headers)

    def off() -> web.Response:
        return page("message.html", 404, title="The desk is off",
                    text="Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET to turn on the department's desk.")

    async def db(fn: Callable[[Session], Any]) -> Any:
        def work() -> Any:
            with runtime.database.session() as session:
                return fn(session)
        return await runtime.run(work)

    async def who(request: web.Request) -> sessions.SignedIn | None:
        token = request.cookies.get(COOKIE, "")
        if not token:
            return None
        return await db(lambda s: sessions.signed_in(s, token, utcnow()))

    Handler = Callable[[web.Request, sessions.SignedIn], Awaitable[web.StreamResponse]]

    def signed(handler: Handler, *, admin: bool = False) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A desk route: signed-in staff only (admins only where `admin`); a POST needs the CSRF token."""
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not settings.desk_signs_in:
                return off()
            person = await who(request)
            if person is None:
                if request.method == "GET":
                    raise web.HTTPSeeOther(f"/desk/sign-in?next={quote(request.path_qs)}", headers=headers)
                return page("message.html", 401, title="Signed out", text="Your session has ended: sign in again.")
            if admin and not person.is_admin:
                return page("message.html", 403, title="Administrators only", person=person,
                            text="This page is for the desk's administrators.")
            if request.method == "POST":
                form = await request.post()
                if not same_secret(str(form.get("csrf", "")), person.csrf):
                    return page("message.html", 403, title="Form expired", person=person,
                                text="This form has expired or did not come from the desk. Go back, reload and try again.")
                request["form"] = form
            return await handler(request, person)
        return guarded

    def sign_in_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
        response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", secure=is_https(request), path="/desk",
                            max_age=int(settings.desk_session_hours * 3600))

    def redirect_uri(request: web.Request) -> str:
        base = settings.public_url or f"{'https' if is_https(request) else 'http'}://{request.host}"
        return f"{base}/desk/callback"

    async def sign_in(request: web.Request) -> web.StreamResponse:
        if not settings.desk_signs_in:
            return off()
        dev = settings.desk_dev_sign_in and from_this_machine(request)
        pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
        response = page("sign_in.html", title="Sign in", next=_local_path(request.query.get("next")), dev=dev,
                        pre=pre, error=request.query.get("refused") == "1")
        response.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="Strict", secure=is_https(request), path="/desk",
                            max_age=1800)
        return response

    async def login(request: web.Request) -> web.StreamResponse:
        if issuer is None:
            return off()
        try:
            started = await issuer.start(redirect_uri(request))
        except Exception:
            log.warning("desk sign-in: the identity provider's discovery document could not be read")
            return page("message.html", 502, title="Sign-in unavailable",
                        text="The district's sign-in service did not answer. Try again in a minute.")
        next_path = _local_path(request.query.get("next"))
        await db(lambda s: sessions.begin_login(s, started.state, started.nonce, started.code_verifier, next_path, utcnow()))
        raise web.HTTPFound(started.url, headers=headers)

    async def callback(request: web.Request) -> web.StreamResponse:
        if issuer is None:
            return off()
        state, code = request.query.get("state", ""), request.query.get("code", "")
        login_row = await db(lambda s: sessions.take_login(s, state, utcnow())) if state else None
        if login_row is None or not code:
            return page("message.html", 400, title="Sign-in expired",
                        text="That sign-in link was already used or has expired. Sign in again.")
        try:
            claims = await issuer.finish(code, redirect_uri(request), login_row.nonce, login_row.code_verifier)
        except SignInRefused as exc:
            log.warning("desk sign-in refused", extra={"turn": {"reason": str(exc)}})
            return page("message.html", 401, title="Sign-in refused", text=f"Sign-in failed: {exc}.")
        return await _open(request, claims.get("email"), claims.get("sub"), login_row.next_path,
                           verified=claims.get("email_verified", True) is not False)

    async def _open(request: web.Request, email: str | None, subject: str | None, next_path: str, *,
                    verified: bool = True) -> web.StreamResponse:
        def work(session: Session) -> str | None:
            person = sessions.staff_for(session, email if verified else None, subject)
            shown = f"{DESK}:{(email or subject or '?')[:200]}"
            if person is None:
                audit.record(session, shown, "desk.sign_in_refused", note="not on the staff list")
                return None
            audit.record(session, audit.actor_label(DESK, person.email, person.name), "desk.sign_in")
            return sessions.open_session(session, person, utcnow(), settings.desk_session_hours)
        token = await db(work)
        if token is None:
            return page("message.html", 403, title="Not on the staff list",
                        text="You signed in, but you are not on the department's staff list. "
                             "Ask a desk administrator to add you.")
        response = web.HTTPSeeOther(_local_path(next_path), headers=headers)
        sign_in_cookie(response, request, token)
        response.del_cookie(PRE_COOKIE, path="/desk")
        raise response

    async def dev_sign_in(request: web.Request) -> web.StreamResponse:
        """Loopback only, on the embedded default only (never with PostgreSQL): sign in as a staff member by
        e-mail; on a database with no staff yet, the first one is made an admin."""
        if not (settings.desk_dev_sign_in and from_this_machine(request)):
            return page("message.html", 404, title="Not here", text="Development sign-in is off.")
        form = await request.post()
        pre = request.cookies.get(PRE_COOKIE, "")
        if not pre or not same_secret(str(form.get("pre", "")), pre):
            return page("message.html", 403, title="Form expired", text="Reload the sign-in page and try again.")
        email = str(form.get("email", "")).strip().lower()[:320]
        if "@" not in email:
            return page("sign_in.html", 400, title="Sign in", next=_local_path(str(form.get("next", ""))), dev=True,
                        pre=pre, invalid="Enter an e-mail address, such as dana@district.example.")

        def first_admin(session: Session) -> None:
            if session.scalar(select(func.count()).select_from(StaffPerson)) == 0:
                session.add(StaffPerson(email=email, name=email.split("@")[0], role="admin"))
                audit.record(session, "cli:dev-sign-in", "staff.add", email, after={"role": "admin"})
        await db(first_admin)
        return await _open(request, email, None, str(form.get("next", "")))

    async def sign_out(request: web.Request, person: sessions.SignedIn) -> web.StreamResponse:
        token = request.cookies.get(COOKIE, "")

        def work(session: Session) -> None:
            sessions.close_session(session, token)
            audit.record(session, Kit.actor(person), "desk.sign_out")
        await db(work)
        response = web.HTTPSeeOther("/desk/sign-in?signed_out=1", headers=headers)
        response.del_cookie(COOKIE, path="/desk")
        raise response

    def actor(person: sessions.SignedIn) -> Actor:
        return Actor(DESK, person.email, person.name or person.email)

    async def queue(request: web.Request, person: sessions.SignedIn) -> web.StreamResponse:
        status = request.query.get("status", "open")
        status = status if status in STATUSES else "open"
        text = request.query.get("q", "")[:200]
        found, version = await db(lambda s: ([_row(s, t, settings) for t in tickets.search(s, status, text)],
                                             _version(s)))  # one session: the list and its version agree
        template = "queue_rows.html" if request.query.get("fragment") == "1" else "queue.html"
        return page(template, title="Consultation queue", person=person, tickets=found, status=status, q=text,
                    statuses=STATUSES, version=version)

    async def queue_version(request: web.Request, person: sessions.SignedIn) -> web.StreamResponse:
        return web.json_response({"version": await db(_version)}, headers=headers)

    async def ticket_page(request: web.Request, person: sessions.SignedIn, *, error: str = "",
                          status: int = 200) -> web.StreamResponse:
        number = tickets.find_numbers(request.match_info["number"])
        found, staff = await db(lambda s: (_detail(s, number[0], settings) if number else None, _staff_choices(s)))
        if found is None:
            return page("message.html", 404, title="No such ticket", person=person,
                        text=f"There is no ticket {request.match_info['number']}.")
        return page("ticket.html", status, title=f"Ticket {found['number']}", person=person, t=found, error=error,
                    done=request.query.get("done", ""), staff=staff)

    async def act(request: web.Request, person: sessions.SignedIn) -> web.StreamResponse:
        action = request.match_info["action"]
        number = tickets.find_numbers(request.match_info["number"])
        if action not in ACTIONS or not number:
            return page("message.html", 404, title="Not found", person=person, text="No such action.")
        form = request["form"]
        text = str(form.get("text", ""))[:FORM_LIMIT]
        assignee = str(form.get("assignee", ""))

        def work(session: Session) -> str:
            outbox, now, me = runtime.bot.outbox, utcnow(), actor(person)
            if action == "claim":
                tickets.claim(session, outbox, number[0], me, now)
            elif action == "resolve":
                tickets.resolve(session, outbox, number[0], me, text.strip(), now)
            elif action == "reopen":
                tickets.reopen(session, outbox, number[0], me, now)
            elif action == "note":
                tickets.add_note(session, outbox, number[0], me, text, now)
            else:
                target = session.scalar(select(StaffPerson).where(StaffPerson.email == assignee.lower()))
                if target is None:
                    raise TicketError("Choose someone on the staff list.")
                tickets.assign(session, settings, outbox, number[0], me, Actor(DESK, target.email, target.name or target.email), now)
            return action
        try:
            done = await db(work)
        except TicketError as exc:
            return await ticket_page(request, person, error=str(exc), status=409)
        raise web.HTTPSeeOther(f"/desk/tickets/{request.match_info['number']}?done={done}", headers=headers)

    async def staff_page(request: web.Request, person: sessions.SignedIn, *, error: str = "",
                         status: int = 200) -> web.StreamResponse:
        people = await db(_people)
        return page("staff.html", status, title="Staff", person=person, people=people, roles=ROLES, error=error,
                    done=request.query.get("done", ""))

    async def staff_add(request: web.Request, person: sessions.SignedIn) -> web.StreamResponse:
        form = request["form"]
        email = str(form.get("email", "")).strip().lower()[:320]
        name = " ".join(str(form.get("name", "")).split())[:200]
        role = str(form.get("role", "staff"))
        if "@" not in email or role not in ROLES:
            return await staff_page(request, person, error="Give an e-mail address and a role.", status=400)

        def work(session: Session) -> str:
            existing = session.scalar(select(StaffPerson).where(StaffPerson.email == email))
            before = {"name": existing.name, "role": existing.role} if existing else None
            if existing is None:
                session.add(StaffPerson(email=email, name=name, role=role))
            else:
                existing.name, existing.role = name or existing.name, role
            audit.record(session, Kit.actor(person),
                         "staff.change" if existing else "staff.add", email, before=before,
                         after={"name": name or (existing.name if existing else ""), "role": role})
            return "changed" if existing else "added"
        raise web.HTTPSeeOther(f"/desk/staff?done={await db(work)}", headers=headers)

    async def staff_remove(request: web.Request, person: sessions.SignedIn) -> web.StreamResponse:
        email = str(request["form"].get("email", "")).strip().lower()
        if email == person.email:
            return await staff_page(request, person, error="You cannot remove yourself; ask another administrator.",
                                    status=400)

        def work(session: Session) -> bool:
            target = session.scalar(select(StaffPerson).where(StaffPerson.email == email))
            if target is None:
                return False
            audit.record(session, Kit.actor(person), "staff.remove", email,
                         before={"name": target.name, "role": target.role})
            session.delete(target)
            return True
        if not await db(work):
            return await staff_page(request, person, error=f"{email} is not on the staff list.", status=404)
        raise web.HTTPSeeOther("/desk/staff?done=removed", headers=headers)

    async def audit_page(request: web.Request, person: sessions.SignedIn) -> web.StreamResponse:
        events = await db(lambda s: [_event(e) for e in audit.recent(s, 500)])
        if request.path.endswith(".csv"):
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["at", "actor", "action", "target", "before", "after", "note"])
            for e in events:
                writer.writerow([spreadsheet_safe(str(e[k])) for k in ("at", "actor", "action", "target", "before",
                                                                        "after", "note")])
            return web.Response(text=out.getvalue(), content_type="text/csv", headers={
                **headers, "Content-Disposition": 'attachment; filename="partnerbot-audit.csv"'})
        return page("audit.html", title="Audit log", person=person, events=events)

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        body = resources.files("bot.platforms.desk").joinpath("static", name).read_bytes()
        return web.Response(body=body, content_type=STATIC[name],
                            headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})

    app.router.add_get("/desk/sign-in", sign_in)
    app.router.add_get("/desk/login", login)
    app.router.add_get("/desk/callback", callback)
    app.router.add_post("/desk/dev-sign-in", dev_sign_in)
    app.router.add_post("/desk/sign-out", signed(sign_out))
    app.router.add_get("/desk", signed(queue))
    app.router.add_get("/desk/queue/version", signed(queue_version))
    app.router.add_get("/desk/tickets/{number}", signed(ticket_page))
    app.router.add_post("/desk/tickets/{number}/{action}", signed(act))
    app.router.add_get("/desk/staff", signed(staff_page, admin=True))
    app.router.add_post("/desk/staff", signed(staff_add, admin=True))
    app.router.add_post("/desk/staff/remove", signed(staff_remove, admin=True))
    app.router.add_get("/desk/audit", signed(audit_page, admin=True))
    app.router.add_get("/desk/audit.csv", signed(audit_page, admin=True))
    app.router.add_get("/desk/static/{name}", static)
    kit = Kit(settings, headers, page, db, signed, runtime.bot.outbox)
    partners_pages.install(app, kit)
    trainings_pages.install(app, kit)
    teaching_pages.install(app, kit)
    contacts_pages.install(app, kit)
    knowledge_pages.install(app, kit)
    district_pages.install(app, kit)
    faq_pages.install(app, kit)


def _version(session: Session) -> str:
    """Changes when any ticket changes: the queue page reloads its list when this moves."""
    latest, count = session.execute(select(func.max(Ticket.updated_at), func.count(Ticket.id))).one()
    return f"{latest.isoformat() if latest else '-'}/{count}"


def _row(session: Session, ticket: Ticket, settings: Settings) -> dict[str, Any]:
    return {"number": ticket.number, "status": ticket.status, "topic": tickets.topic_label(ticket.topic),
            "school": tickets.school_name(session, ticket) or "", "requester": ticket.requester_name or ticket.requester_id,
            "platform": ticket.requester_platform, "assignee": ticket.assignee_name or "",
            "description": ticket.description, "created": local_time(ticket.created_at, settings),
            "updated": local_time(ticket.updated_at, settings)}


def _detail(session: Session, ticket_id: int, settings: Settings) -> dict[str, Any] | None:
    ticket = session.get(Ticket, ticket_id) if ticket_id > 0 else None
    if ticket is None:
        return None
    names = {(m.platform, m.user_id): m.display_name for m in session.scalars(select(StaffMember))}
    people = {p.email: p.name for p in session.scalars(select(StaffPerson))}
    history = [{"kind": e.kind, "at": local_time(e.at, settings), "note": e.note or "",
                "who": (people.get(e.actor_id) if e.actor_platform == DESK else names.get((e.actor_platform, e.actor_id)))
                or (ticket.requester_name if (e.actor_platform, e.actor_id) == (ticket.requester_platform, ticket.requester_id)
                    else "") or e.actor_id}
               for e in ticket.events]
    return {**_row(session, ticket, settings), "resolution": ticket.resolution or "", "history": history,
            "email": email_updates.shared_with_department(session, ticket.requester_platform, ticket.requester_id),
            "about": editing.entries_about(session, ticket.id)}


def _staff_choices(session: Session) -> list[dict[str, str]]:
    return [{"email": p.email, "name": p.name or p.email} for p in session.scalars(select(StaffPerson).order_by(StaffPerson.name))]


def _people(session: Session) -> list[dict[str, Any]]:
    linked: dict[int, list[str]] = {}
    for member in session.scalars(select(StaffMember).where(StaffMember.person_id.is_not(None))):
        linked.setdefault(member.person_id or 0, []).append(f"{member.platform}:{member.user_id}")
    return [{"email": p.email, "name": p.name, "role": p.role, "linked": ", ".join(sorted(linked.get(p.id, [])))}
            for p in session.scalars(select(StaffPerson).order_by(StaffPerson.email))]


def _event(event: Any) -> dict[str, Any]:
    return {"at": event.at.isoformat(timespec="seconds"), "actor": event.actor, "action": event.action,
            "target": event.target, "before": _flat(event.before), "after": _flat(event.after), "note": event.note or ""}


def _flat(values: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (values or {}).items())
