"""What `ask` returns: the answers with their evidence, the reading that produced them, and why.

An answer says what each question word was read as and which other readings came close, so a
wrong reading can be seen. Abstaining is an error (`NotUnderstood`, exit 2) that says what was
understood, which words were not, and questions the graph can answer; it never reads as "no".
"""

from __future__ import annotations

from typing import NamedTuple

from kg.errors import InputError


class NotUnderstood(InputError):
    """The question could not be read well enough to answer; says what was understood. Exit 2."""

    def __init__(self, message: str, understood: list[str] | None = None, unexplained: list[str] | None = None,
                 nearest: list[str] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.understood = understood or []
        self.unexplained = unexplained or []
        self.suggestions = nearest or []


class Evidence(NamedTuple):
    source: str
    quote: str
    start: int
    end: int


class AnswerItem:
    """One answer: an entity (iri) or a value (iri None), with the quotes that state it."""

    __slots__ = ("iri", "label", "value", "evidence", "unit", "bound")

    def __init__(self, iri: str | None, label: str, value: str | None = None, evidence: list[Evidence] | None = None,
                 unit: str | None = None, bound: str | None = None) -> None:  # fmt: skip
        self.iri, self.label, self.value = iri, label, value
        self.evidence = evidence if evidence is not None else []
        self.unit, self.bound = unit, bound

    def __repr__(self) -> str:
        return f"AnswerItem({self.iri!r}, {self.label!r}, {self.value!r}, {len(self.evidence)} evidence)"

    def as_json(self) -> dict:
        out: dict = {"iri": self.iri, "label": self.label}
        if self.value is not None:
            out["value"] = self.value
        if self.unit:
            out["unit"] = self.unit
        if self.bound:
            out["bound"] = self.bound
        out["evidence"] = [e._asdict() for e in self.evidence]
        return out


class Answer:
    """The reading of the question, the query that ran (values bound, listed apart), and the answers."""

    __slots__ = ("question", "intent", "sparql", "answers", "note", "template", "bindings", "verdict", "count", "words", "readings")

    def __init__(self, question: str, intent: str, sparql: str, answers: list[AnswerItem], note: str | None = None) -> None:
        self.question, self.intent, self.sparql, self.answers, self.note = question, intent, sparql, answers, note
        self.template: str | None = None  # the query as run, and its bound values (for benchmarks and tools)
        self.bindings: dict = {}
        self.verdict: str | None = None  # "yes" / "no" for a yes/no question
        self.count: int | None = None  # for a how-many question
        self.words: list[tuple[str, str]] = []  # (question word, what it was read as)
        self.readings: list[tuple[str, float]] = []  # runner-up readings (intent, score)

    def as_json(self) -> dict:
        out = {
            "question": self.question,
            "intent": self.intent,
            "sparql": self.sparql,
            "note": self.note,
            "answers": [a.as_json() for a in self.answers],
        }
        if self.verdict is not None:
            out["verdict"] = self.verdict
        if self.count is not None:
            out["count"] = self.count
        out["words"] = [{"word": w, "read_as": r} for w, r in self.words]
        out["runner_up_readings"] = [{"intent": i, "score": round(s, 2)} for i, s in self.readings]
        return out


def shown(sparql: str, bindings: dict) -> str:
    """The query as run, with its bound values listed (they are substituted, not spliced)."""
    binds = "\n".join(f"#   ?{k} = {v}" for k, v in sorted(bindings.items()))
    return f"# bound values (substituted by the engine, never spliced into the text):\n{binds}\n{sparql}"
