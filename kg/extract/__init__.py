"""`kg extract`: proposals (mentions, new entities, merges, facts) for a new text, as a draft.

Two engines behind one entry point: `rules` (regular expressions and the ontology's phrases; no
extra packages) and, when the `nlp` extra is installed, `nlp` (spaCy's small English pipeline:
sentences, parts of speech, dependencies and named entities). `extract()` picks the best one
available; the draft says which one made it.
"""

from kg.extract.rules import Gazetteer, Mention, Relations, candidates, item_key, resolve, sentences
from kg.extract.rules import extract as extract_rules

__all__ = ["Gazetteer", "Mention", "Relations", "candidates", "extract", "extract_rules", "item_key", "resolve", "sentences"]


def extract(text: str, source_id: str, lexicon: dict, known_entities: dict | None = None, rejected: set | None = None,
            engine: str = "auto") -> dict:  # fmt: skip
    """The draft for `text` (see kg.extract.rules.extract for the item kinds); `engine` is
    "rules", "nlp" (spaCy; an error without the extra) or "auto" (nlp when installed)."""
    if engine not in ("auto", "rules", "nlp"):
        raise ValueError(f"unknown engine {engine!r}")
    if engine != "rules" and nlp_available():
        from kg.extract import nlp

        return nlp.extract(text, source_id, lexicon, known_entities=known_entities, rejected=rejected)
    if engine == "nlp":
        from kg.errors import InputError

        raise InputError("the nlp engine needs the nlp extra: pip install '.[nlp]'")
    draft = extract_rules(text, source_id, lexicon, known_entities=known_entities, rejected=rejected)
    draft["engine"] = "rules"
    return draft


def nlp_available() -> bool:
    """Whether spaCy and an English pipeline are installed (checked without importing spaCy)."""
    from kg.extract import nlp  # spaCy itself is imported only when a pipeline is loaded

    return nlp.available()
