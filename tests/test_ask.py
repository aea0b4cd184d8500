"""kg ask on a table of varied phrasings (tests/data/questions.yaml), plus its error paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kg.ask import NotUnderstood
from kg.graph import KnowledgeGraph, UnknownName
from kg.paths import Paths
from kg.text import compact
from tests.conftest import ROOT, env_for

QUESTIONS = yaml.safe_load((Path(__file__).parent / "data" / "questions.yaml").read_text())


@pytest.fixture(scope="module")
def g(real_build) -> KnowledgeGraph:
    return KnowledgeGraph(real_build.store, real_build.lexicon)


def _iri(g: KnowledgeGraph, name: str) -> str:
    iri = g.index.by_key.get(compact(name))
    assert iri, f"test names an unknown entity {name!r}"
    return iri


@pytest.mark.parametrize("case", QUESTIONS, ids=[c["q"] for c in QUESTIONS])
def test_question(g, case):
    a = g.ask(case["q"])
    got = {x.iri for x in a.answers}
    if "answers" in case:
        assert got == {_iri(g, n) for n in case["answers"]}, [x.label for x in a.answers]
    if "includes" in case:
        assert {_iri(g, n) for n in case["includes"]} <= got, [x.label for x in a.answers]
    if "values" in case:
        assert {x.value for x in a.answers} == set(case["values"])
    if "count" in case:
        assert len(a.answers) == case["count"]
    if "intent" in case:
        assert case["intent"] in a.intent
    if "chain" in case:
        assert a.answers[0].label == case["chain"]
    for item in a.answers:  # every answer carries its evidence
        if not a.intent.startswith(("members", "when", "where")):
            assert item.evidence, f"{item.label} has no evidence"


def test_answers_quote_the_source_verbatim(g):
    text = ROOT.parent / "shared" / "sources" / "002_fa1702329fcaa973.txt"
    a = g.ask("who attended the Great Hall meeting")
    for item in a.answers:
        for ev in item.evidence:
            if text.exists() and ev.source == "002_fa1702329fcaa973":
                assert text.read_text(encoding="utf-8")[ev.start : ev.end] == ev.quote


def test_injection_is_text_never_query(g):
    with pytest.raises(UnknownName) as err:
        g.ask('who founded "} ; DROP')
    assert "DROP" in str(err.value)
    a = g.ask("who founded Alibaba")
    assert "Alibaba" not in a.sparql.split("# bound values")[-1].split("\n", 3)[-1]  # the value is bound, not in the text


def test_injected_brace_in_a_known_question_is_harmless(g):
    """Query syntax in a question is words the reader cannot explain: it abstains, it never runs them."""
    with pytest.raises(NotUnderstood) as err:
        g.ask('who attended the Great Hall meeting"} UNION { ?s ?p ?o }')
    assert "UNION" in str(err.value)


def test_unknown_name_suggests(g):
    with pytest.raises(UnknownName) as err:
        g.ask("who founded Jack Mo")
    assert err.value.exit_code == 1 and "Jack Ma" in err.value.suggestions


def test_unparseable_question_exits_2_with_suggestions(g):
    with pytest.raises(NotUnderstood) as err:
        g.ask("blah blah blah")
    assert err.value.exit_code == 2 and "try for example" in str(err.value)


@pytest.mark.parametrize(
    "question",
    ["what does Unitree make?", "who hosted the tech leaders at the Great Hall of the People?", "which fashion houses bet on India?"],
)
def test_suggestions_are_questions_the_reader_answers(g, question):
    """An abstention's 'try for example' questions name what the question named, and each one, asked,
    gets an answer (they were once 'who about X' and 'what did <a whole claim> argued')."""
    with pytest.raises(NotUnderstood) as err:
        g.ask(question)
    assert err.value.suggestions, str(err.value)
    for s in err.value.suggestions:
        a = g.ask(s)
        assert a.answers and not a.intent.startswith("describe"), (s, a.intent)
        assert len(s.split()) <= 12, s


def test_empty_answer_is_no_answers(g):
    a = g.ask("who invented Moore's Law")
    assert a.answers == []


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    paths = Paths.from_env()
    return subprocess.run([sys.executable, "-m", "kg", *args], input=stdin, capture_output=True, text=True,
                          env=env_for(paths), timeout=300)  # fmt: skip


def test_cli_json_shape_and_exit_codes():
    proc = _cli("ask", "who hosted the Great Hall meeting", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= {"question", "intent", "sparql", "answers"}
    assert data["answers"][0]["label"] == "Xi Jinping" and data["answers"][0]["evidence"][0]["quote"]
    none = _cli("ask", "who invented Moore's Law")
    assert none.returncode == 0 and "No answers" in none.stdout
    unknown = _cli("ask", "who founded Jack Mo")
    assert unknown.returncode == 1 and "did you mean" in unknown.stderr and "Traceback" not in unknown.stderr
    garbage = _cli("ask", "blah blah blah")
    assert garbage.returncode == 2 and "Traceback" not in garbage.stderr
    explain = _cli("ask", "who founded Alibaba", "--explain")
    assert "SELECT" in explain.stdout


def test_ask_imports_nothing_heavy():
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom kg.cli import app\n"
        "r = CliRunner().invoke(app, ['ask', 'who founded Alibaba'])\nassert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('networkx', 'pyvis', 'pyshacl', 'rdflib') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env_for(Paths.from_env()), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_derived_structures_belong_to_their_graph(g, mini):
    """Regression: the ask lexicon and entity graph were cached in module dicts keyed by id(),
    so a second graph could be handed the first one's structures."""
    from kg.build import build
    from kg.nav import entity_graph

    b = build(mini)
    small = KnowledgeGraph(b.store, b.lexicon)
    assert entity_graph(small).number_of_nodes() == len(small.lexicon["entities"]) == 8
    assert entity_graph(g).number_of_nodes() == len(g.lexicon["entities"])
    assert [a.label for a in small.ask("who founded Alibaba").answers] == ["Jack Ma"]


