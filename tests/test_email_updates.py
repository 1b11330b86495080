"""E-mail updates for web-chat requesters: the address is asked for, confirmed through a link, used for
ticket updates through the outbox exactly once, and never shown to the department unless its owner agreed.
Sent with aiosmtplib to a local aiosmtpd relay that refuses, stalls and answers late."""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Iterator

import pytest
from aiohttp import web
from sqlalchemy import select

from bot import email_updates, people
from bot.config import ConfigError, Settings
from bot.db import Database
from bot.models import EmailAddress, OutboxMessage, QuestionLog, Reminder, TrainingSession
from bot.notify import Post, RecordingNotifier, deliver_pending, queue
from bot.platforms.email import EmailPlatform
from bot.platforms.email.app import install as install_email_page
from bot.platforms.email.notifier import EmailNotifier, Relay
from bot.seed import prepare
from bot.trainings.announce import send_due_reminders
from tests.conftest import FROZEN_NOW, Harness, make_settings
from tests.fakes import FakeRelay, ServerThread

WEB = {"platform": "web", "reached_later": False}


@pytest.fixture
def relay() -> Iterator[FakeRelay]:
    with FakeRelay() as fake:
        yield fake


@pytest.fixture
def mailing(sqlite_url: str, relay: FakeRelay) -> Iterator[Harness]:
    h = Harness(make_settings(sqlite_url, SMTP_URL=relay.url, PUBLIC_URL="https://partnerbot.district.example"),
                RecordingNotifier(), FROZEN_NOW)
    yield h
    h.close()


def send_all(h: Harness, notifier: EmailNotifier | None = None, now: dt.datetime | None = None) -> int:
    notifier = notifier or EmailPlatform().notifier(h.settings, h.database)  # type: ignore[assignment]
    return deliver_pending(h.database.sessions, {"email": notifier, "web": h.notifier}, now or h.now)  # type: ignore[dict-item]


def test_addresses_are_read_strictly() -> None:
    assert email_updates.valid_address("Dana.Reyes@School.ORG") == "Dana.Reyes@school.org"
    assert email_updates.valid_address("<dana@school.org>.") == "dana@school.org"
    assert email_updates.valid_address("a@ëxample.com") == "a@xn--xample-ova.com"  # what the relay can carry
    for bad in ("dana@", "@school.org", "dana@localhost", "da na@school.org", "dana@school..org", "dana@@school.org",
                "x" * 250 + "@school.org", "<script>@school.org", "ëlla@school.org", '"a b"@school.org',
                "a@[127.0.0.1]", ".a@school.org"):
        assert email_updates.valid_address(bad) is None, bad


def test_a_web_requester_confirms_an_address_and_then_gets_ticket_updates_by_email(
        mailing: Harness, relay: FakeRelay) -> None:
    h = mailing
    opened = h.open_ticket("I need a consultation about a new MOU", user="v-1", **WEB)
    number = opened.data["ticket_id"]
    assert "type your e-mail address" in opened.text  # offered: the page shows updates only while open
    given = h.ask("dana.reyes@school.example", user="v-1", **WEB)
    assert given.intent == "email_updates" and given.data == {"email": "confirmation_sent"}
    assert send_all(h) >= 1
    [confirmation] = relay.messages
    assert confirmation["To"] == "dana.reyes@school.example"
    link = re.search(r"https://partnerbot\.district\.example/email\?t=\S+", confirmation.get_content()).group(0)

    h.ask(f"claim {number}", user="staff-1", platform="cli")
    send_all(h)
    assert len(relay.messages) == 1  # not confirmed yet: the claim reaches the web page only

    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["t"][0]
    with h.database.session() as session:
        email_updates.confirm(session, email_updates.by_token(session, token), False, h.now)
    h.ask(f"resolve {number} the MOU template is on the partnerships site", user="staff-1", platform="cli")
    assert send_all(h) >= 1
    assert len(relay.messages) == 2
    update = relay.messages[1]
    assert update["To"] == "dana.reyes@school.example"
    assert update["Subject"] == "An update on your request to the partnerships department"
    body = update.get_content()
    assert number in body and "MOU template" in body and "*" not in body.split("--")[0]
    assert link in body and update["List-Unsubscribe"] == f"<{link}>"
    assert send_all(h) == 0 and len(relay.messages) == 2  # once
    # the department's posts never carry the address
    with h.database.session() as session:
        department = session.scalars(select(OutboxMessage).where(OutboxMessage.platform.in_(("log", "cli")))).all()
    assert department and all("dana.reyes" not in str(row.payload) for row in department)


