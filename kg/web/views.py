"""What the pages of `kg serve` show, as plain data: one function per page, over a built graph.

Every query here is fixed text with values bound (never spliced); structures that every page
needs (per-entity statement counts and sources, the source records) are computed once per served
generation and kept on the graph (`KnowledgeGraph.memo`), so a page costs a few lookups and one
bounded query. The HTML is made from these dicts by kg.web.pages.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kg import iri
from kg.graph import KnowledgeGraph

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
PAGE_SIZE = 50
# Statement properties shown as the fact itself or its evidence; every other one is a qualifier.
_FIXED = {RDF + "subject", RDF + "predicate", RDF + "object", RDF + "type", iri.term("evidence"), iri.term("startOffset"),
          iri.term("endOffset"), "http://www.w3.org/ns/prov#wasDerivedFrom", "http://www.w3.org/ns/prov#value"}  # fmt: skip
_SOURCE_FIELDS = [("title", DCT + "title"), ("publisher", DCT + "publisher"), ("date", DCT + "date"), ("url", SCHEMA + "url"),
                  ("description", DCT + "description"), ("file", DCT + "source"), ("sha256", iri.term("sha256"))]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Terms


def short_id(term: str) -> str:
    """The local id of an entity or source IRI (the part the page paths use)."""
    for base in (iri.ENTITY, iri.SOURCE):
        if term.startswith(base):
            return term[len(base) :]
    return term


def statement_key(st: str) -> str:
    """The anchor of a statement on its source page (the content digest ending its IRI)."""
    return "st-" + st.rsplit("/", 1)[-1]


def prop_label(g: KnowledgeGraph, p: str) -> str:
    """A property's label from the ontology, else its local name."""
    local = p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    if p.startswith(iri.ONTOLOGY):
        return g.lexicon["properties"].get(local, {}).get("label", local)
    return {SKOS + "editorialNote": "note", SKOS + "broader": "broader", SKOS + "narrower": "narrower",
            SKOS + "inScheme": "in scheme", SKOS + "topConceptOf": "top concept of", SKOS + "hasTopConcept": "top concept",
            SKOS + "altLabel": "also known as", SKOS + "prefLabel": "label", SKOS + "definition": "definition",
            "http://www.w3.org/2000/01/rdf-schema#label": "label", "http://www.w3.org/2000/01/rdf-schema#comment": "comment",
            RDF + "type": "type"}.get(p, local)  # fmt: skip


def value(g: KnowledgeGraph, term) -> dict:
    """A term for a page: {label, href?, datatype?, lang?}; entities and sources link to their pages."""
    kind = type(term).__name__
    if kind == "NamedNode":
        v = term.value
        if v in g.lexicon["entities"]:
            return {"label": g.label(v), "href": "/entity/" + short_id(v), "iri": v}
        if v.startswith(iri.SOURCE):
            rec = sources(g).get(short_id(v))
            return {"label": rec["title"] if rec else short_id(v), "href": "/source/" + short_id(v), "iri": v}
        if v.startswith(iri.ENTITY):
            return {"label": short_id(v), "href": "/entity/" + short_id(v), "iri": v}
        if v.startswith(iri.ONTOLOGY):
            local = v[len(iri.ONTOLOGY) :]
            if local in g.lexicon["classes"]:
                return {"label": g.lexicon["classes"][local]["label"], "href": "/class/" + local, "iri": v}
            return {"label": g.label(v), "iri": v}
        return {"label": v, "iri": v, "href": v if v.startswith(("http://", "https://")) else None}
    if kind == "BlankNode":
        return {"label": "_:" + term.value}
    dt = term.datatype.value if term.datatype else ""
    out = {"label": term.value}
    if term.language:
        out["lang"] = term.language
    elif dt and dt not in (XSD + "string", RDF + "langString"):
        out["datatype"] = dt.rsplit("#", 1)[-1]
    return out


# ---------------------------------------------------------------------------------------------
# Per-generation structures


def _memo(g: KnowledgeGraph, name: str, make):
    """g.memo, computed once even when several page threads (or the start-up warm-up) ask at once."""
    import threading

    locks = g.__dict__.setdefault("_web_locks", {})
    with locks.setdefault(name, threading.Lock()):
        return g.memo(name, make)


