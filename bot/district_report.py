"""A picture of the district: `partnerbot report --html FILE` and `GET /report`.

One self-contained HTML page (charts are inline SVG drawn with matplotlib, no
script, no external request): partnerships per region and per service, the
share of partnerships with all paperwork on file per region and what is
missing, a map of the schools (their real coordinates) coloured by partnership
count and by compliance, questions per week and the unanswered ones, and ticket
times to claim and to resolve. `collect` reads the database in a few plain
queries (a district of 100,000 partnerships is assessed in one pass); `render`
draws.
"""

from __future__ import annotations

import datetime as dt
import html
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.charts import bars, inline_svg
from bot.config import Settings
from bot.directory import health, queries
from bot.directory.vocab import services
from bot.models import Partnership, PartnershipService, QuestionLog, School, Ticket

WEEKS = 12
SAMPLE_NOTICE = ('<p class="sample"><strong>Sample data:</strong> these figures come from generated sample '
                 "partnerships, not the district's. Import the real partnership file to see the district.</p>")
MAP_SIZE = (6.0, 7.5)
ITEMS = tuple(health.NAMES)


@dataclass
class SchoolPoint:
    name: str
    region: str
    longitude: float
    latitude: float
    partnerships: int = 0
    complete: int = 0

    @property
    def compliance(self) -> float | None:
        return self.complete / self.partnerships if self.partnerships else None


@dataclass
class DistrictData:
    school_year: str
    generated: str
    sample: bool = False  # drawn from the generated sample partnerships, not the district's
    per_region: dict[str, int] = field(default_factory=dict)
    per_service: dict[str, int] = field(default_factory=dict)
    compliance_per_region: dict[str, float] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)  # item -> partnerships with it missing/expired/expiring
    partnerships: int = 0
    complete: int = 0
    schools: list[SchoolPoint] = field(default_factory=list)
    questions_per_week: list[tuple[str, int, int]] = field(default_factory=list)  # week, asked, unanswered
    unanswered: list[tuple[str, int]] = field(default_factory=list)
    hours_to_claim: list[float] = field(default_factory=list)
    hours_to_resolve: list[float] = field(default_factory=list)


def collect(session: Session, settings: Settings, now: dt.datetime) -> DistrictData:
    today = now.astimezone(settings.tz).date()
    year = health.school_year_of(today)
    data = DistrictData(year, now.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"),
                        sample=queries.uses_sample_data(session))
    points = {sid: SchoolPoint(name, region or "Unknown", lon, lat) for sid, name, region, lon, lat in session.execute(
        select(School.id, School.name, School.region, School.longitude, School.latitude)) if lon is not None and lat is not None}
    rows = queries.assessed(session, year, today)
    for row, items in rows:
        point = points.get(row.school_id)
        if point is not None:
            point.partnerships += 1
            point.complete += not health.problems(items)
    regions = queries.compliance_by_region(rows)
    data.per_region = {region: tally["partnerships"] for region, tally in regions.items()}
    data.compliance_per_region = {region: tally["complete"] / tally["partnerships"] for region, tally in regions.items()}
    data.partnerships = sum(data.per_region.values())
    data.complete = sum(tally["complete"] for tally in regions.values())
    data.missing = {item: sum(tally[item] for tally in regions.values()) for item in ITEMS}
    names = services()
    data.per_service = {names[code].name if code in names else code: n for code, n in session.execute(
        select(PartnershipService.service, func.count()).join(Partnership)
        .where(Partnership.school_year == year, Partnership.status.in_(queries.CURRENT_STATUSES))
        .group_by(PartnershipService.service).order_by(func.count().desc()))}
    data.schools = sorted(points.values(), key=lambda p: p.name)
    _questions(session, data, now, settings.tz)
    for created, claimed, resolved in session.execute(select(Ticket.created_at, Ticket.claimed_at, Ticket.resolved_at)
                                                      .where(Ticket.created_at >= now - dt.timedelta(weeks=WEEKS))):
        if claimed:
            data.hours_to_claim.append((claimed - created).total_seconds() / 3600)
        if resolved:
            data.hours_to_resolve.append((resolved - created).total_seconds() / 3600)
    return data


