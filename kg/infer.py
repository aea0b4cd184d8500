"""Materialises the entailments that make queries in other vocabularies work.

A deliberately small rule set (RDFS subclass/subproperty, owl:inverseOf, owl:SymmetricProperty,
skos:broaderTransitive/narrower) rather than a full OWL-RL closure: full OWL-RL adds thousands
of trivial triples (every node owl:sameAs itself, rdfs:Resource types) that bloat every answer.
Inferred triples go to their own named graph so asserted and derived facts stay apart.
"""

from __future__ import annotations

from kg import iri

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def _closure(direct: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for start in direct:
        seen: set[str] = set()
        todo = list(direct[start])
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(direct.get(n, ()))
        out[start] = seen
    return out


def infer(ds) -> int:
    """Adds the inferred graph to `ds`; returns the number of new triples."""
    from rdflib import OWL, RDF, RDFS, URIRef

    onto = ds.graph(URIRef(iri.GRAPH_ONTOLOGY))
    sub_class: dict[str, set[str]] = {}
    for c, sup in onto.subject_objects(RDFS.subClassOf):
        sub_class.setdefault(str(c), set()).add(str(sup))
    sub_prop: dict[str, set[str]] = {}
    for p, sup in onto.subject_objects(RDFS.subPropertyOf):
        sub_prop.setdefault(str(p), set()).add(str(sup))
    inverse: dict[str, set[str]] = {}
    for p, q in onto.subject_objects(OWL.inverseOf):
        inverse.setdefault(str(p), set()).add(str(q))
        inverse.setdefault(str(q), set()).add(str(p))
    symmetric = {str(p) for p in onto.subjects(RDF.type, OWL.SymmetricProperty)}
    class_up = _closure(sub_class)
    prop_up = _closure(sub_prop)

    asserted = set()
    for graph in ds.graphs():
        if str(graph.identifier) in (iri.GRAPH_ONTOLOGY, iri.GRAPH_INFERRED):
            continue
        asserted.update(graph)
    derived: set = set()
    todo = list(asserted)
    broader: dict = {}
    while todo:
        s, p, o = todo.pop()
        new = []
        ps = str(p)
        if ps == RDF_TYPE:
            new += [(s, p, URIRef(c)) for c in class_up.get(str(o), ())]
        else:
            new += [(s, URIRef(q), o) for q in prop_up.get(ps, ())]
            new += [(o, URIRef(q), s) for q in inverse.get(ps, ()) if isinstance(o, URIRef)]
            if ps in symmetric and isinstance(o, URIRef):
                new.append((o, p, s))
            if ps == SKOS + "broader":
                broader.setdefault(s, set()).add(o)
                new.append((o, URIRef(SKOS + "narrower"), s))
        for t in new:
            if t not in asserted and t not in derived:
                derived.add(t)
                todo.append(t)
    for s, ups in _closure({k: set(v) for k, v in broader.items()}).items():
        for o in ups:
            t = (s, URIRef(SKOS + "broaderTransitive"), o)
            if t not in asserted:
                derived.add(t)
    g = ds.graph(URIRef(iri.GRAPH_INFERRED))
    for t in derived:
        g.add(t)
    return len(derived)