def made(g: KnowledgeGraph, name: str):
    """The structure or page `name` if it is already made for this generation, else None (never makes it)."""
    return g.__dict__.get("_memo", {}).get(name)


def sources(g: KnowledgeGraph) -> dict[str, dict]:
    """Every source: id -> {id, iri, title, publisher, date, url, description, file, sha256, statements, mentions}."""
    return _memo(g, "web-sources", lambda: _sources(g))


def _sources(g: KnowledgeGraph) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in g.select("SELECT ?s ?p ?o WHERE { ?s a kgo:Source ; ?p ?o FILTER(!isBlank(?o)) }"):
        sid = short_id(r["s"].value)
        rec = out.setdefault(sid, {"id": sid, "iri": r["s"].value, "statements": 0, "mentions": 0, "entities": 0})
        for name, p in _SOURCE_FIELDS:
            if r["p"].value == p and name not in rec:
                rec[name] = r["o"].value
    counts = "SELECT ?src (COUNT(?st) AS ?n) WHERE { ?st a kgo:%s ; prov:wasDerivedFrom ?src } GROUP BY ?src"
    for field, kind in (("statements", "Statement"), ("mentions", "Mention")):
        for r in g.select(counts % kind):  # two fixed class names, no outside text
            rec = out.get(short_id(r["src"].value))
            if rec is not None:
                rec[field] = int(r["n"].value)
    for srcs in entity_sources(g).values():
        for sid in srcs:
            if sid in out:
                out[sid]["entities"] += 1
    for rec in out.values():
        rec.setdefault("title", rec["id"])
    return dict(sorted(out.items(), key=lambda kv: kv[1]["title"].lower()))


def entity_sources(g: KnowledgeGraph) -> dict[str, set[str]]:
    """Entity IRI -> ids of the sources that state a fact about it or mention it."""
    return _memo(g, "web-entity-sources", lambda: _entity_stats(g)[1])


def entity_facts(g: KnowledgeGraph) -> dict[str, int]:
    """Entity IRI -> number of statements with it as subject or object."""
    return _memo(g, "web-entity-facts", lambda: _entity_stats(g)[0])


def _entity_stats(g: KnowledgeGraph) -> tuple[dict[str, int], dict[str, set[str]]]:
    def make():
        facts: dict[str, int] = {}
        srcs: dict[str, set[str]] = {}
        # one grouped query per side: the UNION of both took twice as long (1M triples: 27 s against 13 s)
        for side in ("rdf:subject", "rdf:object"):  # fixed words, no outside text
            q = f"SELECT ?x ?src (COUNT(*) AS ?n) WHERE {{ ?st {side} ?x ; prov:wasDerivedFrom ?src }} GROUP BY ?x ?src"
            for r in g.select(q):
                x = r["x"].value
                facts[x] = facts.get(x, 0) + int(r["n"].value)
                srcs.setdefault(x, set()).add(short_id(r["src"].value))
        for r in g.select("SELECT DISTINCT ?x ?src WHERE { ?m kgo:mentionOf ?x ; prov:wasDerivedFrom ?src }"):
            srcs.setdefault(r["x"].value, set()).add(short_id(r["src"].value))
        return facts, srcs

    return _memo(g, "web-entity-stats", make)


def warm(g: KnowledgeGraph, folders: list[Path] | tuple[Path, ...] = (), generation: str | None = None) -> None:
    """Computes the per-generation structures now (the server calls it when it opens a build,
    before it listens or switches to it). With `generation` (the build's name, shown in the page
    footer) it also makes the page of every source whose text is at hand in `folders`: marking
    its 500-800 quotes took 60-150 ms a page, 0.5-1 s under load on the first visit."""
    from kg.web.pages import compile_templates, source_page

    sources(g)
    entity_facts(g)
    class_members(g)
    entity_classes(g)
    compile_templates()  # once per process: about 200 ms that the first visit of each page kind paid
    if generation is not None:
        for sid, rec in sources(g).items():
            if source_text(rec, list(folders))[0] is not None:
                source_page(g, sid, list(folders), generation)


# ---------------------------------------------------------------------------------------------
# Classes


