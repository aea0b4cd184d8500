"""Step 2: the candidate queries that connect what the question mentions, kept only if the graph answers.

Each candidate is a small query graph over the linked entities (bound as values, never spliced),
a property named by the question's words (an ontology IRI, bound too), an optional class filter on
the answer, and optional constraints: a second entity the answer must connect to, a second hop, a
number or year, a statement qualifier (role, condition, threshold, date, quantity). Shapes:

    relation   ?x p ?ans / ?ans p ?x                 "who attended X", "what did X invent"
    chain      ?x p ?m . ?m q ?ans                   "which company's lab built X"
    check      ?a p ?b                                "did A attend B", "is A with B"
    value      ?x d ?value / statement qualifier      "how much is X worth", "A's role at B"
    members    ?ans a C [+ a relation]                "list the think tanks"
    compare    ?ans d ?v FILTER(?v > n)               "models trained with more than 10^24 FLOP"

Which candidate is meant is ranked in kg.ask.ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.ask.answer import AnswerItem, Evidence
from kg.ask.lexicon import AGENT_CLASSES, KGO, NEGATIONS, AskLexicon, Phrase, plural_base
from kg.ask.linking import Link, Word

XSD = "http://www.w3.org/2001/XMLSchema#"
_DATE_PROPS = ("date", "foundingDate", "endDate", "commentDeadline")
_PLACE_PROPS = ("venue", "basedIn", "containedIn", "foundingLocation", "relocatedManufacturingTo", "country", "worksFor")


@dataclass
class Reading:
    shape: str
    intent: str
    uses: list[Link]
    answers: list[AnswerItem]
    sparql: str = ""
    bindings: dict = field(default_factory=dict)
    verdict: str | None = None
    figure: bool = False  # the answers are figures or dates, not entities
    explained: set[int] = field(default_factory=set)  # words explained beyond the links (type agreement)
    bonus: float = 0.0
    note: str | None = None
    texts: list[str] = field(default_factory=list)  # evidence and qualifier texts (for the quote overlap feature)
    paraphrase: bool = False  # the answer is a quoted claim: any question word its text holds is explained by it
    neighbours: set[str] = field(default_factory=set)  # the anchor's neighbours: a name among them is a modifier


class Context:
    """The question as linked, and the graph, for the generators."""

    def __init__(self, g, lex: AskLexicon, words: list[Word], links: list[Link], qtype: str, text: str = "") -> None:
        self.g, self.lex, self.words, self.links, self.qtype = g, lex, words, links, qtype
        self.text = text  # the question as typed: the punctuation the words drop ("A, B and C")
        ents = [x for x in links if x.kind == "entity"]
        exact = [x for x in ents if x.score >= 0.95 and x.end - x.start >= 2]
        # a class word inside a name ("the Paris Summit", "AI models" aside) is part of the name
        self.classes = [x for x in links if x.kind == "class" and not any(e.start <= x.start and x.end <= e.end for e in exact)]
        self.relations = [x for x in links if x.kind == "phrase" and x.target.kind in ("verb", "noun", "noun_inv", "opposite")]
        self.values = [x for x in links if x.kind == "phrase" and x.target.kind == "value"]
        self._statements: dict[str, list[dict]] = {}
        ents = _drop_swallowing_claims(ents, lex)
        self.entities = _best_entities(ents, words)
        self.entities = _best_entities(self.entities + self._derived() + self._described(), words)
        self.numbers = [x for x in links if x.kind == "number"]
        self.years = [x for x in links if x.kind == "year"]
        self.compares = [x for x in links if x.kind == "compare"]
        self.negated = any(w.text in NEGATIONS for w in words)

    def _derived(self) -> list[Link]:
        """Entities named by a class noun and a neighbour: 'Jack Ma's speech', 'the CPPCC opening ceremony',
        'lei jun's company', 'the Paris declaration': the neighbours of the named entity in that class."""
        out: list[Link] = []
        words = self.words
        linked = {x.target for x in self.entities}
        for e in self.entities:
            if e.score < 0.85:
                continue
            out += self._events_at(e)
            for c in self.classes:
                gap = [w for w in words[e.end : c.start] if w.content] if c.start >= e.end else None
                after = gap is not None and not gap and c.start - e.end <= 3
                before = (
                    c.end <= e.start
                    and words[c.end : e.start]
                    and all(w.text in ("of", "by", "from", "the", "in", "at", "with") for w in words[c.end : e.start])
                )
                if not (after or before):
                    continue
                around = sorted(self.neighbours(e.target))
                near = [n for n in around if n in self.lex.entities and n != e.target and self.lex.is_a(n, c.target)]
                weight, via = 0.8, f"the {c.target} of {self.g.label(e.target)}"
                if not near and self.lex.is_a(e.target, "Place"):  # 'the Paris declaration': of an event held there
                    events = [m for m in around if m in self.lex.entities and self.lex.is_a(m, "Event")]
                    near = sorted({n for m in events for n in self.neighbours(m) if n in self.lex.entities and n != e.target
                                   and self.lex.is_a(n, c.target)})  # fmt: skip
                    weight, via = 0.7, f"the {c.target} of an event at {self.g.label(e.target)}"
                named = [n for n in near if n in linked]
                if named and len(named) < len(near):  # "the meeting at the Great Hall": the one the words also name
                    near = named
                for n in near:
                    start, end = min(e.start, c.start), max(e.end, c.end)
                    out.append(Link("entity", start, end, n, round(weight * e.score / max(1, len(near)) ** 0.5, 3), via))
        return out

    def _described(self) -> list[Link]:
        """Entities named by a class word and the words before it that their names or description hold,
        or that name a neighbour: 'the outbound investment rule', 'the Treasury's proposed rule'."""
        out: list[Link] = []
        words = self.words
        desc = self.g.memo("ask-description-words", lambda: _description_words(self.lex))
        for c in self.classes:
            k, mods = c.start - 1, []
            while k >= 0 and c.start - k <= 4 and (words[k].content or words[k].text == "poss"):
                if words[k].content:
                    mods.append(words[k])
                k -= 1
            if not mods:
                continue
            by_word = {
                w.i: {x.target for x in self.links if x.kind == "entity" and x.score >= 0.6 and x.start <= w.i < x.end} for w in mods
            }
            strong = {i for x in self.links if x.kind == "entity" and x.score >= 0.9 for i in x.span}
            # what each word's entities are linked to (being linked is symmetric): a query per named
            # entity, not one per candidate of the class
            around = {i: set().union(*(self.neighbours(t) for t in ts)) for i, ts in by_word.items()}
            found = []
            for iri_, ws in desc.items():
                if not self.lex.is_a(iri_, c.target):
                    continue
                # a word that names something ("american", "AI") must name a neighbour, not a word of the prose
                if all((w.i not in strong and (w.forms & ws or w.stem in ws)) or iri_ in around[w.i] for w in mods):
                    found.append(iri_)
            if 1 <= len(found) <= 3:
                start = min(w.i for w in mods)
                for iri_ in sorted(found):
                    out.append(Link("entity", start, c.end, iri_, round(0.8 / len(found) ** 0.5, 3), f"the {c.target} so described"))
        return out

    def _events_at(self, e: Link) -> list[Link]:
        """An event named by its venue: 'who hosted the tech leaders at the Great Hall of the People'."""
        k = e.start - 1
        while k >= 0 and self.words[k].text in ("the", "a", "an"):
            k -= 1
        if k < 0 or self.words[k].text not in ("at", "in", "inside") or not self.lex.is_a(e.target, "Place"):
            return []
        events = [
            st["s"]
            for st in self.statements(e.target)
            if st["o"] == e.target and st["p"] == "venue" and st["s"] in self.lex.entities and self.lex.is_a(st["s"], "Event")
        ]
        events = sorted(set(events))
        linked = {y.target for y in self.entities}
        named = [x for x in events if x in linked]
        if named and len(named) < len(events):  # the event the question's other words also name
            events = named
        score = round(0.8 * e.score / max(1, len(events)) ** 0.5, 3)
        return [Link("entity", e.start, e.end, x, score, f"the event at {self.g.label(e.target)}") for x in events]

    def neighbours(self, x: str) -> set[str]:
        return {st["o"] if st["s"] == x else st["s"] for st in self.statements(x) if st["o_iri"]}

    def surroundings(self, x: str) -> set[str]:
        """The neighbours, and the places of the events among them: what may stand by x's name as a
        modifier ("the Paris AI declaration": Paris is where the summit it came from was held)."""
        near = self.neighbours(x)
        events = [m for m in near if m in self.lex.entities and self.lex.is_a(m, "Event")]
        places = {p for m in events for p in self.neighbours(m) if p in self.lex.entities and self.lex.is_a(p, "Place")}
        return (near | places) - {x}  # not the events' other participants: "Jack Ma and Pony Ma" are two subjects

    def select(self, sparql: str, bindings: dict):
        return self.g.select(sparql, bindings)

    def statements(self, x: str) -> list[dict]:
        """Every statement about x (either side) with its quote and qualifiers; one query per entity."""
        if x not in self._statements:
            import pyoxigraph as ox

            self._statements[x] = _statements_of(self.select(_STATEMENTS, {"x": ox.NamedNode(x)}))
        return self._statements[x]

    def enclosing(self, x: str) -> list[dict]:
        """Statements with qualifiers whose evidence holds a mention of x although x is neither end: 'the
        threshold for models trained on biological sequence data' is a qualifier of the rule's statement
        whose quote names the data. Two queries per build (kept on the graph), then a lookup."""
        qualified, mentions = self.g.memo("ask-enclosing", lambda: _enclosing_index(self.g))
        out: list[dict] = []
        for src, ms, me in mentions.get(x, ()):
            out += [
                st
                for st in qualified.get(src, ())
                if st["evidence"].start <= ms and me <= st["evidence"].end and x not in (st["s"], st["o"])
            ]
        return list({id(st): st for st in out}.values())


