"""The lexicon: what the hot path needs to know about names and terms, as one JSON file.

Written by the build from the data and the ontology, so `kg ask`, `show` and `search` never
parse Turtle or YAML at run time.
"""

from __future__ import annotations

from kg import iri
from kg.model import Dataset
from kg.ontology import Vocabulary


def make_lexicon(data: Dataset, vocab: Vocabulary) -> dict:
    entities = {
        iri.entity(e.id): {
            "id": e.id,
            "label": e.label,
            "aliases": e.aliases,
            "types": e.types,
            "description": e.description,
        }
        for e in data.entities.values()
    }
    properties = {}
    for name, p in vocab.properties.items():
        properties[name] = {
            "iri": p.iri,
            "label": p.label,
            "kind": p.kind,
            "phrases": p.ask_phrases,
            "inverse_voice": p.ask_inverse,
            "verb": p.verb,
            "nouns": p.nouns,
            "nouns_inverse": p.nouns_inverse,
            "ranges": p.ranges,
            "domain": p.domain,
            "symmetric": p.symmetric,
            "qualifier": p.qualifier,
            "inverse_of": p.inverse,
            "supers": [s[len(iri.ONTOLOGY) :] for s in p.supers if s.startswith(iri.ONTOLOGY)],
        }
    classes = {
        name: {"label": label, "words": vocab.class_words.get(name, []), "ancestors": sorted(vocab.class_ancestors[name])}
        for name, label in vocab.classes.items()
    }
    return {"entities": entities, "properties": properties, "classes": classes}
