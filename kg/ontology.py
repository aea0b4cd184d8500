"""Reads the ontology into the small vocabulary the loader and the shapes need.

The ontology is the single source of truth: the loader accepts exactly the classes and
properties defined here, so a typo in data fails instead of minting a new term.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from kg import iri
from kg.errors import InputError, Location

XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass
class Property:
    name: str
    iri: str
    kind: str  # "object" or "datatype"
    label: str
    ranges: list[str] = field(default_factory=list)  # class local names or xsd datatype IRIs
    domain: str | None = None
    qualifier: bool = False
    ask_phrases: list[str] = field(default_factory=list)
    inverse: str | None = None
    symmetric: bool = False
    supers: list[str] = field(default_factory=list)  # full IRIs
    ask_inverse: bool = False
    verb: str | None = None
    nouns: list[str] = field(default_factory=list)
    nouns_inverse: list[str] = field(default_factory=list)
    opposites: list[str] = field(default_factory=list)  # kgo:askOpposite: phrases asking whether it does NOT hold
    unit: str | None = None  # kgo:askUnit: the unit of a datatype property's values
    bound: str | None = None  # kgo:askBound: more-than, approximately, within
    disjoint: list[str] = field(default_factory=list)  # owl:propertyDisjointWith (either side): a statement of one is a "no" to the other


@dataclass
class Vocabulary:
    classes: dict[str, str]  # local name -> label
    class_supers: dict[str, list[str]]  # local name -> direct super IRIs
    properties: dict[str, Property]
    class_words: dict[str, list[str]] = field(default_factory=dict)  # local name -> kgo:askPhrase
    bounds: dict[str, str] = field(default_factory=dict)  # kgo:Bound individual local name -> label

    @cached_property
    def class_ancestors(self) -> dict[str, set[str]]:
        """Local name -> every kgo class it is (itself included)."""
        out: dict[str, set[str]] = {}
        for c in self.classes:
            seen, todo = {c}, [c]
            while todo:
                for sup in self.class_supers.get(todo.pop(), []):
                    if sup.startswith(iri.ONTOLOGY):
                        local = sup[len(iri.ONTOLOGY) :]
                        if local not in seen:
                            seen.add(local)
                            todo.append(local)
            out[c] = seen
        return out

    def is_a(self, cls: str, ancestor: str) -> bool:
        return ancestor in self.class_ancestors.get(cls, set())


def load_graph(files: list[Path]):
    """Parse the ontology files with rdflib; a syntax error names file:line."""
    import rdflib

    graph = rdflib.Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            line = _line_of(str(exc))
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"malformed Turtle: {first}", Location(path, line)) from None
    return graph


def _line_of(message: str) -> int | None:
    import re

    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def read_vocabulary(files: list[Path]) -> Vocabulary:
    if not files:
        raise InputError("no ontology files (*.ttl) found", None)
    graph = load_graph(files)
    return vocabulary_from_graph(graph)


def vocabulary_from_graph(graph) -> Vocabulary:
    from rdflib import OWL as O
    from rdflib import RDF, URIRef
    from rdflib import RDFS as R

    kgo = iri.ONTOLOGY
    range_p = URIRef(kgo + "range")
    ask_p = URIRef(kgo + "askPhrase")
    qual_p = URIRef(kgo + "qualifier")
    inv_p, verb_p = URIRef(kgo + "askInverse"), URIRef(kgo + "verb")
    noun_p, noun_inv_p = URIRef(kgo + "askNoun"), URIRef(kgo + "askNounInverse")
    opposite_p = URIRef(kgo + "askOpposite")
    unit_p, bound_p = URIRef(kgo + "askUnit"), URIRef(kgo + "askBound")

    def local(node) -> str | None:
        s = str(node)
        return s[len(kgo) :] if s.startswith(kgo) else None

    classes: dict[str, str] = {}
    words: dict[str, list[str]] = {}
    supers: dict[str, list[str]] = {}
    for c in graph.subjects(RDF.type, O.Class):
        name = local(c)
        if name is None:
            continue
        classes[name] = str(graph.value(c, R.label) or name)
        supers[name] = sorted(str(s) for s in graph.objects(c, R.subClassOf))
        words[name] = sorted(str(w) for w in graph.objects(c, ask_p))

    props: dict[str, Property] = {}
    for kind, cls in (("object", O.ObjectProperty), ("datatype", O.DatatypeProperty)):
        for p in graph.subjects(RDF.type, cls):
            name = local(p)
            if name is None:
                continue
            ranges = []
            for r in graph.objects(p, range_p):
                ranges.append(local(r) or str(r))
            dom = graph.value(p, R.domain)
            inv = graph.value(p, O.inverseOf)
            props[name] = Property(
                name=name,
                iri=str(p),
                kind=kind,
                label=str(graph.value(p, R.label) or name),
                ranges=sorted(ranges),
                domain=local(dom) if dom is not None else None,
                qualifier=bool(graph.value(p, qual_p)),
                ask_phrases=sorted(str(a) for a in graph.objects(p, ask_p)),
                inverse=local(inv) if inv is not None else None,
                symmetric=(p, RDF.type, O.SymmetricProperty) in graph,
                supers=sorted(str(s) for s in graph.objects(p, R.subPropertyOf)),
                ask_inverse=bool(graph.value(p, inv_p)),
                verb=str(graph.value(p, verb_p)) if graph.value(p, verb_p) is not None else None,
                nouns=sorted(str(n) for n in graph.objects(p, noun_p)),
                nouns_inverse=sorted(str(n) for n in graph.objects(p, noun_inv_p)),
                opposites=sorted(str(n) for n in graph.objects(p, opposite_p)),
                unit=str(graph.value(p, unit_p)) if graph.value(p, unit_p) is not None else None,
                bound=str(graph.value(p, bound_p)) if graph.value(p, bound_p) is not None else None,
                disjoint=sorted(
                    {local(d) for d in graph.objects(p, O.propertyDisjointWith)}
                    | {local(d) for d in graph.subjects(O.propertyDisjointWith, p)} - {None}
                ),
            )
    bounds = {}
    for b in graph.subjects(RDF.type, URIRef(kgo + "Bound")):
        name = local(b)
        if name is not None:
            bounds[name] = str(graph.value(b, R.label) or name)
    # owl:inverseOf is symmetric in meaning; record it on both sides.
    for p in list(props.values()):
        if p.inverse and p.inverse in props and not props[p.inverse].inverse:
            props[p.inverse].inverse = p.name
    return Vocabulary(classes=classes, class_supers=supers, properties=props, class_words=words, bounds=bounds)
