"""`kg ask`: plain-English questions answered from the graph, deterministically, with evidence.

How a question is read (no lookup table of questions):
1. numbers ("10^24", "1e24", "$500bn") and comparators ("more than", "below") are found;
2. entity names are linked through labels and aliases (kg.linking), tolerating case, spacing,
   punctuation and small typos;
3. on the remaining words, class words ("companies", "models") and relation phrases are matched,
   all taken from the ontology's own annotations (kgo:askPhrase, kgo:askNoun, kgo:askNounInverse,
   property labels), stemmed, so a new property in the ontology is askable without new code;
4. the grammatical voice decides the direction: "who attended X" (X is the object of the verb),
   "what did X invent" (X is its subject), "developed by X" (X is the agent);
5. a fixed SPARQL template for the intent runs with every value bound through substitutions,
   never spliced into the query text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kg.errors import InputError
from kg.graph import KnowledgeGraph, UnknownName
from kg.text import STOPWORDS, Token, tokens

KGO = "https://w3id.org/kg-tc/ontology#"

# The evidence of an answer is the statement that asserted it: through a sub-property (speaker for
# attendee), an inverse (founder for founderOf) or, for symmetric properties, the other way round.
# Which properties count is read from the lexicon; the slots hold ontology IRIs, never user text.
_EVIDENCE = """
  OPTIONAL {
    { ?st rdf:subject %(subj)s ; rdf:object %(obj)s ; rdf:predicate ?p2 . VALUES ?p2 { %(same)s } }%(reverse)s
    ?st a kgo:Statement ; kgo:evidence ?quote ; prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
  }"""
_REVERSE = "\n    UNION { ?st rdf:subject %(obj)s ; rdf:object %(subj)s ; rdf:predicate ?p2 . VALUES ?p2 { %(rev)s } }"

TEMPLATES = {
    # ?x is the linked entity, ?p the property, ?cls an optional class filter; ?ans the answer.
    "forward": "SELECT * WHERE {\n  ?x ?p ?ans .\n  ?ans rdfs:label ?label .%(filter)s%(evidence)s\n}",
    "backward": "SELECT * WHERE {\n  ?ans ?p ?x .\n  ?ans rdfs:label ?label .%(filter)s%(evidence)s\n}",
    "check": "SELECT * WHERE {\n  ?subj ?p ?obj .\n  BIND(?obj AS ?ans)\n  ?ans rdfs:label ?label .%(filter)s%(evidence)s\n}",
    "values": """SELECT * WHERE {
  ?x ?p ?ans .
  OPTIONAL { ?ans rdfs:label ?label }
  OPTIONAL {
    ?st a kgo:Statement ; rdf:subject ?x ; rdf:predicate ?p ; rdf:object ?ans ; kgo:evidence ?quote ;
        prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
  }
}""",
    "compare": """SELECT ?ans ?label ?value ?n ?p ?st ?quote ?src ?start ?end%s WHERE {
  ?ans ?p ?value .
  FILTER(%s)
  ?ans rdfs:label ?label .%s
  OPTIONAL {
    ?st a kgo:Statement ; rdf:subject ?ans ; rdf:predicate ?p ; rdf:object ?value ; kgo:evidence ?quote ;
        prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
  }
}""",
    "members": """SELECT * WHERE {
  ?ans a ?cls ; rdfs:label ?label .
}""",
    "threshold": """SELECT * WHERE {
  ?rule_st a kgo:Statement ; rdf:predicate ?rule_p ; kgo:thresholdFLOP ?threshold .
  { SELECT (MIN(?t) AS ?lowest) WHERE { ?s2 rdf:predicate %(rule)s ; kgo:thresholdFLOP ?t } }
  FILTER(?threshold = ?lowest)
  ?ans ?p ?value . FILTER(?value >= ?lowest)
  ?ans rdfs:label ?label .
  OPTIONAL {
    ?st a kgo:Statement ; rdf:subject ?ans ; rdf:predicate ?p ; rdf:object ?value ; kgo:evidence ?quote ;
        prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
  }
}""",
}
_CLASS_FILTER = "\n  ?ans a ?cls ."

_COMPARATORS = [
    (("more", "than"), ">"), (("greater", "than"), ">"), (("at", "least"), ">="), (("larger", "than"), ">"),
    (("higher", "than"), ">"), (("above",), ">"), (("over",), ">"), (("exceed",), ">"), (("exceeds",), ">"),
    (("exceeded",), ">"), (("exceeding",), ">"),
    (("beyond",), ">"), (("less", "than"), "<"), (("fewer", "than"), "<"), (("below",), "<"), (("under",), "<"),
    (("at", "most"), "<="), (("lower", "than"), "<"), (("smaller", "than"), "<"),
]  # fmt: skip
_NUMBER_PATTERN = (
    r"(?P<pow>10\s*(?:\^|\*\*)\s*(?P<exp>\d+))"
    r"|(?P<sci>\d+(?:\.\d+)?\s*[eE]\s*\+?\s*\d+)"
    r"|(?<![\w.])(?P<plain>\$?\d[\d,]*(?:\.\d+)?)\s*(?P<scale>bn|billion|million|mn|trillion|tn|thousand|k)?\b"
)
_SCALE = {"bn": 1e9, "billion": 1e9, "million": 1e6, "mn": 1e6, "trillion": 1e12, "tn": 1e12, "thousand": 1e3, "k": 1e3}
_UNITS = {
    "flop": ["trainingComputeAboveFLOP", "trainingComputeApproxFLOP"],
    "flops": ["trainingComputeAboveFLOP", "trainingComputeApproxFLOP"],
    "compute": ["trainingComputeAboveFLOP", "trainingComputeApproxFLOP"],
    "dollar": ["amountUSD"],
    "usd": ["amountUSD"],
    "paramet": ["parameterCountAbove"],
}
_BE = {"is", "was", "were", "are", "been", "be", "being"}
_AUX_START = {"did", "does", "do", "is", "was", "were", "are", "has", "have", "had"}
_CONNECT = ("connect", "relat", "link", "between", "path", "tie")
_DESCRIBE_START = [("what", "is"), ("what", "are"), ("who", "is"), ("who", "are"), ("who", "was"), ("what", "was"),
                   ("tell", "me", "about"), ("describe",), ("explain",), ("info", "on"), ("about",)]  # fmt: skip
_WHERE_PROPS = ["venue", "basedIn", "containedIn", "foundingLocation", "country"]
_WHEN_PROPS = ["date", "foundingDate", "endDate", "commentDeadline"]
_PLACE_RELATIONS = {"worksFor", "basedIn", "containedIn", "venue", "relocatedManufacturingTo", "foundingLocation", "affiliation"}


class NotUnderstood(InputError):
    """The question could not be parsed; says what was understood. Exit 2."""


class Evidence(NamedTuple):
    source: str
    quote: str
    start: int
    end: int


class AnswerItem:
    """One answer: the entity (or value) with the quotes that state it."""

    __slots__ = ("iri", "label", "value", "evidence")

    def __init__(self, iri: str | None, label: str, value: str | None = None, evidence: list[Evidence] | None = None) -> None:
        self.iri, self.label, self.value, self.evidence = iri, label, value, evidence if evidence is not None else []

    def __repr__(self) -> str:
        return f"AnswerItem({self.iri!r}, {self.label!r}, {self.value!r}, {len(self.evidence)} evidence)"


class Answer:
    """What `ask` returns: the reading of the question, the query that ran, and the answers."""

    __slots__ = ("question", "intent", "sparql", "answers", "note", "template", "bindings")

    def __init__(self, question: str, intent: str, sparql: str, answers: list[AnswerItem], note: str | None = None) -> None:
        self.question, self.intent, self.sparql, self.answers, self.note = question, intent, sparql, answers, note
        self.template: str | None = None  # the query as run, and its bound values (for benchmarks and tools)
        self.bindings: dict = {}

    def as_json(self) -> dict:
        return {
            "question": self.question,
            "intent": self.intent,
            "sparql": self.sparql,
            "note": self.note,
            "answers": [
                {
                    "iri": a.iri,
                    "label": a.label,
                    **({"value": a.value} if a.value is not None else {}),
                    "evidence": [e._asdict() for e in a.evidence],
                }
                for a in self.answers
            ],
        }


class Phrase(NamedTuple):
    prop: str
    kind: str  # "verb" (askPhrase / label) or "noun" (answer = objects) or "noun_inv" (answer = subjects)
    words: tuple[str, ...]  # stems for verbs, folded words for nouns (so "developer" is not "develop")


class Lexicon:
    """Relation phrases and class words from the ontology, stemmed once by the build (kg.lexicon)."""

    def __init__(self, lex: dict) -> None:
        self.props = lex["properties"]
        self.classes = lex["classes"]
        self.phrases = [Phrase(p, k, tuple(w)) for p, k, w in lex["ask"]["phrases"]]
        self.class_words = [(tuple(w), c) for w, c in lex["ask"]["class_words"]]
        self.nouns = {p.words[0] for p in self.phrases if p.kind != "verb" and len(p.words) == 1}
        self.stems: dict[str, str] = lex["ask"]["stems"]

    def stem(self, word: str) -> str:
        return self.stems.get(word, word)


def _match_at(stems: list[str], i: int, words: tuple[str, ...]) -> bool:
    return tuple(stems[i : i + len(words)]) == words


def _find_numbers(question: str, toks: list[Token]) -> list[tuple[float, set[int]]]:
    found = []
    for m in re.finditer(_NUMBER_PATTERN, question):
        if m.group("pow"):
            value = float(f"1e{int(m.group('exp'))}")
        elif m.group("sci"):
            value = float(re.sub(r"\s|\+", "", m.group("sci")))
        else:
            raw = m.group("plain").lstrip("$").replace(",", "")
            if not raw:
                continue
            value = float(raw) * _SCALE.get((m.group("scale") or "").lower(), 1.0)
        span = {i for i, t in enumerate(toks) if t.start < m.end() and t.end > m.start()}
        found.append((value, span))
    return found


def ask(g: KnowledgeGraph, question: str) -> Answer:
    answer = _ask(g, question)
    if re.match(r"\s*how\s+many\b", question, re.I):
        answer.intent = f"count({answer.intent})"
        answer.note = f"{len(answer.answers)} answer(s)" + (f"; {answer.note}" if answer.note else "")
    return answer


def _ask(g: KnowledgeGraph, question: str) -> Answer:
    q = question.strip()
    if not q or not any(ch.isalnum() for ch in q):
        raise NotUnderstood('empty question; try: kg ask "who attended the Great Hall meeting"')
    if len(q) > 500:
        raise NotUnderstood("question too long (500 characters at most)")
    lex = _lexicon(g)
    toks = tokens(q)
    stems = [lex.stem(t.text) for t in toks]
    numbers = _find_numbers(q, toks)
    number_tokens = set().union(*(s for _, s in numbers)) if numbers else set()

    # A name inside a class phrase of two or more words ("AI" in "AI models") is not a mention;
    # a longer name that contains one ("Executive Order 14105") is.
    class_spans: list[set[int]] = []
    for i in range(len(stems)):
        for words, _cls in lex.class_words:
            if len(words) > 1 and _match_at(stems, i, words):
                class_spans.append(set(range(i, i + len(words))))
    mentions = _link(g, lex, q, toks, stems, class_spans)
    entity_tokens = {k for m in mentions for k in range(m.start, m.end)}
    numbers = [(v, span) for v, span in numbers if not span & entity_tokens]  # "Executive Order 14105" is a name
    number_tokens = set().union(*(s for _, s in numbers)) if numbers else set()
    free = [i for i in range(len(toks)) if i not in entity_tokens and i not in number_tokens]
    free_stems = {stems[i] for i in free}

    comparator = _comparator(toks, free)

    # 0. "what is X", "tell me about X": a description, when nothing else is asked.
    content = [i for i in free if toks[i].text not in STOPWORDS and toks[i].text not in {"tell", "describe", "explain", "info"}]
    words = [t.text for t in toks]
    prefix = next((p for p in _DESCRIBE_START if tuple(words[: len(p)]) == p), None)
    if len(mentions) == 1 and not content and prefix:
        strip = len(prefix) if prefix[0] in {"tell", "describe", "explain", "info", "about"} else 0
        if _relation(lex, stems, [i for i in free if i >= strip], toks) is None:
            return _describe(g, q, mentions[0].iri)
    # 1. How are two entities connected?
    if len(mentions) >= 2 and any(toks[i].text.startswith(_CONNECT) for i in free):
        return _connection(g, q, mentions[0].iri, mentions[1].iri)
    # 2. Numeric comparison: "models trained with more than 10^24 FLOP".
    if comparator and numbers:
        return _compare(g, q, lex, stems, free, comparator, numbers[0][0], _class_filter(lex, stems, free))
    # 3. Policy thresholds: "which models exceed the notification threshold".
    if "threshold" in free_stems:
        rule_p = "requiresNotificationFor" if free_stems & {"notif", "notifi", "notic", "notifiabl"} else "prohibits"
        return _threshold(g, q, rule_p, _class_filter(lex, stems, free))
    phrase = _relation(lex, stems, free, toks)
    if phrase is None and not mentions:
        mentions = _partial_link(g, lex, toks, stems, free)
        entity_tokens = {k for m in mentions for k in range(m.start, m.end)}
        free = [i for i in free if i not in entity_tokens]
        phrase = _relation(lex, stems, free, toks)
    elif phrase is not None and not mentions:
        mentions = _partial_link(g, lex, toks, stems, [i for i in free if not phrase[1] <= i < phrase[1] + len(phrase[0].words)])
    # Class words name what is asked for ("which companies ..."): before the relation phrase only.
    phrase_tokens = set(range(phrase[1], phrase[1] + len(phrase[0].words))) if phrase else set()
    classes = _class_filter(lex, stems, [i for i in free if i not in phrase_tokens and (phrase is None or i < phrase[1])])
    first = stems[0] if stems else ""
    if mentions and first == "when":
        return _values(g, q, mentions[0].iri, _WHEN_PROPS, "when")
    if mentions and first == "where" and (phrase is None or phrase[0].prop not in _PLACE_RELATIONS):
        return _values(g, q, mentions[0].iri, _WHERE_PROPS, "where")
    if phrase and mentions:
        if len(mentions) >= 2 and stems[0] in _AUX_START:
            return _check(g, q, lex, phrase, mentions, toks, stems)
        return _relation_answer(g, q, lex, phrase, mentions[0], toks, stems, classes)
    if mentions:
        if free_stems & {"locat", "venu"}:
            return _values(g, q, mentions[0].iri, _WHERE_PROPS, "where")
        if first == "when" or free_stems & {"date", "year"}:
            return _values(g, q, mentions[0].iri, _WHEN_PROPS, "when")
        return _describe(g, q, mentions[0].iri)
    if classes and not phrase:
        return _members(g, q, classes)
    # Nothing linked: an unknown name (when the rest was understood), or a question kg cannot read.
    leftover = _unlinked_name(lex, toks, stems, free, phrase_tokens)
    if leftover and (phrase or first in {"who", "what", "which", "where", "when"}):
        name = leftover
        raise UnknownName(name, [s.label for s in g.index.suggest(name)])
    understood = f"relation {phrase[0].prop!r} but no entity" if phrase else "no entity and no relation"
    raise NotUnderstood(
        f"could not read the question (understood: {understood}); try for example "
        "'who attended the Great Hall meeting', 'what does the NPRM prohibit', 'what is DeepSeek', "
        "'how is Jack Ma connected to Xi Jinping'"
    )


def _lexicon(g: KnowledgeGraph) -> Lexicon:
    return g.memo("ask-lexicon", lambda: Lexicon(g.lexicon))


_EXPLAINED = STOPWORDS | {w for words, _ in _COMPARATORS for w in words} | set(_UNITS) | {"threshold"}


def _link(g: KnowledgeGraph, lex: Lexicon, q: str, toks: list[Token], stems: list[str], class_spans: list[set[int]]):
    """Exact names first; fuzzy matching (and its import) only when content words remain unlinked."""
    mentions = g.index.find(q, fuzzy=False)
    linked = {k for m in mentions for k in range(m.start, m.end)}
    unexplained = [
        i for i in range(len(toks))
        if i not in linked and toks[i].text not in _EXPLAINED and not _is_lexical(lex, stems[i]) and not toks[i].text.isdigit()
    ]  # fmt: skip
    if unexplained:
        mentions = g.index.find(q)
    return [m for m in mentions if not any(set(range(m.start, m.end)) < span for span in class_spans)]


def _unlinked_name(lex: Lexicon, toks: list[Token], stems: list[str], free: list[int], phrase_tokens: set[int]) -> str:
    """The words that look like a name nobody knows: the longest run of content words."""
    runs: list[list[int]] = []
    for i in free:
        if i in phrase_tokens or toks[i].text in STOPWORDS:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    runs = [r for r in runs if not all(_is_lexical(lex, stems[i]) for i in r)]
    if not runs:
        return ""
    best = max(runs, key=len)
    return " ".join(toks[i].raw for i in best)


def _partial_link(g: KnowledgeGraph, lex: Lexicon, toks: list[Token], stems: list[str], free: list[int]):
    """Links a name given in part ("the joint declaration"): all its content words in one entity name."""
    from kg.linking import Mention

    content = [i for i in free if toks[i].text not in STOPWORDS and not _is_lexical(lex, stems[i])]
    if not content:
        return []
    words = {toks[i].text for i in content}
    candidates = {iri for key, iri, name in g.index.names if words <= {t.text for t in tokens(name)}}
    after = max(content) + 1
    named_kind = [cls for w, cls in lex.class_words if _match_at(stems, after, w)] if after < len(toks) else []
    if named_kind:  # "the outbound investment rule": the entity must be a rule
        candidates = {c for c in candidates if any(g.lexicon["classes"][t]["ancestors"] and k in g.lexicon["classes"][t]["ancestors"]
                                                   for t in g.entity(c)["types"] for k in named_kind)}  # fmt: skip
    if len(candidates) != 1:
        return []
    span = (min(content), max(content) + 1)
    text = " ".join(toks[i].raw for i in content)
    return [Mention(candidates.pop(), span[0], span[1], text, 75.0)]


def _is_lexical(lex: Lexicon, s: str) -> bool:
    return any(s in p.words for p in lex.phrases) or any(s in w for w, _ in lex.class_words)


def _class_filter(lex: Lexicon, stems: list[str], free: list[int]) -> list[str]:
    best: list[tuple[int, str]] = []
    free_set = set(free)
    for i in free:
        for words, cls in lex.class_words:
            if _match_at(stems, i, words) and set(range(i, i + len(words))) <= free_set:
                best.append((len(words), cls))
    if not best:
        return []
    longest = max(n for n, _ in best)
    return sorted({c for n, c in best if n == longest})


def _comparator(toks: list[Token], free: list[int]) -> str | None:
    raw = [toks[i].text for i in free]
    for words, op in _COMPARATORS:
        if any(tuple(raw[i : i + len(words)]) == words for i in range(len(raw))):
            return op
    return None


def _relation(lex: Lexicon, stems: list[str], free: list[int], toks: list[Token]) -> Reading | None:
    """Longest relation phrase among the free words; nouns read as nouns only in noun position."""
    free_set = set(free)
    words = [t.text for t in toks]
    hits: list[tuple[int, int, int, Phrase]] = []
    for i in free:
        for ph in lex.phrases:
            n = len(ph.words)
            seq = words if ph.kind != "verb" else stems
            if ph.kind == "verb" and any(words[k] in lex.nouns and stems[k] != words[k] for k in range(i, min(i + n, len(words)))):
                continue  # "developer" is the noun, not the verb "develop"
            if _match_at(seq, i, ph.words) and set(range(i, i + n)) <= free_set:
                prev = toks[i - 1].text if i > 0 else ""
                nxt = toks[i + n].text if i + n < len(toks) else ""
                noun_position = prev in {"the", "a", "an", "poss", "its", "their", "his", "her"} or nxt in {"of", "poss"}
                if ph.kind != "verb" and not noun_position and ph.kind == "noun" and _verb_twin(lex, ph):
                    continue
                if ph.kind == "verb" and noun_position and _noun_twin(lex, ph):
                    continue
                hits.append((n, 1 if ph.kind == "verb" else 0, -i, ph))
    if not hits:
        return None
    hits.sort(key=lambda h: (h[0], h[1], h[2]), reverse=True)
    best = hits[0]
    alternatives = [(h[3], -h[2]) for h in hits if (h[0], h[1]) == (best[0], best[1]) and h[3].prop != best[3].prop]
    return Reading(best[3], -best[2], alternatives)


class Reading(NamedTuple):
    """The relation phrase a question uses, where it stands, and equally good other readings."""

    phrase: Phrase
    at: int
    alternatives: list[tuple[Phrase, int]]


def _verb_twin(lex: Lexicon, ph: Phrase) -> bool:
    return any(o.words == ph.words and o.kind == "verb" for o in lex.phrases)


def _noun_twin(lex: Lexicon, ph: Phrase) -> bool:
    return any(o.words == ph.words and o.kind != "verb" for o in lex.phrases)


def _direction(phrase: Phrase, at: int, mention, toks: list[Token], lex: Lexicon) -> str:
    """'forward' when the linked entity is the triple's subject, else 'backward'."""
    if phrase.kind == "noun":
        return "forward"
    if phrase.kind == "noun_inv":
        return "backward"
    inverse_voice = lex.props[phrase.prop]["inverse_voice"]
    before = [t.text for t in toks[: mention.start]]
    while before and before[-1] in {"the", "a", "an"}:
        before.pop()
    if mention.start > at:  # entity after the verb: its object, unless "by X"
        agent = bool(before) and before[-1] == "by"
    else:  # entity before the verb: its subject, unless passive ("X was founded by")
        between = {t.text for t in toks[mention.end : at]}
        agent = not (between & _BE)
    return "backward" if agent == inverse_voice else "forward"