def class_tree(g: KnowledgeGraph) -> dict[str, dict]:
    """Class name -> {label, parent, depth}: the parent is the most specific proper ancestor."""
    classes = g.lexicon["classes"]
    out = {}
    for name, c in classes.items():
        proper = [a for a in c.get("ancestors", [name]) if a != name and a in classes]
        parent = max(proper, key=lambda a: len(classes[a].get("ancestors", []))) if proper else None
        out[name] = {"label": c.get("label", name), "parent": parent, "depth": len(proper)}
    return out


def class_members(g: KnowledgeGraph) -> dict[str, list[str]]:
    """Class name -> entity IRIs typed with it or a subclass (from the lexicon, no query)."""

    def make():
        classes = g.lexicon["classes"]
        out: dict[str, list[str]] = {}
        for x, e in g.lexicon["entities"].items():
            for a in {a for t in e["types"] for a in classes.get(t, {}).get("ancestors", [t])}:
                out.setdefault(a, []).append(x)
        return out

    return _memo(g, "web-class-members", make)


def entity_classes(g: KnowledgeGraph) -> dict[str, frozenset[str]]:
    """Entity IRI -> every class it belongs to (its types and their superclasses)."""

    def make():
        classes = g.lexicon["classes"]
        ents = g.lexicon["entities"]
        return {x: frozenset(a for t in e["types"] for a in classes.get(t, {}).get("ancestors", [t])) for x, e in ents.items()}

    return _memo(g, "web-entity-classes", make)


class _Sorted:
    """A few sorted member lists, the least recently used dropped first."""

    def __init__(self, size: int = 64) -> None:
        import threading
        from collections import OrderedDict

        self.size, self.lists, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make) -> list[str]:
        with self.lock:
            if key in self.lists:
                self.lists.move_to_end(key)
                return self.lists[key]
        value = make()
        with self.lock:
            self.lists[key] = value
            while len(self.lists) > self.size:
                self.lists.popitem(last=False)
        return value


def _sorted_cache(g: KnowledgeGraph) -> _Sorted:
    return _memo(g, "web-class-sorted", _Sorted)


def class_counts(g: KnowledgeGraph) -> list[dict]:
    """The home page's class list: classes with members, as a tree in order (depth for indenting)."""
    members = class_members(g)
    tree = class_tree(g)
    children: dict[str | None, list[str]] = {}
    for name, c in tree.items():
        if members.get(name):
            children.setdefault(c["parent"], []).append(name)
    out: list[dict] = []

    def walk(parent: str | None, depth: int) -> None:
        for name in sorted(children.get(parent, []), key=lambda n: (-len(members[n]), n)):
            out.append({"name": name, "label": tree[name]["label"], "count": len(members[name]), "depth": depth})
            walk(name, depth + 1)

    walk(None, 0)
    return out


SORTS = ("label", "type", "facts", "sources")