def _questions(session: Session, data: DistrictData, now: dt.datetime, tz: dt.tzinfo) -> None:
    """Questions per week, the weeks being the district's (Monday to Sunday in its time zone: a
    question on Sunday evening in Seattle is Monday in UTC)."""
    start = now - dt.timedelta(weeks=WEEKS)
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def monday_of(moment: dt.datetime) -> str:
        day = (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(tz).date()
        return (day - dt.timedelta(days=day.weekday())).isoformat()

    for n in range(WEEKS + 1):  # every week on the axis, quiet ones too
        weeks[monday_of(now - dt.timedelta(weeks=n))] = [0, 0]
    unanswered: Counter[str] = Counter()
    for asked_at, answered, text in session.execute(select(QuestionLog.asked_at, QuestionLog.answered, QuestionLog.text)
                                                    .where(QuestionLog.asked_at >= start)):
        monday = monday_of(asked_at)
        weeks[monday][0] += 1
        if not answered:
            weeks[monday][1] += 1
            unanswered[" ".join(text.lower().split())[:120]] += 1
    data.questions_per_week = [(week, asked, missed) for week, (asked, missed) in sorted(weeks.items())]
    data.unanswered = unanswered.most_common(20)


# -- drawing ---------------------------------------------------------------------------------------------

def _map(points: list[SchoolPoint], by: str):  # type: ignore[no-untyped-def]
    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        shown = [p for p in points if by == "count" or p.compliance is not None]
        colours = [p.partnerships if by == "count" else 100 * (p.compliance or 0) for p in shown]
        dots = ax.scatter([p.longitude for p in shown], [p.latitude for p in shown], c=colours, s=28,
                          cmap="viridis" if by == "count" else "RdYlGn", edgecolors="#333", linewidths=0.3)
        ax.figure.colorbar(dots, ax=ax, label="partnerships" if by == "count" else "% with all paperwork")
        ax.set_title("Schools by partnership count" if by == "count" else "Schools by paperwork compliance")
        ax.set_aspect(1.5, adjustable="datalim")  # a degree of longitude is ~2/3 of one of latitude here
        ax.set_xticks([])
        ax.set_yticks([])
    return draw


def _weeks(rows: list[tuple[str, int, int]]):  # type: ignore[no-untyped-def]
    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        x = range(len(rows))  # positions, labelled with the weeks' Mondays (strings would be read as dates)
        ax.plot(x, [a for _, a, _ in rows], marker="o", label="asked", color="#005a9c")
        ax.plot(x, [m for _, _, m in rows], marker="o", label="not answered", color="#c0392b")
        ax.set_xticks(list(x), [w[5:] for w, _, _ in rows], rotation=45)
        ax.set_title("Questions per week (week of)")
        ax.legend()
    return draw


def _hours(claim: list[float], resolve: list[float]):  # type: ignore[no-untyped-def]
    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        ax.boxplot([claim or [0.0], resolve or [0.0]], tick_labels=["to claim", "to resolve"])
        ax.set_ylabel("hours")
        ax.set_title("Consultation tickets: time to claim and to resolve")
    return draw


def render(data: DistrictData) -> str:
    rate = round(100 * data.complete / data.partnerships) if data.partnerships else 0
    sections = [
        ("Partnerships per region", inline_svg(bars(data.per_region, f"Current partnerships per region, {data.school_year}"))),
        ("Partnerships per service", inline_svg(bars(dict(list(data.per_service.items())[:15]), "Partnerships per service",
                                                horizontal=True))),
        ("Paperwork compliance", inline_svg(bars({region: 100 * share for region, share in data.compliance_per_region.items()},
                                                 "Share with all paperwork on file, per region", percent=True))),
        ("What is missing or expiring", inline_svg(bars({health.NAMES[k]: v for k, v in data.missing.items()},
                                                   "Partnerships with this item missing, expired or expiring",
                                                   horizontal=True))),
        ("Map: partnerships", inline_svg(_map(data.schools, "count"), MAP_SIZE)),
        ("Map: compliance", inline_svg(_map(data.schools, "compliance"), MAP_SIZE)),
        ("Questions", inline_svg(_weeks(data.questions_per_week))),
        ("Tickets", inline_svg(_hours(data.hours_to_claim, data.hours_to_resolve))),
    ]
    unanswered = "".join(f"<tr><td>{n}</td><td>{html.escape(text)}</td></tr>" for text, n in data.unanswered)
    claim = f"{statistics.median(data.hours_to_claim):.1f} h" if data.hours_to_claim else "-"
    resolve = f"{statistics.median(data.hours_to_resolve):.1f} h" if data.hours_to_resolve else "-"
    body = "\n".join(f'<section><h2>{html.escape(title)}</h2><figure role="img" aria-label="{html.escape(title)}">'
                     f"{svg}</figure></section>" for title, svg in sections)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>partnerbot: district report {data.school_year}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
section{{margin:2rem 0}} svg{{max-width:100%;height:auto}} table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}} .kpi{{font-size:1.2rem}} .sample{{background:#fff3cd;padding:.5rem 1rem}}</style></head>
<body><h1>School and Community Partnerships: the district, {data.school_year}</h1>
{SAMPLE_NOTICE if data.sample else ""}
<p class="kpi">{data.partnerships} current partnerships; {data.complete} ({rate}%) with all paperwork on file.
Median time to claim a consultation: {claim}; to resolve: {resolve}. Generated {data.generated}.</p>
{body}
<section><h2>Unanswered questions (last {WEEKS} weeks)</h2>
<table><thead><tr><th>times</th><th>question</th></tr></thead><tbody>{unanswered or '<tr><td colspan="2">none</td></tr>'}</tbody></table>
</section></body></html>
"""


def district_report(session: Session, settings: Settings, now: dt.datetime) -> str:
    return render(collect(session, settings, now))