_TERM = r"^https://w3id\.org/kg-tc/ontology#[A-Za-z]+$"


def _sub_properties(props: dict, prop: str) -> list[str]:
    """prop and every property below it (speaker under attendee), from the lexicon."""
    out, todo = {prop}, [prop]
    while todo:
        cur = todo.pop()
        for name, p in props.items():
            if cur in p["supers"] and name not in out:
                out.add(name)
                todo.append(name)
    return sorted(out)


def _iris(props: dict, names: list[str]) -> str:
    iris = [props[n]["iri"] for n in names]
    assert all(re.match(_TERM, i) for i in iris)  # ontology terms only
    return " ".join(f"<{i}>" for i in iris)


def _template(g: KnowledgeGraph, name: str, prop: str, class_filter: bool) -> str:
    """Fills a template's fixed slots (class filter, evidence properties): choices, never user text."""
    props = g.lexicon["properties"]
    same = _sub_properties(props, prop)
    rev: list[str] = list(same) if props[prop]["symmetric"] else []
    if props[prop]["inverse_of"]:
        rev += _sub_properties(props, props[prop]["inverse_of"])
    subj, obj = {"forward": ("?x", "?ans"), "backward": ("?ans", "?x"), "check": ("?subj", "?obj")}[name]
    slots = {"subj": subj, "obj": obj, "same": _iris(props, same), "rev": _iris(props, sorted(set(rev)))}
    evidence = _EVIDENCE % {**slots, "reverse": _REVERSE % slots if rev else ""}
    return TEMPLATES[name] % {"filter": _CLASS_FILTER if class_filter else "", "evidence": evidence}