def class_view(g: KnowledgeGraph, name: str, *, page: int = 1, size: int = PAGE_SIZE, sort: str = "label",
               desc: bool = False, source: str | None = None, sub: str | None = None, limit: int | None = None) -> dict:  # fmt: skip
    """One page of a class: rows, facets (by source and by subclass, with counts) and paging.

    `source`/`sub` filter; facet counts are over the class narrowed by the *other* filter, as in
    faceted search. `limit` None gives one page; downloads pass the whole filtered view."""
    members = class_members(g).get(name, [])
    tree = class_tree(g)
    ents = g.lexicon["entities"]
    srcs = entity_sources(g)
    facts = entity_facts(g)
    classes = g.lexicon["classes"]
    kinds = entity_classes(g)
    sort = sort if sort in SORTS else "label"

    def direct(x: str) -> list[str]:
        return [t for t in ents[x]["types"] if name in classes.get(t, {}).get("ancestors", [t])]

    below = {t for t in tree if t != name and name in classes.get(t, {}).get("ancestors", [])}
    by_source: dict[str, int] = {}
    by_sub: dict[str, int] = {}
    empty: frozenset = frozenset()
    for x in members:  # facet counts: each over the class narrowed by the other filter
        ks = kinds[x]
        xs = srcs.get(x, empty)
        if sub is None or sub in ks:
            for s in xs:
                by_source[s] = by_source.get(s, 0) + 1
        if source is None or source in xs:
            for t in ks & below:
                by_sub[t] = by_sub.get(t, 0) + 1

    def ordered() -> list[str]:
        keys = {
            "label": lambda x: ents[x]["label"].lower(),
            "type": lambda x: (", ".join(sorted(direct(x))).lower(), ents[x]["label"].lower()),
            "facts": lambda x: (facts.get(x, 0), ents[x]["label"].lower()),
            "sources": lambda x: (len(srcs.get(x, empty)), ents[x]["label"].lower()),
        }
        return sorted(members, key=keys[sort], reverse=desc)

    # the sorted class is kept (per generation); filtering keeps its order
    rows = _sorted_cache(g).get((name, sort, desc), ordered)
    if sub is not None or source is not None:
        rows = [x for x in rows if (sub is None or sub in kinds[x]) and (source is None or source in srcs.get(x, empty))]
    total = len(rows)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    chosen = rows if limit is not None else rows[(page - 1) * size : page * size]
    if limit is not None:
        chosen = chosen[:limit]
    titles = sources(g)
    return {
        "name": name,
        "label": tree[name]["label"],
        "parent": tree[name]["parent"],
        "total": total,
        "all": len(members),
        "page": page,
        "pages": pages,
        "size": size,
        "sort": sort if sort in SORTS else "label",
        "desc": desc,
        "source": source,
        "sub": sub,
        "rows": [
            {
                "iri": x,
                "id": ents[x]["id"],
                "label": ents[x]["label"],
                "types": direct(x),
                "facts": facts.get(x, 0),
                "sources": sorted(srcs.get(x, ())),
                "description": ents[x].get("description") or "",
            }  # fmt: skip
            for x in chosen
        ],
        "facet_sources": [
            {"id": s, "title": titles[s]["title"] if s in titles else s, "count": n}
            for s, n in sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))
        ],  # fmt: skip
        "facet_subclasses": [
            {"name": t, "label": tree[t]["label"] if t in tree else t, "count": n}
            for t, n in sorted(by_sub.items(), key=lambda kv: (-kv[1], kv[0]))
        ],  # fmt: skip
    }


# ---------------------------------------------------------------------------------------------
# Entities

# Every triple of every statement about the entity, in one query that starts from the entity (the
# rdf:subject / rdf:object lookups); the fact, its evidence and its qualifiers are read from the rows.
# (A query for the facts and another for the qualifiers cost twice as much.)
_STATEMENTS = """SELECT ?x ?st ?dir ?p ?o WHERE {
  { ?st rdf:subject ?x BIND("out" AS ?dir) } UNION { ?st rdf:object ?x BIND("in" AS ?dir) } ?st ?p ?o }"""
_P_PREDICATE, _P_SUBJECT, _P_OBJECT = RDF + "predicate", RDF + "subject", RDF + "object"
_P_SOURCE, _P_QUOTE = "http://www.w3.org/ns/prov#wasDerivedFrom", iri.term("evidence")
_P_START, _P_END = iri.term("startOffset"), iri.term("endOffset")
_OTHER = """SELECT ?x ?g ?p ?o WHERE { GRAPH ?g { ?x ?p ?o } }"""
_LINKS = """SELECT DISTINCT ?x ?s ?p WHERE { ?s ?p ?x FILTER(isIRI(?s))
  FILTER NOT EXISTS { ?s a kgo:Statement } FILTER NOT EXISTS { ?s a kgo:Mention } } LIMIT 2000"""
_MENTIONS = """SELECT ?x ?m ?src ?quote ?start ?end WHERE {
  ?m kgo:mentionOf ?x ; prov:wasDerivedFrom ?src . OPTIONAL { ?m kgo:evidence ?quote }
  OPTIONAL { ?m kgo:startOffset ?start } OPTIONAL { ?m kgo:endOffset ?end } }"""
_SHOWN_ELSEWHERE = {RDF + "type", "http://www.w3.org/2000/01/rdf-schema#label", SKOS + "prefLabel", SKOS + "altLabel",
                    DCT + "description", SCHEMA + "name", SCHEMA + "description", SCHEMA + "alternateName"}  # fmt: skip


