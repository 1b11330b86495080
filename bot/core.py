"""Platform-neutral conversation types shared by every adapter and handler.

Nothing here imports a chat SDK: Slack, Teams, the web chat and the console all
translate to `Message` on the way in and from `Reply` on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


REPLY_INTENTS = (
    "agreement", "partners", "trainings", "consultation", "ticket_status", "report_outdated", "data_sharing",
    "background_checks", "partnership_tools", "training_module", "help", "unknown",
)
"""What a `Reply.intent` can be (the question-answering contract)."""


@dataclass(frozen=True)
class Button:
    """A choice offered to the user; pressing it sends `action` and `value` back."""

    label: str
    action: str
    value: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "action": self.action, "value": self.value}


@dataclass(frozen=True)
class Field:
    """A labelled fact shown beside the reply text (Block Kit fields, FactSet)."""

    label: str
    value: str

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "value": self.value}


@dataclass(frozen=True)
class FormField:
    """One input of a form: free text, a long text, or a choice among (value, label) options."""

    name: str
    label: str
    kind: str = "text"  # text | multiline | choice
    options: tuple[tuple[str, str], ...] = ()
    value: str = ""
    optional: bool = False
    placeholder: str = ""
    max_length: int = 3000
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "kind": self.kind, "optional": self.optional}
        for key in ("value", "placeholder", "error"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.options:
            out["options"] = [{"value": v, "label": label} for v, label in self.options]
        return out


@dataclass(frozen=True)
class FormPart:
    """A form a platform may draw (Slack modal, Teams card). Submitting it sends `submit.action` with
    the field values as JSON (plus `submit.value` under "context"); a platform without forms shows the text."""

    title: str
    fields: tuple[FormField, ...]
    submit: Button

    @property
    def errors(self) -> dict[str, str]:
        return {f.name: f.error for f in self.fields if f.error}

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "fields": [f.to_dict() for f in self.fields], "submit": self.submit.to_dict()}


@dataclass(frozen=True)
class Table:
    """Rows of figures (partnerships per region): each platform lays them out its own way."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"header": list(self.header), "rows": [list(r) for r in self.rows]}

    def as_text(self) -> str:
        widths = [max(len(str(row[i])) for row in (self.header, *self.rows)) for i in range(len(self.header))]
        lines = ["  ".join(str(cell).ljust(w) if i == 0 else str(cell).rjust(w) for i, (cell, w) in
                           enumerate(zip(row, widths))) for row in (self.header, *self.rows)]
        return "\n".join(lines)


@dataclass(frozen=True)
class Chart:
    """Figures to draw as bars (partnerships per region, share with all paperwork on file).

    Platform-neutral: the web chat shows it inline, Slack uploads it as an image file, a
    Teams card carries it as an image (bot/charts.py draws it). `description` is the
    alternative text: what a screen reader, or a platform that draws no image, says."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    percent: bool = False
    horizontal: bool = False

    @property
    def description(self) -> str:
        shown = ", ".join(f"{label} {round(value)}{'%' if self.percent else ''}"
                          for label, value in zip(self.labels, self.values))
        return f"Bar chart, {self.title}: {shown}"[:1000]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "labels": list(self.labels), "values": list(self.values),
                "percent": self.percent, "horizontal": self.horizontal, "description": self.description}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chart":
        return cls(str(data["title"]), tuple(str(x) for x in data["labels"]), tuple(float(x) for x in data["values"]),
                   bool(data.get("percent")), bool(data.get("horizontal")))


@dataclass(frozen=True)
class Message:
    """One thing a user did: typed text, or pressed a button (`action`/`value`)."""

    text: str
    user: str
    platform: str = "cli"
    channel: str = "direct"
    session_key: str = ""
    action: str | None = None
    value: str | None = None
    user_name: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)
    addressed: bool = True
    """False for a message typed in a shared thread without naming the bot: answered only if the
    bot is waiting for this person there."""
    origin: str | None = None
    """Web chat: a digest of the client's network address, so limits per person also hold per address."""
    anonymous: bool = False
    """Web chat: the request carried no identity (no cookie); `user` is new for this request only."""
    reached_later: bool = True
    """Whether the platform can bring this person a notice while they are away (a Slack or Teams message);
    False for the web chat, which shows notices only while its page is open."""

    @property
    def conversation_key(self) -> str:
        """Where multi-turn state lives: platform + channel (or session) + user."""
        where = self.session_key or self.channel
        return f"{self.platform}:{where}:{self.user}"


@dataclass(frozen=True)
class Reply:
    """What a handler returns, in typed parts each platform draws its own way: text, buttons
    (choices), facts (`fields`), a `table`, a `chart` of it, a `form`, a footer. `data` is the structured
    answer for the JSON contract and tests; platforms never read meaning from it."""

    text: str
    intent: str
    confidence: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
    fields: tuple[Field, ...] = ()
    footer: str | None = None
    ephemeral: bool = False
    table: Table | None = None
    form: FormPart | None = None
    chart: Chart | None = None

    def followed_by(self, text: str, buttons: tuple[Button, ...] = ()) -> "Reply":
        """This reply with a line added (and buttons after its own): "Back to your request: ..."."""
        return replace(self, text=f"{self.text}\n\n{text}", buttons=self.buttons + buttons)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "text": self.text,
            "buttons": [b.to_dict() for b in self.buttons],
            "data": self.data,
        }
        if self.fields:
            out["fields"] = [f.to_dict() for f in self.fields]
        if self.table:
            out["table"] = self.table.to_dict()
        if self.form:
            out["form"] = self.form.to_dict()
        if self.chart:
            out["chart"] = self.chart.to_dict()
        if self.footer:
            out["footer"] = self.footer
        return out
