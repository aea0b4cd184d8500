"""Build: outputs, named graphs per source, entailments, atomicity, rebuild on demand."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef

from kg import iri
from kg.build import build, current
from kg.errors import InputError
from tests.conftest import run_kg


def test_build_writes_trig_turtle_store_and_manifest(mini):
    b = build(mini)
    assert b.trig.is_file() and b.turtle.is_file() and (b.store).is_dir()
    ds = Dataset()
    ds.parse(b.trig, format="trig")
    names = {str(g.identifier) for g in ds.graphs()}
    assert iri.source("mini") in names
    assert {iri.GRAPH_ENTITIES, iri.GRAPH_SOURCES, iri.GRAPH_ONTOLOGY, iri.GRAPH_INFERRED} <= names
    union = Graph().parse(b.turtle, format="turtle")
    assert len(union) == b.manifest["union_triples"]


def test_facts_live_in_their_source_graph_with_evidence(mini):
    b = build(mini)
    ds = Dataset()
    ds.parse(b.trig, format="trig")
    g = ds.graph(URIRef(iri.source("mini")))
    triple = (URIRef(iri.entity("great-hall-meeting")), URIRef(iri.term("attendee")), URIRef(iri.entity("jack-ma")))
    assert triple in g
    q = """
    PREFIX kgo: <https://w3id.org/kg-tc/ontology#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    SELECT ?quote ?src WHERE { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kgo:evidence ?quote ;
                               prov:wasDerivedFrom ?src }"""
    rows = list(g.query(q, initBindings={"s": triple[0], "p": triple[1], "o": triple[2]}))
    assert [(str(r.quote), str(r.src)) for r in rows] == [("In attendance was Jack Ma", iri.source("mini"))]


def test_entailments_make_schema_org_queries_work(mini):
    b = build(mini)
    union = Graph().parse(b.turtle, format="turtle")
    q = "PREFIX schema: <https://schema.org/> SELECT ?p WHERE { ?e a schema:Event ; schema:attendee ?p }"
    assert {str(r.p) for r in union.query(q)} == {iri.entity("jack-ma")}
    assert (
        URIRef(iri.entity("alibaba")),
        URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        URIRef("https://schema.org/Organization"),
    ) in union
    # inverse: founder -> founderOf
    assert (URIRef(iri.entity("jack-ma")), URIRef(iri.term("founderOf")), URIRef(iri.entity("alibaba"))) in union


def test_failed_build_leaves_previous_build_untouched(mini):
    good = build(mini)
    before = good.trig.read_bytes()
    facts = mini.data / "facts" / "mini.yaml"
    facts.write_text(facts.read_text().replace("predicate: host", "predicate: hoster"))
    with pytest.raises(InputError):
        build(mini)
    now = current(mini)
    assert now is not None and now.path == good.path
    assert now.trig.read_bytes() == before
    assert sorted(p.name for p in mini.home.glob("gen-*")) == [good.path.name], "no half-written generation left"


def test_build_is_skipped_when_nothing_changed_and_redone_when_data_changes(mini):
    first = build(mini)
    assert build(mini).path == first.path
    ents = mini.data / "entities" / "all.yaml"
    ents.write_text(ents.read_text().replace("description: Chinese company.", "description: A Chinese company."))
    second = build(mini)
    assert second.path != first.path
    assert second.manifest["fingerprint"] != first.manifest["fingerprint"]


def test_stats_builds_on_demand_and_reports_zero_facts_without_evidence(mini):
    proc = run_kg(mini, "stats", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    import json

    s = json.loads(proc.stdout)
    assert s["facts_without_evidence"] == 0
    assert s["facts"] == 6 and s["per_source"]["mini"]["facts"] == 6
    assert s["per_class"]["Person"] == 2


def test_fingerprint_covers_every_module_the_build_runs(mini):
    """Regression: lexicon.py uses linking.py and text.py, which were not fingerprinted, so
    changing them left a stale build in place."""
    import subprocess
    import sys

    from kg.build import _CODE_FILES
    from tests.conftest import env_for

    code = "import sys; from kg.build import build; from kg.paths import Paths; build(Paths.from_env(), force=True); " \
           "print(' '.join(m.split('.', 1)[1] + '.py' for m in sys.modules if m.startswith('kg.')))"  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], env=env_for(mini), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    used = set(proc.stdout.split()) - {"paths.py", "errors.py"}  # where files are, how errors read: not build inputs
    assert used <= set(_CODE_FILES), used - set(_CODE_FILES)
