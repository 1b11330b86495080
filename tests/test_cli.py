"""The `partnerbot` command line: in process (argv, environment, stdin and exit code as a
shell gives them), and as a real subprocess where the process itself is the point."""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES


def run(args: list[str], db: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """`partnerbot ARGS` in this process: a fresh environment, stdin, stdout and stderr of its own."""
    saved_env, saved_stdin = dict(os.environ), sys.stdin
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    out, err = io.StringIO(), io.StringIO()
    os.environ.update(DATABASE_URL=db, **env)
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse errors exit
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.stdin = saved_stdin
        root.handlers[:], root.level = saved_handlers, saved_level
    return subprocess.CompletedProcess(["partnerbot", *args], code, out.getvalue(), err.getvalue())


def run_process(args: list[str], db: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, DATABASE_URL=db, **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=environment, timeout=120)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_ask_json_follows_the_contract(db: str) -> None:
    out = run(["ask", "Our PTSA coordinates the after-school enrichment classes. Which agreement is that?", "--json"], db)
    assert out.returncode == 0, out.stderr
    reply = json.loads(out.stdout)
    assert set(reply) >= {"intent", "confidence", "text", "buttons", "data"}
    assert reply["intent"] == "agreement" and reply["data"]["agreement"] == "ptsa_enrichment"


def test_ask_session_remembers_across_processes(db: str) -> None:
    first = json.loads(run_process(["ask", "which agreement applies?", "--session", "abc", "--json"], db).stdout)
    assert first["data"]["asking"] == "who_pays"
    second = json.loads(run_process(["ask", "the partner brings its own funding", "--session", "abc", "--json"], db).stdout)
    assert second["data"]["agreement"] == "mou"
    other = json.loads(run(["ask", "the partner brings its own funding", "--session", "xyz", "--json"], db).stdout)
    assert other["data"]["agreement"] == "mou"  # a fresh session decides from the sentence alone


def test_ask_plain_text_numbers_buttons(db: str) -> None:
    out = run(["ask", "which agreement applies?"], db)
    assert "[1] The school or district pays" in out.stdout


def test_batch_answers_in_order_and_reports_bad_lines(db: str) -> None:
    lines = [
        json.dumps({"session": "a", "user": "u", "text": "which agreement applies?"}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"session": "a", "user": "u", "action": "agreement.answer", "value": "who_pays=partner"}),
        json.dumps({"session": "b", "user": "u", "text": "what can this bot do"}),
    ]
    out = run(["ask", "--batch"], db, stdin="\n".join(lines) + "\n")
    replies = [json.loads(line) for line in out.stdout.splitlines()]
    assert out.returncode == 1
    assert len(replies) == 5
    assert replies[0]["data"]["asking"] == "who_pays"
    assert replies[1]["data"] == {"error": "bad_input", "line": 2}
    assert replies[2]["data"]["error"] == "bad_input"
    assert replies[3]["data"]["agreement"] == "mou"
    assert replies[4]["intent"] == "help"
    assert "line 2" in out.stderr and "line 3" in out.stderr
    assert "Traceback" not in out.stderr


def test_batch_typed_label_presses_button(db: str) -> None:
    lines = [json.dumps({"session": "a", "user": "u", "text": "which agreement applies?"}),
             json.dumps({"session": "a", "user": "u", "text": "A PTSA or parent group coordinates it"})]
    out = run(["ask", "--batch"], db, stdin="\n".join(lines))
    assert json.loads(out.stdout.splitlines()[1])["data"]["agreement"] == "ptsa_enrichment"


def test_chat_accepts_a_button_number(db: str) -> None:
    out = run(["chat"], db, stdin="which agreement applies?\n2\n")
    assert out.returncode == 0, out.stderr
    assert "Memorandum of Understanding" in out.stdout


def test_bad_configuration_is_a_clear_error(db: str) -> None:
    out = run(["ask", "hi"], db, TIMEZONE="Mars/Olympus")
    assert out.returncode == 2 and "TIMEZONE" in out.stderr and "Traceback" not in out.stderr


def test_import_partners_reports_rows_and_is_idempotent(db: str, tmp_path: Path) -> None:
    first = run(["import", "partners", str(FIXTURES / "partners.csv")], db)
    assert first.returncode == 0, first.stderr
    assert "8 new" in first.stdout
    again = run(["import", "partners", str(FIXTURES / "partners.csv")], db)
    assert "0 new, 0 updated, 8 unchanged" in again.stdout


