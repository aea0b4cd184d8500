"""Every ontology term the code and the named queries spell out (`kgo:Term` in SPARQL text,
`iri.term("x")`, `KGO + "x"`) is defined in ontology/kg.ttl, so a typo fails here instead of
silently matching nothing."""

from __future__ import annotations

import re
from pathlib import Path

from kg.ontology import read_vocabulary

ROOT = Path(__file__).resolve().parent.parent
VOCAB = read_vocabulary([ROOT / "ontology" / "kg.ttl"])
DEFINED = (
    set(VOCAB.classes)
    | set(VOCAB.properties)
    | set(VOCAB.bounds)  # named individuals: kgo:MoreThan, kgo:AtLeast, ...
    | {"askPhrase", "askInverse", "askNoun", "askNounInverse", "askOpposite", "askUnit", "askBound", "verb", "qualifier", "range"}
)
PATTERNS = [
    r"\bkgo:([A-Za-z][A-Za-z0-9]*)",
    r'iri\.term\("([A-Za-z][A-Za-z0-9]*)"\)',
    r'KGO \+ "([A-Za-z][A-Za-z0-9]*)"',
    r"ontology#([A-Za-z][A-Za-z0-9]*)",
]


def test_every_spelled_out_term_is_defined():
    files = [*ROOT.glob("kg/**/*.py"), *ROOT.glob("kg/**/*.html"), *ROOT.glob("queries/*.rq"), *ROOT.glob("tests/data/*.yaml")]
    used: dict[str, set[str]] = {}
    for f in files:
        text = f.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            for term in re.findall(pattern, text):
                used.setdefault(term, set()).add(str(f.relative_to(ROOT)))
    assert len(used) > 20  # the scan really finds the terms
    unknown = {t: sorted(fs) for t, fs in used.items() if t not in DEFINED}
    assert unknown == {}