def _enclosing_index(g) -> tuple[dict, dict]:
    qualified: dict[str, list[dict]] = {}
    for st in _statements_of(g.select(_QUALIFIED, {})):
        if st["quals"]:
            qualified.setdefault(st["evidence"].source, []).append(st)
    mentions: dict[str, list[tuple[str, int, int]]] = {}
    for r in g.select(_MENTIONS, {}):
        mentions.setdefault(r["x"].value, []).append((r["src"].value.rsplit("/", 1)[-1], int(r["ms"].value), int(r["me"].value)))
    return qualified, mentions


def _description_words(lex: AskLexicon) -> dict[str, frozenset[str]]:
    from kg.text import tokens

    out = {}
    for iri_, e in lex.entities.items():
        text = " ".join([e.get("label") or "", *(e.get("aliases") or []), e.get("description") or ""])
        ws = {t.text for t in tokens(text)}
        out[iri_] = frozenset(ws | {plural_base(w) for w in ws} | {lex.stem(w) for w in ws})
    return out


def _statements_of(rows) -> list[dict]:
    by: dict[str, dict] = {}
    for r in rows:
        st = r["st"].value
        d = by.get(st)
        if d is None:
            o = r["o"]
            d = by[st] = {
                "s": r["s"].value, "p": _local(r["p"].value), "o": o.value, "o_iri": type(o).__name__ == "NamedNode",
                "evidence": _evidence(r),
                "quals": {},
            }  # fmt: skip
        if "qp" in r:
            d["quals"].setdefault(_local(r["qp"].value), []).append(r["qv"].value)
    for d in by.values():  # the engine's row order is not stable across processes: a fixed order
        for vs in d["quals"].values():
            vs.sort()
    return sorted(by.values(), key=lambda d: (d["p"], d["s"], d["o"], d["evidence"].source, d["evidence"].start, d["evidence"].end))


# Each side of the UNION starts from the entity and binds the side it is on (BIND), so the engine
# never looks ?s / ?o up again; no `a kgo:Statement` (only statements have rdf:subject with evidence and offsets).
# The form with the patterns after the UNION took 130-250 ms an entity, this 2 ms (same rows for every entity).
_STATEMENTS = """SELECT * WHERE {
  { ?st rdf:subject ?x . BIND(?x AS ?s) ?st rdf:predicate ?p ; rdf:object ?o ; kgo:evidence ?quote ;
      prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
    OPTIONAL { ?st ?qp ?qv . FILTER(STRSTARTS(STR(?qp), STR(kgo:)) && ?qp NOT IN (kgo:evidence, kgo:startOffset, kgo:endOffset)) } }
  UNION
  { ?st rdf:object ?x . BIND(?x AS ?o) ?st rdf:subject ?s ; rdf:predicate ?p ; kgo:evidence ?quote ;
      prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
    OPTIONAL { ?st ?qp ?qv . FILTER(STRSTARTS(STR(?qp), STR(kgo:)) && ?qp NOT IN (kgo:evidence, kgo:startOffset, kgo:endOffset)) } }
}"""


_QUALIFIED = """SELECT * WHERE {
  ?st ?qp ?qv . FILTER(STRSTARTS(STR(?qp), STR(kgo:)) && ?qp NOT IN (kgo:evidence, kgo:startOffset, kgo:endOffset))
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kgo:evidence ?quote ;
      prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
}"""
_MENTIONS = """SELECT * WHERE {
  ?m kgo:mentionOf ?x ; prov:wasDerivedFrom ?src ; kgo:startOffset ?ms ; kgo:endOffset ?me .
}"""


def _evidence(r) -> Evidence:
    return Evidence(r["src"].value.rsplit("/", 1)[-1], r["quote"].value, int(r["start"].value), int(r["end"].value))


def _local(iri: str) -> str:
    return iri[len(KGO) :] if iri.startswith(KGO) else iri


def _drop_swallowing_claims(ents: list[Link], lex: AskLexicon) -> list[Link]:
    """A weak partial match into a claim's sentence that swallows an exact name ("tech leaders ... the
    Great Hall" into a 25-word claim around "Great Hall") is not a name of the claim: the exact one speaks."""
    exact = [(x.start, x.end) for x in ents if x.score >= 0.95]
    return [
        x for x in ents
        if x.score >= 0.7 or not lex.is_a(x.target, "Claim")
        or not any(x.start <= a and b <= x.end and (a, b) != (x.start, x.end) for a, b in exact)
    ]  # fmt: skip


def _best_entities(links: list[Link], words: list[Word]) -> list[Link]:
    """The best link per entity (confidence times the content words it covers); at most 24, best first."""

    def weight(x: Link) -> float:
        return x.score * max(1, sum(1 for w in words[x.start : x.end] if w.content))

    best: dict[object, Link] = {}
    for x in links:
        # an exact name keeps its own place: a derived or partial link to the same entity elsewhere in the
        # question ("a Chinese company" read as BYD) must not displace "BYD" itself
        key = (x.target, x.start, x.end) if x.score >= 0.95 else x.target
        cur = best.get(key)
        if cur is None or weight(x) > weight(cur):
            best[key] = x
    exact = {x.target for x in best.values() if x.score >= 0.95}
    keep = [x for k, x in best.items() if isinstance(k, tuple) or k not in exact or weight(x) > 1.0]
    return sorted(keep, key=lambda x: (-weight(x), -x.score, x.start, x.end, x.target))[:24]  # total order: the cut is the same every run


def overlaps(a: Link, b: Link) -> bool:
    return a.start < b.end and b.start < a.end


def _free(*links: Link) -> bool:
    return all(not overlaps(a, b) for n, a in enumerate(links) for b in links[n + 1 :])


# --- queries (fixed templates; ?x ?y ?p ?q ?cls are bound by the engine) -----------------------------------

_EDGE = {"out": "?x ?p ?ans .", "in": "?ans ?p ?x ."}
_EDGE2 = {"out": "?m ?q ?ans .", "in": "?ans ?q ?m ."}
_EDGE1M = {"out": "?x ?p ?m .", "in": "?m ?p ?x ."}


def _query(patterns: list[str]) -> str:
    body = "\n  ".join(patterns)
    return f"SELECT DISTINCT * WHERE {{\n  {body}\n  OPTIONAL {{ ?ans rdfs:label ?label }}\n}}"


def _nn(iri: str):
    import pyoxigraph as ox

    return ox.NamedNode(iri)


def _items(ctx: Context, rows, anchor: str | None = None) -> list[AnswerItem]:
    out: dict[str, AnswerItem] = {}
    for r in rows:
        ans = r.get("ans")
        if ans is None or type(ans).__name__ != "NamedNode" or ans.value not in ctx.lex.entities:
            continue
        if ans.value not in out:
            out[ans.value] = AnswerItem(ans.value, r["label"].value if "label" in r else ctx.g.label(ans.value))
        if "quote" in r:
            ev = _evidence(r)
            if ev not in out[ans.value].evidence:
                out[ans.value].evidence.append(ev)
        if "value" in r and out[ans.value].value is None:
            out[ans.value].value = _number(r["value"].value)
    items = sorted(out.values(), key=lambda a: a.label.lower())
    if anchor:
        _attach(ctx, anchor, items)
    return items


def _hop_evidence(ctx: Context, anchor: str, rows, items: list[AnswerItem], first: set[str], second: set[str]) -> None:
    """Evidence for an answer two hops away: the statements anchor-middle and middle-answer."""
    middles: dict[str, set[str]] = {}
    for r in rows:
        if "ans" in r and "m" in r:
            middles.setdefault(r["ans"].value, set()).add(r["m"].value)
    for it in items:
        for m in sorted(middles.get(it.iri, ())):
            for st in ctx.statements(m):
                pair = {st["s"], st["o"]}
                if (pair == {anchor, m} and st["p"] in first) or (pair == {m, it.iri} and st["p"] in second):
                    if st["evidence"] not in it.evidence:
                        it.evidence.append(st["evidence"])


def _attach(ctx: Context, anchor: str, items: list[AnswerItem], props: set[str] | None = None) -> None:
    """Evidence: the statements between the anchor and each answer."""
    sts = ctx.statements(anchor)
    for it in items:
        for st in sts:
            if {st["s"], st["o"]} == {anchor, it.iri} and (props is None or st["p"] in props):
                if st["evidence"] not in it.evidence:
                    it.evidence.append(st["evidence"])


def _family(lex: AskLexicon, prop: str) -> set[str]:
    """The property, its sub-properties and its inverse (the statements that may state it)."""
    out, todo = {prop}, [prop]
    while todo:
        cur = todo.pop()
        for name, p in lex.props.items():
            if cur in p["supers"] and name not in out:
                out.add(name)
                todo.append(name)
    inv = lex.props.get(prop, {}).get("inverse_of")
    return out | ({inv} if inv else set())