def test_a_training_reminder_also_goes_to_the_confirmed_address(mailing: Harness, relay: FakeRelay) -> None:
    h = mailing
    with h.database.session() as session:
        training = TrainingSession(source_key="t-ruler", title="RULER for partners", location="JSCEE Room 2",
                                   starts_at=h.now + dt.timedelta(days=1), ends_at=h.now + dt.timedelta(days=1, hours=2))
        session.add(training)
        session.flush()
        session.add_all([Reminder(session_id=training.id, platform="web", user_id="v-1"),
                         Reminder(session_id=training.id, platform="web", user_id="v-2"),
                         EmailAddress(platform="web", user_id="v-1", address="v1@school.example", token="t1",
                                      confirmed_at=h.now),
                         EmailAddress(platform="web", user_id="v-2", address="v2@school.example", token="t2")])
        assert send_due_reminders(session, h.settings, h.bot.outbox, h.now + dt.timedelta(hours=20)) == 2
    send_all(h, now=h.now + dt.timedelta(hours=20))
    [reminder] = relay.messages  # v-2 never confirmed: the web page only
    assert reminder["To"] == "v1@school.example" and reminder["Subject"] == "A reminder about a training"
    assert "RULER for partners" in reminder.get_content() and "JSCEE Room 2" in reminder.get_content()


def test_the_offer_is_made_only_where_updates_cannot_reach_the_person(mailing: Harness, sqlite_url: str) -> None:
    assert "e-mail" not in mailing.open_ticket("I need a consultation about a lease", user="U1", platform="cli").text
    plain = Harness(make_settings(sqlite_url), RecordingNotifier(), FROZEN_NOW)
    try:  # no relay configured: no offer, and an address typed is answered plainly
        assert "e-mail" not in plain.open_ticket("I need a consultation about a lease", user="v-2", **WEB).text
        assert plain.ask("v2@school.example", user="v-2", **WEB).data == {"email": "not_configured"}
    finally:
        plain.close()


def test_a_corrected_address_gets_its_own_confirmation(mailing: Harness, relay: FakeRelay) -> None:
    h = mailing
    assert h.ask("erin@exmaple.com", user="v-5", **WEB).data == {"email": "confirmation_sent"}
    assert h.ask("sorry, erin@example.com", user="v-5", **WEB).data == {"email": "confirmation_sent"}
    send_all(h)
    assert [m["To"] for m in relay.messages] == ["erin@exmaple.com", "erin@example.com"]


def test_confirmations_to_one_address_are_limited(mailing: Harness, relay: FakeRelay) -> None:
    for n in range(3):
        assert mailing.ask("target@school.example", user=f"v-{n}", **WEB).data == {"email": "confirmation_sent"}
    assert mailing.ask("target@school.example", user="v-9", **WEB).data == {"email": "too_many"}
    send_all(mailing)
    assert len(relay.messages) == 3


def test_one_persons_records_never_reach_another_who_typed_the_same_address(mailing: Harness, relay: FakeRelay) -> None:
    h = mailing
    number = h.open_ticket("I need a consultation about a new MOU", user="v-1", **WEB).data["ticket_id"]
    h.ask("dana@school.example", user="v-1", **WEB)
    with h.database.session() as session:
        row = email_updates.by_token(session, session.scalars(select(EmailAddress.token)).one())
        email_updates.confirm(session, row, False, h.now)
    h.ask(f"claim {number}", user="staff-1", platform="cli")
    h.ask("dana@school.example", user="v-2", **WEB)  # a stranger types Dana's address
    send_all(h)
    assert len(relay.messages) == 3  # Dana's confirmation and claim, the stranger's confirmation
    link = re.search(r"/email\?t=(\S+)", relay.messages[1].get_content()).group(1)
    with h.database.session() as session:
        assert link == email_updates.confirmed(session, "web", "v-1").token  # Dana's own link, not the stranger's
        theirs = people.export(session, people.Person("web", "v-2"))["tables"]["outbox (e-mails to them)"]
        assert [r["kind"] for r in theirs] == ["email.confirm"] and "v-1" not in str(theirs)
        people.forget(session, people.Person("web", "v-2"), "cli:records")
    with h.database.session() as session:
        kept = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.platform == "email")).all()
    assert sorted(kept) == ["email.confirm", "ticket.requester"]  # Dana's, untouched


