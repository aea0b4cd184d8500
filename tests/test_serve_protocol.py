"""The W3C SPARQL 1.1 Protocol suite, query side (tests/w3c_protocol.py), against a real kg serve
over the curated data: 19 of the 20 cases pass; query_multiple_dataset is refused by design (FROM)."""

from __future__ import annotations

import shutil

import pytest

from kg.paths import Paths
from tests import w3c_protocol as w3c
from tests.conftest import ROOT
from tests.serving import started

REFUSED = {"query_multiple_dataset"}  # its query has FROM <...>: refused (400) before anything runs


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("w3c")
    shutil.copytree(ROOT / "data", tmp / "data")
    paths = Paths(data=tmp / "data", ontology=ROOT / "ontology", home=tmp / "home")
    with started(paths) as server:
        yield server.base + "/sparql"


@pytest.fixture(scope="module")
def suite(endpoint):
    g, s = w3c.stand_ins(endpoint)
    return g, s, {c.name: c for c in w3c.cases(g, s)}


NAMES = [c.name for c in w3c.cases({f"data{i}": "" for i in range(4)}, {f"data{i}": "" for i in range(1, 4)})]


def test_the_suite_has_the_twenty_query_cases():
    assert len(NAMES) == 20 and len(set(NAMES)) == 20


@pytest.mark.parametrize("name", [n for n in NAMES if n not in REFUSED])
def test_w3c_query_case(endpoint, suite, name):
    ok, said = w3c.check(endpoint, suite[2][name])
    assert ok, said


def test_multiple_dataset_case_is_refused_for_its_from_clause(endpoint, suite):
    """The case checks that the protocol dataset overrides FROM; kg refuses FROM on the parsed query
    whatever else is sent (security), and the manifest's single, %26-joined named-graph-uri names
    no stored graph either. Both are 400 before anything is evaluated or fetched."""
    case = suite[2]["query_multiple_dataset"]
    status, _, body = w3c.send(endpoint, case)
    assert status == 400 and b"names no graph stored here" in body
    intended = w3c.Case("intended", "POST", [("named-graph-uri", suite[0]["data1"]), ("named-graph-uri", suite[0]["data2"])],
                        case.body, case.ctype)  # fmt: skip
    status, _, body = w3c.send(endpoint, intended)
    assert status == 400 and b"FROM / FROM NAMED is refused" in body


def test_the_stand_in_graphs_really_select_the_dataset(endpoint, suite):
    """Without this the dataset cases could pass on a server that ignores the protocol dataset."""
    g, s, cases = suite
    for name, key in (("query_dataset_default_graphs_get", "default-graph-uri"), ("query_dataset_named_graphs_get", "named-graph-uri")):
        case = cases[name]
        only_one = w3c.Case(name, "GET", [p for p in case.params if p[0] == "query"] + [(key, g["data1"])], fmt="boolean", boolean=False)
        ok, said = w3c.check(endpoint, only_one)
        assert ok, said
