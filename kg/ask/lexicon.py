"""What the reader knows about words, all taken from the build's lexicon (ontology + data).

Relation phrases (kgo:askPhrase, askNoun, askNounInverse, askOpposite, on object and datatype
properties), class words, and the names of entities. Nothing here names a question: a property
with phrases in the ontology is askable with no new code.
"""

from __future__ import annotations

from typing import NamedTuple

from kg.text import STOPWORDS, tokens

KGO = "https://w3id.org/kg-tc/ontology#"

# Words that ask, and what kind of answer they ask for.
QUESTION_WORDS = {"who", "whom", "whose", "what", "which", "where", "when", "how", "why"}
AUX = {
    "is",
    "was",
    "were",
    "are",
    "did",
    "does",
    "do",
    "has",
    "have",
    "had",
    "can",
    "could",
    "will",
    "would",
    "should",
    "may",
    "might",
    "must",
}
NEGATIONS = {"not", "no", "never", "didn", "doesn", "wasn", "isn", "aren", "weren", "hasn", "haven", "t", "nt", "neither", "nor"}
# Words about the source rather than the world: "which outlets does the newsletter name".
DISCOURSE = frozenset(
    """article newsletter issue text source sources piece essay author's according say says said mention mentions
    mentioned name names named call calls called cite cites cited describe describes described refer refers
    referred count counted also still ever actually currently current exactly really list lists listed
    give gives given provide provides know known report reports tell find show shows""".split()
) - {"issue"}
# What "who" asks for; tests/test_ask.py checks that every class the ontology makes a prov:Agent is here
# or under one of these (a Group, "leaders in the technology sector", once went missing).
AGENT_CLASSES = {"Person", "Organization", "Group", "Country", "IntergovernmentalOrganization", "GovernmentBody"}
PLACE_CLASSES = {"Place"}


# Clipped words and common abbreviations of English (not of this graph), with the word forms they stand
# for; names and phrases then match either ("the tech leaders" -> "leaders in the technology sector").
CLIPPINGS: dict[str, tuple[str, ...]] = {
    "tech": ("technology", "technologies", "technological", "technol~"),
    "semi": ("semiconductor", "semiconductors", "semicon~"),
    "semis": ("semiconductor", "semiconductors", "semicon~"),
    "chipmaker": ("semiconductor", "semicon~"),
    "admin": ("administration", "adminis~"),
    "gov": ("government", "governm~"),
    "govt": ("government", "governm~"),
    "dept": ("department", "departm~"),
    "intl": ("international", "interna~"),
    "econ": ("economy", "economic", "economi~"),
    "biz": ("business", "busines~"),
    "mfg": ("manufacturing", "manufac~"),
    "exec": ("executive", "executi~"),
    "execs": ("executives", "executive", "executi~"),
    "info": ("information", "informa~"),
    "infra": ("infrastructure", "infrast~"),
    "pres": ("president",),
    "prez": ("president",),
    "corp": ("corporation", "company", "corpora~"),
    "univ": ("university", "univers~"),
    "ev": ("electric", "vehicle"),
    "evs": ("electric", "vehicles", "vehicle"),
}


class Phrase(NamedTuple):
    prop: str
    kind: str  # verb | noun | noun_inv | value | opposite
    words: tuple[str, ...]  # stems for verbs, values and opposites; folded words for nouns


def plural_base(word: str) -> str:
    """'companies' -> 'company', 'wangs' -> 'wang', 'a100s' -> 'a100' (a surface rule, no dictionary)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class AskLexicon:
    """The phrases and class words of the ontology, and the entities' types, as the reader uses them."""

    def __init__(self, lex: dict) -> None:
        ask = lex["ask"]
        self.props: dict = lex["properties"]
        self.classes: dict = lex["classes"]
        self.entities: dict = lex["entities"]
        self.stems: dict[str, str] = ask["stems"]
        self.phrases = [Phrase(p, k, tuple(w)) for p, k, w in ask["phrases"]]
        self.phrases += [Phrase(p, k, tuple(w)) for p, k, w in ask.get("value_phrases", [])]
        self.class_words = [(tuple(w), c) for w, c in ask["class_words"]]
        self.lexical = {w for ph in self.phrases for w in ph.words} | {w for ws, _ in self.class_words for w in ws}
        self._types: dict[str, frozenset[str]] = {}

    def stem(self, word: str) -> str:
        return self.stems.get(word, word)

    def ancestors(self, cls: str) -> set[str]:
        return set(self.classes.get(cls, {}).get("ancestors", [cls])) | {cls}

    def types(self, iri: str) -> frozenset[str]:
        """The entity's classes with their superclasses."""
        t = self._types.get(iri)
        if t is None:
            e = self.entities.get(iri)
            t = frozenset(a for c in (e["types"] if e else []) for a in self.ancestors(c))
            self._types[iri] = t
        return t

    def is_a(self, iri: str, cls: str) -> bool:
        return cls in self.types(iri)

    def datatype(self, prop: str) -> bool:
        return self.props.get(prop, {}).get("kind") == "datatype"

    def qualifier(self, prop: str) -> bool:
        return bool(self.props.get(prop, {}).get("qualifier"))

    def prop_iri(self, prop: str) -> str:
        return self.props[prop]["iri"]

    def is_date(self, prop: str) -> bool:
        return any("date" in r.lower() or "gyear" in r.lower() for r in self.props.get(prop, {}).get("ranges", []))

    def is_number(self, prop: str) -> bool:
        return any(r.endswith(("#decimal", "#double", "#integer")) for r in self.props.get(prop, {}).get("ranges", []))

    def label_words(self, iri: str) -> set[str]:
        e = self.entities.get(iri) or {}
        return {t.text for n in [e.get("label", ""), *e.get("aliases", [])] for t in tokens(n)} - STOPWORDS
