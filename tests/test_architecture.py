"""The layers, and what may import what (README "Architecture").

Each module may import its own layer and the layers below it, never above:
    entry points   bot/app.py, server.py, worker.py, scheduler.py, cli/
    platforms      bot/platforms/  (Slack, Teams, web, console: app, render, notifier)
    handlers       handlers/       (one module per capability, no platform names)
    brain          bot/router.py, dialogue.py, state.py, turn.py, understanding/, retrieval/, answering.py
    services       bot/directory/, tickets/, trainings/, notify.py, inbox.py, spool.py, intake.py, ...
    store          bot/db.py, models/, migrations/
    types          bot/core.py, text.py, config.py, diskcache.py
    knowledge      knowledge/
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("knowledge", ("knowledge",)),
    ("types", ("bot/__init__.py", "bot/core.py", "bot/text.py", "bot/config.py", "bot/logs.py", "bot/diskcache.py",
               "bot/web_requests.py")),
    ("store", ("bot/db.py", "bot/models", "bot/migrations", "bot/journal.py")),
    ("services", ("bot/directory", "bot/tickets", "bot/trainings", "bot/notify.py", "bot/channels.py",
                  "bot/insights.py", "bot/seed.py", "bot/dedupe.py", "bot/inbox.py", "bot/spool.py", "bot/intake.py", "bot/receipts.py", "bot/backlog.py",
                  "bot/ratelimit.py", "bot/district_report.py", "bot/charts.py", "bot/audit.py",
                  "bot/retention.py", "bot/people.py", "bot/metrics.py", "bot/school_map.py", "bot/email_updates.py", "bot/department_answers.py", "bot/faq_entries.py",
                  "bot/public_page.py")),
    ("brain", ("bot/understanding", "bot/dialogue.py", "bot/state.py", "bot/turn.py", "bot/router.py",
               "bot/answering.py", "bot/retrieval")),
    ("handlers", ("handlers",)),
    ("platforms", ("bot/platforms",)),
    ("entry", ("bot/app.py", "bot/server.py", "bot/report_route.py", "bot/metrics_route.py", "bot/policy_route.py", "bot/worker.py", "bot/scheduler.py", "bot/cli", "bot/__main__.py",
                       "bot/launch.py", "bot/shutdown.py")),
]
DOMAIN_WORDS = ("slack", "teams", "botbuilder", "microsoft_agents")


def layer_of(path: str) -> int:
    """The most specific prefix wins."""
    best: tuple[int, int] | None = None
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/") or path.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    assert best is not None, f"{path} belongs to no layer: add it to LAYERS"
    return best[1]


def module_path(module: str) -> str | None:
    base = ROOT / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate.relative_to(ROOT).as_posix()
    return None


def imports(path: Path) -> set[str]:
    """Project modules a file imports (including inside functions and TYPE_CHECKING blocks)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in ("bot", "handlers", "knowledge")}


def project_files() -> list[Path]:
    return sorted(p for top in ("bot", "handlers", "knowledge") for p in (ROOT / top).rglob("*.py"))


def test_no_module_imports_a_layer_above_its_own() -> None:
    violations = []
    for path in project_files():
        mine = path.relative_to(ROOT).as_posix()
        for module in imports(path):
            target = module_path(module)
            if target is not None and layer_of(target) > layer_of(mine):
                violations.append(f"{mine} ({LAYERS[layer_of(mine)][0]}) imports {module} ({LAYERS[layer_of(target)][0]})")
    assert not violations, "\n".join(sorted(set(violations)))


def test_domain_code_never_names_a_platform() -> None:
    """Services, brain and handlers address audiences, never Slack or Teams."""
    domain = {LAYERS.index(entry) for entry in LAYERS if entry[0] in ("services", "brain", "handlers")}
    offenders = []
    for path in project_files():
        mine = path.relative_to(ROOT).as_posix()
        if layer_of(mine) not in domain:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in DOMAIN_WORDS:
                offenders.append(f"{mine}:{node.lineno} {node.value!r}")
    assert not offenders, offenders


def test_every_file_has_a_layer() -> None:
    for path in project_files():
        layer_of(path.relative_to(ROOT).as_posix())


def test_no_handler_tells_a_chat_user_to_run_a_command_line() -> None:
    """People in Slack, Teams and the web chat are school staff, not the server's administrators."""
    hints = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "handlers").glob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if "`partnerbot " in line and not line.lstrip().startswith("#")]
    assert not hints, hints
