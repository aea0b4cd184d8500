"""The one place kg mints IRIs. Policy (docs/identifiers.md): readable, stable slugs under one base.

No rdflib import here: the hot CLI path mints IRIs as plain strings.
"""

from __future__ import annotations

import re
import unicodedata

BASE = "https://w3id.org/kg-tc/"
ONTOLOGY = BASE + "ontology#"
ENTITY = BASE + "id/"
SOURCE = BASE + "source/"
STATEMENT = BASE + "statement/"
MENTION = BASE + "mention/"
GRAPH = BASE + "graph/"

GRAPH_ONTOLOGY = GRAPH + "ontology"
GRAPH_ENTITIES = GRAPH + "entities"
GRAPH_SOURCES = GRAPH + "sources"
GRAPH_INFERRED = GRAPH + "inferred"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def slugify(label: str) -> str:
    """The slug rule of docs/data-format.md, for proposing ids for new entities."""
    folded = unicodedata.normalize("NFKD", label.replace("Σ", "sigma").replace("σ", "sigma"))
    ascii_only = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def term(local: str) -> str:
    return ONTOLOGY + local


def entity(entity_id: str) -> str:
    return ENTITY + entity_id


def source(source_id: str) -> str:
    """A source's IRI; it is also the name of the named graph holding its facts."""
    return SOURCE + source_id


def _digest(*parts: object) -> str:
    import hashlib

    return hashlib.sha1("\x1f".join(map(repr, parts)).encode()).hexdigest()[:16]


def statement(source_id: str, subject: str, predicate: str, obj: object, qualifiers: object = None) -> str:
    """Content-addressed, so reordering a facts file never renames a statement."""
    return f"{STATEMENT}{source_id}/{_digest(subject, predicate, obj, qualifiers)}"


def mention(source_id: str, entity_id: str, start: int) -> str:
    return f"{MENTION}{source_id}/{_digest(entity_id, start)}"


def local_id(iri: str) -> str | None:
    """The entity id of a kg entity IRI, else None."""
    return iri[len(ENTITY) :] if iri.startswith(ENTITY) else None


# The prefixes queries, exports and the build's files use.
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dct": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "kgo": ONTOLOGY,
    "kgr": ENTITY,
    "kgs": SOURCE,
}
