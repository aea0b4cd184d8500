"""Loads data/ into records and rejects anything the ontology does not define.

Every rejection is an InputError naming file:line (exit 2); nothing is written on error.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from pathlib import Path
from typing import Any

from kg import iri
from kg.errors import InputError, Location
from kg.model import ClaimRec, Dataset, EntityRec, Evidence, FactRec, Literal, MentionRec, SourceRec
from kg.ontology import XSD, Vocabulary
from kg.paths import Paths
from kg.yamlio import Node, Seq, load_yaml

_DATE_FORMS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), XSD + "date"),
    (re.compile(r"^\d{4}-\d{2}$"), XSD + "gYearMonth"),
    (re.compile(r"^\d{4}$"), XSD + "gYear"),
    (re.compile(r"^--\d{2}$"), XSD + "gMonth"),
)
_NUMERIC = {XSD + "double", XSD + "decimal", XSD + "integer"}
_ENTITY_TYPES_FORBIDDEN = {"Source", "Statement", "Mention", "Bound", "Claim"}  # claims live in facts files
PENDING_CHECKS = ("quote-ends", "related-to-note")  # checks a facts file may defer while its source is reworked (see validate.py)
_CLAIM_LINKS = ("claimant", "about", "cause", "effect", "appearsIn")


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Reader:
    """Shared checks for one file: keys, required fields, locations."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def at(self, node: Any, key: str | None = None) -> Location:
        line = None
        if isinstance(node, Node):
            line = node.key_lines.get(key, node.line) if key else node.line
        elif hasattr(node, "line"):
            line = node.line
        return Location(self.path, line)

    def mapping(self, node: Any, what: str, allowed: set[str], required: set[str]) -> Node:
        if not isinstance(node, Node):
            raise InputError(f"each {what} must be a mapping of fields", self.at(node))
        for key in node:
            if key not in allowed:
                raise InputError(f"unknown field {key!r} in {what}{_suggest(key, sorted(allowed))}", self.at(node, key))
        for key in sorted(required):
            if node.get(key) in (None, ""):
                raise InputError(f"{what} lacks required field {key!r}", self.at(node))
        return node

    def text(self, node: Node, key: str, what: str) -> str | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InputError(f"{what} field {key!r} must be text, not {_kind(value)}", self.at(node, key))
        return value

    def sequence(self, node: Any, what: str) -> list:
        if node is None:
            return []
        if not isinstance(node, list):
            raise InputError(f"{what} must be a list", self.at(node))
        return node

    def ident(self, node: Node, key: str, what: str) -> str:
        """A required text field (an id, a label, a term): a number, list or mapping is refused,
        never turned into text such as "['Alexa', 'Pan']"."""
        value = node.get(key)
        if not isinstance(value, str):
            raise InputError(f"{what} field {key!r} must be text, not {_kind(value)}", self.at(node, key))
        return value

    def strings(self, node: Node, key: str, what: str, *, one_ok: bool = False) -> list[str]:
        """A list of text values (aliases, broader, sameAs); with one_ok, a single text is a list of one."""
        value = node.get(key)
        if value is None:
            return []
        if isinstance(value, str) and one_ok:
            return [value]
        if not isinstance(value, list):
            raise InputError(f"{what} field {key!r} must be a list of text, e.g. [{_shown(value)}]", self.at(node, key))
        lines = value.item_lines if isinstance(value, Seq) else []
        for n, item in enumerate(value):
            if not isinstance(item, str):
                line = lines[n] if n < len(lines) else None
                where = Location(self.path, line) if line else self.at(node, key)
                raise InputError(f"{what} field {key!r}: each item must be text, not {_kind(item)}", where)
        return list(value)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r} (quote it)"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date (quote it)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else "..."


_IRI_FORBIDDEN = set(' <>"{}|\\^`')


