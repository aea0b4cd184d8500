"""How well `kg extract` does on real articles, and on the curated first sources.

Default (`--articles`): the extraction benchmark in tests/data/extract_eval/, public-domain US
government texts annotated by hand before the extractor ran on them (annotations.yaml says how).
Per article: known entities linked, new entities found, share of entity proposals that are real,
class right (of the new entities found), key relations proposed as stated, figures and dates.
Tune and held-out articles are reported apart; the targets are judged on held-out ones.

`--curated`: the older check, each first source's curated mentions and facts set aside and
compared with the proposals (with --held-out, only names the other sources mention are known).

    python benchmarks/extract_eval.py [--engine rules|nlp|auto] [--split tune|held-out] [--curated [--held-out]] [--verbose]
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
ARTICLES = ROOT / "tests" / "data" / "extract_eval"
KEY = {"founder", "developer", "attendee", "host", "speaker", "affiliation", "worksFor", "leads", "invented", "owns",
       "prohibits", "requiresNotificationFor", "issuedBy", "implements", "buildsOn", "author", "party", "partner"}  # fmt: skip


def _as_list(x) -> list:
    return list(x) if isinstance(x, list) else [x]


def _same_value(a, b) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-9 * max(1.0, abs(float(b)))
    except (TypeError, ValueError):
        return str(a).strip().lower() == str(b).strip().lower()


def score_article(draft: dict, gold: dict) -> dict:
    """Counts for one article: see the module docstring. Pure: a draft and its annotation in."""
    items = [i for i in draft["items"] if i.get("status", "proposed") != "rejected"]
    known = set(gold.get("known") or [])
    new = gold.get("new") or []
    names = {}  # compact spelling -> annotated new label
    for e in new:
        for n in [e["label"], *(e.get("aliases") or [])]:
            names.setdefault(compact(n), e["label"])
    linked = {i["entity"] for i in items if i["kind"] == "mention"} | {i["into"] for i in items if i["kind"] == "merge"}
    proposals = [i for i in items if i["kind"] == "entity" and not i.get("event")]  # events: not annotated, counted apart
    to_label: dict[str, str] = {}
    class_of = {e["label"]: _as_list(e["class"]) for e in new}
    found, class_right, wrong = {}, 0, []
    for p in proposals:
        hit = next((names[compact(n)] for n in [p["label"], *(p.get("aliases") or [])] if compact(n) in names), None)
        if hit is None:
            wrong.append(p["label"])
            continue
        to_label[p["id"]] = hit
        if hit not in found:
            found[hit] = p["type"]
            class_right += p["type"] in class_of[hit]
    facts = [i for i in items if i["kind"] == "fact"]

    def node(x: str) -> str:
        return to_label.get(x, x)

    stated = {(node(f["subject"]), f["predicate"], node(f["object"])) for f in facts if "object" in f}
    rel_hits, rel_missed = 0, []
    for s, preds, o in gold.get("relations") or []:
        if any((s, p, o) in stated for p in _as_list(preds)):
            rel_hits += 1
        else:
            rel_missed.append(f"{s} {'/'.join(_as_list(preds))} {o}")
    values = [f for f in facts if "value" in f]
    val_hits = 0
    for s, p, v in gold.get("values") or []:
        val_hits += any(f["predicate"] == p and _same_value(f["value"], v) and (s is None or node(f["subject"]) == s) for f in values)
    return {
        "known": len(known), "linked": len(known & linked), "unlinked": sorted(known - linked),
        "new": len(new), "found": len(found), "missed": sorted({e["label"] for e in new} - set(found)),
        "proposed": len(proposals), "real": len(proposals) - len(wrong), "wrong": wrong, "class_right": class_right,
        "relations": len(gold.get("relations") or []), "relations_right": rel_hits, "relations_missed": rel_missed,
        "facts_proposed": len(facts), "values": len(gold.get("values") or []), "values_right": val_hits,
        "events": sum(1 for i in items if i.get("event")),
    }  # fmt: skip


def _pct(a: int, b: int) -> str:
    return f"{a / b:.0%} ({a}/{b})" if b else "–"


def articles(lexicon: dict, engine: str, verbose: bool, split: str | None = None) -> None:
    spec = yaml.safe_load((ARTICLES / "annotations.yaml").read_text(encoding="utf-8"))
    print("| article | split | known linked | new found | proposals real | class right | key relations | figures, dates | events |")
    print("|---|---|---|---|---|---|---|---|---|")
    totals: dict[str, dict[str, int]] = {}
    used = None
    for art in spec["articles"]:
        if split and art["split"] != split:
            continue
        text = (ARTICLES / art["file"]).read_text(encoding="utf-8")
        draft = extract(text, art["file"], lexicon, engine=engine)
        used = draft.get("engine", "rules")
        r = score_article(draft, art)
        t = totals.setdefault(art["split"], {})
        for k, v in r.items():
            if isinstance(v, int):
                t[k] = t.get(k, 0) + v
        print(f"| {art['file']} | {art['split']} | {_pct(r['linked'], r['known'])} | {_pct(r['found'], r['new'])} | "
              f"{_pct(r['real'], r['proposed'])} | {_pct(r['class_right'], r['found'])} | "
              f"{_pct(r['relations_right'], r['relations'])} | {_pct(r['values_right'], r['values'])} | {r['events']} |")  # fmt: skip
        if verbose:
            print(
                f"    unlinked {r['unlinked']}\n    missed {r['missed']}\n    wrong {r['wrong']}\n    relations missed {r['relations_missed']}"
            )
    for split, r in totals.items():
        print(f"| **all {split}** | | {_pct(r['linked'], r['known'])} | {_pct(r['found'], r['new'])} | "
              f"{_pct(r['real'], r['proposed'])} | {_pct(r['class_right'], r['found'])} | "
              f"{_pct(r['relations_right'], r['relations'])} | {_pct(r['values_right'], r['values'])} | {r['events']} |")  # fmt: skip
    print(f"\nengine: {used}")


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


def curated_sources(lexicon: dict, sources: Path, held_out: bool, engine: str) -> None:
    entities = lexicon["entities"]
    by_id = {e["id"]: e for e in entities.values()}
    files = sorted((ROOT / "data" / "facts").glob("*.yaml"))
    gold = {f.stem: curated(f) for f in files}
    rows, tot = [], [0] * 8
    for f in files:
        sid = f.stem
        if held_out:
            others = set().union(*(gold[o][0] for o in gold if o != sid))
            known = {iri.entity(e): by_id[e] for e in others if e in by_id}
        else:  # the source's curated facts and mentions removed (its claims too: a claim's label is its quote); the entity records stay
            own = {c["id"] for c in yaml.safe_load(f.read_text()).get("claims") or []}
            known = {k: e for k, e in entities.items() if e["id"] not in own}
        text = (sources / f"{sid}.txt").read_text(encoding="utf-8")
        draft = extract(text, sid, lexicon, known_entities=known, engine=engine)
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
        facts = [it for it in draft["items"] if it["kind"] == "fact" and "object" in it]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="auto", choices=["auto", "rules", "nlp"])
    ap.add_argument("--curated", action="store_true", help="score against the curated first sources instead")
    ap.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "sources")
    ap.add_argument("--held-out", action="store_true", help="(--curated) the extractor knows only entities the other sources mention")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--split", choices=["tune", "held-out"], help="score only these articles (tune with -v while tuning)")
    args = ap.parse_args()
    from kg.build import ensure_built
    from kg.paths import Paths

    lexicon = json.loads(ensure_built(Paths.from_env()).lexicon.read_text(encoding="utf-8"))
    if args.curated:
        curated_sources(lexicon, args.sources, args.held_out, args.engine)
    else:
        articles(lexicon, args.engine, args.verbose, args.split)


if __name__ == "__main__":
    main()
