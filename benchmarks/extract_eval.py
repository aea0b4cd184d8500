"""How well `kg extract` recovers the curated data of the first sources.

For each source, its curated mentions and facts are set aside and the extractor's proposals are
compared with them. By default the entity records stay known (the gazetteer has every name);
with --held-out the extractor knows only the entities the *other* sources mention, so the rest
must be found as new names. Run on demand:
    python benchmarks/extract_eval.py [--held-out] [--sources ../shared/sources]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg import iri  # noqa: E402
from kg.extract import extract  # noqa: E402
from kg.text import compact  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KEY = {"founder", "developer", "attendee", "host", "speaker", "affiliation", "worksFor", "leads", "invented", "owns",
       "prohibits", "requiresNotificationFor", "issuedBy", "implements", "buildsOn", "author", "party", "partner"}  # fmt: skip


def curated(facts_file: Path) -> tuple[set[str], set[tuple[str, str, str]]]:
    d = yaml.safe_load(facts_file.read_text())
    ents = {m["entity"] for m in d.get("mentions") or []}
    rels = set()
    for f in d.get("facts") or []:
        ents.add(f["subject"])
        if "object" in f:
            ents.add(f["object"])
            rels.add((f["subject"], f["predicate"], f["object"]))
    return ents, rels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "sources")
    ap.add_argument("--held-out", action="store_true", help="the extractor knows only entities the other sources mention")
    args = ap.parse_args()
    from kg.build import ensure_built
    from kg.paths import Paths

    lexicon = json.loads(ensure_built(Paths.from_env()).lexicon.read_text())
    entities = lexicon["entities"]
    by_id = {e["id"]: e for e in entities.values()}
    files = sorted((ROOT / "data" / "facts").glob("*.yaml"))
    gold = {f.stem: curated(f) for f in files}
    rows, tot = [], [0] * 8
    tot = [0] * 8
    for f in files:
        sid = f.stem
        if args.held_out:
            others = set().union(*(gold[o][0] for o in gold if o != sid))
            known = {iri.entity(e): by_id[e] for e in others if e in by_id}
        else:  # the source's curated facts and mentions removed; the entity records stay
            known = entities
        text = (args.sources / f"{sid}.txt").read_text(encoding="utf-8")
        draft = extract(text, sid, lexicon, known_entities=known)
        g_ents, g_rels = gold[sid]
        names = {compact(n): e for e in g_ents for n in [by_id[e]["label"], *by_id[e].get("aliases", [])]}
        cand_map: dict[str, str | None] = {}
        pred_ents: set[str] = set()
        wrong_ents = 0
        for it in draft["items"]:
            if it["kind"] == "mention":
                pred_ents.add(it["entity"])
            elif it["kind"] == "merge":
                pred_ents.add(it["into"]) if it["into"] in g_ents else None
                wrong_ents += it["into"] not in g_ents
            elif it["kind"] == "entity":
                hit = names.get(compact(it["label"])) or next((names[compact(a)] for a in it["aliases"] if compact(a) in names), None)
                cand_map[it["id"]] = hit
                if hit:
                    pred_ents.add(hit)
                else:
                    wrong_ents += 1
        facts = [it for it in draft["items"] if it["kind"] == "fact"]
        mapped = {(cand_map.get(x["subject"], x["subject"]), x["predicate"], cand_map.get(x["object"], x["object"])) for x in facts}
        right = mapped & g_rels
        m_ok = len(pred_ents & g_ents)
        key_gold = {r for r in g_rels if r[1] in KEY}
        row = (sid, len(g_ents), m_ok, m_ok + wrong_ents + len(pred_ents - g_ents), len(g_rels), len(right), len(mapped),
               len(key_gold), len(mapped & key_gold))  # fmt: skip
        rows.append(row)
        for i, v in enumerate(row[1:]):
            tot[i] += v
    head = "| source | entities | found | proposed | mention recall | mention precision | relations | right | proposed"
    print(head + " | relation recall | relation precision | key relations | right | key recall |")
    print("|---" * 14 + "|")
    for sid, ge, ok, prop, gr, rr, pr, kg_, kr in [*rows, ("all", *tot)]:
        print(
            f"| {sid} | {ge} | {ok} | {prop} | {ok / ge:.0%} | {ok / max(prop, 1):.0%} | {gr} | {rr} | {pr} | "
            f"{rr / max(gr, 1):.0%} | {rr / max(pr, 1):.0%} | {kg_} | {kr} | {kr / max(kg_, 1):.0%} |"
        )


if __name__ == "__main__":
    main()