def _bind_common(g: KnowledgeGraph, prop: str, classes: list[str]) -> dict:
    import pyoxigraph as ox

    b = {"p": ox.NamedNode(KGO + prop)}
    if len(classes) == 1:
        b["cls"] = ox.NamedNode(KGO + classes[0])
    return b


def _fits(g: KnowledgeGraph, lex: Lexicon, phrase: Phrase, direction: str, iri_: str) -> bool:
    """Whether the linked entity can stand on its side of the property (domain or allowed types)."""
    p = lex.props[phrase.prop]
    kinds = {a for t in g.entity(iri_)["types"] for a in lex.classes.get(t, {}).get("ancestors", [t])}
    allowed = [p["domain"]] if direction == "forward" and p["domain"] else p["ranges"] if direction == "backward" else []
    return not allowed or bool(kinds & set(allowed))


def _relation_answer(g, q, lex, phrase_at, mention, toks, stems, classes) -> Answer:
    """Among equally good readings of the phrase ("signed": party to a deal, signatory of a declaration),
    the first that fits the entity's type and has answers wins."""
    candidates = [(phrase_at.phrase, phrase_at.at), *phrase_at.alternatives]
    fitting = [c for c in candidates if _fits(g, lex, c[0], _direction(c[0], c[1], mention, toks, lex), mention.iri)]
    ordered = fitting + [c for c in candidates if c not in fitting]
    first = None
    for cand in ordered:
        answer = _relation_single(g, q, lex, cand, mention, toks, stems, classes)
        if answer.answers:
            return answer
        first = first or answer
    return first