def check_iri(value: Any, where: Location, what: str, schemes: tuple[str, ...]) -> str:
    """A value that becomes an IRI: absolute, with one of `schemes`, and valid for the store
    (Oxigraph's own IRI parser decides, so the build never meets one it cannot write)."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, not {_kind(value)}", where)
    bad = next((c for c in value if c in _IRI_FORBIDDEN or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F), None)
    if bad is not None:
        raise InputError(f"{what} {value!r} is not a valid IRI: it contains {bad!r} (percent-encode it)", where)
    scheme, colon, rest = value.partition(":")
    if not colon or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        raise InputError(f"{what} {value!r} is not an absolute IRI (it needs a scheme such as https:)", where)
    if scheme.lower() not in schemes:
        raise InputError(f"{what} {value!r} must be an IRI with scheme {' or '.join(schemes)}, not {scheme}:", where)
    if scheme.lower() in ("http", "https"):
        from urllib.parse import urlsplit

        try:
            host = urlsplit(value).hostname
        except ValueError:
            host = None
        if not rest.startswith("//") or not host:
            raise InputError(f"{what} {value!r} has no host", where)
    import pyoxigraph

    try:
        pyoxigraph.NamedNode(value)
    except ValueError as exc:
        raise InputError(f"{what} {value!r} is not a valid IRI ({exc})", where) from None
    return value


URL_SCHEMES = ("http", "https")
SAME_AS_SCHEMES = ("http", "https", "urn")


def literal_for(value: Any, ranges: list[str], where: Location, what: str) -> Literal:
    """Types a YAML scalar by the property's allowed datatypes."""
    if isinstance(value, bool):
        raise InputError(f"{what}: true/false is not a value of this property", where)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{what}: {value!r} is not a finite number", where)
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()[:10]
    if isinstance(value, int) and any(r == XSD + "gYear" for r in ranges) and not set(ranges) & _NUMERIC:
        value = str(value)
    if isinstance(value, str):
        for pattern, datatype in _DATE_FORMS:
            if datatype in ranges and pattern.match(value):
                try:
                    if datatype == XSD + "date":
                        dt.date.fromisoformat(value)
                    elif datatype == XSD + "gYearMonth" and not 1 <= int(value[5:7]) <= 12:
                        raise ValueError
                    elif datatype == XSD + "gMonth" and not 1 <= int(value[2:]) <= 12:
                        raise ValueError
                except ValueError:
                    raise InputError(f"{what}: {value!r} is not a real date", where) from None
                return Literal(value, datatype)
        if XSD + "string" in ranges:
            return Literal(value, XSD + "string")
        wanted = ", ".join(r.rsplit("#", 1)[-1] for r in ranges)
        raise InputError(f"{what}: {value!r} is not a valid {wanted}", where)
    if isinstance(value, (int, float)):
        if XSD + "double" in ranges:
            return Literal(repr(float(value)).replace("e+", "E").replace("e", "E"), XSD + "double")
        if XSD + "decimal" in ranges:
            return Literal(_decimal(value), XSD + "decimal")
        if XSD + "integer" in ranges and float(value).is_integer():
            return Literal(str(int(value)), XSD + "integer")
    wanted = ", ".join(r.rsplit("#", 1)[-1] for r in ranges) or "no datatype"
    raise InputError(f"{what}: {value!r} is not a valid {wanted}", where)