def test_import_missing_file_and_columns(db: str, tmp_path: Path) -> None:
    missing = run(["import", "partners", str(tmp_path / "nope.csv")], db)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("organization,school\nX,Lowell\n")
    out = run(["import", "partners", str(bad)], db)
    assert out.returncode == 2 and "missing column(s) services" in out.stderr


def test_sample_data_command_writes_a_csv(db: str, tmp_path: Path) -> None:
    out = run(["sample-data", "--partnerships", "50", "--organisations", "10", "--out", str(tmp_path / "s.csv")], db)
    assert out.returncode == 0
    assert len((tmp_path / "s.csv").read_text().splitlines()) == 51


def test_db_upgrade_and_current(db: str) -> None:
    assert run(["db", "upgrade"], db).returncode == 0
    current = run(["db", "current"], db)
    assert current.returncode == 0 and "head" in current.stdout


def test_staff_and_tickets_commands(db: str) -> None:
    confirm = json.loads(run(["ask", "I need a consultation: help with a PSC for a dance teacher at Madison", "--json",
                              "--user", "U-R", "--session", "intake"], db).stdout)
    assert confirm["data"]["asking"] == "confirm" and confirm["data"]["ticket_id"] is None
    created = json.loads(run(["ask", "yes", "--json", "--user", "U-R", "--session", "intake"], db).stdout)
    assert created["data"]["ticket_id"] == "C-1001"
    refused = run(["tickets", "claim", "C-1001", "--as", "cli:alex"], db)
    assert refused.returncode == 1 and "not department staff" in refused.stderr
    assert run(["staff", "add", "cli", "alex", "--name", "Alex"], db).returncode == 0
    assert "cli:alex" in run(["staff", "list"], db).stdout
    claimed = json.loads(run(["tickets", "claim", "C-1001", "--as", "cli:alex", "--json"], db).stdout)
    assert claimed["status"] == "claimed" and claimed["assignee"] == "alex"
    listing = json.loads(run(["tickets", "list", "--json"], db).stdout)
    assert [t["ticket_id"] for t in listing] == ["C-1001"]
    resolved = json.loads(run(["tickets", "resolve", "1001", "--as", "cli:alex", "sent the checklist", "--json"], db).stdout)
    assert resolved["status"] == "resolved" and [e["kind"] for e in resolved["events"]] == ["created", "claimed", "resolved"]
    assert "unknown" not in run(["tickets", "show", "C-1001"], db).stdout
    assert run(["tickets", "show", "C-1001", "--bogus"], db).returncode == 2  # an unknown option is still refused
    missing = run(["tickets", "show", "C-1999"], db)
    assert missing.returncode == 1 and "can't find C-1999" in missing.stderr
    assert run(["staff", "remove", "cli", "alex"], db).returncode == 0


def test_desk_staff_are_people_linked_to_their_chat_ids_and_every_change_is_audited(db: str) -> None:
    assert run(["staff", "add", "desk", "Dana@District.Example", "--name", "Dana Lee", "--role", "admin"], db).returncode == 0
    assert run(["staff", "add", "slack", "U0DANA", "--person", "dana@district.example"], db).returncode == 0
    unknown = run(["staff", "add", "teams", "29:x", "--person", "nobody@district.example"], db)
    assert unknown.returncode == 1 and "staff add desk nobody@district.example" in unknown.stderr
    listed = run(["staff", "list"], db).stdout
    assert "desk:dana@district.example  admin  Dana Lee" in listed and "slack:U0DANA  Dana Lee  -> desk:dana@district.example" in listed
    assert run(["staff", "add", "desk", "not-an-address"], db).returncode == 2
    assert run(["staff", "remove", "desk", "dana@district.example"], db).returncode == 0
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, target, after FROM audit_event ORDER BY id")).all()
    engine.dispose()
    assert [(a, t) for a, t, _ in rows] == [("staff.add", "dana@district.example"), ("staff.add", "slack:U0DANA"),
                                          ("staff.remove", "dana@district.example")]
    assert '"admin"' in str(rows[0][2])


