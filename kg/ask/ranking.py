"""Step 3: rank the candidate readings, and decide whether the best one explains the question.

Features: the question's content words each reading explains (through its entities, relation,
class filter, figure, qualifier), weighted by linking confidence; answer types agreeing with the
question word; the voice of the verb; and, for words no link explains, their overlap with the
evidence quotes and qualifiers of the answers (the sources are a paraphrase resource of their own).
A reading that leaves a content word unexplained is not answered (kg.ask abstains).
"""

from __future__ import annotations

from typing import NamedTuple

from kg.ask.candidates import Reading, may_be, quote_holds, quote_words
from kg.ask.lexicon import plural_base
from kg.ask.linking import Word

# "the two kinds of X", "the three founders": a count word the answers agree with
COUNT_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_KIND_WORDS = {"kind", "kinds", "type", "types", "sort", "sorts", "category", "categories"}
UNEXPLAINED = 1.2  # cost of a content word the reading does not account for
BY_EVIDENCE = 0.5  # a word found only in the answers' quotes counts half


class Ranked(NamedTuple):
    score: float
    reading: Reading
    explained: dict[int, str]  # word index -> what it was read as
    unexplained: list[int]


def rank(readings: list[Reading], words: list[Word], g, links=()) -> list[Ranked]:
    out = [judge(r, words, g, links) for r in readings]
    out.sort(key=lambda x: (-x.score, len(x.reading.uses), x.reading.intent))
    return out


def describe_link(x, g) -> str:
    if x.kind == "entity":
        return f"entity {g.label(x.target)} ({x.via}{'' if x.score >= 1 else f', {x.score:.2f}'})"
    if x.kind == "phrase":
        return f"{x.target.kind} phrase of {x.target.prop}"
    if x.kind == "class":
        return f"class {x.target}"
    return f"{x.kind} {x.target}"


def _adjacent(x, used, words) -> bool:
    """The modifier stands next to a name the reading uses ('the Paris declaration', 'Alibaba's commitment')."""
    for u in used:
        lo, hi = (x.end, u.start) if x.end <= u.start else (u.end, x.start)
        gap = words[lo:hi]
        # "A and B" coordinates two names: B is a second subject, never A's modifier
        if hi - lo >= 0 and all(not w.content for w in gap) and hi - lo <= 2 and not any(w.text in ("and", "or", "nor") for w in gap):
            return True
    return False


def source_names(g) -> dict[str, set[str]]:
    """Each source's publisher and title, folded: a question may name the source its answers come from."""

    def make() -> dict[str, set[str]]:
        rows = g.select(_SOURCES)
        out: dict[str, set[str]] = {}
        for row in rows:
            out.setdefault(row["id"].value, set()).update(row[k].value.lower() for k in ("pub", "title") if k in row)
        return out

    return g.memo("ask-source-names", make)


_SOURCES = """SELECT ?id ?pub ?title WHERE {
  ?s a kgo:Source ; dct:identifier ?id .
  OPTIONAL { ?s dct:publisher ?pub } OPTIONAL { ?s dct:title ?title }
}"""


def passage_author(g, source: str, offset: int) -> str | None:
    """The author of the passage an offset falls in: the last byline (a kgo:author statement) before it."""
    import bisect

    def make() -> dict[str, list[tuple[int, str]]]:
        out: dict[str, list[tuple[int, str]]] = {}
        for row in g.select(_BYLINES):
            out.setdefault(row["src"].value.rsplit("/", 1)[-1], []).append((int(row["start"].value), row["a"].value))
        return {k: sorted(v) for k, v in out.items()}

    lines = g.memo("ask-bylines", make).get(source, [])
    k = bisect.bisect_right(lines, (offset, "\uffff")) - 1
    return lines[k][1] if k >= 0 else None


_BYLINES = """SELECT ?src ?start ?a WHERE {
  ?st a kgo:Statement ; rdf:predicate kgo:author ; rdf:object ?a ; prov:wasDerivedFrom ?src ; kgo:startOffset ?start .
}"""


def _lex(g):
    from kg.ask import _memo

    return _memo(g)[0]


def g_is_a(g, iri: str, cls: str) -> bool:
    return _lex(g).is_a(iri, cls)


def _names(g, iri: str) -> set[str]:
    e = g.entity(iri) if iri else {}
    return {n.lower() for n in [e.get("label", ""), *e.get("aliases", [])] if n}