def _relation_single(g, q, lex, phrase_at, mention, toks, stems, classes) -> Answer:
    import pyoxigraph as ox

    phrase, at = phrase_at
    direction = _direction(phrase, at, mention, toks, lex)
    # A class word that names the linked entity's own kind ("the Paris Summit meeting") is not a filter.
    classes = [c for c in classes if c not in g.entity(mention.iri)["types"]]
    sparql = _template(g, direction, phrase.prop, len(classes) == 1)
    bindings = _bind_common(g, phrase.prop, classes)
    bindings["x"] = ox.NamedNode(mention.iri)
    rows = g.select(sparql, bindings)
    label = g.label(mention.iri)
    intent = f"{phrase.prop}({label}, ?)" if direction == "forward" else f"{phrase.prop}(?, {label})"
    if len(classes) == 1:
        intent += f" where ? is a {classes[0]}"
    answer = Answer(q, intent, _shown(sparql, bindings), _collect(rows))
    answer.template, answer.bindings = sparql, bindings
    return answer


def _check(g, q, lex, phrase_at, mentions, toks, stems) -> Answer:
    import pyoxigraph as ox

    phrase, at, _ = phrase_at
    a, b = mentions[0], mentions[1]
    direction = _direction(phrase, at, a, toks, lex)
    subj, obj = (a, b) if direction == "forward" else (b, a)
    bindings = _bind_common(g, phrase.prop, [])
    bindings.update(subj=ox.NamedNode(subj.iri), obj=ox.NamedNode(obj.iri))
    sparql = _template(g, "check", phrase.prop, False)
    rows = g.select(sparql, bindings)
    intent = f"{phrase.prop}({g.label(subj.iri)}, {g.label(obj.iri)})?"
    items = _collect(rows)
    for item in items:
        item.label = f"yes: {g.label(subj.iri)} {g.lexicon['properties'][phrase.prop]['label']} {item.label}"
    return Answer(q, intent, _shown(sparql, bindings), items)


