"""The department's desk over real HTTP: sign-in through a fake OpenID Connect provider, the queue's
actions through the ticket service, roles, CSRF and the audit log."""

from __future__ import annotations

import contextlib
import re
from typing import Any, Callable, Iterator

import pytest
import requests
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.models import AuditEvent, DeskSession, EmailAddress, StaffPerson, Ticket
from bot.seed import prepare
from bot.server import Runtime, build_app
from tests.conftest import make_bot, make_settings
from tests.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOIDC
from tests.fakes import ServerThread


class Desk:
    def __init__(self, url: str, runtime: Runtime, idp: FakeOIDC) -> None:
        self.url, self.runtime, self.idp = url, runtime, idp

    def add_staff(self, email: str, name: str, role: str = "staff") -> None:
        with self.runtime.database.session() as session:
            session.add(StaffPerson(email=email, name=name, role=role))

    def sign_in(self, **user: object) -> tuple[requests.Session, requests.Response]:
        self.idp.user = {**self.idp.user, **user}
        browser = requests.Session()
        return browser, browser.get(self.url + "/desk/login?next=/desk", timeout=10)

    def audit(self) -> list[tuple[str, str, str]]:
        with self.runtime.database.session() as session:
            return [(e.actor, e.action, e.target) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@contextlib.contextmanager
def serving_desk(sqlite_url: str, bot_options: Callable[[Settings, Database], dict[str, Any]] = lambda s, d: {}
                 ) -> Iterator[Desk]:
    """The desk on a fresh database, signing in through a fake identity provider; `bot_options`: more for the bot."""
    idp = FakeOIDC()
    with ServerThread(idp.app()) as provider:
        idp.url = provider.url
        settings = make_settings(sqlite_url, OIDC_ISSUER=provider.url, OIDC_CLIENT_ID=CLIENT_ID,
                                 OIDC_CLIENT_SECRET=CLIENT_SECRET, DESK_DEV_SIGN_IN="0")
        database = Database.connect(settings.database_url)
        prepare(database, load_samples=False)
        runtime = Runtime(settings, database, make_bot(settings, database, **bot_options(settings, database)))
        with ServerThread(build_app(runtime, drain_outbox=False)) as server:
            yield Desk(server.url, runtime, idp)


@pytest.fixture
def desk(sqlite_url: str) -> Iterator[Desk]:
    with serving_desk(sqlite_url) as serving:
        yield serving


def csrf(page: requests.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_staff_sign_in_through_the_identity_provider_with_pkce(desk: Desk) -> None:
    desk.add_staff("dana@district.example", "Dana Lee", "admin")
    browser, page = desk.sign_in()
    assert page.status_code == 200 and page.url.endswith("/desk") and "Consultation queue" in page.text
    asked = desk.idp.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and asked["scope"] == "openid email profile" and asked["nonce"]
    cookie = next(c for c in browser.cookies if c.name == "partnerbot_desk")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.path == "/desk"
    assert "samesite=lax" in page.history[-1].headers["Set-Cookie"].lower()
    with desk.runtime.database.session() as session:
        person = session.scalar(select(StaffPerson))
        assert person is not None and person.subject == "sub-dana"  # remembered at first sign-in
        assert session.scalar(select(DeskSession.token_digest)) != cookie.value  # only a digest is stored
    assert ("desk:dana@district.example (Dana Lee)", "desk.sign_in", "") in desk.audit()
    out = browser.post(desk.url + "/desk/sign-out", data={"csrf": csrf(page)}, timeout=10)
    assert out.url.endswith("/desk/sign-in?signed_out=1")
    assert browser.get(desk.url + "/desk", timeout=10).url.startswith(desk.url + "/desk/sign-in")


@pytest.mark.parametrize("trouble, status, says", [
    ({"overrides": {"aud": "someone-else"}}, 401, "Sign-in refused"),
    ({"overrides": {"exp": 1_000_000_000, "iat": 999_999_000}}, 401, "Sign-in refused"),
    ({"overrides": {"iss": "https://impostor.example"}}, 401, "Sign-in refused"),
    ({"sign_with_stranger": True}, 401, "Sign-in refused"),
    ({"overrides": {"email": "visitor@elsewhere.example", "sub": "sub-visitor"}}, 403, "Not on the staff list"),
    ({"overrides": {"email_verified": False, "sub": "sub-new"}}, 403, "Not on the staff list"),
])
def test_sign_in_is_refused_for_a_bad_token_or_someone_not_on_the_staff_list(desk: Desk, trouble: dict, status: int,
                                                                              says: str) -> None:
    desk.add_staff("dana@district.example", "Dana Lee")
    desk.idp.overrides = trouble.get("overrides", {})
    desk.idp.sign_with_stranger = trouble.get("sign_with_stranger", False)
    browser, page = desk.sign_in()
    assert page.status_code == status and says in page.text
    assert not any(c.name == "partnerbot_desk" for c in browser.cookies)
    assert browser.get(desk.url + "/desk", timeout=10).url.startswith(desk.url + "/desk/sign-in")


def test_a_callback_cannot_be_replayed_or_forged(desk: Desk) -> None:
    desk.add_staff("dana@district.example", "Dana Lee")
    forged = requests.get(desk.url + "/desk/callback?code=abc&state=made-up", timeout=10)
    assert forged.status_code == 400 and "already used or has expired" in forged.text
    browser = requests.Session()
    first = browser.get(desk.url + "/desk/login", allow_redirects=False, timeout=10)
    to_idp = browser.get(first.headers["Location"], allow_redirects=False, timeout=10)
    callback = to_idp.headers["Location"]
    assert browser.get(callback, timeout=10).url.endswith("/desk")
    assert requests.get(callback, timeout=10).status_code == 400  # the same state again: refused


def _ticket(desk: Desk) -> requests.Session:
    visitor = requests.Session()
    confirm = visitor.post(desk.url + "/chat", json={"session": "w1", "name": "Pat Kim",
                                                     "text": "I need a consultation: please help renew our MOU with a "
                                                             "mentoring partner at Lowell"}, timeout=10).json()
    assert confirm["data"]["asking"] == "confirm"
    assert visitor.post(desk.url + "/chat", json={"session": "w1", "name": "Pat Kim", "text": "yes"}, timeout=10).json()["data"]["ticket_id"] == "C-1001"
    return visitor


def test_claim_note_and_resolve_from_the_desk_reach_the_requester_and_the_audit_log(desk: Desk) -> None:
    visitor = _ticket(desk)
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, queue = desk.sign_in()
    assert "C-1001" in queue.text and "Pat Kim" in queue.text
    ticket = browser.get(desk.url + "/desk/tickets/C-1001", timeout=10)
    assert "renew our MOU" in ticket.text
    token = csrf(ticket)
    claimed = browser.post(desk.url + "/desk/tickets/C-1001/claim", data={"csrf": token}, timeout=10)
    assert claimed.url.endswith("?done=claim") and "claimed (Dana Lee)" in claimed.text
    again = browser.post(desk.url + "/desk/tickets/C-1001/claim", data={"csrf": token}, timeout=10)
    assert again.status_code == 409 and "already claimed by you" in again.text
    browser.post(desk.url + "/desk/tickets/C-1001/note", data={"csrf": token, "text": "Calling you <b>today</b>"}, timeout=10)
    done = browser.post(desk.url + "/desk/tickets/C-1001/resolve", data={"csrf": token, "text": "Renewed."}, timeout=10)
    assert "resolved" in done.text and "Calling you &lt;b&gt;today&lt;/b&gt;" in done.text  # escaped, never markup
    desk.runtime.drain_outbox()
    notices = [n["text"] for n in visitor.get(desk.url + "/notices", timeout=10).json()["notices"]]
    assert any("Dana Lee from the partnerships department has your request C-1001" in n for n in notices)
    assert any("resolved by Dana Lee" in n and "Renewed." in n for n in notices)
    actions = [(action, target) for actor, action, target in desk.audit() if actor.startswith("desk:dana")]
    assert [a for a in actions if a[0].startswith("ticket.")] == [
        ("ticket.claimed", "C-1001"), ("ticket.note", "C-1001"), ("ticket.resolved", "C-1001")]


def test_every_form_needs_the_sessions_csrf_token_and_every_route_a_session(desk: Desk) -> None:
    _ticket(desk)
    desk.add_staff("dana@district.example", "Dana Lee", "admin")
    browser, queue = desk.sign_in()
    for path, data in [("/desk/tickets/C-1001/claim", {}), ("/desk/tickets/C-1001/note", {"text": "x"}),
                       ("/desk/staff", {"email": "eve@x.example", "role": "admin"}), ("/desk/sign-out", {}),
                       ("/desk/partners/1", {"services": "tutoring", "agreement_type": "mou", "status": "active"}),
                       ("/desk/partners/import", {"mode": "import", "content": "b3JnYW5pemF0aW9u"})]:
        refused = browser.post(desk.url + path, data={**data, "csrf": "forged"}, timeout=10)
        assert refused.status_code == 403 and "Form expired" in refused.text, path
        anonymous = requests.post(desk.url + path, data={**data, "csrf": csrf(queue)}, timeout=10, allow_redirects=False)
        assert anonymous.status_code == 401, path
    for path in ("/desk", "/desk/tickets/C-1001", "/desk/staff", "/desk/audit", "/desk/audit.csv", "/desk/partners",
                 "/desk/partners/1", "/desk/partners.csv"):
        away = requests.get(desk.url + path, timeout=10, allow_redirects=False)
        assert away.status_code == 303 and away.headers["Location"].startswith("/desk/sign-in"), path
    with desk.runtime.database.session() as session:
        assert session.scalar(select(Ticket.status)) == "open"
        assert session.scalar(select(StaffPerson).where(StaffPerson.email == "eve@x.example")) is None
    assert not [a for a in desk.audit() if a[1] != "desk.sign_in"]


def test_staff_cannot_reach_admin_pages_and_admins_manage_the_staff_list(desk: Desk) -> None:
    desk.add_staff("dana@district.example", "Dana Lee", "admin")
    desk.add_staff("sam@district.example", "Sam Ortiz")
    staff, _ = desk.sign_in(email="sam@district.example", sub="sub-sam", name="Sam")
    for path in ("/desk/staff", "/desk/audit", "/desk/audit.csv"):
        assert staff.get(desk.url + path, timeout=10).status_code == 403, path
    admin, queue = desk.sign_in(email="dana@district.example", sub="sub-dana", name="Dana")
    added = admin.post(desk.url + "/desk/staff", data={"csrf": csrf(queue), "email": "Lee@District.Example",
                                                        "name": "Lee <script>", "role": "staff"}, timeout=10)
    assert added.url.endswith("done=added") and "lee@district.example" in added.text
    assert "Lee &lt;script&gt;" in added.text
    admin.post(desk.url + "/desk/staff/remove", data={"csrf": csrf(queue), "email": "sam@district.example"}, timeout=10)
    assert staff.get(desk.url + "/desk", timeout=10).url.startswith(desk.url + "/desk/sign-in")  # removed: signed out
    log = admin.get(desk.url + "/desk/audit.csv", timeout=10)
    assert log.headers["Content-Type"].startswith("text/csv")
    assert "staff.add,lee@district.example" in log.text and "staff.remove,sam@district.example" in log.text
    assert "role=staff" in log.text


def test_the_desk_is_off_without_an_issuer_in_production_settings(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, DESK_DEV_SIGN_IN="0")
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database))
    with ServerThread(build_app(runtime, drain_outbox=False)) as server:
        page = requests.get(server.url + "/desk", timeout=10)
        assert page.status_code == 404 and "OIDC_ISSUER" in page.text


