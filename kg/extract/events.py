"""Event proposals for the nlp engine: a meeting, a summit, a launch, a visit, a deal, with the
date, venue and participants the sentence states.

Two shapes of sentence state an event:
- an event noun ("the meeting between X and Y in Beijing on 3 May", "a summit in Paris hosted by
  France", "the launch of Z", "X's visit to Y"), or
- a meeting verb ("X met Y in Beijing on 3 May", "X visited Y", "X held talks with Y").

An event is proposed only when the sentence gives it at least one participant and a date or a
venue, so that a curator can tell it from any other meeting. If the noun is already inside a named
event ("the Paris Summit"), its facts go to that event instead of a new one. Each proposal is an
`entity` item of an Event class (reviewed like any other) plus `fact` items (attendee / host /
party / venue / date), each with the sentence as its quote and `refers` naming the words of the
quote that stand for the event, so `kg review --apply` can keep enforcing the quote-ends rule.

Imported by kg.extract.nlp only (it works on spaCy's parse).
"""

from __future__ import annotations

from kg.iri import slugify

# event noun -> class
NOUNS = {"meeting": "Meeting", "meetings": "Meeting", "talks": "Meeting", "visit": "Meeting", "dialogue": "Meeting",
         "call": "Meeting", "summit": "Summit", "conference": "Summit", "forum": "Summit", "launch": "Launch",
         "ceremony": "Ceremony", "speech": "Speech", "deal": "Deal", "agreement": "Deal"}  # fmt: skip
# meeting verbs (any inflection, by lowercase form) -> class
VERBS = {"meet": "Meeting", "met": "Meeting", "meets": "Meeting", "meeting": "Meeting", "visit": "Meeting", "visited": "Meeting",
         "visits": "Meeting", "visiting": "Meeting", "launch": "Launch", "launched": "Launch", "launches": "Launch"}  # fmt: skip
_HOST_VERBS = {"hold", "held", "holds", "host", "hosted", "hosts", "convene", "convened", "organize", "organized", "organise",
               "organised", "chair", "chaired"}  # fmt: skip
_ATTEND_VERBS = {"attend", "attended", "attends", "join", "joined", "joins"}
_AGENTS = {"Person", "Organization", "Country", "Group"}


def _date_in(tokens, doc, date_of) -> tuple[str, object] | None:
    """The first date (ISO, precision as written) among the DATE entities inside `tokens`."""
    idx = {t.i for t in tokens}
    for ent in doc.ents:
        if ent.label_ == "DATE" and ent.root.i in idx:
            d = date_of(ent.text)
            if d is not None:
                return d, ent
    return None


def _preps(tok, words) -> list:
    return [p for c in tok.children if c.dep_ == "prep" and c.lower_ in words for p in c.children if p.dep_ == "pobj"]


def events(text, blocks, graph, rel, facts, clause, objects, date_of, known_events) -> list[dict]:
    """Adds the event facts to `facts`; returns the new event entities (draft items)."""
    out: list[dict] = []
    taken: set[str] = set(known_events)
    for bi, b in enumerate(blocks):
        if b.heading:
            continue
        doc = b.doc
        for sent in doc.sents:
            for t in sent:
                low = t.lower_
                if t.pos_ in ("NOUN", "PROPN") and low in NOUNS:
                    _noun_event(text, b, bi, sent, t, graph, rel, facts, clause, objects, date_of, out, taken)
                elif t.pos_ == "VERB" and low in VERBS:
                    _verb_event(text, b, bi, sent, t, graph, rel, facts, clause, objects, date_of, out, taken)
    return out


def _agents(ms, rel) -> list:
    return [m for m in ms if rel.kinds(m.types) & _AGENTS]


def _places(ms, rel) -> list:
    return [m for m in ms if "Place" in rel.kinds(m.types)]


