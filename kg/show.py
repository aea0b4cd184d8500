"""`kg show NAME`: an entity card with every fact in and out, each with its source and quote."""

from __future__ import annotations

from kg.graph import KnowledgeGraph

_FACTS = """SELECT * WHERE {
  { ?st rdf:subject ?x ; rdf:predicate ?p ; rdf:object ?other . BIND("out" AS ?dir) }
  UNION
  { ?st rdf:object ?x ; rdf:predicate ?p ; rdf:subject ?other . BIND("in" AS ?dir) }
  ?st a kgo:Statement ; kgo:evidence ?quote ; prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
  OPTIONAL { ?st ?qp ?qv . ?qp kgo:qualifier true }
}"""
_MENTIONS = """SELECT * WHERE {
  ?m kgo:mentionOf ?x ; kgo:evidence ?quote ; prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
}"""


def card(g: KnowledgeGraph, x: str) -> dict:
    import pyoxigraph as ox

    e = g.entity(x)
    groups: dict[tuple[str, str], dict[str, dict]] = {}
    for r in g.select(_FACTS, {"x": ox.NamedNode(x)}):
        p_local = r["p"].value.rsplit("#", 1)[-1]
        key = (r["dir"].value, p_local)
        st = r["st"].value
        other = r["other"]
        is_iri = type(other).__name__ == "NamedNode"
        fact = groups.setdefault(key, {}).setdefault(
            st,
            {
                "iri": other.value if is_iri else None,
                "label": g.label(other.value) if is_iri else other.value,
                "source": r["src"].value.rsplit("/", 1)[-1],
                "quote": r["quote"].value,
                "start": int(r["start"].value),
                "end": int(r["end"].value),
                "qualifiers": {},
            },
        )
        if "qp" in r:
            fact["qualifiers"].setdefault(r["qp"].value.rsplit("#", 1)[-1], [])
            if r["qv"].value not in fact["qualifiers"][r["qp"].value.rsplit("#", 1)[-1]]:
                fact["qualifiers"][r["qp"].value.rsplit("#", 1)[-1]].append(r["qv"].value)
    relations = []
    for (direction, prop), facts in sorted(groups.items()):
        p = g.lexicon["properties"].get(prop, {})
        name = p.get("label", prop)
        if direction == "in":
            name = f"{p.get('verb') or name} (inverse)" if not p.get("verb") else f"{p['verb']}"
        relations.append(
            {"direction": direction, "property": prop, "label": name, "facts": sorted(facts.values(), key=lambda f: f["label"])}
        )
    mentions = [
        {"source": r["src"].value.rsplit("/", 1)[-1], "quote": r["quote"].value, "start": int(r["start"].value), "end": int(r["end"].value)}
        for r in g.select(_MENTIONS, {"x": ox.NamedNode(x)})
    ]
    mentions.sort(key=lambda m: (m["source"], m["start"]))
    return {
        "iri": x,
        "id": e["id"],
        "label": e["label"],
        "types": e["types"],
        "description": e.get("description"),
        "aliases": e.get("aliases", []),
        "relations": relations,
        "mentions": mentions,
        "sources": sorted({m["source"] for m in mentions} | {f["source"] for r in relations for f in r["facts"]}),
        "sparql": _FACTS,
    }


def render(c: dict) -> str:
    lines = [f"{c['label']}  [{', '.join(c['types'])}]  <{c['iri']}>"]
    if c["description"]:
        lines.append(f"  {c['description']}")
    if c["aliases"]:
        lines.append(f"  also: {', '.join(c['aliases'])}")
    lines.append(f"  sources: {', '.join(c['sources'])}")
    for rel in c["relations"]:
        arrow = "->" if rel["direction"] == "out" else "<-"
        lines.append(f"\n  {arrow} {rel['label']}")
        for f in rel["facts"]:
            quals = "; ".join(f"{k}: {', '.join(v)}" for k, v in f["qualifiers"].items())
            lines.append(f"     {f['label']}" + (f"  ({quals})" if quals else ""))
            lines.append(f"        “{' '.join(f['quote'].split())}” [{f['source']} {f['start']}-{f['end']}]")
    return "\n".join(lines)
