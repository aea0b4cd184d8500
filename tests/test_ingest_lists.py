"""The spaCy path's patterns for list-keeping policies, partners, nationality words, conjoined agents,
series names and names a title's span runs into (kg/extract/lists.py, kg/extract/nlp.py), on sentences
written for the test with the data's known countries and invented names (none from the benchmark)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, require_nlp

LIST_TEXT = """Gadget controls

WASHINGTON, D.C. – Today, the U.S. Commerce Department’s Office of Gadget Security (OGS) added 9 entities to the Widget List, \
under the destination of Japan, for activities contrary to U.S. interests.
The 9 entities are under the destinations of Japan (5), Vietnam (3), and Cambodia (1).
The additions to the Widget List, such as Lumen Optics Limited and Harbor Relay Limited, respond to their roles.
The removal of Canadian entities Polar Metrics Institute and Tundra Labs Corporation will reduce barriers.
Canada and Mexico share a commitment to advancing peaceful scientific cooperation.
These parts are used to build Falcon-series drones which have been used by Japan to patrol the sea and by Vietnam in Cambodia.
“We act when we must,” said Assistant Secretary of Commerce for Export Administration Rhea M. Dalton Pryce.
The Office of Gadget Security also removed 2 entities from the Widget List, under the destination of Mexico.
It also modified entries for two Widget Listed parties that make unmanned surface vessels (USVs) and sell USV parts.
"""


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> dict:
    require_nlp()
    from kg.build import build
    from kg.extract import extract
    from kg.paths import Paths

    home = tmp_path_factory.mktemp("lexicon-home")
    lexicon = json.loads(build(Paths(data=ROOT / "data", ontology=ROOT / "ontology", home=home)).lexicon.read_text(encoding="utf-8"))
    return extract(LIST_TEXT, "t", lexicon, engine="nlp")


def _facts(draft: dict) -> dict[tuple, dict]:
    return {(f["subject"], f["predicate"], f.get("object")): f for f in draft["items"] if f["kind"] == "fact"}


def _ids(draft: dict) -> dict[str, str]:
    return {i["label"]: i["id"] for i in draft["items"] if i["kind"] == "entity"}


def test_who_adds_to_a_list_keeps_it_and_what_is_added_is_targeted(draft):
    ids, facts = _ids(draft), _facts(draft)
    wl, ogs = ids["Widget List"], ids["Office of Gadget Security"]
    assert (wl, "issuedBy", ogs) in facts, "the dateline misparse: the adder is found inside the phrase before the verb"
    assert (wl, "targets", "japan") in facts, "'added ... to the list, under the destination of X'"
    assert (wl, "targets", "vietnam") in facts and (wl, "targets", "cambodia") in facts, "'the 9 entities are under ...': the same 9"
    assert (wl, "targets", ids["Lumen Optics Limited"]) in facts and (wl, "targets", ids["Harbor Relay Limited"]) in facts
    assert (wl, "targets", "mexico") not in facts, "removing names from a list does not target them"
    assert (ids["Office of Gadget Security"], "parentOrganization", "us-department-of-commerce") in facts
    for f in facts.values():
        assert LIST_TEXT[f["start"] : f["end"]] == f["quote"]


def test_partners_nationality_conjoined_agents_and_series_names(draft):
    ids, facts = _ids(draft), _facts(draft)
    assert ("canada", "partner", "mexico") in facts or ("mexico", "partner", "canada") in facts
    assert (ids["Polar Metrics Institute"], "country", "canada") in facts, "'Canadian entities X and Y'"
    assert (ids["Tundra Labs Corporation"], "country", "canada") in facts
    falcon = ids["Falcon-series drones"]
    assert ("japan", "uses", falcon) in facts and ("vietnam", "uses", falcon) in facts, "'used by X ... and by Y'"
    assert not [f for f in facts if f[1] == "targets" and f[2] in (ids["Polar Metrics Institute"], ids["Tundra Labs Corporation"])]


def test_a_title_span_running_into_the_name(draft):
    ids, facts = _ids(draft), _facts(draft)
    assert "Rhea M. Dalton Pryce" in ids, "the name starts after the title's last organisation word"
    assert not [label for label in ids if "Export Administration" in label], "the title's words are no organisation"
    assert (ids["Rhea M. Dalton Pryce"], "worksFor", "us-department-of-commerce") in facts


def test_word_forms_of_a_name_are_no_new_names(draft):
    new = {i["label"]: i for i in draft["items"] if i["kind"] == "entity"}
    assert new["unmanned surface vessels"]["aliases"] == ["USVs"], "a plural acronym defines the term"
    assert "USV" not in new and "Widget Listed" not in new, "a word form of another candidate's name"