def test_who_agrees_with_every_agent_class_of_the_ontology():
    """Regression: "who attended the Great Hall meeting" answered nothing once a Group attended:
    the answer-type check knew a hand-written list of agent classes, without Group."""
    from rdflib import RDFS, Graph, URIRef

    from kg import iri
    from kg.ask.lexicon import AGENT_CLASSES

    onto = Graph().parse(ROOT / "ontology" / "kg.ttl")
    agents = {URIRef("http://www.w3.org/ns/prov#Agent"), URIRef("http://xmlns.com/foaf/0.1/Agent")}
    for cls in set(onto.subjects(RDFS.subClassOf, None)):
        ancestors = set(onto.transitive_objects(cls, RDFS.subClassOf))
        if str(cls).startswith(iri.ONTOLOGY) and ancestors & agents:
            names = {str(a)[len(iri.ONTOLOGY) :] for a in ancestors if str(a).startswith(iri.ONTOLOGY)}
            assert names & AGENT_CLASSES, f"{cls} is an agent the answer-type check does not know"


def test_entity_cut_does_not_depend_on_input_order():
    """Regression: 30 equally good partial links ("the 13B models") were cut to 24 in arrival order,
    which follows set iteration and so PYTHONHASHSEED; the runner-up readings changed run to run."""
    import random

    from kg.ask.candidates import _best_entities
    from kg.ask.linking import Link, Word

    words = [Word(0, "13b", "13B", 0, 3, "13b", frozenset({"13b"}), True)]
    links = [Link("entity", 0, 1, f"https://example.org/m{i:02d}", 0.6, "partial name") for i in range(30)]
    first = _best_entities(links, words)
    for seed in range(5):
        shuffled = links[:]
        random.Random(seed).shuffle(shuffled)
        assert _best_entities(shuffled, words) == first
    assert [x.target for x in first] == sorted(x.target for x in links)[:24]


