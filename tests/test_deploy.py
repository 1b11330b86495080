"""deploy/: the Prometheus alert rules (promtool check and its unit tests) and the Grafana dashboard (it
loads, its queries parse, and every metric either of them names is one partnerbot serves)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.db import Database
from bot.metrics import Metrics
from bot.scheduler import Clock, build_scheduler
from bot.seed import prepare
from tests.conftest import make_settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "partnerbot.json"
PANEL_TYPES = {"timeseries", "stat", "gauge", "table", "bargauge", "text", "heatmap"}
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (Debian's prometheus package; "
                                                              ".ci/run installs it)")


def _dashboard_queries() -> list[str]:
    return [t["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"] for t in panel["targets"]]


def _rule_queries() -> list[str]:
    return [rule["expr"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


@needs_promtool
def test_the_alert_rules_pass_promtool_and_fire_as_their_unit_tests_say() -> None:
    checked = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([PROMTOOL, "test", "rules", "alerts_test.yml"], cwd=RULES.parent, capture_output=True,
                            text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_promtool
def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:query{n}", "expr": expr}
                                                        for n, expr in enumerate(_dashboard_queries())]}]}
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump(rules))
    checked = subprocess.run([PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_dashboard_loads_with_unique_placed_panels_on_a_chosen_prometheus() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    assert [v["type"] for v in dashboard["templating"]["list"]] == ["datasource"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["type"] in PANEL_TYPES and panel["datasource"]["uid"] == "${datasource}"
        assert set(panel["gridPos"]) == {"x", "y", "w", "h"} and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        assert panel["targets"] and all(t["expr"] for t in panel["targets"])


def test_every_metric_the_rules_and_dashboard_name_is_served(sqlite_url: str) -> None:
    database = Database.connect(sqlite_url)
    prepare(database, load_samples=False)
    scheduler = build_scheduler(Clock(make_settings(sqlite_url), database), blocking=False)
    scheduler.start(paused=True)  # so the clock's figure is there too
    scheduler.shutdown(wait=False)
    text = Metrics().exposition(database, make_settings(sqlite_url)).decode()
    database.dispose()
    served = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):
        suffixes = {"counter": ("", "_total"), "histogram": ("_bucket", "_count", "_sum")}.get(kind, ("",))
        served |= {name + suffix for suffix in suffixes}
    named = {m for q in _dashboard_queries() + _rule_queries() for m in re.findall(r"\bpartnerbot_[a-z_]+", q)}
    assert named and named <= served, sorted(named - served)