def voice(ctx: Context, ph: Phrase, at: Link, anchor: Link) -> str:
    """The direction the words give: 'out' when the anchor is the triple's subject."""
    if ph.kind == "noun":
        return "out"
    if ph.kind == "noun_inv":
        return "in"
    inverse = bool(ctx.lex.props[ph.prop]["inverse_voice"])
    words = ctx.words
    if anchor.start >= at.end:  # entity after the verb: its object, unless "by X"
        before = [w.text for w in words[at.end : anchor.start] if w.text not in ("the", "a", "an")]
        agent = bool(before) and before[-1] == "by"
    else:  # entity before the verb: its subject, unless passive ("X was founded by")
        between = {w.text for w in words[anchor.end : at.start]}
        agent = not (between & {"is", "was", "were", "are", "been", "be", "being"})
    return "in" if agent == inverse else "out"


def _object_props(ctx: Context) -> list[tuple[Link, str]]:
    return [(x, x.target.prop) for x in ctx.relations if not ctx.lex.datatype(x.target.prop)]


def answer_types_agree(ctx: Context, items: list[AnswerItem]) -> bool:
    """who -> agents, where -> places; other question words agree with anything."""
    if not items:
        return False
    if ctx.qtype == "who":
        return all(ctx.lex.types(i.iri) & AGENT_CLASSES for i in items if i.iri)
    if ctx.qtype == "when":
        return False
    if ctx.qtype == "where":
        return all("Place" in ctx.lex.types(i.iri) or "Organization" in ctx.lex.types(i.iri) for i in items if i.iri)
    return True


# --- generators ---------------------------------------------------------------------------------------------


def generate(ctx: Context) -> list[Reading]:
    out: list[Reading] = []
    if ctx.qtype == "yesno":  # a yes/no question is answered by a verdict, never by a list
        return checks(ctx) + date_checks(ctx) + trend_checks(ctx) + claim_checks(ctx)
    out += relations(ctx)
    out += neighbour_readings(ctx)
    out += values(ctx)
    out += members(ctx)
    out += categories(ctx)
    out += comparisons(ctx)
    out += thresholds(ctx)
    out += extremes(ctx)
    out += differences(ctx)
    out += class_relations(ctx)
    if ctx.qtype != "yesno":
        out += empty_relations(ctx)
    return out


def _class_options(ctx: Context, *taken: Link) -> list[Link | None]:
    return [None] + [c for c in ctx.classes if _free(c, *taken)]


def relations(ctx: Context) -> list[Reading]:
    """?x p ?ans in either direction, with a class filter, a second entity or a second hop."""
    out: list[Reading] = []
    for anchor in ctx.entities:
        for at, prop in _object_props(ctx):
            if not _free(anchor, at):
                continue
            want = voice(ctx, at.target, at, anchor)
            for direction in ("out", "in"):
                bonus = 0.3 if direction == want else 0.0
                for cls in _class_options(ctx, anchor, at):
                    r = _relation(ctx, anchor, at, prop, direction, cls, bonus)
                    if r:
                        out.append(r)
                        out += _constrained(ctx, r, anchor, at, prop, direction, cls, bonus)
                        out += _chains(ctx, r, anchor, at, prop, direction, bonus)
                    elif cls is None and (hop := _relation(ctx, anchor, at, prop, direction, None, bonus, typed=False)):
                        # "the guests Xi hosted": the meetings are not a "who", their attendees are
                        out += _chains(ctx, hop, anchor, at, prop, direction, bonus)
    out += _multi(ctx, out)
    return out


def _relation(ctx, anchor, at, prop, direction, cls, bonus, typed: bool = True) -> Reading | None:
    pats = [_EDGE[direction]]
    b = {"x": _nn(anchor.target), "p": _nn(ctx.lex.prop_iri(prop))}
    if cls is not None:
        pats.append("?ans a ?cls .")
        b["cls"] = _nn(KGO + cls.target)
    sparql = _query(pats)
    items = _items(ctx, ctx.select(sparql, b), anchor.target)
    items = [i for i in items if i.iri != anchor.target]
    if not items or (typed and not answer_types_agree(ctx, items)):
        return None
    label = ctx.g.label(anchor.target)
    intent = f"{prop}({label}, ?)" if direction == "out" else f"{prop}(?, {label})"
    if cls is not None:
        intent += f" where ? is a {cls.target}"
    uses = [anchor, at] + ([cls] if cls is not None else [])
    r = Reading("relation", intent, uses, items, sparql, b, bonus=bonus)
    if ctx.qtype in ("who", "where"):
        r.bonus += 0.2
    soft_classes(ctx, r, anchor, at)
    r.texts = [e.quote for i in items for e in i.evidence] + [v for st in ctx.statements(anchor.target)
               if any(i.iri in (st["s"], st["o"]) for i in items) for vs in st["quals"].values() for v in vs]  # fmt: skip
    r.neighbours = ctx.surroundings(anchor.target)
    return r


def soft_classes(ctx: Context, r: Reading, *taken: Link) -> None:
    """A class word the answers agree with (or whose parent class they have) is explained without filtering."""
    used = {u for u in r.uses if u.kind == "class"}
    for c in ctx.classes:
        if c in used or not _free(c, *taken):
            continue
        parents = {p for p in ctx.lex.classes.get(c.target, {}).get("ancestors", []) if p in ctx.lex.classes and p != c.target}
        ok = all(ctx.lex.is_a(i.iri, c.target) or any(ctx.lex.is_a(i.iri, p) for p in parents) for i in r.answers if i.iri)
        if ok and r.answers:
            r.explained |= set(c.span)


def neighbour_readings(ctx: Context) -> list[Reading]:
    """No relation word: the anchor's neighbours of the class asked for ('which outlets does X name', 'whose order is X')."""
    out: list[Reading] = []
    for anchor in ctx.entities:
        if anchor.score < 0.7:
            continue
        near = [n for n in ctx.neighbours(anchor.target) if n in ctx.lex.entities]
        options: list[Link | None] = [c for c in ctx.classes if _free(c, anchor)]
        if ctx.qtype in ("who", "where"):
            options.append(None)
        for cls in options:
            keep = [n for n in near if (cls is None or ctx.lex.is_a(n, cls.target))]
            items = [AnswerItem(n, ctx.g.label(n)) for n in sorted(keep)]
            items = [i for i in items if i.iri != anchor.target and answer_types_agree(ctx, [i])]
            if ctx.qtype == "where" and cls is None:  # "where is CSIS": its places, not every organisation it touches
                items = [i for i in items if "Place" in ctx.lex.types(i.iri)] or items
            if not items:
                continue
            _attach(ctx, anchor.target, items)
            uses = [anchor] + ([cls] if cls else [])
            intent = f"linked({ctx.g.label(anchor.target)}, ?)" + (f" where ? is a {cls.target}" if cls else "")
            r = Reading(
                "relation", intent, uses, sorted(items, key=lambda i: i.label.lower()), _NEAR, {"x": _nn(anchor.target)}, bonus=-0.6
            )
            r.texts = [e.quote for i in items for e in i.evidence]
            out.append(r)
    return out


_NEAR = "SELECT DISTINCT * WHERE {\n  { ?x ?p ?ans } UNION { ?ans ?p ?x }\n  FILTER(isIRI(?ans))\n}"


def _constrained(ctx, base: Reading, anchor, at, prop, direction, cls, bonus) -> list[Reading]:
    """The answers must also connect to another entity the question names ("in 2018", "at Y", "from Y")."""
    out: list[Reading] = []
    for other in ctx.entities:
        if not _free(other, *base.uses) or other.target == anchor.target:
            continue
        pats = [_EDGE[direction], "{ ?ans ?q ?y } UNION { ?y ?q ?ans }"]
        b = {"x": _nn(anchor.target), "p": _nn(ctx.lex.prop_iri(prop)), "y": _nn(other.target)}
        if cls is not None:
            pats.append("?ans a ?cls .")
            b["cls"] = _nn(KGO + cls.target)
        sparql = _query(pats)
        items = _items(ctx, ctx.select(sparql, b), anchor.target)
        if items and len(items) <= len(base.answers):
            out.append(Reading("relation", base.intent + f" and ? is linked to {ctx.g.label(other.target)}", [*base.uses, other],
                               items, sparql, b, bonus=bonus - 0.1))  # fmt: skip
    return out


