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

import base64
import datetime as dt
import html
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.charts import bars, inline_svg, whole_numbers
from bot.config import Settings
from bot.directory import health, queries
from bot.directory.vocab import services
from bot.insights import duration
from bot.models import Partnership, PartnershipService, QuestionLog, School, Ticket
from bot.school_map import STYLE as MAP_STYLE, school_map

WEEKS = 12
SAMPLE_NOTICE = ('<p class="sample"><strong>Sample data:</strong> these figures come from generated sample '
                 "partnerships, not the district's. Import the real partnership file to see the district.</p>")
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
    as_written: dict[str, str] = {}  # counted regardless of case and spacing, shown as first written
    for asked_at, answered, text in session.execute(select(QuestionLog.asked_at, QuestionLog.answered, QuestionLog.text)
                                                    .where(QuestionLog.asked_at >= start)):
        monday = monday_of(asked_at)
        weeks[monday][0] += 1
        if not answered:
            weeks[monday][1] += 1
            key = " ".join(text.lower().split())[:120]
            as_written.setdefault(key, " ".join(text.split())[:120])
            unanswered[key] += 1
    data.questions_per_week = [(week, asked, missed) for week, (asked, missed) in sorted(weeks.items())]
    data.unanswered = [(as_written[key], n) for key, n in unanswered.most_common(20)]


# -- drawing ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    alt: str
    svg: str  # matplotlib's SVG: inline in the report's page; an image in the desk's, whose CSP forbids inline styles

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class Section:
    """One part of the picture: its figures drawn and as a table. Maps are SVG made here (names escaped),
    styled only by attributes and the page's stylesheet, so they stay inline and explorable everywhere."""

    title: str
    table: Table
    charts: tuple[Chart, ...] = ()
    maps: tuple[str, ...] = ()
    note: str = ""


FEW_FOR_A_BOX = 5
"""With fewer tickets than this a box plot says nothing a reader can trust: each time is drawn as a point."""


def _weeks(rows: list[tuple[str, int, int]]):  # type: ignore[no-untyped-def]
    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        x = range(len(rows))  # positions, labelled with the weeks' Mondays (strings would be read as dates)
        ax.plot(x, [a for _, a, _ in rows], marker="o", label="asked", color="#005a9c")
        ax.plot(x, [m for _, _, m in rows], marker="s", linestyle="--", label="not answered", color="#c0392b")
        ax.set_xticks(list(x), [w[5:] for w, _, _ in rows], rotation=45)
        whole_numbers(ax.yaxis)
        ax.set_ylim(bottom=0)
        ax.set_title("Questions per week (week of)")
        ax.legend()
    return draw


def _hours(claim: list[float], resolve: list[float]):  # type: ignore[no-untyped-def]
    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        series = [claim, resolve]
        if min(len(claim), len(resolve)) >= FEW_FOR_A_BOX:
            ax.boxplot(series, tick_labels=["to claim", "to resolve"])
        else:
            for position, values in enumerate(series, start=1):
                ax.plot([position] * len(values), values, "o", color="#005a9c")
            ax.set_xticks([1, 2], ["to claim", "to resolve"])
            ax.set_xlim(0.5, 2.5)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("hours")
        ax.set_title("Consultation tickets: time to claim and to resolve")
    return draw


def _counts(values: dict[str, int], key: str, caption: str) -> Table:
    return Table(caption, (key, "Partnerships"), tuple((name, str(n)) for name, n in values.items()))


def _tickets_table(data: DistrictData) -> Table:
    rows = []
    for what, hours in (("to claim", data.hours_to_claim), ("to resolve", data.hours_to_resolve)):
        rows.append((what, str(len(hours)), duration(statistics.median(hours)) if hours else "-",
                     duration(max(hours)) if hours else "-"))
    return Table(f"Consultation tickets of the last {WEEKS} weeks", ("Time", "Tickets", "Median", "Longest"),
                 tuple(rows))


