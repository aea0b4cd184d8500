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


CLAIM_AND_BOUND = """claims:
  - id: jack-ma-claim
    claimant: jack-ma
    about: [alibaba]
    cause: qwq-max
    hedge: perhaps
    quote: "Alibaba launched its own model"
    start: 129
    end: 159
    attribution: {quote: "Jack Ma", start: 100, end: 107}
"""


def test_claims_bounds_and_term_qualifiers_are_data(mini):
    """A claim is a node with its claimant, topics, cause and quote; a bound and a term qualifier sit
    on the statement node, and a bounded figure reads as schema:minValue."""
    facts = mini.data / "facts" / "mini.yaml"
    text = facts.read_text().replace("    value: 1.0e+24\n", "    value: 1.0e+24\n    bound: moreThan\n", 1)
    text = text.replace("      condition: launched", "      activity: [artificial-intelligence]\n      condition: launched", 1)
    facts.write_text(text + CLAIM_AND_BOUND)
    union = Graph().parse(build(mini).turtle, format="turtle")
    q = """PREFIX kgo: <https://w3id.org/kg-tc/ontology#> PREFIX schema: <https://schema.org/>
    SELECT ?who ?topic ?cause ?hedge ?quote ?said WHERE {
      ?c a schema:Claim ; schema:author ?who ; kgo:about ?topic ; kgo:cause ?cause ; kgo:hedge ?hedge ; kgo:evidence ?quote .
      ?st rdf:subject ?c ; rdf:predicate kgo:claimant ; kgo:evidence ?said }"""
    rows = [tuple(str(v) for v in r) for r in union.query(q)]
    assert rows == [
        (iri.entity("jack-ma"), iri.entity("alibaba"), iri.entity("qwq-max"), "perhaps", "Alibaba launched its own model", "Jack Ma")
    ]
    q = """PREFIX kgo: <https://w3id.org/kg-tc/ontology#> PREFIX schema: <https://schema.org/>
    SELECT ?bound ?min WHERE { ?st rdf:predicate kgo:trainingComputeAboveFLOP ; kgo:bound ?bound ; schema:minValue ?min }"""
    assert [(str(r.bound), float(r.min)) for r in union.query(q)] == [(iri.term("MoreThan"), 1e24)]
    q = "PREFIX kgo: <https://w3id.org/kg-tc/ontology#> SELECT ?a WHERE { ?st rdf:predicate kgo:developer ; kgo:activity ?a }"
    assert [str(r.a) for r in union.query(q)] == [iri.entity("artificial-intelligence")]


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


def _gens(paths) -> set[str]:
    return {p.name for p in paths.home.glob("gen-*")}


