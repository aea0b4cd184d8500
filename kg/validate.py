"""`kg validate`: SHACL plus the checks SHACL cannot express (quotes against the source text,
shared aliases). Returns violations as 'file:line: message' lines so a curator can jump there.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kg.errors import InputError, Location
from kg.model import Dataset
from kg.paths import Paths


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # per-source counts, and checks a source still defers
    deferred: list[str] = field(default_factory=list)  # what a pending check would report (kg validate --pending)
    checked_quotes: int = 0
    sources_with_text: list[str] = field(default_factory=list)
    sources_without_text: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations


def validate(paths: Paths) -> Report:
    from kg.build import compile_all

    ds, data, _vocab, origins = compile_all(paths)
    report = Report()
    report.violations += shacl_violations(ds, paths.shapes_file(), origins, data, report.deferred)
    report.notes += related_to_notes(data)
    report.violations += alias_violations(data)
    ends = quote_end_check(data)
    report.violations += ends.errors
    report.notes += ends.notes
    report.deferred += ends.deferred
    if paths.sources is not None:
        if not paths.sources.is_dir():
            raise InputError("sources folder not found", Location(paths.sources))
        check_quotes(data, paths.sources, report)
    return report


class ShaclResult(NamedTuple):
    focus: str
    path: str | None
    shape: str | None  # local name of the kg shape that failed (a class or property name)
    message: str
    value: str | None


def shacl_results(ds, shapes_file: Path) -> list[ShaclResult]:
    """Every SHACL violation, structured (focus node, path, failing kg shape, message, value)."""
    import pyshacl
    from rdflib import BNode, Graph, Namespace

    from kg.ontology import load_graph
    from kg.shapes import SHAPES

    if not shapes_file.is_file():
        raise InputError("missing SHACL shapes file", Location(shapes_file))
    shapes = load_graph([shapes_file])
    union = Graph()
    for g in ds.graphs():
        for t in g:
            union.add(t)
    conforms, results, _ = pyshacl.validate(
        union, shacl_graph=shapes, inference="none", advanced=True, inplace=True
    )  # union is ours: no clone
    if conforms:
        return []
    SH = Namespace("http://www.w3.org/ns/shacl#")
    out = []
    for res in results.subjects(SH.resultSeverity, SH.Violation):
        shape = results.value(res, SH.sourceShape)
        while isinstance(shape, BNode):  # a property shape: find the node shape that holds it
            shape = shapes.value(None, SH.property, shape)
        local = str(shape)[len(SHAPES) :] if shape is not None and str(shape).startswith(SHAPES) else None
        path, value = results.value(res, SH.resultPath), results.value(res, SH.value)
        out.append(ShaclResult(str(results.value(res, SH.focusNode)), str(path) if path is not None else None, local,
                               str(results.value(res, SH.resultMessage)), str(value) if value is not None else None))  # fmt: skip
    return out


class Checked(NamedTuple):
    errors: list[str]
    notes: list[str]
    deferred: list[str] = []


def _statement_source(node: str) -> str | None:
    from kg.iri import STATEMENT

    return node[len(STATEMENT) :].split("/", 1)[0] if node.startswith(STATEMENT) else None


def is_deferred(result: ShaclResult, data: Dataset) -> bool:
    """A relatedTo-note result on a source that still defers that rule (`pending: [related-to-note]`)."""
    return result.shape == "RelatedToNeedsNote" and "related-to-note" in data.pending.get(_statement_source(result.focus) or "", set())


def shacl_violations(
    ds, shapes_file: Path, origins: dict[str, Location], data: Dataset | None = None, deferred: list[str] | None = None
) -> list[str]:
    """Violations as 'file:line: entity: path: message (value: v)' lines; the ones `data` defers
    go to `deferred` instead."""
    out, held = [], []
    for r in shacl_results(ds, shapes_file):
        target = held if data is not None and is_deferred(r, data) else out
        where = origins.get(r.focus)
        prefix = str(where) if where else r.focus
        detail = f"{_short(r.path)}: " if r.path is not None else ""
        shown_value = f" (value: {_short(r.value)})" if r.value is not None else ""
        target.append(f"{prefix}: {_short(r.focus)}: {detail}{r.message}{shown_value}")
    if deferred is not None:
        deferred += sorted(set(held))
    return sorted(set(out))


def related_to_notes(data: Dataset) -> list[str]:
    """Per source: relatedTo facts, and how many lack the note (counted for deferring sources too)."""
    out = []
    for sid in sorted(data.sources):
        facts = [f for f in data.facts if f.evidence.source == sid]
        rel = [f for f in facts if f.predicate == "relatedTo"]
        if not facts:
            continue
        bare = sum(1 for f in rel if not f.note)
        state = "pending" if "related-to-note" in data.pending.get(sid, set()) else "enforced"
        out.append(
            f"relatedTo: {sid}: {len(rel)} of {len(facts)} facts ({100 * len(rel) / len(facts):.1f}%), {bare} without a note ({state})"
        )
    return out


def _short(node) -> str:
    from kg.iri import ENTITY, ONTOLOGY

    s = str(node)
    for base, prefix in ((ENTITY, ""), (ONTOLOGY, "kgo:")):
        if s.startswith(base):
            return prefix + s[len(base) :]
    return s


def norm_alias(text: str) -> str:
    """Folding used to compare names: case, accents, punctuation and spacing do not count."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", folded) or text.lower()