def _chains(ctx, base: Reading, anchor, at, prop, direction, bonus) -> list[Reading]:
    """A second hop: '?x p ?m . ?m q ?ans' with the second relation named elsewhere in the question."""
    out: list[Reading] = []
    for at2, prop2 in _object_props(ctx):
        if not _free(at2, anchor, at):
            continue
        for d2 in ("out", "in"):
            for cls in _class_options(ctx, anchor, at, at2):
                pats = [_EDGE1M[direction], _EDGE2[d2], "FILTER(?ans != ?x)"]
                b = {"x": _nn(anchor.target), "p": _nn(ctx.lex.prop_iri(prop)), "q": _nn(ctx.lex.prop_iri(prop2))}
                if cls is not None:
                    pats.append("?ans a ?cls .")
                    b["cls"] = _nn(KGO + cls.target)
                sparql = _query(pats)
                rows = ctx.select(sparql, b)
                items = _items(ctx, rows)
                if not items:
                    continue
                _hop_evidence(ctx, anchor.target, rows, items, _family(ctx.lex, prop) | {prop}, _family(ctx.lex, prop2) | {prop2})
                intent = f"{prop2}({'?m' if d2 == 'out' else '?'}, {'?' if d2 == 'out' else '?m'}) where ?m = {base.intent}"
                if cls is not None:
                    intent += f", ? a {cls.target}"
                uses = [anchor, at, at2] + ([cls] if cls is not None else [])
                role = at2.target.kind in ("noun", "noun_inv")
                out.append(Reading("chain", intent, uses, items, sparql, b, bonus=bonus - 0.3 - (0.3 if role else 0.0)))
            # the second relation as a filter on the first answers: 'which of the attendees are founders';
            # not when its noun is what the question asks for ("what line of business is BYD's partner in")
            if at2.target.kind in ("noun", "noun_inv") and at2.start == 1 and ctx.words[0].text in ("what", "which"):
                continue
            pats = [_EDGE[direction], "?ans ?q ?z ." if d2 == "out" else "?z ?q ?ans ."]
            b = {"x": _nn(anchor.target), "p": _nn(ctx.lex.prop_iri(prop)), "q": _nn(ctx.lex.prop_iri(prop2))}
            sparql = _query(pats)
            items = [i for i in _items(ctx, ctx.select(sparql, b), anchor.target) if i.iri != anchor.target]
            if items and answer_types_agree(ctx, items):
                # a role noun that is also a class word ("countries") filters by the class, not by the relation
                role = at2.target.kind in ("noun", "noun_inv") and not any((c.start, c.end) == (at2.start, at2.end) for c in ctx.classes)
                intent = f"{base.intent} and {prop2}({'?' if d2 == 'out' else '?z'}, {'?z' if d2 == 'out' else '?'})"
                out.append(Reading("relation", intent, [anchor, at, at2], items, sparql, b, bonus=bonus - 0.3 + (0.3 if role else 0.0)))
    return out


def _multi(ctx: Context, readings: list[Reading]) -> list[Reading]:
    """Several subjects ('what did A, B and C invent'): the union; 'both A and B': the intersection."""
    both = any(w.text in ("both", "also") for w in ctx.words)
    groups: dict[tuple, list[Reading]] = {}
    for r in readings:
        if r.shape != "relation" or len(r.uses) < 2:
            continue
        key = (
            r.uses[1].target,
            r.intent.split("(")[0],
            r.intent.startswith(r.uses[1].target.prop + "(?"),
            tuple(u.target for u in r.uses[2:]),
        )
        groups.setdefault(key, []).append(r)
    out: list[Reading] = []
    for rs in groups.values():
        anchors = {r.uses[0].target: r for r in rs}
        if len(anchors) < 2:
            continue
        chosen = [r for r in anchors.values() if all(_free(r.uses[0], o.uses[0]) for o in anchors.values() if o is not r)]
        spans = {(r.uses[0].start, r.uses[0].end) for r in anchors.values()}
        if len(spans) == 1 and _plural_name(ctx, next(iter(anchors.values())).uses[0]):
            chosen = list(anchors.values())  # "the two Wangs": every person the plural surname names
        if len(chosen) < 2 or not _coordinated(ctx, [r.uses[0] for r in chosen]):
            continue
        if both:
            keep = set.intersection(*({i.iri for i in r.answers} for r in chosen))
        else:
            keep = set.union(*({i.iri for i in r.answers} for r in chosen))
        items: dict[str, AnswerItem] = {}
        for r in chosen:
            for i in r.answers:
                if i.iri in keep:
                    items.setdefault(i.iri, AnswerItem(i.iri, i.label)).evidence.extend(e for e in i.evidence)
        uses = [u for r in chosen for u in r.uses]
        op = " and " if both else " or "
        out.append(Reading("relation", op.join(r.intent for r in chosen), _dedupe_links(uses), list(items.values()),
                           chosen[0].sparql, chosen[0].bindings, bonus=min(r.bonus for r in chosen)))  # fmt: skip
    return out


def _plural_name(ctx: Context, x: Link) -> bool:
    w = ctx.words[x.start]
    return x.end - x.start == 1 and x.via == "partial name" and w.raw[:1].isupper() and plural_base(w.text) != w.text


_COORDINATION = re.compile(r"^[\s,;/&]*(?:(?:and|or|plus|as well as|&)\s+)?(?:(?:the|both|also)\s+)*$", re.I)


def _coordinated(ctx: Context, anchors: list[Link]) -> bool:
    """Several subjects only when the question lists them ('A, B and C'): two names apart are not a list."""
    text = ctx.text
    if not text:
        return True
    spans = sorted((ctx.words[a.start].start, ctx.words[a.end - 1].end) for a in anchors)
    return all(_COORDINATION.match(text[spans[k][1] : spans[k + 1][0]]) for k in range(len(spans) - 1))


def _dedupe_links(links: list[Link]) -> list[Link]:
    seen, out = set(), []
    for x in links:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def checks(ctx: Context) -> list[Reading]:
    """Yes/no: does the graph state the relation between the two entities (either direction)?"""
    out: list[Reading] = []
    for a in ctx.entities:
        for b in ctx.entities:
            if a.target == b.target or not _free(a, b) or b.start < a.start:
                continue
            # a claim named by a few of its words is checked by what it says (claim_checks), not by
            # whether its claimant is linked to it: "does Lu think X" is not answered by "Lu claims not X"
            if any(x.score < 0.9 and ctx.lex.is_a(x.target, "Claim") for x in (a, b)):
                continue
            for at, prop in _object_props(ctx):
                if not _free(a, b, at) or not _may_relate(ctx, a.target, b.target, prop):
                    continue
                out.append(_check(ctx, a, b, at, prop))
            out += _type_check(ctx, a, b)
        out += _type_check(ctx, a, None)
        out += _class_checks(ctx, a)
    return out


_ASK = "SELECT * WHERE {\n  { ?a ?p ?b } UNION { ?b ?p ?a }\n}"


# Verbs that report what someone holds: "does Scott say ...", "did Xi argue ...", "does Lu think ..."
_SAYING = frozenset(
    """say says said think thinks thought argue argues argued believe believes believed claim claims claimed
    want wants wanted warn warns warned expect expects expected suggest suggests suggested agree agrees agreed
    hold holds held see sees saw consider considers considered insist insists insisted predict predicts predicted
    call calls called describe describes described view views""".split()
)
_NEGATED = re.compile(r"\b(not|no|never|cannot|nor|neither)\b|n[’']t\b", re.I)


_CLAUSES = re.compile(r",|;|:|\bbut\b|\bwhile\b|\bwhereas\b|\band\b(?=\s+(?:not|never)\b)", re.I)


def _denies(text: str, hit: list[Word]) -> bool:
    """Whether the clause of the claim that holds most of the question's words is negated: 'China must
    keep upgrading traditional industries and not treat them as low-end industries to be eliminated'
    says yes to upgrading and no to eliminating."""

    def matches(clause: str) -> tuple[int, int]:
        ws = quote_words([clause])
        found = [w.i for w in hit if quote_holds(w, ws)]
        return len(found), max(found, default=-1)  # equals: the clause holding the question's later words (its predicate)

    clauses = [c for c in _CLAUSES.split(text) if c.strip()] or [text]
    best = max(clauses, key=matches)
    return bool(_NEGATED.search(best))


def claim_checks(ctx: Context) -> list[Reading]:
    """'Does Jen Zhu Scott say smaller LLMs are cheaper to run?': a claim of the person whose words hold
    the rest of the question; 'yes' when the question and the claim agree in polarity, 'no' when the
    claim says the opposite ("not necessarily the optimal route"), each with the claim's quote."""
    out: list[Reading] = []
    saying = {w.i for w in ctx.words if w.text in _SAYING}
    if not saying:
        return out
    # "doesn't X say ...": a negated auxiliary opening the question asks for confirmation, it negates nothing
    lead = 2 if len(ctx.words) > 1 and ctx.words[1].text in ("t", "nt") else 1
    asked_not = any(w.text in NEGATIONS for w in ctx.words[lead:])
    for a in ctx.entities:
        if a.score < 0.6:
            continue
        rest = [w for w in ctx.words if w.content and not a.start <= w.i < a.end and w.i not in saying]
        if not rest:
            continue
        for st in ctx.statements(a.target):
            if st["p"] != "claimant" or st["o"] != a.target:
                continue
            claim = st["s"]
            # the claim's own words: its label and the quotes of its other statements (the claimant
            # statement's quote is the attribution, "Lu writes:")
            own = [x["evidence"] for x in ctx.statements(claim) if x["p"] != "claimant"]
            texts = [ctx.g.label(claim), *dict.fromkeys(e.quote for e in own)]
            words = quote_words(texts)
            hit = [w for w in rest if quote_holds(w, words)]
            if len(hit) < max(2, 0.6 * len(rest)):
                continue
            denies = _denies(ctx.g.label(claim), hit)
            yes = denies == asked_not
            said = ctx.g.label(claim)
            label = f"yes: {ctx.g.label(a.target)} holds that {said}" if yes else f"no: {ctx.g.label(a.target)} holds that {said}"
            item = AnswerItem(claim, label, evidence=[*dict.fromkeys(own), st["evidence"]])
            r = Reading("check", f"claimant({said}, {ctx.g.label(a.target)})?", [a], [item], "", {},
                        verdict="yes" if yes else "no", bonus=-0.2)  # fmt: skip
            r.explained = set(saying)
            r.texts = texts
            r.paraphrase = True
            out.append(r)
    return out