def test_development_sign_in_is_loopback_only_and_makes_the_first_person_admin(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url)
    assert settings.desk_dev_sign_in  # the embedded default
    assert not make_settings("postgresql://x@127.0.0.1/db").desk_dev_sign_in  # never with PostgreSQL
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database))
    with ServerThread(build_app(runtime, drain_outbox=False)) as server:
        browser = requests.Session()
        form = browser.get(server.url + "/desk", timeout=10)
        pre = re.search(r'name="pre" value="([^"]+)"', form.text).group(1)
        forged = requests.post(server.url + "/desk/dev-sign-in", data={"pre": pre, "email": "x@y.example"}, timeout=10)
        assert forged.status_code == 403  # the value without its cookie: a cross-site post
        relayed = browser.post(server.url + "/desk/dev-sign-in", data={"pre": pre, "email": "x@y.example"},
                               headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
        assert relayed.status_code == 404  # a proxy on this machine relayed it from elsewhere: no such sign-in
        page = browser.post(server.url + "/desk/dev-sign-in",
                            data={"pre": pre, "email": "Dev@District.Example", "next": "/desk"}, timeout=10)
        assert page.url.endswith("/desk") and "(admin)" in page.text
        with database.session() as session:
            assert session.scalar(select(StaffPerson.role).where(StaffPerson.email == "dev@district.example")) == "admin"


def test_the_ticket_shows_the_requesters_email_only_when_they_agreed_to_share_it(desk: Desk) -> None:
    _ticket(desk)
    with desk.runtime.database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        session.add(EmailAddress(platform=ticket.requester_platform, user_id=ticket.requester_id,
                                 address="pat.kim@school.example", token="tok-pat", confirmed_at=ticket.created_at))
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, _ = desk.sign_in()
    assert "pat.kim@school.example" not in browser.get(desk.url + "/desk/tickets/C-1001", timeout=10).text
    with desk.runtime.database.session() as session:
        session.scalars(select(EmailAddress)).one().shared = True
    page = browser.get(desk.url + "/desk/tickets/C-1001", timeout=10).text
    assert 'href="mailto:pat.kim@school.example"' in page and "agreed to share it" in page
