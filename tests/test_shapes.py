"""Every SHACL shape, tested with a graph that conforms and one that violates it.

Cases are derived from the shapes file itself, so a new class or property in the ontology gets
its two tests without new code. Each case validates against that one shape alone.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg import iri
from kg.ontology import read_vocabulary
from kg.shapes import NOT_ENTITIES, generate

ROOT = Path(__file__).resolve().parent.parent
SH = Namespace("http://www.w3.org/ns/shacl#")
KGO = Namespace(iri.ONTOLOGY)
PROV = Namespace("http://www.w3.org/ns/prov#")
DCT = Namespace("http://purl.org/dc/terms/")
SCHEMA = Namespace("https://schema.org/")
EX = Namespace("http://example.org/")

SHAPES = Graph().parse(ROOT / "ontology" / "shapes.ttl")
ONTOLOGY = Graph().parse(ROOT / "ontology" / "kg.ttl")
VOCAB = read_vocabulary([ROOT / "ontology" / "kg.ttl"])


def test_committed_shapes_are_generated_from_the_ontology():
    assert (ROOT / "ontology" / "shapes.ttl").read_text() == generate(VOCAB), "run `kg shapes --write`"


def test_every_class_and_property_has_a_shape():
    shaped = {str(s)[len(iri.BASE + "shapes#") :] for s in SHAPES.subjects(RDF.type, SH.NodeShape)}
    assert set(VOCAB.classes) <= shaped
    assert {p for p in VOCAB.properties if p not in {"evidence", "startOffset", "endOffset", "sha256", "mentions", "mentionOf"}} <= shaped
    assert {"RelatedToNeedsNote", "ClaimParts", "Bound", "bound"} <= shaped


def _one_shape(shape: URIRef) -> Graph:
    g = Graph()
    todo = [shape]
    while todo:
        node = todo.pop()
        for p, o in SHAPES.predicate_objects(node):
            g.add((node, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    # RDF lists (sh:or) hang off blank nodes too; the walk above already follows rdf:first/rest.
    return g


SOURCE = EX["source"]


def _base() -> Graph:
    g = Graph()
    for t in ONTOLOGY:
        g.add(t)
    g.add((SOURCE, RDF.type, KGO.Source))
    g.add((SOURCE, DCT.identifier, Literal("s")))
    g.add((SOURCE, RDFS.label, Literal("S")))
    g.add((SOURCE, KGO.sha256, Literal("0" * 64)))
    return g


def _entity(g: Graph, cls: str, name: str) -> URIRef:
    node = EX[name]
    g.add((node, RDF.type, KGO[cls]))
    g.add((node, RDFS.label, Literal(name)))
    g.add((node, SKOS.prefLabel, Literal(name)))
    g.add((SOURCE, KGO.mentions, node))
    return node


_SAMPLE = {
    XSD.string: Literal("text"),
    XSD.double: Literal(1e24),
    XSD.decimal: Literal("5.5", datatype=XSD.decimal),
    XSD.integer: Literal(3),
    XSD.date: Literal("2024-06-21", datatype=XSD.date),
    XSD.gYear: Literal("2013", datatype=XSD.gYear),
    XSD.gYearMonth: Literal("2023-08", datatype=XSD.gYearMonth),
    XSD.gMonth: Literal("--03", datatype=XSD.gMonth),
}
_WRONG = {XSD.string: Literal(3), XSD.date: Literal("June", datatype=XSD.string)}


def _class_cases():
    for name in sorted(VOCAB.classes):
        if name in NOT_ENTITIES:
            continue
        good = _base()
        _entity(good, name, "x")
        bad = _base()
        node = _entity(bad, name, "x")
        bad.remove((node, RDFS.label, None))
        yield pytest.param(name, good, bad, id=f"class-{name}")
        unmentioned = _base()
        node = _entity(unmentioned, name, "x")
        unmentioned.remove((SOURCE, KGO.mentions, node))
        yield pytest.param(name, good, unmentioned, id=f"class-{name}-unmentioned")


def _subject_for(g: Graph, p) -> URIRef:
    return _entity(g, p.domain or "Organization", "subj")


def _property_cases():
    for name in sorted(VOCAB.properties):
        p = VOCAB.properties[name]
        shape = URIRef(iri.BASE + "shapes#" + name)
        if (shape, RDF.type, SH.NodeShape) not in SHAPES or name == "bound":  # bound: _model_cases
            continue
        good, bad = _base(), _base()
        s_good, s_bad = _subject_for(good, p), _subject_for(bad, p)
        if p.kind == "object":
            ranges = [r for r in p.ranges if not r.startswith("http")] or ["Organization"]
            good.add((s_good, KGO[name], _entity(good, ranges[0], "obj")))
            bad.add((s_bad, KGO[name], Literal("not an entity")))
        else:
            dt = URIRef(p.ranges[0])
            good.add((s_good, KGO[name], _SAMPLE[dt]))
            bad.add((s_bad, KGO[name], _WRONG.get(dt, Literal("not a number"))))
        yield pytest.param(name, good, bad, id=f"property-{name}")
        if p.domain:
            wrong_domain = _base()
            other = "Place" if p.domain != "Place" else "Person"
            s = _entity(wrong_domain, other, "subj")
            for _s, pp, o in good.triples((s_good, KGO[name], None)):
                wrong_domain.add((s, pp, o))
                for t in good.triples((o, None, None)):
                    wrong_domain.add(t)
                if (SOURCE, KGO.mentions, o) in good:
                    wrong_domain.add((SOURCE, KGO.mentions, o))
            yield pytest.param(name, good, wrong_domain, id=f"property-{name}-domain")


def _provenance_cases():
    def statement(g: Graph, drop=None) -> None:
        st = EX["st"]
        subj = _entity(g, "Person", "a")
        triples = [
            (st, RDF.type, KGO.Statement),
            (st, RDF.subject, subj),
            (st, RDF.predicate, KGO.worksFor),
            (st, RDF.object, _entity(g, "Company", "b")),
            (st, KGO.evidence, Literal("a works for b")),
            (st, KGO.startOffset, Literal(0)),
            (st, KGO.endOffset, Literal(13)),
            (st, PROV.wasDerivedFrom, SOURCE),
        ]
        for t in triples:
            if t[1] != drop:
                g.add(t)

    for dropped in (KGO.evidence, PROV.wasDerivedFrom, KGO.startOffset, RDF.subject):
        good, bad = _base(), _base()
        statement(good)
        statement(bad, drop=dropped)
        yield pytest.param("Statement", good, bad, id=f"Statement-without-{dropped.split('#')[-1].split('/')[-1]}")

    def mention(g: Graph, drop=None) -> None:
        m = EX["m"]
        for t in [
            (m, RDF.type, KGO.Mention),
            (m, KGO.mentionOf, _entity(g, "Person", "a")),
            (m, KGO.evidence, Literal("a")),
            (m, KGO.startOffset, Literal(0)),
            (m, KGO.endOffset, Literal(1)),
            (m, PROV.wasDerivedFrom, SOURCE),
        ]:
            if t[1] != drop:
                g.add(t)

    good, bad = _base(), _base()
    mention(good)
    mention(bad, drop=PROV.wasDerivedFrom)
    yield pytest.param("Mention", good, bad, id="Mention-without-source")

    good, bad = _base(), _base()
    bad.set((SOURCE, KGO.sha256, Literal("not-a-hash")))
    yield pytest.param("Source", good, bad, id="Source-bad-sha256")

    good, bad = _base(), _base()
    a, b = _entity(good, "Technology", "euv"), _entity(good, "Technology", "semis")
    good.add((a, SKOS.broader, b))
    a, b = _entity(bad, "Technology", "euv"), _entity(bad, "Person", "someone")
    bad.add((a, SKOS.broader, b))
    yield pytest.param("SkosConcept", good, bad, id="SkosConcept-broader-person")


def _statement(g: Graph, pred=None, obj=None) -> URIRef:
    """A complete statement node (a works for b), optionally with another predicate/object."""
    st = EX["st"]
    subj = _entity(g, "Person", "a")
    obj = obj if obj is not None else _entity(g, "Company", "b")
    for t in [
        (st, RDF.type, KGO.Statement),
        (st, RDF.subject, subj),
        (st, RDF.predicate, pred if pred is not None else KGO.worksFor),
        (st, RDF.object, obj),
        (st, KGO.evidence, Literal("a works for b")),
        (st, KGO.startOffset, Literal(0)),
        (st, KGO.endOffset, Literal(13)),
        (st, PROV.wasDerivedFrom, SOURCE),
    ]:
        g.add(t)
    return st


def _model_cases():
    """The constructs of issue 11 the generic cases cannot build: relatedTo notes, claims, bounds."""
    good, bad = _base(), _base()
    st = _statement(good, KGO.relatedTo)
    good.add((st, SKOS.editorialNote, Literal("the text links them without saying how")))
    _statement(bad, KGO.relatedTo)
    yield pytest.param("RelatedToNeedsNote", good, bad, id="RelatedToNeedsNote-relatedTo-without-note")
    good, bad = _base(), _base()
    _statement(good)  # a precise property needs no note
    st = _statement(bad, KGO.relatedTo)
    bad.add((st, SKOS.editorialNote, Literal("")))
    yield pytest.param("RelatedToNeedsNote", good, bad, id="RelatedToNeedsNote-empty-note")

    def claim(g: Graph, drop=None) -> None:
        c = _entity(g, "Claim", "claim")
        for t in [
            (c, KGO.claimant, _entity(g, "Person", "lu")),
            (c, KGO.about, _entity(g, "Industry", "steel")),
            (c, KGO.evidence, Literal("Lu says steel matters")),
            (c, KGO.startOffset, Literal(0)),
            (c, KGO.endOffset, Literal(21)),
            (c, PROV.wasDerivedFrom, SOURCE),
        ]:
            if t[1] != drop:
                g.add(t)

    for dropped in (KGO.claimant, KGO.evidence, PROV.wasDerivedFrom):
        good, bad = _base(), _base()
        claim(good)
        claim(bad, drop=dropped)
        yield pytest.param("ClaimParts", good, bad, id=f"ClaimParts-without-{dropped.split('#')[-1].split('/')[-1]}")

    good, bad, twice, off_statement = _base(), _base(), _base(), _base()
    good.add((_statement(good, KGO["count"], Literal(60)), KGO.bound, KGO.MoreThan))
    bad.add((_statement(bad, KGO["count"], Literal(60)), KGO.bound, _entity(bad, "Concept", "roughly")))
    st = _statement(twice, KGO["count"], Literal(60))
    twice.add((st, KGO.bound, KGO.MoreThan))
    twice.add((st, KGO.bound, KGO.AtLeast))
    off_statement.add((_entity(off_statement, "Country", "x"), KGO.bound, KGO.MoreThan))
    for name, case in (("other-term", bad), ("two-bounds", twice), ("not-on-a-statement", off_statement)):
        yield pytest.param("bound", good, case, id=f"bound-{name}")
    good, bad = _base(), _base()
    bad.add((EX["roughly"], RDF.type, KGO.Bound))
    yield pytest.param("Bound", good, bad, id="Bound-not-an-ontology-term")


def _infer_types(g: Graph) -> Graph:
    """Adds superclass types, as the build does, so sh:class sees a Company as an Organization."""
    closure = {c: set(g.transitive_objects(c, RDFS.subClassOf)) for c in set(g.objects(None, RDF.type))}
    for s, c in list(g.subject_objects(RDF.type)):
        for sup in closure.get(c, ()):
            g.add((s, RDF.type, sup))
    return g


@pytest.mark.parametrize("shape_name,good,bad", [*_class_cases(), *_property_cases(), *_provenance_cases(), *_model_cases()])
def test_shape_accepts_conforming_and_rejects_violating(shape_name, good, bad):
    shape = _one_shape(URIRef(iri.BASE + "shapes#" + shape_name))
    assert len(shape) > 0, f"no shape {shape_name}"
    ok, _, text = pyshacl.validate(_infer_types(good), shacl_graph=shape, inference="none")
    assert ok, text
    ok, _, _ = pyshacl.validate(_infer_types(bad), shacl_graph=shape, inference="none")
    assert not ok
