"""Turns checked records into RDF: one named graph per source, plus entity, source-metadata,
ontology and inferred graphs. Also returns where each node came from, so a SHACL result
can be reported as file:line.
"""

from __future__ import annotations

from kg import iri
from kg.errors import Location
from kg.model import Dataset, Evidence, Literal
from kg.ontology import Vocabulary

NS = {
    "kgo": iri.ONTOLOGY,
    "kgr": iri.ENTITY,
    "kgs": iri.SOURCE,
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
SCHEMES = {"Technology": "technologies", "Industry": "industries", "Concept": "concepts"}


def compile_dataset(data: Dataset, vocab: Vocabulary, ontology_graph):
    """Returns (rdflib.Dataset, origins: IRI string -> Location)."""
    from rdflib import RDF, RDFS, Namespace, URIRef
    from rdflib import Dataset as RDFDataset
    from rdflib import Literal as L
    from rdflib.namespace import ClosedNamespace

    SKOS = Namespace(NS["skos"])
    SCHEMA = Namespace(NS["schema"])
    PROV = Namespace(NS["prov"])
    DCT = Namespace(NS["dct"])
    OWL = Namespace(NS["owl"])
    # Closed over the ontology's own terms: a misspelt term raises instead of minting an IRI.
    KGO = ClosedNamespace(iri.ONTOLOGY, sorted([*vocab.classes, *vocab.properties, *vocab.bounds]))

    def lit(v: Literal) -> L:
        return L(v.lexical, datatype=URIRef(v.datatype))

    ds = RDFDataset()
    for prefix, ns in NS.items():
        ds.bind(prefix, ns)
    origins: dict[str, Location] = {}

    g_onto = ds.graph(URIRef(iri.GRAPH_ONTOLOGY))
    for t in ontology_graph:
        g_onto.add(t)

    g_src = ds.graph(URIRef(iri.GRAPH_SOURCES))
    for s in data.sources.values():
        node = URIRef(iri.source(s.id))
        origins[str(node)] = s.where
        g_src.add((node, RDF.type, KGO.Source))
        g_src.add((node, DCT.identifier, L(s.id)))
        g_src.add((node, RDFS.label, L(s.title or s.id)))
        if s.title:
            g_src.add((node, DCT.title, L(s.title)))
        if s.publisher:
            g_src.add((node, DCT.publisher, L(s.publisher)))
        if s.date:
            g_src.add((node, DCT.date, lit(s.date)))
        if s.url:
            g_src.add((node, SCHEMA.url, URIRef(s.url)))
        if s.description:
            g_src.add((node, DCT.description, L(s.description)))
        g_src.add((node, KGO.sha256, L(s.sha256)))
        g_src.add((node, DCT.source, L(s.file)))

    g_ent = ds.graph(URIRef(iri.GRAPH_ENTITIES))
    for e in data.entities.values():
        node = URIRef(iri.entity(e.id))
        origins[str(node)] = e.where
        for t in e.types:
            g_ent.add((node, RDF.type, KGO[t]))
            if t in SCHEMES:
                g_ent.add((node, SKOS.inScheme, URIRef(iri.entity(SCHEMES[t]))))
        g_ent.add((node, RDFS.label, L(e.label)))
        g_ent.add((node, SKOS.prefLabel, L(e.label)))
        for a in e.aliases:
            g_ent.add((node, SKOS.altLabel, L(a)))
        if e.description:
            g_ent.add((node, SCHEMA.description, L(e.description)))
        for b in e.broader:
            g_ent.add((node, SKOS.broader, URIRef(iri.entity(b))))
        for same in e.same_as:
            g_ent.add((node, OWL.sameAs, URIRef(same)))

    def evidence(graph, node, ev: Evidence) -> None:
        graph.add((node, KGO.evidence, L(ev.quote)))
        graph.add((node, KGO.startOffset, L(ev.start)))
        graph.add((node, KGO.endOffset, L(ev.end)))
        graph.add((node, PROV.wasDerivedFrom, URIRef(iri.source(ev.source))))

    for m in data.mentions:
        ev = m.evidence
        g = ds.graph(URIRef(iri.source(ev.source)))
        node = URIRef(iri.mention(ev.source, m.entity, ev.start))
        origins[str(node)] = ev.where
        g.add((URIRef(iri.source(ev.source)), KGO.mentions, URIRef(iri.entity(m.entity))))
        g.add((node, RDF.type, KGO.Mention))
        g.add((node, KGO.mentionOf, URIRef(iri.entity(m.entity))))
        evidence(g, node, ev)

    for f in data.facts:
        ev = f.evidence
        g = ds.graph(URIRef(iri.source(ev.source)))
        subj = URIRef(iri.entity(f.subject))
        pred = URIRef(vocab.properties[f.predicate].iri)
        objects = [URIRef(iri.entity(f.object))] if f.object is not None else [lit(v) for v in f.value or []]
        qual_key = tuple(sorted((k, tuple(v.lexical for v in vs)) for k, vs in f.qualifiers.items()))
        if f.links:
            qual_key += tuple(sorted((k, tuple(ids)) for k, ids in f.links.items()))
        if f.bound:
            qual_key += (("bound", (f.bound,)),)
        obj_key = f.object if f.object is not None else tuple(v.lexical for v in f.value or [])
        node = URIRef(iri.statement(ev.source, f.subject, f.predicate, obj_key, qual_key))
        origins[str(node)] = ev.where
        g.add((node, RDF.type, KGO.Statement))
        g.add((node, RDF.subject, subj))
        g.add((node, RDF.predicate, pred))
        for obj in objects:
            g.add((subj, pred, obj))
            g.add((node, RDF.object, obj))
        for key, values in f.qualifiers.items():
            for v in values:
                g.add((node, KGO[key], lit(v)))
        for key, ids in f.links.items():
            for eid in ids:
                g.add((node, KGO[key], URIRef(iri.entity(eid))))
                g.add((URIRef(iri.source(ev.source)), KGO.mentions, URIRef(iri.entity(eid))))
        if f.bound:
            g.add((node, KGO.bound, KGO[f.bound]))
            # schema.org's reading of a bounded figure, for queries in its terms
            side = {"AtLeast": SCHEMA.minValue, "MoreThan": SCHEMA.minValue, "UpTo": SCHEMA.maxValue, "LessThan": SCHEMA.maxValue}
            if f.bound in side:
                for obj in objects:
                    g.add((node, side[f.bound], obj))
        if f.note:
            g.add((node, SKOS.editorialNote, L(f.note)))
        evidence(g, node, ev)
        # Every entity a fact touches is mentioned by its source.
        g.add((URIRef(iri.source(ev.source)), KGO.mentions, subj))
        if f.object is not None:
            g.add((URIRef(iri.source(ev.source)), KGO.mentions, URIRef(iri.entity(f.object))))
    for c in data.claims.values():
        # The claim node carries its own quote: it is that passage of the source.
        g = ds.graph(URIRef(iri.source(c.source)))
        node = URIRef(iri.entity(c.id))
        evidence(g, node, c.evidence)
        g.add((URIRef(iri.source(c.source)), KGO.mentions, node))
    return ds, origins
