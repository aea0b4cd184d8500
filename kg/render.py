"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

from kg.ask.answer import Answer


def render_answer(a: Answer, explain: bool = False) -> str:
    lines = [f"Q: {a.question}", f"intent: {a.intent}"]
    if a.note:
        lines.append(f"note: {a.note}")
    if explain:
        lines += ["", a.sparql, ""]
    if a.verdict:
        lines.append(f"answer: {a.verdict}")
    if not a.answers:
        lines.append("No answers: the graph states nothing for this reading (that is not a 'no')")
        return "\n".join(lines)
    for n, item in enumerate(a.answers, 1):
        value = f" = {item.value}" if item.value is not None and str(item.value) not in item.label else ""
        lines.append(f"{n}. {item.label}{value}")
        for ev in item.evidence:
            lines.append(f"     “{' '.join(ev.quote.split())}” [{ev.source} {ev.start}-{ev.end}]")
    return "\n".join(lines)