def _decimal(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _load_sources(path: Path, data: Dataset) -> None:
    r = _Reader(path)
    root = load_yaml(path)
    for node in r.sequence(root, "sources.yaml"):
        r.mapping(node, "source", {"id", "file", "title", "publisher", "date", "url", "sha256", "description"}, {"id", "file", "sha256"})
        sid = r.ident(node, "id", "source")
        if not iri.SOURCE_ID_RE.match(sid):
            raise InputError(f"source id {sid!r} may hold only letters, digits, '_', '.', '-'", r.at(node, "id"))
        if sid in data.sources:
            raise InputError(f"duplicate source id {sid!r} (first at {data.sources[sid].where})", r.at(node, "id"))
        sha = r.ident(node, "sha256", "source").lower()
        if not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise InputError("sha256 must be 64 hex digits", r.at(node, "sha256"))
        date = node.get("date")
        data.sources[sid] = SourceRec(
            id=sid,
            file=r.ident(node, "file", "source"),
            title=r.text(node, "title", "source"),
            publisher=r.text(node, "publisher", "source"),
            date=literal_for(date, [XSD + "date", XSD + "gYearMonth", XSD + "gYear"], r.at(node, "date"), "date")
            if date is not None
            else None,
            url=check_iri(node["url"], r.at(node, "url"), "source url", URL_SCHEMES) if node.get("url") is not None else None,
            sha256=sha,
            description=r.text(node, "description", "source"),
            where=r.at(node),
        )


def _load_entities(path: Path, data: Dataset, vocab: Vocabulary) -> None:
    r = _Reader(path)
    classes = sorted(c for c in vocab.classes if c not in _ENTITY_TYPES_FORBIDDEN)
    for node in r.sequence(load_yaml(path), path.name):
        r.mapping(node, "entity", {"id", "type", "label", "aliases", "description", "broader", "sameAs"}, {"id", "type", "label"})
        eid = r.ident(node, "id", "entity")
        if not iri.SLUG_RE.match(eid):
            raise InputError(f"entity id {eid!r} is not a slug (lowercase ascii, digits, single hyphens)", r.at(node, "id"))
        if eid in data.entities:
            raise InputError(f"duplicate entity id {eid!r} (first at {data.entities[eid].where})", r.at(node, "id"))
        types = r.strings(node, "type", "entity", one_ok=True)
        for t in types:
            if t not in classes:
                raise InputError(f"unknown type {t!r}{_suggest(t, classes)}", r.at(node, "type"))
        aliases = r.strings(node, "aliases", "entity")
        broader = r.strings(node, "broader", "entity")
        if broader and not any(vocab.is_a(t, c) for t in types for c in ("Technology", "Industry", "Concept")):
            raise InputError("'broader' is only for Technology, Industry or Concept entities", r.at(node, "broader"))
        data.entities[eid] = EntityRec(
            id=eid,
            types=types,
            label=r.ident(node, "label", "entity"),
            aliases=aliases,
            description=r.text(node, "description", "entity"),
            broader=broader,
            where=r.at(node),
            same_as=[check_iri(x, r.at(node, "sameAs"), "sameAs", SAME_AS_SCHEMES) for x in r.strings(node, "sameAs", "entity")],
            key_where={k: r.at(node, k) for k in node},
        )


def _evidence(r: _Reader, node: Node, source: str, what: str) -> Evidence:
    quote = node.get("quote")
    if not isinstance(quote, str) or not quote.strip():
        raise InputError(f"{what} lacks its evidence quote", r.at(node))
    for key in ("start", "end"):
        if not isinstance(node.get(key), int) or isinstance(node.get(key), bool) or node[key] < 0:
            raise InputError(f"{what} needs '{key}' as a character offset (a whole number >= 0)", r.at(node, key))
    if node["end"] - node["start"] != len(quote):
        raise InputError(
            f"{what}: offsets {node['start']}..{node['end']} span {node['end'] - node['start']} characters but the quote has {len(quote)}",
            r.at(node, "end"),
        )
    return Evidence(source, quote, node["start"], node["end"], r.at(node))


def _refers(r: _Reader, node: Node, quote: str, ends: set[str], what: str) -> dict[str, list[str]]:
    """`refers: {entity-id: words}`: which words of the quote name an end the quote does not name
    by label or alias (a pronoun, "the Chinese EV maker"). The words must be in the quote."""
    raw = node.get("refers")
    if raw is None:
        return {}
    if not isinstance(raw, Node):
        raise InputError(
            f"{what} field 'refers' must be a mapping of entity id to the quote's words, e.g. {{lu-feng: He}}", r.at(node, "refers")
        )
    out: dict[str, list[str]] = {}
    for eid, words in raw.items():
        where = r.at(raw, eid)
        if eid not in ends:
            raise InputError(f"refers: {eid!r} is not an end of this {what}{_suggest(eid, sorted(ends))}", where)
        items = words if isinstance(words, list) else [words]
        for w in items:
            if not isinstance(w, str) or not w.strip():
                raise InputError(f"refers: {eid!r} needs the words of the quote that name it, as text", where)
            if w not in quote:
                raise InputError(f"refers: {w!r} (for {eid!r}) is not in the quote", where)
        out[eid] = list(items)
    return out


def _links(r: _Reader, node: Node, key: str, what: str) -> list[str]:
    """One entity id or a list of them."""
    value = node.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, str):
            raise InputError(f"{what} field {key!r} takes entity ids (text), not {_kind(item)}", r.at(node, key))
    return list(items)


