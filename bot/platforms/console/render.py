"""A `Reply` as terminal text: numbered buttons, a table in columns, a form's fields listed."""

from __future__ import annotations

from bot.core import Reply


def render_text(reply: Reply) -> str:
    lines = [reply.text.replace("*", "")]
    if reply.table:
        lines.append(reply.table.as_text())
    for field in reply.fields:
        lines.append(f"  {field.label}: {field.value}")
    if reply.form:
        lines.append(f"  ({reply.form.title}: " + ", ".join(f.label + ("" if not f.error else f" - {f.error}")
                                                          for f in reply.form.fields) + ")")
    for number, button in enumerate(reply.buttons, start=1):
        lines.append(f"  [{number}] {button.label}")
    if reply.footer:
        lines.append(f"  ({reply.footer})")
    return "\n".join(lines)