def sections(data: DistrictData) -> list[Section]:
    """The picture's parts in reading order, each chart's figures also as a table."""
    compliance = {region: 100 * share for region, share in data.compliance_per_region.items()}
    missing = {health.NAMES[k]: v for k, v in data.missing.items()}

    def chart(alt: str, draw) -> tuple[Chart, ...]:  # type: ignore[no-untyped-def]
        return (Chart(alt, inline_svg(draw)),)

    return [
        Section("Partnerships per region", _counts(data.per_region, "Region", "Current partnerships per region"),
                chart("Bar chart: current partnerships per region (figures in the table below)",
                      bars(data.per_region, f"Current partnerships per region, {data.school_year}"))),
        Section("Partnerships per service",
                _counts(data.per_service, "Service", "Current partnerships per service (every service)"),
                chart("Bar chart: partnerships per service, the 15 largest (every service in the table below)",
                      bars(dict(list(data.per_service.items())[:15]), "Partnerships per service", horizontal=True))),
        Section("Paperwork compliance",
                Table("Share of current partnerships with all paperwork on file",
                      ("Region", "With all paperwork", "Partnerships"),
                      tuple((region, f"{round(share)}%", str(data.per_region.get(region, 0)))
                            for region, share in compliance.items())),
                chart("Bar chart: share with all paperwork on file, per region (figures in the table below)",
                      bars(compliance, "Share with all paperwork on file, per region", percent=True))),
        Section("What is missing or expiring",
                _counts(missing, "Item", "Partnerships with this item missing, expired or expiring"),
                chart("Bar chart: partnerships with each item missing, expired or expiring (figures in the table below)",
                      bars(missing, "Partnerships with this item missing, expired or expiring", horizontal=True))),
        Section("Schools on the map",
                Table("Each school's current partnerships", ("School", "Region", "Partnerships", "With all paperwork"),
                      tuple((p.name, p.region, str(p.partnerships),
                             f"{round(100 * p.compliance)}%" if p.compliance is not None else "-") for p in data.schools)),
                maps=(school_map(data.schools, "count", "Schools by number of current partnerships"),
                      school_map(data.schools, "compliance", "Schools by share of partnerships with all paperwork")),
                note="Point at a school, or move to it with the Tab key, to see its name and figures; "
                     "the table below has every school."),
        Section("Questions",
                Table("Questions per week", ("Week of", "Asked", "Not answered"),
                      tuple((week, str(asked), str(missed)) for week, asked, missed in data.questions_per_week)),
                chart("Line chart: questions asked and not answered per week (figures in the table below)",
                      _weeks(data.questions_per_week))),
        Section("Tickets", _tickets_table(data),
                chart("Chart: hours from a consultation request to its claim and to its resolution "
                      "(figures in the table below)", _hours(data.hours_to_claim, data.hours_to_resolve))),
    ]


def _table_html(table: Table, key: str) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in table.headers)
    body = "".join("<tr>" + "".join(f'<th scope="row">{html.escape(cell)}</th>' if i == 0 else f"<td>{html.escape(cell)}</td>"
                                    for i, cell in enumerate(row)) + "</tr>" for row in table.rows)
    return (f'<div class="scroll" role="region" aria-labelledby="{key}-caption" tabindex="0"><table>'
            f'<caption id="{key}-caption">{html.escape(table.caption)}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{body or f"<tr><td colspan={len(table.headers)}>none</td></tr>"}</tbody></table></div>')


def headline(data: DistrictData) -> str:
    """The picture in two sentences (plain text: the page escapes it)."""
    rate = round(100 * data.complete / data.partnerships) if data.partnerships else 0
    claim = duration(statistics.median(data.hours_to_claim)) if data.hours_to_claim else "-"
    resolve = duration(statistics.median(data.hours_to_resolve)) if data.hours_to_resolve else "-"
    return (f"{data.partnerships} current partnerships; {data.complete} ({rate}%) with all paperwork on file. "
            f"Median time to claim a consultation: {claim}; to resolve: {resolve}. Generated {data.generated}.")


def render(data: DistrictData) -> str:
    unanswered = "".join(f"<tr><td>{n}</td><td>{html.escape(text)}</td></tr>" for text, n in data.unanswered)
    body = "\n".join(
        f"<section><h2>{html.escape(part.title)}</h2>"
        + (f"<p>{html.escape(part.note)}</p>" if part.note else "")
        + "".join(f'<figure role="img" aria-label="{html.escape(c.alt)}">{c.svg}</figure>' for c in part.charts)
        + "".join(f"<figure>{drawn}</figure>" for drawn in part.maps)
        + _table_html(part.table, f"t{index}") + "</section>"
        for index, part in enumerate(sections(data)))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>partnerbot: district report {data.school_year}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
section{{margin:2rem 0}} figure{{margin:1rem 0}} svg{{max-width:100%;height:auto}} table{{border-collapse:collapse}}
.scroll{{overflow-x:auto;max-width:100%}} caption{{text-align:left;font-weight:600;padding:.3rem 0}}
td,th{{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}} .kpi{{font-size:1.2rem}} .sample{{background:#fff3cd;padding:.5rem 1rem}}
:focus-visible{{outline:3px solid #ffbf47;outline-offset:2px}} {MAP_STYLE}</style></head>
<body><main><h1>School and Community Partnerships: the district, {data.school_year}</h1>
{SAMPLE_NOTICE if data.sample else ""}
<p class="kpi">{html.escape(headline(data))}</p>
{body}
<section><h2>Unanswered questions (last {WEEKS} weeks)</h2>
<table><thead><tr><th scope="col">times</th><th scope="col">question</th></tr></thead><tbody>{unanswered or '<tr><td colspan="2">none</td></tr>'}</tbody></table>
</section></main></body></html>
"""


def district_report(session: Session, settings: Settings, now: dt.datetime) -> str:
    return render(collect(session, settings, now))