def may_be(lex: AskLexicon, iri: str, cls: str) -> bool:
    """Of the class, or typed only more broadly (an Organization may be the Company asked for)."""
    return lex.is_a(iri, cls) or bool(set(lex.entities.get(iri, {}).get("types", [])) & lex.ancestors(cls))


def _fits(ctx: Context, iri: str, classes: list[str]) -> bool:
    classes = [c for c in classes if c in ctx.lex.classes]
    return not classes or any(may_be(ctx.lex, iri, c) for c in classes)


def _may_relate(ctx: Context, a: str, b: str, prop: str) -> bool:
    """The ontology's domain and range allow the property between the two, one way or the other: 'was
    Pony Ma at the Great Hall' is about the meeting held there, never 'attendee(a venue)' answered no."""
    p = ctx.lex.props.get(prop, {})
    dom, ran = [p["domain"]] if p.get("domain") else [], p.get("ranges") or []
    return (_fits(ctx, a, dom) and _fits(ctx, b, ran)) or (_fits(ctx, b, dom) and _fits(ctx, a, ran))


def _check(ctx: Context, a: Link, b: Link, at: Link, prop: str) -> Reading:
    bind = {"a": _nn(a.target), "b": _nn(b.target), "p": _nn(ctx.lex.prop_iri(prop))}
    rows = ctx.select(_ASK, bind)
    holds = bool(rows)
    fam = _family(ctx.lex, prop)
    sts = _between(ctx, a, b, fam)
    la, lb = ctx.g.label(a.target), ctx.g.label(b.target)
    opposite = at.target.kind == "opposite"
    yes = holds != opposite
    plabel = ctx.lex.props[prop]["label"]
    # a statement of a disjoint property ("did not sign" for "sign") is the graph saying no
    denied = [] if holds else [st for d in ctx.lex.props[prop].get("disjoint", []) for st in _between(ctx, a, b, _family(ctx.lex, d))]
    if holds:
        stated = (
            _agent_first(ctx, sts[0], ctx.lex.props[sts[0]["p"]].get("verb") or ctx.lex.props[sts[0]["p"]]["label"])
            if sts
            else f"{la} {plabel} {lb}"
        )
        label = f"no: {stated}" if opposite else f"yes: the graph states {stated}"
    elif denied:
        dlabel = ctx.lex.props[denied[0]["p"]].get("verb") or ctx.lex.props[denied[0]["p"]]["label"]
        label = f"{'yes' if opposite else 'no'}: the graph states {_agent_first(ctx, denied[0], dlabel)}"
        sts = denied
    else:
        label = f"{'yes' if opposite else 'no'}: nothing in the graph states {la} {plabel} {lb}"
    item = AnswerItem(None, label, evidence=[st["evidence"] for st in sts])
    r = Reading("check", f"{prop}({la}, {lb})?", [a, b, at], [item], _ASK, bind, verdict="yes" if yes else "no")
    r.texts = [st["evidence"].quote for st in sts] + [v for st in sts for vs in st["quals"].values() for v in vs]
    if not holds and not denied:
        r.bonus -= 0.2
    if holds or denied:  # a name by the two may modify them; never for "nothing states it"
        r.neighbours = ctx.surroundings(a.target) | ctx.surroundings(b.target)
    return r


def _between(ctx: Context, a: Link, b: Link, fam: set[str] | None = None) -> list[dict]:
    """The statements joining the two entities (of the property family, when one is given)."""
    return [st for st in ctx.statements(a.target) if {st["s"], st["o"]} == {a.target, b.target} and (fam is None or st["p"] in fam)]


def _agent_first(ctx: Context, st: dict, plabel: str) -> str:
    """'United States did not sign the declaration': the statement in the order its verb reads."""
    s, o = (st["o"], st["s"]) if ctx.lex.props[st["p"]]["inverse_voice"] else (st["s"], st["o"])
    return f"{ctx.g.label(s)} {plabel} {ctx.g.label(o)}"


def _class_checks(ctx: Context, a: Link) -> list[Reading]:
    """'Did Lei Jun attend the meeting?': the relation to something of the class the noun names."""
    out: list[Reading] = []
    if a.score < 0.9:
        return out
    for at, prop in _object_props(ctx):
        if not _free(a, at):
            continue
        fam = _family(ctx.lex, prop)
        for cls in ctx.classes:
            if not _free(cls, a, at):
                continue
            sts = [st for st in ctx.statements(a.target) if st["p"] in fam and st["o_iri"]
                   and ctx.lex.is_a(st["o"] if st["s"] == a.target else st["s"], cls.target)]  # fmt: skip
            if not sts and not any(_may_relate(ctx, a.target, n, prop) for n in ctx.lex.entities if ctx.lex.is_a(n, cls.target)):
                continue
            label, plabel = ctx.g.label(a.target), ctx.lex.props[prop].get("verb") or ctx.lex.props[prop]["label"]
            if sts:
                said = "yes: the graph states " + "; ".join(dict.fromkeys(_agent_first(ctx, st, plabel) for st in sts))
            else:
                said = f"no: nothing in the graph states {label} {plabel} a {cls.target}"
            item = AnswerItem(None, said, evidence=[st["evidence"] for st in sts])
            r = Reading("check", f"{prop}({label}, a {cls.target})?", [a, at, cls], [item], "", {}, verdict="yes" if sts else "no",
                        bonus=-0.1 if sts else -0.3)  # fmt: skip
            r.texts = [st["evidence"].quote for st in sts]
            out.append(r)
    return out


def _type_check(ctx: Context, a: Link, b: Link | None) -> list[Reading]:
    """'Is BYD a Chinese company?': the entity's class, and its connection to the other entity."""
    out: list[Reading] = []
    if a.score < 0.9:
        return out
    for cls in ctx.classes:
        if not _free(a, cls) or (b is not None and not _free(b, cls, a)):
            continue
        ok = ctx.lex.is_a(a.target, cls.target)
        label = ctx.g.label(a.target)
        intent = f"type({label}, {cls.target})?"
        uses = [a, cls]
        sts: list = []
        if b is not None:
            sts = _between(ctx, a, b)
            ok = ok and bool(sts)
            intent = f"type({label}, {cls.target}) and linked({label}, {ctx.g.label(b.target)})?"
            uses.append(b)
        if ok:
            said = f"yes: {intent[:-1]}"
        elif not ctx.lex.is_a(a.target, cls.target):
            kinds = ", ".join(ctx.lex.entities.get(a.target, {}).get("types", [])) or "nothing"
            said = f"no: the graph types {label} as {kinds}, not {cls.target}"
        else:  # of the class, but nothing connects it to the other: not a stated "no"
            said = f"no: nothing in the graph links {label} to {ctx.g.label(b.target)} (it is a {cls.target})"
        item = AnswerItem(None, said, evidence=[st["evidence"] for st in sts])
        out.append(Reading("check", intent, uses, [item], "", {}, verdict="yes" if ok else "no", bonus=-0.1))
    return out


# --- figures and dates --------------------------------------------------------------------------------------

_VALUES = "SELECT * WHERE {\n  ?x ?d ?value .\n  FILTER(isLiteral(?value))\n}"


def _value_item(ctx: Context, prop: str, value: str, evidence: list[Evidence], st_quals: dict | None = None) -> AnswerItem:
    p = ctx.lex.props.get(prop, {})
    unit, bound = p.get("unit"), p.get("bound")
    stated = (st_quals or {}).get("bound")
    if stated:  # the fact's own bound ("costing billions": at least 2e9) before the property's usual one
        bound = re.sub(r"(?<!^)(?=[A-Z])", "-", stated[0].rsplit("#", 1)[-1]).lower()  # AtLeast -> at-least, as kgo:askBound
    shown = f"{bound.replace('-', ' ')} {_number(value)}" if bound and bound not in ("exactly",) else _number(value)
    return AnswerItem(None, f"{p.get('label', prop)}: {shown}", _number(value), evidence, unit=unit, bound=bound)


def _number(text: str) -> str:
    try:
        v = float(text)
    except ValueError:
        return text
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def values(ctx: Context) -> list[Reading]:
    """A figure or a date of an entity, an observation, or a statement's qualifier."""
    out: list[Reading] = []
    for anchor in ctx.entities:
        sts = ctx.statements(anchor.target)
        lits = [st for st in sts if st["s"] == anchor.target and not st["o_iri"]]
        # a value property named by the question ("worth", "deadline", "role")
        by_prop: dict[str, list[Link]] = {}
        for vl in ctx.values:
            if _free(anchor, vl) and all(_free(vl, o) for o in by_prop.get(vl.target.prop, [])):
                by_prop.setdefault(vl.target.prop, []).append(vl)
        for d, vls in by_prop.items():
            if not _type_fits(ctx, d):
                continue
            if ctx.lex.qualifier(d):
                out += _qualifier_values(ctx, anchor, vls, d)
                continue
            hits = [st for st in lits if st["p"] == d]
            if hits:
                out.append(_value_reading(ctx, anchor, vls, d, hits))
        # the question word alone: when -> a date; how much / how many -> the figure of an observation
        if ctx.qtype == "when" and not by_prop:
            for d in _DATE_PROPS:
                hits = [st for st in lits if st["p"] == d]
                if hits:
                    r = _value_reading(ctx, anchor, [], d, hits)
                    r.bonus -= 0.2 if d != "date" else 0.0
                    out.append(r)
        if ctx.qtype in ("how much", "how many", "what") and "Observation" in ctx.lex.types(anchor.target):
            hits = [st for st in lits if st["p"] == "observedValue"]
            if hits:
                out.append(_observation(ctx, anchor, hits, lits))
    return out


