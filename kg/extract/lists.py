"""Dependency patterns for list-keeping policies and for what a sentence says of two parties at once.

- "BIS added 11 entities to the Entity List, under the destination of the PRC": whoever adds to,
  expands, amends or modifies a policy keeps it (issued by), and what is added, with the places it
  is "in" or "under the destination of", is what the policy targets; "the additions to the Entity
  List, such as X and Y" targets X and Y. Removing names from a list does not target them.
- "The United States and India share a commitment to ... cooperation": conjoined subjects of a
  clause about cooperation are partners.
- "Indian entities X, Y and Z": a nationality word on a kind noun gives the names in apposition
  their country.

Every fact goes through kg.extract.nlp._Facts.add, which checks the property's domain and range.
"""

from __future__ import annotations

from kg.text import stem as stem_of

_ADD = {stem_of(w) for w in ("add", "added", "adding", "adds", "expand", "expanded", "expanding", "expands", "place", "placed")}
_KEEP = _ADD | {
    stem_of(w)
    for w in ("amend", "amended", "amends", "amending", "modify", "modified", "modifies", "modifying", "revise", "revised", "revises",
              "update", "updated", "updates", "remove", "removed", "removes", "removing")
}  # fmt: skip
_ADDITION = {"addition", "additions"}
# how a list names what it adds: "entities in the PRC", "under the destination of Russia", "such as X"
_NAMING_PREPS = {"in", "from", "under", "of", "as", "including", "like", "to"}
_NAMING_DEPS = {"pobj", "appos", "conj", "prep", "amod", "nmod", "compound", "poss"}
_COOPERATION = {"cooperation", "collaboration", "partnership", "alliance", "cooperate", "collaborate", "partner"}
_KIND_NOUNS = {"entity", "entities", "company", "companies", "firm", "firms", "organization", "organizations", "organisation",
               "organisations", "institution", "institutions", "party", "parties", "laboratories", "labs", "universities"}  # fmt: skip


def _named(tok, graph, bi: int, depth: int = 0) -> list:
    """The mentions a noun phrase names through the ways a list names things (its own mention,
    appositions, conjuncts, "in / under the destination of / such as" phrases); not through verbs."""
    out, stack, seen = [], [(tok, 0)], set()
    while stack:
        t, d = stack.pop()
        if t.i in seen or d > 6:
            continue
        seen.add(t.i)
        m = graph.of(bi, t)
        if m is not None and all(m is not x for x in out):
            out.append(m)
        for c in t.children:
            if c.dep_ == "prep" and c.lower_ not in _NAMING_PREPS:
                continue
            if c.dep_ in _NAMING_DEPS or (c.dep_ == "amod" and c.lower_ == "such"):
                stack.append((c, d + 1))
    return out


