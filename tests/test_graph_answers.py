"""The built graph answers questions the three sources settle (tests/data/graph_questions.yaml).

Names are linked by label or alias and bound as values, never spliced into the query; answers
are compared by name, so the test checks what the data says, not which ids it uses.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from kg import iri

CASES = yaml.safe_load((Path(__file__).parent / "data" / "graph_questions.yaml").read_text())
PREFIXES = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "xsd": "http://www.w3.org/2001/XMLSchema#"}
LABELS = "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#altLabel"


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", text.replace("σ", "sigma")) or text


@pytest.fixture(scope="module")
def store(real_build):
    return ox.Store.read_only(str(real_build.store))


@pytest.fixture(scope="module")
def names(store) -> dict[str, set[str]]:
    """IRI -> folded label and aliases; and folded name -> IRIs."""
    by_iri: dict[str, set[str]] = {}
    q = "SELECT ?e ?n WHERE {{ GRAPH <{}> {{ ?e ?p ?n FILTER(?p IN (<{}>, <{}>)) }} }}".format(iri.GRAPH_ENTITIES, *LABELS)
    for row in store.query(q):
        by_iri.setdefault(row["e"].value, set()).add(fold(row["n"].value.replace("Σ", "sigma")))
    return by_iri


def link(names: dict[str, set[str]], name: str) -> str:
    wanted = fold(name.replace("Σ", "sigma"))
    hits = [e for e, ns in names.items() if wanted in ns]
    assert len(hits) == 1, f"{name!r} links to {hits}"
    return hits[0]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_graph_answers(case, store, names):
    subs = {ox.Variable(k): ox.NamedNode(link(names, v)) for k, v in (case.get("bind") or {}).items()}
    rows = list(store.query(case["sparql"], use_default_graph_as_union=True, substitutions=subs, prefixes=PREFIXES))
    answers = [r["x"] for r in rows]
    if "expect_values" in case:
        got = {float(a.value) if isinstance(v, (int, float)) else a.value for a in answers for v in case["expect_values"][:1]}
        assert got == set(case["expect_values"])
        return
    if "expect_sources" in case:
        assert {a.value[len(iri.SOURCE) :] for a in answers} == set(case["expect_sources"])
        return
    got_iris = {a.value for a in answers}
    expect = case.get("expect") or case.get("expect_includes") or []
    wanted_iris = {link(names, n) for n in expect}
    if "expect" in case:
        assert got_iris == wanted_iris, _diff(got_iris, wanted_iris)
    else:
        assert wanted_iris <= got_iris, _diff(got_iris, wanted_iris)
    for n in case.get("expect_excludes", []):
        assert link(names, n) not in got_iris


def _diff(got: set[str], wanted: set[str]) -> str:
    short = lambda s: sorted(x.rsplit("/", 1)[-1] for x in s)  # noqa: E731
    return f"missing {short(wanted - got)}, unexpected {short(got - wanted)}"
