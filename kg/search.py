"""`kg search TEXT`: ranked fuzzy search over labels and aliases, optionally by type."""

from __future__ import annotations

from kg.errors import InputError
from kg.graph import KnowledgeGraph
from kg.text import compact


def search(g: KnowledgeGraph, text: str, types: list[str] | None = None, limit: int = 10) -> list[dict]:
    from rapidfuzz import fuzz, process

    classes = g.lexicon["classes"]
    wanted = set()
    for t in types or []:
        match = next((c for c in classes if c.lower() == t.strip().lower()), None)
        if match is None:
            raise InputError(f"unknown type {t!r}; types: {', '.join(sorted(classes))}")
        wanted.add(match)
    key = compact(text)
    if not key:
        raise InputError("empty search text")
    names = [n for n in g.index.names if not wanted or wanted & _kinds(g, n[1])]
    hits = process.extract(key, [n[0] for n in names], scorer=fuzz.WRatio, limit=limit * 5, score_cutoff=50)
    best: dict[str, dict] = {}
    for _, score, idx in hits:
        k, iri, name = names[idx]
        score = float(score) + (5 if k.startswith(key) else 0) + (10 if k == key else 0)
        if iri not in best or best[iri]["score"] < score:
            e = g.entity(iri)
            best[iri] = {"iri": iri, "label": e["label"], "types": e["types"], "matched": name, "score": round(min(score, 100.0), 1)}
    return sorted(best.values(), key=lambda h: (-h["score"], h["label"]))[:limit]


def _kinds(g: KnowledgeGraph, iri: str) -> set[str]:
    classes = g.lexicon["classes"]
    return {a for t in g.entity(iri)["types"] for a in classes.get(t, {}).get("ancestors", [t])}