def _solutions(g: KnowledgeGraph, sparql: str, bindings: dict):
    """The query's solutions as Oxigraph gives them (each unpacks into its variables, in the
    SELECT's order), over the same dataset and prefixes as KnowledgeGraph.select."""
    import pyoxigraph as ox

    from kg.graph import PREFIXES

    subs = {ox.Variable(k): v for k, v in bindings.items()}
    return g.store.query(sparql, use_default_graph_as_union=True, substitutions=subs, prefixes=PREFIXES)


def _int(term) -> int | None:
    return int(term.value) if term is not None else None


def entity_view(g: KnowledgeGraph, x: str) -> dict:
    """An entity's page: statements grouped by property (with qualifiers and evidence), other data
    from the entities graph, what links here, and mentions by source."""
    import pyoxigraph as ox

    node = ox.NamedNode(x)
    titles = sources(g)
    e = g.lexicon["entities"].get(x) or {"id": short_id(x), "label": short_id(x), "types": [], "aliases": []}
    triples: dict[tuple[str, str], dict[str, list]] = {}  # (direction, statement) -> property -> values, in row order
    for _, st, direction, p, o in _solutions(g, _STATEMENTS, {"x": node}):  # ~50 rows: unpacked, not wrapped in Rows
        triples.setdefault((direction.value, st.value), {}).setdefault(p.value, []).append(o)
    quals: dict[str, list[tuple[str, dict]]] = {}
    for (_, st), props_of in triples.items():
        for qp, vs in props_of.items():
            if qp not in _FIXED:
                quals.setdefault(st, []).extend((prop_label(g, qp), value(g, v)) for v in vs)
    groups: dict[tuple[str, str], dict] = {}
    for (direction, st), props_of in triples.items():
        other = props_of.get(_P_OBJECT if direction == "out" else _P_SUBJECT)
        if not (other and _P_PREDICATE in props_of and _P_SOURCE in props_of):  # not a whole statement
            continue
        p = props_of[_P_PREDICATE][0].value
        grp = groups.setdefault((direction, p), {"direction": direction, "property": p, "facts": {}})
        sid = short_id(props_of[_P_SOURCE][0].value)
        quote, start, end = (props_of.get(k, (None,))[0] for k in (_P_QUOTE, _P_START, _P_END))
        grp["facts"][st] = {
            "statement": st,
            "anchor": statement_key(st),
            "value": value(g, other[0]),
            "qualifiers": sorted(quals.get(st, []), key=lambda q: q[0]),
            "quote": quote.value if quote is not None else "",
            "source": sid,
            "source_title": titles[sid]["title"] if sid in titles else sid,
            "start": _int(start),
            "end": _int(end),
        }
    relations = []
    props = g.lexicon["properties"]
    for (direction, p), grp in sorted(groups.items(), key=lambda kv: (kv[0][0] != "out", prop_label(g, kv[0][1]))):
        local = p.rsplit("#", 1)[-1]
        label = prop_label(g, p)
        if direction == "in":
            label = props.get(local, {}).get("verb") or f"{label} of"
        facts = sorted(grp["facts"].values(), key=lambda f: (f["value"]["label"].lower(), f["source_title"], f["start"] or 0))
        relations.append({"direction": direction, "property": p, "label": label, "facts": facts})
    other: dict[str, list[dict]] = {}
    for r in g.select(_OTHER, {"x": node, "g": ox.NamedNode(iri.GRAPH_ENTITIES)}):
        if r["p"].value not in _SHOWN_ELSEWHERE:
            other.setdefault(prop_label(g, r["p"].value), []).append(value(g, r["o"]))
    if x not in g.lexicon["entities"]:  # a concept scheme or other resource: its own triples, from every graph
        for r in g.select("SELECT ?x ?p ?o WHERE { ?x ?p ?o }", {"x": node}):
            other.setdefault(prop_label(g, r["p"].value), []).append(value(g, r["o"]))
    links: dict[str, list[dict]] = {}
    for r in g.select(_LINKS, {"x": node}):
        s = r["s"].value
        if s in g.lexicon["entities"] or s.startswith((iri.SOURCE, iri.ENTITY)):
            links.setdefault(prop_label(g, r["p"].value), []).append(value(g, r["s"]))
    mentions: dict[str, list[dict]] = {}
    for r in g.select(_MENTIONS, {"x": node}):
        sid = short_id(r["src"].value)
        mentions.setdefault(sid, []).append({"quote": r.get("quote").value if "quote" in r else "", "start": _int(r.get("start")),
                                             "anchor": "m-" + r["m"].value.rsplit("/", 1)[-1]})  # fmt: skip
    for ms in mentions.values():
        ms.sort(key=lambda m: m["start"] or 0)
    entity_srcs = sorted(entity_sources(g).get(x, ()), key=lambda s: titles[s]["title"].lower() if s in titles else s)
    return {
        "iri": x,
        "id": e["id"],
        "label": e["label"],
        "types": [{"name": t, "label": g.lexicon["classes"].get(t, {}).get("label", t)} for t in e["types"]],
        "description": e.get("description"),
        "aliases": e.get("aliases", []),
        "relations": relations,
        "other": sorted(other.items()),
        "links": sorted((k, sorted({t["iri"]: t for t in v}.values(), key=lambda t: t["label"].lower())) for k, v in links.items()),
        "mentions": [
            {"source": s, "title": titles[s]["title"] if s in titles else s, "quotes": mentions[s]}
            for s in sorted(mentions, key=lambda s: titles[s]["title"].lower() if s in titles else s)
        ],  # fmt: skip
        "sources": [{"id": s, "title": titles[s]["title"] if s in titles else s} for s in entity_srcs],
        "in_lexicon": x in g.lexicon["entities"],
    }


