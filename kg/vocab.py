"""Ontology terms that kg's code names as plain strings (SPARQL text, JSON keys).

Code that builds RDF uses a ClosedNamespace made from the parsed ontology; the strings here
are for the hot query path, which must not parse the ontology. tests/test_vocab.py fails if
any of them is not defined in ontology/kg.ttl.
"""

from __future__ import annotations

from kg.iri import ONTOLOGY

CLASSES = ("Source", "Statement", "Mention", "Technology", "Industry", "Concept", "Person", "Organization", "Event")
PROPERTIES = ("evidence", "startOffset", "endOffset", "sha256", "mentions", "mentionOf", "askPhrase", "range", "qualifier")


class _Terms:
    """Attribute access to checked term IRIs: `KGO.evidence`; unknown names raise."""

    def __getattr__(self, name: str) -> str:
        if name in CLASSES or name in PROPERTIES:
            return ONTOLOGY + name
        raise AttributeError(f"{name!r} is not a term kg's code may use (see kg/vocab.py)")


KGO = _Terms()
