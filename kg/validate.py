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
    report.violations += shacl_violations(ds, paths.shapes_file(), origins)
    report.violations += alias_violations(data)
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
    conforms, results, _ = pyshacl.validate(union, shacl_graph=shapes, inference="none", advanced=True)
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


def shacl_violations(ds, shapes_file: Path, origins: dict[str, Location]) -> list[str]:
    """Violations as 'file:line: entity: path: message (value: v)' lines."""
    out = []
    for r in shacl_results(ds, shapes_file):
        where = origins.get(r.focus)
        prefix = str(where) if where else r.focus
        detail = f"{_short(r.path)}: " if r.path is not None else ""
        shown_value = f" (value: {_short(r.value)})" if r.value is not None else ""
        out.append(f"{prefix}: {_short(r.focus)}: {detail}{r.message}{shown_value}")
    return sorted(set(out))


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