def _subject_phrase(v, graph, bi: int, rel, nlp) -> list:
    """Who does v: its subjects; else the highest mentions inside its subject phrase (a misparsed
    dateline "Washington, D.C. - Today, the ... Bureau (BIS) added ..."); else, for "a rule that
    expands X", the subject of the verb the rule is the object of ("BIS published a rule that ...")."""
    subs, passive = nlp._subjects(v, graph, bi)
    if passive:
        subs = [m for c in v.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj" for m in nlp._objects(p, graph, bi)]
    doers = [m for m in subs if rel.kinds(m.types) & {"Organization", "Person", "Country", "Group"}]
    if doers:
        return doers
    phrase = [c for c in v.children if c.dep_ == "nsubj"]
    if not phrase:  # a dateline parsed as the verb's modifier: "WASHINGTON, D.C. - Today, the ... Bureau published ..."
        phrase = [c for c in v.children if c.dep_ == "npadvmod" and c.i < v.i]
    for c in phrase:
        ranked = sorted(((len(list(t.ancestors)), graph.of(bi, t)) for t in c.subtree if graph.of(bi, t) is not None),
                        key=lambda x: x[0])  # fmt: skip
        ranked = [(d, m) for d, m in ranked if rel.kinds(m.types) & {"Organization", "Person", "Country", "Group"}]
        if ranked:
            return [m for d, m in ranked if d == ranked[0][0]]
    if v.dep_ == "relcl" and graph.of(bi, v.head) is None and v.head.dep_ == "dobj" and v.head.head.pos_ == "VERB":
        return _subject_phrase(v.head.head, graph, bi, rel, nlp)
    return []


def _policies(v, graph, bi: int, rel, nlp) -> list:
    out = []
    for c in v.children:
        nouns = []
        if c.dep_ in ("dobj", "nsubjpass"):
            nouns.append(c)
            nouns += [q for p in c.children if p.dep_ == "prep" and p.lower_ in ("on", "to", "in") for q in p.children if q.dep_ == "pobj"]
        elif c.dep_ == "prep" and c.lower_ in ("to", "on", "from"):
            nouns += [q for q in c.children if q.dep_ == "pobj"]
        for n in nouns:
            out += [m for m in nlp._objects(n, graph, bi) if "Policy" in rel.kinds(m.types)]
    return out


def _added(v, graph, bi: int, rel, nlp, policies: list) -> list:
    """What an adding verb adds: its object (or passive subject) and the places that phrase names,
    its "under the destination of X", and the object of a "by adding ..." that goes with it."""
    nouns = [c for c in v.children if c.dep_ in ("dobj", "nsubjpass")]
    nouns += [q for c in v.children if c.dep_ == "prep" and c.lower_ == "under" for q in c.children if q.dep_ == "pobj"]
    governing = [v]
    if v.dep_ == "relcl" and v.head.head.pos_ == "VERB":  # "published a rule that expands X by adding ..."
        governing.append(v.head.head)
    for g in governing:
        for c in g.children:
            if c.dep_ == "prep" and c.lower_ == "by":
                for p in c.children:
                    if p.dep_ == "pcomp" and stem_of(p.lower_) in _ADD:
                        nouns += [d for d in p.children if d.dep_ == "dobj"]
    out = []
    for n in nouns:
        for m in _named(n, graph, bi):
            if "Policy" not in rel.kinds(m.types) and all(m is not x for x in out) and all(m is not p for p in policies):
                out.append(m)
    return out


def _counted(n) -> tuple[str, str] | None:
    """("11", "entities") for "11 entities" / "the 11 entities": a counted noun phrase, to find it again."""
    num = next((c.lower_ for c in n.children if c.dep_ == "nummod"), None)
    return (num, n.lower_) if num else None


def _destinations(text, b, bi, sent, v, graph, rel, facts, nlp, added: dict) -> None:
    """ "The 11 entities are under the destinations of X, Y and Z", after "BIS added 11 entities to the
    Entity List": the counted noun phrase is the one added before, so its destinations are the list's targets."""
    key = next((_counted(c) for c in v.children if c.dep_ in ("nsubj", "nsubjpass") and _counted(c)), None)
    if key is None or key not in added:
        return
    unders = [c for c in v.children if c.dep_ == "prep" and c.lower_ == "under"]
    if not unders:
        return
    places = [m for u in unders for q in u.children if q.dep_ == "pobj" for m in _named(q, graph, bi)]
    # "the PRC (6), Russia (3), and the UAE (2)": parenthesised counts break the list's parse; the names the
    # verb is left with after the "under" phrase continue it
    places += [m for c in v.children if c.dep_ == "npadvmod" and c.i > unders[0].i for m in _named(c, graph, bi)]
    span = nlp._clause(text, b, sent, [v])
    for x in places:
        if rel.kinds(x.types) & {"Country", "Place", "Organization"}:
            for p in added[key]:
                facts.add(p, "targets", x, f"'the {key[0]} {key[1]}' added to the list before, under the destination of X", span)


def list_policies(text: str, blocks: list, graph, rel, facts, nlp) -> None:
    added: dict[tuple[str, str], list] = {}  # a counted noun phrase added to policies -> the policies
    for bi, b in enumerate(blocks):
        for sent in b.doc.sents:
            for t in sent:
                if t.pos_ in ("VERB", "AUX") and added:
                    _destinations(text, b, bi, sent, t, graph, rel, facts, nlp, added)
                if t.pos_ == "VERB" and stem_of(t.lower_) in _KEEP and not any(c.dep_ == "neg" for c in t.children):
                    policies = _policies(t, graph, bi, rel, nlp)
                    if not policies:
                        continue
                    if stem_of(t.lower_) in _ADD:
                        for c in t.children:
                            if c.dep_ in ("dobj", "nsubjpass") and _counted(c):
                                added[_counted(c)] = policies
                    span = nlp._clause(text, b, sent, [t])
                    for keeper in _subject_phrase(t, graph, bi, rel, nlp):
                        for p in policies:
                            if keeper is not p:
                                facts.add(p, "issuedBy", keeper, f"verb {t.lower_!r}: who adds to or amends a policy keeps it", span)
                    if stem_of(t.lower_) in _ADD:
                        for x in _added(t, graph, bi, rel, nlp, policies):
                            if rel.kinds(x.types) & {"Organization", "Country", "Place", "Product", "Person", "Group"}:
                                for p in policies:
                                    facts.add(p, "targets", x, f"verb {t.lower_!r}: what is added to a list is its target", span)
                elif t.pos_ == "NOUN" and t.lower_ in _ADDITION:  # "the additions to the Entity List, such as X and Y"
                    to = [q for c in t.children if c.dep_ == "prep" and c.lower_ == "to" for q in c.children if q.dep_ == "pobj"]
                    policies = [m for q in to for m in nlp._objects(q, graph, bi) if "Policy" in rel.kinds(m.types)]
                    span = nlp._clause(text, b, sent, [t])
                    for x in _named(t, graph, bi):
                        if all(x is not p for p in policies) and rel.kinds(x.types) & {"Organization", "Country", "Product", "Group"}:
                            for p in policies:
                                facts.add(p, "targets", x, "'the additions to a list (such as X)'", span)
                if t.pos_ in ("VERB", "AUX"):
                    _partners(text, b, bi, sent, t, graph, rel, facts, nlp)
                if t.pos_ == "NOUN" and t.lower_ in _KIND_NOUNS:
                    _nationality(text, b, bi, sent, t, graph, rel, facts, nlp)


def _partners(text, b, bi, sent, v, graph, rel, facts, nlp) -> None:
    """Conjoined subjects of a clause about cooperation: "X and Y share a commitment to ... cooperation"."""
    subs = [c for c in v.children if c.dep_ == "nsubj"]
    if not subs:
        return
    parties = [m for m in (graph.of(bi, x) for x in [subs[0], *subs[0].conjuncts]) if m is not None]
    parties = [m for i, m in enumerate(parties) if all(m is not x for x in parties[:i])]
    if len(parties) < 2 or any(c.dep_ == "neg" for c in v.children):
        return
    words = {stem_of(v.lower_)} | {stem_of(t.lower_) for c in v.children if c.dep_ in ("dobj", "prep", "xcomp") for t in c.subtree}
    if not words & {stem_of(w) for w in _COOPERATION}:
        return
    span = nlp._clause(text, b, sent, [v])
    for i, x in enumerate(parties):
        for y in parties[i + 1 :]:
            facts.add(x, "partner", y, "conjoined subjects of a clause about cooperation", span)


def _nationality(text, b, bi, sent, t, graph, rel, facts, nlp) -> None:
    """ "Indian entities X, Y and Z": the nationality word names the country of the names in apposition."""
    country = next((graph.demonym(bi, c) for c in t.children if c.dep_ == "amod" and graph.demonym(bi, c)), None)
    if country is None:
        return
    names, stack = [], [c for c in t.children if c.dep_ == "appos"]
    if t.dep_ == "compound":  # "Canadian entities Polar Metrics Institute and X": the kind noun parsed into the first name
        stack.append(t.head)
    while stack:
        x = stack.pop()
        m = graph.of(bi, x)
        if m is not None and m is not country and all(m is not n for n in names):
            names.append(m)
        stack += [c for c in x.children if c.dep_ in ("appos", "conj")]
    span = nlp._clause(text, b, sent, [t])
    for m in names:
        if rel.kinds(m.types) & {"Organization", "Person", "Product", "AIModel"} or "Country" not in rel.kinds(m.types):
            facts.add(m, "country", country, "a nationality word on the kind noun the names stand in apposition to", span)