def _compare(g, q, lex, stems, free, op, number, classes) -> Answer:  # noqa: PLR0913
    import pyoxigraph as ox

    props: list[str] = []
    for i in free:
        for unit, ps in _UNITS.items():
            if stems[i].startswith(unit):
                props = ps
    if not props:
        numeric = [n for n, p in lex.props.items() if p["kind"] == "datatype" and not p["qualifier"]]
        words = {toks_i.text for toks_i in tokens(q)}
        props = [n for n in numeric if any(t.text in words for t in tokens(lex.props[n]["label"]))][:1]
    if not props:
        raise NotUnderstood(f"understood a comparison with {number:g} but not of what; try 'models trained with more than 10^24 FLOP'")
    op_sql = {">": "?value >= ?n", ">=": "?value >= ?n", "<": "?value < ?n", "<=": "?value <= ?n"}[op]
    filtered = len(classes) == 1
    sparql = TEMPLATES["compare"] % (" ?cls" if filtered else "", op_sql, _CLASS_FILTER if filtered else "")
    items: list[AnswerItem] = []
    shown = ""
    for prop in props:
        bindings = _bind_common(g, prop, classes)
        bindings["n"] = ox.Literal(repr(float(number)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))
        items += _collect(g.select(sparql, bindings), with_value=True)
        shown = shown or _shown(sparql, bindings)
    note = None
    if "trainingComputeAboveFLOP" in props:
        note = "training compute is known as a lower bound (the source's band): a model 'above 10^24' is counted as more than 10^24"
    return Answer(q, f"{'|'.join(props)} {op} {number:g}", shown, _dedupe(items), note)