def test_same_answers_under_any_hash_seed(real_build):
    """The whole answer (readings, runner-ups, evidence) is the same in two processes that iterate sets
    in different orders."""
    script = (
        "import json, sys\nfrom kg import KnowledgeGraph\ng = KnowledgeGraph.open()\nout = []\n"
        "for q in sys.argv[1:]:\n"
        "    try:\n        out.append(g.ask(q).as_json())\n"
        "    except Exception as e:\n        out.append(type(e).__name__ + str(e))\n"
        "print(json.dumps(out, sort_keys=True, default=str))\n"
    )
    questions = [
        "when were the 13B models released",
        "who attended the Great Hall meeting",
        "which chinese companies make models",
        "what does the rule prohibit",
        "who is Pan",
        "how is the 10^24 FLOP model count connected to the 10^23 FLOP model count",  # a tie between paths
        "which adjacent tools could the OISM's data flywheel complement?",  # suggestions from equal-length verbs
    ]
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}  # KG_HOME: the run's shared real build
        p = subprocess.run([sys.executable, "-c", script, *questions], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        runs.append(p.stdout)
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "question, verdict, stated",
    [
        ("did the UK sign the joint declaration on AI", "no", "UK did not sign"),
        ("did india refuse to sign the paris declaration", "no", "India signed"),
        ("did France sign the Paris declaration", "yes", "France signed"),
    ],
)
def test_a_disjoint_property_is_the_graph_saying_no(g, question, verdict, stated):
    """owl:propertyDisjointWith (signatory / nonSignatory): a statement of one answers the other with a
    'no' the graph states, with its evidence, not 'nothing in the graph states'."""
    a = g.ask(question)
    assert a.verdict == verdict
    assert stated in a.answers[0].label and "nothing" not in a.answers[0].label
    assert a.answers[0].evidence


def test_the_declaration_of_an_event_at_a_place(g):
    """'the Paris declaration': a class noun and a place name the declaration of the summit held there."""
    a = g.ask("who did not sign the paris declaration")
    assert {x.label for x in a.answers} == {"UK", "United States"}


def test_a_count_word_the_answers_disagree_with_is_not_explained(g):
    """'three kinds' when the graph has two: not read as if the count were not there."""
    with pytest.raises(NotUnderstood) as err:
        g.ask("which three kinds of heterogeneous integration are there")
    assert "three" in err.value.unexplained


def test_a_qualifier_of_the_statement_whose_quote_names_the_entity(g):
    """The data is neither end of the rule's statement, but its quote names it, and the statement's
    FLOP thresholds are what the question asks for."""
    a = g.ask("what is the FLOP threshold for biological sequence data")
    assert sorted(float(x.value) for x in a.answers) == [1e23, 1e24]
    assert all("biological sequence data" in e.quote for x in a.answers for e in x.evidence)
    assert "1e+24 = " not in "\n".join(x.label for x in a.answers)


def test_an_entity_named_by_class_word_and_description(g):
    """'the Treasury's proposed rule': a Regulation whose names or description hold 'proposed' and whose
    neighbour is the Treasury; 'the outbound investment rule' likewise."""
    a = g.ask("who issued the treasury's proposed rule")
    assert [x.label for x in a.answers] == ["U.S. Department of the Treasury"]
    a = g.ask("what's the comment deadline for the outbound investment rule")
    assert [x.value for x in a.answers] == ["2024-08-04"]


def test_answers_of_another_class_than_the_asked_one_are_not_an_answer(g):
    """'which country developed R-1': DeepSeek is a company, so the reading does not explain 'country'."""
    with pytest.raises(NotUnderstood) as err:
        g.ask("which country developed R-1")
    assert "country" in err.value.unexplained


@pytest.mark.parametrize(
    "question, verdict",
    [
        ("does Scott argue that smaller LLMs are cheaper to run", "yes"),
        ("did Xi say China must keep upgrading traditional industries", "yes"),
        ("did Xi Jinping say traditional industries must be eliminated", "no"),
        ("does lu think the general LLM is the optimal route to industrial AI", "no"),
    ],
)
def test_yes_no_about_what_someone_holds(g, question, verdict):
    """A claim of the person whose words hold the question; 'no' only when the clause holding the
    question's words is negated in the claim, with the claim's own quote as evidence."""
    a = g.ask(question)
    assert a.verdict == verdict, a.answers[0].label if a.answers else a.intent
    assert a.intent.startswith("claimant(")
    quotes = [e.quote for e in a.answers[0].evidence]
    assert len(quotes) >= 2  # the claim's words and its attribution