def resource_exists(g: KnowledgeGraph, x: str) -> bool:
    """An IRI under the entity base that is the subject of a stored triple (concept schemes too)."""
    import pyoxigraph as ox

    if x in g.lexicon["entities"]:
        return True
    try:
        node = ox.NamedNode(x)
    except ValueError:  # not an IRI at all (a space, a quote, '<' in the path): nothing here
        return False
    q = "SELECT ?x WHERE { ?x ?p ?o } LIMIT 1"
    return bool(list(g.store.query(q, use_default_graph_as_union=True, substitutions={ox.Variable("x"): node})))


# ---------------------------------------------------------------------------------------------
# Sources

_SOURCE_FACTS = """SELECT ?g ?st ?s ?p ?o ?quote ?start ?end WHERE { GRAPH ?g {
  ?st a kgo:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL { ?st kgo:evidence ?quote } OPTIONAL { ?st kgo:startOffset ?start } OPTIONAL { ?st kgo:endOffset ?end } } }"""
_SOURCE_MENTIONS = """SELECT ?g ?m ?x ?start ?end WHERE { GRAPH ?g {
  ?m a kgo:Mention ; kgo:mentionOf ?x ; kgo:startOffset ?start ; kgo:endOffset ?end } }"""


def source_text(rec: dict, folders: list[Path]) -> tuple[str | None, str]:
    """The source's text from the first folder holding its file, if its sha256 is the recorded one
    (offsets are only right on that exact text); else (None, why not)."""
    name = rec.get("file")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None, "the source names no text file"
    tried = []
    for folder in folders:
        f = folder / name
        if not f.is_file():
            tried.append(str(folder))
            continue
        raw = f.read_bytes()
        if rec.get("sha256") and hashlib.sha256(raw).hexdigest() != rec["sha256"]:
            return None, f"{f} differs from the text the facts were taken from (sha256)"
        try:
            return raw.decode("utf-8"), str(f)
        except UnicodeDecodeError:
            return None, f"{f} is not UTF-8"
    if not folders:
        return None, "no sources folder given (kg serve --sources DIR)"
    return None, f"{name} is not in {', '.join(tried)}"