def _threshold(g, q, rule_p, classes) -> Answer:
    import pyoxigraph as ox

    bindings = {"rule_p": ox.NamedNode(KGO + rule_p), "p": ox.NamedNode(KGO + "trainingComputeAboveFLOP")}
    sparql = TEMPLATES["threshold"] % {"rule": _iris(g.lexicon["properties"], [rule_p])}  # a subquery sees no outer bindings
    rows = g.select(sparql, bindings)
    items = _collect(rows, with_value=True)
    lowest = rows[0]["lowest"].value if rows else None
    note = f"lowest {rule_p} threshold in the graph: {lowest} FLOP (the rule lists alternatives; the lowest is used)" if lowest else None
    return Answer(q, f"trainingComputeAboveFLOP >= min thresholdFLOP of {rule_p}", _shown(sparql, bindings), items, note)


def _values(g, q, x: str, props: list[str], kind: str) -> Answer:
    import pyoxigraph as ox

    items: list[AnswerItem] = []
    for prop in props:
        bindings = {"x": ox.NamedNode(x), "p": ox.NamedNode(KGO + prop)}
        for item in _collect(g.select(TEMPLATES["values"], bindings), with_value=True):
            item.label = f"{g.lexicon['properties'][prop]['label']}: {item.label}"
            items.append(item)
    return Answer(q, f"{kind}({g.label(x)})", TEMPLATES["values"], items)