def test_report_counts_questions_and_tickets(db: str) -> None:
    run(["ask", "How do I book a field trip bus?"], db)
    run(["ask", "How do I book a field trip bus?"], db)
    run(["ask", "Do schools run background checks for partner staff?"], db)
    out = json.loads(run(["report", "--json"], db).stdout)
    assert out["questions"] == 3 and out["by_intent"]["unknown"] == 2 and out["by_platform"] == {"cli": 3}
    assert out["unanswered"][0] == {"text": "How do I book a field trip bus?", "count": 2, "best_guess": None}
    text = run(["report"], db).stdout
    assert "Unanswered or unsure (2)" in text


def test_teams_package(db: str, tmp_path: Path) -> None:
    import zipfile

    missing = run(["teams-package", "--url", "https://bot.example.org", "--out", str(tmp_path / "t.zip")], db)
    assert missing.returncode == 2 and "MICROSOFT_APP_ID" in missing.stderr
    app_id = "0a1b2c3d-1111-2222-3333-444455556666"
    out = run(["teams-package", "--url", "https://bot.example.org", "--out", str(tmp_path / "t.zip")], db,
              MICROSOFT_APP_ID=app_id)
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(tmp_path / "t.zip") as bundle:
        assert sorted(bundle.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(bundle.read("manifest.json"))
        assert bundle.read("color.png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert manifest["id"] == app_id and manifest["bots"][0]["botId"] == app_id
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    commands = {c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]}
    assert {"partners", "agreement", "trainings", "consult"} <= commands
    assert manifest["validDomains"] == ["bot.example.org"]


def test_slack_manifest_matches_the_server(db: str) -> None:
    import yaml

    from bot.platforms.slack.app import ANSWER_COMMANDS, FORM_COMMANDS

    bad = run(["slack-manifest", "--url", "http://insecure.example"], db)
    assert bad.returncode == 2 and "https://" in bad.stderr
    out = run(["slack-manifest", "--url", "https://bot.example.org/"], db)
    assert out.returncode == 0, out.stderr
    manifest = yaml.safe_load(out.stdout)
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == set(ANSWER_COMMANDS) | set(FORM_COMMANDS)
    assert {c["url"] for c in manifest["features"]["slash_commands"]} == {"https://bot.example.org/slack/events"}
    assert manifest["settings"]["interactivity"]["request_url"] == "https://bot.example.org/slack/events"
    assert manifest["features"]["shortcuts"][0]["callback_id"] == "ask_department"


def test_teach_files_an_example_and_retrains(db: str) -> None:
    bad = run(["teach", "when is the next bus", "buses"], db)
    assert bad.returncode == 2 and "not an intent" in bad.stderr
    taught = run(["teach", "glorp snarfle training-ish thing", "trainings"], db)
    assert taught.returncode == 0, taught.stderr
    assert "taught: 'glorp snarfle training-ish thing' -> trainings" in taught.stdout
    assert taught.stdout.rstrip().endswith("it now reads as trainings")
    again = run(["teach", "glorp snarfle training-ish thing", "trainings"], db)
    assert "already taught" in again.stdout
    reply = json.loads(run(["ask", "glorp snarfle training-ish thing", "--json"], db).stdout)
    assert reply["intent"] == "trainings"


def test_a_teams_id_with_colons_acts_as_itself(db: str) -> None:
    run(["ask", "I need a consultation: help with a PSC for a dance teacher at Madison", "--user", "U-R",
         "--session", "intake"], db)
    run(["ask", "yes", "--user", "U-R", "--session", "intake"], db)
    assert run(["staff", "add", "teams", "29:abc-def", "--name", "Sam"], db).returncode == 0
    claimed = json.loads(run(["tickets", "claim", "C-1001", "--as", "teams:29:abc-def", "--json"], db).stdout)
    assert claimed["status"] == "claimed" and claimed["assignee"] == "29:abc-def"
    assert claimed["events"][-1]["by"] == "teams:29:abc-def"


def test_the_schema_head_constant_is_alembics_head_and_a_behind_database_is_seen(tmp_path: Path) -> None:
    """`is_current` skips Alembic when the database is at SCHEMA_HEAD: that must be the real head,
    and a database at an older revision must still be found behind."""
    from sqlalchemy import text

    from bot.db import SCHEMA_HEAD, Database, head_revision, is_current

    database = Database.connect(f"sqlite:///{tmp_path}/behind.db")
    database.prepare()
    assert head_revision(database.engine) == SCHEMA_HEAD
    assert is_current(database.engine)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    assert not is_current(database.engine)
    database.dispose()


def test_commands_that_may_run_long_collect_garbage(db: str) -> None:
    """`bot.launch` starts with the collector off (start-up only allocates); every command but a
    single `ask` must switch it back on, or a server's or a batch's garbage is never collected."""
    was = gc.isenabled()
    try:
        for args, stdin in ((["ask", "--batch"], '{"text": "hello"}\n'), (["db", "upgrade"], None),
                            (["tickets", "list"], None)):
            gc.disable()
            assert run(args, db, stdin).returncode == 0
            assert gc.isenabled(), args
        gc.disable()
        assert run(["ask", "hello"], db).returncode == 0
        assert not gc.isenabled()  # one answer, then the process ends
    finally:
        (gc.enable if was else gc.disable)()


def test_the_console_script_prints_everything_before_it_exits(db: str) -> None:
    """`bot.launch` ends a finished run without the interpreter's teardown: what was printed must
    still reach a pipe, and the exit status must be the command's."""
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | {"DATABASE_URL": db}

    def launch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=buffered,
                              timeout=120)

    done = launch("ask", "which agreement applies if the PTSA pays", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["data"]["agreement"] == "ptsa_enrichment"
    long = launch("report")
    assert long.returncode == 0 and long.stdout.count("\n") > 5
    with open("/dev/full", "w") as full:  # a full disk: a clear line and a failing status, no traceback
        unwritten = subprocess.run([sys.executable, "-m", "bot", "ask", "hello"], stdout=full, stderr=subprocess.PIPE,
                                   text=True, env=buffered, timeout=120)
    assert unwritten.returncode == 120 and "Traceback" not in unwritten.stderr
    assert "the answer could not be written: No space left on device" in unwritten.stderr
    bad = launch("ask")
    assert bad.returncode == 2 and "give the question" in bad.stderr


def test_ask_loads_no_migration_tool_numeric_library_or_platform_sdk(db: str) -> None:
    """What keeps `partnerbot ask` starting fast: a current schema is read with plain SQL, the
    model answers without NumPy, and SDKs and progress bars are imported where used."""
    assert run(["ask", "hello"], db).returncode == 0  # schema created, model cached
    heavy = ("alembic", "numpy", "sklearn", "scipy", "aiohttp", "slack_sdk", "slack_bolt", "botbuilder",
             "microsoft_agents", "tqdm", "apscheduler")
    code = ("import sys; from bot.cli import main; sys.argv = ['partnerbot', 'ask', 'which agreement applies?']; "
            "code = main(); "
            f"loaded = sorted(m for m in {heavy!r} if m in sys.modules); print(loaded); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "DATABASE_URL": db},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_chat_and_ask_say_who_you_are_with_as_like_tickets(db: str) -> None:
    staff = {"DEPARTMENT_STAFF": "cli:dana"}
    run(["ask", "How do I book a field trip bus?", "--as", "web:v-9"], db, **staff)
    out = run(["chat", "--as", "cli:dana"], db, stdin="unanswered questions\n", **staff).stdout
    assert "You are cli:dana" in out and "field trip bus" in out  # a staff command, as in `tickets --as`
    refused = run(["chat", "--as", "cli:someone"], db, stdin="unanswered questions\n", **staff).stdout
    assert "field trip bus" not in refused


def test_a_staff_command_the_bot_took_is_not_reported_as_unanswered(db: str) -> None:
    staff = {"DEPARTMENT_STAFF": "cli:dana"}
    run(["ask", "assign C-1009 to @U123", "--as", "cli:dana"], db, **staff)  # refused: no such ticket, still a command
    run(["ask", "Where Do I Park At JSCEE?", "--as", "cli:x"], db, **staff)
    out = run(["report"], db, **staff).stdout
    assert "Where Do I Park At JSCEE?" in out and "assign C-1009" not in out


def test_the_reports_times_are_in_units_people_read() -> None:
    from bot.insights import duration

    assert [duration(h) for h in (None, 0.004, 0.5, 5.25, 100.0)] == ["-", "1 min", "30 min", "5.2 h", "4.2 days"]