def test_a_question_that_mentions_an_address_is_not_taken_for_giving_one(mailing: Harness) -> None:
    reply = mailing.ask("is partnerships@district.example the right place to send our signed MOU?", user="v-3", **WEB)
    assert reply.intent != "email_updates"
    reply = mailing.ask("can you email the MOU checklist to principal@school.example please", user="v-3", **WEB)
    assert reply.intent != "email_updates"  # a document, not updates on requests
    reply = mailing.ask("please send updates on my request to principal@school.example", user="v-3", **WEB)
    assert reply.intent == "email_updates" and reply.data == {"email": "confirmation_sent"}
    reply = mailing.ask("Please send any news on my request to dana.p@school.example when you can", user="v-4", **WEB)
    assert reply.intent == "email_updates"
    assert mailing.ask("Partnerships@District.example", user="v-4", **WEB).intent != "email_updates"
    with mailing.database.session() as session:  # kept to learn from, without anyone's address
        logged = " ".join(session.scalars(select(QuestionLog.text)))
    assert "@" not in logged and "[e-mail address]" in logged


def _row(h: Harness, notifier: EmailNotifier, address: str = "dana@school.example") -> int:
    with h.database.session() as session:
        session.add(EmailAddress(platform="web", user_id="v-9", address=address, token="tok-9",
                                 confirmed_at=h.now))
        queue(session, "ticket:1:requester:claimed:1:email:" + address,
              Post("ticket.requester", "email", address, "Dana picked up *C-1001*.", audience="user:web:v-9"), now=h.now)
    return 1


def _outbox(h: Harness) -> OutboxMessage:
    with h.database.session() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.platform == "email")).one()


def _notifier(h: Harness, relay: FakeRelay, timeout: float = 0.5, data_wait: float = 5.0) -> EmailNotifier:
    return EmailNotifier(Relay.parse(relay.url), "partnerships@district.example", h.database.sessions,
                         "https://partnerbot.district.example", timeout=timeout, data_wait=data_wait)


def test_a_relay_that_refuses_the_address_for_good_is_given_up_and_a_passing_refusal_is_retried(
        mailing: Harness, relay: FakeRelay) -> None:
    h, notifier = mailing, _notifier(mailing, relay)
    _row(h, notifier)
    relay.refuse_rcpt = "451 4.3.0 try again later"
    assert send_all(h, notifier) == 0
    row = _outbox(h)
    assert not row.gave_up and row.attempts == 1 and "451" in row.last_error
    relay.refuse_rcpt = "550 5.1.1 no such mailbox"
    assert send_all(h, notifier, h.now + dt.timedelta(minutes=5)) == 0
    row = _outbox(h)
    assert row.gave_up and "550" in row.last_error and relay.messages == []


def test_a_relay_that_stalls_before_the_message_is_retried_and_sends_it_once(mailing: Harness, relay: FakeRelay) -> None:
    h, notifier = mailing, _notifier(mailing, relay, timeout=0.5)
    _row(h, notifier)
    relay.stall_rcpt = 2.0
    assert send_all(h, notifier) == 0
    row = _outbox(h)
    assert row.sent_at is None and not row.last_error.startswith("outcome unknown")  # nothing was handed over
    relay.stall_rcpt = 0.0
    assert send_all(h, notifier, h.now + dt.timedelta(minutes=5)) == 1
    assert len(relay.messages) == 1 and _outbox(h).repeats == 0


def test_a_relay_that_accepts_late_or_hangs_after_accepting_gets_one_message(mailing: Harness, relay: FakeRelay) -> None:
    h, notifier = mailing, _notifier(mailing, relay, timeout=0.5, data_wait=5.0)
    _row(h, notifier)
    relay.late_data = 1.5  # longer than any other answer may take, within the wait for a message's acceptance
    relay.stall_quit = 3.0  # and then the line hangs
    assert send_all(h, notifier) == 1
    row = _outbox(h)
    assert row.sent_at is not None and row.attempts == 1
    assert send_all(h, notifier, h.now + dt.timedelta(hours=1)) == 0
    assert len(relay.messages) == 1
    assert relay.messages[0]["Message-ID"] == row.external_ref