def judge(r: Reading, words: list[Word], g, links=()) -> Ranked:
    explained: dict[int, str] = {}
    score = r.bonus
    for x in r.uses:
        for i in x.span:
            if i not in explained:
                explained[i] = describe_link(x, g)
                if words[i].content:
                    score += x.score
    for i in r.explained:
        explained.setdefault(i, "the answer's type")
    quoted = quote_words(r.texts) if r.texts else set()
    labels = [quote_words([i.label]) for i in r.answers if i.iri]
    used_entities = [x for x in r.uses if x.kind == "entity"]
    modifiers = {
        i: x for x in links if x.kind == "entity" and x.target in r.neighbours and _adjacent(x, used_entities, words) for i in x.span
    }
    sources = {e.source for i in r.answers for e in i.evidence}
    if sources:  # "the traditional industries the a/symmetric essay names": the publisher of the answers' evidence
        published = source_names(g)
        names = set.union(*(published.get(s, set()) for s in sources))
        writers = [passage_author(g, e.source, e.start) for i in r.answers for e in i.evidence]
        for x in links:
            if x.kind != "entity" or x.score < 0.6:
                continue
            # the source by name, or the writer of the passage every answer's evidence comes from ("does Pan compare")
            if (x.score >= 0.9 and _names(g, x.target) & names) or (writers and all(w == x.target for w in writers)):
                modifiers.update({i: x for i in x.span if i not in modifiers})
    for x in links:  # "whose executive order is the Outbound Investment Order": the class word of a name it stands by
        if x.kind == "class" and x not in r.uses and any(_adjacent(x, [u], words) and g_is_a(g, u.target, x.target) for u in used_entities):
            modifiers.update({i: x for i in x.span if i not in modifiers})
    for x in links:  # "what did Macron say at the summit": the class of an event the anchor is linked to
        if x.kind == "class" and x not in r.uses and x.start >= 2 and r.neighbours:
            before = [w.text for w in words[max(0, x.start - 2) : x.start]]
            if (
                before
                and before[0] in ("at", "during", "in")
                and before[-1] in ("the", "a", "at", "during", "in")
                and any(g_is_a(g, n, x.target) and g_is_a(g, n, "Event") for n in r.neighbours)
            ):
                modifiers.update({i: x for i in x.span if i not in modifiers})
    used_props = {x.target.prop for x in r.uses if x.kind == "phrase"}
    # a word that names another relation ("spoke" when the reading is about attending) is never explained by a quote
    other_relation = {
        i for x in links if x.kind == "phrase" and x.target.kind != "value" and x.target.prop not in used_props for i in x.span
    }
    unexplained = []
    for w in words:
        if not w.content or w.i in explained:
            continue
        if w.i in modifiers:  # a name of something the anchor is linked to: a modifier ("the Paris declaration")
            m = modifiers[w.i]
            explained[w.i] = f"modifier: {g.label(m.target) if m.kind == 'entity' else 'class ' + m.target}"
            score += BY_EVIDENCE
            continue
        if (
            w.text in _KIND_WORDS
            and w.i + 2 < len(words)
            and words[w.i + 1].text == "of"
            # the reading's class words come from the links
            and any(u.kind == "class" and u.start == w.i + 2 and (u in r.uses or w.i + 2 in explained) for u in links)
        ):  # "how many kinds of goods": the class asked for, in other words
            explained[w.i] = "the class asked for"
            continue
        n = COUNT_WORDS.get(w.text, int(w.text) if w.text.isdigit() and len(w.text) <= 2 else None)
        if n is not None and r.answers and not r.figure and r.verdict is None and len(r.answers) == n:
            explained[w.i] = f"the number of answers ({n})"
            score += BY_EVIDENCE
            continue
        if labels and all({w.text, plural_base(w.text)} & lw for lw in labels):  # "what kind of LLMs" -> "smaller LLMs"
            explained[w.i] = "the answers' name"
            score += BY_EVIDENCE
            continue
        if w.i in other_relation and not r.paraphrase:
            unexplained.append(w.i)
            score -= UNEXPLAINED
            continue
        if quoted and quote_holds(w, quoted):
            explained[w.i] = "a word of the evidence"
            score += BY_EVIDENCE
            continue
        unexplained.append(w.i)
        score -= UNEXPLAINED
    # "which model ...": answers that are not models answer another question, whatever else the words fit
    # (a class the reading uses for something else, "?s a Country" for "which countries", counts too)
    asked = [x for x in links if x.kind == "class" and x.start == 1 and words[0].text in ("which", "what")]
    for x in asked:
        ents = [i.iri for i in r.answers if i.iri]
        if ents and not r.figure and r.verdict is None and not any(may_be(_lex(g), e, x.target) for e in ents):
            for i in x.span:
                if i in explained and i not in unexplained:
                    del explained[i]
                    unexplained.append(i)
                    score -= UNEXPLAINED + BY_EVIDENCE
    if r.shape == "check" and r.verdict == "no":
        score -= 0.05
    return Ranked(round(score, 3), r, explained, unexplained)