def _describe(g, q, x: str) -> Answer:
    from kg.show import card

    c = card(g, x)
    e = g.entity(x)
    summary = e.get("description") or ", ".join(e["types"])
    item = AnswerItem(x, f"{e['label']} ({', '.join(e['types'])}): {summary}")
    item.evidence = [Evidence(m["source"], m["quote"], m["start"], m["end"]) for m in c["mentions"][:3]]
    return Answer(q, f"describe({e['label']})", c["sparql"], [item])


def _members(g, q, classes: list[str]) -> Answer:
    import pyoxigraph as ox

    items: list[AnswerItem] = []
    for cls in classes:
        rows = g.select(TEMPLATES["members"], {"cls": ox.NamedNode(KGO + cls)})
        items += _collect(rows)
    return Answer(q, f"members({', '.join(classes)})", TEMPLATES["members"], _dedupe(items))


def _connection(g, q, a: str, b: str) -> Answer:
    from kg.nav import shortest_path

    steps = shortest_path(g, a, b)
    items = [AnswerItem(None, " ".join(steps.chain))] if steps else []
    for edge in steps.edges if steps else []:
        items[0].evidence += [Evidence(**e) for e in edge["evidence"]]
    return Answer(q, f"path({g.label(a)}, {g.label(b)})", "(networkx shortest path over the entity graph)", items)