def test_a_message_whose_acceptance_never_comes_may_repeat_once_with_the_same_message_id(
        mailing: Harness, relay: FakeRelay) -> None:
    h, notifier = mailing, _notifier(mailing, relay, timeout=0.5, data_wait=1.0)
    _row(h, notifier)
    relay.late_data = 3.0
    assert send_all(h, notifier) == 0
    assert _outbox(h).last_error.startswith("outcome unknown")
    relay.late_data = 0.0
    assert send_all(h, notifier, h.now + dt.timedelta(minutes=5)) == 1
    first, second = relay.messages
    assert first["Message-ID"] == second["Message-ID"]  # a mail program shows it once
    assert _outbox(h).repeats == 1  # counted, as on Teams (README, partnerbot report)


def test_a_notice_for_an_address_stopped_since_it_was_queued_is_not_sent(mailing: Harness, relay: FakeRelay) -> None:
    h, notifier = mailing, _notifier(mailing, relay)
    _row(h, notifier)
    with h.database.session() as session:
        email_updates.stop(session, email_updates.by_token(session, "tok-9"))
    send_all(h, notifier)
    assert relay.messages == []


def test_the_relay_url_is_checked_at_start() -> None:
    with pytest.raises(ConfigError, match="SMTP_URL"):
        Settings.from_env({"SMTP_URL": "mail.district.example"})
    with pytest.raises(ConfigError, match="SMTP_URL"):
        Settings.from_env({"SMTP_URL": "smtp://relay:port"})
    relay = Relay.parse(Settings.from_env({"SMTP_URL": "smtps://bot%40d.org:p%40ss@relay.d.org"}).smtp_url.reveal())
    assert (relay.hostname, relay.port, relay.tls, relay.username, relay.password) == (
        "relay.d.org", 465, True, "bot@d.org", "p@ss")
    assert "p@ss" not in repr(Settings.from_env({"SMTP_URL": "smtp://u:p%40ss@relay"}))
    with pytest.raises(ConfigError, match="PUBLIC_URL"):  # in production, links must not point at localhost
        Settings.from_env({"DATABASE_URL": "postgresql://db/partnerbot", "SMTP_URL": "smtp://relay"})


class _Runtime:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings, self.database = settings, database

    async def run(self, fn, *args):  # type: ignore[no-untyped-def]
        return fn(*args)


def _open(opener: urllib.request.OpenerDirector, url: str, form: dict[str, str] | None = None) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with opener.open(url, data=data, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_link_page_confirms_only_on_a_button_with_its_csrf_token_and_shares_only_when_asked(
        sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, SMTP_URL="smtp://127.0.0.1:1")
    database = Database.connect(sqlite_url)
    prepare(database, load_samples=False)
    with database.session() as session:
        session.add(EmailAddress(platform="web", user_id="v-1", address="dana@school.example", token="tok-1"))
    app = web.Application()
    install_email_page(app, _Runtime(settings, database))  # type: ignore[arg-type]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    try:
        with ServerThread(app) as server:
            status, page = _open(opener, f"{server.url}/email?t=tok-1")
            assert status == 200 and "dana@school.example" in page and "Confirm: send me updates" in page
            with database.session() as session:  # opening the link (a mail scanner does) changes nothing
                assert email_updates.confirmed(session, "web", "v-1") is None
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            assert _open(urllib.request.build_opener(), f"{server.url}/email",
                         {"t": "tok-1", "do": "confirm", "csrf": csrf})[0] == 403  # no cookie: refused
            assert _open(urllib.request.build_opener(), f"{server.url}/email", {"t": "tok-1", "do": "confirm"})[0] == 403
            status, page = _open(opener, f"{server.url}/email", {"t": "tok-1", "do": "confirm", "csrf": csrf})
            assert status == 200 and "Thank you" in page and "cannot see this address" in page
            with database.session() as session:
                row = email_updates.confirmed(session, "web", "v-1")
                assert row is not None and not row.shared
                assert email_updates.shared_with_department(session, "web", "v-1") is None
            status, page = _open(opener, f"{server.url}/email", {"t": "tok-1", "do": "share", "csrf": csrf})
            assert "can now see your address" in page
            with database.session() as session:
                assert email_updates.shared_with_department(session, "web", "v-1") == "dana@school.example"
            status, page = _open(opener, f"{server.url}/email", {"t": "tok-1", "do": "stop", "csrf": csrf})
            assert status == 200 and "no more e-mails" in page
            with database.session() as session:
                assert session.scalars(select(EmailAddress)).all() == []
            assert _open(opener, f"{server.url}/email?t=tok-1")[0] == 404
    finally:
        database.dispose()