def _type_fits(ctx: Context, d: str) -> bool:
    """A figure does not answer who/where; when wants a date; how many / how much want a number."""
    if ctx.qtype in ("who", "where", "yesno"):
        return False
    if ctx.qtype == "when":
        return ctx.lex.is_date(d)
    if ctx.qtype in ("how many", "how much"):
        return ctx.lex.is_number(d)
    return True


def _value_reading(ctx: Context, anchor: Link, uses: list[Link], d: str, hits: list[dict]) -> Reading:
    items = [_value_item(ctx, d, st["o"], [st["evidence"]], st["quals"]) for st in hits]
    r = Reading("value", f"{d}({ctx.g.label(anchor.target)})", [anchor, *uses], _dedupe_values(items), _VALUES,
                {"x": _nn(anchor.target), "d": _nn(ctx.lex.prop_iri(d))}, figure=True)  # fmt: skip
    r.texts = anchor_texts(ctx, anchor.target)
    r.neighbours = ctx.surroundings(anchor.target)
    if ctx.qtype == "when" and ctx.lex.is_date(d):
        r.bonus += 0.3
    if ctx.qtype in ("how much", "how many") and ctx.lex.is_number(d):
        r.bonus += 0.3
    if ctx.qtype == "how many" and d == "count":
        # a count the source states ("agreed by more than 60 other nations") is the count of what its own
        # quote says: its words, the relation's included, explain the question, and only its words do
        r.texts = [st["evidence"].quote for st in hits]
        r.paraphrase = True
        r.bonus += 1.0  # a count the source states outranks counting the few it lists ("including France, ...")
    return r


def anchor_texts(ctx: Context, x: str) -> list[str]:
    """Everything the sources say about x: quotes, qualifiers, the curated description."""
    sts = ctx.statements(x)
    e = ctx.lex.entities.get(x) or {}
    return (
        [st["evidence"].quote for st in sts] + [v for st in sts for vs in st["quals"].values() for v in vs] + [e.get("description") or ""]
    )


def _dedupe_values(items: list[AnswerItem]) -> list[AnswerItem]:
    seen: dict[str, AnswerItem] = {}
    for it in items:
        if it.value in seen:
            seen[it.value].evidence += [e for e in it.evidence if e not in seen[it.value].evidence]
        else:
            seen[it.value] = it
    return list(seen.values())


_BOUNDS = [(("more", "than"), "more-than"), (("over",), "more-than"), (("above",), "more-than"), (("around",), "approximately"),
           (("about",), "approximately"), (("roughly",), "approximately"), (("approximately",), "approximately")]  # fmt: skip


def _bound_of(texts: list[str]) -> str | None:
    for t in texts:
        ws = t.lower().split()
        for key, bound in _BOUNDS:
            if any(tuple(ws[i : i + len(key)]) == key for i in range(len(ws))):
                return bound
    return None


def _observation(ctx: Context, anchor: Link, hits: list[dict], lits: list[dict]) -> Reading:
    unit = next((st["o"] for st in lits if st["p"] == "unitText"), None)
    items = []
    for st in hits:
        conds = st["quals"].get("condition", [])
        items.append(AnswerItem(None, f"{ctx.g.label(anchor.target)}: {_number(st['o'])}{' ' + unit if unit else ''}",
                                _number(st["o"]), [st["evidence"]], unit=unit, bound=_bound_of(conds)))  # fmt: skip
    vls = [v for v in ctx.values if v.target.prop == "observedValue" and _free(v, anchor)]
    vls = [v for n, v in enumerate(vls) if all(_free(v, o) for o in vls[:n])]
    r = Reading("value", f"observedValue({ctx.g.label(anchor.target)})", [anchor, *vls], items, _VALUES,
                {"x": _nn(anchor.target), "d": _nn(ctx.lex.prop_iri("observedValue"))}, figure=True, bonus=0.2)  # fmt: skip
    # a year in the question picks the observation of that year out of its series ("US VC in China in 2022")
    dates = [st["o"] for st in lits if st["p"] == "date"] + [d for st in hits for d in st["quals"].get("qualifierDate", [])]
    years = [y for y in ctx.years if _free(y, anchor)]
    if dates and years:
        same = [y for y in years if any(_year(d) == int(y.target) for d in dates)]
        if same:
            r.uses.append(same[0])
            r.bonus += 0.3
        elif not any(w.text in ("since", "from") for w in ctx.words):
            r.bonus -= 0.6
    r.texts = anchor_texts(ctx, anchor.target)
    r.neighbours = ctx.surroundings(anchor.target)
    return r


def _qualifier_values(ctx: Context, anchor: Link, vls: list[Link], q: str) -> list[Reading]:
    """A qualifier of a statement about the anchor: 'Harithas's role at CSIS', 'the FLOP threshold for X'."""
    out: list[Reading] = []
    sts = [st for st in ctx.statements(anchor.target) if q in st["quals"]]
    if not sts:  # the anchor named inside a statement's evidence, as its condition
        sts = [st for st in ctx.enclosing(anchor.target) if q in st["quals"]]
    if not sts:
        return out
    others = [o for o in ctx.entities if o.target != anchor.target and _free(o, anchor, *vls)]
    rels = [x for x, _ in _object_props(ctx) if _free(x, anchor, *vls)]
    groups: list[tuple[list[Link], list[dict]]] = [([], sts)]
    for o in others:
        hit = [st for st in sts if o.target in (st["s"], st["o"])]
        if hit:
            groups.append(([o], hit))
    for rel in rels:
        fam = _family(ctx.lex, rel.target.prop)
        for extra, g_sts in list(groups):
            hit = [st for st in g_sts if st["p"] in fam]
            if hit:
                groups.append(([*extra, rel], hit))
    for extra, g_sts in groups:
        items = [_value_item(ctx, q, v, [st["evidence"]]) for st in g_sts for v in st["quals"][q]]
        names = ", ".join(ctx.g.label(x.target) if x.kind == "entity" else x.target.prop for x in extra)
        intent = f"{q} of statement about {ctx.g.label(anchor.target)}{' with ' + names if names else ''}"
        r = Reading("value", intent, [anchor, *vls, *extra],
                    _dedupe_values(items), "", {}, figure=True)  # fmt: skip
        r.texts = [st["evidence"].quote for st in g_sts] + [v for st in g_sts for vs in st["quals"].values() for v in vs]
        r.texts += anchor_texts(ctx, anchor.target)
        r.neighbours = ctx.surroundings(anchor.target)
        out.append(r)
    return out


# --- classes and comparisons --------------------------------------------------------------------------------

_MEMBERS = "SELECT DISTINCT * WHERE {\n  ?ans a ?cls .\n  OPTIONAL { ?ans rdfs:label ?label }\n}"


def members(ctx: Context) -> list[Reading]:
    out: list[Reading] = []
    for cls in ctx.classes:
        if any(overlaps(cls, e) and e.score >= 0.9 for e in ctx.entities):
            continue
        b = {"cls": _nn(KGO + cls.target)}
        items = _items(ctx, ctx.select(_MEMBERS, b))
        if items:
            out.append(Reading("members", f"members({cls.target})", [cls], items, _MEMBERS, b, bonus=-0.3))
    return out


def categories(ctx: Context) -> list[Reading]:
    """'list the traditional industries': the kinds of an entity the graph treats as a category (kgo:kindOf),
    alone or linked to another entity the question names ('the traditional industries Lu wants upgraded')."""
    out: list[Reading] = []
    for cat in ctx.entities:
        if cat.score < 0.9:
            continue
        kinds = [st for st in ctx.statements(cat.target) if st["p"] == "kindOf" and st["o"] == cat.target and st["s"] in ctx.lex.entities]
        if not kinds:
            continue
        found = sorted((AnswerItem(s, ctx.g.label(s)) for s in {st["s"] for st in kinds}), key=lambda i: i.label.lower())
        _attach(ctx, cat.target, found, {"kindOf"})
        if not answer_types_agree(ctx, found):
            continue
        b = {"x": _nn(cat.target), "p": _nn(ctx.lex.prop_iri("kindOf"))}
        r = Reading("members", f"kindOf(?, {ctx.g.label(cat.target)})", [cat], found, _query([_EDGE["in"]]), b, bonus=-0.1)
        r.texts = [e.quote for i in found for e in i.evidence]
        r.neighbours = ctx.surroundings(cat.target)
        out.append(r)
        for other in ctx.entities:
            if other.target == cat.target or not _free(other, cat) or other.score < 0.7:
                continue
            linked = [i for i in found if other.target in ctx.neighbours(i.iri)]
            if linked and len(linked) < len(found):
                _attach(ctx, other.target, linked)
                out.append(Reading("members", r.intent + f" and ? is linked to {ctx.g.label(other.target)}", [cat, other], linked,
                                   r.sparql, b, bonus=-0.2, texts=[e.quote for i in linked for e in i.evidence]))  # fmt: skip
    return out