def alias_violations(data: Dataset) -> list[str]:
    owner: dict[str, str] = {}
    out = []
    for e in data.entities.values():
        names = {norm_alias(n) for n in [e.label, *e.aliases]}
        for n in sorted(names):
            other = owner.get(n)
            if other is not None and other != e.id:
                out.append(f"{e.where}: {e.id}: name {n!r} is also a label or alias of {other!r}")
            else:
                owner[n] = e.id
    return out


_QUOTE_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_QUOTE_FOLD).casefold()


def names_in_quote(quote: str, names: list[str]) -> bool:
    """Does the quote name the thing by one of `names`? Case, curly quotes and a plural -s do not
    count; a name must stand as whole words ("Ma" is not in "Malaysia")."""
    q = _fold(quote)
    for name in names:
        n = _fold(name).strip()
        if not n:
            continue
        forms = {n, n + "s", n + "es"} | ({n[:-1]} if n.endswith("s") and len(n) > 3 else set())
        for form in forms:
            if re.search(r"(?<![\w])" + re.escape(form) + r"(?![\w])", q):
                return True
    return False


def quote_end_check(data: Dataset) -> Checked:
    """Every fact between two entities has a quote that names both ends, by a label or alias, or
    says in `refers` which of its words name an end ("He", "the Chinese EV maker"). A claim end is
    named by its own quote. Reported per source; an error unless the source defers it
    (`pending: [quote-ends]` in its facts file), so sources can be reworked one at a time."""
    totals: dict[str, list[int]] = {}
    errors, held = [], {}
    for f in data.facts:
        if f.object is None:
            continue
        sid = f.evidence.source
        count = totals.setdefault(sid, [0, 0])
        count[0] += 1
        missing = []
        for end in (f.subject, f.object):
            ent = data.entities.get(end)
            if ent is None or "Claim" in ent.types or end in f.refers:
                continue
            if not names_in_quote(f.evidence.quote, [ent.label, *ent.aliases]):
                missing.append(end)
        if not missing:
            continue
        count[1] += 1
        line = (
            f"{f.evidence.where}: {f.subject} {f.predicate} {f.object}: the quote names neither label nor alias of "
            f"{', '.join(missing)} (add the alias, or 'refers' with the words that name it)"
        )
        if "quote-ends" in data.pending.get(sid, set()):
            held.setdefault(sid, []).append(line)
        else:
            errors.append(line)
    notes = []
    for sid, (total, failing) in sorted(totals.items()):
        state = "pending" if "quote-ends" in data.pending.get(sid, set()) else "enforced"
        notes.append(f"quote-ends: {sid}: {total - failing} of {total} facts between two entities name both ends ({state})")
    return Checked(errors, notes, [line for lines in held.values() for line in lines])


def check_quotes(data: Dataset, folder: Path, report: Report) -> None:
    texts: dict[str, str] = {}
    for s in data.sources.values():
        f = folder / s.file
        if not f.is_file():
            report.sources_without_text.append(s.id)
            continue
        raw = f.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != s.sha256:
            report.violations.append(f"{s.where}: source {s.id}: sha256 of {f.name} is {digest}, not the recorded one")
            continue
        texts[s.id] = raw.decode("utf-8")
        report.sources_with_text.append(s.id)
    evidences = [m.evidence for m in data.mentions] + [f.evidence for f in data.facts]
    for ev in evidences:
        text = texts.get(ev.source)
        if text is None:
            continue
        report.checked_quotes += 1
        found = text[ev.start : ev.end]
        if found != ev.quote:
            hint = text.find(ev.quote)
            where_else = f"; the quote occurs at {hint}..{hint + len(ev.quote)}" if hint >= 0 else "; the quote is not in the text"
            report.violations.append(f"{ev.where}: quote not found at {ev.start}..{ev.end} of {ev.source}{where_else}")