def _load_claim(r: _Reader, node: Any, sid: str, data: Dataset, vocab: Vocabulary) -> None:
    fields = {"id", "label", "quote", "start", "end", "attribution", "hedge", "date", "refers", "note", *_CLAIM_LINKS}
    r.mapping(node, "claim", fields, {"id", "claimant", "quote"})
    cid = r.ident(node, "id", "claim")
    if not iri.SLUG_RE.match(cid):
        raise InputError(f"claim id {cid!r} is not a slug (lowercase ascii, digits, single hyphens)", r.at(node, "id"))
    if cid in data.entities:
        raise InputError(f"duplicate id {cid!r}: a claim and an entity share it (first at {data.entities[cid].where})", r.at(node, "id"))
    ev = _evidence(r, node, sid, "claim")
    attribution = ev
    if node.get("attribution") is not None:
        anode = r.mapping(node["attribution"], "claim attribution", {"quote", "start", "end"}, {"quote"})
        attribution = _evidence(r, anode, sid, "claim attribution")
    label = r.text(node, "label", "claim")
    note = r.text(node, "note", "claim")
    links = {k: _links(r, node, k, "claim") for k in _CLAIM_LINKS}
    ends = {e for ids in links.values() for e in ids}
    quote_all = ev.quote + "\n" + attribution.quote
    refers = _refers(r, node, quote_all, ends, "claim")
    data.claims[cid] = ClaimRec(id=cid, source=sid, evidence=ev, label=label, note=note)
    data.entities[cid] = EntityRec(
        id=cid, types=["Claim"], label=label or ev.quote, aliases=[], description=None, broader=[], where=r.at(node),
        key_where={k: r.at(node, k) for k in node},
    )  # fmt: skip

    def fact(pred: str, obj: str | None = None, value: list[Literal] | None = None, evidence: Evidence = ev) -> None:
        data.facts.append(
            FactRec(subject=cid, predicate=pred, object=obj, value=value, qualifiers={}, evidence=evidence, note=note,
                    key_where={"subject": r.at(node, "id"), "object": r.at(node, pred), "value": r.at(node, pred)},
                    refers={k: v for k, v in refers.items() if k == obj}, claim=cid)
        )  # fmt: skip

    for pred in _CLAIM_LINKS:
        for obj in links[pred]:
            fact(pred, obj, evidence=attribution if pred in ("claimant", "appearsIn") else ev)
    for pred in ("hedge", "date"):
        if node.get(pred) is not None:
            prop = vocab.properties[pred]
            fact(pred, value=[literal_for(v, prop.ranges, r.at(node, pred), pred) for v in _values(node[pred])])