_COMPARE = """SELECT DISTINCT ?ans ?label ?value ?d ?n ?quote ?src ?start ?end WHERE {
  ?ans ?d ?value .
  FILTER(?value %s ?n)
  OPTIONAL { ?ans rdfs:label ?label }
  OPTIONAL {
    ?st a kgo:Statement ; rdf:subject ?ans ; rdf:predicate ?d ; rdf:object ?value ; kgo:evidence ?quote ;
        prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
  }
}"""


def comparisons(ctx: Context) -> list[Reading]:
    """Entities whose figure passes a bound: 'models trained with more than 10^24 FLOP'."""
    import pyoxigraph as ox

    out: list[Reading] = []
    ops = {">": ">=", ">=": ">=", "<": "<", "<=": "<="}
    for cmp in ctx.compares:
        if cmp.target not in ops:
            continue
        nums = [n for n in ctx.numbers if n.start >= cmp.end]
        if not nums:
            continue
        num = nums[0]
        by_prop: dict[str, list[Link]] = {}
        for v in ctx.values:
            d = v.target.prop
            if ctx.lex.is_number(d) and not ctx.lex.qualifier(d) and _free(v, cmp, num) and all(_free(v, o) for o in by_prop.get(d, [])):
                by_prop.setdefault(d, []).append(v)
        for d, vls in by_prop.items():
            vl = vls[0]
            sparql = _COMPARE % ops[cmp.target]
            b = {"d": _nn(ctx.lex.prop_iri(d)), "n": ox.Literal(repr(float(num.target)), datatype=ox.NamedNode(XSD + "double"))}
            rows = ctx.select(sparql, b)
            items = _items(ctx, rows)
            for cls in _class_options(ctx, cmp, num, vl):
                keep = [i for i in items if cls is None or ctx.lex.is_a(i.iri, cls.target)]
                if not keep:
                    continue
                uses = [cmp, num, *vls] + ([cls] if cls else [])
                intent = f"{d} {cmp.target} {num.target:g}" + (f" where ? is a {cls.target}" if cls else "")
                bound = ctx.lex.props[d].get("bound")
                r = Reading(
                    "compare", intent, uses, keep, sparql, b, bonus=0.2 if bound == "more-than" and cmp.target in (">", ">=") else 0.0
                )
                if bound == "more-than":
                    r.note = f"{ctx.lex.props[d]['label']} is a lower bound (the source's band): 'above n' counts as more than n"
                for anchor in ctx.entities:  # "which DeepSeek models crossed 10^23": also linked to the entity
                    if not _free(anchor, *uses):
                        continue
                    linked = [i for i in keep if any(anchor.target in (st["s"], st["o"]) for st in ctx.statements(i.iri))]
                    if linked:
                        also = f" and ? is linked to {ctx.g.label(anchor.target)}"
                        out.append(Reading("compare", intent + also, [*uses, anchor], linked, sparql, b,
                                           bonus=r.bonus, note=r.note))  # fmt: skip
                out.append(r)
    return out


_THRESHOLDS = """SELECT * WHERE {
  ?st a kgo:Statement ; rdf:predicate ?p ; ?q ?t .
}"""


def thresholds(ctx: Context) -> list[Reading]:
    """'Which models exceed the notification threshold': figures above the lowest threshold (a statement
    qualifier) of the provisions the relation word names, compared in the same unit."""
    import pyoxigraph as ox

    out: list[Reading] = []
    for cmp in ctx.compares:
        if cmp.target not in (">", ">="):
            continue
        for ql in ctx.values:
            q = ql.target.prop
            unit = ctx.lex.props[q].get("unit")
            if not ctx.lex.qualifier(q) or not unit or not _free(cmp, ql):
                continue
            for at, prop in _object_props(ctx):
                if not _free(at, cmp, ql):
                    continue
                b = {"p": _nn(ctx.lex.prop_iri(prop)), "q": _nn(ctx.lex.prop_iri(q))}
                ts = [float(r["t"].value) for r in ctx.select(_THRESHOLDS, b)]
                if not ts:
                    continue
                lowest = min(ts)
                figures = [
                    d for d, p in ctx.lex.props.items() if p.get("unit") == unit and not p.get("qualifier") and p["kind"] == "datatype"
                ]
                for d in figures:
                    b2 = {"d": _nn(ctx.lex.prop_iri(d)), "n": ox.Literal(repr(lowest), datatype=ox.NamedNode(XSD + "double"))}
                    items = _items(ctx, ctx.select(_COMPARE % ">=", b2))
                    for cls in _class_options(ctx, cmp, ql, at):
                        keep = [i for i in items if cls is None or ctx.lex.is_a(i.iri, cls.target)]
                        if not keep:
                            continue
                        uses = [cmp, ql, at] + ([cls] if cls else [])
                        note = f"lowest {q} of {prop} in the graph: {lowest:g} {unit} (the rule lists alternatives; the lowest is used)"
                        intent = f"{d} >= min {q} of {prop}" + (f" where ? is a {cls.target}" if cls else "")
                        bonus = 0.2 if ctx.lex.props[d].get("bound") == "more-than" else 0.0
                        out.append(Reading("compare", intent, uses, keep, _COMPARE % ">=", b2, note=note, bonus=bonus))
    return out


def empty_relations(ctx: Context) -> list[Reading]:
    """A relation the question states clearly that the graph holds nothing for: answered with nothing, said so."""
    out: list[Reading] = []
    for anchor in ctx.entities:
        if anchor.score < 0.9:
            continue
        for at, prop in _object_props(ctx):
            if not _free(anchor, at) or at.target.kind == "opposite":
                continue
            direction = voice(ctx, at.target, at, anchor)
            label = ctx.g.label(anchor.target)
            intent = f"{prop}({label}, ?)" if direction == "out" else f"{prop}(?, {label})"
            b = {"x": _nn(anchor.target), "p": _nn(ctx.lex.prop_iri(prop))}
            r = Reading("relation", intent, [anchor, at], [], _query([_EDGE[direction]]), b, bonus=-0.5)
            r.note = f"nothing in the graph states {intent} (no answers is not a 'no')"
            out.append(r)
    return out


def quote_words(texts: list[str]) -> set[str]:
    return {w for t in texts for w in re.findall(r"[a-z0-9]+", t.lower())}


def quote_holds(w: Word, quoted: set[str]) -> bool:
    """The question word is among the quote's words: as written, singular, stemmed, or a stem of one."""
    return bool({w.text, plural_base(w.text), w.stem} & quoted) or any(len(w.stem) >= 4 and q.startswith(w.stem) for q in quoted)


# --- figures compared: dates, trends, peaks, differences ----------------------------------------------------

_DOWN = {"fall", "fallen", "fell", "falling", "decline", "declined", "declining", "drop", "dropped", "shrink", "shrunk", "shrank",
         "decrease", "decreased", "slump", "slumped"}  # fmt: skip
_UP = {"grow", "grown", "grew", "growing", "rise", "risen", "rose", "increase", "increased", "climb", "climbed", "expand", "expanded"}
_PEAK = {"peak", "peaked", "highest", "top", "topped", "maximum", "max"}
_LOW = {"lowest", "bottom", "bottomed", "minimum", "min", "trough"}
_MORE = {"more", "beat", "exceed", "exceeded", "difference", "bigger", "larger", "higher", "gap", "outpace", "outpaced", "than"}


def _year(text: str) -> int | None:
    m = re.match(r"(\d{4})", text)
    return int(m.group(1)) if m else None


def date_checks(ctx: Context) -> list[Reading]:
    """'was the Great Hall built before 1960?': a date of the entity against the year."""
    out: list[Reading] = []
    for anchor in ctx.entities:
        lits = [st for st in ctx.statements(anchor.target) if st["s"] == anchor.target and not st["o_iri"] and ctx.lex.is_date(st["p"])]
        for cmp in ctx.compares:
            if cmp.target not in ("before", "after", "<", ">") or not _free(anchor, cmp):
                continue
            years = [y for y in ctx.years if y.start >= cmp.end and _free(y, anchor)]
            if not years:
                continue
            y = years[0]
            for st in lits:
                vls = [v for v in ctx.values if v.target.prop == st["p"] and _free(v, anchor, cmp, y)]
                got = _year(st["o"])
                if got is None:
                    continue
                yes = got < y.target if cmp.target in ("before", "<") else got > y.target
                label = f"{'yes' if yes else 'no'}: {ctx.lex.props[st['p']]['label']} {st['o']}"
                r = Reading("check", f"{st['p']}({ctx.g.label(anchor.target)}) {cmp.target} {int(y.target)}?", [anchor, cmp, y, *vls[:1]],
                            [AnswerItem(None, label, st["o"], [st["evidence"]])], _VALUES, {"x": _nn(anchor.target), "d": _nn(ctx.lex.prop_iri(st["p"]))},  # noqa: E501
                            verdict="yes" if yes else "no", bonus=0.0 if vls else -0.3)  # fmt: skip
                out.append(r)
    return out


_SIBLINGS = "SELECT * WHERE {\n  ?o kgo:measure ?m .\n}"