def _kg_popen(paths, *args: str):
    import subprocess
    import sys

    from tests.conftest import env_for

    return subprocess.Popen([sys.executable, "-m", "kg", *args], env=env_for(paths), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_build_killed_mid_way_never_costs_the_last_good_build(mini):
    """Regression: after a SIGKILL the next build kept the incomplete generation (newest by mtime)
    and deleted the last good one."""
    import os
    import signal
    import time

    good = build(mini).path.name
    incomplete = None
    for _attempt in range(5):  # kill as soon as the new generation folder appears
        proc = _kg_popen(mini, "build", "--force")
        while proc.poll() is None and not (_gens(mini) - {good}):
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        new = _gens(mini) - {good}
        if new and not (mini.home / new.pop() / "manifest.json").exists():
            incomplete = (_gens(mini) - {good}).pop()
            break
        build(mini, force=True)  # it finished first: that one is now the good one
        good = current(mini).path.name
    assert incomplete is not None, "could not catch a build mid-way"
    assert current(mini).path.name == good
    assert run_kg(mini, "stats").returncode == 0, "current still works after the kill"
    after = build(mini, force=True)
    assert _gens(mini) == {after.path.name, good}, "the good previous generation is kept, the incomplete one removed"
    assert run_kg(mini, "stats").returncode == 0


def test_three_concurrent_forced_builds_all_succeed(mini):
    """Regression: one of three concurrent `kg build --force` died because another pruned its folder."""
    build(mini)
    procs = [_kg_popen(mini, "build", "--force") for _ in range(3)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    assert any("waiting for another build" in err for _c, _o, err in results)
    cur = current(mini)
    assert cur is not None and cur.store.is_dir()
    assert len(_gens(mini)) <= 2
    proc = run_kg(mini, "query", "ASK { ?s ?p ?o }", "--format", "json")
    assert proc.returncode == 0 and "true" in proc.stdout


def test_a_leased_generation_survives_forced_builds(mini):
    """Regression: two `kg build --force` deleted the generation a reader (the server) was using."""
    import subprocess
    import sys

    held = build(mini).path
    code = "import sys; from pathlib import Path; from kg.build import hold_generation; " \
           "lease = hold_generation(Path(sys.argv[1])); print('held', flush=True); sys.stdin.read(); lease.release()"  # fmt: skip
    reader = subprocess.Popen([sys.executable, "-c", code, str(held)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "held"
        for _ in range(2):
            assert run_kg(mini, "build", "--force").returncode == 0
        assert (held / "manifest.json").is_file() and (held / "store").is_dir(), "a leased generation is never pruned"
        assert len(_gens(mini)) == 3
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    build(mini, force=True)
    assert not held.exists(), "released, it is pruned like any old generation"
    assert len(_gens(mini)) == 2


def test_an_open_graph_keeps_its_store_across_rebuilds(mini):
    from kg.graph import KnowledgeGraph

    g = KnowledgeGraph.open(mini)
    for _ in range(3):
        build(mini, force=True)
    assert g.store_path.is_dir()
    assert g.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value != "0"
    g.close()
    build(mini, force=True)
    assert not g.store_path.exists()


READ_COMMANDS = [
    ["ask", "who attended the Great Hall meeting"],
    ["show", "Jack Ma"],
    ["search", "Alibaba"],
    ["query", "ASK { ?s ?p ?o }"],
    ["path", "Jack Ma", "Xi Jinping"],
    ["stats"],
    ["viz", "-o", "out.html"],
]


def test_read_commands_answer_from_the_last_good_build_while_data_is_broken(mini):
    good = build(mini)
    ents = mini.data / "entities" / "all.yaml"
    ents.write_text(ents.read_text().replace("type: Company", "type: Compnay"))
    for command in READ_COMMANDS:
        proc = run_kg(mini, *command)
        assert proc.returncode == 0, (command, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, (command, proc.stderr)
        assert lines[0].startswith("kg: warning: ") and "all.yaml:11: unknown type 'Compnay'" in lines[0]
        assert f"answering from the build of {good.manifest['built_at']}" in lines[0]
    for command in (["build"], ["validate"]):
        proc = run_kg(mini, *command)
        assert proc.returncode == 2 and "all.yaml:11: unknown type 'Compnay'" in proc.stderr
    assert current(mini).path == good.path


def test_broken_data_without_a_good_build_is_still_an_error(mini):
    ents = mini.data / "entities" / "all.yaml"
    ents.write_text(ents.read_text().replace("type: Company", "type: Compnay"))
    proc = run_kg(mini, "show", "Jack Ma")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "all.yaml:11: unknown type" in proc.stderr


@pytest.mark.parametrize("kind", ["file", "under-a-file", "unwritable"])
def test_bad_kg_home_is_one_line_exit_2(mini, kind):
    """Regression: a non-directory or unwritable KG_HOME was an internal error (exit 3)."""
    import os

    mini.home.parent.joinpath("afile").write_text("x")
    home = {"file": "afile", "under-a-file": "afile/home", "unwritable": "ro"}[kind]
    paths = mini._replace(home=mini.home.parent / home)
    if kind == "unwritable":
        if os.geteuid() == 0:
            pytest.skip("root writes anywhere")
        paths.home.mkdir(mode=0o555)
    for command in (["build"], ["stats"]):
        proc = run_kg(paths, *command, cwd=mini.home.parent)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("kg: error: ") and "Traceback" not in proc.stderr


def test_a_waiting_forced_build_is_not_satisfied_by_a_build_that_began_before_it(mini, monkeypatch):
    """Regression: a `kg build --force` that waited for another build took that build's result when
    the fingerprints matched, even though it had begun before the force was asked for (and so may
    predate what the user rebuilds for: code or libraries the fingerprint does not cover)."""
    import threading

    import kg.build as kb

    first = build(mini)
    at_switch, go = threading.Event(), threading.Event()
    real_switch = kb._switch

    def held_switch(home, gen):
        at_switch.set()
        assert go.wait(300)
        real_switch(home, gen)

    monkeypatch.setattr(kb, "_switch", held_switch)
    box: dict = {}
    other = threading.Thread(target=lambda: box.update(b=build(mini, force=True)))
    other.start()
    try:
        assert at_switch.wait(300), "the other build began, holds the lock and is about to switch"
        proc = _kg_popen(mini, "build", "--force")
        assert proc.stderr.readline().startswith("kg: waiting for another build")  # it saw `current` and waits
    finally:
        go.set()
        other.join(300)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert box["b"].manifest["fingerprint"] == first.manifest["fingerprint"]
    cur = current(mini)
    assert cur.path not in (first.path, box["b"].path), "it rebuilt"
    assert f"built {cur.path}:" in out
