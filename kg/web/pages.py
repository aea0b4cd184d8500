"""HTML pages of `kg serve`: the entity card and the home page (plain strings, every value escaped)."""

from __future__ import annotations

import html
from urllib.parse import quote

from kg import iri


def entity_page(card: dict) -> str:
    """An entity card (kg.show.card) as HTML, with its evidence and the ego-network frame."""
    e = html.escape
    rows = []
    for rel in card["relations"]:
        arrow = "→" if rel["direction"] == "out" else "←"
        for f in rel["facts"]:
            target = (f'<a href="/entity/{e(quote(f["iri"][len(iri.ENTITY):]))}">{e(f["label"])}</a>'
                      if f["iri"] else e(f["label"]))  # fmt: skip
            rows.append(
                f"<tr><td>{arrow} {e(rel['label'])}</td><td>{target}</td>"
                f"<td><blockquote>{e(f['quote'])}</blockquote><small>{e(f['source'])} {f['start']}–{f['end']}</small></td></tr>"
            )
    aliases = f"<p>Also: {e('; '.join(card['aliases']))}</p>" if card["aliases"] else ""
    desc = f"<p>{e(card['description'])}</p>" if card["description"] else ""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(card["label"])} · kg</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; style-src 'unsafe-inline'; frame-src 'self'">
<style>body{{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}}
td{{vertical-align:top;padding:4px 8px;border-bottom:1px solid #eee}} blockquote{{margin:0}} small{{color:#666}}
iframe{{width:100%;height:480px;border:1px solid #ddd}}</style></head><body>
<p><a href="/">kg</a> · <a href="/entity/{e(quote(card["id"]))}.ttl">Turtle</a>
· <a href="/entity/{e(quote(card["id"]))}.jsonld">JSON-LD</a></p>
<h1>{e(card["label"])}</h1><p><em>{e(", ".join(card["types"]))}</em> · <code>{e(card["iri"])}</code></p>{desc}{aliases}
<p>Sources: {e(", ".join(card["sources"]))}</p>
<iframe src="/viz/{e(quote(card["id"]))}" title="ego network"></iframe>
<table>{"".join(rows)}</table></body></html>"""


def home_page(n: int, q: str, hits: list[dict]) -> str:
    """The home page: the entity count and the name-search hits."""
    items = "".join(
        f'<li><a href="/entity/{html.escape(quote(h["iri"][len(iri.ENTITY) :]))}">{html.escape(h["label"])}</a>'
        f" <small>{html.escape(', '.join(h['types']))}</small></li>"
        for h in hits
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>kg</title>
<style>body{{font:15px/1.45 system-ui,sans-serif;max-width:800px;margin:2em auto;padding:0 1em}}</style></head><body>
<h1>kg</h1><p>{n} entities. SPARQL endpoint: <a href="/sparql">/sparql</a> · questions: <code>/ask?q=...</code></p>
<form action="/" method="get"><input name="q" value="{html.escape(q)}" size="40" placeholder="Search names"> <button>Search</button></form>
<ul>{items}</ul></body></html>"""
