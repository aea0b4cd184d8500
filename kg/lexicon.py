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
            "opposites": p.opposites,
            "disjoint": p.disjoint,
            "unit": p.unit,
            "bound": p.bound,
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
    from kg.linking import name_keys

    return {
        "entities": entities,
        "names": name_keys(entities),
        "properties": properties,
        "classes": classes,
        "ask": ask_lexicon(properties, classes),
    }


def _plural(word: str) -> str:
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def ask_lexicon(properties: dict, classes: dict) -> dict:
    """The phrases `kg ask` reads relations and classes by, stemmed here so asking does not stem them.

    Verbs (kgo:askPhrase, and labels that are not nouns) match by stem; nouns (kgo:askNoun,
    kgo:askNounInverse) match as written, singular or plural, so "developer" is not "develop".
    """
    from kg.text import stem, tokens

    phrases: list[tuple[str, str, tuple[str, ...]]] = []
    for name, p in properties.items():
        if p["kind"] != "object" or p["qualifier"]:
            continue
        entries = [("verb", w) for w in p["phrases"]] + [("noun", w) for w in p["nouns"]]
        entries += [("noun_inv", w) for w in p["nouns_inverse"]]
        if p["label"] not in p["nouns"]:
            entries.append(("verb", p["label"]))
        seen = set()
        for kind, text in entries:
            if kind == "verb":
                variants = [tuple(stem(t.text) for t in tokens(text))]
            else:
                base = tuple(t.text for t in tokens(text))
                at = len(base) - 2 if len(base) > 1 and base[-1] == "of" else len(base) - 1
                variants = [base, base[:at] + (_plural(base[at]),) + base[at + 1 :]] if base else []
            for words in variants:
                if words and (kind, words) not in seen:
                    seen.add((kind, words))
                    phrases.append((name, kind, words))
    # Kept apart from `phrases` (which ingest's extractor reads too): phrases of figures and dates
    # (datatype properties and statement qualifiers: askPhrase and the label without its unit), and
    # opposite phrases ("can invest in" asks whether a prohibition does not hold). Stemmed like verbs.
    values: list[tuple[str, str, tuple[str, ...]]] = []
    for name, p in properties.items():
        texts: list[tuple[str, str]] = []
        if p["kind"] == "datatype":
            texts = [("value", w) for w in p["phrases"]] + [("value", _unitless(p["label"]))]
        texts += [("opposite", w) for w in p.get("opposites", [])]
        for kind, text in texts:
            words = tuple(stem(t.text) for t in tokens(text))
            if words and (name, kind, words) not in values:
                values.append((name, kind, words))
    class_words = []
    for name, c in classes.items():
        for text in [c["label"], *c["words"]]:
            for variant in (text, text + "s", text[:-1] + "ies" if text.endswith("y") else text + "es"):
                words = tuple(stem(t.text) for t in tokens(variant))
                if words and words != ("who",) and (words, name) not in class_words:
                    class_words.append((words, name))
    stems = _stem_table(phrases + values, class_words, properties, classes)
    return {"phrases": phrases, "value_phrases": values, "class_words": class_words, "stems": stems}


def _unitless(label: str) -> str:
    """'amount (USD)' -> 'amount': the unit is not how people name a figure."""
    return label.split("(")[0].strip()


_SUFFIXES = ("", "s", "es", "ed", "d", "ing", "er", "ers", "y", "ies", "ied", "ion", "ions", "ation", "ations", "e", "al")


def _stem_table(phrases, class_words, properties: dict, classes: dict) -> dict[str, str]:
    """Surface form -> stem for every inflection of the words phrases are made of.

    Computed with the Snowball stemmer at build time, so `kg ask` looks stems up instead of
    importing the stemmer: a question word that is no inflection of a phrase word cannot match
    a phrase anyway, and stays as written.
    """
    from kg.text import stem, tokens

    wanted = {w for _, kind, words in phrases if kind in ("verb", "value", "opposite") for w in words}
    wanted |= {w for words, _ in class_words for w in words}
    texts = [t for p in properties.values() for t in (*p["phrases"], p["label"], *p.get("opposites", []))]
    texts += [t for c in classes.values() for t in (c["label"], *c["words"])]
    bases = {t.text for text in texts for t in tokens(text)} | wanted
    table: dict[str, str] = {}
    for base in bases:
        roots = {base, base[:-1] if base.endswith("e") else base, base + base[-1:]}
        for root in roots:
            for suffix in _SUFFIXES:
                form = root + suffix
                s = stem(form)
                if s in wanted and form != s:
                    table[form] = s
    return dict(sorted(table.items()))
