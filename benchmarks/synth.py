"""Synthetic graphs in kg's own ontology and layout, reproducible from a seed.

People attend events (long-tailed: a few events draw many), companies develop models with
training-compute figures, policies prohibit or require notice of technologies with FLOP
thresholds, people found companies. Every fact is stated like the real build does it: the triple
plus a kgo:Statement with quote, offsets and source, in one named graph per synthetic source;
entities carry labels in the entities graph and types with their superclasses.

    python benchmarks/synth.py --triples 100000 --out /tmp/synth   # writes graph.nq and lexicon.json
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

KGO = "https://w3id.org/kg-tc/ontology#"
ID = "https://w3id.org/kg-tc/id/"
SRC = "https://w3id.org/kg-tc/source/"
ENT_G = "https://w3id.org/kg-tc/graph/entities"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SUPERS = {
    "Person": ["https://schema.org/Person"],
    "Company": [KGO + "Organization", "https://schema.org/Organization"],
    "AIModel": [],
    "Regulation": [KGO + "Policy"],
    "Technology": ["http://www.w3.org/2004/02/skos/core#Concept"],
    "Meeting": [KGO + "Event", "https://schema.org/Event"],
}
SHARE = {"Person": 0.45, "Company": 0.15, "AIModel": 0.15, "Regulation": 0.03, "Technology": 0.07, "Meeting": 0.15}


def lit(text: str, dt: str | None = None) -> str:
    esc = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{esc}"' + (f"^^<{dt}>" if dt else "")


def generate(triples: int, seed: int, out: Path, base_lexicon: dict) -> dict:
    rng = random.Random(seed)
    n_facts = max(50, triples // 10)
    n_entities = max(30, n_facts // 3)
    kinds = list(SHARE)
    ents: dict[str, list[str]] = {k: [] for k in kinds}
    lines: list[str] = []
    lexicon_entities = {}
    for i in range(n_entities):
        kind = rng.choices(kinds, weights=[SHARE[k] for k in kinds])[0]
        eid = f"{kind.lower()}-{i}"
        iri = ID + eid
        label = f"{kind} {i}"
        ents[kind].append(iri)
        lexicon_entities[iri] = {"id": eid, "label": label, "aliases": [], "types": [kind], "description": None}
        for t in [KGO + kind, *SUPERS[kind]]:
            lines.append(f"<{iri}> <{RDF}type> <{t}> <{ENT_G}> .")
        lines.append(f"<{iri}> <{RDFS}label> {lit(label)} <{ENT_G}> .")
    sources = [SRC + f"synthetic-{k}" for k in range(max(3, n_facts // 2000))]

    def pick(kind: str, skew: float = 1.0) -> str:
        pool = ents[kind]
        return pool[min(len(pool) - 1, int(len(pool) * rng.random() ** skew))]

    facts = [("attendee", "Meeting", "Person", 3.0), ("developer", "AIModel", "Company", 2.0),
             ("founder", "Company", "Person", 1.0), ("prohibits", "Regulation", "Technology", 1.5),
             ("requiresNotificationFor", "Regulation", "Technology", 1.5), ("host", "Meeting", "Person", 1.0)]  # fmt: skip
    for n in range(n_facts):
        src = sources[n % len(sources)]
        if n % 10 == 0 and ents["AIModel"]:
            s, p = pick("AIModel", 1.0), "trainingComputeAboveFLOP"
            o = lit(f"1.0E{rng.choice((22, 23, 23, 24, 24, 25))}", XSD + "double")
        else:
            p, sk, ok, skew = rng.choice(facts)
            if not ents[sk] or not ents[ok]:
                continue
            s, o = pick(sk, 1.0), f"<{pick(ok, skew)}>"
        st = f"<{ID}statement/{n}>"
        quote = lit(f"synthetic evidence {n}")
        lines += [
            f"<{s}> <{KGO}{p}> {o} <{src}> .",
            f"{st} <{RDF}type> <{KGO}Statement> <{src}> .",
            f"{st} <{RDF}subject> <{s}> <{src}> .",
            f"{st} <{RDF}predicate> <{KGO}{p}> <{src}> .",
            f"{st} <{RDF}object> {o} <{src}> .",
            f"{st} <{KGO}evidence> {quote} <{src}> .",
            f"{st} <{PROV}wasDerivedFrom> <{src}> <{src}> .",
            f"{st} <{KGO}startOffset> {lit('0', XSD + 'integer')} <{src}> .",
            f"{st} <{KGO}endOffset> {lit('20', XSD + 'integer')} <{src}> .",
        ]
        if p in ("prohibits", "requiresNotificationFor") and rng.random() < 0.5:
            lines.append(f"{st} <{KGO}thresholdFLOP> {lit('1.0E' + str(rng.choice((23, 24, 25))), XSD + 'double')} <{src}> .")
    out.mkdir(parents=True, exist_ok=True)
    (out / "graph.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from kg.linking import name_keys

    lexicon = dict(base_lexicon, entities=lexicon_entities, names=name_keys(lexicon_entities))
    (out / "lexicon.json").write_text(json.dumps(lexicon), encoding="utf-8")
    return {"quads": len(lines), "entities": n_entities, "facts": n_facts}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--triples", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    from kg.build import ensure_built
    from kg.paths import Paths

    base = json.loads(ensure_built(Paths.from_env()).lexicon.read_text())
    print(generate(args.triples, args.seed, args.out, base))


if __name__ == "__main__":
    main()