def _load_facts(path: Path, data: Dataset, vocab: Vocabulary) -> None:
    r = _Reader(path)
    root = r.mapping(load_yaml(path), "facts file", {"source", "pending", "mentions", "facts", "claims"}, {"source"})
    sid = r.ident(root, "source", "facts file")
    if sid not in data.sources:
        raise InputError(f"unknown source {sid!r}{_suggest(sid, sorted(data.sources))}", r.at(root, "source"))
    pending = r.strings(root, "pending", "facts file")
    for check in pending:
        if check not in PENDING_CHECKS:
            raise InputError(f"pending: unknown check {check!r} (known: {', '.join(PENDING_CHECKS)})", r.at(root, "pending"))
    data.pending[sid] = set(pending)
    for node in r.sequence(root.get("mentions"), "mentions"):
        r.mapping(node, "mention", {"entity", "quote", "start", "end", "note"}, {"entity", "quote"})
        r.text(node, "note", "mention")
        data.mentions.append(MentionRec(r.ident(node, "entity", "mention"), _evidence(r, node, sid, "mention")))
    for node in r.sequence(root.get("claims"), "claims"):
        _load_claim(r, node, sid, data, vocab)
    props = sorted(p for p, d in vocab.properties.items() if not d.qualifier)
    qualifiers = sorted(p for p, d in vocab.properties.items() if d.qualifier and p != "bound")
    bounds = sorted(vocab.bounds)
    for node in r.sequence(root.get("facts"), "facts"):
        r.mapping(
            node,
            "fact",
            {"subject", "predicate", "object", "value", "bound", "qualifiers", "quote", "start", "end", "refers", "note"},
            {"subject", "predicate", "quote"},
        )
        pred = r.ident(node, "predicate", "fact")
        prop = vocab.properties.get(pred)
        if prop is None or prop.qualifier:
            raise InputError(f"unknown predicate {pred!r}{_suggest(pred, props)}", r.at(node, "predicate"))
        obj, value, bound = None, None, None
        if prop.kind == "object":
            if node.get("object") is None or "value" in node:
                key = "value" if "value" in node else "predicate"
                raise InputError(f"{pred!r} relates two entities: give 'object' (an entity id), not 'value'", r.at(node, key))
            obj = r.ident(node, "object", "fact")
            if "bound" in node:
                raise InputError("'bound' qualifies a value; this fact has an object", r.at(node, "bound"))
        else:
            if node.get("value") is None or "object" in node:
                key = "object" if "object" in node else "predicate"
                raise InputError(f"{pred!r} takes a 'value', not an 'object'", r.at(node, key))
            value = [literal_for(v, prop.ranges, r.at(node, "value"), pred) for v in _values(node["value"])]
            if node.get("bound") is not None:
                bound = node["bound"]
                if not isinstance(bound, str) or bound[:1].upper() + bound[1:] not in vocab.bounds:
                    names = ", ".join(b[:1].lower() + b[1:] for b in bounds)
                    raise InputError(f"bound must be one of {names}, not {_shown(bound)!r}", r.at(node, "bound"))
                bound = bound[:1].upper() + bound[1:]
                if not set(prop.ranges) & _NUMERIC:
                    raise InputError(f"'bound' is for numbers; {pred!r} is not numeric", r.at(node, "bound"))
        quals: dict[str, list[Literal]] = {}
        links: dict[str, list[str]] = {}
        qnode = node.get("qualifiers")
        if qnode is not None:
            if not isinstance(qnode, Node):
                raise InputError("qualifiers must be a mapping", r.at(node, "qualifiers"))
            for key, raw in qnode.items():
                qprop = vocab.properties.get(key)
                if key == "bound":
                    raise InputError("'bound' is a field of the fact, next to its value, not a qualifier", r.at(qnode, key))
                if qprop is None or not qprop.qualifier:
                    raise InputError(f"unknown qualifier {key!r}{_suggest(key, qualifiers)}", r.at(qnode, key))
                if qprop.kind == "object":
                    links[key] = _links(r, qnode, key, "qualifier")
                else:
                    quals[key] = [literal_for(v, qprop.ranges, r.at(qnode, key), key) for v in _values(raw)]
        ev = _evidence(r, node, sid, "fact")
        subject = r.ident(node, "subject", "fact")
        ends = {subject} | ({obj} if obj else set())
        data.facts.append(
            FactRec(
                subject=subject,
                predicate=pred,
                object=obj,
                value=value,
                qualifiers=quals,
                evidence=ev,
                note=r.text(node, "note", "fact"),
                key_where={k: r.at(node, k) for k in node},
                links=links,
                bound=bound,
                refers=_refers(r, node, ev.quote, ends, "fact"),
            )
        )


def _check_references(data: Dataset) -> None:
    known = sorted(data.entities)

    def need(eid: str, where: Location, role: str) -> None:
        if eid not in data.entities:
            raise InputError(f"{role} {eid!r} is not a known entity id{_suggest(eid, known)}", where)

    for ent in data.entities.values():
        for b in ent.broader:
            need(b, ent.key_where.get("broader", ent.where), "broader")
    for m in data.mentions:
        need(m.entity, m.evidence.where, "mention of")
    for f in data.facts:
        need(f.subject, f.key_where.get("subject", f.evidence.where), "subject")
        if f.object is not None:
            need(f.object, f.key_where.get("object", f.evidence.where), f"{f.predicate} of a claim" if f.claim else "object")
        for key, ids in f.links.items():
            for eid in ids:
                need(eid, f.key_where.get("qualifiers", f.evidence.where), f"qualifier {key}")


def load_dataset(paths: Paths, vocab: Vocabulary) -> Dataset:
    """All curated data, checked against the ontology; raises InputError on the first problem."""
    data = Dataset()
    sources = paths.data / "sources.yaml"
    if not sources.is_file():
        raise InputError("missing sources.yaml", Location(sources))
    _load_sources(sources, data)
    for path in sorted((paths.data / "entities").glob("*.yaml")):
        _load_entities(path, data, vocab)
    for path in sorted((paths.data / "facts").glob("*.yaml")):
        _load_facts(path, data, vocab)
    _check_references(data)
    return data