def series(ctx: Context, x: str) -> list[tuple[str, float, str, dict]]:
    """The observations measuring the same thing as x (same kgo:measure), as (iri, value, date, statement), by date."""
    sts = ctx.statements(x)
    measure = next((st["o"] for st in sts if st["s"] == x and st["p"] == "measure"), None)
    if measure is None:
        return []
    import pyoxigraph as ox

    out = []
    for r in ctx.select(_SIBLINGS, {"m": ox.Literal(measure)}):
        o = r["o"].value
        osts = ctx.statements(o)
        val = next((st for st in osts if st["s"] == o and st["p"] == "observedValue"), None)
        if val is None:
            continue
        date = next((st["o"] for st in osts if st["s"] == o and st["p"] == "date"), None) or next(
            iter(val["quals"].get("qualifierDate", [])), None
        )
        if date is None:
            continue
        out.append((o, float(val["o"]), date, val))
    return sorted(out, key=lambda t: t[2])


def _trend_words(ctx: Context, words: set[str]) -> list[int]:
    return [w.i for w in ctx.words if w.text in words]


def trend_checks(ctx: Context) -> list[Reading]:
    """'has the share of US imports from China fallen since 2017?': the first and last figures of the series."""
    out: list[Reading] = []
    down, up = _trend_words(ctx, _DOWN), _trend_words(ctx, _UP)
    if not down and not up:
        return out
    for anchor in ctx.entities:
        if "Observation" not in ctx.lex.types(anchor.target):
            continue
        ser = series(ctx, anchor.target)
        since = [y.target for y in ctx.years]
        if since:
            ser = [t for t in ser if (_year(t[2]) or 0) >= min(since)]
        if len(ser) < 2:
            continue
        first, last = ser[0], ser[-1]
        fell = last[1] < first[1]
        yes = fell if down else not fell and last[1] > first[1]
        label = f"{'yes' if yes else 'no'}: {_number(str(first[1]))} ({first[2]}) -> {_number(str(last[1]))} ({last[2]})"
        uses = [anchor] + [y for y in ctx.years if _free(y, anchor)][:1]
        r = Reading("check", f"trend({ctx.g.label(anchor.target)}) {'down' if down else 'up'}?", uses,
                    [AnswerItem(None, label, evidence=[first[3]["evidence"], last[3]["evidence"]])], _SIBLINGS, {}, verdict="yes" if yes else "no")  # fmt: skip  # noqa: E501
        r.explained |= set(down or up)
        r.texts = anchor_texts(ctx, anchor.target)
        out.append(r)
    return out


def extremes(ctx: Context) -> list[Reading]:
    """'when did US VC in China peak?': the date (or figure) of the series' highest or lowest value."""
    out: list[Reading] = []
    hi, lo = _trend_words(ctx, _PEAK), _trend_words(ctx, _LOW)
    if not hi and not lo:
        return out
    for anchor in ctx.entities:
        if "Observation" not in ctx.lex.types(anchor.target):
            continue
        ser = series(ctx, anchor.target)
        if not ser:
            continue
        best = max(ser, key=lambda t: t[1]) if hi else min(ser, key=lambda t: t[1])
        if ctx.qtype == "when":
            item = AnswerItem(None, f"{'peak' if hi else 'lowest'}: {best[2]} ({_number(str(best[1]))})", best[2], [best[3]["evidence"]])
        else:
            item = AnswerItem(
                None, f"{'peak' if hi else 'lowest'}: {_number(str(best[1]))} ({best[2]})", _number(str(best[1])), [best[3]["evidence"]]
            )
        r = Reading(
            "value", f"{'max' if hi else 'min'}(series of {ctx.g.label(anchor.target)})", [anchor], [item], _SIBLINGS, {}, figure=True
        )
        r.explained |= set(hi or lo)
        r.texts = anchor_texts(ctx, anchor.target)
        # the year in the anchor's own name does not restrict a series question
        r.explained |= {w.i for w in ctx.words[anchor.start : anchor.end] if w.text.isdigit()}
        out.append(r)
    return out


def _figure(ctx: Context, x: str) -> tuple[float, str | None, dict, str | None] | None:
    """The one figure an entity holds (an observation's value, an amount), with its unit and period."""
    sts = [st for st in ctx.statements(x) if st["s"] == x and not st["o_iri"]]
    nums = [st for st in sts if ctx.lex.is_number(st["p"]) and st["p"] not in ("durationYears", "durationDays")]
    prefer = [st for st in nums if st["p"] in ("observedValue", "amountUSD")] or nums
    if len(prefer) != 1:
        return None
    st = prefer[0]
    unit = next((o["o"] for o in sts if o["p"] == "unitText"), None) or ctx.lex.props[st["p"]].get("unit")
    period = next((o["o"] for o in sts if o["p"] == "date"), None)
    return float(st["o"]), unit, st, period


def differences(ctx: Context) -> list[Reading]:
    """'how much more is Stargate than Alibaba's commitment?': the difference of two figures in one unit."""
    out: list[Reading] = []
    if ctx.qtype not in ("how much", "how many") or not any(w.text in _MORE for w in ctx.words):
        return out
    cands = [(e, _figure(ctx, e.target)) for e in ctx.entities]
    cands = [(e, f) for e, f in cands if f is not None]
    for n, (a, fa) in enumerate(cands):
        for b, fb in cands[n + 1 :]:
            if not _free(a, b) or (fa[1] or "") != (fb[1] or ""):
                continue
            first, second = (a, fa), (b, fb)
            if b.start < a.start:
                first, second = second, first
            diff = first[1][0] - second[1][0]
            unit = first[1][1]
            unit_out = "percentage points" if unit in ("percent", "%") else unit
            item = AnswerItem(None, f"{ctx.g.label(first[0].target)} - {ctx.g.label(second[0].target)} = {_number(str(abs(diff)))}"
                              f"{' ' + unit_out if unit_out else ''}", _number(str(abs(diff))), [first[1][2]["evidence"], second[1][2]["evidence"]],  # noqa: E501
                              unit=unit_out)  # fmt: skip
            r = Reading(
                "value", f"difference({ctx.g.label(first[0].target)}, {ctx.g.label(second[0].target)})", [a, b], [item], "", {}, figure=True
            )
            r.explained |= {w.i for w in ctx.words if w.text in _MORE}
            if fa[3] and fa[3] == fb[3]:
                r.bonus += 0.3  # the same period
            r.texts = anchor_texts(ctx, a.target) + anchor_texts(ctx, b.target)
            out.append(r)
    return out


# --- classes related without a named entity -----------------------------------------------------------------


def _class_evidence(ctx: Context, items: list[AnswerItem], props: set[str], other: str | None) -> None:
    """Evidence for answers related to a class: each answer's statements of the relation (with an
    instance of the other class, when one is named)."""
    for it in items:
        for st in ctx.statements(it.iri):
            end = st["o"] if st["s"] == it.iri else st["s"]
            if st["p"] in props and (other is None or ctx.lex.is_a(end, other)) and st["evidence"] not in it.evidence:
                it.evidence.append(st["evidence"])


def class_relations(ctx: Context) -> list[Reading]:
    """'which countries are tariff-hit', 'which models were built by labs that belong to a bigger company':
    members of a class related (one or two hops) to members of other classes."""
    out: list[Reading] = []
    rels = _object_props(ctx)
    for a in ctx.classes:
        for at, prop in rels:
            if not _free(a, at):
                continue
            for b in [c for c in ctx.classes if _free(c, a, at)] or [None]:
                for d in ("out", "in"):
                    pats = ["?s ?p ?ans ." if d == "out" else "?ans ?p ?s .", "?ans a ?cls ."]
                    bind = {"p": _nn(ctx.lex.prop_iri(prop)), "cls": _nn(KGO + a.target)}
                    if b is not None:
                        pats.append("?s a ?cls2 .")
                        bind["cls2"] = _nn(KGO + b.target)
                    uses = [a, at] + ([b] if b else [])
                    sparql = _query(pats)
                    items = _items(ctx, ctx.select(sparql, bind))
                    if items and answer_types_agree(ctx, items):
                        _class_evidence(ctx, items, _family(ctx.lex, prop) | {prop}, b.target if b else None)
                        intent = f"{prop}({'?s' if d == 'out' else '?'}, {'?' if d == 'out' else '?s'}) where ? is a {a.target}"
                        intent += f", ?s a {b.target}" if b else ""
                        out.append(Reading("members", intent, uses, items, sparql, bind, bonus=-0.4))
                    if b is None:
                        continue
                    for at2, prop2 in rels:
                        if not _free(at2, a, at, b):
                            continue
                        for c in [c for c in ctx.classes if _free(c, a, at, b, at2)] or [None]:
                            for d2 in ("out", "in"):
                                pats2 = [*pats, "?s ?q ?z ." if d2 == "out" else "?z ?q ?s ."]
                                bind2 = dict(bind, q=_nn(ctx.lex.prop_iri(prop2)))
                                if c is not None:
                                    pats2.append("?z a ?cls3 .")
                                    bind2["cls3"] = _nn(KGO + c.target)
                                sparql2 = _query(pats2)
                                items2 = _items(ctx, ctx.select(sparql2, bind2))
                                if items2:
                                    intent2 = f"{prop}(?, ?s) where ?s a {b.target} and {prop2}(?s, ?z)" + (
                                        f", ?z a {c.target}" if c else ""
                                    )
                                    out.append(
                                        Reading("members", intent2, uses + [at2] + ([c] if c else []), items2, sparql2, bind2, bonus=-0.5)
                                    )
    return out