def _number(text: str) -> str:
    try:
        v = float(text)
    except ValueError:
        return text
    return f"{v:.3g}" if abs(v) >= 1e6 else (str(int(v)) if v.is_integer() else text)


def _collect(rows: list[dict], with_value: bool = False) -> list[AnswerItem]:
    items: dict[str, AnswerItem] = {}
    for r in rows:
        ans = r.get("ans")
        if ans is None:
            continue
        key = ans.value
        if key not in items:
            is_iri = type(ans).__name__ == "NamedNode"
            label = r["label"].value if "label" in r else ans.value
            value = _number(r["value"].value) if with_value and "value" in r else None
            if not is_iri:
                value = ans.value
            items[key] = AnswerItem(ans.value if is_iri else None, label, value)
        if "quote" in r:
            ev = Evidence(r["src"].value.rsplit("/", 1)[-1], r["quote"].value, int(r["start"].value), int(r["end"].value))
            if ev not in items[key].evidence:
                items[key].evidence.append(ev)
    return sorted(items.values(), key=lambda a: a.label.lower())


def _dedupe(items: list[AnswerItem]) -> list[AnswerItem]:
    seen: dict[str, AnswerItem] = {}
    for it in items:
        seen.setdefault(it.iri or it.label, it)
    return list(seen.values())


def _shown(sparql: str, bindings: dict) -> str:
    """The query as run, with its bound values listed (they are substituted, not spliced)."""
    binds = "\n".join(f"#   ?{k} = {v}" for k, v in sorted(bindings.items()))
    return f"# bound values (substituted by the engine, never spliced into the text):\n{binds}\n{sparql}"