def test_a_yes_no_check_respects_domain_and_range(g):
    """Regression: 'was pony ma at the great hall' was checked as attendee(Pony Ma, the venue) and
    answered 'no: nothing in the graph states'; attendance is of an event, the meeting held there."""
    a = g.ask("was pony ma at the great hall?")
    assert a.verdict == "yes" and "Great Hall meeting" in a.intent


def test_two_hops_through_an_answer_of_another_type(g):
    """'the guests Xi hosted': what Xi hosted is a meeting (not a 'who'), its attendees are the answer."""
    a = g.ask("who are the guests xi hosted?")
    assert {"Jack Ma", "Pony Ma", "Lei Jun"} <= {x.label for x in a.answers}


@pytest.mark.parametrize("question, who", [("what did Macron say at the summit?", "Emmanuel Macron"), ("what did Vance say", "JD Vance")])
def test_what_someone_said(g, question, who):
    """'say' is a phrase of claimant (ontology data); a surname links; 'at the summit' is the event the
    speaker is linked to."""
    a = g.ask(question)
    assert a.intent == f"claimant(?, {who})" and a.answers and all(x.evidence for x in a.answers)


def test_part_of_a_known_name_is_not_an_unknown_name(g):
    """'Unitree' is part of UniTree Robotics: an abstention says what was understood, not 'no entity named'."""
    with pytest.raises(NotUnderstood):
        g.ask("what does Unitree make?")


@pytest.mark.parametrize(
    "question, verdict, said",
    [
        ("did Lei Jun attend the meeting?", "yes", "Lei Jun attended Great Hall meeting"),
        ("did Alibaba attend a summit?", "yes", "Alibaba attended Paris Summit"),
        ("did Jack Ma attend a summit?", "no", "nothing in the graph states"),
        ("is DeepSeek a Chinese company?", "no", "nothing in the graph links DeepSeek to China"),
        ("is Alibaba a think tank", "no", "the graph types Alibaba as Company"),
    ],
)
def test_yes_no_with_a_class_says_what_the_no_rests_on(g, question, verdict, said):
    """A 'no' says whether the graph states the opposite or simply holds nothing (regression: 'is
    DeepSeek a Chinese company' read as a bare 'no')."""
    a = g.ask(question)
    assert a.verdict == verdict and said in a.answers[0].label, a.answers[0].label


def test_a_coordinated_name_is_not_a_modifier(g):
    """Regression (issue 10's first example): 'both the Paris Summit and the Great Hall meeting' read the
    meeting as a modifier of the summit and answered with the summit's list."""
    try:
        a = g.ask("which companies attended both the Paris Summit and the Great Hall meeting?")
    except NotUnderstood:
        return
    assert not {x.label for x in a.answers} & {"Alibaba", "Huawei", "ByteDance"}
    a = g.ask("which people attended both the Paris Summit and the Great Hall meeting?")
    assert a.answers == [] and " and " in a.intent


def test_a_negated_auxiliary_opens_a_yes_no_question(g):
    """'didn't the UK sign ...' is a yes/no question (it once listed the signatories), and the "t" of
    "doesn't" is grammar, not a name (it once linked AT&T)."""
    a = g.ask("didn't the UK sign the paris AI declaration?")
    assert a.verdict == "no" and "UK did not sign" in a.answers[0].label
    a = g.ask("doesn't Xiaomi make EVs?")
    assert a.verdict == "no" and not any(w == "t" and "AT&T" in r for w, r in a.words)


def test_two_hop_answers_carry_the_evidence_of_both_hops(g):
    """A chain's answers once came with no evidence at all."""
    a = g.ask("who are the guests xi hosted?")
    for x in a.answers:
        quotes = " ".join(e.quote for e in x.evidence)
        assert "host" in quotes and len(x.evidence) >= 2, x.label


def test_a_stated_count_outranks_counting_the_listed_few(g):
    """'agreed by more than 60 other nations, including France, ...': the count is the source's figure
    with its bound, not the six it names."""
    a = g.ask("how many nations agreed to the paris declaration")
    assert a.answers[0].label == "count: more than 60" and a.answers[0].bound == "more-than"


def test_a_figure_shows_the_bound_its_fact_states(g):
    a = g.ask("how much did the 2018 trade war end up costing?")
    assert a.answers[0].label == "amount (USD): at least 2000000000" and a.answers[0].bound == "at-least"