def source_view(g: KnowledgeGraph, sid: str, folders: list[Path]) -> dict | None:
    """A source's page: metadata, counts, facts grouped by subject, and its text with every quote marked."""
    import pyoxigraph as ox

    rec = sources(g).get(sid)
    if rec is None:
        return None
    graph = ox.NamedNode(iri.source(sid))
    facts = []
    for r in g.select(_SOURCE_FACTS, {"g": graph}):
        facts.append({
            "statement": r["st"].value, "anchor": statement_key(r["st"].value), "subject": value(g, r["s"]),
            "subject_iri": r["s"].value, "property": prop_label(g, r["p"].value), "value": value(g, r["o"]),
            "quote": r.get("quote").value if "quote" in r else "", "start": _int(r.get("start")), "end": _int(r.get("end")),
        })  # fmt: skip
    by_subject: dict[str, dict] = {}
    for f in sorted(facts, key=lambda f: (f["subject"]["label"].lower(), f["property"], f["start"] or 0)):
        by_subject.setdefault(f["subject_iri"], {"subject": f["subject"], "facts": []})["facts"].append(f)
    mentions = [{"anchor": "m-" + r["m"].value.rsplit("/", 1)[-1], "entity": value(g, r["x"]), "start": int(r["start"].value),
                 "end": int(r["end"].value)} for r in g.select(_SOURCE_MENTIONS, {"g": graph})]  # fmt: skip
    text, where = source_text(rec, folders)
    segments = highlight(text, facts, mentions) if text is not None else []
    return {"source": rec, "groups": list(by_subject.values()), "facts": len(facts), "mentions": len(mentions),
            "text": text is not None, "text_note": where, "segments": segments}  # fmt: skip


def highlight(text: str, facts: list[dict], mentions: list[dict]) -> list[dict]:
    """The text cut at every quote boundary: segments {text, facts, mentions, anchors}, where
    `facts` are the statements whose quote covers the segment (shortest first, it is the link),
    and `anchors` the (id, length) of the statements and mentions starting there (so #st-... opens
    at its place, and the page's script can outline the whole quote).

    One sweep over the cuts: a quote inside the text starts and ends at cuts, so the quotes that
    cover a segment are the ones open at its start (a source has 500-800 quotes: testing each
    against each segment took most of a source page's time). A quote reaching outside the text
    (none should) is tested against every segment, as before."""
    spans = [(f["start"], f["end"], f) for f in facts if f["start"] is not None and f["end"] is not None and f["end"] > f["start"]]
    mspans = [(m["start"], m["end"], m) for m in mentions if m["end"] > m["start"]]
    n = len(text)
    cuts = {0, n}
    for s, e, _ in spans + mspans:
        if 0 <= s <= e <= n:
            cuts |= {s, e}
    cuts_sorted = sorted(cuts)
    starts: dict[int, list[tuple[str, int]]] = {}
    for s, e, item in spans + mspans:
        starts.setdefault(s, []).append((item["anchor"], e - s))
    for s, e in sorted({(s, e) for s, e, _ in spans}):  # evidence known only by its offsets (kg ask) opens here too
        starts.setdefault(s, []).append((f"at-{s}-{e}", e - s))
    # (kind, index in its list): facts 0, mentions 1; opened and closed at their cuts
    opens: dict[int, list[tuple[int, int]]] = {}
    closes: dict[int, list[tuple[int, int]]] = {}
    outside: list[tuple[int, int]] = []
    for kind, items in ((0, spans), (1, mspans)):
        for i, (s, e, _) in enumerate(items):
            if 0 <= s <= e <= n:
                opens.setdefault(s, []).append((kind, i))
                closes.setdefault(e, []).append((kind, i))
            else:
                outside.append((kind, i))
    lists = (spans, mspans)
    open_now: set[tuple[int, int]] = set()
    out = []
    for a, b in zip(cuts_sorted, cuts_sorted[1:], strict=False):
        open_now.difference_update(closes.get(a, ()))
        open_now.update(opens.get(a, ()))
        here = list(open_now)
        here += [(k, i) for k, i in outside if lists[k][i][0] <= a and b <= lists[k][i][1]]
        fs = sorted((spans[i][1] - spans[i][0], i) for k, i in here if k == 0)  # shortest first; equal lengths in list order
        ms = sorted(i for k, i in here if k == 1)
        out.append({"text": text[a:b], "facts": [spans[i][2] for _, i in fs], "mentions": [mspans[i][2] for i in ms],
                    "anchors": starts.get(a, [])})  # fmt: skip
    return out