def _noun_event(text, b, bi, sent, t, graph, rel, facts, clause, objects, date_of, out, taken) -> None:
    doc = b.doc
    named = graph.of(bi, t)  # "the Paris Summit": an event the article names
    if named is not None and "Event" not in rel.kinds(named.types):
        return
    parts, hosts, venues = [], [], []
    for c in t.children:  # "the Biden-Xi meeting", "China's summit", "X's visit"
        if c.dep_ in ("poss", "compound", "nmod", "amod"):
            m = graph.of(bi, c)
            if m is not None and m is not named:
                (venues if "Place" in rel.kinds(m.types) and c.dep_ != "poss" else parts).append(m)
    for p in _preps(t, ("between", "with", "of", "among", "by")):
        parts += objects(p, graph, bi)
    for p in _preps(t, ("in", "at")):
        venues += _places(objects(p, graph, bi), rel)
    for p in _preps(t, ("to",)):  # "a visit to Beijing": a place is the venue, a person or firm a participant
        ms = objects(p, graph, bi)
        venues += _places(ms, rel)
        parts += _agents([m for m in ms if m not in venues], rel)
    v = t.head
    if t.dep_ in ("dobj", "nsubjpass", "pobj") and v.pos_ == "VERB":
        subs = [m for c in v.children if c.dep_ == "nsubj" for m in objects(c, graph, bi)]
        agents = [m for c in v.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj" for m in objects(p, graph, bi)]
        if v.lower_ in _HOST_VERBS:
            hosts += _agents(subs + agents, rel)
        elif v.lower_ in _ATTEND_VERBS or t.dep_ == "dobj":
            parts += subs
        for p in _preps(v, ("in", "at")):
            venues += _places(objects(p, graph, bi), rel)
        parts += [m for p in _preps(v, ("with", "between")) for m in objects(p, graph, bi)]
    for c in t.children:  # "a summit hosted by France in Paris"
        if c.dep_ == "acl" and c.lower_ in _HOST_VERBS:
            hosts += _agents([m for a in c.children if a.dep_ == "agent" for p in a.children if p.dep_ == "pobj"
                              for m in objects(p, graph, bi)], rel)  # fmt: skip
            for p in _preps(c, ("in", "at")):
                venues += _places(objects(p, graph, bi), rel)
    region = list(t.subtree) + ([*v.subtree] if v.pos_ == "VERB" else [])
    date = _date_in(region, doc, date_of)
    kind = named.types[0] if named is not None else NOUNS[t.lower_]
    if kind in ("Launch",) and not parts:
        parts = [m for c in t.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children for m in objects(p, graph, bi)]
    _propose(text, b, sent, t, kind, named, parts, hosts, venues, date, graph, rel, facts, clause, out, taken)


def _verb_event(text, b, bi, sent, v, graph, rel, facts, clause, objects, date_of, out, taken) -> None:
    subs = [m for c in v.children if c.dep_ == "nsubj" for m in objects(c, graph, bi)]
    objs = [m for c in v.children if c.dep_ == "dobj" for m in objects(c, graph, bi)]
    kind = VERBS[v.lower_]
    hosts: list = []
    made: list = []
    if kind == "Launch":  # "X launched Y": the launch of a product or model, hosted by X
        made = [m for m in objs if rel.kinds(m.types) & {"AIModel", "Product"}]
        if not made:
            return
        parts, venues, hosts = [], [], _agents(subs, rel)
    else:
        venues = _places(objs, rel) if v.lower_.startswith("visit") else []
        parts = _agents(subs, rel) + _agents([m for m in objs if m not in venues], rel)
        parts += _agents([m for p in _preps(v, ("with",)) for m in objects(p, graph, bi)], rel)
    venues += _places([m for p in _preps(v, ("in", "at")) for m in objects(p, graph, bi)], rel)
    date = _date_in(list(v.subtree), b.doc, date_of)
    _propose(text, b, sent, v, kind, None, parts, hosts, venues, date, graph, rel, facts, clause, out, taken, made)


def _unique(ms) -> list:
    seen = []
    for m in ms:
        if all(m is not x for x in seen):
            seen.append(m)
    return seen


def _propose(text, b, sent, t, kind, named, parts, hosts, venues, date, graph, rel, facts, clause, out, taken, made=()) -> None:
    parts = [m for m in _unique(_agents(parts, rel)) if all(m is not h for h in hosts) and m is not named]
    hosts, venues = _unique(hosts), _unique(venues)
    if not (parts or hosts) or not (date or venues or made):
        return  # an event a curator could not tell from another: no participant, or neither date nor venue
    ids = graph.ids
    span = clause(text, b, sent, [t])
    words = t.text  # the quote's words that stand for the event
    if named is not None:
        eid, label = ids[named.start], named.text
    else:
        names = " – ".join(m.text for m in (list(made) or hosts + parts)[:3])
        nouns = {"Meeting": "meeting", "Summit": "summit", "Launch": "launch", "Ceremony": "ceremony", "Speech": "speech", "Deal": "deal"}
        noun = "visit" if t.lower_.startswith("visit") else nouns.get(kind, "event")
        label = f"{names} {noun}" + (f", {date[0]}" if date else "") + (f", {venues[0].text}" if venues else "")
        eid = slugify(label) or "event"
        while eid in taken:
            eid += "-2"
        taken.add(eid)
        s = b.start + t.idx
        out.append({"kind": "entity", "event": True, "id": eid, "type": kind, "label": label, "aliases": [],
                    "why": f"event: {'the noun' if t.pos_ != 'VERB' else 'the verb'} {t.text!r} with its "
                           + ", ".join(x for x, ok in (("participants", parts or hosts), ("date", date), ("venue", venues)) if ok),
                    "quote": text[s : s + len(t.text)], "start": s, "end": s + len(t.text)})  # fmt: skip
    refers = {eid: words} if named is None else {}
    for m in parts:
        prop = "party" if kind == "Deal" else "attendee"
        facts.add_event(eid, kind, prop, m, f"event {label!r}: participant", span, refers)
    for m in hosts:
        facts.add_event(eid, kind, "host", m, f"event {label!r}: host", span, refers)
    for m in venues:
        facts.add_event(eid, kind, "venue", m, f"event {label!r}: venue", span, refers)
    if date:
        facts.add_event(eid, kind, "date", date[0], f"event {label!r}: date", span, refers)
